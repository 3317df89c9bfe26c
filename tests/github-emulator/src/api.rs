//! Routing and the REST handlers, behaving as api.github.com does for the
//! endpoints a sync client uses.

use serde_json::{Map, Value, json};

use crate::LinkStyle;
use crate::http::parse_query;
use crate::model::{
    Comment, IdKind, Issue, Label, Milestone, Repo, State, Urls, comment_json, issue_json,
    label_json, milestone_json, private_user_json, repo_json,
};
use crate::time::{pacific_midnight, parse_ts};

pub(crate) const GENERIC_DOCS: &str = "https://docs.github.com/rest";

/// Releases: a child module, so that it shares the helpers below.
#[path = "releases.rs"]
pub(crate) mod releases;

/// Projects (v2): a child module, so that it shares the helpers below.
#[path = "projects.rs"]
pub(crate) mod projects;

/// Sub-issues: a child module, so that it shares the helpers below.
#[path = "sub_issues.rs"]
mod sub_issues;

/// Who is making the request.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub login: String,
    pub scopes: Vec<String>,
}

impl Actor {
    pub fn can_write(&self) -> bool {
        self.scopes
            .iter()
            .any(|s| s == "repo" || s == "public_repo")
    }
}

pub(crate) struct Ctx<'a> {
    pub urls: Urls,
    pub now: i64,
    pub actor: Option<&'a Actor>,
    pub pacific_due_dates: bool,
    pub link_style: LinkStyle,
}

pub(crate) struct ApiRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub raw_query: &'a str,
    pub body: &'a [u8],
}

/// A handler's answer: status, optional JSON body, extra headers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    fn with_header(mut self, name: &str, value: String) -> Reply {
        self.headers.push((name.to_string(), value));
        self
    }
}

type Res = Result<Reply, Reply>;

pub(crate) fn error_body(status: u16, message: &str, doc: &str) -> Value {
    json!({"message": message, "documentation_url": doc, "status": status.to_string()})
}

pub(crate) fn error(status: u16, message: &str, doc: &str) -> Reply {
    Reply::json(status, error_body(status, message, doc))
}

pub(crate) fn not_found(doc: &str) -> Reply {
    error(404, "Not Found", doc)
}

fn validation(doc: &str, errors: Vec<Value>) -> Reply {
    Reply::json(
        422,
        json!({
            "message": "Validation Failed",
            "errors": errors,
            "documentation_url": doc,
            "status": "422"
        }),
    )
}

/// GitHub's answer to a body its request schema rejects: `422` `Invalid request.` and why.
fn invalid_request(doc: &str, detail: &str) -> Reply {
    error(422, &format!("Invalid request.\n\n{detail}"), doc)
}

fn field_error(resource: &str, code: &str, field: &str) -> Value {
    json!({"resource": resource, "code": code, "field": field})
}

fn invalid_value(resource: &str, field: &str, value: Value) -> Value {
    json!({"value": value, "resource": resource, "field": field, "code": "invalid"})
}

mod docs {
    pub const GET_USER: &str =
        "https://docs.github.com/rest/users/users#get-the-authenticated-user";
    pub const GET_REPO: &str = "https://docs.github.com/rest/repos/repos#get-a-repository";
    pub const LIST_ISSUES: &str =
        "https://docs.github.com/rest/issues/issues#list-repository-issues";
    pub const CREATE_ISSUE: &str = "https://docs.github.com/rest/issues/issues#create-an-issue";
    pub const GET_ISSUE: &str = "https://docs.github.com/rest/issues/issues#get-an-issue";
    pub const UPDATE_ISSUE: &str = "https://docs.github.com/rest/issues/issues#update-an-issue";
    pub const LIST_ISSUE_LABELS: &str =
        "https://docs.github.com/rest/issues/labels#list-labels-for-an-issue";
    pub const ADD_ISSUE_LABELS: &str =
        "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue";
    pub const SET_ISSUE_LABELS: &str =
        "https://docs.github.com/rest/issues/labels#set-labels-for-an-issue";
    pub const REMOVE_ALL_ISSUE_LABELS: &str =
        "https://docs.github.com/rest/issues/labels#remove-all-labels-from-an-issue";
    pub const REMOVE_ISSUE_LABEL: &str =
        "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue";
    pub const LIST_COMMENTS: &str =
        "https://docs.github.com/rest/issues/comments#list-issue-comments";
    pub const CREATE_COMMENT: &str =
        "https://docs.github.com/rest/issues/comments#create-an-issue-comment";
    pub const GET_COMMENT: &str =
        "https://docs.github.com/rest/issues/comments#get-an-issue-comment";
    pub const UPDATE_COMMENT: &str =
        "https://docs.github.com/rest/issues/comments#update-an-issue-comment";
    pub const DELETE_COMMENT: &str =
        "https://docs.github.com/rest/issues/comments#delete-an-issue-comment";
    pub const LIST_MILESTONES: &str =
        "https://docs.github.com/rest/issues/milestones#list-milestones";
    pub const CREATE_MILESTONE: &str =
        "https://docs.github.com/rest/issues/milestones#create-a-milestone";
    pub const GET_MILESTONE: &str =
        "https://docs.github.com/rest/issues/milestones#get-a-milestone";
    pub const UPDATE_MILESTONE: &str =
        "https://docs.github.com/rest/issues/milestones#update-a-milestone";
    pub const DELETE_MILESTONE: &str =
        "https://docs.github.com/rest/issues/milestones#delete-a-milestone";
    pub const CREATE_LABEL: &str = "https://docs.github.com/rest/issues/labels#create-a-label";
    pub const GET_LABEL: &str = "https://docs.github.com/rest/issues/labels#get-a-label";
    pub const UPDATE_LABEL: &str = "https://docs.github.com/rest/issues/labels#update-a-label";
    pub const DELETE_LABEL: &str = "https://docs.github.com/rest/issues/labels#delete-a-label";
    pub const LIST_BLOCKED_BY: &str = "https://docs.github.com/rest/issues/issue-dependencies#list-dependencies-an-issue-is-blocked-by";
    pub const ADD_BLOCKED_BY: &str = "https://docs.github.com/rest/issues/issue-dependencies#add-a-dependency-an-issue-is-blocked-by";
    pub const REMOVE_BLOCKED_BY: &str = "https://docs.github.com/rest/issues/issue-dependencies#remove-dependency-an-issue-is-blocked-by";
    pub const LIST_BLOCKING: &str = "https://docs.github.com/rest/issues/issue-dependencies#list-dependencies-an-issue-is-blocking";
}

