//! Releases, as api.github.com serves them: `GET|POST /repos/{o}/{r}/releases`,
//! `GET /repos/{o}/{r}/releases/tags/{tag}`, `GET|PATCH|DELETE /repos/{o}/{r}/releases/{id}`.
//!
//! As on GitHub: the tag lookup finds published releases only (a draft is found by listing);
//! drafts are listed only to tokens that can push; a published release's `tag_name` is
//! unique (`422` `already_exists` on `tag_name`), drafts may share one; publishing a draft
//! sets `published_at`; `updated_at` moves only when something changes. The emulator keeps
//! no git data: `target_commitish` is kept as sent (default `main`).
//!
//! A child of `api` (declared there with `#[path]`), so it uses the API's own helpers.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{
    Ctx, PageCtx, Query, Reply, Res, actor_login, error, field_error, invalid_value, not_found,
    opt_string, paginate, parse_object, require_write, validation,
};
use crate::Emulator;
use crate::model::{Repo, State, Urls, user_json};
use crate::time::format_ts;

mod docs {
    pub const LIST: &str = "https://docs.github.com/rest/releases/releases#list-releases";
    pub const CREATE: &str = "https://docs.github.com/rest/releases/releases#create-a-release";
    pub const GET: &str = "https://docs.github.com/rest/releases/releases#get-a-release";
    pub const BY_TAG: &str =
        "https://docs.github.com/rest/releases/releases#get-a-release-by-tag-name";
    pub const UPDATE: &str = "https://docs.github.com/rest/releases/releases#update-a-release";
    pub const DELETE: &str = "https://docs.github.com/rest/releases/releases#delete-a-release";
}

/// One release.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Release {
    pub id: u64,
    pub tag_name: String,
    pub target_commitish: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    pub author: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

/// Every repository's releases (by repository id), kept beside the issues' state.
#[derive(Debug, Default)]
pub(crate) struct Releases {
    by_repo: BTreeMap<u64, Vec<Release>>,
    next_id: u64,
}

impl Releases {
    fn of(&self, repo: u64) -> &[Release] {
        self.by_repo.get(&repo).map_or(&[], Vec::as_slice)
    }

    fn find(&self, repo: u64, id: &str) -> Option<&Release> {
        let id: u64 = id.parse().ok()?;
        self.of(repo).iter().find(|r| r.id == id)
    }

    /// A published release other than `except` that holds `tag`.
    fn published_with(&self, repo: u64, tag: &str, except: Option<u64>) -> bool {
        self.of(repo)
            .iter()
            .any(|r| !r.draft && r.tag_name == tag && Some(r.id) != except)
    }
}

fn node_id(id: u64) -> String {
    format!("RE_kwDO{id:08X}")
}

pub(crate) fn release_json(state: &State, urls: &Urls, repo: &Repo, r: &Release) -> Value {
    let api = format!("{}/repos/{}/{}", urls.api, repo.owner, repo.name);
    let web = format!("{}/{}/{}", urls.web, repo.owner, repo.name);
    let url = format!("{api}/releases/{}", r.id);
    let tag = crate::http::percent_encode(&r.tag_name);
    json!({
        "url": url,
        "assets_url": format!("{url}/assets"),
        "upload_url": format!(
            "https://uploads.github.com/repos/{}/{}/releases/{}/assets{{?name,label}}",
            repo.owner, repo.name, r.id
        ),
        "html_url": format!("{web}/releases/tag/{tag}"),
        "id": r.id,
        "author": user_json(state, urls, &r.author),
        "node_id": node_id(r.id),
        "tag_name": r.tag_name,
        "target_commitish": r.target_commitish,
        "name": r.name,
        "draft": r.draft,
        "immutable": false,
        "prerelease": r.prerelease,
        "created_at": format_ts(r.created_at),
        "updated_at": format_ts(r.updated_at),
        "published_at": r.published_at.map(format_ts),
        "assets": [],
        "tarball_url": (!r.draft).then(|| format!("{api}/tarball/{tag}")),
        "zipball_url": (!r.draft).then(|| format!("{api}/zipball/{tag}")),
        "body": r.body,
    })
}

fn bool_field(map: &Map<String, Value>, key: &str, doc: &str) -> Result<Option<bool>, Reply> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(validation(
            doc,
            vec![invalid_value("Release", key, other.clone())],
        )),
    }
}

fn tag_field(map: &Map<String, Value>, doc: &str) -> Result<Option<String>, Reply> {
    match map.get("tag_name") {
        None => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(Value::String(_)) | Some(Value::Null) => Err(validation(
            doc,
            vec![field_error("Release", "missing_field", "tag_name")],
        )),
        Some(other) => Err(validation(
            doc,
            vec![invalid_value("Release", "tag_name", other.clone())],
        )),
    }
}

