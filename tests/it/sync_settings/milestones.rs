//! Deleting an Epic: its milestone deleted (`delete_milestones = true`) or closed.

use github_emulator::Fault;

use crate::support::*;
use crate::sync_settings::*;

// ---------------------------------------------------------------------------------------
// delete_milestones.

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
