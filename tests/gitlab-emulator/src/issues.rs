//! Issues (`/projects/:id/issues[/:issue_iid]`) and their notes
//! (`/projects/:id/issues/:issue_iid/notes[/:note_id]`).

use std::cmp::Ordering;

use serde_json::Value;

use crate::api::{
    Ctx, Page, Params, Reply, Res, invalid, message, paginate, record_not_found, validation,
};
use crate::labels::ensure_labels;
use crate::model::{Issue, Note, Project, State, issue_json, note_json};
use crate::time::parse_date;

const MAX_TITLE: usize = 255;
const MAX_DESCRIPTION: usize = 1_048_576;

/// Parameters `PUT …/issues/:iid` needs at least one of (GitLab CE).
const UPDATE_ONE_OF: &[&str] = &[
    "assignee_id",
    "assignee_ids",
    "confidential",
    "created_at",
    "description",
    "discussion_locked",
    "due_date",
    "labels",
    "add_labels",
    "remove_labels",
    "milestone_id",
    "state_event",
    "title",
    "issue_type",
];

pub(crate) fn parse_iid(raw: &str, key: &str) -> Result<u64, Reply> {
    raw.parse().map_err(|_| invalid(key))
}

pub(crate) fn find_issue(project: &Project, raw: &str) -> Result<u64, Reply> {
    let iid = parse_iid(raw, "issue_iid")?;
    if project.issues.contains_key(&iid) {
        Ok(iid)
    } else {
        Err(record_not_found())
    }
}

fn render(state: &State, ctx: &Ctx<'_>, pidx: usize, iid: u64, details: bool) -> Value {
    let project = &state.projects[pidx];
    project.issues.get(&iid).map_or(Value::Null, |issue| {
        issue_json(state, &ctx.urls, project, issue, ctx.now, details)
    })
}

/// Assignees as GitLab keeps them: `0`, unknown users and users who are
/// not members are dropped; one assignee only without multiple assignees.
fn assignable(state: &State, pidx: usize, ids: &[i64], multiple: bool) -> Vec<u64> {
    let project = &state.projects[pidx];
    let mut out: Vec<u64> = Vec::new();
    for id in ids {
        let Ok(id) = u64::try_from(*id) else { continue };
        if id != 0 && state.access_level(project, id) > 0 && !out.contains(&id) {
            out.push(id);
        }
    }
    if !multiple {
        out.truncate(1);
    }
    out
}

fn scope_of(name: &str) -> Option<&str> {
    name.rfind("::").map(|i| &name[..i])
}

/// Scoped labels are mutually exclusive: of several labels with the same
/// scope (`PM::Status::`), the one added last wins.
fn exclusive_scopes(project: &Project, ids: Vec<u64>, added: &[u64]) -> Vec<u64> {
    let scope = |id: &u64| {
        project
            .label_by_id(*id)
            .and_then(|l| scope_of(&l.name))
            .map(str::to_string)
    };
    let keep = |id: &u64| -> bool {
        let Some(s) = scope(id) else { return true };
        let same: Vec<u64> = ids
            .iter()
            .copied()
            .filter(|o| scope(o).as_ref() == Some(&s))
            .collect();
        let winner = added
            .iter()
            .rev()
            .find(|a| same.contains(a))
            .or_else(|| same.last())
            .copied();
        winner == Some(*id)
    };
    ids.iter().copied().filter(keep).collect()
}

fn text_errors(title: Option<&str>, description: Option<&str>) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if let Some(title) = title {
        if title.trim().is_empty() {
            errors.push(("title", "can't be blank".to_string()));
        } else if title.chars().count() > MAX_TITLE {
            errors.push((
                "title",
                format!("is too long (maximum is {MAX_TITLE} characters)"),
            ));
        }
    }
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
        errors.push((
            "description",
            format!("is too long (maximum is {MAX_DESCRIPTION} characters)"),
        ));
    }
    errors
}

/// `assignee_ids` (or the legacy `assignee_id`), if given.
fn assignee_param(params: &Params) -> Result<Option<Vec<i64>>, Reply> {
    if let Some(ids) = params.int_list("assignee_ids")? {
        return Ok(Some(ids));
    }
    Ok(params
        .int("assignee_id")?
        .map(|id| id.into_iter().collect()))
}

/// `milestone_id`: a milestone of the project, or nothing (0, null and
/// unknown ids all clear it, as GitLab drops milestones out of scope).
fn milestone_param(project: &Project, params: &Params) -> Result<Option<Option<u64>>, Reply> {
    Ok(params.int("milestone_id")?.map(|id| {
        id.and_then(|id| u64::try_from(id).ok())
            .filter(|id| project.milestones.contains_key(id))
    }))
}

