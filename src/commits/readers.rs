//! What the recorded commit documents answer: the commits related to each artifact, and
//! the Done proposals still open at HEAD.

use std::collections::{BTreeMap, BTreeSet};

use gix::ObjectId;

use super::{CommitLinks, Result, all};
use crate::repo::{Repo, RepoError};

/// Artifact ID (upper case) → the commits that touched or named it, for
/// `related_commits`. Keys are `<project>/<ID>` when the project is known, else `<ID>`.
pub fn related_commits(repo: &Repo) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for doc in all(repo)? {
        for t in &doc.artifacts {
            out.entry(format!("{}/{}", t.project, t.id.to_ascii_uppercase()))
                .or_default()
                .insert(doc.commit.clone());
        }
        for m in &doc.mentions {
            let key = match &m.project {
                Some(p) => format!("{p}/{}", m.id.to_ascii_uppercase()),
                None => m.id.to_ascii_uppercase(),
            };
            out.entry(key).or_default().insert(doc.commit.clone());
        }
    }
    Ok(out)
}

/// A status change to Done that a commit's message proposes (`Closes TASK-1`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Proposal {
    pub project: String,
    pub id: String,
    /// The artifact file (repository-relative) at HEAD.
    pub path: String,
    /// Its status at HEAD.
    pub current_status: String,
    /// The status proposed (`🟢 Done`).
    pub proposed_status: String,
    pub commit: String,
    pub keyword: String,
    pub summary: String,
}

/// The status a Done proposal sets.
pub fn done_status() -> &'static str {
    crate::artifact::vocab::canonical_status(crate::artifact::vocab::StatusClass::Done)
}

/// The Done proposals still open at HEAD: from recorded commits that HEAD contains,
/// naming an artifact of a syncing project after one of its `commit_status_update_keywords`,
/// whose status at HEAD is not Done (or Archived) yet. One per artifact (the newest
/// recorded commit is not preferred over an older one: the first found is kept).
pub fn proposals(repo: &Repo) -> Result<Vec<Proposal>> {
    use crate::artifact::vocab::{StatusClass, classify_status};
    let docs = all(repo)?;
    let candidates: Vec<&CommitLinks> = docs
        .iter()
        .filter(|d| d.mentions.iter().any(|m| m.status_update))
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let head = match repo.resolve_commit("HEAD") {
        Ok(h) => h,
        Err(RepoError::Unborn { .. }) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let snap = crate::snapshot::Snapshot::at_rev(repo, "HEAD")?;
    let mut out: Vec<Proposal> = Vec::new();
    for doc in candidates {
        let Ok(commit) = ObjectId::from_hex(doc.commit.as_bytes()) else {
            continue;
        };
        let contained = commit == head
            || repo
                .gix()
                .merge_base(commit, head)
                .ok()
                .flatten()
                .is_some_and(|b| b.detach() == commit);
        if !contained {
            continue;
        }
        for m in doc.mentions.iter().filter(|m| m.status_update) {
            for a in snap.find_id(&m.id) {
                let Some(cfg) = snap.configs.get(a.project()) else {
                    continue;
                };
                let mapping = &cfg.github.mapping;
                let keyword_ok = mapping
                    .commit_status_update_keywords
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&m.keyword));
                if !cfg.github.enable_sync || !mapping.enable_commit_linking || !keyword_ok {
                    continue;
                }
                if matches!(
                    classify_status(&a.status, &cfg.custom_statuses),
                    Some(StatusClass::Done) | Some(StatusClass::Archived)
                ) {
                    continue;
                }
                if out
                    .iter()
                    .any(|p| p.project == a.project() && p.id.eq_ignore_ascii_case(&a.id))
                {
                    continue;
                }
                out.push(Proposal {
                    project: a.project().to_string(),
                    id: a.id.clone(),
                    path: a.path.clone(),
                    current_status: a.status.clone(),
                    proposed_status: done_status().to_string(),
                    commit: doc.commit.clone(),
                    keyword: m.keyword.clone(),
                    summary: doc.summary.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.project, &a.id).cmp(&(&b.project, &b.id)));
    Ok(out)
}
