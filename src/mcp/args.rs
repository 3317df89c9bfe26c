//! The tools' arguments: one struct per tool, its JSON schema derived from it (the doc
//! comments are the descriptions an agent reads), and the command line it stands for.
//!
//! Every tool is the subcommand of the same name with `--json`. Options are passed as
//! `--flag=value` and positionals after `--`, so no value an agent sends (a title that starts
//! with `-`, say) can be read as an option.

use schemars::JsonSchema;
use serde::Deserialize;

use super::run::Call;

/// A command line being built: `<subcommand> --json [--flag=value…] [-- positional…]`.
pub(super) struct Line {
    args: Vec<String>,
    positionals: Vec<String>,
}

impl Line {
    pub(super) fn new(subcommand: &str) -> Line {
        Line {
            args: vec![subcommand.to_string(), "--json".to_string()],
            positionals: Vec::new(),
        }
    }

    pub(super) fn opt(mut self, flag: &str, value: &Option<String>) -> Line {
        if let Some(v) = value {
            self.args.push(format!("--{flag}={v}"));
        }
        self
    }

    pub(super) fn each(mut self, flag: &str, values: &[String]) -> Line {
        for v in values {
            self.args.push(format!("--{flag}={v}"));
        }
        self
    }

    pub(super) fn flag(mut self, flag: &str, on: bool) -> Line {
        if on {
            self.args.push(format!("--{flag}"));
        }
        self
    }

    pub(super) fn source(self, rev: &Option<String>, worktree: bool) -> Line {
        self.opt("rev", rev).flag("worktree", worktree)
    }

    pub(super) fn arg(mut self, value: &str) -> Line {
        self.positionals.push(value.to_string());
        self
    }

    pub(super) fn args(mut self, values: &[String]) -> Line {
        self.positionals.extend(values.iter().cloned());
        self
    }

    pub(super) fn call(self, tool: &'static str, directory: Option<String>) -> Call {
        let mut args = self.args;
        if !self.positionals.is_empty() {
            args.push("--".to_string());
            args.extend(self.positionals);
        }
        Call {
            tool,
            args,
            directory,
            stdin: None,
            writes: false,
        }
    }
}

impl Call {
    pub(super) fn writing(self) -> Call {
        self.writing_if(true)
    }

    pub(super) fn writing_if(mut self, writes: bool) -> Call {
        self.writes = writes;
        self
    }
}

/// `list`: artifacts, filtered.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Only this project (slug: the directory under .ruru/projects).
    pub project: Option<String>,
    /// Only these types, by word (`task`, `bug`, `epic`, …); any of them.
    #[serde(rename = "type", default)]
    pub types: Vec<String>,
    /// Only these statuses, by word (`done`, `in progress`, …); any of them.
    #[serde(default)]
    pub status: Vec<String>,
    /// Only artifacts carrying all of these tags.
    #[serde(default)]
    pub tag: Vec<String>,
    /// Only children of this Epic, Feature or Initiative ID (by `epic_id`, `feature_id`,
    /// `initiative_id`).
    pub parent: Option<String>,
    /// Include archived artifacts (under archive/).
    #[serde(default)]
    pub archived: bool,
    /// Read the plan of this revision (branch, tag, commit); default HEAD.
    pub rev: Option<String>,
    /// Read the working tree instead of a commit (uncommitted edits included).
    #[serde(default)]
    pub worktree: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl ListArgs {
    pub fn call(self) -> Call {
        Line::new("list")
            .opt("project", &self.project)
            .each("type", &self.types)
            .each("status", &self.status)
            .each("tag", &self.tag)
            .opt("parent", &self.parent)
            .flag("archived", self.archived)
            .source(&self.rev, self.worktree)
            .call("list", self.directory)
    }
}

/// `show`: one artifact.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowArgs {
    /// The artifact's ID (case-insensitive), e.g. TASK-7.
    pub id: String,
    /// The project, when several use the same ID.
    pub project: Option<String>,
    /// Read the plan of this revision (branch, tag, commit); default HEAD.
    pub rev: Option<String>,
    /// Read the working tree instead of a commit (uncommitted edits included).
    #[serde(default)]
    pub worktree: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl ShowArgs {
    pub fn call(self) -> Call {
        Line::new("show")
            .opt("project", &self.project)
            .source(&self.rev, self.worktree)
            .arg(&self.id)
            .call("show", self.directory)
    }
}

/// `validate`: every problem of every plan file.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateArgs {
    /// Treat warnings as errors.
    #[serde(default)]
    pub strict: bool,
    /// Read the plan of this revision (branch, tag, commit); default HEAD.
    pub rev: Option<String>,
    /// Read the working tree instead of a commit (uncommitted edits included).
    #[serde(default)]
    pub worktree: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl ValidateArgs {
    pub fn call(self) -> Call {
        Line::new("validate")
            .flag("strict", self.strict)
            .source(&self.rev, self.worktree)
            .call("validate", self.directory)
    }
}

