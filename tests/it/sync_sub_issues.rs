//! `sync_sub_issues = true`: a Task whose Feature (or Epic) is itself synced as an issue
//! becomes that issue's sub-issue on GitHub. End to end: the real binary, real git
//! repositories, the GitHub emulator's sub-issues endpoints (`parent_issue_url` on every
//! issue, `POST …/issues/{parent}/sub_issues`).
//!
//! What is checked: the first sync sets each parent once every issue exists; a Task moved
//! to another Feature in the plan moves its issue (one `POST`, `replace_parent`); a parent
//! changed on GitHub is left there and changes nothing in the plan; a lost answer is not a
//! failure; off by default (no sub-issue request); after each, a sync writes nothing and a
//! no-op is the three list reads.

use std::process::Output;

use crate::support::*;
use github_emulator::{Emulator, Fault};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_SubIssuesT0kenForSync4";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
const T0: &str = "2025-05-01T10:00:00Z";
const T1: &str = "2025-05-10T10:00:00Z";
const MAPPING: &str = "[github_integration.mapping]\nissue_types = [\"🌟 Feature\", \"🛠️ Task\"]\nsync_sub_issues = true\n";

struct Setup {
    repo: TestRepo,
    emu: Emulator,
}

impl Setup {
    /// An Epic (a milestone), two Features (issues), three Tasks: TASK-001 and TASK-002
    /// under FEAT-001, TASK-003 under FEAT-002. Committed, not synced.
    fn unsynced(config: &str) -> Setup {
        let emu = Emulator::start();
        emu.add_token(TOKEN, "ada", &["repo"]);
        emu.add_repo(OWNER, REPO);
        emu.set_time(T0);
        emu.freeze_time();
        let repo = TestRepo::new();
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config("demo", config),
        );
        repo.write(
            &format!("{P}/epics/EPIC-001_launch.md"),
            &artifact("EPIC-001", EPIC, "Launch", "🟡 To Do", "", "The launch.\n"),
        );
        for (id, title) in [("FEAT-001", "Sign-up"), ("FEAT-002", "Billing")] {
            repo.write(
                &format!("{P}/features/{id}_f.md"),
                &artifact(
                    id,
                    FEATURE,
                    title,
                    "🟡 To Do",
                    "epic_id = \"EPIC-001\"\n",
                    "A feature.\n",
                ),
            );
        }
        for (id, feature) in [
            ("TASK-001", "FEAT-001"),
            ("TASK-002", "FEAT-001"),
            ("TASK-003", "FEAT-002"),
        ] {
            repo.write(
                &format!("{P}/tasks/{id}_t.md"),
                &artifact(
                    id,
                    TASK,
                    id,
                    "🟡 To Do",
                    &format!("feature_id = \"{feature}\"\n"),
                    &format!("{id}.\n"),
                ),
            );
        }
        repo.commit_all("plan");
        Setup { repo, emu }
    }

    fn synced() -> Setup {
        let s = Setup::unsynced(MAPPING);
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

    fn number(&self, id: &str) -> u64 {
        the_issue_of(self.emu.issues(OWNER, REPO), "body", id)["number"]
            .as_u64()
            .expect("number")
    }

    fn parent(&self, id: &str) -> Option<u64> {
        self.emu.parent_of(OWNER, REPO, self.number(id))
    }

    fn sub_issue_requests(&self) -> Vec<String> {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.path.contains("sub_issue"))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    fn assert_converged(&self, what: &str) {
        let status = self.repo.git(&["status", "--porcelain"]);
        self.emu.reset_log();
        self.sync_ok(&[]);
        assert_eq!(
            self.emu.write_count(),
            0,
            "{what}: {:#?}",
            self.emu.requests()
        );
        assert_eq!(self.repo.git(&["status", "--porcelain"]), status, "{what}");
        self.emu.reset_log();
        self.sync_ok(&[]);
        assert_eq!(self.emu.write_count(), 0, "{what}");
        assert_eq!(
            self.emu.read_count(),
            3,
            "{what}: {:#?}",
            self.emu.requests()
        );
    }
}

#[test]
fn each_task_becomes_a_sub_issue_of_its_features_issue() {
    let s = Setup::synced();
    assert_eq!(s.parent("TASK-001"), Some(s.number("FEAT-001")));
    assert_eq!(s.parent("TASK-002"), Some(s.number("FEAT-001")));
    assert_eq!(s.parent("TASK-003"), Some(s.number("FEAT-002")));
    // The Features' parent would be the Epic, which is a milestone, not an issue.
    assert_eq!(s.parent("FEAT-001"), None);
    s.assert_converged("after the first sync");
}

#[test]
fn a_task_moved_to_another_feature_moves_its_issue_with_one_request() {
    let s = Setup::synced();
    s.repo.edit(&format!("{P}/tasks/TASK-002_t.md"), |t| {
        t.replace("feature_id = \"FEAT-001\"", "feature_id = \"FEAT-002\"")
    });
    s.repo.commit_all("TASK-002 belongs to billing");
    s.emu.reset_log();
    let report = s.sync_ok(&[]);
    assert_eq!(s.parent("TASK-002"), Some(s.number("FEAT-002")));
    assert_eq!(
        s.sub_issue_requests(),
        [format!(
            "POST /repos/{OWNER}/{REPO}/issues/{}/sub_issues",
            s.number("FEAT-002")
        )]
    );
    let op = report["projects"][0]["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .find(|o| o["op"] == "set_parent")
        .cloned()
        .expect("a set_parent op");
    assert_eq!(op["fields"], json!(["parent=FEAT-002"]), "{op:#}");
    s.assert_converged("after a move in the plan");
}

#[test]
fn a_parent_changed_on_github_is_left_there() {
    let s = Setup::synced();
    s.emu.set_parent(
        OWNER,
        REPO,
        s.number("TASK-001"),
        Some(s.number("FEAT-002")),
    );
    let before = s.repo.read(&format!("{P}/tasks/TASK-001_t.md"));
    s.emu.reset_log();
    s.sync_ok(&[]);
    assert_eq!(s.emu.write_count(), 0, "{:#?}", s.emu.requests());
    assert_eq!(s.parent("TASK-001"), Some(s.number("FEAT-002")));
    assert_eq!(s.repo.read(&format!("{P}/tasks/TASK-001_t.md")), before);
    s.assert_converged("after a parent changed on GitHub");
}

#[test]
fn a_lost_answer_to_setting_a_parent_is_not_a_failure() {
    let s = Setup::unsynced(MAPPING);
    // The only POSTs under an issue in this plan are the sub-issue ones.
    s.emu.inject(
        Fault::write_then_drop()
            .on("POST", &format!("/repos/{OWNER}/{REPO}/issues/"))
            .times(1),
    );
    s.sync_ok(&[]);
    assert_eq!(s.emu.pending_faults(), 0, "the fault was met");
    assert_eq!(s.parent("TASK-001"), Some(s.number("FEAT-001")));
    s.emu.set_time(T1);
    s.assert_converged("after a lost answer");
}

#[test]
fn sub_issues_are_off_by_default() {
    let s = Setup::unsynced(
        "[github_integration.mapping]\nissue_types = [\"🌟 Feature\", \"🛠️ Task\"]\n",
    );
    s.sync_ok(&[]);
    assert!(
        s.sub_issue_requests().is_empty(),
        "{:#?}",
        s.sub_issue_requests()
    );
    assert_eq!(s.parent("TASK-001"), None);
}
