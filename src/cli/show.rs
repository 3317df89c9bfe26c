//! `show`: one artifact, its frontmatter as written and its body.

use std::process::ExitCode;

use super::common::{
    CliResult, Context, SourceArgs, artifact_summary, find_one, print_json, table_to_json,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The artifact's ID (case-insensitive), e.g. TASK-IM-707.
    id: String,
    #[command(flatten)]
    source: SourceArgs,
    /// The project, when several use the same ID.
    #[arg(long, short)]
    project: Option<String>,
    /// Print JSON: the summary, every frontmatter field, and the body.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    let snap = args.source.load(&repo)?;
    let a = find_one(
        &snap,
        &args.id,
        args.project.as_deref(),
        args.source.worktree,
    )?;
    // Problems of this artifact's own file are worth showing; others are not our business here.
    let own: Vec<_> = snap
        .problems
        .iter()
        .filter(|p| p.path == a.path)
        .cloned()
        .collect();
    for p in &own {
        ctx.print_problem(p);
    }
    if args.json {
        let mut doc = artifact_summary(a);
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("fields".into(), table_to_json(&a.fields));
            obj.insert("body".into(), serde_json::Value::String(a.body.clone()));
        }
        print_json(&doc)?;
        return Ok(ExitCode::SUCCESS);
    }
    let p = ctx.out();
    println!("{} {}", p.bold(&a.id), a.title);
    println!(
        "{}",
        p.dim(&format!("{} in {}", a.path, snap.origin.describe()))
    );
    println!("{}", p.dim("+++"));
    print!("{}", a.frontmatter);
    println!("{}", p.dim("+++"));
    print!("{}", a.body);
    if !a.body.is_empty() && !a.body.ends_with('\n') {
        println!();
    }
    Ok(ExitCode::SUCCESS)
}
