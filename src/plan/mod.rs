//! The pure planner: given the plan (local artifacts), the record of the last sync (links
//! with both sides' fields as last synced) and GitHub's state, it returns the operations
//! that bring both sides in step. It does no I/O, so dry-run, the offline diff and conflict
//! handling all come from the same code, and it is tested without a network.

pub mod fields;
pub mod links;
pub mod merge;
pub mod pull;

mod board;
mod issues;
mod milestones;
mod new_artifacts;
mod parents;
mod related;
mod retire;

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::artifact::{Artifact, Problem, vocab};
use crate::config::ProjectConfig;
pub use crate::tracker::RemoteState;
use crate::tracker::{Milestone, Platform};

use fields::{IssueFields, MilestoneFields, Target};
use links::{Fields, Link, LinkStatus, Links};
use merge::Conflict;

/// Which way changes may flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Plan → GitHub only; GitHub's own changes are left alone on GitHub.
    Push,
    /// Both ways.
    Both,
}

/// One operation. Milestones of issues are named by title; the executor resolves numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateLabel {
        name: String,
        color: String,
        description: String,
    },
    CreateMilestone {
        key: String,
        /// The artifact ID for the `IntelliManage-ID:` line (none for shared milestones).
        marker: Option<String>,
        fields: MilestoneFields,
    },
    UpdateMilestone {
        key: String,
        number: u64,
        marker: Option<String>,
        fields: MilestoneFields,
        changed: Vec<String>,
    },
    DeleteMilestone {
        key: String,
        number: u64,
    },
    CreateIssue {
        key: String,
        marker: String,
        fields: IssueFields,
    },
    UpdateIssue {
        key: String,
        number: u64,
        marker: String,
        fields: IssueFields,
        changed: Vec<String>,
    },
    /// Make an issue blocked by the issues of `add` and no longer by those of `remove`
    /// (artifact IDs of the same project, each linked to an issue by then): after every
    /// issue is created, so both ends of each dependency exist.
    SetDependencies {
        key: String,
        /// The issue's number; `None` when this run creates it.
        number: Option<u64>,
        title: String,
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// Put an issue on the project board (when `on_board` is false) and its card in
    /// `column` (`None`: its column is left as it is): after every issue is created.
    SetCard {
        key: String,
        /// The issue's number; `None` when this run creates it.
        number: Option<u64>,
        title: String,
        on_board: bool,
        column: Option<String>,
    },
    /// Make an issue a sub-issue of `parent`'s issue (artifact IDs of the same project),
    /// after every issue is created.
    SetParent {
        key: String,
        /// The issue's number; `None` when this run creates it.
        number: Option<u64>,
        title: String,
        parent: String,
        /// The parent's issue number, when it is linked already.
        parent_number: Option<u64>,
    },
    /// Bring the plan's artifact in line with GitHub (fields the planner merged in).
    EditArtifact {
        key: String,
        path: String,
        /// Where the file moves (out of `archive/`, once its item is open again).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        fields: Fields,
        changed: Vec<String>,
        #[serde(skip)]
        edit: crate::writeback::Edit,
    },
    /// A new artifact file for a GitHub issue the plan doesn't have (opt-in).
    CreateArtifact {
        key: String,
        /// Repository-relative path of the new file.
        path: String,
        number: u64,
        #[serde(skip)]
        text: String,
    },
}

impl Op {
    pub fn key(&self) -> Option<&str> {
        match self {
            Op::CreateLabel { .. } => None,
            Op::CreateMilestone { key, .. }
            | Op::UpdateMilestone { key, .. }
            | Op::DeleteMilestone { key, .. }
            | Op::CreateIssue { key, .. }
            | Op::UpdateIssue { key, .. }
            | Op::SetDependencies { key, .. }
            | Op::SetCard { key, .. }
            | Op::SetParent { key, .. }
            | Op::EditArtifact { key, .. }
            | Op::CreateArtifact { key, .. } => Some(key),
        }
    }

    /// True for operations that write to GitHub.
    pub fn writes_github(&self) -> bool {
        !matches!(self, Op::EditArtifact { .. } | Op::CreateArtifact { .. })
    }
}

/// Something the user should hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub key: Option<String>,
    pub message: String,
    /// True when the item did not (fully) sync because of it.
    pub incomplete: bool,
}

