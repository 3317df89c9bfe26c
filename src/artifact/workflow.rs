//! Where an artifact stands in the workflow, as reports show it: its status's stage and
//! spelling in workflow order, the date it is due by, and the order items are listed in
//! (priority, then ID).

use jiff::civil::Date;
use serde::Serialize;

use super::vocab::{self, Priority, STANDARD_STATUSES, StatusClass};
use super::{Artifact, Folder};

/// Where a status sits in the workflow: the board's columns, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Backlog,
    Todo,
    InProgress,
    Review,
    Blocked,
    /// One of the project's `custom_statuses`.
    Custom,
    /// A status that is neither standard nor one of the project's (`validate` reports it).
    Unknown,
    Done,
    Archived,
}

impl Stage {
    /// The stages of the standard statuses, in workflow order.
    pub const STANDARD: [Stage; 7] = [
        Stage::Backlog,
        Stage::Todo,
        Stage::InProgress,
        Stage::Review,
        Stage::Blocked,
        Stage::Done,
        Stage::Archived,
    ];

    pub fn of_class(class: Option<StatusClass>) -> Stage {
        match class {
            Some(StatusClass::Backlog) => Stage::Backlog,
            Some(StatusClass::Todo) => Stage::Todo,
            Some(StatusClass::InProgress) => Stage::InProgress,
            Some(StatusClass::Review) => Stage::Review,
            Some(StatusClass::Blocked) => Stage::Blocked,
            Some(StatusClass::Done) => Stage::Done,
            Some(StatusClass::Archived) => Stage::Archived,
            Some(StatusClass::Custom) => Stage::Custom,
            None => Stage::Unknown,
        }
    }

    /// The stage's name without emoji: `"In Progress"`.
    pub fn word(self) -> &'static str {
        match self {
            Stage::Backlog => "Backlog",
            Stage::Todo => "To Do",
            Stage::InProgress => "In Progress",
            Stage::Review => "Review",
            Stage::Blocked => "Blocked",
            Stage::Custom => "Custom",
            Stage::Unknown => "Unknown",
            Stage::Done => "Done",
            Stage::Archived => "Archived",
        }
    }

    /// The status the specification writes for a standard stage (`"🟡 To Do"`).
    pub fn canonical(self) -> Option<&'static str> {
        let class = match self {
            Stage::Backlog => StatusClass::Backlog,
            Stage::Todo => StatusClass::Todo,
            Stage::InProgress => StatusClass::InProgress,
            Stage::Review => StatusClass::Review,
            Stage::Blocked => StatusClass::Blocked,
            Stage::Done => StatusClass::Done,
            Stage::Archived => StatusClass::Archived,
            Stage::Custom | Stage::Unknown => return None,
        };
        Some(vocab::canonical_status(class))
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Stage::Done | Stage::Archived)
    }
}

/// A status value as counted: its standard spelling (`"todo"` → `"🟡 To Do"`), a custom
/// status as the project's config spells it, or the value as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusName {
    pub stage: Stage,
    /// Position within the stage (the vocabulary's or the config's order).
    pub order: usize,
    pub status: String,
}

/// Places a status value in the workflow.
pub fn status_name(value: &str, custom: &[String]) -> StatusName {
    if let Some(std) = vocab::standard_status(value)
        && let Some(i) = STANDARD_STATUSES.iter().position(|(s, _)| *s == std)
    {
        return StatusName {
            stage: Stage::of_class(Some(STANDARD_STATUSES[i].1)),
            order: i,
            status: std.to_string(),
        };
    }
    if vocab::classify_status(value, custom) == Some(StatusClass::Custom)
        && let Some(i) = custom.iter().position(|c| vocab::same_word(c, value))
    {
        return StatusName {
            stage: Stage::Custom,
            order: i,
            status: custom[i].trim().to_string(),
        };
    }
    StatusName {
        stage: Stage::Unknown,
        order: 0,
        status: value.trim().to_string(),
    }
}

/// `TASK-2` before `TASK-10`.
pub fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| {
        let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, tail) = s.split_at(s.len() - digits);
        (head.to_lowercase(), tail.parse::<u64>().unwrap_or(0))
    };
    split(a).cmp(&split(b)).then_with(|| a.cmp(b))
}

/// Which key an item's date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateKey {
    DueDate,
    TargetDate,
    MilestoneTargetDate,
}

impl DateKey {
    pub fn key(self) -> &'static str {
        match self {
            DateKey::DueDate => "due_date",
            DateKey::TargetDate => "target_date",
            DateKey::MilestoneTargetDate => "milestone_target_date",
        }
    }
}

/// A date key's value: a `"YYYY-MM-DD"` string or a TOML date.
fn date_field(a: &Artifact, key: &str) -> Option<Date> {
    match a.fields.get(key)? {
        toml::Value::String(s) => vocab::parse_date(s.trim()),
        toml::Value::Datetime(d) => {
            let d = d.date?;
            Date::new(
                i16::try_from(d.year).ok()?,
                i8::try_from(d.month).ok()?,
                i8::try_from(d.day).ok()?,
            )
            .ok()
        }
        _ => None,
    }
}

/// The date an item is due by, and the key it came from.
pub fn due_of(a: &Artifact) -> Option<(DateKey, Date)> {
    let keys: &[DateKey] = if a.location.folder == Folder::Tasks {
        &[DateKey::DueDate, DateKey::TargetDate]
    } else {
        &[DateKey::TargetDate, DateKey::MilestoneTargetDate]
    };
    keys.iter()
        .find_map(|k| date_field(a, k.key()).map(|d| (*k, d)))
}

/// The rank of a priority for sorting (Highest first; none counts as Medium).
pub fn priority_rank(p: Option<Priority>) -> u8 {
    p.unwrap_or(Priority::Medium) as u8
}
