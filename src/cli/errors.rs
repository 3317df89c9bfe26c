//! How every error becomes what the user sees: the message, a hint where the cause is
//! known, and the exit code. The one place where kinds of failure map to exit codes.

use git_intellimanage::tracker::ErrorKind;
use std::io::Write;
use std::process::ExitCode;

use git_intellimanage::auth::AuthError;
use git_intellimanage::commits::CommitsError;
use git_intellimanage::github;
use git_intellimanage::hooks::HooksError;
use git_intellimanage::lock::LockError;
use git_intellimanage::output::{ColorChoice, Painter};
use git_intellimanage::record::RecordError;
use git_intellimanage::repo::RepoError;
use git_intellimanage::share::ShareError;
use git_intellimanage::share::remote_lock::RemoteLockError;
use git_intellimanage::sync::SyncError;

/// Fixed exit codes (listed in `--help`).
pub mod exit {
    pub const FINDINGS: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const REPO: u8 = 3;
    pub const CONFIG: u8 = 4;
    pub const AUTH: u8 = 5;
    pub const GITHUB: u8 = 6;
    pub const RACED: u8 = 7;
    pub const LOCKED: u8 = 8;
}

/// An error as the user sees it: what happened, what to do, and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(code: u8, message: impl Into<String>) -> CliError {
        CliError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }

    /// Prints `error: …` and `hint: …` to stderr and returns the exit code.
    pub fn report(&self, color: ColorChoice) -> ExitCode {
        let p = Painter::for_stderr(color);
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{} {}", p.red("error:"), self.message);
        if let Some(hint) = &self.hint {
            let _ = writeln!(err, "{} {}", p.cyan("hint:"), hint);
        }
        ExitCode::from(self.code)
    }
}

impl From<RepoError> for CliError {
    fn from(e: RepoError) -> CliError {
        let hint = match &e {
            RepoError::NotARepo { .. } => {
                Some("run this inside a git repository that keeps an IntelliManage plan")
            }
            RepoError::BadRevision { .. } => {
                Some("name a branch, tag or commit (`git log` lists them)")
            }
            RepoError::Unborn { .. } => {
                Some("commit the plan first, or read uncommitted files with --worktree")
            }
            RepoError::NoWorktree => Some("read a commit instead (drop --worktree)"),
            _ => None,
        };
        let err = CliError::new(exit::REPO, e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

impl From<RecordError> for CliError {
    fn from(e: RecordError) -> CliError {
        match e {
            RecordError::Repo(r) => r.into(),
            RecordError::Raced => CliError::new(exit::RACED, e.to_string()),
            RecordError::Damaged { .. } => CliError::new(exit::REPO, e.to_string()).hint(
                "inspect it with `git log -p refs/intellimanage/sync`; deleting the ref makes the next sync start over (it finds existing GitHub items by their IntelliManage-ID)",
            ),
            RecordError::Write(_) => CliError::new(exit::REPO, e.to_string()),
        }
    }
}

/// A target (Epic, Feature, milestone, issue numbers) that names nothing, or names it
/// wrongly: a usage error, with the hint that lists what there is.
impl From<git_intellimanage::waves::WavesError> for CliError {
    fn from(e: git_intellimanage::waves::WavesError) -> CliError {
        let hint = e.hint();
        let err = CliError::new(exit::USAGE, e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

impl From<LockError> for CliError {
    fn from(e: LockError) -> CliError {
        let code = match &e {
            LockError::Busy { .. } => exit::LOCKED,
            LockError::Io { .. } => exit::REPO,
        };
        let hint = e.hint();
        CliError::new(code, e.to_string()).hint(hint)
    }
}

pub type CliResult = Result<ExitCode, CliError>;

impl From<SyncError> for CliError {
    fn from(e: SyncError) -> CliError {
        let hint = e.hint();
        let code = match &e {
            SyncError::Repo(_) => exit::REPO,
            SyncError::Record(git_intellimanage::record::RecordError::Raced) => exit::RACED,
            SyncError::Record(_) => exit::REPO,
            SyncError::Auth { .. } => exit::AUTH,
            SyncError::Tracker { source, .. } if source.kind.is_auth() => exit::AUTH,
            SyncError::Tracker { source, .. } if source.kind == ErrorKind::Setup => exit::CONFIG,
            SyncError::Tracker { .. } => exit::GITHUB,
            SyncError::NoRepository { .. } => exit::CONFIG,
            SyncError::NoProject { .. } => exit::REPO,
            SyncError::NoWorktree => exit::REPO,
            SyncError::Commit(_) => exit::REPO,
        };
        let err = CliError::new(code, e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

impl From<RemoteLockError> for CliError {
    fn from(e: RemoteLockError) -> CliError {
        match &e {
            RemoteLockError::Busy { .. } => CliError::new(exit::LOCKED, e.to_string()).hint(
                "another clone is syncing this plan: let it finish (its record reaches you with the next sync), or wait longer with --wait SECONDS",
            ),
            RemoteLockError::Share(ShareError::Record(r)) => {
                CliError::new(exit::REPO, r.to_string())
            }
            RemoteLockError::Share(_) => CliError::new(exit::GITHUB, e.to_string()),
        }
    }
}

/// The git remote the record is shared through could not be used.
impl From<ShareError> for CliError {
    fn from(e: ShareError) -> CliError {
        match e {
            ShareError::Record(r) => CliError::from(r),
            other => CliError::new(exit::GITHUB, other.to_string())
                .hint("check the remote's URL and your access to it (`git fetch` says more)"),
        }
    }
}

/// A GitHub error while `what` was being done: a token GitHub refuses is an
/// authentication problem, anything else GitHub's.
pub fn github_error(e: github::Error, what: &str) -> CliError {
    let code = match e.status() {
        Some(401) | Some(403) => exit::AUTH,
        _ => exit::GITHUB,
    };
    let hint = e.hint();
    CliError::new(code, format!("{what}: {}", e.without_hint())).hint(hint)
}

/// No token, or one that can't be used; the hint names `pat_env_var_name`.
pub fn auth_error(e: AuthError, pat_env_var_name: &str) -> CliError {
    let hint = e.hint(pat_env_var_name);
    CliError::new(exit::AUTH, e.to_string()).hint(hint)
}

impl From<HooksError> for CliError {
    fn from(e: HooksError) -> CliError {
        match &e {
            HooksError::Git { .. } => CliError::new(exit::REPO, e.to_string())
                .hint("run this inside a git repository (or pass -C <dir>)"),
            HooksError::DamagedBlock { .. } | HooksError::ChainTaken { .. } => {
                CliError::new(exit::REPO, e.to_string())
            }
            HooksError::Io { .. } => CliError::new(exit::REPO, e.to_string())
                .hint("check the permissions of the hooks directory"),
        }
    }
}

impl From<CommitsError> for CliError {
    fn from(e: CommitsError) -> CliError {
        CliError::new(exit::REPO, e.to_string())
    }
}
