//! The per-commit documents under `refs/intellimanage/commits`: where each lives in the
//! ref's tree, reading them, and recording new ones with a compare-and-swap on the ref.

use gix::ObjectId;

use super::tree::TreeReader;
use super::{COMMITS_DIR, COMMITS_REF, CommitLinks, CommitsError, Result};
use crate::repo::{Repo, RepoError};

/// How often a write is retried when the ref moved underneath it.
const WRITE_ATTEMPTS: u32 = 5;

/// Where a commit's document lives in the ref's tree.
pub fn document_path(commit: &str) -> String {
    let prefix = commit.get(..2).unwrap_or(commit);
    format!("{COMMITS_DIR}/{prefix}/{commit}.json")
}

/// The commit the ref points at, if it exists.
fn ref_head(repo: &Repo) -> Result<Option<ObjectId>> {
    let reference = repo
        .gix()
        .try_find_reference(COMMITS_REF)
        .map_err(|e| RepoError::git(COMMITS_REF, e))?;
    match reference {
        None => Ok(None),
        Some(mut r) => Ok(Some(
            r.peel_to_id()
                .map_err(|e| RepoError::git(COMMITS_REF, e))?
                .detach(),
        )),
    }
}

/// Looks up the blob at `path` below `tree`.
fn blob_at(repo: &Repo, tree: ObjectId, path: &str) -> Result<Option<ObjectId>> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let Some(dir_tree) = repo.subtree(tree, dir)? else {
        return Ok(None);
    };
    let reader = TreeReader { repo };
    Ok(reader
        .entries(Some(dir_tree))?
        .get(file)
        .filter(|(is_tree, _)| !is_tree)
        .map(|(_, oid)| *oid))
}

fn decode(path: &str, data: &[u8]) -> Result<CommitLinks> {
    serde_json::from_slice(data).map_err(|e| CommitsError::Damaged {
        path: path.to_string(),
        message: e.to_string(),
    })
}

/// The document recorded for `commit` (full hex id), if any.
pub fn load(repo: &Repo, commit: &str) -> Result<Option<CommitLinks>> {
    let Some(head) = ref_head(repo)? else {
        return Ok(None);
    };
    let tree = repo.commit_tree(head)?;
    let path = document_path(commit);
    match blob_at(repo, tree, &path)? {
        Some(oid) => Ok(Some(decode(&path, &repo.read_blob(oid)?)?)),
        None => Ok(None),
    }
}

/// Every recorded document, in no particular order.
pub fn all(repo: &Repo) -> Result<Vec<CommitLinks>> {
    let Some(head) = ref_head(repo)? else {
        return Ok(Vec::new());
    };
    let tree = repo.commit_tree(head)?;
    let Some(dir) = repo.subtree(tree, COMMITS_DIR)? else {
        return Ok(Vec::new());
    };
    let reader = TreeReader { repo };
    let mut out = Vec::new();
    for (prefix, (is_tree, oid)) in reader.entries(Some(dir))? {
        if !is_tree {
            continue;
        }
        for (name, (is_tree, blob)) in reader.entries(Some(oid))? {
            if is_tree || !name.ends_with(".json") {
                continue;
            }
            let path = format!("{COMMITS_DIR}/{prefix}/{name}");
            out.push(decode(&path, &repo.read_blob(blob)?)?);
        }
    }
    Ok(out)
}

/// Records documents (replacing those of the same commits), as one new state of the ref.
/// Documents identical to the recorded ones are not written again; returns whether the
/// ref moved.
pub fn store(repo: &Repo, docs: &[CommitLinks], message: &str) -> Result<bool> {
    if docs.is_empty() {
        return Ok(false);
    }
    let gix = repo.gix();
    let mut blobs = Vec::with_capacity(docs.len());
    for doc in docs {
        let mut bytes = serde_json::to_vec_pretty(doc)
            .map_err(|e| CommitsError::Write(format!("encoding {}: {e}", doc.commit)))?;
        bytes.push(b'\n');
        let oid = gix
            .write_blob(&bytes)
            .map_err(|e| CommitsError::Write(format!("{}: {e}", doc.commit)))?
            .detach();
        blobs.push((document_path(&doc.commit), oid));
    }
    for _ in 0..WRITE_ATTEMPTS {
        let head = ref_head(repo)?;
        let base = match head {
            Some(h) => repo.commit_tree(h)?,
            None => ObjectId::empty_tree(gix.object_hash()),
        };
        let mut changed = false;
        for (path, oid) in &blobs {
            if head.is_none() || blob_at(repo, base, path)? != Some(*oid) {
                changed = true;
                break;
            }
        }
        if !changed {
            return Ok(false);
        }
        let mut editor = gix
            .edit_tree(base)
            .map_err(|e| CommitsError::Write(format!("editing the tree: {e}")))?;
        for (path, oid) in &blobs {
            editor
                .upsert(path.as_str(), gix::objs::tree::EntryKind::Blob, *oid)
                .map_err(|e| CommitsError::Write(format!("recording {path}: {e}")))?;
        }
        let tree = editor
            .write()
            .map_err(|e| CommitsError::Write(format!("writing the tree: {e}")))?
            .detach();
        match move_ref(repo, head, tree, message) {
            Ok(()) => return Ok(true),
            Err(CommitsError::Raced) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(CommitsError::Raced)
}

/// Writes a commit of `tree` on top of `head` and moves the ref to it if it still
/// points at `head` (the compare-and-swap all our refs use).
fn move_ref(repo: &Repo, head: Option<ObjectId>, tree: ObjectId, message: &str) -> Result<()> {
    crate::record::commit_to_ref(repo, COMMITS_REF, head, tree, message)
        .map(|_| ())
        .map_err(|e| match e {
            crate::record::RecordError::Raced => CommitsError::Raced,
            other => CommitsError::Write(other.to_string()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_fan_out_by_prefix() {
        assert_eq!(document_path("abcdef0123"), "commits/ab/abcdef0123.json");
    }
}
