//! `status`: a short summary, per project, of what is pending since the last sync.

use std::collections::BTreeMap;
use std::process::ExitCode;

use git_intellimanage::diff::{self, ChangeKind, PlanDiff, Side};
use git_intellimanage::repo::{Listing, Repo};
use git_intellimanage::snapshot::Snapshot;

use git_intellimanage::hooks::background::{self, LastRun, Result as BackgroundResult};

use super::common::{CliError, CliResult, Context, print_json};

/// The two sides of a pending-changes comparison (shared with `diff`).
#[derive(Debug, Clone, clap::Args)]
pub struct PendingArgs {
    /// Compare with the plan of this revision instead of the last sync.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The plan to compare: this revision (default HEAD).
    #[arg(
        long,
        value_name = "REV",
        default_value = "HEAD",
        conflicts_with = "worktree"
    )]
    pub rev: String,
    /// Compare the working tree (uncommitted edits included) instead of a commit.
    #[arg(long)]
    pub worktree: bool,
}

/// The outcome of a comparison, with human names for both sides.
pub struct Compared {
    pub base: String,
    pub target: String,
    pub diff: PlanDiff,
    /// True when a sync record exists.
    pub synced_before: bool,
}

impl PendingArgs {
    pub fn compare(&self, repo: &Repo) -> Result<Compared, CliError> {
        let record = git_intellimanage::share::team_record(repo)?;
        let (base_tree, base_name) = match &self.base {
            Some(rev) => {
                let commit = repo.resolve_commit(rev)?;
                (
                    repo.plan_tree_of(commit)?,
                    format!("{rev} ({})", commit.to_hex_with_len(7)),
                )
            }
            None => (record.plan_tree, "the last sync".to_string()),
        };
        let (diff, target_name) = if self.worktree {
            let base_listing = match base_tree {
                Some(t) => repo.list_plan_tree(t)?,
                None => Listing::new(),
            };
            let (listing, contents) = repo.list_plan_worktree()?;
            let diff = diff::diff_plans(
                repo,
                Side::tree(&base_listing),
                Side {
                    listing: &listing,
                    contents: Some(&contents),
                },
            );
            (diff, "the working tree".to_string())
        } else {
            let commit = repo.resolve_commit(&self.rev)?;
            // Tree to tree: only the entries that differ are listed and read.
            let (old, new) = repo.diff_plan_trees(base_tree, repo.plan_tree_of(commit)?)?;
            let diff = diff::diff_plans(repo, Side::tree(&old), Side::tree(&new));
            (
                diff,
                format!("{} ({})", self.rev, commit.to_hex_with_len(7)),
            )
        };
        Ok(Compared {
            base: base_name,
            target: target_name,
            diff,
            synced_before: record.exists(),
        })
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    sides: PendingArgs,
    /// Print JSON: `{ "last_sync": …, "projects": [...] }`.
    #[arg(long)]
    json: bool,
    /// List each artifact's link in the sync record instead: tracker place, number, URL,
    /// status (synced/pending/failed/manual), last sync, last error (`--json`: an array).
    #[arg(long)]
    links: bool,
}

#[derive(Default, serde::Serialize)]
struct ProjectStatus {
    project: String,
    sync_enabled: bool,
    /// The project's `project_config.toml` exists but could not be read (see `validate`).
    config_unreadable: bool,
    github_repo: Option<String>,
    added: usize,
    modified: usize,
    removed: usize,
    renamed: usize,
    /// Changed plan files that could not be read.
    unreadable: usize,
    /// Items changed on the tracker (as last fetched with `sync --fetch-only`).
    incoming: usize,
    /// The tracker they changed on.
    #[serde(skip)]
    incoming_from: &'static str,
    /// Items flagged for a person (`manual_flag` conflicts) or that failed to sync.
    flagged: Vec<String>,
    failed: Vec<String>,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    if args.links {
        return print_links(ctx, &repo, args.json);
    }
    let compared = args.sides.compare(&repo)?;
    ctx.warn_problems(&compared.diff.problems);
    let record = git_intellimanage::share::team_record(&repo)?;
    let meta = record.meta()?;
    // Configs come from the target side, so a project added since the last sync shows up.
    let snap = if args.sides.worktree {
        Snapshot::at_worktree(&repo)?
    } else {
        Snapshot::at_rev(&repo, &args.sides.rev)?
    };
    let mut projects: BTreeMap<String, ProjectStatus> = BTreeMap::new();
    for slug in snap.configs.keys() {
        let cfg = &snap.configs[slug];
        projects.insert(
            slug.clone(),
            ProjectStatus {
                project: slug.clone(),
                sync_enabled: cfg.github.enable_sync,
                github_repo: cfg.github.repo().map(|(o, n)| format!("{o}/{n}")),
                ..Default::default()
            },
        );
    }
    for slug in &snap.unreadable_configs {
        projects.insert(
            slug.clone(),
            ProjectStatus {
                project: slug.clone(),
                config_unreadable: true,
                ..Default::default()
            },
        );
    }
    for c in &compared.diff.artifacts {
        let entry = projects
            .entry(c.project.clone())
            .or_insert_with(|| ProjectStatus {
                project: c.project.clone(),
                ..Default::default()
            });
        match c.change {
            ChangeKind::Added => entry.added += 1,
            ChangeKind::Modified => entry.modified += 1,
            ChangeKind::Removed => entry.removed += 1,
            ChangeKind::Renamed => entry.renamed += 1,
            // Counted with the other files that can't be read, below.
            ChangeKind::Unreadable => {}
        }
    }
    let links: git_intellimanage::plan::links::Links =
        record.json(git_intellimanage::plan::links::LINKS_DOC)?;
    let incoming: git_intellimanage::sync::incoming::Incoming =
        record.json(git_intellimanage::sync::incoming::INCOMING_DOC)?;
    for (key, link) in &links.items {
        let (project, id) = key.split_once('/').unwrap_or((key.as_str(), ""));
        if let Some(entry) = projects.get_mut(project) {
            match link.status {
                git_intellimanage::plan::links::LinkStatus::Manual => {
                    entry.flagged.push(id.to_string())
                }
                git_intellimanage::plan::links::LinkStatus::Failed => {
                    entry.failed.push(id.to_string())
                }
                _ => {}
            }
        }
    }
    for item in &incoming.items {
        let project = item.key.split('/').next().unwrap_or_default();
        if let Some(entry) = projects.get_mut(project) {
            entry.incoming += 1;
            entry.incoming_from = links
                .items
                .get(&item.key)
                .map_or("the tracker", |l| l.tracker.name());
        }
    }
    for problem in &compared.diff.problems {
        let project = problem
            .path
            .strip_prefix(".ruru/projects/")
            .and_then(|r| r.split('/').next())
            .unwrap_or_default()
            .to_string();
        if let Some(entry) = projects.get_mut(&project) {
            entry.unreadable += 1;
        }
    }
    // Done proposals from commit keywords (`Closes TASK-1`), recorded by the post-commit hook.
    let proposals = git_intellimanage::commits::proposals(&repo).unwrap_or_default();
    let background = background::load(&repo);
    // A sync (or push's sync) holding the repository's lock right now.
    let running = git_intellimanage::lock::current_holder(repo.common_dir());
    let duplicates: git_intellimanage::share::merge::Duplicates =
        record.json(git_intellimanage::share::merge::DUPLICATES_DOC)?;
    if args.json {
        print_json(&serde_json::json!({
            "running": running,
            "duplicates": duplicates.items,
            "background_sync": background,
            "proposals": proposals,
            "base": compared.base,
            "target": compared.target,
            "last_sync": meta.synced_at,
            "last_synced_commit": meta.source_commit,
            "projects": projects.values().collect::<Vec<_>>(),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let p = ctx.out();
    match (&meta.synced_at, &args.sides.base) {
        (_, Some(_)) => println!("comparing {} with {}", compared.target, compared.base),
        (Some(at), None) => println!("last sync: {at}"),
        (None, None) => println!("no sync recorded yet: every artifact is pending"),
    }
    if projects.is_empty() {
        println!(
            "no IntelliManage projects found under .ruru/projects in {}",
            compared.target
        );
    }
    for s in projects.values() {
        let sync = match (&s.github_repo, s.sync_enabled) {
            _ if s.config_unreadable => "config unreadable (`git intellimanage validate`)".into(),
            (Some(r), true) => format!("syncs with {r}"),
            (Some(r), false) => format!("sync disabled ({r})"),
            (None, _) => "sync disabled".to_string(),
        };
        let pending = s.added + s.modified + s.removed + s.renamed;
        let unreadable = if s.unreadable > 0 {
            format!(
                "  {}",
                p.red(&format!(
                    "{} can't be read (`git intellimanage validate`)",
                    super::common::count(s.unreadable, "changed file")
                ))
            )
        } else {
            String::new()
        };
        let detail = if pending == 0 && s.unreadable == 0 {
            p.green("up to date")
        } else {
            p.yellow(&format!(
                "{pending} pending: {} added, {} modified, {} removed, {} renamed",
                s.added, s.modified, s.removed, s.renamed
            ))
        };
        println!(
            "{}  {}  {}{unreadable}",
            p.bold(&s.project),
            p.dim(&sync),
            detail
        );
        if s.incoming > 0 {
            println!(
                "    {} changed on {} (see `git intellimanage diff --incoming`)",
                s.incoming, s.incoming_from
            );
        }
        if !s.flagged.is_empty() {
            println!(
                "    {} {} (edited differently on both sides; settle them, then remove the `conflict` tag)",
                p.yellow("conflicts:"),
                s.flagged.join(", ")
            );
        }
        if !s.failed.is_empty() {
            println!("    {} {}", p.red("failed last time:"), s.failed.join(", "));
        }
    }
    super::hooks::print_proposals(ctx, &proposals);
    if let Some(h) = &running {
        println!("{} {h}", p.yellow("running now:"));
    }
    for d in &duplicates.items {
        println!(
            "{} {}",
            p.yellow("duplicate:"),
            super::sync::duplicate_line(d)
        );
    }
    if let Some(last) = background.filter(|b| !b.seen) {
        print_background(ctx, &repo, &last);
    }
    Ok(ExitCode::SUCCESS)
}

/// The last background sync (started by a push), shown until the user has seen it once.
fn print_background(ctx: &Context, repo: &Repo, last: &LastRun) {
    let p = ctx.out();
    let pushed = last
        .pushed
        .iter()
        .map(|b| match b.split_once(' ') {
            Some((branch, sha)) => format!("{branch} {}", &sha[..sha.len().min(7)]),
            None => b.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    if last.result == BackgroundResult::Running {
        println!(
            "background sync: running since {} (pid {}, after the push of {pushed} to {})",
            last.started_at, last.pid, last.remote
        );
        return;
    }
    let result = match last.result {
        BackgroundResult::Failed => p.red(last.result.as_str()),
        BackgroundResult::PushRejected => p.yellow(last.result.as_str()),
        _ => p.green(last.result.as_str()),
    };
    println!(
        "last background sync: {result} (push of {pushed} to {}, finished {})",
        last.remote,
        last.finished_at.as_deref().unwrap_or("?")
    );
    for line in &last.lines {
        println!(
            "    {}",
            line.strip_prefix("intellimanage: ").unwrap_or(line)
        );
    }
    if last.result == BackgroundResult::Failed {
        println!(
            "    {}",
            p.dim(&format!(
                "what did not sync stays pending: run `git intellimanage sync`; the full log is {}",
                background::log_path(repo).display()
            ))
        );
    }
    if let Err(e) = background::mark_seen(repo) {
        ctx.warn(&format!("could not note the background sync as seen: {e}"));
    }
}

/// `status --links`: each link of the sync record (the team's when ours is behind), by key.
fn print_links(ctx: &Context, repo: &Repo, json: bool) -> CliResult {
    use git_intellimanage::plan::fields::Target;
    use git_intellimanage::plan::links::{LINKS_DOC, LinkStatus, Links};
    #[derive(serde::Serialize)]
    struct Row<'a> {
        key: &'a str,
        project: &'a str,
        id: &'a str,
        target: Target,
        tracker: &'static str,
        repo: &'a str,
        number: u64,
        url: Option<&'a str>,
        status: LinkStatus,
        updated_at: Option<&'a str>,
        message: Option<&'a str>,
        retired: bool,
    }
    let record = git_intellimanage::share::team_record(repo)?;
    let links: Links = record.json(LINKS_DOC)?;
    let rows: Vec<Row<'_>> = links
        .items
        .iter()
        .map(|(key, l)| {
            let (project, id) = key.split_once('/').unwrap_or((key.as_str(), ""));
            Row {
                key,
                project,
                id,
                target: l.target,
                tracker: l.tracker.as_str(),
                repo: &l.repo,
                number: l.number,
                url: l.url.as_deref(),
                status: l.status,
                updated_at: l.updated_at.as_deref(),
                message: l.message.as_deref(),
                retired: l.retired,
            }
        })
        .collect();
    if json {
        print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no links: nothing has been synced yet");
        return Ok(ExitCode::SUCCESS);
    }
    let p = ctx.out();
    let place = |r: &Row<'_>| match r.target {
        Target::Issue => format!("{}#{}", r.repo, r.number),
        Target::Milestone => format!("{} milestone {}", r.repo, r.number),
    };
    let key_w = rows
        .iter()
        .map(|r| r.key.chars().count())
        .max()
        .unwrap_or(0);
    let place_w = rows
        .iter()
        .map(|r| place(r).chars().count())
        .max()
        .unwrap_or(0);
    for r in &rows {
        let word = format!(
            "{:<7}",
            match r.status {
                LinkStatus::Synced => "synced",
                LinkStatus::Pending => "pending",
                LinkStatus::Failed => "failed",
                LinkStatus::Manual => "manual",
            }
        );
        let status = match r.status {
            LinkStatus::Synced => p.green(&word),
            LinkStatus::Pending | LinkStatus::Manual => p.yellow(&word),
            LinkStatus::Failed => p.red(&word),
        };
        let line = format!(
            "{}  {:<place_w$}  {status}  {:<20}  {}{}",
            p.bold(&format!("{:<key_w$}", r.key)),
            place(r),
            r.updated_at.unwrap_or("-"),
            r.url.unwrap_or(""),
            if r.retired { "  (retired)" } else { "" }
        );
        println!("{}", line.trim_end());
        if let Some(m) = r.message {
            let what = match r.status {
                LinkStatus::Failed => "last error:",
                LinkStatus::Manual => "needs a person:",
                _ => "note:",
            };
            println!("    {} {m}", p.dim(what));
        }
    }
    Ok(ExitCode::SUCCESS)
}
