//! `git intellimanage mcp` driven by a real MCP client nobody here wrote: the official
//! Python SDK (PyPI `mcp`, pinned in tests/mcp-client/requirements.txt) runs
//! tests/mcp-client/check.py, which starts the server over stdio, initializes, lists the
//! tools and calls each one on a real repository (`sync` against the GitHub emulator).
//! This side then checks what the calls left behind: the files and GitHub's state.

use std::path::PathBuf;

use crate::support::*;
use github_emulator::Emulator;

const TOKEN: &str = "ghp_McpCl1entT0kenR9sLw2";
const P: &str = ".ruru/projects/demo";

fn client_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp-client")
}

#[test]
fn an_mcp_client_calls_every_tool() {
    let dir = client_dir();
    let python = dir.join(".venv/bin/python");
    if !python.exists() {
        let why = format!(
            "MCP client check skipped: {} is missing (create it with \
             `python3 -m venv tests/mcp-client/.venv && \
             tests/mcp-client/.venv/bin/pip install -r tests/mcp-client/requirements.txt`)",
            python.display()
        );
        if std::env::var("INTELLIMANAGE_REQUIRE_MCP_CLIENT").as_deref() == Ok("1") {
            panic!("{why}");
        }
        eprintln!("{why}");
        return;
    }

    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo("acme", "demo");
    let repo = demo();

    // The hermetic environment (own HOME, no global git config, no keyring), which the
    // script hands on to the server and the server to each tool's command.
    let url = emu.url();
    let mut cmd = repo.command(&python.to_string_lossy());
    cmd.arg(dir.join("check.py"))
        .env("INTELLIMANAGE_BIN", BIN)
        .env("INTELLIMANAGE_REPO", repo.path())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    for (k, v) in github_env(&url, TOKEN) {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run check.py");
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert!(
        out.status.success(),
        "check.py failed ({})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    assert!(stdout.contains("mcp check passed"), "stdout:\n{stdout}");
    // Nothing the server printed on stderr (the client shows it) is a crash.
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
    // The token went through the environment only: it never shows up in what was printed.
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));

    // `new`, then `set`: the file is in the working tree, with both.
    let created = stdout
        .lines()
        .find_map(|l| l.strip_prefix("created "))
        .unwrap_or_else(|| panic!("no `created` line in:\n{stdout}"));
    assert_eq!(
        created,
        format!("{P}/tasks/TASK-003_check-the-mx-record.md")
    );
    let text = repo.read(created);
    for expected in [
        "id = \"TASK-003\"",
        "status = \"🔵 In Progress\"",
        "feature_id = \"FEAT-001\"",
        "depends_on = [\"TASK-001\"]",
        "- [ ] --not-an-option",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    // `archive`: moved under archive/.
    assert!(!repo.file(&format!("{P}/tasks/TASK-002_button.md")).exists());
    let archived = repo.read(&format!("{P}/archive/tasks/TASK-002_button.md"));
    assert!(archived.contains("🧊 Archived"), "{archived}");

    // `sync`: the dry run wrote nothing (check.py looked right after it); the call with
    // `dry_run: false` created the committed plan's issues, once each.
    let mut titles: Vec<String> = emu
        .issues("acme", "demo")
        .iter()
        .filter_map(|i| i["title"].as_str().map(str::to_string))
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        ["Submit button", "Typo on the form", "Validate e-mail"]
    );
    let issue_posts = emu
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/repos/acme/demo/issues")
        .count();
    assert_eq!(issue_posts, 3);
}
