//! The frontmatter keys `set` changes: how each value is checked, and which kinds of
//! artifact each belongs to, after the specification's templates.

use crate::artifact::vocab::Kind;

/// How a settable key's value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// One line of text; `required` keys cannot be removed.
    Text {
        required: bool,
    },
    Status,
    Priority,
    Date,
    /// The ID of an artifact of this kind.
    Parent(Kind),
    /// A list of free words.
    Words,
    /// A list of IDs of the project.
    Ids,
    /// A list of commit IDs (4 to 64 hexadecimal digits, kept in lowercase).
    Commits,
}

impl KeyKind {
    pub(super) fn is_list(self) -> bool {
        matches!(self, KeyKind::Words | KeyKind::Ids | KeyKind::Commits)
    }
}

/// The work items: Stories, Tasks, Bugs, Spikes, Chores, Docs, Tests.
const WORK_ITEMS: &[Kind] = &[
    Kind::Story,
    Kind::Task,
    Kind::Bug,
    Kind::Spike,
    Kind::Chore,
    Kind::Docs,
    Kind::Test,
];
/// Features and work items.
const FEATURES_AND_WORK_ITEMS: &[Kind] = &[
    Kind::Feature,
    Kind::Story,
    Kind::Task,
    Kind::Bug,
    Kind::Spike,
    Kind::Chore,
    Kind::Docs,
    Kind::Test,
];
const EPICS_AND_FEATURES: &[Kind] = &[Kind::Epic, Kind::Feature];

/// A key `set` changes: how its value is checked and which kinds of artifact it belongs
/// to (`None`: any), after the specification's templates.
pub(super) struct Key {
    pub name: &'static str,
    pub kind: KeyKind,
    pub of: Option<&'static [Kind]>,
}

const fn key(name: &'static str, kind: KeyKind, of: Option<&'static [Kind]>) -> Key {
    Key { name, kind, of }
}

const TEXT: KeyKind = KeyKind::Text { required: false };

/// The keys `set` changes. A value for a key the kind's template does not have is refused
/// (removing it is fine) where the specification ties the key to kinds: parents,
/// `depends_on`, the milestone keys, `kpis`, `estimated_effort`. The people, dates,
/// `tags`, `related_docs` and the link lists (`related_*`, which sync and the commit hooks
/// write on any kind) are accepted on every kind.
const KEYS: [Key; 24] = [
    key("title", KeyKind::Text { required: true }, None),
    key("status", KeyKind::Status, None),
    key("priority", KeyKind::Priority, None),
    key("assigned_to", TEXT, None),
    key("owner", TEXT, None),
    key("reporter", TEXT, None),
    key("sprint_id", TEXT, None),
    key("due_date", KeyKind::Date, None),
    key("target_date", KeyKind::Date, None),
    key("start_date", KeyKind::Date, None),
    key(
        "initiative_id",
        KeyKind::Parent(Kind::Initiative),
        Some(&[Kind::Epic]),
    ),
    key(
        "epic_id",
        KeyKind::Parent(Kind::Epic),
        Some(FEATURES_AND_WORK_ITEMS),
    ),
    key(
        "feature_id",
        KeyKind::Parent(Kind::Feature),
        Some(WORK_ITEMS),
    ),
    key("milestone_name", TEXT, Some(EPICS_AND_FEATURES)),
    key(
        "milestone_target_date",
        KeyKind::Date,
        Some(EPICS_AND_FEATURES),
    ),
    key("related_milestone", TEXT, Some(EPICS_AND_FEATURES)),
    key("estimated_effort", TEXT, Some(WORK_ITEMS)),
    key("tags", KeyKind::Words, None),
    key("related_docs", KeyKind::Words, None),
    key("kpis", KeyKind::Words, Some(&[Kind::Initiative])),
    key("depends_on", KeyKind::Ids, Some(FEATURES_AND_WORK_ITEMS)),
    key("related_commits", KeyKind::Commits, None),
    key("related_prs", KeyKind::Words, None),
    key("related_issues", KeyKind::Words, None),
];

pub(super) fn find_key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

pub(super) fn key_kind(name: &str) -> Option<KeyKind> {
    find_key(name).map(|k| k.kind)
}

/// The keys `set` accepts, comma-separated.
pub fn accepted_keys() -> String {
    KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}

/// The list keys (`+=`, `-=`), comma-separated.
pub(super) fn list_keys() -> String {
    KEYS.iter()
        .filter(|k| k.kind.is_list())
        .map(|k| k.name)
        .collect::<Vec<_>>()
        .join(", ")
}
