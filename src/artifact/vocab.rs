//! The vocabulary of artifacts: kinds (`type`), statuses, priorities, dates.
//!
//! IntelliManage writes enum values as an emoji followed by a word (`"🛠️ Task"`,
//! `"🔵 In Progress"`). The emoji may or may not carry the variation selector U+FE0F,
//! and people type values by hand, so every value is matched on its word,
//! case-insensitively. The canonical spellings (as the specification writes them) are
//! used whenever the tool writes a value itself.

use super::Folder;

/// What an artifact is: the `type` key.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Kind {
    Initiative,
    Epic,
    Feature,
    Story,
    Task,
    Bug,
    Spike,
    Chore,
    Docs,
    Test,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Initiative,
        Kind::Epic,
        Kind::Feature,
        Kind::Story,
        Kind::Task,
        Kind::Bug,
        Kind::Spike,
        Kind::Chore,
        Kind::Docs,
        Kind::Test,
    ];

    /// Reads a `type` value: `"🛠️ Task"`, `"🛠 Task"`, `"Task"` and `"task"` all give
    /// [`Kind::Task`].
    pub fn parse(type_value: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| same_word(type_value, k.word()))
    }

    /// The bare word: `"Task"`.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Initiative => "Initiative",
            Kind::Epic => "Epic",
            Kind::Feature => "Feature",
            Kind::Story => "Story",
            Kind::Task => "Task",
            Kind::Bug => "Bug",
            Kind::Spike => "Spike",
            Kind::Chore => "Chore",
            Kind::Docs => "Docs",
            Kind::Test => "Test",
        }
    }

    /// The value as the specification writes it: `"🛠️ Task"`.
    pub fn canonical(self) -> &'static str {
        match self {
            Kind::Initiative => "🎯 Initiative",
            Kind::Epic => "🗺\u{fe0f} Epic",
            Kind::Feature => "🌟 Feature",
            Kind::Story => "✨ Story",
            Kind::Task => "🛠\u{fe0f} Task",
            Kind::Bug => "🐞 Bug",
            Kind::Spike => "💡 Spike",
            Kind::Chore => "🧹 Chore",
            Kind::Docs => "📖 Docs",
            Kind::Test => "🧪 Test",
        }
    }

    /// The folder artifacts of this kind live in.
    pub fn folder(self) -> Folder {
        match self {
            Kind::Initiative => Folder::Initiatives,
            Kind::Epic => Folder::Epics,
            Kind::Feature => Folder::Features,
            _ => Folder::Tasks,
        }
    }

    /// Stories, tasks, bugs, spikes, chores, docs and tests: the things that become issues.
    pub fn is_work_item(self) -> bool {
        self.folder() == Folder::Tasks
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// True for the characters that may precede the word of a value: emoji, symbols,
/// punctuation, joiners and variation selectors, whitespace.
fn is_decoration(c: char) -> bool {
    !c.is_alphanumeric()
}

/// The word of a value: leading emoji, symbols, variation selectors and whitespace
/// removed, inner whitespace collapsed to single spaces, lowercased.
/// `"🔵 In Progress"` → `"in progress"`.
pub fn word_of(value: &str) -> String {
    let rest = value.trim_start_matches(is_decoration);
    rest.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The characters of the word with spaces, hyphens and underscores removed, lowercased, for
/// comparing values written in different forms (`"To Do"`, `"todo"`, `"ToDo"`, `"to-do"`).
/// An iterator, so that comparing values (done for every artifact read) allocates nothing.
fn match_key(value: &str) -> impl Iterator<Item = char> + '_ {
    value
        .trim_start_matches(is_decoration)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
}

/// A value as a person reads it without its emoji: leading emoji and symbols removed, case
/// and inner spacing kept. `"🔵 In Progress"` → `"In Progress"`.
pub fn display_word(value: &str) -> &str {
    value.trim_start_matches(is_decoration).trim()
}

/// True when two values name the same thing (same word, whatever the emoji, case and
/// spacing).
pub fn same_word(a: &str, b: &str) -> bool {
    match_key(a).eq(match_key(b))
}

/// The word in label form: spaces removed, capitalisation kept as written.
/// `"🟡 To Do"` → `"ToDo"`, `"🔵 In Progress"` → `"InProgress"`.
pub fn label_word(value: &str) -> String {
    value
        .trim_start_matches(is_decoration)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The lifecycle class a status value belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum StatusClass {
    Backlog,
    Todo,
    InProgress,
    Review,
    Done,
    Archived,
    Blocked,
    /// One of the project's `custom_statuses`.
    Custom,
}

impl StatusClass {
    /// Done and Archived: the states that close an issue or milestone.
    pub fn is_closed(self) -> bool {
        matches!(self, StatusClass::Done | StatusClass::Archived)
    }
}

/// The standard status values, as the specification spells them, with their class.
/// The first entry of each class is the one the tool writes.
pub const STANDARD_STATUSES: [(&str, StatusClass); 12] = [
    ("⚪\u{fe0f} Backlog", StatusClass::Backlog),
    ("⚪\u{fe0f} Planned", StatusClass::Backlog),
    ("🟡 To Do", StatusClass::Todo),
    ("🟡 Ready", StatusClass::Todo),
    ("🔵 In Progress", StatusClass::InProgress),
    ("🟣 Review", StatusClass::Review),
    ("🟣 QA", StatusClass::Review),
    ("🟢 Done", StatusClass::Done),
    ("🟢 Completed", StatusClass::Done),
    ("🧊 Archived", StatusClass::Archived),
    ("🧊 Closed", StatusClass::Archived),
    ("🚧 Blocked", StatusClass::Blocked),
];

/// The standard spelling of a standard status value, whatever emoji or case it was
/// written with: `"in progress"` → `"🔵 In Progress"`, `"ready"` → `"🟡 Ready"`.
pub fn standard_status(value: &str) -> Option<&'static str> {
    // An empty word names nothing.
    match_key(value).next()?;
    STANDARD_STATUSES
        .iter()
        .find(|(s, _)| same_word(s, value))
        .map(|(s, _)| *s)
}

/// Classifies a status value: one of the standard ones, else one of the project's
/// `custom_statuses` (compared by word), else `None`.
pub fn classify_status(value: &str, custom_statuses: &[String]) -> Option<StatusClass> {
    // An empty word names nothing.
    match_key(value).next()?;
    if let Some((_, class)) = STANDARD_STATUSES.iter().find(|(s, _)| same_word(s, value)) {
        return Some(*class);
    }
    custom_statuses
        .iter()
        .any(|c| same_word(c, value))
        .then_some(StatusClass::Custom)
}

/// The specification's spelling of a class, for writing: `Done` → `"🟢 Done"`.
/// [`StatusClass::Custom`] has no standard spelling and gives `""`: keep the value as
/// written instead.
pub fn canonical_status(class: StatusClass) -> &'static str {
    STANDARD_STATUSES
        .iter()
        .find(|(_, c)| *c == class)
        .map(|(s, _)| *s)
        .unwrap_or("")
}

