//! `depends_on` between two synced issues ⇄ GitHub's issue dependencies ("blocked by"),
//! both ways through the three-way merge, end to end: the real binary, real git
//! repositories, the GitHub emulator (which answers `issue_dependencies_summary` on every
//! issue and moves the blocked issue's `updated_at` when its dependencies change).
//!
//! What is checked: the plan's dependencies are set on GitHub with the blocking issues'
//! database ids, after every issue exists; GitHub's additions and removals come into the
//! files; both sides' changes merge; a sync after that writes nothing and reads no
//! dependency list; a no-op sync costs what it did before dependencies were synced (the
//! labels, milestones and issues lists); a record written before (no dependencies in it)
//! loses and duplicates nothing.

use std::collections::BTreeSet;
use std::process::Output;

use crate::support::*;
use github_emulator::{Emulator, RequestRecord};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_Dependenc1esT0ken7Qx";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
const T0: &str = "2025-05-01T10:00:00Z";
const T1: &str = "2025-05-10T10:00:00Z";

/// (file, id, extra frontmatter)
const TASKS: [(&str, &str, &str); 3] = [
    ("tasks/TASK-001_schema.md", "TASK-001", ""),
    ("tasks/TASK-002_api.md", "TASK-002", ""),
    ("tasks/TASK-003_ui.md", "TASK-003", ""),
];

struct Setup {
    repo: TestRepo,
    emu: Emulator,
}

impl Setup {
    /// Project `demo`: an Epic and three Tasks; `deps` gives some of them `depends_on`.
    /// Committed, not synced; the emulator's clock stands at [`T0`].
    fn unsynced(deps: &[(&str, &str)]) -> Setup {
        let emu = Emulator::start();
        emu.add_token(TOKEN, "ada", &["repo"]);
        emu.add_repo(OWNER, REPO);
        emu.set_time(T0);
        emu.freeze_time();
        let repo = TestRepo::new();
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config("demo", ""),
        );
        repo.write(
            &format!("{P}/epics/EPIC-001_launch.md"),
            &artifact("EPIC-001", EPIC, "Launch", "🟡 To Do", "", "The launch.\n"),
        );
        for (file, id, _) in TASKS {
            let extra = deps
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, d)| format!("epic_id = \"EPIC-001\"\ndepends_on = {d}\n"))
                .unwrap_or_else(|| "epic_id = \"EPIC-001\"\n".to_string());
            repo.write(
                &format!("{P}/{file}"),
                &artifact(id, TASK, id, "🟡 To Do", &extra, &format!("\n{id}.\n")),
            );
        }
        repo.commit_all("plan");
        Setup { repo, emu }
    }

    /// [`Setup::unsynced`], synced once; the clock then stands at [`T1`].
    fn synced(deps: &[(&str, &str)]) -> Setup {
        let s = Setup::unsynced(deps);
        s.sync_ok(&[]);
        s.emu.set_time(T1);
        s
    }

    fn sync(&self, args: &[&str]) -> Output {
        let mut all = vec!["sync", "--no-progress"];
        all.extend_from_slice(args);
        self.repo.im_github(&self.emu.url(), TOKEN, &all)
    }

    fn sync_ok(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        clean_sync_report(&self.sync(&all), &format!("sync {args:?}"))
    }

    fn issue(&self, id: &str) -> Value {
        the_issue_of(self.emu.issues(OWNER, REPO), "body", id)
    }

    fn number(&self, id: &str) -> u64 {
        self.issue(id)["number"].as_u64().expect("number")
    }

    fn db_id(&self, id: &str) -> u64 {
        self.issue(id)["id"].as_u64().expect("database id")
    }

    /// What the issue of `id` is blocked by on GitHub, as artifact IDs.
    fn blocked_by(&self, id: &str) -> BTreeSet<String> {
        let by_number: Vec<(u64, String)> = TASKS
            .iter()
            .map(|(_, t, _)| (self.number(t), t.to_string()))
            .collect();
        self.emu
            .blocked_by(OWNER, REPO, self.number(id))
            .into_iter()
            .map(|n| {
                by_number
                    .iter()
                    .find(|(m, _)| *m == n)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_else(|| format!("#{n}"))
            })
            .collect()
    }

    /// A teammate makes `id`'s issue blocked by `blocker`'s on GitHub.
    fn teammate_adds(&self, id: &str, blocker: &str) {
        self.emu
            .add_dependency(OWNER, REPO, self.number(id), self.number(blocker));
    }

    fn teammate_removes(&self, id: &str, blocker: &str) {
        self.emu
            .remove_dependency(OWNER, REPO, self.number(id), self.number(blocker));
    }

    fn file(&self, id: &str) -> String {
        let (file, _, _) = TASKS.iter().find(|t| t.1 == id).expect("task");
        format!("{P}/{file}")
    }

    /// The `depends_on` line of `id`'s file (`None` without one).
    fn depends_line(&self, id: &str) -> Option<String> {
        self.repo
            .read(&self.file(id))
            .lines()
            .find(|l| l.starts_with("depends_on"))
            .map(str::to_string)
    }

    fn set_depends(&self, id: &str, value: &str) {
        let path = self.file(id);
        self.repo.edit(&path, |t| {
            let kept: Vec<&str> = t.lines().filter(|l| !l.starts_with("depends_on")).collect();
            let mut out = kept.join("\n") + "\n";
            out = out.replacen(
                "epic_id = \"EPIC-001\"\n",
                &format!("epic_id = \"EPIC-001\"\ndepends_on = {value}\n"),
                1,
            );
            out
        });
    }

    /// The requests of the last run, as `METHOD path`.
    fn log(&self) -> Vec<String> {
        self.emu
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    fn dependency_requests(&self) -> Vec<RequestRecord> {
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.path.contains("/dependencies"))
            .collect()
    }

    /// One more sync writes nothing, reads no dependency list and changes no file; then a
    /// no-op sync is the three list reads.
    fn assert_converged(&self, what: &str) {
        let status = self.repo.git(&["status", "--porcelain"]);
        self.emu.reset_log();
        self.sync_ok(&[]);
        assert_eq!(self.emu.write_count(), 0, "{what}: {:#?}", self.log());
        assert!(
            self.dependency_requests().is_empty(),
            "{what}: a further sync read dependencies: {:#?}",
            self.log()
        );
        assert_eq!(
            self.repo.git(&["status", "--porcelain"]),
            status,
            "{what}: files moved"
        );
        self.emu.reset_log();
        self.sync_ok(&[]);
        assert_no_op_cost(self, what);
    }
}

