//! What every request carries on the wire, and long `retry-after` waits at the client.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use git_intellimanage::github::{
    Client, ClientOptions, Clock, NewIssue, RepoRef, RetryPolicy, Secret, Sink,
};
use github_emulator::{Emulator, Fault, RequestRecord};

use crate::sync_settings::*;

// ---------------------------------------------------------------------------------------
// What every request carries.

fn assert_standard_headers(r: &RequestRecord) {
    let what = format!("{} {}: {:?}", r.method, r.path, r.headers);
    let once = |name: &str| {
        let values: Vec<&str> = r
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(values.len(), 1, "exactly one {name} header in {what}");
        values[0]
    };
    assert_eq!(once("accept"), "application/vnd.github+json", "{what}");
    assert_eq!(once("x-github-api-version"), "2022-11-28", "{what}");
    assert_eq!(
        once("user-agent"),
        format!("git-intellimanage/{}", env!("CARGO_PKG_VERSION")),
        "{what}"
    );
    assert_eq!(once("authorization"), format!("Bearer {TOKEN}"), "{what}");
}

#[test]
fn every_request_carries_the_api_headers_and_reads_are_conditional_once_cached() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(0);
    let first = s.emu.requests();
    assert!(first.iter().any(|r| r.is_write()), "{first:#?}");
    assert!(first.iter().any(|r| !r.is_write()), "{first:#?}");
    for r in &first {
        assert_standard_headers(r);
        if r.is_write() && r.method != "DELETE" {
            assert_eq!(
                r.header("content-type"),
                Some("application/json"),
                "{} {}",
                r.method,
                r.path
            );
        }
    }
    // Nothing was cached before the first run: no read of it was conditional.
    assert!(first.iter().all(|r| r.header("if-none-match").is_none()));

    // Twice more with nothing changed: by the last run every read is conditional, carries
    // the ETag GitHub gave, and is answered 304.
    s.sync_json(0);
    s.emu.reset_log();
    s.sync_json(0);
    let last = s.emu.requests();
    assert!(!last.is_empty());
    for r in &last {
        assert_standard_headers(r);
        assert!(!r.is_write(), "{} {}", r.method, r.path);
        let tag = r.header("if-none-match");
        assert!(
            tag.is_some_and(|t| t.starts_with("W/\"")),
            "{} {} without the cached ETag: {:?}",
            r.method,
            r.path,
            r.headers
        );
        assert!(r.conditional && r.not_modified, "{r:#?}");
    }
}

// ---------------------------------------------------------------------------------------
// A long `retry-after` is waited out (the client, with a clock that only counts).

/// A clock whose time moves only by the sleeps asked of it, which return at once.
struct CountingClock {
    start: SystemTime,
    slept: Mutex<Vec<Duration>>,
}

impl CountingClock {
    fn sleeps(&self) -> Vec<Duration> {
        self.slept.lock().expect("clock lock").clone()
    }
}

impl Clock for CountingClock {
    fn now(&self) -> SystemTime {
        self.start + self.sleeps().iter().sum::<Duration>()
    }

    fn sleep(&self, d: Duration) {
        self.slept.lock().expect("clock lock").push(d);
    }
}

#[test]
fn a_retry_after_longer_than_fifteen_minutes_is_waited_out_in_full() {
    let emu = Emulator::start();
    emu.add_token(TOKEN, LOGIN, &["repo"]);
    emu.add_repo(OWNER, REPO);
    let clock = Arc::new(CountingClock {
        start: SystemTime::now(),
        slept: Mutex::new(Vec::new()),
    });
    let notices: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut options = ClientOptions::new(emu.url(), Secret::new(TOKEN));
    options.write_delay = Duration::ZERO;
    options.retry = RetryPolicy {
        max_attempts: 2,
        ..RetryPolicy::default()
    };
    options.clock = clock.clone();
    let sink = notices.clone();
    let notice: Sink =
        Arc::new(move |line: &str| sink.lock().expect("notice lock").push(line.to_string()));
    options.notice = notice;
    options.log = Arc::new(|_: &str| {});
    let client = Client::new(options).expect("client options are valid");
    let repo = RepoRef::new(OWNER, REPO);

    // A read and a write, each refused with a wait far past 15 minutes (403 and 429).
    let issues = format!("/repos/{OWNER}/{REPO}/issues");
    emu.inject(Fault::secondary_rate_limit(3600).on("GET", "/user"));
    emu.inject(Fault::too_many_requests(16 * 60 + 1).on("POST", &issues));
    let (user, _) = client.get_user().expect("the read succeeds after the wait");
    assert_eq!(user.login, LOGIN);
    let new = NewIssue {
        title: "Later".to_string(),
        body: Some("IntelliManage-ID: TASK-9".to_string()),
        ..NewIssue::default()
    };
    let created = client
        .create_issue(&repo, &new, |_| {
            panic!("a refused POST did nothing; no lookup needed")
        })
        .expect("the write succeeds after the wait");
    assert!(!created.adopted);
    assert_eq!(emu.issues(OWNER, REPO).len(), 1);

    // Each wait is what GitHub asked, whole, and no retry attempt was spent on it.
    let total: Duration = clock.sleeps().iter().sum();
    assert_eq!(
        total,
        Duration::from_secs(3600 + 16 * 60 + 1),
        "{:?}",
        clock.sleeps()
    );
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(3600), Duration::from_secs(16 * 60 + 1)]
    );
    let stats = client.stats();
    assert_eq!(stats.rate_limit_waits, 2);
    assert_eq!(stats.retries, 0);
    let statuses: Vec<Option<u16>> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(403), Some(200), Some(429), Some(201)]);
    let notices = notices.lock().expect("notice lock").join("\n");
    assert!(notices.contains("waiting 60 min"), "{notices}");
    assert!(notices.contains("waiting 16 min 1 s"), "{notices}");
}
