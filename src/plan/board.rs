//! The project board's columns in the plan's terms: which column a status goes in, and
//! which status a column a card was moved to means. Explicit `columns` pairs from the
//! configuration first, then matching by status class against the board's own column
//! names ("Todo", "In Progress", "Done", …).

use std::collections::BTreeMap;

use crate::artifact::{StatusClass, vocab};
use crate::config::ProjectConfig;
use crate::tracker::Board;

use super::fields::IssueFields;

/// Column names (compared without case, spaces or emoji) that stand for each class, most
/// fitting first. A class's later names are where it goes when the board has no better.
const NAMES: [(StatusClass, &[&str]); 7] = [
    (StatusClass::Backlog, &["backlog", "todo", "new", "triage"]),
    (StatusClass::Todo, &["todo", "ready", "planned", "backlog"]),
    (
        StatusClass::InProgress,
        &["inprogress", "doing", "started", "wip"],
    ),
    (
        StatusClass::Review,
        &["inreview", "review", "reviewing", "inprogress"],
    ),
    (
        StatusClass::Blocked,
        &["blocked", "onhold", "waiting", "inprogress"],
    ),
    (
        StatusClass::Done,
        &["done", "completed", "complete", "closed", "shipped"],
    ),
    (
        StatusClass::Archived,
        &[
            "archived",
            "wontdo",
            "notplanned",
            "cancelled",
            "canceled",
            "done",
        ],
    ),
];

/// A column name compared: its letters and digits (any script), lowercased — `"Won't do"`
/// → `"wontdo"`, `"Terminé"` → `"terminé"`.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The board as the planner maps it.
pub(crate) struct BoardMap<'a> {
    board: &'a Board,
    explicit: &'a BTreeMap<String, String>,
    custom: &'a [String],
}

