//! GitHub Projects (v2) through the REST API, for organization- and user-owned projects:
//! `GET …/projectsV2/{n}`, `GET …/fields`, `GET …/fields/{id}`, `GET|POST …/items`,
//! `GET|PATCH|DELETE …/items/{id}` under `/orgs/{org}` and `/users/{username}` (and under
//! `/organizations/{id}` and `/user/{id}`, the forms GitHub's `Link` headers use).
//!
//! Behaviour, as api.github.com has it (GitHub's own API code for these routes is the
//! source of the wordings):
//! * Reading needs the `read:project` or `project` scope, writing `project`; else `403`
//!   `Resource not accessible by personal access token`. An unknown owner, project, field
//!   or item is `404` `Not Found` (checked before the scope).
//! * Lists page by cursor: `per_page` (default 30, at most 100), `after`/`before` from the
//!   `Link` header's `rel="next"`/`rel="prev"` URLs (both at once: `400`). Items come in
//!   project order (a new one goes last).
//! * Items show the Title field's value only, unless `fields=1,2` (or `fields[]=1&…`) names
//!   the fields to show; an unknown field id there is `400` `Field validation errors`.
//! * `POST …/items` takes `{"type":"Issue","id":…}` or `{"type":"Issue","owner":…,
//!   "repo":…,"number":…}` and answers `201` with the item (no `fields`); an issue already
//!   in the project is `422` `Content already exists in this project` (nothing is added);
//!   an unknown issue is `404`.
//! * `PATCH …/items/{id}` takes `{"fields":[{"id":…,"value":…}]}`; only single-select
//!   fields are settable (an option id, or `null` to clear). An unknown field is `400`
//!   `Field validation errors` (`errors.invalid_ids`), a built-in one `400` (`errors.
//!   unsupported_ids`), an unknown option `400` `Invalid field values` (`errors.
//!   invalid_field_values`). It answers with the item showing the updated fields; the
//!   item's `updated_at` moves only when a value changed.
//!
//! A child of `api` (declared there with `#[path]`), so it uses the API's own helpers.

#[path = "project_data.rs"]
mod data;
#[path = "project_paging.rs"]
mod paging;
#[path = "project_setup.rs"]
mod setup;

pub use data::ProjectOwner;
pub(crate) use data::Projects;

use serde_json::{Map, Value, json};

use super::{Ctx, Reply, Res, error, invalid_request, not_found, parse_object};
use crate::http::parse_query;
use crate::model::State;
use data::{Field, FieldKind, Project, field_json, item_json, project_json};
use paging::{field_errors, found_fields, link_header, shown_fields, window};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Get,
    ListFields,
    GetField,
    ListItems,
    AddItem,
    GetItem,
    UpdateItem,
    DeleteItem,
}

impl Op {
    fn writes(self) -> bool {
        matches!(self, Op::AddItem | Op::UpdateItem | Op::DeleteItem)
    }

    /// Where GitHub documents the operation.
    fn doc(self, kind: ProjectOwner) -> String {
        let org = kind == ProjectOwner::Organization;
        let (owned, project) = if org {
            ("organization-owned", "an-organization-owned-project")
        } else {
            ("user-owned", "a-user-owned-project")
        };
        let of = if org { "organization" } else { "user" };
        let page = match self {
            Op::Get => format!("projects#get-project-for-{of}"),
            Op::ListFields => format!("fields#list-project-fields-for-{of}"),
            Op::GetField => format!("fields#get-project-field-for-{of}"),
            Op::ListItems => format!("items#list-items-for-{project}"),
            Op::AddItem => format!("items#add-item-to-{owned}-project"),
            Op::GetItem => format!("items#get-an-item-for-{project}"),
            Op::UpdateItem => format!("items#update-project-item-for-{of}"),
            Op::DeleteItem => format!("items#delete-project-item-for-{of}"),
        };
        format!("https://docs.github.com/rest/projects/{page}")
    }
}