fn already_exists(doc: &str) -> Reply {
    validation(
        doc,
        vec![field_error("Release", "already_exists", "tag_name")],
    )
}

/// Whether the caller sees drafts (push access).
fn sees_drafts(ctx: &Ctx<'_>) -> bool {
    ctx.actor.is_some_and(super::Actor::can_write)
}

/// Routes `…/releases/…` of the repository at `repo_idx`; `rest` follows `releases`.
#[allow(clippy::too_many_arguments)]
pub(super) fn route(
    state: &State,
    releases: &mut Releases,
    ctx: &Ctx<'_>,
    repo_idx: usize,
    method: &str,
    rest: &[&str],
    body: &[u8],
    q: &Query,
    page: &PageCtx<'_>,
) -> Res {
    let repo = &state.repos[repo_idx];
    let render = |r: &Release| release_json(state, &ctx.urls, repo, r);
    match (method, rest) {
        ("GET", []) => {
            let mut list: Vec<&Release> = releases
                .of(repo.id)
                .iter()
                .filter(|r| !r.draft || sees_drafts(ctx))
                .collect();
            list.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
            Ok(paginate(ctx, repo, q, page, list, |r| render(r)))
        }
        ("POST", []) => {
            require_write(ctx, docs::CREATE)?;
            let doc = docs::CREATE;
            let map = parse_object(body, doc)?;
            let tag = tag_field(&map, doc)?.ok_or_else(|| {
                validation(
                    doc,
                    vec![field_error("Release", "missing_field", "tag_name")],
                )
            })?;
            let name = opt_string(&map, "name", "Release", doc)?.flatten();
            let text = opt_string(&map, "body", "Release", doc)?.flatten();
            let target = opt_string(&map, "target_commitish", "Release", doc)?
                .flatten()
                .unwrap_or_else(|| "main".to_string());
            let draft = bool_field(&map, "draft", doc)?.unwrap_or(false);
            let prerelease = bool_field(&map, "prerelease", doc)?.unwrap_or(false);
            if !draft && releases.published_with(repo.id, &tag, None) {
                return Err(already_exists(doc));
            }
            releases.next_id += 1;
            let release = Release {
                id: 6_000_000 + releases.next_id,
                tag_name: tag,
                target_commitish: target,
                name,
                body: text,
                draft,
                prerelease,
                author: actor_login(ctx),
                created_at: ctx.now,
                updated_at: ctx.now,
                published_at: (!draft).then_some(ctx.now),
            };
            let json = render(&release);
            releases.by_repo.entry(repo.id).or_default().push(release);
            let location = json["url"].as_str().unwrap_or_default().to_string();
            Ok(Reply::json(201, json).with_header("Location", location))
        }
        ("GET", ["tags", tag]) => releases
            .of(repo.id)
            .iter()
            .find(|r| !r.draft && r.tag_name == *tag)
            .map(|r| Reply::json(200, render(r)))
            .ok_or_else(|| not_found(docs::BY_TAG)),
        ("GET", [id]) => releases
            .find(repo.id, id)
            .filter(|r| !r.draft || sees_drafts(ctx))
            .map(|r| Reply::json(200, render(r)))
            .ok_or_else(|| not_found(docs::GET)),
        ("PATCH", [id]) => {
            let doc = docs::UPDATE;
            let Some(found) = releases.find(repo.id, id).cloned() else {
                return Err(not_found(doc));
            };
            require_write(ctx, doc)?;
            let map = parse_object(body, doc)?;
            let mut r = found.clone();
            if let Some(tag) = tag_field(&map, doc)? {
                r.tag_name = tag;
            }
            if let Some(name) = opt_string(&map, "name", "Release", doc)? {
                r.name = name;
            }
            if let Some(text) = opt_string(&map, "body", "Release", doc)? {
                r.body = text;
            }
            if let Some(t) = opt_string(&map, "target_commitish", "Release", doc)?.flatten() {
                r.target_commitish = t;
            }
            if let Some(d) = bool_field(&map, "draft", doc)? {
                r.draft = d;
            }
            if let Some(p) = bool_field(&map, "prerelease", doc)? {
                r.prerelease = p;
            }
            if !r.draft && releases.published_with(repo.id, &r.tag_name, Some(r.id)) {
                return Err(already_exists(doc));
            }
            if !r.draft && r.published_at.is_none() {
                r.published_at = Some(ctx.now);
            }
            if r.draft {
                r.published_at = None;
            }
            if r != found {
                r.updated_at = ctx.now;
            }
            let json = render(&r);
            if let Some(slot) = releases
                .by_repo
                .get_mut(&repo.id)
                .and_then(|list| list.iter_mut().find(|x| x.id == r.id))
            {
                *slot = r;
            }
            Ok(Reply::json(200, json))
        }
        ("DELETE", [id]) => {
            let doc = docs::DELETE;
            let Some(found) = releases.find(repo.id, id).map(|r| r.id) else {
                return Err(not_found(doc));
            };
            require_write(ctx, doc)?;
            if let Some(list) = releases.by_repo.get_mut(&repo.id) {
                list.retain(|r| r.id != found);
            }
            Ok(Reply {
                status: 204,
                body: None,
                headers: Vec::new(),
            })
        }
        ("GET", _) => Err(not_found(docs::LIST)),
        _ => Err(error(404, "Not Found", super::GENERIC_DOCS)),
    }
}

