//! Starting work items: for each, a branch `<prefix>/<ID>-<slug>` from the base and a linked
//! worktree `<dir>/<ID>`; and cleaning up the worktrees of finished, merged items.
//!
//! There is no state of its own: what has been started is what git has (the branches under
//! the prefix and the worktrees `git worktree list` shows), what may be started is the plan
//! (wave 1 of [`crate::waves`]). So a run that was interrupted is resumed by running it
//! again: what exists is reused, what is missing is made. Nothing is ever committed, and
//! the base branch is never moved or checked out.
//!
//! Deciding what to do is pure ([`plan_start`], [`plan_cleanup`], [`readiness`],
//! [`branch_name`], [`parse_worktree_list`]); doing it runs the `git` command, never
//! prompting ([`Git`], [`execute_start`], [`execute_cleanup`]).

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::waves::{Reason, Waves};

mod git;

pub use git::{Git, GitOutput, GitState, Worktree, parse_worktree_list};

/// The branch prefix when none is given.
pub const DEFAULT_PREFIX: &str = "im";
/// Where worktrees go when no directory is given, relative to the main worktree.
pub const DEFAULT_DIR: &str = ".worktrees";
/// The longest title slug put in a branch name (as in file names).
pub const MAX_SLUG_LEN: usize = crate::writeback::MAX_SLUG_LEN;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("`{prefix}` is not usable as a branch prefix: {why}")]
    BadPrefix { prefix: String, why: &'static str },
    #[error("cannot run git: {0}")]
    Spawn(String),
    #[error("`git {args}` failed: {stderr}")]
    Git { args: String, stderr: String },
    #[error("HEAD is detached: there is no current branch to start from")]
    Detached,
    #[error("cannot update {path}: {message}")]
    Exclude { path: String, message: String },
}

impl StartError {
    pub fn hint(&self) -> Option<String> {
        match self {
            StartError::BadPrefix { .. } => Some(
                "a prefix is one or more words of letters, digits, `.`, `_` or `-`, separated by `/` (e.g. `im` or `team/ada`)"
                    .to_string(),
            ),
            StartError::Spawn(_) => Some("is git installed and on the PATH?".to_string()),
            StartError::Detached => {
                Some("name the branch to start from with --base BRANCH".to_string())
            }
            StartError::Git { .. } | StartError::Exclude { .. } => None,
        }
    }
}

// ----- readiness -----

/// Whether an item may be started, as the waves of the whole plan say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// In wave 1 and not finished.
    Ready,
    /// Finished already (its status).
    Done(String),
    /// In a later wave, waiting on these open items.
    Waiting { wave: usize, on: Vec<String> },
    /// In no wave (a cycle, an unknown dependency, …): the waves' message.
    Blocked(String),
    /// Not among the planned work items.
    NotPlanned,
}

impl Readiness {
    /// Why it is not ready (`None` when it is).
    pub fn reason(&self) -> Option<String> {
        match self {
            Readiness::Ready => None,
            Readiness::Done(status) => Some(format!("already done ({status})")),
            Readiness::Waiting { wave, on } if on.is_empty() => {
                Some(format!("not ready: in wave {wave}"))
            }
            Readiness::Waiting { wave, on } => Some(format!(
                "not ready: in wave {wave}, waits on {}",
                on.join(", ")
            )),
            Readiness::Blocked(message) => Some(format!("not ready: {message}")),
            Readiness::NotPlanned => Some("not a planned work item".to_string()),
        }
    }
}

/// The readiness of `project`/`id` in `waves` (computed over every project's work, so that
/// every dependency counts).
pub fn readiness(waves: &Waves, project: &str, id: &str) -> Readiness {
    let same = |p: &str, i: &str| p == project && i.eq_ignore_ascii_case(id);
    for wave in &waves.waves {
        if let Some(item) = wave.items.iter().find(|i| same(&i.project, &i.id)) {
            if item.done {
                return Readiness::Done(item.status.clone());
            }
            if wave.number == 1 {
                return Readiness::Ready;
            }
            let on = item
                .depends_on
                .iter()
                .filter(|d| !waves.done.iter().any(|x| x.eq_ignore_ascii_case(d)))
                .cloned()
                .collect();
            return Readiness::Waiting {
                wave: wave.number,
                on,
            };
        }
    }
    match waves.blocked.iter().find(|b| same(&b.project, &b.id)) {
        Some(b) => Readiness::Blocked(match b.reason {
            Reason::Cycle | Reason::Unknown | Reason::Outside => b.message.clone(),
        }),
        None => Readiness::NotPlanned,
    }
}

