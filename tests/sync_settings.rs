//! Syncing to GitHub under the settings that change what is written, end to end against the
//! GitHub emulator: what every request carries on the wire, labels that may not be created,
//! label colors, deleting milestones, an item GitHub refuses, and long `retry-after` waits.

mod support;

use std::collections::BTreeMap;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use git_intellimanage::github::{
    Client, ClientOptions, Clock, NewIssue, RepoRef, RetryPolicy, Secret, Sink,
};

use github_emulator::{Emulator, Fault, RequestRecord};
use serde_json::{Value, json};
use support::*;

const TOKEN: &str = "ghp_SettingsT0ken9Kq2Lw";
const LOGIN: &str = "ada";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";

/// A repository with the demo plan (see [`write_demo_plan`]) and the emulated GitHub it
/// syncs with.
struct Setup {
    repo: TestRepo,
    emu: Emulator,
}

impl Setup {
    /// The demo plan with `config_extra` appended to its `[github_integration]`, committed.
    fn new(config_extra: &str) -> Setup {
        let emu = Emulator::start();
        emu.add_token(TOKEN, LOGIN, &["repo"]);
        emu.add_repo(OWNER, REPO);
        let repo = TestRepo::new();
        write_demo_plan(&repo);
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config("demo", config_extra),
        );
        repo.commit_all("plan");
        Setup { repo, emu }
    }

    fn sync(&self, args: &[&str]) -> Output {
        let mut all = vec!["sync"];
        all.extend_from_slice(args);
        self.repo.im_github(&self.emu.url(), TOKEN, &all)
    }

    /// `sync --json`, asserting the exit code; returns the report.
    fn sync_json(&self, code: i32) -> Value {
        let out = self.sync(&["--json"]);
        assert_exit(&out, code, "sync --json");
        parse_json(&out)
    }

    /// The one issue whose body carries `IntelliManage-ID: <id>`.
    fn issue(&self, id: &str) -> Value {
        let found: Vec<Value> = self
            .emu
            .issues(OWNER, REPO)
            .into_iter()
            .filter(|i| marker(&i["body"]) == Some(id.to_string()))
            .collect();
        assert_eq!(found.len(), 1, "issues for {id}: {found:#?}");
        found.into_iter().next().expect("one issue")
    }

    /// Label name → color, as GitHub has them.
    fn label_colors(&self) -> BTreeMap<String, String> {
        self.emu
            .labels(OWNER, REPO)
            .iter()
            .map(|l| {
                (
                    l["name"].as_str().expect("label name").to_string(),
                    l["color"].as_str().expect("label color").to_string(),
                )
            })
            .collect()
    }

    /// Rewrites a plan file through `edit` and commits.
    fn edit(&self, rel: &str, edit: impl FnOnce(String) -> String) {
        let path = format!("{P}/{rel}");
        let text = self.repo.read(&path);
        let new = edit(text.clone());
        assert_ne!(new, text, "the edit of {rel} changed nothing");
        self.repo.write(&path, &new);
        self.repo.commit_all(&format!("edit {rel}"));
    }

    /// The writes the emulator saw since its log was last reset, as `METHOD path`.
    fn writes(&self) -> Vec<String> {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.is_write())
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

// ---------------------------------------------------------------------------------------
// 1. What every request carries.

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
// 2. create_missing_labels = false.

