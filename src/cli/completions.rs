//! `completions`: shell completion scripts (clap's own generator), which `install.sh`
//! installs where each shell looks for them.
//!
//! The scripts complete the binary, `git-intellimanage`. For bash there is more: git's own
//! completion, on `git intellimanage <TAB>`, loads the completion file named
//! `git-intellimanage` and calls `_git_intellimanage`; the bash script defines that
//! function, which hands the words after `git` to the generated completion.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::common::{CliError, CliResult, exit};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell: bash, zsh or fish (also elvish, powershell).
    shell: Shell,
}

/// What git's bash completion calls for `git intellimanage …`: the generated function,
/// with the words as if `git-intellimanage` had been typed.
const BASH_GIT_SUBCOMMAND: &str = r#"
# `git intellimanage <TAB>`: git's completion loads this file (as the completion of
# git-intellimanage) and calls _git_intellimanage.
_git_intellimanage() {
    local COMP_WORDS=("git-intellimanage" "${COMP_WORDS[@]:2}")
    local COMP_CWORD=$((COMP_CWORD - 1))
    local COMP_LINE="${COMP_WORDS[*]}"
    local COMP_POINT=${#COMP_LINE}
    _git__intellimanage git-intellimanage "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;

/// `cmd` without its hidden subcommands (`hook`, `man`), which clap's generators would
/// otherwise offer: the shims and install.sh call them, people don't.
fn visible(cmd: clap::Command) -> clap::Command {
    let shown: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    clap::Command::new("git-intellimanage")
        .version(env!("CARGO_PKG_VERSION"))
        .args(cmd.get_arguments().cloned())
        .subcommands(shown)
}

pub fn run(args: Args) -> CliResult {
    let mut cmd = visible(super::Cli::command());
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "git-intellimanage", &mut out);
    if args.shell == Shell::Bash {
        // clap's bash generator spells the hyphen of `git-intellimanage` two ways (its
        // state `git__intellimanage__subcmd__sync`, its case label
        // `git__subcmd__intellimanage__subcmd__sync`), so no subcommand's options would
        // complete; one spelling it is (the tests complete `sync --dr`).
        let text = String::from_utf8_lossy(&out)
            .replace("git__subcmd__intellimanage", "git__intellimanage");
        out = text.into_bytes();
        out.extend_from_slice(BASH_GIT_SUBCOMMAND.as_bytes());
    }
    std::io::stdout()
        .write_all(&out)
        .map_err(|e| CliError::new(exit::USAGE, format!("cannot write the completions: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
