//! Issues, milestones, labels and comments behave as on GitHub.

mod common;

use std::time::Duration;

use common::{OWNER, REPO, call, emulator, repo_path};
use github_emulator::{Emulator, Options};
use serde_json::{Value, json};

fn names(labels: &Value) -> Vec<String> {
    labels
        .as_array()
        .expect("array")
        .iter()
        .map(|l| l["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn creating_an_issue_returns_201_with_location_and_creates_missing_labels() {
    let emu = emulator();
    emu.create_label(OWNER, REPO, json!({"name": "Bug", "color": "d73a4a"}));
    emu.create_milestone(OWNER, REPO, json!({"title": "v1"}));
    let resp = call(
        &emu,
        "POST",
        &repo_path("issues"),
        Some(&json!({
            "title": "Fix sync",
            "body": "IntelliManage-ID: TASK-1",
            "labels": ["bug", "PM:Status:In Progress", {"name": "🐞 Bug"}],
            "assignees": ["BOB"],
            "milestone": 1
        })),
    );
    assert_eq!(resp.status, 201);
    let issue = resp.json();
    assert_eq!(
        resp.header("location"),
        Some(format!("{}/repos/acme/plan/issues/1", emu.url()).as_str())
    );
    assert_eq!(issue["number"], 1);
    assert_eq!(issue["state"], "open");
    assert_eq!(issue["user"]["login"], "alice");
    assert_eq!(issue["assignees"][0]["login"], "bob");
    assert_eq!(issue["assignee"]["login"], "bob");
    assert_eq!(issue["milestone"]["number"], 1);
    assert_eq!(issue["milestone"]["open_issues"], 1);
    // Existing label matched case-insensitively; others created grey.
    assert_eq!(
        names(&issue["labels"]),
        ["Bug", "PM:Status:In Progress", "🐞 Bug"]
    );
    let labels = emu.labels(OWNER, REPO);
    assert_eq!(labels.len(), 3);
    assert_eq!(labels[1]["color"], "ededed");
    assert_eq!(labels[1]["description"], Value::Null);
    assert_eq!(
        labels[1]["url"],
        format!(
            "{}/repos/acme/plan/labels/PM%3AStatus%3AIn%20Progress",
            emu.url()
        )
    );
}

#[test]
fn issue_validation_errors_match_github() {
    let emu = emulator();
    let no_title = call(
        &emu,
        "POST",
        &repo_path("issues"),
        Some(&json!({"body": "x"})),
    );
    assert_eq!(no_title.status, 422);
    assert_eq!(
        no_title.json(),
        json!({
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
            "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
            "status": "422"
        })
    );
    let bad_assignee = call(
        &emu,
        "POST",
        &repo_path("issues"),
        Some(&json!({"title": "t", "assignees": ["nobody"]})),
    );
    assert_eq!(bad_assignee.status, 422);
    let err = &bad_assignee.json()["errors"][0];
    assert_eq!(err["code"], "invalid");
    assert_eq!(err["field"], "assignees");
    assert_eq!(err["value"], "nobody");
    let bad_milestone = call(
        &emu,
        "POST",
        &repo_path("issues"),
        Some(&json!({"title": "t", "milestone": 42})),
    );
    assert_eq!(bad_milestone.status, 422);
    assert_eq!(bad_milestone.json()["errors"][0]["field"], "milestone");
    assert_eq!(bad_milestone.json()["errors"][0]["code"], "invalid");
    assert!(emu.issues(OWNER, REPO).is_empty());
    assert!(emu.labels(OWNER, REPO).is_empty());
}

#[test]
fn non_objects_are_422_and_malformed_json_is_400() {
    let emu = emulator();
    let mut conn = common::Conn::open(&emu.url());
    let auth = format!("token {}", common::TOKEN);
    // Valid JSON that is not an object.
    let resp = conn.send(
        "POST",
        &repo_path("labels"),
        &[("Authorization", &auth)],
        Some(&json!("not an object")),
    );
    assert_eq!(resp.status, 422);
    // Malformed JSON, sent by hand.
    let raw = {
        use std::io::{BufRead, BufReader, Read, Write};
        let mut s =
            std::net::TcpStream::connect(emu.url().trim_start_matches("http://")).expect("connect");
        let body = "{not json";
        let req = format!(
            "POST {} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            repo_path("labels"),
            body.len()
        );
        s.write_all(req.as_bytes()).expect("write");
        let mut reader = BufReader::new(s);
        let mut status = String::new();
        reader.read_line(&mut status).expect("status");
        let mut rest = String::new();
        reader.read_to_string(&mut rest).expect("rest");
        (status, rest)
    };
    assert!(raw.0.starts_with("HTTP/1.1 400"), "{}", raw.0);
    assert!(raw.1.contains("Problems parsing JSON"));
}

#[test]
fn patching_an_issue_closes_reopens_and_bumps_updated_at() {
    let emu = emulator();
    emu.set_time("2024-05-01T10:00:00Z");
    emu.create_issue(OWNER, REPO, json!({"title": "t", "labels": ["a"]}));
    emu.advance_time(Duration::from_secs(60));

    // A no-op edit leaves updated_at alone.
    let same = call(
        &emu,
        "PATCH",
        &repo_path("issues/1"),
        Some(&json!({"title": "t"})),
    );
    assert_eq!(same.json()["updated_at"], "2024-05-01T10:00:00Z");

    let closed = call(
        &emu,
        "PATCH",
        &repo_path("issues/1"),
        Some(&json!({"state": "closed", "state_reason": "not_planned", "labels": ["b"]})),
    );
    assert_eq!(closed.status, 200);
    let issue = closed.json();
    assert_eq!(issue["state"], "closed");
    assert_eq!(issue["state_reason"], "not_planned");
    assert_eq!(issue["closed_at"], "2024-05-01T10:01:00Z");
    assert_eq!(issue["updated_at"], "2024-05-01T10:01:00Z");
    assert_eq!(issue["closed_by"]["login"], "alice");
    assert_eq!(names(&issue["labels"]), ["b"]);

    emu.advance_time(Duration::from_secs(60));
    let reopened = call(
        &emu,
        "PATCH",
        &repo_path("issues/1"),
        Some(&json!({"state": "open"})),
    )
    .json();
    assert_eq!(reopened["state"], "open");
    assert_eq!(reopened["state_reason"], "reopened");
    assert_eq!(reopened["closed_at"], Value::Null);
    assert_eq!(reopened["updated_at"], "2024-05-01T10:02:00Z");

    let closed_default = call(
        &emu,
        "PATCH",
        &repo_path("issues/1"),
        Some(&json!({"state": "closed"})),
    )
    .json();
    assert_eq!(closed_default["state_reason"], "completed");

    let bad = call(
        &emu,
        "PATCH",
        &repo_path("issues/1"),
        Some(&json!({"state": "done"})),
    );
    assert_eq!(bad.status, 422);
}

#[test]
fn milestone_on_issues_can_be_set_and_cleared_and_counts_follow() {
    let emu = emulator();
    emu.create_milestone(OWNER, REPO, json!({"title": "v1"}));
    for i in 0..3 {
        emu.create_issue(
            OWNER,
            REPO,
            json!({"title": format!("t{i}"), "milestone": 1}),
        );
    }
    emu.edit_issue(OWNER, REPO, 1, json!({"state": "closed"}));
    let m = call(&emu, "GET", &repo_path("milestones/1"), None).json();
    assert_eq!(
        (m["open_issues"].as_u64(), m["closed_issues"].as_u64()),
        (Some(2), Some(1))
    );
    let cleared = call(
        &emu,
        "PATCH",
        &repo_path("issues/2"),
        Some(&json!({"milestone": null})),
    )
    .json();
    assert_eq!(cleared["milestone"], Value::Null);
    let m = emu.milestone(OWNER, REPO, 1).expect("milestone");
    assert_eq!(
        (m["open_issues"].as_u64(), m["closed_issues"].as_u64()),
        (Some(1), Some(1))
    );

    // Deleting the milestone detaches it from issues.
    let deleted = call(&emu, "DELETE", &repo_path("milestones/1"), None);
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    assert_eq!(
        emu.issue(OWNER, REPO, 3).expect("issue")["milestone"],
        Value::Null
    );
    assert_eq!(
        call(&emu, "GET", &repo_path("milestones/1"), None).status,
        404
    );
}

#[test]
fn listing_issues_filters_and_sorts() {
    let emu = emulator();
    emu.set_time("2024-01-01T00:00:00Z");
    emu.create_milestone(OWNER, REPO, json!({"title": "v1"}));
    emu.create_issue(
        OWNER,
        REPO,
        json!({"title": "one", "labels": ["x", "y"], "milestone": 1}),
    );
    emu.advance_time(Duration::from_secs(10));
    emu.create_issue(
        OWNER,
        REPO,
        json!({"title": "two", "labels": ["x"], "assignees": ["bob"]}),
    );
    emu.advance_time(Duration::from_secs(10));
    emu.create_issue(OWNER, REPO, json!({"title": "three"}));
    emu.advance_time(Duration::from_secs(10));
    emu.edit_issue(OWNER, REPO, 1, json!({"body": "touched"}));
    emu.edit_issue(OWNER, REPO, 3, json!({"state": "closed"}));

    let numbers = |query: &str| -> Vec<u64> {
        let resp = call(&emu, "GET", &repo_path(&format!("issues{query}")), None);
        assert_eq!(
            resp.status,
            200,
            "{query}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        resp.json()
            .as_array()
            .expect("array")
            .iter()
            .map(|i| i["number"].as_u64().expect("number"))
            .collect()
    };
    assert_eq!(numbers(""), [2, 1]);
    assert_eq!(numbers("?state=closed"), [3]);
    assert_eq!(numbers("?state=all"), [3, 2, 1]);
    assert_eq!(numbers("?state=all&direction=asc"), [1, 2, 3]);
    assert_eq!(numbers("?state=all&sort=updated"), [3, 1, 2]);
    assert_eq!(numbers("?state=all&since=2024-01-01T00:00:30Z"), [3, 1]);
    assert_eq!(numbers("?labels=X"), [2, 1]);
    assert_eq!(numbers("?labels=x,y"), [1]);
    assert_eq!(numbers("?milestone=1"), [1]);
    assert_eq!(numbers("?milestone=none&state=all"), [3, 2]);
    assert_eq!(numbers("?milestone=*"), [1]);
    assert_eq!(numbers("?assignee=bob"), [2]);
    assert_eq!(
        call(&emu, "GET", &repo_path("issues?state=bogus"), None).status,
        422
    );
}

#[test]
fn issue_labels_endpoints_add_replace_and_remove() {
    let emu = emulator();
    emu.set_time("2024-01-01T00:00:00Z");
    emu.create_issue(
        OWNER,
        REPO,
        json!({"title": "t", "labels": ["PM:Status:ToDo"]}),
    );
    emu.advance_time(Duration::from_secs(5));
    let added = call(
        &emu,
        "POST",
        &repo_path("issues/1/labels"),
        Some(&json!({"labels": ["Foo", "bAr", "foo"]})),
    );
    assert_eq!(added.status, 200);
    assert_eq!(names(&added.json()), ["PM:Status:ToDo", "Foo", "bAr"]);
    assert_eq!(
        emu.issue(OWNER, REPO, 1).expect("issue")["updated_at"],
        "2024-01-01T00:00:05Z"
    );

    let removed = call(
        &emu,
        "DELETE",
        &repo_path("issues/1/labels/PM%3AStatus%3AToDo"),
        None,
    );
    assert_eq!(removed.status, 200);
    assert_eq!(names(&removed.json()), ["Foo", "bAr"]);
    let again = call(
        &emu,
        "DELETE",
        &repo_path("issues/1/labels/PM%3AStatus%3AToDo"),
        None,
    );
    assert_eq!(again.status, 404);
    assert_eq!(again.json()["message"], "Label does not exist");

    let replaced = call(
        &emu,
        "PUT",
        &repo_path("issues/1/labels"),
        Some(&json!({"labels": ["PM:Status:In Progress"]})),
    );
    assert_eq!(names(&replaced.json()), ["PM:Status:In Progress"]);
    let listed = call(&emu, "GET", &repo_path("issues/1/labels"), None);
    assert_eq!(names(&listed.json()), ["PM:Status:In Progress"]);
    // The repository keeps the labels that were removed from the issue.
    assert_eq!(emu.labels(OWNER, REPO).len(), 4);
    let cleared = call(&emu, "DELETE", &repo_path("issues/1/labels"), None);
    assert_eq!(cleared.status, 204);
    assert!(
        emu.issue(OWNER, REPO, 1).expect("issue")["labels"]
            .as_array()
            .expect("array")
            .is_empty()
    );
}

#[test]
fn labels_crud_with_encoded_names_and_duplicates() {
    let emu = emulator();
    let created = call(
        &emu,
        "POST",
        &repo_path("labels"),
        Some(
            &json!({"name": "PM:Status:In Progress", "color": "FBCA04", "description": "Work started"}),
        ),
    );
    assert_eq!(created.status, 201);
    assert_eq!(
        created.header("location"),
        Some(
            format!(
                "{}/repos/acme/plan/labels/PM%3AStatus%3AIn%20Progress",
                emu.url()
            )
            .as_str()
        )
    );
    let duplicate = call(
        &emu,
        "POST",
        &repo_path("labels"),
        Some(&json!({"name": "pm:status:in progress"})),
    );
    assert_eq!(duplicate.status, 422);
    assert_eq!(
        duplicate.json()["errors"],
        json!([{"resource": "Label", "code": "already_exists", "field": "name"}])
    );
    let bad_color = call(
        &emu,
        "POST",
        &repo_path("labels"),
        Some(&json!({"name": "c", "color": "red"})),
    );
    assert_eq!(bad_color.json()["errors"][0]["field"], "color");

    let emoji = call(
        &emu,
        "POST",
        &repo_path("labels"),
        Some(&json!({"name": "🐞 Bug"})),
    );
    assert_eq!(emoji.status, 201);
    let fetched = call(&emu, "GET", &repo_path("labels/%F0%9F%90%9E%20Bug"), None);
    assert_eq!(fetched.json()["name"], "🐞 Bug");
    let unencoded_colon = call(
        &emu,
        "GET",
        &repo_path("labels/PM:Status:In%20Progress"),
        None,
    );
    assert_eq!(unencoded_colon.json()["color"], "FBCA04");

    emu.create_issue(
        OWNER,
        REPO,
        json!({"title": "t", "labels": ["PM:Status:In Progress"]}),
    );
    let renamed = call(
        &emu,
        "PATCH",
        &repo_path("labels/PM%3AStatus%3AIn%20Progress"),
        Some(&json!({"new_name": "PM:Status:Doing", "color": "BADA55"})),
    );
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.json()["name"], "PM:Status:Doing");
    assert_eq!(renamed.json()["color"], "BADA55");
    assert_eq!(
        names(&emu.issue(OWNER, REPO, 1).expect("issue")["labels"]),
        ["PM:Status:Doing"]
    );
    let clash = call(
        &emu,
        "PATCH",
        &repo_path("labels/PM%3AStatus%3ADoing"),
        Some(&json!({"new_name": "🐞 bug"})),
    );
    assert_eq!(clash.status, 422);

    let deleted = call(
        &emu,
        "DELETE",
        &repo_path("labels/PM%3AStatus%3ADoing"),
        None,
    );
    assert_eq!(deleted.status, 204);
    assert!(
        emu.issue(OWNER, REPO, 1).expect("issue")["labels"]
            .as_array()
            .expect("array")
            .is_empty()
    );
    assert_eq!(
        call(&emu, "GET", &repo_path("labels/PM%3AStatus%3ADoing"), None).status,
        404
    );
    assert_eq!(
        names(&call(&emu, "GET", &repo_path("labels"), None).json()),
        ["🐞 Bug"]
    );
}

#[test]
fn milestones_crud_duplicates_and_due_dates() {
    let emu = emulator();
    emu.set_time("2024-03-01T12:00:00Z");
    let created = call(
        &emu,
        "POST",
        &repo_path("milestones"),
        Some(
            &json!({"title": "EPIC-1 Sync", "description": "IntelliManage-ID: EPIC-1", "due_on": "2024-06-30T00:00:00Z"}),
        ),
    );
    assert_eq!(created.status, 201);
    let m = created.json();
    assert_eq!(m["number"], 1);
    assert_eq!(m["state"], "open");
    // GitHub keeps the Pacific date: midnight UTC on the 30th is still the 29th there.
    assert_eq!(m["due_on"], "2024-06-29T07:00:00Z");
    assert_eq!(m["creator"]["login"], "alice");
    assert_eq!(
        created.header("location"),
        Some(format!("{}/repos/acme/plan/milestones/1", emu.url()).as_str())
    );

    let duplicate = call(
        &emu,
        "POST",
        &repo_path("milestones"),
        Some(&json!({"title": "EPIC-1 Sync"})),
    );
    assert_eq!(duplicate.status, 422);
    assert_eq!(
        duplicate.json()["errors"],
        json!([{"resource": "Milestone", "code": "already_exists", "field": "title"}])
    );
    let missing = call(
        &emu,
        "POST",
        &repo_path("milestones"),
        Some(&json!({"description": "x"})),
    );
    assert_eq!(missing.json()["errors"][0]["code"], "missing_field");

    emu.advance_time(Duration::from_secs(3600));
    let closed = call(
        &emu,
        "PATCH",
        &repo_path("milestones/1"),
        Some(&json!({"state": "closed", "due_on": null})),
    )
    .json();
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["closed_at"], "2024-03-01T13:00:00Z");
    assert_eq!(closed["updated_at"], "2024-03-01T13:00:00Z");
    assert_eq!(closed["due_on"], Value::Null);

    emu.create_milestone(
        OWNER,
        REPO,
        json!({"title": "later", "due_on": "2024-12-01T12:00:00Z"}),
    );
    emu.create_milestone(
        OWNER,
        REPO,
        json!({"title": "sooner", "due_on": "2024-04-01T12:00:00Z"}),
    );
    emu.create_milestone(OWNER, REPO, json!({"title": "undated"}));
    let titles = |query: &str| -> Vec<String> {
        call(&emu, "GET", &repo_path(&format!("milestones{query}")), None)
            .json()
            .as_array()
            .expect("array")
            .iter()
            .map(|m| m["title"].as_str().expect("title").to_string())
            .collect()
    };
    assert_eq!(titles(""), ["sooner", "later", "undated"]);
    assert_eq!(titles("?state=closed"), ["EPIC-1 Sync"]);
    assert_eq!(titles("?state=all&direction=desc").len(), 4);
    let renamed_clash = call(
        &emu,
        "PATCH",
        &repo_path("milestones/2"),
        Some(&json!({"title": "sooner"})),
    );
    assert_eq!(renamed_clash.status, 422);
}

#[test]
fn due_dates_can_be_stored_verbatim() {
    let emu = Emulator::start_with(Options {
        pacific_due_dates: false,
        ..Options::default()
    });
    emu.add_repo(OWNER, REPO);
    let m = emu.create_milestone(
        OWNER,
        REPO,
        json!({"title": "v1", "due_on": "2024-06-30T00:00:00Z"}),
    );
    assert_eq!(m["due_on"], "2024-06-30T00:00:00Z");
}

#[test]
fn comments_are_created_listed_and_bump_the_issue() {
    let emu = emulator();
    emu.set_time("2024-01-01T00:00:00Z");
    emu.create_issue(OWNER, REPO, json!({"title": "t"}));
    emu.advance_time(Duration::from_secs(30));
    let created = call(
        &emu,
        "POST",
        &repo_path("issues/1/comments"),
        Some(&json!({"body": "Synced from TASK-1"})),
    );
    assert_eq!(created.status, 201);
    let c = created.json();
    assert_eq!(c["body"], "Synced from TASK-1");
    assert_eq!(c["user"]["login"], "alice");
    assert_eq!(
        c["issue_url"],
        format!("{}/repos/acme/plan/issues/1", emu.url())
    );
    let issue = emu.issue(OWNER, REPO, 1).expect("issue");
    assert_eq!(issue["comments"], 1);
    assert_eq!(issue["updated_at"], "2024-01-01T00:00:30Z");
    emu.add_comment(OWNER, REPO, 1, "from a teammate");
    let listed = call(&emu, "GET", &repo_path("issues/1/comments"), None).json();
    assert_eq!(listed.as_array().expect("array").len(), 2);
    assert_eq!(listed[1]["user"]["login"], "acme");
    let empty = call(
        &emu,
        "POST",
        &repo_path("issues/1/comments"),
        Some(&json!({})),
    );
    assert_eq!(empty.status, 422);
    assert_eq!(empty.json()["errors"][0]["field"], "body");
    assert_eq!(emu.comments(OWNER, REPO, 1).len(), 2);
}

#[test]
fn repository_and_user_endpoints() {
    let emu = emulator();
    let repo = call(&emu, "GET", &repo_path(""), None).json();
    assert_eq!(repo["full_name"], "acme/plan");
    assert_eq!(repo["owner"]["login"], "acme");
    assert_eq!(repo["permissions"]["push"], true);
    // Owner and name are case-insensitive, as on GitHub.
    assert_eq!(call(&emu, "GET", "/repos/ACME/Plan", None).status, 200);
    let by_id = call(
        &emu,
        "GET",
        &format!("/repositories/{}/issues", repo["id"]),
        None,
    );
    assert_eq!(by_id.status, 200);
}

#[test]
fn teammate_edits_bump_updated_at_for_last_update_wins() {
    let emu = emulator();
    emu.set_time("2024-02-01T09:00:00Z");
    let created = emu.create_issue(OWNER, REPO, json!({"title": "t"}));
    assert_eq!(created["updated_at"], "2024-02-01T09:00:00Z");
    emu.advance_time(Duration::from_secs(3600));
    let edited = emu.edit_issue(OWNER, REPO, 1, json!({"title": "edited on GitHub"}));
    assert_eq!(edited["updated_at"], "2024-02-01T10:00:00Z");
    assert_eq!(edited["created_at"], "2024-02-01T09:00:00Z");
    assert_eq!(emu.now(), "2024-02-01T10:00:00Z");
    let rejected = emu.api_as("acme", "POST", &repo_path("issues"), Some(&json!({})));
    assert_eq!(rejected.status, 422);
    let via_api = emu.api_as("bob", "GET", &repo_path("issues/1"), None);
    assert_eq!(via_api.body["title"], "edited on GitHub");
}

#[test]
fn default_labels_are_optional() {
    let emu = Emulator::start_with(Options {
        default_labels: true,
        ..Options::default()
    });
    emu.add_repo(OWNER, REPO);
    let labels = emu.labels(OWNER, REPO);
    assert_eq!(labels.len(), 9);
    assert_eq!(labels[0]["name"], "bug");
    assert_eq!(labels[0]["default"], true);
}
