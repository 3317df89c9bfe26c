//! The emulated GitLab data and its JSON representation, shaped after
//! GitLab's API entities (`Entities::Issue`, `Entities::Milestone`,
//! `Entities::ProjectLabel`, `Entities::Note`, `Entities::UserBasic`, …).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde_json::{Value, json};

use crate::http::percent_encode;
use crate::time::{date_of, format_ts};

/// Access levels, as GitLab numbers them.
pub(crate) const DEVELOPER: u64 = 30;
pub(crate) const OWNER: u64 = 50;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct User {
    pub id: u64,
    pub username: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Milestone {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    pub active: bool,
    pub due_date: Option<Date>,
    pub start_date: Option<Date>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issue {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    pub author: u64,
    /// Label ids, in the order they were put on the issue.
    pub labels: Vec<u64>,
    /// Assignee user ids.
    pub assignees: Vec<u64>,
    /// Milestone id.
    pub milestone: Option<u64>,
    pub open: bool,
    pub confidential: bool,
    pub due_date: Option<Date>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    pub id: u64,
    pub issue_iid: u64,
    pub body: String,
    pub author: u64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Written by GitLab itself (`marked this issue as related to #2`).
    pub system: bool,
}

/// An issue link as GitLab stores it: `relates_to`, or `blocks` (the source blocks the
/// target); an `is_blocked_by` link is stored as a `blocks` link the other way round.
/// Each end is `(project id, iid)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IssueLink {
    pub id: u64,
    pub source: (u64, u64),
    pub target: (u64, u64),
    pub blocks: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl IssueLink {
    /// The link's type as stored.
    pub fn link_type(&self) -> &'static str {
        if self.blocks { "blocks" } else { "relates_to" }
    }

    /// Whether `end` is one of its two issues.
    pub fn touches(&self, end: (u64, u64)) -> bool {
        self.source == end || self.target == end
    }

    /// The other issue, seen from `end`, and the link's type as `end` sees it (the
    /// target of a `blocks` link `is_blocked_by` its source).
    pub fn seen_from(&self, end: (u64, u64)) -> ((u64, u64), &'static str) {
        if self.source == end {
            (self.target, self.link_type())
        } else if self.blocks {
            (self.source, "is_blocked_by")
        } else {
            (self.source, "relates_to")
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: u64,
    /// Full path, e.g. `group/sub/proj`.
    pub path: String,
    pub namespace_id: u64,
    pub created_at: i64,
    /// user id → access level.
    pub members: BTreeMap<u64, u64>,
    pub issues: BTreeMap<u64, Issue>,
    pub next_iid: u64,
    /// By id.
    pub milestones: BTreeMap<u64, Milestone>,
    pub next_milestone_iid: u64,
    pub labels: Vec<Label>,
    pub notes: Vec<Note>,
    pub releases: crate::releases::Store,
}

impl Project {
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    pub fn namespace_path(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(ns, _)| ns)
    }

    /// Labels are matched by exact (case-sensitive) title, as on GitLab.
    pub fn label_by_name(&self, name: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.name == name)
    }

    pub fn label_by_id(&self, id: u64) -> Option<&Label> {
        self.labels.iter().find(|l| l.id == id)
    }
}

/// The whole emulated world.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub users: Vec<User>,
    pub projects: Vec<Project>,
    /// Namespace full paths; a namespace's id is its index + 1.
    pub namespaces: Vec<String>,
    /// Users holding a token: they act as owners of every project.
    pub token_users: BTreeSet<u64>,
    /// Issue links, across projects.
    pub issue_links: Vec<IssueLink>,
    next_id: BTreeMap<&'static str, u64>,
}

impl State {
    /// The next id of a family (`"issue"`, `"label"`, …), each with its own counter.
    pub fn next_id(&mut self, family: &'static str) -> u64 {
        let counter = self.next_id.entry(family).or_insert(0);
        *counter += 1;
        *counter
    }

    pub fn project_by_id(&self, id: u64) -> Option<usize> {
        self.projects.iter().position(|p| p.id == id)
    }

    pub fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    /// Registers a user (idempotent, case-insensitive) and returns its id.
    pub fn ensure_user(&mut self, username: &str, now: i64) -> u64 {
        if let Some(u) = self.user_by_name(username) {
            return u.id;
        }
        let id = self.next_id("user");
        let name = match username {
            "root" => "Administrator".to_string(),
            _ => capitalize(username),
        };
        self.users.push(User {
            id,
            username: username.to_string(),
            name,
            created_at: now,
        });
        id
    }

