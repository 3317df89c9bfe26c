//! Every endpoint, through Prism validating against GitHub's OpenAPI
//! description: no response may violate it. Skipped (with the reason
//! printed) when Prism is not installed, unless
//! `INTELLIMANAGE_REQUIRE_PRISM=1`.

mod common;

use common::{Conn, OWNER, REPO, TOKEN};
use github_emulator::Fault;
use github_emulator::contract::Prism;
use serde_json::{Value, json};

fn expect(
    conn: &mut Conn,
    headers: &[(&str, &str)],
    method: &str,
    path: &str,
    body: Option<Value>,
    status: u16,
) -> common::Resp {
    let resp = conn.send(method, path, headers, body.as_ref());
    assert_eq!(
        resp.status,
        status,
        "{method} {path}: {}",
        String::from_utf8_lossy(&resp.body)
    );
    resp
}

#[test]
fn every_endpoint_validates_against_githubs_openapi_description() {
    let emu = common::emulator();
    emu.add_token("readonly", "carol", &["read:user"]);
    let Some(prism) = Prism::start(&emu.url()) else {
        return;
    };
    let mut conn = Conn::open(&prism.url());
    let auth = format!("Bearer {TOKEN}");
    let h = [
        ("Authorization", auth.as_str()),
        ("Accept", "application/vnd.github+json"),
        ("X-GitHub-Api-Version", "2022-11-28"),
    ];
    let p = |rest: &str| format!("/repos/{OWNER}/{REPO}{rest}");

    // User and repository.
    expect(&mut conn, &h, "GET", "/user", None, 200);
    expect(&mut conn, &h, "GET", &p(""), None, 200);
    expect(&mut conn, &h, "GET", "/repos/acme/missing", None, 404);

    // Labels.
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/labels"),
        Some(
            json!({"name": "PM:Status:In Progress", "color": "fbca04", "description": "Work started"}),
        ),
        201,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/labels"),
        Some(json!({"name": "🐞 Bug"})),
        201,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/labels"),
        Some(json!({"name": "pm:status:in progress"})),
        422,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/labels"),
        Some(json!({"name": "x", "color": "nope"})),
        422,
    );
    for i in 0..4 {
        expect(
            &mut conn,
            &h,
            "POST",
            &p("/labels"),
            Some(json!({"name": format!("tag-{i}")})),
            201,
        );
    }
    let labels = expect(&mut conn, &h, "GET", &p("/labels?per_page=2"), None, 200);
    let next = labels.header("link").expect("link header").to_string();
    assert!(
        next.contains(&prism.url()),
        "links stay on the proxy: {next}"
    );
    // Follow the GitHub-style /repositories/{id} link through the proxy.
    let next_path = next
        .split(", ")
        .find(|l| l.ends_with("rel=\"next\""))
        .and_then(|l| l.split('>').next())
        .map(|u| {
            u.trim_start_matches('<')
                .trim_start_matches(&prism.url())
                .to_string()
        })
        .expect("next link");
    expect(&mut conn, &h, "GET", &next_path, None, 200);
    expect(
        &mut conn,
        &h,
        "GET",
        &p("/labels/PM%3AStatus%3AIn%20Progress"),
        None,
        200,
    );
    expect(&mut conn, &h, "GET", &p("/labels/nope"), None, 404);
    expect(
        &mut conn,
        &h,
        "PATCH",
        &p("/labels/tag-0"),
        Some(json!({"new_name": "tag-zero", "color": "BADA55"})),
        200,
    );
    expect(&mut conn, &h, "DELETE", &p("/labels/tag-1"), None, 204);
    expect(&mut conn, &h, "DELETE", &p("/labels/tag-1"), None, 404);

    // Milestones.
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/milestones"),
        Some(
            json!({"title": "EPIC-1", "description": "IntelliManage-ID: EPIC-1", "due_on": "2030-06-30T12:00:00Z"}),
        ),
        201,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/milestones"),
        Some(json!({"title": "EPIC-1"})),
        422,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/milestones"),
        Some(json!({"title": "EPIC-2", "state": "closed"})),
        201,
    );
    expect(&mut conn, &h, "GET", &p("/milestones"), None, 200);
    expect(
        &mut conn,
        &h,
        "GET",
        &p("/milestones?state=all&sort=completeness&direction=desc&per_page=1"),
        None,
        200,
    );
    expect(&mut conn, &h, "GET", &p("/milestones/1"), None, 200);
    expect(&mut conn, &h, "GET", &p("/milestones/99"), None, 404);
    expect(
        &mut conn,
        &h,
        "PATCH",
        &p("/milestones/2"),
        Some(json!({"state": "open", "due_on": "2031-01-15T12:00:00Z"})),
        200,
    );

    // Issues.
    let created = expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues"),
        Some(
            json!({"title": "Sync plan", "body": "IntelliManage-ID: TASK-1", "labels": ["PM:Status:In Progress", "new-label"], "assignees": ["bob"], "milestone": 1}),
        ),
        201,
    );
    assert!(created.header("location").is_some());
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues"),
        Some(json!({"title": "Second"})),
        201,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues"),
        Some(json!({"body": "no title"})),
        422,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues"),
        Some(json!({"title": "t", "assignees": ["nobody"]})),
        422,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues"),
        Some(json!({"title": "t", "milestone": 99})),
        422,
    );
    let list = expect(
        &mut conn,
        &h,
        "GET",
        &p("/issues?state=all&sort=updated&direction=asc&per_page=1"),
        None,
        200,
    );
    let etag = list.header("etag").expect("etag").to_string();
    let revalidated = conn.send(
        "GET",
        &p("/issues?state=all&sort=updated&direction=asc&per_page=1"),
        &[h[0], h[1], ("If-None-Match", etag.as_str())],
        None,
    );
    assert_eq!(revalidated.status, 304);
    expect(
        &mut conn,
        &h,
        "GET",
        &p("/issues?since=2000-01-01T00:00:00Z&labels=new-label&milestone=1"),
        None,
        200,
    );
    let single = expect(&mut conn, &h, "GET", &p("/issues/1"), None, 200);
    let single_etag = single.header("etag").expect("etag").to_string();
    let not_modified = conn.send(
        "GET",
        &p("/issues/1"),
        &[h[0], ("If-None-Match", single_etag.as_str())],
        None,
    );
    assert_eq!(not_modified.status, 304);
    expect(&mut conn, &h, "GET", &p("/issues/999"), None, 404);
    expect(
        &mut conn,
        &h,
        "PATCH",
        &p("/issues/1"),
        Some(
            json!({"title": "Sync plan (edited)", "state": "closed", "state_reason": "completed"}),
        ),
        200,
    );
    expect(
        &mut conn,
        &h,
        "PATCH",
        &p("/issues/1"),
        Some(json!({"state": "open", "milestone": null, "assignees": []})),
        200,
    );
    expect(
        &mut conn,
        &h,
        "PATCH",
        &p("/issues/1"),
        Some(json!({"state": "finished"})),
        422,
    );

    // Labels on an issue.
    expect(&mut conn, &h, "GET", &p("/issues/1/labels"), None, 200);
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues/1/labels"),
        Some(json!({"labels": ["🐞 Bug"]})),
        200,
    );
    expect(
        &mut conn,
        &h,
        "PUT",
        &p("/issues/1/labels"),
        Some(json!({"labels": ["PM:Status:In Progress", "🐞 Bug"]})),
        200,
    );
    expect(
        &mut conn,
        &h,
        "DELETE",
        &p("/issues/1/labels/%F0%9F%90%9E%20Bug"),
        None,
        200,
    );
    expect(
        &mut conn,
        &h,
        "DELETE",
        &p("/issues/1/labels/%F0%9F%90%9E%20Bug"),
        None,
        404,
    );
    expect(&mut conn, &h, "DELETE", &p("/issues/2/labels"), None, 204);

    // Comments.
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues/1/comments"),
        Some(json!({"body": "Synced"})),
        201,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues/1/comments"),
        Some(json!({})),
        422,
    );
    expect(&mut conn, &h, "GET", &p("/issues/1/comments"), None, 200);
    expect(
        &mut conn,
        &h,
        "GET",
        &p("/issues/1/comments?since=2000-01-01T00:00:00Z&per_page=10"),
        None,
        200,
    );

    // Milestone deletion.
    expect(&mut conn, &h, "DELETE", &p("/milestones/2"), None, 204);

    // Authentication, scopes and rate limits.
    let unauthenticated = conn.send("GET", &p("/issues"), &[], None);
    assert_eq!(unauthenticated.status, 401);
    let bad = conn.send("GET", "/user", &[("Authorization", "token wrong")], None);
    assert_eq!(bad.status, 401);
    let forbidden = conn.send(
        "POST",
        &p("/issues"),
        &[("Authorization", "token readonly")],
        Some(&json!({"title": "x"})),
    );
    assert_eq!(forbidden.status, 403);
    emu.inject(Fault::secondary_rate_limit(30).on("POST", &p("/issues")));
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues"),
        Some(json!({"title": "x"})),
        403,
    );
    emu.inject(Fault::status(503).on("POST", &p("/issues")));
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues"),
        Some(json!({"title": "x"})),
        503,
    );
    expect(&mut conn, &h, "GET", "/no/such/route", None, 404);

    // A dropped connection is passed on as a dropped connection.
    emu.inject(Fault::drop_connection().on("GET", &p("/labels")));
    let mut fresh = Conn::open(&prism.url());
    assert!(fresh.try_send("GET", &p("/labels"), &h, None).is_none());

    for v in prism.violations() {
        eprintln!(
            "note: {v}{}",
            if v.is_spec_gap() {
                " (known gap in the description)"
            } else {
                ""
            }
        );
    }
    // Every request went through Prism to the emulator.
    assert_eq!(prism.exchanges(), emu.requests().len());
    // The only problems are the requests this test made invalid on purpose
    // (to provoke GitHub's 422); every response is valid.
    let problems = prism.problems();
    let unexpected: Vec<String> = problems
        .iter()
        .filter(|v| !(v.location.first().is_some_and(|l| l == "request") && v.status == 422))
        .map(ToString::to_string)
        .collect();
    assert!(
        unexpected.is_empty(),
        "contract violations:\n{}",
        unexpected.join("\n")
    );
    assert!(
        problems
            .iter()
            .any(|v| v.path.ends_with("/issues/1/comments") && v.location == ["request", "body"]),
        "Prism saw the deliberately invalid comment request: {problems:?}"
    );
}

