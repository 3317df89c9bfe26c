//! What `start` reads of git and how it runs it: the worktrees (`git worktree list
//! --porcelain`), the branches under the prefix, and one `git` command at a time, never
//! prompting.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::StartError;

/// One entry of `git worktree list --porcelain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worktree {
    pub path: PathBuf,
    /// The branch checked out (without `refs/heads/`); `None` when detached or bare.
    pub branch: Option<String>,
    pub bare: bool,
    pub locked: bool,
    /// Its directory is gone (`git worktree prune` would forget it).
    pub prunable: bool,
}

/// Reads `git worktree list --porcelain`: blocks of `worktree <path>`, `HEAD <oid>`,
/// `branch refs/heads/<name>` | `detached` | `bare`, `locked [reason]`, `prunable [reason]`,
/// separated by empty lines. The first is the main worktree.
pub fn parse_worktree_list(text: &str) -> Vec<Worktree> {
    let mut out: Vec<Worktree> = Vec::new();
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("worktree ") {
            out.push(Worktree {
                path: PathBuf::from(path),
                branch: None,
                bare: false,
                locked: false,
                prunable: false,
            });
            continue;
        }
        let Some(last) = out.last_mut() else {
            continue;
        };
        let word = line.split(' ').next().unwrap_or("");
        match word {
            "branch" => {
                let name = line["branch ".len().min(line.len())..].trim();
                last.branch = Some(name.strip_prefix("refs/heads/").unwrap_or(name).to_string());
            }
            "bare" => last.bare = true,
            "locked" => last.locked = true,
            "prunable" => last.prunable = true,
            _ => {}
        }
    }
    out
}

/// What git has that `start` cares about.
#[derive(Debug, Clone, Default)]
pub struct GitState {
    /// The main worktree (where relative worktree directories start).
    pub root: PathBuf,
    /// Local branches under the prefix (full short names: `im/TASK-1-…`).
    pub branches: BTreeSet<String>,
    /// Every worktree, the main one first.
    pub worktrees: Vec<Worktree>,
}

impl GitState {
    pub(super) fn worktree_of(&self, branch: &str) -> Option<&Worktree> {
        self.worktrees
            .iter()
            .find(|w| w.branch.as_deref() == Some(branch))
    }

    pub(super) fn worktree_at(&self, path: &Path) -> Option<&Worktree> {
        self.worktrees.iter().find(|w| w.path == path)
    }
}

/// Runs git in one directory, never prompting (no terminal prompt, no stdin), with our own
/// hooks quiet, and without inherited `GIT_DIR`/`GIT_WORK_TREE`/`GIT_INDEX_FILE` (the
/// directory says which repository).
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
}

/// What a git command said.
#[derive(Debug, Clone)]
pub struct GitOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Git {
    pub fn new(dir: impl Into<PathBuf>) -> Git {
        Git { dir: dir.into() }
    }

    /// Runs `git <args>` and returns what it said, whatever its exit code.
    pub fn output<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<GitOutput, StartError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GCM_INTERACTIVE", "never")
            .env("INTELLIMANAGE_NO_HOOKS", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| StartError::Spawn(e.to_string()))?;
        Ok(GitOutput {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }

    /// Runs `git <args>`; its stdout, or an error with its stderr.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<String, StartError> {
        let out = self.output(args)?;
        if out.success {
            Ok(out.stdout)
        } else {
            Err(StartError::Git {
                args: args
                    .iter()
                    .map(|a| a.as_ref().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
                stderr: out.stderr,
            })
        }
    }

    /// The branch checked out here (`symbolic-ref`); [`StartError::Detached`] when none.
    pub fn current_branch(&self) -> Result<String, StartError> {
        let out = self.output(&["symbolic-ref", "--quiet", "--short", "HEAD"])?;
        let name = out.stdout.trim();
        if out.success && !name.is_empty() {
            Ok(name.to_string())
        } else {
            Err(StartError::Detached)
        }
    }

    /// The worktrees and the branches under `prefix`.
    pub fn state(&self, prefix: &str) -> Result<GitState, StartError> {
        let worktrees = parse_worktree_list(&self.run(&["worktree", "list", "--porcelain"])?);
        let root = worktrees
            .first()
            .map(|w| w.path.clone())
            .unwrap_or_else(|| self.dir.clone());
        let refs = self.run(&[
            "for-each-ref",
            "--format=%(refname)",
            &format!("refs/heads/{prefix}/"),
        ])?;
        let branches = refs
            .lines()
            .filter_map(|l| l.trim().strip_prefix("refs/heads/"))
            .map(str::to_string)
            .collect();
        Ok(GitState {
            root,
            branches,
            worktrees,
        })
    }

    /// Local branches merged into `base` (`git branch --merged`), under `prefix`.
    pub fn merged(&self, base: &str, prefix: &str) -> Result<BTreeSet<String>, StartError> {
        let out = self.run(&[
            "branch",
            "--format=%(refname)",
            "--merged",
            base,
            "--list",
            &format!("{prefix}/*"),
        ])?;
        Ok(out
            .lines()
            .filter_map(|l| l.trim().strip_prefix("refs/heads/"))
            .map(str::to_string)
            .collect())
    }

    /// Whether the worktree at `path` has uncommitted changes (untracked files included).
    pub fn is_dirty(path: &Path) -> Result<bool, StartError> {
        let out = Git::new(path).run(&["status", "--porcelain", "--untracked-files=normal"])?;
        Ok(!out.trim().is_empty())
    }
}
