//! Regression tests for sync defects, one test per defect, named after it. The real binary,
//! real git repositories and the GitHub emulator on 127.0.0.1 (see `tests/it/sync_both_ways.rs`
//! for the full two-way scenarios).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

use crate::support::*;
use github_emulator::{Emulator, RequestRecord};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_RegressT0ken4Vb8NwQ1";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
/// The emulator's (frozen) clock during the first sync.
const T0: &str = "2025-05-01T10:00:00Z";
/// The clock while teammates edit on GitHub: a later day than every `updated_date` of the
/// plan, so that GitHub's edits are the newer ones.
const T1: &str = "2025-05-10T10:00:00Z";
const OPT_IN: &str = "create_artifacts_from_github = true\n";

/// A repository and the emulated GitHub it syncs with.
struct Setup {
    repo: TestRepo,
    emu: Emulator,
}

impl Setup {
    /// Project `demo` with `mapping` under `[github_integration.mapping]` and the given files
    /// (path under the project, text), committed and synced once at [`T0`]; the clock then
    /// stands at [`T1`].
    fn synced(mapping: &str, files: &[(&str, String)]) -> Setup {
        let emu = Emulator::start();
        emu.add_token(TOKEN, "ada", &["repo"]);
        emu.add_user("bob");
        emu.add_repo(OWNER, REPO);
        emu.set_time(T0);
        let repo = TestRepo::new();
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config(
                "demo",
                &format!("\n[github_integration.mapping]\n{mapping}"),
            ),
        );
        for (rel, text) in files {
            repo.write(&format!("{P}/{rel}"), text);
        }
        repo.commit_all("plan");
        let s = Setup { repo, emu };
        let report = s.sync_ok();
        assert_no_failures(&report);
        assert_eq!(s.porcelain(), "", "the first sync leaves the tree clean");
        s.emu.set_time(T1);
        s
    }

    fn sync(&self) -> Output {
        self.repo
            .im_github(&self.emu.url(), TOKEN, &["sync", "--no-progress", "--json"])
    }

    /// One sync, from a clean request log: asserts exit 0, returns the report and the
    /// requests it made.
    fn sync_logged(&self) -> (Value, Vec<RequestRecord>) {
        self.emu.reset_log();
        let out = self.sync();
        assert_exit(&out, 0, "sync");
        (parse_json(&out), self.emu.requests())
    }

    fn sync_ok(&self) -> Value {
        self.sync_logged().0
    }

    fn issues(&self) -> Vec<Value> {
        self.emu.issues(OWNER, REPO)
    }

    fn issue(&self, number: u64) -> Value {
        self.emu.issue(OWNER, REPO, number).expect("issue")
    }

    /// The number of the one issue whose body ends with `IntelliManage-ID: <id>`.
    fn number(&self, id: &str) -> u64 {
        let found: Vec<u64> = self
            .issues()
            .iter()
            .filter(|i| marker(&i["body"]).as_deref() == Some(id))
            .filter_map(|i| i["number"].as_u64())
            .collect();
        assert_eq!(found.len(), 1, "issues for {id}: {found:?}");
        found[0]
    }

    fn label_names(&self) -> BTreeSet<String> {
        self.emu
            .labels(OWNER, REPO)
            .iter()
            .map(|l| l["name"].as_str().expect("label name").to_string())
            .collect()
    }

    fn read(&self, rel: &str) -> String {
        self.repo.read(&format!("{P}/{rel}"))
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

    /// One more sync writes nothing on GitHub, changes nothing in the working tree and
    /// reports nothing written.
    fn assert_quiet(&self, what: &str) {
        let tree = self.tree();
        let status = self.porcelain();
        let (report, requests) = self.sync_logged();
        assert_no_failures(&report);
        let writes = writes(&requests);
        assert!(
            writes.is_empty(),
            "{what}: the sync wrote to GitHub: {writes:#?}\n{report:#}"
        );
        assert_eq!(report["written"], json!([]), "{what}: {report:#}");
        assert_eq!(self.tree(), tree, "{what}: the working tree changed");
        assert_eq!(self.porcelain(), status, "{what}: git status moved");
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        let rel = path
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .into_owned();
        if rel == ".git" {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            out.insert(rel, std::fs::read(&path).expect("read file"));
        }
    }
}

