//! Projects (v2) through the REST API (`/orgs/{org}/projectsV2/…`, `/users/{u}/projectsV2/…`)
//! behave as on GitHub: cursor pages in `Link` headers, the Title value unless `fields=`
//! asks for others, single-select updates by option id, `read:project`/`project` scopes,
//! GitHub's refusals, weak ETags.

mod common;

use std::time::Duration;

use common::{OWNER, REPO, call, call_with, emulator};
use github_emulator::{Emulator, Fault, ProjectOwner};
use serde_json::{Value, json};

const PROJECT: &str = "/orgs/acme/projectsV2/1";

/// An emulator with org project acme/1 (Status: Todo, In Progress, Done) and `n` issues,
/// and a token `ghp_project` for `alice` with the `project` scope.
fn setup(n: u64) -> (Emulator, u64) {
    let emu = emulator();
    emu.add_token("ghp_project", "alice", &["repo", "project"]);
    emu.set_time("2025-03-01T00:00:00Z");
    let status = emu.add_project(
        OWNER,
        ProjectOwner::Organization,
        1,
        "Plan",
        &["Todo", "In Progress", "Done"],
    );
    for i in 1..=n {
        emu.create_issue(OWNER, REPO, json!({ "title": format!("Task {i}") }));
    }
    (emu, status)
}

fn as_project(emu: &Emulator, method: &str, path: &str, body: Option<&Value>) -> common::Resp {
    call_with(
        emu,
        method,
        path,
        &[("Authorization", "Bearer ghp_project")],
        body,
    )
}

fn status_options(emu: &Emulator, status: u64) -> Vec<(String, String)> {
    let field = as_project(emu, "GET", &format!("{PROJECT}/fields/{status}"), None).json();
    field["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            (
                o["name"]["raw"].as_str().expect("name").to_string(),
                o["id"].as_str().expect("id").to_string(),
            )
        })
        .collect()
}

fn next_link(resp: &common::Resp, rel: &str) -> Option<String> {
    resp.header("link")?
        .split(", ")
        .find(|l| l.ends_with(&format!("rel=\"{rel}\"")))
        .and_then(|l| l.split('>').next())
        .map(|u| u.trim_start_matches('<').to_string())
}

fn path_of(emu: &Emulator, url: &str) -> String {
    url.trim_start_matches(&emu.url()).to_string()
}

