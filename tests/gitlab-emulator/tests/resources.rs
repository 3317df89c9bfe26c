//! Issues, notes, milestones and labels over plain HTTP (ureq): each
//! endpoint's success and error answers, as GitLab gives them.

mod common;

use std::time::Duration;

use common::{ENCODED, PROJECT, call, emulator, emulator_with, get, names};
use gitlab_emulator::Options;
use serde_json::{Value, json};

#[test]
fn creating_issues_validates_and_creates_labels_on_the_fly() {
    let (emu, id) = emulator();
    let alien = emu.add_user("mallory");
    let bob = emu.add_user("bob");
    let m = emu.create_milestone(PROJECT, json!({"title": "v1"}));
    let resp = call(
        &emu,
        "POST",
        &format!("/projects/{ENCODED}/issues"),
        Some(&json!({
            "title": "Fix sync",
            "description": "IntelliManage-ID: TASK-1",
            "labels": "PM::Status::Todo,bug",
            "assignee_ids": format!("{bob},{alien}"),
            "milestone_id": m["id"],
        })),
    );
    assert_eq!(resp.status, 201);
    let issue = resp.json();
    assert_eq!(issue["iid"], 1);
    assert_eq!(issue["project_id"], id);
    assert_eq!(issue["state"], "opened");
    assert_eq!(issue["type"], "ISSUE");
    assert_eq!(issue["created_at"], "2026-12-03T10:00:00.000Z");
    assert_eq!(issue["updated_at"], "2026-12-03T10:00:00.000Z");
    assert_eq!(issue["closed_at"], Value::Null);
    assert_eq!(names(&issue["labels"]), ["PM::Status::Todo", "bug"]);
    assert_eq!(
        issue["assignees"].as_array().map(Vec::len),
        Some(1),
        "non-members are dropped"
    );
    assert_eq!(issue["assignee"]["username"], "bob");
    assert_eq!(issue["author"]["username"], "alice");
    assert_eq!(issue["milestone"]["title"], "v1");
    assert_eq!(
        issue["web_url"],
        format!("{}/{PROJECT}/-/issues/1", emu.url())
    );
    assert_eq!(issue["references"]["full"], "group/sub/proj#1");
    let labels = emu.labels(PROJECT);
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0]["color"], "#6699cc");
    assert_eq!(labels[0]["text_color"], "#FFFFFF");

    let missing = call(
        &emu,
        "POST",
        &format!("/projects/{id}/issues"),
        Some(&json!({"body": "x"})),
    );
    assert_eq!(
        (missing.status, missing.json()),
        (400, json!({"error": "title is missing"}))
    );
    let long = call(
        &emu,
        "POST",
        &format!("/projects/{id}/issues"),
        Some(&json!({"title": "x".repeat(256)})),
    );
    assert_eq!(
        (long.status, long.json()),
        (
            400,
            json!({"message": {"title": ["is too long (maximum is 255 characters)"]}})
        )
    );
    let blank = call(
        &emu,
        "POST",
        &format!("/projects/{id}/issues"),
        Some(&json!({"title": ""})),
    );
    assert_eq!(
        blank.json(),
        json!({"message": {"title": ["can't be blank"]}})
    );
    let bad_iid = get(&emu, &format!("/projects/{id}/issues/abc"));
    assert_eq!(bad_iid.json(), json!({"error": "issue_iid is invalid"}));
    let none = get(&emu, &format!("/projects/{id}/issues/99"));
    assert_eq!(
        (none.status, none.json()),
        (404, json!({"message": "404 Not found"}))
    );
    assert_eq!(emu.issues(PROJECT).len(), 1);
}

