//! Sharing the sync record through the git remote: `refs/intellimanage/sync` and
//! `refs/intellimanage/commits` are fetched from and pushed to the remote (the way git-bug
//! shares `refs/bugs/*`), records written independently are merged, and a lock ref on the
//! remote serialises the syncs of every clone.
//!
//! Everything goes through the `git` command, so the user's remotes, credentials and ssh
//! set-up apply as they are; git never prompts (`GIT_TERMINAL_PROMPT=0`, no stdin), and a
//! remote that can't be reached is reported, never waited on for long: the sync then runs
//! on its own (see [`remote_lock`] for what that still guarantees). Remote-tracking copies
//! live under `refs/intellimanage/remotes/<remote>/`, out of `git branch -r`.

pub mod merge;
pub mod remote_lock;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gix::ObjectId;

use crate::commits::COMMITS_REF;
use crate::record::{RecordError, SYNC_REF};
use crate::repo::Repo;

/// The refs shared with the remote.
pub const SHARED_REFS: [&str; 2] = [SYNC_REF, COMMITS_REF];
/// Overrides `intellimanage.remote` (a remote's name, or `none`).
pub const ENV_REMOTE: &str = "INTELLIMANAGE_REMOTE";
/// The longest one git command talking to the remote may take.
const GIT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The remote could not be reached (or refused us): the run goes on without it.
    #[error("could not reach {remote}: {message}")]
    Unreachable { remote: String, message: String },
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// The remote the record is shared through: `INTELLIMANAGE_REMOTE`, else the git setting
/// `intellimanage.remote`; `none` (or `false`, `off`) turns sharing off. Without a setting:
/// `origin` when it exists, else the only remote. `None` when there is nothing to share with.
pub fn remote(repo: &Repo) -> Option<String> {
    let configured = std::env::var(ENV_REMOTE).ok().or_else(|| {
        repo.gix()
            .config_snapshot()
            .string("intellimanage.remote")
            .map(|v| v.to_string())
    });
    let names: Vec<String> = repo
        .gix()
        .remote_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    match configured.as_deref().map(str::trim) {
        Some(v) if ["none", "false", "off", "no", "0", ""].contains(&v.to_lowercase().as_str()) => {
            None
        }
        Some(v) => names.iter().any(|n| n == v).then(|| v.to_string()),
        None if names.iter().any(|n| n == "origin") => Some("origin".to_string()),
        None if names.len() == 1 => names.into_iter().next(),
        None => None,
    }
}

/// Where the remote's copy of `local_ref` (one of [`SHARED_REFS`]) is kept.
pub fn tracking_ref(remote: &str, local_ref: &str) -> String {
    let name = local_ref.rsplit('/').next().unwrap_or(local_ref);
    format!("refs/intellimanage/remotes/{remote}/{name}")
}

/// What a git command said.
pub(crate) struct GitOutput {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs git on `repo`'s git dir, never prompting, killed after [`GIT_TIMEOUT`].
pub(crate) fn git(git_dir: &Path, args: &[&str]) -> std::io::Result<GitOutput> {
    let mut child = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .env("INTELLIMANAGE_NO_HOOKS", "1")
        // Lock commits carry the time they were written (their heartbeat).
        .env_remove("GIT_COMMITTER_DATE")
        .env_remove("GIT_AUTHOR_DATE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes on threads so a chatty git never blocks on a full pipe.
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = std::io::Read::read_to_string(p, &mut s);
        }
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = std::io::Read::read_to_string(p, &mut s);
        }
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() > GIT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = out_thread.join().unwrap_or_default();
    let mut stderr = err_thread.join().unwrap_or_default();
    if status.is_none() {
        stderr.push_str(&format!("\ngave up after {} s", GIT_TIMEOUT.as_secs()));
    }
    Ok(GitOutput {
        code: status.and_then(|s| s.code()),
        stdout,
        stderr,
    })
}

fn unreachable(remote: &str, out: &GitOutput) -> ShareError {
    let message = out
        .stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("git failed")
        .to_string();
    ShareError::Unreachable {
        remote: remote.to_string(),
        message: crate::repo::redact_credentials(&message),
    }
}

