//! What changed between two versions of a plan, artifact by artifact and field by field.
//!
//! Only files whose blob differs are read and parsed, so comparing two commits costs a
//! listing of both plan trees plus the changed files. Artifacts are matched by project and
//! `id`, so a renamed file is one artifact that moved, not one removed and one added.
//! An artifact whose file is still there but no longer parses is `unreadable`, never
//! `removed`: it is a broken file to fix, not an artifact that went away.

use std::collections::{BTreeMap, HashMap};

use gix::ObjectId;

use crate::artifact::{self, Artifact, Location, Problem, vocab};
use crate::repo::{self, Listing, Repo, RepoError};

/// One side of a comparison: a listing and, for the working tree, the file contents.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub listing: &'a Listing,
    pub contents: Option<&'a BTreeMap<ObjectId, Vec<u8>>>,
}

impl<'a> Side<'a> {
    pub fn tree(listing: &'a Listing) -> Side<'a> {
        Side {
            listing,
            contents: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Modified,
    Removed,
    Renamed,
    /// The artifact's file is there but cannot be read or parsed any more.
    Unreadable,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Removed => "removed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Unreadable => "unreadable",
        }
    }
}

/// A frontmatter key whose value differs. `None` means the key is absent on that side.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldChange {
    pub key: String,
    pub old: Option<toml::Value>,
    pub new: Option<toml::Value>,
}

/// The body's unified diff and its line counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BodyDiff {
    pub insertions: usize,
    pub deletions: usize,
    pub unified: String,
}

/// One artifact that changed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArtifactChange {
    pub change: ChangeKind,
    pub project: String,
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub status: String,
    /// Repository-relative paths.
    pub old_path: Option<String>,
    pub new_path: Option<String>,
    /// For modified/renamed artifacts: the keys that differ, in the file's order.
    pub fields: Vec<FieldChange>,
    /// For modified/renamed artifacts whose body differs.
    pub body: Option<BodyDiff>,
    /// For unreadable artifacts: why the file cannot be read (with its line and a hint).
    pub problem: Option<Problem>,
}

impl ArtifactChange {
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or_default()
    }
}

/// A plan file that is not an artifact (a project config) and changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileChange {
    pub change: ChangeKind,
    pub path: String,
}

/// Everything that differs between two plans.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PlanDiff {
    pub artifacts: Vec<ArtifactChange>,
    pub configs: Vec<FileChange>,
    /// Changed files that could not be read as artifacts.
    pub problems: Vec<Problem>,
}

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.artifacts.is_empty() && self.configs.is_empty()
    }

    pub fn count(&self, kind: ChangeKind) -> usize {
        self.artifacts.iter().filter(|c| c.change == kind).count()
    }
}

/// Parses one file's bytes as an artifact (`None` for files that are not artifacts).
fn parse_file(rel: &str, data: Result<Vec<u8>, RepoError>) -> Option<Result<Artifact, Problem>> {
    let location = Location::of(rel)?;
    let path = repo::repo_path(rel);
    Some(match data {
        Ok(bytes) => artifact::parse_unchecked(&path, location, &bytes)
            // The comparison needs the fields and the body, not the raw frontmatter text.
            .map(|mut a| {
                a.frontmatter = String::new();
                a
            })
            .map_err(|f| f.0),
        Err(e) => Err(Problem::error(
            &path,
            None,
            format!("could not read the file: {e}"),
        )),
    })
}

