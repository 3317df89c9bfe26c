//! The typed GitHub endpoints a sync needs, as methods of the client.

use super::client::{Client, PER_PAGE};
use super::decode::split_scopes;
use super::engine::{Failure, Method, Req};
use super::error::Error;
use super::types::{
    Comment, Created, Issue, IssuePatch, Label, LabelPatch, ListIssues, Milestone, MilestonePatch,
    NewIssue, NewMilestone, NewRelease, Release, ReleasePatch, RepoRef, StateFilter, User,
};
use super::urls::{encode_component as enc, with_query};
use serde::{Deserialize, Serialize};

/// What the token may do in a repository (`GET /repos/{o}/{r}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Repository {
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default = "yes")]
    pub has_issues: bool,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub permissions: Option<Permissions>,
}

fn yes() -> bool {
    true
}

/// The token's permissions on a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Permissions {
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub push: bool,
    #[serde(default)]
    pub pull: bool,
    #[serde(default)]
    pub triage: bool,
}

fn repo_path(repo: &RepoRef) -> String {
    format!("/repos/{}/{}", enc(&repo.owner), enc(&repo.name))
}

fn per_page() -> (&'static str, String) {
    ("per_page", PER_PAGE.to_string())
}

/// Whether `body` carries `marker` as a whole token: `IntelliManage-ID: TASK-1`
/// matches `…TASK-1\n` or `…TASK-1 -->` but not `…TASK-10`.
pub fn body_has_marker(body: &str, marker: &str) -> bool {
    if marker.is_empty() {
        return false;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    body.match_indices(marker).any(|(i, _)| {
        let before_ok = body[..i].chars().next_back().is_none_or(|c| !is_word(c));
        let after_ok = body[i + marker.len()..]
            .chars()
            .next()
            .is_none_or(|c| !is_word(c));
        before_ok && after_ok
    })
}

impl Client {
    // ------------------------------------------------------------------ user, repo

    /// `GET /user`: the token's account, and its OAuth scopes (`X-OAuth-Scopes`;
    /// empty for fine-grained tokens, which have none).
    pub fn get_user(&self) -> Result<(User, Vec<String>), Error> {
        let req = Req {
            method: Method::Get,
            url: self.url("/user"),
            body: None,
            idempotent: true,
            use_cache: false,
        };
        let resp = self.run(&req).map_err(Failure::into_error)?;
        let user: User = self.decode(&req, &resp.body)?;
        let scopes = resp
            .headers
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .map(split_scopes)
            .unwrap_or_default();
        debug_assert!(resp.status != 304);
        Ok((user, scopes))
    }

    /// `GET /repos/{o}/{r}`.
    pub fn get_repo(&self, repo: &RepoRef) -> Result<Repository, Error> {
        self.get_json(&repo_path(repo), false)
    }

    // ------------------------------------------------------------------ issues

    /// `GET /repos/{o}/{r}/issues`, every page, pull requests left out. Each page goes
    /// through the ETag cache.
    pub fn list_issues(&self, repo: &RepoRef, filter: &ListIssues) -> Result<Vec<Issue>, Error> {
        let mut params = vec![("state", filter.state.as_str().to_owned())];
        if !filter.labels.is_empty() {
            params.push(("labels", filter.labels.join(",")));
        }
        if let Some(m) = &filter.milestone {
            params.push(("milestone", m.clone()));
        }
        if let Some(s) = &filter.sort {
            params.push(("sort", s.clone()));
        }
        if let Some(d) = &filter.direction {
            params.push(("direction", d.clone()));
        }
        if let Some(since) = &filter.since {
            params.push(("since", since.clone()));
        }
        params.push(per_page());
        let path = with_query(&format!("{}/issues", repo_path(repo)), &params);
        let issues: Vec<Issue> = self.get_all(&path, true)?;
        Ok(issues
            .into_iter()
            .filter(|i| !i.is_pull_request())
            .collect())
    }

    /// `GET /repos/{o}/{r}/issues/{n}` (through the ETag cache).
    pub fn get_issue(&self, repo: &RepoRef, number: u64) -> Result<Issue, Error> {
        self.get_json(&format!("{}/issues/{number}", repo_path(repo)), true)
    }

    /// `POST /repos/{o}/{r}/issues`, guarded against duplicates: when an attempt's
    /// outcome is unknown, `lookup` is asked whether the issue exists (typically
    /// `|c| c.find_issue_with_marker(repo, "IntelliManage-ID: TASK-1", Some(&since))`);
    /// what it finds is adopted, otherwise the POST is sent again.
    pub fn create_issue(
        &self,
        repo: &RepoRef,
        issue: &NewIssue,
        lookup: impl FnMut(&Client) -> Result<Option<Issue>, Error>,
    ) -> Result<Created<Issue>, Error> {
        self.create_guarded(&format!("{}/issues", repo_path(repo)), issue, lookup)
    }

    /// The issue (not a pull request) whose body carries `marker` as a whole token
    /// (see [`body_has_marker`]), among the issues updated since `since` (ISO 8601;
    /// `None` = all issues). Bypasses the ETag cache. The newest match wins.
    pub fn find_issue_with_marker(
        &self,
        repo: &RepoRef,
        marker: &str,
        since: Option<&str>,
    ) -> Result<Option<Issue>, Error> {
        Ok(self
            .issues_with_marker(repo, marker, since)?
            .into_iter()
            .max_by_key(|i| i.number))
    }

    /// Every issue (not pull request) whose body carries `marker`, among those updated
    /// since `since`, oldest (lowest number) first. Bypasses the ETag cache.
    pub fn issues_with_marker(
        &self,
        repo: &RepoRef,
        marker: &str,
        since: Option<&str>,
    ) -> Result<Vec<Issue>, Error> {
        let mut params = vec![("state", "all".to_owned())];
        if let Some(since) = since {
            params.push(("since", since.to_owned()));
        }
        params.push(per_page());
        let path = with_query(&format!("{}/issues", repo_path(repo)), &params);
        let issues: Vec<Issue> = self.get_all(&path, false)?;
        let mut found: Vec<Issue> = issues
            .into_iter()
            .filter(|i| !i.is_pull_request())
            .filter(|i| {
                i.body
                    .as_deref()
                    .is_some_and(|b| body_has_marker(b, marker))
            })
            .collect();
        found.sort_by_key(|i| i.number);
        Ok(found)
    }

    /// `PATCH /repos/{o}/{r}/issues/{n}`; only the fields set in `patch` are sent.
    pub fn update_issue(
        &self,
        repo: &RepoRef,
        number: u64,
        patch: &IssuePatch,
    ) -> Result<Issue, Error> {
        self.send_json(
            Method::Patch,
            &format!("{}/issues/{number}", repo_path(repo)),
            Some(patch),
        )
    }

    /// `POST /repos/{o}/{r}/issues/{n}/labels`: adds labels (idempotent, so it is
    /// retried like a PATCH). Returns the issue's labels afterwards.
    pub fn add_labels<S: AsRef<str>>(
        &self,
        repo: &RepoRef,
        number: u64,
        labels: &[S],
    ) -> Result<Vec<Label>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            labels: Vec<&'a str>,
        }
        let body = Body {
            labels: labels.iter().map(AsRef::as_ref).collect(),
        };
        self.send_json(
            Method::Post,
            &format!("{}/issues/{number}/labels", repo_path(repo)),
            Some(&body),
        )
    }

    /// `PUT /repos/{o}/{r}/issues/{n}/labels`: replaces all of the issue's labels in
    /// one request (swapping a status label this way never leaves two). Returns the
    /// labels afterwards.
    pub fn set_labels<S: AsRef<str>>(
        &self,
        repo: &RepoRef,
        number: u64,
        labels: &[S],
    ) -> Result<Vec<Label>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            labels: Vec<&'a str>,
        }
        let body = Body {
            labels: labels.iter().map(AsRef::as_ref).collect(),
        };
        self.send_json(
            Method::Put,
            &format!("{}/issues/{number}/labels", repo_path(repo)),
            Some(&body),
        )
    }

    /// `DELETE /repos/{o}/{r}/issues/{n}/labels/{name}`; a 404 (label not on the
    /// issue) counts as done.
    pub fn remove_label(&self, repo: &RepoRef, number: u64, name: &str) -> Result<(), Error> {
        self.send_no_content(
            Method::Delete,
            &format!("{}/issues/{number}/labels/{}", repo_path(repo), enc(name)),
            true,
            true,
        )
    }

    // ------------------------------------------------------------------ dependencies

    /// `GET /repos/{o}/{r}/issues/{n}/dependencies/blocked_by`, every page: the issues
    /// (of any repository) that block issue `number`.
    pub fn list_blocked_by(&self, repo: &RepoRef, number: u64) -> Result<Vec<Issue>, Error> {
        let path = with_query(
            &format!(
                "{}/issues/{number}/dependencies/blocked_by",
                repo_path(repo)
            ),
            &[per_page()],
        );
        self.get_all(&path, false)
    }

    /// `POST /repos/{o}/{r}/issues/{n}/dependencies/blocked_by` with `{"issue_id": id}`:
    /// issue `number` is blocked by the issue whose database id is `issue_id`. Guarded:
    /// after an attempt of unknown outcome the dependency is looked for before sending
    /// again. Returns the blocking issue.
    pub fn add_blocked_by(
        &self,
        repo: &RepoRef,
        number: u64,
        issue_id: u64,
    ) -> Result<Created<Issue>, Error> {
        #[derive(Serialize)]
        struct Body {
            issue_id: u64,
        }
        self.create_guarded(
            &format!(
                "{}/issues/{number}/dependencies/blocked_by",
                repo_path(repo)
            ),
            &Body { issue_id },
            |c| {
                Ok(c.list_blocked_by(repo, number)?
                    .into_iter()
                    .find(|i| i.id == Some(issue_id)))
            },
        )
    }

    /// `DELETE /repos/{o}/{r}/issues/{n}/dependencies/blocked_by/{issue_id}`; a 404 (the
    /// dependency is not there, removed meanwhile) counts as done.
    pub fn remove_blocked_by(
        &self,
        repo: &RepoRef,
        number: u64,
        issue_id: u64,
    ) -> Result<(), Error> {
        self.send_no_content(
            Method::Delete,
            &format!(
                "{}/issues/{number}/dependencies/blocked_by/{issue_id}",
                repo_path(repo)
            ),
            true,
            true,
        )
    }

    // ------------------------------------------------------------------ sub-issues

    /// `POST /repos/{o}/{r}/issues/{parent}/sub_issues` with `{"sub_issue_id": id,
    /// "replace_parent": true}`: the issue whose database id is `sub_issue_id` becomes a
    /// sub-issue of `parent`, leaving any other parent.
    pub fn add_sub_issue(
        &self,
        repo: &RepoRef,
        parent: u64,
        sub_issue_id: u64,
    ) -> Result<(), Error> {
        #[derive(Serialize)]
        struct Body {
            sub_issue_id: u64,
            replace_parent: bool,
        }
        let _: serde_json::Value = self.send_json(
            Method::Post,
            &format!("{}/issues/{parent}/sub_issues", repo_path(repo)),
            Some(&Body {
                sub_issue_id,
                replace_parent: true,
            }),
        )?;
        Ok(())
    }

    // ------------------------------------------------------------------ comments

    /// `GET /repos/{o}/{r}/issues/{n}/comments`, every page (through the ETag cache).
    pub fn list_comments(&self, repo: &RepoRef, number: u64) -> Result<Vec<Comment>, Error> {
        let path = with_query(
            &format!("{}/issues/{number}/comments", repo_path(repo)),
            &[per_page()],
        );
        self.get_all(&path, true)
    }

    /// `POST /repos/{o}/{r}/issues/{n}/comments`, guarded against duplicates: after
    /// an attempt of unknown outcome, a comment with exactly this body updated since
    /// the client was created (less five minutes) is adopted.
    pub fn create_comment(
        &self,
        repo: &RepoRef,
        number: u64,
        body: &str,
    ) -> Result<Created<Comment>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            body: &'a str,
        }
        let since = self.run_started_since();
        let list_path = with_query(
            &format!("{}/issues/{number}/comments", repo_path(repo)),
            &[("since", since), per_page()],
        );
        self.create_guarded(
            &format!("{}/issues/{number}/comments", repo_path(repo)),
            &Body { body },
            |c| {
                let comments: Vec<Comment> = c.get_all(&list_path, false)?;
                Ok(comments
                    .into_iter()
                    .filter(|x| x.body == body)
                    .max_by_key(|x| x.id))
            },
        )
    }

    /// `PATCH /repos/{o}/{r}/issues/comments/{id}`.
    pub fn update_comment(
        &self,
        repo: &RepoRef,
        comment_id: u64,
        body: &str,
    ) -> Result<Comment, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            body: &'a str,
        }
        self.send_json(
            Method::Patch,
            &format!("{}/issues/comments/{comment_id}", repo_path(repo)),
            Some(&Body { body }),
        )
    }

    // ------------------------------------------------------------------ milestones

    /// `GET /repos/{o}/{r}/milestones?state=…`, every page (through the ETag cache).
    pub fn list_milestones(
        &self,
        repo: &RepoRef,
        state: StateFilter,
    ) -> Result<Vec<Milestone>, Error> {
        let path = with_query(
            &format!("{}/milestones", repo_path(repo)),
            &[("state", state.as_str().to_owned()), per_page()],
        );
        self.get_all(&path, true)
    }

    /// `GET /repos/{o}/{r}/milestones/{n}`.
    pub fn get_milestone(&self, repo: &RepoRef, number: u64) -> Result<Milestone, Error> {
        self.get_json(&format!("{}/milestones/{number}", repo_path(repo)), true)
    }

    /// The milestone titled `title` (any state), bypassing the ETag cache.
    pub fn find_milestone_by_title(
        &self,
        repo: &RepoRef,
        title: &str,
    ) -> Result<Option<Milestone>, Error> {
        let path = with_query(
            &format!("{}/milestones", repo_path(repo)),
            &[("state", "all".to_owned()), per_page()],
        );
        let all: Vec<Milestone> = self.get_all(&path, false)?;
        Ok(all.into_iter().find(|m| m.title == title))
    }

    /// `POST /repos/{o}/{r}/milestones`, guarded against duplicates: titles are unique
    /// on GitHub, so after an attempt of unknown outcome (or a `422 already_exists`
    /// following one) the milestone with this title is adopted if it exists. A plain
    /// `422 already_exists` (the title was taken before) is returned as an error;
    /// see [`Error::is_already_exists`].
    pub fn create_milestone(
        &self,
        repo: &RepoRef,
        milestone: &NewMilestone,
    ) -> Result<Created<Milestone>, Error> {
        let title = milestone.title.clone();
        self.create_guarded(&format!("{}/milestones", repo_path(repo)), milestone, |c| {
            c.find_milestone_by_title(repo, &title)
        })
    }

    /// `PATCH /repos/{o}/{r}/milestones/{n}`; only the fields set are sent.
    pub fn update_milestone(
        &self,
        repo: &RepoRef,
        number: u64,
        patch: &MilestonePatch,
    ) -> Result<Milestone, Error> {
        self.send_json(
            Method::Patch,
            &format!("{}/milestones/{number}", repo_path(repo)),
            Some(patch),
        )
    }

    /// `DELETE /repos/{o}/{r}/milestones/{n}`. A 404 is an error, except on a retry
    /// after a lost connection (the first attempt did it).
    pub fn delete_milestone(&self, repo: &RepoRef, number: u64) -> Result<(), Error> {
        self.send_no_content(
            Method::Delete,
            &format!("{}/milestones/{number}", repo_path(repo)),
            false,
            true,
        )
    }

    // ------------------------------------------------------------------ labels

    /// `GET /repos/{o}/{r}/labels`, every page (through the ETag cache).
    pub fn list_labels(&self, repo: &RepoRef) -> Result<Vec<Label>, Error> {
        let path = with_query(&format!("{}/labels", repo_path(repo)), &[per_page()]);
        self.get_all(&path, true)
    }

    /// `GET /repos/{o}/{r}/labels/{name}`; `Ok(None)` when there is no such label.
    pub fn get_label(&self, repo: &RepoRef, name: &str) -> Result<Option<Label>, Error> {
        match self.get_json(&format!("{}/labels/{}", repo_path(repo), enc(name)), false) {
            Ok(label) => Ok(Some(label)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /repos/{o}/{r}/labels`. `color` is six hex digits (a leading `#` is
    /// dropped). Guarded like [`Client::create_milestone`], by name.
    pub fn create_label(
        &self,
        repo: &RepoRef,
        name: &str,
        color: &str,
        description: Option<&str>,
    ) -> Result<Created<Label>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            name: &'a str,
            color: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            description: Option<&'a str>,
        }
        let body = Body {
            name,
            color: color.trim_start_matches('#'),
            description,
        };
        self.create_guarded(&format!("{}/labels", repo_path(repo)), &body, |c| {
            c.get_label(repo, name)
        })
    }

    /// `PATCH /repos/{o}/{r}/labels/{name}` (rename with `new_name`).
    pub fn update_label(
        &self,
        repo: &RepoRef,
        name: &str,
        patch: &LabelPatch,
    ) -> Result<Label, Error> {
        let patch = LabelPatch {
            color: patch
                .color
                .as_ref()
                .map(|c| c.trim_start_matches('#').to_owned()),
            ..patch.clone()
        };
        self.send_json(
            Method::Patch,
            &format!("{}/labels/{}", repo_path(repo), enc(name)),
            Some(&patch),
        )
    }
}

