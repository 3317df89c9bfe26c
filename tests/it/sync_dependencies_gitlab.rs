//! `depends_on` between two synced issues ⇄ GitLab's issue links (`is_blocked_by`), both
//! ways through the three-way merge, end to end: the real binary, real git repositories,
//! the GitLab emulator (whose issue lists say nothing of links, and where a link made or
//! removed writes a note on both issues, which moves both `updated_at`).
//!
//! What is checked: the plan's dependencies become `is_blocked_by` links after every
//! issue exists, and go away by the link's id; links made or removed on GitLab come into
//! the files, whichever end they were made from; both sides' changes merge; a sync after
//! that writes nothing and reads no links; a no-op sync costs what it did before
//! dependencies were synced on GitLab (the labels, milestones and issues lists); a record
//! written before loses and duplicates nothing; a link already there is no failure.
//! GitLab Free (no blocking links) is in the conformance suite and below.

use std::collections::BTreeSet;
use std::process::Output;

use crate::support::*;
use gitlab_emulator::{Emulator, Fault, Options, RequestRecord};
use serde_json::{Value, json};

const TOKEN: &str = "glpat-Dependenc1esT0ken7Qx";
const PROJECT: &str = "acme/demo";
const ENCODED: &str = "acme%2Fdemo";
const P: &str = ".ruru/projects/demo";
const T0: &str = "2025-05-01T10:00:00Z";
const T1: &str = "2025-05-10T10:00:00Z";
const T2: &str = "2025-05-11T10:00:00Z";
const T3: &str = "2025-05-12T10:00:00Z";
const T4: &str = "2025-05-13T10:00:00Z";

const TASKS: [(&str, &str); 3] = [
    ("tasks/TASK-001_schema.md", "TASK-001"),
    ("tasks/TASK-002_api.md", "TASK-002"),
    ("tasks/TASK-003_ui.md", "TASK-003"),
];

struct Setup {
    repo: TestRepo,
    emu: Emulator,
}