/// A no-op sync: the labels, milestones and issues lists, nothing else.
fn assert_no_op_cost(s: &Setup, what: &str) {
    let log = s.log();
    assert_eq!(log.len(), 3, "{what}: a no-op sync: {log:#?}");
    for (line, list) in log.iter().zip(["/labels?", "/milestones?", "/issues?"]) {
        assert!(
            line.starts_with("GET ") && line.contains(list),
            "{what}: {log:#?}"
        );
    }
    assert_eq!(s.emu.write_count(), 0);
}

fn ids(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_plan_s_dependencies_are_set_on_github_by_database_id_once_every_issue_exists() {
    // TASK-001 depends on TASK-003, created after it in the same run.
    let s = Setup::unsynced(&[
        ("TASK-001", "[\"TASK-003\"]"),
        ("TASK-002", "[\"TASK-001\"]"),
        ("TASK-003", "[\"TASK-001\", \"TASK-002\", \"EPIC-001\"]"),
    ]);
    // A dry run lists the dependency writes after every create.
    let dry = s.sync_ok(&["--dry-run"]);
    let ops = dry["projects"][0]["ops"].as_array().expect("ops");
    let kinds: Vec<&str> = ops.iter().map(|o| o["op"].as_str().expect("op")).collect();
    let first_dep = kinds
        .iter()
        .position(|k| *k == "set_dependencies")
        .expect("dependency ops planned");
    assert!(
        kinds[..first_dep]
            .iter()
            .filter(|k| **k == "create_issue")
            .count()
            == 3
            && !kinds[first_dep..].contains(&"create_issue"),
        "{kinds:?}"
    );
    let t3 = ops
        .iter()
        .find(|o| o["op"] == "set_dependencies" && o["key"] == "demo/TASK-003")
        .expect("TASK-003's dependencies");
    assert_eq!(t3["method"], "POST");
    assert_eq!(
        t3["path"],
        "/repos/acme/demo/issues/{new}/dependencies/blocked_by"
    );
    assert_eq!(
        t3["fields"],
        json!(["depends_on+=TASK-001", "depends_on+=TASK-002"]),
        "an Epic is no issue: not sent"
    );

    s.sync_ok(&[]);
    assert_eq!(s.blocked_by("TASK-001"), ids(&["TASK-003"]));
    assert_eq!(s.blocked_by("TASK-002"), ids(&["TASK-001"]));
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-001", "TASK-002"]));
    // The emulator takes database ids only (numbers are refused with 422): each POST went
    // to the blocked issue's path.
    let posts: Vec<String> = s
        .dependency_requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(posts.len(), 4, "{posts:#?}");
    let summary = &s.issue("TASK-003")["issue_dependencies_summary"];
    assert_eq!(summary["total_blocked_by"], 2);
    s.emu.set_time(T1);
    s.assert_converged("after the first sync");

    // Removed in the plan: one DELETE with the blocking issue's database id.
    s.set_depends("TASK-003", "[\"TASK-002\"]");
    s.repo.commit_all("TASK-003 no longer waits for TASK-001");
    s.emu.reset_log();
    s.sync_ok(&[]);
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
            "DELETE /repos/acme/demo/issues/{}/dependencies/blocked_by/{}",
            s.number("TASK-003"),
            s.db_id("TASK-001")
        )]
    );
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-002"]));
    assert_eq!(
        s.blocked_by("TASK-001"),
        ids(&["TASK-003"]),
        "the others stay"
    );
    s.assert_converged("after a removal in the plan");
}