fn writes(requests: &[RequestRecord]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn assert_no_failures(report: &Value) {
    for p in report["projects"].as_array().expect("projects") {
        assert_eq!(p["failures"], json!([]), "{report:#}");
        assert_eq!(p["conflicts"], json!([]), "{report:#}");
    }
}

/// The names of the labels a run's report says it created.
fn created_labels(report: &Value) -> BTreeSet<String> {
    report["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .flat_map(|p| p["ops"].as_array().expect("ops").iter())
        .filter(|op| op["op"] == "create_label")
        .map(|op| op["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Every label created since the log was reset (`POST …/labels`) is on some issue.
fn assert_created_labels_used(s: &Setup, requests: &[RequestRecord], report: &Value, what: &str) {
    let posts = requests
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/labels"))
        .count();
    let created = created_labels(report);
    assert_eq!(posts, created.len(), "{what}: {created:?}\n{report:#}");
    let on_issues: BTreeSet<String> = s.issues().iter().flat_map(label_set).collect();
    let unused: Vec<&String> = created.iter().filter(|l| !on_issues.contains(*l)).collect();
    assert!(
        unused.is_empty(),
        "{what}: labels created that no issue carries: {unused:?}\n{report:#}"
    );
}

/// The Markdown body of an artifact file (after the closing `+++` line).
fn body_of(text: &str) -> &str {
    let rest = text.strip_prefix("+++").expect("starts with +++");
    let end = rest.find("\n+++").expect("a closing +++ line");
    let after = &rest[end + 4..];
    after
        .strip_prefix("\r\n")
        .or_else(|| after.strip_prefix('\n'))
        .unwrap_or(after)
}

fn front(text: &str) -> toml::Table {
    let lf = text.replace("\r\n", "\n");
    let rest = lf.strip_prefix("+++\n").expect("starts with +++");
    let end = rest.find("\n+++\n").expect("a closing +++ line");
    rest[..end].parse().expect("frontmatter parses")
}

// ---------------------------------------------------------------------------------------
// Defect: an artifact made from a plain GitHub issue never got its status and type labels
// on GitHub. The run that made it recorded its fields (with the labels they imply) as the
// plan's merge base and GitHub's (without them) as GitHub's, so every later sync saw both
// sides unchanged; the sync after the commit created `PM:Status:ToDo` for it and then
// never sent it.

#[test]
fn an_artifact_made_from_a_plain_issue_gets_its_labels_and_no_label_is_created_unused() {
    // One Task, In Progress: `PM:Type:Task` exists on GitHub, `PM:Status:ToDo` does not.
    let s = Setup::synced(
        OPT_IN,
        &[(
            "tasks/TASK-001_first.md",
            artifact(
                "TASK-001",
                TASK,
                "First",
                "🔵 In Progress",
                "",
                "\nThe first task.\n",
            ),
        )],
    );
    assert_eq!(
        s.label_names(),
        set(&["PM:Status:InProgress", "PM:Type:Task"])
    );
    let plain = s.emu.create_issue(
        OWNER,
        REPO,
        json!({"title": "A plain new issue", "body": "Found while testing."}),
    );
    let n = plain["number"].as_u64().expect("number");
    assert_eq!(label_set(&plain), set(&[]));

    // The sync makes the artifact, marks the issue, and gives it the labels the artifact
    // implies.
    let (report, requests) = s.sync_logged();
    assert_no_failures(&report);
    let file = "tasks/TASK-002_a-plain-new-issue.md";
    let text = s.read(file);
    let f = front(&text);
    assert_eq!(f["status"].as_str(), Some("🟡 To Do"), "{text}");
    assert_eq!(f["type"].as_str(), Some(TASK), "{text}");
    let issue = s.issue(n);
    assert_eq!(marker(&issue["body"]).as_deref(), Some("TASK-002"));
    assert_eq!(issue["title"], "A plain new issue");
    assert_eq!(
        label_set(&issue),
        set(&["PM:Status:ToDo", "PM:Type:Task"]),
        "{report:#}"
    );
    assert_created_labels_used(&s, &requests, &report, "the sync that made the artifact");
    assert_eq!(created_labels(&report), set(&["PM:Status:ToDo"]));
    let issue_writes: Vec<String> = writes(&requests)
        .into_iter()
        .filter(|w| w.contains("/issues"))
        .collect();
    assert_eq!(
        issue_writes,
        [format!("PATCH /repos/{OWNER}/{REPO}/issues/{n}")],
        "one PATCH: the marker and the labels"
    );
    assert_eq!(
        s.porcelain(),
        format!("?? {P}/{file}"),
        "the new file is left for review"
    );

    // Not committed yet: nothing to do.
    s.assert_quiet("created, not committed");

    // Committed: the plan says what GitHub has already; nothing is created that goes unused.
    s.repo.commit_all("take the new artifact");
    let (report, requests) = s.sync_logged();
    assert_no_failures(&report);
    assert_created_labels_used(&s, &requests, &report, "the sync after the commit");
    assert_eq!(
        writes(&requests),
        Vec::<String>::new(),
        "nothing left to send: {report:#}"
    );
    assert_eq!(
        label_set(&s.issue(n)),
        set(&["PM:Status:ToDo", "PM:Type:Task"])
    );
    s.assert_quiet("created and committed");
    s.assert_quiet("created and committed, once more");

    // From now on it syncs like any artifact: a status changed in the plan swaps the label.
    s.repo.edit(&format!("{P}/{file}"), |t| {
        t.replace("status = \"🟡 To Do\"", "status = \"🟣 Review\"")
    });
    s.repo.commit_all("review");
    let (report, requests) = s.sync_logged();
    assert_no_failures(&report);
    assert_created_labels_used(&s, &requests, &report, "after a status change");
    assert_eq!(
        label_set(&s.issue(n)),
        set(&["PM:Status:Review", "PM:Type:Task"])
    );
    s.assert_quiet("after a status change");
}

/// A label the plan wants but no issue is sent with (GitHub's value won the conflict) is
/// not created: it would be a write that nothing uses.
#[test]
fn a_label_no_issue_is_sent_with_is_not_created() {
    let s = Setup::synced(
        "conflict_resolution = \"prefer_github\"\n",
        &[(
            "tasks/TASK-001_first.md",
            artifact("TASK-001", TASK, "First", "🔵 In Progress", "", "\nText.\n"),
        )],
    );
    let n = s.number("TASK-001");
    // Both sides change the status; GitHub's wins.
    s.emu.create_label(
        OWNER,
        REPO,
        json!({"name": "PM:Status:Review", "color": "1d76db"}),
    );
    s.emu.edit_issue(
        OWNER,
        REPO,
        n,
        json!({"labels": ["PM:Status:Review", "PM:Type:Task"]}),
    );
    s.repo.edit(&format!("{P}/tasks/TASK-001_first.md"), |t| {
        t.replace("status = \"🔵 In Progress\"", "status = \"🟡 To Do\"")
    });
    s.repo.commit_all("to do");
    let (report, requests) = s.sync_logged();
    assert_eq!(
        report["projects"][0]["conflicts"][0]["winner"], "github",
        "{report:#}"
    );
    assert_created_labels_used(&s, &requests, &report, "GitHub's status won");
    assert!(
        !s.label_names().contains("PM:Status:ToDo"),
        "{:?}",
        s.label_names()
    );
    assert_eq!(
        label_set(&s.issue(n)),
        set(&["PM:Status:Review", "PM:Type:Task"])
    );
    assert_eq!(
        front(&s.read("tasks/TASK-001_first.md"))["status"].as_str(),
        Some("🟣 Review")
    );
}

// ---------------------------------------------------------------------------------------
// Defect: GitHub's web editor stores bodies with CRLF line ends. The files keep their own
// line ends (LF, or CRLF for a file that has them), and a body that differs only in its
// line ends is no change on either side: no PATCH, no rewrite, no conflict, however often
// the sync runs.

#[test]
fn crlf_issue_bodies_from_github_are_no_change_and_land_with_the_files_line_ends() {
    let body = |what: &str| format!("\n{what}: first line.\n\nSecond line.\n\n- [ ] a step\n");
    let crlf_file = artifact(
        "TASK-003",
        TASK,
        "Third",
        "🟡 To Do",
        "",
        "\nThird: first line.\n\nSecond line.\n",
    )
    .replace('\n', "\r\n");
    let s = Setup::synced(
        &format!("{OPT_IN}conflict_resolution = \"manual_flag\"\n"),
        &[
            (
                "tasks/TASK-001_first.md",
                artifact("TASK-001", TASK, "First", "🟡 To Do", "", &body("First")),
            ),
            (
                "tasks/TASK-002_second.md",
                artifact("TASK-002", TASK, "Second", "🟡 To Do", "", &body("Second")),
            ),
            ("tasks/TASK-003_third.md", crlf_file.clone()),
            (
                "epics/EPIC-001_onboarding.md",
                artifact(
                    "EPIC-001",
                    EPIC,
                    "Onboarding",
                    "🔵 In Progress",
                    "",
                    "\n# Onboarding\n\nGet users in.\n",
                ),
            ),
            (
                "tasks/TASK-004_fourth.md",
                artifact("TASK-004", TASK, "Fourth", "🟡 To Do", "", &body("Fourth")),
            ),
        ],
    );
    let crlf = |text: &str| text.replace("\r\n", "\n").replace('\n', "\r\n");
    let (n1, n2, n3, n4) = (
        s.number("TASK-001"),
        s.number("TASK-002"),
        s.number("TASK-003"),
        s.number("TASK-004"),
    );
    let on_github = |n: u64| s.issue(n)["body"].as_str().expect("body").to_string();
    let milestone = s
        .emu
        .milestones(OWNER, REPO)
        .iter()
        .find(|m| m["title"] == "Onboarding")
        .and_then(|m| m["number"].as_u64())
        .expect("the Epic's milestone");
    let description = || {
        s.emu.milestone(OWNER, REPO, milestone).expect("milestone")["description"]
            .as_str()
            .expect("description")
            .to_string()
    };
    // TASK-001: edited in GitHub's web editor, which saves CRLF.
    let edited = crlf(&on_github(n1).replace(
        "Second line.",
        "Second line, edited on GitHub.\n\nAnd a third.",
    ));
    assert!(edited.contains("\r\n") && edited.contains("IntelliManage-ID: TASK-001"));
    s.emu.edit_issue(OWNER, REPO, n1, json!({"body": edited}));
    assert!(on_github(n1).contains("\r\n"), "GitHub keeps CRLF");
    // TASK-002: opened in the web editor and saved as it was: only the line ends change.
    s.emu
        .edit_issue(OWNER, REPO, n2, json!({"body": crlf(&on_github(n2))}));
    // TASK-003 (a CRLF file): edited on GitHub, CRLF.
    let edited3 = crlf(&on_github(n3).replace("Second line.", "Second line, edited."));
    s.emu.edit_issue(OWNER, REPO, n3, json!({"body": edited3}));
    // TASK-004: re-saved with CRLF on GitHub while the plan edits the body (a conflict only
    // if the line ends counted as an edit).
    s.emu
        .edit_issue(OWNER, REPO, n4, json!({"body": crlf(&on_github(n4))}));
    s.repo.edit(&format!("{P}/tasks/TASK-004_fourth.md"), |t| {
        t.replace("- [ ] a step", "- [x] a step")
    });
    s.repo.commit_all("step done");
    // The Epic's milestone description, edited on GitHub, CRLF.
    let edited_description = crlf(&description().replace("Get users in.", "Get users in, fast."));
    s.emu.edit_milestone(
        OWNER,
        REPO,
        milestone,
        json!({"description": edited_description}),
    );
    assert!(description().contains("\r\n"), "GitHub keeps CRLF");
    // A new issue filed with CRLF.
    let new = s.emu.create_issue(
        OWNER,
        REPO,
        json!({"title": "Filed on the web", "body": "Line one.\r\n\r\nLine two.\r\n"}),
    );
    let n5 = new["number"].as_u64().expect("number");
    let second_before = s.read("tasks/TASK-002_second.md");

    let (report, requests) = s.sync_logged();
    assert_no_failures(&report);
    let patched: BTreeSet<u64> = requests
        .iter()
        .filter(|r| r.method == "PATCH")
        .filter_map(|r| r.path.rsplit('/').next()?.parse().ok())
        .collect();
    assert_eq!(
        patched,
        BTreeSet::from([n4, n5]),
        "only the plan's edit and the new issue's marker go to GitHub: {report:#}"
    );
    // The edit from GitHub, with LF line ends.
    let first = s.read("tasks/TASK-001_first.md");
    assert!(!first.contains('\r'), "{first:?}");
    assert_eq!(
        body_of(&first),
        "\nFirst: first line.\n\nSecond line, edited on GitHub.\n\nAnd a third.\n\n- [ ] a step\n"
    );
    // Only the line ends changed on GitHub: the file is left alone.
    assert_eq!(s.read("tasks/TASK-002_second.md"), second_before);
    // The CRLF file keeps CRLF, every line.
    let third = s.read("tasks/TASK-003_third.md");
    assert_eq!(
        third,
        crlf_file
            .replace("Second line.", "Second line, edited.")
            .replace(
                "updated_date = \"2025-04-02\"",
                &format!("updated_date = \"{}\"", today())
            )
    );
    assert_eq!(third.matches('\n').count(), third.matches("\r\n").count());
    // The plan's edit went to GitHub, with LF line ends.
    assert_eq!(
        on_github(n4),
        "Fourth: first line.\n\nSecond line.\n\n- [x] a step\n\nIntelliManage-ID: TASK-004"
    );
    // The new issue's file: LF.
    let fifth = s.read("tasks/TASK-005_filed-on-the-web.md");
    assert!(!fifth.contains('\r'), "{fifth:?}");
    assert_eq!(body_of(&fifth), "\nLine one.\n\nLine two.\n");
    assert_eq!(marker(&s.issue(n5)["body"]).as_deref(), Some("TASK-005"));
    // The Epic: LF, GitHub's text.
    let epic = s.read("epics/EPIC-001_onboarding.md");
    assert!(!epic.contains('\r'), "{epic:?}");
    assert_eq!(body_of(&epic), "\n# Onboarding\n\nGet users in, fast.\n");
    assert!(
        requests
            .iter()
            .all(|r| !(r.is_write() && r.path.contains("/milestones"))),
        "the milestone is left as GitHub has it"
    );

    // Uncommitted, then committed: nothing churns, neither on GitHub nor in the files.
    s.assert_quiet("pulled, not committed");
    s.assert_quiet("pulled, not committed, once more");
    s.repo.commit_all("take GitHub's changes");
    s.assert_quiet("committed");
    s.assert_quiet("committed, once more");

    // GitHub re-saves every body with CRLF once more (nothing else changes): no change.
    for n in [n1, n2, n3, n4, n5] {
        s.emu
            .edit_issue(OWNER, REPO, n, json!({"body": crlf(&on_github(n))}));
    }
    s.emu.edit_milestone(
        OWNER,
        REPO,
        milestone,
        json!({"description": crlf(&description())}),
    );
    s.assert_quiet("every body re-saved with CRLF");
    s.assert_quiet("every body re-saved with CRLF, once more");
    // And the plan's LF files still are what GitHub has, line ends aside.
    assert_eq!(
        on_github(n1),
        crlf(
            "First: first line.\n\nSecond line, edited on GitHub.\n\nAnd a third.\n\n- [ ] a step\n\nIntelliManage-ID: TASK-001"
        )
    );
}

/// Today in UTC, as the product dates its edits.
fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// Found with the pre-push sync (which only pushes): the same field changed and pushed
/// twice before a two-way sync was a conflict with our own first push, and GitHub's value
/// (that first push) won, so the second change never reached GitHub.
#[test]
fn a_field_pushed_twice_before_a_two_way_sync_reaches_github_both_times() {
    let s = Setup::synced(
        "",
        &[(
            "tasks/TASK-1_x.md",
            artifact("TASK-1", TASK, "First title", "🟡 To Do", "", "Body.\n"),
        )],
    );
    let number = s.number("TASK-1");
    let path = format!("{P}/tasks/TASK-1_x.md");
    // Meanwhile, someone adds a label on GitHub: a push-only run must leave it for later.
    s.emu.edit_issue(
        OWNER,
        REPO,
        number,
        json!({"labels": ["PM:Status:ToDo", "PM:Type:Task", "from-github"]}),
    );
    for title in ["Second title", "Third title"] {
        s.repo.edit(&path, |t| {
            t.replace("First title", title)
                .replace("Second title", title)
        });
        s.repo.commit_all(title);
        let out = s.repo.im_github(
            &s.emu.url(),
            TOKEN,
            &["sync", "--push-only", "--no-progress", "--json"],
        );
        assert_exit(&out, 0, title);
        let report = parse_json(&out);
        assert_eq!(
            report["projects"][0]["conflicts"],
            json!([]),
            "{title}: no conflict with our own earlier push"
        );
        assert_eq!(s.issue(number)["title"], title, "{title} reached GitHub");
    }
    // The two-way sync then brings GitHub's own change in, and puts nothing back.
    let report = s.sync_ok();
    assert_no_failures(&report);
    assert_eq!(s.issue(number)["title"], "Third title");
    assert!(
        s.read("tasks/TASK-1_x.md")
            .contains("title = \"Third title\"")
    );
    let tags = front(&s.read("tasks/TASK-1_x.md"))["tags"].clone();
    assert_eq!(
        tags,
        toml::Value::Array(vec!["from-github".into()]),
        "GitHub's label came in"
    );
    s.repo.commit_all("take GitHub's change");
    s.assert_quiet("after the two-way sync");
}

/// Every configuration error of a sync used to end with the same hint ("set enable_sync =
/// true, repo_owner and repo_name …"), even for an unknown `--project`.
#[test]
fn each_sync_configuration_error_gets_the_hint_of_its_own_cause() {
    let repo = demo();
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo(OWNER, REPO);
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--project", "nope"]);
    assert_exit(&out, 3, "an unknown project");
    let err = stderr(&out);
    assert!(
        err.contains("error: no project `nope` under .ruru/projects"),
        "{err}"
    );
    assert!(err.contains("hint: the projects here: demo"), "{err}");
    assert!(!err.contains("enable_sync"), "{err}");

    repo.write(
        &format!("{P}/project_config.toml"),
        "project_name = \"demo\"\nproject_slug = \"demo\"\n\n[github_integration]\nenable_sync = true\n",
    );
    repo.commit_all("no repository");
    let out = repo.im_github(&emu.url(), TOKEN, &["sync"]);
    assert_exit(&out, 4, "sync enabled without a repository");
    let err = stderr(&out);
    assert!(
        err.contains(".ruru/projects/demo/project_config.toml: enable_sync is true but no repository is configured"),
        "{err}"
    );
    assert!(
        err.contains("hint: set repo_owner and repo_name (or github_repo = \"owner/name\") under [github_integration] in .ruru/projects/demo/project_config.toml"),
        "{err}"
    );
    assert_eq!(err.matches("error:").count(), 1, "one error: {err}");
}
