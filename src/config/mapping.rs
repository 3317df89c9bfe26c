//! How artifacts map onto GitHub labels and milestones: naming labels from values and
//! reading values back from labels.

use std::collections::BTreeMap;

use crate::artifact::vocab::{self, Kind, Priority, label_word, same_word, standard_status};

use super::settings::ConflictResolution;

/// The kinds of labels the tool manages, each with its own color.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelCategory {
    Status,
    Type,
    Priority,
    Tag,
    Conflict,
}

impl LabelCategory {
    pub const ALL: [LabelCategory; 5] = [
        LabelCategory::Status,
        LabelCategory::Type,
        LabelCategory::Priority,
        LabelCategory::Tag,
        LabelCategory::Conflict,
    ];

    /// The key used in `[github_integration.mapping.label_colors]`.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelCategory::Status => "status",
            LabelCategory::Type => "type",
            LabelCategory::Priority => "priority",
            LabelCategory::Tag => "tag",
            LabelCategory::Conflict => "conflict",
        }
    }

    /// The color used when the configuration sets none (hex, no `#`, as GitHub wants).
    pub fn default_color(self) -> &'static str {
        match self {
            LabelCategory::Status => "1d76db",
            LabelCategory::Type => "5319e7",
            LabelCategory::Priority => "d93f0b",
            LabelCategory::Tag => "c5def5",
            LabelCategory::Conflict => "b60205",
        }
    }
}

/// `[github_integration.mapping]`: how artifacts map onto issues, labels and milestones.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mapping {
    /// The `type` values synced as issues.
    pub issue_types: Vec<String>,
    pub label_prefix: String,
    pub sync_status_as_label: bool,
    pub sync_type_as_label: bool,
    pub sync_priority_as_label: bool,
    pub sync_tags_as_labels: bool,
    /// Explicit label names for status values (`"🟡 To Do" = "PM:Status:ToDo"`).
    pub status_labels: BTreeMap<String, String>,
    pub type_labels: BTreeMap<String, String>,
    pub priority_labels: BTreeMap<String, String>,
    /// Category (`status`, `type`, `priority`, `tag`, `conflict`, or any other key written)
    /// → hex color without `#`. Every standard category is present.
    pub label_colors: BTreeMap<String, String>,
    /// `"🗺️ Epic"` or `"🌟 Feature"`.
    pub milestone_type: String,
    pub sync_milestone_due_date: bool,
    /// Each synced milestone's description carries a managed `Progress: 3/5 tasks done
    /// (60%)` block, written only when the figure changes, never pulled into the plan.
    pub sync_milestone_progress: bool,
    /// A Task whose parent Feature (or Epic) is itself synced as an issue becomes that
    /// issue's sub-issue (GitHub).
    pub sync_sub_issues: bool,
    pub enable_commit_linking: bool,
    pub commit_link_keywords: Vec<String>,
    pub commit_status_update_keywords: Vec<String>,
    pub conflict_resolution: ConflictResolution,
    pub create_missing_labels: bool,
    pub create_missing_milestones: bool,
    /// The status an artifact gets when its issue is reopened on GitHub.
    pub reopen_status: String,
    /// Deleting an Epic/Feature deletes its milestone (otherwise it is only closed).
    pub delete_milestones: bool,
    /// Issues without an `IntelliManage-ID` create local artifacts.
    pub create_artifacts_from_github: bool,
    /// Status-update keywords in commits may close issues on GitHub.
    pub close_on_commit_keywords: bool,
}

