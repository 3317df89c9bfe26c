//! The GitLab adapter: the neutral writes as GitLab's requests, GitLab's answers and
//! errors in neutral terms.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::Serialize;

use super::errors::gitlab_error;
use super::types::{
    Issue, IssueUpdate, Label, Milestone, MilestoneWrite, NewIssue as GlNewIssue,
    NewRelease as GlNewRelease, Note, Project, Release, ReleaseUpdate, User,
};
use crate::github::{
    self, Client, HttpMethod, PER_PAGE, body_has_marker, encode_component as enc, with_query,
};
use crate::tracker::{
    self, Created, DependenciesSet, ErrorKind, EtagCache, IssueChange, IssueState,
    KnownDependencies, MilestoneChange, NewIssue, NewMilestone, Platform, ReleaseOutcome,
    ReleaseRequest, ReleaseResult, ReleaseSpec, ReleaseStep, RemoteState, Stats, Tracker, Verb,
    Write,
};

/// One GitLab project, through one client.
pub struct GitlabTracker {
    pub(super) client: Client,
    pub(super) place: String,
    /// `/projects/group%2Fsub%2Fproject`.
    base: String,
    /// User names resolved to ids this run.
    users: Mutex<HashMap<String, Option<u64>>>,
    /// The project's numeric id (links name the other end's project by it), once known.
    project_id: Mutex<Option<u64>>,
    /// GitLab refused a blocking link this run (GitLab Free): further dependencies go
    /// straight to related links.
    pub(super) no_blocking_links: Mutex<bool>,
}

/// The token's own user name (`GET /user`), to check a token.
pub fn current_user(client: &Client) -> Result<String, tracker::Error> {
    let user: User = client.get_json("/user", false).map_err(gitlab_error)?;
    Ok(user.username)
}

impl GitlabTracker {
    /// `place`: the project's path, `group/sub/project`.
    pub fn new(client: Client, place: &str) -> GitlabTracker {
        GitlabTracker {
            client,
            place: place.to_string(),
            base: format!("/projects/{}", enc(place)),
            users: Mutex::new(HashMap::new()),
            project_id: Mutex::new(None),
            no_blocking_links: Mutex::new(false),
        }
    }

    /// The project's numeric id: as an issue list said it, else read.
    pub(super) fn project_id(&self) -> Result<u64, tracker::Error> {
        let known = *self.project_id.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = known {
            return Ok(id);
        }
        let project: Project = self
            .client
            .get_json(&self.base, false)
            .map_err(gitlab_error)?;
        let id = project.id.ok_or_else(|| {
            tracker::Error::new(
                ErrorKind::Other,
                format!("GET {}: GitLab did not say the project's id", self.base),
                "check that the API URL is a GitLab REST API v4",
            )
        })?;
        *self.project_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        Ok(id)
    }

