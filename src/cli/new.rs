//! `new`: create an artifact file with the next free ID of its project, checked before it
//! is written.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::process::ExitCode;

use git_intellimanage::artifact::{Artifact, Location};
use git_intellimanage::authoring::{self, AuthoringError, ProjectView, Request};
use git_intellimanage::snapshot::Snapshot;

use super::common::{CliError, CliResult, Context, Summary, exit, print_json};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The type, by word: epic, feature, task, story, bug, spike, chore, docs, test, initiative.
    #[arg(value_name = "TYPE")]
    kind: String,
    /// The title (one line).
    title: String,
    /// The project (slug, the directory under .ruru/projects); default: the only one.
    #[arg(long, short, value_name = "SLUG")]
    project: Option<String>,
    /// The parent Epic (`epic_id`), for Features and work items; it must exist.
    #[arg(long, value_name = "ID")]
    epic: Option<String>,
    /// The parent Feature (`feature_id`), for work items; it must exist.
    #[arg(long, value_name = "ID")]
    feature: Option<String>,
    /// The priority, by word: highest, high, medium, low, lowest.
    #[arg(long)]
    priority: Option<String>,
    /// The status, by word (e.g. done, "in progress"); default: 🟡 To Do.
    #[arg(long, short)]
    status: Option<String>,
    /// A tag (repeatable).
    #[arg(long)]
    tag: Vec<String>,
    /// Who does it (`assigned_to`; `owner` for Epics, Features and Initiatives).
    #[arg(long, value_name = "WHO")]
    assign: Option<String>,
    /// An artifact it depends on (repeatable; the ID must exist).
    #[arg(long = "depends-on", value_name = "ID")]
    depends_on: Vec<String>,
    /// Due date, YYYY-MM-DD (`due_date`; `target_date` for Epics, Features, Initiatives).
    #[arg(long, value_name = "DATE")]
    due: Option<String>,
    /// The Markdown body; `-` reads it from stdin (default: a heading with the title).
    #[arg(long, value_name = "TEXT")]
    body: Option<String>,
    /// Print the new artifact's summary as JSON (like a `list --json` item).
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let kind = authoring::parse_kind(&args.kind).map_err(error)?;
    let repo = ctx.repo()?;
    let Some(workdir) = repo.workdir().map(|p| p.to_path_buf()) else {
        return Err(CliError::new(
            exit::REPO,
            "this repository has no working tree to write an artifact in",
        )
        .hint("run this in a clone with a working tree"));
    };
    // Read before taking the lock: stdin may take its time.
    let body = match args.body.as_deref() {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                CliError::new(exit::USAGE, format!("cannot read the body from stdin: {e}"))
                    .hint("pipe UTF-8 text in, e.g. `cat notes.md | git intellimanage new task \"…\" --body -`")
            })?;
            Some(text)
        }
        other => other.map(str::to_string),
    };
    // From reading the IDs to renaming the file into place, no other `new` of this
    // repository runs.
    let lock = authoring::lock_new(repo.common_dir(), authoring::NEW_LOCK_WAIT).map_err(error)?;
    let snap = Snapshot::at_worktree(&repo)?;
    let slug = choose_project(&snap, args.project.as_deref())?;
    let request = Request {
        title: args.title,
        epic: args.epic,
        feature: args.feature,
        priority: args.priority,
        status: args.status,
        tags: args.tag,
        assign: args.assign,
        depends_on: args.depends_on,
        due: args.due,
        body,
    };
    let mut view = project_view(&snap, &slug);
    let today = git_intellimanage::sync::today_utc();
    let (draft, _) =
        authoring::create(&workdir, kind, &request, &mut view, &today).map_err(error)?;
    drop(lock);
    let (artifact, warnings) = authoring::check(&draft.path, &draft.text).map_err(error)?;
    for w in &warnings {
        ctx.print_problem(w);
    }
    if args.json {
        print_json(&Summary::of(&artifact))?;
    } else {
        println!("{}", draft.path);
    }
    Ok(ExitCode::SUCCESS)
}

/// The project named, or the only one.
fn choose_project(snap: &Snapshot, given: Option<&str>) -> Result<String, CliError> {
    let projects = snap.projects();
    let listed = || projects.join(", ");
    match given {
        Some(p) if projects.iter().any(|x| x == p) => Ok(p.to_string()),
        Some(p) if projects.is_empty() => Err(CliError::new(
            exit::USAGE,
            format!("no project `{p}`: this repository has no plan yet"),
        )
        .hint(format!(
            "set it up with `git intellimanage init --project {p}`"
        ))),
        Some(p) => Err(CliError::new(exit::USAGE, format!("no project `{p}`"))
            .hint(format!("projects here: {}", listed()))),
        None => match projects.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(CliError::new(
                exit::USAGE,
                format!("no project in {}", git_intellimanage::PLAN_ROOT),
            )
            .hint("set one up with `git intellimanage init`")),
            _ => Err(
                CliError::new(exit::USAGE, format!("several projects here: {}", listed()))
                    .hint("choose one with --project SLUG"),
            ),
        },
    }
}

/// What the plan says about project `slug`: its artifacts (archived ones too), the IDs of
/// files that could not be read, its config's values.
fn project_view<'a>(snap: &'a Snapshot, slug: &str) -> ProjectView<'a> {
    let artifacts: Vec<&Artifact> = snap
        .artifacts
        .iter()
        .filter(|a| a.project() == slug)
        .collect();
    let in_project = |path: &str| {
        let rel = path
            .strip_prefix(git_intellimanage::PLAN_ROOT)
            .map(|r| r.trim_start_matches('/'))
            .unwrap_or(path);
        Location::of(rel).is_some_and(|l| l.project == slug)
    };
    let mut taken: BTreeSet<String> = snap
        .unparsed_ids
        .iter()
        .filter(|(path, _)| in_project(path))
        .map(|(_, id)| id.clone())
        .collect();
    // A file name's ID prefix is taken too, whatever the file says.
    for path in snap.listing.keys().filter(|p| in_project(p)) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let stem = name.strip_suffix(".md").unwrap_or(name);
        let id = stem.split('_').next().unwrap_or(stem);
        if !id.is_empty() {
            taken.insert(id.to_string());
        }
    }
    let cfg = snap.configs.get(slug);
    ProjectView {
        slug: slug.to_string(),
        project_name: cfg
            .map(|c| c.project_name.clone())
            .unwrap_or_else(|| slug.to_string()),
        custom_statuses: cfg.map(|c| c.custom_statuses.clone()).unwrap_or_default(),
        default_priority: cfg.and_then(|c| c.default_priority.clone()),
        default_assignee: cfg.and_then(|c| c.default_assignee.clone()),
        artifacts,
        taken,
    }
}

fn error(e: AuthoringError) -> CliError {
    let code = match &e {
        AuthoringError::UnknownId { .. } | AuthoringError::WrongKind { .. } => exit::REPO,
        AuthoringError::Exists { .. } | AuthoringError::Io { .. } => exit::REPO,
        AuthoringError::Busy { .. } => exit::LOCKED,
        AuthoringError::Invalid(_) => exit::REPO,
        _ => exit::USAGE,
    };
    let hint = e.hint();
    let err = CliError::new(code, e.to_string());
    match hint {
        Some(h) => err.hint(h),
        None => err,
    }
}
