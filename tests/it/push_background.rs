//! The pre-push sync in the background: a real `git push` to a local bare remote returns
//! before GitHub (the emulator) hears anything; the sync follows once the push has landed,
//! a push the remote rejects syncs nothing, and `status` tells how the last one went.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::*;
use github_emulator::Emulator;
use serde_json::Value;

const TOKEN: &str = "ghp_BackgroundPushT0ken42";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";

fn git_in(repo: &TestRepo, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = repo.command("git");
    cmd.current_dir(dir).args(args).env("PATH", clean_path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run git")
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo(OWNER, REPO);
    emu
}

/// The demo plan committed, the hooks installed, a bare `origin`.
fn setup(config_extra: &str) -> (TestRepo, tempfile::TempDir) {
    let repo = TestRepo::new();
    write_demo_plan(&repo);
    if !config_extra.is_empty() {
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config("demo", config_extra),
        );
    }
    repo.commit_all("Add the plan");
    repo.im_ok(&["hooks", "install"]);
    let remote = tempfile::tempdir().expect("remote dir");
    assert_ok(
        &git_in(
            &repo,
            remote.path(),
            &["init", "-q", "--bare", "-b", "main"],
            &[],
        ),
        "git init --bare",
    );
    repo.git(&["remote", "add", "origin", &remote.path().to_string_lossy()]);
    (repo, remote)
}

fn push(repo: &TestRepo, api: &str, args: &[&str]) -> Output {
    let mut all = vec!["push"];
    all.extend_from_slice(args);
    git_in(repo, repo.path(), &all, &github_env(api, TOKEN))
}

/// The state file of the last background sync.
fn background(repo: &TestRepo) -> Option<Value> {
    let text = std::fs::read(repo.path().join(".git/intellimanage/background.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Waits until the background sync started by the last push has finished; its state.
fn wait_background(repo: &TestRepo) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(state) = background(repo)
            && state["result"] != "running"
        {
            return state;
        }
        assert!(
            Instant::now() < deadline,
            "the background sync never finished; log:\n{}",
            std::fs::read_to_string(repo.path().join(".git/intellimanage/background.log"))
                .unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn status_json(repo: &TestRepo) -> Value {
    repo.im_json(&["status", "--json"])
}

#[test]
fn a_push_returns_before_github_hears_anything_and_the_sync_follows() {
    let (repo, remote) = setup("");
    let emu = emulator();
    // Every request takes 300 ms: a sync in the hook would hold the push for seconds.
    emu.set_latency(Duration::from_millis(300));
    let sha = repo.git(&["rev-parse", "HEAD"]);

    let out = push(&repo, &emu.url(), &["origin", "main"]);
    assert_ok(&out, "git push");
    // The push is done, and GitHub has not been written to yet.
    assert_eq!(
        emu.write_count(),
        0,
        "the push returned before the sync: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("in the background once the push has landed"),
        "{}",
        stderr(&out)
    );
    let landed = git_in(&repo, remote.path(), &["rev-parse", "main"], &[]);
    assert_eq!(stdout(&landed).trim(), sha);

    let state = wait_background(&repo);
    assert_eq!(state["result"], "synced", "{state:#}");
    assert_eq!(state["remote"], "origin");
    assert_eq!(state["pushed"][0], format!("main {sha}"));
    // The sync did happen: every issue of the plan is on GitHub, once.
    let issues = emu.issues(OWNER, REPO);
    assert_eq!(issues.len(), 3, "{issues:#?}");
    assert!(emu.write_count() >= 4, "issues and milestone created");

    // `status` shows it once, then it has been seen.
    let text = repo.im_ok(&["status"]);
    assert!(
        text.contains("last background sync: synced") && text.contains("main "),
        "{text}"
    );
    assert!(!repo.im_ok(&["status"]).contains("last background sync"));
    let json = status_json(&repo);
    assert_eq!(json["background_sync"]["result"], "synced");
    assert_eq!(json["background_sync"]["seen"], true);
}

#[test]
fn a_push_the_remote_rejects_syncs_nothing() {
    let (repo, remote) = setup("");
    let emu = emulator();
    assert_ok(&push(&repo, &emu.url(), &["origin", "main"]), "first push");
    assert_eq!(wait_background(&repo)["result"], "synced");
    let writes = emu.write_count();

    // The remote refuses non-fast-forwards; rewrite the pushed commit and force it.
    assert_ok(
        &git_in(
            &repo,
            remote.path(),
            &["config", "receive.denyNonFastForwards", "true"],
            &[],
        ),
        "config the remote",
    );
    repo.write(
        &format!("{P}/tasks/TASK-002_button.md"),
        &artifact(
            "TASK-002",
            TASK,
            "Submit button, renamed",
            "⚪️ Backlog",
            "feature_id = \"FEAT-001\"\n",
            "A button.\n",
        ),
    );
    repo.git(&["add", "-A"]);
    assert_ok(
        &git_in(
            &repo,
            repo.path(),
            &["commit", "-q", "--amend", "-m", "Rename the button"],
            &[],
        ),
        "amend",
    );
    let out = push(&repo, &emu.url(), &["--force", "origin", "main"]);
    assert!(
        !out.status.success(),
        "the remote must reject it: {}",
        stderr(&out)
    );
    let state = wait_background(&repo);
    assert_eq!(state["result"], "push_rejected", "{state:#}");
    assert_eq!(emu.write_count(), writes, "nothing was sent to GitHub");
    let issue = emu
        .issues(OWNER, REPO)
        .into_iter()
        .find(|i| marker(&i["body"]).as_deref() == Some("TASK-002"))
        .expect("TASK-002's issue");
    assert_eq!(issue["title"], "Submit button", "not renamed");
    let text = repo.im_ok(&["status"]);
    assert!(text.contains("push rejected, nothing synced"), "{text}");
}

#[test]
fn status_reports_a_failed_background_sync() {
    let (repo, _remote) = setup("");
    // Nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let down = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    drop(listener);
    let out = push(&repo, &down, &["origin", "main"]);
    assert_ok(&out, "a push with GitHub down");
    let state = wait_background(&repo);
    assert_eq!(state["result"], "failed", "{state:#}");

    let json = status_json(&repo);
    assert_eq!(json["background_sync"]["result"], "failed");
    assert_eq!(
        json["background_sync"]["seen"], false,
        "JSON does not mark it seen"
    );
    let text = repo.im_ok(&["status"]);
    assert!(text.contains("last background sync: failed"), "{text}");
    assert!(text.contains("could not sync with the tracker"), "{text}");
    assert!(text.contains("git intellimanage sync"), "{text}");
    assert!(!text.contains(TOKEN));
    assert!(
        !repo.im_ok(&["status"]).contains("last background sync"),
        "shown until seen"
    );
}

#[test]
fn block_push_on_failure_keeps_the_sync_in_the_push() {
    let (repo, remote) = setup("block_push_on_failure = true\n");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let down = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    drop(listener);
    let out = push(&repo, &down, &["origin", "main"]);
    assert!(!out.status.success(), "blocked: {}", stderr(&out));
    assert!(
        stderr(&out).contains("blocking the push"),
        "{}",
        stderr(&out)
    );
    assert!(background(&repo).is_none(), "no background sync");
    let head = git_in(
        &repo,
        remote.path(),
        &["rev-parse", "-q", "--verify", "main"],
        &[],
    );
    assert!(!head.status.success(), "the remote got nothing");
}
