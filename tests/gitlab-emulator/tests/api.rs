//! The emulator over plain HTTP (ureq): authentication, routes, listing
//! and pagination, faults and rate limits, as GitLab answers them.

mod common;

use std::time::Duration;

use common::{ENCODED, PROJECT, READ_TOKEN, TOKEN, call, call_with, emulator, get};
use gitlab_emulator::Fault;
use serde_json::json;

#[test]
fn authentication_and_scopes_answer_as_gitlab() {
    let (emu, id) = emulator();
    let anon = call_with(&emu, "GET", "/user", None, None).expect("req");
    assert_eq!(
        (anon.status, anon.json()),
        (401, json!({"message": "401 Unauthorized"}))
    );
    let bad = call_with(&emu, "GET", "/user", Some(("PRIVATE-TOKEN", "nope")), None).expect("req");
    assert_eq!(
        (bad.status, bad.json()),
        (401, json!({"message": "401 Unauthorized"}))
    );
    let bearer = call_with(
        &emu,
        "GET",
        "/user",
        Some(("Authorization", "Bearer glpat-alice")),
        None,
    )
    .expect("req");
    assert_eq!(bearer.status, 200);
    assert_eq!(bearer.json()["username"], "alice");
    // Private projects hide from anonymous readers.
    let hidden =
        call_with(&emu, "GET", &format!("/projects/{id}/issues"), None, None).expect("req");
    assert_eq!(hidden.json(), json!({"message": "404 Project Not Found"}));
    // read_api reads but cannot write.
    let ro = Some(("PRIVATE-TOKEN", READ_TOKEN));
    let read = call_with(&emu, "GET", &format!("/projects/{id}/issues"), ro, None).expect("req");
    assert_eq!(read.status, 200);
    let write = call_with(
        &emu,
        "POST",
        &format!("/projects/{id}/issues"),
        ro,
        Some(&json!({"title": "x"})),
    )
    .expect("req");
    assert_eq!(write.status, 403);
    assert_eq!(write.json()["error"], "insufficient_scope");
    assert_eq!(write.json()["scope"], "api");
    assert!(emu.issues(PROJECT).is_empty());
}

#[test]
fn users_projects_and_unknown_routes() {
    let (emu, id) = emulator();
    let users = get(&emu, "/users?username=bob").json();
    assert_eq!(users[0]["username"], "bob");
    assert_eq!(users[0]["state"], "active");
    assert_eq!(users[0]["web_url"], format!("{}/bob", emu.url()));
    assert_eq!(get(&emu, "/users?username=nobody").json(), json!([]));

    let by_path = get(&emu, &format!("/projects/{ENCODED}")).json();
    assert_eq!(by_path["id"], id);
    assert_eq!(by_path["path_with_namespace"], PROJECT);
    assert_eq!(by_path["path"], "proj");
    assert_eq!(by_path["name"], "proj");
    assert_eq!(by_path["web_url"], format!("{}/{PROJECT}", emu.url()));
    assert_eq!(by_path["default_branch"], "main");
    assert_eq!(by_path["namespace"]["full_path"], "group/sub");
    assert_eq!(by_path["permissions"]["project_access"]["access_level"], 50);
    assert_eq!(get(&emu, &format!("/projects/{id}")).json(), by_path);
    let missing = get(&emu, "/projects/nope%2Fnone");
    assert_eq!(
        (missing.status, missing.json()),
        (404, json!({"message": "404 Project Not Found"}))
    );

    let unknown = get(&emu, "/nothing/here");
    assert_eq!(
        (unknown.status, unknown.json()),
        (404, json!({"error": "404 Not Found"}))
    );
    let wrong = call(
        &emu,
        "PATCH",
        &format!("/projects/{id}/issues"),
        Some(&json!({})),
    );
    assert_eq!(
        (wrong.status, wrong.json()),
        (405, json!({"error": "405 Not Allowed"}))
    );
    assert_eq!(wrong.header("allow"), Some("OPTIONS, GET, POST"));
}

