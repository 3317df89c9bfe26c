//! The commits related to an artifact: the recorded commits (under
//! [`COMMITS_REF`](super::COMMITS_REF)) that touched it or named it after a keyword and that
//! a given commit contains, merged with the artifact file's own `related_commits`.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::{Result, all};
use crate::repo::Repo;

/// One related commit, as `show` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RelatedCommit {
    /// The full commit id when it is known, else the entry as the file writes it.
    pub commit: String,
    /// The first line of its message, when the commit is known.
    pub summary: Option<String>,
    /// Recorded under `refs/intellimanage/commits` (by the post-commit or pre-push hook).
    pub recorded: bool,
    /// Listed in the file's `related_commits`.
    pub in_file: bool,
}

/// One recorded commit.
#[derive(Debug, Clone)]
struct Recorded {
    commit: String,
    summary: String,
    /// Committer time, for ordering oldest first.
    time: i64,
}

/// The recorded commits per artifact, restricted to those a tip commit contains.
#[derive(Debug, Clone, Default)]
pub struct RelatedIndex {
    /// `<project>/<ID>` (upper case), or `<ID>` for a name whose project was not known.
    by_key: BTreeMap<String, Vec<Recorded>>,
}

impl RelatedIndex {
    /// Reads every recorded commit that `tip` contains (`tip` itself included). With no
    /// tip, nothing is related (a plan that is no commit's).
    pub fn load(repo: &Repo, tip: Option<ObjectId>) -> Result<RelatedIndex> {
        let mut index = RelatedIndex::default();
        let Some(tip) = tip else {
            return Ok(index);
        };
        for doc in all(repo)? {
            let Ok(oid) = ObjectId::from_hex(doc.commit.as_bytes()) else {
                continue;
            };
            let contained = oid == tip
                || repo
                    .gix()
                    .merge_base(oid, tip)
                    .ok()
                    .flatten()
                    .is_some_and(|b| b.detach() == oid);
            if !contained {
                continue;
            }
            let time = repo
                .gix()
                .find_commit(oid)
                .ok()
                .and_then(|c| c.time().ok())
                .map(|t| t.seconds)
                .unwrap_or_default();
            let entry = Recorded {
                commit: doc.commit.clone(),
                summary: doc.summary.clone(),
                time,
            };
            let mut keys: Vec<String> = doc
                .artifacts
                .iter()
                .map(|t| key(Some(&t.project), &t.id))
                .chain(
                    doc.mentions
                        .iter()
                        .map(|m| key(m.project.as_deref(), &m.id)),
                )
                .collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                index.by_key.entry(k).or_default().push(entry.clone());
            }
        }
        for list in index.by_key.values_mut() {
            list.sort_by(|a, b| (a.time, &a.commit).cmp(&(b.time, &b.commit)));
        }
        Ok(index)
    }

    /// The recorded commits of an artifact, oldest first. `id_is_unique`: no other artifact
    /// has the ID, so a commit that named it before its project was known counts too.
    fn recorded(&self, project: &str, id: &str, id_is_unique: bool) -> Vec<&Recorded> {
        let mut out: Vec<&Recorded> = self
            .by_key
            .get(&key(Some(project), id))
            .into_iter()
            .flatten()
            .collect();
        if id_is_unique {
            for r in self.by_key.get(&key(None, id)).into_iter().flatten() {
                if !out.iter().any(|o| o.commit == r.commit) {
                    out.push(r);
                }
            }
            out.sort_by(|a, b| (a.time, &a.commit).cmp(&(b.time, &b.commit)));
        }
        out
    }

    /// The related commits of an artifact: the file's own `related_commits` first, in their
    /// order, then the recorded ones the file does not list yet, oldest first.
    pub fn merged(
        &self,
        repo: &Repo,
        project: &str,
        id: &str,
        id_is_unique: bool,
        own: &[String],
    ) -> Vec<RelatedCommit> {
        let recorded = self.recorded(project, id, id_is_unique);
        let mut out: Vec<RelatedCommit> = Vec::new();
        for entry in own {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let matched = recorded.iter().find(|r| same_commit(&r.commit, entry));
            let item = match matched {
                Some(r) => RelatedCommit {
                    commit: r.commit.clone(),
                    summary: Some(r.summary.clone()),
                    recorded: true,
                    in_file: true,
                },
                None => {
                    let known = resolve(repo, entry);
                    RelatedCommit {
                        commit: known
                            .as_ref()
                            .map(|(sha, _)| sha.clone())
                            .unwrap_or_else(|| entry.to_string()),
                        summary: known.map(|(_, s)| s),
                        recorded: false,
                        in_file: true,
                    }
                }
            };
            if !out.iter().any(|o| o.commit == item.commit) {
                out.push(item);
            }
        }
        for r in recorded {
            if !out.iter().any(|o| same_commit(&r.commit, &o.commit)) {
                out.push(RelatedCommit {
                    commit: r.commit.clone(),
                    summary: Some(r.summary.clone()),
                    recorded: true,
                    in_file: false,
                });
            }
        }
        out
    }

    /// The recorded commits the file's `related_commits` (`own`) does not list yet, oldest
    /// first: what `sync --write-links` appends.
    pub fn missing_from(
        &self,
        project: &str,
        id: &str,
        id_is_unique: bool,
        own: &[String],
    ) -> Vec<String> {
        self.recorded(project, id, id_is_unique)
            .into_iter()
            .filter(|r| !own.iter().any(|e| same_commit(&r.commit, e.trim())))
            .map(|r| r.commit.clone())
            .collect()
    }
}

fn key(project: Option<&str>, id: &str) -> String {
    match project {
        Some(p) => format!("{p}/{}", id.to_ascii_uppercase()),
        None => id.to_ascii_uppercase(),
    }
}

/// Whether `entry` (as a file writes it: a full or abbreviated id, at least 7 digits)
/// names the full commit id `full`.
fn same_commit(full: &str, entry: &str) -> bool {
    looks_like_sha(entry)
        && entry.len() <= full.len()
        && full.as_bytes()[..entry.len()].eq_ignore_ascii_case(entry.as_bytes())
}

fn looks_like_sha(entry: &str) -> bool {
    (7..=64).contains(&entry.len()) && entry.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The full id and summary of a commit a file names by (abbreviated) id.
fn resolve(repo: &Repo, entry: &str) -> Option<(String, String)> {
    if !looks_like_sha(entry) {
        return None;
    }
    let id = repo.gix().rev_parse_single(entry).ok()?;
    let commit = repo.gix().find_commit(id.detach()).ok()?;
    let summary = super::summary_of(&commit.message_raw_sloppy().to_str_lossy());
    Some((commit.id.to_string(), summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviated_ids_name_their_commit() {
        let full = "0123456789abcdef0123456789abcdef01234567";
        assert!(same_commit(full, "0123456"));
        assert!(same_commit(full, "0123456789ABCDEF"));
        assert!(same_commit(full, full));
        assert!(!same_commit(full, "012345"), "too short to tell");
        assert!(!same_commit(full, "1234567"));
        assert!(!same_commit(full, "HEAD~1"));
        assert!(!same_commit(full, &format!("{full}0")));
    }

    #[test]
    fn keys_are_upper_case_and_project_scoped() {
        assert_eq!(key(Some("web"), "task-1"), "web/TASK-1");
        assert_eq!(key(None, "Task-1"), "TASK-1");
    }
}
