//! Syncing with GitHub end to end: the real binary, real git repositories, and the GitHub
//! emulator on 127.0.0.1. Every test checks GitHub's state (as the emulator holds it) and
//! the requests the emulator saw, not only what the binary prints.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::*;
use github_emulator::{Emulator, Fault, Options as EmuOptions};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_E2eSyncT0ken7QxZ4mWv";
const LOGIN: &str = "ada";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";

const STORY: &str = "✨ Story";
const SPIKE: &str = "💡 Spike";
const CHORE: &str = "🧹 Chore";

fn emulator_with(options: EmuOptions) -> Emulator {
    let emu = Emulator::start_with(options);
    emu.add_token(TOKEN, LOGIN, &["repo"]);
    emu.add_repo(OWNER, REPO);
    emu
}

fn emulator() -> Emulator {
    emulator_with(EmuOptions::default())
}

/// A repository and the emulated GitHub it syncs with.
struct Setup {
    repo: TestRepo,
    emu: Emulator,
}

impl Setup {
    /// The rich plan (see [`write_plan`]) with `config_extra` in the config, committed.
    fn new(config_extra: &str) -> Setup {
        Setup::with(emulator(), config_extra)
    }

    fn with(emu: Emulator, config_extra: &str) -> Setup {
        let repo = TestRepo::new();
        write_plan(&repo, config_extra);
        repo.commit_all("plan");
        Setup { repo, emu }
    }

    fn sync(&self, args: &[&str]) -> Output {
        let mut all = vec!["sync"];
        all.extend_from_slice(args);
        self.repo.im_github(&self.emu.url(), TOKEN, &all)
    }

    /// `sync --json <args>`: asserts exit 0 and returns the report.
    fn sync_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.sync(&all);
        assert_exit(&out, 0, "sync --json");
        parse_json(&out)
    }

    fn issues(&self) -> Vec<Value> {
        self.emu.issues(OWNER, REPO)
    }

    /// The one issue whose body carries `IntelliManage-ID: <id>`.
    fn issue(&self, id: &str) -> Value {
        let found: Vec<Value> = self
            .issues()
            .into_iter()
            .filter(|i| marker(&i["body"]) == Some(id.to_string()))
            .collect();
        assert_eq!(found.len(), 1, "issues for {id}: {found:#?}");
        found.into_iter().next().expect("one issue")
    }

    fn milestones(&self) -> Vec<Value> {
        self.emu.milestones(OWNER, REPO)
    }

    fn milestone(&self, title: &str) -> Value {
        let found: Vec<Value> = self
            .milestones()
            .into_iter()
            .filter(|m| m["title"] == title)
            .collect();
        assert_eq!(found.len(), 1, "milestones titled {title}: {found:#?}");
        found.into_iter().next().expect("one milestone")
    }

    fn label_names(&self) -> Vec<String> {
        self.emu
            .labels(OWNER, REPO)
            .iter()
            .map(|l| l["name"].as_str().expect("label name").to_string())
            .collect()
    }

    /// Rewrites an artifact file through `edit` and commits.
    fn edit(&self, rel: &str, edit: impl FnOnce(String) -> String) {
        self.repo.edit(&format!("{P}/{rel}"), edit);
        self.repo.commit_all(&format!("edit {rel}"));
    }
}

/// The UTC calendar day of a GitHub timestamp.
fn utc_day(ts: &Value) -> String {
    let s = ts.as_str().expect("timestamp string");
    let t: jiff::Timestamp = s.parse().expect("RFC 3339 timestamp");
    t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

/// The plan most tests start from, in project `demo`:
///
/// - EPIC-001 "User onboarding" (In Progress, due 2025-06-30) ← FEAT-001 ← TASK-001 (To Do,
///   High, tags backend+auth, assigned to ada), TASK-002 (Backlog, tag frontend), BUG-001
///   (In Progress, Low); STORY-001 (Review) hangs off EPIC-001 directly;
/// - EPIC-002 "Billing" (Done, due 2025-03-31) ← FEAT-002 ← SPIKE-001 (Done);
/// - BUG-002 (Archived, no parent), TASK-003 (Backlog, but filed under `archive/`);
/// - CHORE-001 (a Chore: not an issue type by default).
fn write_plan(repo: &TestRepo, config_extra: &str) {
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("demo", config_extra),
    );
    let files: [(&str, String); 12] = [
        (
            "epics/EPIC-001_onboarding.md",
            artifact(
                "EPIC-001",
                EPIC,
                "User onboarding",
                "🔵 In Progress",
                "target_date = \"2025-06-30\"\n",
                "# Onboarding\n\nGet users in.\n",
            ),
        ),
        (
            "epics/EPIC-002_billing.md",
            artifact(
                "EPIC-002",
                EPIC,
                "Billing",
                "🟢 Done",
                "target_date = \"2025-03-31\"\n",
                "Invoices and payments.\n",
            ),
        ),
        (
            "features/FEAT-001_signup.md",
            artifact(
                "FEAT-001",
                FEATURE,
                "Sign-up form",
                "🟡 To Do",
                "epic_id = \"EPIC-001\"\n",
                "The form.\n",
            ),
        ),
        (
            "features/FEAT-002_invoices.md",
            artifact(
                "FEAT-002",
                FEATURE,
                "Invoices",
                "🟢 Done",
                "epic_id = \"EPIC-002\"\n",
                "PDF invoices.\n",
            ),
        ),
        (
            "tasks/TASK-001_validate-email.md",
            artifact(
                "TASK-001",
                TASK,
                "Validate e-mail",
                "🟡 To Do",
                "feature_id = \"FEAT-001\"\npriority = \"🔼 High\"\ntags = [\"backend\", \"auth\"]\nassigned_to = \"ada\"\n",
                "Check the address.\n\n- [ ] regex\n- [ ] MX lookup\n",
            ),
        ),
        (
            "tasks/TASK-002_button.md",
            artifact(
                "TASK-002",
                TASK,
                "Submit button",
                "⚪️ Backlog",
                "feature_id = \"FEAT-001\"\ntags = [\"frontend\"]\n",
                "A button.\n",
            ),
        ),
        (
            "tasks/BUG-001_typo.md",
            artifact(
                "BUG-001",
                BUG,
                "Typo on the form",
                "🔵 In Progress",
                "feature_id = \"FEAT-001\"\npriority = \"🔽 Low\"\n",
                "It says 'Sing up'.\n",
            ),
        ),
        (
            "tasks/STORY-001_welcome.md",
            artifact(
                "STORY-001",
                STORY,
                "Welcome mail",
                "🟣 Review",
                "epic_id = \"EPIC-001\"\n",
                "As a new user I get a welcome mail.\n",
            ),
        ),
        (
            "tasks/SPIKE-001_pdf.md",
            artifact(
                "SPIKE-001",
                SPIKE,
                "PDF libraries",
                "🟢 Done",
                "feature_id = \"FEAT-002\"\n",
                "Compare three libraries.\n",
            ),
        ),
        (
            "tasks/BUG-002_old-crash.md",
            artifact(
                "BUG-002",
                BUG,
                "Old crash",
                "🧊 Archived",
                "",
                "Cannot reproduce.\n",
            ),
        ),
        (
            "archive/tasks/TASK-003_legacy.md",
            artifact(
                "TASK-003",
                TASK,
                "Legacy importer",
                "⚪️ Backlog",
                "",
                "Dropped.\n",
            ),
        ),
        (
            "tasks/CHORE-001_deps.md",
            artifact(
                "CHORE-001",
                CHORE,
                "Bump dependencies",
                "🟡 To Do",
                "",
                "Monthly.\n",
            ),
        ),
    ];
    for (rel, text) in files {
        repo.write(&format!("{P}/{rel}"), &text);
    }
}

