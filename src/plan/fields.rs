//! The GitHub-side shape of an artifact ("fields"), computed from either side: from an
//! artifact through the project's mapping, or from an issue/milestone as GitHub returns it.
//! The planner compares these three ways (local, last synced, remote).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::artifact::{Artifact, Kind, StatusClass, vocab};
use crate::config::{LabelCategory, ProjectConfig};
use crate::tracker::{Issue, Milestone, Platform};

/// The line that ties a GitHub item to its artifact.
pub const MARKER_PREFIX: &str = "IntelliManage-ID:";

pub fn marker_line(id: &str) -> String {
    format!("{MARKER_PREFIX} {id}")
}

/// The artifact ID named by a marker line in `body`, if any.
pub fn marker_id(body: &str) -> Option<String> {
    body.lines().rev().find_map(|l| {
        l.trim()
            .strip_prefix(MARKER_PREFIX)
            .map(|rest| rest.trim().to_string())
            .filter(|id| !id.is_empty() && !id.contains(char::is_whitespace))
    })
}

/// Line ends unified, outer blank lines and trailing spaces on the end trimmed: GitHub and
/// editors disagree about those, people don't mean them.
pub fn normalize_text(text: &str) -> String {
    let unified = text.replace("\r\n", "\n");
    unified.trim_matches('\n').trim_end().to_string()
}

/// The text without its marker line (and the blank lines before it).
pub fn strip_marker(body: &str) -> String {
    let kept: Vec<&str> = body
        .lines()
        .filter(|l| !l.trim().starts_with(MARKER_PREFIX))
        .collect();
    normalize_text(&kept.join("\n"))
}

/// The text GitHub gets: the artifact's text, a blank line, the marker line.
pub fn with_marker(text: &str, id: &str) -> String {
    let text = normalize_text(text);
    if text.is_empty() {
        marker_line(id)
    } else {
        format!("{text}\n\n{}", marker_line(id))
    }
}

/// An issue as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IssueFields {
    pub title: String,
    /// Without the marker line, normalised.
    pub body: String,
    pub closed: bool,
    /// `completed` or `not_planned` when closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    pub labels: BTreeSet<String>,
    pub assignees: BTreeSet<String>,
    /// The milestone's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    /// What it depends on (on the tracker: is blocked by), as artifact IDs, among the
    /// project's synced issues. `None`: not known — a record written before dependencies
    /// were synced, a tracker that doesn't sync them, or an issue whose dependencies this
    /// run did not read and that no record knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<BTreeSet<String>>,
    /// The column of its card on the project board (the status field's option). `None`:
    /// no board is synced, it wasn't read, or the status has no column there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Its parent issue (GitHub's sub-issues), as an artifact ID, with `sync_sub_issues`:
    /// the Feature or Epic above it when that is itself synced as an issue. `None`: not
    /// synced, or no such parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// A milestone as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MilestoneFields {
    pub title: String,
    /// Without the marker line, normalised.
    pub description: String,
    pub closed: bool,
    /// `YYYY-MM-DD` (the UTC date of GitHub's `due_on`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<String>,
    /// The managed progress line (`Progress: 3/5 tasks done (60%)`), with
    /// `sync_milestone_progress`: the plan's figure, sent in a block of the description
    /// that the plan never takes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
}

/// The lines around the managed progress block of a milestone description.
pub const PROGRESS_START: &str = "<!-- intellimanage:progress -->";
pub const PROGRESS_END: &str = "<!-- /intellimanage:progress -->";

/// A description without its managed progress block, and the block's line.
pub fn split_progress(text: &str) -> (String, Option<String>) {
    let mut kept = Vec::new();
    let mut inside = false;
    let mut line_seen = None;
    for l in text.lines() {
        match l.trim() {
            PROGRESS_START => inside = true,
            PROGRESS_END if inside => inside = false,
            t if inside => {
                if !t.is_empty() && line_seen.is_none() {
                    line_seen = Some(t.to_string());
                }
            }
            _ => kept.push(l),
        }
    }
    (kept.join("\n"), line_seen)
}

