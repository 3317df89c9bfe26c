//! The sync record shared through the git remote, and the lock there that every clone
//! respects: real clones of one local bare remote, the real binary, the GitHub emulator.

use std::collections::BTreeMap;
use std::process::{Child, Output};

use crate::support::*;
use github_emulator::Emulator;
use serde_json::Value;

const TOKEN: &str = "ghp_SharedRecordT0ken77";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";

fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo(OWNER, REPO);
    emu
}

/// A bare remote holding the demo plan, and the first clone (which made it).
struct Team {
    remote: tempfile::TempDir,
    first: TestRepo,
}

fn team() -> Team {
    let first = TestRepo::new();
    write_demo_plan(&first);
    first.commit_all("plan");
    let remote = tempfile::tempdir().expect("remote");
    first.git(&[
        "init",
        "-q",
        "--bare",
        "-b",
        "main",
        &remote.path().to_string_lossy(),
    ]);
    first.git(&["remote", "add", "origin", &remote.path().to_string_lossy()]);
    first.git(&["push", "-q", "origin", "main"]);
    Team { remote, first }
}

impl Team {
    /// Another teammate's clone of the remote.
    fn clone(&self) -> TestRepo {
        clone_of(self.remote.path())
    }
}

fn sync(repo: &TestRepo, emu: &Emulator, env: &[(&str, &str)]) -> Output {
    let url = emu.url();
    let mut all: Vec<(&str, &str)> = github_env(&url, TOKEN).to_vec();
    all.extend_from_slice(env);
    repo.im_env(&["sync"], &all)
}

fn links(repo: &TestRepo) -> BTreeMap<String, u64> {
    let text = repo.git(&["show", "refs/intellimanage/sync:links.json"]);
    let doc: Value = serde_json::from_str(&text).expect("links.json");
    doc["items"]
        .as_object()
        .expect("items")
        .iter()
        .map(|(k, v)| (k.clone(), v["number"].as_u64().expect("number")))
        .collect()
}

fn remote_has(team: &Team, name: &str) -> bool {
    team.first
        .command("git")
        .args(["--git-dir", &team.remote.path().to_string_lossy()])
        .args(["rev-parse", "-q", "--verify", name])
        .output()
        .expect("git")
        .status
        .success()
}

/// Issues per `IntelliManage-ID:` marker.
fn issues_per_artifact(emu: &Emulator) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for issue in emu.issues(OWNER, REPO) {
        let id = marker(&issue["body"]).unwrap_or_else(|| format!("#{}", issue["number"]));
        *out.entry(id).or_default() += 1;
    }
    out
}

fn add_task(repo: &TestRepo, id: &str) {
    repo.write(
        &format!("{P}/tasks/{id}_new.md"),
        &artifact(
            id,
            TASK,
            &format!("New work {id}"),
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\n",
            "To do.\n",
        ),
    );
}

#[test]
fn a_fresh_clone_starts_from_the_teams_record() {
    let team = team();
    let emu = emulator();
    assert_exit(&sync(&team.first, &emu, &[]), 0, "first clone's sync");
    assert!(
        remote_has(&team, "refs/intellimanage/sync"),
        "the record was pushed"
    );
    assert!(
        !remote_has(&team, "refs/intellimanage/lock"),
        "the lock was released"
    );

    let other = team.clone();
    let out = other.im_ok(&["fetch"]);
    assert!(
        out.contains("sync record: updated from the remote"),
        "{out}"
    );
    // Offline: the team's last sync is this clone's.
    let status = other.im_ok(&["status"]);
    assert!(status.contains("up to date"), "{status}");
    assert!(!status.contains("no sync recorded"), "{status}");
    // Its first sync writes nothing and searches nothing: three conditional reads.
    emu.reset_log();
    let out = sync(&other, &emu, &[]);
    assert_exit(&out, 0, "the other clone's first sync");
    assert_eq!(emu.write_count(), 0, "{}", stdout(&out));
    let requests = emu.requests();
    assert!(
        requests.len() <= 3,
        "no adoption search: {:?}",
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect::<Vec<_>>()
    );
    assert_eq!(links(&other), links(&team.first));
}

#[test]
fn a_sync_fetches_the_teams_record_by_itself() {
    let team = team();
    let emu = emulator();
    assert_exit(&sync(&team.first, &emu, &[]), 0, "first clone's sync");
    let other = team.clone();
    emu.reset_log();
    // No `fetch` first: the sync takes the remote's lock and brings the record in.
    let out = sync(&other, &emu, &[]);
    assert_exit(&out, 0, "sync");
    assert_eq!(emu.write_count(), 0, "{}", stdout(&out));
    assert_eq!(issues_per_artifact(&emu).len(), 3);
}