/// Runs git against `remote`; a git that can't even start counts as the remote unreachable.
pub(crate) fn git_remote(
    git_dir: &Path,
    remote: &str,
    args: &[&str],
) -> Result<GitOutput, ShareError> {
    git(git_dir, args).map_err(|e| ShareError::Unreachable {
        remote: remote.to_string(),
        message: format!("cannot run git: {e}"),
    })
}

/// `git fetch` of `refspec` from `remote`: quiet, no tags, no FETCH_HEAD, no submodules.
pub(crate) fn fetch_from(
    git_dir: &Path,
    remote: &str,
    refspec: &str,
    prune: bool,
) -> Result<GitOutput, ShareError> {
    let mut args = vec![
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
    ];
    if prune {
        args.push("--prune");
    }
    args.extend([remote, refspec]);
    git_remote(git_dir, remote, &args)
}

/// Fetches the remote's `refs/intellimanage/*` into the remote-tracking copies.
pub fn fetch(repo: &Repo, remote: &str) -> Result<(), ShareError> {
    let out = fetch_from(repo.git_dir(), remote, &fetch_refspec(remote), true)?;
    if out.code != Some(0) {
        return Err(unreachable(remote, &out));
    }
    Ok(())
}

/// The commit a ref points at.
pub(crate) fn ref_id(repo: &Repo, name: &str) -> Option<ObjectId> {
    let mut r = repo.gix().try_find_reference(name).ok()??;
    r.peel_to_id().ok().map(|id| id.detach())
}

/// True when `ancestor` is reachable from `descendant` (or equal).
fn is_ancestor(repo: &Repo, ancestor: ObjectId, descendant: ObjectId) -> bool {
    if ancestor == descendant {
        return true;
    }
    git(
        repo.git_dir(),
        &[
            "merge-base",
            "--is-ancestor",
            &ancestor.to_string(),
            &descendant.to_string(),
        ],
    )
    .is_ok_and(|o| o.code == Some(0))
}

/// What bringing the remote's record in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Merge {
    /// The remote has nothing, or nothing new.
    UpToDate,
    /// Ours was behind: it now is the remote's.
    FastForward,
    /// Both had syncs the other lacked: merged (see [`merge::merge`]).
    Merged,
    /// Ours is ahead: the remote gets it at the next push.
    Ahead,
}

/// What [`integrate`] did to each shared ref, and the duplicates a merge found.
#[derive(Debug, Default)]
pub struct Integrated {
    pub record: Option<Merge>,
    pub commits: Option<Merge>,
    pub duplicates: Vec<merge::Duplicate>,
}

/// Brings the fetched copies of the remote's refs into ours (fast-forward, or merge).
pub fn integrate(repo: &Repo, remote: &str) -> Result<Integrated, ShareError> {
    let mut done = Integrated::default();
    for local in SHARED_REFS {
        let Some(theirs) = ref_id(repo, &tracking_ref(remote, local)) else {
            continue;
        };
        let ours = ref_id(repo, local);
        let outcome = match ours {
            None => {
                crate::record::move_ref(repo, local, None, theirs, "fetched from the remote")?;
                Merge::FastForward
            }
            Some(ours) if ours == theirs => Merge::UpToDate,
            Some(ours) if is_ancestor(repo, ours, theirs) => {
                crate::record::move_ref(
                    repo,
                    local,
                    Some(ours),
                    theirs,
                    "fetched from the remote",
                )?;
                Merge::FastForward
            }
            Some(ours) if is_ancestor(repo, theirs, ours) => Merge::Ahead,
            Some(ours) => {
                let tree = if local == SYNC_REF {
                    let merged = merge::merge(repo, ours, theirs)?;
                    done.duplicates.extend(merged.new_duplicates);
                    merged.tree
                } else {
                    merge::merge_commit_links(repo, ours, theirs)?
                };
                crate::record::commit_to_ref_with_parents(
                    repo,
                    local,
                    Some(ours),
                    &[ours, theirs],
                    tree,
                    &format!("merge the record of {remote}"),
                )?;
                Merge::Merged
            }
        };
        if local == SYNC_REF {
            done.record = Some(outcome);
        } else {
            done.commits = Some(outcome);
        }
    }
    Ok(done)
}