/// The issue-type artifacts of [`write_plan`], with their titles.
const ISSUES: [(&str, &str); 7] = [
    ("TASK-001", "Validate e-mail"),
    ("TASK-002", "Submit button"),
    ("BUG-001", "Typo on the form"),
    ("STORY-001", "Welcome mail"),
    ("SPIKE-001", "PDF libraries"),
    ("BUG-002", "Old crash"),
    ("TASK-003", "Legacy importer"),
];

// ---------------------------------------------------------------------------------------
// 1. The first sync.

#[test]
fn first_sync_creates_issues_milestones_and_labels() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    let report = s.sync_json(&[]);
    assert_eq!(report["dry_run"], false);

    // One issue per Task/Story/Bug/Spike, titles and markers; the Chore is not synced.
    let issues = s.issues();
    assert_eq!(issues.len(), ISSUES.len(), "{issues:#?}");
    let markers: BTreeSet<String> = issues.iter().filter_map(|i| marker(&i["body"])).collect();
    assert_eq!(
        markers,
        ISSUES.iter().map(|(id, _)| id.to_string()).collect(),
        "every issue ends with its IntelliManage-ID line"
    );
    for (id, title) in ISSUES {
        let issue = s.issue(id);
        assert_eq!(issue["title"], title, "{id}");
    }

    // Bodies: the artifact's Markdown, then the marker line.
    let t1 = s.issue("TASK-001");
    assert_eq!(
        t1["body"],
        "Check the address.\n\n- [ ] regex\n- [ ] MX lookup\n\nIntelliManage-ID: TASK-001"
    );

    // Labels: status, type, priority, tags.
    assert_eq!(
        label_set(&t1),
        set(&[
            "PM:Status:ToDo",
            "PM:Type:Task",
            "PM:Priority:High",
            "backend",
            "auth"
        ])
    );
    assert_eq!(
        label_set(&s.issue("TASK-002")),
        set(&["PM:Status:Backlog", "PM:Type:Task", "frontend"])
    );
    assert_eq!(
        label_set(&s.issue("BUG-001")),
        set(&["PM:Status:InProgress", "PM:Type:Bug", "PM:Priority:Low"])
    );
    assert_eq!(
        label_set(&s.issue("STORY-001")),
        set(&["PM:Status:Review", "PM:Type:Story"])
    );

    // Assignee: a GitHub login in assigned_to.
    let assignees: Vec<&str> = t1["assignees"]
        .as_array()
        .expect("assignees")
        .iter()
        .map(|a| a["login"].as_str().expect("login"))
        .collect();
    assert_eq!(assignees, [LOGIN]);
    assert!(
        s.issue("TASK-002")["assignees"]
            .as_array()
            .expect("assignees")
            .is_empty()
    );

    // One milestone per Epic, with the marker and the due date's calendar day.
    let milestones = s.milestones();
    assert_eq!(milestones.len(), 2, "{milestones:#?}");
    let onboarding = s.milestone("User onboarding");
    assert_eq!(
        marker(&onboarding["description"]).as_deref(),
        Some("EPIC-001")
    );
    assert_eq!(onboarding["state"], "open");
    assert_eq!(utc_day(&onboarding["due_on"]), "2025-06-30");
    let billing = s.milestone("Billing");
    assert_eq!(marker(&billing["description"]).as_deref(), Some("EPIC-002"));
    assert_eq!(
        billing["state"], "closed",
        "a Done epic's milestone is closed"
    );
    assert_eq!(utc_day(&billing["due_on"]), "2025-03-31");

    // Tasks under the epic (through their feature, or directly) are in its milestone.
    let milestone_of = |id: &str| s.issue(id)["milestone"]["title"].clone();
    for id in ["TASK-001", "TASK-002", "BUG-001", "STORY-001"] {
        assert_eq!(milestone_of(id), "User onboarding", "{id}");
    }
    assert_eq!(milestone_of("SPIKE-001"), "Billing");
    assert!(s.issue("BUG-002")["milestone"].is_null());

    // Done → closed as completed; Archived (status, or filed under archive/) → not planned.
    let state = |id: &str| {
        let i = s.issue(id);
        (
            i["state"].as_str().expect("state").to_string(),
            i["state_reason"].as_str().map(str::to_string),
        )
    };
    assert_eq!(
        state("SPIKE-001"),
        ("closed".into(), Some("completed".into()))
    );
    assert_eq!(
        state("BUG-002"),
        ("closed".into(), Some("not_planned".into()))
    );
    assert_eq!(
        state("TASK-003"),
        ("closed".into(), Some("not_planned".into()))
    );
    assert_eq!(state("TASK-001").0, "open");

    // Every label any issue carries was created once, and nothing else.
    let mut on_issues: BTreeSet<String> = BTreeSet::new();
    for i in &s.issues() {
        on_issues.extend(label_set(i));
    }
    let names = s.label_names();
    let unique: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(
        names.len(),
        unique.len(),
        "a label was created twice: {names:?}"
    );
    assert_eq!(unique, on_issues);

    // The report agrees with GitHub.
    let project = &report["projects"][0];
    let count = |op: &str| {
        project["ops"]
            .as_array()
            .expect("ops")
            .iter()
            .filter(|o| o["op"] == op && o["outcome"] == "done")
            .count()
    };
    assert_eq!(count("create_issue"), ISSUES.len());
    assert_eq!(count("create_milestone"), 2);
    assert_eq!(count("create_label"), names.len());
}

// ---------------------------------------------------------------------------------------
// 2. Nothing changed → nothing written; then everything answered from the ETag cache.

#[test]
fn unchanged_plan_makes_no_writes_and_then_only_conditional_reads() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(&[]);
    let writes = s.emu.write_count();
    assert!(writes > 0);

    s.emu.reset_log();
    let second = s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    assert_eq!(second["requests"]["writes"], 0);
    let ops = second["projects"][0]["ops"].as_array().expect("ops");
    assert!(ops.is_empty(), "{ops:#?}");

    s.emu.reset_log();
    let third = s.sync_json(&[]);
    let requests = s.emu.requests();
    assert!(
        requests.len() <= 3,
        "a no-op sync takes at most 3 requests: {requests:#?}"
    );
    assert!(
        requests.iter().all(|r| r.not_modified),
        "all answered 304 Not Modified: {requests:#?}"
    );
    assert_eq!(third["requests"]["not_modified"], requests.len());
}

// ---------------------------------------------------------------------------------------
// A recording forwarder: the emulator logs methods and paths; to see what a write *sent*,
// the binary talks to this instead, which keeps each request's body and passes it on.

mod recorder {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::thread;

    use serde_json::Value;

    #[derive(Debug, Clone)]
    pub struct Exchange {
        pub method: String,
        pub path: String,
        pub body: Value,
        pub status: u16,
    }

    pub struct Recorder {
        addr: SocketAddr,
        log: Arc<Mutex<Vec<Exchange>>>,
        stop: Arc<AtomicBool>,
    }

