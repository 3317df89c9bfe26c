//! The pre-push hook: when the branch that carries the plan is pushed, sync the pushed
//! plan with GitHub and comment each commit link on its issue.
//!
//! Git gives the hook the remote's name and URL as arguments and one line per ref on
//! standard input: `<local ref> <local sha> <remote ref> <remote sha>`. For a line whose
//! remote ref is the plan branch (`plan_branch` in a syncing project's
//! `[github_integration]`; else the remote's default branch from
//! `refs/remotes/<remote>/HEAD`; else `init.defaultBranch`; else, for a push of `main` or
//! `master`, `main`, or `master` when only that exists; otherwise one line says how to
//! set `plan_branch`):
//!
//! 1. the plan of the pushed commit is synced (skipped when the last sync already
//!    recorded exactly that plan);
//! 2. every commit in the pushed range (`remote sha..local sha`, or what no
//!    `refs/remotes/<remote>/*` has for a new branch) that names an artifact after a
//!    keyword gets one comment on the artifact's issue, carrying the marker
//!    `<!-- intellimanage-commit: <sha> -->`; the comment is recorded in
//!    `refs/intellimanage/commits` and an existing comment with the marker is adopted, so a
//!    re-push never comments twice;
//! 3. with `close_on_commit_keywords = true`, a status keyword (`Closes TASK-1`) also
//!    closes the issue (state reason `completed`).
//!
//! Failures (network, token, GitHub) are reported and leave the work pending for the next
//! sync; the push goes on unless a syncing project sets `block_push_on_failure = true`.
//! The hook never prompts: tokens come from the keyring (with a time limit), the
//! environment, or git's credential helper with prompts switched off.

use std::path::Path;
use std::process::Command;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::auth;
use crate::config::ProjectConfig;
use crate::github;
use crate::record::Record;
use crate::repo::Repo;
use crate::sync::{self, OpKind};

pub use super::link_comments::comment_marker;

/// The most commits of one pushed range whose links are commented.
pub const MAX_RANGE: usize = 500;

/// One line of git's pre-push input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub local_ref: String,
    pub local_sha: String,
    pub remote_ref: String,
    pub remote_sha: String,
}

impl RefUpdate {
    /// A deletion (`git push origin :branch`).
    pub fn is_delete(&self) -> bool {
        is_zero(&self.local_sha)
    }

    /// The remote does not have the ref yet.
    pub fn is_new(&self) -> bool {
        is_zero(&self.remote_sha)
    }

    /// The branch name, for a push to `refs/heads/<branch>`.
    pub fn remote_branch(&self) -> Option<&str> {
        self.remote_ref.strip_prefix("refs/heads/")
    }
}

fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

/// Parses git's pre-push input; malformed lines are skipped.
pub fn parse_ref_lines(input: &str) -> Vec<RefUpdate> {
    input
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let update = RefUpdate {
                local_ref: parts.next()?.to_string(),
                local_sha: parts.next()?.to_string(),
                remote_ref: parts.next()?.to_string(),
                remote_sha: parts.next()?.to_string(),
            };
            parts.next().is_none().then_some(update)
        })
        .collect()
}

/// The branches that carry the plan for a push of `pushed` to `remote`: the `plan_branch`
/// of the syncing projects if any sets one, else the remote's default branch
/// ([`default_branch`]); `None` when that cannot be told.
pub fn plan_branches(
    repo: &Repo,
    remote: &str,
    configs: &[ProjectConfig],
    pushed: &str,
) -> Option<Vec<String>> {
    let mut configured: Vec<String> = configs
        .iter()
        .filter(|c| c.github.enable_sync)
        .filter_map(|c| c.github.plan_branch.clone())
        .map(|b| {
            let b = b.trim();
            b.strip_prefix("refs/heads/").unwrap_or(b).to_string()
        })
        .filter(|b| !b.is_empty())
        .collect();
    configured.sort();
    configured.dedup();
    if !configured.is_empty() {
        return Some(configured);
    }
    default_branch(repo, remote, pushed).map(|b| vec![b])
}

