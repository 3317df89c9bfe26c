//! Routing, parameters, error bodies and offset pagination, as GitLab's
//! Grape API does them; resource handlers live in `issues`, `milestones`
//! and `labels`.

use serde_json::{Map, Value, json};

use crate::http::{parse_query, percent_decode};
use crate::model::{State, Urls, current_user_json, project_json, user_json};
use crate::{issues, labels, links, milestones, releases};

/// Who is making the request.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub user_id: u64,
    pub username: String,
    pub scopes: Vec<String>,
}

impl Actor {
    pub fn can_write(&self) -> bool {
        self.scopes.iter().any(|s| s == "api")
    }

    pub fn can_read(&self) -> bool {
        self.scopes.iter().any(|s| s == "api" || s == "read_api")
    }
}

pub(crate) struct Ctx<'a> {
    pub urls: Urls,
    pub now: i64,
    pub actor: Option<&'a Actor>,
    pub scoped_labels: bool,
    pub multiple_assignees: bool,
    /// `blocks` / `is_blocked_by` links can be made (GitLab Premium).
    pub blocking_links: bool,
}

impl Ctx<'_> {
    /// The acting user's id (handlers only run with an actor).
    pub fn user_id(&self) -> u64 {
        self.actor.map_or(0, |a| a.user_id)
    }
}

pub(crate) struct ApiRequest<'a> {
    pub method: &'a str,
    /// Path as sent, without the query.
    pub path: &'a str,
    pub raw_query: &'a str,
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
}

/// A handler's answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }
}

pub(crate) type Res = Result<Reply, Reply>;

/// Grape's parameter errors: `{"error": "title is missing"}`.
pub(crate) fn error(status: u16, text: &str) -> Reply {
    Reply::json(status, json!({ "error": text }))
}

/// `render_api_error!`: `{"message": …}`.
pub(crate) fn message(status: u16, text: impl Into<Value>) -> Reply {
    Reply::json(status, json!({ "message": text.into() }))
}

/// `not_found!('Label')` → `404 Label Not Found`.
pub(crate) fn not_found(what: &str) -> Reply {
    message(404, format!("404 {what} Not Found"))
}

/// `ActiveRecord::RecordNotFound`, rescued by the API as `404 Not found`.
pub(crate) fn record_not_found() -> Reply {
    message(404, "404 Not found")
}

/// `render_validation_error!`: `{"message": {"title": ["can't be blank"]}}`.
pub(crate) fn validation(errors: &[(&str, String)]) -> Reply {
    let mut map = Map::new();
    for (field, text) in errors {
        let entry = map
            .entry((*field).to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(json!(text));
        }
    }
    message(400, Value::Object(map))
}

pub(crate) fn is_write(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "POST" | "PATCH" | "PUT" | "DELETE"
    )
}

/// Request parameters, merged as Grape merges them: the query string,
/// then the body (JSON object or form-encoded). `key[]` collects arrays.
pub(crate) struct Params {
    values: Vec<(String, Value)>,
    /// The query string's own pairs, for pagination links.
    pub query: Vec<(String, String)>,
}