impl<'a> BoardMap<'a> {
    /// The map for a project whose board this run read.
    pub(crate) fn new(board: &'a Board, cfg: &'a ProjectConfig) -> Option<BoardMap<'a>> {
        let spec = cfg.github.project_board.as_ref()?;
        Some(BoardMap {
            board,
            explicit: &spec.columns,
            custom: &cfg.custom_statuses,
        })
    }

    /// The board's own spelling of a column name, if it has that column.
    fn column(&self, name: &str) -> Option<String> {
        let n = norm(name);
        self.board
            .columns
            .iter()
            .find(|c| *c == name)
            .or_else(|| self.board.columns.iter().find(|c| norm(c) == n))
            .cloned()
    }

    fn class(&self, status: &str) -> Option<StatusClass> {
        vocab::classify_status(status, self.custom)
    }

    /// The column an artifact with `status` goes in, if the board has one for it.
    pub(crate) fn column_for(&self, status: &str) -> Option<String> {
        let status = status.trim();
        let class = self.class(status);
        let explicit = self
            .explicit
            .iter()
            .find(|(k, _)| k.as_str() == status)
            .or_else(|| {
                self.explicit.iter().find(|(k, _)| {
                    class.is_some_and(|c| c != StatusClass::Custom && self.class(k) == Some(c))
                })
            });
        if let Some((_, column)) = explicit {
            return self.column(column);
        }
        let (_, names) = NAMES.iter().find(|(c, _)| Some(*c) == class)?;
        names.iter().find_map(|want| {
            self.board
                .columns
                .iter()
                .find(|c| norm(c) == *want)
                .cloned()
        })
    }

    /// The status a card moved to `column` gives an artifact whose status is `current`;
    /// `None` when `current` already goes there or the column means no status.
    pub(crate) fn status_for(&self, column: &str, current: &str) -> Option<String> {
        if self.column_for(current).as_deref() == Some(column) {
            return None;
        }
        if let Some((status, _)) = self
            .explicit
            .iter()
            .find(|(_, c)| self.column(c).as_deref() == Some(column))
        {
            return Some(status.clone());
        }
        let n = norm(column);
        let class = NAMES
            .iter()
            .enumerate()
            .filter_map(|(order, (class, names))| {
                names
                    .iter()
                    .position(|x| *x == n)
                    .map(|pos| (pos, order, *class))
            })
            .min()
            .map(|(_, _, class)| class)?;
        (self.class(current) != Some(class)).then(|| vocab::canonical_status(class).to_string())
    }

    /// The column of issue `number`'s card: `None` when it is not on the board, `Some(None)`
    /// when it has no column.
    pub(crate) fn card(&self, number: u64) -> Option<Option<String>> {
        self.board.cards.get(&number).cloned()
    }

    /// Whether issue `number` is on the board.
    pub(crate) fn has_card(&self, number: u64) -> bool {
        self.board.cards.contains_key(&number)
    }

    /// The plan's side: the column of the artifact's status.
    pub(crate) fn set_local(&self, f: &mut IssueFields, status: &str) {
        f.column = self.column_for(status);
    }

    /// The board's side: the card's column, when the issue is on the board and its card
    /// has one; otherwise the column as last synced (a card taken off the board or cleared
    /// is put back, not a change of status).
    pub(crate) fn set_remote(&self, f: &mut IssueFields, number: u64, base: Option<&IssueFields>) {
        f.column = self
            .card(number)
            .flatten()
            .or_else(|| base.and_then(|b| b.column.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(explicit: &[(&str, &str)]) -> ProjectConfig {
        let mut text = String::from("[github_integration.project_board]\nnumber = 1\n");
        if !explicit.is_empty() {
            text.push_str("[github_integration.project_board.columns]\n");
            for (k, v) in explicit {
                text.push_str(&format!("\"{k}\" = \"{v}\"\n"));
            }
        }
        let (cfg, problems) = crate::config::parse_project_config("p.toml", &text);
        assert!(problems.is_empty(), "{problems:#?}");
        cfg.expect("a config")
    }

    fn board(columns: &[&str]) -> Board {
        Board {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            cards: BTreeMap::new(),
        }
    }

    #[test]
    fn the_default_template_columns_take_every_status() {
        let (c, b) = (cfg(&[]), board(&["Todo", "In Progress", "Done"]));
        let m = BoardMap::new(&b, &c).expect("a map");
        for (status, column) in [
            ("⚪️ Backlog", "Todo"),
            ("🟡 To Do", "Todo"),
            ("🔵 In Progress", "In Progress"),
            ("🟣 Review", "In Progress"),
            ("🚧 Blocked", "In Progress"),
            ("🟢 Done", "Done"),
            ("🧊 Archived", "Done"),
        ] {
            assert_eq!(m.column_for(status).as_deref(), Some(column), "{status}");
        }
        // A card moved: the status of that column, unless the artifact's already goes there.
        assert_eq!(
            m.status_for("In Progress", "🟡 To Do").as_deref(),
            Some("🔵 In Progress")
        );
        assert_eq!(m.status_for("In Progress", "🚧 Blocked"), None);
        assert_eq!(m.status_for("Todo", "⚪️ Backlog"), None);
        assert_eq!(
            m.status_for("Done", "🔵 In Progress").as_deref(),
            Some("🟢 Done")
        );
        assert_eq!(m.status_for("Someday", "🔵 In Progress"), None);
    }

    #[test]
    fn richer_boards_and_explicit_pairs() {
        let c = cfg(&[]);
        let b = board(&["Backlog", "Ready", "In progress", "In review", "Done"]);
        let m = BoardMap::new(&b, &c).expect("a map");
        assert_eq!(m.column_for("🟡 To Do").as_deref(), Some("Ready"));
        assert_eq!(m.column_for("🟣 Review").as_deref(), Some("In review"));
        assert_eq!(m.column_for("⚪️ Backlog").as_deref(), Some("Backlog"));
        assert_eq!(
            m.status_for("Backlog", "🟡 To Do").as_deref(),
            Some("⚪\u{fe0f} Backlog")
        );
        let c = cfg(&[("🚧 Blocked", "On hold"), ("🔵 In Progress", "doing")]);
        let b = board(&["Todo", "Doing", "On Hold", "Done"]);
        let m = BoardMap::new(&b, &c).expect("a map");
        assert_eq!(m.column_for("🚧 Blocked").as_deref(), Some("On Hold"));
        assert_eq!(m.column_for("🔵 In Progress").as_deref(), Some("Doing"));
        assert_eq!(
            m.status_for("On Hold", "🔵 In Progress").as_deref(),
            Some("🚧 Blocked")
        );
        // No column for a class at all: no column, and nothing moves.
        let (c, b) = (cfg(&[]), board(&["Open", "Closed"]));
        let m = BoardMap::new(&b, &c).expect("a map");
        assert_eq!(m.column_for("🔵 In Progress"), None);
        assert_eq!(m.column_for("🟢 Done").as_deref(), Some("Closed"));
    }
}