#[test]
fn records_written_apart_merge_without_losing_a_link() {
    let team = team();
    let emu = emulator();
    assert_exit(&sync(&team.first, &emu, &[]), 0, "first sync, shared");
    let other = team.clone();
    other.im_ok(&["fetch"]);
    let alone = [("INTELLIMANAGE_REMOTE", "none")];

    // Each clone plans and syncs something of its own, without the remote.
    add_task(&team.first, "TASK-201");
    team.first.commit_all("A's task");
    assert_exit(&sync(&team.first, &emu, &alone), 0, "A alone");
    add_task(&other, "TASK-202");
    other.commit_all("B's task");
    assert_exit(&sync(&other, &emu, &alone), 0, "B alone");

    // Both share again: A pushes, B merges with A's and pushes, A fetches the merge.
    assert_exit(&sync(&team.first, &emu, &[]), 0, "A shares");
    assert_exit(&sync(&other, &emu, &[]), 0, "B merges and shares");
    let out = team.first.im_ok(&["fetch"]);
    assert!(out.contains("updated from the remote"), "{out}");
    for repo in [&team.first, &other] {
        let l = links(repo);
        for key in [
            "demo/TASK-201",
            "demo/TASK-202",
            "demo/TASK-001",
            "demo/EPIC-001",
        ] {
            assert!(l.contains_key(key), "{key} missing in {l:?}");
        }
    }
    assert_eq!(links(&team.first), links(&other));
    let per = issues_per_artifact(&emu);
    assert!(per.values().all(|n| *n == 1), "{per:?}");
}

#[test]
fn the_same_artifact_synced_apart_is_reported_as_a_duplicate() {
    let team = team();
    let emu = emulator();
    assert_exit(&sync(&team.first, &emu, &[]), 0, "first sync, shared");
    let other = team.clone();
    other.im_ok(&["fetch"]);
    let alone = [("INTELLIMANAGE_REMOTE", "none")];
    add_task(&team.first, "TASK-300");
    team.first.commit_all("the same task, in both clones");
    assert_exit(&sync(&team.first, &emu, &alone), 0, "A alone");
    // B can't see A's issue for a moment (its marker line is away, as in a race where
    // both created at the same instant), so B creates its own.
    let a_issue = emu
        .issues(OWNER, REPO)
        .into_iter()
        .find(|i| marker(&i["body"]).as_deref() == Some("TASK-300"))
        .expect("A's issue");
    let number = a_issue["number"].as_u64().expect("number");
    let body = a_issue["body"].as_str().expect("body").to_string();
    emu.edit_issue(
        OWNER,
        REPO,
        number,
        serde_json::json!({"body": "no marker"}),
    );
    add_task(&other, "TASK-300");
    other.commit_all("the same task, in both clones");
    assert_exit(&sync(&other, &emu, &alone), 0, "B alone");
    emu.edit_issue(OWNER, REPO, number, serde_json::json!({"body": body}));
    assert_eq!(issues_per_artifact(&emu)["TASK-300"], 2, "two issues");
    assert_exit(&sync(&team.first, &emu, &[]), 0, "A shares");
    let out = sync(&other, &emu, &[]);
    assert_exit(&out, 0, "B merges");
    assert!(
        stderr(&out).contains("demo/TASK-300 is linked to two issues"),
        "{}",
        stderr(&out)
    );
    let status = other.im_json(&["status", "--json"]);
    let dups = status["duplicates"].as_array().expect("duplicates");
    assert_eq!(dups.len(), 1, "{status:#}");
    assert_eq!(dups[0]["key"], "demo/TASK-300");
    assert!(dups[0]["kept"].as_u64() < dups[0]["other"].as_u64());
    // The link kept is one of the two issues; nothing was dropped silently.
    let kept = links(&other)["demo/TASK-300"];
    assert_eq!(Some(kept), dups[0]["kept"].as_u64());
}

fn spawn_sync(repo: &TestRepo, emu: &Emulator, env: &[(&str, &str)]) -> Child {
    repo.spawn_github(&emu.url(), TOKEN, &["sync"], env)
}

fn pull(repo: &TestRepo) {
    repo.git(&["pull", "-q", "--ff-only", "origin", "main"]);
}

/// What GitHub holds after a race: open issues per marker, and issues a run closed as the
/// duplicate of one another run created at the same moment.
struct Raced {
    /// Issues beyond the first for an artifact, among those carrying its marker.
    duplicates: usize,
    /// Issues closed as `Duplicate of #N` (their marker line taken off).
    closed_duplicates: usize,
}

