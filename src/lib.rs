//! `git-intellimanage`: an IntelliManage plan kept in git, and GitHub or GitLab kept in step with it.
//!
//! The library is organised by concern; the binary (`src/main.rs` + `src/cli/`) is a thin
//! layer over it.
//!
//! | module | one sentence |
//! |---|---|
//! | [`artifact`] | What an artifact file is: parsing, the vocabulary of types/statuses/priorities, validation. |
//! | [`init`] | Setting a project up: its `project_config.toml` filled from the `origin` remote, and its folders. |
//! | [`authoring`] | Writing new artifacts: the next free ID in the project's scheme, the file in the templates' order. |
//! | [`editing`] | Editing existing artifacts (`set`, `archive`): `key=value` arguments resolved into an edit, spliced in place, written atomically. |
//! | [`config`] | What a project's `project_config.toml` says, with the specification's defaults. |
//! | [`repo`] | Reading plan files from git trees (gix) or the working tree. |
//! | [`share`] | Sharing the sync record through the git remote, and the lock ref there that serialises every clone's syncs. |
//! | [`snapshot`] | A whole plan at one point (projects, artifacts, problems), loaded from a source. |
//! | [`lock`] | The repository-wide sync lock: one run that writes to GitHub or our refs at a time, across worktrees. |
//! | [`record`] | The record of the last sync, kept under `refs/intellimanage/sync`. |
//! | [`diff`] | What changed between two snapshots, artifact by artifact and field by field. |
//! | [`tracker`] | What any issue tracker holds and the `Tracker` trait every platform implements: neutral state, writes, error kinds. |
//! | [`github`] | GitHub as a tracker, over a blocking REST transport (ureq) GitLab shares: pagination, ETags, rate limits, retries. |
//! | [`gitlab`] | GitLab (REST v4) as a tracker: its paths, bodies, words, over the same transport. |
//! | [`connect`] | Opening the tracker a project's config names (GitHub, GitLab; Bitbucket refused with the reason). |
//! | [`plan`] | The pure planner: local, last-synced and remote state in, operations out. |
//! | [`sync`] | Executing a plan through a `Tracker` and advancing the record. |
//! | [`waves`] | Dependency waves: the work under a target in the order it can be done (pure). |
//! | [`start`] | Starting work items: a branch and a linked worktree each, reused when they exist; cleaning up finished ones. |
//! | [`progress`] | Progress per project, Epic and Feature: done/total, counts per status, overdue and blocked items (pure). |
//! | [`release_notes`] | Release notes of an Epic, Feature or milestone: finished work by type with its issue and commits, open work apart (pure). |
//! | [`board`] | The kanban board: a column per status, a card per work item, and its self-contained HTML page (pure). |
//! | [`writeback`] | Rewriting artifact files in place, keeping comments and layout (toml_edit). |
//! | [`hooks`] | Installing and running the git hook shims. |
//! | [`mcp`] | The Model Context Protocol server (stdio, rmcp): each tool runs the subcommand of the same name. |
//! | [`auth`] | Finding a tracker's token: keyring, environment, git credential helper, bound to hosts. |
//! | [`output`] | Terminal conventions: color on a TTY only, `NO_COLOR`, progress. |

pub mod artifact;
pub mod auth;
pub mod authoring;
pub mod board;
pub mod commits;
pub mod config;
pub mod connect;
pub mod diff;
pub mod editing;
pub mod github;
pub mod gitlab;
pub mod hooks;
pub mod init;
pub mod lock;
pub mod mcp;
pub mod output;
pub mod plan;
pub mod progress;
pub mod record;
pub mod release_notes;
pub mod repo;
pub mod share;
pub mod snapshot;
pub mod start;
pub mod sync;
pub mod tracker;
pub mod waves;
pub mod writeback;

/// Where plans live inside a repository.
pub const PLAN_ROOT: &str = ".ruru/projects";

#[cfg(test)]
mod planner_purity {
    /// The planner is a function of its input: no clock, no environment, no files, no
    /// processes, no network anywhere under `src/plan/` (today's date comes in
    /// [`crate::plan::Input::today`]).
    #[test]
    fn the_planner_reads_no_clock_and_does_no_io() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/plan");
        let forbidden = [
            "::now(",
            "SystemTime",
            "Instant",
            "std::time",
            "std::env",
            "std::fs",
            "std::process",
            "std::net",
            "std::io",
            "crate::sync",
            "crate::repo",
            "crate::auth",
            "crate::github",
            "crate::share",
        ];
        let mut checked = 0;
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("src/plan") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read");
                // This test names what it forbids: check the code above it only.
                let code = text.split("mod planner_purity {").next().unwrap_or(&text);
                for needle in forbidden {
                    assert!(
                        !code.contains(needle),
                        "{} uses `{needle}`: the planner must stay pure",
                        path.display()
                    );
                }
                checked += 1;
            }
        }
        assert!(checked >= 8, "found the planner's files ({checked})");
    }
}
