//! Syncing both ways end to end: GitHub's changes flowing back into the plan's files, new
//! artifacts from GitHub issues, three-way conflict resolution, uncommitted edits, `--commit`
//! and `--fetch-only`, hostile remote content. The real binary, real git repositories, and
//! the GitHub emulator on 127.0.0.1; teammates are played by the emulator's direct mutators
//! (which bump `updated_at` like GitHub), on a frozen clock so that last-update-wins is
//! deterministic.
//!
//! Every scenario ends with [`Setup::assert_converged`]: one more sync writes nothing on
//! GitHub and changes nothing in the working tree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use crate::support::*;
use github_emulator::{Emulator, Fault};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_BothWaysT0ken9Lm3QxR2";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
const STORY: &str = "✨ Story";
/// The emulator's (frozen) clock during the first sync.
const T0: &str = "2025-05-01T10:00:00Z";
/// The clock while teammates edit on GitHub: a later day than every `updated_date` of the
/// plan (2025-04-02), so that GitHub's edits are the newer ones unless a test dates a
/// local edit later.
const T1: &str = "2025-05-10T10:00:00Z";
/// A local `updated_date` later than [`T1`].
const LOCAL_LATER: &str = "2025-06-01";

// ---------------------------------------------------------------------------------------
// The plan and the harness.

/// The body every issue artifact starts with: four paragraphs, so that edits of different
/// lines on the two sides merge.
fn body(title: &str) -> String {
    format!("{title}: what it is about.\n\nSecond paragraph.\n\n- [ ] step one\n- [ ] step two\n")
}

/// (file, id, type, title, status, extra frontmatter lines)
const ITEMS: [(&str, &str, &str, &str, &str, &str); 6] = [
    (
        "tasks/TASK-001_validate-email.md",
        "TASK-001",
        TASK,
        "Validate e-mail",
        "🟡 To Do",
        "feature_id = \"FEAT-001\"\npriority = \"🔼 High\"\ntags = [\"backend\", \"auth\"]\nassigned_to = \"ada\"\n",
    ),
    (
        "tasks/TASK-002_button.md",
        "TASK-002",
        TASK,
        "Submit button",
        "⚪️ Backlog",
        "feature_id = \"FEAT-001\"\ntags = [\"frontend\"]\n",
    ),
    (
        "tasks/TASK-003_password-rules.md",
        "TASK-003",
        TASK,
        "Password rules",
        "🟡 To Do",
        "feature_id = \"FEAT-001\"\n",
    ),
    (
        "tasks/BUG-001_typo.md",
        "BUG-001",
        BUG,
        "Typo on the form",
        "🔵 In Progress",
        "feature_id = \"FEAT-001\"\npriority = \"🔽 Low\"\n",
    ),
    (
        "tasks/BUG-002_crash.md",
        "BUG-002",
        BUG,
        "Crash on submit",
        "🟡 To Do",
        "feature_id = \"FEAT-001\"\n",
    ),
    (
        "tasks/STORY-001_welcome.md",
        "STORY-001",
        STORY,
        "Welcome mail",
        "🟣 Review",
        "epic_id = \"EPIC-001\"\n",
    ),
];

const EPIC_FILE: &str = "epics/EPIC-001_onboarding.md";

/// The file (under the project) of an artifact of [`ITEMS`].
fn file_of(id: &str) -> &'static str {
    ITEMS
        .iter()
        .find(|i| i.1 == id)
        .map(|i| i.0)
        .unwrap_or_else(|| panic!("no item {id}"))
}

/// Project `demo`: EPIC-001 ← FEAT-001 ← the tasks and bugs of [`ITEMS`] (STORY-001 hangs
/// off the epic directly).
fn write_plan(repo: &TestRepo, config_extra: &str) {
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("demo", config_extra),
    );
    repo.write(
        &format!("{P}/{EPIC_FILE}"),
        &artifact(
            "EPIC-001",
            EPIC,
            "User onboarding",
            "🔵 In Progress",
            "target_date = \"2025-06-30\"\n",
            "# Onboarding\n\nGet users in.\n",
        ),
    );
    repo.write(
        &format!("{P}/features/FEAT-001_signup.md"),
        &artifact(
            "FEAT-001",
            FEATURE,
            "Sign-up form",
            "🟡 To Do",
            "epic_id = \"EPIC-001\"\n",
            "The form.\n",
        ),
    );
    for (file, id, kind, title, status, extra) in ITEMS {
        repo.write(
            &format!("{P}/{file}"),
            &artifact(
                id,
                kind,
                title,
                status,
                extra,
                &format!("\n{}", body(title)),
            ),
        );
    }
}

/// A repository and the emulated GitHub it syncs with.
struct Setup {
    repo: TestRepo,
    emu: Emulator,
}

impl Setup {
    /// The plan, committed and synced once (at [`T0`]); the clock then stands at [`T1`].
    fn new(config_extra: &str) -> Setup {
        Setup::with_files(config_extra, &[])
    }

    /// [`Setup::new`] with more files (path under the project, text) in the plan.
    fn with_files(config_extra: &str, files: &[(&str, &str)]) -> Setup {
        let s = Setup::unsynced(config_extra);
        for (rel, text) in files {
            s.write(rel, text);
        }
        s.repo.commit_all("more files");
        let report = s.sync_ok(&[]);
        assert_no_failures(&report);
        assert_eq!(
            s.porcelain(),
            "",
            "the first sync leaves the working tree clean"
        );
        s.emu.set_time(T1);
        s
    }

    /// The plan, committed, never synced.
    fn unsynced(config_extra: &str) -> Setup {
        let emu = Emulator::start();
        emu.add_token(TOKEN, "ada", &["repo"]);
        emu.add_user("bob");
        emu.add_repo(OWNER, REPO);
        emu.set_time(T0);
        let repo = TestRepo::new();
        write_plan(&repo, config_extra);
        repo.commit_all("plan");
        Setup { repo, emu }
    }

    fn sync(&self, args: &[&str]) -> Output {
        let mut all = vec!["sync", "--no-progress"];
        all.extend_from_slice(args);
        self.repo.im_github(&self.emu.url(), TOKEN, &all)
    }

    /// `sync --json <args>`: asserts exit 0 and returns the report.
    fn sync_ok(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.sync(&all);
        assert_exit(&out, 0, &format!("sync {args:?}"));
        parse_json(&out)
    }

    /// Runs the binary (no GitHub involved).
    fn im(&self, args: &[&str]) -> Output {
        self.repo.im(args)
    }

    fn issues(&self) -> Vec<Value> {
        self.emu.issues(OWNER, REPO)
    }

    /// The one issue whose body ends with `IntelliManage-ID: <id>`.
    fn issue(&self, id: &str) -> Value {
        let found: Vec<Value> = self
            .issues()
            .into_iter()
            .filter(|i| marker(&i["body"]).as_deref() == Some(id))
            .collect();
        assert_eq!(found.len(), 1, "issues for {id}: {found:#?}");
        found.into_iter().next().expect("one issue")
    }

    fn number(&self, id: &str) -> u64 {
        self.issue(id)["number"].as_u64().expect("issue number")
    }

    /// A teammate edits the issue of `id` on GitHub.
    fn teammate(&self, id: &str, patch: Value) -> Value {
        let n = self.number(id);
        self.emu.edit_issue(OWNER, REPO, n, patch)
    }

    fn milestone(&self, title: &str) -> Value {
        let found: Vec<Value> = self
            .emu
            .milestones(OWNER, REPO)
            .into_iter()
            .filter(|m| m["title"] == title)
            .collect();
        assert_eq!(found.len(), 1, "milestones titled {title}: {found:#?}");
        found.into_iter().next().expect("one milestone")
    }

    /// The text of a file of the project.
    fn read(&self, rel: &str) -> String {
        self.repo.read(&format!("{P}/{rel}"))
    }

    fn write(&self, rel: &str, text: &str) {
        self.repo.write(&format!("{P}/{rel}"), text);
    }

    /// Rewrites a file of the project through `edit`, without committing.
    fn edit(&self, rel: &str, edit: impl FnOnce(String) -> String) {
        self.repo.edit(&format!("{P}/{rel}"), edit);
    }

    /// [`Setup::edit`], then commits.
    fn edit_commit(&self, rel: &str, edit: impl FnOnce(String) -> String) {
        self.edit(rel, edit);
        self.repo.commit_all(&format!("edit {rel}"));
    }

    fn porcelain(&self) -> String {
        self.repo
            .git(&["status", "--porcelain", "--untracked-files=all"])
    }

    /// Every file of the working tree outside `.git`, with its bytes.
    fn tree(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        walk(self.repo.path(), self.repo.path(), &mut out);
        out
    }

    /// One more sync writes nothing on GitHub and changes nothing in the working tree.
    fn assert_converged(&self, what: &str) {
        let tree = self.tree();
        let status = self.porcelain();
        let head = self.repo.git(&["rev-parse", "HEAD"]);
        self.emu.reset_log();
        let out = self.sync(&["--json"]);
        assert_exit(&out, 0, &format!("{what}: the further sync"));
        let writes: Vec<_> = self
            .emu
            .requests()
            .into_iter()
            .filter(|r| r.is_write())
            .collect();
        assert!(
            writes.is_empty(),
            "{what}: a further sync wrote to GitHub: {writes:#?}\n{}",
            stdout(&out)
        );
        assert_tree_eq(&tree, &self.tree(), what);
        assert_eq!(self.porcelain(), status, "{what}: git status moved");
        assert_eq!(self.repo.git(&["rev-parse", "HEAD"]), head, "{what}");
        let report = parse_json(&out);
        assert_eq!(report["written"], json!([]), "{what}: {report:#}");
    }
}

/// `git status --porcelain` as a set of lines (`M path`, `?? path`).
fn status_lines(s: &Setup) -> BTreeSet<String> {
    s.porcelain()
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let entry = entry.expect("dir entry");
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .into_owned();
        if rel == ".git" {
            continue;
        }
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            walk(root, &path, out);
        } else {
            out.insert(rel, std::fs::read(&path).expect("read file"));
        }
    }
}

