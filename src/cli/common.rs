//! What the subcommands share: the context (repository, output style), plan loading from a
//! chosen source, taking the sync lock, and JSON helpers.

use std::io::Write;
use std::path::{Path, PathBuf};

use git_intellimanage::artifact::{Artifact, Problem};
use git_intellimanage::output::{ColorChoice, Painter};

pub use super::errors::{CliError, CliResult, exit};
use git_intellimanage::repo::Repo;
use git_intellimanage::snapshot::{Detail, Snapshot};

/// Takes the repository's sync lock for `command`, waiting up to `wait` and saying once on
/// stderr who holds it; notes a previous owner that was interrupted.
pub fn take_lock(
    ctx: &Context,
    repo: &Repo,
    command: &str,
    wait: std::time::Duration,
) -> Result<git_intellimanage::lock::SyncLock, CliError> {
    let lock = git_intellimanage::lock::acquire(repo.common_dir(), command, wait, |holder| {
        let who = match holder {
            Some(h) => h.to_string(),
            None => "a run that is just starting".to_string(),
        };
        eprintln!(
            "{} waiting for another run to finish ({who}); up to {} s",
            ctx.err().dim("intellimanage:"),
            wait.as_secs()
        );
    })?;
    if let Some(h) = &lock.interrupted {
        eprintln!(
            "{} the previous run ({h}) ended without finishing; this run picks up where it stopped",
            ctx.err().dim("intellimanage:")
        );
    }
    Ok(lock)
}

/// Global state for one invocation.
pub struct Context {
    pub color: ColorChoice,
    pub verbose: u8,
    pub cwd: PathBuf,
}

impl Context {
    pub fn new(color: ColorChoice, verbose: u8, dir: Option<&Path>) -> Result<Context, CliError> {
        let base = std::env::current_dir().map_err(|e| {
            CliError::new(
                exit::REPO,
                format!("cannot read the current directory: {e}"),
            )
        })?;
        let cwd = match dir {
            Some(d) => base.join(d),
            None => base,
        };
        Ok(Context {
            color,
            verbose,
            cwd,
        })
    }

    pub fn repo(&self) -> Result<Repo, CliError> {
        Ok(Repo::discover(&self.cwd)?)
    }

    pub fn out(&self) -> Painter {
        Painter::for_stdout(self.color)
    }

    pub fn err(&self) -> Painter {
        Painter::for_stderr(self.color)
    }

    /// Prints a warning line to stderr.
    pub fn warn(&self, message: &str) {
        let p = self.err();
        eprintln!("{} {message}", p.yellow("warning:"));
    }

    /// Prints a problem to stderr as `path:line: error: message` (its own severity, no
    /// second one), then its hint.
    pub fn print_problem(&self, problem: &Problem) {
        eprintln!("{}", painted_problem(problem, &self.err()));
    }

    /// Warns about a plan's problems without stopping (commands other than `validate`).
    pub fn warn_problems(&self, problems: &[Problem]) {
        const SHOWN: usize = 5;
        let errors: Vec<&Problem> = problems.iter().filter(|p| p.is_error()).collect();
        if errors.is_empty() {
            return;
        }
        for p in errors.iter().take(SHOWN) {
            self.print_problem(p);
        }
        if errors.len() > SHOWN {
            self.warn(&format!(
                "… and {} more",
                count(errors.len() - SHOWN, "problem")
            ));
        }
        self.warn("the files above were skipped or read in part; `git intellimanage validate` lists every problem");
    }
}

/// A problem as printed (`path:line: error: message`, then `  hint: …` lines), its
/// severity colored.
pub fn painted_problem(problem: &Problem, p: &Painter) -> String {
    let text = problem.to_string();
    let (marker, painted) = if problem.is_error() {
        (": error:", p.red("error:"))
    } else {
        (": warning:", p.yellow("warning:"))
    };
    text.replacen(marker, &format!(": {painted}"), 1)
}

/// "1 project", "2 projects", "0 warnings": a count with its noun in the right number.
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Where to read the plan from (shared by list, show, validate).
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// Read the plan of this revision (branch, tag, commit).
    #[arg(
        long,
        value_name = "REV",
        default_value = "HEAD",
        conflicts_with = "worktree"
    )]
    pub rev: String,
    /// Read the working tree instead of a commit (uncommitted edits included).
    #[arg(long)]
    pub worktree: bool,
}

impl SourceArgs {
    pub fn load(&self, repo: &Repo) -> Result<Snapshot, CliError> {
        self.load_with(repo, Detail::Full)
    }

    pub fn load_with(&self, repo: &Repo, detail: Detail) -> Result<Snapshot, CliError> {
        if self.worktree {
            Ok(Snapshot::at_worktree_with(repo, detail)?)
        } else {
            Ok(Snapshot::at_rev_with(repo, &self.rev, detail)?)
        }
    }
}

/// Prints a JSON document on stdout.
/// Prints a JSON document on stdout, streamed (never held whole in memory).
pub fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::new(
            exit::REPO,
            format!("cannot write the JSON output: {e}"),
        )),
    }
}

/// A TOML value as JSON; dates and datetimes become strings.
pub fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or_else(|| J::String(f.to_string())),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

pub fn table_to_json(t: &toml::Table) -> serde_json::Value {
    serde_json::Value::Object(
        t.iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect(),
    )
}

