//! The record of the last sync, kept in git under `refs/intellimanage/sync`.
//!
//! The ref points at a commit of ours (never on any branch; the working tree and index are
//! never touched). Each sync that changes anything adds a commit whose parent is the
//! previous record, so `git log refs/intellimanage/sync` is the sync history. Its tree:
//!
//! ```text
//! plan/          the plan root (.ruru/projects) as last synced, file by file: the blobs are
//!                the very blobs of the commits that were synced, so the offline diff is a
//!                tree diff between plan/ and HEAD:.ruru/projects
//! links.json     artifact ↔ GitHub links: "<project>/<ID>" → issue or milestone number,
//!                URL, sync status and the remote fields as last synced (the merge base for
//!                changes made on GitHub)
//! etags.json     the GitHub client's ETag cache, so unchanged reads come back 304
//! meta.json      format version, time of the last sync, the commit it synced
//! <other>.json   documents other parts of the tool keep here (incoming changes, commit
//!                links); they are carried over untouched by commits that don't change them
//! ```
//!
//! The plan tree is updated per artifact, so a sync that stops half-way records exactly what
//! was synced, and a re-run resumes from there. The ref is moved with a compare-and-swap on
//! its previous value: two writers can never silently overwrite each other.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};

use crate::repo::{Repo, RepoError};

/// The ref that holds the record.
pub const SYNC_REF: &str = "refs/intellimanage/sync";
/// The directory of the record's tree that mirrors the plan root.
pub const PLAN_DIR: &str = "plan";
/// Version of the record layout described above. 2: each link names its tracker and API
/// host (1: GitHub only; migrated in place by the next sync).
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("the sync record ({name} in {SYNC_REF}) is damaged: {message}")]
    Damaged { name: String, message: String },
    #[error(
        "the sync record changed while this command ran (another sync or hook?); nothing was lost: run the command again"
    )]
    Raced,
    #[error("could not write the sync record: {0}")]
    Write(String),
}

pub type Result<T, E = RecordError> = std::result::Result<T, E>;

/// What the `meta.json` document says.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    pub format: u32,
    /// When the last sync finished (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<String>,
    /// The commit whose plan was synced last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
}

/// The record as loaded, edited in memory, then committed.
#[derive(Debug, Clone)]
pub struct Record {
    /// The record commit the ref pointed at when loaded (`None`: no sync yet).
    pub head: Option<ObjectId>,
    /// The mirrored plan root as last synced.
    pub plan_tree: Option<ObjectId>,
    /// The other top-level documents, by file name.
    pub documents: BTreeMap<String, Vec<u8>>,
    dirty: bool,
}

impl Record {
    /// A record with nothing synced yet.
    pub fn empty() -> Record {
        Record {
            head: None,
            plan_tree: None,
            documents: BTreeMap::new(),
            dirty: false,
        }
    }

    /// Loads the record, or an empty one when no sync has happened yet.
    pub fn load(repo: &Repo) -> Result<Record> {
        let gix = repo.gix();
        let reference = gix
            .try_find_reference(SYNC_REF)
            .map_err(|e| RepoError::git(SYNC_REF, e))?;
        let Some(mut reference) = reference else {
            return Ok(Record::empty());
        };
        let commit_id = reference
            .peel_to_id()
            .map_err(|e| RepoError::git(SYNC_REF, e))?
            .detach();
        Record::load_at(repo, commit_id)
    }

    /// Loads the record as it was at record commit `commit_id` (e.g. a teammate's, fetched).
    pub fn load_at(repo: &Repo, commit_id: ObjectId) -> Result<Record> {
        let gix = repo.gix();
        let tree = repo.commit_tree(commit_id)?;
        let mut record = Record {
            head: Some(commit_id),
            plan_tree: None,
            documents: BTreeMap::new(),
            dirty: false,
        };
        let t = gix
            .find_tree(tree)
            .map_err(|e| RepoError::git(format!("{SYNC_REF} tree"), e))?;
        let decoded = t
            .decode()
            .map_err(|e| RepoError::git(format!("{SYNC_REF} tree"), e))?;
        for entry in &decoded.entries {
            let name = entry.filename.to_str_lossy().into_owned();
            if entry.mode.is_tree() && name == PLAN_DIR {
                record.plan_tree = Some(entry.oid.to_owned());
            } else if entry.mode.is_blob() {
                let data = repo.read_blob(entry.oid.to_owned())?;
                record.documents.insert(name, data);
            }
        }
        Ok(record)
    }