/// The recorder really reports what Prism finds: an upstream answering
/// with an issue that lacks required properties is caught.
#[test]
fn a_response_missing_required_properties_is_reported() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake upstream");
    let upstream = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let reply = r#"{"id":1,"number":"one","title":"broken"}"#;
            let mut out = stream;
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    let Some(prism) = Prism::start(&upstream) else {
        return;
    };
    let mut conn = Conn::open(&prism.url());
    let resp = conn.send("GET", "/repos/o/r/issues/1", &[], None);
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.json()["title"],
        "broken",
        "the response is passed on unchanged"
    );
    let problems = prism.problems();
    assert!(
        problems.iter().any(|v| v
            .location
            .starts_with(&["response".to_string(), "body".to_string()])
            && v.severity == "Error"),
        "expected response body violations, got {problems:?}"
    );
    assert!(
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| prism.assert_clean())).is_err()
    );
}

/// Projects (v2) and sub-issues through Prism: every response valid, refusals included.
#[test]
fn projects_and_sub_issues_validate_against_githubs_openapi_description() {
    let emu = common::emulator();
    emu.add_token("ghp_project", "alice", &["repo", "project"]);
    let status = emu.add_project(
        OWNER,
        github_emulator::ProjectOwner::Organization,
        1,
        "Plan",
        &["Todo", "Done"],
    );
    emu.add_project("bob", github_emulator::ProjectOwner::User, 2, "Mine", &[]);
    for title in ["Epic", "A", "B"] {
        emu.create_issue(OWNER, REPO, json!({ "title": title }));
    }
    let Some(prism) = Prism::start(&emu.url()) else {
        return;
    };
    let mut conn = Conn::open(&prism.url());
    let h = [
        ("Authorization", "Bearer ghp_project"),
        ("Accept", "application/vnd.github+json"),
        ("X-GitHub-Api-Version", "2022-11-28"),
    ];
    let ids: Vec<Value> = (1..=3)
        .map(|n| emu.issue(OWNER, REPO, n).expect("issue")["id"].clone())
        .collect();
    let pr = "/orgs/acme/projectsV2/1";
    let p = |rest: &str| format!("/repos/{OWNER}/{REPO}{rest}");

    // Sub-issues.
    let sub = |id: &Value| Some(json!({ "sub_issue_id": id }));
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues/1/sub_issues"),
        sub(&ids[1]),
        201,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues/1/sub_issues"),
        sub(&ids[2]),
        201,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues/1/sub_issues"),
        sub(&ids[1]),
        422,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &p("/issues/3/sub_issues"),
        sub(&ids[1]),
        422,
    );
    expect(
        &mut conn,
        &h,
        "GET",
        &p("/issues/1/sub_issues?per_page=1"),
        None,
        200,
    );
    expect(&mut conn, &h, "GET", &p("/issues/2/parent"), None, 200);
    expect(&mut conn, &h, "GET", &p("/issues/2"), None, 200);
    expect(
        &mut conn,
        &h,
        "DELETE",
        &p("/issues/1/sub_issue"),
        sub(&ids[2]),
        200,
    );
    expect(
        &mut conn,
        &h,
        "DELETE",
        &p("/issues/1/sub_issue"),
        sub(&ids[2]),
        404,
    );

    // Projects.
    expect(&mut conn, &h, "GET", pr, None, 200);
    expect(&mut conn, &h, "GET", "/users/bob/projectsV2/2", None, 200);
    expect(&mut conn, &h, "GET", "/orgs/acme/projectsV2/9", None, 404);
    expect(
        &mut conn,
        &h,
        "GET",
        &format!("{pr}/fields?per_page=3"),
        None,
        200,
    );
    expect(
        &mut conn,
        &h,
        "GET",
        &format!("{pr}/fields/{status}"),
        None,
        200,
    );
    let add = |body: Value| Some(body);
    expect(
        &mut conn,
        &h,
        "POST",
        &format!("{pr}/items"),
        add(json!({"type": "Issue", "id": ids[0]})),
        201,
    );
    let item = expect(
        &mut conn,
        &h,
        "POST",
        &format!("{pr}/items"),
        add(json!({"type": "Issue", "owner": OWNER, "repo": REPO, "number": 2})),
        201,
    )
    .json()["id"]
        .clone();
    expect(
        &mut conn,
        &h,
        "POST",
        &format!("{pr}/items"),
        add(json!({"type": "Issue", "id": ids[0]})),
        422,
    );
    expect(
        &mut conn,
        &h,
        "POST",
        &format!("{pr}/items"),
        add(json!({"type": "Issue", "id": 1})),
        404,
    );
    let option = emu.project_items(OWNER, 1)[0]["fields"]
        .as_array()
        .and_then(|_| {
            let f = expect(
                &mut conn,
                &h,
                "GET",
                &format!("{pr}/fields/{status}"),
                None,
                200,
            );
            f.json()["options"][1]["id"].as_str().map(str::to_string)
        })
        .expect("an option id");
    let patch = |value: Value| Some(json!({"fields": [{"id": status, "value": value}]}));
    expect(
        &mut conn,
        &h,
        "PATCH",
        &format!("{pr}/items/{item}"),
        patch(json!(option)),
        200,
    );
    expect(
        &mut conn,
        &h,
        "PATCH",
        &format!("{pr}/items/{item}"),
        patch(json!("nope")),
        400,
    );
    let page = expect(
        &mut conn,
        &h,
        "GET",
        &format!("{pr}/items?per_page=1&fields={status}"),
        None,
        200,
    );
    let next = page.header("link").expect("link").to_string();
    let next = next
        .split('>')
        .next()
        .map(|u| {
            u.trim_start_matches('<')
                .trim_start_matches(&prism.url())
                .to_string()
        })
        .expect("next link");
    expect(&mut conn, &h, "GET", &next, None, 200);
    let single = expect(
        &mut conn,
        &h,
        "GET",
        &format!("{pr}/items/{item}?fields={status}"),
        None,
        200,
    );
    let etag = single.header("etag").expect("etag").to_string();
    let again = conn.send(
        "GET",
        &format!("{pr}/items/{item}?fields={status}"),
        &[h[0], ("If-None-Match", etag.as_str())],
        None,
    );
    assert_eq!(again.status, 304);
    let readonly = conn.send(
        "GET",
        pr,
        &[("Authorization", "Bearer ghp_testtoken")],
        None,
    );
    assert_eq!(readonly.status, 403);
    expect(
        &mut conn,
        &h,
        "DELETE",
        &format!("{pr}/items/{item}"),
        None,
        204,
    );

    for v in prism.violations() {
        eprintln!(
            "note: {v}{}",
            if v.is_spec_gap() {
                " (known gap in the description)"
            } else {
                ""
            }
        );
    }
    assert_eq!(prism.exchanges(), emu.requests().len());
    prism.assert_clean();
}
