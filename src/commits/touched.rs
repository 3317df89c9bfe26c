//! The artifacts a commit added, changed or removed, found by diffing its plan tree with
//! its first parent's.

use std::collections::BTreeMap;

use gix::ObjectId;

use super::Result;
use super::tree::diff_plan_trees;
use crate::artifact::Location;
use crate::repo::{Repo, RepoError};

/// How a commit changed an artifact file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Modified,
    Removed,
}

impl Change {
    pub fn word(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Modified => "modified",
            Change::Removed => "removed",
        }
    }
}

/// An artifact a commit added, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Touched {
    pub project: String,
    pub id: String,
    /// Repository-relative path (the new one; the old one for a removal).
    pub path: String,
    pub change: Change,
}

/// Fields that only record links (`sync --write-links` writes them): a commit that changes
/// nothing else in an artifact file does not count as touching the artifact, so writing the
/// links never makes a new related commit to write.
pub const LINK_FIELDS: [&str; 3] = ["related_commits", "related_issues", "related_milestone"];

/// True when two versions of an artifact file differ in [`LINK_FIELDS`] only (same body, the
/// same frontmatter otherwise).
pub fn only_links_changed(old: &[u8], new: &[u8]) -> bool {
    let (Ok(old), Ok(new)) = (std::str::from_utf8(old), std::str::from_utf8(new)) else {
        return false;
    };
    let (Ok(old), Ok(new)) = (
        crate::artifact::split_frontmatter(old),
        crate::artifact::split_frontmatter(new),
    ) else {
        return false;
    };
    if old.body != new.body {
        return false;
    }
    let parse = |t: &str| toml::from_str::<toml::Table>(t).ok();
    let (Some(mut old), Some(mut new)) = (parse(old.frontmatter), parse(new.frontmatter)) else {
        return false;
    };
    for field in LINK_FIELDS {
        old.remove(field);
        new.remove(field);
    }
    old == new
}

/// The `id` of an artifact file: from its frontmatter, else from its file name
/// (`TASK-1_login.md` → `TASK-1`).
pub fn artifact_id(rel_path: &str, data: &[u8]) -> Option<String> {
    frontmatter_id(data).or_else(|| {
        let file = rel_path.rsplit('/').next()?;
        let stem = file.strip_suffix(".md")?;
        let id = stem.split('_').next()?;
        (!id.is_empty()).then(|| id.to_string())
    })
}

fn frontmatter_id(data: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(data).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "+++" {
        return None;
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        if line.trim_end() == "+++" {
            let table: toml::Table = toml::from_str(&text[start..offset]).ok()?;
            return table
                .get("id")
                .and_then(|v| v.as_str())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
        }
        offset += line.len();
    }
    None
}

/// The artifacts `commit` added, changed or removed compared with its first parent (all
/// of them for a root commit). An artifact moved (renamed, archived) counts as changed.
pub fn touched_artifacts(repo: &Repo, commit: ObjectId) -> Result<Vec<Touched>> {
    let c = repo
        .gix()
        .find_commit(commit)
        .map_err(|e| RepoError::git(format!("commit {commit}"), e))?;
    let parent = c.parent_ids().next().map(|p| p.detach());
    let new_plan = repo.plan_tree_of(commit)?;
    let old_plan = match parent {
        Some(p) => repo.plan_tree_of(p)?,
        None => None,
    };
    touched_between(repo, old_plan, new_plan)
}

/// [`touched_artifacts`] for two plan-root trees.
pub fn touched_between(
    repo: &Repo,
    old_plan: Option<ObjectId>,
    new_plan: Option<ObjectId>,
) -> Result<Vec<Touched>> {
    let changes = diff_plan_trees(repo, old_plan, new_plan)?;
    let mut by_id: BTreeMap<(String, String), Touched> = BTreeMap::new();
    for (rel, old, new) in changes {
        let Some(location) = Location::of(&rel) else {
            continue;
        };
        let (blob, change) = match (old, new) {
            (None, Some(n)) => (n, Change::Added),
            (Some(_), Some(n)) => (n, Change::Modified),
            (Some(o), None) => (o, Change::Removed),
            (None, None) => continue,
        };
        let data = repo.read_blob(blob)?;
        if let Some(o) = old.filter(|_| change == Change::Modified)
            && only_links_changed(&repo.read_blob(o)?, &data)
        {
            continue;
        }
        let Some(id) = artifact_id(&rel, &data) else {
            continue;
        };
        let key = (location.project.clone(), id.to_ascii_uppercase());
        let path = crate::repo::repo_path(&rel);
        match by_id.get_mut(&key) {
            // The same artifact removed in one place and added in another: moved.
            Some(existing) if existing.change != change => {
                existing.change = Change::Modified;
                if change != Change::Removed {
                    existing.path = path;
                }
            }
            Some(_) => {}
            None => {
                by_id.insert(
                    key,
                    Touched {
                        project: location.project,
                        id,
                        path,
                        change,
                    },
                );
            }
        }
    }
    Ok(by_id.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_links_alone_is_no_touch() {
        let old = b"+++\nid = \"T-1\"\n# related_commits = []\nstatus = \"x\"\n+++\nbody\n";
        let links = b"+++\nid = \"T-1\"\n# related_commits = []\nrelated_commits = [\"abc1234\"]\nstatus = \"x\"\nrelated_issues = [\"o/r#1\"]\n+++\nbody\n";
        assert!(only_links_changed(old, links));
        let status = b"+++\nid = \"T-1\"\nstatus = \"y\"\n+++\nbody\n";
        assert!(!only_links_changed(old, status));
        let body = b"+++\nid = \"T-1\"\nstatus = \"x\"\n+++\nnew body\n";
        assert!(!only_links_changed(old, body));
        assert!(!only_links_changed(b"no frontmatter", b"no frontmatter!"));
    }

    #[test]
    fn ids_come_from_frontmatter_then_file_name() {
        let data = b"+++\nid = \"TASK-IM-7\"\ntitle = \"x\"\n+++\nbody\n";
        assert_eq!(
            artifact_id("web/tasks/TASK-7_x.md", data).as_deref(),
            Some("TASK-IM-7")
        );
        assert_eq!(
            artifact_id("web/tasks/TASK-7_x.md", b"no frontmatter").as_deref(),
            Some("TASK-7")
        );
    }
}
