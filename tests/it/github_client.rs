//! The GitHub client against the GitHub emulator: pagination, ETags, errors, retries,
//! duplicate-safe creates, rate limits, and keeping the token out of every output.

use git_intellimanage::github::{
    Client, ClientOptions, Clock, Error, EtagCache, IssuePatch, LabelPatch, ListIssues,
    MilestonePatch, NewIssue, NewMilestone, RepoRef, RetryPolicy, Secret, Sink, State, StateFilter,
};
use github_emulator::{Emulator, Fault, RequestRecord};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const TOKEN: &str = "ghp_S3cretT0kenValue0123456789abcdef";
const OWNER: &str = "octo";
const NAME: &str = "plan";

/// A clock that records every sleep. `real`: also sleep for real and read the real
/// time (for waits the emulator measures); otherwise time only moves by the sleeps.
struct TestClock {
    real: bool,
    start: SystemTime,
    slept: Mutex<Vec<Duration>>,
}

impl TestClock {
    fn new(real: bool) -> Arc<TestClock> {
        Arc::new(TestClock {
            real,
            start: SystemTime::now(),
            slept: Mutex::new(Vec::new()),
        })
    }

    fn sleeps(&self) -> Vec<Duration> {
        self.slept.lock().expect("clock lock").clone()
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        if self.real {
            SystemTime::now()
        } else {
            self.start + self.sleeps().iter().sum::<Duration>()
        }
    }

    fn sleep(&self, d: Duration) {
        self.slept.lock().expect("clock lock").push(d);
        if self.real {
            std::thread::sleep(d);
        }
    }
}

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    fn sink(&self) -> Sink {
        let lines = self.0.clone();
        Arc::new(move |line: &str| lines.lock().expect("sink lock").push(line.to_owned()))
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().expect("sink lock").clone()
    }

    fn joined(&self) -> String {
        self.all().join("\n")
    }
}

struct Harness {
    emu: Emulator,
    repo: RepoRef,
}

fn harness() -> Harness {
    let emu = Emulator::start();
    emu.add_token(TOKEN, OWNER, &["repo", "read:user"]);
    emu.add_repo(OWNER, NAME);
    Harness {
        emu,
        repo: RepoRef::new(OWNER, NAME),
    }
}

struct Setup {
    client: Client,
    log: Lines,
    notices: Lines,
    clock: Arc<TestClock>,
}

fn options(
    emu: &Emulator,
    token: &str,
    real_clock: bool,
) -> (ClientOptions, Lines, Lines, Arc<TestClock>) {
    let (log, notices, clock) = (
        Lines::default(),
        Lines::default(),
        TestClock::new(real_clock),
    );
    let mut o = ClientOptions::new(emu.url(), Secret::new(token));
    o.verbosity = 1;
    o.write_delay = Duration::ZERO;
    o.retry = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
    };
    o.timeout = Duration::from_secs(10);
    o.log = log.sink();
    o.notice = notices.sink();
    o.clock = clock.clone();
    (o, log, notices, clock)
}

fn client_with(
    emu: &Emulator,
    token: &str,
    real_clock: bool,
    tweak: impl FnOnce(&mut ClientOptions),
) -> Setup {
    let (mut o, log, notices, clock) = options(emu, token, real_clock);
    tweak(&mut o);
    Setup {
        client: Client::new(o).expect("client options are valid"),
        log,
        notices,
        clock,
    }
}

fn client(emu: &Emulator) -> Setup {
    client_with(emu, TOKEN, false, |_| {})
}

fn seed_issues(emu: &Emulator, n: usize) {
    for i in 1..=n {
        emu.create_issue(
            OWNER,
            NAME,
            json!({"title": format!("Issue {i}"), "body": format!("IntelliManage-ID: TASK-{i}")}),
        );
    }
}

fn requests_matching(emu: &Emulator, method: &str, path_prefix: &str) -> Vec<RequestRecord> {
    emu.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path.starts_with(path_prefix))
        .collect()
}

fn issues_path() -> String {
    format!("/repos/{OWNER}/{NAME}/issues")
}

