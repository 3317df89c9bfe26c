//! Sub-issues (`…/issues/{n}/sub_issues`, `…/sub_issue`, `…/parent`) behave as on GitHub:
//! added by database `id`, one parent each (`replace_parent` moves), GitHub's 422 wordings,
//! `parent_issue_url` and `sub_issues_summary` on every issue, and both ends' `updated_at`
//! moving.

mod common;

use std::time::Duration;

use common::{OWNER, REPO, call, call_with, emulator, repo_path};
use github_emulator::Emulator;
use serde_json::{Value, json};

fn issue(emu: &Emulator, title: &str) -> Value {
    emu.create_issue(OWNER, REPO, json!({ "title": title }))
}

fn add(emu: &Emulator, parent: u64, body: &Value) -> common::Resp {
    call(
        emu,
        "POST",
        &repo_path(&format!("issues/{parent}/sub_issues")),
        Some(body),
    )
}

fn numbers(list: &Value) -> Vec<u64> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|i| i["number"].as_u64().expect("number"))
        .collect()
}

#[test]
fn sub_issues_are_added_listed_summarised_and_removed() {
    let emu = emulator();
    emu.set_time("2025-02-01T00:00:00Z");
    let epic = issue(&emu, "Epic");
    let a = issue(&emu, "A");
    let b = issue(&emu, "B");
    assert!(epic["parent_issue_url"].is_null());
    assert_eq!(
        epic["sub_issues_summary"],
        json!({"total": 0, "completed": 0, "percent_completed": 0})
    );
    emu.advance_time(Duration::from_secs(60));

    let resp = add(&emu, 1, &json!({"sub_issue_id": a["id"]}));
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
    let parent = resp.json();
    assert_eq!(parent["number"], 1, "the answer is the parent");
    assert_eq!(parent["sub_issues_summary"]["total"], 1);
    assert_eq!(parent["updated_at"], "2025-02-01T00:01:00Z");
    assert_eq!(add(&emu, 1, &json!({"sub_issue_id": b["id"]})).status, 201);
    emu.edit_issue(OWNER, REPO, 3, json!({"state": "closed"}));

    let child = emu.issue(OWNER, REPO, 2).expect("issue 2");
    assert_eq!(
        child["updated_at"], "2025-02-01T00:01:00Z",
        "the child moved"
    );
    let parent_url = format!("{}/repos/acme/plan/issues/1", emu.url());
    assert_eq!(child["parent_issue_url"], json!(parent_url));
    assert_eq!(
        emu.issue(OWNER, REPO, 1).expect("epic")["sub_issues_summary"],
        json!({"total": 2, "completed": 1, "percent_completed": 50})
    );
    let list = call(&emu, "GET", &repo_path("issues/1/sub_issues"), None);
    assert_eq!(list.status, 200);
    assert_eq!(numbers(&list.json()), [2, 3]);
    let page = call(
        &emu,
        "GET",
        &repo_path("issues/1/sub_issues?per_page=1"),
        None,
    );
    assert_eq!(numbers(&page.json()), [2]);
    assert!(
        page.header("link")
            .is_some_and(|l| l.contains("rel=\"next\""))
    );
    let up = call(&emu, "GET", &repo_path("issues/2/parent"), None);
    assert_eq!(up.json()["number"], 1);
    assert_eq!(
        call(&emu, "GET", &repo_path("issues/1/parent"), None).status,
        404
    );
    assert_eq!(emu.sub_issues(OWNER, REPO, 1), [2, 3]);
    assert_eq!(emu.parent_of(OWNER, REPO, 2), Some(1));

    emu.advance_time(Duration::from_secs(60));
    let removed = call(
        &emu,
        "DELETE",
        &repo_path("issues/1/sub_issue"),
        Some(&json!({"sub_issue_id": a["id"]})),
    );
    assert_eq!(removed.status, 200);
    assert_eq!(removed.json()["number"], 1);
    assert_eq!(removed.json()["sub_issues_summary"]["total"], 1);
    let child = emu.issue(OWNER, REPO, 2).expect("issue 2");
    assert!(child["parent_issue_url"].is_null());
    assert_eq!(child["updated_at"], "2025-02-01T00:02:00Z");
    // Not a sub-issue of #1 (any more): 404.
    let again = call(
        &emu,
        "DELETE",
        &repo_path("issues/1/sub_issue"),
        Some(&json!({"sub_issue_id": a["id"]})),
    );
    assert_eq!(again.status, 404);
}

