//! The GitLab adapter: the neutral writes as GitLab's requests, GitLab's answers and
//! errors in neutral terms.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use serde::Serialize;
use serde::de::IgnoredAny;

use super::types::{
    Issue, IssueUpdate, Label, LinkedIssue, Milestone, MilestoneWrite, NewIssue as GlNewIssue,
    NewLink, NewRelease as GlNewRelease, Note, Project, Release, ReleaseUpdate, User,
};
use crate::github::{
    self, Client, HttpMethod, PER_PAGE, body_has_marker, encode_component as enc, with_query,
};
use crate::tracker::{
    self, Created, DependenciesSet, ErrorKind, EtagCache, IssueChange, IssueState,
    KnownDependencies, MilestoneChange, NewIssue, NewMilestone, Platform, ReleaseOutcome,
    ReleaseRequest, ReleaseResult, ReleaseSpec, ReleaseStep, RemoteState, StandIns, Stats, Tracker,
    Verb, Write,
};

/// Why a related link stands for a dependency, for the sync's note.
const NO_BLOCKING_LINKS: &str =
    "GitLab Free has no blocking links: dependencies go there as related links";
/// Why a link the other way round stands for a dependency.
const ONE_LINK: &str = "GitLab links two issues once: where two issues depend on each other, \
     one blocking link stands for both";