// ---------------------------------------------------------------- reads

#[test]
fn get_user_returns_the_login_and_the_token_scopes() {
    let h = harness();
    let s = client(&h.emu);
    let (user, scopes) = s.client.get_user().expect("get_user");
    assert_eq!(user.login, OWNER);
    assert!(scopes.contains(&"repo".to_owned()), "{scopes:?}");
    assert!(scopes.contains(&"read:user".to_owned()), "{scopes:?}");
    let repo = s.client.get_repo(&h.repo).expect("get_repo");
    assert_eq!(repo.full_name, format!("{OWNER}/{NAME}"));
}

#[test]
fn lists_follow_every_page_100_at_a_time() {
    let h = harness();
    seed_issues(&h.emu, 250);
    let s = client(&h.emu);
    let issues = s
        .client
        .list_issues(&h.repo, &ListIssues::default())
        .expect("list issues");
    let mut numbers: Vec<u64> = issues.iter().map(|i| i.number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=250).collect::<Vec<u64>>());
    let reqs = h.emu.requests();
    assert_eq!(reqs.len(), 3, "{reqs:#?}");
    assert!(
        reqs.iter().all(|r| r.path.contains("per_page=100")),
        "{reqs:#?}"
    );
    assert!(reqs[0].path.contains("state=all"), "{reqs:#?}");
    assert_eq!(s.client.stats().reads, 3);
    let with_marker = issues
        .iter()
        .find(|i| i.number == 42)
        .and_then(|i| i.body.clone())
        .expect("issue 42 has a body");
    assert_eq!(with_marker, "IntelliManage-ID: TASK-42");
}

#[test]
fn persisted_etag_cache_turns_unchanged_pages_into_304s() {
    let h = harness();
    seed_issues(&h.emu, 250);
    let first = client(&h.emu);
    let before = first
        .client
        .list_issues(&h.repo, &ListIssues::default())
        .expect("first listing");
    let cache = first.client.etag_cache();
    assert_eq!(cache.len(), 3, "one entry per page");
    let saved = serde_json::to_string(&cache).expect("cache serialises");

    // A later run: a new client loaded with the saved cache.
    let loaded: EtagCache = serde_json::from_str(&saved).expect("cache deserialises");
    let second = client(&h.emu);
    second.client.set_etag_cache(loaded);
    h.emu.reset_log();
    let remaining_before = h.emu.rate_limit_remaining(OWNER);
    let after = second
        .client
        .list_issues(&h.repo, &ListIssues::default())
        .expect("second listing");
    assert_eq!(after, before);
    let reqs = h.emu.requests();
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs.iter().all(|r| r.conditional && r.not_modified),
        "{reqs:#?}"
    );
    assert_eq!(second.client.stats().not_modified, 3);
    assert_eq!(
        h.emu.rate_limit_remaining(OWNER),
        remaining_before,
        "304s are free"
    );

    // A change on GitHub: the changed page is fetched again, the others stay 304.
    h.emu
        .edit_issue(OWNER, NAME, 5, json!({"title": "Renamed on GitHub"}));
    h.emu.reset_log();
    let changed = second
        .client
        .list_issues(&h.repo, &ListIssues::default())
        .expect("third listing");
    let five = changed.iter().find(|i| i.number == 5).expect("issue 5");
    assert_eq!(five.title, "Renamed on GitHub");
    let reqs = h.emu.requests();
    assert_eq!(
        reqs.iter().filter(|r| r.not_modified).count(),
        2,
        "{reqs:#?}"
    );
    assert_eq!(
        reqs.iter().filter(|r| r.status == Some(200)).count(),
        1,
        "{reqs:#?}"
    );
}