impl Params {
    pub fn parse(req: &ApiRequest<'_>) -> Result<Params, Reply> {
        let query = parse_query(req.raw_query);
        let mut params = Params {
            values: Vec::new(),
            query: query.clone(),
        };
        for (k, v) in query {
            params.push_text(&k, v);
        }
        let body = String::from_utf8_lossy(req.body);
        let body = body.trim();
        if body.is_empty() {
            return Ok(params);
        }
        let is_form = req
            .content_type
            .is_some_and(|c| c.to_ascii_lowercase().contains("x-www-form-urlencoded"));
        if is_form {
            for (k, v) in parse_query(body) {
                params.push_text(&k, v);
            }
            return Ok(params);
        }
        match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(map)) => {
                for (k, v) in map {
                    let k = k.trim_end_matches("[]").to_string();
                    params.set(k, v);
                }
                Ok(params)
            }
            Ok(_) => Ok(params),
            Err(_) => Err(message(
                400,
                "400 Bad request - The request body is not valid JSON",
            )),
        }
    }

    fn set(&mut self, key: String, value: Value) {
        self.values.retain(|(k, _)| *k != key);
        self.values.push((key, value));
    }

    fn push_text(&mut self, key: &str, value: String) {
        if let Some(base) = key.strip_suffix("[]") {
            match self.values.iter_mut().find(|(k, _)| k == base) {
                Some((_, Value::Array(list))) => list.push(Value::String(value)),
                _ => self.set(base.to_string(), json!([value])),
            }
        } else {
            self.set(key.to_string(), Value::String(value));
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.values.iter().any(|(k, _)| k == key)
    }

    pub fn raw(&self, key: &str) -> Option<&Value> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// `Some(None)` when sent as JSON `null`.
    pub fn string(&self, key: &str) -> Option<Option<String>> {
        self.raw(key).map(|v| match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
    }

    /// A non-empty string value, if any.
    pub fn text(&self, key: &str) -> Option<String> {
        self.string(key).flatten()
    }

    /// An integer (`Some(None)` for `null`); 400 `key is invalid` otherwise.
    pub fn int(&self, key: &str) -> Result<Option<Option<i64>>, Reply> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => parse_int(v)
                .map(|n| Some(Some(n)))
                .ok_or_else(|| invalid(key)),
        }
    }

    /// An integer array: JSON array, `key[]=…`, or a comma-separated string.
    pub fn int_list(&self, key: &str) -> Result<Option<Vec<i64>>, Reply> {
        let Some(v) = self.raw(key) else {
            return Ok(None);
        };
        let items: Vec<Value> = match v {
            Value::Null => Vec::new(),
            Value::Array(list) => list.clone(),
            Value::String(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| json!(s))
                .collect(),
            other => vec![other.clone()],
        };
        items
            .iter()
            .map(|i| parse_int(i).ok_or_else(|| invalid(key)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A string list: JSON array or a comma-separated string (blank entries dropped).
    pub fn str_list(&self, key: &str) -> Option<Vec<String>> {
        let v = self.raw(key)?;
        let items: Vec<String> = match v {
            Value::Null => Vec::new(),
            Value::Array(list) => list
                .iter()
                .flat_map(|i| match i {
                    Value::String(s) => s.split(',').map(str::to_string).collect::<Vec<_>>(),
                    other => vec![other.to_string()],
                })
                .collect(),
            Value::String(s) => s.split(',').map(str::to_string).collect(),
            other => vec![other.to_string()],
        };
        Some(
            items
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, Reply> {
        match self.raw(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(Some(true)),
                "false" | "0" | "no" => Ok(Some(false)),
                _ => Err(invalid(key)),
            },
            Some(Value::Number(n)) => Ok(Some(n.as_i64() != Some(0))),
            Some(_) => Err(invalid(key)),
        }
    }

    /// An ISO 8601 time (Grape `DateTime`).
    pub fn time(&self, key: &str) -> Result<Option<i64>, Reply> {
        match self.text(key) {
            None => Ok(None),
            Some(t) => crate::time::parse_ts(&t)
                .map(Some)
                .ok_or_else(|| invalid(key)),
        }
    }

    /// A value restricted to `allowed` (Grape `values:`).
    pub fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, Reply> {
        match self.text(key) {
            None => Ok(None),
            Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
            Some(_) => Err(error(400, &format!("{key} does not have a valid value"))),
        }
    }

    /// Grape's `requires`: 400 `a is missing, b is missing`.
    pub fn require(&self, keys: &[&str]) -> Result<(), Reply> {
        let missing: Vec<String> = keys
            .iter()
            .filter(|k| !self.has(k))
            .map(|k| format!("{k} is missing"))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(error(400, &missing.join(", ")))
        }
    }

    /// Grape's `at_least_one_of`.
    pub fn at_least_one_of(&self, keys: &[&str]) -> Result<(), Reply> {
        if keys.iter().any(|k| self.has(k)) {
            Ok(())
        } else {
            Err(error(
                400,
                &format!(
                    "{} are missing, at least one parameter must be provided",
                    keys.join(", ")
                ),
            ))
        }
    }
}

fn parse_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn invalid(key: &str) -> Reply {
    error(400, &format!("{key} is invalid"))
}

/// What the route needs to build pagination links.
pub(crate) struct Page<'a> {
    pub path: &'a str,
    /// Route parameters (`id`, `issue_iid`) and defaults, as Grape's
    /// `params` hold them.
    pub implicit: Vec<(&'static str, String)>,
}

/// Rails' `to_query` escaping (CGI.escape).
fn cgi_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') => {
                out.push(b as char);
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Offset pagination: `x-page`, `x-per-page`, `x-total`, `x-total-pages`,
/// `x-next-page`, `x-prev-page` and a `Link` header, as GitLab's
/// `OffsetHeaderBuilder` writes them.
pub(crate) fn paginate(ctx: &Ctx<'_>, params: &Params, page: &Page<'_>, items: Vec<Value>) -> Res {
    let per_page = match params.int("per_page")? {
        Some(Some(n)) if n >= 1 => n.min(100) as usize,
        _ => 20,
    };
    let current = match params.int("page")? {
        Some(Some(n)) if n >= 1 => n as usize,
        _ => 1,
    };
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let out_of_range = current > total_pages;
    let next = (!out_of_range && current < total_pages).then_some(current + 1);
    let prev = (!out_of_range && current > 1).then_some(current - 1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((current - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();

    // Grape's params: route params and defaults, then the query.
    let mut base: Vec<(String, String)> = page
        .implicit
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    for (k, v) in &params.query {
        if k == "page" || k == "per_page" {
            continue;
        }
        if !k.ends_with("[]") {
            base.retain(|(bk, _)| bk != k);
        }
        base.push((k.clone(), v.clone()));
    }
    let href = |n: usize| {
        let mut pairs = base.clone();
        pairs.push(("page".into(), n.to_string()));
        pairs.push(("per_page".into(), per_page.to_string()));
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", cgi_escape(k), cgi_escape(v)))
            .collect();
        format!("{}{}?{}", ctx.urls.base, page.path, query.join("&"))
    };
    let mut links = Vec::new();
    if let Some(p) = prev {
        links.push(format!("<{}>; rel=\"prev\"", href(p)));
    }
    if let Some(n) = next {
        links.push(format!("<{}>; rel=\"next\"", href(n)));
    }
    links.push(format!("<{}>; rel=\"first\"", href(1)));
    links.push(format!("<{}>; rel=\"last\"", href(total_pages)));
    let opt = |v: Option<usize>| v.map_or(String::new(), |n| n.to_string());
    let headers = vec![
        ("X-Per-Page".to_string(), per_page.to_string()),
        ("X-Page".to_string(), current.to_string()),
        ("X-Next-Page".to_string(), opt(next)),
        ("X-Prev-Page".to_string(), opt(prev)),
        ("Link".to_string(), links.join(", ")),
        ("X-Total".to_string(), total.to_string()),
        ("X-Total-Pages".to_string(), total_pages.to_string()),
    ];
    Ok(Reply {
        status: 200,
        body: Some(Value::Array(slice)),
        headers,
    })
}

/// The routes this emulator knows, after `/api/v4`.
#[derive(Debug, Clone)]
pub(crate) enum Route {
    User,
    Users,
    Project,
    Issues,
    Issue(String),
    Notes(String),
    Note(String, String),
    Links(String),
    Link(String, String),
    Milestones,
    Milestone(String),
    Labels,
    Label(String),
    Releases,
    Release(String),
}

impl Route {
    fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::User | Route::Users | Route::Project => &["GET"],
            Route::Issues
            | Route::Notes(_)
            | Route::Links(_)
            | Route::Milestones
            | Route::Releases => &["GET", "POST"],
            Route::Link(..) => &["GET", "DELETE"],
            // `PUT|DELETE /projects/:id/labels` with `name` or `label_id`
            // (the older form python-gitlab still uses for updates).
            Route::Labels => &["GET", "POST", "PUT", "DELETE"],
            Route::Issue(_)
            | Route::Note(..)
            | Route::Milestone(_)
            | Route::Label(_)
            | Route::Release(_) => &["GET", "PUT", "DELETE"],
        }
    }

    /// Routes whose GET answers an anonymous caller like any non-member:
    /// a private project is `404 Project Not Found` (the others need a user).
    fn anonymous_get_allowed(&self) -> bool {
        matches!(self, Route::Project | Route::Issues | Route::Issue(_))
    }
}

/// Splits `/api/v4/…` into a route and the project reference (decoded).
pub(crate) fn match_route(path: &str) -> Option<(Route, Option<String>)> {
    let rest = path.strip_prefix("/api/v4/")?;
    let raw: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let seg: Vec<String> = raw.iter().map(|s| percent_decode(s, false)).collect();
    let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
    let route = match seg.as_slice() {
        ["user"] => return Some((Route::User, None)),
        ["users"] => return Some((Route::Users, None)),
        ["projects", id, rest @ ..] if !id.is_empty() => {
            let r = match rest {
                [] => Route::Project,
                ["issues"] => Route::Issues,
                ["issues", iid] => Route::Issue((*iid).to_string()),
                ["issues", iid, "notes"] => Route::Notes((*iid).to_string()),
                ["issues", iid, "notes", n] => Route::Note((*iid).to_string(), (*n).to_string()),
                ["issues", iid, "links"] => Route::Links((*iid).to_string()),
                ["issues", iid, "links", l] => Route::Link((*iid).to_string(), (*l).to_string()),
                ["milestones"] => Route::Milestones,
                ["milestones", m] => Route::Milestone((*m).to_string()),
                ["labels"] => Route::Labels,
                ["labels", l] => Route::Label((*l).to_string()),
                ["releases"] => Route::Releases,
                ["releases", t] => Route::Release((*t).to_string()),
                _ => return None,
            };
            (r, Some((*id).to_string()))
        }
        _ => return None,
    };
    Some(route)
}

fn insufficient_scope(scope: &str) -> Reply {
    Reply::json(
        403,
        json!({
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token.",
            "scope": scope,
        }),
    )
}

/// Handles one API request against the state.
pub(crate) fn handle(state: &mut State, ctx: &Ctx<'_>, req: &ApiRequest<'_>) -> Reply {
    match route(state, ctx, req) {
        Ok(r) | Err(r) => r,
    }
}

fn route(state: &mut State, ctx: &Ctx<'_>, req: &ApiRequest<'_>) -> Res {
    let method = req.method.to_ascii_uppercase();
    let Some((route, project_ref)) = match_route(req.path) else {
        return Err(error(404, "404 Not Found"));
    };
    if !route.methods().contains(&method.as_str()) {
        let mut reply = error(405, "405 Not Allowed");
        reply.headers.push((
            "Allow".into(),
            format!("OPTIONS, {}", route.methods().join(", ")),
        ));
        return Err(reply);
    }
    let actor = match ctx.actor {
        Some(a) => a,
        None if method == "GET" && route.anonymous_get_allowed() => {
            return Err(not_found("Project"));
        }
        None => return Err(message(401, "401 Unauthorized")),
    };
    if is_write(&method) && !actor.can_write() {
        return Err(insufficient_scope("api"));
    }
    if !actor.can_read() {
        return Err(insufficient_scope("api read_api"));
    }
    let params = Params::parse(req)?;
    let Some(project_ref) = project_ref else {
        return match route {
            Route::User => {
                let user = state
                    .user(actor.user_id)
                    .ok_or_else(|| message(401, "401 Unauthorized"))?;
                Ok(Reply::json(200, current_user_json(&ctx.urls, user)))
            }
            _ => {
                let wanted = params.text("username");
                let users: Vec<Value> = state
                    .users
                    .iter()
                    .filter(|u| {
                        wanted
                            .as_ref()
                            .is_none_or(|w| u.username.eq_ignore_ascii_case(w))
                    })
                    .map(|u| user_json(&ctx.urls, u))
                    .collect();
                let page = Page {
                    path: req.path,
                    implicit: Vec::new(),
                };
                paginate(ctx, &params, &page, users)
            }
        };
    };
    let pidx = state
        .project_by_ref(&project_ref)
        .ok_or_else(|| not_found("Project"))?;
    let access = state.access_level(&state.projects[pidx], actor.user_id);
    if access == 0 {
        return Err(not_found("Project"));
    }
    let page = |implicit: Vec<(&'static str, String)>| Page {
        path: req.path,
        implicit,
    };
    let id_param = ("id", project_ref.clone());
    match (method.as_str(), route) {
        (_, Route::Project) => Ok(Reply::json(
            200,
            project_json(state, &ctx.urls, &state.projects[pidx], access),
        )),
        ("GET", Route::Issues) => {
            let page = page(vec![
                id_param,
                ("order_by", "created_at".into()),
                ("sort", "desc".into()),
                ("state", "all".into()),
                ("with_labels_details", "false".into()),
            ]);
            issues::list(state, ctx, pidx, &params, &page)
        }
        ("POST", Route::Issues) => issues::create(state, ctx, pidx, &params),
        ("GET", Route::Issue(iid)) => issues::get(state, ctx, pidx, &iid, &params),
        ("PUT", Route::Issue(iid)) => issues::update(state, ctx, pidx, &iid, &params),
        ("DELETE", Route::Issue(iid)) => issues::delete(state, pidx, &iid),
        ("GET", Route::Notes(iid)) => {
            let page = page(vec![
                id_param,
                ("noteable_id", iid.clone()),
                ("order_by", "created_at".into()),
                ("sort", "desc".into()),
            ]);
            issues::list_notes(state, ctx, pidx, &iid, &params, &page)
        }
        ("POST", Route::Notes(iid)) => issues::create_note(state, ctx, pidx, &iid, &params),
        (m, Route::Note(iid, note)) => issues::note(state, ctx, pidx, m, &iid, &note, &params),
        ("GET", Route::Links(iid)) => links::list(state, ctx, pidx, &iid),
        ("POST", Route::Links(iid)) => links::create(state, ctx, pidx, &iid, &params),
        (m, Route::Link(iid, link)) => links::one(state, ctx, pidx, m, &iid, &link),
        ("GET", Route::Milestones) => {
            let page = page(vec![id_param, ("state", "all".into())]);
            milestones::list(state, ctx, pidx, &params, &page)
        }
        ("POST", Route::Milestones) => milestones::create(state, ctx, pidx, &params),
        (m, Route::Milestone(id)) => milestones::one(state, ctx, pidx, m, &id, &params),
        ("GET", Route::Labels) => {
            let page = page(vec![
                id_param,
                ("include_ancestor_groups", "true".into()),
                ("with_counts", "false".into()),
            ]);
            labels::list(state, pidx, &params, &page, ctx)
        }
        ("POST", Route::Labels) => labels::create(state, ctx, pidx, &params),
        (m, Route::Labels) => {
            let id = match (params.int("label_id")?.flatten(), params.text("name")) {
                (Some(_), Some(_)) => {
                    return Err(error(400, "label_id, name are mutually exclusive"));
                }
                (Some(id), None) => id.to_string(),
                (None, Some(name)) => name,
                (None, None) => {
                    return Err(error(
                        400,
                        "label_id, name are missing, exactly one parameter must be provided",
                    ));
                }
            };
            labels::one(state, pidx, m, &id, &params)
        }
        (m, Route::Label(id)) => labels::one(state, pidx, m, &id, &params),
        ("GET", Route::Releases) => {
            let page = page(vec![id_param, ("order_by", "released_at".into())]);
            releases::list(state, ctx, pidx, &params, &page)
        }
        ("POST", Route::Releases) => releases::create(state, ctx, pidx, &params),
        (m, Route::Release(tag)) => releases::one(state, ctx, pidx, m, &tag, &params),
        _ => Err(error(404, "404 Not Found")),
    }
}
