//! The command line: global options, dispatch, and how errors become messages and exit codes.
//!
//! Each subcommand lives in its own file with its arguments struct and one `run` function.

mod auth;
mod board;
mod common;
mod completions;
mod diff;
mod errors;
mod fetch;
mod hook;
mod hooks;
mod init;
mod list;
mod man;
mod mcp;
mod new;
mod progress;
mod release_notes;
mod set;
mod show;
mod start;
mod status;
mod sync;
mod validate;
mod waves;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use git_intellimanage::output::ColorChoice;

pub use common::Context;

/// Keep an IntelliManage plan in git, and GitHub in step with it.
///
/// Reads artifacts (.ruru/projects/<project>/{epics,features,tasks}/*.md) from the
/// repository's commits, shows what changed since the last sync, and syncs with GitHub in
/// both directions.
#[derive(Debug, Parser)]
#[command(name = "git-intellimanage", bin_name = "git intellimanage", version)]
#[command(after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// When to color output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,

    /// More detail on stderr (-v: one line per request; -vv: headers too). Never shows tokens.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    /// Run as if started in this directory (like `git -C`).
    #[arg(short = 'C', value_name = "DIR", global = true)]
    directory: Option<std::path::PathBuf>,
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the command ran and found problems (validation errors, items that did not sync)
  2  bad usage (unknown option, missing argument)
  3  repository or plan problem (not a git repository, unknown revision, unknown ID)
  4  configuration problem (project_config.toml)
  5  authentication problem (no token, token rejected)
  6  GitHub could not be reached or refused the request
  7  the sync record changed underneath this command (run it again)
  8  another run held the sync lock for longer than --wait allowed";

#[derive(Debug, Subcommand)]
enum Command {
    /// Set a project up here: project_config.toml (repository from `origin`, sync off) and folders.
    Init(init::Args),
    /// Create an artifact file with the next free ID (type, title, parents, status, …).
    New(new::Args),
    /// Change frontmatter fields of an artifact: status=done, priority=high, tags+=x, due_date=, …
    Set(set::SetArgs),
    /// Archive an artifact: status 🧊 Archived, the file moved under <project>/archive/.
    Archive(set::ArchiveArgs),
    /// List artifacts (filter by project, type, status, tag, parent).
    List(list::Args),
    /// Show one artifact: its frontmatter and body.
    Show(show::Args),
    /// Check every plan file and report every problem (exit 1 if any error).
    Validate(validate::Args),
    /// Summarise what is pending since the last sync, per project.
    Status(status::Args),
    /// Show what changed since the last sync (or since --base REV), field by field.
    Diff(diff::Args),
    /// Bring the plan and GitHub in step, both ways: issues, milestones, labels (--dry-run to preview).
    Sync(sync::Args),
    /// The work under an Epic, Feature or milestone in waves its dependencies allow (offline).
    Waves(waves::WavesArgs),
    /// The items that can be started now (wave 1), highest priority first.
    Ready(waves::ReadyArgs),
    /// Start work items: a branch <prefix>/<ID>-<slug> and a linked worktree each (--cleanup: remove finished ones).
    Start(start::Args),
    /// Done/total work per project, Epic and Feature, counts per status, overdue and blocked items (offline).
    Progress(progress::Args),
    /// Release notes of an Epic, Feature or milestone: finished work by type, open work apart (--github-release TAG publishes them).
    ReleaseNotes(release_notes::Args),
    /// The plan as a kanban board: a column per status, a card per work item (--html FILE: one web page).
    Board(board::Args),
    /// Bring the team's sync record from the git remote (then `status` and `diff` are the team's).
    Fetch(fetch::Args),
    /// Store, show or remove the GitHub token (OS keyring, environment, git credentials).
    Auth(auth::Args),
    /// Install, remove or inspect the git hooks (post-commit links, pre-push sync).
    Hooks(hooks::Args),
    /// Run a hook (called by the installed hook shims).
    #[command(hide = true)]
    Hook(hook::Args),
    /// Serve the plan to coding agents over the Model Context Protocol (stdio).
    Mcp(mcp::Args),
    /// Print a shell completion script (bash, zsh, fish); install.sh installs them.
    Completions(completions::Args),
    /// Print the man page (roff); install.sh installs it for `git intellimanage --help`.
    #[command(hide = true)]
    Man(man::Args),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let ctx = match Context::new(cli.color, cli.verbose, cli.directory.as_deref()) {
        Ok(ctx) => ctx,
        Err(e) => return e.report(cli.color),
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::New(args) => new::run(&ctx, args),
        Command::Set(args) => set::run_set(&ctx, args),
        Command::Archive(args) => set::run_archive(&ctx, args),
        Command::List(args) => list::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Validate(args) => validate::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Sync(args) => sync::run(&ctx, args),
        Command::Fetch(args) => fetch::run(&ctx, args),
        Command::Waves(args) => waves::run_waves(&ctx, args),
        Command::Ready(args) => waves::run_ready(&ctx, args),
        Command::Start(args) => start::run(&ctx, args),
        Command::Progress(args) => progress::run(&ctx, args),
        Command::ReleaseNotes(args) => release_notes::run(&ctx, args),
        Command::Board(args) => board::run(&ctx, args),
        Command::Auth(args) => auth::run(&ctx, args),
        Command::Hooks(args) => hooks::run(&ctx, args),
        Command::Hook(args) => hook::run(&ctx, args),
        Command::Mcp(args) => mcp::run(&ctx, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => e.report(cli.color),
    }
}
