//! `show`: one artifact, its frontmatter as written, its body, and its related commits.

use std::process::ExitCode;

use git_intellimanage::commits::{RelatedCommit, RelatedIndex};
use git_intellimanage::repo::Repo;
use git_intellimanage::snapshot::{Origin, Snapshot};

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
    /// Print JSON: the summary, every frontmatter field, the body, and the related commits.
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
    let related = related_commits(ctx, &repo, &snap, a);
    if args.json {
        let mut doc = artifact_summary(a);
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("fields".into(), table_to_json(&a.fields));
            obj.insert("body".into(), serde_json::Value::String(a.body.clone()));
            obj.insert(
                "related_commits".into(),
                serde_json::to_value(&related).unwrap_or_default(),
            );
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
    if !related.is_empty() {
        println!("{}", p.dim("related commits:"));
        for c in &related {
            let short = if c.summary.is_some() {
                c.commit.get(..7).unwrap_or(&c.commit)
            } else {
                c.commit.as_str()
            };
            let summary = c.summary.as_deref().unwrap_or("(not in this repository)");
            let note = if c.in_file {
                ""
            } else {
                " (not in related_commits yet)"
            };
            println!("  {} {summary}{}", p.cyan(short), p.dim(note));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The artifact's related commits: the recorded ones the shown commit contains (HEAD for
/// the working tree), merged with the file's own `related_commits`.
fn related_commits(
    ctx: &Context,
    repo: &Repo,
    snap: &Snapshot,
    a: &git_intellimanage::artifact::Artifact,
) -> Vec<RelatedCommit> {
    let tip = match &snap.origin {
        Origin::Commit { commit, .. } => Some(*commit),
        _ => repo.resolve_commit("HEAD").ok(),
    };
    let index = match RelatedIndex::load(repo, tip) {
        Ok(i) => i,
        Err(e) => {
            ctx.warn(&format!("the recorded commit links could not be read: {e}"));
            RelatedIndex::default()
        }
    };
    let unique = snap.find_id(&a.id).len() == 1;
    index.merged(
        repo,
        a.project(),
        &a.id,
        unique,
        &a.list_field("related_commits"),
    )
}
