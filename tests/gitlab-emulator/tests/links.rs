//! Issue links over plain HTTP (ureq): listing, creating and removing them, each end's
//! view of a blocking link, GitLab's errors, the tier, and the notes that move
//! `updated_at`.

mod common;

use std::time::Duration;

use common::{ENCODED, PROJECT, call, emulator, emulator_with, get};
use gitlab_emulator::{Fault, Options};
use serde_json::{Value, json};

fn link(emu: &gitlab_emulator::Emulator, from: u64, body: Value) -> common::Resp {
    call(
        emu,
        "POST",
        &format!("/projects/{ENCODED}/issues/{from}/links"),
        Some(&body),
    )
}

fn system_notes(emu: &gitlab_emulator::Emulator, iid: u64) -> Vec<String> {
    emu.notes(PROJECT, iid)
        .iter()
        .filter(|n| n["system"] == true)
        .filter_map(|n| n["body"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_blocked_by_link_is_seen_from_both_ends_and_moves_both_issues() {
    let (emu, id) = emulator();
    for t in ["Schema", "API", "UI"] {
        emu.create_issue(PROJECT, json!({ "title": t }));
    }
    emu.advance_time(Duration::from_secs(60));
    let made = link(
        &emu,
        2,
        json!({"target_project_id": id, "target_issue_iid": 1, "link_type": "is_blocked_by"}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let made = made.json();
    // Stored as #1 blocks #2.
    assert_eq!(made["link_type"], "blocks");
    assert_eq!(made["source_issue"]["iid"], 1);
    assert_eq!(made["target_issue"]["iid"], 2);

    let from_blocked = get(&emu, &format!("/projects/{id}/issues/2/links")).json();
    let from_blocked = from_blocked.as_array().expect("array");
    assert_eq!(from_blocked.len(), 1);
    assert_eq!(from_blocked[0]["iid"], 1);
    assert_eq!(from_blocked[0]["project_id"], id);
    assert_eq!(from_blocked[0]["link_type"], "is_blocked_by");
    assert_eq!(
        from_blocked[0]["link_created_at"],
        "2026-12-03T10:01:00.000Z"
    );
    let link_id = from_blocked[0]["issue_link_id"].as_u64().expect("link id");
    let from_blocking = emu.links(PROJECT, 1);
    assert_eq!(from_blocking[0]["iid"], 2);
    assert_eq!(from_blocking[0]["link_type"], "blocks");
    assert_eq!(from_blocking[0]["issue_link_id"], link_id);
    assert_eq!(emu.blocked_by(PROJECT, 2), [1]);
    assert_eq!(emu.blocked_by(PROJECT, 1), Vec::<u64>::new());
    // GitLab keeps a count on the blocking issue only.
    let one = emu.issue(PROJECT, 1).expect("#1");
    assert_eq!(one["blocking_issues_count"], 1);
    assert_eq!(
        emu.issue(PROJECT, 2).expect("#2")["blocking_issues_count"],
        0
    );

    // A system note on each, which moved both; the third issue is untouched.
    assert_eq!(system_notes(&emu, 1), ["marked this issue as blocking #2"]);
    assert_eq!(
        system_notes(&emu, 2),
        ["marked this issue as blocked by #1"]
    );
    for iid in [1, 2] {
        let issue = emu.issue(PROJECT, iid).expect("issue");
        assert_eq!(issue["updated_at"], "2026-12-03T10:01:00.000Z", "#{iid}");
        assert_eq!(issue["user_notes_count"], 0, "system notes are not counted");
    }
    assert_eq!(
        emu.issue(PROJECT, 3).expect("#3")["updated_at"],
        "2026-12-03T10:00:00.000Z"
    );
    let since = get(
        &emu,
        &format!("/projects/{id}/issues?updated_after=2026-12-03T10:00:30Z"),
    )
    .json();
    let mut iids: Vec<u64> = since
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|i| i["iid"].as_u64())
        .collect();
    iids.sort_unstable();
    assert_eq!(iids, [1, 2]);

    // Removed from the blocking end by the link's id: 200 with the link, notes on both.
    emu.advance_time(Duration::from_secs(60));
    let gone = call(
        &emu,
        "DELETE",
        &format!("/projects/{id}/issues/1/links/{link_id}"),
        None,
    );
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(gone.json()["link_type"], "blocks");
    assert_eq!(emu.links(PROJECT, 2), Vec::<Value>::new());
    assert_eq!(
        system_notes(&emu, 2).last().map(String::as_str),
        Some("removed the relation with #1")
    );
    assert_eq!(
        emu.issue(PROJECT, 1).expect("#1")["updated_at"],
        "2026-12-03T10:02:00.000Z"
    );
}

#[test]
fn links_answer_gitlab_s_errors() {
    let (emu, id) = emulator();
    emu.create_issue(PROJECT, json!({"title": "A"}));
    emu.create_issue(PROJECT, json!({"title": "B"}));
    let related = link(
        &emu,
        1,
        json!({"target_project_id": PROJECT, "target_issue_iid": "2"}),
    );
    assert_eq!(related.status, 201);
    assert_eq!(
        related.json()["link_type"],
        "relates_to",
        "the default type"
    );
    // One link between two issues, whatever the type and from either end.
    for (from, to, kind) in [(1, 2, "relates_to"), (2, 1, "is_blocked_by")] {
        let again = link(
            &emu,
            from,
            json!({"target_project_id": id, "target_issue_iid": to, "link_type": kind}),
        );
        assert_eq!(
            (again.status, again.json()),
            (409, json!({"message": "Issue(s) already assigned"}))
        );
    }
    let cases = [
        (
            json!({"target_issue_iid": 2}),
            400,
            json!({"error": "target_project_id is missing"}),
        ),
        (
            json!({"target_project_id": id, "target_issue_iid": 2, "link_type": "duplicates"}),
            400,
            json!({"error": "link_type does not have a valid value"}),
        ),
        (
            json!({"target_project_id": "nobody/nothing", "target_issue_iid": 2}),
            404,
            json!({"message": "404 Project Not Found"}),
        ),
        (
            json!({"target_project_id": id, "target_issue_iid": 99}),
            404,
            json!({"message": "404 Not found"}),
        ),
        (
            json!({"target_project_id": id, "target_issue_iid": 1}),
            422,
            json!({"message": "#1 cannot be added: cannot be related to itself"}),
        ),
    ];
    for (body, status, answer) in cases {
        let resp = link(&emu, 1, body.clone());
        assert_eq!((resp.status, resp.json()), (status, answer), "{body}");
    }
    let missing = get(&emu, &format!("/projects/{id}/issues/9/links"));
    assert_eq!(
        (missing.status, missing.json()),
        (404, json!({"message": "404 Not found"}))
    );
    let no_link = call(
        &emu,
        "DELETE",
        &format!("/projects/{id}/issues/1/links/999"),
        None,
    );
    assert_eq!(
        (no_link.status, no_link.json()),
        (404, json!({"message": "404 Not found"}))
    );
    let put = call(
        &emu,
        "PUT",
        &format!("/projects/{id}/issues/1/links/1"),
        Some(&json!({})),
    );
    assert_eq!(put.status, 405);
    // Faults reach links like any other resource.
    emu.inject(Fault::status(502).on("GET", &format!("/api/v4/projects/{ENCODED}/issues/1/links")));
    assert_eq!(
        get(&emu, &format!("/projects/{id}/issues/1/links")).status,
        502
    );
    assert_eq!(emu.links(PROJECT, 1).len(), 1);
}

#[test]
fn gitlab_free_refuses_blocking_links_before_anything_else() {
    let (emu, id) = emulator_with(Options {
        blocking_links: false,
        ..Options::default()
    });
    emu.create_issue(PROJECT, json!({"title": "A"}));
    emu.create_issue(PROJECT, json!({"title": "B"}));
    for kind in ["is_blocked_by", "blocks"] {
        let refused = link(
            &emu,
            2,
            json!({"target_project_id": id, "target_issue_iid": 1, "link_type": kind}),
        );
        assert_eq!(
            (refused.status, refused.json()),
            (
                403,
                json!({"message": "Blocked issues not available for current license"})
            ),
            "{kind}"
        );
    }
    assert!(emu.notes(PROJECT, 1).is_empty(), "nothing written");
    let related = link(
        &emu,
        2,
        json!({"target_project_id": id, "target_issue_iid": 1, "link_type": "relates_to"}),
    );
    assert_eq!(related.status, 201);
    assert_eq!(emu.links(PROJECT, 1)[0]["link_type"], "relates_to");
    // Still refused when a link is there: the licence comes first.
    let again = link(
        &emu,
        2,
        json!({"target_project_id": id, "target_issue_iid": 1, "link_type": "is_blocked_by"}),
    );
    assert_eq!(again.status, 403);
    // An upgrade lets them through.
    emu.set_blocking_links(true);
    emu.create_issue(PROJECT, json!({"title": "C"}));
    emu.link_issues(PROJECT, 3, 1, "is_blocked_by");
    assert_eq!(emu.blocked_by(PROJECT, 3), [1]);
    emu.unlink_issues(PROJECT, 3, 1);
    assert_eq!(emu.blocked_by(PROJECT, 3), Vec::<u64>::new());
}

#[test]
fn links_to_other_projects_name_their_project_and_deleting_an_issue_drops_its_links() {
    let (emu, id) = emulator();
    let other = emu.add_project("group/other");
    emu.create_issue(PROJECT, json!({"title": "Here"}));
    emu.create_issue("group/other", json!({"title": "There"}));
    let made = link(
        &emu,
        1,
        json!({"target_project_id": other, "target_issue_iid": 1, "link_type": "is_blocked_by"}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let links = emu.links(PROJECT, 1);
    assert_eq!(links[0]["project_id"], other);
    assert_eq!(links[0]["link_type"], "is_blocked_by");
    assert_eq!(
        emu.blocked_by(PROJECT, 1),
        Vec::<u64>::new(),
        "same project only"
    );
    assert_eq!(
        system_notes(&emu, 1),
        ["marked this issue as blocked by group/other#1"]
    );
    let deleted = call(&emu, "DELETE", &format!("/projects/{id}/issues/1"), None);
    assert_eq!(deleted.status, 204);
    assert!(emu.links("group/other", 1).is_empty());
}
