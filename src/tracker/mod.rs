//! What any issue tracker holds, in the planner's terms: issues, milestones and labels as
//! an adapter maps them (GitHub's `number`, GitLab's `iid`; open/closed; label and user
//! names; due dates as calendar days). The planner reads only these; each platform's
//! module maps its own wire types into them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod cache;
mod write;

pub use cache::{CachedResponse, EtagCache};
pub use write::*;

/// The host (with `:port` when not the scheme's default) of an API base URL, which is
/// the keyring account and the credential-helper host: `https://api.github.com` →
/// `api.github.com`; `http://127.0.0.1:8080/api` → `127.0.0.1:8080`.
pub fn api_host(api_base_url: &str) -> String {
    let url = api_base_url.trim();
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let default_port = match scheme.as_deref() {
        Some("http") => Some(":80"),
        Some("https") | None => Some(":443"),
        _ => None,
    };
    let host = match default_port {
        Some(p) => authority.strip_suffix(p).unwrap_or(authority),
        None => authority,
    };
    host.to_ascii_lowercase()
}

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
    /// The tracker's own id for it, where its API addresses issues by one (GitHub's
    /// database `id`, which issue dependencies take).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// How many issues block this one, as the tracker summarises it (`None`: it doesn't).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by_count: Option<u64>,
    /// The numbers of the issues of the same place that block this one; `None` when this
    /// run did not read them (see [`Tracker::read_dependencies`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<BTreeSet<u64>>,
    /// The number of its parent issue, when it is a sub-issue of an issue of the same
    /// place (GitHub's sub-issues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u64>,
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
    /// The project board, when the project syncs one (GitHub Projects) and this run read
    /// it.
    pub board: Option<Board>,
}

/// A project board as one run read it, whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Board {
    /// Its columns: the status field's options, in the board's order.
    pub columns: Vec<String>,
    /// Each issue of this place on the board (by number), and its column (`None`: none
    /// set).
    pub cards: BTreeMap<u64, Option<String>>,
}

/// Counters for the sync summary and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP exchanges attempted (retries included).
    pub requests: u64,
    /// Of which GET.
    pub reads: u64,
    /// Of which POST/PATCH/PUT/DELETE.
    pub writes: u64,
    /// GETs answered `304 Not Modified` (served from the ETag cache).
    pub not_modified: u64,
    /// Requests sent again after a failure (5xx, timeout, lost connection).
    pub retries: u64,
    /// Waits for a primary or secondary rate limit.
    pub rate_limit_waits: u64,
    /// Creates whose outcome was unknown and whose item was found by the lookup.
    pub adopted: u64,
    /// Time spent waiting (rate limits, back-off, write pacing).
    pub waited: Duration,
}