impl Emulator {
    /// Every release of a repository (drafts included), oldest first, as the API shows them.
    pub fn releases(&self, owner: &str, repo: &str) -> Vec<Value> {
        let inner = self.lock();
        let urls = Urls {
            api: self.url(),
            web: inner.options.web_url.clone(),
        };
        let Some(i) = inner.state.repo_index(owner, repo) else {
            return Vec::new();
        };
        let r = &inner.state.repos[i];
        inner
            .releases
            .of(r.id)
            .iter()
            .map(|x| release_json(&inner.state, &urls, r, x))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::Emulator;
    use serde_json::json;

    #[test]
    fn releases_are_created_found_by_tag_and_updated() {
        let emu = Emulator::start();
        emu.add_repo("acme", "web");
        let created = emu.api_as(
            "acme",
            "POST",
            "/repos/acme/web/releases",
            Some(&json!({"tag_name": "v1", "name": "One", "body": "notes", "draft": false})),
        );
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["tag_name"], "v1");
        assert_eq!(created.body["draft"], false);
        assert!(created.body["published_at"].is_string());
        assert_eq!(created.body["author"]["login"], "acme");
        let id = created.body["id"].as_u64().expect("id");

        let dup = emu.api_as(
            "acme",
            "POST",
            "/repos/acme/web/releases",
            Some(&json!({"tag_name": "v1"})),
        );
        assert_eq!(dup.status, 422);
        assert_eq!(dup.body["errors"][0]["code"], "already_exists");
        assert_eq!(dup.body["errors"][0]["field"], "tag_name");

        let missing = emu.api_as("acme", "GET", "/repos/acme/web/releases/tags/v2", None);
        assert_eq!(missing.status, 404);
        assert_eq!(missing.body["message"], "Not Found");
        assert!(missing.body["documentation_url"].is_string());

        let found = emu.api_as("acme", "GET", "/repos/acme/web/releases/tags/v1", None);
        assert_eq!(found.status, 200);
        assert_eq!(found.body["id"], id);

        let before = found.body["updated_at"].clone();
        emu.advance_time(std::time::Duration::from_secs(60));
        let same = emu.api_as(
            "acme",
            "PATCH",
            &format!("/repos/acme/web/releases/{id}"),
            Some(&json!({"name": "One"})),
        );
        assert_eq!(same.body["updated_at"], before, "nothing changed");
        let edited = emu.api_as(
            "acme",
            "PATCH",
            &format!("/repos/acme/web/releases/{id}"),
            Some(&json!({"body": "more notes"})),
        );
        assert_eq!(edited.status, 200);
        assert_eq!(edited.body["body"], "more notes");
        assert_ne!(edited.body["updated_at"], before);
        assert_eq!(emu.releases("acme", "web").len(), 1);
    }

    #[test]
    fn drafts_share_tags_and_are_not_found_by_tag() {
        let emu = Emulator::start();
        emu.add_repo("acme", "web");
        for _ in 0..2 {
            let d = emu.api_as(
                "acme",
                "POST",
                "/repos/acme/web/releases",
                Some(&json!({"tag_name": "v2", "draft": true})),
            );
            assert_eq!(d.status, 201);
            assert!(d.body["published_at"].is_null());
            assert!(d.body["tarball_url"].is_null());
        }
        let by_tag = emu.api_as("acme", "GET", "/repos/acme/web/releases/tags/v2", None);
        assert_eq!(by_tag.status, 404);
        let list = emu.api_as("acme", "GET", "/repos/acme/web/releases", None);
        assert_eq!(list.body.as_array().map(Vec::len), Some(2));
        let id = list.body[1]["id"].as_u64().expect("id");
        let published = emu.api_as(
            "acme",
            "PATCH",
            &format!("/repos/acme/web/releases/{id}"),
            Some(&json!({"draft": false})),
        );
        assert_eq!(published.status, 200);
        assert!(published.body["published_at"].is_string());
        let other = list.body[0]["id"].as_u64().expect("id");
        let clash = emu.api_as(
            "acme",
            "PATCH",
            &format!("/repos/acme/web/releases/{other}"),
            Some(&json!({"draft": false})),
        );
        assert_eq!(clash.status, 422);
    }
}
