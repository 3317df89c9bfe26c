//! The arguments of the tools that report on the plan: `progress`, `board` and
//! `release_notes` (which can also publish the notes as a release), built into command
//! lines as in [`super::args`].

use schemars::JsonSchema;
use serde::Deserialize;

use super::args::Line;
use super::run::Call;

fn yes() -> bool {
    true
}

/// `progress`: done/total per project, Epic and Feature, overdue and blocked items.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressArgs {
    /// Epic or Feature IDs, or milestone titles; none: every project.
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

impl ProgressArgs {
    pub fn call(self) -> Call {
        Line::new("progress")
            .source(&self.rev, self.worktree)
            .args(&self.target)
            .call("progress", self.directory)
    }
}

/// `board`: the plan as a kanban, a column per status, a card per work item.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardArgs {
    /// Only this project (slug).
    pub project: Option<String>,
    /// Only the work beneath this Epic (ID).
    pub epic: Option<String>,
    /// Only the work beneath this Feature (ID).
    pub feature: Option<String>,
    /// Only items assigned to this person (`assigned_to`).
    pub assignee: Option<String>,
    /// Only items carrying all of these tags.
    #[serde(default)]
    pub tag: Vec<String>,
    /// Add an Archived column.
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

impl BoardArgs {
    pub fn call(self) -> Call {
        Line::new("board")
            .opt("project", &self.project)
            .opt("epic", &self.epic)
            .opt("feature", &self.feature)
            .opt("assignee", &self.assignee)
            .each("tag", &self.tag)
            .flag("archived", self.archived)
            .source(&self.rev, self.worktree)
            .call("board", self.directory)
    }
}

/// `release-notes`: the finished work of Epics, Features or milestones, grouped by type,
/// with its issues and commits; optionally published as a release.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseNotesArgs {
    /// Epic or Feature IDs, or milestone titles (at least one).
    pub target: Vec<String>,
    /// Only work finished after this revision.
    pub since: Option<String>,
    /// Publish the notes as the release of this tag on the project's tracker (GitHub or
    /// GitLab): created, or updated when it differs.
    pub release_tag: Option<String>,
    /// The release's name (default: the tag).
    pub release_name: Option<String>,
    /// Make the release a draft (GitHub only).
    #[serde(default)]
    pub draft: bool,
    /// With `release_tag`: only list the requests, sending nothing. True unless this call
    /// says false.
    #[serde(default = "yes")]
    pub dry_run: bool,
    /// Read the plan of this revision (branch, tag, commit); default HEAD.
    pub rev: Option<String>,
    /// Read the working tree instead of a commit (uncommitted edits included).
    #[serde(default)]
    pub worktree: bool,
    /// The repository to work in (like `git -C`); default: the server's directory.
    pub directory: Option<String>,
}

impl ReleaseNotesArgs {
    pub fn call(self) -> Call {
        let publish = self.release_tag.is_some();
        let mut line = Line::new("release-notes")
            .opt("since", &self.since)
            .source(&self.rev, self.worktree);
        if publish {
            line = line
                .opt("github-release", &self.release_tag)
                .opt("release-name", &self.release_name)
                .flag("draft", self.draft)
                .flag("dry-run", self.dry_run);
        }
        line.args(&self.target)
            .call("release_notes", self.directory)
            .writing_if(publish && !self.dry_run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> T {
        serde_json::from_value(json).expect("arguments")
    }

    #[test]
    fn release_notes_publish_only_when_asked_and_a_dry_run_unless_told() {
        let call = parse::<ReleaseNotesArgs>(serde_json::json!({"target": ["EPIC-1"]})).call();
        assert_eq!(call.args, ["release-notes", "--json", "--", "EPIC-1"]);
        assert!(!call.writes);
        let call = parse::<ReleaseNotesArgs>(
            serde_json::json!({"target": ["EPIC-1"], "release_tag": "v1", "draft": true}),
        )
        .call();
        assert!(call.args.contains(&"--github-release=v1".to_string()));
        assert!(call.args.contains(&"--dry-run".to_string()));
        assert!(!call.writes, "a dry run waits for no write");
        let call = parse::<ReleaseNotesArgs>(
            serde_json::json!({"target": ["EPIC-1"], "release_tag": "v1", "dry_run": false}),
        )
        .call();
        assert!(!call.args.contains(&"--dry-run".to_string()));
        assert!(call.writes);
        assert!(
            serde_json::from_value::<BoardArgs>(serde_json::json!({"html": "x.html"})).is_err(),
            "no file writing through the board tool"
        );
    }
}