// ----- names -----

/// Checks a branch prefix: words of `[A-Za-z0-9._-]` separated by `/`, as git accepts them.
pub fn check_prefix(prefix: &str) -> Result<(), StartError> {
    let bad = |why| {
        Err(StartError::BadPrefix {
            prefix: prefix.to_string(),
            why,
        })
    };
    if prefix.is_empty() {
        return bad("it is empty");
    }
    for word in prefix.split('/') {
        if word.is_empty() {
            return bad("it has an empty part (a leading, trailing or double `/`)");
        }
        if !word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return bad("only letters, digits, `.`, `_`, `-` and `/` are allowed");
        }
        if word.starts_with(['.', '-']) || word.ends_with('.') || word.ends_with(".lock") {
            return bad("a part starts with `.` or `-`, or ends with `.` or `.lock`");
        }
        if word.contains("..") {
            return bad("it contains `..`");
        }
    }
    Ok(())
}

/// Whether an artifact ID can go into a branch and a directory name: letters and digits in
/// `-`-separated words (`TASK-IM-12`), as `new` requires for file names.
pub fn usable_id(id: &str) -> bool {
    crate::writeback::artifact_file_name(id, "x").is_some()
}

/// `<prefix>/<ID>-<slug of the title>`: the slug as `new` makes file names (lower case,
/// ASCII words joined by `-`, at most [`MAX_SLUG_LEN`] bytes). `None` when the ID is not
/// usable ([`usable_id`]).
pub fn branch_name(prefix: &str, id: &str, title: &str) -> Option<String> {
    usable_id(id).then(|| {
        format!(
            "{prefix}/{id}-{}",
            crate::writeback::safe_slug(title, MAX_SLUG_LEN)
        )
    })
}

/// The line that keeps `dir` out of git's view in `.git/info/exclude` (`/.worktrees/`), when
/// `dir` lies inside the main worktree `root` (and is not the root itself).
pub fn exclude_entry(root: &Path, dir: &Path) -> Option<String> {
    let rel = dir.strip_prefix(root).ok()?;
    let words: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(format!("/{}/", words.join("/")))
}

/// Adds `entry` to the exclude file (`<common git dir>/info/exclude`) unless a line already
/// says it; returns whether it was added. Only ever this file: never a tracked `.gitignore`.
pub fn ensure_excluded(exclude_file: &Path, entry: &str) -> Result<bool, StartError> {
    let io = |e: std::io::Error| StartError::Exclude {
        path: exclude_file.display().to_string(),
        message: e.to_string(),
    };
    let text = match std::fs::read_to_string(exclude_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let bare = entry.trim_start_matches('/').trim_end_matches('/');
    let present = text.lines().map(str::trim).any(|l| {
        l == entry || l.trim_start_matches('/').trim_end_matches('/') == bare && !l.starts_with('!')
    });
    if present {
        return Ok(false);
    }
    if let Some(parent) = exclude_file.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut new = text;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str("# git intellimanage start: linked worktrees\n");
    new.push_str(entry);
    new.push('\n');
    std::fs::write(exclude_file, new).map_err(io)?;
    Ok(true)
}

// ----- start -----

/// An item asked for.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub project: String,
    pub id: String,
    pub title: String,
    pub readiness: Readiness,
}

/// How to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub prefix: String,
    /// The revision branches start from (as given, or the current branch).
    pub base: String,
    /// Where worktrees go (absolute).
    pub dir: PathBuf,
    /// Start items that are not ready.
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Reused,
    Skipped,
}

impl Action {
    pub fn word(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Reused => "reused",
            Action::Skipped => "skipped",
        }
    }
}

/// What git is asked to do for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Nothing,
    /// `git worktree add -b <branch> <path> <base>`.
    CreateBranch,
    /// `git worktree add <path> <branch>` (the branch exists).
    AddWorktree,
}

