//! `hooks install | uninstall | status`: the post-commit and pre-push shims.

use std::process::ExitCode;

use git_intellimanage::commits::{self, Proposal};
use git_intellimanage::hooks::{self, BinaryFound, Hook, HookState, HooksDir, Mode, Outcome};

use git_intellimanage::share;

use super::common::{CliError, CliResult, Context, exit, print_json};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: HooksCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HooksCommand {
    /// Install the post-commit and pre-push hooks (keeping any hook already there).
    ///
    /// Goes where git runs hooks (`git rev-parse --git-path hooks`: honours
    /// core.hooksPath and linked worktrees). A shell hook already there gets our block
    /// spliced in between marker lines; any other hook is kept beside ours and run after
    /// it. Installing again changes nothing.
    Install,
    /// Remove our hooks, leaving any hook of yours exactly as it was before.
    Uninstall,
    /// Show where the hooks are, whether they are installed, and which binary they run.
    Status(StatusArgs),
    /// List the status changes to Done that commit messages propose (`Closes TASK-1`).
    ///
    /// The post-commit hook records them; nothing changes until you apply them with
    /// --apply, which sets the status (and `updated_date`, and adds the commit to
    /// `related_commits`) in the artifact files of the working tree, for you to commit.
    Proposals(ProposalsArgs),
}

#[derive(Debug, clap::Args)]
struct ProposalsArgs {
    /// Write the proposed statuses into the artifact files (working tree).
    #[arg(long)]
    apply: bool,
    /// Only these artifact IDs (repeatable).
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<String>,
    /// Print JSON.
    #[arg(long, conflicts_with = "apply")]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    match args.command {
        HooksCommand::Install => install(ctx),
        HooksCommand::Uninstall => uninstall(ctx),
        HooksCommand::Status(a) => status(ctx, a),
        HooksCommand::Proposals(a) => proposals(ctx, a),
    }
}

fn locate(ctx: &Context) -> Result<HooksDir, CliError> {
    // Fail like the other commands outside a repository.
    ctx.repo()?;
    hooks::hooks_dir(&ctx.cwd).map_err(CliError::from)
}

fn warn_shared(ctx: &Context, dir: &HooksDir) {
    if let Some((value, scope)) = &dir.hooks_path
        && dir.is_shared()
    {
        ctx.warn(&format!(
            "core.hooksPath = {value} comes from your {scope} git configuration: the hooks there run for every repository using it (they do nothing where no plan syncs)"
        ));
    }
}

