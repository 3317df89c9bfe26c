//! Sub-issues (`…/issues/{n}/sub_issues`, `…/issues/{n}/sub_issue`, `…/issues/{n}/parent`),
//! as api.github.com has them: a sub-issue is named by its database `id` and may live in any
//! repository of the same owner; an issue has at most one parent; every issue the API
//! returns carries `parent_issue_url` and `sub_issues_summary` (see `model::issue_json`).
//!
//! Refusals, worded as GitHub words them: adding answers `422` with
//! `An error occurred while adding the sub-issue to the parent issue. <reasons>` (no
//! `errors` array), the reasons being `Sub issue may only have one parent` (another parent,
//! without `replace_parent`), `Issue may not contain duplicate sub-issues and Sub issue may
//! only have one parent` (this parent again), `Sub issue cannot be the same as the parent
//! issue`; an id no issue has is `404` `The provided sub-issue does not exist`. Removing a
//! sub-issue the parent does not have is `404` `Not Found`. Adding or removing moves the
//! `updated_at` of the parent and of the child (and of the former parent when
//! `replace_parent` moves it).
//!
//! A child of `api` (declared there with `#[path]`), so it uses the API's own helpers.

use serde_json::{Map, Value, json};

use super::{
    Ctx, PageCtx, Query, Reply, Res, error, invalid_request, not_found, paginate, parse_object,
    require_write,
};
use crate::Emulator;
use crate::model::{Issue, State, issue_json};

mod docs {
    pub const LIST: &str = "https://docs.github.com/rest/issues/sub-issues#list-sub-issues";
    pub const ADD: &str = "https://docs.github.com/rest/issues/sub-issues#add-sub-issue";
    pub const REMOVE: &str = "https://docs.github.com/rest/issues/sub-issues#remove-sub-issue";
    pub const PARENT: &str = "https://docs.github.com/rest/issues/sub-issues#get-parent-issue";
}

/// GitHub's limit of sub-issues per parent.
const MAX_SUB_ISSUES: usize = 100;

fn add_refused(doc: &str, reason: &str) -> Reply {
    error(
        422,
        &format!("An error occurred while adding the sub-issue to the parent issue. {reason}"),
        doc,
    )
}

/// `sub_issue_id` (required integer) and `replace_parent` (optional boolean) as GitHub's
/// request-schema check reports them.
fn body_fields(map: &Map<String, Value>, doc: &str) -> Result<(u64, bool), Reply> {
    let id = match map.get("sub_issue_id") {
        None => return Err(invalid_request(doc, "\"sub_issue_id\" wasn't supplied.")),
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64().unwrap_or_default(),
        Some(other) => {
            return Err(invalid_request(
                doc,
                &format!("For 'properties/sub_issue_id', {other} is not an integer."),
            ));
        }
    };
    let replace = match map.get("replace_parent") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(invalid_request(
                doc,
                &format!("For 'properties/replace_parent', {other} is not a boolean."),
            ));
        }
    };
    Ok((id, replace))
}

fn touch(state: &mut State, id: u64, now: i64) {
    if let Some(issue) = state.issue_by_id_mut(id) {
        issue.updated_at = now;
    }
}

/// Whether the issue with database id `ancestor` is `id` or above it in the parent chain.
fn is_ancestor(state: &State, ancestor: u64, id: u64) -> bool {
    let mut current = Some(id);
    let mut steps = 0;
    while let Some(c) = current {
        if c == ancestor {
            return true;
        }
        steps += 1;
        if steps > 64 {
            return false;
        }
        current = state.parent_of(c).map(|(_, p)| p.id);
    }
    false
}

