//! The lock all clones respect: `refs/intellimanage/lock` on the shared remote.
//!
//! GitHub has no conditional create, so two clones syncing the same plan at once would both
//! create every new issue. Their one shared place with an atomic compare-and-swap is the git
//! remote: a push with `--force-with-lease=<ref>:` creates the ref only if it does not exist
//! yet, and `--force-with-lease=<ref>:<sha>` moves or deletes it only if it still is `<sha>`
//! (the remote checks the old value under its own ref lock). So:
//!
//! - **take**: push a lock commit (its message says who: clone, host, pid, command, when)
//!   to a ref that must not exist; when it exists, wait (saying once who holds it);
//! - **keep**: every [`HEARTBEAT`] the holder pushes a new lock commit on top of its own,
//!   leased on its previous one, so a long sync is never mistaken for a dead one;
//! - **stale**: a lock whose last heartbeat is older than [`STALE_AFTER`] belongs to a run
//!   that died (or lost the network); it is taken over with a lease on exactly that
//!   commit, so two runs can't both take it over;
//! - **release**: delete the ref, leased on our last lock commit.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gix::ObjectId;

use super::{GitOutput, ShareError, git, tracking_ref};
use crate::lock::Holder;
use crate::repo::Repo;

/// The lock ref on the remote.
pub const LOCK_REF: &str = "refs/intellimanage/lock";
/// A lock not renewed for this long belongs to a run that is gone.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);
/// How often the holder renews it.
pub const HEARTBEAT: Duration = Duration::from_secs(60);
/// `INTELLIMANAGE_LOCK_STALE_SECS` / `INTELLIMANAGE_LOCK_HEARTBEAT_MS` shorten these (for
/// tests of long runs).
fn stale_after() -> Duration {
    std::env::var("INTELLIMANAGE_LOCK_STALE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(STALE_AFTER)
}

fn heartbeat_every() -> Duration {
    std::env::var("INTELLIMANAGE_LOCK_HEARTBEAT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(HEARTBEAT)
}

/// How often a waiting run looks again.
const POLL: Duration = Duration::from_millis(200);
/// The message of a lock commit that gives the lock back.
const RELEASED: &str = r#"{"released":true}"#;

/// True when the lock commit `id` gives the lock back.
fn is_released(repo: &Repo, id: ObjectId) -> bool {
    repo.gix()
        .find_commit(id)
        .ok()
        .and_then(|c| c.message_raw().ok().map(|m| m.to_string()))
        .is_some_and(|m| m.trim() == RELEASED)
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteLockError {
    #[error(transparent)]
    Share(#[from] ShareError),
    #[error(
        "another clone holds the sync lock on {remote} ({holder}); gave up after waiting {waited_secs} s"
    )]
    Busy {
        remote: String,
        holder: String,
        waited_secs: u64,
    },
}

/// The lock held on the remote; released (and its heartbeat stopped) by [`RemoteLock::release`]
/// or when dropped.
pub struct RemoteLock {
    git_dir: PathBuf,
    remote: String,
    empty_tree: ObjectId,
    current: Arc<Mutex<ObjectId>>,
    stop: Arc<AtomicBool>,
    heartbeat: Option<std::thread::JoinHandle<()>>,
    released: bool,
    /// A stale lock this run took over: who had it.
    pub took_over: Option<String>,
}

fn empty_tree(repo: &Repo) -> ObjectId {
    ObjectId::empty_tree(repo.gix().object_hash())
}

/// A lock commit saying who holds it, on top of `parent` (a heartbeat) or on its own.
fn lock_commit(
    git_dir: &Path,
    empty_tree: ObjectId,
    holder: &Holder,
    parent: Option<ObjectId>,
) -> Result<ObjectId, String> {
    let message = serde_json::to_string(holder).map_err(|e| e.to_string())?;
    let tree = empty_tree.to_string();
    let mut args = vec!["commit-tree", tree.as_str(), "-m", message.as_str()];
    let parent_hex = parent.map(|p| p.to_string());
    if let Some(p) = &parent_hex {
        args.push("-p");
        args.push(p);
    }
    let out = git_as_tool(git_dir, &args)?;
    if out.code != Some(0) {
        return Err(out.stderr.trim().to_string());
    }
    ObjectId::from_hex(out.stdout.trim().as_bytes()).map_err(|e| e.to_string())
}

/// git with a fixed identity (lock commits never depend on the user's configuration).
fn git_as_tool(git_dir: &Path, args: &[&str]) -> Result<GitOutput, String> {
    let mut all = vec![
        "-c",
        "user.name=git-intellimanage",
        "-c",
        "user.email=git-intellimanage@localhost",
    ];
    all.extend_from_slice(args);
    git(git_dir, &all).map_err(|e| format!("cannot run git: {e}"))
}

/// Pushes `new` (or deletes, for `None`) to the lock ref, leased on `expect` (`None`: must
/// not exist). `Ok(false)` when the lease did not hold.
fn push_lock(
    git_dir: &Path,
    remote: &str,
    expect: Option<ObjectId>,
    new: Option<ObjectId>,
) -> Result<bool, ShareError> {
    let lease = format!(
        "--force-with-lease={LOCK_REF}:{}",
        expect.map(|e| e.to_string()).unwrap_or_default()
    );
    let spec = match new {
        Some(id) => format!("{id}:{LOCK_REF}"),
        None => format!(":{LOCK_REF}"),
    };
    let out = super::git_remote(
        git_dir,
        remote,
        &[
            "push",
            "--quiet",
            "--no-verify",
            "--porcelain",
            &lease,
            remote,
            &spec,
        ],
    )?;
    if out.code == Some(0) {
        return Ok(true);
    }
    if out.stdout.contains("[rejected]")
        || out.stdout.contains("stale info")
        || out.stdout.contains("[remote rejected]")
    {
        return Ok(false);
    }
    Err(super::unreachable(remote, &out))
}

/// The lock commit on the remote now (fetched), if there is one.
fn current_lock(repo: &Repo, remote: &str) -> Result<Option<ObjectId>, ShareError> {
    let tracking = tracking_ref(remote, LOCK_REF);
    let listed = super::git_remote(repo.git_dir(), remote, &["ls-remote", remote, LOCK_REF])?;
    if listed.code != Some(0) {
        return Err(super::unreachable(remote, &listed));
    }
    if listed.stdout.trim().is_empty() {
        return Ok(None);
    }
    let refspec = format!("+{LOCK_REF}:{tracking}");
    let out = super::fetch_from(repo.git_dir(), remote, &refspec, false)?;
    if out.code != Some(0) {
        // Released between the listing and the fetch.
        return Ok(None);
    }
    Ok(super::ref_id(repo, &tracking))
}

/// Who a lock commit names, and how long ago it was written (its committer time).
fn describe(repo: &Repo, id: ObjectId) -> (String, Duration) {
    let Ok(commit) = repo.gix().find_commit(id) else {
        return ("an unknown run".to_string(), Duration::ZERO);
    };
    let message = commit
        .message_raw()
        .map(|m| m.to_string())
        .unwrap_or_default();
    let who = match serde_json::from_str::<Holder>(message.trim()) {
        Ok(h) => h.to_string(),
        Err(_) => "an unknown run".to_string(),
    };
    let age = commit
        .time()
        .ok()
        .map(|t| {
            let now = jiff::Timestamp::now().as_second();
            Duration::from_secs(u64::try_from(now - t.seconds).unwrap_or(0))
        })
        .unwrap_or(Duration::ZERO);
    (who, age)
}

impl RemoteLock {
    /// Takes the lock on `remote`, waiting up to `wait`; `on_wait` is told once who holds it.
    pub fn acquire(
        repo: &Repo,
        remote: &str,
        holder: &Holder,
        wait: Duration,
        mut on_wait: impl FnMut(&str),
    ) -> Result<RemoteLock, RemoteLockError> {
        let git_dir = repo.git_dir().to_path_buf();
        let mine = lock_commit(&git_dir, empty_tree(repo), holder, None).map_err(|message| {
            ShareError::Unreachable {
                remote: remote.to_string(),
                message,
            }
        })?;
        let start = Instant::now();
        let mut told = false;
        loop {
            if push_lock(&git_dir, remote, None, Some(mine))? {
                return Ok(RemoteLock::held(repo, git_dir, remote, mine, None));
            }
            let Some(theirs) = current_lock(repo, remote)? else {
                continue;
            };
            let (who, age) = describe(repo, theirs);
            let released = is_released(repo, theirs);
            if released || age > stale_after() {
                // On top of the one found (a fast-forward, for remotes that refuse others),
                // leased on exactly it: two runs can't both take it.
                let fresh = lock_commit(&git_dir, empty_tree(repo), holder, Some(theirs)).map_err(
                    |message| ShareError::Unreachable {
                        remote: remote.to_string(),
                        message,
                    },
                )?;
                if push_lock(&git_dir, remote, Some(theirs), Some(fresh))? {
                    let took_over = (!released).then_some(who);
                    return Ok(RemoteLock::held(repo, git_dir, remote, fresh, took_over));
                }
                continue;
            }
            if !told {
                told = true;
                on_wait(&who);
            }
            if start.elapsed() >= wait {
                return Err(RemoteLockError::Busy {
                    remote: remote.to_string(),
                    holder: who,
                    waited_secs: start.elapsed().as_secs(),
                });
            }
            std::thread::sleep(POLL);
        }
    }

    fn held(
        repo: &Repo,
        git_dir: PathBuf,
        remote: &str,
        id: ObjectId,
        took_over: Option<String>,
    ) -> RemoteLock {
        let current = Arc::new(Mutex::new(id));
        let stop = Arc::new(AtomicBool::new(false));
        let heartbeat = {
            let (git_dir, remote) = (git_dir.clone(), remote.to_string());
            let (current, stop) = (Arc::clone(&current), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("intellimanage-lock-heartbeat".into())
                .spawn(move || heartbeat(&git_dir, &remote, &current, &stop))
                .ok()
        };
        RemoteLock {
            git_dir,
            remote: remote.to_string(),
            empty_tree: empty_tree(repo),
            current,
            stop,
            heartbeat,
            released: false,
            took_over,
        }
    }

    /// Gives the lock back (only if it still is ours).
    pub fn release(mut self) -> Result<(), ShareError> {
        self.release_inner()
    }

    fn release_inner(&mut self) -> Result<(), ShareError> {
        if self.released {
            return Ok(());
        }
        self.released = true;
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.heartbeat.take() {
            h.thread().unpark();
            let _ = h.join();
        }
        let current = *self.current.lock().unwrap_or_else(|p| p.into_inner());
        if push_lock(&self.git_dir, &self.remote, Some(current), None)? {
            return Ok(());
        }
        // A remote that refuses deletions (`receive.denyDeletes`): leave a released lock
        // commit instead, which the next run takes as free.
        let released = git_as_tool(
            &self.git_dir,
            &[
                "commit-tree",
                &self.empty_tree.to_string(),
                "-p",
                &current.to_string(),
                "-m",
                RELEASED,
            ],
        )
        .ok()
        .filter(|o| o.code == Some(0))
        .and_then(|o| ObjectId::from_hex(o.stdout.trim().as_bytes()).ok());
        if let Some(id) = released {
            push_lock(&self.git_dir, &self.remote, Some(current), Some(id))?;
        }
        Ok(())
    }
}

impl Drop for RemoteLock {
    fn drop(&mut self) {
        let _ = self.release_inner();
    }
}

/// Renews the lock every [`HEARTBEAT`] until told to stop.
fn heartbeat(git_dir: &Path, remote: &str, current: &Mutex<ObjectId>, stop: &AtomicBool) {
    let Ok(gix) = gix::open(git_dir) else {
        return;
    };
    let tree = ObjectId::empty_tree(gix.object_hash());
    let every = heartbeat_every();
    let mut last = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        std::thread::park_timeout(every.saturating_sub(last.elapsed()));
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if last.elapsed() < every {
            continue;
        }
        last = Instant::now();
        let prev = *current.lock().unwrap_or_else(|p| p.into_inner());
        let Ok(commit) = gix.find_commit(prev) else {
            continue;
        };
        let Ok(holder) = commit
            .message_raw()
            .map(|m| m.to_string())
            .map_err(|e| e.to_string())
            .and_then(|m| serde_json::from_str::<Holder>(m.trim()).map_err(|e| e.to_string()))
        else {
            continue;
        };
        if let Ok(next) = lock_commit(git_dir, tree, &holder, Some(prev))
            && let Ok(true) = push_lock(git_dir, remote, Some(prev), Some(next))
        {
            *current.lock().unwrap_or_else(|p| p.into_inner()) = next;
        }
    }
}
