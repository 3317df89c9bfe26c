//! `mcp`: serve the plan to coding agents over the Model Context Protocol on stdin/stdout
//! (the server is [`git_intellimanage::mcp`]; each tool runs this binary's subcommand).

use std::io::IsTerminal as _;
use std::process::ExitCode;

use super::common::{CliError, CliResult, Context, exit};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Register it with an MCP client, e.g. Claude Code:
  claude mcp add intellimanage -- git intellimanage mcp
or in a client's JSON configuration:
  { \"mcpServers\": { \"intellimanage\": { \"command\": \"git\", \"args\": [\"intellimanage\", \"mcp\"] } } }
Tools: list, show, validate, diff, status, waves, ready, new, set, archive, sync (a dry run
unless the call passes dry_run: false).")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> CliResult {
    let exe = std::env::current_exe().map_err(|e| {
        CliError::new(
            exit::REPO,
            format!("cannot find this program's own path to run the tools with: {e}"),
        )
    })?;
    if std::io::stdin().is_terminal() {
        eprintln!(
            "{} serving MCP on stdin/stdout for an MCP client (Ctrl-D ends it)",
            ctx.err().dim("intellimanage:")
        );
    }
    git_intellimanage::mcp::serve(exe, ctx.cwd.clone()).map_err(|e| {
        CliError::new(exit::USAGE, e.to_string()).hint(
            "`git intellimanage mcp` is started by an MCP client (see `git intellimanage mcp --help`)",
        )
    })?;
    Ok(ExitCode::SUCCESS)
}
