//! Looking into the emulator and changing it directly, as a person on the
//! web would: through the same handlers as HTTP requests, without the
//! network, the log, faults or rate limits.

use serde_json::{Value, json};

use crate::api::{self, Actor, ApiRequest};
use crate::{ApiResponse, Emulator, http, model};

impl Emulator {
    // ----- state inspection ---------------------------------------------

    /// Performs an API call directly on the state as `username` (with the
    /// `api` scope, as a project owner), bypassing the network, the log,
    /// faults and rate limits. Same validation and side effects as over
    /// HTTP. `path` is below `/api/v4` (e.g. `/projects/1/issues?state=all`).
    pub fn api_as(
        &self,
        username: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> ApiResponse {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let full = format!("/api/v4{path}");
        let (path, query) = full.split_once('?').unwrap_or((&full, ""));
        let mut inner = self.lock();
        let now = inner.clock.now();
        let user_id = inner.state.ensure_user(username, now);
        inner.state.token_users.insert(user_id);
        let actor = Actor {
            user_id,
            username: username.to_string(),
            scopes: vec!["api".to_string()],
        };
        let ctx = inner.ctx(self.url(), Some(&actor));
        let req = ApiRequest {
            method,
            path,
            raw_query: query,
            body: body.as_bytes(),
            content_type: Some("application/json"),
        };
        let reply = api::handle(&mut inner.state, &ctx, &req);
        ApiResponse {
            status: reply.status,
            body: reply.body.unwrap_or(Value::Null),
            headers: reply.headers,
        }
    }

    /// A GET of everything a list endpoint has (as `root`, no side effects).
    fn get_all(&self, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        for page in 1.. {
            let res = self.api_as(
                "root",
                "GET",
                &format!("{path}{sep}per_page=100&page={page}"),
                None,
            );
            match res.body {
                Value::Array(items) if res.status == 200 && !items.is_empty() => {
                    let full = items.len() == 100;
                    out.extend(items);
                    if !full {
                        break;
                    }
                }
                _ => break,
            }
        }
        out
    }

    fn project_ref(&self, path: &str) -> String {
        format!("/projects/{}", http::percent_encode(path.trim_matches('/')))
    }

    fn get_one(&self, path: &str) -> Option<Value> {
        let res = self.api_as("root", "GET", path, None);
        (res.status == 200).then_some(res.body)
    }

    /// All issues (open and closed) of a project, as the API returns them,
    /// by iid ascending.
    pub fn issues(&self, project: &str) -> Vec<Value> {
        let base = self.project_ref(project);
        let mut all = self.get_all(&format!("{base}/issues?state=all"));
        all.sort_by_key(|i| i["iid"].as_u64());
        all
    }

    pub fn issue(&self, project: &str, iid: u64) -> Option<Value> {
        self.get_one(&format!("{}/issues/{iid}", self.project_ref(project)))
    }

    /// All milestones (active and closed), by id.
    pub fn milestones(&self, project: &str) -> Vec<Value> {
        let mut all = self.get_all(&format!("{}/milestones", self.project_ref(project)));
        all.sort_by_key(|m| m["id"].as_u64());
        all
    }

    pub fn milestone(&self, project: &str, id: u64) -> Option<Value> {
        self.get_one(&format!("{}/milestones/{id}", self.project_ref(project)))
    }

    /// All labels, by name.
    pub fn labels(&self, project: &str) -> Vec<Value> {
        self.get_all(&format!("{}/labels", self.project_ref(project)))
    }

    /// Notes of an issue, oldest first.
    pub fn notes(&self, project: &str, iid: u64) -> Vec<Value> {
        self.get_all(&format!(
            "{}/issues/{iid}/notes?sort=asc",
            self.project_ref(project)
        ))
    }

    /// The issues linked to an issue (`GET …/issues/:iid/links`), oldest link first:
    /// each with `issue_link_id` and `link_type` as this issue sees the link.
    pub fn links(&self, project: &str, iid: u64) -> Vec<Value> {
        let path = format!("{}/issues/{iid}/links", self.project_ref(project));
        match self.get_one(&path) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        }
    }

    /// The iids of the issues of the same project that block an issue (its
    /// `is_blocked_by` links), ascending.
    pub fn blocked_by(&self, project: &str, iid: u64) -> Vec<u64> {
        let own = self
            .get_one(&self.project_ref(project))
            .and_then(|p| p["id"].as_u64());
        let mut out: Vec<u64> = self
            .links(project, iid)
            .iter()
            .filter(|l| l["link_type"] == "is_blocked_by" && l["project_id"].as_u64() == own)
            .filter_map(|l| l["iid"].as_u64())
            .collect();
        out.sort_unstable();
        out
    }

