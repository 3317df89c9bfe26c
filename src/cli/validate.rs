//! `validate`: every problem in every plan file; exit 1 if any is an error.

use std::process::ExitCode;

use git_intellimanage::artifact::Severity;

use super::common::{CliResult, Context, SourceArgs, exit, print_json};

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
            let text = problem.to_string();
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            let first = match problem.severity {
                Severity::Error => first.replacen(": error:", &format!(": {}", p.red("error:")), 1),
                Severity::Warning => {
                    first.replacen(": warning:", &format!(": {}", p.yellow("warning:")), 1)
                }
            };
            println!("{first}");
            if !rest.is_empty() {
                println!("{rest}");
            }
        }
        let summary = format!(
            "{} artifacts in {} projects checked ({}): {errors} errors, {warnings} warnings",
            snap.artifacts.len(),
            snap.projects().len(),
            snap.origin.describe()
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