/// Reads and parses the given files of both sides. Files of tree sides are read in one
/// pass, so the delta chains the two versions of a file share are inflated once.
fn parse_sides(
    repo: &Repo,
    sides: [(Side<'_>, &[&String]); 2],
) -> [(Vec<Artifact>, Vec<Problem>); 2] {
    let mut out: [(Vec<Artifact>, Vec<Problem>); 2] = Default::default();
    let mut keep = |n: usize, r: Option<Result<Artifact, Problem>>| match r {
        Some(Ok(a)) => out[n].0.push(a),
        Some(Err(p)) => out[n].1.push(p),
        None => {}
    };
    // Working-tree sides come with their contents.
    let mut jobs: Vec<(usize, &String, ObjectId)> = Vec::new();
    for (n, (side, paths)) in sides.iter().enumerate() {
        for rel in paths.iter() {
            let Some(oid) = side.listing.get(*rel).copied() else {
                continue;
            };
            match side.contents {
                Some(map) => {
                    let data = map
                        .get(&oid)
                        .cloned()
                        .ok_or_else(|| RepoError::git(rel.as_str(), "content missing"));
                    keep(n, parse_file(rel, data));
                }
                None => jobs.push((n, rel, oid)),
            }
        }
    }
    let oids: Vec<ObjectId> = jobs.iter().map(|(_, _, oid)| *oid).collect();
    let parsed = repo.map_blobs(&oids, |i, data| parse_file(jobs[i].1, data));
    for ((n, _, _), r) in jobs.iter().zip(parsed) {
        keep(*n, r);
    }
    out
}

/// Compares two plans given as listings (`old` → `new`).
pub fn diff_plans(repo: &Repo, old: Side<'_>, new: Side<'_>) -> PlanDiff {
    let mut out = PlanDiff::default();
    let mut removed_paths: Vec<&String> = Vec::new();
    let mut added_paths: Vec<&String> = Vec::new();
    let mut changed_paths: Vec<&String> = Vec::new();
    for (path, oid) in old.listing {
        match new.listing.get(path) {
            None => removed_paths.push(path),
            Some(n) if n != oid => changed_paths.push(path),
            Some(_) => {}
        }
    }
    for path in new.listing.keys() {
        if !old.listing.contains_key(path) {
            added_paths.push(path);
        }
    }
    // Project configs and the workspace config are reported as files.
    let is_artifact = |p: &&String| Location::of(p).is_some();
    for (kind, list) in [
        (ChangeKind::Removed, &removed_paths),
        (ChangeKind::Added, &added_paths),
        (ChangeKind::Modified, &changed_paths),
    ] {
        for p in list.iter().filter(|p| !is_artifact(p)) {
            out.configs.push(FileChange {
                change: kind,
                path: repo::repo_path(p),
            });
        }
    }

    let old_paths: Vec<&String> = removed_paths
        .iter()
        .chain(changed_paths.iter())
        .copied()
        .filter(is_artifact)
        .collect();
    let new_paths: Vec<&String> = added_paths
        .iter()
        .chain(changed_paths.iter())
        .copied()
        .filter(is_artifact)
        .collect();
    let [(olds, _old_problems), (news, new_problems)] =
        parse_sides(repo, [(old, &old_paths), (new, &new_paths)]);

    // Match by (project, id); an ID that appears twice on one side keeps its first file.
    let mut old_by_key: HashMap<(String, String), Artifact> = HashMap::new();
    for a in olds {
        old_by_key
            .entry((a.project().to_string(), a.id.clone()))
            .or_insert(a);
    }
    for a in news {
        let key = (a.project().to_string(), a.id.clone());
        match old_by_key.remove(&key) {
            Some(before) => {
                if let Some(change) = compare(&before, &a) {
                    out.artifacts.push(change);
                }
            }
            None => out.artifacts.push(whole(ChangeKind::Added, &a)),
        }
    }
    for a in old_by_key.into_values() {
        match unreadable_version(&a, &new_problems) {
            Some(problem) => {
                let mut change = whole(ChangeKind::Unreadable, &a);
                change.old_path = Some(a.path.clone());
                change.new_path = Some(problem.path.clone());
                change.problem = Some(problem.clone());
                out.artifacts.push(change);
            }
            None => out.artifacts.push(whole(ChangeKind::Removed, &a)),
        }
    }
    out.problems.extend(new_problems);
    out.artifacts.sort_by(|a, b| {
        (a.project.as_str(), a.path(), a.id.as_str()).cmp(&(
            b.project.as_str(),
            b.path(),
            b.id.as_str(),
        ))
    });
    out.configs.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The ID a file name suggests (`TASK-001_validate-email.md` → `TASK-001`), for files that
/// cannot be parsed.
pub fn id_from_file_name(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let stem = name.strip_suffix(".md").unwrap_or(name);
    let id = stem.split('_').next().unwrap_or(stem).trim();
    (!id.is_empty()).then_some(id)
}

/// The directory of a project's plan (`.ruru/projects/<slug>/`) a repository path is in.
fn project_dir(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(crate::PLAN_ROOT)?.strip_prefix('/')?;
    let slug = rest.split('/').next()?;
    Some(&path[..crate::PLAN_ROOT.len() + 1 + slug.len()])
}

/// The unreadable file that holds the new version of `old`: its own file, or (moved and
/// broken at once) a file of its project named after its ID.
fn unreadable_version<'p>(old: &Artifact, problems: &'p [Problem]) -> Option<&'p Problem> {
    let errors = || problems.iter().filter(|p| p.is_error());
    errors().find(|p| p.path == old.path).or_else(|| {
        errors().find(|p| {
            project_dir(&p.path) == project_dir(&old.path)
                && id_from_file_name(&p.path).is_some_and(|id| id.eq_ignore_ascii_case(&old.id))
        })
    })
}

fn whole(kind: ChangeKind, a: &Artifact) -> ArtifactChange {
    let (old_path, new_path) = match kind {
        ChangeKind::Removed => (Some(a.path.clone()), None),
        _ => (None, Some(a.path.clone())),
    };
    ArtifactChange {
        change: kind,
        project: a.project().to_string(),
        id: a.id.clone(),
        title: a.title.clone(),
        type_name: a.type_name.clone(),
        status: a.status.clone(),
        old_path,
        new_path,
        fields: Vec::new(),
        body: None,
        problem: None,
    }
}

/// Field-level and body comparison of two versions of one artifact; `None` when equal
/// (e.g. only a comment or the layout changed, and the file did not move).
pub fn compare(old: &Artifact, new: &Artifact) -> Option<ArtifactChange> {
    let fields = field_changes(&old.fields, &new.fields);
    let body = body_diff(&old.body, &new.body, &old.path, &new.path);
    let moved = old.path != new.path;
    if fields.is_empty() && body.is_none() && !moved {
        return None;
    }
    Some(ArtifactChange {
        change: if moved {
            ChangeKind::Renamed
        } else {
            ChangeKind::Modified
        },
        project: new.project().to_string(),
        id: new.id.clone(),
        title: new.title.clone(),
        type_name: new.type_name.clone(),
        status: new.status.clone(),
        old_path: Some(old.path.clone()),
        new_path: Some(new.path.clone()),
        fields,
        body,
        problem: None,
    })
}

/// Keys whose values differ, in the new file's key order, then keys only the old one had.
pub fn field_changes(old: &toml::Table, new: &toml::Table) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for (key, value) in new {
        match old.get(key) {
            Some(o) if o == value => {}
            // A status, type or priority written another way (`🟡 To Do` / `🟡️ To Do`).
            Some(toml::Value::String(o))
                if vocab::VOCABULARY_KEYS.contains(&key.as_str())
                    && value
                        .as_str()
                        .is_some_and(|v| vocab::same_vocabulary_value(key, o, v)) => {}
            o => out.push(FieldChange {
                key: key.clone(),
                old: o.cloned(),
                new: Some(value.clone()),
            }),
        }
    }
    for (key, value) in old {
        if !new.contains_key(key) {
            out.push(FieldChange {
                key: key.clone(),
                old: Some(value.clone()),
                new: None,
            });
        }
    }
    out
}

