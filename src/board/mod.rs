//! The board: the plan's work items as a kanban, one column per status in workflow order
//! (Backlog → To Do → In Progress → Review → Blocked → the projects' custom statuses →
//! statuses nobody defined → Done, and Archived on request), a card per work item. Pure:
//! artifacts, filters and today's date in, columns out; [`html`] renders them as one
//! self-contained page.

pub mod html;

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::artifact::Artifact;
use crate::artifact::vocab::{Kind, Priority};
use crate::artifact::workflow::{Stage, StatusName};
use crate::progress::Plan;

/// Which work items to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this project (slug).
    pub project: Option<String>,
    /// Only the work beneath this Epic (by ID).
    pub epic: Option<String>,
    /// Only the work beneath this Feature (by ID).
    pub feature: Option<String>,
    /// Only items assigned to this person (`assigned_to`, case-insensitive, `@` optional).
    pub assignee: Option<String>,
    /// Only items carrying every one of these tags.
    pub tags: Vec<String>,
    /// Show archived items (status Archived/Closed, or filed under `archive/`) in an
    /// Archived column.
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoardError {
    #[error("no {kind} `{id}` in the plan")]
    UnknownParent { kind: Kind, id: String },
}

impl BoardError {
    pub fn hint(&self) -> String {
        match self {
            BoardError::UnknownParent { kind, .. } => format!(
                "`git intellimanage list --type {}` lists them",
                kind.word().to_lowercase()
            ),
        }
    }
}

/// One card.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub project: String,
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// The status as written.
    pub status: String,
    /// The priority's word (`"High"`), when the item has a standard one.
    pub priority: Option<Priority>,
    /// `assigned_to` (a name or a list of names).
    pub assignees: Vec<String>,
    pub tags: Vec<String>,
    pub epic: Option<String>,
    pub feature: Option<String>,
    /// `due_date` (else `target_date`), `YYYY-MM-DD`.
    pub due: Option<String>,
    pub overdue: bool,
    /// The unfinished (or unknown) `depends_on` IDs it waits on.
    pub blocked_by: Vec<String>,
}

/// One column.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// The status it holds: the standard spelling (`"🟡 To Do"`), a custom status as the
    /// config spells it, or an unknown status as written.
    pub status: String,
    pub stage: Stage,
    /// The column's title without emoji (`"To Do"`).
    pub title: String,
    pub cards: Vec<Card>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub columns: Vec<Column>,
}

impl Board {
    pub fn cards(&self) -> usize {
        self.columns.iter().map(|c| c.cards.len()).sum()
    }
}

/// The inputs.
pub struct Input<'a> {
    pub artifacts: &'a [Artifact],
    pub custom_statuses: &'a BTreeMap<String, Vec<String>>,
    pub today: Date,
}

/// The column an item goes to: its stage, and for custom and unknown statuses the status.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Slot {
    stage: Stage,
    order: usize,
    /// The status's word, for custom and unknown statuses (empty for standard ones).
    word: String,
}

fn slot_of(name: &StatusName) -> Slot {
    match name.stage {
        Stage::Custom | Stage::Unknown => Slot {
            stage: name.stage,
            order: name.order,
            word: crate::artifact::vocab::word_of(&name.status),
        },
        stage => Slot {
            stage,
            order: 0,
            word: String::new(),
        },
    }
}