#[test]
fn a_no_op_sync_of_1000_issues_costs_three_304s() {
    let h = harness();
    h.emu.set_time("2024-05-01T10:00:00Z");
    seed_issues(&h.emu, 1000);
    h.emu.set_time("2024-05-02T10:00:00Z");
    let since = ListIssues {
        since: Some("2024-05-01T12:00:00Z".to_owned()),
        ..ListIssues::default()
    };
    let run = |cache: EtagCache| {
        let s = client(&h.emu);
        s.client.set_etag_cache(cache);
        let changed = s.client.list_issues(&h.repo, &since).expect("issues since");
        let milestones = s
            .client
            .list_milestones(&h.repo, StateFilter::All)
            .expect("milestones");
        let labels = s.client.list_labels(&h.repo).expect("labels");
        (
            changed.len(),
            milestones.len(),
            labels.len(),
            s.client.take_etag_cache(),
        )
    };
    let (changed, _, _, cache) = run(EtagCache::new());
    assert_eq!(changed, 0);
    h.emu.reset_log();
    let (changed, _, _, _) = run(cache);
    assert_eq!(changed, 0);
    let reqs = h.emu.requests();
    assert!(reqs.len() <= 3, "{reqs:#?}");
    assert!(reqs.iter().all(|r| r.not_modified), "{reqs:#?}");
}

// ---------------------------------------------------------------- errors

#[test]
fn unauthorized_explains_what_to_do_and_hides_the_token() {
    let h = harness();
    let bad = "ghp_NotARealTokenButSecretAnyway42";
    let s = client_with(&h.emu, bad, false, |o| o.verbosity = 2);
    let err = s.client.get_user().expect_err("401");
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.status(), Some(401));
    let shown = err.to_string();
    assert!(shown.contains("Bad credentials"), "{shown}");
    assert!(
        shown.contains("hint: the token was rejected: create a new token"),
        "{shown}"
    );
    assert!(!shown.contains(bad), "{shown}");
    assert!(!format!("{err:?}").contains(bad));
    assert!(!s.log.joined().contains(bad));
    assert!(!format!("{:?}", s.client).contains(bad));
}

#[test]
fn forbidden_names_the_missing_scope() {
    let h = harness();
    h.emu
        .add_token("ghp_readonly_token_123", "reader", &["read:user"]);
    let s = client_with(&h.emu, "ghp_readonly_token_123", false, |_| {});
    let err = s
        .client
        .create_label(&h.repo, "bug", "d73a4a", None)
        .expect_err("403 without the repo scope");
    match &err {
        Error::Forbidden {
            token_scopes,
            accepted_scopes,
            ..
        } => {
            assert_eq!(token_scopes.as_deref(), Some(&["read:user".to_owned()][..]));
            assert!(
                accepted_scopes
                    .as_ref()
                    .is_some_and(|a| a.contains(&"repo".to_owned()))
            );
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("lacks the scope"), "{shown}");
    assert!(!shown.contains("ghp_readonly_token_123"));
}

#[test]
fn not_found_points_at_the_repository_settings() {
    let h = harness();
    let s = client(&h.emu);
    let err = s
        .client
        .list_issues(&RepoRef::new(OWNER, "missing"), &ListIssues::default())
        .expect_err("404");
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        err.to_string().contains("repo_owner and repo_name"),
        "{err}"
    );
    assert_eq!(h.emu.requests().len(), 1, "a 404 is not retried");
}

#[test]
fn already_exists_is_recognised_for_labels_and_milestones() {
    let h = harness();
    let s = client(&h.emu);
    let created = s
        .client
        .create_label(&h.repo, "PM:Type:Bug", "#d73a4a", Some("A bug"))
        .expect("first create");
    assert!(!created.adopted);
    assert_eq!(created.item.color.as_deref(), Some("d73a4a"));
    let err = s
        .client
        .create_label(&h.repo, "PM:Type:Bug", "d73a4a", None)
        .expect_err("second create");
    assert!(err.is_already_exists(), "{err:?}");
    assert_eq!(err.status(), Some(422));
    assert!(
        err.field_errors()
            .iter()
            .any(|f| f.code.as_deref() == Some("already_exists"))
    );

    let m = NewMilestone {
        title: "EPIC-1 Onboarding".into(),
        description: Some("IntelliManage-ID: EPIC-1".into()),
        due_on: Some("2025-03-31T00:00:00Z".into()),
        ..NewMilestone::default()
    };
    let first = s.client.create_milestone(&h.repo, &m).expect("milestone");
    assert!(first.item.due_on.is_some());
    let err = s
        .client
        .create_milestone(&h.repo, &m)
        .expect_err("duplicate title");
    assert!(err.is_already_exists(), "{err:?}");
    assert!(err.to_string().contains("hint:"), "{err}");
    assert_eq!(h.emu.milestones(OWNER, NAME).len(), 1);
}