/// Whether a method changes state.
pub(crate) fn is_write(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "POST" | "PATCH" | "PUT" | "DELETE"
    )
}

/// Handles one API request against the state.
pub(crate) fn handle(
    state: &mut State,
    releases: &mut releases::Releases,
    projects: &mut projects::Projects,
    ctx: &Ctx<'_>,
    req: &ApiRequest<'_>,
) -> Reply {
    match route(state, releases, projects, ctx, req) {
        Ok(r) | Err(r) => r,
    }
}

fn route(
    state: &mut State,
    releases: &mut releases::Releases,
    projects: &mut projects::Projects,
    ctx: &Ctx<'_>,
    req: &ApiRequest<'_>,
) -> Res {
    let raw_segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let segments: Vec<String> = raw_segments
        .iter()
        .map(|s| crate::http::percent_decode(s, false))
        .collect();
    let method = req.method.to_ascii_uppercase();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();

    let (repo_idx, rest, raw_rest) = match seg.as_slice() {
        [scope, _, "projectsV2", _, ..]
            if matches!(*scope, "orgs" | "users" | "organizations" | "user") =>
        {
            let m = method.as_str();
            return projects::route(state, projects, ctx, m, &seg, req.raw_query, req.body);
        }
        ["user"] if method == "GET" => {
            let actor = ctx
                .actor
                .ok_or_else(|| error(401, "Requires authentication", docs::GET_USER))?;
            return Ok(Reply::json(
                200,
                private_user_json(state, &ctx.urls, &actor.login),
            ));
        }
        ["repos", owner, name, rest @ ..] => {
            let idx = state
                .repo_index(owner, name)
                .ok_or_else(|| not_found(docs::GET_REPO))?;
            (idx, rest.to_vec(), raw_segments[3..].join("/"))
        }
        ["repositories", id, rest @ ..] => {
            let idx = id
                .parse::<u64>()
                .ok()
                .and_then(|id| state.repo_index_by_id(id))
                .ok_or_else(|| not_found(docs::GET_REPO))?;
            (idx, rest.to_vec(), raw_segments[2..].join("/"))
        }
        _ => return Err(not_found(GENERIC_DOCS)),
    };
    let page = PageCtx {
        raw_query: req.raw_query,
        raw_rest: &raw_rest,
    };
    let q = Query(parse_query(req.raw_query));
    let m = method.as_str();
    if let ["releases", tail @ ..] = rest.as_slice() {
        return releases::route(state, releases, ctx, repo_idx, m, tail, req.body, &q, &page);
    }
    match (m, rest.as_slice()) {
        ("GET", []) => {
            let can_push = ctx.actor.is_some_and(Actor::can_write);
            let admin = ctx.actor.is_some_and(|a| {
                a.can_write() && state.repos[repo_idx].owner.eq_ignore_ascii_case(&a.login)
            });
            Ok(Reply::json(
                200,
                repo_json(state, &ctx.urls, &state.repos[repo_idx], can_push, admin),
            ))
        }
        ("GET", ["issues"]) => list_issues(state, ctx, repo_idx, &q, &page),
        ("POST", ["issues"]) => {
            require_write(ctx, docs::CREATE_ISSUE)?;
            create_issue(state, ctx, repo_idx, req.body)
        }
        ("GET", ["issues", "comments", id]) => {
            let (_, c) = find_comment(state, repo_idx, id, docs::GET_COMMENT)?;
            let repo = &state.repos[repo_idx];
            Ok(Reply::json(200, comment_json(state, &ctx.urls, repo, &c)))
        }
        ("PATCH", ["issues", "comments", id]) => {
            require_write(ctx, docs::UPDATE_COMMENT)?;
            update_comment(state, ctx, repo_idx, id, req.body)
        }
        ("DELETE", ["issues", "comments", id]) => {
            require_write(ctx, docs::DELETE_COMMENT)?;
            let (pos, _) = find_comment(state, repo_idx, id, docs::DELETE_COMMENT)?;
            state.repos[repo_idx].comments.remove(pos);
            Ok(Reply::no_content())
        }
        ("GET", ["issues", n]) => {
            let n = issue_number(state, repo_idx, n, docs::GET_ISSUE)?;
            let repo = &state.repos[repo_idx];
            Ok(Reply::json(
                200,
                issue_json(state, &ctx.urls, repo, &repo.issues[&n]),
            ))
        }
        ("PATCH", ["issues", n]) => {
            let n = issue_number(state, repo_idx, n, docs::UPDATE_ISSUE)?;
            require_write(ctx, docs::UPDATE_ISSUE)?;
            update_issue(state, ctx, repo_idx, n, req.body)
        }
        ("GET", ["issues", n, "labels"]) => {
            let n = issue_number(state, repo_idx, n, docs::LIST_ISSUE_LABELS)?;
            let repo = &state.repos[repo_idx];
            let items = issue_labels_json(ctx, repo, n);
            Ok(paginate(ctx, repo, &q, &page, items, Value::clone))
        }
        ("POST", ["issues", n, "labels"]) | ("PUT", ["issues", n, "labels"]) => {
            let doc = if m == "POST" {
                docs::ADD_ISSUE_LABELS
            } else {
                docs::SET_ISSUE_LABELS
            };
            let n = issue_number(state, repo_idx, n, doc)?;
            require_write(ctx, doc)?;
            let names = label_names_from_body(req.body, doc)?;
            let before = state.repos[repo_idx].issues[&n].clone();
            let mut ids = if m == "POST" {
                before.labels.clone()
            } else {
                Vec::new()
            };
            for name in names {
                let id = ensure_label(state, repo_idx, &name);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            let repo = &mut state.repos[repo_idx];
            if let Some(issue) = repo.issues.get_mut(&n) {
                issue.labels = ids;
                if *issue != before {
                    issue.updated_at = ctx.now;
                }
            }
            let repo = &state.repos[repo_idx];
            Ok(Reply::json(
                200,
                Value::Array(issue_labels_json(ctx, repo, n)),
            ))
        }
        ("DELETE", ["issues", n, "labels"]) => {
            let n = issue_number(state, repo_idx, n, docs::REMOVE_ALL_ISSUE_LABELS)?;
            require_write(ctx, docs::REMOVE_ALL_ISSUE_LABELS)?;
            if let Some(issue) = state.repos[repo_idx].issues.get_mut(&n)
                && !issue.labels.is_empty()
            {
                issue.labels.clear();
                issue.updated_at = ctx.now;
            }
            Ok(Reply::no_content())
        }
        ("DELETE", ["issues", n, "labels", name]) => {
            let n = issue_number(state, repo_idx, n, docs::REMOVE_ISSUE_LABEL)?;
            require_write(ctx, docs::REMOVE_ISSUE_LABEL)?;
            let repo = &mut state.repos[repo_idx];
            let label_id = repo.label_by_name(name).map(|l| l.id);
            let issue = repo
                .issues
                .get_mut(&n)
                .ok_or_else(|| not_found(docs::REMOVE_ISSUE_LABEL))?;
            match label_id.and_then(|id| issue.labels.iter().position(|l| *l == id)) {
                Some(pos) => {
                    issue.labels.remove(pos);
                    issue.updated_at = ctx.now;
                }
                None => return Err(error(404, "Label does not exist", docs::REMOVE_ISSUE_LABEL)),
            }
            let repo = &state.repos[repo_idx];
            Ok(Reply::json(
                200,
                Value::Array(issue_labels_json(ctx, repo, n)),
            ))
        }
        ("GET", ["issues", n, "comments"]) => {
            let n = issue_number(state, repo_idx, n, docs::LIST_COMMENTS)?;
            let since = match q.get("since") {
                Some(s) => Some(parse_ts(s).ok_or_else(|| {
                    validation(
                        docs::LIST_COMMENTS,
                        vec![invalid_value("Issue", "since", json!(s))],
                    )
                })?),
                None => None,
            };
            let repo = &state.repos[repo_idx];
            let items: Vec<&Comment> = repo
                .comments
                .iter()
                .filter(|c| c.issue == n && since.is_none_or(|s| c.updated_at >= s))
                .collect();
            Ok(paginate(ctx, repo, &q, &page, items, |c| {
                comment_json(state, &ctx.urls, repo, c)
            }))
        }
        ("POST", ["issues", n, "comments"]) => {
            let n = issue_number(state, repo_idx, n, docs::CREATE_COMMENT)?;
            require_write(ctx, docs::CREATE_COMMENT)?;
            create_comment(state, ctx, repo_idx, n, req.body)
        }
        (_, ["issues", n, what @ ("sub_issues" | "sub_issue" | "parent")]) => {
            let doc = "https://docs.github.com/rest/issues/sub-issues";
            let n = issue_number(state, repo_idx, n, doc)?;
            sub_issues::route(state, ctx, repo_idx, n, m, what, req.body, &q, &page)
        }
        ("GET", ["issues", n, "dependencies", "blocked_by"]) => {
            let n = issue_number(state, repo_idx, n, docs::LIST_BLOCKED_BY)?;
            let items: Vec<(usize, &Issue)> = state.repos[repo_idx].issues[&n]
                .blocked_by
                .iter()
                .filter_map(|id| state.issue_by_id(*id))
                .collect();
            let repo = &state.repos[repo_idx];
            Ok(paginate(ctx, repo, &q, &page, items, |(ri, i)| {
                issue_json(state, &ctx.urls, &state.repos[*ri], i)
            }))
        }
        ("POST", ["issues", n, "dependencies", "blocked_by"]) => {
            let n = issue_number(state, repo_idx, n, docs::ADD_BLOCKED_BY)?;
            require_write(ctx, docs::ADD_BLOCKED_BY)?;
            add_blocked_by(state, ctx, repo_idx, n, req.body)
        }
        ("DELETE", ["issues", n, "dependencies", "blocked_by", id]) => {
            let doc = docs::REMOVE_BLOCKED_BY;
            let n = issue_number(state, repo_idx, n, doc)?;
            require_write(ctx, doc)?;
            let id: u64 = id.parse().map_err(|_| not_found(doc))?;
            let issue = state.repos[repo_idx]
                .issues
                .get_mut(&n)
                .ok_or_else(|| not_found(doc))?;
            let pos = issue
                .blocked_by
                .iter()
                .position(|b| *b == id)
                .ok_or_else(|| not_found(doc))?;
            issue.blocked_by.remove(pos);
            issue.updated_at = ctx.now;
            let (ri, blocking) = state.issue_by_id(id).ok_or_else(|| not_found(doc))?;
            Ok(Reply::json(
                200,
                issue_json(state, &ctx.urls, &state.repos[ri], blocking),
            ))
        }
        ("GET", ["issues", n, "dependencies", "blocking"]) => {
            let n = issue_number(state, repo_idx, n, docs::LIST_BLOCKING)?;
            let id = state.repos[repo_idx].issues[&n].id;
            let items = state.blocked_by_issue(id);
            let repo = &state.repos[repo_idx];
            Ok(paginate(ctx, repo, &q, &page, items, |(ri, i)| {
                issue_json(state, &ctx.urls, &state.repos[*ri], i)
            }))
        }
        ("GET", ["milestones"]) => list_milestones(state, ctx, repo_idx, &q, &page),
        ("POST", ["milestones"]) => {
            require_write(ctx, docs::CREATE_MILESTONE)?;
            create_milestone(state, ctx, repo_idx, req.body)
        }
        ("GET", ["milestones", n]) => {
            let n = milestone_number(state, repo_idx, n, docs::GET_MILESTONE)?;
            let repo = &state.repos[repo_idx];
            Ok(Reply::json(
                200,
                milestone_json(state, &ctx.urls, repo, &repo.milestones[&n]),
            ))
        }
        ("PATCH", ["milestones", n]) => {
            let n = milestone_number(state, repo_idx, n, docs::UPDATE_MILESTONE)?;
            require_write(ctx, docs::UPDATE_MILESTONE)?;
            update_milestone(state, ctx, repo_idx, n, req.body)
        }
        ("DELETE", ["milestones", n]) => {
            let n = milestone_number(state, repo_idx, n, docs::DELETE_MILESTONE)?;
            require_write(ctx, docs::DELETE_MILESTONE)?;
            let repo = &mut state.repos[repo_idx];
            repo.milestones.remove(&n);
            for issue in repo.issues.values_mut() {
                if issue.milestone == Some(n) {
                    issue.milestone = None;
                }
            }
            Ok(Reply::no_content())
        }
        ("GET", ["labels"]) => {
            let repo = &state.repos[repo_idx];
            let mut labels: Vec<&Label> = repo.labels.iter().collect();
            labels.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then(a.id.cmp(&b.id))
            });
            Ok(paginate(ctx, repo, &q, &page, labels, |l| {
                label_json(&ctx.urls, repo, l)
            }))
        }
        ("POST", ["labels"]) => {
            require_write(ctx, docs::CREATE_LABEL)?;
            create_label(state, ctx, repo_idx, req.body)
        }
        ("GET", ["labels", name]) => {
            let repo = &state.repos[repo_idx];
            let label = repo
                .label_by_name(name)
                .ok_or_else(|| not_found(docs::GET_LABEL))?;
            Ok(Reply::json(200, label_json(&ctx.urls, repo, label)))
        }
        ("PATCH", ["labels", name]) => {
            if state.repos[repo_idx].label_by_name(name).is_none() {
                return Err(not_found(docs::UPDATE_LABEL));
            }
            require_write(ctx, docs::UPDATE_LABEL)?;
            update_label(ctx, &mut state.repos[repo_idx], name, req.body)
        }
        ("DELETE", ["labels", name]) => {
            let repo = &mut state.repos[repo_idx];
            let id = repo
                .label_by_name(name)
                .map(|l| l.id)
                .ok_or_else(|| not_found(docs::DELETE_LABEL))?;
            require_write(ctx, docs::DELETE_LABEL)?;
            repo.labels.retain(|l| l.id != id);
            for issue in repo.issues.values_mut() {
                issue.labels.retain(|l| *l != id);
            }
            Ok(Reply::no_content())
        }
        _ => Err(not_found(GENERIC_DOCS)),
    }
}