fn install(ctx: &Context) -> CliResult {
    let dir = locate(ctx)?;
    warn_shared(ctx, &dir);
    let bin = hooks::current_binary().map_err(CliError::from)?;
    let p = ctx.out();
    for hook in Hook::ALL {
        let outcome = hooks::install(&dir, hook, &bin).map_err(CliError::from)?;
        let path = dir.hook_path(hook);
        let what = match outcome {
            Outcome::Created => "installed".to_string(),
            Outcome::Spliced => {
                "installed into your existing hook (between marker lines)".to_string()
            }
            Outcome::Chained => format!(
                "installed; your hook was kept as {} and runs after ours",
                dir.chained_path(hook).display()
            ),
            Outcome::Updated => "updated".to_string(),
            Outcome::Unchanged => "already installed".to_string(),
            _ => "unchanged".to_string(),
        };
        println!("{} {}: {what}", p.bold(hook.name()), path.display());
    }
    // `git fetch` brings the team's sync record along (forced, by glob: it never fails).
    if let Ok(repo) = ctx.repo()
        && let Some(remote) = share::remote(&repo)
    {
        let spec = share::fetch_refspec(&remote);
        match share::configure_fetch(&repo, &remote) {
            Ok(true) => println!(
                "{} remote.{remote}.fetch: added {spec} (`git fetch` brings the team's sync record)",
                p.bold("fetch")
            ),
            Ok(false) => println!(
                "{} remote.{remote}.fetch: already brings the team's sync record",
                p.bold("fetch")
            ),
            Err(e) => ctx.warn(&format!(
                "could not add {spec} to remote.{remote}.fetch: {e}"
            )),
        }
    }
    if let BinaryFound::OnPath(on_path) = hooks::binary_found(&bin)
        && std::fs::canonicalize(&on_path).ok().as_deref() != Some(bin.as_path())
    {
        ctx.warn(&format!(
            "the hooks run `git-intellimanage` from PATH ({}), not this binary ({})",
            on_path.display(),
            bin.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn uninstall(ctx: &Context) -> CliResult {
    let dir = locate(ctx)?;
    let p = ctx.out();
    for hook in Hook::ALL {
        let outcome = hooks::uninstall(&dir, hook).map_err(CliError::from)?;
        let path = dir.hook_path(hook);
        let what = match outcome {
            Outcome::Removed => "removed",
            Outcome::Restored => "removed; your hook is back as it was",
            _ => "not installed",
        };
        println!("{} {}: {what}", p.bold(hook.name()), path.display());
    }
    if let Ok(repo) = ctx.repo()
        && let Some(remote) = share::remote(&repo)
    {
        match share::unconfigure_fetch(&repo, &remote) {
            Ok(true) => println!(
                "{} remote.{remote}.fetch: {} removed",
                p.bold("fetch"),
                share::fetch_refspec(&remote)
            ),
            Ok(false) => {}
            Err(e) => ctx.warn(&format!(
                "could not remove {} from remote.{remote}.fetch: {e}",
                share::fetch_refspec(&remote)
            )),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn state_words(state: &HookState) -> (&'static str, String) {
    match state {
        HookState::Absent => ("absent", "not installed".into()),
        HookState::Foreign => (
            "foreign",
            "not installed (a hook of yours is there; install keeps it)".into(),
        ),
        HookState::Damaged => (
            "damaged",
            "damaged: a marker line without its partner; fix by hand".into(),
        ),
        HookState::Installed { mode, current } => {
            let how = match mode {
                Mode::Created => "installed",
                Mode::Spliced | Mode::SplicedEol => "installed inside your hook",
                Mode::Chained => "installed, chained to your hook",
            };
            let text = if *current {
                how.to_string()
            } else {
                format!("{how}, out of date (run `git intellimanage hooks install`)")
            };
            ("installed", text)
        }
    }
}

fn status(ctx: &Context, args: StatusArgs) -> CliResult {
    let dir = locate(ctx)?;
    let bin = hooks::current_binary().map_err(CliError::from)?;
    let recorded = Hook::ALL
        .iter()
        .find_map(|h| hooks::installed_binary(&dir, *h))
        .unwrap_or_else(|| bin.clone());
    let found = hooks::binary_found(&recorded);
    let mut states = Vec::new();
    for hook in Hook::ALL {
        states.push((
            hook,
            hooks::inspect(&dir, hook, &bin).map_err(CliError::from)?,
        ));
    }
    let record_fetch = ctx.repo().ok().and_then(|repo| {
        share::remote(&repo).map(|remote| {
            serde_json::json!({
                "remote": remote,
                "configured": share::fetch_configured(&repo, &remote),
            })
        })
    });
    if args.json {
        let hooks_json: Vec<serde_json::Value> = states
            .iter()
            .map(|(hook, state)| {
                let (word, _) = state_words(state);
                let (mode, current) = match state {
                    HookState::Installed { mode, current } => (Some(mode.token()), Some(*current)),
                    _ => (None, None),
                };
                serde_json::json!({
                    "name": hook.name(),
                    "path": dir.hook_path(*hook),
                    "state": word,
                    "mode": mode,
                    "current": current,
                })
            })
            .collect();
        print_json(&serde_json::json!({
            "hooks_dir": dir.path,
            "core_hooks_path": dir.hooks_path.as_ref().map(|(v, s)| serde_json::json!({"value": v, "scope": s})),
            "binary": match &found {
                BinaryFound::OnPath(p) => serde_json::json!({"found": "path", "path": p}),
                BinaryFound::Recorded(p) => serde_json::json!({"found": "recorded", "path": p}),
                BinaryFound::Missing => serde_json::json!({"found": null}),
            },
            "hooks": hooks_json,
            "record_fetch": record_fetch,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let p = ctx.out();
    println!("hooks directory: {}", dir.path.display());
    if let Some((value, scope)) = &dir.hooks_path {
        println!("  (core.hooksPath = {value}, from the {scope} configuration)");
    }
    warn_shared(ctx, &dir);
    for (hook, state) in &states {
        let (_, text) = state_words(state);
        println!("{:<12} {text}", p.bold(hook.name()));
    }
    if let Some(rf) = &record_fetch {
        let remote = rf["remote"].as_str().unwrap_or_default();
        if rf["configured"] == true {
            println!("`git fetch {remote}` brings the team's sync record");
        } else {
            println!(
                "`git fetch {remote}` does not bring the team's sync record (`hooks install` sets that up; `git intellimanage fetch` fetches it)"
            );
        }
    }
    match found {
        BinaryFound::OnPath(path) => println!("the hooks run {} (on PATH)", path.display()),
        BinaryFound::Recorded(path) => {
            println!("the hooks run {} (not on PATH; the path recorded at install)", path.display())
        }
        BinaryFound::Missing => ctx.warn(
            "git-intellimanage is neither on PATH nor at the recorded path: the hooks will say so and do nothing",
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the open Done proposals (for `status` too).
pub fn print_proposals(ctx: &Context, proposals: &[Proposal]) {
    if proposals.is_empty() {
        return;
    }
    let p = ctx.out();
    for pr in proposals {
        let short = pr.commit.get(..7).unwrap_or(&pr.commit);
        println!(
            "{} {} {}: {} → {} (commit {short}: {} {})",
            p.cyan("proposed:"),
            p.bold(&pr.project),
            pr.id,
            pr.current_status,
            pr.proposed_status,
            pr.keyword,
            pr.id
        );
    }
    println!(
        "{}",
        p.dim(
            "apply with `git intellimanage hooks proposals --apply` (writes the files; then commit)"
        )
    );
}

fn proposals(ctx: &Context, args: ProposalsArgs) -> CliResult {
    let repo = ctx.repo()?;
    let mut list = commits::proposals(&repo).map_err(CliError::from)?;
    if !args.ids.is_empty() {
        list.retain(|p| args.ids.iter().any(|id| id.eq_ignore_ascii_case(&p.id)));
    }
    if args.json {
        print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        println!("no status changes proposed by commits");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.apply {
        print_proposals(ctx, &list);
        return Ok(ExitCode::SUCCESS);
    }
    let workdir = repo.workdir().ok_or_else(|| {
        CliError::new(
            exit::REPO,
            "this is a bare repository: there are no files to change",
        )
    })?;
    let worktree = git_intellimanage::snapshot::Snapshot::at_worktree(&repo)?;
    let today = jiff::Zoned::now().date().to_string();
    let p = ctx.out();
    let mut failed = false;
    for pr in &list {
        let current = worktree
            .find_id(&pr.id)
            .into_iter()
            .find(|a| a.project() == pr.project);
        let Some(current) = current else {
            ctx.warn(&format!(
                "{} {}: not in the working tree any more; skipped",
                pr.project, pr.id
            ));
            continue;
        };
        let mut related: Vec<String> = current
            .fields
            .get("related_commits")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if !related.iter().any(|c| c.eq_ignore_ascii_case(&pr.commit)) {
            related.push(pr.commit.clone());
        }
        let edit = git_intellimanage::writeback::Edit::new()
            .set("status", pr.proposed_status.clone())
            .set("updated_date", today.clone())
            .set_list("related_commits", related);
        let path = workdir.join(&current.path);
        match git_intellimanage::writeback::update_file(&path, &edit) {
            Ok(_) => println!(
                "{} {} {}: status = \"{}\" ({})",
                p.green("applied:"),
                pr.project,
                pr.id,
                pr.proposed_status,
                current.path
            ),
            Err(e) => {
                failed = true;
                ctx.warn(&format!("{} {}: {e}", pr.project, pr.id));
            }
        }
    }
    Ok(if failed {
        ExitCode::from(exit::FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}