#[test]
fn a_project_its_fields_and_an_item_added_by_id_then_by_number() {
    let (emu, status) = setup(2);
    let project = as_project(&emu, "GET", PROJECT, None);
    assert_eq!(project.status, 200);
    let p = project.json();
    for key in [
        "id",
        "node_id",
        "owner",
        "creator",
        "title",
        "description",
        "public",
        "closed_at",
        "created_at",
        "updated_at",
        "number",
        "short_description",
        "deleted_at",
        "deleted_by",
    ] {
        assert!(p.get(key).is_some(), "project has {key}: {p}");
    }
    assert_eq!(p["title"], "Plan");
    assert_eq!(p["number"], 1);
    assert_eq!(p["owner"]["login"], "acme");
    assert_eq!(p["owner"]["type"], "Organization");

    let fields = as_project(&emu, "GET", &format!("{PROJECT}/fields"), None).json();
    let fields = fields.as_array().expect("array");
    assert_eq!(fields[0]["name"], "Title");
    assert_eq!(fields[0]["data_type"], "title");
    for f in fields {
        for key in [
            "id",
            "name",
            "data_type",
            "created_at",
            "updated_at",
            "project_url",
        ] {
            assert!(f.get(key).is_some(), "field has {key}: {f}");
        }
    }
    let status_field = fields
        .iter()
        .find(|f| f["name"] == "Status")
        .expect("Status");
    assert_eq!(status_field["id"], status);
    assert_eq!(status_field["data_type"], "single_select");
    let names: Vec<(String, String)> = status_options(&emu, status);
    assert_eq!(
        names.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["Todo", "In Progress", "Done"]
    );
    for o in status_field["options"].as_array().expect("options") {
        assert!(o["id"].is_string() && o["color"].is_string());
        assert!(o["name"]["html"].is_string() && o["description"]["raw"].is_string());
    }
    assert_eq!(
        as_project(&emu, "GET", &format!("{PROJECT}/fields/1"), None).status,
        404
    );

    let issue = emu.issue(OWNER, REPO, 1).expect("issue 1");
    let added = as_project(
        &emu,
        "POST",
        &format!("{PROJECT}/items"),
        Some(&json!({"type": "Issue", "id": issue["id"]})),
    );
    assert_eq!(
        added.status,
        201,
        "{}",
        String::from_utf8_lossy(&added.body)
    );
    let item = added.json();
    for key in [
        "id",
        "node_id",
        "content",
        "content_type",
        "creator",
        "created_at",
    ] {
        assert!(item.get(key).is_some(), "item has {key}: {item}");
    }
    assert!(item.get("fields").is_none(), "the add answer has no fields");
    assert!(item["archived_at"].is_null());
    assert_eq!(item["content_type"], "Issue");
    assert_eq!(item["content"]["number"], 1);
    assert_eq!(item["content"]["id"], issue["id"]);
    assert_eq!(item["content"]["repository_url"], issue["repository_url"]);
    assert_eq!(item["creator"]["login"], "alice");
    let id = item["id"].as_u64().expect("id");
    assert!(
        item["item_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/orgs/acme/projectsV2/1/items/{id}")))
    );

    let by_number = as_project(
        &emu,
        "POST",
        &format!("{PROJECT}/items"),
        Some(&json!({"type": "Issue", "owner": OWNER, "repo": REPO, "number": 2})),
    );
    assert_eq!(by_number.status, 201);
    assert_eq!(emu.project_items(OWNER, 1).len(), 2);

    // The item alone: the Title value only, unless `fields` asks.
    let got = as_project(&emu, "GET", &format!("{PROJECT}/items/{id}"), None).json();
    let values = got["fields"].as_array().expect("fields");
    assert_eq!(values.len(), 1);
    assert_eq!(values[0]["data_type"], "title");
    assert_eq!(values[0]["value"]["raw"], "Task 1");
    assert_eq!(values[0]["value"]["number"], 1);
    let got = as_project(
        &emu,
        "GET",
        &format!("{PROJECT}/items/{id}?fields={status}"),
        None,
    )
    .json();
    assert_eq!(
        got["fields"],
        json!([{"id": status, "name": "Status", "data_type": "single_select", "value": null}])
    );
    assert_eq!(
        as_project(&emu, "GET", &format!("{PROJECT}/items/1"), None).status,
        404
    );
}

