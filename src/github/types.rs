//! The GitHub objects a sync needs, with lenient serde: unknown fields are ignored,
//! fields GitHub may send as `null` or omit are `Option` or fall back to a default.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Deserialise `null` as the type's default (GitHub sends `null` for empty bodies,
/// descriptions and the like).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A repository, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RepoRef {
    pub owner: String,
    pub name: String,
}

impl RepoRef {
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Self {
        RepoRef {
            owner: owner.into(),
            name: name.into(),
        }
    }

    /// Parse `owner/name` (surrounding whitespace and a trailing `.git` are ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_suffix(".git").unwrap_or(text);
        let (owner, name) = text.split_once('/')?;
        let valid = |s: &str| !s.is_empty() && !s.contains('/') && !s.contains(char::is_whitespace);
        (valid(owner) && valid(name)).then(|| RepoRef::new(owner, name))
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A GitHub account (the token's owner, an issue's author or assignee).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct User {
    #[serde(default, deserialize_with = "null_default")]
    pub login: String,
    #[serde(default, deserialize_with = "null_default")]
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// Open or closed (issues, milestones). Unknown values deserialise as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    #[default]
    Open,
    Closed,
    #[serde(other)]
    Other,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Closed => "closed",
            State::Other => "other",
        }
    }
}

/// Which items a list returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StateFilter {
    Open,
    Closed,
    #[default]
    All,
}

impl StateFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            StateFilter::Open => "open",
            StateFilter::Closed => "closed",
            StateFilter::All => "all",
        }
    }
}

/// Why an issue was closed (`completed`, `not_planned`, `reopened`, `duplicate`).
pub type StateReason = String;

/// A label, as attached to an issue or listed for a repository.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Label {
    pub id: Option<u64>,
    pub name: String,
    /// Six hex digits, without `#`.
    pub color: Option<String>,
    pub description: Option<String>,
}

impl<'de> Deserialize<'de> for Label {
    /// GitHub sends labels as objects; some payloads (and older APIs) send bare names.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Full {
            #[serde(default)]
            id: Option<u64>,
            #[serde(default, deserialize_with = "null_default")]
            name: String,
            #[serde(default)]
            color: Option<String>,
            #[serde(default)]
            description: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Name(String),
            Full(Full),
        }
        Ok(match Either::deserialize(d)? {
            Either::Name(name) => Label {
                name,
                ..Label::default()
            },
            Either::Full(f) => Label {
                id: f.id,
                name: f.name,
                color: f.color,
                description: f.description,
            },
        })
    }
}

/// A milestone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Milestone {
    #[serde(default, deserialize_with = "null_default")]
    pub number: u64,
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default, deserialize_with = "null_default")]
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub state: State,
    /// ISO 8601 timestamp, e.g. `2025-03-31T07:00:00Z`.
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub open_issues: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub closed_issues: u64,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub closed_at: Option<String>,
}

/// An issue (never a pull request: lists drop items that carry `pull_request`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Issue {
    #[serde(default, deserialize_with = "null_default")]
    pub number: u64,
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default, deserialize_with = "null_default")]
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub state: State,
    #[serde(default)]
    pub state_reason: Option<StateReason>,
    #[serde(default, deserialize_with = "null_default")]
    pub labels: Vec<Label>,
    #[serde(default, deserialize_with = "null_default")]
    pub assignees: Vec<User>,
    #[serde(default)]
    pub milestone: Option<Milestone>,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub html_url: Option<String>,
    /// ISO 8601, UTC.
    #[serde(default)]
    pub created_at: Option<String>,
    /// ISO 8601, UTC.
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub closed_at: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub comments: u64,
    /// Present (an object) when the item is a pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<serde_json::Value>,
    /// `https://api.github.com/repos/{owner}/{name}`: the issue's repository (dependencies
    /// may name issues of other repositories).
    #[serde(default)]
    pub repository_url: Option<String>,
    /// How many issues block this one and how many it blocks (where GitHub has issue
    /// dependencies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_dependencies_summary: Option<DependenciesSummary>,
    /// The API URL of its parent issue, when it is a sub-issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_issue_url: Option<String>,
}

/// `issue_dependencies_summary`: open blocking/blocked issues, and all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DependenciesSummary {
    #[serde(default, deserialize_with = "null_default")]
    pub blocked_by: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub blocking: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub total_blocked_by: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub total_blocking: u64,
}

impl Issue {
    /// Whether this item is really a pull request.
    pub fn is_pull_request(&self) -> bool {
        matches!(&self.pull_request, Some(v) if !v.is_null())
    }

    /// The names of its labels.
    pub fn label_names(&self) -> Vec<&str> {
        self.labels.iter().map(|l| l.name.as_str()).collect()
    }

    /// Whether it is an issue of `repo` (by `repository_url`; true when GitHub didn't say).
    pub fn is_of(&self, repo: &RepoRef) -> bool {
        let Some(url) = self.repository_url.as_deref() else {
            return true;
        };
        let mut parts = url.trim_end_matches('/').rsplit('/');
        let (name, owner) = (parts.next(), parts.next());
        name.is_some_and(|n| n.eq_ignore_ascii_case(&repo.name))
            && owner.is_some_and(|o| o.eq_ignore_ascii_case(&repo.owner))
    }

    /// The logins of its assignees.
    pub fn assignee_logins(&self) -> Vec<&str> {
        self.assignees.iter().map(|u| u.login.as_str()).collect()
    }
}

