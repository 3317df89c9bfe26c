//! What GitHub has that the plan doesn't yet: computed by `sync --fetch-only`, kept in the
//! sync record (`incoming.json`) so that `diff --incoming` and `status` can show it again
//! without a network.

use serde::{Deserialize, Serialize};

use crate::plan::RemoteState;
use crate::plan::fields::{self, IssueFields, MilestoneFields, Target};
use crate::plan::links::{Fields, Links};
use crate::tracker::Platform;

/// The incoming document in the sync record.
pub const INCOMING_DOC: &str = "incoming.json";

/// One field GitHub changed since the last sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// A linked item GitHub changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingItem {
    pub key: String,
    pub target: Target,
    pub number: u64,
    pub title: String,
    pub changes: Vec<FieldChange>,
}

/// An issue the plan has no artifact for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlinked {
    pub project: String,
    pub number: u64,
    pub title: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incoming {
    /// When it was fetched (RFC 3339, UTC).
    pub fetched_at: Option<String>,
    pub items: Vec<IncomingItem>,
    pub unlinked: Vec<Unlinked>,
    /// The trackers it was fetched from (fetches before this field: GitHub).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trackers: Vec<Platform>,
}

impl Incoming {
    /// The trackers it was fetched from, as people write them: `GitHub`, `GitHub and
    /// GitLab`.
    pub fn trackers_named(&self) -> String {
        crate::tracker::platforms_named(self.trackers.iter().copied(), Platform::Github.name())
    }
}

fn list(v: &std::collections::BTreeSet<String>) -> String {
    v.iter().cloned().collect::<Vec<_>>().join(", ")
}

fn issue_changes(old: &IssueFields, new: &IssueFields) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field: &str, o: String, n: String| {
        if o != n {
            out.push(FieldChange {
                field: field.to_string(),
                old: o,
                new: n,
            });
        }
    };
    push("title", old.title.clone(), new.title.clone());
    push("body", old.body.clone(), new.body.clone());
    let state = |f: &IssueFields| {
        if f.closed {
            format!("closed ({})", f.state_reason.clone().unwrap_or_default())
        } else {
            "open".to_string()
        }
    };
    push("state", state(old), state(new));
    push("labels", list(&old.labels), list(&new.labels));
    push("assignees", list(&old.assignees), list(&new.assignees));
    push(
        "milestone",
        old.milestone.clone().unwrap_or_default(),
        new.milestone.clone().unwrap_or_default(),
    );
    // Known on both sides only: dependencies this run read, a board it read.
    if let (Some(o), Some(n)) = (&old.depends_on, &new.depends_on) {
        push("depends_on", list(o), list(n));
    }
    if let (Some(o), Some(n)) = (&old.column, &new.column) {
        push("column", o.clone(), n.clone());
    }
    out
}

fn milestone_changes(old: &MilestoneFields, new: &MilestoneFields) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field: &str, o: String, n: String| {
        if o != n {
            out.push(FieldChange {
                field: field.to_string(),
                old: o,
                new: n,
            });
        }
    };
    push("title", old.title.clone(), new.title.clone());
    push(
        "description",
        old.description.clone(),
        new.description.clone(),
    );
    let st = |c: bool| if c { "closed" } else { "open" }.to_string();
    push("state", st(old.closed), st(new.closed));
    push(
        "due_on",
        old.due_on.clone().unwrap_or_default(),
        new.due_on.clone().unwrap_or_default(),
    );
    out
}

/// What changed on GitHub for one project's linked items, and its unlinked issues.
pub fn compute(
    project: &str,
    cfg: &crate::config::ProjectConfig,
    links: &Links,
    remote: &RemoteState,
) -> (Vec<IncomingItem>, Vec<Unlinked>) {
    let mut items = Vec::new();
    // The project's linked issues by number, as artifact IDs (dependencies name those).
    let id_of: std::collections::BTreeMap<u64, &str> = links
        .of_project(project)
        .filter(|(_, l)| l.target == Target::Issue && !l.retired)
        .filter_map(|(k, l)| Some((l.number, k.rsplit_once('/')?.1)))
        .collect();
    for (key, link) in links.of_project(project) {
        if link.retired {
            continue;
        }
        match (&link.remote, link.target) {
            (Some(Fields::Issue(base)), Target::Issue) => {
                if let Some(issue) = remote.issues.get(&link.number) {
                    let mut now = fields::remote_issue_fields(issue);
                    now.depends_on = issue.blocked_by.as_ref().map(|numbers| {
                        numbers
                            .iter()
                            .filter_map(|n| id_of.get(n).map(|id| id.to_string()))
                            .collect()
                    });
                    now.column = remote
                        .board
                        .as_ref()
                        .and_then(|b| b.cards.get(&link.number).cloned().flatten());
                    let changes = issue_changes(base, &now);
                    if !changes.is_empty() {
                        items.push(IncomingItem {
                            key: key.clone(),
                            target: Target::Issue,
                            number: link.number,
                            title: now.title,
                            changes,
                        });
                    }
                }
            }
            (Some(Fields::Milestone(base)), Target::Milestone) => {
                if let Some(m) = remote.milestones.iter().find(|m| m.number == link.number) {
                    let now = fields::synced_milestone_fields(m, cfg);
                    let changes = milestone_changes(base, &now);
                    if !changes.is_empty() {
                        items.push(IncomingItem {
                            key: key.clone(),
                            target: Target::Milestone,
                            number: link.number,
                            title: now.title,
                            changes,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    let linked: std::collections::BTreeSet<u64> = links
        .items
        .values()
        .filter(|l| l.target == Target::Issue)
        .map(|l| l.number)
        .collect();
    let unlinked = remote
        .issues
        .values()
        .filter(|i| !linked.contains(&i.number))
        .filter(|i| fields::marker_id(&i.body).is_none())
        .map(|i| Unlinked {
            project: project.to_string(),
            number: i.number,
            title: i.title.clone(),
        })
        .collect();
    (items, unlinked)
}