    fn list<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        params: &[(&str, String)],
        use_cache: bool,
    ) -> Result<Vec<T>, tracker::Error> {
        let mut all = params.to_vec();
        all.push(("per_page", PER_PAGE.to_string()));
        let path = with_query(&format!("{}/{what}", self.base), &all);
        self.client.get_all(&path, use_cache).map_err(gitlab_error)
    }

    /// User ids for user names; a name GitLab doesn't know is [`ErrorKind::Unassignable`].
    fn user_ids(&self, names: &[String]) -> Result<Vec<u64>, tracker::Error> {
        let mut ids = Vec::new();
        let mut unknown = Vec::new();
        for name in names {
            let cached = self
                .users
                .lock()
                .ok()
                .and_then(|u| u.get(&name.to_lowercase()).copied());
            let id = match cached {
                Some(id) => id,
                None => {
                    let path = with_query("/users", &[("username", name.clone())]);
                    let found: Vec<User> =
                        self.client.get_json(&path, false).map_err(gitlab_error)?;
                    let id = found
                        .iter()
                        .find(|u| u.username.eq_ignore_ascii_case(name))
                        .map(|u| u.id);
                    if let Ok(mut u) = self.users.lock() {
                        u.insert(name.to_lowercase(), id);
                    }
                    id
                }
            };
            match id {
                Some(id) => ids.push(id),
                None => unknown.push(name.clone()),
            }
        }
        if unknown.is_empty() {
            Ok(ids)
        } else {
            Err(tracker::Error::new(
                ErrorKind::Unassignable,
                format!("GitLab has no user named {}", unknown.join(", ")),
                "assigned_to names GitLab user names (the @name on the profile)",
            ))
        }
    }

    fn milestone_path(&self, number: u64) -> String {
        format!("{}/milestones/{number}", self.base)
    }

    pub(super) fn issue_path(&self, number: u64) -> String {
        format!("{}/issues/{number}", self.base)
    }

    fn release_path(&self, tag: &str) -> String {
        format!("{}/releases/{}", self.base, enc(tag))
    }

    /// The release of `tag`, if any (404: none).
    fn find_release(&self, tag: &str) -> Result<Option<Release>, tracker::Error> {
        match self.client.get_json(&self.release_path(tag), false) {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(gitlab_error(e)),
        }
    }

    fn put<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, tracker::Error> {
        self.client
            .send_json(HttpMethod::Put, path, Some(body))
            .map_err(gitlab_error)
    }
}

/// GitLab's releases are never drafts: `--draft` is refused before anything is sent.
fn refuse_draft(release: &ReleaseSpec) -> Result<(), tracker::Error> {
    if release.draft {
        return Err(tracker::Error::new(
            ErrorKind::Invalid,
            format!(
                "GitLab has no draft releases: the release {} can't be a draft",
                release.tag
            ),
            "drop --draft (GitLab publishes every release; a release whose released_at is in \
             the future shows as an upcoming release)",
        ));
    }
    Ok(())
}

impl Tracker for GitlabTracker {
    fn platform(&self) -> Platform {
        Platform::Gitlab
    }

    fn place(&self) -> &str {
        &self.place
    }

    fn host(&self) -> String {
        tracker::api_host(self.client.base_url())
    }

    fn page_size(&self) -> usize {
        PER_PAGE as usize
    }

    fn fetch(&self, watermark: Option<&str>) -> Result<RemoteState, tracker::Error> {
        let labels: Vec<Label> = self.list("labels", &[], true)?;
        let milestones: Vec<Milestone> = self.list("milestones", &[], true)?;
        let mut params = vec![
            ("state", "all".to_string()),
            ("order_by", "updated_at".to_string()),
            ("sort", "asc".to_string()),
        ];
        if let Some(w) = watermark {
            params.push(("updated_after", w.to_string()));
        }
        let issues: Vec<Issue> = self.list("issues", &params, true)?;
        if let Some(id) = issues.iter().find_map(|i| i.project_id) {
            *self.project_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        }
        Ok(RemoteState {
            issues: issues.iter().map(|i| (i.iid, i.into())).collect(),
            complete: watermark.is_none(),
            milestones: milestones.iter().map(Into::into).collect(),
            labels: labels.iter().map(Into::into).collect(),
            board: None,
        })
    }

    fn describe(&self, write: Write) -> (Verb, String) {
        let b = &self.base;
        match write {
            Write::CreateLabel => (Verb::Post, format!("{b}/labels")),
            Write::CreateMilestone => (Verb::Post, format!("{b}/milestones")),
            Write::UpdateMilestone(n) => (Verb::Put, self.milestone_path(n)),
            Write::DeleteMilestone(n) => (Verb::Delete, self.milestone_path(n)),
            Write::CreateIssue => (Verb::Post, format!("{b}/issues")),
            Write::UpdateIssue(n) => (Verb::Put, self.issue_path(n)),
            // One `is_blocked_by` link per issue blocking it; removed by the link's id.
            Write::SetDependencies(n, adding) => {
                let n = n.map_or_else(|| "{new}".to_string(), |n| n.to_string());
                if adding {
                    (Verb::Post, format!("{b}/issues/{n}/links"))
                } else {
                    (
                        Verb::Delete,
                        format!("{b}/issues/{n}/links/{{issue_link_id}}"),
                    )
                }
            }
            // GitLab has no sub-issues (`sync_sub_issues` is GitHub's): never planned.
            Write::SetParent(n) => {
                let n = n.map_or_else(|| "{new}".to_string(), |n| n.to_string());
                (Verb::Post, format!("{b}/issues/{n}/links"))
            }
            // GitLab's boards are made of labels, which the sync keeps: never planned.
            Write::SetCard(n) => {
                let n = n.map_or_else(|| "{new}".to_string(), |n| n.to_string());
                (Verb::Put, format!("{b}/issues/{n}"))
            }
        }
    }

