//! `set` and `archive`: change an artifact's frontmatter in place (comments, key order
//! and body kept), or archive it under `<project>/archive/<folder>/`.

use std::process::ExitCode;

use git_intellimanage::artifact::Artifact;
use git_intellimanage::authoring::{AuthoringError, ProjectView};
use git_intellimanage::editing::{self, EditingError};
use git_intellimanage::snapshot::Snapshot;
use git_intellimanage::writeback::Edit;

use super::common::{CliError, CliResult, Context, Summary, exit, find_one, print_json};

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The artifact's ID (case-insensitive), e.g. TASK-7.
    id: String,
    /// The changes: key=value (status=done, priority=high, due_date=2026-01-31,
    /// feature_id=FEAT-2, initiative_id=INIT-1, milestone_name=…, milestone_target_date=…,
    /// related_milestone=…, estimated_effort=…, title=…, assigned_to=…), key= to remove an
    /// optional key; lists: tags+=x / tags-=x, depends_on+=ID, related_issues+=owner/repo#12,
    /// related_prs+=…, related_commits+=SHA, related_docs+=…, kpis+=….
    #[arg(value_name = "KEY=VALUE", required = true)]
    changes: Vec<String>,
    /// The project, when several use the same ID.
    #[arg(long, short)]
    project: Option<String>,
    /// Commit just this file with a generated message (with git itself).
    #[arg(long)]
    commit: bool,
    /// Print the artifact's summary as JSON (like a `list --json` item).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    /// The artifact's ID (case-insensitive), e.g. TASK-7.
    id: String,
    /// The project, when several use the same ID.
    #[arg(long, short)]
    project: Option<String>,
    /// Commit the move (as a rename) with a generated message (with git itself).
    #[arg(long)]
    commit: bool,
    /// Print the artifact's summary as JSON (like a `list --json` item).
    #[arg(long)]
    json: bool,
}

pub fn run_set(ctx: &Context, args: SetArgs) -> CliResult {
    let assignments = args
        .changes
        .iter()
        .map(|a| editing::parse_assignment(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(error)?;
    let (workdir, snap) = load(ctx)?;
    let target = find_one(&snap, &args.id, args.project.as_deref(), true)?;
    let view = project_view(&snap, target.project());
    let edit = editing::resolve(target, &assignments, &view).map_err(error)?;
    // Nothing would change: leave the file (and its updated_date) alone.
    let (old, unchanged, _, _) =
        editing::edited_text(&workdir, target, &target.path, &edit).map_err(error)?;
    if unchanged == old {
        eprintln!("{}: nothing to change", target.id);
        return finish(target, args.json, None);
    }
    let edit = editing::with_updated(&edit, &git_intellimanage::sync::today_utc());
    let (_, text, artifact, warnings) =
        editing::edited_text(&workdir, target, &target.path, &edit).map_err(error)?;
    editing::write_edit(&workdir, target, &text).map_err(error)?;
    for w in &warnings {
        ctx.print_problem(w);
    }
    if args.commit {
        let message = editing::commit_message(&target.id, &edit);
        commit(&workdir, &[&target.path], &message)?;
    }
    finish(&artifact, args.json, Some(&target.path))
}

pub fn run_archive(ctx: &Context, args: ArchiveArgs) -> CliResult {
    let (workdir, snap) = load(ctx)?;
    let target = find_one(&snap, &args.id, args.project.as_deref(), true)?;
    let new_path = editing::archive_path(target).map_err(error)?;
    let edit = editing::with_updated(
        &Edit::new().set("status", "🧊 Archived"),
        &git_intellimanage::sync::today_utc(),
    );
    let (_, text, artifact, warnings) =
        editing::edited_text(&workdir, target, &new_path, &edit).map_err(error)?;
    editing::archive_file(&workdir, target, &new_path, &text).map_err(error)?;
    for w in &warnings {
        ctx.print_problem(w);
    }
    if args.commit {
        let message = format!("Archive {}", target.id);
        commit(&workdir, &[&target.path, &new_path], &message)?;
    }
    finish(&artifact, args.json, Some(&new_path))
}

fn load(ctx: &Context) -> Result<(std::path::PathBuf, Snapshot), CliError> {
    let repo = ctx.repo()?;
    let Some(workdir) = repo.workdir().map(|p| p.to_path_buf()) else {
        return Err(CliError::new(
            exit::REPO,
            "this repository has no working tree to edit an artifact in",
        )
        .hint("run this in a clone with a working tree"));
    };
    let snap = Snapshot::at_worktree(&repo)?;
    Ok((workdir, snap))
}

fn finish(artifact: &Artifact, json: bool, path: Option<&str>) -> CliResult {
    if json {
        print_json(&Summary::of(artifact))?;
    } else if let Some(p) = path {
        println!("{p}");
    }
    Ok(ExitCode::SUCCESS)
}

fn commit(workdir: &std::path::Path, paths: &[&str], message: &str) -> Result<(), CliError> {
    git_intellimanage::repo::commit_paths(workdir, paths, message)
        .map(|_| ())
        .map_err(|e| {
            CliError::new(
                exit::REPO,
                format!("the file was written but not committed: {e}"),
            )
            .hint("commit it yourself with `git commit`")
        })
}

/// The project's artifacts (archived ones too) and custom statuses.
fn project_view<'a>(snap: &'a Snapshot, slug: &str) -> ProjectView<'a> {
    let cfg = snap.configs.get(slug);
    ProjectView {
        slug: slug.to_string(),
        project_name: cfg
            .map(|c| c.project_name.clone())
            .unwrap_or_else(|| slug.to_string()),
        custom_statuses: cfg.map(|c| c.custom_statuses.clone()).unwrap_or_default(),
        artifacts: snap
            .artifacts
            .iter()
            .filter(|a| a.project() == slug)
            .collect(),
        ..Default::default()
    }
}

fn error(e: EditingError) -> CliError {
    let code = match &e {
        _ if e.is_unknown_id() => exit::REPO,
        EditingError::Authoring(
            AuthoringError::Exists { .. } | AuthoringError::Io { .. } | AuthoringError::Invalid(_),
        ) => exit::REPO,
        _ => exit::USAGE,
    };
    let hint = e.hint();
    let err = CliError::new(code, e.to_string());
    match hint {
        Some(h) => err.hint(h),
        None => err,
    }
}