/// Pushes our shared refs where the remote lacks what we have: only if the remote still has
/// what we fetched (`--force-with-lease`), so nobody's record is overwritten. When someone
/// pushed meanwhile: fetch, merge, try again (a few times).
pub fn push(repo: &Repo, remote: &str) -> Result<bool, ShareError> {
    for _ in 0..4 {
        let mut args: Vec<String> = vec![
            "push".into(),
            "--quiet".into(),
            "--no-verify".into(),
            "--porcelain".into(),
        ];
        let mut specs = Vec::new();
        for local in SHARED_REFS {
            let Some(ours) = ref_id(repo, local) else {
                continue;
            };
            let theirs = ref_id(repo, &tracking_ref(remote, local));
            if theirs == Some(ours) {
                continue;
            }
            // Only ever a fast-forward of what the remote has (the ref is pushed by name:
            // what it points at once merged).
            if let Some(t) = theirs
                && !is_ancestor(repo, t, ours)
            {
                integrate(repo, remote)?;
                if !ref_id(repo, local).is_some_and(|m| m != t && is_ancestor(repo, t, m)) {
                    continue;
                }
            }
            let expect = theirs.map(|t| t.to_string()).unwrap_or_default();
            args.push(format!("--force-with-lease={local}:{expect}"));
            specs.push(format!("{local}:{local}"));
        }
        if specs.is_empty() {
            return Ok(false);
        }
        args.push(remote.to_string());
        args.extend(specs);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = git_remote(repo.git_dir(), remote, &argv)?;
        if out.code == Some(0) {
            // The remote has ours now.
            for local in SHARED_REFS {
                if let Some(ours) = ref_id(repo, local) {
                    let _ = crate::record::force_ref(
                        repo,
                        &tracking_ref(remote, local),
                        ours,
                        "pushed",
                    );
                }
            }
            return Ok(true);
        }
        let rejected = out.stdout.contains("[rejected]") || out.stdout.contains("stale info");
        if !rejected {
            return Err(unreachable(remote, &out));
        }
        fetch(repo, remote)?;
        integrate(repo, remote)?;
    }
    Err(ShareError::Unreachable {
        remote: remote.to_string(),
        message: "the remote's record kept changing while pushing ours; the next sync pushes it"
            .to_string(),
    })
}

/// A sync's hold on the team's shared state: the remote's lock taken and its record
/// brought in; [`Session::finish`] pushes ours and lets go.
pub struct Session {
    pub remote: String,
    lock: Option<remote_lock::RemoteLock>,
    pub integrated: Integrated,
}

/// How a sync starts with the remote.
pub enum Start {
    /// The remote's lock is held and its record brought in.
    Shared(Session),
    /// No remote to share with. `narrow`: the repository has remotes, so other clones may
    /// sync the same plan unseen (sharing turned off with `intellimanage.remote = none`);
    /// without any remote no other clone can exist.
    Alone { narrow: bool },
    /// The remote could not be reached: the sync runs on its own; the note says why.
    Unreachable(String),
}

impl Session {
    /// Takes the remote's lock (waiting up to `wait`, `on_wait` told once who holds it),
    /// then fetches and merges the team's record.
    pub fn start(
        repo: &Repo,
        holder: &crate::lock::Holder,
        wait: Duration,
        on_wait: impl FnMut(&str),
    ) -> Result<Start, remote_lock::RemoteLockError> {
        let Some(remote) = remote(repo) else {
            let narrow = !repo.gix().remote_names().is_empty();
            return Ok(Start::Alone { narrow });
        };
        let lock = match remote_lock::RemoteLock::acquire(repo, &remote, holder, wait, on_wait) {
            Ok(l) => l,
            Err(remote_lock::RemoteLockError::Share(ShareError::Unreachable {
                remote,
                message,
            })) => {
                return Ok(Start::Unreachable(format!(
                    "{remote} could not be reached ({message}): synced without the team's record and lock"
                )));
            }
            Err(e) => return Err(e),
        };
        let integrated = match fetch(repo, &remote).and_then(|()| integrate(repo, &remote)) {
            Ok(i) => i,
            Err(ShareError::Unreachable { remote, message }) => {
                return Ok(Start::Unreachable(format!(
                    "{remote} could not be reached ({message}): synced without the team's record"
                )));
            }
            Err(ShareError::Record(e)) => {
                return Err(remote_lock::RemoteLockError::Share(e.into()));
            }
        };
        Ok(Start::Shared(Session {
            remote,
            lock: Some(lock),
            integrated,
        }))
    }