    // ----- direct changes (a person editing on the web) -----------------

    fn change(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let res = self.api_as("root", method, path, body);
        if !(200..300).contains(&res.status) {
            panic!(
                "gitlab-emulator: {method} {path} failed with {}: {}",
                res.status, res.body
            );
        }
        res.body
    }

    /// Creates an issue as `root` (`{"title": …, "labels": "a,b", …}` as for
    /// `POST /projects/:id/issues`). Panics if GitLab would reject it.
    pub fn create_issue(&self, project: &str, issue: Value) -> Value {
        self.change(
            "POST",
            &format!("{}/issues", self.project_ref(project)),
            Some(&issue),
        )
    }

    /// Edits an issue as `root`, like `PUT …/issues/:iid` (moves
    /// `updated_at` when something changes). Panics on rejection.
    pub fn edit_issue(&self, project: &str, iid: u64, update: Value) -> Value {
        let path = format!("{}/issues/{iid}", self.project_ref(project));
        self.change("PUT", &path, Some(&update))
    }

    /// Adds a note to an issue as `root`. Panics on rejection.
    pub fn add_note(&self, project: &str, iid: u64, body: &str) -> Value {
        let path = format!("{}/issues/{iid}/notes", self.project_ref(project));
        self.change("POST", &path, Some(&json!({ "body": body })))
    }

    /// Links issue `iid` to issue `target` of the same project as `root`, like
    /// `POST …/issues/:iid/links` (`link_type`: `relates_to`, `blocks` or
    /// `is_blocked_by`): both issues get a system note and a new `updated_at`.
    /// Panics on rejection (a link already there, a blocking type on GitLab Free).
    pub fn link_issues(&self, project: &str, iid: u64, target: u64, link_type: &str) -> Value {
        let path = format!("{}/issues/{iid}/links", self.project_ref(project));
        let body = json!({
            "target_project_id": project.trim_matches('/'),
            "target_issue_iid": target,
            "link_type": link_type,
        });
        self.change("POST", &path, Some(&body))
    }

    /// Removes the link between issues `iid` and `target` of the same project as
    /// `root` (found from `iid`'s links). Panics when there is none.
    pub fn unlink_issues(&self, project: &str, iid: u64, target: u64) {
        let Some(id) = self
            .links(project, iid)
            .iter()
            .find(|l| l["iid"].as_u64() == Some(target))
            .and_then(|l| l["issue_link_id"].as_u64())
        else {
            panic!("gitlab-emulator: unlink_issues: #{iid} is not linked to #{target}");
        };
        let path = format!("{}/issues/{iid}/links/{id}", self.project_ref(project));
        self.change("DELETE", &path, None);
    }

    /// Creates a milestone as `root`. Panics on rejection.
    pub fn create_milestone(&self, project: &str, milestone: Value) -> Value {
        let path = format!("{}/milestones", self.project_ref(project));
        self.change("POST", &path, Some(&milestone))
    }

    /// Edits a milestone (by id) as `root`. Panics on rejection.
    pub fn edit_milestone(&self, project: &str, id: u64, update: Value) -> Value {
        let path = format!("{}/milestones/{id}", self.project_ref(project));
        self.change("PUT", &path, Some(&update))
    }

    /// Deletes a milestone (its issues lose it). Panics if it does not exist.
    pub fn delete_milestone(&self, project: &str, id: u64) {
        let path = format!("{}/milestones/{id}", self.project_ref(project));
        self.change("DELETE", &path, None);
    }

    /// Creates a label (`{"name":…, "color":…, "description":…}`). Panics on rejection.
    pub fn create_label(&self, project: &str, label: Value) -> Value {
        let path = format!("{}/labels", self.project_ref(project));
        self.change("POST", &path, Some(&label))
    }

    /// Edits a label (`{"new_name":…, "color":…, "description":…}`). Panics on rejection.
    pub fn edit_label(&self, project: &str, name: &str, update: Value) -> Value {
        let path = format!(
            "{}/labels/{}",
            self.project_ref(project),
            model::encode_segment(name)
        );
        self.change("PUT", &path, Some(&update))
    }

    /// Deletes a label (and removes it from issues). Panics if it does not exist.
    pub fn delete_label(&self, project: &str, name: &str) {
        let path = format!(
            "{}/labels/{}",
            self.project_ref(project),
            model::encode_segment(name)
        );
        self.change("DELETE", &path, None);
    }
}