/// `rounds` rounds of: A plans three new tasks and pushes the plan, B pulls it, both sync at
/// the same moment.
fn two_clones_race(rounds: usize, env: &[(&str, &str)]) -> Raced {
    let team = team();
    let emu = emulator();
    emu.set_latency(std::time::Duration::from_millis(2));
    let a = &team.first;
    let b = team.clone();
    let mut next = 400;
    for round in 0..rounds {
        for _ in 0..3 {
            add_task(a, &format!("TASK-{next}"));
            next += 1;
        }
        a.commit_all(&format!("round {round}"));
        a.git(&["push", "-q", "origin", "main"]);
        pull(&b);
        let children = [spawn_sync(a, &emu, env), spawn_sync(&b, &emu, env)];
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert_exit(&out, 0, &format!("round {round}"));
        }
    }
    let issues = emu.issues(OWNER, REPO);
    let closed_duplicates = issues
        .iter()
        .filter(|i| {
            i["state"] == "closed"
                && i["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("another sync created it at the same moment"))
                && marker(&i["body"]).is_none()
        })
        .count();
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for issue in &issues {
        if let Some(id) = marker(&issue["body"]) {
            *per.entry(id).or_default() += 1;
        }
    }
    assert_eq!(per.len(), 3 + 3 * rounds, "every artifact has its issue");
    assert_eq!(
        issues.len(),
        per.values().sum::<usize>() + closed_duplicates,
        "every issue is an artifact's or a closed duplicate"
    );
    Raced {
        duplicates: per.values().map(|n| n - 1).sum(),
        closed_duplicates,
    }
}

#[test]
fn two_clones_syncing_at_once_through_a_shared_remote_never_duplicate() {
    let raced = two_clones_race(20, &[]);
    assert_eq!(raced.duplicates, 0, "20 rounds, shared remote");
    assert_eq!(raced.closed_duplicates, 0, "nothing was even created twice");
}

#[test]
fn two_clones_without_a_shared_remote_leave_no_open_duplicate() {
    // No lock spans the clones here: a check for the marker just before each create, and
    // one just after (the later of two creates closes itself). The figures are printed;
    // docs/SYNC.md gives them.
    let rounds = 20;
    let raced = two_clones_race(rounds, &[("INTELLIMANAGE_REMOTE", "none")]);
    eprintln!(
        "two clones, no shared remote, {rounds} rounds: {} open duplicates, {} created twice and closed again, of {} artifacts",
        raced.duplicates,
        raced.closed_duplicates,
        3 + 3 * rounds
    );
    assert_eq!(raced.duplicates, 0, "no artifact keeps two open issues");
}

