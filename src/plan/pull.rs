//! GitHub → plan: the edits that bring an artifact file in line with the fields the planner
//! merged, and the text of new artifacts for GitHub issues the plan doesn't have yet.
//! Pure: the executor applies the edits (see [`crate::writeback`]).

use std::collections::BTreeSet;

use crate::artifact::{Artifact, Kind, StatusClass, vocab};
use crate::config::{LabelCategory, ProjectConfig};
use crate::tracker::Issue;
use crate::writeback::{self, Edit, FieldValue};

use super::board::BoardMap;
use super::fields::{self, IssueFields, MilestoneFields};

/// The tag that stands for the conflict label in the plan.
pub const CONFLICT_TAG: &str = "conflict";

/// The body text to write for `body`, keeping the file's conventions of a blank line after
/// the frontmatter and of a line end (or none) after the last line.
fn body_text(old_body: &str, body: &str) -> String {
    let lead = if old_body.starts_with('\n') || old_body.starts_with("\r\n") {
        "\n"
    } else {
        ""
    };
    let trail = if old_body.trim().is_empty() || old_body.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    if body.is_empty() {
        lead.to_string()
    } else {
        format!("{lead}{body}{trail}")
    }
}

struct Labels {
    status: Option<String>,
    kind: Option<String>,
    priority: Option<String>,
    tags: Vec<String>,
    conflict: bool,
}

fn split(labels: &BTreeSet<String>, cfg: &ProjectConfig) -> Labels {
    let m = &cfg.github.mapping;
    let mut out = Labels {
        status: None,
        kind: None,
        priority: None,
        tags: Vec::new(),
        conflict: false,
    };
    for l in labels {
        match m.label_category(l) {
            Some(LabelCategory::Status) => out.status = Some(l.clone()),
            Some(LabelCategory::Type) => out.kind = Some(l.clone()),
            Some(LabelCategory::Priority) => out.priority = Some(l.clone()),
            Some(LabelCategory::Conflict) => out.conflict = true,
            _ => out.tags.push(l.clone()),
        }
    }
    out
}

/// The status the plan should get: a changed status label or board column says it;
/// otherwise a change of open/closed does (closed as completed → Done, as not planned → Archived, reopened → the
/// configured `reopen_status`).
fn new_status(
    a: &Artifact,
    cfg: &ProjectConfig,
    board: Option<&BoardMap<'_>>,
    before: &IssueFields,
    after: &IssueFields,
) -> Option<String> {
    let m = &cfg.github.mapping;
    let (lb, la) = (split(&before.labels, cfg), split(&after.labels, cfg));
    let mut status = a.status.clone();
    if la.status != lb.status
        && let Some(s) = la
            .status
            .as_deref()
            .and_then(|l| m.status_from_label(l, &cfg.custom_statuses))
    {
        status = s;
    }
    // A card moved to another column of the project board says it too.
    if after.column != before.column
        && let (Some(board), Some(column)) = (board, after.column.as_deref())
        && let Some(s) = board.status_for(column, &status)
    {
        status = s;
    }
    if (before.closed, &before.state_reason) != (after.closed, &after.state_reason) {
        let closed_now = vocab::classify_status(&status, &cfg.custom_statuses)
            .is_some_and(StatusClass::is_closed);
        if after.closed {
            let want = if after.state_reason.as_deref() == Some("not_planned") {
                StatusClass::Archived
            } else {
                StatusClass::Done
            };
            if vocab::classify_status(&status, &cfg.custom_statuses) != Some(want) {
                status = vocab::canonical_status(want).to_string();
            }
        } else if closed_now || a.location.archived {
            status = m.reopen_status.clone();
        }
    }
    (status != a.status).then_some(status)
}

