//! `sync`: make GitHub mirror the plan (issues, milestones, labels), or with `--dry-run`
//! show every operation it would make.

use std::io::IsTerminal;
use std::process::ExitCode;

use git_intellimanage::auth;
use git_intellimanage::lock::Holder;
use git_intellimanage::plan::Direction;
use git_intellimanage::repo::Repo;
use git_intellimanage::share::merge::Duplicate;
use git_intellimanage::share::{Session, Start};
use git_intellimanage::sync::{self, OpKind, Outcome, Report};

use super::common::{CliError, CliResult, Context, count, exit, print_json, take_lock};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show every operation (method, path, fields) without writing anything.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Sync the plan of this revision.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    rev: String,
    /// Only this project (repeatable).
    #[arg(long, short)]
    project: Vec<String>,
    /// Print a JSON report instead of text.
    #[arg(long)]
    json: bool,
    /// No progress bar even on a terminal.
    #[arg(long)]
    no_progress: bool,
    /// Only plan → GitHub: leave GitHub's own changes on GitHub.
    #[arg(long)]
    push_only: bool,
    /// Commit the artifact files updated with GitHub's changes (else they are left as
    /// working-tree changes to review).
    #[arg(long)]
    commit: bool,
    /// Only read GitHub and record what it has that the plan doesn't; nothing is written on
    /// either side. Look at it with `diff --incoming` (offline).
    #[arg(long, conflicts_with_all = ["dry_run", "commit"])]
    fetch_only: bool,
    /// Write the links into the artifact files (`related_issues`, `related_milestone`, and
    /// the commits the hooks recorded into `related_commits`), keeping comments and layout.
    #[arg(long)]
    write_links: bool,
    /// How long to wait for another run of this repository (a sync, a push's sync) to
    /// finish before giving up with exit code 8.
    #[arg(long, value_name = "SECONDS", default_value_t = git_intellimanage::lock::DEFAULT_WAIT.as_secs())]
    wait: u64,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    // Everything that writes (to GitHub, the sync record, the files) runs one at a time
    // per repository; a dry run only reads.
    let _lock = if args.dry_run {
        None
    } else {
        let command = if args.fetch_only {
            "sync --fetch-only"
        } else if args.write_links {
            "sync --write-links"
        } else {
            "sync"
        };
        Some(take_lock(
            ctx,
            &repo,
            command,
            std::time::Duration::from_secs(args.wait),
        )?)
    };
    // With a remote to share through: the lock every clone respects, and the team's record.
    let wait = std::time::Duration::from_secs(args.wait);
    let start = if args.dry_run || !plan_syncs(&repo, &args.rev) {
        Start::Alone { narrow: false }
    } else {
        let holder = Holder::me(if args.fetch_only {
            "sync --fetch-only"
        } else {
            "sync"
        });
        Session::start(&repo, &holder, wait, |who| {
            eprintln!(
                "{} waiting for another clone's sync to finish ({who}); up to {} s",
                ctx.err().dim("intellimanage:"),
                wait.as_secs()
            )
        })
        .map_err(CliError::from)?
    };
    let mut share_notes = Vec::new();
    let narrow = match &start {
        Start::Shared(_) => false,
        Start::Alone { narrow } => *narrow,
        Start::Unreachable(_) => true,
    };
    let session = match start {
        Start::Shared(session) => {
            if let Some(who) = session.took_over() {
                share_notes.push(format!(
                    "took over the sync lock on {} from a run that stopped renewing it ({who})",
                    session.remote
                ));
            }
            for d in &session.integrated.duplicates {
                share_notes.push(duplicate_line(d));
            }
            Some(session)
        }
        Start::Alone { .. } => None,
        Start::Unreachable(note) => {
            share_notes.push(note);
            None
        }
    };
    let options = sync::Options {
        narrow_creates: narrow,
        rev: args.rev.clone(),
        dry_run: args.dry_run,
        direction: if args.push_only {
            Direction::Push
        } else {
            Direction::Both
        },
        projects: args.project.clone(),
        verbosity: ctx.verbose,
        progress: !args.no_progress && !args.json && std::io::stderr().is_terminal(),
        write_delay: None,
        commit: args.commit,
        fetch_only: args.fetch_only,
        write_links: args.write_links,
    };
    let tokens = |cfg: &git_intellimanage::config::ProjectConfig, base_url: &str| {
        auth::resolve_token_for_platform(
            cfg.github.platform,
            base_url,
            &cfg.github.pat_env_var_name,
            false,
        )
        .map(|(secret, _)| secret)
    };
    let result = sync::run(&repo, &options, &tokens);
    // Whatever happened, what synced is shared and the remote's lock let go.
    if let Some(session) = session
        && let Some(note) = session.finish(&repo)
    {
        share_notes.push(note);
    }
    let mut report = result?;
    report.share_notes = share_notes;
    for note in &report.share_notes {
        ctx.warn(note);
    }
    ctx.warn_problems(&report.problems);
    if args.json {
        print_json(&report)?;
    } else {
        print_text(ctx, &report);
    }
    Ok(if report.incomplete() {
        ExitCode::from(exit::FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(ctx: &Context, report: &Report) {
    let p = ctx.out();
    if let Some(incoming) = &report.incoming {
        println!(
            "fetched: {} changed on {} since the last sync, {} without an artifact",
            incoming.items.len(),
            incoming.trackers_named(),
            count(incoming.unlinked.len(), "issue")
        );
        println!("{}", p.dim("see them with `git intellimanage diff --incoming`; `git intellimanage sync` brings them in"));
        return;
    }
    for s in &report.skipped {
        println!("{}", p.dim(&format!("skipped {s}")));
    }
    if report.projects.is_empty() && report.skipped.is_empty() {
        println!("no project under .ruru/projects has sync enabled");
    }
    for proj in &report.projects {
        println!("{} → {}", p.bold(&proj.project), proj.repo);
        for op in &proj.ops {
            if !report.dry_run && op.outcome == Outcome::Done && op.op == OpKind::CreateLabel {
                continue;
            }
            let what = match &op.key {
                Some(k) => format!("{} {}", k.rsplit('/').next().unwrap_or(k), op.title),
                None => op.title.clone(),
            };
            let outcome = match op.outcome {
                Outcome::Planned | Outcome::Done => String::new(),
                Outcome::Failed => format!("  {}", p.red("failed")),
                other => format!("  {}", p.yellow(other.as_str())),
            };
            println!(
                "  {:<6} {}  {}  {}{}",
                op.method,
                op.path,
                what,
                p.dim(&format!("({})", op.fields.join(", "))),
                outcome
            );
        }
        for c in &proj.conflicts {
            println!(
                "  {} {} `{}`: plan {:?}, GitHub {:?} → {}",
                p.yellow("conflict:"),
                c.key,
                c.conflict.field,
                c.conflict.local,
                c.conflict.github,
                match c.conflict.winner {
                    git_intellimanage::plan::merge::Winner::Local => "the plan's value wins",
                    git_intellimanage::plan::merge::Winner::Github => "GitHub's value wins",
                    git_intellimanage::plan::merge::Winner::Flagged =>
                        "flagged for a person (manual_flag)",
                }
            );
        }
        for n in &proj.notes {
            println!("  {} {}", p.yellow("warning:"), n.message);
        }
        for f in &proj.failures {
            println!("  {} {}", p.red("failed:"), f.message);
        }
        let verb = if report.dry_run {
            "would create"
        } else {
            "created"
        };
        let upd = if report.dry_run {
            "would update"
        } else {
            "updated"
        };
        println!(
            "  {verb} {}, {}, {}; {upd} {}, {}; {} unchanged; {} failed",
            count(proj.count(OpKind::CreateIssue), "issue"),
            count(proj.count(OpKind::CreateMilestone), "milestone"),
            count(proj.count(OpKind::CreateLabel), "label"),
            count(proj.count(OpKind::UpdateIssue), "issue"),
            count(proj.count(OpKind::UpdateMilestone), "milestone"),
            proj.unchanged,
            proj.failures.len(),
        );
    }
    for why in [&report.pull_skipped, &report.links_skipped]
        .into_iter()
        .flatten()
    {
        println!("{}", p.yellow(&format!("note: {why}")));
    }
    if !report.written.is_empty() {
        println!(
            "{} artifact files written{}:",
            report.written.len(),
            match &report.committed {
                Some(c) => format!(" and committed ({})", &c[..c.len().min(7)]),
                None => " (review them, then commit)".to_string(),
            }
        );
        for w in &report.written {
            println!("  {w}");
        }
    }
    let r = &report.requests;
    println!(
        "{}",
        p.dim(&format!(
            "{} to {}: {} ({} not modified), {}, {}{}",
            count(r.requests, "request"),
            trackers_named(report),
            count(r.reads, "read"),
            r.not_modified,
            count(r.writes, "write"),
            match r.retries {
                1 => "1 retry".to_string(),
                n => format!("{n} retries"),
            },
            if report.dry_run {
                "; dry run: nothing was written"
            } else {
                ""
            }
        ))
    );
}

/// True when the plan at `rev` has a project that syncs (only then is the remote involved).
fn plan_syncs(repo: &Repo, rev: &str) -> bool {
    repo.resolve_commit(rev)
        .ok()
        .and_then(|c| repo.plan_tree_of(c).ok().flatten())
        .and_then(|t| git_intellimanage::hooks::post_commit::project_configs(repo, t).ok())
        .is_some_and(|configs| configs.iter().any(|c| c.github.enable_sync))
}

/// The line for an artifact two clones linked to two different issues.
pub fn duplicate_line(d: &Duplicate) -> String {
    format!(
        "{} is linked to two issues of {}: #{} (kept) and #{}{}; close #{} there",
        d.key,
        d.repo,
        d.kept,
        d.other,
        d.other_repo
            .as_deref()
            .map(|r| format!(" of {r}"))
            .unwrap_or_default(),
        d.other
    )
}

/// The trackers a run talked to, as people name them: `GitHub`, `GitLab`, `GitHub and GitLab`.
fn trackers_named(report: &git_intellimanage::sync::Report) -> String {
    git_intellimanage::tracker::platforms_named(report.projects.iter().map(|p| p.tracker), "GitHub")
}