fn assert_tree_eq(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "{what}: the working tree changed: {changed:?}\n{}",
        changed
            .iter()
            .map(|k| format!(
                "--- {k} before:\n{}\n--- after:\n{}",
                before
                    .get(*k)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default(),
                after
                    .get(*k)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn assert_no_failures(report: &Value) {
    for p in report["projects"].as_array().expect("projects") {
        assert_eq!(p["failures"], json!([]), "{report:#}");
    }
}

/// An issue's body without its marker line.
fn issue_text(issue: &Value) -> String {
    let body = issue["body"].as_str().expect("issue body");
    let kept: Vec<&str> = body
        .lines()
        .filter(|l| !l.starts_with("IntelliManage-ID:"))
        .collect();
    kept.join("\n").trim_matches('\n').to_string()
}

fn logins(issue: &Value) -> Vec<String> {
    issue["assignees"]
        .as_array()
        .expect("assignees")
        .iter()
        .map(|a| a["login"].as_str().expect("login").to_string())
        .collect()
}

/// The frontmatter (parsed) and the body of an artifact file.
fn split(text: &str) -> (toml::Table, String) {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let rest = text.strip_prefix("+++\n").expect("starts with +++");
    let end = rest.find("\n+++\n").expect("a closing +++ line");
    let front: toml::Table = rest[..end]
        .parse()
        .unwrap_or_else(|e| panic!("frontmatter does not parse: {e}\n{text}"));
    (front, rest[end + 5..].to_string())
}

fn front(text: &str) -> toml::Table {
    split(text).0
}

fn str_of<'a>(t: &'a toml::Table, key: &str) -> &'a str {
    t.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no string `{key}` in {t:#?}"))
}

fn list_of(t: &toml::Table, key: &str) -> Vec<String> {
    t.get(key)
        .and_then(|v| v.as_array())
        .unwrap_or_else(|| panic!("no list `{key}` in {t:#?}"))
        .iter()
        .map(|v| v.as_str().expect("string item").to_string())
        .collect()
}

/// Today in UTC, as the product dates its edits.
fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// `line` replaced by `with` in `text` (exactly once).
fn replace_line(text: &str, line: &str, with: &str) -> String {
    assert_eq!(text.matches(line).count(), 1, "`{line}` once in:\n{text}");
    text.replacen(line, with, 1)
}

/// Sets `updated_date` of an artifact text.
fn dated(text: &str, date: &str) -> String {
    replace_line(
        text,
        "updated_date = \"2025-04-02\"",
        &format!("updated_date = \"{date}\""),
    )
}

/// The `validate --worktree` problems (errors only) of the working tree.
fn validation_errors(s: &Setup) -> Vec<Value> {
    let out = s.im(&["validate", "--worktree", "--json"]);
    let report = parse_json(&out);
    report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["severity"] == "error")
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. Every direction.

#[test]
fn github_edits_of_every_issue_field_reach_the_files() {
    let s = Setup::new("");
    let t1_before = s.read(file_of("TASK-001"));
    let gh_body = |id: &str, old: &str, new: &str| {
        let b = s.issue(id)["body"].as_str().expect("body").to_string();
        replace_line(&b, old, new)
    };
    // TASK-001: title, body (one line) and assignee.
    s.teammate(
        "TASK-001",
        json!({
            "title": "Validate e-mail addresses",
            "body": gh_body("TASK-001", "Second paragraph.", "Second paragraph, edited on GitHub."),
            "assignees": ["bob"],
        }),
    );
    // TASK-002: status, type and priority labels swapped, a tag dropped and one added.
    s.teammate(
        "TASK-002",
        json!({"labels": ["PM:Status:InProgress", "PM:Type:Bug", "PM:Priority:Highest", "ui"]}),
    );
    // TASK-003 closed as completed, BUG-001 closed as not planned; BUG-002 (unassigned)
    // assigned to ada and taken out of its milestone; STORY-001 labelled Done.
    s.teammate(
        "TASK-003",
        json!({"state": "closed", "state_reason": "completed"}),
    );
    s.teammate(
        "BUG-001",
        json!({"state": "closed", "state_reason": "not_planned"}),
    );
    s.teammate("BUG-002", json!({"assignees": ["ada"], "milestone": null}));
    s.teammate(
        "STORY-001",
        json!({"labels": ["PM:Status:Done", "PM:Type:Story"]}),
    );
    s.emu.reset_log();
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    // GitHub's own changes are not written back; the only writes bring GitHub in line with
    // what follows from them in the plan: the status labels of the statuses the closes
    // implied, the close a Done label implies. BUG-002 keeps being out of its milestone
    // (the plan can't say "none": it keeps its own, and says why).
    let writes: Vec<String> = s
        .emu
        .requests()
        .iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let patch = |id: &str| format!("PATCH /repos/{OWNER}/{REPO}/issues/{}", s.number(id));
    assert_eq!(
        writes,
        [patch("BUG-001"), patch("STORY-001"), patch("TASK-003")]
    );
    assert_eq!(s.issue("BUG-002")["milestone"], Value::Null);
    let notes: Vec<&Value> = report["projects"][0]["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter(|n| n["key"] == "demo/BUG-002")
        .collect();
    assert_eq!(notes.len(), 1, "{report:#}");
    let note = notes[0]["message"].as_str().expect("message");
    assert!(
        note.contains("taken out of its milestone") && note.contains("GitHub's milestone is kept"),
        "{note}"
    );
    assert_eq!(
        front(&s.read(file_of("BUG-002"))).get("epic_id"),
        None,
        "no parent key can say it"
    );
    let story = s.issue("STORY-001");
    assert_eq!(story["state"], "closed");
    assert_eq!(story["state_reason"], "completed");
    assert_eq!(
        str_of(&front(&s.read(file_of("STORY-001"))), "status"),
        "🟢 Done"
    );
    assert_eq!(
        label_set(&s.issue("TASK-003")),
        set(&["PM:Status:Done", "PM:Type:Task"])
    );
    assert_eq!(
        label_set(&s.issue("BUG-001")),
        set(&["PM:Status:Archived", "PM:Type:Bug", "PM:Priority:Low"])
    );
    assert_eq!(s.issue("BUG-001")["state_reason"], "not_planned");
    assert_eq!(s.issue("TASK-001")["title"], "Validate e-mail addresses");
    assert_eq!(
        label_set(&s.issue("TASK-002")),
        set(&[
            "PM:Status:InProgress",
            "PM:Type:Bug",
            "PM:Priority:Highest",
            "ui"
        ])
    );

    // TASK-001: exactly the title, body line, assignee and updated_date lines changed.
    let mut expected = replace_line(
        &t1_before,
        "title = \"Validate e-mail\"",
        "title = \"Validate e-mail addresses\"",
    );
    expected = replace_line(&expected, "assigned_to = \"ada\"", "assigned_to = \"bob\"");
    expected = replace_line(
        &expected,
        "updated_date = \"2025-04-02\"",
        &format!("updated_date = \"{}\"", today()),
    );
    expected = replace_line(
        &expected,
        "\nSecond paragraph.\n",
        "\nSecond paragraph, edited on GitHub.\n",
    );
    assert_eq!(s.read(file_of("TASK-001")), expected);

    let t2 = front(&s.read(file_of("TASK-002")));
    assert_eq!(str_of(&t2, "status"), "🔵 In Progress");
    assert_eq!(str_of(&t2, "type"), BUG);
    assert_eq!(str_of(&t2, "priority"), "🔥 Highest");
    assert_eq!(list_of(&t2, "tags"), ["ui"]);
    assert_eq!(
        str_of(&front(&s.read(file_of("TASK-003"))), "status"),
        "🟢 Done"
    );
    assert_eq!(
        str_of(&front(&s.read(file_of("BUG-001"))), "status"),
        "🧊 Archived"
    );
    assert_eq!(
        str_of(&front(&s.read(file_of("BUG-002"))), "assigned_to"),
        "ada"
    );
    // Files nobody touched on GitHub stay as they were.
    let written: BTreeSet<String> = report["written"]
        .as_array()
        .expect("written")
        .iter()
        .map(|w| w.as_str().expect("path").to_string())
        .collect();
    let expected_written: BTreeSet<String> = [
        "TASK-001",
        "TASK-002",
        "TASK-003",
        "BUG-001",
        "BUG-002",
        "STORY-001",
    ]
    .iter()
    .map(|id| format!("{P}/{}", file_of(id)))
    .collect();
    assert_eq!(written, expected_written);
    assert_eq!(validation_errors(&s), Vec::<Value>::new());
    s.assert_converged("pulled, not committed");

    // The user commits; reopening on GitHub then brings the configured reopen status.
    s.repo.commit_all("take GitHub's changes");
    s.assert_converged("pulled and committed");
    s.teammate("TASK-003", json!({"state": "open"}));
    s.teammate("BUG-001", json!({"state": "open"}));
    let report = s.sync_ok(&["--commit"]);
    assert_no_failures(&report);
    assert_eq!(
        str_of(&front(&s.read(file_of("TASK-003"))), "status"),
        "🟡 To Do"
    );
    assert_eq!(
        str_of(&front(&s.read(file_of("BUG-001"))), "status"),
        "🟡 To Do"
    );
    for id in ["TASK-003", "BUG-001"] {
        let labels = label_set(&s.issue(id));
        let statuses: Vec<&String> = labels
            .iter()
            .filter(|l| l.starts_with("PM:Status:"))
            .collect();
        assert_eq!(statuses, ["PM:Status:ToDo"], "{id}: {labels:?}");
    }
    s.assert_converged("reopened");
}

#[test]
fn plan_edits_of_every_field_reach_github_and_retiring_closes() {
    let s = Setup::new("");
    s.edit(file_of("TASK-001"), |t| {
        let t = replace_line(
            &t,
            "title = \"Validate e-mail\"",
            "title = \"Validate e-mail (plan)\"",
        );
        let t = replace_line(&t, "priority = \"🔼 High\"", "priority = \"🔥 Highest\"");
        let t = replace_line(
            &t,
            "tags = [\"backend\", \"auth\"]",
            "tags = [\"backend\", \"ux\"]",
        );
        let t = replace_line(&t, "assigned_to = \"ada\"", "assigned_to = \"bob\"");
        replace_line(&t, "- [ ] step one", "- [x] step one")
    });
    s.edit(file_of("TASK-002"), |t| {
        let t = replace_line(&t, "status = \"⚪️ Backlog\"", "status = \"🔵 In Progress\"");
        replace_line(
            &t,
            &format!("type = \"{TASK}\""),
            &format!("type = \"{BUG}\""),
        )
    });
    s.edit(file_of("TASK-003"), |t| {
        replace_line(&t, "status = \"🟡 To Do\"", "status = \"🟢 Done\"")
    });
    s.edit(file_of("BUG-001"), |t| {
        replace_line(
            &t,
            "status = \"🔵 In Progress\"",
            "status = \"🧊 Archived\"",
        )
    });
    s.repo.remove(&format!("{P}/{}", file_of("BUG-002")));
    std::fs::create_dir_all(s.repo.file(&format!("{P}/archive/tasks"))).expect("mkdir");
    s.repo.git(&[
        "mv",
        &format!("{P}/{}", file_of("STORY-001")),
        &format!("{P}/archive/tasks/STORY-001_welcome.md"),
    ]);
    s.edit(EPIC_FILE, |t| {
        let t = replace_line(&t, "title = \"User onboarding\"", "title = \"Onboarding\"");
        let t = replace_line(
            &t,
            "target_date = \"2025-06-30\"",
            "target_date = \"2025-07-15\"",
        );
        replace_line(&t, "Get users in.", "Get users in, fast.")
    });
    s.repo.commit_all("plan edits");
    let before = s.tree();
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    assert_tree_eq(&before, &s.tree(), "pushing the plan rewrites no file");

    let t1 = s.issue("TASK-001");
    assert_eq!(t1["title"], "Validate e-mail (plan)");
    assert_eq!(
        label_set(&t1),
        set(&[
            "PM:Status:ToDo",
            "PM:Type:Task",
            "PM:Priority:Highest",
            "backend",
            "ux"
        ])
    );
    assert_eq!(logins(&t1), ["bob"]);
    assert!(issue_text(&t1).contains("- [x] step one"), "{t1:#}");
    assert_eq!(
        label_set(&s.issue("TASK-002")),
        set(&["PM:Status:InProgress", "PM:Type:Bug", "frontend"])
    );
    let closed = |id: &str, reason: &str| {
        let i = s.issue(id);
        assert_eq!(i["state"], "closed", "{id}");
        assert_eq!(i["state_reason"], reason, "{id}");
    };
    closed("TASK-003", "completed");
    closed("BUG-001", "not_planned");
    closed("BUG-002", "not_planned");
    closed("STORY-001", "not_planned");
    assert_eq!(
        s.issues().len(),
        ITEMS.len(),
        "nothing is deleted on GitHub"
    );
    let m = s.milestone("Onboarding");
    assert_eq!(m["due_on"], "2025-07-15T07:00:00Z", "the same calendar day");
    assert_eq!(
        m["description"],
        "# Onboarding\n\nGet users in, fast.\n\nIntelliManage-ID: EPIC-001"
    );
    assert_eq!(t1["milestone"]["title"], "Onboarding");
    s.assert_converged("plan edits pushed");

    // Reopening locally reopens; the epic done closes its milestone.
    s.edit_commit(file_of("TASK-003"), |t| {
        replace_line(&t, "status = \"🟢 Done\"", "status = \"🟡 To Do\"")
    });
    s.edit_commit(EPIC_FILE, |t| {
        replace_line(&t, "status = \"🔵 In Progress\"", "status = \"🟢 Done\"")
    });
    s.sync_ok(&[]);
    let t3 = s.issue("TASK-003");
    assert_eq!(t3["state"], "open");
    assert_eq!(label_set(&t3), set(&["PM:Status:ToDo", "PM:Type:Task"]));
    assert_eq!(s.milestone("Onboarding")["state"], "closed");
    s.assert_converged("reopened locally");
}

#[test]
fn github_milestone_edits_reach_the_epic_on_the_same_day() {
    let s = Setup::new("");
    let before = s.read(EPIC_FILE);
    let n = s.milestone("User onboarding")["number"]
        .as_u64()
        .expect("number");
    s.emu.edit_milestone(
        OWNER,
        REPO,
        n,
        json!({
            "title": "Onboarding v2",
            "description": "# Onboarding\n\nGet users in, on GitHub.\n\nIntelliManage-ID: EPIC-001",
            "due_on": "2025-03-31T07:00:00Z",
        }),
    );
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    let mut expected = replace_line(
        &before,
        "title = \"User onboarding\"",
        "title = \"Onboarding v2\"",
    );
    expected = replace_line(
        &expected,
        "target_date = \"2025-06-30\"",
        "target_date = \"2025-03-31\"",
    );
    expected = replace_line(
        &expected,
        "updated_date = \"2025-04-02\"",
        &format!("updated_date = \"{}\"", today()),
    );
    expected = replace_line(&expected, "Get users in.", "Get users in, on GitHub.");
    assert_eq!(s.read(EPIC_FILE), expected);
    // The issues of the epic follow the milestone under its new title.
    assert_eq!(s.issue("TASK-001")["milestone"]["title"], "Onboarding v2");
    s.assert_converged("milestone edited");

    // Closed on GitHub: the epic is done; reopened: back to the reopen status.
    s.repo.commit_all("take the milestone's changes");
    s.emu
        .edit_milestone(OWNER, REPO, n, json!({"state": "closed"}));
    s.sync_ok(&["--commit"]);
    assert_eq!(str_of(&front(&s.read(EPIC_FILE)), "status"), "🟢 Done");
    s.assert_converged("milestone closed");
    s.emu
        .edit_milestone(OWNER, REPO, n, json!({"state": "open", "due_on": null}));
    s.sync_ok(&["--commit"]);
    let epic = front(&s.read(EPIC_FILE));
    assert_eq!(str_of(&epic, "status"), "🟡 To Do");
    assert!(epic.get("target_date").is_none(), "{epic:#?}");
    assert_eq!(s.porcelain(), "", "--commit committed the epic");
    s.assert_converged("milestone reopened");
}

#[test]
fn without_due_date_sync_neither_side_touches_the_other_sides_date() {
    let s = Setup::new("\n[github_integration.mapping]\nsync_milestone_due_date = false\n");
    let n = s.milestone("User onboarding")["number"]
        .as_u64()
        .expect("number");
    assert_eq!(
        s.milestone("User onboarding")["due_on"],
        Value::Null,
        "the Epic's date is not sent"
    );
    // A teammate gives the milestone a due date of its own, and renames it.
    s.emu.edit_milestone(
        OWNER,
        REPO,
        n,
        json!({"title": "Onboarding v2", "due_on": "2025-03-31T07:00:00Z"}),
    );
    let before = s.read(EPIC_FILE);
    s.emu.reset_log();
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    // The rename comes in; the date does not, and GitHub's stays.
    let epic = front(&s.read(EPIC_FILE));
    assert_eq!(str_of(&epic, "title"), "Onboarding v2", "{before}");
    assert_eq!(str_of(&epic, "target_date"), "2025-06-30");
    let m = s.emu.milestone(OWNER, REPO, n).expect("milestone");
    assert_eq!(m["due_on"], "2025-03-31T07:00:00Z");
    let milestone_writes: Vec<String> = s
        .emu
        .requests()
        .iter()
        .filter(|r| r.is_write() && r.path.contains("/milestones"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(milestone_writes, Vec::<String>::new());
    s.assert_converged("GitHub's due date left alone");

    // The Epic's date moves in the plan: nothing is sent for it.
    s.repo.commit_all("take the rename");
    s.edit_commit(EPIC_FILE, |t| {
        replace_line(
            &t,
            "target_date = \"2025-06-30\"",
            "target_date = \"2025-07-15\"",
        )
    });
    s.emu.reset_log();
    assert_no_failures(&s.sync_ok(&[]));
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    assert_eq!(
        s.emu.milestone(OWNER, REPO, n).expect("milestone")["due_on"],
        "2025-03-31T07:00:00Z"
    );
    assert_eq!(
        str_of(&front(&s.read(EPIC_FILE)), "target_date"),
        "2025-07-15"
    );
    s.assert_converged("the plan's due date kept to itself");
}

#[test]
fn reopened_on_github_an_archived_artifact_leaves_archive_and_stays_open() {
    let s = Setup::new("");
    std::fs::create_dir_all(s.repo.file(&format!("{P}/archive/tasks"))).expect("mkdir");
    let archived = format!("{P}/archive/tasks/STORY-001_welcome.md");
    let back = format!("{P}/{}", file_of("STORY-001"));
    s.repo.git(&["mv", &back, &archived]);
    s.repo.commit_all("archive the story");
    assert_no_failures(&s.sync_ok(&[]));
    assert_eq!(s.issue("STORY-001")["state_reason"], "not_planned");
    s.assert_converged("archived");

    // Reopened on GitHub: the file leaves archive/ with the reopen status.
    s.teammate("STORY-001", json!({"state": "open"}));
    let before = s.repo.read(&archived);
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    let written: BTreeSet<&str> = report["written"]
        .as_array()
        .expect("written")
        .iter()
        .map(|w| w.as_str().expect("path"))
        .collect();
    assert_eq!(written, BTreeSet::from([archived.as_str(), back.as_str()]));
    assert!(!s.repo.file(&archived).exists(), "moved out of archive/");
    let mut expected = replace_line(&before, "status = \"🟣 Review\"", "status = \"🟡 To Do\"");
    expected = replace_line(
        &expected,
        "updated_date = \"2025-04-02\"",
        &format!("updated_date = \"{}\"", today()),
    );
    assert_eq!(s.repo.read(&back), expected);
    let story = s.issue("STORY-001");
    assert_eq!(story["state"], "open");
    assert_eq!(label_set(&story), set(&["PM:Status:ToDo", "PM:Type:Story"]));
    // Not committed yet, and still open: the move is pending like any pulled change.
    s.assert_converged("reopened, the move not committed");
    s.repo.commit_all("take the reopen");
    s.assert_converged("reopened, the move committed");
    assert_eq!(s.issue("STORY-001")["state"], "open");
    let again = s.sync_ok(&[]);
    assert_eq!(again["projects"][0]["ops"], json!([]), "{again:#}");

    // With --commit, the sync commits the move itself.
    s.repo.git(&["mv", &back, &archived]);
    s.repo.commit_all("archive it again");
    assert_no_failures(&s.sync_ok(&[]));
    assert_eq!(s.issue("STORY-001")["state"], "closed");
    s.teammate("STORY-001", json!({"state": "open"}));
    assert_no_failures(&s.sync_ok(&["--commit"]));
    assert_eq!(s.porcelain(), "", "the move is committed");
    assert!(s.repo.file(&back).exists() && !s.repo.file(&archived).exists());
    assert_eq!(s.issue("STORY-001")["state"], "open");
    s.assert_converged("reopened with --commit");
}

#[test]
fn a_milestone_reopened_on_github_brings_its_epic_out_of_archive() {
    let s = Setup::new("");
    std::fs::create_dir_all(s.repo.file(&format!("{P}/archive/epics"))).expect("mkdir");
    let archived = format!("{P}/archive/epics/EPIC-001_onboarding.md");
    let back = format!("{P}/{EPIC_FILE}");
    s.repo.git(&["mv", &back, &archived]);
    s.repo.commit_all("archive the epic");
    assert_no_failures(&s.sync_ok(&[]));
    let n = s.milestone("User onboarding")["number"]
        .as_u64()
        .expect("number");
    assert_eq!(s.milestone("User onboarding")["state"], "closed");
    s.emu
        .edit_milestone(OWNER, REPO, n, json!({"state": "open"}));
    assert_no_failures(&s.sync_ok(&["--commit"]));
    assert_eq!(s.porcelain(), "");
    assert!(!s.repo.file(&archived).exists());
    assert_eq!(str_of(&front(&s.repo.read(&back)), "status"), "🟡 To Do");
    assert_eq!(s.milestone("User onboarding")["state"], "open");
    s.assert_converged("milestone reopened");
}

/// The notes of the first project about `key`.
fn notes_of(report: &Value, key: &str) -> Vec<String> {
    report["projects"][0]["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter(|n| n["key"] == key)
        .map(|n| n["message"].as_str().expect("message").to_string())
        .collect()
}

#[test]
fn a_milestone_changed_on_github_moves_the_artifact_or_stays_githubs() {
    let epic2 = artifact("EPIC-002", EPIC, "Billing", "🟡 To Do", "", "Money in.\n");
    let s = Setup::with_files("", &[("epics/EPIC-002_billing.md", &epic2)]);
    let billing = s.milestone("Billing")["number"].as_u64().expect("number");
    let someday = s
        .emu
        .create_milestone(OWNER, REPO, json!({"title": "Someday"}))["number"]
        .as_u64()
        .expect("number");
    // STORY-001 hangs off its Epic: moved to Billing, its epic_id says so.
    s.teammate("STORY-001", json!({"milestone": billing}));
    // TASK-001 takes its milestone from FEAT-001 (of EPIC-001): no parent key can say it.
    s.teammate("TASK-001", json!({"milestone": billing}));
    // BUG-001 goes to a milestone that stands for no Epic.
    s.teammate("BUG-001", json!({"milestone": someday}));
    let story_before = s.read(file_of("STORY-001"));
    let task_before = s.read(file_of("TASK-001"));
    let bug_before = s.read(file_of("BUG-001"));
    s.emu.reset_log();
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    assert_eq!(
        s.emu.write_count(),
        0,
        "nothing is put back: {:#?}",
        s.emu.requests()
    );
    let mut expected = replace_line(
        &story_before,
        "epic_id = \"EPIC-001\"",
        "epic_id = \"EPIC-002\"",
    );
    expected = replace_line(
        &expected,
        "updated_date = \"2025-04-02\"",
        &format!("updated_date = \"{}\"", today()),
    );
    assert_eq!(s.read(file_of("STORY-001")), expected);
    assert_eq!(s.issue("STORY-001")["milestone"]["title"], "Billing");
    // The other two keep GitHub's milestone, their files stay, and the run says why.
    assert_eq!(s.read(file_of("TASK-001")), task_before);
    assert_eq!(s.read(file_of("BUG-001")), bug_before);
    assert_eq!(s.issue("TASK-001")["milestone"]["title"], "Billing");
    assert_eq!(s.issue("BUG-001")["milestone"]["title"], "Someday");
    let task_notes = notes_of(&report, "demo/TASK-001");
    assert_eq!(task_notes.len(), 1, "{report:#}");
    assert!(
        task_notes[0].contains("its Feature FEAT-001 decides its milestone"),
        "{task_notes:?}"
    );
    let bug_notes = notes_of(&report, "demo/BUG-001");
    assert_eq!(bug_notes.len(), 1, "{report:#}");
    assert!(
        bug_notes[0].contains("`Someday`") && bug_notes[0].contains("stands for no"),
        "{bug_notes:?}"
    );
    assert!(notes_of(&report, "demo/STORY-001").is_empty(), "{report:#}");
    s.assert_converged("milestones moved on GitHub, pending");
    s.repo.commit_all("take GitHub's milestones");
    s.assert_converged("milestones moved on GitHub, committed");

    // The plan moving the task afterwards still goes to GitHub.
    s.edit_commit(file_of("BUG-001"), |t| {
        replace_line(&t, "feature_id = \"FEAT-001\"", "epic_id = \"EPIC-002\"")
    });
    assert_no_failures(&s.sync_ok(&[]));
    assert_eq!(s.issue("BUG-001")["milestone"]["title"], "Billing");
    s.assert_converged("moved in the plan");
}

#[test]
fn with_features_as_milestones_a_milestone_change_sets_feature_id() {
    let feat2 = artifact(
        "FEAT-002",
        FEATURE,
        "Password reset",
        "🟡 To Do",
        "epic_id = \"EPIC-001\"\n",
        "Reset it.\n",
    );
    let s = Setup::with_files(
        "\n[github_integration.mapping]\nmilestone_type = \"🌟 Feature\"\n",
        &[("features/FEAT-002_reset.md", &feat2)],
    );
    let reset = s.milestone("Password reset")["number"]
        .as_u64()
        .expect("number");
    assert_eq!(s.issue("STORY-001")["milestone"], Value::Null);
    s.teammate("TASK-002", json!({"milestone": reset}));
    s.teammate("STORY-001", json!({"milestone": reset}));
    s.emu.reset_log();
    let report = s.sync_ok(&["--commit"]);
    assert_no_failures(&report);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    for id in ["TASK-002", "STORY-001"] {
        let f = front(&s.read(file_of(id)));
        assert_eq!(str_of(&f, "feature_id"), "FEAT-002", "{id}");
        assert_eq!(s.issue(id)["milestone"]["title"], "Password reset", "{id}");
        assert!(
            notes_of(&report, &format!("demo/{id}")).is_empty(),
            "{report:#}"
        );
    }
    // The Epic the story named stays: the Feature comes first for its milestone.
    assert_eq!(
        str_of(&front(&s.read(file_of("STORY-001"))), "epic_id"),
        "EPIC-001"
    );
    assert_eq!(s.porcelain(), "");
    s.assert_converged("moved between Features");
}

/// An unlinked GitHub issue, as a teammate files it.
fn file_issue(s: &Setup, title: &str, body: &str, labels: &[&str]) -> u64 {
    let issue = s.emu.create_issue(
        OWNER,
        REPO,
        json!({"title": title, "body": body, "labels": labels, "assignees": ["bob"]}),
    );
    issue["number"].as_u64().expect("number")
}

#[test]
fn unlinked_github_issues_become_artifacts_only_when_opted_in() {
    // Off by default: nothing is written, the issue is left alone.
    let s = Setup::new("");
    let n = file_issue(&s, "Dark mode", "Please.", &["ui"]);
    let issue_before = s.emu.issue(OWNER, REPO, n).expect("issue");
    let tree = s.tree();
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    assert_tree_eq(&tree, &s.tree(), "not opted in");
    assert_eq!(s.emu.issue(OWNER, REPO, n).expect("issue"), issue_before);
    s.assert_converged("not opted in");

    // Opted in: one file per issue, the next free IDs, the issue marked.
    let s = Setup::new("\n[github_integration.mapping]\ncreate_artifacts_from_github = true\n");
    let m = s.milestone("User onboarding")["number"].clone();
    let dark = file_issue(
        &s,
        "Dark mode",
        "Please add a dark theme.\n\nIt hurts at night.",
        &[
            "PM:Type:Bug",
            "PM:Priority:High",
            "PM:Status:InProgress",
            "ui",
        ],
    );
    s.emu.edit_issue(OWNER, REPO, dark, json!({"milestone": m}));
    let export = file_issue(&s, "  Export to CSV  ", "", &[]);
    let before = s.tree();
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    let after = s.tree();
    let new_files: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(
        new_files,
        [
            &format!("{P}/tasks/TASK-004_dark-mode.md"),
            &format!("{P}/tasks/TASK-005_export-to-csv.md"),
        ]
    );
    let (dark_front, dark_body) = split(&s.read("tasks/TASK-004_dark-mode.md"));
    let keys: Vec<&str> = dark_front.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "title",
            "status",
            "type",
            "created_date",
            "updated_date",
            "project_name",
            "priority",
            "assigned_to",
            "tags",
            "related_issues"
        ]
    );
    assert_eq!(str_of(&dark_front, "id"), "TASK-004");
    assert_eq!(str_of(&dark_front, "title"), "Dark mode");
    assert_eq!(str_of(&dark_front, "status"), "🔵 In Progress");
    assert_eq!(str_of(&dark_front, "type"), BUG);
    assert_eq!(str_of(&dark_front, "priority"), "🔼 High");
    assert_eq!(str_of(&dark_front, "created_date"), "2025-05-10");
    assert_eq!(str_of(&dark_front, "project_name"), "demo");
    assert_eq!(str_of(&dark_front, "assigned_to"), "bob");
    assert_eq!(list_of(&dark_front, "tags"), ["ui"]);
    assert_eq!(
        list_of(&dark_front, "related_issues"),
        [format!("acme/demo#{dark}")]
    );
    assert_eq!(
        dark_body,
        "\nPlease add a dark theme.\n\nIt hurts at night.\n"
    );
    let export_front = front(&s.read("tasks/TASK-005_export-to-csv.md"));
    assert_eq!(str_of(&export_front, "title"), "Export to CSV");
    assert_eq!(str_of(&export_front, "status"), "🟡 To Do");
    assert_eq!(str_of(&export_front, "type"), TASK);
    // Both issues now carry their IDs; nothing else of theirs changed.
    let dark_issue = s.emu.issue(OWNER, REPO, dark).expect("issue");
    assert_eq!(
        dark_issue["body"],
        "Please add a dark theme.\n\nIt hurts at night.\n\nIntelliManage-ID: TASK-004"
    );
    assert_eq!(dark_issue["title"], "Dark mode");
    assert_eq!(dark_issue["milestone"]["number"], m);
    assert_eq!(
        marker(&s.emu.issue(OWNER, REPO, export).expect("issue")["body"]).as_deref(),
        Some("TASK-005")
    );
    assert_eq!(validation_errors(&s), Vec::<Value>::new());
    assert!(
        s.porcelain()
            .contains("?? .ruru/projects/demo/tasks/TASK-004_dark-mode.md")
    );
    s.assert_converged("created, not committed");

    // A third issue while the first two are not committed: the next ID after them.
    let third = file_issue(&s, "Keyboard shortcuts", "", &[]);
    s.sync_ok(&[]);
    assert!(
        s.repo
            .file(&format!("{P}/tasks/TASK-006_keyboard-shortcuts.md"))
            .exists()
    );
    assert_eq!(
        marker(&s.emu.issue(OWNER, REPO, third).expect("issue")["body"]).as_deref(),
        Some("TASK-006")
    );
    s.repo.commit_all("take the new artifacts");
    s.assert_converged("created and committed");
    // Once committed they sync like any artifact.
    s.edit_commit("tasks/TASK-004_dark-mode.md", |t| {
        replace_line(
            &t,
            "title = \"Dark mode\"",
            "title = \"Dark mode everywhere\"",
        )
    });
    s.sync_ok(&[]);
    assert_eq!(
        s.emu.issue(OWNER, REPO, dark).expect("issue")["title"],
        "Dark mode everywhere"
    );
    assert_eq!(
        s.emu.issue(OWNER, REPO, dark).expect("issue")["state"],
        "open"
    );
    s.assert_converged("edited after creation");
}

// ---------------------------------------------------------------------------------------
// 2. Conflict strategies.

/// Edits on both sides, one scenario per artifact, then a sync under `strategy`:
///
/// - TASK-001: only the plan changed (title);
/// - TASK-002: only GitHub changed (title);
/// - TASK-003: both changed, different fields (plan: title; GitHub: a label);
/// - BUG-001: both changed the title, the plan's edit dated before GitHub's;
/// - BUG-002: both changed the title, the plan's edit dated after GitHub's;
/// - STORY-001: both changed the body, in different lines.
fn conflicting_edits(strategy: &str) -> (Setup, Value) {
    let s = Setup::new(&format!(
        "\n[github_integration.mapping]\nconflict_resolution = \"{strategy}\"\n"
    ));
    s.edit(file_of("TASK-001"), |t| {
        replace_line(
            &t,
            "title = \"Validate e-mail\"",
            "title = \"Validate e-mail (plan)\"",
        )
    });
    s.edit(file_of("TASK-003"), |t| {
        replace_line(
            &t,
            "title = \"Password rules\"",
            "title = \"Password rules (plan)\"",
        )
    });
    s.edit(file_of("BUG-001"), |t| {
        replace_line(
            &t,
            "title = \"Typo on the form\"",
            "title = \"Typo (plan)\"",
        )
    });
    s.edit(file_of("BUG-002"), |t| {
        dated(
            &replace_line(
                &t,
                "title = \"Crash on submit\"",
                "title = \"Crash (plan)\"",
            ),
            LOCAL_LATER,
        )
    });
    s.edit(file_of("STORY-001"), |t| {
        replace_line(
            &t,
            "Welcome mail: what it is about.",
            "Welcome mail: what it is about, in the plan.",
        )
    });
    s.repo.commit_all("plan edits");
    s.teammate("TASK-002", json!({"title": "Submit button (GitHub)"}));
    s.teammate(
        "TASK-003",
        json!({"labels": ["PM:Status:ToDo", "PM:Type:Task", "security"]}),
    );
    s.teammate("BUG-001", json!({"title": "Typo (GitHub)"}));
    s.teammate("BUG-002", json!({"title": "Crash (GitHub)"}));
    let story = s.issue("STORY-001")["body"]
        .as_str()
        .expect("body")
        .to_string();
    s.teammate(
        "STORY-001",
        json!({"body": replace_line(&story, "- [ ] step two", "- [x] step two")}),
    );
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    (s, report)
}

fn title_in_file(s: &Setup, id: &str) -> String {
    str_of(&front(&s.read(file_of(id))), "title").to_string()
}

/// What every strategy does alike: one-sided changes flow across, different fields and
/// different body lines merge on both sides.
fn check_merges(s: &Setup, report: &Value) {
    assert_eq!(s.issue("TASK-001")["title"], "Validate e-mail (plan)");
    assert_eq!(title_in_file(s, "TASK-001"), "Validate e-mail (plan)");
    assert_eq!(s.issue("TASK-002")["title"], "Submit button (GitHub)");
    assert_eq!(title_in_file(s, "TASK-002"), "Submit button (GitHub)");
    let t3 = s.issue("TASK-003");
    assert_eq!(t3["title"], "Password rules (plan)");
    assert!(label_set(&t3).contains("security"), "{t3:#}");
    assert_eq!(title_in_file(s, "TASK-003"), "Password rules (plan)");
    assert_eq!(
        list_of(&front(&s.read(file_of("TASK-003"))), "tags"),
        ["security"]
    );
    let merged = "Welcome mail: what it is about, in the plan.\n\nSecond paragraph.\n\n- [ ] step one\n- [x] step two";
    assert_eq!(issue_text(&s.issue("STORY-001")), merged);
    assert_eq!(
        split(&s.read(file_of("STORY-001"))).1,
        format!("\n{merged}\n")
    );
    // The plan's own edit is not written back into its file.
    let written: Vec<&str> = report["written"]
        .as_array()
        .expect("written")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !written.contains(&format!("{P}/{}", file_of("TASK-001")).as_str()),
        "{written:?}"
    );
}

/// The conflicts of a report: (key, field, winner).
fn conflicts(report: &Value) -> Vec<(String, String, String)> {
    report["projects"][0]["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .map(|c| {
            (
                c["key"].as_str().expect("key").to_string(),
                c["field"].as_str().expect("field").to_string(),
                c["winner"].as_str().expect("winner").to_string(),
            )
        })
        .collect()
}

fn conflict_list(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    items
        .iter()
        .map(|(k, f, w)| (k.to_string(), f.to_string(), w.to_string()))
        .collect()
}

/// Both sides hold `title` for `id`, and no conflict label or tag is left.
fn settled_title(s: &Setup, id: &str, title: &str) {
    let issue = s.issue(id);
    assert_eq!(issue["title"], title, "{id} on GitHub");
    assert!(!label_set(&issue).contains("PM:Conflict"), "{issue:#}");
    assert_eq!(title_in_file(s, id), title, "{id} in the plan");
    let fm = front(&s.read(file_of(id)));
    let tags = fm
        .get("tags")
        .map(|_| list_of(&fm, "tags"))
        .unwrap_or_default();
    assert_eq!(tags, Vec::<String>::new(), "{id}");
}

#[test]
fn last_update_wins_lets_the_later_edit_win() {
    let (s, report) = conflicting_edits("last_update_wins");
    check_merges(&s, &report);
    settled_title(&s, "BUG-001", "Typo (GitHub)");
    settled_title(&s, "BUG-002", "Crash (plan)");
    assert_eq!(
        conflicts(&report),
        conflict_list(&[
            ("demo/BUG-001", "title", "github"),
            ("demo/BUG-002", "title", "local")
        ])
    );
    s.assert_converged("last_update_wins");
}

#[test]
fn prefer_local_lets_the_plan_win() {
    let (s, report) = conflicting_edits("prefer_local");
    check_merges(&s, &report);
    settled_title(&s, "BUG-001", "Typo (plan)");
    settled_title(&s, "BUG-002", "Crash (plan)");
    assert_eq!(
        conflicts(&report),
        conflict_list(&[
            ("demo/BUG-001", "title", "local"),
            ("demo/BUG-002", "title", "local")
        ])
    );
    s.assert_converged("prefer_local");
}

#[test]
fn prefer_github_lets_github_win() {
    let (s, report) = conflicting_edits("prefer_github");
    check_merges(&s, &report);
    settled_title(&s, "BUG-001", "Typo (GitHub)");
    settled_title(&s, "BUG-002", "Crash (GitHub)");
    assert_eq!(
        conflicts(&report),
        conflict_list(&[
            ("demo/BUG-001", "title", "github"),
            ("demo/BUG-002", "title", "github")
        ])
    );
    s.assert_converged("prefer_github");
}

#[test]
fn manual_flag_changes_neither_side_flags_both_and_waits_for_a_person() {
    let (s, report) = conflicting_edits("manual_flag");
    check_merges(&s, &report);
    assert_eq!(
        conflicts(&report),
        conflict_list(&[
            ("demo/BUG-001", "title", "flagged"),
            ("demo/BUG-002", "title", "flagged")
        ])
    );
    for (id, plan, github) in [
        ("BUG-001", "Typo (plan)", "Typo (GitHub)"),
        ("BUG-002", "Crash (plan)", "Crash (GitHub)"),
    ] {
        let issue = s.issue(id);
        assert_eq!(issue["title"], github, "{id}: GitHub's value stays");
        assert!(label_set(&issue).contains("PM:Conflict"), "{issue:#}");
        let fm = front(&s.read(file_of(id)));
        assert_eq!(str_of(&fm, "title"), plan, "{id}: the plan's value stays");
        assert_eq!(list_of(&fm, "tags"), ["conflict"], "{id}");
    }
    let status_lists = |s: &Setup, expected: &[&str]| {
        let st = s.repo.im_json(&["status", "--json"]);
        assert_eq!(st["projects"][0]["flagged"], json!(expected), "{st:#}");
        let text = s.repo.im_ok(&["status"]);
        if expected.is_empty() {
            assert!(!text.contains("conflicts:"), "{text}");
        } else {
            assert!(
                text.contains(&format!("conflicts: {}", expected.join(", "))),
                "{text}"
            );
        }
    };
    status_lists(&s, &["BUG-001", "BUG-002"]);
    s.assert_converged("flagged, not committed");
    status_lists(&s, &["BUG-001", "BUG-002"]);

    // A person settles BUG-001: picks a title, drops the tag, commits; BUG-002 stays flagged.
    s.edit_commit(file_of("BUG-001"), |t| {
        let t = replace_line(
            &t,
            "title = \"Typo (plan)\"",
            "title = \"Typo in the sign-up form\"",
        );
        replace_line(&t, "tags = [\"conflict\"]\n", "")
    });
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    assert_eq!(conflicts(&report), []);
    settled_title(&s, "BUG-001", "Typo in the sign-up form");
    assert!(label_set(&s.issue("BUG-002")).contains("PM:Conflict"));
    status_lists(&s, &["BUG-002"]);
    s.assert_converged("one settled");

    // BUG-002 is settled on GitHub: the teammate takes the plan's title and drops the label.
    s.repo.commit_all("flag");
    s.teammate(
        "BUG-002",
        json!({"title": "Crash (plan)", "labels": ["PM:Status:ToDo", "PM:Type:Bug"]}),
    );
    s.sync_ok(&["--commit"]);
    settled_title(&s, "BUG-002", "Crash (plan)");
    status_lists(&s, &[]);
    s.assert_converged("both settled");
}

// ---------------------------------------------------------------------------------------
// 3. Files keep everything but what changed.

/// The issue body of `id` on GitHub with `old` replaced by `new` (marker kept).
fn github_body_with(s: &Setup, id: &str, old: &str, new: &str) -> String {
    let body = s.issue(id)["body"].as_str().expect("body").to_string();
    replace_line(&body, old, new)
}

#[test]
fn a_real_artifact_keeps_its_comments_and_layout() {
    let seed = seed("000_");
    let rel = "tasks/TASK-IM-707_auto-milestones.md";
    let s = Setup::with_files("", &[(rel, &seed)]);
    assert_eq!(s.read(rel), seed, "the first sync does not touch the file");
    // The seed names tasks this plan doesn't have: those errors are the only ones, before
    // and after.
    let messages = |s: &Setup| -> Vec<String> {
        validation_errors(s)
            .iter()
            .map(|p| format!("{} {}", p["path"], p["message"]))
            .collect()
    };
    let errors = messages(&s);
    assert!(
        errors
            .iter()
            .all(|e| e.contains("`depends_on` names") || e.contains("`feature_id` names")),
        "{errors:?}"
    );
    let labels: Vec<String> = label_set(&s.issue("TASK-IM-707"))
        .into_iter()
        .filter(|l| l != "automation" && l != "PM:Priority:Low")
        .chain(["ux".to_string(), "PM:Priority:Medium".to_string()])
        .collect();
    s.teammate(
        "TASK-IM-707",
        json!({
            "title": "Implement automatic milestone creation on GitHub",
            "labels": labels,
            "assignees": ["bob"],
            "body": github_body_with(&s, "TASK-IM-707", "## Description ✍️", "## Description ✍️ (revised)"),
        }),
    );
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    let mut expected = replace_line(
        &seed,
        "title = \"Implement optional automatic milestone creation on GitHub\"",
        "title = \"Implement automatic milestone creation on GitHub\"",
    );
    expected = replace_line(
        &expected,
        "updated_date = \"2025-04-28\" # Use current date",
        &format!("updated_date = \"{}\" # Use current date", today()),
    );
    expected = replace_line(
        &expected,
        "priority = \"🔽 Low\" # Convenience",
        "priority = \"▶️ Medium\" # Convenience",
    );
    expected = replace_line(
        &expected,
        "# assigned_to = \"...\" # Dev implementing integration logic\n",
        "# assigned_to = \"...\" # Dev implementing integration logic\nassigned_to = \"bob\"\n",
    );
    expected = replace_line(
        &expected,
        "\"milestone\", \"automation\", \"setup\", \"configuration\"]",
        "\"milestone\", \"setup\", \"configuration\", \"ux\"]",
    );
    expected = replace_line(
        &expected,
        "\n## Description ✍️\n",
        "\n## Description ✍️ (revised)\n",
    );
    assert_eq!(s.read(rel), expected);
    assert_eq!(messages(&s), errors);
    s.assert_converged("seed edited on GitHub");
}

#[test]
fn a_crlf_file_with_oddities_keeps_every_other_byte() {
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/TASK-IM-900_oddities.md"),
    )
    .expect("fixture");
    assert!(fixture.starts_with('\u{feff}') && fixture.contains("\r\n"));
    let rel = "tasks/TASK-IM-900_oddities.md";
    let s = Setup::with_files("", &[(rel, &fixture)]);
    assert_eq!(s.read(rel), fixture);
    // Its Feature is not in this plan: that error is the only one, before and after.
    let before = validation_errors(&s);
    assert!(
        before.len() == 1
            && before[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("FEAT-IM-1")),
        "{before:?}"
    );
    let labels: Vec<String> = label_set(&s.issue("TASK-IM-900"))
        .into_iter()
        .map(|l| {
            if l == "PM:Status:InProgress" {
                "PM:Status:Review".to_string()
            } else {
                l
            }
        })
        .collect();
    s.teammate(
        "TASK-IM-900",
        json!({
            "title": "Odd \"quoted\" title, renamed \\ on GitHub",
            "labels": labels,
            "body": github_body_with(&s, "TASK-IM-900", "- [ ] subtask one", "- [x] subtask one"),
        }),
    );
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    let mut expected = replace_line(
        &fixture,
        "title = \"Odd \\\"quoted\\\" title with a # hash\"\r\n",
        "title = \"Odd \\\"quoted\\\" title, renamed \\\\ on GitHub\"\r\n",
    );
    expected = replace_line(
        &expected,
        "status = \"🔵 In Progress\"\r\n",
        "status = \"🟣 Review\"\r\n",
    );
    expected = replace_line(
        &expected,
        "updated_date = \"2025-04-29\"\r\n",
        &format!("updated_date = \"{}\"\r\n", today()),
    );
    expected = replace_line(&expected, "- [ ] subtask one\r\n", "- [x] subtask one\r\n");
    assert_eq!(s.read(rel), expected);
    assert_eq!(
        str_of(&front(&expected), "title"),
        "Odd \"quoted\" title, renamed \\ on GitHub"
    );
    assert_eq!(validation_errors(&s), before);
    s.assert_converged("oddities edited on GitHub");
}

// ---------------------------------------------------------------------------------------
// 4. Uncommitted local edits.

fn failures(report: &Value) -> Vec<(String, String)> {
    report["projects"][0]["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| {
            (
                f["key"].as_str().expect("key").to_string(),
                f["message"].as_str().expect("message").to_string(),
            )
        })
        .collect()
}

