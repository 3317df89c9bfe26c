//! Reading plan files from git (commit trees, through gix) or from the working tree.
//!
//! Everything here speaks in paths relative to the plan root (`.ruru/projects`):
//! `web/tasks/TASK-1_login.md`, `web/project_config.toml`, `projects_config.toml`.
//! Only the places where plan files live are read: project configs, the artifact folders
//! and `archive/`; `decisions/`, `reports/` and the like are never opened.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::PLAN_ROOT;
use crate::artifact::Folder;

mod blobs;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("not inside a git repository ({}): {message}", path.display())]
    NotARepo { path: PathBuf, message: String },
    #[error("the revision `{rev}` does not name a commit: {message}")]
    BadRevision { rev: String, message: String },
    #[error("the repository has no commits yet, so `{rev}` names nothing")]
    Unborn { rev: String },
    #[error("this is a bare repository: there is no working tree to read")]
    NoWorktree,
    #[error("could not read {what}: {message}")]
    Git { what: String, message: String },
    #[error("could not read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl RepoError {
    pub fn git(what: impl Into<String>, err: impl std::fmt::Display) -> RepoError {
        RepoError::Git {
            what: what.into(),
            message: err.to_string(),
        }
    }
}

pub type Result<T, E = RepoError> = std::result::Result<T, E>;

/// The plan files of one source, keyed by path relative to the plan root.
pub type Listing = BTreeMap<String, ObjectId>;

/// Which files under the plan root are plan files at all.
pub fn is_plan_file(rel: &str) -> bool {
    rel == "projects_config.toml"
        || matches!(
            rel.split('/').collect::<Vec<_>>().as_slice(),
            [_, "project_config.toml"]
        )
        || crate::artifact::Location::of(rel).is_some()
}

/// Whether a directory (relative to the plan root) is where plan files may live: a project,
/// its artifact folders, `archive/` and the folders in it.
fn could_hold_plan_files(rel_dir: &str) -> bool {
    let parts: Vec<&str> = rel_dir.split('/').collect();
    match parts.as_slice() {
        [_project] => true,
        [_project, "archive"] => true,
        [_project, folder] => Folder::from_dir_name(folder).is_some(),
        [_project, "archive", folder] => Folder::from_dir_name(folder).is_some(),
        _ => false,
    }
}

/// The entries of a tree, decoded in place (no copies).
fn decoded_entries<'t>(id: ObjectId, data: &'t [u8]) -> Result<Vec<gix::objs::tree::EntryRef<'t>>> {
    gix::objs::TreeRef::from_bytes(data, id.kind())
        .map(|t| t.entries)
        .map_err(|e| RepoError::git(format!("tree {id}"), e))
}

/// An opened repository.
pub struct Repo {
    inner: gix::Repository,
}