fn require_write(ctx: &Ctx<'_>, doc: &str) -> Result<(), Reply> {
    match ctx.actor {
        None => Err(error(401, "Requires authentication", doc)),
        Some(a) if !a.can_write() => {
            Err(
                error(403, "Resource not accessible by personal access token", doc)
                    .with_header("X-Accepted-OAuth-Scopes", "repo".to_string()),
            )
        }
        Some(_) => Ok(()),
    }
}

/// Query parameters, in order.
struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct PageCtx<'a> {
    raw_query: &'a str,
    raw_rest: &'a str,
}

/// Slices `items` per `per_page`/`page` and adds GitHub's `Link` header.
fn paginate<T>(
    ctx: &Ctx<'_>,
    repo: &Repo,
    q: &Query,
    page: &PageCtx<'_>,
    items: Vec<T>,
    render: impl Fn(&T) -> Value,
) -> Reply {
    let per_page = q
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|v| *v > 0)
        .unwrap_or(30)
        .min(100);
    let current = q
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|v| *v > 0)
        .unwrap_or(1);
    let total = items.len();
    let last = total.div_ceil(per_page).max(1);
    let start = (current - 1).saturating_mul(per_page);
    // Only the requested page is rendered.
    let slice: Vec<Value> = items
        .iter()
        .skip(start)
        .take(per_page)
        .map(render)
        .collect();
    let mut reply = Reply::json(200, Value::Array(slice));
    if total > per_page || current > 1 {
        let base = match ctx.link_style {
            LinkStyle::RepositoryId => format!("{}/repositories/{}", ctx.urls.api, repo.id),
            LinkStyle::OwnerRepo => format!("{}/repos/{}/{}", ctx.urls.api, repo.owner, repo.name),
        };
        let link_to = |n: usize| {
            let mut parts: Vec<String> = page
                .raw_query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            match parts
                .iter()
                .position(|p| p == "page" || p.starts_with("page="))
            {
                Some(i) => parts[i] = format!("page={n}"),
                None => parts.push(format!("page={n}")),
            }
            format!("<{base}/{}?{}>", page.raw_rest, parts.join("&"))
        };
        let mut links = Vec::new();
        if current > 1 {
            links.push(format!(
                "{}; rel=\"prev\"",
                link_to((current - 1).min(last.max(1)).max(1))
            ));
        }
        if current < last {
            links.push(format!("{}; rel=\"next\"", link_to(current + 1)));
            links.push(format!("{}; rel=\"last\"", link_to(last)));
        }
        if current > 1 {
            links.push(format!("{}; rel=\"first\"", link_to(1)));
        }
        if !links.is_empty() {
            reply = reply.with_header("Link", links.join(", "));
        }
    }
    reply
}