fn require_scope(ctx: &Ctx<'_>, write: bool, doc: &str) -> Result<(), Reply> {
    let Some(actor) = ctx.actor else {
        return Err(error(401, "Requires authentication", doc));
    };
    let allowed = actor
        .scopes
        .iter()
        .any(|s| s == "project" || (!write && s == "read:project"));
    if allowed {
        Ok(())
    } else {
        Err(error(
            403,
            "Resource not accessible by personal access token",
            doc,
        ))
    }
}

/// Routes `/{orgs|users|organizations|user}/{owner}/projectsV2/{n}/…` (`seg`, decoded).
pub(super) fn route(
    state: &State,
    projects: &mut Projects,
    ctx: &Ctx<'_>,
    method: &str,
    seg: &[&str],
    raw_query: &str,
    body: &[u8],
) -> Res {
    let [scope, owner, _, number, rest @ ..] = seg else {
        return Err(not_found(super::GENERIC_DOCS));
    };
    let (kind, by_id) = match *scope {
        "orgs" => (ProjectOwner::Organization, false),
        "organizations" => (ProjectOwner::Organization, true),
        "users" => (ProjectOwner::User, false),
        _ => (ProjectOwner::User, true),
    };
    let op = match (method, rest) {
        ("GET", []) => Op::Get,
        ("GET", ["fields"]) => Op::ListFields,
        ("GET", ["fields", _]) => Op::GetField,
        ("GET", ["items"]) => Op::ListItems,
        ("POST", ["items"]) => Op::AddItem,
        ("GET", ["items", _]) => Op::GetItem,
        ("PATCH", ["items", _]) => Op::UpdateItem,
        ("DELETE", ["items", _]) => Op::DeleteItem,
        _ => return Err(not_found(super::GENERIC_DOCS)),
    };
    let doc = &op.doc(kind);
    let user = if by_id {
        let id = owner.parse::<u64>().ok();
        state.users.iter().find(|u| Some(u.id) == id)
    } else {
        state.user(owner)
    };
    let user = user
        .filter(|u| u.organization == (kind == ProjectOwner::Organization))
        .ok_or_else(|| not_found(doc))?;
    let pi = number
        .parse::<u64>()
        .ok()
        .and_then(|n| projects.find(&user.login, n))
        .filter(|i| projects.list[*i].kind == kind)
        .ok_or_else(|| not_found(doc))?;
    require_scope(ctx, op.writes(), doc)?;
    let q = parse_query(raw_query);
    let item_id = match rest {
        [_, id] => Some(id.parse::<u64>().unwrap_or(0)),
        _ => None,
    };
    let p = &projects.list[pi];
    let urls = &ctx.urls;
    match op {
        Op::Get => Ok(Reply::json(200, project_json(state, urls, p))),
        Op::GetField => p
            .fields
            .iter()
            .find(|f| Some(f.id) == item_id)
            .map(|f| Reply::json(200, field_json(urls, p, f)))
            .ok_or_else(|| not_found(doc)),
        Op::ListFields => {
            let ids: Vec<u64> = p.fields.iter().map(|f| f.id).collect();
            let w = window(&ids, "field", &q, doc)?;
            let list = p.fields[w.start..w.end]
                .iter()
                .map(|f| field_json(urls, p, f))
                .collect();
            let link = link_header(ctx, p, user.id, "fields", raw_query, &w);
            Ok(with_link(Reply::json(200, Value::Array(list)), link))
        }
        Op::ListItems => {
            let shown = shown_fields(p, &q, doc)?;
            let ids: Vec<u64> = p.items.iter().map(|i| i.id).collect();
            let w = window(&ids, "item", &q, doc)?;
            let list = p.items[w.start..w.end]
                .iter()
                .map(|i| item_json(state, urls, p, i, Some(&shown)))
                .collect();
            let link = link_header(ctx, p, user.id, "items", raw_query, &w);
            Ok(with_link(Reply::json(200, Value::Array(list)), link))
        }
        Op::GetItem => {
            let shown = shown_fields(p, &q, doc)?;
            p.items
                .iter()
                .find(|i| Some(i.id) == item_id)
                .map(|i| Reply::json(200, item_json(state, urls, p, i, Some(&shown))))
                .ok_or_else(|| not_found(doc))
        }
        Op::AddItem => add_item(state, projects, ctx, pi, body, doc),
        Op::UpdateItem => update_item(state, projects, ctx, pi, item_id.unwrap_or(0), body, doc),
        Op::DeleteItem => {
            let p = &mut projects.list[pi];
            let pos = p
                .items
                .iter()
                .position(|i| Some(i.id) == item_id)
                .ok_or_else(|| not_found(doc))?;
            p.items.remove(pos);
            p.updated_at = ctx.now;
            Ok(Reply::no_content())
        }
    }
}