/// One GitLab project, through one client.
pub struct GitlabTracker {
    client: Client,
    place: String,
    /// `/projects/group%2Fsub%2Fproject`.
    base: String,
    /// User names resolved to ids this run.
    users: Mutex<HashMap<String, Option<u64>>>,
    /// The project's numeric id (links name the other end's project by it), once known.
    project_id: Mutex<Option<u64>>,
    /// GitLab refused a blocking link this run (GitLab Free): further dependencies go
    /// straight to related links.
    no_blocking_links: Mutex<bool>,
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
    fn project_id(&self) -> Result<u64, tracker::Error> {
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

    fn links_path(&self, number: u64) -> String {
        format!("{}/links", self.issue_path(number))
    }

    /// The issues linked to issue `number` of this project (links to other projects' issues
    /// left out), each as issue `number` sees the link.
    fn links_of(&self, number: u64) -> Result<Vec<LinkedIssue>, tracker::Error> {
        let own = self.project_id()?;
        let all: Vec<LinkedIssue> = self
            .client
            .get_all(&self.links_path(number), false)
            .map_err(gitlab_error)?;
        Ok(all
            .into_iter()
            .filter(|l| l.project_id == Some(own))
            .collect())
    }

    /// Links issue `number` to issue `target` of this project.
    fn post_link(
        &self,
        number: u64,
        target: u64,
        link_type: &'static str,
    ) -> Result<(), github::Error> {
        let body = NewLink {
            target_project_id: &self.place,
            target_issue_iid: target,
            link_type,
        };
        // A link is made once: a POST sent again after a lost answer is refused with 409,
        // which the caller checks.
        self.client
            .send_json::<IgnoredAny>(HttpMethod::Post, &self.links_path(number), Some(&body))
            .map(|_| ())
    }

    fn delete_link(&self, number: u64, link_id: u64) -> Result<(), tracker::Error> {
        let path = format!("{}/{link_id}", self.links_path(number));
        self.client
            .send_no_content(HttpMethod::Delete, &path, false, true)
            .map_err(gitlab_error)
    }

    /// The link between issues `number` and `other`, from `number`'s list (read once per
    /// call into `cache`).
    fn link_between(
        &self,
        number: u64,
        other: u64,
        cache: &mut Option<Vec<LinkedIssue>>,
    ) -> Result<Option<LinkedIssue>, tracker::Error> {
        if cache.is_none() {
            *cache = Some(self.links_of(number)?);
        }
        Ok(cache
            .as_ref()
            .and_then(|links| links.iter().find(|l| l.iid == other).cloned()))
    }

    fn refused_blocking(&self) -> bool {
        *self
            .no_blocking_links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
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

    fn issue_path(&self, number: u64) -> String {
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

/// GitLab without blocking links: `403 Blocked issues not available for current license`
/// (GitLab Free, on gitlab.com or an unlicensed instance), or `400 link_type does not have
/// a valid value` (the open-source edition).
fn refuses_blocking_links(e: &github::Error) -> bool {
    let said = e.server_message().unwrap_or_default().to_ascii_lowercase();
    match e.status() {
        Some(403) => said.contains("not available for current license"),
        Some(400) => said.contains("link_type"),
        _ => false,
    }
}

/// The transport's error in GitLab's words, kept as the source.
fn gitlab_error(e: github::Error) -> tracker::Error {
    let status = e.status();
    let request = e.request().unwrap_or_default().to_string();
    let said = e.server_message().unwrap_or_default().to_string();
    let (kind, what, hint): (ErrorKind, &str, String) = match status {
        Some(401) => (
            ErrorKind::Auth,
            "GitLab rejected the token",
            "create a personal, group or project access token with the `api` scope and provide \
             it again (`git intellimanage auth login --api-url …`, or the variable named by \
             pat_env_var_name, GITLAB_TOKEN by default)"
                .into(),
        ),
        Some(403) => (
            ErrorKind::Denied,
            "GitLab refused the request",
            "the token needs the `api` scope (read_api can't write) and at least the Reporter \
             role in the project (Planner or Reporter to edit issues, Developer for labels and \
             milestones)"
                .into(),
        ),
        Some(404) => (
            ErrorKind::NotFound,
            "not found on GitLab",
            "check gitlab_project (the path as in the project's URL) and that the token can see \
             the project (GitLab answers 404, not 403, for projects a token cannot see)"
                .into(),
        ),
        Some(400 | 409 | 422) if e.is_already_exists() => (
            ErrorKind::AlreadyExists,
            "GitLab has it already",
            "an item with that name exists already; use it instead of creating it".into(),
        ),
        Some(400 | 422) => (
            ErrorKind::Invalid,
            "GitLab refused the values",
            "check the field named above (titles at most 255 characters, dates YYYY-MM-DD)".into(),
        ),
        Some(429) => (
            ErrorKind::RateLimited,
            "GitLab's rate limit",
            "wait a few minutes and sync again (it resumes safely)".into(),
        ),
        Some(s) if s >= 500 => (
            ErrorKind::Transient,
            "GitLab is having trouble",
            "try again in a few minutes (gitlab.com: https://status.gitlab.com)".into(),
        ),
        Some(_) => (
            ErrorKind::Other,
            "GitLab answered",
            "see GitLab's message".into(),
        ),
        None => {
            let kind = if e.is_certificate() {
                ErrorKind::Certificate
            } else if matches!(e, github::Error::Transport { .. }) {
                ErrorKind::Transient
            } else if matches!(e, github::Error::Config { .. }) {
                ErrorKind::Setup
            } else {
                ErrorKind::Other
            };
            let hint = match kind {
                ErrorKind::Transient => "check the network and the API URL (api_url, or \
                     GITLAB_API_URL; self-managed GitLab answers at https://HOST/api/v4)"
                    .to_string(),
                ErrorKind::Other => "check that the API URL is a GitLab REST API v4 \
                     (https://gitlab.com/api/v4, or https://HOST/api/v4)"
                    .to_string(),
                _ => e.hint(),
            };
            let message = e.without_hint().replace("GitHub", "GitLab");
            return tracker::Error::new(kind, message, hint)
                .with_status(None)
                .with_source(e);
        }
    };
    let status = status.unwrap_or_default();
    let message = if said.is_empty() {
        format!("{request}: {what} ({status})")
    } else {
        format!("{request}: {what} ({status}: {said})")
    };
    tracker::Error::new(kind, message, hint)
        .with_status(Some(status))
        .with_source(e)
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

    /// GitLab's issue lists say nothing of links, so an issue's links are read only when it
    /// changed since the last sync that knew them: a link made or removed writes a note on
    /// both issues, which moves both `updated_at`. Only the issues whose dependencies
    /// matter (`recorded`) are read; an issue another issue blocks sees `is_blocked_by`.
    fn read_dependencies(
        &self,
        remote: &mut RemoteState,
        recorded: &BTreeMap<u64, KnownDependencies>,
    ) -> Result<(), tracker::Error> {
        for issue in remote.issues.values_mut() {
            let Some(known) = recorded.get(&issue.number) else {
                continue;
            };
            let unchanged = known.updated_at.is_some() && issue.updated_at == known.updated_at;
            if issue.blocked_by.is_some() || unchanged {
                continue;
            }
            let links = self.links_of(issue.number)?;
            // A related link has no direction, and one link between two issues goes one
            // way: such a link counts only where it stands for a dependency this sync made.
            let blocking: BTreeSet<u64> = links
                .iter()
                .filter(|l| l.blocks_us() || known.stand_ins.contains(&l.iid))
                .map(|l| l.iid)
                .collect();
            issue.blocked_by = Some(blocking);
        }
        Ok(())
    }

    /// `is_blocked_by` links; where GitLab refuses them (GitLab Free), related links, said
    /// once. A link between the two issues already there (`409`) is fine when it makes
    /// `number` blocked by the other; a related one is made blocking where GitLab can; one
    /// the other way round (the two depend on each other) stands for both.
    fn set_dependencies(
        &self,
        number: u64,
        add: &[u64],
        remove: &[u64],
    ) -> Result<DependenciesSet, tracker::Error> {
        let mut links: Option<Vec<LinkedIssue>> = None;
        let mut related = Vec::new();
        let mut both_ways = Vec::new();
        for &other in add {
            if !self.refused_blocking() {
                match self.post_link(number, other, "is_blocked_by") {
                    Ok(()) => continue,
                    Err(e) if refuses_blocking_links(&e) => {
                        *self
                            .no_blocking_links
                            .lock()
                            .unwrap_or_else(|e| e.into_inner()) = true;
                    }
                    Err(e) if e.status() == Some(409) => {
                        match self.link_between(number, other, &mut links)? {
                            Some(l) if l.blocks_us() => {}
                            Some(l) if l.is_related() => {
                                self.delete_link(number, l.issue_link_id)?;
                                links = None;
                                self.post_link(number, other, "is_blocked_by")
                                    .map_err(gitlab_error)?;
                            }
                            Some(_) => both_ways.push(other),
                            // Gone again since GitLab said it was there.
                            None => return Err(gitlab_error(e)),
                        }
                        continue;
                    }
                    Err(e) => return Err(gitlab_error(e)),
                }
            }
            match self.post_link(number, other, "relates_to") {
                Ok(()) => related.push(other),
                Err(e) if e.status() == Some(409) => {
                    match self.link_between(number, other, &mut links)? {
                        Some(l) if l.blocks_us() => {}
                        Some(l) if l.is_related() => related.push(other),
                        Some(_) => both_ways.push(other),
                        None => return Err(gitlab_error(e)),
                    }
                }
                Err(e) => return Err(gitlab_error(e)),
            }
        }
        for &other in remove {
            // Blocked by it, or related where that link stood for the dependency; a link
            // the other way round is the other issue's dependency (or stood for both): left.
            if let Some(l) = self
                .link_between(number, other, &mut links)?
                .filter(|l| l.blocks_us() || l.is_related())
            {
                self.delete_link(number, l.issue_link_id)?;
            }
        }
        // Both ends as they are now (each link wrote a note on both, moving `updated_at`),
        // so that the next sync knows these links as its own and reads none of them again.
        let issue = self.get_issue(number)?;
        let mut others = Vec::new();
        let mut seen = BTreeSet::new();
        for &other in add.iter().chain(remove) {
            if seen.insert(other) {
                others.push(self.get_issue(other)?);
            }
        }
        let stand_ins = [(related, NO_BLOCKING_LINKS), (both_ways, ONE_LINK)]
            .into_iter()
            .filter(|(issues, _)| !issues.is_empty())
            .map(|(issues, why)| StandIns {
                issues,
                why: why.to_string(),
            })
            .collect();
        Ok(DependenciesSet {
            issue: Some(issue),
            others,
            stand_ins,
        })
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