fn issue_number(state: &State, repo_idx: usize, text: &str, doc: &str) -> Result<u64, Reply> {
    text.parse::<u64>()
        .ok()
        .filter(|n| state.repos[repo_idx].issues.contains_key(n))
        .ok_or_else(|| not_found(doc))
}

fn milestone_number(state: &State, repo_idx: usize, text: &str, doc: &str) -> Result<u64, Reply> {
    text.parse::<u64>()
        .ok()
        .filter(|n| state.repos[repo_idx].milestones.contains_key(n))
        .ok_or_else(|| not_found(doc))
}

fn find_comment(
    state: &State,
    repo_idx: usize,
    id: &str,
    doc: &str,
) -> Result<(usize, Comment), Reply> {
    let id: u64 = id.parse().map_err(|_| not_found(doc))?;
    state.repos[repo_idx]
        .comments
        .iter()
        .position(|c| c.id == id)
        .map(|p| (p, state.repos[repo_idx].comments[p].clone()))
        .ok_or_else(|| not_found(doc))
}

fn issue_labels_json(ctx: &Ctx<'_>, repo: &Repo, n: u64) -> Vec<Value> {
    repo.issues
        .get(&n)
        .map(|i| {
            i.labels
                .iter()
                .filter_map(|id| repo.label_by_id(*id))
                .map(|l| label_json(&ctx.urls, repo, l))
                .collect()
        })
        .unwrap_or_default()
}

fn parse_json(body: &[u8], doc: &str) -> Result<Value, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body).map_err(|_| error(400, "Problems parsing JSON", doc))
}

fn parse_object(body: &[u8], doc: &str) -> Result<Map<String, Value>, Reply> {
    match parse_json(body, doc)? {
        Value::Object(map) => Ok(map),
        other => Err(error(
            422,
            &format!("Invalid request.\n\n{other} is not an object."),
            doc,
        )),
    }
}

/// A string field that may be absent (`Ok(None)`), null (`Ok(Some(None))`)
/// or a string.
fn opt_string(
    map: &Map<String, Value>,
    key: &str,
    resource: &str,
    doc: &str,
) -> Result<Option<Option<String>>, Reply> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(other) => Err(validation(
            doc,
            vec![invalid_value(resource, key, other.clone())],
        )),
    }
}