impl Setup {
    /// Project `demo` on GitLab: an Epic and three Tasks; `deps` gives some of them
    /// `depends_on`. Committed, not synced; the emulator's clock stands at [`T0`].
    fn unsynced_with(options: Options, deps: &[(&str, &str)]) -> Setup {
        let emu = Emulator::start_with(options);
        emu.add_user("ada");
        emu.add_token(TOKEN, "ada", &["api"]);
        emu.add_project(PROJECT);
        emu.add_member(PROJECT, "ada");
        emu.set_time(T0);
        let repo = TestRepo::new();
        repo.write(
            &format!("{P}/project_config.toml"),
            &format!(
                "project_name = \"demo\"\nproject_slug = \"demo\"\n\n[github_integration]\nenable_sync = true\nplatform = \"gitlab\"\ngitlab_project = \"{PROJECT}\"\n"
            ),
        );
        repo.write(
            &format!("{P}/epics/EPIC-001_launch.md"),
            &artifact("EPIC-001", EPIC, "Launch", "🟡 To Do", "", "The launch.\n"),
        );
        for (file, id) in TASKS {
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

    fn unsynced(deps: &[(&str, &str)]) -> Setup {
        Setup::unsynced_with(Options::default(), deps)
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
        let api = self.emu.api_url();
        self.repo.im_env(
            &all,
            &[
                ("GITLAB_API_URL", api.as_str()),
                ("GITLAB_TOKEN", TOKEN),
                ("INTELLIMANAGE_NO_KEYRING", "1"),
            ],
        )
    }

    fn sync_ok(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        clean_sync_report(&self.sync(&all), &format!("sync {args:?}"))
    }

    fn issue(&self, id: &str) -> Value {
        the_issue_of(self.emu.issues(PROJECT), "description", id)
    }

    fn number(&self, id: &str) -> u64 {
        self.issue(id)["iid"].as_u64().expect("iid")
    }

    /// What the issue of `id` is blocked by on GitLab, as artifact IDs.
    fn blocked_by(&self, id: &str) -> BTreeSet<String> {
        let by_number: Vec<(u64, String)> = TASKS
            .iter()
            .map(|(_, t)| (self.number(t), t.to_string()))
            .collect();
        self.emu
            .blocked_by(PROJECT, self.number(id))
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

    /// A teammate links `from`'s issue to `to`'s on GitLab (`link_type` as seen from `from`).
    fn teammate_links(&self, from: &str, to: &str, link_type: &str) {
        self.emu
            .link_issues(PROJECT, self.number(from), self.number(to), link_type);
    }

    fn teammate_unlinks(&self, from: &str, to: &str) {
        self.emu
            .unlink_issues(PROJECT, self.number(from), self.number(to));
    }

    fn file(&self, id: &str) -> String {
        let (file, _) = TASKS.iter().find(|t| t.1 == id).expect("task");
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
            let out = kept.join("\n") + "\n";
            out.replacen(
                "epic_id = \"EPIC-001\"\n",
                &format!("epic_id = \"EPIC-001\"\ndepends_on = {value}\n"),
                1,
            )
        });
    }

    /// The requests of the last run, as `METHOD path`.
    fn log(&self) -> Vec<String> {
        self.emu
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path()))
            .collect()
    }

    fn link_requests(&self) -> Vec<RequestRecord> {
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.path().contains("/links"))
            .collect()
    }

    fn link_reads(&self) -> Vec<String> {
        self.link_requests()
            .iter()
            .filter(|r| r.method == "GET")
            .map(|r| r.path().to_string())
            .collect()
    }

    fn writes(&self) -> Vec<String> {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.is_write())
            .map(|r| format!("{} {}", r.method, r.path()))
            .collect()
    }

    fn links_path(&self, id: &str) -> String {
        format!(
            "/api/v4/projects/{ENCODED}/issues/{}/links",
            self.number(id)
        )
    }

    /// One more sync writes nothing, reads no links and changes no file; then a no-op
    /// sync is the three list reads.
    fn assert_converged(&self, what: &str) {
        let status = self.repo.git(&["status", "--porcelain"]);
        self.emu.reset_log();
        self.sync_ok(&[]);
        assert_eq!(self.emu.write_count(), 0, "{what}: {:#?}", self.log());
        assert!(
            self.link_requests().is_empty(),
            "{what}: a further sync read links: {:#?}",
            self.log()
        );
        assert_eq!(
            self.repo.git(&["status", "--porcelain"]),
            status,
            "{what}: files moved"
        );
        self.emu.reset_log();
        self.sync_ok(&[]);
        let log = self.log();
        assert_eq!(log.len(), 3, "{what}: a no-op sync: {log:#?}");
        for (line, list) in log.iter().zip(["/labels", "/milestones", "/issues"]) {
            assert!(
                line.starts_with("GET ") && line.ends_with(list),
                "{what}: {log:#?}"
            );
        }
    }
}