/// An item's outcome (planned, then done).
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub project: String,
    pub id: String,
    pub title: String,
    pub branch: String,
    pub worktree: PathBuf,
    pub action: Action,
    pub reason: Option<String>,
    #[serde(skip)]
    pub step: Step,
    /// A worktree entry of the branch whose directory is gone: `git worktree prune` first.
    #[serde(skip)]
    pub prune: bool,
}

/// Decides, for each wanted item, what to do (pure). `exists` says whether a path exists on
/// disk.
///
/// - The branch is `<prefix>/<ID>-<slug>`, or the branch already checked out in `<dir>/<ID>`
///   when it is `<prefix>/<ID>-…` (the title changed since).
/// - Branch and worktree exist: `reused` (wherever the worktree is).
/// - The branch exists, its worktree does not: `created` (the worktree is added); the item
///   counts as started, so its readiness is not checked again.
/// - Neither exists: `created` when the item is ready (or `force`), else `skipped` with why.
/// - `skipped` too when `<dir>/<ID>` is taken by something else, or the ID can't be a name.
pub fn plan_start(
    wanted: &[Wanted],
    state: &GitState,
    settings: &Settings,
    exists: &dyn Fn(&Path) -> bool,
) -> Vec<Started> {
    let mut out: Vec<Started> = Vec::new();
    let mut paths: BTreeSet<PathBuf> = BTreeSet::new();
    for w in wanted {
        let path = settings.dir.join(&w.id);
        let mut item = Started {
            project: w.project.clone(),
            id: w.id.clone(),
            title: w.title.clone(),
            branch: String::new(),
            worktree: path.clone(),
            action: Action::Skipped,
            reason: None,
            step: Step::Nothing,
            prune: false,
        };
        let Some(fresh) = branch_name(&settings.prefix, &w.id, &w.title) else {
            item.reason = Some(format!(
                "the ID `{}` can't be used in a branch name (letters and digits in `-`-separated words)",
                w.id
            ));
            out.push(item);
            continue;
        };
        if !paths.insert(path.clone()) {
            item.branch = fresh;
            item.reason = Some(format!(
                "another item of this run (another project's `{}`) uses {}",
                w.id,
                path.display()
            ));
            out.push(item);
            continue;
        }
        let own = format!("{}/{}-", settings.prefix, w.id).to_lowercase();
        let occupant = state.worktree_at(&path);
        let branch = if state.branches.contains(&fresh) {
            Some(fresh.clone())
        } else {
            occupant
                .and_then(|o| o.branch.clone())
                .filter(|b| b.to_lowercase().starts_with(&own))
        };
        match branch {
            Some(b) => {
                item.branch = b.clone();
                match state.worktree_of(&b) {
                    Some(wt) if !wt.prunable => {
                        item.worktree = wt.path.clone();
                        item.action = Action::Reused;
                    }
                    registered => {
                        item.prune = registered.is_some();
                        if occupant.is_some_and(|o| !o.prunable) || (!item.prune && exists(&path)) {
                            item.reason = Some(format!(
                                "{} already exists and is not this branch's worktree",
                                path.display()
                            ));
                        } else {
                            item.action = Action::Created;
                            item.step = Step::AddWorktree;
                            item.reason =
                                Some("the branch existed; its worktree was added".to_string());
                        }
                    }
                }
            }
            None => {
                item.branch = fresh;
                let not_ready = w.readiness.reason();
                if let (Some(why), false) = (&not_ready, settings.force) {
                    item.reason = Some(why.clone());
                } else if occupant.is_some() || exists(&path) {
                    item.reason = Some(format!(
                        "{} already exists and is not this branch's worktree",
                        path.display()
                    ));
                } else {
                    item.action = Action::Created;
                    item.step = Step::CreateBranch;
                    item.reason = not_ready.map(|why| format!("--force: {why}"));
                }
            }
        }
        out.push(item);
    }
    out
}