/// A unified diff of two bodies, `None` when they are equal.
pub fn body_diff(old: &str, new: &str, old_path: &str, new_path: &str) -> Option<BodyDiff> {
    if old == new {
        return None;
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let mut insertions = 0;
    let mut deletions = 0;
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => insertions += 1,
            similar::ChangeTag::Delete => deletions += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{old_path}"), &format!("b/{new_path}"))
        .to_string();
    Some(BodyDiff {
        insertions,
        deletions,
        unified,
    })
}

/// How a field value is shown to people: strings bare, everything else as TOML.
pub fn display_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(path: &str, text: &str) -> Artifact {
        let rel = path.trim_start_matches(".ruru/projects/");
        let loc = Location::of(rel).expect("artifact path");
        artifact::parse(path, loc, text.as_bytes())
            .expect("parses")
            .0
    }

    #[test]
    fn field_changes_in_order_with_removals() {
        let a = art(
            ".ruru/projects/p/tasks/T-1.md",
            "+++\nid = \"T-1\"\nstatus = \"🟡 To Do\"\ntags = [\"a\"]\nx = 1\n+++\nbody\n",
        );
        let b = art(
            ".ruru/projects/p/tasks/T-1.md",
            "+++\nid = \"T-1\"\n# comment only\nstatus = \"🟢 Done\"\ntags = [\"a\", \"b\"]\n+++\nbody\nmore\n",
        );
        let c = compare(&a, &b).expect("changed");
        assert_eq!(c.change, ChangeKind::Modified);
        let keys: Vec<&str> = c.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["status", "tags", "x"]);
        assert_eq!(c.fields[2].new, None);
        let body = c.body.expect("body changed");
        assert_eq!((body.insertions, body.deletions), (1, 0));
        assert!(body.unified.contains("+more"), "{}", body.unified);
    }

    #[test]
    fn a_variation_selector_alone_is_no_field_change() {
        let a = art(
            ".ruru/projects/p/tasks/T-1.md",
            "+++\nid = \"T-1\"\nstatus = \"🟡 To Do\"\ntype = \"🛠 Task\"\npriority = \"▶ Medium\"\n+++\nb\n",
        );
        let b = art(
            ".ruru/projects/p/tasks/T-1.md",
            "+++\nid = \"T-1\"\nstatus = \"🟡\u{fe0f} To Do\"\ntype = \"🛠\u{fe0f} Task\"\npriority = \"▶\u{fe0f} Medium\"\n+++\nb\n",
        );
        assert!(compare(&a, &b).is_none());
        let c = art(
            ".ruru/projects/p/tasks/T-1.md",
            "+++\nid = \"T-1\"\nstatus = \"🟡\u{fe0f} Ready\"\ntype = \"🛠 Task\"\npriority = \"▶ Medium\"\n+++\nb\n",
        );
        let keys: Vec<String> = compare(&a, &c)
            .expect("changed")
            .fields
            .into_iter()
            .map(|f| f.key)
            .collect();
        assert_eq!(keys, ["status"]);
    }

    #[test]
    fn comment_only_edit_is_no_change() {
        let a = art(
            ".ruru/projects/p/tasks/T-1.md",
            "+++\nid = \"T-1\"\n+++\nb\n",
        );
        let b = art(
            ".ruru/projects/p/tasks/T-1.md",
            "+++\n# hi\nid   = \"T-1\"\n+++\nb\n",
        );
        assert!(compare(&a, &b).is_none());
    }

    #[test]
    fn moved_file_is_a_rename() {
        let a = art(
            ".ruru/projects/p/tasks/T-1_a.md",
            "+++\nid = \"T-1\"\n+++\nb\n",
        );
        let b = art(
            ".ruru/projects/p/archive/tasks/T-1_a.md",
            "+++\nid = \"T-1\"\n+++\nb\n",
        );
        let c = compare(&a, &b).expect("moved");
        assert_eq!(c.change, ChangeKind::Renamed);
        assert!(c.fields.is_empty());
    }
}