    fn read_dependencies(
        &self,
        remote: &mut RemoteState,
        recorded: &BTreeMap<u64, KnownDependencies>,
    ) -> Result<(), tracker::Error> {
        self.read_links(remote, recorded)
    }

    fn set_dependencies(
        &self,
        number: u64,
        add: &[u64],
        remove: &[u64],
    ) -> Result<DependenciesSet, tracker::Error> {
        self.set_links(number, add, remove)
    }

    fn create_label(
        &self,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<Created<tracker::Label>, tracker::Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            name: &'a str,
            color: String,
            description: &'a str,
        }
        let body = Body {
            name,
            color: format!("#{}", color.trim_start_matches('#')),
            description,
        };
        let created = self
            .client
            .create_guarded(&format!("{}/labels", self.base), &body, |c| {
                let path = with_query(
                    &format!("{}/labels", self.base),
                    &[
                        ("search", name.to_string()),
                        ("per_page", PER_PAGE.to_string()),
                    ],
                );
                let found: Vec<Label> = c.get_all(&path, false)?;
                Ok(found.into_iter().find(|l| l.name == name))
            })
            .map_err(gitlab_error)?;
        Ok(Created {
            item: (&created.item).into(),
            adopted: created.adopted,
        })
    }

    fn create_milestone(
        &self,
        new: &NewMilestone,
    ) -> Result<Created<tracker::Milestone>, tracker::Error> {
        let body = MilestoneWrite {
            title: Some(new.title.clone()),
            description: Some(new.description.clone()),
            due_date: new.due_date.clone().map(Some),
            state_event: None,
        };
        let title = new.title.clone();
        let created = self
            .client
            .create_guarded(&format!("{}/milestones", self.base), &body, |c| {
                let path = with_query(
                    &format!("{}/milestones", self.base),
                    &[("title", title.clone())],
                );
                let found: Vec<Milestone> = c.get_all(&path, false)?;
                Ok(found.into_iter().next())
            })
            .map_err(gitlab_error)?;
        let mut m: Milestone = created.item;
        // GitLab creates milestones active; one the plan has closed is closed next.
        if new.closed && m.state != "closed" {
            m = self.put(
                &self.milestone_path(m.id),
                &MilestoneWrite {
                    state_event: Some("close"),
                    ..MilestoneWrite::default()
                },
            )?;
        }
        Ok(Created {
            item: (&m).into(),
            adopted: created.adopted,
        })
    }

    fn find_milestone(&self, title: &str) -> Result<Option<tracker::Milestone>, tracker::Error> {
        let all: Vec<Milestone> = self.list("milestones", &[], false)?;
        let want = title.trim().to_lowercase();
        Ok(all
            .iter()
            .find(|m| m.title.trim().to_lowercase() == want)
            .map(Into::into))
    }

    fn update_milestone(
        &self,
        number: u64,
        change: &MilestoneChange,
    ) -> Result<tracker::Milestone, tracker::Error> {
        let body = MilestoneWrite {
            title: change.title.clone(),
            description: change.description.clone(),
            due_date: change.due_date.clone(),
            state_event: change.closed.map(|c| if c { "close" } else { "activate" }),
        };
        let m: Milestone = self.put(&self.milestone_path(number), &body)?;
        Ok((&m).into())
    }

    fn delete_milestone(&self, number: u64) -> Result<(), tracker::Error> {
        self.client
            .send_no_content(
                HttpMethod::Delete,
                &self.milestone_path(number),
                false,
                true,
            )
            .map_err(gitlab_error)
    }

    fn create_issue(
        &self,
        new: &NewIssue,
        marker_line: &str,
    ) -> Result<Created<tracker::Issue>, tracker::Error> {
        let assignee_ids = self.user_ids(&new.assignees)?;
        let body = GlNewIssue {
            title: &new.title,
            description: &new.body,
            labels: (!new.labels.is_empty()).then(|| new.labels.join(",")),
            assignee_ids,
            milestone_id: new.milestone,
        };
        let since = self.client.run_started_since();
        let created = self
            .client
            .create_guarded(&format!("{}/issues", self.base), &body, |c| {
                let path = with_query(
                    &format!("{}/issues", self.base),
                    &[
                        ("state", "all".to_string()),
                        ("updated_after", since.clone()),
                        ("per_page", PER_PAGE.to_string()),
                    ],
                );
                let found: Vec<Issue> = c.get_all(&path, false)?;
                Ok(found
                    .into_iter()
                    .filter(|i| {
                        i.description
                            .as_deref()
                            .is_some_and(|d| body_has_marker(d, marker_line))
                    })
                    .max_by_key(|i| i.iid))
            })
            .map_err(gitlab_error)?;
        Ok(Created {
            item: (&created.item).into(),
            adopted: created.adopted,
        })
    }

    fn issues_with_marker(
        &self,
        marker_line: &str,
        recent: bool,
    ) -> Result<Vec<tracker::Issue>, tracker::Error> {
        let since = if recent {
            self.client.recent_since()
        } else {
            self.client.run_started_since()
        };
        let found: Vec<Issue> = self.list(
            "issues",
            &[("state", "all".to_string()), ("updated_after", since)],
            false,
        )?;
        let mut out: Vec<tracker::Issue> = found
            .iter()
            .filter(|i| {
                i.description
                    .as_deref()
                    .is_some_and(|d| body_has_marker(d, marker_line))
            })
            .map(Into::into)
            .collect();
        out.sort_by_key(|i| i.number);
        Ok(out)
    }

    fn get_issue(&self, number: u64) -> Result<tracker::Issue, tracker::Error> {
        let i: Issue = self
            .client
            .get_json(&self.issue_path(number), false)
            .map_err(gitlab_error)?;
        Ok((&i).into())
    }

    fn update_issue(
        &self,
        number: u64,
        change: &IssueChange,
    ) -> Result<tracker::Issue, tracker::Error> {
        let assignee_ids = match &change.assignees {
            Some(names) => Some(self.user_ids(names)?),
            None => None,
        };
        let join = |l: &[String]| (!l.is_empty()).then(|| l.join(","));
        let body = IssueUpdate {
            title: change.title.clone(),
            description: change.body.clone(),
            state_event: change.state.as_ref().map(|s| match s {
                IssueState::Open => "reopen",
                IssueState::Closed { .. } => "close",
            }),
            add_labels: change.labels.as_ref().and_then(|l| join(&l.add)),
            remove_labels: change.labels.as_ref().and_then(|l| join(&l.remove)),
            assignee_ids,
            milestone_id: change.milestone.map(|m| m.unwrap_or(0)),
        };
        if body == IssueUpdate::default() {
            return self.get_issue(number);
        }
        let i: Issue = self.put(&self.issue_path(number), &body)?;
        Ok((&i).into())
    }

    fn comment_once(&self, number: u64, marker: &str, body: &str) -> Result<u64, tracker::Error> {
        let what = format!("issues/{number}/notes");
        let notes: Vec<Note> = self.list(&what, &[], false)?;
        if let Some(n) = notes.iter().find(|n| body_has_marker(&n.body, marker)) {
            return Ok(n.id);
        }
        #[derive(Serialize)]
        struct Body<'a> {
            body: &'a str,
        }
        let path = format!("{}/{what}", self.base);
        let created: github::Created<Note> = self
            .client
            .create_guarded(&path, &Body { body }, |c| {
                let list = with_query(&path, &[("per_page", PER_PAGE.to_string())]);
                let notes: Vec<Note> = c.get_all(&list, false)?;
                Ok(notes
                    .into_iter()
                    .filter(|n| body_has_marker(&n.body, marker))
                    .max_by_key(|n| n.id))
            })
            .map_err(gitlab_error)?;
        Ok(created.item.id)
    }

    fn upsert_release(&self, release: &ReleaseSpec) -> Result<ReleaseResult, tracker::Error> {
        refuse_draft(release)?;
        let url = |r: &Release| r.links.as_ref().and_then(|l| l.self_url.clone());
        if let Some(existing) = self.find_release(&release.tag)? {
            let same = |a: &str, b: &str| a.replace("\r\n", "\n") == b.replace("\r\n", "\n");
            let body = ReleaseUpdate {
                name: (existing.name.as_deref() != Some(release.name.as_str()))
                    .then(|| release.name.clone()),
                description: (!same(
                    existing.description.as_deref().unwrap_or_default(),
                    &release.notes,
                ))
                .then(|| release.notes.clone()),
            };
            if body == ReleaseUpdate::default() {
                return Ok(ReleaseResult {
                    outcome: ReleaseOutcome::Unchanged,
                    url: url(&existing),
                });
            }
            let updated: Release = self.put(&self.release_path(&release.tag), &body)?;
            return Ok(ReleaseResult {
                outcome: ReleaseOutcome::Updated,
                url: url(&updated).or_else(|| url(&existing)),
            });
        }
        // A tag that does not exist yet is made from the default branch, as GitHub does.
        let project: Project = self
            .client
            .get_json(&self.base, false)
            .map_err(gitlab_error)?;
        let body = GlNewRelease {
            tag_name: &release.tag,
            name: &release.name,
            description: &release.notes,
            git_ref: project.default_branch.filter(|b| !b.trim().is_empty()),
        };
        let path = self.release_path(&release.tag);
        let lookup = |c: &Client| match c.get_json::<Release>(&path, false) {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        };
        let created = self
            .client
            .create_guarded(&format!("{}/releases", self.base), &body, lookup)
            .map_err(gitlab_error)?;
        Ok(ReleaseResult {
            outcome: ReleaseOutcome::Created,
            url: url(&created.item),
        })
    }

    fn describe_release(
        &self,
        release: &ReleaseSpec,
    ) -> Result<Vec<ReleaseRequest>, tracker::Error> {
        refuse_draft(release)?;
        Ok(vec![
            ReleaseRequest {
                step: ReleaseStep::Find,
                verb: None,
                path: self.release_path(&release.tag),
                fields: Vec::new(),
                when: "first: the release of the tag",
            },
            ReleaseRequest {
                step: ReleaseStep::Find,
                verb: None,
                path: self.base.clone(),
                fields: Vec::new(),
                when: "when there is none: the default branch, to make the tag from",
            },
            ReleaseRequest {
                step: ReleaseStep::Create,
                verb: Some(Verb::Post),
                path: format!("{}/releases", self.base),
                fields: vec!["tag_name", "name", "description", "ref"],
                when: "when the tag has no release",
            },
            ReleaseRequest {
                step: ReleaseStep::Update,
                verb: Some(Verb::Put),
                path: self.release_path(&release.tag),
                fields: vec!["name", "description"],
                when: "when its name or description differ (only those are sent)",
            },
        ])
    }

    fn stats(&self) -> Stats {
        self.client.stats()
    }

    fn set_cache(&self, cache: EtagCache) {
        self.client.set_etag_cache(cache);
    }

    fn take_cache(&self) -> EtagCache {
        self.client.take_etag_cache()
    }
}
