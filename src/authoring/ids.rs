//! Which ID a new artifact gets, and that no other gets it too: the next free number in the
//! project's own scheme (pure), the files on disk that already claim an ID, and the lock
//! two `new` runs of one repository take turns on.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;
use std::time::Duration;

use super::{AuthoringError, Draft};
use crate::artifact::{Artifact, Kind};

/// The specification's ID prefix for a kind, used when the project has none of its own.
pub fn default_prefix(kind: Kind) -> &'static str {
    match kind {
        Kind::Initiative => "INIT",
        Kind::Epic => "EPIC",
        Kind::Feature => "FEAT",
        Kind::Story => "STORY",
        Kind::Task => "TASK",
        Kind::Bug => "BUG",
        Kind::Spike => "SPIKE",
        Kind::Chore => "CHORE",
        Kind::Docs => "DOCS",
        Kind::Test => "TEST",
    }
}

/// `TASK-IM-` and `915` from `TASK-IM-915`; `None` unless the ID ends in `-<digits>`.
fn split_number(id: &str) -> Option<(&str, &str, u64)> {
    let pos = id.rfind('-')?;
    let (prefix, digits) = id.split_at(pos + 1);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || prefix.len() < 2 {
        return None;
    }
    Some((prefix, digits, digits.parse().ok()?))
}

/// The next free ID for a new artifact of `kind`, in the project's own scheme.
///
/// The scheme is learned from the project's IDs of that kind: the most common
/// `PREFIX-NNN` pattern among them, one past its highest number (gaps are never reused),
/// the same zero padding. A kind the project has no IDs for gets the specification's
/// prefix (`BUG-`), with the project infix its other IDs share (`BUG-IM-` next to
/// `TASK-IM-7`), numbered from 1 with three digits. IDs in `taken` (and those of
/// `artifacts`) are skipped, compared case-insensitively.
pub fn allocate_id(kind: Kind, artifacts: &[&Artifact], taken: &BTreeSet<String>) -> String {
    // prefix → (count, max, width)
    let mut schemes: BTreeMap<String, (usize, u64, usize)> = BTreeMap::new();
    for a in artifacts.iter().filter(|a| a.kind == Some(kind)) {
        if let Some((prefix, digits, n)) = split_number(&a.id) {
            let e = schemes
                .entry(prefix.to_string())
                .or_insert((0, 0, digits.len()));
            e.0 += 1;
            e.1 = e.1.max(n);
            e.2 = e.2.max(digits.len());
        }
    }
    let default = default_prefix(kind);
    let (prefix, max, width) = match schemes
        .into_iter()
        .max_by_key(|(p, (count, max, _))| (*count, p.starts_with(default), *max))
    {
        Some((prefix, (_, max, width))) => (prefix, max, width),
        None => (format!("{default}-{}", infix(artifacts)), 0, 3),
    };
    let used: BTreeSet<String> = artifacts
        .iter()
        .map(|a| a.id.to_ascii_uppercase())
        .chain(taken.iter().map(|t| t.to_ascii_uppercase()))
        .collect();
    let mut n = max.saturating_add(1);
    loop {
        let id = format!("{prefix}{n:0width$}");
        if !used.contains(&id.to_ascii_uppercase()) {
            return id;
        }
        n = n.saturating_add(1);
    }
}

/// The infix the project's IDs share (`IM-` for `TASK-IM-7`, `FEAT-IM-2`), the most
/// common one; empty when its IDs have none (`TASK-7`).
fn infix(artifacts: &[&Artifact]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for a in artifacts {
        let Some((prefix, _, _)) = split_number(&a.id) else {
            continue;
        };
        // `TASK-IM-` → `IM-`; `TASK-` → ``.
        let inner = prefix.split_once('-').map(|(_, rest)| rest).unwrap_or("");
        *counts.entry(inner.to_string()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(infix, count)| (*count, infix.is_empty()))
        .map(|(infix, _)| infix)
        .unwrap_or_default()
}

/// The first file (repository-relative) in the draft's folder, or in the matching folder
/// under `archive/`, whose name starts with the draft's ID and `_` (or is `<ID>.md`),
/// compared case-insensitively: another artifact holds that ID, whatever the plan said.
pub fn claimed_on_disk(workdir: &Path, draft: &Draft) -> Option<String> {
    let rel = Path::new(&draft.path);
    let folder = rel.parent()?;
    let archived = folder
        .parent()
        .zip(folder.file_name())
        .map(|(project, name)| project.join("archive").join(name));
    let id = draft.id.to_uppercase();
    let prefix = format!("{id}_");
    let exact = format!("{id}.MD");
    for dir in std::iter::once(folder.to_path_buf()).chain(archived) {
        let Ok(entries) = std::fs::read_dir(workdir.join(&dir)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                let upper = n.to_uppercase();
                upper.starts_with(&prefix) || upper == exact
            })
            .collect();
        names.sort();
        if let Some(name) = names.into_iter().next() {
            return Some(format!("{}/{name}", dir.to_string_lossy()));
        }
    }
    None
}

/// The lock file of `new`, relative to the repository's common git directory.
pub const NEW_LOCK_FILE: &str = "intellimanage/new.lock";
/// How long `new` waits for another `new` of the same repository.
pub const NEW_LOCK_WAIT: Duration = Duration::from_secs(60);

/// `new`'s exclusive lock on its repository; released when dropped (or when the process
/// ends, however it ends: the kernel releases a `flock`).
#[derive(Debug)]
pub struct NewLock {
    file: File,
}

impl Drop for NewLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Takes `new`'s lock of the repository whose common git directory is `common_dir`
/// (shared by its worktrees), waiting up to `wait` for another run to release it. The
/// file is never deleted (two runs would then lock two different files).
pub fn lock_new(common_dir: &Path, wait: Duration) -> Result<NewLock, AuthoringError> {
    let path = common_dir.join(NEW_LOCK_FILE);
    let io = |action: &'static str| {
        let p = path.display().to_string();
        move |e: std::io::Error| AuthoringError::Io {
            action,
            path: p,
            message: e.to_string(),
        }
    };
    match crate::lock::lock_waiting(&path, wait, |_| {}) {
        Ok(file) => Ok(NewLock { file }),
        Err(crate::lock::Waited::Io(e)) => Err(io("lock")(e)),
        Err(crate::lock::Waited::Busy { waited_secs, .. }) => Err(AuthoringError::Busy {
            path: path.display().to_string(),
            waited_secs,
        }),
    }
}
