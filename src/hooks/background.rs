//! The pre-push sync after the push: a detached process that waits until the push has
//! landed, syncs what landed (nothing when the remote rejected it), and leaves its outcome
//! under the git dir for `status`.
//!
//! Git runs pre-push before it sends anything, so a hook that syncs in place makes every
//! push wait for GitHub (one write a second). Instead the hook hands git's ref lines to a
//! child process in its own process group, with its output going to a log file, and
//! returns at once. The child waits for the `git push` that ran the hook to end, checks
//! that each pushed plan-branch update reached the remote (its remote-tracking ref, else
//! `git ls-remote`), then syncs like the foreground hook, under the same repository lock.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::pre_push::{self, Outcome, PlanPush, RefUpdate, Waiting};
use crate::repo::Repo;

/// The state of the last background sync, relative to the common git dir.
pub const STATE_FILE: &str = "intellimanage/background.json";
/// Where background syncs write what they say, relative to the common git dir.
pub const LOG_FILE: &str = "intellimanage/background.log";
/// The longest a background sync waits for its push to end.
pub const PUSH_WAIT: Duration = Duration::from_secs(15 * 60);
/// The longest it waits for the repository's sync lock (another sync running).
pub const LOCK_WAIT: Duration = Duration::from_secs(30 * 60);
/// The log is started afresh once it grows past this.
const LOG_LIMIT: u64 = 1 << 20;

/// How the last background sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Result {
    /// Still waiting for the push, the lock, or GitHub.
    Running,
    /// Everything reached GitHub.
    Synced,
    /// The plan was already synced as pushed: nothing to do.
    UpToDate,
    /// Something did not reach GitHub; it stays pending.
    Failed,
    /// The remote did not take the push: nothing was synced.
    PushRejected,
}

impl Result {
    pub fn as_str(self) -> &'static str {
        match self {
            Result::Running => "running",
            Result::Synced => "synced",
            Result::UpToDate => "up to date",
            Result::Failed => "failed",
            Result::PushRejected => "push rejected, nothing synced",
        }
    }
}

/// What `status` shows about the last background sync.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastRun {
    pub pid: u32,
    pub remote: String,
    /// `<branch> <sha>` of each plan-branch update pushed.
    pub pushed: Vec<String>,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    pub result: Result,
    /// What it said (the lines the foreground hook would have printed).
    #[serde(default)]
    pub lines: Vec<String>,
    /// The user has seen it in `status`.
    #[serde(default)]
    pub seen: bool,
}

fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn state_path(repo: &Repo) -> PathBuf {
    repo.common_dir().join(STATE_FILE)
}

/// The log file of background syncs.
pub fn log_path(repo: &Repo) -> PathBuf {
    repo.common_dir().join(LOG_FILE)
}

/// The last background sync, if there was one (and its state file can be read).
pub fn load(repo: &Repo) -> Option<LastRun> {
    let text = std::fs::read(state_path(repo)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Notes that the user has seen the last background sync (`status` showed it).
pub fn mark_seen(repo: &Repo) -> std::io::Result<()> {
    match load(repo) {
        Some(mut last) if !last.seen && last.result != Result::Running => {
            last.seen = true;
            save(repo, &last)
        }
        _ => Ok(()),
    }
}

/// Writes the state atomically (a temporary file renamed over it).
fn save(repo: &Repo, last: &LastRun) -> std::io::Result<()> {
    let path = state_path(repo);
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut tmp, last).map_err(std::io::Error::other)?;
    tmp.write_all(b"\n")?;
    tmp.persist(&path).map_err(|e| e.error)?;
    Ok(())
}

fn describe(pushes: &[PlanPush]) -> Vec<String> {
    pushes
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.update.remote_branch().unwrap_or(&p.update.remote_ref),
                p.update.local_sha
            )
        })
        .collect()
}

fn ref_lines(pushes: &[PlanPush]) -> String {
    pushes
        .iter()
        .map(|p| {
            let u = &p.update;
            format!(
                "{} {} {} {}\n",
                u.local_ref, u.local_sha, u.remote_ref, u.remote_sha
            )
        })
        .collect()
}

/// Starts the background sync of `pushes` and returns at once. `push_pid` is the
/// `git push` process that ran the hook (the child waits for it to end).
pub fn spawn(
    repo: &Repo,
    cwd: &Path,
    remote: &str,
    url: &str,
    pushes: &[PlanPush],
    push_pid: Option<u32>,
    verbosity: u8,
) -> std::result::Result<u32, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let log = log_path(repo);
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    if std::fs::metadata(&log).is_ok_and(|m| m.len() > LOG_LIMIT) {
        let _ = std::fs::remove_file(&log);
    }
    let open_log = || {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| format!("{}: {e}", log.display()))
    };
    let mut out = open_log()?;
    let _ = writeln!(
        out,
        "{} push to {remote}: {}",
        now(),
        describe(pushes).join(", ")
    );
    let mut cmd = Command::new(exe);
    cmd.current_dir(cwd)
        .arg("hook")
        .arg("pre-push-after")
        .arg(remote)
        .arg(url);
    if let Some(pid) = push_pid {
        cmd.arg("--push-pid").arg(pid.to_string());
    }
    for _ in 0..verbosity {
        cmd.arg("-v");
    }
    cmd.stdin(Stdio::piped())
        .stdout(open_log()?)
        .stderr(open_log()?);
    // Its own process group: a Ctrl-C in the terminal after the push ends the push, not
    // the sync that follows it.
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start the background sync: {e}"))?;
    let pid = child.id();
    save(
        repo,
        &LastRun {
            pid,
            remote: remote.to_string(),
            pushed: describe(pushes),
            started_at: now(),
            finished_at: None,
            result: Result::Running,
            lines: Vec::new(),
            seen: false,
        },
    )
    .map_err(|e| format!("{}: {e}", state_path(repo).display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(ref_lines(pushes).as_bytes())
            .map_err(|e| format!("could not hand the pushed refs over: {e}"))?;
    }
    // Not waited for: it outlives this hook (and is reaped by init).
    drop(child);
    Ok(pid)
}

