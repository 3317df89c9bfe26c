//! The artifact ↔ GitHub links kept in the sync record (`links.json`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::fields::{IssueFields, MilestoneFields, Target};
use crate::tracker::Platform;

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
    /// Which tracker the item is on. Records of format 1 (GitHub only) lack it.
    #[serde(default)]
    pub tracker: Platform,
    /// The tracker's API host (`api.github.com`, `gitlab.example.com:8443`): format 2 on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The place on the tracker: `owner/name` (GitHub), `group/sub/project` (GitLab).
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
    /// The places (`owner/name`) whose issue dependencies the links record: synced since
    /// a release that syncs them. A place missing here has its issues read in full once,
    /// so that every issue's dependencies are known.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub dependencies: BTreeSet<String>,
    /// Per place: how many issues blocked each issue (by number) when a sync last saw it,
    /// as the tracker counts them (issues outside the plan included). With `updated_at`,
    /// what tells that an issue's dependencies are unchanged, so they aren't read again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub blocked_by_totals: BTreeMap<String, BTreeMap<u64, u64>>,
    /// Per place: for each issue (by number), the issues whose link to it stands for one
    /// of its dependencies though the link doesn't say "blocked by": GitLab Free's related
    /// links, or GitLab's one link between two issues that depend on each other. Read
    /// back, those links count as its dependencies; other links only as what they say.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stand_ins: BTreeMap<String, BTreeMap<u64, BTreeSet<u64>>>,
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
    /// Brings links of a format-1 record (GitHub only, no host) to format 2: each link
    /// gets the tracker and API host its project syncs with (`target_of(project)`), or
    /// GitHub's when the project is gone or no longer says.
    pub fn migrate_from_v1(&mut self, target_of: impl Fn(&str) -> Option<(Platform, String)>) {
        for (key, link) in self.items.iter_mut() {
            if link.host.is_some() {
                continue;
            }
            let project = key.split('/').next().unwrap_or_default();
            match target_of(project) {
                Some((platform, host)) if platform == link.tracker => link.host = Some(host),
                _ => link.host = Some("api.github.com".to_string()),
            }
        }
    }

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

/// GitHub's side of the merge base after a push-only run, field by field: where GitHub now
/// agrees with the plan (`local`), that value; where it doesn't, the `old` base (so that
/// what GitHub changed is still seen as a change by the next two-way sync). Labels and
/// assignees go element by element, as they merge.
pub fn push_only_base(old: &Fields, now: &Fields, local: &Fields) -> Fields {
    fn pick<T: Clone + PartialEq>(old: &T, now: &T, local: &T) -> T {
        if now == local {
            now.clone()
        } else {
            old.clone()
        }
    }
    fn set(
        old: &BTreeSet<String>,
        now: &BTreeSet<String>,
        local: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        old.iter()
            .chain(now)
            .chain(local)
            .filter(|x| {
                if now.contains(*x) == local.contains(*x) {
                    now.contains(*x)
                } else {
                    old.contains(*x)
                }
            })
            .cloned()
            .collect()
    }
    match (old, now, local) {
        (Fields::Issue(o), Fields::Issue(n), Fields::Issue(l)) => {
            let state_now = (n.closed, n.state_reason.clone());
            let (closed, state_reason) = pick(
                &(o.closed, o.state_reason.clone()),
                &state_now,
                &(l.closed, l.state_reason.clone()),
            );
            Fields::Issue(IssueFields {
                title: pick(&o.title, &n.title, &l.title),
                body: pick(&o.body, &n.body, &l.body),
                closed,
                state_reason,
                labels: set(&o.labels, &n.labels, &l.labels),
                assignees: set(&o.assignees, &n.assignees, &l.assignees),
                milestone: pick(&o.milestone, &n.milestone, &l.milestone),
                depends_on: match (&o.depends_on, &n.depends_on, &l.depends_on) {
                    (Some(o), Some(n), Some(l)) => Some(set(o, n, l)),
                    // Not known before: still not known (the next sync merges without a
                    // base, which removes nothing).
                    _ => o.depends_on.clone(),
                },
                column: pick(&o.column, &n.column, &l.column),
                parent: pick(&o.parent, &n.parent, &l.parent),
            })
        }
        (Fields::Milestone(o), Fields::Milestone(n), Fields::Milestone(l)) => {
            Fields::Milestone(MilestoneFields {
                title: pick(&o.title, &n.title, &l.title),
                description: pick(&o.description, &n.description, &l.description),
                closed: pick(&o.closed, &n.closed, &l.closed),
                due_on: pick(&o.due_on, &n.due_on, &l.due_on),
                progress: pick(&o.progress, &n.progress, &l.progress),
            })
        }
        // The item changed kind: GitHub's side as it is now.
        _ => now.clone(),
    }
}