fn ids(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_plan_s_dependencies_become_is_blocked_by_links_once_every_issue_exists() {
    // TASK-001 depends on TASK-003, created after it in the same run, and TASK-003 on
    // TASK-001: GitLab links two issues once, so one link stands for both.
    let s = Setup::unsynced(&[
        ("TASK-001", "[\"TASK-003\"]"),
        ("TASK-002", "[\"TASK-001\"]"),
        ("TASK-003", "[\"TASK-001\", \"TASK-002\", \"EPIC-001\"]"),
    ]);
    let dry = s.sync_ok(&["--dry-run"]);
    let ops = dry["projects"][0]["ops"].as_array().expect("ops");
    let kinds: Vec<&str> = ops.iter().map(|o| o["op"].as_str().expect("op")).collect();
    let first_dep = kinds
        .iter()
        .position(|k| *k == "set_dependencies")
        .expect("dependency ops planned");
    assert!(
        !kinds[first_dep..].contains(&"create_issue"),
        "every issue first: {kinds:?}"
    );
    let t3 = ops
        .iter()
        .find(|o| o["op"] == "set_dependencies" && o["key"] == "demo/TASK-003")
        .expect("TASK-003's dependencies");
    assert_eq!(t3["method"], "POST");
    assert_eq!(
        t3["path"],
        format!("/projects/{ENCODED}/issues/{{new}}/links")
    );
    assert_eq!(
        t3["fields"],
        json!(["depends_on+=TASK-001", "depends_on+=TASK-002"]),
        "an Epic is no issue: not sent"
    );

    let report = s.sync_ok(&[]);
    assert_eq!(s.blocked_by("TASK-001"), ids(&["TASK-003"]));
    assert_eq!(s.blocked_by("TASK-002"), ids(&["TASK-001"]));
    assert_eq!(
        s.blocked_by("TASK-003"),
        ids(&["TASK-002"]),
        "its link to TASK-001 is TASK-001's"
    );
    let posts: Vec<Option<u16>> = s
        .link_requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.status)
        .collect();
    assert_eq!(
        posts,
        [Some(201), Some(201), Some(409), Some(201)],
        "{:#?}",
        s.log()
    );
    assert_eq!(
        report["projects"][0]["notes"],
        json!([{
            "key": "demo/TASK-003",
            "message": "GitLab links two issues once: where two issues depend on each other, one blocking link stands for both (TASK-003 depends on TASK-001); the plan keeps which one waits for which",
            "incomplete": false
        }])
    );
    // The blocking end sees each link too.
    let from_schema = s.emu.links(PROJECT, s.number("TASK-001"));
    assert!(
        from_schema
            .iter()
            .any(|l| l["iid"] == s.number("TASK-002") && l["link_type"] == "blocks"),
        "{from_schema:#?}"
    );
    s.emu.set_time(T1);
    s.assert_converged("after the first sync");

    // Both ends of the one link change on GitLab: read back, it is both dependencies.
    s.emu.set_time(T2);
    for id in ["TASK-001", "TASK-003"] {
        s.emu.add_note(PROJECT, s.number(id), "any news?");
    }
    s.emu.reset_log();
    s.sync_ok(&[]);
    assert_eq!(s.link_reads().len(), 2, "{:#?}", s.log());
    s.assert_converged("the one link read back");

    // Removed in the plan: one DELETE by the link's id, on the blocked issue. The link's
    // notes move both issues: the record knows that, so nothing is read again after.
    s.emu.set_time(T3);
    s.set_depends("TASK-003", "[\"TASK-001\"]");
    s.repo.commit_all("TASK-003 no longer waits for TASK-002");
    let link_id = s
        .emu
        .links(PROJECT, s.number("TASK-003"))
        .iter()
        .find(|l| l["iid"] == s.number("TASK-002"))
        .and_then(|l| l["issue_link_id"].as_u64())
        .expect("the link");
    s.emu.reset_log();
    s.sync_ok(&[]);
    assert_eq!(
        s.writes(),
        [format!("DELETE {}/{link_id}", s.links_path("TASK-003"))]
    );
    assert_eq!(
        s.blocked_by("TASK-003"),
        Vec::<String>::new().into_iter().collect()
    );
    assert_eq!(
        s.blocked_by("TASK-001"),
        ids(&["TASK-003"]),
        "the others stay"
    );
    assert_eq!(
        s.issue("TASK-002")["updated_at"],
        "2025-05-12T10:00:00.000Z",
        "the other end moved too"
    );
    s.assert_converged("after a removal in the plan");
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-001\"]")
    );

    // TASK-001 no longer waits for TASK-003: the one link goes, and TASK-003, which still
    // waits for TASK-001, gets a link of its own.
    s.emu.set_time(T4);
    s.set_depends("TASK-001", "[]");
    s.repo.commit_all("TASK-001 no longer waits for TASK-003");
    s.emu.reset_log();
    s.sync_ok(&[]);
    assert_eq!(s.blocked_by("TASK-001"), BTreeSet::new());
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-001"]));
    let writes = s.writes();
    assert_eq!(writes.len(), 2, "{writes:#?}");
    assert!(writes[0].starts_with(&format!("DELETE {}/", s.links_path("TASK-001"))));
    assert_eq!(writes[1], format!("POST {}", s.links_path("TASK-003")));
    s.assert_converged("one way left");
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-001\"]")
    );
}

