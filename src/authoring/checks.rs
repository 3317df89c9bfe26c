//! What a value given to `new` or `set` means in the plan's vocabulary, and why one is
//! refused: a type, status or priority word, an ID of the project (of the right kind), a
//! Feature that must belong to the Epic also named, a one-line text; each refusal with a
//! hint.

use crate::artifact::vocab::{self, STANDARD_STATUSES, StatusClass};
use crate::artifact::{Artifact, Kind, Priority};

use super::ProjectView;

/// Why no artifact was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthoringError {
    #[error("unknown type `{0}`")]
    UnknownType(String),
    #[error("unknown status `{given}`")]
    UnknownStatus {
        given: String,
        accepted: Vec<String>,
    },
    #[error("unknown priority `{0}`")]
    UnknownPriority(String),
    #[error("`{given}` is not a date in the form YYYY-MM-DD (given to {flag})")]
    BadDate { flag: &'static str, given: String },
    #[error("{0}")]
    BadValue(String),
    #[error("{flag} does not apply to {}", a_kind(*.kind))]
    NotApplicable { flag: &'static str, kind: Kind },
    #[error("a Feature must name its Epic")]
    FeatureNeedsEpic,
    #[error(
        "Feature {feature} ({feature_flag}) belongs to Epic {feature_epic}, not to {epic} ({epic_flag})"
    )]
    EpicMismatch {
        feature: String,
        feature_flag: &'static str,
        feature_epic: String,
        epic: String,
        epic_flag: &'static str,
    },
    #[error("no artifact `{id}` in project {project} (given to {flag})")]
    UnknownId {
        flag: &'static str,
        id: String,
        project: String,
    },
    #[error("`{id}` (given to {flag}) is {}, not {}", an(.found), a_kind(*.expected))]
    WrongKind {
        flag: &'static str,
        id: String,
        expected: Kind,
        found: String,
    },
    #[error("the new artifact would not be valid: {0}")]
    Invalid(String),
    #[error("{path} already exists (it is never replaced)")]
    Exists { path: String },
    #[error("another `new` run has held {path} for {waited_secs} s; gave up waiting")]
    Busy { path: String, waited_secs: u64 },
    #[error("cannot {action} {path}: {message}")]
    Io {
        action: &'static str,
        path: String,
        message: String,
    },
}

impl AuthoringError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            AuthoringError::UnknownType(_) => format!("accepted types: {}", kind_words()),
            AuthoringError::UnknownStatus { accepted, .. } => format!(
                "accepted statuses (with or without the emoji, any case): {}",
                accepted.join(", ")
            ),
            AuthoringError::UnknownPriority(_) => format!(
                "accepted priorities (with or without the emoji, any case): {}",
                Priority::ALL
                    .iter()
                    .map(|p| p.canonical())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AuthoringError::BadDate { .. } => {
                "write a real day as YYYY-MM-DD, e.g. 2025-06-30".into()
            }
            AuthoringError::BadValue(_) => return None,
            AuthoringError::NotApplicable { flag, kind } => {
                let a = a_kind(*kind);
                match *flag {
                    "--epic" | "epic_id" => {
                        format!("{a} has no Epic; {flag} is for Features and work items")
                    }
                    "--feature" | "feature_id" => {
                        format!("{a} has no Feature; {flag} is for work items (task, bug, …)")
                    }
                    "--depends-on" | "depends_on" => {
                        format!("{a} has no depends_on; it is for Features and work items")
                    }
                    "initiative_id" => format!("{a} has no Initiative; {flag} is for Epics"),
                    "milestone_name" | "milestone_target_date" | "related_milestone" => {
                        format!("{a} has no {flag}; it is for Epics and Features")
                    }
                    "kpis" => format!("{a} has no kpis; they are for Initiatives"),
                    "estimated_effort" => {
                        format!("{a} has no {flag}; it is for work items (task, bug, …)")
                    }
                    _ => format!("leave {flag} out for {a}"),
                }
            }
            AuthoringError::FeatureNeedsEpic => {
                "name it with --epic EPIC-ID (`git intellimanage list --type epic` lists them)"
                    .into()
            }
            AuthoringError::EpicMismatch {
                epic_flag, epic, ..
            } if epic_flag.starts_with("--") => format!(
                "leave {epic_flag} out (a work item's Epic follows from its Feature), or name a Feature of {epic}"
            ),
            AuthoringError::EpicMismatch {
                epic_flag, epic, ..
            } => format!(
                "remove {epic_flag} with `{epic_flag}=` (a work item's Epic follows from its Feature), or name a Feature of {epic}"
            ),
            AuthoringError::UnknownId { .. } => {
                "`git intellimanage list --worktree --archived` lists the project's IDs".into()
            }
            AuthoringError::WrongKind { expected, .. } => format!(
                "`git intellimanage list --worktree --type {}` lists them",
                expected.word().to_lowercase()
            ),
            AuthoringError::Invalid(_) => return None,
            AuthoringError::Exists { .. } => {
                "another run took that ID meanwhile: run the command again".into()
            }
            AuthoringError::Busy { .. } => {
                "let the other `git intellimanage new` finish, then run this again".into()
            }
            AuthoringError::Io { .. } => "check the permissions of the working tree".into(),
        })
    }
}

