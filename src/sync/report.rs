//! What a sync did (or, with `--dry-run`, would do): per project, every operation with its
//! HTTP method and path, notes, conflicts and failures; and the request counts.

use serde::Serialize;

use crate::plan::merge::Conflict;
use crate::plan::{Note, Op};
use crate::tracker::{Platform, Stats, Tracker, Verb, Write};

/// What kind of operation (serialised as `create_issue`, `update_milestone`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    CreateLabel,
    CreateMilestone,
    UpdateMilestone,
    DeleteMilestone,
    CreateIssue,
    UpdateIssue,
    SetDependencies,
    SetCard,
    SetParent,
    EditArtifact,
    CreateArtifact,
    WriteLink,
}

/// How an operation ended (`planned` in a dry run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Planned,
    Done,
    /// An item that existed already (created meanwhile, or by an interrupted run) was used.
    Adopted,
    Failed,
    /// Not tried: an earlier operation of the same item failed.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Planned => "planned",
            Outcome::Done => "done",
            Outcome::Adopted => "adopted",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// How an operation is sent: an HTTP method, or a change of an artifact file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Post,
    Patch,
    Put,
    Delete,
    /// An artifact file rewritten.
    Edit,
    /// An artifact file created.
    Create,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Edit => "EDIT",
            Method::Create => "CREATE",
        }
    }
}