#[test]
fn an_item_is_moved_by_option_id_and_its_updated_at_moves_only_on_change() {
    let (emu, status) = setup(1);
    emu.add_to_project(OWNER, 1, OWNER, REPO, 1);
    assert_eq!(emu.project_status_of(OWNER, 1, OWNER, REPO, 1), Some(None));
    let options = status_options(&emu, status);
    let done = &options[2].1;
    let item = emu.project_items(OWNER, 1)[0].clone();
    let id = item["id"].as_u64().expect("id");
    emu.advance_time(Duration::from_secs(60));

    let patch = |value: Value| {
        as_project(
            &emu,
            "PATCH",
            &format!("{PROJECT}/items/{id}"),
            Some(&json!({"fields": [{"id": status, "value": value}]})),
        )
    };
    let moved = patch(json!(done));
    assert_eq!(
        moved.status,
        200,
        "{}",
        String::from_utf8_lossy(&moved.body)
    );
    let moved = moved.json();
    assert_eq!(moved["fields"][0]["value"]["name"]["raw"], "Done");
    assert_eq!(moved["fields"][0]["value"]["id"], json!(done));
    assert!(moved["fields"][0]["value"]["color"].is_string());
    assert_eq!(moved["updated_at"], "2025-03-01T00:01:00Z");
    assert_eq!(
        emu.project_status_of(OWNER, 1, OWNER, REPO, 1),
        Some(Some("Done".to_string()))
    );
    // The issue itself did not change.
    assert_eq!(
        emu.issue(OWNER, REPO, 1).expect("issue")["updated_at"],
        "2025-03-01T00:00:00Z"
    );

    emu.advance_time(Duration::from_secs(60));
    let same = patch(json!(done)).json();
    assert_eq!(
        same["updated_at"], "2025-03-01T00:01:00Z",
        "nothing changed"
    );
    let cleared = patch(Value::Null).json();
    assert!(cleared["fields"][0]["value"].is_null());
    assert_eq!(cleared["updated_at"], "2025-03-01T00:02:00Z");
    assert_eq!(emu.project_status_of(OWNER, 1, OWNER, REPO, 1), Some(None));

    // A person moves the card on the web.
    emu.set_project_status(OWNER, 1, OWNER, REPO, 1, Some("In Progress"));
    let all = emu.project_items(OWNER, 1);
    let status_value = all[0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "Status")
        .expect("Status value")
        .clone();
    assert_eq!(status_value["value"]["name"]["raw"], "In Progress");
    assert_eq!(
        emu.project_status_of(OWNER, 1, OWNER, REPO, 1),
        Some(Some("In Progress".to_string()))
    );

    // Removed: 204, gone, and not on the project any more.
    let deleted = as_project(&emu, "DELETE", &format!("{PROJECT}/items/{id}"), None);
    assert_eq!(deleted.status, 204);
    assert_eq!(emu.project_status_of(OWNER, 1, OWNER, REPO, 1), None);
    assert_eq!(
        as_project(&emu, "DELETE", &format!("{PROJECT}/items/{id}"), None).status,
        404
    );
    emu.add_to_project(OWNER, 1, OWNER, REPO, 1);
    emu.remove_from_project(OWNER, 1, OWNER, REPO, 1);
    assert!(emu.project_items(OWNER, 1).is_empty());
}

#[test]
fn items_page_by_cursor_both_ways_keeping_the_fields_asked_for() {
    let (emu, status) = setup(5);
    for n in 1..=5 {
        emu.add_to_project(OWNER, 1, OWNER, REPO, n);
    }
    let first = as_project(
        &emu,
        "GET",
        &format!("{PROJECT}/items?per_page=2&fields={status}"),
        None,
    );
    assert_eq!(first.status, 200);
    let numbers = |r: &common::Resp| -> Vec<u64> {
        r.json()
            .as_array()
            .expect("array")
            .iter()
            .map(|i| i["content"]["number"].as_u64().expect("number"))
            .collect()
    };
    assert_eq!(numbers(&first), [1, 2]);
    assert_eq!(first.json()[0]["fields"][0]["name"], "Status");
    assert!(next_link(&first, "prev").is_none());
    let next = next_link(&first, "next").expect("next link");
    // GitHub's Link URLs name the organization by id, and carry `after=<cursor>`.
    assert!(next.contains("/organizations/"), "{next}");
    assert!(
        next.contains("after=") && next.contains("per_page=2"),
        "{next}"
    );
    assert!(next.contains(&format!("fields={status}")), "{next}");

    let second = as_project(&emu, "GET", &path_of(&emu, &next), None);
    assert_eq!(
        second.status,
        200,
        "{}",
        String::from_utf8_lossy(&second.body)
    );
    assert_eq!(numbers(&second), [3, 4]);
    assert_eq!(second.json()[0]["fields"][0]["name"], "Status");
    let prev = next_link(&second, "prev").expect("prev link");
    assert!(prev.contains("before="), "{prev}");
    assert_eq!(
        numbers(&as_project(&emu, "GET", &path_of(&emu, &prev), None)),
        [1, 2]
    );
    let third = as_project(
        &emu,
        "GET",
        &path_of(&emu, &next_link(&second, "next").expect("next")),
        None,
    );
    assert_eq!(numbers(&third), [5]);
    assert!(next_link(&third, "next").is_none());

    // `fields[]=` and defaults; both cursors at once is refused.
    let list = as_project(
        &emu,
        "GET",
        &format!("{PROJECT}/items?fields%5B%5D={status}&fields%5B%5D=999"),
        None,
    );
    assert_eq!(list.status, 400);
    assert_eq!(list.json()["message"], "Field validation errors");
    assert_eq!(list.json()["errors"]["invalid_ids"][0]["id"], 999);
    let all = as_project(&emu, "GET", &format!("{PROJECT}/items"), None);
    assert_eq!(numbers(&all), [1, 2, 3, 4, 5]);
    assert!(all.header("link").is_none());
    let both = as_project(
        &emu,
        "GET",
        &format!("{PROJECT}/items?after=x&before=y"),
        None,
    );
    assert_eq!(both.status, 400);
}