#[test]
fn labels_that_may_not_be_created_are_left_off_and_reported_once_each() {
    let s = Setup::new("create_missing_labels = false\n");
    s.emu.add_user(LOGIN);
    // What GitHub already has (in another letter case, for one of them).
    s.emu.create_label(
        OWNER,
        REPO,
        json!({"name": "pm:status:todo", "color": "aaaaaa"}),
    );
    s.emu
        .create_label(OWNER, REPO, json!({"name": "backend", "color": "bbbbbb"}));
    // A second task tagged `Frontend`: the same label on GitHub as TASK-002's `frontend`.
    s.repo.write(
        &format!("{P}/tasks/TASK-003_footer.md"),
        &artifact(
            "TASK-003",
            TASK,
            "Footer",
            "⚪️ Backlog",
            "feature_id = \"FEAT-001\"\ntags = [\"Frontend\"]\n",
            "A footer.\n",
        ),
    );
    s.repo.commit_all("footer");
    let missing = [
        "PM:Type:Task",
        "PM:Type:Bug",
        "PM:Priority:High",
        "PM:Priority:Low",
        "PM:Status:Backlog",
        "PM:Status:InProgress",
        "auth",
        "frontend",
    ];

    for run in 1..=2 {
        s.emu.reset_log();
        let out = s.sync(&[]);
        assert_exit(&out, 1, &format!("run {run} with labels missing"));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        let warnings = lines_with(&text, "warning:");
        for name in missing {
            let naming: Vec<&&str> = warnings
                .iter()
                .filter(|l| {
                    l.to_lowercase()
                        .contains(&format!("`{}`", name.to_lowercase()))
                })
                .collect();
            assert_eq!(
                naming.len(),
                1,
                "run {run}: one warning for {name}:\n{text}"
            );
            assert!(naming[0].contains("create_missing_labels"), "{text}");
        }
        assert_eq!(warnings.len(), missing.len(), "run {run}:\n{text}");

        let writes = s.writes();
        assert!(
            writes.iter().all(|w| !w.contains("/labels")),
            "run {run}: no label is created or set: {writes:#?}"
        );
        if run == 2 {
            assert_eq!(
                writes,
                Vec::<String>::new(),
                "the second run writes nothing"
            );
        }
        let names: Vec<String> = s.label_colors().into_keys().collect();
        assert_eq!(names, ["backend", "pm:status:todo"], "run {run}");

        // The issues exist, with the labels that exist and nothing else.
        assert_eq!(
            label_set(&s.issue("TASK-001")),
            set(&["pm:status:todo", "backend"]),
            "run {run}"
        );
        for id in ["TASK-002", "TASK-003", "BUG-001"] {
            assert!(label_set(&s.issue(id)).is_empty(), "run {run}: {id}");
        }
        assert_eq!(s.emu.issues(OWNER, REPO).len(), 4);
    }

    // `--json` lists each missing label once under `notes`, as incomplete.
    let report = s.sync_json(1);
    let notes = report["projects"][0]["notes"].as_array().expect("notes");
    for name in missing {
        let naming: Vec<&Value> = notes
            .iter()
            .filter(|n| {
                n["message"].as_str().is_some_and(|m| {
                    m.to_lowercase()
                        .contains(&format!("`{}`", name.to_lowercase()))
                })
            })
            .collect();
        assert_eq!(naming.len(), 1, "{name}: {notes:#?}");
        assert_eq!(naming[0]["incomplete"], true, "{name}");
    }
    assert_eq!(notes.len(), missing.len(), "{notes:#?}");
}

// ---------------------------------------------------------------------------------------
// 3. Label colors.

/// The category of a label the demo plan makes, by its name.
fn category(name: &str) -> &'static str {
    if name.starts_with("PM:Status:") {
        "status"
    } else if name.starts_with("PM:Type:") {
        "type"
    } else if name.starts_with("PM:Priority:") {
        "priority"
    } else {
        assert!(!name.contains(':'), "unexpected label {name}");
        "tag"
    }
}

/// Adds a tag and a priority nobody used yet and changes a status to a new one.
fn add_new_labels(s: &Setup) {
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("tags = [\"frontend\"]", "tags = [\"frontend\", \"ux\"]")
            .replace("status = \"⚪️ Backlog\"", "status = \"🟣 Review\"")
    });
    s.edit("tasks/BUG-001_typo.md", |t| {
        t.replace("🔽 Low", "🔥 Highest")
    });
}