#[test]
fn unreachable_server_is_a_transport_error_naming_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let mut o = ClientOptions::new(url.clone(), Secret::new(TOKEN));
    o.retry.base_delay = Duration::from_millis(1);
    o.notice = Lines::default().sink();
    let c = Client::new(o).expect("client");
    let err = c.get_user().expect_err("nothing listens");
    assert!(
        matches!(
            err,
            Error::Transport {
                maybe_sent: false,
                ..
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("could not reach {url}")),
        "{shown}"
    );
    assert!(shown.contains("GITHUB_API_URL"), "{shown}");
    assert!(!shown.contains(TOKEN));
    assert_eq!(c.stats().requests, 1, "a refused connection is not retried");
}

// ---------------------------------------------------------------- retries

#[test]
fn server_errors_on_reads_are_retried_with_backoff() {
    let h = harness();
    seed_issues(&h.emu, 3);
    let s = client(&h.emu);
    h.emu
        .inject(Fault::status(502).on("GET", &issues_path()).times(2));
    let issues = s
        .client
        .list_issues(&h.repo, &ListIssues::default())
        .expect("recovers from two 502s");
    assert_eq!(issues.len(), 3);
    let reqs = h.emu.requests();
    assert_eq!(
        reqs.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![Some(502), Some(502), Some(200)]
    );
    assert_eq!(s.client.stats().retries, 2);
    let sleeps = s.clock.sleeps();
    assert_eq!(sleeps.len(), 2, "{sleeps:?}");
    assert!(
        sleeps
            .iter()
            .all(|d| *d >= Duration::from_micros(2500) && *d <= Duration::from_millis(50))
    );
    assert!(
        s.notices.joined().contains("retrying"),
        "{:?}",
        s.notices.all()
    );
}

#[test]
fn retries_are_bounded() {
    let h = harness();
    let s = client_with(&h.emu, TOKEN, false, |o| o.retry.max_attempts = 3);
    h.emu
        .inject(Fault::status(500).on("GET", "/user").times(10));
    let err = s.client.get_user().expect_err("always 500");
    assert_eq!(err.status(), Some(500));
    assert!(err.to_string().contains("githubstatus"), "{err}");
    assert_eq!(h.emu.requests().len(), 3);
}

#[test]
fn a_timed_out_read_is_retried() {
    let h = harness();
    let s = client_with(&h.emu, TOKEN, false, |o| {
        o.timeout = Duration::from_millis(300)
    });
    h.emu
        .inject(Fault::delay(Duration::from_millis(1500)).on("GET", "/user"));
    let (user, _) = s.client.get_user().expect("second attempt answers in time");
    assert_eq!(user.login, OWNER);
    assert_eq!(s.client.stats().retries, 1);
}

#[test]
fn dropped_connections_on_patch_are_retried() {
    let h = harness();
    seed_issues(&h.emu, 1);
    let s = client(&h.emu);
    let path = format!("{}/1", issues_path());
    h.emu.inject(Fault::drop_connection().on("PATCH", &path));
    h.emu.inject(Fault::write_then_drop().on("PATCH", &path));
    let patch = IssuePatch {
        title: Some("Patched".into()),
        state: Some(State::Closed),
        state_reason: Some(Some("completed".into())),
        ..IssuePatch::default()
    };
    let issue = s
        .client
        .update_issue(&h.repo, 1, &patch)
        .expect("patch after two drops");
    assert_eq!(issue.title, "Patched");
    assert_eq!(issue.state, State::Closed);
    assert_eq!(requests_matching(&h.emu, "PATCH", &path).len(), 3);
    assert_eq!(s.client.stats().retries, 2);
    let stored = h.emu.issue(OWNER, NAME, 1).expect("issue 1");
    assert_eq!(stored["title"], "Patched");
    assert_eq!(stored["state"], "closed");
}