/// Does what [`plan_start`] decided, item by item: an item git refuses becomes `skipped`
/// with git's message, and the others go on. Before the first worktree, `exclude` (the
/// exclude file and its line) keeps the worktree directory out of git's view.
pub fn execute_start(
    git: &Git,
    items: &mut [Started],
    base: &str,
    exclude: Option<(&Path, &str)>,
) -> Result<(), StartError> {
    if !items.iter().any(|i| i.step != Step::Nothing) {
        return Ok(());
    }
    if let Some((file, entry)) = exclude {
        ensure_excluded(file, entry)?;
    }
    if items.iter().any(|i| i.prune) {
        git.run(&["worktree", "prune"])?;
    }
    for item in items.iter_mut() {
        let path = item.worktree.as_os_str();
        let result = match item.step {
            Step::Nothing => continue,
            Step::CreateBranch => git.run(&[
                OsStr::new("worktree"),
                OsStr::new("add"),
                OsStr::new("--quiet"),
                OsStr::new("-b"),
                OsStr::new(&item.branch),
                path,
                OsStr::new(base),
            ]),
            Step::AddWorktree => git.run(&[
                OsStr::new("worktree"),
                OsStr::new("add"),
                OsStr::new("--quiet"),
                path,
                OsStr::new(&item.branch),
            ]),
        };
        if let Err(e) = result {
            item.action = Action::Skipped;
            item.reason = Some(match e {
                StartError::Git { stderr, .. } => format!("git worktree add failed: {stderr}"),
                other => other.to_string(),
            });
        }
    }
    Ok(())
}

// ----- cleanup -----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CleanupAction {
    Removed,
    Kept,
}

/// What the plan says of the item a worktree is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemState {
    Done,
    Open(String),
    Missing,
}

/// A worktree under the directory, and what cleanup does with it.
#[derive(Debug, Clone, Serialize)]
pub struct Cleaned {
    pub id: String,
    pub branch: Option<String>,
    pub worktree: PathBuf,
    pub action: CleanupAction,
    pub reason: Option<String>,
    /// The merged branch was deleted too (`git branch -d`).
    pub branch_deleted: bool,
}

/// Decides which worktrees to remove (pure but for `dirty`, asked last and only of the
/// worktrees that qualify otherwise): those under `dir` whose branch is under the prefix,
/// whose item (named by the directory, `<dir>/<ID>`) is done, whose branch is in `merged`,
/// that are not locked, and that have no uncommitted changes. `cwd` (where the command
/// runs) is never removed from under it.
pub fn plan_cleanup(
    state: &GitState,
    settings: &Settings,
    merged: &BTreeSet<String>,
    item: &dyn Fn(&str) -> ItemState,
    dirty: &dyn Fn(&Path) -> Result<bool, StartError>,
    cwd: &Path,
) -> Result<Vec<Cleaned>, StartError> {
    let mut out = Vec::new();
    let own = format!("{}/", settings.prefix);
    // git lists linked worktrees in no particular order: by path.
    let mut linked: Vec<&Worktree> = state.worktrees.iter().skip(1).collect();
    linked.sort_by(|a, b| a.path.cmp(&b.path));
    for wt in linked {
        let Ok(rel) = wt.path.strip_prefix(&settings.dir) else {
            continue;
        };
        let Some(id) = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
        else {
            continue;
        };
        let Some(branch) = wt.branch.clone().filter(|b| b.starts_with(&own)) else {
            continue;
        };
        let mut c = Cleaned {
            id: id.clone(),
            branch: Some(branch.clone()),
            worktree: wt.path.clone(),
            action: CleanupAction::Kept,
            reason: None,
            branch_deleted: false,
        };
        c.reason = match item(&id) {
            ItemState::Missing => Some(format!("no work item `{id}` in the plan at the base")),
            ItemState::Open(status) => Some(format!("not done ({status})")),
            ItemState::Done if !merged.contains(&branch) => Some(format!(
                "{branch} is not merged into {}",
                settings.base
            )),
            ItemState::Done if wt.locked => {
                Some("the worktree is locked (`git worktree unlock` it first)".to_string())
            }
            ItemState::Done if wt.prunable => Some(
                "its directory is gone (`git worktree prune` forgets it)".to_string(),
            ),
            ItemState::Done if cwd.starts_with(&wt.path) => {
                Some("this command runs inside it".to_string())
            }
            ItemState::Done if dirty(&wt.path)? => Some(
                "it has uncommitted changes (commit or discard them; it is never removed with them)"
                    .to_string(),
            ),
            ItemState::Done => {
                c.action = CleanupAction::Removed;
                None
            }
        };
        out.push(c);
    }
    Ok(out)
}