/// What becomes of one item once its operations succeed: the link to record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settle {
    pub key: String,
    pub target: Target,
    pub marker: Option<String>,
    /// Linked item number, if known before executing (None: created by an op).
    pub number: Option<u64>,
    pub path: Option<String>,
    /// The plan's fields after this sync.
    pub local: Fields,
    /// The plan's fields as its committed file says them, when they differ from `local`:
    /// GitHub's changes are written into the working tree, not committed (the executor
    /// drops this when it commits them).
    pub committed: Option<Fields>,
    /// GitHub's fields after this sync, as far as the planner knows (the executor
    /// replaces them with what GitHub answers).
    pub remote: Fields,
    pub updated_at: Option<String>,
    pub url: Option<String>,
    /// The item is gone from the plan; its GitHub item is (being) closed.
    pub retired: bool,
    pub flagged: bool,
}

/// Everything the planner decided for one project.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub ops: Vec<Op>,
    pub settle: Vec<Settle>,
    pub notes: Vec<Note>,
    pub conflicts: Vec<(String, Conflict)>,
}

impl Plan {
    pub fn github_writes(&self) -> usize {
        self.ops.iter().filter(|o| o.writes_github()).count()
    }
}

/// Everything the planner needs for one project.
pub struct Input<'a> {
    pub project: &'a str,
    /// The GitHub repository (`owner/name`), for links written into new artifacts.
    pub repo: &'a str,
    pub config: &'a ProjectConfig,
    /// The project's artifacts at the revision being synced.
    pub artifacts: Vec<&'a Artifact>,
    /// The project's artifact files that are there but cannot be read (their problems):
    /// what they are linked to is left alone, never retired.
    pub unreadable: Vec<&'a Problem>,
    pub links: &'a Links,
    pub remote: &'a RemoteState,
    pub direction: Direction,
    /// Today's date (UTC, `YYYY-MM-DD`): what `updated_date` becomes in files this run
    /// edits. An input, so that planning reads no clock.
    pub today: &'a str,
}