#[test]
fn uncommitted_edits_are_kept_and_overlapping_ones_wait_for_a_commit() {
    let s = Setup::new("");
    // TASK-001: an uncommitted edit of the priority; GitHub renames the issue.
    s.edit(file_of("TASK-001"), |t| {
        replace_line(&t, "priority = \"🔼 High\"", "priority = \"🔥 Highest\"")
    });
    s.teammate("TASK-001", json!({"title": "Validate e-mail addresses"}));
    // TASK-002: an uncommitted edit of the first line; GitHub edits the last one.
    s.edit(file_of("TASK-002"), |t| {
        replace_line(
            &t,
            "Submit button: what it is about.",
            "Submit button: what it is about, locally.",
        )
    });
    s.teammate(
        "TASK-002",
        json!({"body": github_body_with(&s, "TASK-002", "- [ ] step two", "- [x] step two")}),
    );
    // BUG-001: an uncommitted edit and a GitHub edit of the same line.
    s.edit(file_of("BUG-001"), |t| {
        replace_line(&t, "Second paragraph.", "Second paragraph, as I see it.")
    });
    s.teammate(
        "BUG-001",
        json!({
            "title": "Typo (GitHub)",
            "body": github_body_with(&s, "BUG-001", "Second paragraph.", "Second paragraph, as GitHub sees it."),
        }),
    );
    let bug_file = s.read(file_of("BUG-001"));
    let bug_issue = s.issue("BUG-001");
    s.emu.reset_log();
    let out = s.sync(&["--json"]);
    assert_exit(&out, 1, "overlapping body edits");
    let report = parse_json(&out);
    let failed = failures(&report);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "demo/BUG-001");
    assert!(failed[0].1.contains("same lines"), "{failed:?}");
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());

    // GitHub's change on top of the uncommitted edit, which is kept (and not pushed: the
    // commit doesn't have it).
    let t1 = front(&s.read(file_of("TASK-001")));
    assert_eq!(str_of(&t1, "title"), "Validate e-mail addresses");
    assert_eq!(str_of(&t1, "priority"), "🔥 Highest");
    assert!(label_set(&s.issue("TASK-001")).contains("PM:Priority:High"));
    // Different lines merge into the working tree.
    assert_eq!(
        split(&s.read(file_of("TASK-002"))).1,
        "\nSubmit button: what it is about, locally.\n\nSecond paragraph.\n\n- [ ] step one\n- [x] step two\n"
    );
    // Overlapping lines: nothing written, nothing lost, on either side.
    assert_eq!(s.read(file_of("BUG-001")), bug_file);
    assert_eq!(s.issue("BUG-001"), bug_issue);
    let status = s.repo.im_json(&["status", "--json"]);
    assert_eq!(
        status["projects"][0]["failed"],
        json!(["BUG-001"]),
        "{status:#}"
    );
    assert!(
        s.repo
            .im_ok(&["status"])
            .contains("failed last time: BUG-001")
    );

    // The next sync finds it the same way and changes nothing.
    let tree = s.tree();
    let out = s.sync(&["--json"]);
    assert_exit(&out, 1, "still overlapping");
    assert_eq!(failures(&parse_json(&out)).len(), 1);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    assert_tree_eq(&tree, &s.tree(), "still overlapping");

    // Committed, the edits settle by the strategy: GitHub's body edit is the later one.
    s.repo.commit_all("my edits");
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    assert_eq!(
        conflicts(&report),
        conflict_list(&[("demo/BUG-001", "body", "github")])
    );
    let (bug, bug_body) = split(&s.read(file_of("BUG-001")));
    assert_eq!(str_of(&bug, "title"), "Typo (GitHub)");
    assert!(
        bug_body.contains("Second paragraph, as GitHub sees it.\n"),
        "{bug_body}"
    );
    assert!(!bug_body.contains("as I see it"), "{bug_body}");
    assert_eq!(issue_text(&s.issue("BUG-001")), issue_text(&bug_issue));
    // The committed priority edit goes to GitHub now; the merged body stays.
    let t1 = s.issue("TASK-001");
    assert!(label_set(&t1).contains("PM:Priority:Highest"), "{t1:#}");
    assert_eq!(t1["title"], "Validate e-mail addresses");
    assert_eq!(
        issue_text(&s.issue("TASK-002")),
        "Submit button: what it is about, locally.\n\nSecond paragraph.\n\n- [ ] step one\n- [x] step two"
    );
    let status = s.repo.im_json(&["status", "--json"]);
    assert_eq!(status["projects"][0]["failed"], json!([]), "{status:#}");
    s.assert_converged("settled after the commit");
}