    fn ensure_namespace(&mut self, path: &str) -> u64 {
        if let Some(i) = self.namespaces.iter().position(|n| n == path) {
            return i as u64 + 1;
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.ensure_namespace(parent);
        }
        self.namespaces.push(path.to_string());
        self.namespaces.len() as u64
    }

    pub fn project_index(&self, path: &str) -> Option<usize> {
        let path = path.trim_matches('/');
        self.projects
            .iter()
            .position(|p| p.path.eq_ignore_ascii_case(path))
    }

    /// Finds a project by numeric id or full path, as `:id` in a route.
    pub fn project_by_ref(&self, id_or_path: &str) -> Option<usize> {
        if !id_or_path.is_empty() && id_or_path.bytes().all(|b| b.is_ascii_digit()) {
            let id: u64 = id_or_path.parse().ok()?;
            return self.projects.iter().position(|p| p.id == id);
        }
        self.project_index(id_or_path)
    }

    /// Creates the project if it does not exist yet; returns its index.
    pub fn ensure_project(&mut self, path: &str, now: i64) -> usize {
        let path = path.trim_matches('/').to_string();
        if let Some(i) = self.project_index(&path) {
            return i;
        }
        let namespace = path.rsplit_once('/').map_or("", |(ns, _)| ns).to_string();
        let namespace_id = if namespace.is_empty() {
            0
        } else {
            self.ensure_namespace(&namespace)
        };
        let id = self.next_id("project");
        self.projects.push(Project {
            id,
            path,
            namespace_id,
            created_at: now,
            members: BTreeMap::new(),
            issues: BTreeMap::new(),
            next_iid: 1,
            milestones: BTreeMap::new(),
            next_milestone_iid: 1,
            labels: Vec::new(),
            notes: Vec::new(),
            releases: crate::releases::Store::default(),
        });
        self.projects.len() - 1
    }