/// Routes `…/issues/{n}/sub_issues`, `…/issues/{n}/sub_issue` and `…/issues/{n}/parent` of
/// the repository at `repo_idx` (issue `n` exists); `what` is the last path segment.
#[allow(clippy::too_many_arguments)]
pub(super) fn route(
    state: &mut State,
    ctx: &Ctx<'_>,
    repo_idx: usize,
    n: u64,
    method: &str,
    what: &str,
    body: &[u8],
    q: &Query,
    page: &PageCtx<'_>,
) -> Res {
    match (method, what) {
        ("GET", "sub_issues") => {
            let children: Vec<(usize, &Issue)> = state.repos[repo_idx].issues[&n]
                .sub_issues
                .iter()
                .filter_map(|id| state.issue_by_id(*id))
                .collect();
            let repo = &state.repos[repo_idx];
            Ok(paginate(ctx, repo, q, page, children, |(ri, i)| {
                issue_json(state, &ctx.urls, &state.repos[*ri], i)
            }))
        }
        ("GET", "parent") => {
            let id = state.repos[repo_idx].issues[&n].id;
            let (ri, parent) = state
                .parent_of(id)
                .ok_or_else(|| error(404, "No parent issue found", docs::PARENT))?;
            Ok(Reply::json(
                200,
                issue_json(state, &ctx.urls, &state.repos[ri], parent),
            ))
        }
        ("POST", "sub_issues") => {
            require_write(ctx, docs::ADD)?;
            add(state, ctx, repo_idx, n, body)
        }
        ("DELETE", "sub_issue") => {
            require_write(ctx, docs::REMOVE)?;
            remove(state, ctx, repo_idx, n, body)
        }
        ("GET", _) => Err(not_found(docs::LIST)),
        _ => Err(not_found(super::GENERIC_DOCS)),
    }
}

fn parent_reply(state: &State, ctx: &Ctx<'_>, repo_idx: usize, n: u64, status: u16) -> Reply {
    let repo = &state.repos[repo_idx];
    Reply::json(status, issue_json(state, &ctx.urls, repo, &repo.issues[&n]))
}

fn add(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, n: u64, body: &[u8]) -> Res {
    let doc = docs::ADD;
    let map = parse_object(body, doc)?;
    let (child_id, replace) = body_fields(&map, doc)?;
    let parent = &state.repos[repo_idx].issues[&n];
    let parent_id = parent.id;
    let (child_repo, _) = state
        .issue_by_id(child_id)
        .ok_or_else(|| error(404, "The provided sub-issue does not exist", doc))?;
    if child_id == parent_id {
        return Err(add_refused(
            doc,
            "Sub issue cannot be the same as the parent issue",
        ));
    }
    if !state.repos[child_repo]
        .owner
        .eq_ignore_ascii_case(&state.repos[repo_idx].owner)
    {
        return Err(add_refused(
            doc,
            "Sub issue must belong to the same repository owner as the parent issue",
        ));
    }
    let former = state.parent_of(child_id).map(|(_, p)| p.id);
    match former {
        Some(p) if p == parent_id && replace => {
            return Ok(parent_reply(state, ctx, repo_idx, n, 201));
        }
        Some(p) if p == parent_id => {
            return Err(add_refused(
                doc,
                "Issue may not contain duplicate sub-issues and Sub issue may only have one parent",
            ));
        }
        Some(_) if !replace => {
            return Err(add_refused(doc, "Sub issue may only have one parent"));
        }
        _ => {}
    }
    if is_ancestor(state, child_id, parent_id) {
        return Err(add_refused(
            doc,
            "Sub issue cannot be an ancestor of the parent issue",
        ));
    }
    if state.repos[repo_idx].issues[&n].sub_issues.len() >= MAX_SUB_ISSUES {
        return Err(add_refused(
            doc,
            "Parent cannot have more than 100 sub-issues",
        ));
    }
    if let Some(p) = former
        && let Some(old) = state.issue_by_id_mut(p)
    {
        old.sub_issues.retain(|c| *c != child_id);
        old.updated_at = ctx.now;
    }
    if let Some(parent) = state.repos[repo_idx].issues.get_mut(&n) {
        parent.sub_issues.push(child_id);
        parent.updated_at = ctx.now;
    }
    touch(state, child_id, ctx.now);
    Ok(parent_reply(state, ctx, repo_idx, n, 201))
}

