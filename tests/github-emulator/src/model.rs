//! The emulated GitHub data and its JSON representation, shaped after
//! api.github.com's responses and GitHub's published OpenAPI description.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::http::percent_encode;
use crate::time::format_ts;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct User {
    pub login: String,
    pub id: u64,
    pub organization: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
    pub default: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Milestone {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
    pub open: bool,
    pub due_on: Option<i64>,
    pub creator: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub author: String,
    /// Label ids, in the order they were put on the issue.
    pub labels: Vec<u64>,
    pub assignees: Vec<String>,
    /// Milestone number.
    pub milestone: Option<u64>,
    pub open: bool,
    pub state_reason: Option<String>,
    pub locked: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
    /// The database ids of the issues this one is blocked by (any repository), in the
    /// order they were added.
    pub blocked_by: Vec<u64>,
    /// The database ids of this issue's sub-issues (any repository of the same owner), in
    /// their priority order (an added one goes last).
    pub sub_issues: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comment {
    pub id: u64,
    pub issue: u64,
    pub body: String,
    pub author: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub pushed_at: i64,
    pub issues: BTreeMap<u64, Issue>,
    pub next_number: u64,
    pub labels: Vec<Label>,
    pub milestones: BTreeMap<u64, Milestone>,
    pub next_milestone: u64,
    pub comments: Vec<Comment>,
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub fn label_by_name(&self, name: &str) -> Option<&Label> {
        self.labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }

    pub fn label_by_id(&self, id: u64) -> Option<&Label> {
        self.labels.iter().find(|l| l.id == id)
    }

    /// (open, closed) issue counts for a milestone.
    pub fn milestone_counts(&self, number: u64) -> (u64, u64) {
        self.issues
            .values()
            .filter(|i| i.milestone == Some(number))
            .fold(
                (0, 0),
                |(o, c), i| if i.open { (o + 1, c) } else { (o, c + 1) },
            )
    }

    pub fn comment_count(&self, issue: u64) -> usize {
        self.comments.iter().filter(|c| c.issue == issue).count()
    }
}

/// The whole emulated world.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub users: Vec<User>,
    pub repos: Vec<Repo>,
    next_user_id: u64,
    next_repo_id: u64,
    next_issue_id: u64,
    next_label_id: u64,
    next_milestone_id: u64,
    next_comment_id: u64,
}

/// Identifier families, each with its own counter as on GitHub.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IdKind {
    Issue,
    Label,
    Milestone,
    Comment,
}

impl State {
    pub fn next_id(&mut self, kind: IdKind) -> u64 {
        let (counter, base) = match kind {
            IdKind::Issue => (&mut self.next_issue_id, 2_000_000),
            IdKind::Label => (&mut self.next_label_id, 3_000_000),
            IdKind::Milestone => (&mut self.next_milestone_id, 4_000_000),
            IdKind::Comment => (&mut self.next_comment_id, 5_000_000),
        };
        *counter += 1;
        base + *counter
    }

    /// The issue with this database id, in any repository, with its repository's index.
    pub fn issue_by_id(&self, id: u64) -> Option<(usize, &Issue)> {
        self.repos
            .iter()
            .enumerate()
            .find_map(|(ri, r)| r.issues.values().find(|i| i.id == id).map(|i| (ri, i)))
    }

    /// The issue (any repository) that has the issue with this database id as a sub-issue.
    pub fn parent_of(&self, id: u64) -> Option<(usize, &Issue)> {
        self.repos.iter().enumerate().find_map(|(ri, r)| {
            r.issues
                .values()
                .find(|i| i.sub_issues.contains(&id))
                .map(|i| (ri, i))
        })
    }

    /// The issue with this database id, mutably.
    pub fn issue_by_id_mut(&mut self, id: u64) -> Option<&mut Issue> {
        self.repos
            .iter_mut()
            .find_map(|r| r.issues.values_mut().find(|i| i.id == id))
    }