// ---------------------------------------------------------------- creates

fn new_issue(id: &str) -> NewIssue {
    NewIssue {
        title: format!("{id} do the thing"),
        body: Some(format!("Details.\n\nIntelliManage-ID: {id}\n")),
        labels: vec!["PM:Status:ToDo".into()],
        ..NewIssue::default()
    }
}

#[test]
fn a_create_whose_answer_was_lost_is_adopted_not_duplicated() {
    let h = harness();
    seed_issues(&h.emu, 2); // TASK-1, TASK-2 exist already
    let s = client(&h.emu);
    h.emu
        .inject(Fault::write_then_drop().on("POST", &issues_path()));
    let repo = h.repo.clone();
    let since = s.client.run_started_since();
    let mut lookups = 0;
    let created = s
        .client
        .create_issue(&h.repo, &new_issue("TASK-10"), |c| {
            lookups += 1;
            c.find_issue_with_marker(&repo, "IntelliManage-ID: TASK-10", Some(&since))
        })
        .expect("create survives the lost answer");
    assert!(created.adopted);
    assert_eq!(lookups, 1);
    assert_eq!(created.item.title, "TASK-10 do the thing");
    assert_eq!(h.emu.issues(OWNER, NAME).len(), 3, "no duplicate");
    assert_eq!(requests_matching(&h.emu, "POST", &issues_path()).len(), 1);
    assert_eq!(s.client.stats().adopted, 1);
    assert!(
        s.notices.joined().contains("outcome unknown"),
        "{:?}",
        s.notices.all()
    );
}

#[test]
fn a_create_that_never_happened_is_sent_again() {
    let h = harness();
    let s = client(&h.emu);
    h.emu
        .inject(Fault::drop_connection().on("POST", &issues_path()));
    h.emu.inject(Fault::status(502).on("POST", &issues_path()));
    let repo = h.repo.clone();
    let mut lookups = 0;
    let created = s
        .client
        .create_issue(&h.repo, &new_issue("TASK-7"), |c| {
            lookups += 1;
            c.find_issue_with_marker(&repo, "IntelliManage-ID: TASK-7", None)
        })
        .expect("third POST succeeds");
    assert!(!created.adopted);
    assert_eq!(lookups, 2);
    assert_eq!(h.emu.issues(OWNER, NAME).len(), 1);
    assert_eq!(requests_matching(&h.emu, "POST", &issues_path()).len(), 3);
    assert_eq!(created.item.label_names(), vec!["PM:Status:ToDo"]);
}

#[test]
fn a_create_is_never_resent_without_asking_the_lookup() {
    let h = harness();
    let s = client_with(&h.emu, TOKEN, false, |o| o.retry.max_attempts = 2);
    h.emu
        .inject(Fault::status(503).on("POST", &issues_path()).times(5));
    let mut lookups = 0;
    let err = s
        .client
        .create_issue(&h.repo, &new_issue("TASK-8"), |_| {
            lookups += 1;
            Ok(None)
        })
        .expect_err("GitHub keeps failing");
    assert_eq!(err.status(), Some(503));
    let posts = requests_matching(&h.emu, "POST", &issues_path()).len();
    assert_eq!(posts, 2);
    assert_eq!(
        lookups, posts,
        "one lookup after every POST of unknown outcome"
    );
}