    impl Recorder {
        /// Forwards to `upstream` (`http://127.0.0.1:PORT`), one request per connection.
        pub fn start(upstream: &str) -> Recorder {
            let upstream = upstream.trim_start_matches("http://").to_string();
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind recorder");
            let addr = listener.local_addr().expect("recorder address");
            let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
            let stop = Arc::new(AtomicBool::new(false));
            let (l, s) = (Arc::clone(&log), Arc::clone(&stop));
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if s.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (l, up) = (Arc::clone(&l), upstream.clone());
                    thread::spawn(move || {
                        let _ = relay(stream, &up, &l);
                    });
                }
            });
            Recorder { addr, log, stop }
        }

        pub fn url(&self) -> String {
            format!("http://{}", self.addr)
        }

        pub fn exchanges(&self) -> Vec<Exchange> {
            self.log.lock().expect("recorder log").clone()
        }

        pub fn writes(&self) -> Vec<Exchange> {
            self.exchanges()
                .into_iter()
                .filter(|e| e.method != "GET" && e.method != "HEAD")
                .collect()
        }
    }

    impl Drop for Recorder {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect(self.addr);
        }
    }

    fn read_head(reader: &mut impl BufRead) -> std::io::Result<Option<Vec<String>>> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            if line.is_empty() {
                return Ok(Some(lines));
            }
            lines.push(line);
        }
    }

    fn content_length(head: &[String]) -> usize {
        head.iter()
            .filter_map(|h| h.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Head lines without `Connection`, plus `Connection: close`.
    fn closing(head: &[String]) -> String {
        let mut out = String::new();
        for h in head {
            let is_conn = h
                .split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"));
            if !is_conn {
                out.push_str(h);
                out.push_str("\r\n");
            }
        }
        out.push_str("Connection: close\r\n\r\n");
        out
    }

    fn relay(client: TcpStream, upstream: &str, log: &Mutex<Vec<Exchange>>) -> std::io::Result<()> {
        let mut reader = BufReader::new(client.try_clone()?);
        let Some(head) = read_head(&mut reader)? else {
            return Ok(());
        };
        let mut body = vec![0u8; content_length(&head)];
        reader.read_exact(&mut body)?;
        let mut parts = head[0].split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();

        let mut up = TcpStream::connect(upstream)?;
        up.write_all(closing(&head).as_bytes())?;
        up.write_all(&body)?;
        let mut up_reader = BufReader::new(up);
        let Some(resp_head) = read_head(&mut up_reader)? else {
            // The upstream dropped the connection: drop ours too.
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        };
        let mut resp_body = Vec::new();
        up_reader.read_to_end(&mut resp_body)?;
        let status = resp_head[0]
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        log.lock().expect("recorder log").push(Exchange {
            method,
            path,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            status,
        });
        let mut w = client;
        w.write_all(closing(&resp_head).as_bytes())?;
        w.write_all(&resp_body)?;
        w.flush()?;
        let _ = w.shutdown(Shutdown::Both);
        Ok(())
    }
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

fn number(issue: &Value) -> u64 {
    issue["number"].as_u64().expect("issue number")
}

// ---------------------------------------------------------------------------------------
// 3. Edits: one PATCH per edited artifact, with only what changed.

#[test]
fn edits_send_one_patch_per_artifact_with_only_the_changed_fields() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(&[]);
    let n = |id: &str| number(&s.issue(id));
    let (t1, t2, b1, st1) = (n("TASK-001"), n("TASK-002"), n("BUG-001"), n("STORY-001"));
    let before_t2 = s.issue("TASK-002");

    s.edit("tasks/TASK-001_validate-email.md", |t| {
        t.replace("🟡 To Do", "🔵 In Progress")
    });
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace(
            "title = \"Submit button\"",
            "title = \"Submit button (primary)\"",
        )
    });
    s.edit("tasks/BUG-001_typo.md", |t| {
        t.replace(
            "priority = \"🔽 Low\"\n",
            "priority = \"🔽 Low\"\ntags = [\"ux\"]\n",
        )
    });
    s.edit("tasks/STORY-001_welcome.md", |t| {
        t.replace("welcome mail.\n", "welcome mail.\n\nIn their language.\n")
    });
    s.edit("epics/EPIC-001_onboarding.md", |t| {
        t.replace("2025-06-30", "2025-07-15")
    });
    let onboarding = number(&s.milestone("User onboarding"));

    let rec = recorder::Recorder::start(&s.emu.url());
    let out = s.repo.im_github(&rec.url(), TOKEN, &["sync", "--json"]);
    assert_exit(&out, 0, "sync after edits");
    let writes = rec.writes();
    let path = |n: u64| format!("/repos/{OWNER}/{REPO}/issues/{n}");
    let patch_of = |n: u64| {
        let p: Vec<_> = writes.iter().filter(|w| w.path == path(n)).collect();
        assert_eq!(p.len(), 1, "one write to issue {n}: {writes:#?}");
        assert_eq!(p[0].method, "PATCH");
        assert_eq!(p[0].status, 200);
        p[0].body.clone()
    };

    // Status change: the label set is replaced in one request, old status label gone.
    let p1 = patch_of(t1);
    assert_eq!(keys(&p1), ["labels"], "{p1}");
    let labels: BTreeSet<String> = p1["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l.as_str().expect("label").to_string())
        .collect();
    assert_eq!(
        labels,
        set(&[
            "PM:Status:InProgress",
            "PM:Type:Task",
            "PM:Priority:High",
            "backend",
            "auth"
        ])
    );
    // Retitle, tag, body.
    let p2 = patch_of(t2);
    assert_eq!(keys(&p2), ["title"], "{p2}");
    assert_eq!(p2["title"], "Submit button (primary)");
    let p3 = patch_of(b1);
    assert_eq!(keys(&p3), ["labels"], "{p3}");
    assert!(
        p3["labels"]
            .as_array()
            .expect("labels")
            .contains(&json!("ux"))
    );
    let p4 = patch_of(st1);
    assert_eq!(keys(&p4), ["body"], "{p4}");
    assert_eq!(
        p4["body"],
        "As a new user I get a welcome mail.\n\nIn their language.\n\nIntelliManage-ID: STORY-001"
    );

    // A milestone's due date: one PATCH with the due date only.
    let ms_path = format!("/repos/{OWNER}/{REPO}/milestones/{onboarding}");
    let ms: Vec<_> = writes.iter().filter(|w| w.path == ms_path).collect();
    assert_eq!(ms.len(), 1, "{writes:#?}");
    assert_eq!(ms[0].method, "PATCH");
    assert_eq!(keys(&ms[0].body), ["due_on"], "{}", ms[0].body);
    let due = s.milestone("User onboarding");
    assert_eq!(utc_day(&due["due_on"]), "2025-07-15");
    assert_eq!(marker(&due["description"]).as_deref(), Some("EPIC-001"));

    // Nothing else was written but the new tag's label; no label added or removed one by one.
    let others: Vec<_> = writes
        .iter()
        .filter(|w| ![t1, t2, b1, st1].iter().any(|n| w.path == path(*n)) && w.path != ms_path)
        .collect();
    assert_eq!(others.len(), 1, "{others:#?}");
    assert_eq!(others[0].method, "POST");
    assert_eq!(others[0].path, format!("/repos/{OWNER}/{REPO}/labels"));
    assert_eq!(others[0].body["name"], "ux");

    // GitHub's state: exactly one status label, the rest untouched.
    let i1 = s.issue("TASK-001");
    let status_labels: Vec<String> = label_set(&i1)
        .into_iter()
        .filter(|l| l.starts_with("PM:Status:"))
        .collect();
    assert_eq!(status_labels, ["PM:Status:InProgress"]);
    let i2 = s.issue("TASK-002");
    assert_eq!(i2["title"], "Submit button (primary)");
    assert_eq!(i2["body"], before_t2["body"]);
    assert_eq!(i2["labels"], before_t2["labels"]);

    // And the next sync has nothing left to do.
    s.emu.reset_log();
    s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
}

