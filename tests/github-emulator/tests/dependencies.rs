//! Issue dependencies (`…/issues/{n}/dependencies/blocked_by`, `…/blocking`) behave as on
//! GitHub: they take the blocking issue's database `id`, answer with that issue, show in
//! every issue's `issue_dependencies_summary`, and move the blocked issue's `updated_at`.

mod common;

use std::time::Duration;

use common::{OWNER, REPO, call, emulator, repo_path};
use serde_json::{Value, json};

fn issue(emu: &github_emulator::Emulator, title: &str) -> Value {
    emu.create_issue(OWNER, REPO, json!({ "title": title }))
}

fn numbers(list: &Value) -> Vec<u64> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|i| i["number"].as_u64().expect("number"))
        .collect()
}

#[test]
fn a_dependency_is_added_by_database_id_listed_both_ways_and_removed() {
    let emu = emulator();
    emu.set_time("2025-01-01T00:00:00Z");
    emu.freeze_time();
    let a = issue(&emu, "A");
    let b = issue(&emu, "B");
    let c = issue(&emu, "C");
    assert_eq!(
        a["issue_dependencies_summary"],
        json!({"blocked_by": 0, "blocking": 0, "total_blocked_by": 0, "total_blocking": 0})
    );
    emu.advance_time(Duration::from_secs(60));

    let resp = call(
        &emu,
        "POST",
        &repo_path("issues/1/dependencies/blocked_by"),
        Some(&json!({"issue_id": b["id"]})),
    );
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
    // The answer is the blocking issue.
    assert_eq!(resp.json()["number"], 2);
    assert!(
        resp.header("location")
            .is_some_and(|l| l.ends_with("/repos/acme/plan/issues/1/dependencies/blocked_by"))
    );
    call(
        &emu,
        "POST",
        &repo_path("issues/1/dependencies/blocked_by"),
        Some(&json!({"issue_id": c["id"]})),
    );
    // C is closed: it still counts in the totals, not among the open blockers.
    emu.edit_issue(OWNER, REPO, 3, json!({"state": "closed"}));

    let a_now = emu.issue(OWNER, REPO, 1).expect("issue 1");
    assert_eq!(
        a_now["issue_dependencies_summary"],
        json!({"blocked_by": 1, "blocking": 0, "total_blocked_by": 2, "total_blocking": 0})
    );
    assert_eq!(
        a_now["updated_at"], "2025-01-01T00:01:00Z",
        "the blocked issue moved"
    );
    assert_eq!(
        emu.issue(OWNER, REPO, 2).expect("issue 2")["issue_dependencies_summary"],
        json!({"blocked_by": 0, "blocking": 1, "total_blocked_by": 0, "total_blocking": 1})
    );
    assert_eq!(
        emu.issue(OWNER, REPO, 2).expect("issue 2")["updated_at"],
        "2025-01-01T00:00:00Z",
        "the blocking issue did not"
    );
    // The summary is in list answers too.
    let list = call(&emu, "GET", &repo_path("issues?state=all"), None).json();
    let first = list
        .as_array()
        .expect("array")
        .iter()
        .find(|i| i["number"] == 1)
        .expect("issue 1 listed");
    assert_eq!(first["issue_dependencies_summary"]["total_blocked_by"], 2);

    let blocked_by = call(
        &emu,
        "GET",
        &repo_path("issues/1/dependencies/blocked_by"),
        None,
    );
    assert_eq!(blocked_by.status, 200);
    assert_eq!(numbers(&blocked_by.json()), [2, 3]);
    let blocking = call(
        &emu,
        "GET",
        &repo_path("issues/2/dependencies/blocking"),
        None,
    );
    assert_eq!(numbers(&blocking.json()), [1]);
    assert_eq!(emu.blocked_by(OWNER, REPO, 1), [2, 3]);

    emu.advance_time(Duration::from_secs(60));
    let path = format!("issues/1/dependencies/blocked_by/{}", b["id"]);
    let resp = call(&emu, "DELETE", &repo_path(&path), None);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["number"], 2);
    assert_eq!(emu.blocked_by(OWNER, REPO, 1), [3]);
    assert_eq!(
        emu.issue(OWNER, REPO, 1).expect("issue 1")["updated_at"],
        "2025-01-01T00:02:00Z"
    );
    // Not a dependency (any more): 404.
    assert_eq!(call(&emu, "DELETE", &repo_path(&path), None).status, 404);
}

#[test]
fn refusals_are_githubs() {
    let emu = emulator();
    let a = issue(&emu, "A");
    let b = issue(&emu, "B");
    let post = |n: u64, body: Value| {
        call(
            &emu,
            "POST",
            &repo_path(&format!("issues/{n}/dependencies/blocked_by")),
            Some(&body),
        )
    };
    // Itself, an id no issue has, a number instead of an id, nothing: 422.
    for body in [
        json!({"issue_id": a["id"]}),
        json!({"issue_id": 987_654_321u64}),
        json!({"issue_id": "2"}),
        json!({}),
    ] {
        let resp = post(1, body.clone());
        assert_eq!(resp.status, 422, "{body}");
        assert_eq!(resp.json()["message"], "Validation Failed");
    }
    assert_eq!(post(1, json!({"issue_id": b["id"]})).status, 201);
    assert_eq!(post(1, json!({"issue_id": b["id"]})).status, 422, "twice");
    // An issue that does not exist: 404.
    assert_eq!(post(99, json!({"issue_id": b["id"]})).status, 404);
    assert_eq!(
        call(
            &emu,
            "GET",
            &repo_path("issues/99/dependencies/blocked_by"),
            None
        )
        .status,
        404
    );
    // A token that may not write: 403, nothing changed.
    emu.add_token("ghp_readonly", "alice", &["read:user"]);
    let resp = common::call_with(
        &emu,
        "DELETE",
        &repo_path(&format!("issues/1/dependencies/blocked_by/{}", b["id"])),
        &[("Authorization", "token ghp_readonly")],
        None,
    );
    assert_eq!(resp.status, 403);
    assert_eq!(emu.blocked_by(OWNER, REPO, 1), [2]);
}
