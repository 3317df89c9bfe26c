//! `diff`: what changed in the plan since the last sync (or since `--base REV`), offline.

use std::process::ExitCode;

use git_intellimanage::artifact::Problem;
use git_intellimanage::diff::{ArtifactChange, ChangeKind, PlanDiff, display_value};
use git_intellimanage::output::Painter;

use super::common::{CliResult, Context, exit, print_json};
use super::status::{Compared, PendingArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    sides: PendingArgs,
    /// One line per artifact: what changed, no field values or body diff.
    #[arg(long)]
    stat: bool,
    /// Print JSON: `{ "base": …, "target": …, "artifacts": [...], "configs": [...],
    /// "problems": [...] }`.
    #[arg(long, conflicts_with = "stat")]
    json: bool,
    /// Exit with 1 when there are changes (like `git diff --exit-code`).
    #[arg(long)]
    exit_code: bool,
    /// Show what GitHub has that the plan doesn't, as fetched by `sync --fetch-only` (offline).
    #[arg(long, conflicts_with_all = ["stat", "exit_code"])]
    incoming: bool,
    /// Only these artifact IDs (case-insensitive).
    #[arg(value_name = "ID")]
    ids: Vec<String>,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    if args.incoming {
        return incoming(ctx, &repo, &args);
    }
    let Compared {
        base,
        target,
        mut diff,
        synced_before,
    } = args.sides.compare(&repo)?;
    if !args.ids.is_empty() {
        diff.artifacts
            .retain(|c| args.ids.iter().any(|id| id.eq_ignore_ascii_case(&c.id)));
        diff.configs.clear();
    }
    ctx.warn_problems(&diff.problems);
    if args.json {
        print_json(&serde_json::json!({
            "base": base,
            "target": target,
            "synced_before": synced_before,
            "artifacts": diff.artifacts.iter().map(change_json).collect::<Vec<_>>(),
            "configs": diff.configs,
            "problems": diff.problems,
            "summary": summary_json(&diff),
        }))?;
    } else {
        let p = ctx.out();
        if !synced_before && args.sides.base.is_none() {
            println!(
                "{}",
                p.dim("no sync recorded yet: every artifact counts as added")
            );
        }
        let mut out = String::new();
        for c in &diff.artifacts {
            render(&mut out, &p, c, args.stat);
        }
        for f in &diff.configs {
            out.push_str(&format!("{:<9} {}\n", f.change.as_str(), f.path));
        }
        print!("{out}");
        println!("{}", summary_line(&diff, &base, &target));
    }
    Ok(if args.exit_code && !diff.is_empty() {
        ExitCode::from(exit::FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

fn colored_kind(p: &Painter, kind: ChangeKind) -> String {
    let mut label = format!("{:<9}", kind.as_str());
    if label.len() == kind.as_str().len() {
        label.push(' ');
    }
    match kind {
        ChangeKind::Added => p.green(&label),
        ChangeKind::Removed => p.red(&label),
        ChangeKind::Modified => p.yellow(&label),
        ChangeKind::Renamed => p.cyan(&label),
        ChangeKind::Unreadable => p.red(&p.bold(&label)),
    }
}

/// `path:line: message`, the way editors jump to it.
fn problem_line(problem: &Problem) -> String {
    match problem.line {
        Some(line) => format!("{}:{line}: {}", problem.path, problem.message),
        None => format!("{}: {}", problem.path, problem.message),
    }
}

fn render(out: &mut String, p: &Painter, c: &ArtifactChange, stat: bool) {
    let head = format!("{}{} {}", colored_kind(p, c.change), p.bold(&c.id), c.title);
    if let Some(problem) = &c.problem {
        out.push_str(&format!("{head}\n"));
        out.push_str(&format!("    {}\n", p.red(&problem_line(problem))));
        if !stat {
            if let Some(hint) = &problem.hint {
                out.push_str(&format!("    {} {hint}\n", p.dim("hint:")));
            }
            out.push_str(&format!(
                "    {}\n",
                p.dim(
                    "kept, not removed: its GitHub item is left as it is until the file is fixed"
                )
            ));
        }
        return;
    }
    if stat {
        let mut what: Vec<String> = c.fields.iter().map(|f| f.key.clone()).collect();
        if let Some(b) = &c.body {
            what.push(format!("body (+{} -{})", b.insertions, b.deletions));
        }
        if c.change == ChangeKind::Renamed && what.is_empty() {
            what.push("moved".to_string());
        }
        if what.is_empty() {
            out.push_str(&format!("{head}\n"));
        } else {
            out.push_str(&format!("{head}  {}\n", p.dim(&what.join(", "))));
        }
        return;
    }
    out.push_str(&format!("{head}\n"));
    match c.change {
        ChangeKind::Renamed => out.push_str(&format!(
            "    {} {} → {}\n",
            p.dim("file:"),
            c.old_path.as_deref().unwrap_or_default(),
            c.new_path.as_deref().unwrap_or_default()
        )),
        _ => out.push_str(&format!("    {}\n", p.dim(c.path()))),
    }
    for f in &c.fields {
        match (&f.old, &f.new) {
            (Some(o), Some(n)) => out.push_str(&format!(
                "    {}: {} → {}\n",
                f.key,
                p.red(&display_value(o)),
                p.green(&display_value(n))
            )),
            (None, Some(n)) => out.push_str(&format!(
                "    {}: {}\n",
                f.key,
                p.green(&format!("+ {}", display_value(n)))
            )),
            (Some(o), None) => out.push_str(&format!(
                "    {}: {}\n",
                f.key,
                p.red(&format!("- {} (removed)", display_value(o)))
            )),
            (None, None) => {}
        }
    }
    if let Some(b) = &c.body {
        out.push_str(&format!("    body: +{} -{}\n", b.insertions, b.deletions));
        for line in b.unified.lines() {
            let painted = if line.starts_with("+++") || line.starts_with("---") {
                p.bold(line)
            } else if line.starts_with('+') {
                p.green(line)
            } else if line.starts_with('-') {
                p.red(line)
            } else if line.starts_with("@@") {
                p.cyan(line)
            } else {
                line.to_string()
            };
            out.push_str(&format!("    {painted}\n"));
        }
    }
}

fn change_json(c: &ArtifactChange) -> serde_json::Value {
    use super::common::toml_to_json;
    serde_json::json!({
        "change": c.change,
        "project": c.project,
        "id": c.id,
        "title": c.title,
        "type": c.type_name,
        "status": c.status,
        "old_path": c.old_path,
        "new_path": c.new_path,
        "fields": c.fields.iter().map(|f| serde_json::json!({
            "key": f.key,
            "old": f.old.as_ref().map(toml_to_json),
            "new": f.new.as_ref().map(toml_to_json),
        })).collect::<Vec<_>>(),
        "body": c.body,
        "problem": c.problem,
    })
}

pub fn summary_json(diff: &PlanDiff) -> serde_json::Value {
    serde_json::json!({
        "added": diff.count(ChangeKind::Added),
        "modified": diff.count(ChangeKind::Modified),
        "removed": diff.count(ChangeKind::Removed),
        "renamed": diff.count(ChangeKind::Renamed),
        "unreadable": diff.count(ChangeKind::Unreadable),
        "configs": diff.configs.len(),
    })
}

fn summary_line(diff: &PlanDiff, base: &str, target: &str) -> String {
    if diff.is_empty() {
        return format!("no changes between {base} and {target}");
    }
    let unreadable = match diff.count(ChangeKind::Unreadable) {
        0 => String::new(),
        n => format!(", {n} unreadable"),
    };
    format!(
        "{} added, {} modified, {} removed, {} renamed{unreadable} between {base} and {target}",
        diff.count(ChangeKind::Added),
        diff.count(ChangeKind::Modified),
        diff.count(ChangeKind::Removed),
        diff.count(ChangeKind::Renamed),
    )
}

/// `diff --incoming`: the record's copy of what GitHub changed, no network needed.
fn incoming(ctx: &Context, repo: &git_intellimanage::repo::Repo, args: &Args) -> CliResult {
    use git_intellimanage::sync::incoming::{INCOMING_DOC, Incoming};
    let record = git_intellimanage::share::team_record(repo)?;
    let mut doc: Incoming = record.json(INCOMING_DOC)?;
    if !args.ids.is_empty() {
        doc.items.retain(|i| {
            let id = i.key.rsplit('/').next().unwrap_or_default();
            args.ids.iter().any(|x| x.eq_ignore_ascii_case(id))
        });
    }
    if args.json {
        print_json(&doc)?;
        return Ok(ExitCode::SUCCESS);
    }
    let p = ctx.out();
    let Some(at) = &doc.fetched_at else {
        println!("nothing fetched yet: run `git intellimanage sync --fetch-only`");
        return Ok(ExitCode::SUCCESS);
    };
    for item in &doc.items {
        let id = item.key.rsplit('/').next().unwrap_or_default();
        println!(
            "{}{} {}  {}",
            colored_kind(&p, ChangeKind::Modified),
            p.bold(id),
            item.title,
            p.dim(&format!("(#{})", item.number))
        );
        for c in &item.changes {
            if c.field == "body" || c.field == "description" {
                let d = git_intellimanage::diff::body_diff(
                    &c.old,
                    &c.new,
                    "last sync",
                    &doc.trackers_named(),
                );
                if let Some(d) = d {
                    println!("    {}: +{} -{}", c.field, d.insertions, d.deletions);
                    for line in d.unified.lines() {
                        println!("    {line}");
                    }
                }
            } else {
                println!("    {}: {} → {}", c.field, p.red(&c.old), p.green(&c.new));
            }
        }
    }
    for u in &doc.unlinked {
        println!(
            "{}#{} {}  {}",
            colored_kind(&p, ChangeKind::Added),
            u.number,
            u.title,
            p.dim("(no artifact)")
        );
    }
    println!(
        "{} changed on {}, {} without an artifact (fetched {at})",
        doc.items.len(),
        doc.trackers_named(),
        super::common::count(doc.unlinked.len(), "issue")
    );
    Ok(ExitCode::SUCCESS)
}
