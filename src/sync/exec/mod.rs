//! Executing a plan: one write at a time, each item's link recorded as soon as all of its
//! operations succeeded, the record checkpointed every few items.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use gix::ObjectId;

use crate::config::ProjectConfig;
use crate::plan::fields::{self, IssueFields, MilestoneFields};
use crate::plan::links::{Fields, LINKS_DOC, Link, LinkStatus, Links};
use crate::plan::{self, Op, Plan, RemoteState, Settle};
use crate::record::Record;
use crate::repo::{self, Listing, Repo};
use crate::snapshot::Snapshot;
use crate::tracker::{
    self, Created, ErrorKind, Issue, IssueChange, IssueState, LabelChange, Milestone,
    MilestoneChange, NewIssue, NewMilestone, Platform, Tracker,
};

mod checkpoint;
mod relations;
mod requests;
mod worktree;

use super::report::{ConflictReport, Failure, Method, OpKind, OpReport, Outcome, ProjectReport};
use super::{CHECKPOINT_EVERY, ETAGS_DOC, Options, SyncError, keys_by_path, meta_now};

pub struct Executor<'a> {
    repo: &'a Repo,
    snapshot: &'a Snapshot,
    record: &'a mut Record,
    links: &'a mut Links,
    options: &'a Options,
    keys_by_path: BTreeMap<String, String>,
    /// The record's plan files when the run started.
    record_listing: Listing,
    /// Keys whose operations all succeeded / some failed.
    done: BTreeSet<String>,
    failed: BTreeSet<String>,
    /// Projects this run planned.
    projects: Vec<String>,
    since_checkpoint: usize,
    /// Per repository: the newest `updated_at` GitHub had when this run read it.
    watermarks: BTreeMap<String, String>,
    /// Places whose issue dependencies this run read as far as needed (see
    /// [`Links::dependencies`]).
    dependencies_read: BTreeSet<String>,
    /// Per place: how many issues block each issue, as this run last saw it.
    blocked_by_totals: BTreeMap<String, BTreeMap<u64, u64>>,
    /// What this run said of links standing in for dependencies (place, why): once each.
    stand_ins_said: BTreeSet<(String, String)>,
    last_commit: Option<ObjectId>,
    /// Plan files rewritten (or created) with GitHub's changes: the blob the record keeps
    /// for them (the synced commit's version plus those changes).
    pulled: BTreeMap<String, ObjectId>,
    /// Working-tree files written, and whether they held no other uncommitted edit.
    pub written: Vec<(String, bool)>,
    /// Keys whose artifact file this run brought in line with GitHub in what gets committed
    /// (`--commit`), not only in the working tree.
    in_commit: BTreeSet<String>,
    /// Keys of artifacts created from GitHub issues and left uncommitted.
    created_uncommitted: BTreeSet<String>,
}

fn is_newer(candidate: &str, current: Option<&String>) -> bool {
    let parse = |s: &str| s.parse::<jiff::Timestamp>().ok();
    match (parse(candidate), current.and_then(|c| parse(c))) {
        (Some(a), Some(b)) => a > b,
        (Some(_), None) => true,
        _ => false,
    }
}

