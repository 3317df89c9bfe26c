//! Writing the plan's files in the working tree: GitHub's changes merged into artifact
//! files (uncommitted edits kept), new artifacts, and `--write-links`.

use super::*;

impl Executor<'_> {
    /// `--write-links`: `related_issues` / `related_milestone` in the files of linked items
    /// that don't name their GitHub item yet, and the recorded commits (post-commit, pre-push)
    /// their `related_commits` don't list yet (comments and layout kept).
    pub(super) fn write_links(&mut self, project: &str, repo: &str, report: &mut ProjectReport) {
        let tip = match &self.snapshot.origin {
            crate::snapshot::Origin::Commit { commit, .. } => Some(*commit),
            _ => None,
        };
        let commits = crate::commits::RelatedIndex::load(self.repo, tip).unwrap_or_else(|e| {
            report.notes.push(plan::Note {
                key: None,
                message: format!("related_commits were not written: {e}"),
                incomplete: false,
            });
            crate::commits::RelatedIndex::default()
        });
        let wanted: Vec<(String, String, crate::writeback::Edit)> = self
            .snapshot
            .artifacts
            .iter()
            .filter(|a| a.project() == project)
            .filter_map(|a| {
                let key = plan::links::key(project, &a.id);
                let mut edit = self.link_edit(&key, a, repo);
                let own = a.list_field("related_commits");
                let unique = self.snapshot.find_id(&a.id).len() == 1;
                let missing = commits.missing_from(project, &a.id, unique, &own);
                if !missing.is_empty() {
                    edit = edit.set_list("related_commits", own.into_iter().chain(missing));
                }
                (!edit.is_empty()).then(|| (key, a.path.clone(), edit))
            })
            .collect();
        for (key, path, edit) in wanted {
            let mut entry = OpReport {
                op: OpKind::WriteLink,
                key: Some(key.clone()),
                method: Method::Edit,
                path: path.clone(),
                fields: edit.fields.iter().map(|(k, _)| k.clone()).collect(),
                title: String::new(),
                outcome: Outcome::Done,
                number: None,
                error: None,
            };
            if let Err(e) = self.apply_edit(&path, &edit, None) {
                let message = match e {
                    OpError::Local(m) => m,
                    OpError::Tracker(g) => g.with_hint(),
                };
                entry.outcome = Outcome::Failed;
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

    /// The `related_issues` / `related_milestone` edit of a synced, linked item whose file
    /// doesn't name its GitHub item yet (empty otherwise).
    fn link_edit(
        &self,
        key: &str,
        a: &crate::artifact::Artifact,
        repo: &str,
    ) -> crate::writeback::Edit {
        let none = crate::writeback::Edit::new();
        let Some(link) = self
            .links
            .items
            .get(key)
            .filter(|l| !l.retired && self.done.contains(key))
        else {
            return none;
        };
        match link.target {
            fields::Target::Issue => {
                let reference = format!("{repo}#{}", link.number);
                let mut refs = a.list_field("related_issues");
                if refs
                    .iter()
                    .any(|r| r == &reference || link.url.as_deref() == Some(r.as_str()))
                {
                    return none;
                }
                refs.push(reference);
                none.set_list("related_issues", refs)
            }
            fields::Target::Milestone => {
                let reference = link
                    .url
                    .clone()
                    .unwrap_or_else(|| format!("{repo}#milestone/{}", link.number));
                if a.str_field("related_milestone") == Some(reference.as_str()) {
                    return none;
                }
                none.set("related_milestone", reference)
            }
        }
    }

    /// Brings GitHub's changes into an artifact file of the working tree. The file may hold
    /// uncommitted edits: fields merge three ways (tags as sets) and bodies line by line;
    /// when a field was changed differently on both sides, or the body edits overlap,
    /// nothing is written and the item stays pending (no edit is lost). With `to`, the file
    /// moves there (out of `archive/`); a file moved there already is edited in place.
    pub(super) fn apply_edit(
        &mut self,
        path: &str,
        edit: &crate::writeback::Edit,
        to: Option<&str>,
    ) -> Result<Done, OpError> {
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
        let dest = to.map(|t| workdir.join(t));
        let read = |f: &std::path::Path| match std::fs::read_to_string(f) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(OpError::Local(format!("cannot read it: {e}"))),
        };
        // Where the file is now: where the synced commit has it, or (moved by an earlier
        // sync, not committed yet) where it goes.
        let (current, from) = match (read(&file)?, &dest) {
            (Some(_), Some(d)) if d.exists() => {
                return Err(OpError::Local(format!(
                    "cannot move it out of archive/: {} exists already",
                    to.unwrap_or_default()
                )));
            }
            (Some(t), _) => (t, file.clone()),
            (None, Some(d)) => match read(d)? {
                Some(t) => (t, d.clone()),
                None => return Err(removed()),
            },
            (None, None) => return Err(removed()),
        };
        let target = dest.unwrap_or_else(|| file.clone());
        let clean = current == head_text && from == file;
        let text = if clean {
            new_head.clone()
        } else {
            // Three ways, field by field: the committed file the edit was computed against,
            // the working tree, the edit. What an earlier sync wrote there and is not
            // committed yet (the record's version of the file) is not the user's edit.
            let has_pending = self
                .keys_by_path
                .get(path)
                .and_then(|k| self.links.items.get(k))
                .is_some_and(|l| l.committed.is_some());
            let pending = self
                .record_listing
                .get(&rel)
                .filter(|oid| has_pending && **oid != head_oid)
                .and_then(|oid| self.repo.read_blob(*oid).ok())
                .and_then(|b| String::from_utf8(b).ok());
            let mut clashes: Vec<String> = Vec::new();
            let mut merged_edit = writeback::Edit::new();
            match writeback::merge_fields(&edit.fields, &head_text, &current, pending.as_deref()) {
                Ok(fields) => merged_edit.fields = fields,
                Err(keys) => clashes.extend(keys.iter().map(|k| format!("`{k}`"))),
            }
            if let Some(new_body) = &edit.body {
                let body_of = |t: &str| {
                    crate::artifact::split_frontmatter(t)
                        .map(|s| s.body.to_string())
                        .unwrap_or_default()
                };
                // Line ends don't count (the file's own are put back when it is written).
                let lf = |t: &str| t.replace("\r\n", "\n");
                let (ours, theirs) = (lf(&body_of(&current)), lf(new_body));
                let merged = writeback::merge_text(&lf(&body_of(&head_text)), &ours, &theirs)
                    .or_else(|e| match &pending {
                        Some(p) => writeback::merge_text(&lf(&body_of(p)), &ours, &theirs),
                        None => Err(e),
                    });
                match merged {
                    Ok(m) => merged_edit.body = Some(m),
                    Err(_) => clashes.push("the body (in the same lines)".to_string()),
                }
            }
            if !clashes.is_empty() {
                return Err(OpError::Local(format!(
                    "{} changed on the tracker and differently in your uncommitted edits: nothing was written; commit your edits and sync again to settle it",
                    clashes.join(", ")
                )));
            }
            writeback::apply(&current, &merged_edit).map_err(|e| OpError::Local(e.to_string()))?
        };
        if text != current || target != from {
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| OpError::Local(format!("cannot create {}: {e}", dir.display())))?;
            }
            writeback::write_atomic(&target, text.as_bytes())
                .map_err(|e| OpError::Local(e.to_string()))?;
            self.written.push((to.unwrap_or(path).to_string(), clean));
            if target != from {
                std::fs::remove_file(&from)
                    .map_err(|e| OpError::Local(format!("moved, but the old file stays: {e}")))?;
                self.written.push((path.to_string(), clean));
            }
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
    pub(super) fn create_artifact(&mut self, path: &str, text: &str) -> Result<Done, OpError> {
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
}

fn removed() -> OpError {
    OpError::Local(
        "removed from the working tree: the tracker's changes were not applied (commit the removal, or restore the file, and sync again)".into(),
    )
}
