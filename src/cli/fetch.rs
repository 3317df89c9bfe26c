//! `fetch`: bring the team's sync record (and commit links) from the git remote into this
//! clone, so that `status` and `diff` show offline what is pending for the team.

use std::process::ExitCode;

use git_intellimanage::share::{self, Merge};

use super::common::{CliError, CliResult, Context, exit, print_json, take_lock};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The remote to fetch from (default: `intellimanage.remote`, else `origin`, else the
    /// only remote).
    #[arg(long, value_name = "REMOTE")]
    remote: Option<String>,
    /// Print a JSON report instead of text.
    #[arg(long)]
    json: bool,
    /// How long to wait for another run of this repository to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = git_intellimanage::lock::DEFAULT_WAIT.as_secs())]
    wait: u64,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    let Some(remote) = args.remote.clone().or_else(|| share::remote(&repo)) else {
        return Err(CliError::new(
            exit::CONFIG,
            "no remote to fetch the sync record from",
        )
        .hint("add one (`git remote add origin <url>`), or name it with --remote; `git config intellimanage.remote none` turns sharing off"));
    };
    // Our refs move: one writer at a time.
    let _lock = take_lock(
        ctx,
        &repo,
        "fetch",
        std::time::Duration::from_secs(args.wait),
    )?;
    share::fetch(&repo, &remote)?;
    let done = share::integrate(&repo, &remote)?;
    let word = |m: Option<Merge>| match m {
        None => "not on the remote yet",
        Some(Merge::UpToDate) => "up to date",
        Some(Merge::FastForward) => "updated from the remote",
        Some(Merge::Merged) => "merged with the remote's",
        Some(Merge::Ahead) => "ahead of the remote (the next sync shares it)",
    };
    let duplicates: Vec<String> = done
        .duplicates
        .iter()
        .map(super::sync::duplicate_line)
        .collect();
    if args.json {
        print_json(&serde_json::json!({
            "remote": remote,
            "record": done.record,
            "commit_links": done.commits,
            "duplicates": done.duplicates,
        }))?;
    } else {
        println!("sync record: {} ({remote})", word(done.record));
        println!("commit links: {}", word(done.commits));
        for d in &duplicates {
            ctx.warn(d);
        }
    }
    Ok(if duplicates.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FINDINGS)
    })
}
