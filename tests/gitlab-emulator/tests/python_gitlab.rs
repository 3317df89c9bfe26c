//! A real GitLab client library (python-gitlab) drives the emulator, so the
//! emulator cannot drift into a dialect only our own code understands.

use std::path::PathBuf;
use std::process::Command;

use gitlab_emulator::{Emulator, Fault};

const PROJECT: &str = "group/sub/proj";

fn client_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gitlab-client")
}

#[test]
fn python_gitlab_drives_the_emulator() {
    let dir = client_dir();
    let python = dir.join(".venv/bin/python");
    if !python.exists() {
        let why = format!(
            "python-gitlab cross-check skipped: {} is missing (create it with \
             `python3 -m venv tests/gitlab-client/.venv && \
             tests/gitlab-client/.venv/bin/pip install -r tests/gitlab-client/requirements.txt`)",
            python.display()
        );
        if std::env::var("INTELLIMANAGE_REQUIRE_PYTHON_GITLAB").as_deref() == Ok("1") {
            panic!("{why}");
        }
        eprintln!("{why}");
        return;
    }

    let emu = Emulator::start();
    emu.add_token("glpat-cross-check", "alice", &["api"]);
    emu.add_token("glpat-read-only", "reader", &["read_api"]);
    let id = emu.add_project(PROJECT);
    emu.add_member(PROJECT, "bob");
    // The first milestone list is throttled once: python-gitlab must wait
    // `Retry-After` and try again.
    let milestones_path = format!("/api/v4/projects/{id}/milestones");
    emu.inject(Fault::too_many_requests(1).on("GET", &milestones_path));

    let output = Command::new(&python)
        .arg(dir.join("check.py"))
        .env("GITLAB_URL", emu.url())
        .env("GITLAB_TOKEN", "glpat-cross-check")
        .env("GITLAB_READ_TOKEN", "glpat-read-only")
        .env("GITLAB_PROJECT", PROJECT)
        .env("GITLAB_PROJECT_ID", id.to_string())
        .env("GITLAB_MEMBER", "bob")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run check.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check.py failed ({})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(stdout.contains("cross-check passed"), "stdout: {stdout}");

    // What python-gitlab sent, as the emulator logged it.
    let log = emu.requests();
    assert!(
        log.iter()
            .any(|r| r.header("private-token") == Some("glpat-cross-check"))
    );
    assert!(
        log.iter()
            .any(|r| r.method == "GET" && r.path() == "/api/v4/projects/group%2Fsub%2Fproj"),
        "python-gitlab addresses projects by encoded path"
    );
    let milestone_gets: Vec<Option<u16>> = log
        .iter()
        .filter(|r| r.method == "GET" && r.path() == milestones_path)
        .map(|r| r.status)
        .collect();
    assert_eq!(milestone_gets.get(..2), Some(&[Some(429), Some(200)][..]));
    assert_eq!(emu.pending_faults(), 0);
    assert_eq!(emu.issues(PROJECT).len(), 26);
    // Issue links: created on the blocked issue, removed by the link's id.
    let links = format!("/api/v4/projects/{id}/issues/3/links");
    assert!(
        log.iter()
            .any(|r| r.method == "POST" && r.path() == links && r.status == Some(201))
    );
    assert_eq!(
        log.iter()
            .filter(|r| r.method == "DELETE" && r.path().starts_with(&format!("{links}/")))
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        [Some(200), Some(200)]
    );
}
