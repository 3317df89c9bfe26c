//! A lean git tree reader: a tree's entries, and the artifact files two plan-root trees
//! differ in, reading only the trees that changed.
//!
//! Kept apart from `Repo::diff_plan_trees`, which indexes whole directories and also
//! reports config files: this one merges raw tree data in git's order and yields only the
//! artifact `.md` blobs, which is what keeps the post-commit hook fast.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::Result;
use crate::repo::{Repo, RepoError};

/// A changed file under the plan root: path relative to the plan root, old and new blob.
pub(super) type FileChange = (String, Option<ObjectId>, Option<ObjectId>);

pub(super) struct TreeReader<'a> {
    pub(super) repo: &'a Repo,
}

pub(super) type Entries = BTreeMap<String, (bool, ObjectId)>;
/// An entry on either side: whether it is a tree, and its id.
pub(super) type Entry = Option<(bool, ObjectId)>;

/// git's order of tree entries: by name, a tree's name compared as if it ended in `/`.
fn git_order(
    a: &gix::objs::tree::EntryRef<'_>,
    b: &gix::objs::tree::EntryRef<'_>,
) -> std::cmp::Ordering {
    let (x, y): (&[u8], &[u8]) = (a.filename.as_ref(), b.filename.as_ref());
    let common = x.len().min(y.len());
    match x[..common].cmp(&y[..common]) {
        std::cmp::Ordering::Equal => {}
        other => return other,
    }
    let end = |name: &[u8], is_tree: bool| match name.get(common) {
        Some(c) => *c,
        None if is_tree => b'/',
        None => 0,
    };
    end(x, a.mode.is_tree()).cmp(&end(y, b.mode.is_tree()))
}

impl TreeReader<'_> {
    pub(super) fn entries(&self, tree: Option<ObjectId>) -> Result<Entries> {
        let Some(tree) = tree else {
            return Ok(BTreeMap::new());
        };
        let t = self
            .repo
            .gix()
            .find_tree(tree)
            .map_err(|e| RepoError::git(format!("tree {tree}"), e))?;
        let decoded = t
            .decode()
            .map_err(|e| RepoError::git(format!("tree {tree}"), e))?;
        Ok(decoded
            .entries
            .iter()
            .filter_map(|e| {
                let name = e.filename.to_str().ok()?;
                Some((name.to_string(), (e.mode.is_tree(), e.oid.to_owned())))
            })
            .collect())
    }

    /// The raw data of a tree object.
    pub(super) fn data(&self, tree: Option<ObjectId>) -> Result<Option<Vec<u8>>> {
        let Some(tree) = tree else {
            return Ok(None);
        };
        let t = self
            .repo
            .gix()
            .find_tree(tree)
            .map_err(|e| RepoError::git(format!("tree {tree}"), e))?;
        Ok(Some(t.detach().data))
    }

    /// Decodes tree data (none: no entries).
    pub(super) fn decode<'d>(
        &self,
        data: Option<&'d [u8]>,
    ) -> Result<Vec<gix::objs::tree::EntryRef<'d>>> {
        let Some(data) = data else {
            return Ok(Vec::new());
        };
        let tree = gix::objs::TreeRef::from_bytes(data, self.repo.gix().object_hash())
            .map_err(|e| RepoError::git("a tree", e))?;
        Ok(tree.entries)
    }

    /// Pairs the entries of two trees by name, keeping those that differ. Both trees are
    /// in git's order, so one merging pass does it, naming only the differing entries.
    fn differing(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    ) -> Result<Vec<(String, Entry, Entry)>> {
        if old == new {
            return Ok(Vec::new());
        }
        let (da, db) = (self.data(old)?, self.data(new)?);
        let a = self.decode(da.as_deref())?;
        let b = self.decode(db.as_deref())?;
        let entry = |e: &gix::objs::tree::EntryRef<'_>| Some((e.mode.is_tree(), e.oid.to_owned()));
        let name = |e: &gix::objs::tree::EntryRef<'_>| e.filename.to_str_lossy().into_owned();
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let order = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => git_order(x, y),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            match order {
                std::cmp::Ordering::Less => {
                    out.push((name(&a[i]), entry(&a[i]), None));
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push((name(&b[j]), None, entry(&b[j])));
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    if a[i].oid != b[j].oid || a[i].mode != b[j].mode {
                        out.push((name(&a[i]), entry(&a[i]), entry(&b[j])));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        Ok(out)
    }

    /// The `.md` blobs that differ between two artifact folders.
    fn folder(
        &self,
        prefix: &str,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        out: &mut Vec<FileChange>,
    ) -> Result<()> {
        for (name, x, y) in self.differing(old, new)? {
            if !name.ends_with(".md") {
                continue;
            }
            let blob = |e: Entry| e.filter(|(t, _)| !t).map(|(_, o)| o);
            let (x, y) = (blob(x), blob(y));
            if x != y {
                out.push((format!("{prefix}/{name}"), x, y));
            }
        }
        Ok(())
    }
}

fn subtree(e: Entry) -> Option<ObjectId> {
    e.filter(|(is_tree, _)| *is_tree).map(|(_, o)| o)
}

/// The artifact files that differ between two plan-root trees, reading only the trees
/// that changed.
pub(super) fn diff_plan_trees(
    repo: &Repo,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
) -> Result<Vec<FileChange>> {
    let reader = TreeReader { repo };
    let mut out = Vec::new();
    for (project, x, y) in reader.differing(old, new)? {
        let (px, py) = (subtree(x), subtree(y));
        for (name, fx, fy) in reader.differing(px, py)? {
            if name == "archive" {
                for (folder, ax, ay) in reader.differing(subtree(fx), subtree(fy))? {
                    if crate::artifact::Folder::from_dir_name(&folder).is_some() {
                        reader.folder(
                            &format!("{project}/archive/{folder}"),
                            subtree(ax),
                            subtree(ay),
                            &mut out,
                        )?;
                    }
                }
            } else if crate::artifact::Folder::from_dir_name(&name).is_some() {
                reader.folder(
                    &format!("{project}/{name}"),
                    subtree(fx),
                    subtree(fy),
                    &mut out,
                )?;
            }
        }
    }
    Ok(out)
}