/// The description the tracker gets: the text, the managed block, then the marker line.
pub fn milestone_text(fields: &MilestoneFields, marker: Option<&str>) -> String {
    let mut text = normalize_text(&fields.description);
    if let Some(p) = &fields.progress {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("{PROGRESS_START}\n{p}\n{PROGRESS_END}"));
    }
    match marker {
        Some(id) => with_marker(&text, id),
        None => text,
    }
}

/// The progress line for `done` of `total` work items.
pub fn progress_line(done: usize, total: usize) -> String {
    let percent = (done * 100).checked_div(total).unwrap_or(0);
    format!("Progress: {done}/{total} tasks done ({percent}%)")
}

/// What an artifact maps to on GitHub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Issue,
    Milestone,
}

/// Which GitHub object, if any, an artifact of this project becomes.
pub fn target_of(a: &Artifact, cfg: &ProjectConfig) -> Option<Target> {
    let mapping = &cfg.github.mapping;
    if mapping.is_issue_type(&a.type_name) {
        return Some(Target::Issue);
    }
    if a.kind == Some(mapping.milestone_kind()) {
        return Some(Target::Milestone);
    }
    None
}

/// Whether the artifact counts as closed, and why: Done → completed; Archived (or a file
/// under `archive/`) → not planned.
pub fn closed_state(a: &Artifact, cfg: &ProjectConfig) -> (bool, Option<String>) {
    match vocab::classify_status(&a.status, &cfg.custom_statuses) {
        Some(StatusClass::Done) => (true, Some("completed".to_string())),
        Some(StatusClass::Archived) => (true, Some("not_planned".to_string())),
        _ if a.location.archived => (true, Some("not_planned".to_string())),
        _ => (false, None),
    }
}

/// A user name on `platform`, as `assigned_to` may hold one (`ada`, `@ada`); names with
/// spaces or e-mail addresses are not user names and are not sent. GitLab's may also hold
/// `.` and `_`.
pub fn as_user(value: &str, platform: Platform) -> Option<String> {
    let v = value.trim().trim_start_matches('@');
    if platform == Platform::Gitlab {
        let ok = !v.is_empty()
            && v.len() <= 255
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            && !v.starts_with(['-', '.'])
            && !v.ends_with('.');
        return ok.then(|| v.to_string());
    }
    as_login(v)
}

/// A GitHub login, as `assigned_to` may hold one (`ada`, `@ada`); names with spaces or
/// e-mail addresses are not logins and are not sent.
pub fn as_login(value: &str) -> Option<String> {
    let v = value.trim().trim_start_matches('@');
    let ok = !v.is_empty()
        && v.len() <= 39
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !v.starts_with('-')
        && !v.ends_with('-')
        && !v.contains("--");
    ok.then(|| v.to_string())
}

/// The labels an artifact carries on GitHub, by category (for colors).
pub fn artifact_labels(a: &Artifact, cfg: &ProjectConfig) -> Vec<(String, LabelCategory)> {
    let m = &cfg.github.mapping;
    let mut out = Vec::new();
    if m.sync_status_as_label && !a.status.trim().is_empty() {
        out.push((m.status_label(&a.status), LabelCategory::Status));
    }
    if m.sync_type_as_label && !a.type_name.trim().is_empty() {
        out.push((m.type_label(&a.type_name), LabelCategory::Type));
    }
    if m.sync_priority_as_label
        && let Some(p) = a.str_field("priority").filter(|p| !p.trim().is_empty())
    {
        out.push((m.priority_label(p), LabelCategory::Priority));
    }
    if m.sync_tags_as_labels {
        for tag in a.tags() {
            let tag = tag.trim();
            if tag.eq_ignore_ascii_case(super::pull::CONFLICT_TAG) {
                out.push((m.conflict_label(), LabelCategory::Conflict));
                continue;
            }
            // GitHub label names are at most 50 characters; longer tags stay local.
            if !tag.is_empty() && tag.chars().count() <= 50 {
                out.push((tag.to_string(), LabelCategory::Tag));
            }
        }
    }
    out
}

