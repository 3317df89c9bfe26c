//! The tools, as the MCP server lists them: name, description, input schema (derived from
//! [`super::args`]) and hints (read-only, open world); each one runs its subcommand.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};

use super::args::{
    ArchiveArgs, DiffArgs, ListArgs, NewArgs, ReadyArgs, SetArgs, ShowArgs, StatusArgs, SyncArgs,
    ValidateArgs, WavesArgs,
};
use super::report_args::{BoardArgs, ProgressArgs, ReleaseNotesArgs};
use super::run::Runner;

/// What a client is told about the server when it connects.
const INSTRUCTIONS: &str = "\
The IntelliManage plan of a git repository: Epics, Features and work items (Tasks, Bugs, \
Stories, …) kept as Markdown files under .ruru/projects/<project>/, and synced with GitHub \
or GitLab. Every tool is the `git intellimanage` command of the same name with --json; a \
failed call is a tool error with the command's `error:` and `hint:` lines. Reading tools \
(list, show, validate, diff, status, waves, ready, progress, board, release_notes) read the last commit (HEAD) unless \
`worktree: true`: pass it to see what new, set and archive just wrote. `sync` only lists \
what it would do unless `dry_run: false`; so does `release_notes` with a `release_tag`. `directory` runs a tool in another repository.";

#[derive(Debug, Clone)]
pub struct Server {
    runner: Runner,
    tool_router: ToolRouter<Server>,
}

impl Server {
    pub fn new(runner: Runner) -> Server {
        Server {
            runner,
            tool_router: Server::tool_router(),
        }
    }
}

#[tool_router]
impl Server {
    /// List the plan's artifacts (ID, title, type, status, priority, parent, tags, path),
    /// filtered by project, type, status, tag or parent.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn list(&self, Parameters(args): Parameters<ListArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Show one artifact: every frontmatter field, its body, and its related commits.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn show(&self, Parameters(args): Parameters<ShowArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Check every plan file: each problem with its file, line and a hint (`errors` > 0
    /// when the plan has errors).
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn validate(&self, Parameters(args): Parameters<ValidateArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// What changed since the last sync (or since `base`): artifacts added, modified,
    /// removed or renamed, field by field, with a diff of the body.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn diff(&self, Parameters(args): Parameters<DiffArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Per project: the changes pending since the last sync, and where it syncs to.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn status(&self, Parameters(args): Parameters<StatusArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// The work under an Epic, Feature, milestone or issues in dependency waves: wave 1 can
    /// start now, wave k after the waves before it; items that can't be placed (cycles,
    /// unknown IDs) are listed apart.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn waves(&self, Parameters(args): Parameters<WavesArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// The items that can be started now (wave 1, not started yet), highest priority first.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn ready(&self, Parameters(args): Parameters<ReadyArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Progress per project, Epic and Feature: done/total work items, percent, counts per
    /// status, overdue items and items blocked by dependencies.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn progress(&self, Parameters(args): Parameters<ProgressArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// The plan as a kanban: a column per status in workflow order, a card per work item
    /// (ID, title, priority, assignees, tags, due date, what blocks it), filtered.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn board(&self, Parameters(args): Parameters<BoardArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Release notes of Epics, Features or milestones: the finished work grouped by type,
    /// each with its issue and the commits linked to it, and what is still open. With
    /// `release_tag`, publishes them as that release on the tracker (created or updated;
    /// a dry run listing the requests unless `dry_run` is false).
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = true
    ))]
    async fn release_notes(
        &self,
        Parameters(args): Parameters<ReleaseNotesArgs>,
    ) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Create an artifact file with the next free ID of its project (checked before it is
    /// written; never over a file). Returns its summary, path included; not committed.
    #[tool(
        name = "new",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = false
        )
    )]
    async fn create(&self, Parameters(args): Parameters<NewArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Change frontmatter fields of an artifact in place (comments, key order and body
    /// kept; `updated_date` set): `status=done`, `tags+=x`, `due_date=`, …
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn set(&self, Parameters(args): Parameters<SetArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Archive an artifact: status Archived, the file moved under `<project>/archive/`.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = true,
        open_world_hint = false
    ))]
    async fn archive(&self, Parameters(args): Parameters<ArchiveArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }

    /// Bring the plan and its tracker (GitHub, GitLab) in step, both ways. A dry run unless
    /// `dry_run` is false: then it lists every request it would make and writes nothing.
    #[tool(annotations(
        read_only_hint = false,
        destructive_hint = true,
        open_world_hint = true
    ))]
    async fn sync(&self, Parameters(args): Parameters<SyncArgs>) -> CallToolResult {
        self.runner.run(args.call()).await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "git-intellimanage",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_listed_with_an_object_schema() {
        let server = Server::new(Runner::new("git-intellimanage".into(), ".".into()));
        let mut names: Vec<String> = server
            .tool_router
            .list_all()
            .into_iter()
            .map(|t| {
                assert_eq!(
                    t.input_schema.get("type").and_then(|v| v.as_str()),
                    Some("object"),
                    "{}",
                    t.name
                );
                assert!(t.description.is_some(), "{} has no description", t.name);
                t.name.to_string()
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "archive",
                "board",
                "diff",
                "list",
                "new",
                "progress",
                "ready",
                "release_notes",
                "set",
                "show",
                "status",
                "sync",
                "validate",
                "waves"
            ]
        );
    }
}
