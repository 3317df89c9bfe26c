//! `release-notes TARGET…`: the finished work of Epics, Features or milestones by type, each
//! item with its linked issue and commits, the open work apart; `--format md` for Markdown,
//! `--json`; `--github-release TAG` publishes the notes as the tag's release (created, or
//! updated when it differs: a second run writes nothing).

use std::collections::BTreeMap;
use std::process::ExitCode;

use git_intellimanage::artifact::Folder;
use git_intellimanage::auth;
use git_intellimanage::commits::RelatedIndex;
use git_intellimanage::config::ProjectConfig;
use git_intellimanage::connect::{self, Tuning};
use git_intellimanage::output::Painter;
use git_intellimanage::plan::fields::Target as LinkTarget;
use git_intellimanage::plan::links::{LINKS_DOC, Links};
use git_intellimanage::release_notes::{
    self, CommitRef, Input, IssueRef, Item, Key, Notes, OPEN_TITLE, Since,
};
use git_intellimanage::repo::Repo;
use git_intellimanage::snapshot::{Origin, Snapshot};
use git_intellimanage::tracker::{
    self, ErrorKind, Platform, ReleaseOutcome, ReleaseRequest, ReleaseSpec,
};

use super::common::{CliError, CliResult, Context, SourceArgs, exit, print_json};
use super::errors::auth_error;
use super::progress::custom_statuses;

/// How the notes are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For the terminal.
    #[default]
    Text,
    /// Markdown: a `##` section per group, `- Title (TASK-12, #34) — abc1234`.
    Md,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Epic or Feature IDs, or milestone titles (quoted).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    #[command(flatten)]
    source: SourceArgs,
    /// Only work finished after this revision (work not finished in the plan there).
    #[arg(long, value_name = "REV")]
    since: Option<String>,
    /// How to print the notes: text (default) or md.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Print JSON: `{ targets, scope, since, finished: [{ group, title, items }], open,
    /// totals, release }` (see the README).
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Create the release of this tag with the notes (in Markdown) on the project's tracker
    /// (GitHub or GitLab), or update it when it differs; a second run changes nothing.
    #[arg(long, value_name = "TAG")]
    github_release: Option<String>,
    /// Make the release a draft (GitHub only).
    #[arg(long, requires = "github_release")]
    draft: bool,
    /// The release's name (default: the tag).
    #[arg(long, value_name = "NAME", requires = "github_release")]
    release_name: Option<String>,
    /// Show the requests the release would take, and send nothing.
    #[arg(long, requires = "github_release")]
    dry_run: bool,
}

/// What happened to the release, as `--json` prints it.
#[derive(Debug, serde::Serialize)]
struct ReleaseReport {
    platform: Platform,
    /// `owner/name`, `group/project`.
    place: String,
    tag: String,
    name: String,
    draft: bool,
    dry_run: bool,
    /// `None` on a dry run.
    outcome: Option<ReleaseOutcome>,
    url: Option<String>,
    /// On a dry run: the requests it would take.
    requests: Vec<ReleaseRequest>,
    /// The notes sent (Markdown).
    body: String,
}

#[derive(serde::Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    notes: &'a Notes,
    release: Option<&'a ReleaseReport>,
}