pub(crate) fn list(
    state: &State,
    ctx: &Ctx<'_>,
    pidx: usize,
    params: &Params,
    page: &Page<'_>,
) -> Res {
    let project = &state.projects[pidx];
    let wanted = params.one_of("state", &["opened", "closed", "all"])?;
    let order_by = params.one_of(
        "order_by",
        &[
            "created_at",
            "updated_at",
            "priority",
            "due_date",
            "relative_position",
            "label_priority",
            "milestone_due",
            "popularity",
            "title",
        ],
    )?;
    let desc = params
        .one_of("sort", &["asc", "desc"])?
        .is_none_or(|s| s == "desc");
    let labels = params.str_list("labels");
    let milestone = params.string("milestone").flatten();
    let iids = params.int_list("iids")?;
    let search = params.text("search").map(|s| s.to_lowercase());
    let fields = params.str_list("in").unwrap_or_default();
    let (in_title, in_desc) = if fields.is_empty() {
        (true, true)
    } else {
        (
            fields.iter().any(|f| f == "title"),
            fields.iter().any(|f| f == "description"),
        )
    };
    let created_after = params.time("created_after")?;
    let created_before = params.time("created_before")?;
    let updated_after = params.time("updated_after")?;
    let updated_before = params.time("updated_before")?;
    let author = params.int("author_id")?.flatten();
    let assignee = params.string("assignee_id").flatten();
    let details = params.bool("with_labels_details")?.unwrap_or(false);

    let has_label = |issue: &Issue, name: &str| {
        issue
            .labels
            .iter()
            .any(|id| project.label_by_id(*id).is_some_and(|l| l.name == name))
    };
    let mut items: Vec<&Issue> = project
        .issues
        .values()
        .filter(|i| match wanted.as_deref() {
            Some("opened") => i.open,
            Some("closed") => !i.open,
            _ => true,
        })
        .filter(|i| match labels.as_deref() {
            None | Some([]) => true,
            Some([only]) if only.eq_ignore_ascii_case("none") => i.labels.is_empty(),
            Some([only]) if only.eq_ignore_ascii_case("any") => !i.labels.is_empty(),
            Some(names) => names.iter().all(|n| has_label(i, n)),
        })
        .filter(|i| match milestone.as_deref() {
            None => true,
            Some(m) if m.eq_ignore_ascii_case("none") => i.milestone.is_none(),
            Some(m) if m.eq_ignore_ascii_case("any") => i.milestone.is_some(),
            Some(title) => i
                .milestone
                .and_then(|id| project.milestones.get(&id))
                .is_some_and(|m| m.title == title),
        })
        .filter(|i| {
            iids.as_ref()
                .is_none_or(|ids| ids.contains(&(i.iid as i64)))
        })
        .filter(|i| {
            search.as_ref().is_none_or(|s| {
                (in_title && i.title.to_lowercase().contains(s))
                    || (in_desc
                        && i.description
                            .as_deref()
                            .is_some_and(|d| d.to_lowercase().contains(s)))
            })
        })
        .filter(|i| created_after.is_none_or(|t| i.created_at >= t))
        .filter(|i| created_before.is_none_or(|t| i.created_at <= t))
        .filter(|i| updated_after.is_none_or(|t| i.updated_at >= t))
        .filter(|i| updated_before.is_none_or(|t| i.updated_at <= t))
        .filter(|i| author.is_none_or(|a| i.author as i64 == a))
        .filter(|i| match assignee.as_deref() {
            None => true,
            Some(a) if a.eq_ignore_ascii_case("none") => i.assignees.is_empty(),
            Some(a) if a.eq_ignore_ascii_case("any") => !i.assignees.is_empty(),
            Some(a) => i.assignees.iter().any(|id| id.to_string() == a),
        })
        .collect();
    items.sort_by(|a, b| {
        let ord = match order_by.as_deref() {
            Some("updated_at") => a.updated_at.cmp(&b.updated_at),
            Some("title") => a.title.cmp(&b.title),
            Some("due_date") => a.due_date.cmp(&b.due_date),
            _ => a.created_at.cmp(&b.created_at),
        }
        .then(a.id.cmp(&b.id));
        if desc { ord.reverse() } else { ord }
    });
    let values: Vec<Value> = items
        .iter()
        .map(|i| issue_json(state, &ctx.urls, project, i, ctx.now, details))
        .collect();
    paginate(ctx, params, page, values)
}