/// `a Task`, `an Epic`.
fn an(word: &str) -> String {
    let article = if word.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

fn a_kind(kind: Kind) -> String {
    an(kind.word())
}

fn kind_words() -> String {
    Kind::ALL
        .iter()
        .map(|k| k.word().to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The kind a `TYPE` word names (`task`, `"🐞 Bug"`, `Feature`, …).
pub fn parse_kind(word: &str) -> Result<Kind, AuthoringError> {
    Kind::parse(word).ok_or_else(|| AuthoringError::UnknownType(word.to_string()))
}

/// The status to write for `given` (standard ones in the specification's spelling, custom
/// ones as the config spells them); `None` gives the initial status, `🟡 To Do`.
pub fn resolve_status(given: Option<&str>, custom: &[String]) -> Result<String, AuthoringError> {
    let Some(given) = given else {
        return Ok(vocab::canonical_status(StatusClass::Todo).to_string());
    };
    if let Some(s) = vocab::standard_status(given) {
        return Ok(s.to_string());
    }
    if let Some(c) = custom
        .iter()
        .find(|c| !vocab::word_of(given).is_empty() && vocab::same_word(c, given))
    {
        return Ok(c.clone());
    }
    let accepted = STANDARD_STATUSES
        .iter()
        .map(|(s, _)| s.to_string())
        .chain(custom.iter().cloned())
        .collect();
    Err(AuthoringError::UnknownStatus {
        given: given.to_string(),
        accepted,
    })
}

/// The priority to write for `given`, in the specification's spelling.
pub fn resolve_priority(given: &str) -> Result<&'static str, AuthoringError> {
    Priority::parse(given)
        .map(Priority::canonical)
        .ok_or_else(|| AuthoringError::UnknownPriority(given.to_string()))
}

/// Finds `id` among the project's artifacts (case-insensitively), for `flag` (the option or
/// key that named it, for the error).
pub(crate) fn find<'a>(
    project: &ProjectView<'a>,
    flag: &'static str,
    id: &str,
) -> Result<&'a Artifact, AuthoringError> {
    project
        .artifacts
        .iter()
        .find(|a| a.id.eq_ignore_ascii_case(id.trim()))
        .copied()
        .ok_or_else(|| AuthoringError::UnknownId {
            flag,
            id: id.trim().to_string(),
            project: project.slug.clone(),
        })
}

pub(super) fn parent(
    project: &ProjectView<'_>,
    flag: &'static str,
    id: &str,
    expected: Kind,
) -> Result<String, AuthoringError> {
    let a = find(project, flag, id)?;
    if a.kind != Some(expected) {
        return Err(AuthoringError::WrongKind {
            flag,
            id: a.id.clone(),
            expected,
            found: a
                .kind
                .map(|k| k.word().to_string())
                .unwrap_or_else(|| format!("`{}`", a.type_name)),
        });
    }
    Ok(a.id.clone())
}

/// Checks that the Feature `feature` belongs to the Epic `epic` (both IDs of the project,
/// each with the option or key that named it): a work item may carry both `feature_id` and
/// `epic_id`, and then they must agree. A Feature that names no Epic (or one of another
/// kind) is not checked here; `validate` reports it.
pub(crate) fn feature_in_epic(
    project: &ProjectView<'_>,
    (feature, feature_flag): (&str, &'static str),
    (epic, epic_flag): (&str, &'static str),
) -> Result<(), AuthoringError> {
    let Ok(f) = find(project, feature_flag, feature) else {
        return Ok(());
    };
    let Some(feature_epic) = f
        .str_field("epic_id")
        .map(str::trim)
        .filter(|e| !e.is_empty())
    else {
        return Ok(());
    };
    if feature_epic.eq_ignore_ascii_case(epic.trim()) {
        return Ok(());
    }
    Err(AuthoringError::EpicMismatch {
        feature: f.id.clone(),
        feature_flag,
        feature_epic: feature_epic.to_string(),
        epic: epic.trim().to_string(),
        epic_flag,
    })
}

pub(super) fn one_line(what: &str, value: &str) -> Result<(), AuthoringError> {
    if value.trim().is_empty() {
        return Err(AuthoringError::BadValue(format!(
            "{what} must not be empty"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(AuthoringError::BadValue(format!(
            "{what} must be one line without control characters"
        )));
    }
    Ok(())
}