fn with_link(reply: Reply, link: Option<String>) -> Reply {
    match link {
        Some(l) => reply.with_header("Link", l),
        None => reply,
    }
}

fn int_prop(map: &Map<String, Value>, key: &str, doc: &str) -> Result<Option<u64>, Reply> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(other) => Err(invalid_request(
            doc,
            &format!("For 'properties/{key}', {other} is not an integer."),
        )),
    }
}

fn str_prop<'m>(
    map: &'m Map<String, Value>,
    key: &str,
    doc: &str,
) -> Result<Option<&'m str>, Reply> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(invalid_request(
            doc,
            &format!("For 'properties/{key}', {other} is not a string."),
        )),
    }
}

/// The database id of the issue a `POST …/items` body names.
fn content_of(state: &State, map: &Map<String, Value>, doc: &str) -> Result<u64, Reply> {
    const KEYS: [&str; 5] = ["type", "id", "owner", "repo", "number"];
    if let Some(k) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(invalid_request(
            doc,
            &format!("\"{k}\" is not a permitted key."),
        ));
    }
    let issue = match map.get("type") {
        None => return Err(invalid_request(doc, "\"type\" wasn't supplied.")),
        Some(Value::String(t)) if t == "Issue" => true,
        Some(Value::String(t)) if t == "PullRequest" => false,
        Some(other) => {
            return Err(invalid_request(
                doc,
                &format!(
                    "For 'properties/type', {other} is not a member of [\"Issue\", \"PullRequest\"]."
                ),
            ));
        }
    };
    let id = int_prop(map, "id", doc)?;
    let owner = str_prop(map, "owner", doc)?;
    let repo = str_prop(map, "repo", doc)?;
    let number = int_prop(map, "number", doc)?;
    let nwo = match (owner, repo, number) {
        (Some(o), Some(r), Some(n)) => Some((o, r, n)),
        _ => None,
    };
    if id.is_some() == nwo.is_some() {
        return Err(invalid_request(doc, "No subschema in \"oneOf\" matched."));
    }
    if !issue {
        // The emulator has no pull requests.
        return Err(not_found(doc));
    }
    let found = match (id, nwo) {
        (Some(id), _) => state.issue_by_id(id).map(|(_, i)| i.id),
        (None, Some((o, r, n))) => state
            .repo_index(o, r)
            .and_then(|ri| state.repos[ri].issues.get(&n))
            .map(|i| i.id),
        (None, None) => None,
    };
    found.ok_or_else(|| not_found(doc))
}

fn add_item(
    state: &State,
    projects: &mut Projects,
    ctx: &Ctx<'_>,
    pi: usize,
    body: &[u8],
    doc: &str,
) -> Res {
    let map = parse_object(body, doc)?;
    let issue = content_of(state, &map, doc)?;
    if projects.list[pi].item_for_issue(issue).is_some() {
        return Err(error(422, "Content already exists in this project", doc));
    }
    let creator = ctx
        .actor
        .map_or_else(|| "ghost".to_string(), |a| a.login.clone());
    let item = insert_item(projects, pi, issue, &creator, ctx.now);
    let p = &projects.list[pi];
    Ok(Reply::json(
        201,
        item_json(state, &ctx.urls, p, &p.items[item], None),
    ))
}

fn insert_item(projects: &mut Projects, pi: usize, issue: u64, creator: &str, now: i64) -> usize {
    let id = projects.next_item_id();
    let p = &mut projects.list[pi];
    p.items.push(data::Item {
        id,
        issue,
        creator: creator.to_string(),
        created_at: now,
        updated_at: now,
        values: Default::default(),
    });
    p.updated_at = now;
    p.items.len() - 1
}

