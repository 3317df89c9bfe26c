//! `validate`: every problem in every plan file; exit 1 if any is an error.

use std::process::ExitCode;

use git_intellimanage::artifact::Severity;

use super::common::{CliResult, Context, SourceArgs, count, exit, painted_problem, print_json};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: SourceArgs,
    /// Print JSON: `{ "artifacts": N, "errors": N, "warnings": N, "problems": [...] }`.
    #[arg(long)]
    json: bool,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    strict: bool,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    let mut snap = args.source.load(&repo)?;
    snap.validate();
    let problems = snap.sorted_problems();
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    let failed = errors > 0 || (args.strict && warnings > 0);
    if args.json {
        print_json(&serde_json::json!({
            "source": snap.origin.describe(),
            "artifacts": snap.artifacts.len(),
            "projects": snap.projects(),
            "errors": errors,
            "warnings": warnings,
            "problems": problems,
        }))?;
    } else {
        let p = ctx.out();
        for problem in &problems {
            println!("{}", painted_problem(problem, &p));
        }
        let summary = format!(
            "{} in {} checked ({}): {}, {}",
            count(snap.artifacts.len(), "artifact"),
            count(snap.projects().len(), "project"),
            snap.origin.describe(),
            count(errors, "error"),
            count(warnings, "warning"),
        );
        if failed {
            println!("{}", p.red(&summary));
        } else {
            println!("{}", p.green(&summary));
        }
    }
    Ok(if failed {
        ExitCode::from(exit::FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}