#[test]
fn milestone_and_label_creates_adopt_by_name_after_a_lost_answer() {
    let h = harness();
    let s = client(&h.emu);
    h.emu
        .inject(Fault::write_then_drop().on("POST", &format!("/repos/{OWNER}/{NAME}/milestones")));
    let m = s
        .client
        .create_milestone(
            &h.repo,
            &NewMilestone {
                title: "FEAT-3 Widgets".into(),
                ..NewMilestone::default()
            },
        )
        .expect("milestone");
    assert!(m.adopted);
    assert_eq!(h.emu.milestones(OWNER, NAME).len(), 1);

    let name = "PM:Status:In Progress 🚧";
    h.emu
        .inject(Fault::write_then_drop().on("POST", &format!("/repos/{OWNER}/{NAME}/labels")));
    let l = s
        .client
        .create_label(&h.repo, name, "0e8a16", Some("work under way"))
        .expect("label");
    assert!(l.adopted);
    assert_eq!(l.item.name, name);
    assert_eq!(h.emu.labels(OWNER, NAME).len(), 1);

    seed_issues(&h.emu, 1);
    h.emu
        .inject(Fault::write_then_drop().on("POST", &format!("{}/1/comments", issues_path())));
    let c = s
        .client
        .create_comment(&h.repo, 1, "Conflict flagged")
        .expect("comment");
    assert!(c.adopted);
    assert_eq!(h.emu.comments(OWNER, NAME, 1).len(), 1);
    assert_eq!(
        s.client.list_comments(&h.repo, 1).expect("comments")[0].body,
        "Conflict flagged"
    );
}

// ---------------------------------------------------------------- labels, milestones

#[test]
fn labels_with_odd_names_round_trip_and_removing_twice_is_fine() {
    let h = harness();
    seed_issues(&h.emu, 1);
    let s = client(&h.emu);
    let odd = "PM:Status:In Progress 🚧";
    s.client
        .create_label(&h.repo, odd, "fbca04", None)
        .expect("label");
    s.client
        .create_label(&h.repo, "a/b?c#d", "cccccc", None)
        .expect("label");
    let labels = s
        .client
        .add_labels(&h.repo, 1, &[odd, "a/b?c#d"])
        .expect("add");
    assert_eq!(labels.len(), 2);
    s.client.remove_label(&h.repo, 1, odd).expect("remove");
    s.client
        .remove_label(&h.repo, 1, odd)
        .expect("removing again is not an error");
    s.client
        .remove_label(&h.repo, 1, "a/b?c#d")
        .expect("remove");
    let issue = s.client.get_issue(&h.repo, 1).expect("issue");
    assert!(issue.labels.is_empty(), "{:?}", issue.labels);

    let set = s.client.set_labels(&h.repo, 1, &[odd]).expect("set");
    assert_eq!(
        set.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        vec![odd]
    );
    let renamed = s
        .client
        .update_label(
            &h.repo,
            odd,
            &LabelPatch {
                new_name: Some("PM:Status:Doing".into()),
                color: Some("#00ff00".into()),
                description: None,
            },
        )
        .expect("rename");
    assert_eq!(renamed.name, "PM:Status:Doing");
    assert_eq!(renamed.color.as_deref(), Some("00ff00"));
    assert!(s.client.get_label(&h.repo, odd).expect("lookup").is_none());
    assert!(
        s.client
            .get_label(&h.repo, "PM:Status:Doing")
            .expect("lookup")
            .is_some()
    );
}

#[test]
fn milestones_are_linked_unlinked_updated_and_deleted() {
    let h = harness();
    seed_issues(&h.emu, 1);
    let s = client(&h.emu);
    let m = s
        .client
        .create_milestone(
            &h.repo,
            &NewMilestone {
                title: "EPIC-2".into(),
                ..NewMilestone::default()
            },
        )
        .expect("milestone")
        .item;
    let linked = s
        .client
        .update_issue(
            &h.repo,
            1,
            &IssuePatch {
                milestone: Some(Some(m.number)),
                ..IssuePatch::default()
            },
        )
        .expect("link");
    assert_eq!(linked.milestone.map(|x| x.number), Some(m.number));
    let unlinked = s
        .client
        .update_issue(
            &h.repo,
            1,
            &IssuePatch {
                milestone: Some(None),
                ..IssuePatch::default()
            },
        )
        .expect("unlink");
    assert!(unlinked.milestone.is_none());
    assert!(h.emu.issue(OWNER, NAME, 1).expect("issue")["milestone"].is_null());

    let closed = s
        .client
        .update_milestone(
            &h.repo,
            m.number,
            &MilestonePatch {
                state: Some(State::Closed),
                description: Some(Some("IntelliManage-ID: EPIC-2".into())),
                ..MilestonePatch::default()
            },
        )
        .expect("close");
    assert_eq!(closed.state, State::Closed);
    let open_only = s
        .client
        .list_milestones(&h.repo, StateFilter::Open)
        .expect("list");
    assert!(open_only.is_empty());
    let all = s
        .client
        .list_milestones(&h.repo, StateFilter::All)
        .expect("list");
    assert_eq!(all.len(), 1);

    // The answer to the DELETE is lost; the retry's 404 means it is done.
    h.emu.inject(
        Fault::write_then_drop().on("DELETE", &format!("/repos/{OWNER}/{NAME}/milestones")),
    );
    s.client
        .delete_milestone(&h.repo, m.number)
        .expect("delete");
    assert!(h.emu.milestones(OWNER, NAME).is_empty());
    let err = s
        .client
        .delete_milestone(&h.repo, m.number)
        .expect_err("gone");
    assert!(err.is_not_found());
}

