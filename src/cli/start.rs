//! `start`: a branch and a linked worktree for each work item that is ready, and
//! `start --cleanup`: the worktrees of finished, merged items removed. The decisions are in
//! `git_intellimanage::start`; this file resolves IDs, prints and maps errors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use git_intellimanage::artifact::{Artifact, Folder};
use git_intellimanage::snapshot::{Detail, Snapshot};
use git_intellimanage::start::{
    self, Action, Cleaned, CleanupAction, Git, GitState, ItemState, Settings, StartError, Started,
    Wanted,
};
use git_intellimanage::waves::{self, Target, Waves};

use super::common::{CliError, CliResult, Context, exit, find_one, print_json};

const AFTER_HELP: &str = "\
For each item: the branch <PREFIX>/<ID>-<slug> (the slug of the title, as `new` names files)
from the base, checked out in a linked worktree <DIR>/<ID>. The base is the current branch
unless --base names another; the plan is read there, and an item is ready when it is in
wave 1 of `waves` over the whole plan (its dependencies all done) and not done itself.
A worktree directory inside the repository is kept out of git's view by a line in
.git/info/exclude (never a tracked .gitignore).

Running it again reuses what exists (`reused`) and makes what is missing, so an interrupted
start is resumed by running it again; an item whose branch exists counts as started and is
not checked again. Nothing is committed, and the base branch is never moved.

--cleanup removes the worktrees under <DIR> whose item is done in the plan at the base and
whose branch is merged into the base, then deletes those branches with `git branch -d`. A
worktree with uncommitted changes is never removed, nor an unmerged branch deleted.

Exit codes: 0 every item started or reused; 1 an item was skipped (not ready, done, its
directory taken, or git refused); 2 bad usage; 3 an unknown ID or revision.
--json prints { dry_run, base, prefix, worktree_dir, items: [{ project, id, title, branch,
worktree, action: created|reused|skipped, reason }] }; with --cleanup, items are
[{ id, branch, worktree, action: removed|kept, reason, branch_deleted }].";

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The work items to start (`TASK-12 BUG-3`).
    #[arg(value_name = "ID", required_unless_present = "cleanup")]
    ids: Vec<String>,
    /// Only this project (when several projects use an ID).
    #[arg(long, short, value_name = "SLUG")]
    project: Option<String>,
    /// Remove the worktrees of done items whose branch is merged into the base (and those
    /// branches).
    #[arg(long, conflicts_with_all = ["ids", "force", "project"])]
    cleanup: bool,
    #[command(flatten)]
    options: Options,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// How to start (shared with `waves --start`).
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Branches are named <PREFIX>/<ID>-<slug of the title>.
    #[arg(long, value_name = "PREFIX", default_value = start::DEFAULT_PREFIX)]
    pub prefix: String,
    /// The branch or commit to start from (and, for --cleanup, to be merged into); the plan
    /// is read there. Default: the current branch.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Where the worktrees go, <DIR>/<ID>; relative to the main worktree.
    #[arg(long, value_name = "DIR", default_value = start::DEFAULT_DIR)]
    pub worktree_dir: PathBuf,
    /// Start items that are not ready (in a later wave, blocked, or done) too.
    #[arg(long)]
    pub force: bool,
    /// Print what it would do; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl Options {
    /// Whether any option differs from its default (for `waves`, where they need --start).
    pub fn any_given(&self) -> bool {
        self.prefix != start::DEFAULT_PREFIX
            || self.base.is_some()
            || self.worktree_dir != Path::new(start::DEFAULT_DIR)
            || self.force
            || self.dry_run
    }
}

fn start_error(e: StartError) -> CliError {
    let code = match &e {
        StartError::BadPrefix { .. } | StartError::Detached => exit::USAGE,
        StartError::Spawn(_) | StartError::Git { .. } | StartError::Exclude { .. } => exit::REPO,
    };
    let hint = e.hint();
    let err = CliError::new(code, e.to_string());
    match hint {
        Some(h) => err.hint(h),
        None => err,
    }
}

/// Everything a run reads first: git's state, the base, and the plan there with its waves.
struct Setup {
    git: Git,
    exclude_file: PathBuf,
    state: GitState,
    settings: Settings,
    snap: Snapshot,
    waves: Waves,
}

