//! `hook post-commit | pre-push`: what the installed shims call. Not for direct use.
//!
//! post-commit always exits 0 (a commit is never undone by a hook). pre-push exits 1 only
//! when a failure happened and a syncing project sets `block_push_on_failure = true` (the
//! shim stops the push on exactly that status); otherwise 0.

use std::io::Read;
use std::process::ExitCode;

use git_intellimanage::hooks::post_commit::{self, Outcome};
use git_intellimanage::hooks::{self, PushSync, background, pre_push};
use git_intellimanage::repo::Repo;

use super::common::{CliResult, Context};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: HookCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HookCommand {
    /// Record the commit's artifact links (called by the post-commit shim).
    PostCommit {
        /// Whatever git passes (nothing, for post-commit).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<String>,
    },
    /// Sync and comment commit links when the plan branch is pushed (called by the
    /// pre-push shim with git's ref lines on standard input).
    PrePush {
        /// The remote's name (or its URL when pushing to a URL).
        remote: String,
        /// The remote's URL.
        url: Option<String>,
    },
    /// The background half of pre-push: wait for the push to land, then sync what landed
    /// (started by `pre-push` with the ref lines on standard input).
    PrePushAfter {
        remote: String,
        url: String,
        /// The `git push` process to wait for.
        #[arg(long)]
        push_pid: Option<u32>,
    },
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    match args.command {
        HookCommand::PostCommit { .. } => {
            match post_commit::run(&ctx.cwd) {
                Ok(Outcome::Recorded { line, .. }) => eprintln!("{line}"),
                Ok(Outcome::Skipped(_)) => {}
                Err(e) => eprintln!("intellimanage: the commit was not linked: {e}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        HookCommand::PrePush { remote, url } => {
            let mut input = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut input) {
                eprintln!("intellimanage: could not read the pushed refs: {e}; nothing synced");
                return Ok(ExitCode::SUCCESS);
            }
            let url = url.unwrap_or_else(|| remote.clone());
            let outcome = pre_push_hook(ctx, &remote, &url, &input);
            for line in &outcome.lines {
                eprintln!("{line}");
            }
            Ok(if outcome.block {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        HookCommand::PrePushAfter {
            remote,
            url,
            push_pid,
        } => {
            let mut input = String::new();
            if std::io::stdin().read_to_string(&mut input).is_err() {
                return Ok(ExitCode::SUCCESS);
            }
            background::run_after_push(&ctx.cwd, &remote, &url, &input, push_pid, ctx.verbose);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// pre-push: in the foreground when asked for (or when a failure must block the push),
/// else handed to a background process that syncs once the push has landed.
fn pre_push_hook(ctx: &Context, remote: &str, url: &str, input: &str) -> pre_push::Outcome {
    let mut out = pre_push::Outcome::default();
    if hooks::disabled_by_env() {
        return out;
    }
    let repo = match Repo::discover(&ctx.cwd) {
        Ok(r) => r,
        Err(e) => {
            out.lines.push(format!("intellimanage: skipped: {e}"));
            return out;
        }
    };
    let pushes = pre_push::plan_pushes(&repo, remote, input, &mut out);
    if pushes.is_empty() {
        return out;
    }
    let foreground =
        PushSync::chosen(&repo) == PushSync::Foreground || pushes.iter().any(|p| p.blocks);
    if !foreground {
        match background::spawn(
            &repo,
            &ctx.cwd,
            remote,
            url,
            &pushes,
            background::push_pid(),
            ctx.verbose,
        ) {
            Ok(_) => {
                out.lines.push(
                    "intellimanage: the plan syncs with GitHub in the background once the push has landed (`git intellimanage status` shows how it went)"
                        .to_string(),
                );
                return out;
            }
            Err(e) => out.lines.push(format!(
                "intellimanage: {e}; syncing in the foreground instead"
            )),
        }
    }
    pre_push::sync_pushes(
        &repo,
        &ctx.cwd,
        remote,
        url,
        &pushes,
        ctx.verbose,
        &pre_push::Waiting::foreground(),
        &mut out,
    );
    out
}