// ---------------------------------------------------------------- rate limits

#[test]
fn an_exhausted_rate_limit_is_waited_out_before_the_next_request() {
    let h = harness();
    h.emu.set_rate_limit(2, Duration::from_secs(2));
    let s = client_with(&h.emu, TOKEN, true, |_| {});
    for _ in 0..3 {
        s.client.get_user().expect("every call succeeds");
    }
    let notices = s.notices.joined();
    assert!(
        notices.contains("GitHub rate limit reached; waiting"),
        "{notices}"
    );
    assert!(notices.contains("until it resets"), "{notices}");
    let reqs = h.emu.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs.iter().all(|r| r.status == Some(200)), "{reqs:#?}");
    assert_eq!(s.client.stats().rate_limit_waits, 1);
    assert!(
        s.clock
            .sleeps()
            .iter()
            .any(|d| *d >= Duration::from_secs(1))
    );
}

#[test]
fn a_rate_limit_answer_is_waited_out_then_retried() {
    for status in [403, 429] {
        let h = harness();
        h.emu.set_rate_limit_status(status);
        h.emu.set_rate_limit(1, Duration::from_secs(2));
        // Another program used up the window.
        client(&h.emu).client.get_user().expect("first");
        let s = client_with(&h.emu, TOKEN, true, |_| {});
        let (user, _) = s.client.get_user().expect("succeeds after the reset");
        assert_eq!(user.login, OWNER);
        let statuses: Vec<Option<u16>> = h.emu.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, vec![Some(200), Some(status), Some(200)]);
        assert!(
            s.notices.joined().contains("until it resets"),
            "{:?}",
            s.notices.all()
        );
        assert_eq!(s.client.stats().rate_limit_waits, 1);
    }
}

#[test]
fn secondary_limits_respect_retry_after() {
    let h = harness();
    let s = client(&h.emu);
    h.emu
        .inject(Fault::secondary_rate_limit(3).on("GET", "/user"));
    h.emu.inject(Fault::too_many_requests(2).on("GET", "/user"));
    s.client.get_user().expect("succeeds after waiting");
    assert_eq!(
        s.clock.sleeps(),
        vec![Duration::from_secs(3), Duration::from_secs(2)]
    );
    assert!(
        s.notices.joined().contains("retry-after"),
        "{:?}",
        s.notices.all()
    );
    assert_eq!(s.client.stats().rate_limit_waits, 2);
    assert_eq!(
        s.client.stats().retries,
        0,
        "waits do not use up retry attempts"
    );
}

#[test]
fn a_secondary_limit_without_retry_after_waits_a_minute_then_longer() {
    let h = harness();
    let s = client_with(&h.emu, TOKEN, false, |o| o.retry.max_attempts = 1);
    let body = json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com"}).to_string();
    h.emu.inject(
        Fault::status(403)
            .with_body(body)
            .on("POST", &issues_path())
            .times(3),
    );
    let created = s
        .client
        .create_issue(&h.repo, &new_issue("TASK-1"), |_| {
            panic!("a rate-limited POST did nothing")
        })
        .expect("created after the waits");
    assert!(!created.adopted);
    assert_eq!(
        s.clock.sleeps(),
        vec![
            Duration::from_secs(60),
            Duration::from_secs(120),
            Duration::from_secs(240)
        ]
    );
    assert_eq!(h.emu.issues(OWNER, NAME).len(), 1);
}