/// `{"fields":[{"id":…,"value":…}]}`, as GitHub's request-schema check reports it.
fn updates_of(map: &Map<String, Value>, doc: &str) -> Result<Vec<(u64, Value)>, Reply> {
    let entries = match map.get("fields") {
        None => return Err(invalid_request(doc, "\"fields\" wasn't supplied.")),
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(invalid_request(
                doc,
                &format!("For 'properties/fields', {other} is not an array."),
            ));
        }
    };
    let mut updates: Vec<(u64, Value)> = Vec::new();
    for entry in entries {
        let Value::Object(e) = entry else {
            return Err(invalid_request(
                doc,
                &format!("For 'items', {entry} is not an object."),
            ));
        };
        let id = int_prop(e, "id", doc)?
            .ok_or_else(|| invalid_request(doc, "\"id\" wasn't supplied."))?;
        let value = match e.get("value") {
            None => return Err(invalid_request(doc, "\"value\" wasn't supplied.")),
            Some(v @ (Value::Null | Value::String(_) | Value::Number(_))) => v.clone(),
            Some(other) => {
                return Err(invalid_request(
                    doc,
                    &format!("For 'properties/value', {other} is not a string or a number."),
                ));
            }
        };
        // Later entries for the same field win, as GitHub indexes them by id.
        updates.retain(|(i, _)| *i != id);
        updates.push((id, value));
    }
    Ok(updates)
}

fn update_item(
    state: &State,
    projects: &mut Projects,
    ctx: &Ctx<'_>,
    pi: usize,
    item_id: u64,
    body: &[u8],
    doc: &str,
) -> Res {
    let map = parse_object(body, doc)?;
    let updates = updates_of(&map, doc)?;
    let p = &projects.list[pi];
    let ii = p
        .items
        .iter()
        .position(|i| i.id == item_id)
        .ok_or_else(|| not_found(doc))?;
    let ids: Vec<u64> = updates.iter().map(|(id, _)| *id).collect();
    let fields = found_fields(p, &ids, doc)?;
    let unsupported: Vec<Value> = fields
        .iter()
        .filter(|f| !matches!(f.kind, FieldKind::SingleSelect(_)))
        .map(|f| {
            json!({"id": f.id, "message": format!("'{}' fields are currently unsupported", f.kind.data_type())})
        })
        .collect();
    if !unsupported.is_empty() {
        return Err(field_errors(
            doc,
            "Field validation errors",
            json!({ "unsupported_ids": unsupported }),
        ));
    }
    let mut invalid = Vec::new();
    let mut changes: Vec<(u64, Option<String>)> = Vec::new();
    for (id, value) in &updates {
        let Some(field) = fields.iter().find(|f| f.id == *id) else {
            continue;
        };
        match value {
            Value::Null => changes.push((*id, None)),
            Value::String(o) if field.option(o).is_some() => changes.push((*id, Some(o.clone()))),
            other => invalid.push(json!({
                "id": id,
                "value": other,
                "error": "The single select option Id does not belong to the field",
            })),
        }
    }
    if !invalid.is_empty() {
        return Err(field_errors(
            doc,
            "Invalid field values",
            json!({ "invalid_field_values": invalid }),
        ));
    }
    let shown: Vec<u64> = fields.iter().map(|f| f.id).collect();
    let p = &mut projects.list[pi];
    if set_values(p, ii, &changes, ctx.now) {
        p.updated_at = ctx.now;
    }
    let p = &projects.list[pi];
    let fields: Vec<&Field> = p.fields.iter().filter(|f| shown.contains(&f.id)).collect();
    Ok(Reply::json(
        200,
        item_json(state, &ctx.urls, p, &p.items[ii], Some(&fields)),
    ))
}

/// Applies single-select values to item `ii`; moves its `updated_at` if one changed.
fn set_values(p: &mut Project, ii: usize, changes: &[(u64, Option<String>)], now: i64) -> bool {
    let item = &mut p.items[ii];
    let before = item.values.clone();
    for (field, option) in changes {
        match option {
            Some(o) => {
                item.values.insert(*field, o.clone());
            }
            None => {
                item.values.remove(field);
            }
        }
    }
    let changed = item.values != before;
    if changed {
        item.updated_at = now;
    }
    changed
}