/// Label names from `labels` arrays of strings or `{name}` objects.
fn label_list(value: &Value, doc: &str) -> Result<Vec<String>, Reply> {
    let Value::Array(items) = value else {
        return Err(validation(
            doc,
            vec![invalid_value("Label", "labels", value.clone())],
        ));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            Value::Object(o) => match o.get("name") {
                Some(Value::String(s)) => Ok(s.clone()),
                _ => Err(validation(
                    doc,
                    vec![invalid_value("Label", "labels", item.clone())],
                )),
            },
            other => Err(validation(
                doc,
                vec![invalid_value("Label", "labels", other.clone())],
            )),
        })
        .collect()
}

fn label_names_from_body(body: &[u8], doc: &str) -> Result<Vec<String>, Reply> {
    match parse_json(body, doc)? {
        arr @ Value::Array(_) => label_list(&arr, doc),
        Value::Object(map) => match map.get("labels") {
            Some(v) => label_list(v, doc),
            None => Ok(Vec::new()),
        },
        other => Err(validation(
            doc,
            vec![invalid_value("Label", "labels", other)],
        )),
    }
}

/// Looks a label up by name (case-insensitive) or creates it as GitHub does
/// when an issue is labelled with an unknown name.
fn ensure_label(state: &mut State, repo_idx: usize, name: &str) -> u64 {
    if let Some(l) = state.repos[repo_idx].label_by_name(name) {
        return l.id;
    }
    let id = state.next_id(IdKind::Label);
    state.repos[repo_idx].labels.push(Label {
        id,
        name: name.to_string(),
        color: "ededed".to_string(),
        description: None,
        default: false,
    });
    id
}

fn assignable(state: &State, login: &str) -> Option<String> {
    state
        .user(login)
        .map(|u| u.login.clone())
        .filter(|_| state.user(login).is_some_and(|u| !u.organization))
}

/// Resolves `assignees` (array) and the legacy `assignee` (string) fields.
fn resolve_assignees(
    state: &State,
    map: &Map<String, Value>,
    doc: &str,
) -> Result<Option<Vec<String>>, Reply> {
    let mut requested: Option<Vec<Value>> = None;
    if let Some(v) = map.get("assignees") {
        match v {
            Value::Array(items) => requested = Some(items.clone()),
            Value::Null => requested = Some(Vec::new()),
            other => {
                return Err(validation(
                    doc,
                    vec![invalid_value("Issue", "assignees", other.clone())],
                ));
            }
        }
    }
    if let Some(v) = map.get("assignee") {
        match v {
            Value::String(s) => requested.get_or_insert_with(Vec::new).insert(0, json!(s)),
            Value::Null => {
                requested.get_or_insert_with(Vec::new);
            }
            other => {
                return Err(validation(
                    doc,
                    vec![invalid_value("Issue", "assignee", other.clone())],
                ));
            }
        }
    }
    let Some(requested) = requested else {
        return Ok(None);
    };
    let mut logins: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for item in requested {
        match item.as_str().and_then(|s| assignable(state, s)) {
            Some(login) => {
                if !logins.iter().any(|l| l.eq_ignore_ascii_case(&login)) {
                    logins.push(login);
                }
            }
            None => errors.push(invalid_value("Issue", "assignees", item.clone())),
        }
    }
    if errors.is_empty() {
        Ok(Some(logins))
    } else {
        Err(validation(doc, errors))
    }
}

/// `milestone`: a number (or numeric string), or null to clear.
fn resolve_milestone(
    state: &State,
    repo_idx: usize,
    map: &Map<String, Value>,
    doc: &str,
) -> Result<Option<Option<u64>>, Reply> {
    let Some(v) = map.get("milestone") else {
        return Ok(None);
    };
    let number = match v {
        Value::Null => return Ok(Some(None)),
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match number.filter(|n| state.repos[repo_idx].milestones.contains_key(n)) {
        Some(n) => Ok(Some(Some(n))),
        None => Err(validation(
            doc,
            vec![invalid_value("Issue", "milestone", v.clone())],
        )),
    }
}

fn title_of(map: &Map<String, Value>, resource: &str, doc: &str) -> Result<Option<String>, Reply> {
    match map.get("title") {
        None => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::String(_)) | Some(Value::Null) => Err(validation(
            doc,
            vec![field_error(resource, "missing_field", "title")],
        )),
        Some(other) => Err(validation(
            doc,
            vec![invalid_value(resource, "title", other.clone())],
        )),
    }
}

fn actor_login(ctx: &Ctx<'_>) -> String {
    ctx.actor
        .map_or_else(|| "ghost".to_string(), |a| a.login.clone())
}

fn create_issue(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, body: &[u8]) -> Res {
    let doc = docs::CREATE_ISSUE;
    let map = parse_object(body, doc)?;
    let title = title_of(&map, "Issue", doc)?
        .ok_or_else(|| validation(doc, vec![field_error("Issue", "missing_field", "title")]))?;
    let issue_body = opt_string(&map, "body", "Issue", doc)?.flatten();
    let assignees = resolve_assignees(state, &map, doc)?.unwrap_or_default();
    let milestone = resolve_milestone(state, repo_idx, &map, doc)?.flatten();
    let label_names = match map.get("labels") {
        Some(Value::Null) | None => Vec::new(),
        Some(v) => label_list(v, doc)?,
    };
    let mut labels = Vec::new();
    for name in label_names {
        let id = ensure_label(state, repo_idx, &name);
        if !labels.contains(&id) {
            labels.push(id);
        }
    }
    let id = state.next_id(IdKind::Issue);
    let repo = &mut state.repos[repo_idx];
    let number = repo.next_number;
    repo.next_number += 1;
    repo.issues.insert(
        number,
        Issue {
            id,
            number,
            title,
            body: issue_body,
            author: actor_login(ctx),
            labels,
            assignees,
            milestone,
            open: true,
            state_reason: None,
            locked: false,
            created_at: ctx.now,
            updated_at: ctx.now,
            closed_at: None,
            closed_by: None,
            blocked_by: Vec::new(),
            sub_issues: Vec::new(),
        },
    );
    let repo = &state.repos[repo_idx];
    let json = issue_json(state, &ctx.urls, repo, &repo.issues[&number]);
    let location = json["url"].as_str().unwrap_or_default().to_string();
    Ok(Reply::json(201, json).with_header("Location", location))
}