#[test]
fn updates_apply_labels_together_and_move_updated_at_only_on_change() {
    let (emu, id) = emulator();
    emu.create_issue(
        PROJECT,
        json!({"title": "T", "labels": "PM::Status::Todo,kind::bug,keep"}),
    );
    let path = format!("/projects/{id}/issues/1");
    emu.advance_time(Duration::from_secs(60));
    let same = call(
        &emu,
        "PUT",
        &path,
        Some(&json!({"title": "T", "labels": "keep,kind::bug,PM::Status::Todo"})),
    );
    assert_eq!(same.json()["updated_at"], "2026-12-03T10:00:00.000Z");

    let both = call(
        &emu,
        "PUT",
        &path,
        Some(&json!({"add_labels": "PM::Status::Done,new", "remove_labels": "kind::bug"})),
    );
    assert_eq!(both.status, 200);
    let issue = both.json();
    assert_eq!(names(&issue["labels"]), ["PM::Status::Done", "keep", "new"]);
    assert_eq!(issue["updated_at"], "2026-12-03T10:01:00.000Z");

    let closed = call(&emu, "PUT", &path, Some(&json!({"state_event": "close"}))).json();
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["closed_at"], "2026-12-03T10:01:00.000Z");
    assert_eq!(closed["closed_by"]["username"], "alice");
    let reopened = call(&emu, "PUT", &path, Some(&json!({"state_event": "reopen"}))).json();
    assert_eq!(
        (reopened["state"].clone(), reopened["closed_by"].clone()),
        (json!("opened"), Value::Null)
    );

    let bad = call(&emu, "PUT", &path, Some(&json!({"state_event": "explode"})));
    assert_eq!(
        (bad.status, bad.json()),
        (
            400,
            json!({"error": "state_event does not have a valid value"})
        )
    );
    let nothing = call(&emu, "PUT", &path, Some(&json!({"foo": 1})));
    assert_eq!(nothing.status, 400);
    assert!(
        nothing.json()["error"]
            .as_str()
            .is_some_and(|e| e.ends_with("are missing, at least one parameter must be provided"))
    );

    let bob = emu.add_user("bob");
    let m = emu.create_milestone(PROJECT, json!({"title": "v1"}));
    let set = call(
        &emu,
        "PUT",
        &path,
        Some(&json!({"assignee_ids": [bob], "milestone_id": m["id"]})),
    )
    .json();
    assert_eq!(
        (
            set["assignee"]["id"].clone(),
            set["milestone"]["id"].clone()
        ),
        (json!(bob), m["id"].clone())
    );
    let cleared = call(
        &emu,
        "PUT",
        &path,
        Some(&json!({"assignee_ids": [0], "milestone_id": 0})),
    )
    .json();
    assert_eq!(
        (cleared["assignees"].clone(), cleared["milestone"].clone()),
        (json!([]), Value::Null)
    );
    let replaced = call(&emu, "PUT", &path, Some(&json!({"labels": ""}))).json();
    assert_eq!(replaced["labels"], json!([]));
}

#[test]
fn scoped_labels_can_be_switched_off() {
    let (emu, id) = emulator_with(Options {
        scoped_labels: false,
        ..Options::default()
    });
    emu.create_issue(PROJECT, json!({"title": "T", "labels": "PM::Status::Todo"}));
    let issue = call(
        &emu,
        "PUT",
        &format!("/projects/{id}/issues/1"),
        Some(&json!({"add_labels": "PM::Status::Done"})),
    )
    .json();
    assert_eq!(
        names(&issue["labels"]),
        ["PM::Status::Done", "PM::Status::Todo"]
    );
    // With scoped labels (the default), two of a scope at creation keep the last.
    let (emu, _) = emulator();
    let issue = emu.create_issue(
        PROJECT,
        json!({"title": "T", "labels": ["a::x", "a::y", "b"]}),
    );
    assert_eq!(names(&issue["labels"]), ["a::y", "b"]);
}

#[test]
fn notes_are_created_listed_and_edited() {
    let (emu, id) = emulator();
    emu.create_issue(PROJECT, json!({"title": "T"}));
    emu.advance_time(Duration::from_secs(5));
    let path = format!("/projects/{id}/issues/1/notes");
    let created = call(&emu, "POST", &path, Some(&json!({"body": "hello"})));
    assert_eq!(created.status, 201);
    let note = created.json();
    assert_eq!(
        (
            note["body"].clone(),
            note["noteable_type"].clone(),
            note["system"].clone()
        ),
        (json!("hello"), json!("Issue"), json!(false))
    );
    assert_eq!(
        emu.issue(PROJECT, 1).expect("issue")["updated_at"],
        "2026-12-03T10:00:05.000Z"
    );
    let missing = call(&emu, "POST", &path, Some(&json!({})));
    assert_eq!(missing.json(), json!({"error": "body is missing"}));
    let edited = call(
        &emu,
        "PUT",
        &format!("{path}/{}", note["id"]),
        Some(&json!({"body": "edited"})),
    );
    assert_eq!(edited.json()["body"], "edited");
    call(&emu, "POST", &path, Some(&json!({"body": "second"})));
    let listed = get(&emu, &path).json();
    assert_eq!(listed[0]["body"], "second", "newest first");
    assert_eq!(emu.notes(PROJECT, 1).len(), 2);
    assert_eq!(get(&emu, &format!("{path}/999")).status, 404);
}

