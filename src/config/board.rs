//! `[github_integration.project_board]`: the GitHub project (Projects v2) whose Status
//! field follows the plan's statuses.

use std::collections::BTreeMap;

use serde::Serialize;

use super::reader::Reader;

/// Who owns a GitHub project: its REST API lives under `/orgs/…` or `/users/…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BoardOwner {
    Organization,
    User,
}

/// `[github_integration.project_board]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectBoard {
    /// The organization or user owning the project; the repository's owner when unset.
    pub owner: Option<String>,
    /// `owner_type`; when unset, the organization's project is tried first, then the
    /// user's.
    pub owner_type: Option<BoardOwner>,
    /// The project's number (`github.com/orgs/acme/projects/3` → 3).
    pub number: u64,
    /// The single-select field the statuses go in.
    pub status_field: String,
    /// Explicit status → option name pairs (`[….project_board.columns]`), checked before
    /// the automatic matching by status class.
    pub columns: BTreeMap<String, String>,
}

/// Reads `[github_integration.project_board]`; `None` when absent or unusable (a problem
/// is recorded for the latter).
pub(super) fn read_board(r: &mut Reader<'_>, value: &toml::Value) -> Option<ProjectBoard> {
    const KEYS: [&str; 2] = ["github_integration", "project_board"];
    let at = |k: &'static str| [KEYS[0], KEYS[1], k];
    let toml::Value::Table(t) = value else {
        r.wrong_type(
            &KEYS,
            "a table",
            value,
            "a [github_integration.project_board] section with number = 3",
        );
        return None;
    };
    let number = match t.get("number") {
        Some(toml::Value::Integer(n)) if *n > 0 => *n as u64,
        Some(other) => {
            r.error(
                &at("number"),
                format!(
                    "`project_board.number` must be the project's number (a whole number above 0), not {}; the board is not synced",
                    crate::artifact::problem::describe(other)
                ),
                "write it as in the project's URL: github.com/orgs/acme/projects/3 → number = 3",
            );
            return None;
        }
        None => {
            r.error(
                &KEYS,
                "[github_integration.project_board] has no `number`; the board is not synced"
                    .to_string(),
                "write the project's number as in its URL: github.com/orgs/acme/projects/3 → number = 3",
            );
            return None;
        }
    };
    let mut board = ProjectBoard {
        owner: None,
        owner_type: None,
        number,
        status_field: "Status".to_string(),
        columns: BTreeMap::new(),
    };
    if let Some(v) = t.get("owner") {
        board.owner = r
            .string(v, &at("owner"), "owner = \"acme\"")
            .map(|s| s.trim().trim_start_matches('@').to_string())
            .filter(|s| !s.is_empty());
    }
    if let Some(v) = t.get("owner_type")
        && let Some(s) = r.string(v, &at("owner_type"), "owner_type = \"organization\"")
    {
        match s.trim().to_ascii_lowercase().as_str() {
            "organization" | "org" => board.owner_type = Some(BoardOwner::Organization),
            "user" => board.owner_type = Some(BoardOwner::User),
            _ => r.error(
                &at("owner_type"),
                format!("unknown owner_type \"{s}\"; accepted: organization, user"),
                "write owner_type = \"organization\" or owner_type = \"user\", or leave it out to try both",
            ),
        }
    }
    if let Some(v) = t.get("status_field")
        && let Some(s) = r.string(v, &at("status_field"), "status_field = \"Status\"")
        && !s.trim().is_empty()
    {
        board.status_field = s.trim().to_string();
    }
    if let Some(v) = t.get("columns")
        && let Some(map) = r.string_map(v, &at("columns"), "\"🔵 In Progress\" = \"In progress\"")
    {
        board.columns = map
            .into_iter()
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .collect();
    }
    Some(board)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::{only_problem, parse};

    #[test]
    fn a_board_with_every_key() {
        let text = "[github_integration]\nrepo_owner = \"acme\"\nrepo_name = \"shop\"\n[github_integration.project_board]\nowner = \"@acme-org\"\nowner_type = \"user\"\nnumber = 3\nstatus_field = \"Stage\"\n[github_integration.project_board.columns]\n\"🔵 In Progress\" = \"Doing\"\n";
        let (cfg, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:#?}");
        let b = cfg.github.project_board.expect("a board");
        assert_eq!(b.owner.as_deref(), Some("acme-org"));
        assert_eq!(b.owner_type, Some(BoardOwner::User));
        assert_eq!(b.number, 3);
        assert_eq!(b.status_field, "Stage");
        assert_eq!(
            b.columns.get("🔵 In Progress").map(String::as_str),
            Some("Doing")
        );
    }

    #[test]
    fn a_board_on_gitlab_is_a_warning_and_not_synced() {
        let (cfg, problems) = parse(
            "[github_integration]\nplatform = \"gitlab\"\n[github_integration.project_board]\nnumber = 3\n",
        );
        assert_eq!(cfg.github.project_board, None);
        let p = only_problem(&problems);
        assert!(!p.is_error(), "{p}");
        assert!(p.message.contains("GitLab boards are not synced"), "{p}");
        assert_eq!(p.line, Some(3));
    }

    #[test]
    fn defaults_and_mistakes() {
        let (cfg, problems) = parse("[github_integration.project_board]\nnumber = 7\n");
        assert!(problems.is_empty(), "{problems:#?}");
        let b = cfg.github.project_board.expect("a board");
        assert_eq!(
            (b.owner, b.owner_type, b.status_field.as_str()),
            (None, None, "Status")
        );

        let (cfg, problems) = parse("[github_integration.project_board]\nowner = \"acme\"\n");
        assert!(cfg.github.project_board.is_none());
        let p = only_problem(&problems);
        assert!(p.message.contains("no `number`"), "{p}");
        assert_eq!(p.line, Some(1));

        let (cfg, problems) = parse("[github_integration.project_board]\nnumber = \"three\"\n");
        assert!(cfg.github.project_board.is_none());
        assert_eq!(only_problem(&problems).line, Some(2));

        let (cfg, problems) =
            parse("[github_integration.project_board]\nnumber = 1\nowner_type = \"team\"\n");
        assert_eq!(cfg.github.project_board.map(|b| b.owner_type), Some(None));
        assert!(only_problem(&problems).message.contains("team"));
    }
}