#[test]
fn labels_get_the_documented_color_of_their_category_in_every_run() {
    // The defaults as docs/SYNC.md states them.
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/SYNC.md"))
        .expect("read docs/SYNC.md");
    let defaults = [
        ("status", "1d76db"),
        ("type", "5319e7"),
        ("priority", "d93f0b"),
        ("tag", "c5def5"),
    ];
    for (cat, color) in defaults {
        assert!(
            docs.contains(&format!("{cat} `{color}`")),
            "docs/SYNC.md states {cat} {color}"
        );
    }
    let default_of = |name: &str| {
        let cat = category(name);
        defaults
            .iter()
            .find(|(c, _)| *c == cat)
            .map(|(_, color)| color.to_string())
            .expect("a category with a default")
    };

    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(0);
    let first = s.label_colors();
    assert_eq!(first.len(), 10, "{first:#?}");
    for (name, color) in &first {
        assert_eq!(*color, default_of(name), "{name}");
    }

    // A later run creates the labels it newly needs with the same colors, and leaves the
    // existing ones as they are.
    add_new_labels(&s);
    s.emu.reset_log();
    s.sync_json(0);
    let writes = s.writes();
    let creates: Vec<&String> = writes.iter().filter(|w| w.contains("/labels")).collect();
    assert_eq!(creates.len(), 3, "{writes:#?}");
    assert!(
        creates.iter().all(|w| w.starts_with("POST ")),
        "{writes:#?}"
    );
    let second = s.label_colors();
    for name in ["ux", "PM:Status:Review", "PM:Priority:Highest"] {
        assert_eq!(
            second.get(name),
            Some(&default_of(name)),
            "{name}: {second:#?}"
        );
    }
    for (name, color) in &first {
        assert_eq!(second.get(name), Some(color), "{name} kept its color");
    }

    // Another repository synced from scratch gets the very same colors.
    let other = Setup::new("");
    other.emu.add_user(LOGIN);
    add_new_labels(&other);
    other.sync_json(0);
    let fresh = other.label_colors();
    assert_eq!(fresh.len(), 11, "{fresh:#?}");
    for (name, color) in &fresh {
        assert_eq!(second.get(name), Some(color), "{name}");
    }
}