/// `diff`: what changed since the last sync (or since `base`), field by field.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffArgs {
    /// Only these artifact IDs.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Compare with the plan of this revision instead of the last sync.
    pub base: Option<String>,
    /// The plan to compare: this revision; default HEAD.
    pub rev: Option<String>,
    /// Compare the working tree (uncommitted edits included) instead of a commit.
    #[serde(default)]
    pub worktree: bool,
    /// One entry per artifact: what changed, without field values or body diffs.
    #[serde(default)]
    pub stat: bool,
    /// What GitHub has that the plan doesn't, as fetched by `sync` with `fetch_only`.
    #[serde(default)]
    pub incoming: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl DiffArgs {
    pub fn call(self) -> Call {
        Line::new("diff")
            .opt("base", &self.base)
            .source(&self.rev, self.worktree)
            .flag("stat", self.stat)
            .flag("incoming", self.incoming)
            .args(&self.ids)
            .call("diff", self.directory)
    }
}

/// `status`: per project, what is pending since the last sync.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusArgs {
    /// Compare with the plan of this revision instead of the last sync.
    pub base: Option<String>,
    /// The plan to compare: this revision; default HEAD.
    pub rev: Option<String>,
    /// Compare the working tree (uncommitted edits included) instead of a commit.
    #[serde(default)]
    pub worktree: bool,
    /// Instead: each artifact's link (tracker, number, URL, `synced` / `pending` /
    /// `failed` / `manual`, when it last synced, the last error), under `links`.
    #[serde(default)]
    pub links: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl StatusArgs {
    pub fn call(self) -> Call {
        let line = Line::new("status");
        // The links come from the sync record alone.
        let line = match self.links {
            true => line.flag("links", true),
            false => line
                .opt("base", &self.base)
                .source(&self.rev, self.worktree),
        };
        line.call("status", self.directory)
    }
}

/// `waves`: the work under a target in dependency waves.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WavesArgs {
    /// An Epic or Feature ID, a milestone title, or issue numbers (`12`, `#13`); none:
    /// every project's open work.
    #[serde(default)]
    pub target: Vec<String>,
    /// Only this wave (1: what can start now).
    pub wave: Option<u32>,
    /// Read the plan of this revision (branch, tag, commit); default HEAD.
    pub rev: Option<String>,
    /// Read the working tree instead of a commit (uncommitted edits included).
    #[serde(default)]
    pub worktree: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl WavesArgs {
    pub fn call(self) -> Call {
        Line::new("waves")
            .opt("wave", &self.wave.map(|n| n.to_string()))
            .source(&self.rev, self.worktree)
            .args(&self.target)
            .call("waves", self.directory)
    }
}

/// `ready`: the items that can start now, highest priority first.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadyArgs {
    /// As for `waves`: an Epic or Feature ID, a milestone title, or issue numbers; none:
    /// every project's open work.
    #[serde(default)]
    pub target: Vec<String>,
    /// Read the plan of this revision (branch, tag, commit); default HEAD.
    pub rev: Option<String>,
    /// Read the working tree instead of a commit (uncommitted edits included).
    #[serde(default)]
    pub worktree: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl ReadyArgs {
    pub fn call(self) -> Call {
        Line::new("ready")
            .source(&self.rev, self.worktree)
            .args(&self.target)
            .call("ready", self.directory)
    }
}

/// `new`: create an artifact file with the next free ID.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArgs {
    /// The type, by word: epic, feature, task, story, bug, spike, chore, docs, test,
    /// initiative.
    #[serde(rename = "type")]
    pub kind: String,
    /// The title (one line).
    pub title: String,
    /// The project (slug); default: the only one.
    pub project: Option<String>,
    /// The parent Epic ID (`epic_id`), for Features and work items; it must exist.
    pub epic: Option<String>,
    /// The parent Feature ID (`feature_id`), for work items; it must exist.
    pub feature: Option<String>,
    /// The priority, by word: highest, high, medium, low, lowest.
    pub priority: Option<String>,
    /// The status, by word (`done`, `in progress`, …); default: To Do.
    pub status: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Who does it (`assigned_to`; `owner` for Epics, Features and Initiatives).
    pub assign: Option<String>,
    /// IDs of artifacts it depends on (each must exist).
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Due date, YYYY-MM-DD (`due_date`; `target_date` for Epics, Features, Initiatives).
    pub due: Option<String>,
    /// The Markdown body; default: a heading with the title.
    pub body: Option<String>,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl NewArgs {
    pub fn call(self) -> Call {
        let body = self.body.as_ref().map(|_| "-".to_string());
        let mut call = Line::new("new")
            .opt("project", &self.project)
            .opt("epic", &self.epic)
            .opt("feature", &self.feature)
            .opt("priority", &self.priority)
            .opt("status", &self.status)
            .each("tag", &self.tags)
            .opt("assign", &self.assign)
            .each("depends-on", &self.depends_on)
            .opt("due", &self.due)
            // The body goes through stdin: any size, any first character.
            .opt("body", &body)
            .arg(&self.kind)
            .arg(&self.title)
            .call("new", self.directory)
            .writing();
        call.stdin = self.body;
        call
    }
}