/// The `priority` key.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Priority {
    Highest,
    High,
    Medium,
    Low,
    Lowest,
}

impl Priority {
    pub const ALL: [Priority; 5] = [
        Priority::Highest,
        Priority::High,
        Priority::Medium,
        Priority::Low,
        Priority::Lowest,
    ];

    /// Reads a `priority` value by its word: `"🔼 High"`, `"high"`.
    pub fn parse(value: &str) -> Option<Priority> {
        Priority::ALL
            .into_iter()
            .find(|p| same_word(value, p.word()))
    }

    pub fn word(self) -> &'static str {
        match self {
            Priority::Highest => "Highest",
            Priority::High => "High",
            Priority::Medium => "Medium",
            Priority::Low => "Low",
            Priority::Lowest => "Lowest",
        }
    }

    /// The value as the specification writes it: `"🔼 High"`.
    pub fn canonical(self) -> &'static str {
        match self {
            Priority::Highest => "🔥 Highest",
            Priority::High => "🔼 High",
            Priority::Medium => "▶\u{fe0f} Medium",
            Priority::Low => "🔽 Low",
            Priority::Lowest => "🧊 Lowest",
        }
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// The keys whose values are vocabulary: compared by [`same_vocabulary_value`].
pub const VOCABULARY_KEYS: [&str; 3] = ["status", "type", "priority"];