#[test]
fn listing_filters_sorts_and_paginates() {
    let (emu, id) = emulator();
    for n in 1..=5 {
        emu.create_issue(PROJECT, json!({"title": format!("Issue {n}"), "description": if n == 3 { "needle" } else { "" }}));
        emu.advance_time(Duration::from_secs(60));
    }
    emu.edit_issue(
        PROJECT,
        2,
        json!({"state_event": "close", "labels": "done"}),
    );
    let all = get(&emu, &format!("/projects/{id}/issues?per_page=2"));
    assert_eq!(all.status, 200);
    let iids: Vec<u64> = all
        .json()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|i| i["iid"].as_u64())
        .collect();
    assert_eq!(iids, [5, 4], "newest first by default");
    assert_eq!(all.header("x-total"), Some("5"));
    assert_eq!(all.header("x-total-pages"), Some("3"));
    assert_eq!(all.header("x-page"), Some("1"));
    assert_eq!(all.header("x-per-page"), Some("2"));
    assert_eq!(all.header("x-next-page"), Some("2"));
    assert_eq!(all.header("x-prev-page"), Some(""));
    let link = all.header("link").expect("link");
    let base = format!("{}/api/v4/projects/{id}/issues", emu.url());
    assert_eq!(
        link,
        format!(
            "<{base}?id={id}&order_by=created_at&page=2&per_page=2&sort=desc&state=all&with_labels_details=false>; rel=\"next\", \
             <{base}?id={id}&order_by=created_at&page=1&per_page=2&sort=desc&state=all&with_labels_details=false>; rel=\"first\", \
             <{base}?id={id}&order_by=created_at&page=3&per_page=2&sort=desc&state=all&with_labels_details=false>; rel=\"last\""
        )
    );
    let last = get(
        &emu,
        &format!("/projects/{id}/issues?per_page=2&page=3&state=opened"),
    );
    assert_eq!(last.header("x-total"), Some("4"));
    assert_eq!(last.header("x-next-page"), Some(""));
    assert_eq!(
        last.header("x-prev-page"),
        Some(""),
        "page 3 of 2 is out of range"
    );
    let p2 = get(
        &emu,
        &format!("/projects/{id}/issues?per_page=2&page=2&state=opened"),
    );
    assert_eq!(p2.header("x-prev-page"), Some("1"));
    assert!(
        p2.header("link")
            .is_some_and(|l| l.contains("state=opened") && l.contains("rel=\"prev\""))
    );

    let count = |q: &str| {
        get(&emu, &format!("/projects/{id}/issues?{q}"))
            .json()
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(count("state=closed"), 1);
    assert_eq!(count("labels=done"), 1);
    assert_eq!(count("labels=None"), 4);
    assert_eq!(count("search=NEEDLE"), 1);
    assert_eq!(count("search=needle&in=title"), 0);
    assert_eq!(count("iids[]=1&iids[]=4"), 2);
    // updated_after is inclusive; issue 2 was edited at the current time.
    let now = emu.now();
    assert_eq!(count(&format!("updated_after={now}")), 1);
    assert_eq!(count("updated_after=2026-12-03T10:02:00Z"), 4);
    let bad = get(
        &emu,
        &format!("/projects/{id}/issues?updated_after=yesterday"),
    );
    assert_eq!(bad.json(), json!({"error": "updated_after is invalid"}));
    let asc = get(
        &emu,
        &format!("/projects/{id}/issues?order_by=updated_at&sort=asc"),
    )
    .json();
    assert_eq!(asc[4]["iid"], 2);
    let capped = get(&emu, &format!("/projects/{id}/issues?per_page=500"));
    assert_eq!(capped.header("x-per-page"), Some("100"));
}

#[test]
fn faults_match_either_project_form_and_write_then_drop_writes() {
    let (emu, id) = emulator();
    emu.inject(Fault::status(502).on("POST", &format!("/api/v4/projects/{id}/issues")));
    let r = call(
        &emu,
        "POST",
        &format!("/projects/{ENCODED}/issues"),
        Some(&json!({"title": "x"})),
    );
    assert_eq!(
        (r.status, r.json()),
        (502, json!({"message": "502 Bad Gateway"}))
    );
    emu.inject(
        Fault::status(503)
            .on("GET", &format!("/api/v4/projects/{ENCODED}/labels"))
            .with_body("{\"message\":\"down\"}"),
    );
    let r = get(&emu, &format!("/projects/{id}/labels"));
    assert_eq!((r.status, r.json()), (503, json!({"message": "down"})));
    assert!(emu.issues(PROJECT).is_empty());

    emu.inject(Fault::write_then_drop().on("POST", &format!("/api/v4/projects/{id}/issues")));
    assert!(
        call_with(
            &emu,
            "POST",
            &format!("/projects/{id}/issues"),
            Some(("PRIVATE-TOKEN", TOKEN)),
            Some(&json!({"title": "x"}))
        )
        .is_err()
    );
    assert_eq!(emu.issues(PROJECT).len(), 1, "the write happened");
    emu.inject(Fault::drop_connection().path("/api/v4/user"));
    assert!(call_with(&emu, "GET", "/user", Some(("PRIVATE-TOKEN", TOKEN)), None).is_err());

    emu.inject(Fault::too_many_requests(7).times(2));
    let r = get(&emu, "/user");
    assert_eq!((r.status, r.body.as_str()), (429, "Retry later\n"));
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(emu.pending_faults(), 1);
    emu.clear_faults();
    assert_eq!(get(&emu, "/user").status, 200);

    let log = emu.requests();
    assert!(
        log.iter()
            .any(|r| r.target == format!("/api/v4/projects/{ENCODED}/issues")
                && r.status == Some(502)
                && r.faulted)
    );
    assert!(log.iter().any(|r| r.dropped && r.method == "POST"));
    assert!(log.iter().all(|r| r.header("private-token") == Some(TOKEN)));
    assert_eq!(emu.write_count(), 2);
    emu.reset_log();
    assert_eq!(emu.read_count(), 0);
}

#[test]
fn rate_limit_headers_and_429() {
    let (emu, _) = emulator();
    emu.set_rate_limit(2, Duration::from_secs(60));
    let first = get(&emu, "/user");
    assert_eq!(first.header("ratelimit-limit"), Some("2"));
    assert_eq!(first.header("ratelimit-observed"), Some("1"));
    assert_eq!(first.header("ratelimit-remaining"), Some("1"));
    let reset: i64 = first
        .header("ratelimit-reset")
        .and_then(|r| r.parse().ok())
        .expect("reset");
    assert!(
        first
            .header("ratelimit-resettime")
            .is_some_and(|t| t.ends_with(" GMT"))
    );
    assert_eq!(get(&emu, "/user").header("ratelimit-remaining"), Some("0"));
    let over = get(&emu, "/user");
    assert_eq!((over.status, over.body.as_str()), (429, "Retry later\n"));
    assert_eq!(over.header("ratelimit-observed"), Some("3"));
    let retry: i64 = over
        .header("retry-after")
        .and_then(|r| r.parse().ok())
        .expect("retry-after");
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    assert!(reset > 0);
    emu.reset_rate_limit();
    assert_eq!(get(&emu, "/user").status, 200);
}