#[test]
fn uncommitted_field_edits_merge_three_ways_and_same_field_changes_wait() {
    let s = Setup::new("");
    // TASK-001: the title and the tags edited locally; on GitHub the title changed too, and
    // a label was added.
    s.edit(file_of("TASK-001"), |t| {
        let t = replace_line(
            &t,
            "title = \"Validate e-mail\"",
            "title = \"Validate e-mail (mine)\"",
        );
        replace_line(
            &t,
            "tags = [\"backend\", \"auth\"]",
            "tags = [\"backend\", \"localtag\"]",
        )
    });
    let t1_labels = label_set(&s.issue("TASK-001"));
    let mut with_gh = t1_labels.iter().cloned().collect::<Vec<_>>();
    with_gh.push("ghtag".to_string());
    s.teammate(
        "TASK-001",
        json!({"title": "Validate e-mail addresses", "labels": with_gh}),
    );
    // BUG-002: the status, locally and (as a label) on GitHub.
    s.edit(file_of("BUG-002"), |t| {
        replace_line(&t, "status = \"🟡 To Do\"", "status = \"🟣 Review\"")
    });
    s.teammate(
        "BUG-002",
        json!({"labels": ["PM:Status:InProgress", "PM:Type:Bug"]}),
    );
    // TASK-002: a tag swapped locally, one added on GitHub: both kept, the removal too.
    s.edit(file_of("TASK-002"), |t| {
        replace_line(&t, "tags = [\"frontend\"]", "tags = [\"localtag\"]")
    });
    s.teammate(
        "TASK-002",
        json!({"labels": ["PM:Status:Backlog", "PM:Type:Task", "frontend", "ghtag"]}),
    );
    // BUG-001: the same new title on both sides, and an assignee on GitHub.
    s.edit(file_of("BUG-001"), |t| {
        replace_line(&t, "title = \"Typo on the form\"", "title = \"Typo fixed\"")
    });
    s.teammate(
        "BUG-001",
        json!({"title": "Typo fixed", "assignees": ["bob"]}),
    );
    // STORY-001: the title locally, the status on GitHub.
    s.edit(file_of("STORY-001"), |t| {
        replace_line(&t, "title = \"Welcome mail\"", "title = \"Welcome e-mail\"")
    });
    s.teammate(
        "STORY-001",
        json!({"labels": ["PM:Status:InProgress", "PM:Type:Story"]}),
    );
    let t1_file = s.read(file_of("TASK-001"));
    let b2_file = s.read(file_of("BUG-002"));
    let (t1_issue, b2_issue) = (s.issue("TASK-001"), s.issue("BUG-002"));
    s.emu.reset_log();
    let out = s.sync(&["--json"]);
    assert_exit(&out, 1, "same fields changed on both sides");
    let report = parse_json(&out);
    let failed: BTreeMap<String, String> = failures(&report).into_iter().collect();
    assert_eq!(
        failed.keys().cloned().collect::<Vec<_>>(),
        ["demo/BUG-002", "demo/TASK-001"],
        "{failed:?}"
    );
    assert!(failed["demo/TASK-001"].contains("`title`"), "{failed:?}");
    assert!(!failed["demo/TASK-001"].contains("`tags`"), "{failed:?}");
    assert!(failed["demo/BUG-002"].contains("`status`"), "{failed:?}");
    assert!(
        failed["demo/BUG-002"].contains("uncommitted edits"),
        "{failed:?}"
    );
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    // Nothing written for those two, on either side.
    assert_eq!(s.read(file_of("TASK-001")), t1_file);
    assert_eq!(s.read(file_of("BUG-002")), b2_file);
    assert_eq!(s.issue("TASK-001"), t1_issue);
    assert_eq!(s.issue("BUG-002"), b2_issue);
    // The rest merged into the working tree.
    let t2 = front(&s.read(file_of("TASK-002")));
    assert_eq!(list_of(&t2, "tags"), ["localtag", "ghtag"]);
    let b1 = front(&s.read(file_of("BUG-001")));
    assert_eq!(str_of(&b1, "title"), "Typo fixed");
    assert_eq!(str_of(&b1, "assigned_to"), "bob");
    let story = front(&s.read(file_of("STORY-001")));
    assert_eq!(str_of(&story, "title"), "Welcome e-mail");
    assert_eq!(str_of(&story, "status"), "🔵 In Progress");

    // The next sync finds the same and changes nothing.
    let tree = s.tree();
    let out = s.sync(&["--json"]);
    assert_exit(&out, 1, "still both changed");
    assert_eq!(failures(&parse_json(&out)).len(), 2);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    assert_tree_eq(&tree, &s.tree(), "still both changed");

    // Committed, they are ordinary conflicts: GitHub's edits are the later ones; the tag
    // lists merge element by element.
    s.repo.commit_all("my edits");
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    assert_eq!(
        conflicts(&report),
        conflict_list(&[
            ("demo/BUG-002", "status", "github"),
            ("demo/TASK-001", "title", "github")
        ])
    );
    let t1 = front(&s.read(file_of("TASK-001")));
    assert_eq!(str_of(&t1, "title"), "Validate e-mail addresses");
    assert_eq!(list_of(&t1, "tags"), ["backend", "localtag", "ghtag"]);
    let t1_labels = label_set(&s.issue("TASK-001"));
    assert!(
        t1_labels.contains("localtag")
            && t1_labels.contains("ghtag")
            && !t1_labels.contains("auth"),
        "{t1_labels:?}"
    );
    assert_eq!(
        str_of(&front(&s.read(file_of("BUG-002"))), "status"),
        "🔵 In Progress"
    );
    assert_eq!(s.issue("STORY-001")["title"], "Welcome e-mail");
    assert!(label_set(&s.issue("TASK-002")).contains("localtag"));
    assert!(!label_set(&s.issue("TASK-002")).contains("frontend"));
    s.assert_converged("settled after the commit");
}