/// An issue comment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Comment {
    #[serde(default, deserialize_with = "null_default")]
    pub id: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub body: String,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// Filters for [`Client::list_issues`](super::Client::list_issues).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListIssues {
    /// Default `All`.
    pub state: StateFilter,
    /// Only issues updated at or after this ISO 8601 timestamp.
    pub since: Option<String>,
    /// Only issues carrying all these labels.
    pub labels: Vec<String>,
    /// A milestone number, `*` (any) or `none`.
    pub milestone: Option<String>,
    /// `created`, `updated` or `comments`.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub direction: Option<String>,
}

/// The body of `POST /repos/{o}/{r}/issues`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NewIssue {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assignees: Vec<String>,
    /// Milestone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<u64>,
}

/// The body of `PATCH /repos/{o}/{r}/issues/{n}`: only the fields that are `Some` are
/// sent. `milestone: Some(None)` sends `null` (removes the milestone).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IssuePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    /// `completed`, `not_planned` or `reopened`; `Some(None)` sends `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<Option<StateReason>>,
    /// Replaces all labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// Replaces all assignees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignees: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<Option<u64>>,
}

impl IssuePatch {
    /// Whether nothing would be sent.
    pub fn is_empty(&self) -> bool {
        *self == IssuePatch::default()
    }
}

/// The body of `POST /repos/{o}/{r}/milestones`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NewMilestone {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    /// ISO 8601 timestamp, e.g. `2025-03-31T00:00:00Z`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<String>,
}

/// The body of `PATCH /repos/{o}/{r}/milestones/{n}`: only `Some` fields are sent;
/// `Some(None)` sends `null` (clears the description or due date).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MilestonePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<Option<String>>,
}

/// The body of `PATCH /repos/{o}/{r}/labels/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LabelPatch {
    /// Rename the label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A release (`GET /repos/{o}/{r}/releases/tags/{tag}`), what the release notes need.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Release {
    #[serde(default, deserialize_with = "null_default")]
    pub id: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub tag_name: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub draft: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub prerelease: bool,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// The body of `POST /repos/{o}/{r}/releases`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NewRelease {
    pub tag_name: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
}

/// The body of `PATCH /repos/{o}/{r}/releases/{id}`: only `Some` fields are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ReleasePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
}

impl ReleasePatch {
    /// Whether nothing would be sent.
    pub fn is_empty(&self) -> bool {
        *self == ReleasePatch::default()
    }
}

/// The result of a create that guards against duplicates: the item, and whether it
/// was adopted (found by the lookup after an attempt whose outcome was unknown)
/// rather than returned by the create itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    pub item: T,
    pub adopted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_patch_serialises_only_set_fields() {
        let p = IssuePatch {
            title: Some("T".into()),
            milestone: Some(None),
            ..IssuePatch::default()
        };
        let v = serde_json::to_value(&p).expect("serialise");
        assert_eq!(v, serde_json::json!({"title": "T", "milestone": null}));
        let p = IssuePatch {
            state: Some(State::Closed),
            state_reason: Some(Some("completed".into())),
            milestone: Some(Some(3)),
            ..IssuePatch::default()
        };
        let v = serde_json::to_value(&p).expect("serialise");
        assert_eq!(
            v,
            serde_json::json!({"state": "closed", "state_reason": "completed", "milestone": 3})
        );
        assert!(IssuePatch::default().is_empty());
    }

    #[test]
    fn milestone_patch_clears_due_on_with_null() {
        let p = MilestonePatch {
            due_on: Some(None),
            ..MilestonePatch::default()
        };
        assert_eq!(
            serde_json::to_value(&p).expect("serialise"),
            serde_json::json!({"due_on": null})
        );
    }

    #[test]
    fn issue_deserialises_leniently() {
        let json = r#"{
            "number": 7, "id": 99, "title": "Hello", "body": null, "state": "closed",
            "state_reason": "completed", "labels": [{"id": 1, "name": "PM:Type:Bug", "color": "d73a4a", "description": null, "default": false}, "plain"],
            "assignees": null, "milestone": {"number": 2, "title": "M", "state": "open", "due_on": null, "description": null},
            "unknown_field": {"nested": true}, "updated_at": "2025-01-02T03:04:05Z", "locked": "weird"
        }"#;
        let issue: Issue = serde_json::from_str(json).expect("lenient parse");
        assert_eq!(issue.number, 7);
        assert_eq!(issue.body, None);
        assert_eq!(issue.state, State::Closed);
        assert_eq!(issue.label_names(), vec!["PM:Type:Bug", "plain"]);
        assert!(issue.assignees.is_empty());
        assert_eq!(issue.milestone.as_ref().map(|m| m.number), Some(2));
        assert!(!issue.is_pull_request());
        let pr: Issue =
            serde_json::from_str(r#"{"number": 8, "title": "PR", "pull_request": {"url": "x"}}"#)
                .expect("parse");
        assert!(pr.is_pull_request());
        let odd: Issue =
            serde_json::from_str(r#"{"number": 9, "state": "merged"}"#).expect("parse");
        assert_eq!(odd.state, State::Other);
    }

    #[test]
    fn repo_ref_parses_owner_slash_name() {
        assert_eq!(RepoRef::parse(" o/r.git "), Some(RepoRef::new("o", "r")));
        assert_eq!(
            RepoRef::parse("o/r").map(|r| r.to_string()).as_deref(),
            Some("o/r")
        );
        assert_eq!(RepoRef::parse("o"), None);
        assert_eq!(RepoRef::parse("o/r/x"), None);
        assert_eq!(RepoRef::parse("/r"), None);
    }
}
