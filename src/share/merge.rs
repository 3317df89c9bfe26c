//! Merging two sync records written independently (two clones that synced without seeing
//! each other): links are facts about GitHub, so they are united by artifact; the same
//! artifact linked to two different issues is kept once and reported as a duplicate to
//! settle, never silently dropped.

use std::collections::BTreeMap;

use gix::ObjectId;

use crate::plan::links::{LINKS_DOC, Link, Links};
use crate::record::{Record, RecordError};
use crate::repo::Repo;

/// The document of the record that lists duplicates found by merges.
pub const DUPLICATES_DOC: &str = "duplicates.json";

/// One artifact linked to two different GitHub items by two clones.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Duplicate {
    /// `<project>/<ID>`.
    pub key: String,
    /// `owner/name` of the kept link.
    pub repo: String,
    /// The number the record keeps.
    pub kept: u64,
    /// The other one (also carries the artifact's `IntelliManage-ID:` line): close it.
    pub other: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_repo: Option<String>,
}

/// The duplicates a record lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Duplicates {
    #[serde(default)]
    pub items: Vec<Duplicate>,
}

/// The merged record: its tree (to be committed with both records as parents) and the
/// duplicates this merge found.
pub struct Merged {
    pub tree: ObjectId,
    pub new_duplicates: Vec<Duplicate>,
}

/// When a record's last sync finished (RFC 3339 UTC strings sort by time).
fn synced_at(record: &Record) -> String {
    record
        .meta()
        .ok()
        .and_then(|m| m.synced_at)
        .unwrap_or_default()
}

fn older(a: &str, b: &str) -> String {
    let parse = |s: &str| s.parse::<jiff::Timestamp>().ok();
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) if y < x => b.to_string(),
        (Some(_), Some(_)) => a.to_string(),
        _ => a.min(b).to_string(),
    }
}

/// Merges the records at `ours` and `theirs`. The one that synced last is the base (its
/// ETags, metadata, incoming changes); the other adds the links the base lacks, with their
/// plan files. Watermarks: the older of the two (asking GitHub for more is always safe).
pub fn merge(repo: &Repo, ours: ObjectId, theirs: ObjectId) -> Result<Merged, RecordError> {
    let a = Record::load_at(repo, ours)?;
    let b = Record::load_at(repo, theirs)?;
    let (mut base, other) = if synced_at(&b) > synced_at(&a) {
        (b, a)
    } else {
        (a, b)
    };
    let mut links: Links = base.json(LINKS_DOC)?;
    let other_links: Links = other.json(LINKS_DOC)?;
    let mut duplicates: Duplicates = base.json(DUPLICATES_DOC)?;
    let theirs_dups: Duplicates = other.json(DUPLICATES_DOC)?;
    for d in theirs_dups.items {
        if !duplicates.items.contains(&d) {
            duplicates.items.push(d);
        }
    }
    let mut new_duplicates = Vec::new();
    let mut plan_files: Vec<(String, Option<ObjectId>)> = Vec::new();
    let other_listing = match other.plan_tree {
        Some(t) => repo.list_plan_tree(t)?,
        None => Default::default(),
    };
    for (key, link) in &other_links.items {
        match links.items.get(key) {
            None => {
                links.items.insert(key.clone(), link.clone());
                if let Some(rel) = plan_rel(link)
                    && let Some(oid) = other_listing.get(&rel)
                {
                    plan_files.push((rel, Some(*oid)));
                }
            }
            Some(kept) if same_item(kept, link) => {}
            Some(kept) => {
                let (kept_link, other_link) = if link.number < kept.number {
                    (link, kept)
                } else {
                    (kept, link)
                };
                let d = Duplicate {
                    key: key.clone(),
                    repo: kept_link.repo.clone(),
                    kept: kept_link.number,
                    other: other_link.number,
                    other_repo: (other_link.repo != kept_link.repo)
                        .then(|| other_link.repo.clone()),
                };
                if !duplicates.items.contains(&d) {
                    duplicates.items.push(d.clone());
                    new_duplicates.push(d);
                }
                // The lower number was there first: keep it (and its plan file).
                if std::ptr::eq(kept_link, link) {
                    links.items.insert(key.clone(), link.clone());
                    if let Some(rel) = plan_rel(link)
                        && let Some(oid) = other_listing.get(&rel)
                    {
                        plan_files.push((rel, Some(*oid)));
                    }
                }
            }
        }
    }
    let mut watermarks: BTreeMap<String, String> = links.watermarks.clone();
    for (repo_key, w) in &other_links.watermarks {
        let merged = match watermarks.get(repo_key) {
            Some(mine) => older(mine, w),
            None => w.clone(),
        };
        watermarks.insert(repo_key.clone(), merged);
    }
    links.watermarks = watermarks;
    // Dependencies are known for a place only where both records know them.
    links.dependencies = links
        .dependencies
        .intersection(&other_links.dependencies)
        .cloned()
        .collect();
    // Counts both records agree on; a count they disagree on is dropped (the issue's
    // dependencies are then read again when it next changes).
    for (place, totals) in links.blocked_by_totals.iter_mut() {
        let other = other_links.blocked_by_totals.get(place);
        totals.retain(|n, c| other.and_then(|o| o.get(n)).is_none_or(|oc| oc == c));
    }
    base.set_json(LINKS_DOC, &links)?;
    if !duplicates.items.is_empty() {
        base.set_json(DUPLICATES_DOC, &duplicates)?;
    }
    for (name, data) in &other.documents {
        if !base.documents.contains_key(name) {
            base.documents.insert(name.clone(), data.clone());
        }
    }
    base.update_plan(repo, plan_files)?;
    Ok(Merged {
        tree: base.write_tree(repo)?,
        new_duplicates,
    })
}