    /// A stale lock this run took over: whose it was.
    pub fn took_over(&self) -> Option<&str> {
        self.lock.as_ref().and_then(|l| l.took_over.as_deref())
    }

    /// Pushes our record where the remote lacks it, then releases the remote's lock. The
    /// returned note says what could not be done (the next sync does it).
    pub fn finish(mut self, repo: &Repo) -> Option<String> {
        let pushed = push(repo, &self.remote);
        let released = self.lock.take().map(|l| l.release());
        match (pushed, released) {
            (Err(e), _) => Some(format!("the sync record was not shared: {e}")),
            (_, Some(Err(e))) => Some(format!(
                "the remote's sync lock was not released: {e} (it expires by itself)"
            )),
            _ => None,
        }
    }
}

/// The fetch refspec that brings the remote's refs of ours along with every `git fetch`
/// (added by `hooks install`): forced and by glob, so it can never fail the user's fetch.
pub fn fetch_refspec(remote: &str) -> String {
    format!("+refs/intellimanage/*:refs/intellimanage/remotes/{remote}/*")
}

fn fetch_specs(repo: &Repo, remote: &str) -> Vec<String> {
    git(
        repo.git_dir(),
        &["config", "--get-all", &format!("remote.{remote}.fetch")],
    )
    .map(|o| o.stdout.lines().map(|l| l.trim().to_string()).collect())
    .unwrap_or_default()
}

/// True when `git fetch <remote>` brings our refs too.
pub fn fetch_configured(repo: &Repo, remote: &str) -> bool {
    fetch_specs(repo, remote).contains(&fetch_refspec(remote))
}

/// Makes `git fetch <remote>` bring our refs too; `Ok(false)` when it already does.
pub fn configure_fetch(repo: &Repo, remote: &str) -> Result<bool, String> {
    if fetch_configured(repo, remote) {
        return Ok(false);
    }
    let out = git(
        repo.git_dir(),
        &[
            "config",
            "--add",
            &format!("remote.{remote}.fetch"),
            &fetch_refspec(remote),
        ],
    )
    .map_err(|e| format!("cannot run git: {e}"))?;
    if out.code != Some(0) {
        return Err(out.stderr.trim().to_string());
    }
    Ok(true)
}

/// Takes our refspec out of `remote.<remote>.fetch` again; `Ok(false)` when it wasn't there.
pub fn unconfigure_fetch(repo: &Repo, remote: &str) -> Result<bool, String> {
    if !fetch_configured(repo, remote) {
        return Ok(false);
    }
    let out = git(
        repo.git_dir(),
        &[
            "config",
            "--fixed-value",
            "--unset-all",
            &format!("remote.{remote}.fetch"),
            &fetch_refspec(remote),
        ],
    )
    .map_err(|e| format!("cannot run git: {e}"))?;
    if out.code != Some(0) {
        return Err(out.stderr.trim().to_string());
    }
    Ok(true)
}

/// The record as the team last left it, for reading commands (offline): ours, or the
/// remote's copy last fetched when ours is missing or behind it. When both moved on, ours
/// (the next sync merges them).
pub fn team_record(repo: &Repo) -> Result<crate::record::Record, RecordError> {
    let ours = ref_id(repo, SYNC_REF);
    let theirs = remote(repo).and_then(|r| ref_id(repo, &tracking_ref(&r, SYNC_REF)));
    match (ours, theirs) {
        (None, Some(t)) => crate::record::Record::load_at(repo, t),
        (Some(o), Some(t)) if o != t && is_ancestor(repo, o, t) => {
            crate::record::Record::load_at(repo, t)
        }
        _ => crate::record::Record::load(repo),
    }
}