/// The remote's default branch, without asking the remote: `refs/remotes/<remote>/HEAD`
/// (set by `git clone` and `git remote set-head`), else `init.defaultBranch`, else — when
/// the pushed branch is `main` or `master` — `main`, or `master` when only that exists
/// (locally or on the remote). `None` when none of these tells.
pub fn default_branch(repo: &Repo, remote: &str, pushed: &str) -> Option<String> {
    let gix = repo.gix();
    let head_ref = format!("refs/remotes/{remote}/HEAD");
    if let Ok(Some(r)) = gix.try_find_reference(head_ref.as_str())
        && let gix::refs::TargetRef::Symbolic(target) = r.target()
    {
        let target = target.as_bstr().to_str_lossy().into_owned();
        let prefix = format!("refs/remotes/{remote}/");
        if let Some(branch) = target.strip_prefix(&prefix) {
            return Some(branch.to_string());
        }
    }
    if let Some(branch) = gix
        .config_snapshot()
        .string("init.defaultBranch")
        .map(|b| b.to_str_lossy().trim().to_string())
        .filter(|b| !b.is_empty())
    {
        return Some(branch);
    }
    if pushed != "main" && pushed != "master" {
        return None;
    }
    let exists = |branch: &str| {
        [
            format!("refs/heads/{branch}"),
            format!("refs/remotes/{remote}/{branch}"),
        ]
        .iter()
        .any(|r| matches!(gix.try_find_reference(r.as_str()), Ok(Some(_))))
    };
    Some(if !exists("main") && exists("master") {
        "master".to_string()
    } else {
        "main".to_string()
    })
}

/// The one line said when the plan branch cannot be told for a push to `remote`.
pub fn unknown_plan_branch_line(remote: &str, configs: &[&ProjectConfig]) -> String {
    let config = configs
        .first()
        .map(|c| c.path.as_str())
        .unwrap_or("project_config.toml");
    format!(
        "not synced: which branch of {remote} carries the plan is unknown (no refs/remotes/{remote}/HEAD, no init.defaultBranch); set plan_branch = \"<branch>\" under [github_integration] in {config}, or run `git remote set-head {remote} <branch>`"
    )
}

/// The commits a push sends, oldest first (at most [`MAX_RANGE`], the newest kept).
pub fn pushed_range(cwd: &Path, remote: &str, update: &RefUpdate) -> Result<Vec<String>, String> {
    let mut args: Vec<String> = vec![
        "rev-list".into(),
        "--reverse".into(),
        update.local_sha.clone(),
    ];
    let remote_known = !update.is_new()
        && Command::new("git")
            .args([
                "cat-file",
                "-e",
                &format!("{}^{{commit}}", update.remote_sha),
            ])
            .current_dir(cwd)
            .output()
            .is_ok_and(|o| o.status.success());
    if remote_known {
        args.push(format!("^{}", update.remote_sha));
    } else {
        args.push("--not".into());
        args.push(format!("--remotes={remote}"));
    }
    let out = Command::new("git")
        .args(&args)
        .current_dir(cwd)
        .output()
        .map_err(|e| format!("could not run git rev-list: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git rev-list failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let all: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let skip = all.len().saturating_sub(MAX_RANGE);
    Ok(all.into_iter().skip(skip).collect())
}

/// What the hook did and said.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Lines for the user (stderr).
    pub lines: Vec<String>,
    /// Something failed (the work stays pending).
    pub failed: bool,
    /// A failure happened and a syncing project asks to block the push.
    pub block: bool,
    /// Whether a sync ran.
    pub synced: bool,
    /// Comments posted (or adopted) in this run.
    pub comments: usize,
}

impl Outcome {
    pub(super) fn say(&mut self, line: impl Into<String>) {
        self.lines.push(format!("intellimanage: {}", line.into()));
    }
}

/// One pushed update of the plan branch, and whether a project it syncs asks to block
/// pushes on failure.
#[derive(Debug, Clone)]
pub struct PlanPush {
    pub update: RefUpdate,
    pub blocks: bool,
}

/// The updates of `input` that push the plan branch of a syncing project (what the hook
/// acts on); lines for the user go to `out`.
pub fn plan_pushes(repo: &Repo, remote: &str, input: &str, out: &mut Outcome) -> Vec<PlanPush> {
    let mut said_unknown = false;
    let mut found = Vec::new();
    for update in parse_ref_lines(input) {
        if update.is_delete() {
            continue;
        }
        let Some(branch) = update.remote_branch() else {
            continue;
        };
        let Ok(commit) = ObjectId::from_hex(update.local_sha.as_bytes()) else {
            continue;
        };
        let configs = match repo.plan_tree_of(commit) {
            Ok(Some(tree)) => match super::post_commit::project_configs(repo, tree) {
                Ok(c) => c,
                Err(e) => {
                    out.failed = true;
                    out.say(format!(
                        "could not read the plan of {}: {e}",
                        update.local_sha
                    ));
                    continue;
                }
            },
            Ok(None) => continue,
            Err(e) => {
                out.failed = true;
                out.say(format!("could not read {}: {e}", update.local_sha));
                continue;
            }
        };
        let syncing: Vec<&ProjectConfig> =
            configs.iter().filter(|c| c.github.enable_sync).collect();
        if syncing.is_empty() {
            continue;
        }
        match plan_branches(repo, remote, &configs, branch) {
            Some(branches) if branches.iter().any(|b| b == branch) => {}
            Some(_) => continue,
            None => {
                if !said_unknown {
                    said_unknown = true;
                    out.say(unknown_plan_branch_line(remote, &syncing));
                }
                continue;
            }
        }
        let blocks = syncing.iter().any(|c| c.github.block_push_on_failure);
        found.push(PlanPush { update, blocks });
    }
    found
}

/// Runs the hook in the foreground: `remote` and `url` are git's arguments, `input` its
/// standard input.
pub fn run(cwd: &Path, remote: &str, url: &str, input: &str, verbosity: u8) -> Outcome {
    let mut out = Outcome::default();
    if super::disabled_by_env() {
        return out;
    }
    let repo = match Repo::discover(cwd) {
        Ok(r) => r,
        Err(e) => {
            out.say(format!("skipped: {e}"));
            return out;
        }
    };
    let pushes = plan_pushes(&repo, remote, input, &mut out);
    sync_pushes(
        &repo,
        cwd,
        remote,
        url,
        &pushes,
        verbosity,
        &Waiting::foreground(),
        &mut out,
    );
    out
}

/// How a hook run waits for the repository's sync lock.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// The command named in the lock file.
    pub command: &'static str,
    pub wait: std::time::Duration,
}