// ---------------------------------------------------------------------------------------
// 4. Deleting or archiving locally closes on GitHub; nothing is deleted there.

#[test]
fn deleting_or_archiving_closes_issues_and_milestones() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(&[]);
    let issues_before = s.issues().len();
    let onboarding = number(&s.milestone("User onboarding"));

    s.repo.remove(&format!("{P}/tasks/TASK-002_button.md"));
    s.repo.remove(&format!("{P}/epics/EPIC-001_onboarding.md"));
    let bug = s.repo.read(&format!("{P}/tasks/BUG-001_typo.md"));
    s.repo.write(
        &format!("{P}/tasks/BUG-001_typo.md"),
        &bug.replace("🔵 In Progress", "🧊 Archived"),
    );
    std::fs::create_dir_all(s.repo.file(&format!("{P}/archive/tasks"))).expect("mkdir");
    s.repo.git(&[
        "mv",
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &format!("{P}/archive/tasks/TASK-001_validate-email.md"),
    ]);
    s.repo.commit_all("retire things");
    let out = s.sync(&[]);
    assert_exit(&out, 0, "sync after deletions");

    let issues = s.issues();
    assert_eq!(issues.len(), issues_before, "no issue is deleted");
    for id in ["TASK-002", "BUG-001", "TASK-001"] {
        let i = s.issue(id);
        assert_eq!(i["state"], "closed", "{id}: {i:#}");
        assert_eq!(i["state_reason"], "not_planned", "{id}");
    }
    assert_eq!(s.issue("BUG-002")["state"], "closed");
    assert_eq!(s.issue("STORY-001")["state"], "open");
    let m = s
        .emu
        .milestone(OWNER, REPO, onboarding)
        .expect("the epic's milestone still exists");
    assert_eq!(m["state"], "closed");
    assert_eq!(
        marker(&m["description"]).as_deref(),
        Some("EPIC-001"),
        "closing keeps the milestone's marker line: {m:#}"
    );
    assert_eq!(s.milestones().len(), 2);

    // Stable afterwards.
    s.emu.reset_log();
    s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
}

/// The record's link for `key` (`project/ID`).
fn recorded_link(repo: &TestRepo, key: &str) -> Value {
    let out = repo
        .command("git")
        .args(["show", "refs/intellimanage/sync:links.json"])
        .output()
        .expect("git show");
    assert!(out.status.success(), "no links.json in the record");
    let links: Value = serde_json::from_slice(&out.stdout).expect("links.json is JSON");
    links["items"][key].clone()
}

#[test]
fn an_unreadable_artifact_is_never_closed() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(&[]);
    let issue = s.issue("TASK-002");
    assert_eq!(issue["state"], "open");
    let link_before = recorded_link(&s.repo, "demo/TASK-002");
    assert_eq!(link_before["number"], issue["number"], "{link_before:#}");

    let onboarding = number(&s.milestone("User onboarding"));
    assert_eq!(s.issue("TASK-001")["milestone"]["number"], onboarding);

    // The TOML breaks (an unterminated string) in a task and in the epic above TASK-001.
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("title = \"Submit button\"", "title = \"Submit button")
    });
    s.edit("epics/EPIC-001_onboarding.md", |t| {
        t.replace("title = \"User onboarding\"", "title = \"User onboarding")
    });
    s.emu.reset_log();
    let out = s.sync(&[]);
    assert_exit(&out, 1, "sync with an unreadable artifact");
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        all.contains("tasks/TASK-002_button.md:"),
        "the file and its line are named: {all}"
    );
    assert!(
        all.contains("not closed") || all.contains("unreadable"),
        "says the issue is left alone: {all}"
    );
    assert_eq!(
        s.emu.write_count(),
        0,
        "nothing is written: {:#?}",
        s.emu.requests()
    );
    assert_eq!(s.issue("TASK-002")["state"], "open");
    assert_eq!(s.milestone("User onboarding")["state"], "open");
    assert_eq!(
        s.issue("TASK-001")["milestone"]["number"],
        onboarding,
        "the issues under the unreadable epic keep its milestone"
    );
    let link_after = recorded_link(&s.repo, "demo/TASK-002");
    assert_eq!(
        link_after, link_before,
        "the record keeps the item as it was"
    );

    // The JSON report says so too, and a dry run plans no close.
    let dry = s.sync(&["--dry-run", "--json"]);
    assert_exit(&dry, 1, "dry run with an unreadable artifact");
    let report = parse_json(&dry);
    let ops = report["projects"][0]["ops"].as_array().expect("ops");
    assert!(ops.is_empty(), "{report:#}");
    assert!(
        report["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p["path"] == format!("{P}/tasks/TASK-002_button.md")),
        "{report:#}"
    );

    // Fixed (and edited meanwhile): the next sync brings the issue in line and converges.
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("title = \"Submit button", "title = \"Submit button\"")
            .replace("A button.", "A bigger button.")
    });
    s.edit("epics/EPIC-001_onboarding.md", |t| {
        t.replace("title = \"User onboarding", "title = \"User onboarding\"")
    });
    let fixed = s.sync(&[]);
    assert_exit(&fixed, 0, "sync once the file is fixed");
    let issue = s.issue("TASK-002");
    assert_eq!(issue["state"], "open");
    assert!(
        issue["body"]
            .as_str()
            .expect("body")
            .contains("A bigger button."),
        "{issue:#}"
    );
    assert_eq!(s.issue("TASK-001")["milestone"]["number"], onboarding);
    s.emu.reset_log();
    s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
}

// ---------------------------------------------------------------------------------------
// 5. Milestones shared by name, with and without create_missing_milestones.

fn write_release_plan(repo: &TestRepo, create_missing: bool) {
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config(
            "demo",
            &format!(
                "\n[github_integration.mapping]\ncreate_missing_milestones = {create_missing}\n"
            ),
        ),
    );
    repo.write(
        &format!("{P}/epics/EPIC-010_platform.md"),
        &artifact(
            "EPIC-010",
            EPIC,
            "Platform",
            "🔵 In Progress",
            "",
            "Platform work.\n",
        ),
    );
    for (id, name) in [("FEAT-010", "Login"), ("FEAT-011", "Logout")] {
        repo.write(
            &format!("{P}/features/{id}_x.md"),
            &artifact(
                id,
                FEATURE,
                name,
                "🟡 To Do",
                "epic_id = \"EPIC-010\"\nmilestone_name = \"v1.0\"\nmilestone_target_date = \"2025-09-01\"\n",
                "",
            ),
        );
    }
    for (id, feat) in [
        ("TASK-010", "FEAT-010"),
        ("TASK-011", "FEAT-010"),
        ("TASK-012", "FEAT-011"),
    ] {
        repo.write(
            &format!("{P}/tasks/{id}_x.md"),
            &artifact(
                id,
                TASK,
                &format!("Task {id}"),
                "🟡 To Do",
                &format!("feature_id = \"{feat}\"\n"),
                "Do it.\n",
            ),
        );
    }
    repo.commit_all("release plan");
}

