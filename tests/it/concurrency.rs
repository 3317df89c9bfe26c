//! Runs at the same time: syncs started together on one repository, a run killed while it
//! holds the lock, worktrees of one repository. The real binary, real git, the GitHub
//! emulator; every test counts the issues GitHub ends up with.

use std::collections::BTreeMap;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use crate::support::*;
use github_emulator::Emulator;
use serde_json::Value;

const TOKEN: &str = "ghp_C0ncurrentSyncT0ken9";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
/// Exit code of a run that gave up waiting for the lock.
const LOCKED: i32 = 8;

fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo(OWNER, REPO);
    emu
}

/// The demo plan plus `extra` more tasks: `3 + extra` issues, 1 milestone.
fn plan_repo(extra: usize) -> TestRepo {
    let repo = TestRepo::new();
    write_demo_plan(&repo);
    for n in 0..extra {
        let id = format!("TASK-{:03}", 100 + n);
        repo.write(
            &format!("{P}/tasks/{id}_extra.md"),
            &artifact(
                &id,
                TASK,
                &format!("Extra task {n}"),
                "🟡 To Do",
                "feature_id = \"FEAT-001\"\n",
                "More work.\n",
            ),
        );
    }
    repo.commit_all("plan");
    repo
}

/// `sync` started in the background in the repository, with `env` added.
fn spawn_sync(repo: &TestRepo, emu: &Emulator, env: &[(&str, &str)]) -> Child {
    repo.spawn_github(&emu.url(), TOKEN, &["sync"], env)
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

fn assert_one_issue_each(emu: &Emulator, expected: usize, what: &str) {
    let per = issues_per_artifact(emu);
    let dups: Vec<_> = per.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dups.is_empty(), "{what}: duplicated issues {dups:?}");
    assert_eq!(per.len(), expected, "{what}: issues {per:?}");
    assert_eq!(
        emu.milestones(OWNER, REPO).len(),
        1,
        "{what}: one milestone"
    );
}

fn syncs_at_once(n: usize) {
    let emu = emulator();
    // A little latency so the runs really overlap.
    emu.set_latency(Duration::from_millis(3));
    let repo = plan_repo(12);
    let children: Vec<Child> = (0..n).map(|_| spawn_sync(&repo, &emu, &[])).collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let mut waited = 0;
    for out in &outputs {
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(LOCKED),
            "every run exits 0 or {LOCKED}\nstdout:\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        );
        if stderr(out).contains("waiting for another run to finish") {
            waited += 1;
        }
        assert!(
            !stderr(out).contains("could not write the sync record"),
            "{}",
            stderr(out)
        );
    }
    assert!(waited >= 1, "{n} runs at once: at least one waited");
    assert_one_issue_each(&emu, 15, &format!("{n} syncs at once"));
    // And the record agrees: one more sync writes nothing.
    emu.reset_log();
    let out = repo.im_github(&emu.url(), TOKEN, &["sync"]);
    assert_exit(&out, 0, "sync after the concurrent ones");
    assert_eq!(emu.write_count(), 0, "{}", stdout(&out));
}

#[test]
fn three_syncs_started_together_create_each_issue_once() {
    syncs_at_once(3);
}

#[test]
fn ten_syncs_started_together_create_each_issue_once() {
    syncs_at_once(10);
}