#[test]
fn dependencies_added_and_removed_on_github_come_into_the_files() {
    let s = Setup::synced(&[("TASK-003", "[\"TASK-001\"]")]);
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-001"]));
    s.teammate_adds("TASK-002", "TASK-001");
    s.teammate_adds("TASK-003", "TASK-002");
    s.teammate_removes("TASK-003", "TASK-001");
    s.emu.reset_log();
    let report = s.sync_ok(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.log());
    // Read: the two issues GitHub says are blocked and that changed; not TASK-001.
    let reads: Vec<String> = s
        .dependency_requests()
        .iter()
        .map(|r| r.path.split('?').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        reads,
        [
            format!(
                "/repos/acme/demo/issues/{}/dependencies/blocked_by",
                s.number("TASK-002")
            ),
            format!(
                "/repos/acme/demo/issues/{}/dependencies/blocked_by",
                s.number("TASK-003")
            ),
        ]
    );
    assert_eq!(
        s.depends_line("TASK-002").as_deref(),
        Some("depends_on = [\"TASK-001\"]")
    );
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-002\"]"),
        "the removed one went, the added one came"
    );
    let edits: Vec<&Value> = report["projects"][0]["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter(|o| o["op"] == "edit_artifact")
        .collect();
    assert_eq!(edits.len(), 2, "{report:#}");
    assert!(edits.iter().all(|e| e["fields"] == json!(["depends_on"])));
    s.assert_converged("pulled, not committed");
    s.repo.commit_all("take GitHub's dependencies");
    s.assert_converged("pulled and committed");
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-002"]));
}

#[test]
fn both_sides_changes_merge_as_a_set() {
    let s = Setup::synced(&[("TASK-003", "[\"TASK-001\"]")]);
    // The plan adds TASK-002; GitHub drops TASK-001.
    s.set_depends("TASK-003", "[\"TASK-001\", \"TASK-002\"]");
    s.repo.commit_all("TASK-003 waits for the API too");
    s.teammate_removes("TASK-003", "TASK-001");
    s.sync_ok(&[]);
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-002"]));
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-002\"]")
    );
    s.repo.commit_all("merged");
    s.assert_converged("both sides merged");
}

#[test]
fn a_dependency_on_an_issue_outside_the_plan_is_left_alone() {
    let s = Setup::synced(&[]);
    let outside = s
        .emu
        .create_issue(OWNER, REPO, json!({"title": "Someone else's"}));
    let outside = outside["number"].as_u64().expect("number");
    s.emu
        .add_dependency(OWNER, REPO, s.number("TASK-002"), outside);
    s.sync_ok(&[]);
    assert_eq!(
        s.depends_line("TASK-002"),
        None,
        "nothing to say in the plan"
    );
    assert_eq!(
        s.emu.blocked_by(OWNER, REPO, s.number("TASK-002")),
        [outside],
        "not removed either"
    );
    s.assert_converged("an outside dependency");
}

#[test]
fn a_change_made_within_the_second_of_the_last_sync_is_still_read() {
    // The clock stands still: the teammate's change carries the very `updated_at` the
    // sync recorded; the count of blocking issues tells it apart.
    let s = Setup::unsynced(&[("TASK-003", "[\"TASK-001\"]")]);
    s.sync_ok(&[]);
    let before = s.issue("TASK-003")["updated_at"].clone();
    s.teammate_adds("TASK-003", "TASK-002");
    assert_eq!(s.issue("TASK-003")["updated_at"], before, "the same second");
    s.sync_ok(&[]);
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-001\", \"TASK-002\"]")
    );
    s.repo.commit_all("take it");
    s.emu.set_time(T1);
    s.assert_converged("a change within the second");
}