// ---------------------------------------------------------------- pacing, logging

#[test]
fn writes_are_paced_by_write_delay() {
    let h = harness();
    seed_issues(&h.emu, 1);
    let s = client_with(&h.emu, TOKEN, false, |o| {
        o.write_delay = Duration::from_millis(700)
    });
    s.client.get_issue(&h.repo, 1).expect("read");
    for title in ["a", "b", "c"] {
        s.client
            .update_issue(
                &h.repo,
                1,
                &IssuePatch {
                    title: Some(title.into()),
                    ..IssuePatch::default()
                },
            )
            .expect("write");
    }
    s.client.get_issue(&h.repo, 1).expect("read");
    assert_eq!(
        s.clock.sleeps(),
        vec![Duration::from_millis(700); 2],
        "a pause between writes only"
    );
    assert_eq!(s.client.stats().writes, 3);
}

#[test]
fn the_token_never_reaches_the_log_notices_or_errors() {
    let h = harness();
    seed_issues(&h.emu, 120);
    let s = client_with(&h.emu, TOKEN, false, |o| o.verbosity = 2);
    let mut errors = Vec::new();
    s.client
        .list_issues(&h.repo, &ListIssues::default())
        .expect("list");
    s.client
        .list_issues(&h.repo, &ListIssues::default())
        .expect("list again (304)");
    h.emu.inject(Fault::status(502).on("GET", "/user"));
    s.client.get_user().expect("user after a 502");
    h.emu
        .inject(Fault::write_then_drop().on("POST", &issues_path()));
    let repo = h.repo.clone();
    s.client
        .create_issue(&h.repo, &new_issue("TASK-500"), |c| {
            c.find_issue_with_marker(&repo, "IntelliManage-ID: TASK-500", None)
        })
        .expect("adopted");
    s.client
        .create_label(&h.repo, "x", "ffffff", None)
        .expect("label");
    errors.push(
        s.client
            .create_label(&h.repo, "x", "ffffff", None)
            .expect_err("422"),
    );
    errors.push(s.client.get_issue(&h.repo, 9999).expect_err("404"));
    errors.push(
        s.client
            .create_label(&h.repo, "bad color", "not-a-color", None)
            .expect_err("422 invalid"),
    );

    let log = s.log.joined();
    let notices = s.notices.joined();
    assert!(!log.contains(TOKEN) && !notices.contains(TOKEN));
    assert!(log.contains("> Authorization: Bearer ***"), "{log}");
    assert!(log.contains("> If-None-Match: "), "{log}");
    assert!(log.contains("< x-ratelimit-remaining: "), "{log}");
    let line = format!("GET /repos/{OWNER}/{NAME}/issues?state=all&per_page=100 → 200 (");
    assert!(log.contains(&line), "{log}");
    assert!(log.contains(" → 304 ("), "{log}");
    assert!(log.contains(" ms)"), "{log}");
    for e in &errors {
        assert!(!e.to_string().contains(TOKEN));
        assert!(!format!("{e:?}").contains(TOKEN));
        assert!(e.to_string().contains("hint: "), "{e}");
    }
}

#[test]
fn verbosity_one_logs_one_line_per_request_and_zero_logs_nothing() {
    let h = harness();
    let one = client(&h.emu);
    one.client.get_user().expect("user");
    one.client.list_labels(&h.repo).expect("labels");
    let lines = one.log.all();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("GET /user → 200 ("), "{lines:?}");
    let zero = client_with(&h.emu, TOKEN, false, |o| o.verbosity = 0);
    zero.client.get_user().expect("user");
    assert!(zero.log.all().is_empty());
    assert_eq!(zero.client.stats().requests, 1);
}