#[test]
fn conditional_gets_answer_304_until_the_item_changes() {
    let (emu, status) = setup(1);
    emu.add_to_project(OWNER, 1, OWNER, REPO, 1);
    for path in [
        PROJECT.to_string(),
        format!("{PROJECT}/fields"),
        format!("{PROJECT}/items?fields={status}"),
    ] {
        let first = as_project(&emu, "GET", &path, None);
        let etag = first.header("etag").expect("etag").to_string();
        assert!(etag.starts_with("W/\""), "{etag}");
        let again = call_with(
            &emu,
            "GET",
            &path,
            &[
                ("Authorization", "Bearer ghp_project"),
                ("If-None-Match", &etag),
            ],
            None,
        );
        assert_eq!(again.status, 304, "{path}");
    }
    let items = as_project(
        &emu,
        "GET",
        &format!("{PROJECT}/items?fields={status}"),
        None,
    );
    let etag = items.header("etag").expect("etag").to_string();
    emu.set_project_status(OWNER, 1, OWNER, REPO, 1, Some("Todo"));
    let changed = call_with(
        &emu,
        "GET",
        &format!("{PROJECT}/items?fields={status}"),
        &[
            ("Authorization", "Bearer ghp_project"),
            ("If-None-Match", &etag),
        ],
        None,
    );
    assert_eq!(changed.status, 200);
    assert!(emu.not_modified_count() >= 3);
}

#[test]
fn scopes_unknown_projects_and_githubs_refusals() {
    let (emu, status) = setup(2);
    emu.add_token("ghp_read", "carol", &["read:project"]);
    emu.add_to_project(OWNER, 1, OWNER, REPO, 1);
    let item = emu.project_items(OWNER, 1)[0]["id"].as_u64().expect("id");

    // The test token has `repo` only: no project access at all.
    let refused = call(&emu, "GET", PROJECT, None);
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.json()["message"],
        "Resource not accessible by personal access token"
    );
    assert!(refused.json()["documentation_url"].is_string());
    assert_eq!(
        refused.header("x-accepted-oauth-scopes"),
        Some("read:project")
    );
    // `read:project` reads but does not write.
    let read = [("Authorization", "token ghp_read")];
    assert_eq!(call_with(&emu, "GET", PROJECT, &read, None).status, 200);
    let write = call_with(
        &emu,
        "DELETE",
        &format!("{PROJECT}/items/{item}"),
        &read,
        None,
    );
    assert_eq!(write.status, 403);
    assert_eq!(emu.project_items(OWNER, 1).len(), 1);

    // Unknown owners and projects: 404, before any scope check.
    for path in [
        "/orgs/nobody/projectsV2/1",
        "/orgs/acme/projectsV2/2",
        "/users/acme/projectsV2/1",
        "/orgs/acme/projectsV2/x/items",
    ] {
        let resp = call(&emu, "GET", path, None);
        assert_eq!(resp.status, 404, "{path}");
        assert_eq!(resp.json()["message"], "Not Found");
        assert!(resp.json()["documentation_url"].is_string());
    }

    // Already there: 422, nothing added. Unknown issue: 404. Bad bodies: 422.
    let dup = as_project(
        &emu,
        "POST",
        &format!("{PROJECT}/items"),
        Some(&json!({"type": "Issue", "owner": OWNER, "repo": REPO, "number": 1})),
    );
    assert_eq!(dup.status, 422);
    assert_eq!(
        dup.json()["message"],
        "Content already exists in this project"
    );
    assert_eq!(emu.project_items(OWNER, 1).len(), 1);
    let unknown = as_project(
        &emu,
        "POST",
        &format!("{PROJECT}/items"),
        Some(&json!({"type": "Issue", "id": 123_456_789})),
    );
    assert_eq!(unknown.status, 404);
    for body in [
        json!({"id": 1}),
        json!({"type": "Issue"}),
        json!({"type": "Issue", "id": "1"}),
        json!({"type": "Issue", "id": 1, "extra": true}),
    ] {
        let resp = as_project(&emu, "POST", &format!("{PROJECT}/items"), Some(&body));
        assert_eq!(resp.status, 422, "{body}");
        assert!(
            resp.json()["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Invalid request.")),
            "{body}"
        );
    }

    // Unknown field, built-in field, unknown option: GitHub's 400s.
    let patch = |fields: Value| {
        as_project(
            &emu,
            "PATCH",
            &format!("{PROJECT}/items/{item}"),
            Some(&json!({ "fields": fields })),
        )
    };
    let resp = patch(json!([{"id": 42, "value": "x"}]));
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["message"], "Field validation errors");
    assert_eq!(
        resp.json()["errors"]["invalid_ids"],
        json!([{"id": 42, "message": "Field cannot be found"}])
    );
    let title = emu.project_items(OWNER, 1)[0]["fields"][0]["id"].clone();
    let resp = patch(json!([{"id": title, "value": "New title"}]));
    assert_eq!(resp.status, 400);
    assert_eq!(
        resp.json()["errors"]["unsupported_ids"][0]["message"],
        "'title' fields are currently unsupported"
    );
    let resp = patch(json!([{"id": status, "value": "nope"}]));
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["message"], "Invalid field values");
    assert_eq!(
        resp.json()["errors"]["invalid_field_values"][0]["error"],
        "The single select option Id does not belong to the field"
    );
    assert_eq!(patch(json!("x")).status, 422);
    assert_eq!(emu.project_status_of(OWNER, 1, OWNER, REPO, 1), Some(None));
}

