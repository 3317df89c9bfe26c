//! Executing a plan: one write at a time, each item's link recorded as soon as all of its
//! operations succeeded, the record checkpointed every few items.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use gix::ObjectId;

use crate::config::ProjectConfig;
use crate::github::{
    self, Client, Issue, IssuePatch, Milestone, MilestonePatch, NewIssue, NewMilestone, RepoRef,
    State,
};
use crate::plan::fields::{self, IssueFields, MilestoneFields};
use crate::plan::links::{Fields, LINKS_DOC, Link, LinkStatus, Links};
use crate::plan::{self, Op, Plan, RemoteState, Settle};
use crate::record::Record;
use crate::repo::{self, Listing, Repo};
use crate::snapshot::Snapshot;

use super::report::{ConflictReport, Failure, OpReport, ProjectReport};
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
    pub fn observe_remote(&mut self, repo_key: &str, remote: &RemoteState) {
        if remote.issues.len() < github::PER_PAGE as usize {
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

    /// Executes one project's plan (or, in a dry run, reports it).
    pub fn execute(
        &mut self,
        project: &str,
        cfg: &ProjectConfig,
        client: &Client,
        repo: &RepoRef,
        planned: Plan,
        remote: &RemoteState,
    ) -> Result<ProjectReport, SyncError> {
        let repo_name = repo.to_string();
        self.projects.push(project.to_string());
        let mut report = ProjectReport {
            project: project.to_string(),
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
                .map(|op| OpReport::planned(op, &repo_name))
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
        let mut milestone_numbers: HashMap<String, u64> = remote
            .milestones
            .iter()
            .map(|m| (m.title.trim().to_lowercase(), m.number))
            .collect();

        // Items with nothing to do are settled up front.
        for s in settle.values() {
            if !remaining.contains_key(&s.key) {
                if let Some(number) = s.number {
                    self.settle_item(s, &repo_name, number, s.remote.clone(), None, None);
                }
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
            let mut entry = OpReport::planned(op, &repo_name);
            let key = op.key().map(str::to_string);
            if key.as_ref().is_some_and(|k| self.failed.contains(k)) {
                entry.outcome = "skipped".to_string();
                report.ops.push(entry);
                continue;
            }
            let result = match op {
                Op::EditArtifact { path, edit, .. } => self.apply_edit(path, edit),
                Op::CreateArtifact { path, text, .. } => self.create_artifact(path, text),
                _ => self
                    .run_op(op, cfg, client, repo, &mut milestone_numbers, &settle)
                    .map_err(OpError::Github),
            };
            match result {
                Ok(done) => {
                    entry.outcome = if done.adopted { "adopted" } else { "done" }.to_string();
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
                        outcome.insert(k.clone(), (number, fields, updated_at, url));
                    }
                    if let Some(note) = done.note {
                        report.notes.push(plan::Note {
                            key: key.clone(),
                            message: note,
                            incomplete: true,
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
                Err(OpError::Github(e)) => {
                    if e.is_unauthorized() {
                        bar.finish_and_clear();
                        self.checkpoint(true)?;
                        return Err(SyncError::Github {
                            context: format!("{} {}", entry.method, entry.path),
                            source: e,
                        });
                    }
                    let message = format!("{} {}: {e}", entry.method, entry.path);
                    self.fail(
                        key.as_deref(),
                        &mut entry,
                        &mut report,
                        message,
                        e.to_string(),
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
                            self.settle_item(s, &repo_name, number, remote_fields, updated_at, url);
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

    /// `--write-links`: `related_issues` / `related_milestone` in the files of linked items
    /// that don't name their GitHub item yet (comments and layout kept).
    fn write_links(&mut self, project: &str, repo: &str, report: &mut ProjectReport) {
        let wanted: Vec<(String, String, crate::writeback::Edit)> = self
            .snapshot
            .artifacts
            .iter()
            .filter(|a| a.project() == project)
            .filter_map(|a| {
                let key = plan::links::key(project, &a.id);
                let link = self
                    .links
                    .items
                    .get(&key)
                    .filter(|l| !l.retired && self.done.contains(&key))?;
                let edit = match link.target {
                    fields::Target::Issue => {
                        let reference = format!("{repo}#{}", link.number);
                        let mut refs = a.list_field("related_issues");
                        if refs
                            .iter()
                            .any(|r| r == &reference || link.url.as_deref() == Some(r.as_str()))
                        {
                            return None;
                        }
                        refs.push(reference);
                        crate::writeback::Edit::new().set_list("related_issues", refs)
                    }
                    fields::Target::Milestone => {
                        let reference = link
                            .url
                            .clone()
                            .unwrap_or_else(|| format!("{repo}#milestone/{}", link.number));
                        if a.str_field("related_milestone") == Some(reference.as_str()) {
                            return None;
                        }
                        crate::writeback::Edit::new().set("related_milestone", reference)
                    }
                };
                Some((key, a.path.clone(), edit))
            })
            .collect();
        for (key, path, edit) in wanted {
            let mut entry = OpReport {
                op: "write_link".to_string(),
                key: Some(key.clone()),
                method: "EDIT".to_string(),
                path: path.clone(),
                fields: edit.fields.iter().map(|(k, _)| k.clone()).collect(),
                title: String::new(),
                outcome: "done".to_string(),
                number: None,
                error: None,
            };
            if let Err(e) = self.apply_edit(&path, &edit) {
                let message = match e {
                    OpError::Local(m) => m,
                    OpError::Github(g) => g.to_string(),
                };
                entry.outcome = "failed".to_string();
                entry.error = Some(message.clone());
                report.notes.push(plan::Note {
                    key: Some(key),
                    message: format!("{path}: the link was not written: {message}"),
                    incomplete: false,
                });
            }
            report.ops.push(entry);
        }
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
        entry.outcome = "failed".to_string();
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
        repo: &str,
        number: u64,
        remote: Fields,
        updated_at: Option<String>,
        url: Option<String>,
    ) {
        let mut local = s.local.clone();
        // Whatever GitHub could not take (a milestone that doesn't exist) stays pending.
        if let (Fields::Issue(l), Fields::Issue(r)) = (&mut local, &remote) {
            if l.milestone.is_some() && r.milestone.is_none() {
                l.milestone = None;
            }
        }
        let mut link: Link = plan::link_of(s, repo, number, remote, updated_at, url);
        link.local = Some(local);
        // A push-only run leaves GitHub's side of the merge base where it was: what GitHub
        // changed meanwhile is still a change for the next two-way sync to bring in (what
        // this run pushed reads back as "changed to the plan's value", a no-op).
        if self.options.direction == plan::Direction::Push {
            if let Some(old) = self.links.items.get(&s.key).filter(|l| l.remote.is_some()) {
                link.remote = old.remote.clone();
                link.updated_at = old.updated_at.clone();
            }
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

    fn checkpoint_if_due(&mut self, force_if_any: bool) -> Result<(), SyncError> {
        if self.since_checkpoint >= CHECKPOINT_EVERY || (force_if_any && self.since_checkpoint > 0)
        {
            self.checkpoint(false)?;
        }
        Ok(())
    }

    /// Writes links and the synced files so far into the record.
    fn checkpoint(&mut self, final_pass: bool) -> Result<(), SyncError> {
        self.record.set_json(LINKS_DOC, &*self.links)?;
        let changes = self.plan_tree_changes(final_pass);
        self.record.update_plan(self.repo, changes)?;
        let message = format!("sync checkpoint: {} items", self.done.len());
        if let Some(c) = self.record.commit(self.repo, &message)? {
            self.last_commit = Some(c);
        }
        self.since_checkpoint = 0;
        Ok(())
    }

    /// Which plan files the record should now hold as synced. Before the end of the run,
    /// only files of items already settled move; at the end, files that sync nothing
    /// (configs, initiatives, other types) move too.
    fn plan_tree_changes(&self, final_pass: bool) -> Vec<(String, Option<ObjectId>)> {
        let mut out = Vec::new();
        let failed_paths: BTreeSet<&str> = self
            .failed
            .iter()
            .filter_map(|k| self.links.items.get(k))
            .filter_map(|l| l.path.as_deref())
            .collect();
        let unparsed: BTreeSet<&str> = self
            .snapshot
            .problems
            .iter()
            .filter(|p| p.is_error())
            .map(|p| p.path.as_str())
            .collect();
        for project in &self.projects {
            let prefix = format!("{project}/");
            for (rel, oid) in self.snapshot.listing.range(prefix.clone()..) {
                if !rel.starts_with(&prefix) {
                    break;
                }
                let path = repo::repo_path(rel);
                let ready = match self.keys_by_path.get(&path) {
                    Some(key) if self.done.contains(key) => true,
                    Some(key) if self.failed.contains(key) => false,
                    Some(key) => {
                        final_pass
                            && !self.links.items.contains_key(key)
                            && !self.failed.contains(key)
                    }
                    None => final_pass && !unparsed.contains(path.as_str()),
                };
                let oid = self.pulled.get(rel).unwrap_or(oid);
                if ready && self.record_listing.get(rel) != Some(oid) {
                    out.push((rel.clone(), Some(*oid)));
                }
            }
            // New artifacts made from GitHub issues are not in the synced commit yet.
            for (rel, oid) in self.pulled.range(prefix.clone()..) {
                if !rel.starts_with(&prefix) {
                    break;
                }
                let key = self.keys_by_path.get(&repo::repo_path(rel));
                if !self.snapshot.listing.contains_key(rel)
                    && key.is_none_or(|k| !self.failed.contains(k))
                {
                    out.push((rel.clone(), Some(*oid)));
                }
            }
            for rel in self.record_listing.keys() {
                if !rel.starts_with(&prefix) || self.snapshot.listing.contains_key(rel) {
                    continue;
                }
                let path = repo::repo_path(rel);
                let link = self
                    .links
                    .items
                    .iter()
                    .find(|(_, l)| l.path.as_deref() == Some(path.as_str()));
                let gone = match link {
                    Some((key, _)) => {
                        self.done.contains(key)
                            || (final_pass && !failed_paths.contains(path.as_str()))
                    }
                    None => final_pass,
                };
                if gone {
                    out.push((rel.clone(), None));
                }
            }
        }
        out
    }

    /// Forgets what `sync --fetch-only` recorded: this run brought it in.
    pub fn clear_incoming(&mut self) -> Result<(), SyncError> {
        self.record.remove(super::incoming::INCOMING_DOC);
        Ok(())
    }

    /// Ends a run: final links, files, ETags, watermarks and metadata in one record commit.
    pub fn finish(
        &mut self,
        etags: &github::EtagCache,
        source_commit: &str,
    ) -> Result<(), SyncError> {
        // Only a complete two-way run may move the watermark: after a push-only run, GitHub's
        // changes it did not bring in must still be read next time.
        if self.failed.is_empty() && self.options.direction == plan::Direction::Both {
            for (repo, w) in &self.watermarks {
                self.links.watermarks.insert(repo.clone(), w.clone());
            }
        }
        // Keep only what this run asked for, so the cache does not grow forever.
        let mut etags = etags.clone();
        etags.retain_used();
        self.record.set_json(ETAGS_DOC, &etags)?;
        let meta = meta_now(source_commit);
        let old = self.record.meta()?;
        if self.record.is_dirty()
            || self.since_checkpoint > 0
            || old.source_commit != meta.source_commit
        {
            self.record.set_json("meta.json", &meta)?;
        }
        self.checkpoint(true)?;
        Ok(())
    }

    /// Brings GitHub's changes into an artifact file of the working tree. The file may hold
    /// uncommitted edits: fields are set on top of them and bodies merge line by line; when
    /// the body edits overlap, nothing is written and the item stays pending (no edit is lost).
    fn apply_edit(&mut self, path: &str, edit: &crate::writeback::Edit) -> Result<Done, OpError> {
        use crate::writeback;
        let rel = path
            .strip_prefix(&format!("{}/", crate::PLAN_ROOT))
            .unwrap_or(path)
            .to_string();
        let workdir = self
            .repo
            .workdir()
            .ok_or_else(|| OpError::Local("no working tree to write to".into()))?;
        let head_oid = *self
            .snapshot
            .listing
            .get(&rel)
            .ok_or_else(|| OpError::Local("not in the synced commit".into()))?;
        let head_text = String::from_utf8(
            self.repo
                .read_blob(head_oid)
                .map_err(|e| OpError::Local(e.to_string()))?,
        )
        .map_err(|_| OpError::Local("not UTF-8".into()))?;
        let new_head =
            writeback::apply(&head_text, edit).map_err(|e| OpError::Local(e.to_string()))?;
        let file = workdir.join(path);
        let current = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(OpError::Local(
                    "removed from the working tree: GitHub's changes were not applied (commit the removal, or restore the file, and sync again)".into(),
                ));
            }
            Err(e) => return Err(OpError::Local(format!("cannot read it: {e}"))),
        };
        let clean = current == head_text;
        let text = if clean {
            new_head.clone()
        } else {
            let mut merged_edit = edit.clone();
            if let Some(new_body) = &edit.body {
                let body_of = |t: &str| {
                    crate::artifact::split_frontmatter(t)
                        .map(|s| s.body.to_string())
                        .unwrap_or_default()
                };
                // Line ends don't count (the file's own are put back when it is written).
                let lf = |t: &str| t.replace("\r\n", "\n");
                match writeback::merge_text(
                    &lf(&body_of(&head_text)),
                    &lf(&body_of(&current)),
                    &lf(new_body),
                ) {
                    Ok(m) => merged_edit.body = Some(m),
                    Err(_) => {
                        return Err(OpError::Local(
                            "the body changed on GitHub and in your uncommitted edits, in the same lines: nothing was written; commit your edits and sync again to settle it".into(),
                        ));
                    }
                }
            }
            writeback::apply(&current, &merged_edit).map_err(|e| OpError::Local(e.to_string()))?
        };
        if text != current {
            writeback::write_atomic(&file, text.as_bytes())
                .map_err(|e| OpError::Local(e.to_string()))?;
            self.written.push((path.to_string(), clean));
        }
        // Committed by this run (`--commit` takes files without other edits), or nothing to
        // commit: the committed file says it already.
        let in_commit = new_head == head_text || (self.options.commit && clean);
        let oid = self
            .repo
            .gix()
            .write_blob(new_head.as_bytes())
            .map_err(|e| OpError::Local(format!("cannot store the new version: {e}")))?
            .detach();
        self.pulled.insert(rel, oid);
        Ok(Done {
            in_commit,
            ..Done::default()
        })
    }

    /// Writes a new artifact file (for a GitHub issue the plan didn't have).
    fn create_artifact(&mut self, path: &str, text: &str) -> Result<Done, OpError> {
        let rel = path
            .strip_prefix(&format!("{}/", crate::PLAN_ROOT))
            .unwrap_or(path)
            .to_string();
        let workdir = self
            .repo
            .workdir()
            .ok_or_else(|| OpError::Local("no working tree to write to".into()))?;
        let file = workdir.join(path);
        if file.exists() {
            return Err(OpError::Local(
                "a file with that name exists already".into(),
            ));
        }
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| OpError::Local(format!("cannot create {}: {e}", dir.display())))?;
        }
        crate::writeback::write_atomic(&file, text.as_bytes())
            .map_err(|e| OpError::Local(e.to_string()))?;
        self.written.push((path.to_string(), true));
        let oid = self
            .repo
            .gix()
            .write_blob(text.as_bytes())
            .map_err(|e| OpError::Local(format!("cannot store the new file: {e}")))?
            .detach();
        self.pulled.insert(rel, oid);
        Ok(Done::default())
    }

    fn run_op(
        &mut self,
        op: &Op,
        cfg: &ProjectConfig,
        client: &Client,
        repo: &RepoRef,
        milestones: &mut HashMap<String, u64>,
        _settle: &HashMap<String, Settle>,
    ) -> Result<Done, github::Error> {
        let _ = cfg;
        match op {
            Op::CreateLabel {
                name,
                color,
                description,
            } => match client.create_label(repo, name, color, Some(description)) {
                Ok(_) => Ok(Done::default()),
                // Created since we read the labels (by someone else, or by another project
                // syncing to this repository): use it as it is.
                Err(e) if e.is_already_exists() => Ok(Done {
                    adopted: true,
                    ..Done::default()
                }),
                Err(e) => Err(e),
            },
            Op::CreateMilestone { marker, fields, .. } => {
                let new = NewMilestone {
                    title: fields.title.clone(),
                    description: Some(milestone_description(fields, marker.as_deref())),
                    state: fields.closed.then_some(State::Closed),
                    due_on: fields.due_on.as_deref().map(fields::due_on_timestamp),
                };
                let created = match client.create_milestone(repo, &new) {
                    Ok(c) => c,
                    // Someone created it between our read and our write: adopt it.
                    Err(e) if e.is_already_exists() => {
                        match client.find_milestone_by_title(repo, &fields.title)? {
                            Some(m) => github::Created {
                                item: m,
                                adopted: true,
                            },
                            None => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                };
                let mut m = created.item;
                if created.adopted && fields::remote_milestone_fields(&m) != *fields {
                    m = client.update_milestone(
                        repo,
                        m.number,
                        &milestone_patch(fields, marker.as_deref()),
                    )?;
                }
                milestones.insert(m.title.trim().to_lowercase(), m.number);
                Ok(Done::milestone(&m, created.adopted))
            }
            Op::UpdateMilestone {
                number,
                marker,
                fields,
                changed,
                ..
            } => {
                let m = client.update_milestone(
                    repo,
                    *number,
                    &changed_milestone_patch(fields, marker.as_deref(), changed),
                )?;
                milestones.insert(m.title.trim().to_lowercase(), m.number);
                Ok(Done::milestone(&m, false))
            }
            Op::DeleteMilestone { number, .. } => {
                client.delete_milestone(repo, *number)?;
                Ok(Done::default())
            }
            Op::CreateIssue { marker, fields, .. } => {
                let (milestone, note) = resolve_milestone(fields, milestones);
                let new = NewIssue {
                    title: fields.title.clone(),
                    body: Some(fields::with_marker(&fields.body, marker)),
                    labels: fields.labels.iter().cloned().collect(),
                    assignees: fields.assignees.iter().cloned().collect(),
                    milestone,
                };
                let marker_line = fields::marker_line(marker);
                let since = client.run_started_since();
                let mut note = note;
                let created = match client.create_issue(repo, &new, |c| {
                    c.find_issue_with_marker(repo, &marker_line, Some(&since))
                }) {
                    Err(e) if rejects_assignees(&e) && !new.assignees.is_empty() => {
                        note = Some(unassignable(&new.assignees));
                        let new = NewIssue {
                            assignees: Vec::new(),
                            ..new
                        };
                        client.create_issue(repo, &new, |c| {
                            c.find_issue_with_marker(repo, &marker_line, Some(&since))
                        })?
                    }
                    other => other?,
                };
                let mut issue = created.item;
                if fields.closed && issue.state != State::Closed {
                    issue = client.update_issue(
                        repo,
                        issue.number,
                        &IssuePatch {
                            state: Some(State::Closed),
                            state_reason: Some(fields.state_reason.clone()),
                            ..IssuePatch::default()
                        },
                    )?;
                }
                let mut done = Done::issue(&issue, created.adopted);
                done.note = note;
                Ok(done)
            }
            Op::UpdateIssue {
                number,
                marker,
                fields,
                changed,
                ..
            } => {
                let (milestone, note) = resolve_milestone(fields, milestones);
                let mut patch = IssuePatch::default();
                for c in changed {
                    match c.as_str() {
                        "title" => patch.title = Some(fields.title.clone()),
                        "body" => patch.body = Some(fields::with_marker(&fields.body, marker)),
                        "state" => {
                            patch.state = Some(if fields.closed {
                                State::Closed
                            } else {
                                State::Open
                            });
                            if fields.closed {
                                patch.state_reason = Some(fields.state_reason.clone());
                            }
                        }
                        "labels" => patch.labels = Some(fields.labels.iter().cloned().collect()),
                        "assignees" => {
                            patch.assignees = Some(fields.assignees.iter().cloned().collect())
                        }
                        "milestone" => patch.milestone = Some(milestone),
                        _ => {}
                    }
                }
                let mut note = note;
                let issue = match client.update_issue(repo, *number, &patch) {
                    Err(e)
                        if rejects_assignees(&e)
                            && patch.assignees.as_ref().is_some_and(|a| !a.is_empty()) =>
                    {
                        note = Some(unassignable(patch.assignees.as_deref().unwrap_or_default()));
                        patch.assignees = None;
                        if patch.is_empty() {
                            client.get_issue(repo, *number)?
                        } else {
                            client.update_issue(repo, *number, &patch)?
                        }
                    }
                    other => other?,
                };
                let mut done = Done::issue(&issue, false);
                done.note = note;
                Ok(done)
            }
            Op::EditArtifact { .. } | Op::CreateArtifact { .. } => Ok(Done::default()),
        }
    }
}

/// GitHub's 422 for logins that can't be assigned (not collaborators).
fn rejects_assignees(e: &github::Error) -> bool {
    e.status() == Some(422)
        && e.field_errors()
            .iter()
            .any(|f| f.field.as_deref() == Some("assignees"))
}

fn unassignable(logins: &[String]) -> String {
    format!(
        "GitHub can't assign {} (not a collaborator of the repository?): the issue was left unassigned",
        logins.join(", ")
    )
}

/// Why an operation failed.
enum OpError {
    Github(github::Error),
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
    note: Option<String>,
}

impl Done {
    fn issue(i: &Issue, adopted: bool) -> Done {
        Done {
            adopted,
            item: Some((
                i.number,
                Fields::Issue(fields::remote_issue_fields(i)),
                i.updated_at.clone(),
                i.html_url.clone(),
            )),
            note: None,
            in_commit: false,
        }
    }

    fn milestone(m: &Milestone, adopted: bool) -> Done {
        Done {
            adopted,
            item: Some((
                m.number,
                Fields::Milestone(fields::remote_milestone_fields(m)),
                m.updated_at.clone(),
                m.html_url.clone(),
            )),
            note: None,
            in_commit: false,
        }
    }
}

fn milestone_description(fields: &MilestoneFields, marker: Option<&str>) -> String {
    match marker {
        Some(id) => fields::with_marker(&fields.description, id),
        None => fields.description.clone(),
    }
}

fn milestone_patch(fields: &MilestoneFields, marker: Option<&str>) -> MilestonePatch {
    MilestonePatch {
        title: Some(fields.title.clone()),
        description: Some(Some(milestone_description(fields, marker))),
        state: Some(if fields.closed {
            State::Closed
        } else {
            State::Open
        }),
        due_on: Some(fields.due_on.as_deref().map(fields::due_on_timestamp)),
    }
}

/// Only the `changed` fields (as the plan names them): what is sent is what the dry run
/// shows, and a field nobody changed (the description with its marker line, when a
/// milestone is only closed) is left as GitHub has it.
fn changed_milestone_patch(
    fields: &MilestoneFields,
    marker: Option<&str>,
    changed: &[String],
) -> MilestonePatch {
    let full = milestone_patch(fields, marker);
    let has = |f: &str| changed.iter().any(|c| c == f);
    MilestonePatch {
        title: full.title.filter(|_| has("title")),
        description: full.description.filter(|_| has("description")),
        state: full.state.filter(|_| has("state")),
        due_on: full.due_on.filter(|_| has("due_on")),
    }
}

/// The milestone number for an issue's milestone title; a note when it can't be found.
fn resolve_milestone(
    fields: &IssueFields,
    milestones: &HashMap<String, u64>,
) -> (Option<u64>, Option<String>) {
    match &fields.milestone {
        None => (None, None),
        Some(title) => match milestones.get(&title.trim().to_lowercase()) {
            Some(n) => (Some(*n), None),
            None => (
                None,
                Some(format!(
                    "milestone `{title}` is not on GitHub: the issue was synced without it"
                )),
            ),
        },
    }
}
