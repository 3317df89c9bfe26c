//! `hook post-commit | pre-push`: what the installed shims call. Not for direct use.
//!
//! post-commit always exits 0 (a commit is never undone by a hook). pre-push exits 1 only
//! when a failure happened and a syncing project sets `block_push_on_failure = true` (the
//! shim stops the push on exactly that status); otherwise 0.

use std::io::Read;
use std::process::ExitCode;

use git_intellimanage::hooks::post_commit::{self, Outcome};
use git_intellimanage::hooks::pre_push;

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
            let outcome = pre_push::run(&ctx.cwd, &remote, &url, &input, ctx.verbose);
            for line in &outcome.lines {
                eprintln!("{line}");
            }
            Ok(if outcome.block {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