#[test]
fn a_shared_milestone_is_created_once() {
    let emu = emulator();
    let repo = TestRepo::new();
    write_release_plan(&repo, true);
    let out = repo.im_github(&emu.url(), TOKEN, &["sync"]);
    assert_exit(&out, 0, "sync");
    let posts = emu
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == format!("/repos/{OWNER}/{REPO}/milestones"))
        .count();
    let ms = emu.milestones(OWNER, REPO);
    let v1: Vec<&Value> = ms.iter().filter(|m| m["title"] == "v1.0").collect();
    assert_eq!(v1.len(), 1, "{ms:#?}");
    assert_eq!(utc_day(&v1[0]["due_on"]), "2025-09-01");
    // v1.0 and the epic's own milestone.
    assert_eq!(ms.len(), 2, "{ms:#?}");
    assert_eq!(posts, 2);
    for i in emu.issues(OWNER, REPO) {
        assert_eq!(i["milestone"]["title"], "v1.0", "{}", i["title"]);
    }
}

#[test]
fn missing_milestones_are_not_invented_when_creation_is_off() {
    let emu = emulator();
    let repo = TestRepo::new();
    write_release_plan(&repo, false);
    let out = repo.im_github(&emu.url(), TOKEN, &["sync"]);
    assert_exit(&out, 1, "sync without milestone creation");
    let text = stdout(&out);
    assert!(
        text.contains("warning:")
            && text.contains("v1.0")
            && text.contains("create_missing_milestones"),
        "{text}"
    );
    assert!(emu.milestones(OWNER, REPO).is_empty());
    let issues = emu.issues(OWNER, REPO);
    assert_eq!(issues.len(), 3);
    assert!(
        issues.iter().all(|i| i["milestone"].is_null()),
        "{issues:#?}"
    );

    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--json"]);
    assert_exit(&out, 1, "sync --json without milestone creation");
    let report = parse_json(&out);
    let notes = report["projects"][0]["notes"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n["incomplete"] == true
            && n["message"].as_str().is_some_and(|m| m.contains("v1.0"))),
        "{notes:#?}"
    );
    assert!(emu.milestones(OWNER, REPO).is_empty(), "still not created");
}

// ---------------------------------------------------------------------------------------
// 6. What already exists on GitHub is adopted, not duplicated.

#[test]
fn existing_milestones_and_labels_are_adopted() {
    let emu = emulator();
    emu.add_user(LOGIN);
    let billing = emu.create_milestone(OWNER, REPO, json!({"title": "Billing"}));
    emu.create_label(OWNER, REPO, json!({"name": "backend", "color": "123456"}));
    emu.create_label(
        OWNER,
        REPO,
        json!({"name": "pm:status:todo", "color": "abcdef"}),
    );
    let s = Setup::with(emu, "");
    // A teammate creates "User onboarding" while the sync runs: between its read of the
    // milestones and its POST (held back 1.5 s), so the POST meets a 422 already_exists.
    s.emu.inject(
        Fault::delay(Duration::from_millis(1500))
            .on("POST", &format!("/repos/{OWNER}/{REPO}/milestones")),
    );
    let child = s
        .repo
        .command(BIN)
        .args(["sync", "--json"])
        .envs(github_env(&s.emu.url(), TOKEN))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start sync");
    let started = Instant::now();
    let ms_list = format!("/repos/{OWNER}/{REPO}/milestones?");
    while !s
        .emu
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path.starts_with(&ms_list))
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "sync never read the milestones"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let raced = s
        .emu
        .create_milestone(OWNER, REPO, json!({"title": "User onboarding"}));
    let out = child.wait_with_output().expect("sync output");
    assert_exit(&out, 0, "sync with a racing milestone");

    let ms_path = format!("/repos/{OWNER}/{REPO}/milestones");
    assert!(
        s.emu
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == ms_path && r.status == Some(422)),
        "the race happened: {:#?}",
        s.emu.requests()
    );
    let ms = s.milestones();
    assert_eq!(ms.len(), 2, "no duplicate milestone: {ms:#?}");
    let b = s.milestone("Billing");
    assert_eq!(b["number"], billing["number"]);
    assert_eq!(marker(&b["description"]).as_deref(), Some("EPIC-002"));
    assert_eq!(b["state"], "closed");
    let u = s.milestone("User onboarding");
    assert_eq!(u["number"], raced["number"]);
    assert_eq!(marker(&u["description"]).as_deref(), Some("EPIC-001"));
    assert_eq!(utc_day(&u["due_on"]), "2025-06-30");
    assert_eq!(s.issue("TASK-001")["milestone"]["number"], raced["number"]);

    // Labels that existed (in any letter case) were not created again.
    let names = s.label_names();
    let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let unique: BTreeSet<&String> = lower.iter().collect();
    assert_eq!(unique.len(), lower.len(), "{names:?}");
    let labels = s.emu.labels(OWNER, REPO);
    let backend = labels
        .iter()
        .find(|l| l["name"] == "backend")
        .expect("backend");
    assert_eq!(
        backend["color"], "123456",
        "an existing label is left as it is"
    );

    // And the next sync agrees with GitHub: nothing to write.
    s.emu.reset_log();
    s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
}

// ---------------------------------------------------------------------------------------
// 7. Killed half-way (SIGKILL), then run again: nothing twice, everything once.

fn write_many_tasks(repo: &TestRepo, n: usize) {
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("demo", ""),
    );
    repo.write(
        &format!("{P}/epics/EPIC-001_bulk.md"),
        &artifact(
            "EPIC-001",
            EPIC,
            "Bulk",
            "🔵 In Progress",
            "",
            "Many tasks.\n",
        ),
    );
    repo.write(
        &format!("{P}/features/FEAT-001_bulk.md"),
        &artifact(
            "FEAT-001",
            FEATURE,
            "Bulk feature",
            "🟡 To Do",
            "epic_id = \"EPIC-001\"\n",
            "",
        ),
    );
    for i in 1..=n {
        let id = format!("TASK-{i:03}");
        repo.write(
            &format!("{P}/tasks/{id}_t.md"),
            &artifact(
                &id,
                TASK,
                &format!("Task number {i}"),
                if i % 3 == 0 {
                    "🔵 In Progress"
                } else {
                    "🟡 To Do"
                },
                &format!("feature_id = \"FEAT-001\"\ntags = [\"area-{}\"]\n", i % 4),
                &format!("Body of task {i}.\n"),
            ),
        );
    }
    repo.commit_all("many tasks");
}

/// How many issue links the sync record holds.
fn recorded_issue_links(repo: &TestRepo) -> usize {
    let out = repo
        .command("git")
        .args(["show", "refs/intellimanage/sync:links.json"])
        .output()
        .expect("git show");
    if !out.status.success() {
        return 0;
    }
    let links: Value = serde_json::from_slice(&out.stdout).expect("links.json is JSON");
    links["items"]
        .as_object()
        .map(|items| items.values().filter(|l| l["target"] == "issue").count())
        .unwrap_or(0)
}

