//! What any issue tracker holds, in the planner's terms: issues, milestones and labels as
//! an adapter maps them (GitHub's `number`, GitLab's `iid`; open/closed; label and user
//! names; due dates as calendar days). The planner reads only these; each platform's
//! module maps its own wire types into them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An issue (never a pull or merge request).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Issue {
    /// The number people see and links name (`#12`): GitHub's `number`, GitLab's `iid`.
    pub number: u64,
    pub title: String,
    /// The text as the tracker has it (marker line included).
    pub body: String,
    pub closed: bool,
    /// Why it was closed: `completed` or `not_planned` (trackers without a reason: none).
    pub state_reason: Option<String>,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignees' user names (logins).
    pub assignees: Vec<String>,
    /// The title of its milestone.
    pub milestone: Option<String>,
    /// ISO 8601, UTC.
    pub created_at: Option<String>,
    /// ISO 8601, UTC.
    pub updated_at: Option<String>,
    /// Where people look at it.
    pub url: Option<String>,
}

/// A milestone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Milestone {
    /// The number the API addresses it by (GitHub's `number`, GitLab's `id`).
    pub number: u64,
    pub title: String,
    /// The text as the tracker has it (marker line included).
    pub description: String,
    pub closed: bool,
    /// The due date as a calendar day (`YYYY-MM-DD`), as the tracker means it.
    pub due_date: Option<String>,
    /// ISO 8601, UTC.
    pub updated_at: Option<String>,
    pub url: Option<String>,
}

/// A label.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Label {
    pub name: String,
    /// Six hex digits, without `#`.
    pub color: Option<String>,
}

/// A tracker's state as one run read it.
#[derive(Debug, Clone, Default)]
pub struct RemoteState {
    /// Issues read this run, by number: all of them when `complete`, otherwise only those
    /// updated since the watermark (the rest are as last synced).
    pub issues: BTreeMap<u64, Issue>,
    pub complete: bool,
    /// Every milestone.
    pub milestones: Vec<Milestone>,
    /// Every label.
    pub labels: Vec<Label>,
}