impl Waiting {
    /// A push waiting in the user's terminal.
    pub fn foreground() -> Waiting {
        Waiting {
            command: "pre-push",
            wait: crate::lock::DEFAULT_WAIT,
        }
    }
}

/// Syncs and comments the plan pushes, holding the sync lock for the whole run.
#[allow(clippy::too_many_arguments)]
pub fn sync_pushes(
    repo: &Repo,
    cwd: &Path,
    remote: &str,
    url: &str,
    pushes: &[PlanPush],
    verbosity: u8,
    waiting: &Waiting,
    out: &mut Outcome,
) {
    let _ = url;
    let mut lock: Option<crate::lock::SyncLock> = None;
    let mut session: Option<(Option<crate::share::Session>, bool)> = None;
    for push in pushes {
        let failed_before = out.failed;
        // One run at a time per repository (manual syncs, other pushes), held until the
        // hook ends.
        if lock.is_none() {
            match take_lock(repo, waiting, out) {
                Ok(l) => lock = Some(l),
                Err(()) => {
                    if push.blocks {
                        out.block = true;
                    }
                    break;
                }
            }
        }
        if session.is_none() {
            match start_session(repo, waiting, out) {
                Ok(s) => session = Some(s),
                Err(()) => {
                    if push.blocks {
                        out.block = true;
                    }
                    break;
                }
            }
        }
        let narrow = session.as_ref().is_some_and(|(_, narrow)| *narrow);
        push_plan(repo, cwd, remote, &push.update, verbosity, narrow, out);
        if out.failed && !failed_before && push.blocks {
            out.block = true;
        }
    }
    if let Some((Some(s), _)) = session
        && let Some(note) = s.finish(repo)
    {
        out.say(note);
    }
    if out.failed {
        if out.block {
            out.say(
                "blocking the push (block_push_on_failure = true); fix the problem above, or push with --no-verify to skip the hooks",
            );
        } else {
            out.say(
                "the push goes on; what did not reach the tracker stays pending: run `git intellimanage sync` when it can (block_push_on_failure = true stops pushes instead)",
            );
        }
    }
}

/// Takes the repository's sync lock for a hook, saying once who holds it while waiting.
/// `Err` (already reported) when it stays busy past the wait or can't be used.
pub(super) fn take_lock(
    repo: &Repo,
    waiting: &Waiting,
    out: &mut Outcome,
) -> Result<crate::lock::SyncLock, ()> {
    let wait = waiting.wait;
    let command = waiting.command;
    // Said at once (not with the hook's other lines at the end): the push is waiting.
    let taken = crate::lock::acquire(repo.common_dir(), command, wait, |holder| {
        let who = holder.map(|h| format!(" ({h})")).unwrap_or_default();
        eprintln!(
            "intellimanage: waiting for another run to finish{who}; up to {} s",
            wait.as_secs()
        );
    });
    match taken {
        Ok(lock) => Ok(lock),
        Err(e) => {
            out.failed = true;
            out.say(format!("not synced: {e}"));
            out.say(format!("hint: {}", e.hint()));
            Err(())
        }
    }
}

