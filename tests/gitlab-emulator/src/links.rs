//! Issue links (`/projects/:id/issues/:issue_iid/links[/:issue_link_id]`), as GitLab's
//! `API::IssueLinks` and `IssueLinks::CreateService` answer them.
//!
//! * A link joins two issues once, whatever its type: a second one between the same two
//!   is `409 Issue(s) already assigned`.
//! * `is_blocked_by` is stored as the other issue `blocks` this one; each end lists the
//!   link as it sees it (`blocks` from the source, `is_blocked_by` from the target).
//! * Blocking types need GitLab Premium: without them ([`crate::Options::blocking_links`])
//!   asking for one is `403 Blocked issues not available for current license`, as on
//!   GitLab Free (the check comes before the duplicate check, as GitLab's does).
//! * Creating or removing a link writes a system note on both issues, which moves both
//!   issues' `updated_at`.
//! * The list is not paginated.

use serde_json::{Value, json};

use crate::api::{Ctx, Params, Reply, Res, message, not_found, record_not_found};
use crate::issues::{find_issue, parse_iid};
use crate::model::{IssueLink, Note, State, issue_json};
use crate::time::format_ts;

const LINK_TYPES: &[&str] = &["relates_to", "blocks", "is_blocked_by"];

/// The issue at `end` as the API shows it (`Value::Null` when gone).
fn issue_at(state: &State, ctx: &Ctx<'_>, end: (u64, u64)) -> Value {
    state
        .project_by_id(end.0)
        .and_then(|p| {
            let project = &state.projects[p];
            project
                .issues
                .get(&end.1)
                .map(|i| issue_json(state, &ctx.urls, project, i, ctx.now, false))
        })
        .unwrap_or(Value::Null)
}

/// `Entities::IssueLink`.
fn link_json(state: &State, ctx: &Ctx<'_>, link: &IssueLink) -> Value {
    json!({
        "source_issue": issue_at(state, ctx, link.source),
        "target_issue": issue_at(state, ctx, link.target),
        "link_type": link.link_type(),
    })
}

/// The reference to `to` as written on `from`'s page: `#2`, or `group/proj#2` for an
/// issue of another project.
fn reference(state: &State, from: (u64, u64), to: (u64, u64)) -> String {
    if from.0 == to.0 {
        return format!("#{}", to.1);
    }
    let path = state
        .project_by_id(to.0)
        .map_or_else(String::new, |p| state.projects[p].path.clone());
    format!("{path}#{}", to.1)
}

/// A system note on the issue at `end`, which touches it.
fn system_note(state: &mut State, ctx: &Ctx<'_>, end: (u64, u64), body: String) {
    let id = state.next_id("note");
    let Some(p) = state.project_by_id(end.0) else {
        return;
    };
    let project = &mut state.projects[p];
    project.notes.push(Note {
        id,
        issue_iid: end.1,
        body,
        author: ctx.user_id(),
        created_at: ctx.now,
        updated_at: ctx.now,
        system: true,
    });
    if let Some(issue) = project.issues.get_mut(&end.1) {
        issue.updated_at = ctx.now;
    }
}

/// The notes GitLab writes on each end of a link made or removed.
fn note_both(state: &mut State, ctx: &Ctx<'_>, link: &IssueLink, removed: bool) {
    for end in [link.source, link.target] {
        let (other, seen) = link.seen_from(end);
        let other_ref = reference(state, end, other);
        let body = if removed {
            format!("removed the relation with {other_ref}")
        } else {
            match seen {
                "blocks" => format!("marked this issue as blocking {other_ref}"),
                "is_blocked_by" => format!("marked this issue as blocked by {other_ref}"),
                _ => format!("marked this issue as related to {other_ref}"),
            }
        };
        system_note(state, ctx, end, body);
    }
}

