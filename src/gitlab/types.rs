//! GitLab's REST v4 wire types for issues, milestones, labels and users, and their
//! neutral form ([`crate::tracker`]): issues by `iid`, `opened`/`closed`, milestones by
//! `id` with `active`/`closed` and a `due_date` that is already a calendar day.

use serde::{Deserialize, Serialize};

use crate::tracker;

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: u64,
    pub username: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MilestoneRef {
    pub title: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub iid: u64,
    /// The project's numeric id (issue links name the other end's project by it).
    #[serde(default)]
    pub project_id: Option<u64>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `opened` or `closed`.
    pub state: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignees: Vec<User>,
    #[serde(default)]
    pub milestone: Option<MilestoneRef>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// `GET /projects/:id/issues/:iid/links`: a linked issue (`Entities::RelatedIssue`).
#[derive(Debug, Clone, Deserialize)]
pub struct LinkedIssue {
    pub iid: u64,
    #[serde(default)]
    pub project_id: Option<u64>,
    /// The link's id, which removing it takes.
    pub issue_link_id: u64,
    /// As the listed issue sees the link: `relates_to`, `blocks` (it blocks the other)
    /// or `is_blocked_by`.
    #[serde(default)]
    pub link_type: Option<String>,
}

impl LinkedIssue {
    pub fn blocks_us(&self) -> bool {
        self.link_type.as_deref() == Some("is_blocked_by")
    }

    pub fn is_related(&self) -> bool {
        self.link_type.as_deref().is_none_or(|t| t == "relates_to")
    }
}

/// `POST /projects/:id/issues/:iid/links`.
#[derive(Debug, Serialize)]
pub struct NewLink<'a> {
    /// The project's id or path.
    pub target_project_id: &'a str,
    pub target_issue_iid: u64,
    /// `is_blocked_by` (GitLab Premium) or `relates_to`.
    pub link_type: &'static str,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Milestone {
    pub id: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `active` or `closed`.
    pub state: String,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub name: String,
    /// `#RRGGBB` (or a color name).
    #[serde(default)]
    pub color: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Note {
    pub id: u64,
    #[serde(default)]
    pub body: String,
}

/// `POST /projects/:id/issues`.
#[derive(Debug, Serialize)]
pub struct NewIssue<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// Comma-separated names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assignee_ids: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<u64>,
}

/// `PUT /projects/:id/issues/:iid`: only `Some` fields are sent.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct IssueUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `close` or `reopen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_event: Option<&'static str>,
    /// Comma-separated; applied together with `remove_labels` in the one request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_labels: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_labels: Option<String>,
    /// Replaces the assignees (empty: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_ids: Option<Vec<u64>>,
    /// `0` removes the milestone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<u64>,
}

/// `POST` / `PUT` of a milestone.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct MilestoneWrite {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Some(None)` sends `null` (removes the due date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Option<String>>,
    /// `close` or `activate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_event: Option<&'static str>,
}

/// `GET /projects/:id`: its numeric id, and what a release needs (the branch a new tag is
/// made from).
#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub default_branch: Option<String>,
}

/// A release's links (`_links`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReleaseLinks {
    /// The release's web page.
    #[serde(default, rename = "self")]
    pub self_url: Option<String>,
}

/// `GET /projects/:id/releases/:tag_name`.
#[derive(Debug, Clone, Deserialize)]
pub struct Release {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "_links")]
    pub links: Option<ReleaseLinks>,
}

/// `POST /projects/:id/releases`.
#[derive(Debug, Serialize)]
pub struct NewRelease<'a> {
    pub tag_name: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    /// Where the tag is made when it does not exist (ignored when it does).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
}

/// `PUT /projects/:id/releases/:tag_name`: only `Some` fields are sent.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct ReleaseUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl From<&Issue> for tracker::Issue {
    fn from(i: &Issue) -> tracker::Issue {
        tracker::Issue {
            number: i.iid,
            title: i.title.clone(),
            body: i.description.clone().unwrap_or_default(),
            closed: i.state == "closed",
            state_reason: None,
            labels: i.labels.clone(),
            assignees: i.assignees.iter().map(|u| u.username.clone()).collect(),
            milestone: i.milestone.as_ref().map(|m| m.title.clone()),
            created_at: i.created_at.clone(),
            updated_at: i.updated_at.clone(),
            url: i.web_url.clone(),
            ..tracker::Issue::default()
        }
    }
}

impl From<&Milestone> for tracker::Milestone {
    fn from(m: &Milestone) -> tracker::Milestone {
        tracker::Milestone {
            number: m.id,
            title: m.title.clone(),
            description: m.description.clone().unwrap_or_default(),
            closed: m.state == "closed",
            due_date: m.due_date.clone().filter(|d| !d.is_empty()),
            updated_at: m.updated_at.clone(),
            url: m.web_url.clone(),
        }
    }
}

impl From<&Label> for tracker::Label {
    fn from(l: &Label) -> tracker::Label {
        tracker::Label {
            name: l.name.clone(),
            color: l
                .color
                .as_deref()
                .map(|c| c.trim_start_matches('#').to_ascii_lowercase()),
        }
    }
}