/// The `git push` that runs this hook: `INTELLIMANAGE_PUSH_PID` (set by our shim to its
/// parent), else the parent of our parent as the process table says (Linux).
pub fn push_pid() -> Option<u32> {
    if let Some(pid) = std::env::var("INTELLIMANAGE_PUSH_PID")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|p| *p > 1)
    {
        return Some(pid);
    }
    let parent = std::os::unix::process::parent_id();
    parent_of(parent).filter(|p| *p > 1)
}

/// A process's parent, from `/proc/<pid>/stat` (the field after the parenthesised name).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// Whether a process is still running (a zombie counts as ended).
fn alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        return match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X"),
            Err(_) => false,
        };
    }
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the remote has `update`: its remote-tracking ref (which git moves once the
/// remote accepted the push), else what `git ls-remote` says.
fn landed(cwd: &Path, remote: &str, update: &RefUpdate) -> bool {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .current_dir(cwd)
            .env("GIT_TERMINAL_PROMPT", "0")
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if let Some(branch) = update.remote_branch() {
        let tracking = format!("refs/remotes/{remote}/{branch}");
        if git(&["rev-parse", "-q", "--verify", &tracking]).as_deref()
            == Some(update.local_sha.as_str())
        {
            return true;
        }
    }
    git(&["ls-remote", "--", remote, &update.remote_ref]).is_some_and(|listing| {
        listing
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .any(|sha| sha == update.local_sha)
    })
}

/// The background process: waits for the push, then syncs what landed.
pub fn run_after_push(
    cwd: &Path,
    remote: &str,
    url: &str,
    input: &str,
    push_pid: Option<u32>,
    verbosity: u8,
) -> Option<LastRun> {
    let repo = Repo::discover(cwd).ok()?;
    let started_at = load(&repo)
        .filter(|l| l.pid == std::process::id())
        .map(|l| l.started_at)
        .unwrap_or_else(now);
    let mut out = Outcome::default();
    let pushes = pre_push::plan_pushes(&repo, remote, input, &mut out);
    let mut last = LastRun {
        pid: std::process::id(),
        remote: remote.to_string(),
        pushed: describe(&pushes),
        started_at,
        finished_at: None,
        result: Result::Running,
        lines: Vec::new(),
        seen: false,
    };
    // 1. The push ends (without its pid: give the remote a moment, then look).
    let start = Instant::now();
    match push_pid {
        Some(pid) => {
            while alive(pid) && start.elapsed() < PUSH_WAIT {
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        None => {
            while !pushes.iter().all(|p| landed(cwd, remote, &p.update))
                && start.elapsed() < Duration::from_secs(60)
            {
                std::thread::sleep(Duration::from_millis(250));
            }
        }
    }
    // 2. Only what the remote took is synced.
    let (landed, rejected): (Vec<PlanPush>, Vec<PlanPush>) = pushes
        .into_iter()
        .partition(|p| landed(cwd, remote, &p.update));
    for p in &rejected {
        out.say(format!(
            "the push of {} to {remote} did not land (rejected, or still not there after the push ended): nothing synced for it",
            p.update.remote_ref
        ));
    }
    if !landed.is_empty() {
        let waiting = Waiting {
            command: "pre-push (background)",
            wait: LOCK_WAIT,
        };
        pre_push::sync_pushes(
            &repo, cwd, remote, url, &landed, verbosity, &waiting, &mut out,
        );
    }
    last.result = if out.failed {
        Result::Failed
    } else if landed.is_empty() {
        Result::PushRejected
    } else if out.synced || out.comments > 0 {
        Result::Synced
    } else {
        Result::UpToDate
    };
    last.finished_at = Some(now());
    last.lines = out.lines;
    for line in &last.lines {
        eprintln!("{} {line}", now());
    }
    if let Err(e) = save(&repo, &last) {
        eprintln!(
            "{} could not write {}: {e}",
            now(),
            state_path(&repo).display()
        );
    }
    Some(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_process_is_alive_and_has_a_parent() {
        assert!(alive(std::process::id()));
        if Path::new("/proc/self").exists() {
            assert_eq!(
                parent_of(std::process::id()),
                Some(std::os::unix::process::parent_id())
            );
        }
    }
}