impl Repo {
    /// Finds the repository containing `dir` (as git does, honouring `GIT_DIR`).
    pub fn discover(dir: &Path) -> Result<Repo> {
        let inner = gix::discover(dir).map_err(|e| RepoError::NotARepo {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Repo::from_gix(inner))
    }

    pub fn from_gix(inner: gix::Repository) -> Repo {
        Repo { inner }
    }

    pub fn gix(&self) -> &gix::Repository {
        &self.inner
    }

    /// The working tree's root, if the repository has one.
    pub fn workdir(&self) -> Option<&Path> {
        self.inner.workdir()
    }

    /// The `.git` directory (for a linked worktree, its private git dir).
    pub fn git_dir(&self) -> &Path {
        self.inner.git_dir()
    }

    /// The git directory every worktree of the repository shares (`.git` of the main
    /// worktree): where repository-wide state such as the sync lock lives.
    pub fn common_dir(&self) -> &Path {
        self.inner.common_dir()
    }

    /// Resolves `rev` to a commit id (tags are peeled).
    pub fn resolve_commit(&self, rev: &str) -> Result<ObjectId> {
        let id = self.inner.rev_parse_single(rev).map_err(|e| {
            if self.is_unborn() && (rev == "HEAD" || rev == "@") {
                RepoError::Unborn {
                    rev: rev.to_string(),
                }
            } else {
                RepoError::BadRevision {
                    rev: rev.to_string(),
                    message: e.to_string(),
                }
            }
        })?;
        let commit =
            id.object()
                .and_then(|o| o.peel_to_commit())
                .map_err(|e| RepoError::BadRevision {
                    rev: rev.to_string(),
                    message: e.to_string(),
                })?;
        Ok(commit.id)
    }

    /// True when HEAD points at a branch with no commits yet.
    pub fn is_unborn(&self) -> bool {
        self.inner.head().map(|h| h.is_unborn()).unwrap_or(false)
    }

    /// The root tree of a commit.
    pub fn commit_tree(&self, commit: ObjectId) -> Result<ObjectId> {
        let c = self
            .inner
            .find_commit(commit)
            .map_err(|e| RepoError::git(format!("commit {commit}"), e))?;
        let tree = c
            .tree_id()
            .map_err(|e| RepoError::git(format!("the tree of commit {commit}"), e))?;
        Ok(tree.detach())
    }

    /// The tree at `path` (slash-separated) below `tree`, if there is one.
    pub fn subtree(&self, tree: ObjectId, path: &str) -> Result<Option<ObjectId>> {
        let mut current = tree;
        for component in path.split('/').filter(|c| !c.is_empty()) {
            let data = self.tree_data(current)?;
            match decoded_entries(current, &data)?
                .iter()
                .find(|e| e.filename == component.as_bytes() && e.mode.is_tree())
            {
                Some(e) => current = e.oid.to_owned(),
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// The plan root tree (`.ruru/projects`) of a commit, if the commit has one.
    pub fn plan_tree_of(&self, commit: ObjectId) -> Result<Option<ObjectId>> {
        let root = self.commit_tree(commit)?;
        self.subtree(root, PLAN_ROOT)
    }

    fn tree_entries(
        &self,
        tree: ObjectId,
    ) -> Result<Vec<(String, gix::objs::tree::EntryMode, ObjectId)>> {
        let data = self.tree_data(tree)?;
        Ok(decoded_entries(tree, &data)?
            .iter()
            .filter_map(|e| {
                e.filename
                    .to_str()
                    .ok()
                    .map(|name| (name.to_string(), e.mode, e.oid.to_owned()))
            })
            .collect())
    }

    /// Lists the plan files in a plan root tree. Reads only the trees where plan files live.
    pub fn list_plan_tree(&self, plan_tree: ObjectId) -> Result<Listing> {
        let mut out = Listing::new();
        for (project, mode, oid) in self.tree_entries(plan_tree)? {
            if !mode.is_tree() {
                if project == "projects_config.toml" && mode.is_blob() {
                    out.insert(project, oid);
                }
                continue;
            }
            for (name, mode, oid) in self.tree_entries(oid)? {
                if mode.is_blob() && name == "project_config.toml" {
                    out.insert(format!("{project}/{name}"), oid);
                } else if mode.is_tree() && name == "archive" {
                    for (folder, mode, oid) in self.tree_entries(oid)? {
                        if mode.is_tree() && Folder::from_dir_name(&folder).is_some() {
                            self.list_md(&format!("{project}/archive/{folder}"), oid, &mut out)?;
                        }
                    }
                } else if mode.is_tree() && Folder::from_dir_name(&name).is_some() {
                    self.list_md(&format!("{project}/{name}"), oid, &mut out)?;
                }
            }
        }
        Ok(out)
    }

    fn list_md(&self, prefix: &str, tree: ObjectId, out: &mut Listing) -> Result<()> {
        for (name, mode, oid) in self.tree_entries(tree)? {
            if mode.is_blob() && name.ends_with(".md") {
                out.insert(format!("{prefix}/{name}"), oid);
            }
        }
        Ok(())
    }

    /// The plan files that differ between two plan-root trees: both sides' entries for
    /// every path whose blob differs (or exists on one side only). Subtrees with equal ids are
    /// skipped without being read, as `git diff` does, so the cost follows the change.
    pub fn diff_plan_trees(
        &self,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    ) -> Result<(Listing, Listing)> {
        let mut out = (Listing::new(), Listing::new());
        self.diff_dirs("", old, new, &mut out)?;
        Ok(out)
    }

    fn diff_dirs(
        &self,
        prefix: &str,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        out: &mut (Listing, Listing),
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let data = |t: Option<ObjectId>| -> Result<Vec<u8>> {
            t.map(|t| self.tree_data(t))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        // The newer tree first: older versions are usually deltas on it, so theirs stops at it.
        let db = data(new)?;
        let da = data(old)?;
        let entries = |t: Option<ObjectId>, d| match t {
            Some(t) => decoded_entries(t, d),
            None => Ok(Vec::new()),
        };
        let (a, b) = (entries(old, &da)?, entries(new, &db)?);
        // Both trees are in git's order, so one merge pass pairs equal names; entries whose
        // ids are equal are skipped without a path being built.
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let order = match (a.get(i), b.get(j)) {
                // `EntryRef`'s order is git's tree order (a directory's name sorts as `name/`).
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (ea, eb) = match order {
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (Some(a[i - 1]), Some(b[j - 1]))
                }
                std::cmp::Ordering::Less => {
                    i += 1;
                    (Some(a[i - 1]), None)
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (None, Some(b[j - 1]))
                }
            };
            if let (Some(x), Some(y)) = (ea, eb)
                && x.oid == y.oid
            {
                continue;
            }
            let Some(name) = ea.or(eb).and_then(|e| e.filename.to_str().ok()) else {
                continue;
            };
            let rel = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            };
            let tree_of = |e: Option<gix::objs::tree::EntryRef<'_>>| {
                e.filter(|e| e.mode.is_tree()).map(|e| e.oid.to_owned())
            };
            let blob_of = |e: Option<gix::objs::tree::EntryRef<'_>>| {
                e.filter(|e| e.mode.is_blob()).map(|e| e.oid.to_owned())
            };
            let (ta, tb) = (tree_of(ea), tree_of(eb));
            if (ta.is_some() || tb.is_some()) && could_hold_plan_files(&rel) {
                self.diff_dirs(&rel, ta, tb, out)?;
            }
            if is_plan_file(&rel) {
                let (ba, bb) = (blob_of(ea), blob_of(eb));
                if ba != bb {
                    if let Some(o) = ba {
                        out.0.insert(rel.clone(), o);
                    }
                    if let Some(o) = bb {
                        out.1.insert(rel, o);
                    }
                }
            }
        }
        Ok(())
    }

    /// Lists the plan files of a commit (empty if the commit has no plan root).
    pub fn list_plan_at(&self, commit: ObjectId) -> Result<Listing> {
        match self.plan_tree_of(commit)? {
            Some(tree) => self.list_plan_tree(tree),
            None => Ok(Listing::new()),
        }
    }

    /// Reads one tree's raw data.
    fn tree_data(&self, tree: ObjectId) -> Result<Vec<u8>> {
        let t = self
            .inner
            .find_tree(tree)
            .map_err(|e| RepoError::git(format!("tree {tree}"), e))?;
        Ok(t.detach().data)
    }

    /// Reads one blob.
    pub fn read_blob(&self, oid: ObjectId) -> Result<Vec<u8>> {
        let blob = self
            .inner
            .find_blob(oid)
            .map_err(|e| RepoError::git(format!("blob {oid}"), e))?;
        Ok(blob.detach().data)
    }

    /// Lists the plan files in the working tree with their content and blob ids (as git
    /// would hash them), so they compare directly with tree listings.
    pub fn list_plan_worktree(&self) -> Result<(Listing, BTreeMap<ObjectId, Vec<u8>>)> {
        let workdir = self.workdir().ok_or(RepoError::NoWorktree)?;
        let root = workdir.join(PLAN_ROOT);
        let mut listing = Listing::new();
        let mut contents = BTreeMap::new();
        if !root.is_dir() {
            return Ok((listing, contents));
        }
        let mut add = |rel: String, path: &Path| -> Result<()> {
            let data = std::fs::read(path).map_err(|source| RepoError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let oid =
                gix::objs::compute_hash(self.inner.object_hash(), gix::object::Kind::Blob, &data)
                    .map_err(|e| RepoError::git(path.display().to_string(), e))?;
            listing.insert(rel, oid);
            contents.insert(oid, data);
            Ok(())
        };
        for project in read_dir_sorted(&root)? {
            let name = file_name(&project);
            if project.is_file() {
                if name == "projects_config.toml" {
                    add(name, &project)?;
                }
                continue;
            }
            if !project.is_dir() {
                continue;
            }
            for child in read_dir_sorted(&project)? {
                let cname = file_name(&child);
                if child.is_file() && cname == "project_config.toml" {
                    add(format!("{name}/{cname}"), &child)?;
                } else if child.is_dir() && cname == "archive" {
                    for folder in read_dir_sorted(&child)? {
                        let fname = file_name(&folder);
                        if folder.is_dir() && Folder::from_dir_name(&fname).is_some() {
                            for f in read_dir_sorted(&folder)? {
                                let file = file_name(&f);
                                if f.is_file() && file.ends_with(".md") {
                                    add(format!("{name}/archive/{fname}/{file}"), &f)?;
                                }
                            }
                        }
                    }
                } else if child.is_dir() && Folder::from_dir_name(&cname).is_some() {
                    for f in read_dir_sorted(&child)? {
                        let file = file_name(&f);
                        if f.is_file() && file.ends_with(".md") {
                            add(format!("{name}/{cname}/{file}"), &f)?;
                        }
                    }
                }
            }
        }
        Ok((listing, contents))
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|source| RepoError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|source| RepoError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        out.push(entry.path());
    }
    out.sort();
    Ok(out)
}

/// The repository-relative path of a plan-relative path.
pub fn repo_path(rel: &str) -> String {
    format!("{PLAN_ROOT}/{rel}")
}

/// Commits `paths` (and only them) with git, as the user would; a path git does not know
/// (an untracked file that was removed) is left out. Returns the new commit's ID.
pub fn commit_paths(
    workdir: &std::path::Path,
    paths: &[&str],
    message: &str,
) -> Result<String, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let out = std::process::Command::new("git")
            .current_dir(workdir)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let known: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| {
            workdir.join(p).exists() || git(&["ls-files", "--error-unmatch", "--", p]).is_ok()
        })
        .collect();
    let mut add = vec!["add", "--"];
    add.extend_from_slice(&known);
    git(&add)?;
    let mut commit = vec!["commit", "-q", "-m", message, "--"];
    commit.extend_from_slice(&known);
    git(&commit)?;
    git(&["rev-parse", "HEAD"])
}

