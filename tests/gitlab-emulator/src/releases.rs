//! Project releases: `GET|POST /projects/:id/releases`,
//! `GET|PUT|DELETE /projects/:id/releases/:tag_name` (`Entities::Release`).
//!
//! As on GitLab: a release is found by its tag (`404 {"message":"404 Not Found"}` when
//! there is none); creating one for a tag that has a release is `409 {"message":"Release
//! already exists"}`; a tag that does not exist needs `ref` to be made from (`422
//! {"message":"Ref is not specified"}`). The emulator keeps no git data: the tags are those
//! its releases made (or [`Emulator::add_tag`]). Releases are never drafts; one whose
//! `released_at` is in the future is an upcoming release.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::Emulator;
use crate::api::{Ctx, Page, Params, Reply, Res, error, message, paginate};
use crate::model::{Project, State, Urls, encode_segment, user_json};
use crate::time::format_ts;

/// One release.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Release {
    pub tag_name: String,
    pub name: String,
    pub description: Option<String>,
    pub author: u64,
    pub created_at: i64,
    pub released_at: i64,
}

/// A project's releases and the tags they stand on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    pub releases: Vec<Release>,
    pub tags: BTreeSet<String>,
}

fn release_not_found() -> Reply {
    message(404, "404 Not Found")
}

pub(crate) fn release_json(
    state: &State,
    urls: &Urls,
    p: &Project,
    r: &Release,
    now: i64,
) -> Value {
    let web = format!("{}/{}", urls.base, p.path);
    let tag = encode_segment(&r.tag_name);
    let author = state
        .user(r.author)
        .map_or(Value::Null, |u| user_json(urls, u));
    json!({
        "name": r.name,
        "tag_name": r.tag_name,
        "description": r.description,
        "created_at": format_ts(r.created_at),
        "released_at": format_ts(r.released_at),
        "upcoming_release": r.released_at > now,
        "author": author,
        "commit_path": format!("/{}/-/commit/{tag}", p.path),
        "tag_path": format!("/{}/-/tags/{tag}", p.path),
        "assets": {
            "count": 2,
            "sources": [
                {"format": "zip", "url": format!("{web}/-/archive/{tag}/{}-{tag}.zip", p.name())},
                {"format": "tar.gz", "url": format!("{web}/-/archive/{tag}/{}-{tag}.tar.gz", p.name())},
            ],
            "links": [],
        },
        "evidences": [],
        "_links": {
            "self": format!("{web}/-/releases/{tag}"),
            "edit_url": format!("{web}/-/releases/{tag}/edit"),
        },
    })
}

/// `GET /projects/:id/releases`: newest `released_at` first.
pub(crate) fn list(
    state: &State,
    ctx: &Ctx<'_>,
    pidx: usize,
    params: &Params,
    page: &Page<'_>,
) -> Res {
    let project = &state.projects[pidx];
    let mut items: Vec<&Release> = project.releases.releases.iter().collect();
    items.sort_by_key(|r| std::cmp::Reverse((r.released_at, r.created_at)));
    let values = items
        .iter()
        .map(|r| release_json(state, &ctx.urls, project, r, ctx.now))
        .collect();
    paginate(ctx, params, page, values)
}

/// `POST /projects/:id/releases`.
pub(crate) fn create(state: &mut State, ctx: &Ctx<'_>, pidx: usize, params: &Params) -> Res {
    params.require(&["tag_name"])?;
    let tag = params.text("tag_name").unwrap_or_default();
    if tag.trim().is_empty() {
        return Err(error(400, "tag_name is empty"));
    }
    let released_at = params.time("released_at")?.unwrap_or(ctx.now);
    let store = &mut state.projects[pidx].releases;
    if store.releases.iter().any(|r| r.tag_name == tag) {
        return Err(message(409, "Release already exists"));
    }
    if !store.tags.contains(&tag) {
        if params.text("ref").is_none_or(|r| r.trim().is_empty()) {
            return Err(message(422, "Ref is not specified"));
        }
        store.tags.insert(tag.clone());
    }
    let release = Release {
        name: params.text("name").unwrap_or_else(|| tag.clone()),
        tag_name: tag,
        description: params.string("description").flatten(),
        author: ctx.user_id(),
        created_at: ctx.now,
        released_at,
    };
    store.releases.push(release.clone());
    let project = &state.projects[pidx];
    Ok(Reply::json(
        201,
        release_json(state, &ctx.urls, project, &release, ctx.now),
    ))
}