fn remove(state: &mut State, ctx: &Ctx<'_>, repo_idx: usize, n: u64, body: &[u8]) -> Res {
    let doc = docs::REMOVE;
    let map = parse_object(body, doc)?;
    let (child_id, _) = body_fields(&map, doc)?;
    if state.issue_by_id(child_id).is_none() {
        return Err(error(404, "The provided sub-issue does not exist", doc));
    }
    let parent = state.repos[repo_idx]
        .issues
        .get_mut(&n)
        .ok_or_else(|| not_found(doc))?;
    let pos = parent
        .sub_issues
        .iter()
        .position(|c| *c == child_id)
        .ok_or_else(|| not_found(doc))?;
    parent.sub_issues.remove(pos);
    parent.updated_at = ctx.now;
    touch(state, child_id, ctx.now);
    Ok(parent_reply(state, ctx, repo_idx, n, 200))
}

impl Emulator {
    fn issue_id_of(&self, owner: &str, repo: &str, number: u64) -> u64 {
        self.issue(owner, repo, number)
            .and_then(|i| i["id"].as_u64())
            .unwrap_or_else(|| panic!("github-emulator: no issue #{number} in {owner}/{repo}"))
    }

    /// Makes issue `child` a sub-issue of issue `parent` (both of `owner/repo`), moving it
    /// from any other parent, or (`None`) takes it from its parent, as a person would on
    /// the web (`POST …/sub_issues` with `replace_parent`, `DELETE …/sub_issue`). Moves
    /// `updated_at` like the API. Panics if an issue does not exist or GitHub would refuse.
    pub fn set_parent(&self, owner: &str, repo: &str, child: u64, parent: Option<u64>) {
        let id = self.issue_id_of(owner, repo, child);
        let login = self.owner_of(owner, repo);
        let (method, path, body) = match parent {
            Some(p) => (
                "POST",
                format!("/repos/{owner}/{repo}/issues/{p}/sub_issues"),
                json!({"sub_issue_id": id, "replace_parent": true}),
            ),
            None => {
                let current = {
                    let inner = self.lock();
                    inner.state.parent_of(id).map(|(ri, p)| {
                        let r = &inner.state.repos[ri];
                        (r.owner.clone(), r.name.clone(), p.number)
                    })
                };
                let Some((o, r, p)) = current else {
                    return;
                };
                (
                    "DELETE",
                    format!("/repos/{o}/{r}/issues/{p}/sub_issue"),
                    json!({ "sub_issue_id": id }),
                )
            }
        };
        let res = self.api_as(&login, method, &path, Some(&body));
        if !(200..300).contains(&res.status) {
            panic!(
                "github-emulator: {method} {path} failed with {}: {}",
                res.status, res.body
            );
        }
    }

    /// The number of issue `number`'s parent (which may be in another repository of the
    /// same owner), if it has one.
    pub fn parent_of(&self, owner: &str, repo: &str, number: u64) -> Option<u64> {
        let inner = self.lock();
        let ri = inner.state.repo_index(owner, repo)?;
        let id = inner.state.repos[ri].issues.get(&number)?.id;
        inner.state.parent_of(id).map(|(_, p)| p.number)
    }

    /// The numbers of issue `number`'s sub-issues, in their order on GitHub.
    pub fn sub_issues(&self, owner: &str, repo: &str, number: u64) -> Vec<u64> {
        let inner = self.lock();
        let Some(ri) = inner.state.repo_index(owner, repo) else {
            return Vec::new();
        };
        let Some(issue) = inner.state.repos[ri].issues.get(&number) else {
            return Vec::new();
        };
        issue
            .sub_issues
            .iter()
            .filter_map(|id| inner.state.issue_by_id(*id))
            .map(|(_, i)| i.number)
            .collect()
    }
}