fn same_item(a: &Link, b: &Link) -> bool {
    a.number == b.number && a.repo.eq_ignore_ascii_case(&b.repo) && a.target == b.target
}

/// A link's artifact path relative to the plan root (as the record's plan tree holds it).
fn plan_rel(link: &Link) -> Option<String> {
    link.path
        .as_deref()?
        .strip_prefix(crate::PLAN_ROOT)?
        .strip_prefix('/')
        .map(str::to_string)
}

/// Merges the commit-link trees of `ours` and `theirs` (`refs/intellimanage/commits`): every
/// commit's document from either side; for a commit both recorded, ours with the comments
/// and closes theirs adds.
pub fn merge_commit_links(
    repo: &Repo,
    ours: ObjectId,
    theirs: ObjectId,
) -> Result<ObjectId, RecordError> {
    let write = |e: String| RecordError::Write(e);
    let gix = repo.gix();
    let our_tree = repo.commit_tree(ours)?;
    let their_tree = repo.commit_tree(theirs)?;
    let ours_files = blobs_under(repo, our_tree)?;
    let theirs_files = blobs_under(repo, their_tree)?;
    let mut editor = gix
        .edit_tree(our_tree)
        .map_err(|e| write(format!("editing the commit links: {e}")))?;
    for (path, oid) in &theirs_files {
        let merged = match ours_files.get(path) {
            None => Some(*oid),
            Some(mine) if mine == oid => None,
            Some(mine) => {
                let a: crate::commits::CommitLinks = decode(repo, *mine, path)?;
                let b: crate::commits::CommitLinks = decode(repo, *oid, path)?;
                let mut doc = a.clone();
                for c in b.comments {
                    if doc.comment_on(&c.repo, c.issue).is_none() {
                        doc.comments.push(c);
                    }
                }
                for c in b.closed {
                    if !doc.closed.contains(&c) {
                        doc.closed.push(c);
                    }
                }
                if doc == a {
                    None
                } else {
                    let mut bytes = serde_json::to_vec_pretty(&doc)
                        .map_err(|e| write(format!("{path}: {e}")))?;
                    bytes.push(b'\n');
                    Some(
                        gix.write_blob(&bytes)
                            .map_err(|e| write(format!("{path}: {e}")))?
                            .detach(),
                    )
                }
            }
        };
        if let Some(oid) = merged {
            editor
                .upsert(path.as_str(), gix::objs::tree::EntryKind::Blob, oid)
                .map_err(|e| write(format!("{path}: {e}")))?;
        }
    }
    Ok(editor
        .write()
        .map_err(|e| write(format!("writing the commit links: {e}")))?
        .detach())
}

fn decode<T: serde::de::DeserializeOwned>(
    repo: &Repo,
    oid: ObjectId,
    path: &str,
) -> Result<T, RecordError> {
    serde_json::from_slice(&repo.read_blob(oid)?).map_err(|e| RecordError::Damaged {
        name: path.to_string(),
        message: e.to_string(),
    })
}

/// Every blob below `tree`, by path.
fn blobs_under(repo: &Repo, tree: ObjectId) -> Result<BTreeMap<String, ObjectId>, RecordError> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(String::new(), tree)];
    while let Some((prefix, id)) = stack.pop() {
        let t = repo
            .gix()
            .find_tree(id)
            .map_err(|e| crate::repo::RepoError::git(format!("tree {id}"), e))?;
        let decoded = t
            .decode()
            .map_err(|e| crate::repo::RepoError::git(format!("tree {id}"), e))?;
        for entry in &decoded.entries {
            let name = format!("{prefix}{}", entry.filename);
            if entry.mode.is_tree() {
                stack.push((format!("{name}/"), entry.oid.to_owned()));
            } else if entry.mode.is_blob() {
                out.insert(name, entry.oid.to_owned());
            }
        }
    }
    Ok(out)
}
