//! The repository-wide sync lock: one run at a time that writes to GitHub or to our refs,
//! across every worktree of a repository.
//!
//! The lock is an advisory lock (`flock`, through the standard library's `File::try_lock`)
//! on `<common git dir>/intellimanage/sync.lock`, so every linked worktree of a repository
//! takes the same one. The kernel releases it when its owner ends, however it ends
//! (`SIGKILL`, a crash, power loss): a lock left by a dead run never needs breaking, and a
//! live owner's lock can't be broken at all. While held, the file says who holds it (pid,
//! host, since when, which command), for the message a waiting run prints; a clean release
//! empties it, so a run that finds it filled knows the previous owner was interrupted.
//!
//! The file itself is never deleted: removing a lock file while another process has it
//! open would let two runs lock two different files.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The lock file, relative to the repository's common git directory.
pub const LOCK_FILE: &str = "intellimanage/sync.lock";
/// How long a run waits for the lock unless told otherwise (`--wait`).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(120);
/// How often a waiting run tries again.
const POLL: Duration = Duration::from_millis(50);

/// Who holds (or last held) the lock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    /// When it took the lock (RFC 3339, UTC).
    pub since: String,
    /// Which command (`sync`, `pre-push`, `sync --write-links`, …).
    pub command: String,
}

impl Holder {
    /// This process, running `command`, from now.
    pub fn me(command: &str) -> Holder {
        Holder {
            pid: std::process::id(),
            host: host_name(),
            since: jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            command: command.to_string(),
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}`, pid {} on {}, since {}",
            self.command, self.pid, self.host, self.since
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another run holds the sync lock ({}); gave up after waiting {waited_secs} s", holder_text(.holder))]
    Busy {
        holder: Option<Holder>,
        waited_secs: u64,
    },
    #[error("cannot use the sync lock {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn holder_text(holder: &Option<Holder>) -> String {
    match holder {
        Some(h) => h.to_string(),
        None => "a run that has not said who it is yet".to_string(),
    }
}

impl LockError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            LockError::Busy { .. } => "let that run finish (it syncs what is committed; run again afterwards if you changed more), or wait longer with --wait SECONDS".to_string(),
            LockError::Io { path, .. } => format!(
                "the lock lives in the repository's git directory; check that {} can be created and written",
                path.display()
            ),
        }
    }
}

/// The held lock; released when dropped.
#[derive(Debug)]
pub struct SyncLock {
    file: File,
    path: PathBuf,
    /// The owner named in the file when this run took the lock: a run that ended without
    /// releasing it (killed, crashed); its work resumes through the sync record and the
    /// `IntelliManage-ID:` markers.
    pub interrupted: Option<Holder>,
}

impl SyncLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SyncLock {
    fn drop(&mut self) {
        // Empty the file while still holding the lock: a clean release. Closing the file
        // (dropping it) releases the lock.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The lock file of the repository whose common git directory is `common_dir`.
pub fn lock_path(common_dir: &Path) -> PathBuf {
    common_dir.join(LOCK_FILE)
}

/// Takes the lock, waiting up to `wait` for another run to release it. `on_wait` is called
/// once, when the lock is found busy, with what the file says about its owner.
pub fn acquire(
    common_dir: &Path,
    command: &str,
    wait: Duration,
    mut on_wait: impl FnMut(Option<&Holder>),
) -> Result<SyncLock, LockError> {
    let path = lock_path(common_dir);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    let mut told = false;
    let file = lock_waiting(&path, wait, |file| {
        if !told {
            told = true;
            on_wait(read_holder(file).as_ref());
        }
    })
    .map_err(|e| match e {
        Waited::Io(source) => io(source),
        Waited::Busy { file, waited_secs } => LockError::Busy {
            holder: read_holder(&file),
            waited_secs,
        },
    })?;
    let interrupted = read_holder(&file);
    let me = Holder::me(command);
    let mut lock = SyncLock {
        file,
        path: path.clone(),
        interrupted,
    };
    write_holder(&mut lock.file, &me).map_err(io)?;
    Ok(lock)
}

/// Why [`lock_waiting`] returned without the lock.
#[derive(Debug)]
pub enum Waited {
    Io(std::io::Error),
    /// Still held by another process after the wait; the file, to read its owner.
    Busy {
        file: File,
        waited_secs: u64,
    },
}

/// Opens (creating it and its folder; never truncating: an owner may be named in it) and
/// exclusively `flock`s the file at `path`, waiting up to `wait` for its holder; `on_busy`
/// is called at each poll while another process holds it. The lock is released when the
/// file is closed, however the process ends.
pub fn lock_waiting(
    path: &Path,
    wait: Duration,
    mut on_busy: impl FnMut(&File),
) -> Result<File, Waited> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Waited::Io)?;
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(Waited::Io)?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                on_busy(&file);
                if start.elapsed() >= wait {
                    let waited_secs = start.elapsed().as_secs();
                    return Err(Waited::Busy { file, waited_secs });
                }
                std::thread::sleep(POLL.min(wait.saturating_sub(start.elapsed())));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Waited::Io(e)),
        }
    }
}

/// Who the lock file names (`None` when empty or unreadable).
pub fn read_holder(file: &File) -> Option<Holder> {
    let mut text = String::new();
    let mut f = file;
    f.seek(SeekFrom::Start(0)).ok()?;
    f.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

/// Who holds the lock of this repository now, if anyone (for `status`).
pub fn current_holder(common_dir: &Path) -> Option<Holder> {
    let file = File::open(lock_path(common_dir)).ok()?;
    match file.try_lock_shared() {
        // Free: whatever the file says is a run that ended without releasing.
        Ok(()) => None,
        Err(_) => read_holder(&file),
    }
}

fn write_holder(file: &mut File, holder: &Holder) -> std::io::Result<()> {
    let text = serde_json::to_string(holder).map_err(std::io::Error::other)?;
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.flush()
}

/// This machine's name, for the lock's owner line.
pub fn host_name() -> String {
    gethostname::gethostname()
        .to_string_lossy()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_waits_then_gives_up_naming_the_owner() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = acquire(dir.path(), "sync", Duration::ZERO, |_| {}).expect("free lock");
        assert!(first.interrupted.is_none());
        let mut seen = Vec::new();
        let err = acquire(dir.path(), "pre-push", Duration::from_millis(120), |h| {
            seen.push(h.cloned())
        })
        .expect_err("busy");
        assert_eq!(seen.len(), 1, "told once");
        let holder = seen[0].clone().expect("owner named");
        assert_eq!(holder.pid, std::process::id());
        assert_eq!(holder.command, "sync");
        assert!(matches!(
            err,
            LockError::Busy {
                holder: Some(_),
                ..
            }
        ));
        assert!(err.to_string().contains("`sync`, pid"), "{err}");
        assert_eq!(
            current_holder(dir.path()).map(|h| h.command),
            Some("sync".into())
        );
        drop(first);
        assert_eq!(current_holder(dir.path()), None);
        let again = acquire(dir.path(), "sync", Duration::ZERO, |_| {}).expect("released");
        assert!(
            again.interrupted.is_none(),
            "a clean release leaves no owner"
        );
    }

    #[test]
    fn an_owner_that_never_released_is_reported_as_interrupted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = lock_path(dir.path());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(
            &path,
            r#"{"pid":4242,"host":"elsewhere","since":"2026-01-01T00:00:00Z","command":"sync"}"#,
        )
        .expect("write");
        let lock = acquire(dir.path(), "sync", Duration::ZERO, |_| {}).expect("free");
        assert_eq!(lock.interrupted.as_ref().map(|h| h.pid), Some(4242));
    }
}