#[test]
fn links_made_and_removed_on_gitlab_come_into_the_files_from_either_end() {
    let s = Setup::synced(&[("TASK-003", "[\"TASK-001\"]")]);
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-001"]));
    // Made from the blocking end (`blocks`), and from the blocked end; one removed.
    s.teammate_links("TASK-001", "TASK-002", "blocks");
    s.teammate_links("TASK-003", "TASK-002", "is_blocked_by");
    s.teammate_unlinks("TASK-001", "TASK-003");
    s.emu.reset_log();
    let report = s.sync_ok(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.log());
    // Read: the three issues the links moved, once each.
    let mut reads = s.link_reads();
    reads.sort();
    let mut wanted: Vec<String> = TASKS.iter().map(|(_, t)| s.links_path(t)).collect();
    wanted.sort();
    assert_eq!(reads, wanted);
    assert_eq!(s.depends_line("TASK-001"), None, "it blocks: no dependency");
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
    s.repo.commit_all("take GitLab's dependencies");
    s.assert_converged("pulled and committed");
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-002"]));
}

#[test]
fn both_sides_changes_merge_as_a_set() {
    let s = Setup::synced(&[("TASK-003", "[\"TASK-001\"]")]);
    // The plan adds TASK-002; GitLab drops TASK-001.
    s.set_depends("TASK-003", "[\"TASK-001\", \"TASK-002\"]");
    s.repo.commit_all("TASK-003 waits for the API too");
    s.teammate_unlinks("TASK-003", "TASK-001");
    s.sync_ok(&[]);
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-002"]));
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-002\"]")
    );
    s.repo.commit_all("merged");
    s.emu.set_time(T2);
    s.assert_converged("both sides merged");
}

#[test]
fn links_to_issues_outside_the_plan_or_the_project_are_left_alone() {
    let s = Setup::synced(&[]);
    let outside = s
        .emu
        .create_issue(PROJECT, json!({"title": "Someone else's"}))["iid"]
        .as_u64()
        .expect("iid");
    s.emu.add_project("acme/other");
    s.emu
        .create_issue("acme/other", json!({"title": "Elsewhere"}));
    let api = s.number("TASK-002");
    s.emu.link_issues(PROJECT, api, outside, "is_blocked_by");
    s.emu.api_as(
        "root",
        "POST",
        &format!("/projects/{ENCODED}/issues/{api}/links"),
        Some(&json!({"target_project_id": "acme/other", "target_issue_iid": 1, "link_type": "is_blocked_by"})),
    );
    // A related link has no direction: not a dependency either way.
    s.teammate_links("TASK-001", "TASK-003", "relates_to");
    s.emu.reset_log();
    s.sync_ok(&[]);
    for (_, id) in TASKS {
        assert_eq!(s.depends_line(id), None, "{id}: nothing to say in the plan");
    }
    assert!(
        !s.link_reads().contains(&format!(
            "/api/v4/projects/{ENCODED}/issues/{outside}/links"
        )),
        "an issue outside the plan: its links don't matter"
    );
    assert_eq!(s.emu.links(PROJECT, api).len(), 2, "not removed either");
    s.emu.set_time(T2);
    s.assert_converged("outside links");
}

#[test]
fn a_link_already_there_is_no_failure_and_a_related_one_is_made_blocking() {
    let s = Setup::synced(&[]);
    // The answer to the first link's POST is lost: the POST sent again finds it there.
    s.emu
        .inject(Fault::write_then_drop().on("POST", &s.links_path("TASK-002")));
    // TASK-003 and TASK-001 are related on GitLab already.
    s.teammate_links("TASK-003", "TASK-001", "relates_to");
    s.set_depends("TASK-002", "[\"TASK-001\"]");
    s.set_depends("TASK-003", "[\"TASK-001\"]");
    s.repo.commit_all("both wait for the schema");
    s.emu.reset_log();
    s.sync_ok(&[]);
    assert_eq!(s.emu.pending_faults(), 0);
    let statuses: Vec<Option<u16>> = s
        .link_requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path() == s.links_path("TASK-002"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(201), Some(409)], "{:#?}", s.log());
    assert_eq!(s.blocked_by("TASK-002"), ids(&["TASK-001"]));
    // The related link gave way to a blocking one.
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-001"]));
    assert_eq!(s.emu.links(PROJECT, s.number("TASK-003")).len(), 1);
    s.emu.set_time(T2);
    s.assert_converged("links already there");
}

/// The record's `links.json` rewritten as a release before GitLab's dependencies were
/// synced wrote it: no `depends_on` in any link, no `dependencies`.
fn strip_record(repo: &TestRepo) {
    let text = repo.git(&["show", "refs/intellimanage/sync:links.json"]);
    let mut links: Value = serde_json::from_str(&text).expect("links.json");
    let top = links.as_object_mut().expect("object");
    top.remove("dependencies");
    top.remove("stand_ins");
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
}