/// Last-update-wins: is the artifact's `updated_date` later than GitHub's `updated_at`?
/// Dates have day granularity: a plan edited on the same UTC day as GitHub counts as newer
/// (the plan is where work is planned).
pub fn local_is_newer(updated_date: Option<&str>, remote_updated_at: Option<&str>) -> bool {
    let local = updated_date.and_then(|d| vocab::parse_date(d.trim()));
    let remote = remote_updated_at
        .and_then(fields::utc_date)
        .and_then(|d| vocab::parse_date(&d));
    match (local, remote) {
        (Some(l), Some(r)) => l >= r,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// What every step reads: the input and lookups built once.
pub(crate) struct Ctx<'a> {
    pub(crate) input: &'a Input<'a>,
    pub(crate) by_id: HashMap<&'a str, &'a Artifact>,
    pub(crate) ms_by_number: HashMap<u64, &'a Milestone>,
    pub(crate) ms_by_title: HashMap<String, &'a Milestone>,
    pub(crate) ms_by_marker: HashMap<String, &'a Milestone>,
    pub(crate) conflict_label: String,
    /// IDs (lowercased) that the names of the unreadable files suggest.
    pub(crate) unreadable_ids: BTreeSet<String>,
    /// The IDs dependencies are synced between: the project's issue artifacts (and linked
    /// ones whose file can't be read right now).
    pub(crate) issue_ids: BTreeSet<String>,
    /// Issue number → artifact ID, for the issues of this place linked to (or marked for)
    /// an artifact of the project.
    pub(crate) id_by_number: HashMap<u64, String>,
    /// The project board, when the project syncs one and this run read it.
    pub(crate) board: Option<board::BoardMap<'a>>,
}

/// What the steps build up.
pub(crate) struct Acc {
    pub(crate) out: Plan,
    pub(crate) labels: issues::LabelNeeds,
    pub(crate) milestone_ops: Vec<Op>,
    pub(crate) issue_ops: Vec<Op>,
    /// Dependencies to set, once every issue exists.
    pub(crate) dependency_ops: Vec<Op>,
    /// Cards to put on the project board, once every issue exists.
    pub(crate) card_ops: Vec<Op>,
    pub(crate) retire_ops: Vec<Op>,
    /// Titles (lowercased) of milestones that exist or will exist after this run.
    pub(crate) available_milestones: BTreeSet<String>,
    /// Each milestone's title once this run is done (renamed on either side), by key: the
    /// issues under it are put in it under that title.
    pub(crate) milestone_titles: HashMap<String, String>,
    /// Milestones this run renames: lowercased title on GitHub → new title.
    pub(crate) renamed: HashMap<String, String>,
    /// Lowercased titles of the milestones this run deletes (`delete_milestones`).
    pub(crate) deleted_milestones: BTreeSet<String>,
}

/// The planner.
pub fn plan(input: &Input<'_>) -> Plan {
    let remote = input.remote;
    let ctx = Ctx {
        input,
        by_id: input
            .artifacts
            .iter()
            .map(|a| (a.id.as_str(), *a))
            .collect(),
        ms_by_number: remote.milestones.iter().map(|m| (m.number, m)).collect(),
        ms_by_title: remote
            .milestones
            .iter()
            .map(|m| (m.title.trim().to_lowercase(), m))
            .collect(),
        ms_by_marker: remote
            .milestones
            .iter()
            .filter_map(|m| fields::marker_id(&m.description).map(|id| (id, m)))
            .collect(),
        conflict_label: input.config.github.mapping.conflict_label(),
        unreadable_ids: input
            .unreadable
            .iter()
            .filter_map(|p| crate::diff::id_from_file_name(&p.path))
            .map(str::to_lowercase)
            .collect(),
        issue_ids: BTreeSet::new(),
        id_by_number: HashMap::new(),
        board: remote
            .board
            .as_ref()
            .and_then(|b| board::BoardMap::new(b, input.config)),
    };
    let ctx = related::with_dependency_ids(ctx);
    let mut acc = Acc {
        out: Plan::default(),
        labels: issues::LabelNeeds::default(),
        milestone_ops: Vec::new(),
        issue_ops: Vec::new(),
        dependency_ops: Vec::new(),
        card_ops: Vec::new(),
        retire_ops: Vec::new(),
        available_milestones: remote
            .milestones
            .iter()
            .map(|m| m.title.trim().to_lowercase())
            .collect(),
        milestone_titles: HashMap::new(),
        renamed: HashMap::new(),
        deleted_milestones: BTreeSet::new(),
    };
    // 1. What the plan wants on GitHub; 2. the labels its issues need.
    let desired = milestones::desired(&ctx);
    let issue_artifacts = issues::collect(&ctx, &mut acc);
    // 3. Milestones, 4. issues, 5. new artifacts from GitHub, 6. what the plan dropped.
    milestones::plan(&ctx, &mut acc, &desired);
    acc.deleted_milestones = retire::deleted_milestone_titles(&ctx, &acc);
    issues::plan(&ctx, &mut acc, issue_artifacts);
    new_artifacts::plan_new_artifacts(&ctx, &mut acc);
    retire::plan(&ctx, &mut acc);
    // Order: labels, milestones, issues (which may need both), then closes.
    let mut out = acc.out;
    let issue_ops: Vec<&Op> = acc.issue_ops.iter().chain(&acc.retire_ops).collect();
    out.ops.extend(acc.labels.used_by(&issue_ops));
    out.ops.extend(acc.milestone_ops);
    out.ops.extend(acc.issue_ops);
    out.ops.extend(acc.dependency_ops);
    out.ops.extend(acc.card_ops);
    out.ops.extend(acc.retire_ops);
    out
}

/// A link's status after a successful sync.
pub fn settled_status(s: &Settle) -> LinkStatus {
    if s.flagged {
        LinkStatus::Manual
    } else {
        LinkStatus::Synced
    }
}

/// Builds the link to record for a settled item.
pub fn link_of(
    s: &Settle,
    repo: &str,
    number: u64,
    remote: Fields,
    updated_at: Option<String>,
    url: Option<String>,
) -> Link {
    Link {
        target: s.target,
        tracker: Platform::default(),
        host: None,
        repo: repo.to_string(),
        number,
        url: url.or_else(|| s.url.clone()),
        path: s.path.clone(),
        status: settled_status(s),
        local: Some(s.local.clone()),
        remote: Some(remote),
        updated_at: updated_at.or_else(|| s.updated_at.clone()),
        retired: s.retired,
        message: if s.flagged {
            Some(
                "conflicting edits on both sides: resolve them, then remove the conflict label/tag"
                    .to_string(),
            )
        } else {
            None
        },
        committed: s.committed.clone(),
    }
}