#[test]
fn a_sync_killed_half_way_resumes_without_duplicates() {
    const N: usize = 40;
    let emu = emulator_with(EmuOptions {
        latency: Duration::from_millis(100),
        ..EmuOptions::default()
    });
    let repo = TestRepo::new();
    write_many_tasks(&repo, N);
    let mut child = repo
        .command(BIN)
        .args(["sync", "--json"])
        .envs(github_env(&emu.url(), TOKEN))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start sync");
    // Past the first record checkpoint (25 settled items), mid-way through the issues.
    let started = Instant::now();
    while emu.write_count() < 34 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the sync stalled after {} writes",
            emu.write_count()
        );
        assert!(
            child.try_wait().expect("poll sync").is_none(),
            "the sync ended early"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Hold the next issue POST back, so the kill lands while it is in flight: GitHub
    // creates that issue, the killed process never learns its number.
    emu.inject(
        Fault::delay(Duration::from_millis(600))
            .on("POST", &format!("/repos/{OWNER}/{REPO}/issues")),
    );
    std::thread::sleep(Duration::from_millis(250));
    child.kill().expect("SIGKILL the sync");
    child.wait().expect("reap the sync");
    std::thread::sleep(Duration::from_millis(800));

    let created = emu.issues(OWNER, REPO).len();
    let linked = recorded_issue_links(&repo);
    assert!(linked > 0, "a checkpoint was written before the kill");
    assert!(created < N, "killed before the end ({created} issues)");
    assert!(
        created > linked,
        "some issues exist on GitHub that the record does not know yet ({created} vs {linked})"
    );

    emu.set_latency(Duration::ZERO);
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--json"]);
    assert_exit(&out, 0, "the re-run");
    let issues = emu.issues(OWNER, REPO);
    let mut per_marker: BTreeMap<String, usize> = BTreeMap::new();
    for i in &issues {
        let m = marker(&i["body"]).expect("every issue has its marker");
        *per_marker.entry(m).or_default() += 1;
    }
    assert_eq!(per_marker.len(), N, "every task has an issue");
    assert!(
        per_marker.values().all(|c| *c == 1),
        "duplicates: {:?}",
        per_marker
            .iter()
            .filter(|(_, c)| **c > 1)
            .collect::<Vec<_>>()
    );
    assert_eq!(issues.len(), N);
    assert_eq!(emu.milestones(OWNER, REPO).len(), 1);
    assert!(
        issues.iter().all(|i| i["milestone"]["title"] == "Bulk"),
        "every issue in the epic's milestone"
    );
    assert_eq!(recorded_issue_links(&repo), N);

    // Nothing pending: the offline diff is empty and another sync writes nothing.
    let diff = repo.im_env(&["diff", "--exit-code"], &[]);
    assert_exit(&diff, 0, "diff --exit-code after the re-run");
    emu.reset_log();
    repo.im_github(&emu.url(), TOKEN, &["sync", "--json"]);
    assert_eq!(emu.write_count(), 0, "{:#?}", emu.requests());
}

// ---------------------------------------------------------------------------------------
// 8. Rate limits, server errors, a lost connection.

#[test]
fn an_exhausted_rate_limit_is_waited_out() {
    let emu = emulator_with(EmuOptions {
        rate_limit: 15,
        rate_limit_window: Duration::from_secs(3),
        ..EmuOptions::default()
    });
    emu.add_user(LOGIN);
    let s = Setup::with(emu, "");
    let started = Instant::now();
    let out = s.sync(&["--json"]);
    assert_exit(&out, 0, "sync through a rate limit");
    let err = stderr(&out);
    assert!(
        err.contains("rate limit") && err.contains("waiting"),
        "the wait is announced: {err}"
    );
    let report = parse_json(&out);
    assert!(
        report["requests"]["rate_limit_waits"].as_u64() >= Some(1),
        "{report:#}"
    );
    // The run needed more requests than one window allows (the client may wait before
    // GitHub has to say no, or after a 403: either way it waited for the reset).
    let answered = s
        .emu
        .requests()
        .iter()
        .filter(|r| r.status.is_some_and(|c| c < 400))
        .count();
    assert!(answered > 15, "{answered} requests answered");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(s.issues().len(), ISSUES.len());
    for (id, _) in ISSUES {
        s.issue(id);
    }
}

#[test]
fn secondary_limits_server_errors_and_lost_connections_are_survived() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    let repo_path = format!("/repos/{OWNER}/{REPO}");
    s.emu
        .inject(Fault::secondary_rate_limit(1).on("POST", &format!("{repo_path}/labels")));
    s.emu
        .inject(Fault::status(502).on("GET", &format!("{repo_path}/issues")));
    s.emu
        .inject(Fault::write_then_drop().on("POST", &format!("{repo_path}/issues")));
    let out = s.sync(&["--json"]);
    assert_exit(&out, 0, "sync through faults");
    assert_eq!(s.emu.pending_faults(), 0, "every fault was met");
    let err = stderr(&out);
    assert!(err.contains("secondary rate limit"), "{err}");
    assert!(err.contains("502") && err.contains("retrying"), "{err}");
    let requests = s.emu.requests();
    assert!(requests.iter().any(|r| r.dropped && r.method == "POST"));
    // The dropped POST did create its issue: it is adopted, not created twice.
    assert_eq!(s.issues().len(), ISSUES.len(), "{:#?}", s.issues());
    for (id, _) in ISSUES {
        s.issue(id);
    }
    let report = parse_json(&out);
    let ops = report["projects"][0]["ops"].as_array().expect("ops");
    assert!(
        ops.iter()
            .any(|o| o["op"] == "create_issue" && o["outcome"] == "adopted"),
        "{ops:#?}"
    );
    s.emu.reset_log();
    s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
}

// ---------------------------------------------------------------------------------------
// 9. The token never shows.

#[test]
fn the_token_appears_nowhere() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    let mut outputs = vec![s.sync(&["-vv"])];
    assert_exit(&outputs[0], 0, "sync -vv");
    assert!(
        stderr(&outputs[0]).contains("Authorization"),
        "-vv shows the request headers (redacted): {}",
        stderr(&outputs[0])
    );
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("A button.", "A big button.")
    });
    outputs.push(s.sync(&["--json", "-vv"]));
    assert_exit(&outputs[1], 0, "sync --json -vv");
    // A token GitHub rejects: 401, and the token is not in the error either.
    const BAD: &str = "ghp_Rejected9TokenQq7LmZ";
    let bad = s.repo.im_github(&s.emu.url(), BAD, &["sync", "-vv"]);
    assert_exit(&bad, 5, "sync with a rejected token");
    let bad_json = s.repo.im_github(&s.emu.url(), BAD, &["sync", "--json"]);
    assert_exit(&bad_json, 5, "sync --json with a rejected token");
    for out in outputs.iter().chain([&bad, &bad_json]) {
        for token in [TOKEN, BAD] {
            assert!(
                !stdout(out).contains(token),
                "token on stdout: {}",
                stdout(out)
            );
            assert!(
                !stderr(out).contains(token),
                "token on stderr: {}",
                stderr(out)
            );
        }
    }
    // Not in the record's history, nor in any object of the repository.
    let log = s.repo.git(&["log", "-p", "refs/intellimanage/sync"]);
    assert!(log.contains("links.json"), "the record has history: {log}");
    let all_objects = s
        .repo
        .command("git")
        .args(["cat-file", "--batch-all-objects", "--batch"])
        .output()
        .expect("git cat-file");
    assert!(all_objects.status.success());
    let blob = String::from_utf8_lossy(&all_objects.stdout);
    assert!(blob.contains("IntelliManage-ID") || blob.contains("TASK-001"));
    for token in [TOKEN, BAD] {
        assert!(!log.contains(token));
        assert!(!blob.contains(token), "a git object holds the token");
    }
    // Nor in anything else under .git (config, logs, refs).
    let mut stack = vec![s.repo.file(".git")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read .git") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                let text = String::from_utf8_lossy(&bytes);
                for token in [TOKEN, BAD] {
                    assert!(!text.contains(token), "{} holds the token", path.display());
                }
            }
        }
    }
}