    /// The issues (any repository) blocked by the issue with this database id.
    pub fn blocked_by_issue(&self, id: u64) -> Vec<(usize, &Issue)> {
        self.repos
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| {
                r.issues
                    .values()
                    .filter(move |i| i.blocked_by.contains(&id))
                    .map(move |i| (ri, i))
            })
            .collect()
    }

    pub fn user(&self, login: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    /// Registers a user (idempotent, case-insensitive) and returns its id.
    pub fn ensure_user(&mut self, login: &str, organization: bool, now: i64) -> u64 {
        if let Some(u) = self.user(login) {
            return u.id;
        }
        self.next_user_id += 1;
        let id = self.next_user_id;
        self.users.push(User {
            login: login.to_string(),
            id,
            organization,
            created_at: now,
        });
        id
    }

    pub fn repo_index(&self, owner: &str, name: &str) -> Option<usize> {
        self.repos
            .iter()
            .position(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    pub fn repo_index_by_id(&self, id: u64) -> Option<usize> {
        self.repos.iter().position(|r| r.id == id)
    }

    /// Creates the repository if it does not exist yet; returns its index.
    pub fn ensure_repo(
        &mut self,
        owner: &str,
        name: &str,
        default_labels: bool,
        now: i64,
    ) -> usize {
        if let Some(i) = self.repo_index(owner, name) {
            return i;
        }
        let owner_is_known_user = self.user(owner).is_some_and(|u| !u.organization);
        self.ensure_user(owner, !owner_is_known_user, now);
        self.next_repo_id += 1;
        let mut repo = Repo {
            id: 1_000_000 + self.next_repo_id,
            owner: self
                .user(owner)
                .map_or_else(|| owner.to_string(), |u| u.login.clone()),
            name: name.to_string(),
            created_at: now,
            updated_at: now,
            pushed_at: now,
            issues: BTreeMap::new(),
            next_number: 1,
            labels: Vec::new(),
            milestones: BTreeMap::new(),
            next_milestone: 1,
            comments: Vec::new(),
        };
        if default_labels {
            for (name, color, description) in DEFAULT_LABELS {
                let id = self.next_id(IdKind::Label);
                repo.labels.push(Label {
                    id,
                    name: name.to_string(),
                    color: color.to_string(),
                    description: Some(description.to_string()),
                    default: true,
                });
            }
        }
        self.repos.push(repo);
        self.repos.len() - 1
    }
}

/// The labels GitHub puts on a new repository.
const DEFAULT_LABELS: [(&str, &str, &str); 9] = [
    ("bug", "d73a4a", "Something isn't working"),
    (
        "documentation",
        "0075ca",
        "Improvements or additions to documentation",
    ),
    (
        "duplicate",
        "cfd3d7",
        "This issue or pull request already exists",
    ),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
];

/// Base URLs used when rendering: the API root the client talked to and the
/// web root for `html_url`s.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    pub api: String,
    pub web: String,
}

fn node_id(prefix: &str, id: u64) -> String {
    // Opaque like GitHub's, stable per object.
    format!("{prefix}_kwDO{id:08X}")
}

pub(crate) fn user_json(state: &State, urls: &Urls, login: &str) -> Value {
    let (login, id, organization) = match state.user(login) {
        Some(u) => (u.login.clone(), u.id, u.organization),
        None => (login.to_string(), 0, false),
    };
    let api = &urls.api;
    let web = &urls.web;
    json!({
        "login": login,
        "id": id,
        "node_id": node_id(if organization { "O" } else { "U" }, id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": format!("{api}/users/{login}"),
        "html_url": format!("{web}/{login}"),
        "followers_url": format!("{api}/users/{login}/followers"),
        "following_url": format!("{api}/users/{login}/following{{/other_user}}"),
        "gists_url": format!("{api}/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/users/{login}/subscriptions"),
        "organizations_url": format!("{api}/users/{login}/orgs"),
        "repos_url": format!("{api}/users/{login}/repos"),
        "events_url": format!("{api}/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("{api}/users/{login}/received_events"),
        "type": if organization { "Organization" } else { "User" },
        "user_view_type": "public",
        "site_admin": false
    })
}

/// `GET /user`: the private view of the authenticated user.
pub(crate) fn private_user_json(state: &State, urls: &Urls, login: &str) -> Value {
    let mut user = user_json(state, urls, login);
    let created = state.user(login).map_or(0, |u| u.created_at);
    let owned = state
        .repos
        .iter()
        .filter(|r| r.owner.eq_ignore_ascii_case(login))
        .count();
    if let Value::Object(map) = &mut user {
        let extra = json!({
            "user_view_type": "private",
            "name": login,
            "company": null,
            "blog": "",
            "location": null,
            "email": null,
            "hireable": null,
            "bio": null,
            "twitter_username": null,
            "notification_email": null,
            "public_repos": owned,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": format_ts(created),
            "updated_at": format_ts(created),
            "private_gists": 0,
            "total_private_repos": 0,
            "owned_private_repos": 0,
            "disk_usage": 0,
            "collaborators": 0,
            "two_factor_authentication": true,
            "plan": {"name": "pro", "space": 976562499, "private_repos": 9999, "collaborators": 0}
        });
        if let Value::Object(extra) = extra {
            map.extend(extra);
        }
    }
    user
}

fn repo_api(urls: &Urls, repo: &Repo) -> String {
    format!("{}/repos/{}/{}", urls.api, repo.owner, repo.name)
}

fn repo_web(urls: &Urls, repo: &Repo) -> String {
    format!("{}/{}/{}", urls.web, repo.owner, repo.name)
}

pub(crate) fn label_json(urls: &Urls, repo: &Repo, label: &Label) -> Value {
    json!({
        "id": label.id,
        "node_id": node_id("LA", label.id),
        "url": format!("{}/labels/{}", repo_api(urls, repo), percent_encode(&label.name)),
        "name": label.name,
        "color": label.color,
        "default": label.default,
        "description": label.description,
    })
}

pub(crate) fn milestone_json(state: &State, urls: &Urls, repo: &Repo, m: &Milestone) -> Value {
    let (open_issues, closed_issues) = repo.milestone_counts(m.number);
    let api = format!("{}/milestones/{}", repo_api(urls, repo), m.number);
    json!({
        "url": api,
        "html_url": format!("{}/milestone/{}", repo_web(urls, repo), m.number),
        "labels_url": format!("{api}/labels"),
        "id": m.id,
        "node_id": node_id("MI", m.id),
        "number": m.number,
        "title": m.title,
        "description": m.description,
        "creator": user_json(state, urls, &m.creator),
        "open_issues": open_issues,
        "closed_issues": closed_issues,
        "state": if m.open { "open" } else { "closed" },
        "created_at": format_ts(m.created_at),
        "updated_at": format_ts(m.updated_at),
        "due_on": m.due_on.map(format_ts),
        "closed_at": m.closed_at.map(format_ts),
    })
}

fn author_association(state: &State, repo: &Repo, login: &str) -> &'static str {
    if repo.owner.eq_ignore_ascii_case(login) {
        "OWNER"
    } else if state.user(login).is_some() {
        "COLLABORATOR"
    } else {
        "NONE"
    }
}

fn reactions_json(url: &str) -> Value {
    json!({
        "url": format!("{url}/reactions"),
        "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
        "confused": 0, "heart": 0, "rocket": 0, "eyes": 0
    })
}

pub(crate) fn issue_json(state: &State, urls: &Urls, repo: &Repo, issue: &Issue) -> Value {
    let api = format!("{}/issues/{}", repo_api(urls, repo), issue.number);
    let labels: Vec<Value> = issue
        .labels
        .iter()
        .filter_map(|id| repo.label_by_id(*id))
        .map(|l| label_json(urls, repo, l))
        .collect();
    let assignees: Vec<Value> = issue
        .assignees
        .iter()
        .map(|a| user_json(state, urls, a))
        .collect();
    let milestone = issue
        .milestone
        .and_then(|n| repo.milestones.get(&n))
        .map(|m| milestone_json(state, urls, repo, m));
    json!({
        "url": api,
        "repository_url": repo_api(urls, repo),
        "labels_url": format!("{api}/labels{{/name}}"),
        "comments_url": format!("{api}/comments"),
        "events_url": format!("{api}/events"),
        "html_url": format!("{}/issues/{}", repo_web(urls, repo), issue.number),
        "id": issue.id,
        "node_id": node_id("I", issue.id),
        "number": issue.number,
        "title": issue.title,
        "user": user_json(state, urls, &issue.author),
        "labels": labels,
        "state": if issue.open { "open" } else { "closed" },
        "locked": issue.locked,
        "assignee": assignees.first().cloned().unwrap_or(Value::Null),
        "assignees": assignees,
        "milestone": milestone,
        "comments": repo.comment_count(issue.number),
        "created_at": format_ts(issue.created_at),
        "updated_at": format_ts(issue.updated_at),
        "closed_at": issue.closed_at.map(format_ts),
        "author_association": author_association(state, repo, &issue.author),
        "active_lock_reason": null,
        "body": issue.body,
        "closed_by": issue.closed_by.as_deref().map(|l| user_json(state, urls, l)),
        "reactions": reactions_json(&api),
        "timeline_url": format!("{api}/timeline"),
        "performed_via_github_app": null,
        "state_reason": issue.state_reason,
        "issue_dependencies_summary": dependencies_summary(state, issue),
        "sub_issues_summary": sub_issues_summary(state, issue),
        "parent_issue_url": state
            .parent_of(issue.id)
            .map(|(ri, p)| format!("{}/issues/{}", repo_api(urls, &state.repos[ri]), p.number)),
    })
}

/// `sub_issues_summary`: how many sub-issues the issue has, how many of them are closed
/// (`completed`, whatever the reason), and that share in whole percent (rounded down).
fn sub_issues_summary(state: &State, issue: &Issue) -> Value {
    let children: Vec<&Issue> = issue
        .sub_issues
        .iter()
        .filter_map(|id| state.issue_by_id(*id).map(|(_, i)| i))
        .collect();
    let total = children.len();
    let completed = children.iter().filter(|i| !i.open).count();
    json!({
        "total": total,
        "completed": completed,
        "percent_completed": (completed * 100).checked_div(total).unwrap_or(0),
    })
}

/// `issue_dependencies_summary`: how many issues block this one and how many it blocks,
/// open ones (`blocked_by`, `blocking`) and all (`total_…`).
fn dependencies_summary(state: &State, issue: &Issue) -> Value {
    let blockers: Vec<&Issue> = issue
        .blocked_by
        .iter()
        .filter_map(|id| state.issue_by_id(*id).map(|(_, i)| i))
        .collect();
    let blocked = state.blocked_by_issue(issue.id);
    json!({
        "blocked_by": blockers.iter().filter(|i| i.open).count(),
        "blocking": blocked.iter().filter(|(_, i)| i.open).count(),
        "total_blocked_by": blockers.len(),
        "total_blocking": blocked.len(),
    })
}

pub(crate) fn comment_json(state: &State, urls: &Urls, repo: &Repo, c: &Comment) -> Value {
    let api = format!("{}/issues/comments/{}", repo_api(urls, repo), c.id);
    json!({
        "url": api,
        "html_url": format!("{}/issues/{}#issuecomment-{}", repo_web(urls, repo), c.issue, c.id),
        "issue_url": format!("{}/issues/{}", repo_api(urls, repo), c.issue),
        "id": c.id,
        "node_id": node_id("IC", c.id),
        "user": user_json(state, urls, &c.author),
        "created_at": format_ts(c.created_at),
        "updated_at": format_ts(c.updated_at),
        "author_association": author_association(state, repo, &c.author),
        "body": c.body,
        "reactions": reactions_json(&api),
        "performed_via_github_app": null,
    })
}

pub(crate) fn repo_json(
    state: &State,
    urls: &Urls,
    repo: &Repo,
    can_push: bool,
    admin: bool,
) -> Value {
    let api = repo_api(urls, repo);
    let web = repo_web(urls, repo);
    let full = repo.full_name();
    let open_issues = repo.issues.values().filter(|i| i.open).count();
    let host = urls
        .web
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let mut json = json!({
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": full,
        "private": false,
        "owner": user_json(state, urls, &repo.owner),
        "html_url": web,
        "description": null,
        "fork": false,
        "url": api,
        "forks_url": format!("{api}/forks"),
        "keys_url": format!("{api}/keys{{/key_id}}"),
        "collaborators_url": format!("{api}/collaborators{{/collaborator}}"),
        "teams_url": format!("{api}/teams"),
        "hooks_url": format!("{api}/hooks"),
        "issue_events_url": format!("{api}/issues/events{{/number}}"),
        "events_url": format!("{api}/events"),
        "assignees_url": format!("{api}/assignees{{/user}}"),
        "branches_url": format!("{api}/branches{{/branch}}"),
        "tags_url": format!("{api}/tags"),
        "blobs_url": format!("{api}/git/blobs{{/sha}}"),
        "git_tags_url": format!("{api}/git/tags{{/sha}}"),
        "git_refs_url": format!("{api}/git/refs{{/sha}}"),
        "trees_url": format!("{api}/git/trees{{/sha}}"),
        "statuses_url": format!("{api}/statuses/{{sha}}"),
        "languages_url": format!("{api}/languages"),
        "stargazers_url": format!("{api}/stargazers"),
        "contributors_url": format!("{api}/contributors"),
        "subscribers_url": format!("{api}/subscribers"),
        "subscription_url": format!("{api}/subscription"),
    });
    let urls_part = json!({
        "commits_url": format!("{api}/commits{{/sha}}"),
        "git_commits_url": format!("{api}/git/commits{{/sha}}"),
        "comments_url": format!("{api}/comments{{/number}}"),
        "issue_comment_url": format!("{api}/issues/comments{{/number}}"),
        "contents_url": format!("{api}/contents/{{+path}}"),
        "compare_url": format!("{api}/compare/{{base}}...{{head}}"),
        "merges_url": format!("{api}/merges"),
        "archive_url": format!("{api}/{{archive_format}}{{/ref}}"),
        "downloads_url": format!("{api}/downloads"),
        "issues_url": format!("{api}/issues{{/number}}"),
        "pulls_url": format!("{api}/pulls{{/number}}"),
        "milestones_url": format!("{api}/milestones{{/number}}"),
        "notifications_url": format!("{api}/notifications{{?since,all,participating}}"),
        "labels_url": format!("{api}/labels{{/name}}"),
        "releases_url": format!("{api}/releases{{/id}}"),
        "deployments_url": format!("{api}/deployments"),
    });
    let more = json!({
        "created_at": format_ts(repo.created_at),
        "updated_at": format_ts(repo.updated_at),
        "pushed_at": format_ts(repo.pushed_at),
        "git_url": format!("git://{host}/{full}.git"),
        "ssh_url": format!("git@{host}:{full}.git"),
        "clone_url": format!("{web}.git"),
        "svn_url": web,
        "homepage": null,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": null,
        "has_issues": true,
        "has_projects": true,
        "has_downloads": true,
        "has_wiki": true,
        "has_pages": false,
        "has_discussions": false,
        "forks_count": 0,
        "mirror_url": null,
        "archived": false,
        "disabled": false,
        "open_issues_count": open_issues,
        "license": null,
        "allow_forking": true,
        "is_template": false,
        "web_commit_signoff_required": false,
        "topics": [],
        "visibility": "public",
        "forks": 0,
        "open_issues": open_issues,
        "watchers": 0,
        "default_branch": "main",
        "permissions": {
            "admin": admin, "maintain": admin, "push": can_push, "triage": can_push, "pull": true
        },
        "network_count": 0,
        "subscribers_count": 0
    });
    for part in [urls_part, more] {
        if let (Value::Object(map), Value::Object(part)) = (&mut json, part) {
            map.extend(part);
        }
    }
    json
}