impl From<Verb> for Method {
    fn from(v: Verb) -> Method {
        match v {
            Verb::Post => Method::Post,
            Verb::Patch => Method::Patch,
            Verb::Put => Method::Put,
            Verb::Delete => Method::Delete,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One operation as reported.
#[derive(Debug, Clone, Serialize)]
pub struct OpReport {
    pub op: OpKind,
    pub key: Option<String>,
    pub method: Method,
    /// The API path, or the artifact file for `EDIT`.
    pub path: String,
    /// The fields sent (or changed).
    pub fields: Vec<String>,
    pub title: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl OpReport {
    /// An operation as `tracker` would send it (or the artifact file it changes).
    pub fn planned(op: &Op, tracker: &dyn Tracker) -> OpReport {
        let sent = |write: Write| {
            let (verb, path) = tracker.describe(write);
            (Method::from(verb), path)
        };
        let (kind, (method, path), fields, title, number) = match op {
            Op::CreateLabel { name, color, .. } => (
                OpKind::CreateLabel,
                sent(Write::CreateLabel),
                vec![format!("name={name}"), format!("color={color}")],
                name.clone(),
                None,
            ),
            Op::CreateMilestone { fields, .. } => {
                let mut f = vec!["title".to_string(), "description".to_string()];
                if fields.due_on.is_some() {
                    f.push("due_on".to_string());
                }
                if fields.closed {
                    f.push("state".to_string());
                }
                (
                    OpKind::CreateMilestone,
                    sent(Write::CreateMilestone),
                    f,
                    fields.title.clone(),
                    None,
                )
            }
            Op::UpdateMilestone {
                number,
                fields,
                changed,
                ..
            } => (
                OpKind::UpdateMilestone,
                sent(Write::UpdateMilestone(*number)),
                changed.clone(),
                fields.title.clone(),
                Some(*number),
            ),
            Op::DeleteMilestone { number, key } => (
                OpKind::DeleteMilestone,
                sent(Write::DeleteMilestone(*number)),
                Vec::new(),
                key.clone(),
                Some(*number),
            ),
            Op::CreateIssue { fields, .. } => {
                let mut f = vec!["title".to_string(), "body".to_string()];
                if !fields.labels.is_empty() {
                    f.push("labels".to_string());
                }
                if !fields.assignees.is_empty() {
                    f.push("assignees".to_string());
                }
                if fields.milestone.is_some() {
                    f.push("milestone".to_string());
                }
                (
                    OpKind::CreateIssue,
                    sent(Write::CreateIssue),
                    f,
                    fields.title.clone(),
                    None,
                )
            }
            Op::UpdateIssue {
                number,
                fields,
                changed,
                ..
            } => (
                OpKind::UpdateIssue,
                sent(Write::UpdateIssue(*number)),
                changed.clone(),
                fields.title.clone(),
                Some(*number),
            ),
            Op::SetDependencies {
                number,
                title,
                add,
                remove,
                ..
            } => (
                OpKind::SetDependencies,
                sent(Write::SetDependencies(*number, !add.is_empty())),
                add.iter()
                    .map(|id| format!("depends_on+={id}"))
                    .chain(remove.iter().map(|id| format!("depends_on-={id}")))
                    .collect(),
                title.clone(),
                *number,
            ),
            Op::SetCard {
                number,
                title,
                on_board,
                column,
                ..
            } => (
                OpKind::SetCard,
                sent(Write::SetCard(*number)),
                (!on_board)
                    .then(|| "board".to_string())
                    .into_iter()
                    .chain(column.iter().map(|c| format!("column={c}")))
                    .collect(),
                title.clone(),
                *number,
            ),
            Op::SetParent {
                number,
                title,
                parent,
                parent_number,
                ..
            } => (
                OpKind::SetParent,
                sent(Write::SetParent(*parent_number)),
                vec![format!("parent={parent}")],
                title.clone(),
                *number,
            ),
            Op::EditArtifact { path, changed, .. } => (
                OpKind::EditArtifact,
                (Method::Edit, path.clone()),
                changed.clone(),
                String::new(),
                None,
            ),
            Op::CreateArtifact { path, number, .. } => (
                OpKind::CreateArtifact,
                (Method::Create, path.clone()),
                Vec::new(),
                String::new(),
                Some(*number),
            ),
        };
        OpReport {
            op: kind,
            key: op.key().map(str::to_string),
            method,
            path,
            fields,
            title,
            outcome: Outcome::Planned,
            number,
            error: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictReport {
    pub key: String,
    #[serde(flatten)]
    pub conflict: Conflict,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub key: Option<String>,
    pub message: String,
}

/// One project's part of the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProjectReport {
    pub project: String,
    /// The tracker the project syncs with.
    pub tracker: Platform,
    /// The place there: `owner/name`, `group/sub/project`.
    pub repo: String,
    pub ops: Vec<OpReport>,
    pub notes: Vec<Note>,
    pub conflicts: Vec<ConflictReport>,
    pub failures: Vec<Failure>,
    /// Items that needed nothing.
    pub unchanged: usize,
}

impl ProjectReport {
    /// Operations of `kind` that did not fail.
    pub fn count(&self, kind: OpKind) -> usize {
        self.ops
            .iter()
            .filter(|o| o.op == kind && o.outcome != Outcome::Failed)
            .count()
    }
}

/// Request counts (from the client).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RequestStats {
    pub requests: u64,
    pub reads: u64,
    pub writes: u64,
    pub not_modified: u64,
    pub retries: u64,
    pub rate_limit_waits: u64,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub rev: String,
    pub commit: String,
    pub projects: Vec<ProjectReport>,
    /// Projects not synced, and why.
    pub skipped: Vec<String>,
    pub requests: RequestStats,
    /// The new record commit, when the record moved.
    pub record_commit: Option<String>,
    /// Plan files that could not be read (they stay pending until fixed).
    pub problems: Vec<crate::artifact::Problem>,
    /// Artifact files changed or created in the working tree with GitHub's changes.
    pub written: Vec<String>,
    /// The commit made with them (`--commit`).
    pub committed: Option<String>,
    /// Why GitHub's changes were not brought into the plan, when they weren't.
    pub pull_skipped: Option<String>,
    /// Why the links were not written into the files (`--write-links`), when they weren't.
    pub links_skipped: Option<String>,
    /// With `--fetch-only`: what GitHub has that the plan doesn't.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incoming: Option<super::incoming::Incoming>,
    /// What sharing the record through the git remote could not do, or found.
    pub share_notes: Vec<String>,
}

impl Report {
    pub fn new(dry_run: bool, rev: &str, commit: &str) -> Report {
        Report {
            dry_run,
            rev: rev.to_string(),
            commit: commit.to_string(),
            projects: Vec::new(),
            skipped: Vec::new(),
            requests: RequestStats::default(),
            record_commit: None,
            problems: Vec::new(),
            written: Vec::new(),
            committed: None,
            pull_skipped: None,
            links_skipped: None,
            incoming: None,
            share_notes: Vec::new(),
        }
    }

    pub fn add_stats(&mut self, s: &Stats) {
        self.requests.requests += s.requests;
        self.requests.reads += s.reads;
        self.requests.writes += s.writes;
        self.requests.not_modified += s.not_modified;
        self.requests.retries += s.retries;
        self.requests.rate_limit_waits += s.rate_limit_waits;
    }

    /// True when something did not fully sync (a failure, or a note that says so).
    pub fn incomplete(&self) -> bool {
        !self.problems.is_empty()
            || self
                .projects
                .iter()
                .any(|p| !p.failures.is_empty() || p.notes.iter().any(|n| n.incomplete))
    }

    pub fn total(&self, op: OpKind) -> usize {
        self.projects.iter().map(|p| p.count(op)).sum()
    }
}