#[test]
fn a_token_without_write_permission_stops_at_the_first_write() {
    const READ_ONLY: &str = "ghp_ReadOnly4TokenZp8NwK";
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.emu.add_token(READ_ONLY, "carol", &["read:user"]);
    let check = |out: &Output, what: &str| {
        assert_exit(out, 5, what);
        let err = stderr(out);
        for token in [TOKEN, READ_ONLY] {
            assert!(!stdout(out).contains(token), "{what}: token on stdout");
            assert!(!err.contains(token), "{what}: token on stderr");
        }
        assert!(
            err.contains("Issues") && err.contains("read and write") && err.contains("`repo`"),
            "{what}: names the permission (fine-grained) and the scope (classic): {err}"
        );
        assert!(err.contains("403"), "{what}: {err}");
        let first = err.lines().next().unwrap_or_default();
        assert_eq!(
            first.matches("/repos/acme/demo/").count(),
            1,
            "{what}: the request is named once: {err}"
        );
        assert_eq!(
            err.matches("hint:").count(),
            1,
            "{what}: one message, one hint: {err}"
        );
        assert_eq!(
            s.emu.requests().iter().filter(|r| r.is_write()).count(),
            1,
            "{what}: exactly one write attempted: {:#?}",
            s.emu.requests()
        );
    };

    // First sync: stops at the first label it would create.
    let first = s.repo.im_github(&s.emu.url(), READ_ONLY, &["sync"]);
    check(&first, "first sync with a read-only token");
    assert!(s.issues().is_empty());
    assert!(s.emu.labels(OWNER, REPO).is_empty());
    assert_eq!(recorded_issue_links(&s.repo), 0);
    let pending = s.repo.im_json(&["diff", "--json"]);
    assert_eq!(
        pending["summary"]["added"], 12,
        "nothing counts as synced: {pending:#}"
    );
    let json = s
        .repo
        .im_github(&s.emu.url(), READ_ONLY, &["sync", "--json"]);
    s.emu.reset_log();
    let json_again = s
        .repo
        .im_github(&s.emu.url(), READ_ONLY, &["sync", "--json"]);
    check(&json_again, "sync --json with a read-only token");
    assert_exit(&json, 5, "sync --json with a read-only token");

    // After a real sync, edits meet the read-only token: one PATCH, nothing recorded.
    s.emu.reset_log();
    s.sync_json(&[]);
    let synced = s.repo.git(&["rev-parse", "refs/intellimanage/sync"]);
    s.edit("tasks/TASK-001_validate-email.md", |t| {
        t.replace("Check the address.", "Check the address twice.")
    });
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("A button.", "A big button.")
    });
    s.emu.reset_log();
    let edits = s.repo.im_github(&s.emu.url(), READ_ONLY, &["sync"]);
    check(&edits, "sync of edits with a read-only token");
    assert_eq!(
        s.repo.git(&["rev-parse", "refs/intellimanage/sync"]),
        synced,
        "nothing synced, so the record did not move"
    );
    assert!(
        !s.issue("TASK-002")["body"]
            .as_str()
            .expect("body")
            .contains("A big button.")
    );

    // With the right token both edits go out, and the plan converges.
    s.emu.reset_log();
    s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 2, "{:#?}", s.emu.requests());
    for (id, text) in [
        ("TASK-001", "Check the address twice."),
        ("TASK-002", "A big button."),
    ] {
        let body = s.issue(id)["body"].as_str().expect("body").to_string();
        assert!(body.contains(text), "{id}: {body}");
    }
    s.emu.reset_log();
    s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
}

#[test]
fn a_failed_item_names_its_request_once_and_the_others_sync() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(&[]);
    let task2 = number(&s.issue("TASK-002"));
    s.edit("tasks/TASK-001_validate-email.md", |t| {
        t.replace("Check the address.", "Check the address twice.")
    });
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("A button.", "A big button.")
    });
    let path = format!("/repos/{OWNER}/{REPO}/issues/{task2}");
    s.emu.inject(
        Fault::status(422)
            .on("PATCH", &path)
            .with_body(r#"{"message":"Validation Failed","errors":[{"resource":"Issue","code":"invalid","field":"body"}]}"#),
    );
    let out = s.sync(&[]);
    assert_exit(&out, 1, "sync with one refused item");
    let text = stdout(&out);
    let failed: Vec<&str> = text.lines().filter(|l| l.contains("failed:")).collect();
    assert_eq!(failed.len(), 1, "{text}");
    assert_eq!(
        failed[0].matches(&format!("PATCH {path}")).count(),
        1,
        "the request is named once: {text}"
    );
    assert!(failed[0].contains("422"), "{text}");
    let body = s.issue("TASK-001")["body"]
        .as_str()
        .expect("body")
        .to_string();
    assert!(body.contains("Check the address twice."), "{body}");
    // The refused item goes out next time.
    s.sync_json(&[]);
    let body = s.issue("TASK-002")["body"]
        .as_str()
        .expect("body")
        .to_string();
    assert!(body.contains("A big button."), "{body}");
}

// ---------------------------------------------------------------------------------------
// 10. Dry run.