/// Takes the lock on the shared remote and brings the team's record in: no session when
/// there is no remote to share with (or it can't be reached: said), with whether creates
/// must then be re-checked; `Err` (said) when another clone holds the lock past the wait.
fn start_session(
    repo: &Repo,
    waiting: &Waiting,
    out: &mut Outcome,
) -> Result<(Option<crate::share::Session>, bool), ()> {
    use crate::share::{Session, Start};
    let holder = crate::lock::Holder::me(waiting.command);
    let wait = waiting.wait;
    match Session::start(repo, &holder, wait, |who| {
        eprintln!(
            "intellimanage: waiting for another clone's sync to finish ({who}); up to {} s",
            wait.as_secs()
        )
    }) {
        Ok(Start::Shared(s)) => {
            for d in &s.integrated.duplicates {
                out.say(format!(
                    "{} is linked to two issues: #{} (kept) and #{}; close #{} on the tracker",
                    d.key, d.kept, d.other, d.other
                ));
            }
            Ok((Some(s), false))
        }
        Ok(Start::Alone { narrow }) => Ok((None, narrow)),
        Ok(Start::Unreachable(note)) => {
            out.say(note);
            Ok((None, true))
        }
        Err(e) => {
            out.failed = true;
            out.say(format!("not synced: {e}"));
            Err(())
        }
    }
}

pub(super) fn tokens(
    cfg: &ProjectConfig,
    base_url: &str,
) -> Result<github::Secret, auth::AuthError> {
    auth::resolve_token_for_platform(
        cfg.github.platform,
        base_url,
        &cfg.github.pat_env_var_name,
        false,
    )
    .map(|(s, _)| s)
}

/// Syncs and comments for one pushed plan-branch update.
fn push_plan(
    repo: &Repo,
    cwd: &Path,
    remote: &str,
    update: &RefUpdate,
    verbosity: u8,
    narrow: bool,
    out: &mut Outcome,
) {
    let short = &update.local_sha[..update.local_sha.len().min(7)];
    // 1. The sync.
    let pending = match needs_sync(repo, &update.local_sha) {
        Ok(p) => p,
        Err(e) => {
            out.failed = true;
            out.say(format!("could not read the sync record: {e}"));
            return;
        }
    };
    if pending {
        let options = sync::Options {
            rev: update.local_sha.clone(),
            dry_run: false,
            direction: crate::plan::Direction::Push,
            projects: Vec::new(),
            verbosity,
            progress: false,
            write_delay: None,
            narrow_creates: narrow,
            ..sync::Options::default()
        };
        match sync::run(repo, &options, &tokens) {
            Ok(report) => {
                out.synced = true;
                for p in &report.projects {
                    let created = p.count(OpKind::CreateIssue) + p.count(OpKind::CreateMilestone);
                    let updated = p.count(OpKind::UpdateIssue) + p.count(OpKind::UpdateMilestone);
                    out.say(format!(
                        "synced {} with {} at {short}: {created} created, {updated} updated, {} unchanged{}",
                        p.project,
                        p.repo,
                        p.unchanged,
                        if p.failures.is_empty() {
                            String::new()
                        } else {
                            format!(", {} failed", p.failures.len())
                        }
                    ));
                    for f in &p.failures {
                        out.say(format!("  failed: {}", f.message));
                    }
                }
                if report.incomplete() {
                    out.failed = true;
                }
            }
            Err(e) => {
                out.failed = true;
                out.say(format!("could not sync with the tracker: {e}"));
                if let Some(h) = e.hint() {
                    out.say(format!("hint: {h}"));
                }
                // Without a working sync, commenting would fail the same way.
                return;
            }
        }
    }
    // 2. The commit links.
    let range = match pushed_range(cwd, remote, update) {
        Ok(r) => r,
        Err(e) => {
            out.failed = true;
            out.say(e);
            return;
        }
    };
    if let Err(e) = super::link_comments::comment_links(repo, &update.local_sha, &range, out) {
        out.failed = true;
        out.say(e);
    }
}

/// True unless the last sync recorded exactly the plan of `rev`.
fn needs_sync(repo: &Repo, rev: &str) -> Result<bool, String> {
    let record = Record::load(repo).map_err(|e| e.to_string())?;
    let commit = repo.resolve_commit(rev).map_err(|e| e.to_string())?;
    let plan = repo.plan_tree_of(commit).map_err(|e| e.to_string())?;
    Ok(!record.exists() || record.plan_tree != plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_lines_are_parsed() {
        let zero = "0".repeat(40);
        let a = "a".repeat(40);
        let input = format!(
            "refs/heads/main {a} refs/heads/main {zero}\n(delete) {zero} refs/heads/old {a}\nbad line\n"
        );
        let lines = parse_ref_lines(&input);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].is_new() && !lines[0].is_delete());
        assert_eq!(lines[0].remote_branch(), Some("main"));
        assert!(lines[1].is_delete());
    }
}