#[test]
fn milestones_behave_as_on_gitlab() {
    let (emu, id) = emulator();
    let path = format!("/projects/{id}/milestones");
    let created = call(
        &emu,
        "POST",
        &path,
        Some(&json!({"title": "v1", "due_date": "2026-12-01", "description": "first"})),
    );
    assert_eq!(created.status, 201);
    let m = created.json();
    assert_eq!(
        (m["iid"].clone(), m["state"].clone(), m["expired"].clone()),
        (json!(1), json!("active"), json!(true))
    );
    assert_eq!(
        m["web_url"],
        format!("{}/{PROJECT}/-/milestones/1", emu.url())
    );
    let dup = call(&emu, "POST", &path, Some(&json!({"title": "v1"})));
    assert_eq!(
        (dup.status, dup.json()),
        (
            400,
            json!({"message": "Failed to create milestone {:title=>[\"already being used for another group or project milestone.\"]}"})
        )
    );
    assert_eq!(
        call(&emu, "POST", &path, Some(&json!({}))).json(),
        json!({"error": "title is missing"})
    );
    emu.advance_time(Duration::from_secs(60));
    let v2 = call(&emu, "POST", &path, Some(&json!({"title": "v2"}))).json();
    let one = format!("{path}/{}", v2["id"]);
    let closed = call(&emu, "PUT", &one, Some(&json!({"state_event": "close"}))).json();
    assert_eq!(closed["state"], "closed");
    let bad = call(&emu, "PUT", &one, Some(&json!({"state_event": "reopen"})));
    assert_eq!(
        bad.json(),
        json!({"error": "state_event does not have a valid value"})
    );
    let titles = |q: &str| -> Vec<String> {
        get(&emu, &format!("{path}?{q}"))
            .json()
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|m| m["title"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(titles("state=active"), ["v1"]);
    assert_eq!(titles("title=v2"), ["v2"]);
    assert_eq!(titles("search=FIRST"), ["v1"]);
    assert_eq!(titles("updated_after=2026-12-03T10:01:00Z"), ["v2"]);
    assert_eq!(
        get(&emu, &format!("{path}/999")).json(),
        json!({"message": "404 Not found"})
    );

    emu.create_issue(PROJECT, json!({"title": "T", "milestone_id": v2["id"]}));
    let deleted = call(&emu, "DELETE", &one, None);
    assert_eq!(deleted.status, 204);
    assert_eq!(
        emu.issue(PROJECT, 1).expect("issue")["milestone"],
        Value::Null
    );
    assert_eq!(emu.milestones(PROJECT).len(), 1);
}

#[test]
fn labels_behave_as_on_gitlab() {
    let (emu, id) = emulator();
    let path = format!("/projects/{id}/labels");
    let created = call(
        &emu,
        "POST",
        &path,
        Some(&json!({"name": "bug", "color": "#d9534f", "description": "Bugs"})),
    );
    assert_eq!(created.status, 201);
    assert_eq!(created.json()["color"], "#d9534f");
    let named = call(
        &emu,
        "POST",
        &path,
        Some(&json!({"name": "White", "color": "white"})),
    )
    .json();
    assert_eq!(
        (named["color"].clone(), named["text_color"].clone()),
        (json!("#FFFFFF"), json!("#333333"))
    );
    let dup = call(
        &emu,
        "POST",
        &path,
        Some(&json!({"name": "bug", "color": "#000000"})),
    );
    assert_eq!(
        (dup.status, dup.json()),
        (409, json!({"message": "Label already exists"}))
    );
    assert_eq!(
        call(&emu, "POST", &path, Some(&json!({"name": "x"}))).json(),
        json!({"error": "color is missing"})
    );
    let bad = call(
        &emu,
        "POST",
        &path,
        Some(&json!({"name": "x", "color": "#12"})),
    );
    assert_eq!(
        bad.json(),
        json!({"message": {"color": ["must be a valid color code"]}})
    );

    emu.create_issue(PROJECT, json!({"title": "T", "labels": "bug"}));
    let renamed = call(
        &emu,
        "PUT",
        &format!("{path}/bug"),
        Some(&json!({"new_name": "defect"})),
    );
    assert_eq!(renamed.json()["name"], "defect");
    assert_eq!(
        names(&emu.issue(PROJECT, 1).expect("issue")["labels"]),
        ["defect"]
    );
    let legacy = call(
        &emu,
        "PUT",
        &path,
        Some(&json!({"name": "defect", "color": "#000000"})),
    );
    assert_eq!(legacy.json()["color"], "#000000");
    let by_id = get(&emu, &format!("{path}/{}", named["id"]));
    assert_eq!(by_id.json()["name"], "White");
    assert_eq!(
        get(&emu, &format!("{path}/nope")).json(),
        json!({"message": "404 Label Not Found"})
    );
    assert_eq!(
        call(&emu, "DELETE", &format!("{path}/defect"), None).status,
        204
    );
    assert_eq!(emu.issue(PROJECT, 1).expect("issue")["labels"], json!([]));
    let counted = get(&emu, &format!("{path}?with_counts=true")).json();
    assert_eq!(counted[0]["open_issues_count"], 0);
    emu.delete_label(PROJECT, "White");
    assert!(emu.labels(PROJECT).is_empty());
}