#[test]
fn a_field_github_changes_again_before_the_commit_is_not_a_conflict() {
    let s = Setup::new("");
    s.teammate(
        "TASK-003",
        json!({"title": "Password rules v2", "labels": ["PM:Status:ToDo", "PM:Type:Task", "a"]}),
    );
    assert_no_failures(&s.sync_ok(&[]));
    // An edit of the user on top of what the sync wrote, then GitHub changes the same
    // fields again.
    s.edit(file_of("TASK-003"), |t| {
        replace_line(&t, "- [ ] step one", "- [x] step one")
    });
    s.teammate(
        "TASK-003",
        json!({"title": "Password rules v3", "labels": ["PM:Status:ToDo", "PM:Type:Task", "b"]}),
    );
    assert_no_failures(&s.sync_ok(&[]));
    let (t3, body) = split(&s.read(file_of("TASK-003")));
    assert_eq!(str_of(&t3, "title"), "Password rules v3");
    assert_eq!(list_of(&t3, "tags"), ["b"]);
    assert!(body.contains("- [x] step one"), "{body}");
    s.assert_converged("changed twice on GitHub");
}

// ---------------------------------------------------------------------------------------
// 5. `--commit`.

#[test]
fn commit_takes_only_the_files_the_sync_changed() {
    let s = Setup::new("");
    let head = s.repo.git(&["rev-parse", "HEAD"]);
    // Work in progress the sync must not commit: an edit of a file GitHub also changes, an
    // edit of a file it doesn't, an untracked file.
    s.edit(file_of("TASK-003"), |t| {
        replace_line(&t, "- [ ] step one", "- [ ] step one, started")
    });
    s.edit(file_of("STORY-001"), |t| {
        replace_line(&t, "Second paragraph.", "Second paragraph, draft.")
    });
    s.repo.write("notes.txt", "mine\n");
    s.teammate("TASK-001", json!({"title": "Validate e-mail addresses"}));
    s.teammate(
        "TASK-002",
        json!({"labels": ["PM:Status:InProgress", "PM:Type:Task", "frontend"]}),
    );
    s.teammate("TASK-003", json!({"title": "Password rules (GitHub)"}));
    let report = s.sync_ok(&["--commit"]);
    assert_no_failures(&report);

    // One new commit, with exactly the two clean files.
    assert_eq!(
        s.repo
            .git(&["rev-list", "--count", &format!("{head}..HEAD")]),
        "1"
    );
    let new_head = s.repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(report["committed"], new_head.as_str());
    let t1 = format!("{P}/{}", file_of("TASK-001"));
    let t2 = format!("{P}/{}", file_of("TASK-002"));
    let files = s.repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(
        files.lines().collect::<Vec<_>>(),
        [t1.as_str(), t2.as_str()]
    );
    let message = s.repo.git(&["log", "-1", "--format=%B"]);
    assert_eq!(
        message,
        format!("Sync from GitHub: 2 artifacts\n\n- {t1}\n- {t2}")
    );
    // Everything else is as the user left it, plus GitHub's title in TASK-003.
    let t3 = format!("{P}/{}", file_of("TASK-003"));
    let story = format!("{P}/{}", file_of("STORY-001"));
    assert_eq!(
        status_lines(&s),
        set(&[&format!("M {t3}"), &format!("M {story}"), "?? notes.txt"])
    );
    let (t3_front, t3_body) = split(&s.read(file_of("TASK-003")));
    assert_eq!(str_of(&t3_front, "title"), "Password rules (GitHub)");
    assert!(t3_body.contains("- [ ] step one, started"));
    assert_eq!(s.repo.read("notes.txt"), "mine\n");
    assert_eq!(
        str_of(
            &front(&s.repo.git(&["show", &format!("HEAD:{t1}")])),
            "title"
        ),
        "Validate e-mail addresses"
    );
    s.assert_converged("committed");

    // Without --commit, GitHub's changes stay in the working tree.
    s.teammate("BUG-001", json!({"title": "Typo (GitHub)"}));
    let report = s.sync_ok(&[]);
    assert_eq!(report["committed"], Value::Null);
    assert_eq!(s.repo.git(&["rev-parse", "HEAD"]), new_head);
    let bug = format!("{P}/{}", file_of("BUG-001"));
    assert!(
        status_lines(&s).contains(&format!("M {bug}")),
        "{}",
        s.porcelain()
    );
    s.assert_converged("left in the working tree");
}