/// An issue artifact's fields; `milestone` is resolved by the caller (it needs the plan).
pub fn issue_fields(a: &Artifact, cfg: &ProjectConfig, milestone: Option<String>) -> IssueFields {
    let platform = cfg.github.platform;
    let (closed, mut state_reason) = closed_state(a, cfg);
    // A tracker that keeps no reason closes every issue the same way: the plan's reason
    // would differ from it forever.
    if closed && !platform.keeps_close_reasons() {
        state_reason = Some("completed".to_string());
    }
    IssueFields {
        title: a.title.trim().to_string(),
        body: normalize_text(&a.body),
        closed,
        state_reason,
        labels: artifact_labels(a, cfg)
            .into_iter()
            .map(|(l, _)| l)
            .collect(),
        // `assigned_to` names one login, or several as a list (what GitHub's assignees
        // become when there are more than one).
        assignees: a
            .list_field("assigned_to")
            .iter()
            .filter_map(|v| as_user(v, platform))
            .collect(),
        milestone,
        // Every ID `depends_on` names; the planner keeps those that are synced issues.
        depends_on: platform.syncs_dependencies().then(|| {
            a.list_field("depends_on")
                .iter()
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty())
                .collect()
        }),
        // The planner knows the board's columns and which parents are issues.
        column: None,
        parent: None,
    }
}

/// The due date of a milestone artifact: `milestone_target_date`, else `target_date`.
pub fn due_date(a: &Artifact) -> Option<String> {
    ["milestone_target_date", "target_date"]
        .iter()
        .find_map(|k| a.fields.get(*k))
        .and_then(|v| match v {
            toml::Value::String(s) => vocab::parse_date(s.trim()).map(|d| d.to_string()),
            toml::Value::Datetime(d) => d.date.map(|d| d.to_string()),
            _ => None,
        })
}