/// `GET|PUT|DELETE /projects/:id/releases/:tag_name`.
pub(crate) fn one(
    state: &mut State,
    ctx: &Ctx<'_>,
    pidx: usize,
    method: &str,
    tag: &str,
    params: &Params,
) -> Res {
    let Some(pos) = state.projects[pidx]
        .releases
        .releases
        .iter()
        .position(|r| r.tag_name == tag)
    else {
        return Err(release_not_found());
    };
    match method {
        "GET" => {}
        "PUT" => {
            params.at_least_one_of(&["name", "description", "released_at", "milestones"])?;
            let released_at = params.time("released_at")?;
            let r = &mut state.projects[pidx].releases.releases[pos];
            if let Some(name) = params.text("name") {
                r.name = name;
            }
            if let Some(description) = params.string("description") {
                r.description = description;
            }
            if let Some(at) = released_at {
                r.released_at = at;
            }
        }
        "DELETE" => {
            let project = &state.projects[pidx];
            let r = project.releases.releases[pos].clone();
            let json = release_json(state, &ctx.urls, project, &r, ctx.now);
            state.projects[pidx].releases.releases.remove(pos);
            return Ok(Reply::json(200, json));
        }
        _ => return Err(error(405, "405 Not Allowed")),
    }
    let project = &state.projects[pidx];
    let r = &project.releases.releases[pos];
    Ok(Reply::json(
        200,
        release_json(state, &ctx.urls, project, r, ctx.now),
    ))
}

impl Emulator {
    /// Every release of a project (its path), oldest first, as the API shows them.
    pub fn releases(&self, project: &str) -> Vec<Value> {
        let inner = self.lock();
        let urls = Urls { base: self.url() };
        let now = inner.clock.now();
        let Some(i) = inner.state.project_index(project) else {
            return Vec::new();
        };
        let p = &inner.state.projects[i];
        p.releases
            .releases
            .iter()
            .map(|r| release_json(&inner.state, &urls, p, r, now))
            .collect()
    }

    /// Makes `tag` exist in the project's repository, so that a release needs no `ref`.
    ///
    /// # Panics
    /// If the project does not exist.
    pub fn add_tag(&self, project: &str, tag: &str) {
        let mut inner = self.lock();
        let Some(i) = inner.state.project_index(project) else {
            panic!("gitlab-emulator: add_tag: no project {project:?}");
        };
        inner.state.projects[i]
            .releases
            .tags
            .insert(tag.to_string());
    }
}

#[cfg(test)]
mod tests {
    use crate::Emulator;
    use serde_json::json;

    #[test]
    fn releases_are_found_by_tag_created_once_and_updated() {
        let emu = Emulator::start();
        let id = emu.add_project("group/proj");
        let base = format!("/projects/{id}/releases");
        let missing = emu.api_as("root", "GET", &format!("{base}/v1"), None);
        assert_eq!(missing.status, 404);
        assert_eq!(missing.body, json!({"message": "404 Not Found"}));

        let no_ref = emu.api_as(
            "root",
            "POST",
            &base,
            Some(&json!({"tag_name": "v1", "name": "One"})),
        );
        assert_eq!(no_ref.status, 422);
        assert_eq!(no_ref.body, json!({"message": "Ref is not specified"}));

        let created = emu.api_as(
            "root",
            "POST",
            &base,
            Some(&json!({"tag_name": "v1", "name": "One", "description": "notes", "ref": "main"})),
        );
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["tag_name"], "v1");
        assert_eq!(created.body["description"], "notes");
        assert_eq!(created.body["author"]["username"], "root");
        assert!(
            created.body["_links"]["self"]
                .as_str()
                .is_some_and(|u| u.ends_with("/group/proj/-/releases/v1"))
        );

        let again = emu.api_as(
            "root",
            "POST",
            &base,
            Some(&json!({"tag_name": "v1", "ref": "main"})),
        );
        assert_eq!(again.status, 409);
        assert_eq!(again.body, json!({"message": "Release already exists"}));

        let nothing = emu.api_as("root", "PUT", &format!("{base}/v1"), Some(&json!({})));
        assert_eq!(nothing.status, 400);
        let edited = emu.api_as(
            "root",
            "PUT",
            &format!("{base}/v1"),
            Some(&json!({"description": "more"})),
        );
        assert_eq!(edited.status, 200);
        assert_eq!(edited.body["description"], "more");
        assert_eq!(emu.releases("group/proj").len(), 1);

        emu.add_tag("group/proj", "v2");
        let tagged = emu.api_as("root", "POST", &base, Some(&json!({"tag_name": "v2"})));
        assert_eq!(tagged.status, 201);
        assert_eq!(tagged.body["name"], "v2");
    }
}