// ---------------------------------------------------------------------------------------
// 6. `--fetch-only` and `diff --incoming`.

#[test]
fn fetch_only_writes_nothing_and_diff_incoming_shows_it_offline() {
    let s = Setup::new("\n[github_integration.mapping]\ncreate_artifacts_from_github = true\n");
    s.teammate("TASK-001", json!({"title": "Validate e-mail addresses"}));
    s.teammate(
        "TASK-002",
        json!({"state": "closed", "state_reason": "not_planned"}),
    );
    let milestone = s.milestone("User onboarding")["number"]
        .as_u64()
        .expect("number");
    s.emu.edit_milestone(
        OWNER,
        REPO,
        milestone,
        json!({"due_on": "2025-03-31T07:00:00Z"}),
    );
    let dark = file_issue(&s, "Dark mode", "Please.", &["ui"]);
    let (t1, t2) = (s.number("TASK-001"), s.number("TASK-002"));

    let github = (
        s.issues(),
        s.emu.milestones(OWNER, REPO),
        s.emu.labels(OWNER, REPO),
    );
    let tree = s.tree();
    let head = s.repo.git(&["rev-parse", "HEAD"]);
    for round in ["first", "second"] {
        s.emu.reset_log();
        let report = s.sync_ok(&["--fetch-only"]);
        assert_eq!(s.emu.write_count(), 0, "{round}: {:#?}", s.emu.requests());
        assert!(s.emu.read_count() > 0);
        assert_tree_eq(&tree, &s.tree(), round);
        assert_eq!(s.porcelain(), "", "{round}");
        assert_eq!(s.repo.git(&["rev-parse", "HEAD"]), head);
        assert_eq!(report["written"], json!([]));
        assert_eq!(
            report["incoming"]["items"].as_array().map(Vec::len),
            Some(3)
        );
    }
    assert_eq!(
        (
            s.issues(),
            s.emu.milestones(OWNER, REPO),
            s.emu.labels(OWNER, REPO)
        ),
        github,
        "GitHub is as it was"
    );

    // GitHub goes away; what was fetched is still there to look at. (Every test runs in one
    // process, so another test's emulator may take the freed port: whatever answers there
    // must not know a token only this emulator had.)
    let Setup { repo, emu } = s;
    let addr = emu.addr();
    const ONLY_HERE: &str = "ghp_OnlyTheFetchOnlyEmulatorKnowsThis";
    emu.add_token(ONLY_HERE, "ada", &["repo"]);
    drop(emu);
    if let Ok(mut stream) = std::net::TcpStream::connect(addr) {
        use std::io::{Read, Write};
        let request = format!(
            "GET /user HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {ONLY_HERE}\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.write_all(request.as_bytes());
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(
            !answer.starts_with("HTTP/1.1 200"),
            "the emulator is gone: {answer}"
        );
    }

    let doc = repo.im_json(&["diff", "--incoming", "--json"]);
    let fetched_at = doc["fetched_at"].as_str().expect("fetched_at").to_string();
    assert!(
        fetched_at.parse::<jiff::Timestamp>().is_ok(),
        "{fetched_at}"
    );
    let change =
        |field: &str, old: &str, new: &str| json!({"field": field, "old": old, "new": new});
    assert_eq!(
        doc,
        json!({
            "fetched_at": fetched_at,
            "items": [
                {
                    "key": "demo/EPIC-001",
                    "target": "milestone",
                    "number": milestone,
                    "title": "User onboarding",
                    "changes": [change("due_on", "2025-06-30", "2025-03-31")],
                },
                {
                    "key": "demo/TASK-001",
                    "target": "issue",
                    "number": t1,
                    "title": "Validate e-mail addresses",
                    "changes": [change("title", "Validate e-mail", "Validate e-mail addresses")],
                },
                {
                    "key": "demo/TASK-002",
                    "target": "issue",
                    "number": t2,
                    "title": "Submit button",
                    "changes": [change("state", "open", "closed (not_planned)")],
                },
            ],
            "unlinked": [{"project": "demo", "number": dark, "title": "Dark mode"}],
            "trackers": ["github"],
        })
    );
    let one = repo.im_json(&["diff", "--incoming", "--json", "task-001"]);
    assert_eq!(one["items"].as_array().map(Vec::len), Some(1), "{one:#}");
    assert_eq!(one["items"][0]["key"], "demo/TASK-001");

    let text = repo.im_ok(&["diff", "--incoming"]);
    for line in [
        format!("modified TASK-001 Validate e-mail addresses  (#{t1})"),
        "    title: Validate e-mail → Validate e-mail addresses".to_string(),
        format!("modified TASK-002 Submit button  (#{t2})"),
        "    state: open → closed (not_planned)".to_string(),
        "    due_on: 2025-06-30 → 2025-03-31".to_string(),
        format!("added    #{dark} Dark mode  (no artifact)"),
        format!("3 changed on GitHub, 1 issue without an artifact (fetched {fetched_at})"),
    ] {
        assert!(text.lines().any(|l| l == line), "`{line}` in:\n{text}");
    }
    let status = repo.im_json(&["status", "--json"]);
    assert_eq!(status["projects"][0]["incoming"], 3, "{status:#}");
    assert!(repo.im_ok(&["status"]).contains("3 changed on GitHub"));
}

// ---------------------------------------------------------------------------------------
// 7. Hostile content from GitHub.

const OPT_IN: &str = "\n[github_integration.mapping]\ncreate_artifacts_from_github = true\n";

/// Every file outside `.ruru/projects/`.
fn outside_the_plan(tree: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    tree.iter()
        .filter(|(k, _)| !k.starts_with(".ruru/projects/"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `TYPE-NNN_slug.md` with a lowercase ASCII slug.
fn is_safe_file_name(name: &str) -> bool {
    let Some((id, rest)) = name.split_once('_') else {
        return false;
    };
    let Some(slug) = rest.strip_suffix(".md") else {
        return false;
    };
    let id_ok = id.split_once('-').is_some_and(|(kind, n)| {
        !kind.is_empty()
            && kind.chars().all(|c| c.is_ascii_uppercase())
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
    });
    id_ok
        && !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// About 100 KB of Markdown full of things a TOML or frontmatter writer could trip on.
fn long_hostile_text() -> String {
    let mut text = String::from("+++\nid = \"EVIL-1\"\ntitle = \"injected\"\n+++\n\n\"\"\"\n");
    let mut n = 0;
    while text.len() < 100 * 1024 {
        n += 1;
        text.push_str(&format!(
            "line {n}: \"quotes\", 'single', \\backslash\\, \\\"escaped\\\", ''' and \"\"\" \u{7f}\n"
        ));
    }
    text.push_str("+++\n");
    text
}

#[test]
fn hostile_github_content_makes_safe_files_and_nothing_outside_the_plan() {
    let s = Setup::new(OPT_IN);
    let before = s.tree();
    let t1_keys: Vec<String> = front(&s.read(file_of("TASK-001")))
        .keys()
        .cloned()
        .collect();
    let long = long_hostile_text();
    let titles = [
        "../../../../../etc/passwd",
        "..\\..\\Windows\\System32\\drivers",
        "Quote \" backslash \\ and a\nsecond line",
        "\u{1}\u{7}\u{1b}[31mred\u{1b}[0m \u{0} nul",
        "+++\nid = \"EVIL-2\"\n+++",
        "\"\"\" triple ''' quotes \"\"\"",
        "/absolute/path/.git/config",
        "\u{7}\u{8}\u{1b}",
    ];
    let bodies = [
        long.as_str(),
        "+++\nid = \"EVIL-3\"\n+++\nbody",
        "C:\\path\\to\\file \\u0041 \\n",
        "windows\r\nline ends\r\n",
        "",
        "\"\"\"\nmulti\n\"\"\"",
        "IntelliManage-ID is not at the start of this line",
        "\u{1b}]0;title\u{7}",
    ];
    let new: Vec<u64> = titles
        .iter()
        .zip(bodies)
        .map(|(t, b)| file_issue(&s, t, b, &["../label", "+++"]))
        .collect();
    // Edits of linked issues.
    s.teammate(
        "TASK-001",
        json!({
            "title": "Evil \"title\" \\ with +++ and \"\"\" and\ta tab",
            "body": format!("{long}\nIntelliManage-ID: TASK-001"),
        }),
    );
    s.teammate(
        "TASK-002",
        json!({"title": "line one\nline two\r\n+++", "labels": ["tag\nwith newline", "+++"]}),
    );
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    let after = s.tree();

    // Nothing outside the plan; in the plan, only task files.
    assert_tree_eq(
        &outside_the_plan(&before),
        &outside_the_plan(&after),
        "outside the plan",
    );
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let changed: Vec<&String> = before
        .keys()
        .filter(|k| after.get(*k) != before.get(*k))
        .collect();
    assert_eq!(added.len(), titles.len(), "{added:?}");
    for path in added.iter().chain(&changed) {
        let name = path
            .strip_prefix(&format!("{P}/tasks/"))
            .unwrap_or_else(|| panic!("{path} is not a task file"));
        assert!(is_safe_file_name(name), "{path}");
    }
    assert_eq!(
        changed,
        [
            &format!("{P}/{}", file_of("TASK-001")),
            &format!("{P}/{}", file_of("TASK-002")),
        ]
    );
    assert_eq!(validation_errors(&s), Vec::<Value>::new());

    // Each new file holds exactly the expected keys, the issue's title and body as they are.
    for (number, title) in new.iter().zip(titles) {
        let issue = s.emu.issue(OWNER, REPO, *number).expect("issue");
        let id = marker(&issue["body"]).unwrap_or_else(|| panic!("#{number} is marked: {issue:#}"));
        let path = added
            .iter()
            .find(|p| p.contains(&format!("/{id}_")))
            .unwrap_or_else(|| panic!("a file for {id}"));
        let text = String::from_utf8(after[*path].clone()).expect("UTF-8");
        let (fm, body) = split(&text);
        let keys: Vec<&str> = fm.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id",
                "title",
                "status",
                "type",
                "created_date",
                "updated_date",
                "project_name",
                "assigned_to",
                "tags",
                "related_issues"
            ],
            "{path}"
        );
        assert_eq!(str_of(&fm, "id"), id);
        let trimmed = title.trim();
        let expected_title = if trimmed.is_empty() {
            "Untitled issue"
        } else {
            trimmed
        };
        assert_eq!(str_of(&fm, "title"), expected_title, "{path}");
        assert_eq!(list_of(&fm, "tags"), ["+++", "../label"], "{path}");
        assert_eq!(
            list_of(&fm, "related_issues"),
            [format!("acme/demo#{number}")]
        );
        let sent = issue_text(&issue).replace("\r\n", "\n");
        if sent.is_empty() {
            assert_eq!(body, "", "{path}");
        } else {
            assert_eq!(body, format!("\n{sent}\n"), "{path}");
        }
    }

    // The edited files keep their keys; the values round-trip exactly.
    let (t1, t1_body) = split(&s.read(file_of("TASK-001")));
    assert_eq!(t1.keys().cloned().collect::<Vec<_>>(), t1_keys);
    assert_eq!(
        str_of(&t1, "title"),
        "Evil \"title\" \\ with +++ and \"\"\" and\ta tab"
    );
    assert_eq!(t1_body, format!("\n{}\n", long.trim_end()));
    let t2 = front(&s.read(file_of("TASK-002")));
    assert_eq!(str_of(&t2, "title"), "line one\nline two\r\n+++");
    assert_eq!(list_of(&t2, "tags"), ["+++", "tag\nwith newline"]);
    s.assert_converged("hostile content");
}

/// GitHub's issue list as JSON text, with `SURROGATE` spelled as a lone UTF-16 surrogate.
fn issues_with_lone_surrogates(s: &Setup) -> String {
    serde_json::to_string(&s.issues())
        .expect("JSON")
        .replace("SURROGATE", "\\ud800")
}

#[test]
fn lone_surrogates_in_githubs_json_are_read_as_replacement_characters() {
    let s = Setup::new(OPT_IN);
    let before = s.tree();
    s.teammate(
        "BUG-002",
        json!({
            "title": "Crash SURROGATE on submit",
            "body": "Broken: SURROGATE\n\nIntelliManage-ID: BUG-002",
        }),
    );
    let n = file_issue(&s, "Lone SURROGATE surrogate", "Body SURROGATE text", &[]);
    // The emulator keeps Rust strings; the answer to the issue list is spelled by hand.
    s.emu.inject(
        Fault::status(200)
            .on("GET", &format!("/repos/{OWNER}/{REPO}/issues"))
            .with_body(issues_with_lone_surrogates(&s)),
    );
    let report = s.sync_ok(&[]);
    assert_no_failures(&report);
    assert_eq!(s.emu.pending_faults(), 0, "the list was read");
    let bug = split(&s.read(file_of("BUG-002")));
    assert_eq!(str_of(&bug.0, "title"), "Crash \u{fffd} on submit");
    assert_eq!(bug.1, "\nBroken: \u{fffd}\n");
    let new = s.read("tasks/TASK-004_lone-surrogate.md");
    let (fm, body) = split(&new);
    assert_eq!(str_of(&fm, "title"), "Lone \u{fffd} surrogate");
    assert_eq!(body, "\nBody \u{fffd} text\n");
    assert_eq!(
        s.emu.issue(OWNER, REPO, n).expect("issue")["body"],
        "Body \u{fffd} text\n\nIntelliManage-ID: TASK-004"
    );
    assert_eq!(validation_errors(&s), Vec::<Value>::new());
    assert_tree_eq(
        &outside_the_plan(&before),
        &outside_the_plan(&s.tree()),
        "outside the plan",
    );
    // GitHub keeps answering the same way: nothing more to do.
    let tree = s.tree();
    s.emu.inject(
        Fault::status(200)
            .on("GET", &format!("/repos/{OWNER}/{REPO}/issues"))
            .with_body(issues_with_lone_surrogates(&s)),
    );
    s.emu.reset_log();
    let report = s.sync_ok(&[]);
    assert_eq!(s.emu.pending_faults(), 0);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    assert_eq!(report["written"], json!([]));
    assert_tree_eq(&tree, &s.tree(), "lone surrogates, again");
}

// ---------------------------------------------------------------------------------------
// Push-only runs.

#[test]
fn a_push_only_run_keeps_github_changes_for_the_next_two_way_sync() {
    let s = Setup::new("");
    // A teammate retitles TASK-002 on GitHub; the plan retitles TASK-001.
    s.teammate("TASK-002", json!({"title": "Submit button, now bigger"}));
    s.edit_commit("tasks/TASK-001_validate-email.md", |t| {
        replace_line(
            &t,
            "title = \"Validate e-mail\"",
            "title = \"Validate the e-mail address\"",
        )
    });
    let report = s.sync_ok(&["--push-only"]);
    assert_no_failures(&report);
    assert_eq!(s.issue("TASK-001")["title"], "Validate the e-mail address");
    assert_eq!(
        s.issue("TASK-002")["title"],
        "Submit button, now bigger",
        "left alone on GitHub"
    );
    assert!(
        s.read("tasks/TASK-002_button.md")
            .contains("title = \"Submit button\"\n"),
        "a push-only run doesn't touch the plan"
    );
    // Nothing was lost: the next two-way sync brings the teammate's title in.
    let report = s.sync_ok(&["--commit"]);
    assert_no_failures(&report);
    let text = s.read("tasks/TASK-002_button.md");
    assert!(
        text.contains("title = \"Submit button, now bigger\"\n"),
        "{text}"
    );
    assert_eq!(s.issue("TASK-001")["title"], "Validate the e-mail address");
    s.assert_converged("after push-only then two-way");
}

#[test]
fn a_second_assignee_added_on_github_is_kept_on_both_sides() {
    let s = Setup::new("");
    s.teammate("TASK-001", json!({"assignees": ["ada", "bob"]}));
    let report = s.sync_ok(&["--commit"]);
    assert_no_failures(&report);
    let text = s.read("tasks/TASK-001_validate-email.md");
    assert!(
        text.contains("assigned_to = [\"ada\", \"bob\"]\n"),
        "both assignees in the plan:\n{text}"
    );
    assert_eq!(
        logins(&s.issue("TASK-001")),
        ["ada", "bob"],
        "nobody unassigned on GitHub"
    );
    s.assert_converged("second assignee");
    // Back to one: the plan's list shrinks on GitHub too.
    s.edit_commit("tasks/TASK-001_validate-email.md", |t| {
        t.replace("assigned_to = [\"ada\", \"bob\"]", "assigned_to = \"bob\"")
    });
    assert_no_failures(&s.sync_ok(&[]));
    assert_eq!(logins(&s.issue("TASK-001")), ["bob"]);
    s.assert_converged("back to one assignee");
}

#[test]
fn manual_flag_on_a_milestone_tags_the_epic_and_stays_listed_until_settled() {
    let s = Setup::new("\n[github_integration.mapping]\nconflict_resolution = \"manual_flag\"\n");
    let n = s.milestone("User onboarding")["number"]
        .as_u64()
        .expect("milestone number");
    s.emu
        .edit_milestone(OWNER, REPO, n, json!({"title": "Onboarding (GitHub)"}));
    s.edit_commit(EPIC_FILE, |t| {
        replace_line(
            &t,
            "title = \"User onboarding\"",
            "title = \"Onboarding (plan)\"",
        )
    });
    let report = s.sync_ok(&["--commit"]);
    assert_eq!(
        report["projects"][0]["conflicts"][0]["key"],
        "demo/EPIC-001"
    );
    assert_eq!(report["projects"][0]["conflicts"][0]["winner"], "flagged");
    // Nothing overwritten on either side; the Epic carries the conflict tag.
    assert_eq!(
        s.emu.milestone(OWNER, REPO, n).expect("milestone")["title"],
        "Onboarding (GitHub)"
    );
    let text = s.read(EPIC_FILE);
    assert!(text.contains("title = \"Onboarding (plan)\"\n"), "{text}");
    assert!(text.contains("tags = [\"conflict\"]\n"), "tagged:\n{text}");
    // Still listed by a later run, until a person settles it and removes the tag.
    s.assert_converged("flagged milestone");
    assert!(s.repo.im_ok(&["status"]).contains("conflicts: EPIC-001"));
    s.edit_commit(EPIC_FILE, |t| {
        replace_line(
            &t,
            "title = \"Onboarding (plan)\"",
            "title = \"Onboarding (GitHub)\"",
        )
        .replace("tags = [\"conflict\"]\n", "")
    });
    assert_no_failures(&s.sync_ok(&[]));
    assert!(!s.repo.im_ok(&["status"]).contains("conflicts:"));
    s.assert_converged("settled milestone");
}