/// True when two values of `key` (`status`, `type` or `priority`) are the same value of
/// the vocabulary: both the same standard status, type or priority, however written
/// (`"🟡 To Do"`, `"🟡\u{fe0f} To Do"`). Values outside the standard vocabulary (custom
/// statuses, unknown types) are the same when equal but for variation selectors (U+FE0F).
pub fn same_vocabulary_value(key: &str, a: &str, b: &str) -> bool {
    let canonical = |v: &str| -> Option<&'static str> {
        match key {
            "status" => standard_status(v),
            "type" => Kind::parse(v).map(Kind::canonical),
            "priority" => Priority::parse(v).map(Priority::canonical),
            _ => None,
        }
    };
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => {
            let plain = |v: &str| v.replace('\u{fe0f}', "");
            plain(a) == plain(b)
        }
        _ => false,
    }
}

/// Parses a `"YYYY-MM-DD"` date, strictly: exactly that shape, and a real day
/// (`2025-02-30` is rejected).
pub fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape_ok {
        return None;
    }
    let year: i16 = s.get(0..4)?.parse().ok()?;
    let month: i8 = s.get(5..7)?.parse().ok()?;
    let day: i8 = s.get(8..10)?.parse().ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

/// Parses an ISO 8601 / RFC 3339 datetime with an offset or `Z`
/// (`2025-04-28T10:00:00Z`, `2025-04-28 12:00:00+02:00`, the form TOML datetimes take
/// when turned into strings). Datetimes without an offset are rejected: they name no
/// single instant.
pub fn parse_datetime(s: &str) -> Option<jiff::Timestamp> {
    s.trim().parse::<jiff::Timestamp>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_values_compare_by_their_canonical_value() {
        assert!(same_vocabulary_value(
            "status",
            "🟡 To Do",
            "🟡\u{fe0f} To Do"
        ));
        assert!(same_vocabulary_value(
            "status",
            "⚪\u{fe0f} Planned",
            "⚪ planned"
        ));
        assert!(!same_vocabulary_value("status", "🟡 To Do", "🟡 Ready"));
        assert!(!same_vocabulary_value("status", "🟡 To Do", "⏳ Waiting"));
        assert!(same_vocabulary_value(
            "status",
            "⏳\u{fe0f} Waiting",
            "⏳ Waiting"
        ));
        assert!(!same_vocabulary_value("status", "⏳ Waiting", "⏳ Later"));
        assert!(same_vocabulary_value("type", "🛠\u{fe0f} Task", "🛠 Task"));
        assert!(!same_vocabulary_value("type", "🛠 Task", "🐞 Bug"));
        assert!(same_vocabulary_value(
            "priority",
            "▶ Medium",
            "▶\u{fe0f} Medium"
        ));
        assert!(!same_vocabulary_value("priority", "▶ Medium", "🔼 High"));
        assert!(!same_vocabulary_value("title", "a\u{fe0f}", "b"));
    }

    #[test]
    fn kinds_parse_with_and_without_the_variation_selector() {
        for v in [
            "🛠\u{fe0f} Task",
            "🛠 Task",
            "Task",
            "task",
            "  TASK ",
            "🛠️Task",
        ] {
            assert_eq!(Kind::parse(v), Some(Kind::Task), "{v:?}");
        }
        assert_eq!(Kind::parse("🗺 Epic"), Some(Kind::Epic));
        assert_eq!(Kind::parse("🗺\u{fe0f} Epic"), Some(Kind::Epic));
        assert_eq!(Kind::parse("🌟 feature"), Some(Kind::Feature));
        assert_eq!(Kind::parse("🐞 Bug"), Some(Kind::Bug));
        assert_eq!(Kind::parse("Bugfix"), None);
        assert_eq!(Kind::parse(""), None);
        assert_eq!(Kind::parse("🛠️"), None);
    }

    #[test]
    fn every_kind_round_trips_through_its_canonical_spelling() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.canonical()), Some(k));
            assert_eq!(Kind::parse(k.word()), Some(k));
            assert!(k.canonical().ends_with(k.word()));
        }
        assert_eq!(Kind::Task.canonical(), "🛠️ Task");
        assert!(Kind::Task.canonical().contains('\u{fe0f}'));
    }

    #[test]
    fn kinds_know_their_folder() {
        assert_eq!(Kind::Initiative.folder(), Folder::Initiatives);
        assert_eq!(Kind::Epic.folder(), Folder::Epics);
        assert_eq!(Kind::Feature.folder(), Folder::Features);
        for k in [
            Kind::Story,
            Kind::Task,
            Kind::Bug,
            Kind::Spike,
            Kind::Chore,
            Kind::Docs,
            Kind::Test,
        ] {
            assert_eq!(k.folder(), Folder::Tasks);
            assert!(k.is_work_item());
        }
        assert!(!Kind::Epic.is_work_item());
        assert!(!Kind::Feature.is_work_item());
        assert!(!Kind::Initiative.is_work_item());
    }

    #[test]
    fn kinds_serialize_as_their_word() {
        assert_eq!(serde_json::to_string(&Kind::Bug).expect("json"), "\"Bug\"");
        assert_eq!(
            serde_json::to_string(&Priority::High).expect("json"),
            "\"High\""
        );
    }

    #[test]
    fn word_of_strips_decoration() {
        assert_eq!(word_of("🔵 In Progress"), "in progress");
        assert_eq!(word_of("⚪\u{fe0f} Planned"), "planned");
        assert_eq!(word_of("⚪ Planned"), "planned");
        assert_eq!(word_of("  To   Do "), "to do");
        assert_eq!(word_of("Done"), "done");
        assert_eq!(word_of("🟢"), "");
    }

    #[test]
    fn statuses_classify_by_word() {
        let none: Vec<String> = Vec::new();
        let cases = [
            ("⚪️ Backlog", StatusClass::Backlog),
            ("⚪ Planned", StatusClass::Backlog),
            ("🟡 To Do", StatusClass::Todo),
            ("todo", StatusClass::Todo),
            ("ToDo", StatusClass::Todo),
            ("Ready", StatusClass::Todo),
            ("🔵 In Progress", StatusClass::InProgress),
            ("in progress", StatusClass::InProgress),
            ("🟣 Review", StatusClass::Review),
            ("QA", StatusClass::Review),
            ("🟢 Done", StatusClass::Done),
            ("completed", StatusClass::Done),
            ("🧊 Archived", StatusClass::Archived),
            ("Closed", StatusClass::Archived),
            ("🚧 Blocked", StatusClass::Blocked),
        ];
        for (v, class) in cases {
            assert_eq!(classify_status(v, &none), Some(class), "{v:?}");
        }
        assert_eq!(classify_status("Waiting", &none), None);
        assert_eq!(classify_status("", &none), None);
        assert_eq!(classify_status("🟢", &none), None);
    }

    #[test]
    fn custom_statuses_classify_as_custom() {
        let custom = vec![
            "⏳ Waiting for Customer".to_string(),
            "Deployed".to_string(),
        ];
        assert_eq!(
            classify_status("waiting for customer", &custom),
            Some(StatusClass::Custom)
        );
        assert_eq!(
            classify_status("🚀 Deployed", &custom),
            Some(StatusClass::Custom)
        );
        assert_eq!(classify_status("Waiting", &custom), None);
        // A standard word stays standard even when listed as custom.
        let shadow = vec!["Done".to_string()];
        assert_eq!(classify_status("Done", &shadow), Some(StatusClass::Done));
    }

    #[test]
    fn closed_classes() {
        assert!(StatusClass::Done.is_closed());
        assert!(StatusClass::Archived.is_closed());
        for c in [
            StatusClass::Backlog,
            StatusClass::Todo,
            StatusClass::InProgress,
            StatusClass::Review,
            StatusClass::Blocked,
            StatusClass::Custom,
        ] {
            assert!(!c.is_closed(), "{c:?}");
        }
    }

    #[test]
    fn canonical_statuses_classify_back_to_their_class() {
        assert_eq!(canonical_status(StatusClass::Done), "🟢 Done");
        assert_eq!(canonical_status(StatusClass::Todo), "🟡 To Do");
        assert_eq!(canonical_status(StatusClass::InProgress), "🔵 In Progress");
        assert_eq!(canonical_status(StatusClass::Custom), "");
        for (_, class) in STANDARD_STATUSES {
            assert_eq!(classify_status(canonical_status(class), &[]), Some(class));
        }
        assert_eq!(standard_status("ready"), Some("🟡 Ready"));
        assert_eq!(standard_status("IN PROGRESS"), Some("🔵 In Progress"));
        assert_eq!(standard_status("Later"), None);
    }

    #[test]
    fn priorities_parse_by_word() {
        assert_eq!(Priority::parse("🔼 High"), Some(Priority::High));
        assert_eq!(Priority::parse("high"), Some(Priority::High));
        assert_eq!(Priority::parse("▶️ Medium"), Some(Priority::Medium));
        assert_eq!(Priority::parse("▶ Medium"), Some(Priority::Medium));
        assert_eq!(Priority::parse("🔽 Low"), Some(Priority::Low));
        assert_eq!(Priority::parse("Lowest"), Some(Priority::Lowest));
        assert_eq!(Priority::parse("🔥 Highest"), Some(Priority::Highest));
        assert_eq!(Priority::parse("Urgent"), None);
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.canonical()), Some(p));
        }
        assert_eq!(Priority::High.canonical(), "🔼 High");
    }

    #[test]
    fn label_words_drop_spaces_and_keep_case() {
        assert_eq!(label_word("🟡 To Do"), "ToDo");
        assert_eq!(label_word("🔵 In Progress"), "InProgress");
        assert_eq!(label_word("🛠️ Task"), "Task");
        assert_eq!(label_word("waiting for QA"), "waitingforQA");
    }

    #[test]
    fn same_word_ignores_emoji_case_and_spacing() {
        assert!(same_word("🟡 To Do", "todo"));
        assert!(same_word("🛠 Task", "🛠️ TASK"));
        assert!(!same_word("Task", "Bug"));
    }

    #[test]
    fn dates_are_strict() {
        let d = parse_date("2025-04-28").expect("valid date");
        assert_eq!((d.year(), d.month(), d.day()), (2025, 4, 28));
        assert!(parse_date("2024-02-29").is_some());
        for bad in [
            "2025-02-30",
            "2025-02-29",
            "2025-13-01",
            "2025-4-28",
            "2025/04/28",
            "25-04-28",
            "2025-04-28 ",
            "2025-04-28T00:00:00Z",
            "YYYY-MM-DD",
            "",
            "２０２５-04-28",
        ] {
            assert!(parse_date(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn datetimes_need_an_offset() {
        let z = parse_datetime("2025-04-28T10:00:00Z").expect("Z");
        let plus = parse_datetime("2025-04-28T12:00:00+02:00").expect("offset");
        assert_eq!(z, plus);
        let space = parse_datetime("2025-04-28 12:00:00+02:00").expect("space separator");
        assert_eq!(z, space);
        assert!(parse_datetime("2025-04-28T10:00:00.5Z").is_some());
        assert!(parse_datetime("2025-04-28T10:00:00").is_none());
        assert!(parse_datetime("2025-04-28").is_none());
        assert!(parse_datetime("yesterday").is_none());
        // A TOML datetime literal turned into a string.
        let v: toml::Table = toml::from_str("t = 2025-04-28T10:00:00Z").expect("toml");
        let s = v.get("t").expect("t").to_string();
        assert_eq!(parse_datetime(&s), Some(z));
        let v: toml::Table = toml::from_str("t = 2025-04-28 12:00:00+02:00").expect("toml");
        let s = v.get("t").expect("t").to_string();
        assert_eq!(parse_datetime(&s), Some(z));
    }
}