    /// True once any sync has been recorded.
    pub fn exists(&self) -> bool {
        self.head.is_some()
    }

    /// True when this record was changed in memory since it was loaded or committed.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Reads a JSON document, or its default when absent.
    pub fn json<T: serde::de::DeserializeOwned + Default>(&self, name: &str) -> Result<T> {
        match self.documents.get(name) {
            None => Ok(T::default()),
            Some(bytes) => serde_json::from_slice(bytes).map_err(|e| RecordError::Damaged {
                name: name.to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// Replaces a JSON document (written pretty, so `git show` on the record is readable).
    pub fn set_json<T: serde::Serialize>(&mut self, name: &str, value: &T) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| RecordError::Damaged {
            name: name.to_string(),
            message: e.to_string(),
        })?;
        bytes.push(b'\n');
        if self.documents.get(name) != Some(&bytes) {
            self.documents.insert(name.to_string(), bytes);
            self.dirty = true;
        }
        Ok(())
    }

    /// Removes a document.
    pub fn remove(&mut self, name: &str) {
        if self.documents.remove(name).is_some() {
            self.dirty = true;
        }
    }

    pub fn meta(&self) -> Result<Meta> {
        self.json("meta.json")
    }

    /// Sets (`Some`) or removes (`None`) plan files in the mirrored plan tree. Paths are
    /// relative to the plan root; blobs must already exist in the object database.
    pub fn update_plan<I>(&mut self, repo: &Repo, changes: I) -> Result<()>
    where
        I: IntoIterator<Item = (String, Option<ObjectId>)>,
    {
        let gix = repo.gix();
        let base = self
            .plan_tree
            .unwrap_or_else(|| ObjectId::empty_tree(gix.object_hash()));
        let mut editor = gix
            .edit_tree(base)
            .map_err(|e| RecordError::Write(format!("editing the plan tree: {e}")))?;
        let mut any = false;
        for (path, oid) in changes {
            any = true;
            match oid {
                Some(oid) => {
                    editor
                        .upsert(path.as_str(), gix::objs::tree::EntryKind::Blob, oid)
                        .map_err(|e| RecordError::Write(format!("recording {path}: {e}")))?;
                }
                None => {
                    editor
                        .remove(path.as_str())
                        .map_err(|e| RecordError::Write(format!("removing {path}: {e}")))?;
                }
            }
        }
        if !any {
            return Ok(());
        }
        let tree = editor
            .write()
            .map_err(|e| RecordError::Write(format!("writing the plan tree: {e}")))?
            .detach();
        let tree = (tree != ObjectId::empty_tree(gix.object_hash())).then_some(tree);
        if tree != self.plan_tree {
            self.plan_tree = tree;
            self.dirty = true;
        }
        Ok(())
    }

    /// Replaces the whole mirrored plan tree (e.g. with the plan root of a commit).
    pub fn set_plan_tree(&mut self, tree: Option<ObjectId>) {
        if tree != self.plan_tree {
            self.plan_tree = tree;
            self.dirty = true;
        }
    }

    /// Writes the record's tree (documents and plan tree) into the object database.
    pub fn write_tree(&self, repo: &Repo) -> Result<ObjectId> {
        let gix = repo.gix();
        let mut entries: Vec<gix::objs::tree::Entry> = Vec::new();
        for (name, data) in &self.documents {
            let oid = gix
                .write_blob(data)
                .map_err(|e| RecordError::Write(format!("{name}: {e}")))?
                .detach();
            entries.push(gix::objs::tree::Entry {
                mode: gix::objs::tree::EntryKind::Blob.into(),
                filename: BString::from(name.as_str()),
                oid,
            });
        }
        if let Some(plan) = self.plan_tree {
            entries.push(gix::objs::tree::Entry {
                mode: gix::objs::tree::EntryKind::Tree.into(),
                filename: BString::from(PLAN_DIR),
                oid: plan,
            });
        }
        entries.sort();
        let tree = gix
            .write_object(gix::objs::Tree { entries })
            .map_err(|e| RecordError::Write(format!("the record tree: {e}")))?
            .detach();
        Ok(tree)
    }

    /// Writes the record as a new commit and moves the ref to it, atomically and only if
    /// nobody moved it since this record was loaded. Does nothing when nothing changed.
    pub fn commit(&mut self, repo: &Repo, message: &str) -> Result<Option<ObjectId>> {
        if !self.dirty {
            return Ok(None);
        }
        let tree = self.write_tree(repo)?;
        let commit_id = commit_to_ref(repo, SYNC_REF, self.head, tree, message)?;
        self.head = Some(commit_id);
        self.dirty = false;
        Ok(Some(commit_id))
    }
}

/// Writes a commit of `tree` whose parent is `head` and moves `refname` to it, but only if
/// the ref still points at `head` (or, for `None`, does not exist yet): a compare-and-swap,
/// so two writers never silently overwrite each other. Shared by every ref of ours.
pub fn commit_to_ref(
    repo: &Repo,
    refname: &str,
    head: Option<ObjectId>,
    tree: ObjectId,
    message: &str,
) -> Result<ObjectId> {
    let parents: Vec<ObjectId> = head.into_iter().collect();
    commit_to_ref_with_parents(repo, refname, head, &parents, tree, message)
}

/// Like [`commit_to_ref`], with the commit's parents given (a merge of two records has
/// two); the ref still moves only if it points at `head`.
pub fn commit_to_ref_with_parents(
    repo: &Repo,
    refname: &str,
    head: Option<ObjectId>,
    parents: &[ObjectId],
    tree: ObjectId,
    message: &str,
) -> Result<ObjectId> {
    let gix = repo.gix();
    let signature = record_signature();
    let commit = gix::objs::Commit {
        message: message.into(),
        tree,
        author: signature.clone(),
        committer: signature.clone(),
        encoding: None,
        parents: parents.iter().copied().collect(),
        extra_headers: Vec::new(),
    };
    let commit_id = gix
        .write_object(&commit)
        .map_err(|e| RecordError::Write(format!("the commit for {refname}: {e}")))?
        .detach();
    let expected = match head {
        Some(prev) => PreviousValue::MustExistAndMatch(Target::Object(prev)),
        None => PreviousValue::MustNotExist,
    };
    set_ref(repo, refname, expected, commit_id, message)?;
    Ok(commit_id)
}

/// Moves `refname` to the existing commit `new` if it still points at `expected` (`None`:
/// does not exist yet): a compare-and-swap, as for every ref of ours.
pub fn move_ref(
    repo: &Repo,
    refname: &str,
    expected: Option<ObjectId>,
    new: ObjectId,
    message: &str,
) -> Result<()> {
    let expected = match expected {
        Some(prev) => PreviousValue::MustExistAndMatch(Target::Object(prev)),
        None => PreviousValue::MustNotExist,
    };
    set_ref(repo, refname, expected, new, message)
}

/// Sets `refname` to `new` whatever it was (remote-tracking copies only).
pub fn force_ref(repo: &Repo, refname: &str, new: ObjectId, message: &str) -> Result<()> {
    set_ref(repo, refname, PreviousValue::Any, new, message)
}

fn set_ref(
    repo: &Repo,
    refname: &str,
    expected: PreviousValue,
    new: ObjectId,
    message: &str,
) -> Result<()> {
    let gix = repo.gix();
    let signature = record_signature();
    let name: FullName = refname
        .try_into()
        .map_err(|e| RecordError::Write(format!("{refname}: {e}")))?;
    let first_line = message.lines().next().unwrap_or_default();
    let edit = RefEdit::new(
        name,
        Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: true,
                message: format!("intellimanage: {first_line}").into(),
            },
            expected,
            new: Target::Object(new),
        },
    );
    let mut time_buf = gix::date::parse::TimeBuf::default();
    gix.edit_references_as(Some(edit), Some(signature.to_ref(&mut time_buf)))
        .map_err(|e| {
            let text = e.to_string();
            if text.contains("expected") || text.contains("exist") || text.contains("lock") {
                RecordError::Raced
            } else {
                RecordError::Write(text)
            }
        })?;
    Ok(())
}

/// The identity record commits are made with: fixed, so recording never depends on the
/// user's git configuration (hooks run in all sorts of environments).
fn record_signature() -> gix::actor::Signature {
    gix::actor::Signature {
        name: "git-intellimanage".into(),
        email: "git-intellimanage@localhost".into(),
        time: gix::date::Time::now_utc(),
    }
}