#[test]
fn configured_label_colors_are_the_colors_labels_are_created_with() {
    let s = Setup::new(
        "\n[github_integration.mapping.label_colors]\nstatus = \"00ff00\"\ntype = \"#ABCDEF\"\npriority = \"123456\"\ntag = \"fedcba\"\n",
    );
    s.emu.add_user(LOGIN);
    let configured = |name: &str| match category(name) {
        "status" => "00ff00",
        "type" => "abcdef",
        "priority" => "123456",
        _ => "fedcba",
    };
    s.sync_json(0);
    let first = s.label_colors();
    assert_eq!(first.len(), 10, "{first:#?}");
    for (name, color) in &first {
        assert_eq!(color, configured(name), "{name}");
    }
    add_new_labels(&s);
    s.sync_json(0);
    let second = s.label_colors();
    assert_eq!(second.len(), 13, "{second:#?}");
    for (name, color) in &second {
        assert_eq!(color, configured(name), "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// 4. delete_milestones.

const ISSUE_IDS: [&str; 3] = ["TASK-001", "TASK-002", "BUG-001"];

/// Syncs, deletes the Epic's file, syncs again; returns the milestone's number and the
/// writes of the second run.
fn delete_the_epic(s: &Setup) -> (u64, Vec<String>) {
    s.emu.add_user(LOGIN);
    s.sync_json(0);
    let milestones = s.emu.milestones(OWNER, REPO);
    assert_eq!(milestones.len(), 1, "{milestones:#?}");
    let number = milestones[0]["number"].as_u64().expect("milestone number");
    for id in ISSUE_IDS {
        assert_eq!(s.issue(id)["milestone"]["number"], number, "{id}");
    }
    s.repo.remove(&format!("{P}/epics/EPIC-001_onboarding.md"));
    s.repo.commit_all("drop the epic");
    s.emu.reset_log();
    let out = s.sync(&[]);
    assert_exit(&out, 0, "sync after deleting the epic");
    (number, s.writes())
}

fn milestone_writes(writes: &[String]) -> Vec<String> {
    writes
        .iter()
        .filter(|w| w.contains("/milestones"))
        .cloned()
        .collect()
}

/// Every write that isn't to a milestone is a PATCH of one of the Epic's issues.
fn assert_only_issue_patches(s: &Setup, writes: &[String]) {
    let patches: Vec<String> = ISSUE_IDS
        .iter()
        .map(|id| {
            let n = &s.issue(id)["number"];
            format!("PATCH /repos/{OWNER}/{REPO}/issues/{n}")
        })
        .collect();
    for w in writes.iter().filter(|w| !w.contains("/milestones")) {
        assert!(patches.contains(w), "unexpected write {w}: {writes:#?}");
    }
}

#[test]
fn with_delete_milestones_a_deleted_epic_deletes_its_milestone() {
    let s = Setup::new("delete_milestones = true\n");
    let (number, writes) = delete_the_epic(&s);
    let delete = format!("DELETE /repos/{OWNER}/{REPO}/milestones/{number}");
    // GitHub takes a deleted milestone off its issues: no write for them, nor a close first.
    assert_eq!(writes, vec![delete.clone()], "one DELETE and nothing else");
    let answered: Vec<Option<u16>> = s
        .emu
        .requests()
        .iter()
        .filter(|r| format!("{} {}", r.method, r.path) == delete)
        .map(|r| r.status)
        .collect();
    assert_eq!(answered, [Some(204)]);
    assert!(s.emu.milestone(OWNER, REPO, number).is_none());
    assert!(s.emu.milestones(OWNER, REPO).is_empty());
    for id in ISSUE_IDS {
        let issue = s.issue(id);
        assert!(issue["milestone"].is_null(), "{id}: {issue:#}");
        assert_eq!(issue["state"], "open", "{id}");
    }
    // Settled: the next runs write nothing and create no milestone again.
    for _ in 0..2 {
        s.emu.reset_log();
        s.sync_json(0);
        assert_eq!(s.writes(), Vec::<String>::new());
    }
    assert!(s.emu.milestones(OWNER, REPO).is_empty());
}

#[test]
fn a_milestone_delete_github_refuses_is_sent_again_next_time() {
    let s = Setup::new("delete_milestones = true\n");
    s.emu.add_user(LOGIN);
    s.sync_json(0);
    let number = s.emu.milestones(OWNER, REPO)[0]["number"].clone();
    let path = format!("/repos/{OWNER}/{REPO}/milestones/{number}");
    s.emu.inject(Fault::status(422).on("DELETE", &path));
    s.repo.remove(&format!("{P}/epics/EPIC-001_onboarding.md"));
    s.repo.commit_all("drop the epic");
    let out = s.sync(&[]);
    assert_exit(&out, 1, "sync with the delete refused");
    assert_eq!(s.emu.milestones(OWNER, REPO).len(), 1);
    for id in ISSUE_IDS {
        assert_eq!(
            s.issue(id)["milestone"]["number"],
            number,
            "{id} keeps it meanwhile"
        );
    }
    s.emu.reset_log();
    let out = s.sync(&[]);
    assert_exit(&out, 0, "sync once GitHub takes the delete");
    assert!(s.emu.milestones(OWNER, REPO).is_empty());
    for id in ISSUE_IDS {
        assert!(s.issue(id)["milestone"].is_null(), "{id}");
    }
    let writes = s.writes();
    assert_eq!(writes, [format!("DELETE {path}")], "{writes:#?}");
    s.emu.reset_log();
    let out = s.sync(&[]);
    assert_exit(&out, 0, "sync after the delete");
    assert_eq!(s.writes(), Vec::<String>::new());
}

#[test]
fn by_default_a_deleted_epic_closes_its_milestone_and_never_deletes_it() {
    let s = Setup::new("");
    let (number, writes) = delete_the_epic(&s);
    assert_eq!(
        milestone_writes(&writes),
        [format!("PATCH /repos/{OWNER}/{REPO}/milestones/{number}")],
        "one PATCH and no DELETE: {writes:#?}"
    );
    assert_only_issue_patches(&s, &writes);
    let m = s
        .emu
        .milestone(OWNER, REPO, number)
        .expect("the milestone still exists");
    assert_eq!(m["state"], "closed");
    assert_eq!(marker(&m["description"]).as_deref(), Some("EPIC-001"));
    // The plan no longer gives the issues a milestone: they leave the closed one.
    for id in ISSUE_IDS {
        let issue = s.issue(id);
        assert!(issue["milestone"].is_null(), "{id}: {issue:#}");
    }
    assert_eq!(s.emu.milestones(OWNER, REPO).len(), 1);
    s.emu.reset_log();
    s.sync_json(0);
    assert_eq!(s.writes(), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------
// 5. An item GitHub refuses stays pending until it syncs.

#[test]
fn a_failed_item_stays_pending_in_the_record_until_it_syncs() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(0);
    let task2 = s.issue("TASK-002")["number"].clone();
    s.edit("tasks/TASK-001_validate-email.md", |t| {
        t.replace("Check the address.", "Check the address twice.")
    });
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("A button.", "A big button.")
    });
    s.edit("tasks/BUG-001_typo.md", |t| {
        t.replace("Typo on the form", "Typo on the sign-up form")
    });
    let refused = format!("/repos/{OWNER}/{REPO}/issues/{task2}");
    s.emu.inject(
        Fault::status(422)
            .on("PATCH", &refused)
            .with_body(r#"{"message":"Validation Failed","errors":[{"resource":"Issue","code":"invalid","field":"body"}]}"#)
            .times(100),
    );

    for run in 1..=2 {
        s.emu.reset_log();
        let out = s.sync(&[]);
        assert_exit(&out, 1, &format!("run {run} with a refused item"));
        let text = stdout(&out);
        assert_eq!(lines_with(&text, "failed:").len(), 1, "run {run}: {text}");
        assert!(text.contains("TASK-002"), "run {run}: {text}");
        let writes = s.writes();
        if run == 1 {
            assert_eq!(writes.len(), 3, "{writes:#?}");
        } else {
            assert_eq!(
                writes,
                [format!("PATCH {refused}")],
                "only the refused item again"
            );
        }
        assert!(
            s.issue("TASK-001")["body"]
                .as_str()
                .is_some_and(|b| b.contains("twice"))
        );
        assert_eq!(s.issue("BUG-001")["title"], "Typo on the sign-up form");
        assert!(
            s.issue("TASK-002")["body"]
                .as_str()
                .is_some_and(|b| !b.contains("big"))
        );

        // The record holds the refused item back: status and diff list it, and only it.
        let status = s.repo.im_ok(&["status"]);
        assert!(status.contains("1 pending"), "run {run}: {status}");
        assert!(
            lines_with(&status, "failed last time:")
                .iter()
                .any(|l| l.trim_end().ends_with("TASK-002")),
            "run {run}: {status}"
        );
        let diff = parse_json(&s.repo.im(&["diff", "--json"]));
        let pending: Vec<&str> = diff["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .map(|a| a["id"].as_str().expect("id"))
            .collect();
        assert_eq!(pending, ["TASK-002"], "run {run}: {diff:#}");
        assert_eq!(
            recorded(&s.repo, "links.json")["items"]["demo/TASK-002"]["status"],
            "failed"
        );
        assert!(
            recorded_file(&s.repo, "tasks/TASK-002_button.md").contains("A button."),
            "the record keeps the version last synced"
        );
        assert!(recorded_file(&s.repo, "tasks/TASK-001_validate-email.md").contains("twice"));
    }

    // GitHub takes it now: the next run sends exactly that item's request, nothing else.
    s.emu.clear_faults();
    s.emu.reset_log();
    let report = s.sync_json(0);
    assert_eq!(s.writes(), [format!("PATCH {refused}")]);
    assert!(
        s.issue("TASK-002")["body"]
            .as_str()
            .is_some_and(|b| b.contains("A big button."))
    );
    let ops = report["projects"][0]["ops"].as_array().expect("ops");
    assert_eq!(ops.len(), 1, "{ops:#?}");
    assert_eq!(ops[0]["key"], "demo/TASK-002");
    assert_eq!(ops[0]["fields"], json!(["body"]));
    assert_eq!(s.repo.im_ok(&["status"]).matches("pending").count(), 0);
    let diff = parse_json(&s.repo.im(&["diff", "--json"]));
    assert_eq!(diff["artifacts"], json!([]), "{diff:#}");
    assert_eq!(
        recorded(&s.repo, "links.json")["items"]["demo/TASK-002"]["status"],
        "synced"
    );

    // And then there is nothing left to write.
    s.emu.reset_log();
    s.sync_json(0);
    assert_eq!(s.writes(), Vec::<String>::new());
}

/// A JSON document of the sync record.
fn recorded(repo: &TestRepo, doc: &str) -> Value {
    let text = repo.git(&["show", &format!("refs/intellimanage/sync:{doc}")]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{doc} is not JSON ({e}): {text}"))
}

/// A plan file of project `demo` as the sync record holds it.
fn recorded_file(repo: &TestRepo, rel: &str) -> String {
    let tree = repo.git(&["ls-tree", "--name-only", "refs/intellimanage/sync"]);
    let root = tree
        .lines()
        .find(|l| !l.ends_with(".json"))
        .unwrap_or_else(|| panic!("no plan tree in the record: {tree}"));
    repo.git(&[
        "show",
        &format!("refs/intellimanage/sync:{root}/demo/{rel}"),
    ])
}

// ---------------------------------------------------------------------------------------
// 6. A long `retry-after` is waited out (the client, with a clock that only counts).

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
