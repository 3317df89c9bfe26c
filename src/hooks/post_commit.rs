//! The post-commit hook: record which artifacts the new commit touched and which it
//! names after a keyword, in `refs/intellimanage/commits` (see [`crate::commits`]).
//!
//! It adds as little as possible to `git commit`: it reads the commit, the trees that
//! changed under `.ruru/projects` (against the first parent), the project configs and the
//! changed artifact files only, never the whole plan; it never touches the working tree or
//! the index. It does nothing, silently, during a rebase, cherry-pick, revert or `git am`
//! sequence, when no project has `enable_sync = true`, and when `INTELLIMANAGE_NO_HOOKS`
//! is set.

use std::path::Path;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::commits::{self, CommitLinks, CommitsError};
use crate::config::{self, ProjectConfig};
use crate::repo::{Repo, RepoError};

/// Why the hook did nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// `INTELLIMANAGE_NO_HOOKS` is set.
    Disabled,
    /// A rebase, cherry-pick, revert, merge or `git am` is under way.
    Sequence,
    /// The repository has no commit, or the commit has no plan.
    NoPlan,
    /// No project syncs.
    SyncDisabled,
    /// The commit neither touches nor names an artifact.
    NothingToLink,
}

/// What the hook did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Skipped(Skipped),
    /// Recorded; the line to show the user.
    Recorded {
        links: Box<CommitLinks>,
        line: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum PostCommitError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Commits(#[from] CommitsError),
}

/// True while git is in the middle of a multi-commit operation in `git_dir` (the
/// worktree's own git dir), or says so in `GIT_REFLOG_ACTION`.
pub fn in_sequence(git_dir: &Path) -> bool {
    const MARKERS: [&str; 6] = [
        "rebase-merge",
        "rebase-apply",
        "sequencer",
        "CHERRY_PICK_HEAD",
        "REVERT_HEAD",
        "MERGE_HEAD",
    ];
    if MARKERS.iter().any(|m| git_dir.join(m).exists()) {
        return true;
    }
    let action = std::env::var("GIT_REFLOG_ACTION").unwrap_or_default();
    let action = action.trim_start();
    ["rebase", "cherry-pick", "revert", "am", "pull --rebase"]
        .iter()
        .any(|a| action.starts_with(a))
}

/// The configs of the projects in a plan-root tree (reads only `*/project_config.toml`).
pub fn project_configs(repo: &Repo, plan_tree: ObjectId) -> Result<Vec<ProjectConfig>, RepoError> {
    let t = repo
        .gix()
        .find_tree(plan_tree)
        .map_err(|e| RepoError::git(format!("tree {plan_tree}"), e))?;
    let decoded = t
        .decode()
        .map_err(|e| RepoError::git(format!("tree {plan_tree}"), e))?;
    let projects: Vec<(String, ObjectId)> = decoded
        .entries
        .iter()
        .filter(|e| e.mode.is_tree())
        .filter_map(|e| Some((e.filename.to_str().ok()?.to_string(), e.oid.to_owned())))
        .collect();
    let mut out = Vec::new();
    for (slug, tree) in projects {
        let t = repo
            .gix()
            .find_tree(tree)
            .map_err(|e| RepoError::git(format!("tree {tree}"), e))?;
        let decoded = t
            .decode()
            .map_err(|e| RepoError::git(format!("tree {tree}"), e))?;
        let Some(blob) = decoded
            .entries
            .iter()
            .find(|e| e.filename == "project_config.toml" && e.mode.is_blob())
            .map(|e| e.oid.to_owned())
        else {
            continue;
        };
        let data = repo.read_blob(blob)?;
        let path = crate::repo::repo_path(&format!("{slug}/project_config.toml"));
        let (cfg, _problems) = config::parse_project_config(&path, &String::from_utf8_lossy(&data));
        if let Some(mut cfg) = cfg {
            // The directory is the project's identity in paths.
            cfg.project_slug = slug;
            out.push(cfg);
        }
    }
    Ok(out)
}

/// Runs the hook for HEAD of the repository at `cwd`.
pub fn run(cwd: &Path) -> Result<Outcome, PostCommitError> {
    if super::disabled_by_env() {
        return Ok(Outcome::Skipped(Skipped::Disabled));
    }
    let repo = Repo::discover(cwd)?;
    if in_sequence(repo.git_dir()) {
        return Ok(Outcome::Skipped(Skipped::Sequence));
    }
    let head = match repo.gix().head_id() {
        Ok(id) => id.detach(),
        Err(_) => return Ok(Outcome::Skipped(Skipped::NoPlan)),
    };
    record_commit(&repo, head)
}

/// Records the links of `commit` (the hook's work, without the environment checks).
pub fn record_commit(repo: &Repo, commit: ObjectId) -> Result<Outcome, PostCommitError> {
    let c = repo
        .gix()
        .find_commit(commit)
        .map_err(|e| RepoError::git(format!("commit {commit}"), e))?;
    let message = c.message_raw_sloppy().to_str_lossy().into_owned();
    let parent = c.parent_ids().next().map(|p| p.detach());
    drop(c);
    let new_plan = repo.plan_tree_of(commit)?;
    let old_plan = match parent {
        Some(p) => repo.plan_tree_of(p)?,
        None => None,
    };
    let Some(config_tree) = new_plan.or(old_plan) else {
        return Ok(Outcome::Skipped(Skipped::NoPlan));
    };
    let mut configs = project_configs(repo, config_tree)?;
    if let (Some(_), Some(old)) = (new_plan, old_plan) {
        // A project removed by this commit still had its config before it.
        for cfg in project_configs(repo, old)? {
            if !configs.iter().any(|c| c.project_slug == cfg.project_slug) {
                configs.push(cfg);
            }
        }
    }
    let syncing: Vec<&ProjectConfig> = configs.iter().filter(|c| c.github.enable_sync).collect();
    if syncing.is_empty() {
        return Ok(Outcome::Skipped(Skipped::SyncDisabled));
    }
    let syncs = |project: &str| syncing.iter().any(|c| c.project_slug == project);

    let mut links = CommitLinks {
        commit: commit.to_string(),
        summary: commits::summary_of(&message),
        branch: repo
            .gix()
            .head_name()
            .ok()
            .flatten()
            .map(|n| n.shorten().to_str_lossy().into_owned()),
        ..CommitLinks::default()
    };
    links.artifacts = commits::touched_between(repo, old_plan, new_plan)?
        .into_iter()
        .filter(|t| syncs(&t.project))
        .collect();

    let linking: Vec<&&ProjectConfig> = syncing
        .iter()
        .filter(|c| c.github.mapping.enable_commit_linking)
        .collect();
    if !linking.is_empty() {
        let (link_kw, status_kw) = commits::merged_keywords(linking.iter().map(|c| **c));
        let mut mentions = commits::parse_mentions(&message, &link_kw, &status_kw);
        if let Some(plan) = new_plan {
            commits::locate_mentions(repo, plan, &mut mentions)?;
        }
        // Names of artifacts in projects that do not sync (or do not link) are left out.
        mentions.retain(|m| {
            m.project
                .as_deref()
                .is_none_or(|p| linking.iter().any(|c| c.project_slug == p))
        });
        links.mentions = mentions;
    }
    if links.is_empty() {
        return Ok(Outcome::Skipped(Skipped::NothingToLink));
    }
    if let Some(previous) = commits::load(repo, &links.commit)? {
        links.comments = previous.comments;
        links.closed = previous.closed;
    }
    let short = commit.to_hex_with_len(7).to_string();
    commits::store(
        repo,
        std::slice::from_ref(&links),
        &format!("link {short}: {}", links.summary),
    )?;
    let line = summary_line(&short, &links);
    Ok(Outcome::Recorded {
        links: Box::new(links),
        line,
    })
}

fn list_ids<'a>(ids: impl Iterator<Item = &'a str>, shown: usize) -> String {
    let ids: Vec<&str> = ids.collect();
    let mut text = ids
        .iter()
        .take(shown)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > shown {
        text.push_str(&format!(" and {} more", ids.len() - shown));
    }
    text
}

/// The one line the hook prints.
pub fn summary_line(short: &str, links: &CommitLinks) -> String {
    let mut parts = Vec::new();
    if !links.artifacts.is_empty() {
        parts.push(format!(
            "touches {}",
            list_ids(links.artifacts.iter().map(|t| t.id.as_str()), 3)
        ));
    }
    if !links.mentions.is_empty() {
        let named: Vec<String> = links
            .mentions
            .iter()
            .map(|m| match m.project {
                Some(_) => m.id.clone(),
                None => format!("{}(?)", m.id),
            })
            .collect();
        parts.push(format!(
            "links {}",
            list_ids(named.iter().map(String::as_str), 3)
        ));
    }
    let done: Vec<&str> = links
        .mentions
        .iter()
        .filter(|m| m.status_update)
        .map(|m| m.id.as_str())
        .collect();
    if !done.is_empty() {
        parts.push(format!(
            "proposes {} for {} (see `git intellimanage status`)",
            commits::done_status(),
            list_ids(done.into_iter(), 2)
        ));
    }
    format!("intellimanage: {short} {}", parts.join("; "))
}
