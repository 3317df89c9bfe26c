//! The test-facing side of Projects (v2): setting a project up, and changing its items as
//! a person on the web would. A child of `api::projects`.

use serde_json::Value;

use super::data::{Field, FieldKind, ProjectOwner, item_json};
use super::{insert_item, set_values};
use crate::model::Urls;
use crate::{Emulator, Inner};

/// The project and the issue's database id, for the test-facing calls below.
fn locate(
    inner: &Inner,
    owner: &str,
    number: u64,
    repo_owner: &str,
    repo: &str,
    issue: u64,
) -> Option<(usize, u64)> {
    let pi = inner.projects.find(owner, number)?;
    let ri = inner.state.repo_index(repo_owner, repo)?;
    let id = inner.state.repos[ri].issues.get(&issue)?.id;
    Some((pi, id))
}

impl Emulator {
    /// Creates project `number` of `owner` (registered as an organization or a user as
    /// `owner_kind` says, switching its kind if it was registered otherwise) with GitHub's
    /// built-in fields (`Title`, `Assignees`, `Labels`, `Milestone`, `Repository`, …) and a
    /// single-select `Status` field with these options, in order. Returns the `Status`
    /// field's id. Reading it needs a token with `read:project` or `project`, changing
    /// its items `project`. Panics if the project exists.
    pub fn add_project(
        &self,
        owner: &str,
        owner_kind: ProjectOwner,
        number: u64,
        title: &str,
        status_options: &[&str],
    ) -> u64 {
        let mut inner = self.lock();
        let now = inner.clock.now();
        let org = owner_kind == ProjectOwner::Organization;
        inner.state.ensure_user(owner, org, now);
        let mut login = owner.to_string();
        if let Some(u) = inner
            .state
            .users
            .iter_mut()
            .find(|u| u.login.eq_ignore_ascii_case(owner))
        {
            u.organization = org;
            login = u.login.clone();
        }
        if inner.projects.find(&login, number).is_some() {
            panic!("github-emulator: {login} already has project {number}");
        }
        inner
            .projects
            .create(&login, owner_kind, number, title, status_options, now)
    }

    /// Every item of the project, in project order, as `GET …/items/{id}` shows it with
    /// all fields' values. Empty if there is no such project.
    pub fn project_items(&self, owner: &str, number: u64) -> Vec<Value> {
        let inner = self.lock();
        let urls = Urls {
            api: self.url(),
            web: inner.options.web_url.clone(),
        };
        let Some(pi) = inner.projects.find(owner, number) else {
            return Vec::new();
        };
        let p = &inner.projects.list[pi];
        let all: Vec<&Field> = p.fields.iter().collect();
        p.items
            .iter()
            .map(|i| item_json(&inner.state, &urls, p, i, Some(&all)))
            .collect()
    }

    /// `None`: the issue is not on the project (or there is no such project or issue);
    /// `Some(None)`: it is, with no `Status`; `Some(Some(name))`: its `Status` option.
    pub fn project_status_of(
        &self,
        owner: &str,
        number: u64,
        repo_owner: &str,
        repo: &str,
        issue_number: u64,
    ) -> Option<Option<String>> {
        let inner = self.lock();
        let (pi, issue) = locate(&inner, owner, number, repo_owner, repo, issue_number)?;
        let p = &inner.projects.list[pi];
        let item = p.item_for_issue(issue)?;
        let status = p.status_field().and_then(|f| {
            item.values
                .get(&f.id)
                .and_then(|o| f.option(o))
                .map(|o| o.name.clone())
        });
        Some(status)
    }

    /// Sets (or, `None`, clears) the issue's `Status` on the project by option name, as a
    /// person moving the card on the web would; the item's `updated_at` moves if it
    /// changed. Panics if the issue is not on the project or no option has that name.
    pub fn set_project_status(
        &self,
        owner: &str,
        number: u64,
        repo_owner: &str,
        repo: &str,
        issue_number: u64,
        status: Option<&str>,
    ) {
        let mut inner = self.lock();
        let now = inner.clock.now();
        let what = format!("{repo_owner}/{repo}#{issue_number} on project {owner}/{number}");
        let Some((pi, issue)) = locate(&inner, owner, number, repo_owner, repo, issue_number)
        else {
            panic!("github-emulator: no {what}");
        };
        let p = &mut inner.projects.list[pi];
        let Some(ii) = p.items.iter().position(|i| i.issue == issue) else {
            panic!("github-emulator: {what}: the issue is not on the project");
        };
        let Some(field) = p.status_field() else {
            panic!("github-emulator: {what}: the project has no Status field");
        };
        let option = status.map(|name| match &field.kind {
            FieldKind::SingleSelect(options) => options
                .iter()
                .find(|o| o.name == name)
                .map(|o| o.id.clone())
                .unwrap_or_else(|| panic!("github-emulator: {what}: no Status option {name:?}")),
            _ => String::new(),
        });
        let change = [(field.id, option)];
        if set_values(p, ii, &change, now) {
            p.updated_at = now;
        }
    }

    /// Adds the issue to the project, as a person would on the web (nothing happens if it
    /// is there already); returns the item's id. Panics if there is no such project or issue.
    pub fn add_to_project(
        &self,
        owner: &str,
        number: u64,
        repo_owner: &str,
        repo: &str,
        issue_number: u64,
    ) -> u64 {
        let mut inner = self.lock();
        let now = inner.clock.now();
        let Some((pi, issue)) = locate(&inner, owner, number, repo_owner, repo, issue_number)
        else {
            panic!(
                "github-emulator: no project {owner}/{number} or issue {repo_owner}/{repo}#{issue_number}"
            );
        };
        if let Some(item) = inner.projects.list[pi].item_for_issue(issue) {
            return item.id;
        }
        let creator = inner.projects.list[pi].creator.clone();
        let ii = insert_item(&mut inner.projects, pi, issue, &creator, now);
        inner.projects.list[pi].items[ii].id
    }

    /// Removes the issue's item from the project. Panics if the issue is not on it.
    pub fn remove_from_project(
        &self,
        owner: &str,
        number: u64,
        repo_owner: &str,
        repo: &str,
        issue_number: u64,
    ) {
        let mut inner = self.lock();
        let now = inner.clock.now();
        let what = format!("{repo_owner}/{repo}#{issue_number} on project {owner}/{number}");
        let Some((pi, issue)) = locate(&inner, owner, number, repo_owner, repo, issue_number)
        else {
            panic!("github-emulator: no {what}");
        };
        let p = &mut inner.projects.list[pi];
        let before = p.items.len();
        p.items.retain(|i| i.issue != issue);
        if p.items.len() == before {
            panic!("github-emulator: {what}: the issue is not on the project");
        }
        p.updated_at = now;
    }
}