/// `POST …/issues/{n}/dependencies/blocked_by` with `{"issue_id": <database id>}`: the
/// issue is blocked by that one (of any repository) from now on. Answers `201` with the
/// blocking issue; `422` when `issue_id` is missing, not an integer, names no issue, the
/// issue itself, or one it is blocked by already. The blocked issue's `updated_at` moves.
fn add_blocked_by(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, n: u64, body: &[u8]) -> Res {
    let doc = docs::ADD_BLOCKED_BY;
    let map = parse_object(body, doc)?;
    let id = match map.get("issue_id") {
        None | Some(Value::Null) => {
            return Err(validation(
                doc,
                vec![field_error("IssueDependency", "missing_field", "issue_id")],
            ));
        }
        Some(Value::Number(v)) if v.as_u64().is_some() => v.as_u64().unwrap_or_default(),
        Some(other) => {
            return Err(validation(
                doc,
                vec![invalid_value("IssueDependency", "issue_id", other.clone())],
            ));
        }
    };
    let issue = &state.repos[repo_idx].issues[&n];
    if issue.id == id {
        return Err(validation(
            doc,
            vec![
                json!({"resource": "IssueDependency", "code": "custom", "field": "issue_id",
                        "message": "An issue cannot be blocked by itself"}),
            ],
        ));
    }
    let Some((ri, _)) = state.issue_by_id(id) else {
        return Err(validation(
            doc,
            vec![invalid_value("IssueDependency", "issue_id", json!(id))],
        ));
    };
    if issue.blocked_by.contains(&id) {
        return Err(validation(
            doc,
            vec![
                json!({"resource": "IssueDependency", "code": "already_exists", "field": "issue_id"}),
            ],
        ));
    }
    let issue = state.repos[repo_idx]
        .issues
        .get_mut(&n)
        .ok_or_else(|| not_found(doc))?;
    issue.blocked_by.push(id);
    issue.updated_at = ctx.now;
    let location = format!(
        "{}/repos/{}/{}/issues/{n}/dependencies/blocked_by",
        ctx.urls.api, state.repos[repo_idx].owner, state.repos[repo_idx].name
    );
    let blocking = state
        .issue_by_id(id)
        .map(|(_, i)| i)
        .ok_or_else(|| not_found(doc))?;
    Ok(Reply::json(
        201,
        issue_json(state, &ctx.urls, &state.repos[ri], blocking),
    )
    .with_header("Location", location))
}

const STATE_REASONS: [&str; 4] = ["completed", "not_planned", "reopened", "duplicate"];

fn update_issue(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, n: u64, body: &[u8]) -> Res {
    let doc = docs::UPDATE_ISSUE;
    let map = parse_object(body, doc)?;
    let title = title_of(&map, "Issue", doc)?;
    let new_body = opt_string(&map, "body", "Issue", doc)?;
    let new_state = match opt_string(&map, "state", "Issue", doc)? {
        None | Some(None) => None,
        Some(Some(s)) if s == "open" || s == "closed" => Some(s == "open"),
        Some(Some(s)) => {
            return Err(validation(
                doc,
                vec![invalid_value("Issue", "state", json!(s))],
            ));
        }
    };
    let reason = match opt_string(&map, "state_reason", "Issue", doc)? {
        None => None,
        Some(None) => Some(None),
        Some(Some(s)) if STATE_REASONS.contains(&s.as_str()) => Some(Some(s)),
        Some(Some(s)) => {
            return Err(validation(
                doc,
                vec![invalid_value("Issue", "state_reason", json!(s))],
            ));
        }
    };
    let assignees = resolve_assignees(state, &map, doc)?;
    let milestone = resolve_milestone(state, repo_idx, &map, doc)?;
    let label_ids = match map.get("labels") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(v) => {
            let names = label_list(v, doc)?;
            let mut ids = Vec::new();
            for name in names {
                let id = ensure_label(state, repo_idx, &name);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Some(ids)
        }
    };
    let login = actor_login(ctx);
    let repo = &mut state.repos[repo_idx];
    let Some(issue) = repo.issues.get_mut(&n) else {
        return Err(not_found(doc));
    };
    let before = issue.clone();
    if let Some(t) = title {
        issue.title = t;
    }
    if let Some(b) = new_body {
        issue.body = b;
    }
    if let Some(a) = assignees {
        issue.assignees = a;
    }
    if let Some(m) = milestone {
        issue.milestone = m;
    }
    if let Some(ids) = label_ids {
        issue.labels = ids;
    }
    match new_state {
        Some(false) if issue.open => {
            issue.open = false;
            issue.closed_at = Some(ctx.now);
            issue.closed_by = Some(login);
            issue.state_reason = Some(
                reason
                    .clone()
                    .flatten()
                    .filter(|r| r != "reopened")
                    .unwrap_or_else(|| "completed".to_string()),
            );
        }
        Some(true) if !issue.open => {
            issue.open = true;
            issue.closed_at = None;
            issue.closed_by = None;
            issue.state_reason = Some("reopened".to_string());
        }
        _ => {
            // Changing only the reason of a closed issue.
            if let Some(r) = reason
                && !issue.open
            {
                issue.state_reason = r;
            }
        }
    }
    if *issue != before {
        issue.updated_at = ctx.now;
    }
    let repo = &state.repos[repo_idx];
    Ok(Reply::json(
        200,
        issue_json(state, &ctx.urls, repo, &repo.issues[&n]),
    ))
}

fn create_comment(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, n: u64, body: &[u8]) -> Res {
    let doc = docs::CREATE_COMMENT;
    let map = parse_object(body, doc)?;
    let text = match map.get("body") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(validation(
                doc,
                vec![field_error("IssueComment", "missing_field", "body")],
            ));
        }
        Some(other) => {
            return Err(validation(
                doc,
                vec![invalid_value("IssueComment", "body", other.clone())],
            ));
        }
    };
    let id = state.next_id(IdKind::Comment);
    let comment = Comment {
        id,
        issue: n,
        body: text,
        author: actor_login(ctx),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    let repo = &mut state.repos[repo_idx];
    repo.comments.push(comment.clone());
    if let Some(issue) = repo.issues.get_mut(&n) {
        issue.updated_at = ctx.now;
    }
    let repo = &state.repos[repo_idx];
    let json = comment_json(state, &ctx.urls, repo, &comment);
    let location = json["url"].as_str().unwrap_or_default().to_string();
    Ok(Reply::json(201, json).with_header("Location", location))
}

