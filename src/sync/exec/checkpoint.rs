//! Advancing the sync record: checkpoints during a run (links and the files of items
//! already settled) and the final commit (watermarks, ETags, metadata).

use super::*;

impl Executor<'_> {
    pub(super) fn checkpoint_if_due(&mut self, force_if_any: bool) -> Result<(), SyncError> {
        if self.since_checkpoint >= CHECKPOINT_EVERY || (force_if_any && self.since_checkpoint > 0)
        {
            self.checkpoint(false)?;
        }
        Ok(())
    }

    /// Writes links and the synced files so far into the record.
    pub(super) fn checkpoint(&mut self, final_pass: bool) -> Result<(), SyncError> {
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
    pub(super) fn plan_tree_changes(&self, final_pass: bool) -> Vec<(String, Option<ObjectId>)> {
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
        self.record.remove(crate::sync::incoming::INCOMING_DOC);
        Ok(())
    }

    /// Keeps, of the links standing in for dependencies, those whose dependency is still
    /// known (gone from either side: the link stands for nothing any more).
    fn prune_stand_ins(&mut self) {
        let links = &*self.links;
        let mut kept = BTreeMap::new();
        for (place, by_issue) in &links.stand_ins {
            let mut place_kept = BTreeMap::new();
            for (number, others) in by_issue {
                let Some((key, link)) = links.items.iter().find(|(_, l)| {
                    &l.repo == place
                        && l.target == plan::fields::Target::Issue
                        && l.number == *number
                        && !l.retired
                }) else {
                    continue;
                };
                let project = key.split_once('/').map_or("", |(p, _)| p);
                let depends_on: BTreeSet<u64> = link
                    .remote
                    .as_ref()
                    .and_then(Fields::issue)
                    .and_then(|f| f.depends_on.as_ref())
                    .into_iter()
                    .flatten()
                    .filter_map(|id| links.items.get(&plan::links::key(project, id)))
                    .filter(|l| &l.repo == place)
                    .map(|l| l.number)
                    .collect();
                let still: BTreeSet<u64> = others.intersection(&depends_on).copied().collect();
                if !still.is_empty() {
                    place_kept.insert(*number, still);
                }
            }
            if !place_kept.is_empty() {
                kept.insert(place.clone(), place_kept);
            }
        }
        self.links.stand_ins = kept;
    }

    /// Ends a run: final links, files, ETags, watermarks and metadata in one record commit.
    pub fn finish(
        &mut self,
        etags: &crate::tracker::EtagCache,
        source_commit: &str,
    ) -> Result<(), SyncError> {
        // Only a complete two-way run may move the watermark: after a push-only run, GitHub's
        // changes it did not bring in must still be read next time.
        if self.failed.is_empty() && self.options.direction == plan::Direction::Both {
            for (repo, w) in &self.watermarks {
                self.links.watermarks.insert(repo.clone(), w.clone());
            }
        }
        // A push-only run keeps GitHub's side of the base as it was (dependencies not
        // known before stay unknown): only a two-way run makes the record know them.
        if self.options.direction == plan::Direction::Both {
            self.links
                .dependencies
                .extend(self.dependencies_read.iter().cloned());
            for (place, totals) in &self.blocked_by_totals {
                // Only the linked issues' counts are worth keeping.
                let linked: BTreeSet<u64> = self
                    .links
                    .items
                    .values()
                    .filter(|l| &l.repo == place && l.target == plan::fields::Target::Issue)
                    .map(|l| l.number)
                    .collect();
                let kept = self
                    .links
                    .blocked_by_totals
                    .entry(place.clone())
                    .or_default();
                kept.extend(totals.iter().map(|(n, c)| (*n, *c)));
                kept.retain(|n, _| linked.contains(n));
                if kept.is_empty() {
                    self.links.blocked_by_totals.remove(place);
                }
            }
            self.prune_stand_ins();
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
            || old.format != meta.format
        {
            self.record.set_json("meta.json", &meta)?;
        }
        self.checkpoint(true)?;
        Ok(())
    }
}