/// Removes the worktrees [`plan_cleanup`] chose (`git worktree remove`, which itself
/// refuses a worktree with changes), then their branches with `git branch -d` (which refuses
/// a branch that is not merged: it is then kept, and the reason says so).
pub fn execute_cleanup(git: &Git, items: &mut [Cleaned]) -> Result<(), StartError> {
    for c in items.iter_mut() {
        if c.action != CleanupAction::Removed {
            continue;
        }
        let removed = git.run(&[
            OsStr::new("worktree"),
            OsStr::new("remove"),
            c.worktree.as_os_str(),
        ]);
        if let Err(e) = removed {
            c.action = CleanupAction::Kept;
            c.reason = Some(match e {
                StartError::Git { stderr, .. } => format!("git worktree remove failed: {stderr}"),
                other => other.to_string(),
            });
            continue;
        }
        if let Some(branch) = &c.branch {
            let out = git.output(&["branch", "-d", branch.as_str()])?;
            c.branch_deleted = out.success;
            if !out.success {
                c.reason = Some(format!("the branch was kept: {}", out.stderr));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(id: &str, readiness: Readiness) -> Wanted {
        Wanted {
            project: "demo".into(),
            id: id.into(),
            title: format!("Work on {id}"),
            readiness,
        }
    }

    fn settings() -> Settings {
        Settings {
            prefix: "im".into(),
            base: "main".into(),
            dir: PathBuf::from("/r/.worktrees"),
            force: false,
        }
    }

    #[test]
    fn names() {
        assert_eq!(
            branch_name("im", "TASK-IM-7", "Fix the café's Login!").as_deref(),
            Some("im/TASK-IM-7-fix-the-cafes-login")
        );
        assert_eq!(branch_name("im", "TASK 7", "x"), None);
        assert!(check_prefix("im").is_ok());
        assert!(check_prefix("team/ada").is_ok());
        for bad in [
            "", "/im", "im/", "a//b", "a..b", ".im", "im.lock", "a b", "a~b",
        ] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
        assert_eq!(
            exclude_entry(Path::new("/r"), Path::new("/r/.worktrees")).as_deref(),
            Some("/.worktrees/")
        );
        assert_eq!(
            exclude_entry(Path::new("/r"), Path::new("/r/a/b")).as_deref(),
            Some("/a/b/")
        );
        assert_eq!(
            exclude_entry(Path::new("/r"), Path::new("/elsewhere")),
            None
        );
        assert_eq!(exclude_entry(Path::new("/r"), Path::new("/r")), None);
    }

    #[test]
    fn worktree_list_is_read() {
        let text = "worktree /r\nHEAD 1111\nbranch refs/heads/main\n\n\
                    worktree /r/.worktrees/TASK-1\nHEAD 2222\nbranch refs/heads/im/TASK-1-a\nlocked\n\n\
                    worktree /r/.worktrees/TASK-2\nHEAD 3333\ndetached\nprunable gitdir file points to non-existent location\n";
        let list = parse_worktree_list(text);
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].branch.as_deref(), Some("main"));
        assert_eq!(list[1].branch.as_deref(), Some("im/TASK-1-a"));
        assert!(list[1].locked && !list[1].prunable);
        assert_eq!(list[2].branch, None);
        assert!(list[2].prunable);
    }

    #[test]
    fn start_is_planned_from_what_exists() {
        let s = settings();
        let mut state = GitState {
            root: PathBuf::from("/r"),
            ..GitState::default()
        };
        state.worktrees.push(Worktree {
            path: PathBuf::from("/r"),
            branch: Some("main".into()),
            bare: false,
            locked: false,
            prunable: false,
        });
        // TASK-1: both exist (retitled since); TASK-2: the branch only; TASK-3: nothing,
        // ready; TASK-4: nothing, not ready.
        state.branches.insert("im/TASK-1-old-title".into());
        state.branches.insert("im/TASK-2-work-on-task-2".into());
        state.worktrees.push(Worktree {
            path: PathBuf::from("/r/.worktrees/TASK-1"),
            branch: Some("im/TASK-1-old-title".into()),
            bare: false,
            locked: false,
            prunable: false,
        });
        let items = [
            wanted("TASK-1", Readiness::Ready),
            wanted("TASK-2", Readiness::Done("🟢 Done".into())),
            wanted("TASK-3", Readiness::Ready),
            wanted(
                "TASK-4",
                Readiness::Waiting {
                    wave: 2,
                    on: vec!["TASK-3".into()],
                },
            ),
        ];
        let plan = plan_start(&items, &state, &s, &|_| false);
        let got: Vec<(&str, Action, Step)> = plan
            .iter()
            .map(|p| (p.branch.as_str(), p.action, p.step))
            .collect();
        assert_eq!(
            got,
            [
                ("im/TASK-1-old-title", Action::Reused, Step::Nothing),
                (
                    "im/TASK-2-work-on-task-2",
                    Action::Created,
                    Step::AddWorktree
                ),
                (
                    "im/TASK-3-work-on-task-3",
                    Action::Created,
                    Step::CreateBranch
                ),
                ("im/TASK-4-work-on-task-4", Action::Skipped, Step::Nothing),
            ]
        );
        assert_eq!(
            plan[3].reason.as_deref(),
            Some("not ready: in wave 2, waits on TASK-3")
        );
        // --force starts it, saying why it was not ready.
        let forced = plan_start(
            &items[3..],
            &state,
            &Settings {
                force: true,
                ..settings()
            },
            &|_| false,
        );
        assert_eq!(forced[0].action, Action::Created);
        assert_eq!(
            forced[0].reason.as_deref(),
            Some("--force: not ready: in wave 2, waits on TASK-3")
        );
        // A directory in the way is never overwritten.
        let blocked = plan_start(&items[2..3], &state, &s, &|p| p.ends_with("TASK-3"));
        assert_eq!(blocked[0].action, Action::Skipped);
    }

    #[test]
    fn cleanup_removes_only_done_merged_clean_worktrees() {
        let s = settings();
        let wt = |id: &str, locked: bool| Worktree {
            path: PathBuf::from(format!("/r/.worktrees/{id}")),
            branch: Some(format!("im/{id}-x")),
            bare: false,
            locked,
            prunable: false,
        };
        let state = GitState {
            root: PathBuf::from("/r"),
            branches: BTreeSet::new(),
            worktrees: vec![
                Worktree {
                    path: PathBuf::from("/r"),
                    branch: Some("main".into()),
                    bare: false,
                    locked: false,
                    prunable: false,
                },
                wt("T-1", false),
                wt("T-2", false),
                wt("T-3", false),
                wt("T-4", true),
                wt("T-5", false),
                Worktree {
                    path: PathBuf::from("/elsewhere/T-6"),
                    branch: Some("im/T-6-x".into()),
                    bare: false,
                    locked: false,
                    prunable: false,
                },
            ],
        };
        let merged: BTreeSet<String> = ["im/T-1-x", "im/T-3-x", "im/T-4-x", "im/T-5-x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let item = |id: &str| match id {
            "T-3" => ItemState::Open("🔵 In Progress".into()),
            _ => ItemState::Done,
        };
        let dirty = |p: &Path| Ok(p.ends_with("T-5"));
        let plan = plan_cleanup(&state, &s, &merged, &item, &dirty, Path::new("/r")).expect("plan");
        let got: Vec<(&str, CleanupAction)> =
            plan.iter().map(|c| (c.id.as_str(), c.action)).collect();
        assert_eq!(
            got,
            [
                ("T-1", CleanupAction::Removed),
                ("T-2", CleanupAction::Kept),
                ("T-3", CleanupAction::Kept),
                ("T-4", CleanupAction::Kept),
                ("T-5", CleanupAction::Kept),
            ]
        );
        assert_eq!(
            plan[1].reason.as_deref(),
            Some("im/T-2-x is not merged into main")
        );
        assert!(
            plan[4]
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("uncommitted changes"))
        );
    }
}