pub(crate) fn get(state: &State, ctx: &Ctx<'_>, pidx: usize, raw: &str, params: &Params) -> Res {
    let iid = find_issue(&state.projects[pidx], raw)?;
    let details = params.bool("with_labels_details")?.unwrap_or(false);
    Ok(Reply::json(200, render(state, ctx, pidx, iid, details)))
}

pub(crate) fn create(state: &mut State, ctx: &Ctx<'_>, pidx: usize, params: &Params) -> Res {
    params.require(&["title"])?;
    let title = params.text("title").unwrap_or_default();
    let description = params.string("description").flatten();
    let errors = text_errors(Some(&title), description.as_deref());
    if !errors.is_empty() {
        return Err(validation(&errors));
    }
    let created_at = params.time("created_at")?.unwrap_or(ctx.now);
    let confidential = params.bool("confidential")?.unwrap_or(false);
    let assignees = assignee_param(params)?.unwrap_or_default();
    let assignees = assignable(state, pidx, &assignees, ctx.multiple_assignees);
    let milestone = milestone_param(&state.projects[pidx], params)?.flatten();
    let names = params.str_list("labels").unwrap_or_default();
    let label_ids = ensure_labels(state, pidx, &names);
    let project = &state.projects[pidx];
    let label_ids = if ctx.scoped_labels {
        exclusive_scopes(project, label_ids.clone(), &label_ids)
    } else {
        label_ids
    };
    let id = state.next_id("issue");
    let project = &mut state.projects[pidx];
    let iid = project.next_iid;
    project.next_iid += 1;
    project.issues.insert(
        iid,
        Issue {
            id,
            iid,
            title,
            description,
            author: ctx.user_id(),
            labels: label_ids,
            assignees,
            milestone,
            open: true,
            confidential,
            due_date: params.text("due_date").as_deref().and_then(parse_date),
            created_at,
            updated_at: created_at,
            closed_at: None,
            closed_by: None,
        },
    );
    Ok(Reply::json(201, render(state, ctx, pidx, iid, false)))
}