/// Lays the plan out as a board.
pub fn board(input: &Input<'_>, filter: &Filter) -> Result<Board, BoardError> {
    let plan = Plan::new(input.artifacts, input.custom_statuses);
    let parent = |id: &Option<String>, kind: Kind| -> Result<Option<Vec<&Artifact>>, BoardError> {
        let Some(id) = id else { return Ok(None) };
        let found: Vec<&Artifact> = input
            .artifacts
            .iter()
            .filter(|a| a.kind == Some(kind) && a.id.eq_ignore_ascii_case(id.trim()))
            .filter(|a| filter.project.as_deref().is_none_or(|p| a.project() == p))
            .collect();
        if found.is_empty() {
            return Err(BoardError::UnknownParent {
                kind,
                id: id.clone(),
            });
        }
        Ok(Some(found))
    };
    let epics = parent(&filter.epic, Kind::Epic)?;
    let features = parent(&filter.feature, Kind::Feature)?;
    let beneath = |a: &Artifact, parents: &Option<Vec<&Artifact>>| {
        parents.as_ref().is_none_or(|ps| {
            ps.iter().any(|p| {
                plan.beneath(p)
                    .iter()
                    .any(|x| x.project() == a.project() && x.id == a.id)
            })
        })
    };
    let assignee = filter
        .assignee
        .as_deref()
        .map(|s| s.trim().trim_start_matches('@').to_string());

    let mut slots: BTreeMap<Slot, Column> = BTreeMap::new();
    // The standard columns are always there; the custom ones of the projects shown too.
    for stage in Stage::STANDARD {
        if stage == Stage::Archived && !filter.archived {
            continue;
        }
        let status = stage.canonical().unwrap_or_default().to_string();
        slots.insert(
            Slot {
                stage,
                order: 0,
                word: String::new(),
            },
            Column {
                title: stage.word().to_string(),
                status,
                stage,
                cards: Vec::new(),
            },
        );
    }
    for (project, custom) in input.custom_statuses {
        if filter.project.as_deref().is_some_and(|p| p != project) {
            continue;
        }
        for c in custom {
            let name = crate::artifact::workflow::status_name(c, custom);
            if name.stage == Stage::Custom {
                slots.entry(slot_of(&name)).or_insert_with(|| Column {
                    title: crate::artifact::vocab::display_word(&name.status).to_string(),
                    status: name.status.clone(),
                    stage: Stage::Custom,
                    cards: Vec::new(),
                });
            }
        }
    }
    for a in input.artifacts {
        if a.location.folder != crate::artifact::Folder::Tasks {
            continue;
        }
        if filter.project.as_deref().is_some_and(|p| a.project() != p) {
            continue;
        }
        if !beneath(a, &epics) || !beneath(a, &features) {
            continue;
        }
        let assignees = a.list_field("assigned_to");
        if let Some(who) = &assignee
            && !assignees
                .iter()
                .any(|x| x.trim().trim_start_matches('@').eq_ignore_ascii_case(who))
        {
            continue;
        }
        let tags = a.tags();
        if !filter
            .tags
            .iter()
            .all(|t| tags.iter().any(|x| x.eq_ignore_ascii_case(t.trim())))
        {
            continue;
        }
        let mut name = plan.status(a);
        if a.location.archived && !name.stage.is_closed() {
            name = crate::artifact::workflow::status_name("Archived", &[]);
        }
        if name.stage == Stage::Archived && !filter.archived {
            continue;
        }
        let (mut blocked_by, unknown) = plan.waiting_on(a);
        blocked_by.extend(unknown);
        let card = Card {
            project: a.project().to_string(),
            id: a.id.clone(),
            title: a.title.clone(),
            type_name: a
                .kind
                .map(|k| k.word().to_string())
                .unwrap_or_else(|| a.type_name.clone()),
            status: a.status.clone(),
            priority: a.str_field("priority").and_then(Priority::parse),
            assignees,
            tags,
            epic: plan.epic_of(a).map(|e| e.id.clone()),
            feature: plan.feature_of(a).map(|f| f.id.clone()),
            due: crate::artifact::workflow::due_of(a).map(|(_, d)| d.to_string()),
            overdue: plan.days_late(a, input.today).is_some(),
            blocked_by,
        };
        slots
            .entry(slot_of(&name))
            .or_insert_with(|| Column {
                title: crate::artifact::vocab::display_word(&name.status).to_string(),
                status: name.status.clone(),
                stage: name.stage,
                cards: Vec::new(),
            })
            .cards
            .push(card);
    }
    let mut columns: Vec<Column> = slots.into_values().collect();
    for c in &mut columns {
        c.cards.sort_by(|a, b| {
            crate::artifact::workflow::priority_rank(a.priority)
                .cmp(&crate::artifact::workflow::priority_rank(b.priority))
                .then_with(|| a.project.cmp(&b.project))
                .then_with(|| crate::artifact::workflow::id_order(&a.id, &b.id))
        });
    }
    Ok(Board { columns })
}

/// How many terminal cells a string takes (East Asian wide characters and most emoji take
/// two, combining marks and joiners none). An approximation good enough for laying out
/// columns.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let u = c as u32;
    match u {
        0 => 0,
        // Combining marks, zero-width joiners/spaces, variation selectors.
        0x0300..=0x036F | 0x200B..=0x200F | 0x20D0..=0x20FF | 0xFE00..=0xFE0F => 0,
        _ if c.is_control() => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// `s` cut to at most `width` cells, ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` padded with spaces to `width` cells (cut first when longer).
pub fn pad(s: &str, width: usize) -> String {
    let cut = truncate(s, width);
    let w = display_width(&cut);
    format!("{cut}{}", " ".repeat(width.saturating_sub(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_truncation() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("日本"), 4);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(truncate("Validate e-mail", 8), "Validat…");
        assert_eq!(truncate("short", 8), "short");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcdef", 4), "abc…");
    }
}