/// Edits for an issue artifact going from `before` (its fields now) to `after` (merged).
/// `parent` is the parent key and value that put the artifact in `after`'s milestone, when
/// that changed (see the planner).
pub(crate) fn issue_edit(
    a: &Artifact,
    cfg: &ProjectConfig,
    board: Option<&BoardMap<'_>>,
    before: &IssueFields,
    after: &IssueFields,
    parent: Option<(&str, &str)>,
    today: &str,
) -> Edit {
    let mut edit = Edit::new();
    if let Some((key, id)) = parent
        && a.str_field(key) != Some(id)
    {
        edit = edit.set(key, id);
    }
    if after.title != before.title {
        edit = edit.set("title", after.title.clone());
    }
    if after.body != before.body {
        edit = edit.with_body(body_text(&a.body, &after.body));
    }
    if let Some(status) = new_status(a, cfg, board, before, after) {
        edit = edit.set("status", status);
    }
    let (lb, la) = (split(&before.labels, cfg), split(&after.labels, cfg));
    let m = &cfg.github.mapping;
    if la.kind != lb.kind
        && let Some(kind) = la.kind.as_deref().and_then(|l| m.type_from_label(l))
        && a.kind != Some(kind)
    {
        edit = edit.set("type", kind.canonical());
    }
    if la.priority != lb.priority {
        match la
            .priority
            .as_deref()
            .and_then(|l| m.priority_from_label(l))
        {
            Some(p) => edit = edit.set("priority", p.canonical()),
            None if la.priority.is_none() => edit = edit.remove("priority"),
            None => {}
        }
    }
    if la.tags != lb.tags || la.conflict != lb.conflict {
        // Keep the file's order; drop what went, append what came.
        let mut want: Vec<String> = la.tags.clone();
        if la.conflict {
            want.push(CONFLICT_TAG.to_string());
        }
        let mut tags: Vec<String> = a.tags().into_iter().filter(|t| want.contains(t)).collect();
        for t in want {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        edit = edit.set_list("tags", tags);
    }
    if after.assignees != before.assignees {
        edit = match after.assignees.len() {
            0 => edit.remove("assigned_to"),
            1 => edit.set(
                "assigned_to",
                after.assignees.iter().next().cloned().unwrap_or_default(),
            ),
            // Several people assigned on GitHub: all of them, as a list.
            _ => edit.set_list("assigned_to", after.assignees.iter().cloned()),
        };
    }
    if let (Some(b), Some(af)) = (&before.depends_on, &after.depends_on)
        && b != af
    {
        // Keep the file's order and what it names beyond synced issues; drop what went,
        // append what came.
        let mut list: Vec<String> = a
            .list_field("depends_on")
            .into_iter()
            .filter(|d| !b.contains(d.trim()) || af.contains(d.trim()))
            .collect();
        for d in af {
            if !list.iter().any(|x| x.trim() == d) {
                list.push(d.clone());
            }
        }
        edit = edit.set_list("depends_on", list);
    }
    if !edit.is_empty() {
        edit = edit.set("updated_date", today);
    }
    edit
}

/// Where a file under `archive/` goes when its item is open again: the same folder and name
/// outside `archive/` (`<slug>/archive/tasks/X.md` → `<slug>/tasks/X.md`).
pub fn unarchived_path(a: &Artifact) -> Option<String> {
    if !a.location.archived {
        return None;
    }
    let marker = format!("/{}/archive/", a.project());
    let at = a.path.rfind(&marker)?;
    Some(format!(
        "{}/{}/{}",
        &a.path[..at],
        a.project(),
        &a.path[at + marker.len()..]
    ))
}

/// The artifact as it reads once moved out of `archive/` (itself when it is not there).
pub fn unarchived(a: &Artifact) -> Artifact {
    let mut moved = a.clone();
    if let Some(path) = unarchived_path(a) {
        moved.path = path;
        moved.location.archived = false;
    }
    moved
}

/// The artifact as it reads once `edit` is applied: what the plan says after the pull, for
/// projecting it again (`None` if the edit can't be applied).
pub fn edited(a: &Artifact, edit: &Edit) -> Option<Artifact> {
    let text = format!("+++\n{}+++\n{}", a.frontmatter, a.body);
    let new = writeback::apply(&text, edit).ok()?;
    crate::artifact::parse(&a.path, a.location.clone(), new.as_bytes())
        .ok()
        .map(|(a, _)| a)
}

/// Edits for a milestone artifact (Epic/Feature).
pub fn milestone_edit(
    a: &Artifact,
    cfg: &ProjectConfig,
    before: &MilestoneFields,
    after: &MilestoneFields,
    today: &str,
) -> Edit {
    let mut edit = Edit::new();
    if after.title != before.title {
        let key = if a.str_field("milestone_name").is_some() {
            "milestone_name"
        } else {
            "title"
        };
        edit = edit.set(key, after.title.clone());
    }
    if after.description != before.description {
        edit = edit.with_body(body_text(&a.body, &after.description));
    }
    if after.closed != before.closed {
        let closed_now = vocab::classify_status(&a.status, &cfg.custom_statuses)
            .is_some_and(StatusClass::is_closed);
        if after.closed && !closed_now {
            edit = edit.set("status", vocab::canonical_status(StatusClass::Done));
        } else if !after.closed && (closed_now || a.location.archived) {
            edit = edit.set("status", cfg.github.mapping.reopen_status.clone());
        }
    }
    if cfg.github.mapping.sync_milestone_due_date && after.due_on != before.due_on {
        let key = if a.fields.contains_key("milestone_target_date") {
            "milestone_target_date"
        } else {
            "target_date"
        };
        edit = match &after.due_on {
            Some(d) => edit.set(key, d.clone()),
            None => edit.remove(key),
        };
    }
    if !edit.is_empty() {
        edit = edit.set("updated_date", today);
    }
    edit
}

/// The next free ID for a new work item of this project: the most common `PREFIX-NNN`
/// pattern among its work items, one past the highest number, same zero padding.
pub fn next_id(artifacts: &[&Artifact], taken: &BTreeSet<String>) -> String {
    let mut counts: std::collections::BTreeMap<String, (usize, u64, usize)> = Default::default();
    for a in artifacts
        .iter()
        .filter(|a| a.kind.is_some_and(Kind::is_work_item))
    {
        let Some(pos) = a.id.rfind('-') else { continue };
        let (prefix, digits) = a.id.split_at(pos + 1);
        if let Ok(n) = digits.parse::<u64>() {
            let e = counts
                .entry(prefix.to_string())
                .or_insert((0, 0, digits.len()));
            e.0 += 1;
            e.1 = e.1.max(n);
            e.2 = e.2.max(digits.len());
        }
    }
    let (prefix, (_, max, width)) = counts
        .into_iter()
        .max_by_key(|(p, (count, _, _))| (*count, p.starts_with("TASK")))
        .unwrap_or_else(|| ("TASK-".to_string(), (0, 0, 3)));
    let mut n = max + 1;
    loop {
        let id = format!("{prefix}{n:0width$}");
        if !taken.contains(&id) {
            return id;
        }
        n += 1;
    }
}

/// A new artifact for an unlinked GitHub issue: its file name (under `tasks/`) and text.
/// Every value goes through the TOML encoder, so nothing in the issue can break out of it.
pub fn new_artifact(
    id: &str,
    issue: &Issue,
    cfg: &ProjectConfig,
    repo: &str,
    today: &str,
) -> Option<(String, String)> {
    let m = &cfg.github.mapping;
    let f = fields::remote_issue_fields(issue);
    let labels = split(&f.labels, cfg);
    let status = labels
        .status
        .as_deref()
        .and_then(|l| m.status_from_label(l, &cfg.custom_statuses))
        .unwrap_or_else(|| {
            if f.closed {
                let class = if f.state_reason.as_deref() == Some("not_planned") {
                    StatusClass::Archived
                } else {
                    StatusClass::Done
                };
                vocab::canonical_status(class).to_string()
            } else {
                vocab::canonical_status(StatusClass::Todo).to_string()
            }
        });
    let kind = labels
        .kind
        .as_deref()
        .and_then(|l| m.type_from_label(l))
        .filter(|k| k.is_work_item())
        .unwrap_or(Kind::Task);
    let created = issue
        .created_at
        .as_deref()
        .and_then(fields::utc_date)
        .unwrap_or_else(|| today.to_string());
    let title = f.title.trim();
    let title = if title.is_empty() {
        "Untitled issue"
    } else {
        title
    };
    let mut kv: Vec<(String, FieldValue)> = vec![
        ("id".into(), id.into()),
        ("title".into(), title.into()),
        ("status".into(), status.into()),
        ("type".into(), kind.canonical().into()),
        ("created_date".into(), created.into()),
        ("updated_date".into(), today.into()),
        ("project_name".into(), cfg.project_name.clone().into()),
    ];
    if let Some(p) = labels
        .priority
        .as_deref()
        .and_then(|l| m.priority_from_label(l))
    {
        kv.push(("priority".into(), p.canonical().into()));
    }
    match f.assignees.len() {
        0 => {}
        1 => kv.push((
            "assigned_to".into(),
            f.assignees
                .iter()
                .next()
                .cloned()
                .unwrap_or_default()
                .into(),
        )),
        _ => kv.push((
            "assigned_to".into(),
            FieldValue::List(f.assignees.iter().cloned().collect()),
        )),
    }
    if !labels.tags.is_empty() {
        kv.push(("tags".into(), FieldValue::List(labels.tags.clone())));
    }
    kv.push((
        "related_issues".into(),
        FieldValue::List(vec![format!("{repo}#{}", issue.number)]),
    ));
    let name = writeback::artifact_file_name(id, title)?;
    let body = if f.body.is_empty() {
        String::new()
    } else {
        format!("\n{}\n", f.body)
    };
    Some((name, writeback::new_artifact_text(&kv, &body)))
}