impl Client {
    // ------------------------------------------------------------------ releases

    /// `GET /repos/{o}/{r}/releases/tags/{tag}`: the published release of a tag;
    /// `Ok(None)` on 404 (none, or only a draft: GitHub does not find drafts by tag).
    pub fn get_release_by_tag(&self, repo: &RepoRef, tag: &str) -> Result<Option<Release>, Error> {
        match self.get_json(
            &format!("{}/releases/tags/{}", repo_path(repo), enc(tag)),
            false,
        ) {
            Ok(release) => Ok(Some(release)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /repos/{o}/{r}/releases`, every page (drafts included for a token that can
    /// push), bypassing the ETag cache.
    pub fn list_releases(&self, repo: &RepoRef) -> Result<Vec<Release>, Error> {
        let path = with_query(&format!("{}/releases", repo_path(repo)), &[per_page()]);
        self.get_all(&path, false)
    }

    /// The release of `tag`: the published one, else a draft with that tag (the lowest id).
    pub fn find_release(&self, repo: &RepoRef, tag: &str) -> Result<Option<Release>, Error> {
        if let Some(r) = self.get_release_by_tag(repo, tag)? {
            return Ok(Some(r));
        }
        Ok(self
            .list_releases(repo)?
            .into_iter()
            .filter(|r| r.tag_name == tag)
            .min_by_key(|r| r.id))
    }

    /// `POST /repos/{o}/{r}/releases`, guarded against duplicates: after an attempt of
    /// unknown outcome, the release of that tag is adopted if it exists.
    pub fn create_release(
        &self,
        repo: &RepoRef,
        release: &NewRelease,
    ) -> Result<Created<Release>, Error> {
        let tag = release.tag_name.clone();
        self.create_guarded(&format!("{}/releases", repo_path(repo)), release, |c| {
            c.find_release(repo, &tag)
        })
    }

    /// `PATCH /repos/{o}/{r}/releases/{id}`; only the fields set are sent.
    pub fn update_release(
        &self,
        repo: &RepoRef,
        id: u64,
        patch: &ReleasePatch,
    ) -> Result<Release, Error> {
        self.send_json(
            Method::Patch,
            &format!("{}/releases/{id}", repo_path(repo)),
            Some(patch),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_match_whole_ids_only() {
        let body = "Intro\n\nIntelliManage-ID: TASK-1\n";
        assert!(body_has_marker(body, "IntelliManage-ID: TASK-1"));
        assert!(!body_has_marker(
            "IntelliManage-ID: TASK-10",
            "IntelliManage-ID: TASK-1"
        ));
        assert!(!body_has_marker(
            "IntelliManage-ID: TASK-1_x",
            "IntelliManage-ID: TASK-1"
        ));
        assert!(body_has_marker(
            "<!-- IntelliManage-ID: TASK-1 -->",
            "IntelliManage-ID: TASK-1"
        ));
        assert!(body_has_marker(
            "x IntelliManage-ID: TASK-10\nIntelliManage-ID: TASK-1",
            "IntelliManage-ID: TASK-1"
        ));
        assert!(!body_has_marker("anything", ""));
        assert!(!body_has_marker(
            "XIntelliManage-ID: TASK-1",
            "IntelliManage-ID: TASK-1"
        ));
    }

    #[test]
    fn repo_paths_are_encoded() {
        assert_eq!(repo_path(&RepoRef::new("o", "r.js")), "/repos/o/r.js");
        assert_eq!(repo_path(&RepoRef::new("o", "a b")), "/repos/o/a%20b");
    }
}
