//! Authentication, pagination, conditional requests, rate limits, faults,
//! keep-alive and the request log.

mod common;

use std::time::{Duration, Instant};

use common::{Conn, OWNER, REPO, TOKEN, call, call_with, emulator, repo_path};
use github_emulator::{Emulator, Fault, LinkStyle, Options};
use serde_json::json;

#[test]
fn missing_and_unknown_tokens_get_401_bodies() {
    let emu = emulator();
    let missing = call_with(&emu, "GET", &repo_path("issues"), &[], None);
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(missing.json()["message"], "Requires authentication");
    assert_eq!(missing.json()["status"], "401");

    let unknown = call_with(
        &emu,
        "GET",
        &repo_path("issues"),
        &[("Authorization", "Bearer nope")],
        None,
    );
    assert_eq!(unknown.status, 401);
    assert_eq!(
        unknown.json(),
        json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
    );
    assert!(unknown.header("x-ratelimit-limit").is_some());
}

#[test]
fn bearer_and_token_schemes_identify_the_user() {
    let emu = emulator();
    for scheme in ["Bearer", "token"] {
        let auth = format!("{scheme} {TOKEN}");
        let me = call_with(&emu, "GET", "/user", &[("Authorization", &auth)], None);
        assert_eq!(me.status, 200);
        assert_eq!(me.json()["login"], "alice");
        assert_eq!(me.json()["type"], "User");
        assert_eq!(me.header("x-oauth-scopes"), Some("repo, user"));
    }
}

#[test]
fn anonymous_reads_are_opt_in() {
    let emu = Emulator::start_with(Options {
        anonymous_reads: true,
        ..Options::default()
    });
    emu.add_repo(OWNER, REPO);
    let read = call_with(&emu, "GET", &repo_path("issues"), &[], None);
    assert_eq!(read.status, 200);
    assert_eq!(read.header("x-ratelimit-limit"), Some("60"));
    let write = call_with(
        &emu,
        "POST",
        &repo_path("issues"),
        &[],
        Some(&json!({"title": "x"})),
    );
    assert_eq!(write.status, 401);
    assert!(emu.issues(OWNER, REPO).is_empty());
}

#[test]
fn writing_without_repo_scope_is_forbidden() {
    let emu = emulator();
    emu.add_token("readonly", "carol", &["read:user"]);
    let auth = [("Authorization", "token readonly")];
    assert_eq!(
        call_with(&emu, "GET", &repo_path("issues"), &auth, None).status,
        200
    );
    let denied = call_with(
        &emu,
        "POST",
        &repo_path("issues"),
        &auth,
        Some(&json!({"title": "x"})),
    );
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.json()["message"],
        "Resource not accessible by personal access token"
    );
    assert_eq!(denied.json()["status"], "403");
    assert!(emu.issues(OWNER, REPO).is_empty());
}

#[test]
fn unknown_repositories_and_routes_are_404() {
    let emu = emulator();
    let missing = call(&emu, "GET", "/repos/acme/nothing/issues", None);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "Not Found");
    assert_eq!(missing.json()["status"], "404");
    let route = call(&emu, "GET", "/gists", None);
    assert_eq!(
        route.json(),
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
    );
    assert_eq!(call(&emu, "GET", &repo_path("issues/99"), None).status, 404);
    assert_eq!(call(&emu, "PUT", &repo_path("issues"), None).status, 404);
}

fn seed_issues(emu: &Emulator, n: usize) {
    for i in 1..=n {
        emu.create_issue(OWNER, REPO, json!({ "title": format!("Issue {i}") }));
    }
}