#[test]
fn a_record_written_before_gitlab_dependencies_were_synced_loses_and_duplicates_nothing() {
    // Synced by a release that left GitLab's links alone: the plan's TASK-002 → TASK-001
    // never went, and a teammate made TASK-003 blocked by TASK-001 there.
    let s = Setup::synced(&[]);
    s.set_depends("TASK-002", "[\"TASK-001\"]");
    s.repo.commit_all("TASK-002 waits for the schema");
    strip_record(&s.repo);
    s.teammate_links("TASK-003", "TASK-001", "is_blocked_by");
    s.emu.reset_log();
    s.sync_ok(&[]);
    // Every issue read once (the full list), and each linked issue's links once.
    let log = s.log();
    assert_eq!(
        s.link_reads().len(),
        3,
        "one read per linked issue, once: {log:#?}"
    );
    assert_eq!(s.blocked_by("TASK-002"), ids(&["TASK-001"]));
    assert_eq!(s.blocked_by("TASK-003"), ids(&["TASK-001"]));
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-001\"]")
    );
    let posts = s
        .link_requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1, "nothing twice: {log:#?}");
    s.repo.commit_all("take GitLab's");
    let links = s.repo.git(&["show", "refs/intellimanage/sync:links.json"]);
    let links: Value = serde_json::from_str(&links).expect("links");
    assert_eq!(links["dependencies"], json!([PROJECT]));
    assert_eq!(
        links["items"]["demo/TASK-003"]["remote"]["depends_on"],
        json!(["TASK-001"])
    );
    s.emu.set_time(T2);
    s.assert_converged("after the upgrade");
}

#[test]
fn gitlab_free_is_asked_once_a_run_and_its_related_links_read_back_as_the_plan_s() {
    let s = Setup::unsynced_with(
        Options {
            blocking_links: false,
            ..Options::default()
        },
        &[
            ("TASK-002", "[\"TASK-001\"]"),
            ("TASK-003", "[\"TASK-001\", \"TASK-002\"]"),
        ],
    );
    let report = s.sync_ok(&[]);
    // One blocking link asked for and refused; then related links straight away.
    let posts: Vec<Option<u16>> = s
        .link_requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.status)
        .collect();
    assert_eq!(
        posts,
        [Some(403), Some(201), Some(201), Some(201)],
        "{:#?}",
        s.log()
    );
    let notes = report["projects"][0]["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 1, "said once: {notes:#?}");
    assert!(
        notes[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("GitLab Free has no blocking links")),
        "{notes:#?}"
    );
    assert_eq!(notes[0]["incomplete"], false);
    let links = s.repo.git(&["show", "refs/intellimanage/sync:links.json"]);
    let links: Value = serde_json::from_str(&links).expect("links");
    let (one, two, three) = (
        s.number("TASK-001"),
        s.number("TASK-002"),
        s.number("TASK-003"),
    );
    let mut wanted = serde_json::Map::new();
    wanted.insert(two.to_string(), json!([one]));
    wanted.insert(three.to_string(), json!([one, two]));
    assert_eq!(links["stand_ins"][PROJECT], Value::Object(wanted));
    s.emu.set_time(T1);
    s.assert_converged("related links");

    // Someone edits every issue on GitLab: all links are read again, the plan's related
    // links still say what the plan says, and nothing is sent.
    s.emu.set_time(T2);
    for n in [one, two, three] {
        s.emu.add_note(PROJECT, n, "looked at it");
    }
    s.emu.reset_log();
    s.sync_ok(&[]);
    assert_eq!(s.link_reads().len(), 3, "{:#?}", s.log());
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.log());
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-001\", \"TASK-002\"]")
    );
    s.assert_converged("read back");

    // A related link removed on GitLab: the dependency it stood for goes from the plan.
    s.emu.set_time(T3);
    s.teammate_unlinks("TASK-003", "TASK-002");
    s.sync_ok(&[]);
    assert_eq!(
        s.depends_line("TASK-003").as_deref(),
        Some("depends_on = [\"TASK-001\"]")
    );
    s.repo.commit_all("take it");
    s.assert_converged("a related link removed on GitLab");
}