impl Default for Mapping {
    fn default() -> Mapping {
        let strings = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Mapping {
            issue_types: [Kind::Story, Kind::Task, Kind::Bug, Kind::Spike]
                .iter()
                .map(|k| k.canonical().to_string())
                .collect(),
            label_prefix: "PM:".to_string(),
            sync_status_as_label: true,
            sync_type_as_label: true,
            sync_priority_as_label: true,
            sync_tags_as_labels: true,
            status_labels: BTreeMap::new(),
            type_labels: BTreeMap::new(),
            priority_labels: BTreeMap::new(),
            label_colors: LabelCategory::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), c.default_color().to_string()))
                .collect(),
            milestone_type: Kind::Epic.canonical().to_string(),
            sync_milestone_due_date: true,
            sync_milestone_progress: false,
            sync_sub_issues: false,
            enable_commit_linking: true,
            commit_link_keywords: strings(&["Fixes", "Closes", "Resolves", "Refs", "Relates to"]),
            commit_status_update_keywords: strings(&["Fixes", "Closes", "Resolves"]),
            conflict_resolution: ConflictResolution::LastUpdateWins,
            create_missing_labels: true,
            create_missing_milestones: true,
            reopen_status: vocab::canonical_status(vocab::StatusClass::Todo).to_string(),
            delete_milestones: false,
            create_artifacts_from_github: false,
            close_on_commit_keywords: false,
        }
    }
}

/// Finds the explicit label for `value` in a value → label map, comparing by word.
fn explicit_label(map: &BTreeMap<String, String>, value: &str) -> Option<String> {
    map.iter()
        .find(|(k, _)| same_word(k, value))
        .map(|(_, v)| v.clone())
}

/// Finds the value whose explicit label is `label` (labels compare case-insensitively,
/// as GitHub does).
fn explicit_value<'m>(map: &'m BTreeMap<String, String>, label: &str) -> Option<&'m str> {
    map.iter()
        .find(|(_, v)| v.trim().eq_ignore_ascii_case(label.trim()))
        .map(|(k, _)| k.as_str())
}

impl Mapping {
    /// The label for a status value: the explicit `status_labels` entry (matched by word),
    /// else `{prefix}Status:{Word}`. Standard statuses use the specification's
    /// capitalisation whatever the case written (`"in progress"` → `PM:Status:InProgress`);
    /// custom ones keep theirs.
    pub fn status_label(&self, status: &str) -> String {
        if let Some(l) = explicit_label(&self.status_labels, status) {
            return l;
        }
        let word = standard_status(status).unwrap_or(status);
        format!("{}Status:{}", self.label_prefix, label_word(word))
    }

    /// The label for a `type` value: explicit `type_labels` entry, else `{prefix}Type:{Word}`.
    pub fn type_label(&self, type_value: &str) -> String {
        if let Some(l) = explicit_label(&self.type_labels, type_value) {
            return l;
        }
        let word = Kind::parse(type_value)
            .map(|k| k.word().to_string())
            .unwrap_or_else(|| label_word(type_value));
        format!("{}Type:{}", self.label_prefix, word)
    }

    /// The label for a `priority` value: explicit `priority_labels` entry, else
    /// `{prefix}Priority:{Word}`.
    pub fn priority_label(&self, priority: &str) -> String {
        if let Some(l) = explicit_label(&self.priority_labels, priority) {
            return l;
        }
        let word = Priority::parse(priority)
            .map(|p| p.word().to_string())
            .unwrap_or_else(|| label_word(priority));
        format!("{}Priority:{}", self.label_prefix, word)
    }

    /// The label flagging a conflict under `manual_flag`: `{prefix}Conflict`.
    pub fn conflict_label(&self) -> String {
        format!("{}Conflict", self.label_prefix)
    }

    /// True when artifacts of this `type` are synced as issues (compared by word).
    pub fn is_issue_type(&self, type_value: &str) -> bool {
        !vocab::word_of(type_value).is_empty()
            && self.issue_types.iter().any(|t| same_word(t, type_value))
    }

    /// The kind whose artifacts become milestones: Epic (the default) or Feature.
    pub fn milestone_kind(&self) -> Kind {
        match Kind::parse(&self.milestone_type) {
            Some(Kind::Feature) => Kind::Feature,
            _ => Kind::Epic,
        }
    }