/// The summary of an artifact, as `list --json` prints it (serialised without building a
/// JSON tree first).
#[derive(serde::Serialize)]
pub struct Summary<'a> {
    project: &'a str,
    id: &'a str,
    title: &'a str,
    #[serde(rename = "type")]
    type_name: &'a str,
    kind: Option<&'static str>,
    status: &'a str,
    priority: Option<&'a str>,
    parent: Option<&'a str>,
    tags: Vec<String>,
    archived: bool,
    path: &'a str,
}

impl<'a> Summary<'a> {
    pub fn of(a: &'a Artifact) -> Summary<'a> {
        Summary {
            project: a.project(),
            id: &a.id,
            title: &a.title,
            type_name: &a.type_name,
            kind: a.kind.map(|k| k.word()),
            status: &a.status,
            priority: a.str_field("priority"),
            parent: a.parent_id(),
            tags: a.tags(),
            archived: a.location.archived,
            path: &a.path,
        }
    }
}

/// The summary of an artifact as a JSON value (embedded by `show --json`).
pub fn artifact_summary(a: &Artifact) -> serde_json::Value {
    serde_json::json!({
        "project": a.project(),
        "id": a.id,
        "title": a.title,
        "type": a.type_name,
        "kind": a.kind.map(|k| k.word()),
        "status": a.status,
        "priority": a.str_field("priority"),
        "parent": a.parent_id(),
        "tags": a.tags(),
        "archived": a.location.archived,
        "path": a.path,
    })
}

/// Resolves an ID given on the command line to one artifact (case-insensitive; `--project`
/// settles IDs that several projects use). `worktree` says whether the working tree was read
/// (so that the hint does not suggest `--worktree` again).
pub fn find_one<'a>(
    snap: &'a Snapshot,
    id: &str,
    project: Option<&str>,
    worktree: bool,
) -> Result<&'a Artifact, CliError> {
    let matches: Vec<&Artifact> = snap
        .find_id(id)
        .into_iter()
        .filter(|a| project.is_none_or(|p| a.project() == p))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(not_found(snap, id, project, worktree)),
        many => {
            let projects: std::collections::BTreeSet<&str> =
                many.iter().map(|a| a.project()).collect();
            let files = many
                .iter()
                .map(|a| format!("{} (project {})", a.path, a.project()))
                .collect::<Vec<_>>()
                .join(", ");
            let err = CliError::new(
                exit::REPO,
                format!("the ID `{id}` is used by several artifacts: {files}"),
            );
            Err(if projects.len() == many.len() {
                err.hint("choose one with --project <slug>")
            } else {
                err.hint(
                    "IDs must be unique within a project: give one of those files a new, unused ID (`git intellimanage validate` lists duplicates)",
                )
            })
        }
    }
}

/// Whether `path`'s file name is `ID.md` or starts with `ID_` / `ID.` / `ID ` (how
/// IntelliManage names artifact files), ignoring case.
fn named_after(path: &str, id: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.get(..id.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(id))
        && name[id.len()..].starts_with(['_', '.', ' '])
}

/// The error for an ID no artifact has: the problem of a file that belongs to the ID but
/// could not be read, when there is one.
fn not_found(snap: &Snapshot, id: &str, project: Option<&str>, worktree: bool) -> CliError {
    let in_project = |path: &str| {
        project.is_none_or(|p| path.contains(&format!("{}/{p}/", git_intellimanage::PLAN_ROOT)))
    };
    let unreadable: Vec<&Problem> = snap
        .sorted_problems()
        .into_iter()
        .filter(|p| p.is_error() && in_project(&p.path))
        .filter(|p| {
            named_after(&p.path, id)
                || snap
                    .unparsed_ids
                    .get(&p.path)
                    .is_some_and(|declared| declared.eq_ignore_ascii_case(id))
        })
        .collect();
    if let Some(first) = unreadable.first() {
        let mut message = format!(
            "`{id}` could not be read in {}: {}{}: {}",
            snap.origin.describe(),
            first.path,
            first.line.map(|l| format!(":{l}")).unwrap_or_default(),
            first.message
        );
        for other in &unreadable[1..] {
            message.push_str(&format!("\n  also: {}", other.path));
        }
        let hint = first
            .hint
            .clone()
            .unwrap_or_else(|| "fix the file".to_string());
        return CliError::new(exit::REPO, message).hint(format!(
            "{hint}; `git intellimanage validate` lists every problem"
        ));
    }
    let mut hint = "`git intellimanage list` shows the IDs".to_string();
    if !worktree {
        hint.push_str("; add --worktree for uncommitted files");
    }
    if project.is_some() {
        hint.push_str("; drop --project to look in every project");
    }
    CliError::new(
        exit::REPO,
        format!(
            "no artifact with ID `{id}`{} in {}",
            project
                .map(|p| format!(" in project `{p}`,"))
                .unwrap_or_default(),
            snap.origin.describe()
        ),
    )
    .hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0, "warning"), "0 warnings");
        assert_eq!(count(1, "project"), "1 project");
        assert_eq!(count(2, "changed file"), "2 changed files");
    }

    #[test]
    fn a_problem_prints_its_severity_once() {
        let plain = Painter::for_stderr(ColorChoice::Never);
        let w = Problem::warning("a.md", Some(2), "odd: error: quoted").with_hint("h");
        assert_eq!(
            painted_problem(&w, &plain),
            "a.md:2: warning: odd: error: quoted\n  hint: h"
        );
        let e = Problem::error("a.md", None, "bad");
        assert_eq!(painted_problem(&e, &plain), "a.md: error: bad");
    }
}