impl Setup {
    fn new(ctx: &Context, options: &Options) -> Result<Setup, CliError> {
        let repo = ctx.repo()?;
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return Err(CliError::new(
                exit::REPO,
                "this repository has no working tree to start work in",
            ));
        };
        start::check_prefix(&options.prefix).map_err(start_error)?;
        let git = Git::new(&workdir);
        let base = match &options.base {
            Some(b) => b.clone(),
            None => git.current_branch().map_err(start_error)?,
        };
        let snap = Snapshot::at_rev_with(&repo, &base, Detail::Full)?;
        ctx.warn_problems(&snap.problems);
        let custom: BTreeMap<String, Vec<String>> = snap
            .configs
            .iter()
            .map(|(slug, c)| (slug.clone(), c.custom_statuses.clone()))
            .collect();
        let waves = waves::plan(
            &waves::Input {
                artifacts: &snap.artifacts,
                custom_statuses: &custom,
                issues: &BTreeMap::new(),
            },
            &Target::All,
        )
        .map_err(|e| CliError::new(exit::REPO, e.to_string()))?;
        let state = git.state(&options.prefix).map_err(start_error)?;
        let dir = normalize(&state.root.join(&options.worktree_dir));
        let common = repo.common_dir();
        let common = if common.is_absolute() {
            common.to_path_buf()
        } else {
            workdir.join(common)
        };
        Ok(Setup {
            git,
            exclude_file: common.join("info").join("exclude"),
            settings: Settings {
                prefix: options.prefix.clone(),
                base,
                dir,
                force: options.force,
            },
            state,
            snap,
            waves,
        })
    }

    /// `path` as shown: relative to the main worktree when inside it.
    fn show(&self, path: &Path) -> String {
        match path.strip_prefix(&self.state.root) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
            _ => path.display().to_string(),
        }
    }
}

/// `a/./b/../c` → `a/c`, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    if args.cleanup {
        return cleanup(ctx, &args.options, args.json);
    }
    let setup = Setup::new(ctx, &args.options)?;
    let mut chosen: Vec<&Artifact> = Vec::new();
    for id in &args.ids {
        // (`true`: start reads the base's commit; no --worktree to suggest.)
        let a = find_one(&setup.snap, id, args.project.as_deref(), true)?;
        if a.location.folder != Folder::Tasks {
            return Err(CliError::new(
                exit::USAGE,
                format!("{} is a {}, not a work item", a.id, a.type_name),
            )
            .hint(format!(
                "`git intellimanage waves {} --start` starts the ready work beneath it",
                a.id
            )));
        }
        if !chosen
            .iter()
            .any(|c| c.project() == a.project() && c.id == a.id)
        {
            chosen.push(a);
        }
    }
    start_chosen(ctx, &setup, &chosen, &args.options, args.json)
}

/// `waves --start`: the items of the waves shown, by project and ID.
pub fn start_items(
    ctx: &Context,
    options: &Options,
    items: &[(String, String)],
    json: bool,
) -> CliResult {
    let setup = Setup::new(ctx, options)?;
    let mut chosen: Vec<&Artifact> = Vec::new();
    for (project, id) in items {
        let a = find_one(&setup.snap, id, Some(project), false).map_err(|e| {
            e.hint(format!(
                "the items are started from the plan at the base ({}): commit the plan there first",
                setup.settings.base
            ))
        })?;
        chosen.push(a);
    }
    start_chosen(ctx, &setup, &chosen, options, json)
}

#[derive(serde::Serialize)]
struct StartReport<'a> {
    dry_run: bool,
    base: &'a str,
    prefix: &'a str,
    worktree_dir: &'a Path,
    items: &'a [Started],
}

fn start_chosen(
    ctx: &Context,
    setup: &Setup,
    chosen: &[&Artifact],
    options: &Options,
    json: bool,
) -> CliResult {
    let wanted: Vec<Wanted> = chosen
        .iter()
        .map(|a| Wanted {
            project: a.project().to_string(),
            id: a.id.clone(),
            title: a.title.clone(),
            readiness: start::readiness(&setup.waves, a.project(), &a.id),
        })
        .collect();
    let mut items = start::plan_start(&wanted, &setup.state, &setup.settings, &|p| p.exists());
    if !options.dry_run {
        let entry = start::exclude_entry(&setup.state.root, &setup.settings.dir);
        start::execute_start(
            &setup.git,
            &mut items,
            &setup.settings.base,
            entry.as_deref().map(|e| (setup.exclude_file.as_path(), e)),
        )
        .map_err(start_error)?;
    }
    if json {
        print_json(&StartReport {
            dry_run: options.dry_run,
            base: &setup.settings.base,
            prefix: &setup.settings.prefix,
            worktree_dir: &setup.settings.dir,
            items: &items,
        })?;
    } else {
        print_started(ctx, setup, &items, options.dry_run);
    }
    let skipped: Vec<&Started> = items
        .iter()
        .filter(|i| i.action == Action::Skipped)
        .collect();
    if skipped.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let list = skipped
        .iter()
        .map(|i| format!("{} ({})", i.id, i.reason.as_deref().unwrap_or("skipped")))
        .collect::<Vec<_>>()
        .join("; ");
    let err = CliError::new(
        exit::FINDINGS,
        format!(
            "{} not started: {list}",
            if skipped.len() == 1 {
                "1 item".to_string()
            } else {
                format!("{} items", skipped.len())
            }
        ),
    );
    let not_ready = skipped.iter().any(|s| {
        s.reason
            .as_deref()
            .is_some_and(|r| r.starts_with("not ready") || r.starts_with("already done"))
    });
    Err(if not_ready {
        err.hint("`git intellimanage waves` shows what they wait on; --force starts them anyway")
    } else {
        err
    })
}

