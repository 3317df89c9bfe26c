//! `git-intellimanage`: see `git intellimanage --help`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