/// `https://user:secret@host/…` → `https://***@host/…`, wherever a URL stands in `text`: a
/// remote URL with credentials in it (which git may quote in its errors, and `init` shows)
/// never reaches our output. Over http(s) the whole user part goes, since a token is often
/// the user name; elsewhere a `user:password` pair does.
pub fn redact_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let scheme: String = head[..i]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
            .to_ascii_lowercase();
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        // Over http(s) the user part is where tokens go; elsewhere (ssh's `git@`) only a
        // password is a secret.
        let secret = |userinfo: &str| scheme.starts_with("http") || userinfo.contains(':');
        match tail[..end].rfind('@').filter(|at| secret(&tail[..*at])) {
            Some(at) => {
                out.push_str("***");
                out.push_str(&tail[at..end]);
            }
            None => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_remote_urls_are_redacted() {
        assert_eq!(
            redact_credentials(
                "fatal: unable to access 'https://oauth2:glpat-SECRET@gitlab.com/a/b.git/': 403"
            ),
            "fatal: unable to access 'https://***@gitlab.com/a/b.git/': 403"
        );
        assert_eq!(
            redact_credentials(
                "could not read from https://github.com/a/b, ssh://git@host/x and ssh://git:pw@host/y"
            ),
            "could not read from https://github.com/a/b, ssh://git@host/x and ssh://***@host/y"
        );
    }

    #[test]
    fn plan_files_are_recognised() {
        assert!(is_plan_file("projects_config.toml"));
        assert!(is_plan_file("web/project_config.toml"));
        assert!(is_plan_file("web/tasks/TASK-1.md"));
        assert!(is_plan_file("web/archive/epics/EPIC-1.md"));
        assert!(!is_plan_file("web/decisions/ADR-1.md"));
        assert!(!is_plan_file("web/tasks/deep/TASK-1.md"));
        assert!(could_hold_plan_files("web"));
        assert!(could_hold_plan_files("web/tasks"));
        assert!(could_hold_plan_files("web/archive/epics"));
        assert!(!could_hold_plan_files("web/decisions"));
        assert!(!could_hold_plan_files("web/tasks/deep"));
    }
}