fn print_started(ctx: &Context, setup: &Setup, items: &[Started], dry_run: bool) {
    let p = ctx.out();
    if dry_run {
        println!("{}", p.dim("dry run: nothing is changed"));
    }
    if items.is_empty() {
        println!("nothing to start");
    }
    for i in items {
        let verb = match (i.action, dry_run) {
            (Action::Created, false) => p.green("created"),
            (Action::Created, true) => p.green("create "),
            (Action::Reused, false) => "reused ".to_string(),
            (Action::Reused, true) => "reuse  ".to_string(),
            (Action::Skipped, false) => p.yellow("skipped"),
            (Action::Skipped, true) => p.yellow("skip   "),
        };
        println!("{verb} {}  {}  {}", i.id, i.branch, setup.show(&i.worktree));
        if let Some(reason) = &i.reason {
            println!("        {}", p.dim(reason));
        }
    }
}

#[derive(serde::Serialize)]
struct CleanupReport<'a> {
    dry_run: bool,
    base: &'a str,
    prefix: &'a str,
    worktree_dir: &'a Path,
    items: &'a [Cleaned],
}

fn cleanup(ctx: &Context, options: &Options, json: bool) -> CliResult {
    let setup = Setup::new(ctx, options)?;
    let merged = setup
        .git
        .merged(&setup.settings.base, &setup.settings.prefix)
        .map_err(start_error)?;
    let done: BTreeSet<(String, String)> = setup
        .waves
        .waves
        .iter()
        .flat_map(|w| &w.items)
        .filter(|i| i.done)
        .map(|i| (i.project.clone(), i.id.to_lowercase()))
        .collect();
    let item = |id: &str| -> ItemState {
        let work: Vec<&Artifact> = setup
            .snap
            .find_id(id)
            .into_iter()
            .filter(|a| a.location.folder == Folder::Tasks)
            .collect();
        if work.is_empty() {
            return ItemState::Missing;
        }
        match work
            .iter()
            .find(|a| !done.contains(&(a.project().to_string(), a.id.to_lowercase())))
        {
            Some(open) => ItemState::Open(open.status.clone()),
            None => ItemState::Done,
        }
    };
    let cwd = ctx.cwd.canonicalize().unwrap_or_else(|_| ctx.cwd.clone());
    let mut items = start::plan_cleanup(
        &setup.state,
        &setup.settings,
        &merged,
        &item,
        &|p| Git::is_dirty(p),
        &cwd,
    )
    .map_err(start_error)?;
    let planned: Vec<CleanupAction> = items.iter().map(|c| c.action).collect();
    if !options.dry_run {
        start::execute_cleanup(&setup.git, &mut items).map_err(start_error)?;
    }
    if json {
        print_json(&CleanupReport {
            dry_run: options.dry_run,
            base: &setup.settings.base,
            prefix: &setup.settings.prefix,
            worktree_dir: &setup.settings.dir,
            items: &items,
        })?;
    } else {
        let p = ctx.out();
        if options.dry_run {
            println!("{}", p.dim("dry run: nothing is changed"));
        }
        if items.is_empty() {
            println!(
                "no worktrees of {}/… branches under {}",
                setup.settings.prefix,
                setup.show(&setup.settings.dir)
            );
        }
        for c in &items {
            let verb = match (c.action, options.dry_run) {
                (CleanupAction::Removed, false) => p.green("removed"),
                (CleanupAction::Removed, true) => p.green("remove "),
                (CleanupAction::Kept, false) => "kept   ".to_string(),
                (CleanupAction::Kept, true) => "keep   ".to_string(),
            };
            let branch = c.branch.as_deref().unwrap_or("");
            let deleted = if c.branch_deleted {
                " (branch deleted)"
            } else {
                ""
            };
            println!(
                "{verb} {}  {}  {branch}{deleted}",
                c.id,
                setup.show(&c.worktree)
            );
            if let Some(reason) = &c.reason {
                println!("        {}", p.dim(reason));
            }
        }
    }
    // A removal git refused is a finding; worktrees kept by the rules are not.
    let failed = items
        .iter()
        .zip(&planned)
        .any(|(c, before)| *before == CleanupAction::Removed && c.action == CleanupAction::Kept);
    Ok(if failed {
        ExitCode::from(exit::FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}