/// The record's `links.json` rewritten as a release before dependencies were synced wrote
/// it: no `depends_on` in any link, no `dependencies`.
fn strip_record(repo: &TestRepo) {
    let text = repo.git(&["show", "refs/intellimanage/sync:links.json"]);
    let mut links: Value = serde_json::from_str(&text).expect("links.json");
    let top = links.as_object_mut().expect("object");
    top.remove("dependencies");
    top.remove("blocked_by_totals");
    for link in links["items"].as_object_mut().expect("items").values_mut() {
        for side in ["local", "remote", "committed"] {
            if let Some(f) = link.get_mut(side).and_then(Value::as_object_mut) {
                f.remove("depends_on");
            }
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let json_path = dir.path().join("links.json");
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&links).expect("JSON"),
    )
    .expect("write");
    let blob = repo.git(&["hash-object", "-w", json_path.to_str().expect("path")]);
    let index = dir.path().join("index");
    let git = |args: &[&str]| {
        let out = repo
            .command("git")
            .env("GIT_INDEX_FILE", &index)
            .args(args)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["read-tree", "refs/intellimanage/sync"]);
    git(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{},links.json", blob.trim()),
    ]);
    let tree = git(&["write-tree"]);
    let commit = git(&[
        "commit-tree",
        &tree,
        "-p",
        "refs/intellimanage/sync",
        "-m",
        "a record of the previous release",
    ]);
    git(&["update-ref", "refs/intellimanage/sync", &commit]);
    let again = repo.git(&["show", "refs/intellimanage/sync:links.json"]);
    assert!(!again.contains("depends_on"), "{again}");
}

#[test]
fn a_record_written_before_dependencies_were_synced_loses_and_duplicates_nothing() {
    // Synced by a release that ignored dependencies: the plan's TASK-002 → TASK-001 never
    // went to GitHub, and a teammate made TASK-003 blocked by TASK-001 there.
    let s = Setup::synced(&[]);
    s.set_depends("TASK-002", "[\"TASK-001\"]");
    s.repo.commit_all("TASK-002 waits for the schema");
    strip_record(&s.repo);
    s.teammate_adds("TASK-003", "TASK-001");
    s.emu.reset_log();
    s.sync_ok(&[]);
    // Every issue read once (the full list), the one blocked issue's dependencies read.
    let log = s.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("GET /repos/acme/demo/issues?") && !l.contains("since=")),
        "{log:#?}"
    );
    assert_eq!(
        s.dependency_requests()
            .iter()
            .filter(|r| r.method == "GET")
            .count(),
        1,
        "{log:#?}"
    );
    // Nothing lost: the plan's goes to GitHub, GitHub's comes into the plan.
    assert_eq!(s.blocked_by("TASK-002"), ids(&["TASK-001"]));
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-001"]));
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-001\"]")
    );
    assert_eq!(
        s.depends_line("TASK-002").as_deref(),
        Some("depends_on = [\"TASK-001\"]")
    );
    // Nothing twice: one POST.
    let posts = s
        .dependency_requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1, "{log:#?}");
    s.repo.commit_all("take GitHub's");
    let links = s.repo.git(&["show", "refs/intellimanage/sync:links.json"]);
    let links: Value = serde_json::from_str(&links).expect("links");
    assert_eq!(links["dependencies"], json!(["acme/demo"]));
    assert_eq!(
        links["items"]["demo/TASK-003"]["remote"]["depends_on"],
        json!(["TASK-001"])
    );
    s.assert_converged("after the upgrade");
}

#[test]
fn fetch_only_lists_a_dependency_added_on_github() {
    let s = Setup::synced(&[]);
    s.teammate_adds("TASK-003", "TASK-001");
    s.emu.reset_log();
    let report = s.sync_ok(&["--fetch-only"]);
    assert_eq!(s.emu.write_count(), 0);
    let items = report["incoming"]["items"].as_array().expect("items");
    let task = items
        .iter()
        .find(|i| i["key"] == "demo/TASK-003")
        .expect("TASK-003 is listed");
    assert_eq!(
        task["changes"],
        json!([{"field": "depends_on", "old": "", "new": "TASK-001"}]),
        "{task:#}"
    );
    assert_eq!(s.depends_line("TASK-003"), None, "nothing written");
}
