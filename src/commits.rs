//! Commit links: which artifacts each commit touched, and which it names after a keyword
//! (`Fixes TASK-123`, `Refs EPIC-5`), kept in git under `refs/intellimanage/commits`.
//!
//! The post-commit hook must stay fast, so commit links live apart from the sync record's
//! big documents, one small JSON document per commit. The ref points at a commit of ours
//! (never on a branch; working tree and index untouched) whose parent is the previous
//! state, so `git log -p refs/intellimanage/commits` is the history. Its tree:
//!
//! ```text
//! commits/<aa>/<full sha>.json   one document per linked commit (<aa>: the sha's first
//!                                two hex digits, so no tree grows too large)
//! ```
//!
//! A document ([`CommitLinks`]):
//!
//! ```json
//! { "commit": "<sha>", "summary": "Fix the login form", "branch": "main",
//!   "artifacts": [ { "project": "web", "id": "TASK-1", "path": "…/TASK-1_login.md",
//!                    "change": "modified" } ],
//!   "mentions":  [ { "keyword": "Fixes", "id": "TASK-2", "project": "web",
//!                    "status_update": true } ],
//!   "comments":  [ { "repo": "acme/web", "issue": 12, "comment_id": 345 } ],
//!   "closed":    [ "acme/web#12" ] }
//! ```
//!
//! `comments` and `closed` are filled in by the pre-push hook, so a commit is commented on
//! an issue once only, however often it is pushed. Only commits that touch or name an
//! artifact are recorded. The ref is moved with a compare-and-swap on its previous value
//! and retried a few times when another writer got there first.

use std::collections::{BTreeMap, BTreeSet};

use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::artifact::Location;
use crate::repo::{Repo, RepoError};

/// The ref that holds the commit links.
pub const COMMITS_REF: &str = "refs/intellimanage/commits";
/// The directory of the ref's tree holding the documents.
pub const COMMITS_DIR: &str = "commits";
/// How often a write is retried when the ref moved underneath it.
const WRITE_ATTEMPTS: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum CommitsError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("the commit links ({COMMITS_REF}) are damaged at {path}: {message}")]
    Damaged { path: String, message: String },
    #[error(
        "{COMMITS_REF} kept changing while this command tried to update it; run the command again"
    )]
    Raced,
    #[error("could not write {COMMITS_REF}: {0}")]
    Write(String),
}

pub type Result<T, E = CommitsError> = std::result::Result<T, E>;

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

/// An artifact ID named in a commit message after a keyword.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mention {
    /// The keyword as configured (`Fixes`), whatever case the message used.
    pub keyword: String,
    /// The ID as written in the message.
    pub id: String,
    /// The project whose plan has a file named for this ID, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// True when the keyword is one of `commit_status_update_keywords`.
    #[serde(default)]
    pub status_update: bool,
}

/// A comment the pre-push hook posted for this commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostedComment {
    /// `owner/name`.
    pub repo: String,
    pub issue: u64,
    pub comment_id: u64,
}

/// Everything recorded about one commit.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CommitLinks {
    pub commit: String,
    /// The first line of the message.
    pub summary: String,
    /// The branch HEAD was on when the commit was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default)]
    pub artifacts: Vec<Touched>,
    #[serde(default)]
    pub mentions: Vec<Mention>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<PostedComment>,
    /// Issues (`owner/name#n`) closed because of a status keyword in this commit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<String>,
}

impl CommitLinks {
    /// True when there is nothing worth recording.
    pub fn is_empty(&self) -> bool {
        self.artifacts.is_empty() && self.mentions.is_empty()
    }

    /// The comment already posted on `repo#issue`, if any.
    pub fn comment_on(&self, repo: &str, issue: u64) -> Option<&PostedComment> {
        self.comments
            .iter()
            .find(|c| c.issue == issue && c.repo.eq_ignore_ascii_case(repo))
    }
}