#[test]
fn dry_run_shows_every_operation_and_writes_nothing() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    let out = s.sync(&["--dry-run"]);
    assert_exit(&out, 0, "sync --dry-run");
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    let text = stdout(&out);
    let issues_path = format!("/repos/{OWNER}/{REPO}/issues");
    for (id, title) in ISSUES {
        let line = text
            .lines()
            .find(|l| l.contains(id) && l.contains(title))
            .unwrap_or_else(|| panic!("{id} is not listed:\n{text}"));
        assert!(
            line.contains("POST") && line.contains(&issues_path) && line.contains("title"),
            "{line}"
        );
    }
    let label_posts = text
        .lines()
        .filter(|l| l.contains("POST") && l.contains("/labels"))
        .count();
    assert_eq!(label_posts, 15, "{text}");
    assert!(text.contains("dry run"), "{text}");
    let no_record = s
        .repo
        .command("git")
        .args(["rev-parse", "--verify", "-q", "refs/intellimanage/sync"])
        .output()
        .expect("git rev-parse");
    assert!(!no_record.status.success(), "a dry run records nothing");

    // --json, strictly.
    let report = s.sync_json(&["--dry-run"]);
    assert_eq!(s.emu.write_count(), 0);
    assert_eq!(report["dry_run"], true);
    assert!(
        report["requests"]["requests"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert_eq!(report["requests"]["writes"], 0);
    let projects = report["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0]["project"], "demo");
    assert_eq!(projects[0]["repo"], format!("{OWNER}/{REPO}"));
    let ops = projects[0]["ops"].as_array().expect("ops");
    assert_eq!(ops.len(), 15 + 2 + ISSUES.len(), "{ops:#?}");
    for op in ops {
        assert!(op["op"].is_string(), "{op}");
        assert!(["POST", "PATCH", "DELETE"].contains(&op["method"].as_str().expect("method")));
        assert!(
            op["path"]
                .as_str()
                .expect("path")
                .starts_with("/repos/acme/demo/")
        );
        assert!(
            op["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .all(Value::is_string)
        );
        assert_eq!(op["outcome"], "planned");
    }
    let create = ops
        .iter()
        .find(|o| o["op"] == "create_issue" && o["title"] == "Validate e-mail")
        .expect("TASK-001's create");
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], issues_path);
    assert_eq!(
        create["fields"],
        json!(["title", "body", "labels", "assignees", "milestone"])
    );

    // After a real sync, an edit's dry run names the one PATCH and its field.
    s.sync_json(&[]);
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("Submit button", "Send button")
    });
    s.emu.reset_log();
    let report = s.sync_json(&["--dry-run"]);
    assert_eq!(s.emu.write_count(), 0);
    let ops = report["projects"][0]["ops"].as_array().expect("ops");
    assert_eq!(ops.len(), 1, "{ops:#?}");
    assert_eq!(ops[0]["method"], "PATCH");
    assert_eq!(
        ops[0]["path"],
        format!("{issues_path}/{}", number(&s.issue("TASK-002")))
    );
    assert_eq!(ops[0]["fields"], json!(["title"]));
    assert_eq!(
        s.issue("TASK-002")["title"],
        "Submit button",
        "unchanged on GitHub"
    );
}

// ---------------------------------------------------------------------------------------
// 11. Exit codes.

#[test]
fn exit_codes_name_the_problem() {
    let s = Setup::new("");
    let url = s.emu.url();

    // No token anywhere: 5, and the hint names the variable to set.
    let none = s.repo.im_env(
        &["sync"],
        &[
            ("GITHUB_API_URL", url.as_str()),
            ("INTELLIMANAGE_NO_KEYRING", "1"),
        ],
    );
    assert_exit(&none, 5, "sync without a token");
    assert!(stderr(&none).contains("GITHUB_PAT"), "{}", stderr(&none));
    assert_eq!(s.emu.requests().len(), 0, "nothing sent without a token");

    // A token GitHub rejects: 5.
    let wrong = s.repo.im_github(&url, "ghp_wrong", &["sync"]);
    assert_exit(&wrong, 5, "sync with a wrong token");
    assert!(s.issues().is_empty());

    // GitHub unreachable: 6.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let down = s
        .repo
        .im_github(&format!("http://{closed}"), TOKEN, &["sync"]);
    assert_exit(&down, 6, "sync with GitHub down");

    // Sync disabled: 0, and says it skipped.
    let off = TestRepo::new();
    write_plan(&off, "");
    let cfg = off.read(&format!("{P}/project_config.toml"));
    off.write(
        &format!("{P}/project_config.toml"),
        &cfg.replace("enable_sync = true", "enable_sync = false"),
    );
    off.commit_all("plan, sync off");
    let skipped = off.im_github(&url, TOKEN, &["sync"]);
    assert_exit(&skipped, 0, "sync disabled");
    assert!(stdout(&skipped).contains("skipped"), "{}", stdout(&skipped));
    assert!(s.emu.issues(OWNER, REPO).is_empty());
}

#[test]
fn the_token_comes_from_the_configured_variable() {
    let s = Setup::new("pat_env_var_name = \"ACME_GH_TOKEN\"\n");
    s.emu.add_user(LOGIN);
    let url = s.emu.url();
    let missing = s.repo.im_env(
        &["sync"],
        &[
            ("GITHUB_API_URL", url.as_str()),
            ("INTELLIMANAGE_NO_KEYRING", "1"),
        ],
    );
    assert_exit(&missing, 5, "sync without ACME_GH_TOKEN");
    assert!(
        stderr(&missing).contains("ACME_GH_TOKEN"),
        "{}",
        stderr(&missing)
    );
    let ok = s.repo.im_env(
        &["sync"],
        &[
            ("GITHUB_API_URL", url.as_str()),
            ("INTELLIMANAGE_NO_KEYRING", "1"),
            ("ACME_GH_TOKEN", TOKEN),
        ],
    );
    assert_exit(&ok, 0, "sync with ACME_GH_TOKEN");
    assert_eq!(s.issues().len(), ISSUES.len());
}

#[test]
fn renaming_an_epic_renames_its_milestone_and_nothing_else() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(&[]);
    let number_before = number(&s.milestone("User onboarding"));
    s.edit("epics/EPIC-001_onboarding.md", |t| {
        t.replace("title = \"User onboarding\"", "title = \"Onboarding\"")
    });
    s.emu.reset_log();
    s.sync_json(&[]);
    let writes: Vec<String> = s
        .emu
        .requests()
        .iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        writes,
        [format!(
            "PATCH /repos/{OWNER}/{REPO}/milestones/{number_before}"
        )],
        "the issues follow their milestone by themselves"
    );
    for id in ["TASK-001", "TASK-002", "BUG-001", "STORY-001"] {
        assert_eq!(s.issue(id)["milestone"]["title"], "Onboarding", "{id}");
    }
    s.emu.reset_log();
    s.sync_json(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
}

#[test]
fn projects_sharing_a_repository_create_each_label_once() {
    let emu = emulator();
    let repo = TestRepo::new();
    for (slug, id) in [("alpha", "TASK-A1"), ("beta", "TASK-B1")] {
        let cfg = project_config(slug, "").replace(
            &format!("repo_name = \"{slug}\""),
            &format!("repo_name = \"{REPO}\""),
        );
        repo.write(&format!(".ruru/projects/{slug}/project_config.toml"), &cfg);
        let text = artifact(
            id,
            TASK,
            &format!("{slug} task"),
            "🟡 To Do",
            "tags = [\"shared\"]\n",
            "Body.\n",
        )
        .replace(
            "project_name = \"demo\"",
            &format!("project_name = \"{slug}\""),
        );
        repo.write(&format!(".ruru/projects/{slug}/tasks/{id}_x.md"), &text);
    }
    repo.commit_all("two projects, one repository");
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--json"]);
    assert_exit(&out, 0, "sync of two projects into one repository");
    let report = parse_json(&out);
    let projects = report["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 2);
    assert!(
        projects.iter().all(|p| p["failures"] == json!([])),
        "{report:#}"
    );
    let names: Vec<String> = emu
        .labels(OWNER, REPO)
        .iter()
        .map(|l| l["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let issues = emu.issues(OWNER, REPO);
    assert_eq!(issues.len(), 2);
    assert!(
        issues
            .iter()
            .all(|i| label_set(i) == set(&["PM:Status:ToDo", "PM:Type:Task", "shared"]))
    );
    emu.reset_log();
    repo.im_github(&emu.url(), TOKEN, &["sync"]);
    assert_eq!(emu.write_count(), 0, "{:#?}", emu.requests());
}