#[test]
fn one_parent_each_in_githubs_words() {
    let emu = emulator();
    let _one = issue(&emu, "One");
    let _two = issue(&emu, "Two");
    let child = issue(&emu, "Child");
    let id = child["id"].clone();
    assert_eq!(add(&emu, 1, &json!({"sub_issue_id": id})).status, 201);

    let again = add(&emu, 1, &json!({"sub_issue_id": id}));
    assert_eq!(again.status, 422);
    assert_eq!(
        again.json()["message"],
        "An error occurred while adding the sub-issue to the parent issue. Issue may not contain duplicate sub-issues and Sub issue may only have one parent"
    );
    let other = add(&emu, 2, &json!({"sub_issue_id": id}));
    assert_eq!(other.status, 422);
    assert_eq!(
        other.json()["message"],
        "An error occurred while adding the sub-issue to the parent issue. Sub issue may only have one parent"
    );
    assert!(other.json()["documentation_url"].is_string());
    let itself = add(&emu, 3, &json!({"sub_issue_id": id}));
    assert_eq!(itself.status, 422);
    assert_eq!(
        itself.json()["message"],
        "An error occurred while adding the sub-issue to the parent issue. Sub issue cannot be the same as the parent issue"
    );
    let one_id = emu.issue(OWNER, REPO, 1).expect("1")["id"].clone();
    // #1 is #3's parent: it cannot become #3's child.
    assert_eq!(add(&emu, 3, &json!({"sub_issue_id": one_id})).status, 422);
    // Nesting deeper is fine: #2 > #1 > #3.
    assert_eq!(add(&emu, 2, &json!({"sub_issue_id": one_id})).status, 201);
    assert_eq!(
        add(&emu, 2, &json!({"sub_issue_id": 987_654_321u64})).json()["message"],
        "The provided sub-issue does not exist"
    );
    for body in [
        json!({}),
        json!({"sub_issue_id": "3"}),
        json!({"sub_issue_id": id, "replace_parent": "yes"}),
    ] {
        let resp = add(&emu, 2, &body);
        assert_eq!(resp.status, 422, "{body}");
        assert!(
            resp.json()["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Invalid request.")),
            "{body}"
        );
    }

    // replace_parent moves it.
    let moved = add(
        &emu,
        2,
        &json!({"sub_issue_id": id, "replace_parent": true}),
    );
    assert_eq!(moved.status, 201);
    assert_eq!(emu.parent_of(OWNER, REPO, 3), Some(2));
    assert!(emu.sub_issues(OWNER, REPO, 1).is_empty());

    // The web: a person moves it back, then takes it out.
    emu.set_parent(OWNER, REPO, 3, Some(1));
    assert_eq!(emu.parent_of(OWNER, REPO, 3), Some(1));
    emu.set_parent(OWNER, REPO, 3, None);
    assert_eq!(emu.parent_of(OWNER, REPO, 3), None);
    emu.set_parent(OWNER, REPO, 3, None);

    // Writing needs the repo scope; an unknown parent is 404.
    emu.add_token("ghp_readonly", "carol", &["read:user"]);
    let refused = call_with(
        &emu,
        "POST",
        &repo_path("issues/1/sub_issues"),
        &[("Authorization", "token ghp_readonly")],
        Some(&json!({"sub_issue_id": id})),
    );
    assert_eq!(refused.status, 403);
    assert_eq!(add(&emu, 99, &json!({"sub_issue_id": id})).status, 404);
    assert_eq!(
        call(&emu, "GET", &repo_path("issues/99/sub_issues"), None).status,
        404
    );
}