/// `GET …/issues/:issue_iid/links`: the linked issues (`Entities::RelatedIssue`), oldest
/// link first, each with the link's id and its type as this issue sees it.
pub(crate) fn list(state: &State, ctx: &Ctx<'_>, pidx: usize, raw: &str) -> Res {
    let project = &state.projects[pidx];
    let iid = find_issue(project, raw)?;
    let end = (project.id, iid);
    let mut links: Vec<&IssueLink> = state
        .issue_links
        .iter()
        .filter(|l| l.touches(end))
        .collect();
    links.sort_by_key(|l| (l.created_at, l.id));
    let mut out = Vec::new();
    for link in links {
        let (other, seen) = link.seen_from(end);
        let mut issue = issue_at(state, ctx, other);
        let Some(map) = issue.as_object_mut() else {
            continue;
        };
        map.insert("issue_link_id".into(), json!(link.id));
        map.insert("link_type".into(), json!(seen));
        map.insert("link_created_at".into(), json!(format_ts(link.created_at)));
        map.insert("link_updated_at".into(), json!(format_ts(link.updated_at)));
        out.push(issue);
    }
    Ok(Reply::json(200, Value::Array(out)))
}

/// `POST …/issues/:issue_iid/links` with `target_project_id`, `target_issue_iid` and
/// `link_type`.
pub(crate) fn create(
    state: &mut State,
    ctx: &Ctx<'_>,
    pidx: usize,
    raw: &str,
    params: &Params,
) -> Res {
    params.require(&["target_project_id", "target_issue_iid"])?;
    let link_type = params
        .one_of("link_type", LINK_TYPES)?
        .unwrap_or_else(|| "relates_to".to_string());
    let source_project = &state.projects[pidx];
    let source = (source_project.id, find_issue(source_project, raw)?);
    let target_ref = params.text("target_project_id").unwrap_or_default();
    let tidx = state
        .project_by_ref(&target_ref)
        .ok_or_else(|| not_found("Project"))?;
    if state.access_level(&state.projects[tidx], ctx.user_id()) == 0 {
        return Err(not_found("Project"));
    }
    let target_raw = params.text("target_issue_iid").unwrap_or_default();
    let target_project = &state.projects[tidx];
    let target = (
        target_project.id,
        find_issue(target_project, &target_raw).map_err(|_| record_not_found())?,
    );
    if link_type != "relates_to" && !ctx.blocking_links {
        return Err(message(
            403,
            "Blocked issues not available for current license",
        ));
    }
    if state.issue_links.iter().any(|l| {
        (l.source, l.target) == (source, target) || (l.source, l.target) == (target, source)
    }) {
        return Err(message(409, "Issue(s) already assigned"));
    }
    if source == target {
        return Err(message(
            422,
            format!("#{} cannot be added: cannot be related to itself", target.1),
        ));
    }
    let (from, to) = if link_type == "is_blocked_by" {
        (target, source)
    } else {
        (source, target)
    };
    let link = IssueLink {
        id: state.next_id("issue_link"),
        source: from,
        target: to,
        blocks: link_type != "relates_to",
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    state.issue_links.push(link.clone());
    note_both(state, ctx, &link, false);
    Ok(Reply::json(201, link_json(state, ctx, &link)))
}

/// `GET|DELETE …/issues/:issue_iid/links/:issue_link_id`: one of the issue's links (either
/// end's id works), shown or removed (`200` with the link as it was).
pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx<'_>,
    pidx: usize,
    method: &str,
    raw_iid: &str,
    raw_link: &str,
) -> Res {
    let project = &state.projects[pidx];
    let end = (project.id, find_issue(project, raw_iid)?);
    let id = parse_iid(raw_link, "issue_link_id")?;
    let pos = state
        .issue_links
        .iter()
        .position(|l| l.id == id && l.touches(end))
        .ok_or_else(record_not_found)?;
    let link = state.issue_links[pos].clone();
    let target_visible = state
        .project_by_id(link.target.0)
        .is_some_and(|t| state.access_level(&state.projects[t], ctx.user_id()) > 0);
    if !target_visible {
        return Err(not_found("Project"));
    }
    let shown = link_json(state, ctx, &link);
    if method == "DELETE" {
        state.issue_links.remove(pos);
        note_both(state, ctx, &link, true);
    }
    Ok(Reply::json(200, shown))
}
