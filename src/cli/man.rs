//! `man`: prints the man page (roff), which `install.sh` installs so that
//! `git intellimanage --help` (which git turns into `git help intellimanage`) finds it.

use std::process::ExitCode;

use clap::CommandFactory;

use super::common::{CliError, CliResult, exit};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CliResult {
    let cmd = super::Cli::command().name("git-intellimanage");
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| CliError::new(exit::USAGE, format!("cannot render the man page: {e}")))?;
    use std::io::Write;
    std::io::stdout()
        .write_all(&out)
        .map_err(|e| CliError::new(exit::USAGE, format!("cannot write the man page: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