fn links(resp: &common::Resp) -> Vec<(String, String)> {
    resp.header("link")
        .unwrap_or("")
        .split(", ")
        .filter(|s| !s.is_empty())
        .map(|part| {
            let (url, rel) = part.split_once("; ").expect("link part has a rel");
            (
                rel.trim_start_matches("rel=\"")
                    .trim_end_matches('"')
                    .to_string(),
                url.trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn pagination_links_are_formatted_like_github() {
    let emu = emulator();
    seed_issues(&emu, 7);
    let repo_id = emu.repo(OWNER, REPO).expect("repo")["id"]
        .as_u64()
        .expect("id");
    let base = format!("{}/repositories/{repo_id}/issues", emu.url());

    let first = call(&emu, "GET", &repo_path("issues?state=all&per_page=3"), None);
    assert_eq!(first.status, 200);
    assert_eq!(first.json().as_array().expect("array").len(), 3);
    assert_eq!(
        first.header("link"),
        Some(
            format!(
                "<{base}?state=all&per_page=3&page=2>; rel=\"next\", <{base}?state=all&per_page=3&page=3>; rel=\"last\""
            )
            .as_str()
        )
    );

    let middle = call(
        &emu,
        "GET",
        &repo_path("issues?state=all&per_page=3&page=2"),
        None,
    );
    let rels: Vec<String> = links(&middle).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["prev", "next", "last", "first"]);

    let last = call(
        &emu,
        "GET",
        &repo_path("issues?state=all&per_page=3&page=3"),
        None,
    );
    assert_eq!(
        last.header("link"),
        Some(
            format!(
                "<{base}?state=all&per_page=3&page=2>; rel=\"prev\", <{base}?state=all&per_page=3&page=1>; rel=\"first\""
            )
            .as_str()
        )
    );
    assert_eq!(last.json().as_array().expect("array").len(), 1);

    // Everything fits: no Link header at all.
    let all = call(&emu, "GET", &repo_path("issues?per_page=100"), None);
    assert!(all.header("link").is_none());
    assert_eq!(all.json().as_array().expect("array").len(), 7);
}

#[test]
fn following_next_links_visits_every_item_once() {
    let emu = emulator();
    seed_issues(&emu, 11);
    let mut conn = Conn::open(&emu.url());
    let auth = format!("token {TOKEN}");
    let mut next = Some(format!("{}{}", emu.url(), repo_path("issues?per_page=4")));
    let mut numbers = Vec::new();
    let mut pages = 0;
    while let Some(url) = next.take() {
        let path = url.trim_start_matches(&emu.url()).to_string();
        let resp = conn.send("GET", &path, &[("Authorization", &auth)], None);
        pages += 1;
        for issue in resp.json().as_array().expect("array") {
            numbers.push(issue["number"].as_u64().expect("number"));
        }
        next = links(&resp)
            .into_iter()
            .find(|(rel, _)| rel == "next")
            .map(|(_, u)| u);
    }
    assert_eq!(pages, 3);
    // Default sort is created, descending.
    assert_eq!(numbers, (1..=11).rev().collect::<Vec<u64>>());
}

#[test]
fn links_use_the_host_the_client_used_and_can_name_the_repo() {
    let emu = Emulator::start_with(Options {
        link_style: LinkStyle::OwnerRepo,
        ..Options::default()
    });
    emu.add_token(TOKEN, "alice", &["repo"]);
    emu.add_repo(OWNER, REPO);
    for i in 0..3 {
        emu.create_label(OWNER, REPO, json!({"name": format!("l{i}")}));
    }
    let auth = format!("token {TOKEN}");
    let resp = call_with(
        &emu,
        "GET",
        &repo_path("labels?per_page=2"),
        &[("Authorization", &auth), ("Host", "proxy.test:8080")],
        None,
    );
    assert_eq!(
        resp.header("link"),
        Some(
            "<http://proxy.test:8080/repos/acme/plan/labels?per_page=2&page=2>; rel=\"next\", <http://proxy.test:8080/repos/acme/plan/labels?per_page=2&page=2>; rel=\"last\""
        )
    );
    let first = &resp.json()[0];
    assert!(
        first["url"]
            .as_str()
            .expect("url")
            .starts_with("http://proxy.test:8080/repos/acme/plan/labels/")
    );
}

#[test]
fn per_page_is_capped_at_100_and_defaults_to_30() {
    let emu = emulator();
    seed_issues(&emu, 105);
    let default = call(&emu, "GET", &repo_path("issues"), None);
    assert_eq!(default.json().as_array().expect("array").len(), 30);
    let capped = call(&emu, "GET", &repo_path("issues?per_page=500"), None);
    assert_eq!(capped.json().as_array().expect("array").len(), 100);
    let beyond = call(&emu, "GET", &repo_path("issues?per_page=100&page=9"), None);
    assert_eq!(beyond.json().as_array().expect("array").len(), 0);
}

#[test]
fn etag_revalidation_answers_304_without_charging_the_rate_limit() {
    let emu = emulator();
    seed_issues(&emu, 2);
    let auth = format!("token {TOKEN}");
    let mut conn = Conn::open(&emu.url());
    let first = conn.send(
        "GET",
        &repo_path("issues"),
        &[("Authorization", &auth)],
        None,
    );
    let etag = first.header("etag").expect("etag").to_string();
    assert!(etag.starts_with("W/\""), "weak etag: {etag}");
    let remaining = first.remaining();

    let again = conn.send(
        "GET",
        &repo_path("issues"),
        &[("Authorization", &auth), ("If-None-Match", &etag)],
        None,
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(again.remaining(), remaining, "a 304 is free");

    // The same tag still validates on the next request, too.
    let third = conn.send(
        "GET",
        &repo_path("issues"),
        &[("Authorization", &auth), ("If-None-Match", &etag)],
        None,
    );
    assert_eq!(third.status, 304);

    emu.edit_issue(OWNER, REPO, 1, json!({"title": "changed"}));
    let changed = conn.send(
        "GET",
        &repo_path("issues"),
        &[("Authorization", &auth), ("If-None-Match", &etag)],
        None,
    );
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    assert_eq!(changed.remaining(), remaining - 1);

    let log = emu.requests();
    assert_eq!(log.iter().filter(|r| r.not_modified).count(), 2);
    assert_eq!(log.iter().filter(|r| r.conditional).count(), 3);
    assert_eq!(emu.not_modified_count(), 2);
}

#[test]
fn primary_rate_limit_exhausts_and_resets() {
    let emu = emulator();
    emu.set_rate_limit(3, Duration::from_secs(2));
    let first = call(&emu, "GET", &repo_path("issues"), None);
    assert_eq!(first.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(first.header("x-ratelimit-used"), Some("1"));
    assert_eq!(first.header("x-ratelimit-resource"), Some("core"));
    assert_eq!(first.remaining(), 2);
    let reset: u64 = first
        .header("x-ratelimit-reset")
        .expect("reset")
        .parse()
        .expect("epoch seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(
        reset >= now && reset <= now + 3,
        "reset {reset} vs now {now}"
    );

    call(&emu, "GET", &repo_path("issues"), None);
    let third = call(
        &emu,
        "POST",
        &repo_path("issues"),
        Some(&json!({"title": "last one"})),
    );
    assert_eq!(third.status, 201);
    assert_eq!(third.remaining(), 0);

    let limited = call(
        &emu,
        "POST",
        &repo_path("issues"),
        Some(&json!({"title": "refused"})),
    );
    assert_eq!(limited.status, 403);
    assert_eq!(limited.remaining(), 0);
    let message = limited.json()["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.starts_with("API rate limit exceeded for user ID "),
        "{message}"
    );
    assert_eq!(
        emu.issues(OWNER, REPO).len(),
        1,
        "the refused write did nothing"
    );
    assert_eq!(emu.rate_limit_remaining("alice"), 0);

    std::thread::sleep(Duration::from_millis(2100));
    let after = call(&emu, "GET", &repo_path("issues"), None);
    assert_eq!(after.status, 200);
    assert_eq!(after.remaining(), 2);
}

#[test]
fn exhausted_limit_can_answer_429_and_be_reset_by_tests() {
    let emu = emulator();
    emu.set_rate_limit(1, Duration::from_secs(3600));
    emu.set_rate_limit_status(429);
    assert_eq!(call(&emu, "GET", &repo_path(""), None).status, 200);
    let limited = call(&emu, "GET", &repo_path(""), None);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["status"], "429");
    emu.reset_rate_limit();
    assert_eq!(call(&emu, "GET", &repo_path(""), None).status, 200);
}

#[test]
fn secondary_rate_limits_carry_retry_after() {
    let emu = emulator();
    emu.inject(Fault::secondary_rate_limit(7).on("POST", &repo_path("issues")));
    let limited = call(
        &emu,
        "POST",
        &repo_path("issues"),
        Some(&json!({"title": "x"})),
    );
    assert_eq!(limited.status, 403);
    assert_eq!(limited.header("retry-after"), Some("7"));
    assert!(
        limited.json()["message"]
            .as_str()
            .expect("message")
            .starts_with("You have exceeded a secondary rate limit. Please wait a few minutes before you try again")
    );
    assert!(emu.issues(OWNER, REPO).is_empty());
    // Only once.
    assert_eq!(
        call(
            &emu,
            "POST",
            &repo_path("issues"),
            Some(&json!({"title": "x"}))
        )
        .status,
        201
    );

    emu.inject(Fault::too_many_requests(1));
    let limited = call(&emu, "GET", &repo_path("issues"), None);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("1"));
}

#[test]
fn status_faults_hit_only_matching_requests_k_times() {
    let emu = emulator();
    emu.inject(
        Fault::status(502)
            .on("POST", &repo_path("issues"))
            .times(2)
            .with_body(r#"{"message":"Server Error"}"#),
    );
    assert_eq!(emu.pending_faults(), 2);
    // A GET on the same path is not affected.
    assert_eq!(call(&emu, "GET", &repo_path("issues"), None).status, 200);
    for _ in 0..2 {
        let failed = call(
            &emu,
            "POST",
            &repo_path("issues"),
            Some(&json!({"title": "x"})),
        );
        assert_eq!(failed.status, 502);
        assert_eq!(failed.json()["message"], "Server Error");
    }
    assert!(emu.issues(OWNER, REPO).is_empty());
    assert_eq!(
        call(
            &emu,
            "POST",
            &repo_path("issues"),
            Some(&json!({"title": "x"}))
        )
        .status,
        201
    );
    assert_eq!(emu.pending_faults(), 0);

    emu.inject(Fault::status(503));
    let before = emu.rate_limit_remaining("alice");
    let unavailable = call(&emu, "GET", "/user", None);
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.json()["status"], "503");
    assert_eq!(
        unavailable.remaining(),
        before,
        "rate-limit headers, nothing charged"
    );
    let log = emu.requests();
    assert_eq!(log.iter().filter(|r| r.faulted).count(), 3);
}

#[test]
fn dropped_connections_get_no_response_and_change_nothing() {
    let emu = emulator();
    emu.inject(Fault::drop_connection().on("POST", &repo_path("issues")));
    let auth = format!("token {TOKEN}");
    let mut conn = Conn::open(&emu.url());
    let resp = conn.try_send(
        "POST",
        &repo_path("issues"),
        &[("Authorization", &auth)],
        Some(&json!({"title": "lost"})),
    );
    assert!(resp.is_none());
    assert!(emu.issues(OWNER, REPO).is_empty());
    let record = emu.requests().pop().expect("logged");
    assert!(record.dropped);
    assert_eq!(record.status, None);
}

#[test]
fn write_then_drop_performs_the_write_but_hides_the_answer() {
    let emu = emulator();
    emu.inject(Fault::write_then_drop().on("POST", &repo_path("issues")));
    let auth = format!("token {TOKEN}");
    let mut conn = Conn::open(&emu.url());
    let resp = conn.try_send(
        "POST",
        &repo_path("issues"),
        &[("Authorization", &auth)],
        Some(&json!({"title": "created anyway"})),
    );
    assert!(resp.is_none(), "client never sees the 201");
    let issues = emu.issues(OWNER, REPO);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["title"], "created anyway");
    let record = emu.requests().pop().expect("logged");
    assert!(record.dropped);
    assert_eq!(record.status, Some(201));
}

#[test]
fn delays_and_global_latency_slow_responses() {
    let emu = emulator();
    emu.inject(Fault::delay(Duration::from_millis(300)).path(&repo_path("labels")));
    let started = Instant::now();
    assert_eq!(call(&emu, "GET", &repo_path("labels"), None).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    call(&emu, "GET", &repo_path("labels"), None);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "delay applied once only"
    );

    emu.set_latency(Duration::from_millis(120));
    let started = Instant::now();
    call(&emu, "GET", &repo_path("labels"), None);
    call(&emu, "GET", &repo_path("labels"), None);
    assert!(started.elapsed() >= Duration::from_millis(240));
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let emu = emulator();
    let auth = format!("token {TOKEN}");
    let mut conn = Conn::open(&emu.url());
    for i in 0..5 {
        let created = conn.send(
            "POST",
            &repo_path("issues"),
            &[("Authorization", &auth)],
            Some(&json!({"title": format!("t{i}")})),
        );
        assert_eq!(created.status, 201);
        assert_eq!(created.header("connection"), Some("keep-alive"));
    }
    let listed = conn.send(
        "GET",
        &repo_path("issues"),
        &[("Authorization", &auth)],
        None,
    );
    assert_eq!(listed.json().as_array().expect("array").len(), 5);
    let deleted = conn.send(
        "DELETE",
        &repo_path("labels/none"),
        &[("Authorization", &auth)],
        None,
    );
    assert_eq!(deleted.status, 404);
    let last = conn.send(
        "GET",
        "/user",
        &[("Authorization", &auth), ("Connection", "close")],
        None,
    );
    assert_eq!(last.header("connection"), Some("close"));
    assert!(conn.is_closed());
}

#[test]
fn request_log_counts_reads_and_writes() {
    let emu = emulator();
    call(&emu, "GET", &repo_path("issues"), None);
    call(
        &emu,
        "POST",
        &repo_path("issues"),
        Some(&json!({"title": "a"})),
    );
    call(
        &emu,
        "PATCH",
        &repo_path("issues/1"),
        Some(&json!({"state": "closed"})),
    );
    call(&emu, "GET", &repo_path("issues/1"), None);
    call(&emu, "DELETE", &repo_path("labels/missing"), None);
    assert_eq!(emu.read_count(), 2);
    assert_eq!(emu.write_count(), 3);
    let log = emu.requests();
    assert_eq!(log[0].path, "/repos/acme/plan/issues");
    assert_eq!(log[1].status, Some(201));
    assert_eq!(log[4].status, Some(404));
    assert_eq!(log[1].login.as_deref(), Some("alice"));
    assert!(log.windows(2).all(|w| w[0].at <= w[1].at));
    // Direct changes do not appear in the log.
    emu.create_issue(OWNER, REPO, json!({"title": "direct"}));
    assert_eq!(emu.requests().len(), 5);
    emu.reset_log();
    assert_eq!(emu.read_count() + emu.write_count(), 0);
}

#[test]
fn the_request_log_keeps_every_request_header() {
    let emu = emulator();
    let auth = format!("Bearer {TOKEN}");
    let sent = [
        ("Authorization", auth.as_str()),
        ("Accept", "application/vnd.github+json"),
        ("X-GitHub-Api-Version", "2022-11-28"),
        ("User-Agent", "probe/1.2.3"),
        ("If-None-Match", "W/\"abc\""),
    ];
    call_with(&emu, "GET", &repo_path("issues"), &sent, None);
    // A request a fault answers is logged with its headers too.
    emu.inject(Fault::status(502).on("PATCH", &repo_path("issues/9")));
    call_with(
        &emu,
        "PATCH",
        &repo_path("issues/9"),
        &[("Authorization", auth.as_str()), ("user-agent", "probe/2")],
        Some(&json!({"title": "x"})),
    );
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    for (name, value) in sent {
        assert_eq!(
            log[0].header(name),
            Some(value),
            "{name}: {:?}",
            log[0].headers
        );
        // Names compare case-insensitively.
        assert_eq!(log[0].header(&name.to_ascii_lowercase()), Some(value));
    }
    assert_eq!(log[0].header("content-type"), None);
    assert!(log[1].faulted);
    assert_eq!(log[1].header("USER-AGENT"), Some("probe/2"));
    assert_eq!(log[1].header("if-none-match"), None);
    assert_eq!(log[1].header("authorization"), Some(auth.as_str()));
}

#[test]
fn dropping_the_emulator_stops_the_server() {
    let emu = emulator();
    let url = emu.url();
    let mut idle = Conn::open(&url);
    let auth = format!("token {TOKEN}");
    assert_eq!(
        idle.send("GET", "/user", &[("Authorization", &auth)], None)
            .status,
        200
    );
    drop(emu);
    assert!(idle.is_closed(), "open keep-alive connections are closed");
    let addr = url.trim_start_matches("http://");
    let refused = std::net::TcpStream::connect(addr).map(|mut s| {
        use std::io::{Read, Write};
        let _ = s.write_all(b"GET /user HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut buf = [0u8; 16];
        matches!(s.read(&mut buf), Ok(0) | Err(_))
    });
    assert!(refused.unwrap_or(true), "nothing answers any more");
}

#[test]
fn every_response_has_rate_limit_and_json_headers() {
    let emu = emulator();
    for (method, path) in [
        ("GET", repo_path("")),
        ("GET", repo_path("milestones")),
        ("GET", "/nope".to_string()),
        ("POST", repo_path("labels")),
    ] {
        let resp = call(&emu, method, &path, Some(&json!({})));
        for h in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-used",
            "x-ratelimit-resource",
            "x-github-request-id",
        ] {
            assert!(resp.header(h).is_some(), "{method} {path}: {h} missing");
        }
        assert_eq!(
            resp.header("content-type"),
            Some("application/json; charset=utf-8")
        );
    }
}