// ---------------------------------------------------------------------------- messages

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Matches `keyword` (case-insensitive, any run of whitespace between its words) at
/// `at` in `text`; returns the end offset.
fn match_keyword(text: &[u8], at: usize, keyword: &str) -> Option<usize> {
    let mut pos = at;
    for (n, word) in keyword.split_whitespace().enumerate() {
        if n > 0 {
            let start = pos;
            while pos < text.len() && text[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if pos == start {
                return None;
            }
        }
        let w = word.as_bytes();
        if text.len() < pos + w.len() || !text[pos..pos + w.len()].eq_ignore_ascii_case(w) {
            return None;
        }
        pos += w.len();
    }
    (pos > at).then_some(pos)
}

/// Reads an artifact ID at `at`: letters, then `-`-separated alphanumeric parts, the
/// last one digits (`TASK-123`, `TASK-IM-707`, `EPIC-5`). Returns the ID and its end.
fn read_id(text: &[u8], at: usize) -> Option<(&str, usize)> {
    let mut end = at;
    while end < text.len() && (text[end].is_ascii_alphanumeric() || text[end] == b'-') {
        end += 1;
    }
    // Trailing dashes are punctuation, not part of the ID.
    while end > at && text[end - 1] == b'-' {
        end -= 1;
    }
    if end < text.len() && is_word_byte(text[end]) {
        return None;
    }
    let token = std::str::from_utf8(&text[at..end]).ok()?;
    let parts: Vec<&str> = token.split('-').collect();
    let valid = parts.len() >= 2
        && parts[0].bytes().all(|b| b.is_ascii_alphabetic())
        && !parts[0].is_empty()
        && parts.iter().all(|p| !p.is_empty())
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit());
    valid.then_some((token, end))
}

/// Skips spaces, tabs and the list separators between IDs (`,` `&` `/` `and`).
fn skip_separator(text: &[u8], mut pos: usize) -> usize {
    loop {
        let start = pos;
        while pos < text.len() && matches!(text[pos], b' ' | b'\t' | b',' | b'&' | b'/') {
            pos += 1;
        }
        if text.len() >= pos + 4
            && text[pos..pos + 3].eq_ignore_ascii_case(b"and")
            && text[pos + 3].is_ascii_whitespace()
        {
            pos += 3;
        }
        if pos == start {
            return pos;
        }
    }
}

/// Finds the artifact IDs a commit message names after a keyword of `link_keywords` or
/// `status_keywords` (case-insensitive; `Fixes: TASK-1`, `fixes TASK-1, TASK-2 and
/// TASK-3`; several keywords per message). Each ID is reported once, with the first
/// keyword naming it; a status keyword wins over a link keyword for the same ID.
pub fn parse_mentions(
    message: &str,
    link_keywords: &[String],
    status_keywords: &[String],
) -> Vec<Mention> {
    let text = message.as_bytes();
    let mut keywords: Vec<(&str, bool)> = Vec::new();
    for k in status_keywords {
        keywords.push((k.as_str(), true));
    }
    for k in link_keywords {
        if !status_keywords.iter().any(|s| s.eq_ignore_ascii_case(k)) {
            keywords.push((k.as_str(), false));
        }
    }
    keywords.retain(|(k, _)| !k.trim().is_empty());
    // Longest first, so `Relates to` is preferred over a configured `Relates`.
    keywords.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let mut out: Vec<Mention> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let boundary = i == 0 || !is_word_byte(text[i - 1]);
        let hit = boundary
            .then(|| {
                keywords
                    .iter()
                    .find_map(|(k, s)| match_keyword(text, i, k).map(|end| (*k, *s, end)))
            })
            .flatten();
        let Some((keyword, status_update, end)) = hit else {
            i += 1;
            continue;
        };
        if end < text.len() && is_word_byte(text[end]) {
            i += 1;
            continue;
        }
        let mut pos = end;
        if pos < text.len() && text[pos] == b':' {
            pos += 1;
        }
        let mut any = false;
        loop {
            let start = skip_separator(text, pos);
            if !any && start == pos && pos < text.len() && !text[pos].is_ascii_whitespace() {
                break;
            }
            match read_id(text, start) {
                Some((id, id_end)) => {
                    any = true;
                    match out.iter_mut().find(|m| m.id.eq_ignore_ascii_case(id)) {
                        Some(existing) => {
                            if status_update && !existing.status_update {
                                existing.status_update = true;
                                existing.keyword = keyword.to_string();
                            }
                        }
                        None => out.push(Mention {
                            keyword: keyword.to_string(),
                            id: id.to_string(),
                            project: None,
                            status_update,
                        }),
                    }
                    pos = id_end;
                }
                None => break,
            }
        }
        i = pos.max(i + 1);
    }
    out
}

// ---------------------------------------------------------------------------- tree diff

/// A changed file under the plan root: path relative to the plan root, old and new blob.
type FileChange = (String, Option<ObjectId>, Option<ObjectId>);

struct TreeReader<'a> {
    repo: &'a Repo,
}