fn update_comment(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, id: &str, body: &[u8]) -> Res {
    let doc = docs::UPDATE_COMMENT;
    let (pos, _) = find_comment(state, repo_idx, id, doc)?;
    let map = parse_object(body, doc)?;
    let text = match map.get("body") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(validation(
                doc,
                vec![field_error("IssueComment", "missing_field", "body")],
            ));
        }
    };
    let repo = &mut state.repos[repo_idx];
    let comment = &mut repo.comments[pos];
    if comment.body != text {
        comment.body = text;
        comment.updated_at = ctx.now;
    }
    let comment = comment.clone();
    let repo = &state.repos[repo_idx];
    Ok(Reply::json(
        200,
        comment_json(state, &ctx.urls, repo, &comment),
    ))
}

fn list_issues(
    state: &State,
    ctx: &Ctx<'_>,
    repo_idx: usize,
    q: &Query,
    page: &PageCtx<'_>,
) -> Res {
    let doc = docs::LIST_ISSUES;
    let repo = &state.repos[repo_idx];
    let want_state = q.get("state").unwrap_or("open");
    if !["open", "closed", "all"].contains(&want_state) {
        return Err(validation(
            doc,
            vec![invalid_value("Issue", "state", json!(want_state))],
        ));
    }
    let since = match q.get("since") {
        Some(s) => Some(
            parse_ts(s)
                .ok_or_else(|| validation(doc, vec![invalid_value("Issue", "since", json!(s))]))?,
        ),
        None => None,
    };
    let sort = q.get("sort").unwrap_or("created");
    if !["created", "updated", "comments"].contains(&sort) {
        return Err(validation(
            doc,
            vec![invalid_value("Issue", "sort", json!(sort))],
        ));
    }
    let ascending = match q.get("direction").unwrap_or("desc") {
        "asc" => true,
        "desc" => false,
        other => {
            return Err(validation(
                doc,
                vec![invalid_value("Issue", "direction", json!(other))],
            ));
        }
    };
    let label_filter: Vec<String> = q
        .get("labels")
        .map(|l| {
            l.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let milestone_filter = q.get("milestone");
    let assignee_filter = q.get("assignee");
    let creator_filter = q.get("creator");

    let mut issues: Vec<&Issue> = repo
        .issues
        .values()
        .filter(|i| match want_state {
            "open" => i.open,
            "closed" => !i.open,
            _ => true,
        })
        .filter(|i| since.is_none_or(|s| i.updated_at >= s))
        .filter(|i| {
            label_filter.iter().all(|want| {
                i.labels
                    .iter()
                    .filter_map(|id| repo.label_by_id(*id))
                    .any(|l| l.name.eq_ignore_ascii_case(want))
            })
        })
        .filter(|i| match milestone_filter {
            None => true,
            Some("*") => i.milestone.is_some(),
            Some("none") => i.milestone.is_none(),
            Some(n) => n
                .parse::<u64>()
                .ok()
                .is_some_and(|n| i.milestone == Some(n)),
        })
        .filter(|i| match assignee_filter {
            None => true,
            Some("*") => !i.assignees.is_empty(),
            Some("none") => i.assignees.is_empty(),
            Some(login) => i.assignees.iter().any(|a| a.eq_ignore_ascii_case(login)),
        })
        .filter(|i| creator_filter.is_none_or(|c| i.author.eq_ignore_ascii_case(c)))
        .collect();
    issues.sort_by(|a, b| {
        let key = match sort {
            "updated" => a.updated_at.cmp(&b.updated_at),
            "comments" => repo
                .comment_count(a.number)
                .cmp(&repo.comment_count(b.number)),
            _ => a.created_at.cmp(&b.created_at),
        };
        key.then(a.number.cmp(&b.number))
    });
    if !ascending {
        issues.reverse();
    }
    Ok(paginate(ctx, repo, q, page, issues, |i| {
        issue_json(state, &ctx.urls, repo, i)
    }))
}

fn list_milestones(
    state: &State,
    ctx: &Ctx<'_>,
    repo_idx: usize,
    q: &Query,
    page: &PageCtx<'_>,
) -> Res {
    let doc = docs::LIST_MILESTONES;
    let repo = &state.repos[repo_idx];
    let want_state = q.get("state").unwrap_or("open");
    if !["open", "closed", "all"].contains(&want_state) {
        return Err(validation(
            doc,
            vec![invalid_value("Milestone", "state", json!(want_state))],
        ));
    }
    let sort = q.get("sort").unwrap_or("due_on");
    if !["due_on", "completeness"].contains(&sort) {
        return Err(validation(
            doc,
            vec![invalid_value("Milestone", "sort", json!(sort))],
        ));
    }
    let ascending = match q.get("direction").unwrap_or("asc") {
        "asc" => true,
        "desc" => false,
        other => {
            return Err(validation(
                doc,
                vec![invalid_value("Milestone", "direction", json!(other))],
            ));
        }
    };
    let mut list: Vec<&Milestone> = repo
        .milestones
        .values()
        .filter(|m| match want_state {
            "open" => m.open,
            "closed" => !m.open,
            _ => true,
        })
        .collect();
    let completeness = |m: &Milestone| {
        let (open, closed) = repo.milestone_counts(m.number);
        let total = open + closed;
        (closed * 10_000).checked_div(total).unwrap_or(0)
    };
    list.sort_by(|a, b| {
        let key = match sort {
            "completeness" => completeness(a).cmp(&completeness(b)),
            // Milestones without a due date sort after those with one.
            _ => a
                .due_on
                .unwrap_or(i64::MAX)
                .cmp(&b.due_on.unwrap_or(i64::MAX)),
        };
        key.then(a.number.cmp(&b.number))
    });
    if !ascending {
        list.reverse();
    }
    Ok(paginate(ctx, repo, q, page, list, |m| {
        milestone_json(state, &ctx.urls, repo, m)
    }))
}

fn parse_due_on(ctx: &Ctx<'_>, value: &Value, doc: &str) -> Result<Option<i64>, Reply> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => match parse_ts(s) {
            Some(ts) => Ok(Some(if ctx.pacific_due_dates {
                pacific_midnight(ts)
            } else {
                ts
            })),
            None => Err(validation(
                doc,
                vec![invalid_value("Milestone", "due_on", value.clone())],
            )),
        },
        other => Err(validation(
            doc,
            vec![invalid_value("Milestone", "due_on", other.clone())],
        )),
    }
}

fn milestone_state(map: &Map<String, Value>, doc: &str) -> Result<Option<bool>, Reply> {
    match map.get("state") {
        None => Ok(None),
        Some(Value::String(s)) if s == "open" => Ok(Some(true)),
        Some(Value::String(s)) if s == "closed" => Ok(Some(false)),
        Some(other) => Err(validation(
            doc,
            vec![invalid_value("Milestone", "state", other.clone())],
        )),
    }
}

