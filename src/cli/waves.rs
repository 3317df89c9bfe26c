//! `waves` and `ready`: the work under a target in the order its dependencies allow, offline
//! (the plan and the sync record), with the planning gate (exit 1 when something can't be
//! placed).

use std::collections::BTreeMap;
use std::process::ExitCode;

use git_intellimanage::plan::fields::Target as LinkTarget;
use git_intellimanage::plan::links::{LINKS_DOC, Links};
use git_intellimanage::repo::Repo;
use git_intellimanage::waves::{self, IssueRef, Item, PlanningStatus, Reason, Waves};

use super::common::{CliError, CliResult, Context, SourceArgs, exit, print_json};

#[derive(Debug, clap::Args)]
pub struct WavesArgs {
    /// An Epic or Feature ID, a milestone title (quoted), or issue numbers (`12 13`,
    /// `#12,#13`); none: every project's open work.
    targets: Vec<String>,
    #[command(flatten)]
    source: SourceArgs,
    /// Show only this wave.
    #[arg(long, value_name = "N")]
    wave: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Start the wave's open items (wave 1, or --wave N) as `start` does, a branch and a
    /// worktree each, and print what `start` prints (see `git intellimanage start --help`).
    #[arg(long)]
    start: bool,
    #[command(flatten, next_help_heading = "With --start")]
    start_options: super::start::Options,
}

#[derive(Debug, clap::Args)]
pub struct ReadyArgs {
    /// As for `waves`: an Epic or Feature ID, a milestone title, or issue numbers.
    targets: Vec<String>,
    #[command(flatten)]
    source: SourceArgs,
    /// Print JSON (an array of items).
    #[arg(long)]
    json: bool,
}

fn compute(ctx: &Context, source: &SourceArgs, targets: &[String]) -> Result<Waves, CliError> {
    let repo = ctx.repo()?;
    let target = waves::parse_targets(targets).map_err(CliError::from)?;
    let snap = source.load(&repo)?;
    ctx.warn_problems(&snap.problems);
    let custom: BTreeMap<String, Vec<String>> = snap
        .configs
        .iter()
        .map(|(slug, c)| (slug.clone(), c.custom_statuses.clone()))
        .collect();
    let issues = issue_links(&repo)?;
    waves::plan(
        &waves::Input {
            artifacts: &snap.artifacts,
            custom_statuses: &custom,
            issues: &issues,
        },
        &target,
    )
    .map_err(CliError::from)
}

/// The record's issue links, by `<project>/<ID>` (the team's record when ours is behind).
fn issue_links(repo: &Repo) -> Result<BTreeMap<String, IssueRef>, CliError> {
    let record = git_intellimanage::share::team_record(repo)?;
    let links: Links = record.json(LINKS_DOC)?;
    Ok(links
        .items
        .into_iter()
        .filter(|(_, l)| l.target == LinkTarget::Issue && !l.retired)
        .map(|(k, l)| {
            (
                k,
                IssueRef {
                    number: l.number,
                    url: l.url,
                },
            )
        })
        .collect())
}

pub fn run_waves(ctx: &Context, args: WavesArgs) -> CliResult {
    let mut w = compute(ctx, &args.source, &args.targets)?;
    if let Some(n) = args.wave {
        if n == 0 || n > w.waves.len() {
            return Err(CliError::new(
                exit::USAGE,
                format!(
                    "there is no wave {n}: this plan has {} wave(s)",
                    w.waves.len()
                ),
            ));
        }
        w.waves.retain(|wave| wave.number == n);
    }
    if args.start_options.any_given() && !args.start {
        return Err(CliError::new(
            exit::USAGE,
            "--prefix, --base, --worktree-dir, --force and --dry-run go with --start",
        )
        .hint("add --start to start the wave's items"));
    }
    if args.start {
        // Without --wave: wave 1, the items that can be started now.
        let items: Vec<(String, String)> = w
            .waves
            .iter()
            .take(1)
            .flat_map(|wave| &wave.items)
            .filter(|i| !i.done)
            .map(|i| (i.project.clone(), i.id.clone()))
            .collect();
        return super::start::start_items(ctx, &args.start_options, &items, args.json);
    }
    let code = match w.planning_status {
        PlanningStatus::Ready => ExitCode::SUCCESS,
        PlanningStatus::NeedsReview => ExitCode::from(exit::FINDINGS),
    };
    if args.json {
        print_json(&w)?;
        return Ok(code);
    }
    let p = ctx.out();
    if w.waves.is_empty() && w.blocked.is_empty() {
        println!("nothing to plan: no work items under this target");
    }
    for wave in &w.waves {
        let header = if wave.number == 1 {
            "Wave 1 (no dependencies):".to_string()
        } else {
            format!(
                "Wave {} (depends on wave {}):",
                wave.number,
                wave.number - 1
            )
        };
        println!("{}", p.bold(&header));
        let width = wave
            .items
            .iter()
            .map(|i| label(i).chars().count())
            .max()
            .unwrap_or(0);
        for (n, item) in wave.items.iter().enumerate() {
            let branch = if n + 1 == wave.items.len() {
                "└─"
            } else {
                "├─"
            };
            let text = label(item);
            let pad = width.saturating_sub(text.chars().count());
            let state = if item.done {
                p.green("[DONE ✓]")
            } else if item.started {
                p.yellow("[IN PROGRESS]")
            } else if wave.number == 1 {
                "[PENDING]".to_string()
            } else {
                format!("[PENDING, after wave {}]", wave.number - 1)
            };
            println!("{branch} {text}{}  {state}", " ".repeat(pad));
        }
        println!();
    }
    if !w.blocked.is_empty() {
        println!("{}", p.red("Needs review (placed in no wave):"));
        for b in &w.blocked {
            let why = match b.reason {
                Reason::Cycle => "cycle",
                Reason::Unknown => "unknown",
                Reason::Outside => "outside",
            };
            println!("  {} {}: {} [{why}]", b.id, b.title, b.message);
        }
        println!();
    }
    let pct = (w.progress.done * 100)
        .checked_div(w.progress.total)
        .unwrap_or(100);
    println!(
        "Progress: {}/{} complete ({pct}%)",
        w.progress.done, w.progress.total
    );
    println!(
        "Planning status: {}",
        match w.planning_status {
            PlanningStatus::Ready => p.green("ready"),
            PlanningStatus::NeedsReview => p.red("needs_review"),
        }
    );
    Ok(code)
}

fn label(item: &Item) -> String {
    let issue = item
        .issue
        .as_ref()
        .map(|i| format!(" (#{})", i.number))
        .unwrap_or_default();
    format!("{}{issue} {}", item.id, item.title)
}

pub fn run_ready(ctx: &Context, args: ReadyArgs) -> CliResult {
    let w = compute(ctx, &args.source, &args.targets)?;
    let ready = w.ready();
    if args.json {
        print_json(&ready)?;
        return Ok(ExitCode::SUCCESS);
    }
    if ready.is_empty() {
        println!("nothing is ready to start");
    }
    for item in ready {
        let priority = item.priority.as_deref().unwrap_or("");
        println!("{}  {}", label(item), ctx.out().dim(priority));
    }
    Ok(ExitCode::SUCCESS)
}