pub(crate) fn update(
    state: &mut State,
    ctx: &Ctx<'_>,
    pidx: usize,
    raw: &str,
    params: &Params,
) -> Res {
    let iid = find_issue(&state.projects[pidx], raw)?;
    params.at_least_one_of(UPDATE_ONE_OF)?;
    let state_event = params.one_of("state_event", &["reopen", "close"])?;
    let before = state.projects[pidx].issues[&iid].clone();
    let mut issue = before.clone();
    if let Some(title) = params.string("title") {
        issue.title = title.unwrap_or_default();
    }
    if let Some(description) = params.string("description") {
        issue.description = description;
    }
    let errors = text_errors(
        params.has("title").then_some(issue.title.as_str()),
        issue.description.as_deref(),
    );
    if !errors.is_empty() {
        return Err(validation(&errors));
    }
    if let Some(confidential) = params.bool("confidential")? {
        issue.confidential = confidential;
    }
    if let Some(due) = params.string("due_date") {
        issue.due_date = due.as_deref().and_then(parse_date);
    }
    if let Some(ids) = assignee_param(params)? {
        issue.assignees = assignable(state, pidx, &ids, ctx.multiple_assignees);
    }
    if let Some(m) = milestone_param(&state.projects[pidx], params)? {
        issue.milestone = m;
    }
    let replace = params.str_list("labels");
    let add = params.str_list("add_labels");
    let remove = params.str_list("remove_labels");
    if replace.is_some() || add.is_some() || remove.is_some() {
        let mut ids = match &replace {
            Some(names) => ensure_labels(state, pidx, names),
            None => issue.labels.clone(),
        };
        if let Some(names) = &add {
            for id in ensure_labels(state, pidx, names) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        let project = &state.projects[pidx];
        if let Some(names) = &remove {
            let gone: Vec<u64> = names
                .iter()
                .filter_map(|n| project.label_by_name(n).map(|l| l.id))
                .collect();
            ids.retain(|id| !gone.contains(id));
        }
        let added: Vec<u64> = ids
            .iter()
            .copied()
            .filter(|id| !before.labels.contains(id))
            .collect();
        issue.labels = if ctx.scoped_labels {
            exclusive_scopes(project, ids, &added)
        } else {
            ids
        };
    }
    match state_event.as_deref() {
        Some("close") if issue.open => {
            issue.open = false;
            issue.closed_at = Some(ctx.now);
            issue.closed_by = Some(ctx.user_id());
        }
        Some("reopen") if !issue.open => {
            issue.open = true;
            issue.closed_at = None;
            issue.closed_by = None;
        }
        _ => {}
    }
    let mut labels_before = before.labels.clone();
    let mut labels_after = issue.labels.clone();
    labels_before.sort_unstable();
    labels_after.sort_unstable();
    let changed = labels_before != labels_after || {
        let mut same_labels = issue.clone();
        same_labels.labels = before.labels.clone();
        same_labels != before
    };
    if changed {
        issue.updated_at = ctx.now;
    } else {
        issue = before;
    }
    state.projects[pidx].issues.insert(iid, issue);
    Ok(Reply::json(200, render(state, ctx, pidx, iid, false)))
}

pub(crate) fn delete(state: &mut State, pidx: usize, raw: &str) -> Res {
    let project = &mut state.projects[pidx];
    let iid = parse_iid(raw, "issue_iid")?;
    if project.issues.remove(&iid).is_none() {
        return Err(message(404, "404 Issue Not Found"));
    }
    project.notes.retain(|n| n.issue_iid != iid);
    let end = (project.id, iid);
    state.issue_links.retain(|l| !l.touches(end));
    Ok(Reply::no_content())
}

pub(crate) fn list_notes(
    state: &State,
    ctx: &Ctx<'_>,
    pidx: usize,
    raw: &str,
    params: &Params,
    page: &Page<'_>,
) -> Res {
    let project = &state.projects[pidx];
    let iid = find_issue(project, raw)?;
    let by_updated = params
        .one_of("order_by", &["created_at", "updated_at"])?
        .is_some_and(|o| o == "updated_at");
    let desc = params
        .one_of("sort", &["asc", "desc"])?
        .is_none_or(|s| s == "desc");
    let mut notes: Vec<&Note> = project
        .notes
        .iter()
        .filter(|n| n.issue_iid == iid)
        .collect();
    notes.sort_by(|a, b| {
        let ord: Ordering = if by_updated {
            a.updated_at.cmp(&b.updated_at)
        } else {
            a.created_at.cmp(&b.created_at)
        }
        .then(a.id.cmp(&b.id));
        if desc { ord.reverse() } else { ord }
    });
    let values: Vec<Value> = notes
        .iter()
        .map(|n| note_json(state, &ctx.urls, project, n))
        .collect();
    paginate(ctx, params, page, values)
}

fn blank_note() -> Reply {
    message(400, "400 Bad request - Note {:note=>[\"can't be blank\"]}")
}

pub(crate) fn create_note(
    state: &mut State,
    ctx: &Ctx<'_>,
    pidx: usize,
    raw: &str,
    params: &Params,
) -> Res {
    let iid = find_issue(&state.projects[pidx], raw)?;
    params.require(&["body"])?;
    let body = params.text("body").unwrap_or_default();
    if body.trim().is_empty() {
        return Err(blank_note());
    }
    let id = state.next_id("note");
    let project = &mut state.projects[pidx];
    let note = Note {
        id,
        issue_iid: iid,
        body,
        author: ctx.user_id(),
        created_at: ctx.now,
        updated_at: ctx.now,
        system: false,
    };
    project.notes.push(note.clone());
    if let Some(issue) = project.issues.get_mut(&iid) {
        issue.updated_at = ctx.now;
    }
    let project = &state.projects[pidx];
    Ok(Reply::json(
        201,
        note_json(state, &ctx.urls, project, &note),
    ))
}

pub(crate) fn note(
    state: &mut State,
    ctx: &Ctx<'_>,
    pidx: usize,
    method: &str,
    raw_iid: &str,
    raw_note: &str,
    params: &Params,
) -> Res {
    let iid = find_issue(&state.projects[pidx], raw_iid)?;
    let note_id = parse_iid(raw_note, "note_id")?;
    let project = &mut state.projects[pidx];
    let pos = project
        .notes
        .iter()
        .position(|n| n.issue_iid == iid && n.id == note_id)
        .ok_or_else(record_not_found)?;
    match method {
        "GET" => {}
        "DELETE" => {
            project.notes.remove(pos);
            return Ok(Reply::no_content());
        }
        _ => {
            params.require(&["body"])?;
            let body = params.text("body").unwrap_or_default();
            if body.trim().is_empty() {
                return Err(blank_note());
            }
            if project.notes[pos].body != body {
                project.notes[pos].body = body;
                project.notes[pos].updated_at = ctx.now;
                if let Some(issue) = project.issues.get_mut(&iid) {
                    issue.updated_at = ctx.now;
                }
            }
        }
    }
    let project = &state.projects[pidx];
    Ok(Reply::json(
        200,
        note_json(state, &ctx.urls, project, &project.notes[pos]),
    ))
}
