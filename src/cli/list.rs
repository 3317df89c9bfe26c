//! `list`: the plan's artifacts, filtered, as a table or JSON.

use std::process::ExitCode;

use git_intellimanage::artifact::{Artifact, vocab};

use git_intellimanage::snapshot::Detail;

use super::common::{CliResult, Context, SourceArgs, Summary, print_json};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: SourceArgs,
    /// Only this project (slug, the directory under .ruru/projects).
    #[arg(long, short)]
    project: Option<String>,
    /// Only this type (by word, e.g. `task`, `bug`, `epic`; repeatable).
    #[arg(long = "type", short = 't', value_name = "TYPE")]
    types: Vec<String>,
    /// Only this status (by word, e.g. `done`, `"in progress"`; repeatable).
    #[arg(long, short)]
    status: Vec<String>,
    /// Only artifacts carrying this tag (repeatable: all must be present).
    #[arg(long)]
    tag: Vec<String>,
    /// Only children of this Epic/Feature/Initiative (by `epic_id`, `feature_id`, `initiative_id`).
    #[arg(long, value_name = "ID")]
    parent: Option<String>,
    /// Include archived artifacts (under archive/).
    #[arg(long)]
    archived: bool,
    /// Print JSON (an array of artifacts).
    #[arg(long)]
    json: bool,
}

fn matches(a: &Artifact, args: &Args) -> bool {
    if !args.archived && a.location.archived {
        return false;
    }
    if args.project.as_deref().is_some_and(|p| a.project() != p) {
        return false;
    }
    if !args.types.is_empty() && !args.types.iter().any(|t| vocab::same_word(t, &a.type_name)) {
        return false;
    }
    if !args.status.is_empty() && !args.status.iter().any(|s| vocab::same_word(s, &a.status)) {
        return false;
    }
    let tags = a.tags();
    if !args
        .tag
        .iter()
        .all(|t| tags.iter().any(|x| x.eq_ignore_ascii_case(t)))
    {
        return false;
    }
    if let Some(parent) = &args.parent {
        let named = ["epic_id", "feature_id", "initiative_id"].iter().any(|k| {
            a.str_field(k)
                .is_some_and(|v| v.eq_ignore_ascii_case(parent))
        });
        if !named {
            return false;
        }
    }
    true
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    let snap = args.source.load_with(&repo, Detail::Summary)?;
    ctx.warn_problems(&snap.problems);
    let selected: Vec<&Artifact> = snap
        .artifacts
        .iter()
        .filter(|a| matches(a, &args))
        .collect();
    if args.json {
        let items: Vec<Summary<'_>> = selected.iter().map(|a| Summary::of(a)).collect();
        print_json(&items)?;
        return Ok(ExitCode::SUCCESS);
    }
    let p = ctx.out();
    let many_projects = selected
        .iter()
        .any(|a| a.project() != selected[0].project());
    let id_w = selected
        .iter()
        .map(|a| a.id.chars().count())
        .max()
        .unwrap_or(2);
    let kind_of = |a: &Artifact| {
        a.kind
            .map(|k| k.word().to_string())
            .unwrap_or_else(|| a.type_name.clone())
    };
    let type_w = selected
        .iter()
        .map(|a| kind_of(a).chars().count())
        .max()
        .unwrap_or(4);
    let status_of = |a: &Artifact| vocab::display_word(&a.status).to_string();
    let status_w = selected
        .iter()
        .map(|a| status_of(a).chars().count())
        .max()
        .unwrap_or(6);
    let mut out = String::new();
    for a in &selected {
        let project = if many_projects {
            format!("{}/", a.project())
        } else {
            String::new()
        };
        let id = format!("{project}{:<id_w$}", a.id);
        out.push_str(&format!(
            "{}  {:<type_w$}  {}  {}\n",
            p.bold(&id),
            kind_of(a),
            p.cyan(&format!("{:<status_w$}", status_of(a))),
            a.title
        ));
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
