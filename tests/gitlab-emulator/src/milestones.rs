//! Project milestones: `GET|POST /projects/:id/milestones`,
//! `GET|PUT|DELETE /projects/:id/milestones/:milestone_id` (the global id).

use jiff::civil::Date;
use serde_json::Value;

use crate::api::{Ctx, Page, Params, Reply, Res, invalid, message, paginate, record_not_found};
use crate::model::{Milestone, Project, State, milestone_json};
use crate::time::parse_date;

/// Ruby's `Hash#inspect` of `errors.messages`, as GitLab interpolates it
/// into `"Failed to create milestone {:title=>[\"can't be blank\"]}"`.
fn ruby_inspect(errors: &[(&str, String)]) -> String {
    let mut fields: Vec<(&str, Vec<&str>)> = Vec::new();
    for (field, text) in errors {
        match fields.iter_mut().find(|(f, _)| f == field) {
            Some((_, list)) => list.push(text),
            None => fields.push((field, vec![text])),
        }
    }
    let parts: Vec<String> = fields
        .iter()
        .map(|(field, list)| {
            let items: Vec<String> = list
                .iter()
                .map(|t| format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            format!(":{field}=>[{}]", items.join(", "))
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn check(project: &Project, m: &Milestone) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if m.title.trim().is_empty() {
        errors.push(("title", "can't be blank".to_string()));
    } else if m.title.chars().count() > 255 {
        errors.push((
            "title",
            "is too long (maximum is 255 characters)".to_string(),
        ));
    }
    if project
        .milestones
        .values()
        .any(|o| o.title == m.title && o.id != m.id)
    {
        errors.push((
            "title",
            "already being used for another group or project milestone.".to_string(),
        ));
    }
    if let (Some(start), Some(due)) = (m.start_date, m.due_date)
        && due < start
    {
        errors.push(("due_date", "must be greater than start date".to_string()));
    }
    errors
}

/// A date parameter; like Rails, an unparsable date is stored as nothing.
fn date_param(params: &Params, key: &str) -> Option<Option<Date>> {
    params
        .string(key)
        .map(|v| v.as_deref().and_then(parse_date))
}

pub(crate) fn list(
    state: &State,
    ctx: &Ctx<'_>,
    pidx: usize,
    params: &Params,
    page: &Page<'_>,
) -> Res {
    let project = &state.projects[pidx];
    let wanted_state = params.one_of("state", &["active", "closed", "all"])?;
    let iids = params.int_list("iids")?;
    let title = params.string("title").flatten();
    let search = params.text("search").map(|s| s.to_lowercase());
    let updated_after = params.time("updated_after")?;
    let updated_before = params.time("updated_before")?;
    let mut items: Vec<&Milestone> = project
        .milestones
        .values()
        .filter(|m| match wanted_state.as_deref() {
            Some("active") => m.active,
            Some("closed") => !m.active,
            _ => true,
        })
        .filter(|m| {
            iids.as_ref()
                .is_none_or(|ids| ids.contains(&(m.iid as i64)))
        })
        .filter(|m| title.as_ref().is_none_or(|t| m.title == *t))
        .filter(|m| {
            search.as_ref().is_none_or(|s| {
                m.title.to_lowercase().contains(s)
                    || m.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(s))
            })
        })
        .filter(|m| updated_after.is_none_or(|t| m.updated_at >= t))
        .filter(|m| updated_before.is_none_or(|t| m.updated_at <= t))
        .collect();
    // Due date first (undated last), then oldest first.
    items.sort_by(|a, b| {
        (a.due_date.is_none(), a.due_date, a.id).cmp(&(b.due_date.is_none(), b.due_date, b.id))
    });
    let values: Vec<Value> = items
        .iter()
        .map(|m| milestone_json(&ctx.urls, project, m, ctx.now))
        .collect();
    paginate(ctx, params, page, values)
}

pub(crate) fn create(state: &mut State, ctx: &Ctx<'_>, pidx: usize, params: &Params) -> Res {
    params.require(&["title"])?;
    let id = state.next_id("milestone");
    let project = &mut state.projects[pidx];
    let m = Milestone {
        id,
        iid: project.next_milestone_iid,
        title: params.text("title").unwrap_or_default(),
        description: params.string("description").flatten(),
        active: true,
        due_date: date_param(params, "due_date").flatten(),
        start_date: date_param(params, "start_date").flatten(),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    let errors = check(project, &m);
    if !errors.is_empty() {
        return Err(message(
            400,
            format!("Failed to create milestone {}", ruby_inspect(&errors)),
        ));
    }
    project.next_milestone_iid += 1;
    project.milestones.insert(id, m.clone());
    Ok(Reply::json(
        201,
        milestone_json(&ctx.urls, project, &m, ctx.now),
    ))
}

pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx<'_>,
    pidx: usize,
    method: &str,
    raw_id: &str,
    params: &Params,
) -> Res {
    let id: u64 = raw_id.parse().map_err(|_| invalid("milestone_id"))?;
    let project = &mut state.projects[pidx];
    let current = project
        .milestones
        .get(&id)
        .cloned()
        .ok_or_else(record_not_found)?;
    match method {
        "GET" => Ok(Reply::json(
            200,
            milestone_json(&ctx.urls, project, &current, ctx.now),
        )),
        "DELETE" => {
            project.milestones.remove(&id);
            // Milestones::DestroyService updates each issue through the
            // issue update service, so they count as changed.
            for issue in project.issues.values_mut() {
                if issue.milestone == Some(id) {
                    issue.milestone = None;
                    issue.updated_at = ctx.now;
                }
            }
            Ok(Reply::no_content())
        }
        _ => {
            params.at_least_one_of(&[
                "title",
                "description",
                "start_date",
                "due_date",
                "state_event",
            ])?;
            let state_event = params.one_of("state_event", &["close", "activate"])?;
            let mut m = current.clone();
            if let Some(title) = params.string("title") {
                m.title = title.unwrap_or_default();
            }
            if let Some(description) = params.string("description") {
                m.description = description;
            }
            if let Some(due) = date_param(params, "due_date") {
                m.due_date = due;
            }
            if let Some(start) = date_param(params, "start_date") {
                m.start_date = start;
            }
            match state_event.as_deref() {
                Some("close") => m.active = false,
                Some("activate") => m.active = true,
                _ => {}
            }
            let errors = check(project, &m);
            if !errors.is_empty() {
                return Err(message(
                    400,
                    format!("Failed to update milestone {}", ruby_inspect(&errors)),
                ));
            }
            if m != current {
                m.updated_at = ctx.now;
            }
            project.milestones.insert(id, m.clone());
            Ok(Reply::json(
                200,
                milestone_json(&ctx.urls, project, &m, ctx.now),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_like_ruby_hashes() {
        assert_eq!(
            ruby_inspect(&[
                ("title", "can't be blank".into()),
                ("due_date", "say \"hi\"".into())
            ]),
            r#"{:title=>["can't be blank"], :due_date=>["say \"hi\""]}"#
        );
    }
}
