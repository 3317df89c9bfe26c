//! The `github-emulator` binary used by the offline demo.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::Conn;
use serde_json::json;

#[test]
fn binary_prints_its_url_and_serves_the_configured_repo() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_github-emulator"))
        .args(["--token", "demo-token", "--login", "demo"])
        .args([
            "--repo",
            "demo/plan",
            "--repo",
            "demo/other",
            "--user",
            "bob",
        ])
        .args(["--latency-ms", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let mut conn = Conn::open(&url);
    let auth = [("Authorization", "Bearer demo-token")];
    let me = conn.send("GET", "/user", &auth, None);
    assert_eq!(me.json()["login"], "demo");
    assert_eq!(me.header("x-oauth-scopes"), Some("repo"));
    let created = conn.send(
        "POST",
        "/repos/demo/plan/issues",
        &auth,
        Some(&json!({"title": "From the demo", "assignees": ["bob"]})),
    );
    assert_eq!(created.status, 201);
    assert_eq!(
        conn.send("GET", "/repos/demo/other", &auth, None).status,
        200
    );
    assert_eq!(
        conn.send("GET", "/repos/demo/nope", &auth, None).status,
        404
    );

    child.kill().expect("stop the binary");
    let _ = child.wait();
}

#[test]
fn binary_rejects_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_github-emulator"))
        .args(["--repo", "not-a-repo"])
        .output()
        .expect("run the binary");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("owner/name"));
}