#[test]
fn user_projects_faults_and_the_request_log() {
    let emu = emulator();
    emu.add_token("ghp_bob", "bob", &["project"]);
    emu.add_repo("bob", "notes");
    emu.create_issue("bob", "notes", json!({"title": "Mine"}));
    emu.add_project("bob", ProjectOwner::User, 3, "Personal", &["Todo", "Done"]);
    let h = [("Authorization", "Bearer ghp_bob")];
    let project = call_with(&emu, "GET", "/users/bob/projectsV2/3", &h, None);
    assert_eq!(project.status, 200);
    assert_eq!(project.json()["owner"]["type"], "User");
    assert_eq!(
        call_with(&emu, "GET", "/orgs/bob/projectsV2/3", &h, None).status,
        404
    );
    let user_id = project.json()["owner"]["id"].as_u64().expect("id");
    // The `/user/{id}` form GitHub's links use answers too.
    let by_id = call_with(
        &emu,
        "GET",
        &format!("/user/{user_id}/projectsV2/3/items"),
        &h,
        None,
    );
    assert_eq!(by_id.status, 200);

    emu.reset_log();
    emu.inject(Fault::status(502).on("POST", "/users/bob/projectsV2/3/items"));
    let body = json!({"type": "Issue", "owner": "bob", "repo": "notes", "number": 1});
    let failed = call_with(
        &emu,
        "POST",
        "/users/bob/projectsV2/3/items",
        &h,
        Some(&body),
    );
    assert_eq!(failed.status, 502);
    assert!(emu.project_items("bob", 3).is_empty());
    let added = call_with(
        &emu,
        "POST",
        "/users/bob/projectsV2/3/items",
        &h,
        Some(&body),
    );
    assert_eq!(added.status, 201);
    assert!(
        added.json()["project_url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/users/bob/projectsV2/3"))
    );
    assert_eq!(emu.write_count(), 2);
    assert_eq!(emu.read_count(), 0);
    let log = emu.requests();
    assert!(log[0].faulted && log[0].status == Some(502));
    assert_eq!(log[1].login.as_deref(), Some("bob"));
    assert_eq!(
        emu.project_status_of("bob", 3, "bob", "notes", 1),
        Some(None)
    );
}