impl<'a> Executor<'a> {
    pub fn new(
        repo: &'a Repo,
        snapshot: &'a Snapshot,
        record: &'a mut Record,
        links: &'a mut Links,
        options: &'a Options,
    ) -> Executor<'a> {
        let record_listing = record
            .plan_tree
            .and_then(|t| repo.list_plan_tree(t).ok())
            .unwrap_or_default();
        Executor {
            repo,
            snapshot,
            record,
            links,
            options,
            keys_by_path: keys_by_path(snapshot),
            record_listing,
            done: BTreeSet::new(),
            failed: BTreeSet::new(),
            projects: Vec::new(),
            since_checkpoint: 0,
            watermarks: BTreeMap::new(),
            dependencies_read: BTreeSet::new(),
            blocked_by_totals: BTreeMap::new(),
            stand_ins_said: BTreeSet::new(),
            last_commit: None,
            pulled: BTreeMap::new(),
            written: Vec::new(),
            in_commit: BTreeSet::new(),
            created_uncommitted: BTreeSet::new(),
        }
    }

    pub fn links(&self) -> &Links {
        self.links
    }

    pub fn record_commit(&self) -> Option<ObjectId> {
        self.last_commit
    }

    /// Notes the newest `updated_at` GitHub had at the start of the run: the next run asks
    /// for issues updated since then (edits made while this run writes are not missed).
    ///
    /// While the issues read fit in one page, the watermark stays where it is: the next run
    /// then asks the very same question, which GitHub answers 304 when nothing changed
    /// (a new `since` would be a new URL, read in full once more). Keeping an older
    /// watermark is always safe; moving it on only pays once it saves pages.
    pub fn observe_remote(&mut self, repo_key: &str, remote: &RemoteState, page_size: usize) {
        if remote.issues.len() < page_size {
            return;
        }
        let newest = remote
            .issues
            .values()
            .filter_map(|i| i.updated_at.clone())
            .fold(self.links.watermarks.get(repo_key).cloned(), |acc, t| {
                if is_newer(&t, acc.as_ref()) {
                    Some(t)
                } else {
                    acc
                }
            });
        if let Some(w) = newest {
            self.watermarks.insert(repo_key.to_string(), w);
        }
    }

    /// Notes that this run read the dependencies of `place`'s issues as far as needed: the
    /// record knows them from now on (a two-way run's record, see [`Links::dependencies`]).
    pub fn dependencies_read(&mut self, place: &str, remote: &RemoteState) {
        self.dependencies_read.insert(place.to_string());
        let totals = self.blocked_by_totals.entry(place.to_string()).or_default();
        for i in remote.issues.values() {
            if let Some(n) = i.blocked_by_count {
                totals.insert(i.number, n);
            }
        }
    }

    /// Notes how many issues block an issue now (after this run set its dependencies).
    pub(super) fn saw_blocked_by(&mut self, place: &str, issue: &Issue) {
        if let Some(n) = issue.blocked_by_count {
            self.blocked_by_totals
                .entry(place.to_string())
                .or_default()
                .insert(issue.number, n);
        }
    }

    /// Notes which of issue `number`'s dependencies stand on links that don't say them:
    /// those the tracker just said so of, none of those just removed.
    pub(super) fn saw_stand_ins(
        &mut self,
        place: &str,
        number: u64,
        removed: &[u64],
        made: &[tracker::StandIns],
    ) {
        let by_issue = self.links.stand_ins.entry(place.to_string()).or_default();
        let mine = by_issue.entry(number).or_default();
        for r in removed {
            mine.remove(r);
        }
        for m in made {
            mine.extend(m.issues.iter().copied());
        }
        if mine.is_empty() {
            by_issue.remove(&number);
        }
        if by_issue.is_empty() {
            self.links.stand_ins.remove(place);
        }
    }

    /// Notes an issue a dependency write moved (on GitLab, a link writes a note on both
    /// issues): its link takes the new `updated_at`, so that the next sync doesn't read
    /// that issue's dependencies again. A push-only run keeps the tracker's side as it
    /// was.
    pub(super) fn saw_moved(&mut self, place: &str, issue: &Issue) {
        self.saw_blocked_by(place, issue);
        if self.options.direction != plan::Direction::Both {
            return;
        }
        let Some(now) = &issue.updated_at else {
            return;
        };
        for link in self.links.items.values_mut() {
            if link.repo == place
                && link.target == fields::Target::Issue
                && link.number == issue.number
                && !link.retired
                && is_newer(now, link.updated_at.as_ref())
            {
                link.updated_at = Some(now.clone());
            }
        }
    }

    /// Executes one project's plan (or, in a dry run, reports it).
    pub fn execute(
        &mut self,
        project: &str,
        cfg: &ProjectConfig,
        tracker: &dyn Tracker,
        planned: Plan,
        remote: &RemoteState,
    ) -> Result<ProjectReport, SyncError> {
        let repo_name = tracker.place().to_string();
        self.projects.push(project.to_string());
        let mut report = ProjectReport {
            project: project.to_string(),
            tracker: tracker.platform(),
            repo: repo_name.clone(),
            notes: planned.notes.clone(),
            conflicts: planned
                .conflicts
                .iter()
                .map(|(key, c)| ConflictReport {
                    key: key.clone(),
                    conflict: c.clone(),
                })
                .collect(),
            ..ProjectReport::default()
        };
        let mut remaining: HashMap<String, usize> = HashMap::new();
        for op in &planned.ops {
            if let Some(k) = op.key() {
                *remaining.entry(k.to_string()).or_default() += 1;
            }
        }
        report.unchanged = planned
            .settle
            .iter()
            .filter(|s| !remaining.contains_key(&s.key))
            .count();
        if self.options.dry_run {
            report.ops = planned
                .ops
                .iter()
                .map(|op| OpReport::planned(op, tracker))
                .collect();
            return Ok(report);
        }

        let settle: HashMap<String, Settle> = planned
            .settle
            .into_iter()
            .map(|s| (s.key.clone(), s))
            .collect();
        // What each settled item got from GitHub (number, fields, updated_at, url).
        let mut outcome: HashMap<String, (u64, Fields, Option<String>, Option<String>)> =
            HashMap::new();
        // The issue of each key, as this run created or found it.
        let mut numbers: HashMap<String, u64> = HashMap::new();
        let mut milestone_numbers: HashMap<String, u64> = remote
            .milestones
            .iter()
            .map(|m| (m.title.trim().to_lowercase(), m.number))
            .collect();

        // Items with nothing to do are settled up front.
        for s in settle.values() {
            if !remaining.contains_key(&s.key)
                && let Some(number) = s.number
            {
                self.settle_item(s, tracker, number, s.remote.clone(), None, None);
            }
        }
        self.checkpoint_if_due(true)?;

        let bar = if self.options.progress {
            crate::output::progress(planned.ops.len() as u64, &format!("syncing {project}"))
        } else {
            indicatif::ProgressBar::hidden()
        };
        for op in &planned.ops {
            bar.inc(1);
            let mut entry = OpReport::planned(op, tracker);
            let key = op.key().map(str::to_string);
            if key.as_ref().is_some_and(|k| self.failed.contains(k)) {
                entry.outcome = Outcome::Skipped;
                report.ops.push(entry);
                continue;
            }
            let result = match op {
                Op::EditArtifact { path, edit, to, .. } => {
                    self.apply_edit(path, edit, to.as_deref())
                }
                Op::CreateArtifact { path, text, .. } => self.create_artifact(path, text),
                Op::SetDependencies { .. } => self
                    .set_dependencies(op, tracker, &numbers)
                    .map_err(OpError::Tracker),
                Op::SetCard { .. } => self
                    .set_card(op, tracker, &numbers)
                    .map_err(OpError::Tracker),
                Op::SetParent { .. } => self
                    .set_parent(op, tracker, &numbers)
                    .map_err(OpError::Tracker),
                _ => self
                    .run_op(op, cfg, tracker, &mut milestone_numbers, remote)
                    .map_err(OpError::Tracker),
            };
            match result {
                Ok(done) => {
                    entry.outcome = if done.adopted {
                        Outcome::Adopted
                    } else {
                        Outcome::Done
                    };
                    if let Some(k) = &key {
                        match op {
                            Op::EditArtifact { .. } if done.in_commit => {
                                self.in_commit.insert(k.clone());
                            }
                            Op::CreateArtifact { .. } if !self.options.commit => {
                                self.created_uncommitted.insert(k.clone());
                            }
                            _ => {}
                        }
                    }
                    if let (Some(k), Some((number, fields, updated_at, url))) = (&key, done.item) {
                        entry.number = Some(number);
                        numbers.insert(k.clone(), number);
                        outcome.insert(k.clone(), (number, fields, updated_at, url));
                    }
                    if let Some(note) = done.note {
                        report.notes.push(plan::Note {
                            key: key.clone(),
                            message: note,
                            incomplete: true,
                        });
                    }
                    if let Some(info) = done.info {
                        report.notes.push(plan::Note {
                            key: key.clone(),
                            message: info,
                            incomplete: false,
                        });
                    }
                }
                Err(OpError::Local(message)) => {
                    let message = format!("{}: {message}", entry.path);
                    self.fail(
                        key.as_deref(),
                        &mut entry,
                        &mut report,
                        message.clone(),
                        message,
                    );
                }
                Err(OpError::Tracker(e)) => {
                    // A token the tracker rejects, one without the permission to write
                    // here, or a server whose certificate is not trusted: every later write
                    // would fail the same way, so the run stops at the first, keeping in
                    // the record what synced before it.
                    if e.kind.stops_run() {
                        bar.finish_and_clear();
                        self.checkpoint(false)?;
                        return Err(SyncError::Tracker {
                            context: format!("the sync of {project} with {repo_name} stopped"),
                            source: e,
                        });
                    }
                    // The error names the request itself.
                    let message = e.with_hint();
                    self.fail(
                        key.as_deref(),
                        &mut entry,
                        &mut report,
                        message.clone(),
                        message,
                    );
                }
            }
            report.ops.push(entry);
            if let Some(k) = key {
                let left = remaining.entry(k.clone()).or_default();
                *left = left.saturating_sub(1);
                if *left == 0 && !self.failed.contains(&k) {
                    if let Some(s) = settle.get(&k) {
                        let got = outcome.remove(&k);
                        let (number, remote_fields, updated_at, url) = match got {
                            Some((n, f, u, url)) => (Some(n), f, u, url),
                            None => (s.number, s.remote.clone(), None, None),
                        };
                        if let Some(number) = number {
                            self.settle_item(s, tracker, number, remote_fields, updated_at, url);
                        }
                    }
                    self.checkpoint_if_due(false)?;
                }
            }
        }
        bar.finish_and_clear();
        if self.options.write_links {
            self.write_links(project, &repo_name, &mut report);
        }
        Ok(report)
    }

    /// Records a failed operation: in the report, and on the item's link (which keeps its
    /// last good bases, so the item stays pending and is retried next time).
    fn fail(
        &mut self,
        key: Option<&str>,
        entry: &mut OpReport,
        report: &mut ProjectReport,
        message: String,
        error: String,
    ) {
        entry.outcome = Outcome::Failed;
        entry.error = Some(error);
        report.failures.push(Failure {
            key: key.map(str::to_string),
            message: message.clone(),
        });
        if let Some(k) = key {
            self.failed.insert(k.to_string());
            if let Some(link) = self.links.items.get_mut(k) {
                link.status = LinkStatus::Failed;
                link.message = Some(message);
            }
        }
    }

    fn settle_item(
        &mut self,
        s: &Settle,
        tracker: &dyn Tracker,
        number: u64,
        remote: Fields,
        updated_at: Option<String>,
        url: Option<String>,
    ) {
        let mut local = s.local.clone();
        let mut remote = remote;
        // The tracker's answer to an issue write doesn't say its dependencies, its card's
        // column or its parent in the plan's terms: they are what this run left there.
        if let (Fields::Issue(r), Fields::Issue(sent)) = (&mut remote, &s.remote) {
            if r.depends_on.is_none() {
                r.depends_on = sent.depends_on.clone();
            }
            if r.column.is_none() {
                r.column = sent.column.clone();
            }
            if r.parent.is_none() {
                r.parent = sent.parent.clone();
            }
        }
        // Whatever GitHub could not take (a milestone that doesn't exist) stays pending.
        if let (Fields::Issue(l), Fields::Issue(r), Fields::Issue(sent)) =
            (&mut local, &remote, &s.remote)
            && l.milestone.is_some()
            && r.milestone.is_none()
            && sent.milestone.is_some()
        {
            l.milestone = None;
        }
        let mut link: Link = plan::link_of(s, tracker.place(), number, remote, updated_at, url);
        link.tracker = tracker.platform();
        link.host = Some(tracker.host());
        link.local = Some(local);
        // A push-only run leaves GitHub's side of the merge base where it was for what
        // GitHub has differently from the plan: a change made there meanwhile is still a
        // change for the next two-way sync to bring in. What GitHub and the plan agree on
        // (what this run pushed) is the new base, so a later push of the same field is
        // a change of the plan only, not a conflict with our own earlier push.
        if self.options.direction == plan::Direction::Push
            && let Some(old) = self.links.items.get(&s.key)
            && let (Some(old_remote), Some(now), Some(local)) =
                (&old.remote, &link.remote, &link.local)
        {
            link.remote = Some(plan::links::push_only_base(old_remote, now, local));
            link.updated_at = old.updated_at.clone();
        }
        if self.in_commit.contains(&s.key) {
            link.committed = None;
        }
        if self.created_uncommitted.contains(&s.key) {
            link.status = LinkStatus::Pending;
        }
        self.links.items.insert(s.key.clone(), link);
        self.done.insert(s.key.clone());
        self.since_checkpoint += 1;
    }
}

/// Why an operation failed.
enum OpError {
    Tracker(tracker::Error),
    /// Writing the plan's files.
    Local(String),
}

/// What one executed operation produced.
#[derive(Default)]
struct Done {
    adopted: bool,
    /// An artifact edit is in what this run commits (or changed nothing committed).
    in_commit: bool,
    item: Option<(u64, Fields, Option<String>, Option<String>)>,
    /// Something did not fully go through (the run exits 1).
    note: Option<String>,
    /// Worth saying, but everything synced.
    info: Option<String>,
}