    /// Access level of a user on a project (token holders are owners).
    pub fn access_level(&self, project: &Project, user: u64) -> u64 {
        if self.token_users.contains(&user) {
            return OWNER;
        }
        project.members.get(&user).copied().unwrap_or(0)
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Where URLs in responses point: `http://host:port` (API and web share it).
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    pub base: String,
}

impl Urls {
    pub fn api(&self) -> String {
        format!("{}/api/v4", self.base)
    }
}

fn fnv_hex(text: &str) -> String {
    let fnv = |offset: u64| {
        text.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

/// `Entities::UserBasic`.
pub(crate) fn user_json(urls: &Urls, u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "public_email": null,
        "name": u.name,
        "state": "active",
        "locked": false,
        "avatar_url": format!(
            "https://www.gravatar.com/avatar/{}?s=80&d=identicon",
            fnv_hex(&u.username)
        ),
        "web_url": format!("{}/{}", urls.base, u.username),
    })
}

/// `GET /user` (`Entities::UserPublic`).
pub(crate) fn current_user_json(urls: &Urls, u: &User) -> Value {
    let mut v = user_json(urls, u);
    if let Some(map) = v.as_object_mut() {
        let created = format_ts(u.created_at);
        let extra = json!({
            "created_at": created,
            "bio": "",
            "location": "",
            "linkedin": "",
            "twitter": "",
            "discord": "",
            "website_url": "",
            "organization": "",
            "job_title": "",
            "pronouns": null,
            "bot": false,
            "work_information": null,
            "followers": 0,
            "following": 0,
            "is_followed": false,
            "local_time": null,
            "last_sign_in_at": created,
            "confirmed_at": created,
            "last_activity_on": created.get(..10).unwrap_or(""),
            "email": format!("{}@example.com", u.username),
            "theme_id": 1,
            "color_scheme_id": 1,
            "projects_limit": 100_000,
            "current_sign_in_at": created,
            "identities": [],
            "can_create_group": true,
            "can_create_project": true,
            "two_factor_enabled": false,
            "external": false,
            "private_profile": false,
            "commit_email": format!("{}@example.com", u.username),
        });
        if let Value::Object(extra) = extra {
            map.extend(extra);
        }
    }
    v
}

fn user_or_null(state: &State, urls: &Urls, id: Option<u64>) -> Value {
    id.and_then(|id| state.user(id))
        .map_or(Value::Null, |u| user_json(urls, u))
}

/// `GET /projects/:id`.
pub(crate) fn project_json(state: &State, urls: &Urls, p: &Project, access: u64) -> Value {
    let ns_path = p.namespace_path();
    let ns_name = ns_path.rsplit('/').next().unwrap_or(ns_path);
    let ns_parent = ns_path
        .rsplit_once('/')
        .and_then(|(parent, _)| state.namespaces.iter().position(|n| n == parent))
        .map_or(Value::Null, |i| json!(i + 1));
    let open = p.issues.values().filter(|i| i.open).count();
    json!({
        "id": p.id,
        "description": null,
        "name": p.name(),
        "name_with_namespace": p.path.replace('/', " / "),
        "path": p.name(),
        "path_with_namespace": p.path,
        "created_at": format_ts(p.created_at),
        "default_branch": "main",
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": format!("git@{}:{}.git", urls.base.trim_start_matches("http://").trim_start_matches("https://"), p.path),
        "http_url_to_repo": format!("{}/{}.git", urls.base, p.path),
        "web_url": format!("{}/{}", urls.base, p.path),
        "readme_url": null,
        "forks_count": 0,
        "avatar_url": null,
        "star_count": 0,
        "last_activity_at": format_ts(p.created_at),
        "visibility": "private",
        "namespace": {
            "id": p.namespace_id,
            "name": ns_name,
            "path": ns_name,
            "kind": "group",
            "full_path": ns_path,
            "parent_id": ns_parent,
            "avatar_url": null,
            "web_url": format!("{}/groups/{}", urls.base, ns_path),
        },
        "_links": {
            "self": format!("{}/projects/{}", urls.api(), p.id),
            "issues": format!("{}/projects/{}/issues", urls.api(), p.id),
            "labels": format!("{}/projects/{}/labels", urls.api(), p.id),
            "events": format!("{}/projects/{}/events", urls.api(), p.id),
            "members": format!("{}/projects/{}/members", urls.api(), p.id),
        },
        "issues_enabled": true,
        "open_issues_count": open,
        "archived": false,
        "issues_access_level": "enabled",
        "permissions": {
            "project_access": if access > 0 {
                json!({"access_level": access, "notification_level": 3})
            } else {
                Value::Null
            },
            "group_access": null,
        },
    })
}

/// `Entities::Milestone`.
pub(crate) fn milestone_json(urls: &Urls, p: &Project, m: &Milestone, now: i64) -> Value {
    let expired = m
        .due_date
        .zip(date_of(now))
        .is_some_and(|(due, today)| due < today);
    json!({
        "id": m.id,
        "iid": m.iid,
        "project_id": p.id,
        "title": m.title,
        "description": m.description,
        "state": if m.active { "active" } else { "closed" },
        "created_at": format_ts(m.created_at),
        "updated_at": format_ts(m.updated_at),
        "due_date": m.due_date.map(|d| d.to_string()),
        "start_date": m.start_date.map(|d| d.to_string()),
        "expired": expired,
        "web_url": format!("{}/{}/-/milestones/{}", urls.base, p.path, m.iid),
    })
}

/// The text colour GitLab pairs with a label colour (`Gitlab::Color#contrast`).
pub(crate) fn text_color(color: &str) -> &'static str {
    let hex = color.trim_start_matches('#');
    let channels: Vec<u32> = match hex.len() {
        3 => hex
            .chars()
            .filter_map(|c| u32::from_str_radix(&format!("{c}{c}"), 16).ok())
            .collect(),
        6 => (0..3)
            .filter_map(|i| hex.get(i * 2..i * 2 + 2))
            .filter_map(|h| u32::from_str_radix(h, 16).ok())
            .collect(),
        _ => Vec::new(),
    };
    if channels.len() == 3 && channels.iter().sum::<u32>() > 500 {
        "#333333"
    } else {
        "#FFFFFF"
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `Entities::ProjectLabel` (counts only when asked `with_counts`).
pub(crate) fn label_json(p: &Project, l: &Label, with_counts: bool) -> Value {
    let mut v = json!({
        "id": l.id,
        "name": l.name,
        "description": l.description,
        "description_html": l.description.as_deref().map_or(String::new(), html_escape),
        "text_color": text_color(&l.color),
        "color": l.color,
        "subscribed": false,
        "priority": null,
        "is_project_label": true,
        "archived": false,
    });
    if with_counts && let Some(map) = v.as_object_mut() {
        let (open, closed) =
            p.issues
                .values()
                .filter(|i| i.labels.contains(&l.id))
                .fold(
                    (0, 0),
                    |(o, c), i| if i.open { (o + 1, c) } else { (o, c + 1) },
                );
        map.insert("open_issues_count".into(), json!(open));
        map.insert("closed_issues_count".into(), json!(closed));
        map.insert("open_merge_requests_count".into(), json!(0));
    }
    v
}

/// Labels of an issue: names sorted, or `Entities::LabelBasic` objects
/// with `with_labels_details=true`.
fn issue_labels(p: &Project, issue: &Issue, details: bool) -> Value {
    let mut labels: Vec<&Label> = issue
        .labels
        .iter()
        .filter_map(|id| p.label_by_id(*id))
        .collect();
    labels.sort_by(|a, b| a.name.cmp(&b.name));
    if details {
        labels
            .iter()
            .map(|l| {
                json!({
                    "id": l.id,
                    "name": l.name,
                    "color": l.color,
                    "description": l.description,
                    "description_html": l.description.as_deref().map_or(String::new(), html_escape),
                    "text_color": text_color(&l.color),
                })
            })
            .collect()
    } else {
        labels.iter().map(|l| json!(l.name)).collect()
    }
}

/// `Entities::Issue`.
pub(crate) fn issue_json(
    state: &State,
    urls: &Urls,
    p: &Project,
    issue: &Issue,
    now: i64,
    label_details: bool,
) -> Value {
    let assignees: Vec<Value> = issue
        .assignees
        .iter()
        .filter_map(|id| state.user(*id))
        .map(|u| user_json(urls, u))
        .collect();
    let milestone = issue
        .milestone
        .and_then(|id| p.milestones.get(&id))
        .map_or(Value::Null, |m| milestone_json(urls, p, m, now));
    let api = urls.api();
    let notes = p
        .notes
        .iter()
        .filter(|n| n.issue_iid == issue.iid && !n.system)
        .count();
    // How many open issues this one blocks (GitLab keeps the count on the blocking issue).
    let blocking = state
        .issue_links
        .iter()
        .filter(|l| l.blocks && l.source == (p.id, issue.iid))
        .filter(|l| {
            state
                .project_by_id(l.target.0)
                .and_then(|t| state.projects[t].issues.get(&l.target.1))
                .is_some_and(|t| t.open)
        })
        .count();
    json!({
        "id": issue.id,
        "iid": issue.iid,
        "project_id": p.id,
        "title": issue.title,
        "description": issue.description,
        "state": if issue.open { "opened" } else { "closed" },
        "created_at": format_ts(issue.created_at),
        "updated_at": format_ts(issue.updated_at),
        "closed_at": issue.closed_at.map(format_ts),
        "closed_by": user_or_null(state, urls, issue.closed_by),
        "labels": issue_labels(p, issue, label_details),
        "milestone": milestone,
        "assignees": assignees.clone(),
        "author": user_or_null(state, urls, Some(issue.author)),
        "type": "ISSUE",
        "assignee": assignees.first().cloned().unwrap_or(Value::Null),
        "user_notes_count": notes,
        "merge_requests_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "due_date": issue.due_date.map(|d| d.to_string()),
        "confidential": issue.confidential,
        "discussion_locked": null,
        "issue_type": "issue",
        "web_url": format!("{}/{}/-/issues/{}", urls.base, p.path, issue.iid),
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": null,
            "human_total_time_spent": null,
        },
        "task_completion_status": {"count": 0, "completed_count": 0},
        "blocking_issues_count": blocking,
        "has_tasks": false,
        "_links": {
            "self": format!("{api}/projects/{}/issues/{}", p.id, issue.iid),
            "notes": format!("{api}/projects/{}/issues/{}/notes", p.id, issue.iid),
            "award_emoji": format!("{api}/projects/{}/issues/{}/award_emoji", p.id, issue.iid),
            "project": format!("{api}/projects/{}", p.id),
            "closed_as_duplicate_of": null,
        },
        "references": {
            "short": format!("#{}", issue.iid),
            "relative": format!("#{}", issue.iid),
            "full": format!("{}#{}", p.path, issue.iid),
        },
        "severity": "UNKNOWN",
        "subscribed": false,
        "moved_to_id": null,
        "imported": false,
        "imported_from": "none",
        "service_desk_reply_to": null,
    })
}

/// `Entities::Note`.
pub(crate) fn note_json(state: &State, urls: &Urls, p: &Project, n: &Note) -> Value {
    let issue_id = p.issues.get(&n.issue_iid).map_or(0, |i| i.id);
    json!({
        "id": n.id,
        "type": null,
        "body": n.body,
        "attachment": null,
        "author": user_or_null(state, urls, Some(n.author)),
        "created_at": format_ts(n.created_at),
        "updated_at": format_ts(n.updated_at),
        "system": n.system,
        "noteable_id": issue_id,
        "noteable_type": "Issue",
        "project_id": p.id,
        "resolvable": false,
        "confidential": false,
        "internal": false,
        "imported": false,
        "imported_from": "none",
        "noteable_iid": n.issue_iid,
        "commands_changes": {},
    })
}

/// A label's path segment in URLs.
pub(crate) fn encode_segment(text: &str) -> String {
    percent_encode(text)
}