    /// The hex color (no `#`) for labels of a category.
    pub fn label_color(&self, category: LabelCategory) -> &str {
        self.label_colors
            .get(category.as_str())
            .map(String::as_str)
            .unwrap_or(category.default_color())
    }

    /// Which managed category a label belongs to, if any: explicit map entries, the
    /// conflict label, then `{prefix}Status:`, `{prefix}Type:`, `{prefix}Priority:`.
    /// Tags are plain labels and give `None`.
    pub fn label_category(&self, label: &str) -> Option<LabelCategory> {
        if explicit_value(&self.status_labels, label).is_some() {
            return Some(LabelCategory::Status);
        }
        if explicit_value(&self.type_labels, label).is_some() {
            return Some(LabelCategory::Type);
        }
        if explicit_value(&self.priority_labels, label).is_some() {
            return Some(LabelCategory::Priority);
        }
        if label.trim().eq_ignore_ascii_case(&self.conflict_label()) {
            return Some(LabelCategory::Conflict);
        }
        [
            LabelCategory::Status,
            LabelCategory::Type,
            LabelCategory::Priority,
        ]
        .into_iter()
        .find(|c| self.strip_category(label, *c).is_some())
    }

    /// The part of `{prefix}{Category}:{rest}` after the colon.
    fn strip_category<'l>(&self, label: &'l str, category: LabelCategory) -> Option<&'l str> {
        let name = match category {
            LabelCategory::Status => "Status:",
            LabelCategory::Type => "Type:",
            LabelCategory::Priority => "Priority:",
            LabelCategory::Tag | LabelCategory::Conflict => return None,
        };
        let head = format!("{}{}", self.label_prefix, name);
        let label = label.trim();
        let split = label.get(..head.len())?;
        split
            .eq_ignore_ascii_case(&head)
            .then(|| &label[head.len()..])
            .filter(|rest| !rest.trim().is_empty())
    }

    /// The status value a label stands for: explicit maps first, then
    /// `{prefix}Status:{Word}` read back to the standard spelling or to the project's
    /// custom status as written.
    pub fn status_from_label(&self, label: &str, custom_statuses: &[String]) -> Option<String> {
        if let Some(v) = explicit_value(&self.status_labels, label) {
            return Some(v.to_string());
        }
        let word = self.strip_category(label, LabelCategory::Status)?;
        if let Some(s) = standard_status(word) {
            return Some(s.to_string());
        }
        custom_statuses.iter().find(|c| same_word(c, word)).cloned()
    }

    /// The kind a label stands for (explicit `type_labels`, then `{prefix}Type:{Word}`).
    pub fn type_from_label(&self, label: &str) -> Option<Kind> {
        if let Some(v) = explicit_value(&self.type_labels, label) {
            return Kind::parse(v);
        }
        Kind::parse(self.strip_category(label, LabelCategory::Type)?)
    }

    /// The priority a label stands for.
    pub fn priority_from_label(&self, label: &str) -> Option<Priority> {
        if let Some(v) = explicit_value(&self.priority_labels, label) {
            return Priority::parse(v);
        }
        Priority::parse(self.strip_category(label, LabelCategory::Priority)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::vocab::STANDARD_STATUSES;

    #[test]
    fn labels_from_values() {
        let mut m = Mapping::default();
        assert_eq!(m.status_label("🔵 In Progress"), "PM:Status:InProgress");
        assert_eq!(m.status_label("in progress"), "PM:Status:InProgress");
        assert_eq!(m.status_label("🟡 To Do"), "PM:Status:ToDo");
        assert_eq!(m.status_label("⚪ Planned"), "PM:Status:Planned");
        assert_eq!(m.status_label("⏳ Waiting on QA"), "PM:Status:WaitingonQA");
        assert_eq!(m.type_label("🐞 Bug"), "PM:Type:Bug");
        assert_eq!(m.type_label("bug"), "PM:Type:Bug");
        assert_eq!(m.priority_label("🔼 High"), "PM:Priority:High");
        assert_eq!(m.priority_label("▶ medium"), "PM:Priority:Medium");
        assert_eq!(m.conflict_label(), "PM:Conflict");
        m.status_labels
            .insert("🟡 To Do".into(), "status: todo".into());
        m.type_labels.insert("🐞 Bug".into(), "bug".into());
        m.priority_labels.insert("🔥 Highest".into(), "P0".into());
        assert_eq!(m.status_label("🟡 To Do"), "status: todo");
        assert_eq!(m.status_label("to do"), "status: todo");
        assert_eq!(m.status_label("Ready"), "PM:Status:Ready");
        assert_eq!(m.type_label("🐞 Bug"), "bug");
        assert_eq!(m.priority_label("Highest"), "P0");
        m.label_prefix = String::new();
        assert_eq!(m.type_label("🛠️ Task"), "Type:Task");
    }

    #[test]
    fn values_from_labels() {
        let mut m = Mapping::default();
        let custom = vec!["⏳ Waiting on QA".to_string()];
        assert_eq!(
            m.status_from_label("PM:Status:InProgress", &custom)
                .as_deref(),
            Some("🔵 In Progress")
        );
        assert_eq!(
            m.status_from_label("pm:status:todo", &custom).as_deref(),
            Some("🟡 To Do")
        );
        assert_eq!(
            m.status_from_label("PM:Status:WaitingonQA", &custom)
                .as_deref(),
            Some("⏳ Waiting on QA")
        );
        assert_eq!(m.status_from_label("PM:Status:Unknown", &custom), None);
        assert_eq!(m.status_from_label("PM:Status:", &custom), None);
        assert_eq!(m.status_from_label("bug", &custom), None);
        assert_eq!(m.type_from_label("PM:Type:Bug"), Some(Kind::Bug));
        assert_eq!(
            m.priority_from_label("PM:Priority:Low"),
            Some(Priority::Low)
        );
        assert_eq!(m.priority_from_label("PM:Type:Low"), None);
        assert_eq!(
            m.label_category("PM:Status:Done"),
            Some(LabelCategory::Status)
        );
        assert_eq!(
            m.label_category("PM:Conflict"),
            Some(LabelCategory::Conflict)
        );
        assert_eq!(m.label_category("PM:Type:Task"), Some(LabelCategory::Type));
        assert_eq!(m.label_category("frontend"), None);
        m.status_labels.insert("🟢 Done".into(), "shipped".into());
        m.type_labels.insert("🐞 Bug".into(), "bug".into());
        assert_eq!(
            m.status_from_label("Shipped", &custom).as_deref(),
            Some("🟢 Done")
        );
        assert_eq!(m.type_from_label("bug"), Some(Kind::Bug));
        assert_eq!(m.label_category("bug"), Some(LabelCategory::Type));
        assert_eq!(m.label_category("shipped"), Some(LabelCategory::Status));
        // Round trip for every standard status and priority.
        for (s, _) in STANDARD_STATUSES {
            assert_eq!(
                m.status_from_label(&m.status_label(s), &[]).as_deref(),
                Some(s),
                "{s}"
            );
        }
        for p in Priority::ALL {
            assert_eq!(
                m.priority_from_label(&m.priority_label(p.canonical())),
                Some(p)
            );
        }
    }

    #[test]
    fn issue_types_compare_by_word() {
        let m = Mapping::default();
        assert!(m.is_issue_type("🛠️ Task"));
        assert!(m.is_issue_type("🛠 task"));
        assert!(m.is_issue_type("Story"));
        assert!(!m.is_issue_type("🧹 Chore"));
        assert!(!m.is_issue_type("🗺️ Epic"));
        assert!(!m.is_issue_type(""));
    }
}