/// `set`: change frontmatter fields in place.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetArgs {
    /// The artifact's ID (case-insensitive), e.g. TASK-7.
    pub id: String,
    /// The changes: `key=value` (`status=done`, `priority=high`, `due_date=2026-01-31`,
    /// `feature_id=FEAT-2`, `title=…`, `assigned_to=…`), `key=` to remove an optional key,
    /// `tags+=x` / `tags-=x`, `depends_on+=ID` / `depends_on-=ID`.
    pub changes: Vec<String>,
    /// The project, when several use the same ID.
    pub project: Option<String>,
    /// Commit just this file with a generated message.
    #[serde(default)]
    pub commit: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl SetArgs {
    pub fn call(self) -> Call {
        Line::new("set")
            .opt("project", &self.project)
            .flag("commit", self.commit)
            .arg(&self.id)
            .args(&self.changes)
            .call("set", self.directory)
            .writing()
    }
}

/// `archive`: status Archived, the file moved under `<project>/archive/`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveArgs {
    /// The artifact's ID (case-insensitive), e.g. TASK-7.
    pub id: String,
    /// The project, when several use the same ID.
    pub project: Option<String>,
    /// Commit the move (as a rename) with a generated message.
    #[serde(default)]
    pub commit: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl ArchiveArgs {
    pub fn call(self) -> Call {
        Line::new("archive")
            .opt("project", &self.project)
            .flag("commit", self.commit)
            .arg(&self.id)
            .call("archive", self.directory)
            .writing()
    }
}

fn yes() -> bool {
    true
}

/// `sync`: bring the plan and the tracker in step; a dry run unless `dry_run` is false.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncArgs {
    /// Only list every operation (method, path, fields), writing nothing. True unless
    /// this call says false.
    #[serde(default = "yes")]
    pub dry_run: bool,
    /// Only these projects (slugs).
    #[serde(default)]
    pub project: Vec<String>,
    /// Sync the plan of this revision; default HEAD.
    pub rev: Option<String>,
    /// Only plan → tracker: leave the tracker's own changes there.
    #[serde(default)]
    pub push_only: bool,
    /// Only read the tracker and record what it has that the plan doesn't (see `diff`
    /// with `incoming`); needs `dry_run: false`.
    #[serde(default)]
    pub fetch_only: bool,
    /// Commit the artifact files updated with the tracker's changes.
    #[serde(default)]
    pub commit: bool,
    /// Write the links (`related_issues`, `related_milestone`, `related_commits`) into the
    /// artifact files.
    #[serde(default)]
    pub write_links: bool,
    /// Seconds to wait for another run of this repository to finish; default 120.
    pub wait: Option<u64>,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl SyncArgs {
    pub fn call(self) -> Call {
        Line::new("sync")
            .flag("no-progress", true)
            .flag("dry-run", self.dry_run)
            .each("project", &self.project)
            .opt("rev", &self.rev)
            .flag("push-only", self.push_only)
            .flag("fetch-only", self.fetch_only)
            .flag("commit", self.commit)
            .flag("write-links", self.write_links)
            .opt("wait", &self.wait.map(|s| s.to_string()))
            .call("sync", self.directory)
            .writing_if(!self.dry_run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> T {
        serde_json::from_value(json).expect("arguments")
    }

    #[test]
    fn sync_is_a_dry_run_unless_the_call_says_otherwise() {
        let call = parse::<SyncArgs>(serde_json::json!({})).call();
        assert!(call.args.contains(&"--dry-run".to_string()));
        assert!(!call.writes, "a dry run waits for no write");
        let call = parse::<SyncArgs>(serde_json::json!({"dry_run": false})).call();
        assert!(!call.args.contains(&"--dry-run".to_string()));
        assert!(call.writes);
    }

    #[test]
    fn values_can_never_become_options() {
        let call = parse::<NewArgs>(serde_json::json!({
            "type": "task", "title": "--commit", "tags": ["-x"], "body": "--json"
        }))
        .call();
        assert_eq!(
            call.args,
            [
                "new", "--json", "--tag=-x", "--body=-", "--", "task", "--commit"
            ]
        );
        assert_eq!(call.stdin.as_deref(), Some("--json"));
        let call = parse::<SetArgs>(serde_json::json!({
            "id": "TASK-1", "changes": ["status=done", "tags+=x"]
        }))
        .call();
        assert_eq!(
            call.args,
            ["set", "--json", "--", "TASK-1", "status=done", "tags+=x"]
        );
    }

    #[test]
    fn unknown_arguments_are_refused() {
        let bad = serde_json::from_value::<ShowArgs>(serde_json::json!({"id": "X", "idd": 1}));
        assert!(bad.is_err());
    }
}