#[test]
fn a_stale_remote_lock_is_taken_over_and_a_live_one_waited_for() {
    let team = team();
    let emu = emulator();
    // A lock left on the remote by a run that died long ago (its heartbeat is old).
    let git_dir = team.remote.path().to_string_lossy().to_string();
    let empty_tree = team.first.git(&["hash-object", "-t", "tree", "/dev/null"]);
    let old = team
        .first
        .command("git")
        .args(["--git-dir", &git_dir, "commit-tree", &empty_tree, "-m"])
        .arg(r#"{"pid":1,"host":"gone","since":"2025-05-01T12:00:00Z","command":"sync"}"#)
        .output()
        .expect("commit-tree");
    let old_id = String::from_utf8_lossy(&old.stdout).trim().to_string();
    team.first.git(&[
        "--git-dir",
        &git_dir,
        "update-ref",
        "refs/intellimanage/lock",
        &old_id,
    ]);
    let out = sync(&team.first, &emu, &[]);
    assert_exit(&out, 0, "sync past a stale lock");
    assert!(
        stderr(&out).contains("took over the sync lock"),
        "{}",
        stderr(&out)
    );
    assert!(!remote_has(&team, "refs/intellimanage/lock"));

    // A live lock (just written): a sync that may not wait gives up with exit 8.
    let now = team
        .first
        .command("git")
        .env_remove("GIT_COMMITTER_DATE")
        .args(["--git-dir", &git_dir, "commit-tree", &empty_tree, "-m"])
        .arg(r#"{"pid":2,"host":"teammate","since":"now","command":"sync"}"#)
        .output()
        .expect("commit-tree");
    let live = String::from_utf8_lossy(&now.stdout).trim().to_string();
    team.first.git(&[
        "--git-dir",
        &git_dir,
        "update-ref",
        "refs/intellimanage/lock",
        &live,
    ]);
    let url = emu.url();
    let env = github_env(&url, TOKEN);
    let out = team.first.im_env(&["sync", "--wait", "1"], &env);
    assert_exit(&out, 8, "a live lock on the remote");
    assert!(stderr(&out).contains("teammate"), "{}", stderr(&out));
    assert!(
        remote_has(&team, "refs/intellimanage/lock"),
        "a live lock is never broken"
    );
}

#[test]
fn a_long_sync_keeps_its_remote_lock_alive() {
    let team = team();
    let emu = emulator();
    for n in 0..10 {
        add_task(&team.first, &format!("TASK-{}", 500 + n));
    }
    team.first.commit_all("ten more");
    team.first.git(&["push", "-q", "origin", "main"]);
    let other = team.clone();
    // A renews every 200 ms; B deems a lock stale after 4 s (slack for a loaded machine);
    // A's sync takes longer (10 writes, 700 ms apart).
    let slow = spawn_sync(
        &team.first,
        &emu,
        &[
            ("INTELLIMANAGE_WRITE_DELAY_MS", "700"),
            ("INTELLIMANAGE_LOCK_HEARTBEAT_MS", "200"),
        ],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !remote_has(&team, "refs/intellimanage/lock") {
        assert!(
            std::time::Instant::now() < deadline,
            "A never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = sync(&other, &emu, &[("INTELLIMANAGE_LOCK_STALE_SECS", "4")]);
    assert_exit(&out, 0, "B, after waiting");
    assert!(
        stderr(&out).contains("waiting for another clone's sync"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("took over"),
        "a live lock is never taken over: {}",
        stderr(&out)
    );
    let first = slow.wait_with_output().expect("wait");
    assert_exit(&first, 0, "A");
    let per = issues_per_artifact(&emu);
    assert_eq!(per.len(), 13);
    assert!(per.values().all(|n| *n == 1), "{per:?}");
}

#[test]
fn a_remote_that_refuses_deletions_still_passes_the_lock_on() {
    let team = team();
    let emu = emulator();
    // A server-side rule refusing every deletion (hosting services have such rules for
    // refs; git's own receive.denyDeletes covers branches only).
    let hook = team.remote.path().join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nwhile read old new ref; do\n  case \"$new\" in 0000000000000000000000000000000000000000) echo \"deleting $ref is not allowed\" >&2; exit 1;; esac\ndone\n",
    )
    .expect("hook");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_exit(&sync(&team.first, &emu, &[]), 0, "first sync");
    assert!(
        remote_has(&team, "refs/intellimanage/lock"),
        "released by a marker commit, not deleted"
    );
    let other = team.clone();
    let out = other.im_env(&["sync", "--wait", "0"], &github_env(&emu.url(), TOKEN));
    assert_exit(&out, 0, "the next clone takes the released lock at once");
    assert!(!stderr(&out).contains("took over"), "{}", stderr(&out));
}

#[test]
fn fetch_reports_in_json() {
    let team = team();
    let emu = emulator();
    assert_exit(&sync(&team.first, &emu, &[]), 0, "sync");
    let other = team.clone();
    let v = other.im_json(&["fetch", "--json"]);
    assert_eq!(v["remote"], "origin");
    assert_eq!(v["record"], "fast_forward");
    assert_eq!(v["duplicates"], serde_json::json!([]));
    let v = other.im_json(&["fetch", "--json"]);
    assert_eq!(v["record"], "up_to_date");
    // Sharing off: nothing to fetch from, said with a hint.
    let out = other.im_env(&["fetch"], &[("INTELLIMANAGE_REMOTE", "none")]);
    assert_exit(&out, 4, "fetch with sharing off");
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
}

#[test]
fn after_hooks_install_a_plain_git_fetch_brings_the_teams_record() {
    let team = team();
    let emu = emulator();
    let other = team.clone();
    let out = other.im_ok(&["hooks", "install"]);
    assert!(out.contains("remote.origin.fetch: added"), "{out}");
    let specs = other.git(&["config", "--get-all", "remote.origin.fetch"]);
    assert!(
        specs.contains("+refs/intellimanage/*:refs/intellimanage/remotes/origin/*"),
        "{specs}"
    );
    assert!(
        other
            .im_ok(&["hooks", "install"])
            .contains("already brings")
    );
    // Nothing on the remote yet: the user's fetch is unaffected.
    other.git(&["fetch", "-q"]);
    assert!(other.im_ok(&["status"]).contains("no sync recorded yet"));

    assert_exit(&sync(&team.first, &emu, &[]), 0, "a teammate syncs");
    other.git(&["fetch", "-q"]);
    let status = other.im_ok(&["status"]);
    assert!(status.contains("up to date"), "{status}");
    assert!(!status.contains("no sync recorded"), "{status}");
    // `diff` reads the same team record, offline.
    let diff = other.im_json(&["diff", "--json"]);
    assert_eq!(diff["artifacts"], serde_json::json!([]), "{diff:#}");

    let out = other.im_ok(&["hooks", "uninstall"]);
    assert!(out.contains("removed"), "{out}");
    let specs = other.git(&["config", "--get-all", "remote.origin.fetch"]);
    assert!(!specs.contains("intellimanage"), "{specs}");
}