/// Waits until the lock file names a live owner (the run has taken the lock).
fn wait_for_holder(repo: &TestRepo, pid: u32) {
    let path = repo.path().join(".git/intellimanage/sync.lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains(&format!("\"pid\":{pid}")) {
            return;
        }
        assert!(Instant::now() < deadline, "the run never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_run_killed_while_holding_the_lock_does_not_stop_the_next() {
    let emu = emulator();
    let repo = plan_repo(12);
    // Slow writes, so the run is killed mid-way, holding the lock.
    let mut child = spawn_sync(&repo, &emu, &[("INTELLIMANAGE_WRITE_DELAY_MS", "150")]);
    wait_for_holder(&repo, child.id());
    // Let it write a few things.
    let deadline = Instant::now() + Duration::from_secs(30);
    while emu.write_count() < 3 {
        assert!(Instant::now() < deadline, "the run never wrote");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let written = emu.issues(OWNER, REPO).len();
    assert!(written < 15, "killed before the end ({written} issues)");

    // With no wait allowed at all: a dead run's lock is free, or this would exit 8.
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--wait", "0"]);
    assert_exit(&out, 0, "the next sync");
    assert!(
        !stderr(&out).contains("waiting for another run"),
        "the dead run's lock is not waited for: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("ended without finishing"),
        "the interrupted run is named: {}",
        stderr(&out)
    );
    assert_one_issue_each(&emu, 15, "after a killed run");
}

#[test]
fn linked_worktrees_share_the_lock() {
    let emu = emulator();
    let repo = plan_repo(12);
    let wt_parent = tempfile::tempdir().expect("temp");
    let wt = wt_parent.path().join("wt");
    repo.git(&["worktree", "add", "-q", &wt.to_string_lossy(), "HEAD"]);

    let slow = spawn_sync(&repo, &emu, &[("INTELLIMANAGE_WRITE_DELAY_MS", "100")]);
    wait_for_holder(&repo, slow.id());

    // From the other worktree: the same lock, busy; a zero wait gives up at once.
    let mut other = repo.command(BIN);
    other.current_dir(&wt).args(["sync", "--wait", "0"]);
    for (k, v) in github_env(&emu.url(), TOKEN) {
        other.env(k, v);
    }
    let out = other.output().expect("run");
    assert_exit(
        &out,
        LOCKED,
        "sync from the linked worktree while the main one syncs",
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("pid {}", slow.id())) && err.contains("`sync`"),
        "names the owner: {err}"
    );
    assert!(err.contains("hint:") && err.contains("--wait"), "{err}");
    assert_eq!(
        err.matches("waiting for another run").count(),
        1,
        "said once: {err}"
    );

    let first = slow.wait_with_output().expect("wait");
    assert_exit(&first, 0, "the first sync");
    // Now free: the worktree's sync runs, and has nothing left to do.
    emu.reset_log();
    let out = Command::new(BIN)
        .current_dir(&wt)
        .args(["sync"])
        .envs(github_env(&emu.url(), TOKEN))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", repo.home.path().join("gitconfig"))
        .env("INTELLIMANAGE_WRITE_DELAY_MS", "0")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert_exit(&out, 0, "sync from the worktree afterwards");
    assert_eq!(emu.write_count(), 0, "{}", stdout(&out));
    assert_one_issue_each(&emu, 15, "two worktrees");
}

#[test]
fn a_dry_run_does_not_wait_for_the_lock() {
    let emu = emulator();
    let repo = plan_repo(0);
    let lock = git_intellimanage_lock_holder(&repo);
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--dry-run", "--wait", "0"]);
    assert_exit(&out, 0, "dry run while the lock is held");
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--wait", "0"]);
    assert_exit(&out, LOCKED, "a real sync while the lock is held");
    drop(lock);
}

/// Holds the repository's lock from this test process (a second open file takes it, as
/// another process would).
fn git_intellimanage_lock_holder(repo: &TestRepo) -> std::fs::File {
    let dir = repo.path().join(".git/intellimanage");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(dir.join("sync.lock"))
        .expect("open");
    file.lock().expect("lock");
    file
}

#[test]
fn status_names_a_sync_that_is_running() {
    let emu = emulator();
    let repo = plan_repo(12);
    let mut child = spawn_sync(&repo, &emu, &[("INTELLIMANAGE_WRITE_DELAY_MS", "100")]);
    wait_for_holder(&repo, child.id());
    let v = repo.im_json(&["status", "--json"]);
    assert_eq!(v["running"]["pid"].as_u64(), Some(u64::from(child.id())));
    assert_eq!(v["running"]["command"], "sync");
    let text = repo.im_ok(&["status"]);
    assert!(
        text.contains(&format!("running now: `sync`, pid {}", child.id())),
        "{text}"
    );
    child.wait().expect("wait");
    let v = repo.im_json(&["status", "--json"]);
    assert_eq!(v["running"], Value::Null, "released");
}