/// The title of the milestone an Epic/Feature stands for: its shared `milestone_name`
/// when it has one, else its own title.
pub fn milestone_title(a: &Artifact) -> String {
    a.str_field("milestone_name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(a.title.trim())
        .to_string()
}

/// A milestone artifact's fields.
pub fn milestone_fields(a: &Artifact, cfg: &ProjectConfig) -> MilestoneFields {
    let (closed, _) = closed_state(a, cfg);
    MilestoneFields {
        title: milestone_title(a),
        description: normalize_text(&a.body),
        closed,
        due_on: if cfg.github.mapping.sync_milestone_due_date {
            due_date(a)
        } else {
            None
        },
        progress: None,
    }
}

/// The UTC date of a GitHub timestamp (`2025-03-31T07:00:00Z` → `2025-03-31`).
pub fn utc_date(timestamp: &str) -> Option<String> {
    if let Ok(ts) = timestamp.parse::<jiff::Timestamp>() {
        return Some(ts.to_zoned(jiff::tz::TimeZone::UTC).date().to_string());
    }
    vocab::parse_date(timestamp.get(..10)?).map(|d| d.to_string())
}

/// An issue's fields as the tracker has them.
pub fn remote_issue_fields(issue: &Issue) -> IssueFields {
    let closed = issue.closed;
    IssueFields {
        title: issue.title.trim().to_string(),
        body: strip_marker(&issue.body),
        closed,
        state_reason: if closed {
            Some(
                issue
                    .state_reason
                    .clone()
                    .filter(|r| r == "not_planned")
                    .unwrap_or_else(|| "completed".to_string()),
            )
        } else {
            None
        },
        labels: issue.labels.iter().cloned().collect(),
        assignees: issue.assignees.iter().cloned().collect(),
        milestone: issue.milestone.clone(),
        // Issue numbers become artifact IDs in the planner, which knows the links.
        depends_on: None,
        // Read from the board, not the issue.
        column: None,
        // Issue numbers become artifact IDs in the planner.
        parent: None,
    }
}

/// A milestone's fields as the tracker has them.
pub fn remote_milestone_fields(m: &Milestone) -> MilestoneFields {
    let (description, progress) = split_progress(&m.description);
    MilestoneFields {
        title: m.title.trim().to_string(),
        description: strip_marker(&description),
        closed: m.closed,
        due_on: m.due_date.clone(),
        progress,
    }
}

/// A milestone's fields as far as the project syncs them: without `due_on` when
/// `sync_milestone_due_date = false` (due dates are then left alone in both directions:
/// never read, never written, never cleared).
pub fn synced_milestone_fields(m: &Milestone, cfg: &ProjectConfig) -> MilestoneFields {
    let mut f = remote_milestone_fields(m);
    if !cfg.github.mapping.sync_milestone_due_date {
        f.due_on = None;
    }
    if !cfg.github.mapping.sync_milestone_progress {
        f.progress = None;
    }
    f
}

/// True for kinds that can carry milestones for their children.
pub fn is_container(kind: Option<Kind>) -> bool {
    matches!(kind, Some(Kind::Epic | Kind::Feature | Kind::Initiative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_block_is_sent_before_the_marker_and_never_read_back_as_text() {
        let f = MilestoneFields {
            title: "M".into(),
            description: "Our own words.".into(),
            progress: Some(progress_line(3, 5)),
            ..MilestoneFields::default()
        };
        let text = milestone_text(&f, Some("EPIC-1"));
        assert_eq!(
            text,
            "Our own words.\n\n<!-- intellimanage:progress -->\nProgress: 3/5 tasks done (60%)\n<!-- /intellimanage:progress -->\n\nIntelliManage-ID: EPIC-1"
        );
        // Someone adds text after the block on the tracker: it stays theirs, the block ours.
        let edited = text.replace(
            "\n\nIntelliManage-ID",
            "\nA note from the web.\n\nIntelliManage-ID",
        );
        let (rest, line) = split_progress(&edited);
        assert_eq!(line.as_deref(), Some("Progress: 3/5 tasks done (60%)"));
        assert_eq!(
            strip_marker(&rest),
            "Our own words.\n\nA note from the web."
        );
        assert_eq!(progress_line(0, 0), "Progress: 0/0 tasks done (0%)");
    }

    #[test]
    fn markers_round_trip() {
        let body = with_marker("\n# Title\r\n\r\nText  \n\n", "TASK-IM-7");
        assert_eq!(body, "# Title\n\nText\n\nIntelliManage-ID: TASK-IM-7");
        assert_eq!(marker_id(&body).as_deref(), Some("TASK-IM-7"));
        assert_eq!(strip_marker(&body), "# Title\n\nText");
        assert_eq!(with_marker("", "T-1"), "IntelliManage-ID: T-1");
        assert_eq!(marker_id("no marker"), None);
    }

    #[test]
    fn line_ends_do_not_count() {
        // GitHub's web editor saves CRLF; the plan's files have their own line ends.
        let github = "First.\r\n\r\n- [ ] step\r\n\r\nIntelliManage-ID: TASK-1\r\n";
        assert_eq!(
            strip_marker(github),
            normalize_text("\nFirst.\n\n- [ ] step\n")
        );
        assert_eq!(
            normalize_text("\r\nFirst.\r\n\r\n- [ ] step\r\n"),
            normalize_text("\nFirst.\n\n- [ ] step\n")
        );
        assert_eq!(marker_id(github).as_deref(), Some("TASK-1"));
    }

    #[test]
    fn logins_are_recognised() {
        assert_eq!(as_login("@ada").as_deref(), Some("ada"));
        assert_eq!(as_login("ada-l").as_deref(), Some("ada-l"));
        assert_eq!(as_login("Ada Lovelace"), None);
        assert_eq!(as_login("ada@example.com"), None);
        assert_eq!(as_login("-ada"), None);
    }

    #[test]
    fn due_dates_keep_their_day() {
        assert_eq!(
            utc_date("2025-03-31T07:00:00Z").as_deref(),
            Some("2025-03-31")
        );
        assert_eq!(
            utc_date("2025-03-31T12:00:00Z").as_deref(),
            Some("2025-03-31")
        );
        assert_eq!(
            utc_date("2025-03-31T23:30:00-02:00").as_deref(),
            Some("2025-04-01")
        );
    }
}