pub fn run(ctx: &Context, args: Args) -> CliResult {
    let repo = ctx.repo()?;
    let snap = args.source.load(&repo)?;
    ctx.warn_problems(&snap.problems);
    let custom = custom_statuses(&snap);

    let before = match &args.since {
        Some(rev) => {
            let commit = repo.resolve_commit(rev)?;
            let then = Snapshot::at_rev(&repo, rev)?;
            let keys = release_notes::finished_keys(&then.artifacts, &custom_statuses(&then));
            Some((
                Since {
                    rev: rev.clone(),
                    commit: commit.to_string(),
                },
                keys,
            ))
        }
        None => None,
    };
    let issues = linked_issues(&repo)?;
    let commits = linked_commits(ctx, &repo, &snap);
    let input = Input {
        artifacts: &snap.artifacts,
        custom_statuses: &custom,
        since: before.as_ref().map(|(s, keys)| (s.clone(), keys)),
        issues: &issues,
        commits: &commits,
    };
    let notes = release_notes::notes(&input, &args.targets).map_err(CliError::from)?;

    // Where the notes are published: the targets' one project's tracker.
    let home = home_project(&snap, &notes);
    let home_target = match home {
        Some(cfg) => connect::Target::of(cfg).ok().flatten(),
        None => None,
    };
    let place = home_target.as_ref().map(|t| t.place.clone());

    let release = match &args.github_release {
        Some(tag) => Some(release(ctx, &snap, &notes, tag, &args)?),
        None => None,
    };

    if args.json {
        print_json(&JsonOut {
            notes: &notes,
            release: release.as_ref(),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    match args.format {
        Format::Md => {
            print!("{}", release_notes::markdown(&notes, place.as_deref()));
            if let Some(r) = &release {
                eprint!("{}", render_release(r, &ctx.err()));
            }
        }
        Format::Text => {
            print!(
                "{}",
                render_text(&notes, &snap.origin.describe(), &ctx.out())
            );
            if let Some(r) = &release {
                println!();
                print!("{}", render_release(r, &ctx.out()));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The issue each artifact is linked to in the sync record (the team's when ours is behind).
fn linked_issues(repo: &Repo) -> Result<BTreeMap<Key, IssueRef>, CliError> {
    let record = git_intellimanage::share::team_record(repo)?;
    let links: Links = record.json(LINKS_DOC)?;
    Ok(links
        .items
        .iter()
        .filter(|(_, l)| l.target == LinkTarget::Issue && !l.retired && l.number > 0)
        .filter_map(|(k, l)| {
            let (project, id) = k.split_once('/')?;
            Some((
                release_notes::key(project, id),
                IssueRef::new(&l.repo, l.number, l.url.clone()),
            ))
        })
        .collect())
}

/// The commits linked to each work item: those the hooks recorded that the plan's commit
/// contains, and the file's own `related_commits` that name a commit of this repository.
fn linked_commits(ctx: &Context, repo: &Repo, snap: &Snapshot) -> BTreeMap<Key, Vec<CommitRef>> {
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
    snap.artifacts
        .iter()
        .filter(|a| a.location.folder == Folder::Tasks)
        .map(|a| {
            let unique = snap.find_id(&a.id).len() == 1;
            let commits: Vec<CommitRef> = index
                .merged(
                    repo,
                    a.project(),
                    &a.id,
                    unique,
                    &a.list_field("related_commits"),
                )
                .into_iter()
                .filter_map(|c| c.summary.map(|s| CommitRef::new(&c.commit, &s)))
                .collect();
            (release_notes::key(a.project(), &a.id), commits)
        })
        .filter(|(_, c)| !c.is_empty())
        .collect()
}

/// The config of the one project the targets are in, if they are in one.
fn home_project<'s>(snap: &'s Snapshot, notes: &Notes) -> Option<&'s ProjectConfig> {
    let mut projects: Vec<&str> = notes.scope.iter().map(|s| s.project.as_str()).collect();
    projects.sort_unstable();
    projects.dedup();
    match projects.as_slice() {
        [one] => snap.configs.get(*one),
        _ => None,
    }
}

/// A tracker's failure as the user sees it.
fn tracker_error(e: tracker::Error, what: &str) -> CliError {
    let code = match e.kind {
        ErrorKind::Auth | ErrorKind::Denied => exit::AUTH,
        ErrorKind::Invalid if e.status.is_none() => exit::USAGE,
        ErrorKind::Setup => exit::CONFIG,
        _ => exit::GITHUB,
    };
    let err = CliError::new(code, format!("{what}: {}", e.message()));
    if e.hint().is_empty() {
        err
    } else {
        err.hint(e.hint())
    }
}

/// Creates or updates the release of `tag` (or, with `--dry-run`, says how it would).
fn release(
    ctx: &Context,
    snap: &Snapshot,
    notes: &Notes,
    tag: &str,
    args: &Args,
) -> Result<ReleaseReport, CliError> {
    let tag = tag.trim();
    if tag.is_empty() {
        return Err(
            CliError::new(exit::USAGE, "--github-release needs a tag name")
                .hint("e.g. --github-release v1.2.0"),
        );
    }
    let cfg = home_project(snap, notes).ok_or_else(|| {
        let projects: Vec<&str> = notes.scope.iter().map(|s| s.project.as_str()).collect();
        CliError::new(
            exit::USAGE,
            format!(
                "the targets are in several projects ({}): a release belongs to one repository",
                projects.join(", ")
            ),
        )
        .hint("name targets of one project")
    })?;
    let target = connect::Target::of(cfg)
        .map_err(|e| tracker_error(e, "cannot publish the release"))?
        .ok_or_else(|| {
            CliError::new(
                exit::CONFIG,
                format!("{}: no repository is configured to publish to", cfg.path),
            )
            .hint("set repo_owner and repo_name (GitHub) or gitlab_project (GitLab) under [github_integration]")
        })?;
    let spec = ReleaseSpec {
        tag: tag.to_string(),
        name: args
            .release_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(tag)
            .to_string(),
        notes: release_notes::markdown(notes, Some(&target.place)),
        draft: args.draft,
    };
    let token = auth::resolve_token_for_platform(
        target.platform,
        &target.base_url,
        &cfg.github.pat_env_var_name,
        false,
    )
    .map(|(secret, _)| secret)
    .map_err(|e| auth_error(e, &cfg.github.pat_env_var_name))?;
    let tuning = Tuning {
        verbosity: ctx.verbose,
        ..Tuning::default()
    };
    let tracker = connect::open(&target, cfg, token, &tuning)
        .map_err(|e| tracker_error(e, "cannot reach the tracker"))?;
    let what = format!("release {tag} on {}", target.place);
    let mut report = ReleaseReport {
        platform: target.platform,
        place: target.place.clone(),
        tag: spec.tag.clone(),
        name: spec.name.clone(),
        draft: spec.draft,
        dry_run: args.dry_run,
        outcome: None,
        url: None,
        requests: Vec::new(),
        body: spec.notes.clone(),
    };
    if args.dry_run {
        report.requests = tracker
            .describe_release(&spec)
            .map_err(|e| tracker_error(e, &what))?;
    } else {
        let done = tracker
            .upsert_release(&spec)
            .map_err(|e| tracker_error(e, &what))?;
        report.outcome = Some(done.outcome);
        report.url = done.url;
    }
    Ok(report)
}

/// The release's outcome (or, on a dry run, its requests and body) as text.
fn render_release(r: &ReleaseReport, p: &Painter) -> String {
    let mut out = String::new();
    let draft = if r.draft { " (draft)" } else { "" };
    match r.outcome {
        None => {
            out.push_str(&p.bold(&format!(
                "release {}{draft} on {} ({}): nothing sent (--dry-run); it would take:",
                r.tag, r.place, r.platform
            )));
            out.push('\n');
            let width = r
                .requests
                .iter()
                .map(|q| request_line(q).chars().count())
                .max()
                .unwrap_or(0);
            for q in &r.requests {
                let line = request_line(q);
                let pad = width - line.chars().count();
                let fields = if q.fields.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", q.fields.join(", "))
                };
                out.push_str(&format!(
                    "  {line}{}  {}{fields}\n",
                    " ".repeat(pad),
                    p.dim(q.when)
                ));
            }
            out.push_str(&format!("name: {}\nbody:\n", r.name));
            for line in r.body.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        Some(outcome) => {
            let word = match outcome {
                ReleaseOutcome::Created => p.green("created"),
                ReleaseOutcome::Updated => p.yellow("updated"),
                ReleaseOutcome::Unchanged => p.dim("unchanged"),
            };
            out.push_str(&format!(
                "release {}{draft} on {} ({}): {word}{}\n",
                r.tag,
                r.place,
                r.platform,
                r.url
                    .as_deref()
                    .map(|u| format!("  {u}"))
                    .unwrap_or_default()
            ));
        }
    }
    out
}

fn request_line(q: &ReleaseRequest) -> String {
    format!("{:<6} {}", q.verb.map_or("GET", |v| v.as_str()), q.path)
}

/// One item on the terminal: ID, title, issue, then its commits below.
fn item_lines(out: &mut String, item: &Item, id_w: usize, status: bool, p: &Painter) {
    let mut line = format!(
        "  {}  {}",
        p.bold(&format!("{:<id_w$}", item.id)),
        item.title
    );
    if let Some(issue) = &item.issue {
        line.push_str(&format!("  {}", p.cyan(&issue.reference)));
    }
    if status {
        line.push_str(&format!(
            "  {}",
            p.dim(git_intellimanage::artifact::vocab::display_word(
                &item.status
            ))
        ));
    }
    out.push_str(&line);
    out.push('\n');
    for c in &item.commits {
        out.push_str(&format!(
            "  {}  {} {}\n",
            " ".repeat(id_w),
            p.yellow(&c.short),
            c.summary
        ));
    }
}

/// The notes on the terminal.
pub fn render_text(notes: &Notes, origin: &str, p: &Painter) -> String {
    let mut out = String::new();
    let scope: Vec<String> = notes
        .scope
        .iter()
        .map(|s| format!("{} {}", s.id, s.title))
        .collect();
    let since = notes
        .since
        .as_ref()
        .map(|s| {
            let short: String = s.commit.chars().take(7).collect();
            format!("; finished since {} ({short})", s.rev)
        })
        .unwrap_or_default();
    out.push_str(&p.bold(&format!(
        "Release notes of {} (plan at {origin}{since})",
        scope.join(", ")
    )));
    out.push_str("\n\n");
    let id_w = notes
        .finished
        .iter()
        .flat_map(|g| g.items.iter())
        .chain(notes.open.iter())
        .map(|i| i.id.chars().count())
        .max()
        .unwrap_or(0);
    if notes.finished.is_empty() {
        out.push_str(&p.dim("no finished work"));
        out.push_str("\n\n");
    }
    for g in &notes.finished {
        out.push_str(&p.green(g.title));
        out.push('\n');
        for item in &g.items {
            item_lines(&mut out, item, id_w, false, p);
        }
        out.push('\n');
    }
    if !notes.open.is_empty() {
        out.push_str(&p.yellow(OPEN_TITLE));
        out.push('\n');
        for item in &notes.open {
            item_lines(&mut out, item, id_w, true, p);
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{} finished, {} still open\n",
        notes.totals.finished, notes.totals.open
    ));
    out
}
