//! GitHub as a [`Tracker`]: the neutral writes as GitHub's requests, GitHub's errors as
//! the neutral kinds the executor acts on.

use super::board::{BoardLink, BoardSpec};
use super::client::{Client, PER_PAGE};
use super::endpoints::body_has_marker;
use super::error::Error;
use super::neutral::{due_on, tracker_error};
use super::types::{
    Issue as GhIssue, IssuePatch, ListIssues, MilestonePatch, NewIssue as GhNewIssue,
    NewMilestone as GhNewMilestone, NewRelease, ReleasePatch, RepoRef, State, StateFilter,
};
use super::urls::encode_component as enc;
use crate::tracker::{
    self, Created, DependenciesSet, ErrorKind, EtagCache, IssueChange, IssueState,
    KnownDependencies, MilestoneChange, NewIssue, NewMilestone, Platform, ReleaseOutcome,
    ReleaseRequest, ReleaseResult, ReleaseSpec, ReleaseStep, RemoteState, Stats, Tracker, Verb,
    Write,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// One GitHub repository, through one client.
pub struct GithubTracker {
    client: Client,
    repo: RepoRef,
    place: String,
    /// Issue number → database id, as answers said them (dependencies take the id).
    ids: Mutex<HashMap<u64, u64>>,
    /// The project board the issues go on, when the project syncs one.
    board: Option<BoardLink>,
}

impl GithubTracker {
    pub fn new(client: Client, repo: RepoRef) -> GithubTracker {
        let place = repo.to_string();
        GithubTracker {
            client,
            repo,
            place,
            ids: Mutex::new(HashMap::new()),
            board: None,
        }
    }

    /// The same tracker, with its issues on a project board.
    pub fn with_board(mut self, spec: BoardSpec) -> GithubTracker {
        self.board = Some(BoardLink::new(spec));
        self
    }

    /// Notes the database ids of issues an answer carried.
    fn learn<'a>(&self, issues: impl IntoIterator<Item = &'a GhIssue>) {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        for i in issues {
            if let Some(id) = i.id {
                ids.insert(i.number, id);
            }
        }
    }

    /// The database id of issue `number`: as an answer of this run said it, else read.
    fn id_of(&self, number: u64) -> Result<u64, tracker::Error> {
        let known = self
            .ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&number)
            .copied();
        if let Some(id) = known {
            return Ok(id);
        }
        let i = self
            .client
            .get_issue(&self.repo, number)
            .map_err(tracker_error)?;
        self.learn([&i]);
        i.id.ok_or_else(|| {
            tracker::Error::new(
                ErrorKind::Other,
                format!("GitHub did not say the id of issue #{number}"),
                "",
            )
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Release notes as compared: line endings aside.
fn same_text(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
}

fn closed_state(state: &IssueState) -> (State, Option<Option<String>>) {
    match state {
        IssueState::Open => (State::Open, None),
        IssueState::Closed { reason } => (State::Closed, Some(reason.clone())),
    }
}

impl Tracker for GithubTracker {
    fn platform(&self) -> Platform {
        Platform::Github
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
        let c = &self.client;
        let labels = c.list_labels(&self.repo).map_err(tracker_error)?;
        let milestones = c
            .list_milestones(&self.repo, StateFilter::All)
            .map_err(tracker_error)?;
        let filter = ListIssues {
            state: StateFilter::All,
            since: watermark.map(str::to_string),
            ..ListIssues::default()
        };
        let issues = c.list_issues(&self.repo, &filter).map_err(tracker_error)?;
        self.learn(&issues);
        let board = match &self.board {
            Some(b) => Some(b.read(c, &self.repo)?),
            None => None,
        };
        Ok(RemoteState {
            issues: issues.iter().map(|i| (i.number, i.into())).collect(),
            complete: watermark.is_none(),
            milestones: milestones.iter().map(Into::into).collect(),
            labels: labels.iter().map(Into::into).collect(),
            board,
        })
    }

    fn describe(&self, write: Write) -> (Verb, String) {
        let base = format!("/repos/{}/{}", enc(&self.repo.owner), enc(&self.repo.name));
        match write {
            Write::CreateLabel => (Verb::Post, format!("{base}/labels")),
            Write::CreateMilestone => (Verb::Post, format!("{base}/milestones")),
            Write::UpdateMilestone(n) => (Verb::Patch, format!("{base}/milestones/{n}")),
            Write::DeleteMilestone(n) => (Verb::Delete, format!("{base}/milestones/{n}")),
            Write::CreateIssue => (Verb::Post, format!("{base}/issues")),
            Write::UpdateIssue(n) => (Verb::Patch, format!("{base}/issues/{n}")),
            Write::SetDependencies(n, adding) => {
                let n = n.map_or_else(|| "{new}".to_string(), |n| n.to_string());
                let verb = if adding { Verb::Post } else { Verb::Delete };
                (verb, format!("{base}/issues/{n}/dependencies/blocked_by"))
            }
            Write::SetParent(n) => {
                let n = n.map_or_else(|| "{new}".to_string(), |n| n.to_string());
                (Verb::Post, format!("{base}/issues/{n}/sub_issues"))
            }
            Write::SetCard(n) => match &self.board {
                Some(b) => match b.write_path(n) {
                    (true, path) => (Verb::Patch, path),
                    (false, path) => (Verb::Post, path),
                },
                None => (Verb::Post, "(no project board)".to_string()),
            },
        }
    }

    fn set_parent(&self, number: u64, parent: u64) -> Result<(), tracker::Error> {
        let id = self.id_of(number)?;
        match self.client.add_sub_issue(&self.repo, parent, id) {
            Ok(()) => Ok(()),
            // Its parent already (set meanwhile, or by a run whose answer was lost).
            Err(e @ Error::Validation { .. }) => {
                let child = self
                    .client
                    .get_issue(&self.repo, number)
                    .map_err(tracker_error)?;
                let there = child
                    .parent_issue_url
                    .as_deref()
                    .is_some_and(|u| u.ends_with(&format!("/issues/{parent}")));
                if there { Ok(()) } else { Err(tracker_error(e)) }
            }
            Err(e) => Err(tracker_error(e)),
        }
    }

    fn set_card(&self, number: u64, column: Option<&str>) -> Result<(), tracker::Error> {
        match &self.board {
            Some(b) => b.set_card(
                &self.client,
                &self.repo,
                number,
                || self.id_of(number),
                column,
            ),
            None => Err(tracker::Error::new(
                ErrorKind::Setup,
                "no project board is configured",
                "add a [github_integration.project_board] section",
            )),
        }
    }

    fn read_dependencies(
        &self,
        remote: &mut RemoteState,
        recorded: &BTreeMap<u64, KnownDependencies>,
    ) -> Result<(), tracker::Error> {
        for issue in remote.issues.values_mut() {
            let unchanged = recorded.get(&issue.number).is_some_and(|k| {
                k.updated_at.is_some()
                    && issue.updated_at == k.updated_at
                    && k.count.is_none_or(|c| issue.blocked_by_count == Some(c))
            });
            if issue.blocked_by.is_some()
                || unchanged
                || issue.blocked_by_count.is_none_or(|n| n == 0)
            {
                continue;
            }
            let blocking = self
                .client
                .list_blocked_by(&self.repo, issue.number)
                .map_err(tracker_error)?;
            let ours: Vec<&GhIssue> = blocking.iter().filter(|i| i.is_of(&self.repo)).collect();
            self.learn(ours.iter().copied());
            issue.blocked_by = Some(ours.iter().map(|i| i.number).collect::<BTreeSet<u64>>());
        }
        Ok(())
    }

    fn set_dependencies(
        &self,
        number: u64,
        add: &[u64],
        remove: &[u64],
    ) -> Result<DependenciesSet, tracker::Error> {
        for n in add {
            let id = self.id_of(*n)?;
            match self.client.add_blocked_by(&self.repo, number, id) {
                Ok(_) => {}
                // Refused: fine if someone made it blocked by that issue meanwhile.
                Err(e @ Error::Validation { .. }) => {
                    let there = self
                        .client
                        .list_blocked_by(&self.repo, number)
                        .map_err(tracker_error)?
                        .iter()
                        .any(|i| i.id == Some(id));
                    if !there {
                        return Err(tracker_error(e));
                    }
                }
                Err(e) => return Err(tracker_error(e)),
            }
        }
        for n in remove {
            let id = self.id_of(*n)?;
            self.client
                .remove_blocked_by(&self.repo, number, id)
                .map_err(tracker_error)?;
        }
        // The issue as it is now (its `updated_at` moved), so that the next sync knows
        // these dependencies as its own and reads none of them again.
        let i = self
            .client
            .get_issue(&self.repo, number)
            .map_err(tracker_error)?;
        self.learn([&i]);
        Ok(DependenciesSet {
            issue: Some((&i).into()),
            ..DependenciesSet::default()
        })
    }

    fn create_label(
        &self,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<Created<tracker::Label>, tracker::Error> {
        let created = self
            .client
            .create_label(&self.repo, name, color, Some(description))
            .map_err(tracker_error)?;
        Ok(Created {
            item: (&created.item).into(),
            adopted: created.adopted,
        })
    }

    fn create_milestone(
        &self,
        new: &NewMilestone,
    ) -> Result<Created<tracker::Milestone>, tracker::Error> {
        let body = GhNewMilestone {
            title: new.title.clone(),
            description: Some(new.description.clone()),
            state: new.closed.then_some(State::Closed),
            due_on: new.due_date.as_deref().map(due_on),
        };
        let created = self
            .client
            .create_milestone(&self.repo, &body)
            .map_err(tracker_error)?;
        Ok(Created {
            item: (&created.item).into(),
            adopted: created.adopted,
        })
    }

    fn find_milestone(&self, title: &str) -> Result<Option<tracker::Milestone>, tracker::Error> {
        let found = self
            .client
            .find_milestone_by_title(&self.repo, title)
            .map_err(tracker_error)?;
        Ok(found.as_ref().map(Into::into))
    }

    fn update_milestone(
        &self,
        number: u64,
        change: &MilestoneChange,
    ) -> Result<tracker::Milestone, tracker::Error> {
        let patch = MilestonePatch {
            title: change.title.clone(),
            description: change.description.clone().map(Some),
            state: change
                .closed
                .map(|c| if c { State::Closed } else { State::Open }),
            due_on: change.due_date.as_ref().map(|d| d.as_deref().map(due_on)),
        };
        let m = self
            .client
            .update_milestone(&self.repo, number, &patch)
            .map_err(tracker_error)?;
        Ok((&m).into())
    }

    fn delete_milestone(&self, number: u64) -> Result<(), tracker::Error> {
        self.client
            .delete_milestone(&self.repo, number)
            .map_err(tracker_error)
    }

    fn create_issue(
        &self,
        new: &NewIssue,
        marker_line: &str,
    ) -> Result<Created<tracker::Issue>, tracker::Error> {
        let body = GhNewIssue {
            title: new.title.clone(),
            body: Some(new.body.clone()),
            labels: new.labels.clone(),
            assignees: new.assignees.clone(),
            milestone: new.milestone,
        };
        let since = self.client.run_started_since();
        let created = self
            .client
            .create_issue(&self.repo, &body, |c| {
                c.find_issue_with_marker(&self.repo, marker_line, Some(&since))
            })
            .map_err(tracker_error)?;
        self.learn([&created.item]);
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
        let found = self
            .client
            .issues_with_marker(&self.repo, marker_line, Some(&since))
            .map_err(tracker_error)?;
        Ok(found.iter().map(Into::into).collect())
    }

    fn get_issue(&self, number: u64) -> Result<tracker::Issue, tracker::Error> {
        let i = self
            .client
            .get_issue(&self.repo, number)
            .map_err(tracker_error)?;
        self.learn([&i]);
        Ok((&i).into())
    }

    fn update_issue(
        &self,
        number: u64,
        change: &IssueChange,
    ) -> Result<tracker::Issue, tracker::Error> {
        let (state, state_reason) = match &change.state {
            Some(s) => {
                let (state, reason) = closed_state(s);
                (Some(state), reason)
            }
            None => (None, None),
        };
        let patch = IssuePatch {
            title: change.title.clone(),
            body: change.body.clone(),
            state,
            state_reason,
            labels: change.labels.as_ref().map(|l| l.set.clone()),
            assignees: change.assignees.clone(),
            milestone: change.milestone,
        };
        let i = self
            .client
            .update_issue(&self.repo, number, &patch)
            .map_err(tracker_error)?;
        self.learn([&i]);
        Ok((&i).into())
    }

    fn comment_once(&self, number: u64, marker: &str, body: &str) -> Result<u64, tracker::Error> {
        let existing = self
            .client
            .list_comments(&self.repo, number)
            .map_err(tracker_error)?;
        if let Some(c) = existing.iter().find(|c| body_has_marker(&c.body, marker)) {
            return Ok(c.id);
        }
        let created = self
            .client
            .create_comment(&self.repo, number, body)
            .map_err(tracker_error)?;
        Ok(created.item.id)
    }

    fn upsert_release(&self, release: &ReleaseSpec) -> Result<ReleaseResult, tracker::Error> {
        let c = &self.client;
        let found = c
            .find_release(&self.repo, &release.tag)
            .map_err(tracker_error)?;
        let Some(existing) = found else {
            let created = c
                .create_release(
                    &self.repo,
                    &NewRelease {
                        tag_name: release.tag.clone(),
                        name: release.name.clone(),
                        body: release.notes.clone(),
                        draft: release.draft,
                    },
                )
                .map_err(tracker_error)?;
            return Ok(ReleaseResult {
                outcome: ReleaseOutcome::Created,
                url: created.item.html_url,
            });
        };
        let patch = ReleasePatch {
            name: (existing.name.as_deref() != Some(release.name.as_str()))
                .then(|| release.name.clone()),
            body: (!same_text(existing.body.as_deref().unwrap_or_default(), &release.notes))
                .then(|| release.notes.clone()),
            draft: (existing.draft != release.draft).then_some(release.draft),
        };
        if patch.is_empty() {
            return Ok(ReleaseResult {
                outcome: ReleaseOutcome::Unchanged,
                url: existing.html_url,
            });
        }
        let updated = c
            .update_release(&self.repo, existing.id, &patch)
            .map_err(tracker_error)?;
        Ok(ReleaseResult {
            outcome: ReleaseOutcome::Updated,
            url: updated.html_url.or(existing.html_url),
        })
    }

    fn describe_release(
        &self,
        release: &ReleaseSpec,
    ) -> Result<Vec<ReleaseRequest>, tracker::Error> {
        let base = format!("/repos/{}/{}", enc(&self.repo.owner), enc(&self.repo.name));
        Ok(vec![
            ReleaseRequest {
                step: ReleaseStep::Find,
                verb: None,
                path: format!("{base}/releases/tags/{}", enc(&release.tag)),
                fields: Vec::new(),
                when: "first: the published release of the tag",
            },
            ReleaseRequest {
                step: ReleaseStep::Find,
                verb: None,
                path: format!("{base}/releases"),
                fields: Vec::new(),
                when: "when there is none: a draft of the tag",
            },
            ReleaseRequest {
                step: ReleaseStep::Create,
                verb: Some(Verb::Post),
                path: format!("{base}/releases"),
                fields: vec!["tag_name", "name", "body", "draft"],
                when: "when the tag has no release",
            },
            ReleaseRequest {
                step: ReleaseStep::Update,
                verb: Some(Verb::Patch),
                path: format!("{base}/releases/{{release_id}}"),
                fields: vec!["name", "body", "draft"],
                when: "when its name, body or draft state differ (only those are sent)",
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
