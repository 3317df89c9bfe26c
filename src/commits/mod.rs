//! Commit links: which artifacts each commit touched, and which it names after a keyword
//! (`Fixes TASK-123`, `Refs EPIC-5`), kept in git under `refs/intellimanage/commits`.
//!
//! The post-commit hook must stay fast, so commit links live apart from the sync record's
//! big documents, one small JSON document per commit. The ref points at a commit of ours
//! (never on a branch; working tree and index untouched) whose parent is the previous
//! state, so `git log -p refs/intellimanage/commits` is the history. Its tree:
//!
//! ```text
//! commits/<aa>/<full sha>.json   one document per linked commit (<aa>: the sha's first
//!                                two hex digits, so no tree grows too large)
//! ```
//!
//! A document ([`CommitLinks`]):
//!
//! ```json
//! { "commit": "<sha>", "summary": "Fix the login form", "branch": "main",
//!   "artifacts": [ { "project": "web", "id": "TASK-1", "path": "…/TASK-1_login.md",
//!                    "change": "modified" } ],
//!   "mentions":  [ { "keyword": "Fixes", "id": "TASK-2", "project": "web",
//!                    "status_update": true } ],
//!   "comments":  [ { "repo": "acme/web", "issue": 12, "comment_id": 345 } ],
//!   "closed":    [ "acme/web#12" ] }
//! ```
//!
//! `comments` and `closed` are filled in by the pre-push hook, so a commit is commented on
//! an issue once only, however often it is pushed. Only commits that touch or name an
//! artifact are recorded. The ref is moved with a compare-and-swap on its previous value
//! and retried a few times when another writer got there first.
//!
//! | part | one sentence |
//! |---|---|
//! | `mentions` | Artifact IDs a commit message names after a keyword, and the project holding each. |
//! | `touched` | The artifacts a commit added, changed or removed, from its plan trees. |
//! | `tree` | A lean git tree reader: entries, and the artifact files two plan-root trees differ in. |
//! | `store` | The per-commit documents under [`COMMITS_REF`]: where they live, reading and writing them. |
//! | `readers` | What the recorded documents answer: related commits per artifact, open Done proposals. |
//! | `related` | One artifact's related commits: the recorded ones a commit contains, merged with the file's `related_commits`. |

mod mentions;
mod readers;
mod related;
mod store;
mod touched;
mod tree;

pub use mentions::{Mention, locate_mentions, merged_keywords, parse_mentions};
pub use readers::{Proposal, done_status, proposals, related_commits};
pub use related::{RelatedCommit, RelatedIndex};
pub use store::{all, document_path, load, store};
pub use touched::{Change, Touched, artifact_id, touched_artifacts, touched_between};

use crate::repo::RepoError;

/// The ref that holds the commit links.
pub const COMMITS_REF: &str = "refs/intellimanage/commits";
/// The directory of the ref's tree holding the documents.
pub const COMMITS_DIR: &str = "commits";

#[derive(Debug, thiserror::Error)]
pub enum CommitsError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("the commit links ({COMMITS_REF}) are damaged at {path}: {message}")]
    Damaged { path: String, message: String },
    #[error(
        "{COMMITS_REF} kept changing while this command tried to update it; run the command again"
    )]
    Raced,
    #[error("could not write {COMMITS_REF}: {0}")]
    Write(String),
}

pub type Result<T, E = CommitsError> = std::result::Result<T, E>;

/// A comment the pre-push hook posted for this commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostedComment {
    /// `owner/name`.
    pub repo: String,
    pub issue: u64,
    pub comment_id: u64,
}

/// A commit message's summary: its first line, trimmed.
pub fn summary_of(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Everything recorded about one commit.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CommitLinks {
    pub commit: String,
    /// The first line of the message.
    pub summary: String,
    /// The branch HEAD was on when the commit was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default)]
    pub artifacts: Vec<Touched>,
    #[serde(default)]
    pub mentions: Vec<Mention>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<PostedComment>,
    /// Issues (`owner/name#n`) closed because of a status keyword in this commit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<String>,
}

impl CommitLinks {
    /// True when there is nothing worth recording.
    pub fn is_empty(&self) -> bool {
        self.artifacts.is_empty() && self.mentions.is_empty()
    }

    /// The comment already posted on `repo#issue`, if any.
    pub fn comment_on(&self, repo: &str, issue: u64) -> Option<&PostedComment> {
        self.comments
            .iter()
            .find(|c| c.issue == issue && c.repo.eq_ignore_ascii_case(repo))
    }
}
