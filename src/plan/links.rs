//! The artifact ↔ GitHub links kept in the sync record (`links.json`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fields::{IssueFields, MilestoneFields, Target};

/// The name of the links document in the sync record.
pub const LINKS_DOC: &str = "links.json";

/// A link's sync status (the spec's `synced`, `pending`, `failed`, `manual`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkStatus {
    #[default]
    Synced,
    /// The artifact was created from a GitHub issue in the working tree and is not
    /// committed yet.
    Pending,
    Failed,
    /// Flagged by `manual_flag`: a conflict waits for a person.
    Manual,
}

/// The fields of either kind of item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Fields {
    Issue(IssueFields),
    Milestone(MilestoneFields),
}

impl Fields {
    pub fn issue(&self) -> Option<&IssueFields> {
        match self {
            Fields::Issue(f) => Some(f),
            Fields::Milestone(_) => None,
        }
    }

    pub fn milestone(&self) -> Option<&MilestoneFields> {
        match self {
            Fields::Milestone(f) => Some(f),
            Fields::Issue(_) => None,
        }
    }
}

/// One artifact's link to its GitHub item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub target: Target,
    /// `owner/name`.
    pub repo: String,
    pub number: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The artifact's repository-relative path at the last sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default)]
    pub status: LinkStatus,
    /// The plan's fields at the last sync (the local merge base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<Fields>,
    /// GitHub's fields right after the last sync (the remote merge base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<Fields>,
    /// GitHub's `updated_at` for the item at the last sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// The artifact is gone (deleted, or no longer of a synced type) and its item was closed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
    /// What went wrong or what needs a person, for `failed`/`manual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// GitHub's changes were written into the working tree but not committed: the plan's
    /// fields as its committed file said then. While the committed file still says so, the
    /// plan is taken to say `local` (the changes are pending, not undone on GitHub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committed: Option<Fields>,
}

/// Every link, keyed by `<project>/<ID>` (or `<project>/milestone:<name>` for a milestone
/// shared by name).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Links {
    #[serde(default)]
    pub items: BTreeMap<String, Link>,
    /// Per `owner/name`: the newest GitHub `updated_at` seen; the next sync asks only for
    /// issues updated since then.
    #[serde(default)]
    pub watermarks: BTreeMap<String, String>,
}

/// The key of an artifact.
pub fn key(project: &str, id: &str) -> String {
    format!("{project}/{id}")
}

/// The key of a milestone shared by name.
pub fn shared_milestone_key(project: &str, name: &str) -> String {
    format!("{project}/milestone:{name}")
}

impl Links {
    /// Links of one project.
    pub fn of_project<'a>(
        &'a self,
        project: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Link)> {
        let prefix = format!("{project}/");
        self.items
            .iter()
            .filter(move |(k, _)| k.starts_with(&prefix))
    }
}