type Entries = BTreeMap<String, (bool, ObjectId)>;
/// An entry on either side: whether it is a tree, and its id.
type Entry = Option<(bool, ObjectId)>;

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
    fn entries(&self, tree: Option<ObjectId>) -> Result<Entries> {
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
    fn data(&self, tree: Option<ObjectId>) -> Result<Option<Vec<u8>>> {
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
    fn decode<'d>(&self, data: Option<&'d [u8]>) -> Result<Vec<gix::objs::tree::EntryRef<'d>>> {
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
fn diff_plan_trees(
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

/// For each mention without a project, the project whose plan (at `plan_tree`) has an
/// artifact file named for the ID (`<ID>_….md` or `<ID>.md`, any case). Reads only the
/// folder trees, never the files.
pub fn locate_mentions(repo: &Repo, plan_tree: ObjectId, mentions: &mut [Mention]) -> Result<()> {
    if mentions.iter().all(|m| m.project.is_some()) {
        return Ok(());
    }
    let reader = TreeReader { repo };
    for (project, (is_tree, oid)) in reader.entries(Some(plan_tree))? {
        if !is_tree {
            continue;
        }
        let mut folders: Vec<ObjectId> = Vec::new();
        for (name, (is_tree, oid)) in reader.entries(Some(oid))? {
            if !is_tree {
                continue;
            }
            if name == "archive" {
                for (f, (t, o)) in reader.entries(Some(oid))? {
                    if t && crate::artifact::Folder::from_dir_name(&f).is_some() {
                        folders.push(o);
                    }
                }
            } else if crate::artifact::Folder::from_dir_name(&name).is_some() {
                folders.push(oid);
            }
        }
        for folder in folders {
            let data = reader.data(Some(folder))?;
            for e in reader.decode(data.as_deref())? {
                if e.mode.is_tree() {
                    continue;
                }
                let file: &[u8] = e.filename.as_ref();
                let Some(stem) = file.strip_suffix(b".md") else {
                    continue;
                };
                let id = stem.split(|b| *b == b'_').next().unwrap_or(stem);
                for m in mentions.iter_mut().filter(|m| m.project.is_none()) {
                    if m.id.as_bytes().eq_ignore_ascii_case(id) {
                        m.project = Some(project.clone());
                    }
                }
            }
        }
        if mentions.iter().all(|m| m.project.is_some()) {
            break;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------- the ref

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

// ---------------------------------------------------------------------------- readers

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

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn ids(ms: &[Mention]) -> Vec<(String, String, bool)> {
        ms.iter()
            .map(|m| (m.keyword.clone(), m.id.clone(), m.status_update))
            .collect()
    }

    #[test]
    fn keywords_name_ids_case_insensitively() {
        let link = kw(&["Fixes", "Closes", "Resolves", "Refs", "Relates to"]);
        let status = kw(&["Fixes", "Closes", "Resolves"]);
        let ms = parse_mentions(
            "Tidy the form\n\nfixes TASK-123, TASK-IM-707 and BUG-9\nREFS: EPIC-5\nrelates   to FEAT-1.",
            &link,
            &status,
        );
        assert_eq!(
            ids(&ms),
            vec![
                ("Fixes".into(), "TASK-123".into(), true),
                ("Fixes".into(), "TASK-IM-707".into(), true),
                ("Fixes".into(), "BUG-9".into(), true),
                ("Refs".into(), "EPIC-5".into(), false),
                ("Relates to".into(), "FEAT-1".into(), false),
            ]
        );
    }

    #[test]
    fn words_that_only_contain_a_keyword_do_not_count() {
        let link = kw(&["Fixes", "Refs"]);
        let ms = parse_mentions(
            "Prefixes TASK-1; refsTASK-2; Fixes #12; Refs the TASK-3",
            &link,
            &[],
        );
        assert!(ms.is_empty(), "{ms:?}");
    }

    #[test]
    fn a_status_keyword_wins_for_the_same_id() {
        let ms = parse_mentions(
            "Refs TASK-1\nCloses task-1",
            &kw(&["Refs", "Closes"]),
            &kw(&["Closes"]),
        );
        assert_eq!(ids(&ms), vec![("Closes".into(), "TASK-1".into(), true)]);
    }

    #[test]
    fn ids_need_a_numeric_last_part() {
        let link = kw(&["Refs"]);
        assert!(parse_mentions("Refs TASK-", &link, &[]).is_empty());
        assert!(parse_mentions("Refs TASK-abc", &link, &[]).is_empty());
        assert!(parse_mentions("Refs 12-34", &link, &[]).is_empty());
        assert_eq!(parse_mentions("(Refs EPIC-5)", &link, &[]).len(), 1);
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

    #[test]
    fn documents_fan_out_by_prefix() {
        assert_eq!(document_path("abcdef0123"), "commits/ab/abcdef0123.json");
    }
}
