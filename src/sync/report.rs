//! What a sync did (or, with `--dry-run`, would do): per project, every operation with its
//! HTTP method and path, notes, conflicts and failures; and the request counts.

use serde::Serialize;

use crate::github::Stats;
use crate::plan::merge::Conflict;
use crate::plan::{Note, Op};

/// One operation as reported.
#[derive(Debug, Clone, Serialize)]
pub struct OpReport {
    /// `create_issue`, `update_milestone`, …
    pub op: String,
    pub key: Option<String>,
    /// `POST`, `PATCH`, `DELETE`, or `EDIT` for artifact files.
    pub method: String,
    /// The API path, or the artifact file for `EDIT`.
    pub path: String,
    /// The fields sent (or changed).
    pub fields: Vec<String>,
    pub title: String,
    /// `planned` (dry run), `done`, `adopted`, `failed`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl OpReport {
    pub fn planned(op: &Op, repo: &str) -> OpReport {
        let base = format!("/repos/{repo}");
        let (kind, method, path, fields, title, number) = match op {
            Op::CreateLabel { name, color, .. } => (
                "create_label",
                "POST",
                format!("{base}/labels"),
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
                    "create_milestone",
                    "POST",
                    format!("{base}/milestones"),
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
                "update_milestone",
                "PATCH",
                format!("{base}/milestones/{number}"),
                changed.clone(),
                fields.title.clone(),
                Some(*number),
            ),
            Op::DeleteMilestone { number, key } => (
                "delete_milestone",
                "DELETE",
                format!("{base}/milestones/{number}"),
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
                    "create_issue",
                    "POST",
                    format!("{base}/issues"),
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
                "update_issue",
                "PATCH",
                format!("{base}/issues/{number}"),
                changed.clone(),
                fields.title.clone(),
                Some(*number),
            ),
            Op::EditArtifact { path, changed, .. } => (
                "edit_artifact",
                "EDIT",
                path.clone(),
                changed.clone(),
                String::new(),
                None,
            ),
            Op::CreateArtifact { path, number, .. } => (
                "create_artifact",
                "CREATE",
                path.clone(),
                Vec::new(),
                String::new(),
                Some(*number),
            ),
        };
        OpReport {
            op: kind.to_string(),
            key: op.key().map(str::to_string),
            method: method.to_string(),
            path,
            fields,
            title,
            outcome: "planned".to_string(),
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
    pub repo: String,
    pub ops: Vec<OpReport>,
    pub notes: Vec<Note>,
    pub conflicts: Vec<ConflictReport>,
    pub failures: Vec<Failure>,
    /// Items that needed nothing.
    pub unchanged: usize,
}

impl ProjectReport {
    pub fn count(&self, op: &str) -> usize {
        self.ops
            .iter()
            .filter(|o| o.op == op && o.outcome != "failed")
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

    pub fn total(&self, op: &str) -> usize {
        self.projects.iter().map(|p| p.count(op)).sum()
    }
}