fn create_milestone(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, body: &[u8]) -> Res {
    let doc = docs::CREATE_MILESTONE;
    let map = parse_object(body, doc)?;
    let title = title_of(&map, "Milestone", doc)?.ok_or_else(|| {
        validation(
            doc,
            vec![field_error("Milestone", "missing_field", "title")],
        )
    })?;
    let open = milestone_state(&map, doc)?.unwrap_or(true);
    let description = opt_string(&map, "description", "Milestone", doc)?.flatten();
    let due_on = match map.get("due_on") {
        None => None,
        Some(v) => parse_due_on(ctx, v, doc)?,
    };
    if state.repos[repo_idx]
        .milestones
        .values()
        .any(|m| m.title == title)
    {
        return Err(validation(
            doc,
            vec![field_error("Milestone", "already_exists", "title")],
        ));
    }
    let id = state.next_id(IdKind::Milestone);
    let repo = &mut state.repos[repo_idx];
    let number = repo.next_milestone;
    repo.next_milestone += 1;
    repo.milestones.insert(
        number,
        Milestone {
            id,
            number,
            title,
            description,
            open,
            due_on,
            creator: actor_login(ctx),
            created_at: ctx.now,
            updated_at: ctx.now,
            closed_at: if open { None } else { Some(ctx.now) },
        },
    );
    let repo = &state.repos[repo_idx];
    let json = milestone_json(state, &ctx.urls, repo, &repo.milestones[&number]);
    let location = json["url"].as_str().unwrap_or_default().to_string();
    Ok(Reply::json(201, json).with_header("Location", location))
}

fn update_milestone(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, n: u64, body: &[u8]) -> Res {
    let doc = docs::UPDATE_MILESTONE;
    let map = parse_object(body, doc)?;
    let title = title_of(&map, "Milestone", doc)?;
    let open = milestone_state(&map, doc)?;
    let description = opt_string(&map, "description", "Milestone", doc)?;
    let due_on = match map.get("due_on") {
        None => None,
        Some(v) => Some(parse_due_on(ctx, v, doc)?),
    };
    let repo = &mut state.repos[repo_idx];
    if let Some(t) = &title
        && repo
            .milestones
            .values()
            .any(|m| m.number != n && &m.title == t)
    {
        return Err(validation(
            doc,
            vec![field_error("Milestone", "already_exists", "title")],
        ));
    }
    let Some(m) = repo.milestones.get_mut(&n) else {
        return Err(not_found(doc));
    };
    let before = m.clone();
    if let Some(t) = title {
        m.title = t;
    }
    if let Some(d) = description {
        m.description = d;
    }
    if let Some(d) = due_on {
        m.due_on = d;
    }
    match open {
        Some(false) if m.open => {
            m.open = false;
            m.closed_at = Some(ctx.now);
        }
        Some(true) if !m.open => {
            m.open = true;
            m.closed_at = None;
        }
        _ => {}
    }
    if *m != before {
        m.updated_at = ctx.now;
    }
    let repo = &state.repos[repo_idx];
    Ok(Reply::json(
        200,
        milestone_json(state, &ctx.urls, repo, &repo.milestones[&n]),
    ))
}

fn valid_color(color: &str) -> bool {
    color.len() == 6 && color.chars().all(|c| c.is_ascii_hexdigit())
}

fn label_fields(
    map: &Map<String, Value>,
    doc: &str,
) -> Result<(Option<String>, Option<Option<String>>), Reply> {
    let color = match map.get("color") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if valid_color(c) => Some(c.clone()),
        Some(_) => {
            return Err(validation(
                doc,
                vec![field_error("Label", "invalid", "color")],
            ));
        }
    };
    let description = opt_string(map, "description", "Label", doc)?;
    if let Some(Some(d)) = &description
        && d.chars().count() > 100
    {
        return Err(validation(
            doc,
            vec![field_error("Label", "invalid", "description")],
        ));
    }
    Ok((color, description))
}

fn create_label(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, body: &[u8]) -> Res {
    let doc = docs::CREATE_LABEL;
    let map = parse_object(body, doc)?;
    let name = match map.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(validation(
                doc,
                vec![field_error("Label", "missing_field", "name")],
            ));
        }
        Some(_) => {
            return Err(validation(
                doc,
                vec![field_error("Label", "invalid", "name")],
            ));
        }
    };
    let (color, description) = label_fields(&map, doc)?;
    if state.repos[repo_idx].label_by_name(&name).is_some() {
        return Err(validation(
            doc,
            vec![field_error("Label", "already_exists", "name")],
        ));
    }
    let id = state.next_id(IdKind::Label);
    let label = Label {
        id,
        name,
        color: color.unwrap_or_else(|| "ededed".to_string()),
        description: description.flatten(),
        default: false,
    };
    let repo = &mut state.repos[repo_idx];
    repo.labels.push(label.clone());
    let json = label_json(&ctx.urls, repo, &label);
    let location = json["url"].as_str().unwrap_or_default().to_string();
    Ok(Reply::json(201, json).with_header("Location", location))
}

fn update_label(ctx: &Ctx<'_>, repo: &mut Repo, name: &str, body: &[u8]) -> Res {
    let doc = docs::UPDATE_LABEL;
    let map = parse_object(body, doc)?;
    let new_name = match map.get("new_name").or_else(|| map.get("name")) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(_) => {
            return Err(validation(
                doc,
                vec![field_error("Label", "invalid", "name")],
            ));
        }
    };
    let (color, description) = label_fields(&map, doc)?;
    let id = repo
        .label_by_name(name)
        .map(|l| l.id)
        .ok_or_else(|| not_found(doc))?;
    if let Some(n) = &new_name
        && repo
            .labels
            .iter()
            .any(|l| l.id != id && l.name.eq_ignore_ascii_case(n))
    {
        return Err(validation(
            doc,
            vec![field_error("Label", "already_exists", "name")],
        ));
    }
    let Some(label) = repo.labels.iter_mut().find(|l| l.id == id) else {
        return Err(not_found(doc));
    };
    if let Some(n) = new_name {
        label.name = n;
    }
    if let Some(c) = color {
        label.color = c;
    }
    if let Some(d) = description {
        label.description = d;
    }
    let label = label.clone();
    Ok(Reply::json(200, label_json(&ctx.urls, repo, &label)))
}
