//! Editing existing artifacts (`set`, `archive`): `key=value` / `key+=item` /
//! `key-=item` arguments parsed and resolved against the vocabulary and the plan into an
//! [`Edit`], then spliced into the file (comments, key order and body kept), checked by
//! parsing it back, and written atomically.
//!
//! [`parse_assignment`], [`resolve`] and [`commit_message`] are pure; [`write_edit`],
//! [`archive_file`] touches the working tree ([`crate::repo::commit_paths`] commits it).

use std::path::{Path, PathBuf};

use crate::artifact::vocab::{self, Kind};
use crate::artifact::{Artifact, Problem};
use crate::authoring::{self, AuthoringError, Draft, ProjectView};
use crate::writeback::{self, Edit, FieldValue};

mod keys;

pub use keys::accepted_keys;
use keys::{KeyKind, find_key, key_kind, list_keys};

/// What an argument does to its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `key=value` (`key=` removes the key).
    Set(String),
    /// `key+=item`.
    Add(String),
    /// `key-=item`.
    Remove(String),
}

/// One `key=value` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub key: String,
    pub op: Op,
}

/// Why nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditingError {
    #[error("`{0}` is not of the form key=value, key+=item or key-=item")]
    BadArgument(String),
    #[error("`{0}` cannot be set")]
    UnknownKey(String),
    #[error("`{key}` is managed by the tool and cannot be set")]
    Managed { key: String },
    #[error("`{key}` is required and cannot be removed")]
    Required { key: String },
    #[error("`{key}` is not a list: `+=` and `-=` apply to {}", list_keys())]
    NotAList { key: String },
    #[error("`{key}` is a list: add or remove one item with {key}+=ITEM or {key}-=ITEM")]
    IsAList { key: String },
    #[error("`{item}` is not in {key} of {id}")]
    NotInList {
        key: String,
        item: String,
        id: String,
        current: Vec<String>,
    },
    #[error("`{item}` is not a commit ID (4 to 64 hexadecimal digits) (given to {key})")]
    NotACommit { key: String, item: String },
    #[error("{id} is already archived ({path})")]
    AlreadyArchived { id: String, path: String },
    #[error(transparent)]
    Authoring(#[from] AuthoringError),
}

impl EditingError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            EditingError::BadArgument(_) => Some(
                "e.g. status=done, priority=high, due_date=2026-01-31, tags+=ui, depends_on-=TASK-7, due_date= (removes it)".into(),
            ),
            EditingError::UnknownKey(_) | EditingError::Managed { .. } => {
                Some(format!("keys that can be set: {}", accepted_keys()))
            }
            EditingError::Required { .. } => Some("give it a value instead".into()),
            EditingError::NotAList { key } => Some(format!("set it with {key}=VALUE")),
            EditingError::IsAList { key } => Some(format!("{key}= removes the whole list")),
            EditingError::NotInList { current, .. } if current.is_empty() => {
                Some("the list is empty".into())
            }
            EditingError::NotInList { current, .. } => {
                Some(format!("it holds: {}", current.join(", ")))
            }
            EditingError::NotACommit { .. } => {
                Some("give the commit's hash, e.g. from `git log --format=%h`".into())
            }
            EditingError::AlreadyArchived { .. } => None,
            EditingError::Authoring(e) => e.hint(),
        }
    }

    /// Whether it names an artifact that does not exist (or is of the wrong kind).
    pub fn is_unknown_id(&self) -> bool {
        matches!(
            self,
            EditingError::Authoring(
                AuthoringError::UnknownId { .. } | AuthoringError::WrongKind { .. }
            )
        )
    }
}

/// Parses `key=value`, `key+=item` or `key-=item` (the key is checked against the keys
/// that can be set; the value is checked by [`resolve`]).
pub fn parse_assignment(arg: &str) -> Result<Assignment, EditingError> {
    let Some(eq) = arg.find('=') else {
        return Err(EditingError::BadArgument(arg.to_string()));
    };
    let (left, value) = (&arg[..eq], unquote(&arg[eq + 1..]).to_string());
    let (key, op) = if let Some(k) = left.strip_suffix('+') {
        (k, Op::Add(value))
    } else if let Some(k) = left.strip_suffix('-') {
        (k, Op::Remove(value))
    } else {
        (left, Op::Set(value))
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(EditingError::BadArgument(arg.to_string()));
    }
    if matches!(
        key,
        "id" | "type" | "created_date" | "updated_date" | "project_name"
    ) {
        return Err(EditingError::Managed {
            key: key.to_string(),
        });
    }
    let Some(kk) = key_kind(key) else {
        return Err(EditingError::UnknownKey(key.to_string()));
    };
    let is_list = kk.is_list();
    match &op {
        Op::Add(_) | Op::Remove(_) if !is_list => Err(EditingError::NotAList {
            key: key.to_string(),
        }),
        Op::Add(v) | Op::Remove(v) if v.trim().is_empty() => {
            Err(EditingError::BadArgument(arg.to_string()))
        }
        Op::Set(v) if is_list && !v.trim().is_empty() => Err(EditingError::IsAList {
            key: key.to_string(),
        }),
        _ => Ok(Assignment {
            key: key.to_string(),
            op,
        }),
    }
}

/// `in progress` from `"in progress"` or `'in progress'` (quotes the shell kept).
fn unquote(value: &str) -> &str {
    let t = value.trim();
    for q in ['"', '\''] {
        if let Some(inner) = t.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

fn one_line(key: &str, value: &str) -> Result<(), EditingError> {
    if value.chars().any(char::is_control) {
        return Err(AuthoringError::BadValue(format!(
            "{key} must be one line without control characters"
        ))
        .into());
    }
    Ok(())
}

fn find_id<'a>(
    project: &ProjectView<'a>,
    key: &'static str,
    id: &str,
) -> Result<&'a Artifact, EditingError> {
    crate::authoring::find(project, key, id).map_err(Into::into)
}

fn static_key(key: &str) -> &'static str {
    find_key(key).map(|k| k.name).unwrap_or("a key")
}

/// Refuses a value for a key `target`'s kind does not have (removing one is fine).
fn check_applies(target: &Artifact, key: &str) -> Result<(), EditingError> {
    let (Some(kind), Some(k)) = (target.kind, find_key(key)) else {
        return Ok(());
    };
    match k.of {
        Some(kinds) if !kinds.contains(&kind) => {
            Err(AuthoringError::NotApplicable { flag: k.name, kind }.into())
        }
        _ => Ok(()),
    }
}

/// `abc1234` from ` ABC1234 `, or the refusal.
fn commit_id(key: &str, item: &str) -> Result<String, EditingError> {
    let t = item.trim();
    if (4..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(EditingError::NotACommit {
            key: key.to_string(),
            item: t.to_string(),
        })
    }
}

/// The value `key` has once `edit` is applied to `target`: the edit's last entry for it,
/// else the file's.
fn final_str(target: &Artifact, edit: &Edit, key: &str) -> Option<String> {
    match edit.fields.iter().rev().find(|(k, _)| k == key) {
        Some((_, FieldValue::Str(v))) => Some(v.clone()),
        Some(_) => None,
        None => target.str_field(key).map(str::to_string),
    }
    .filter(|v| !v.trim().is_empty())
}

/// Resolves the assignments for `target` into an [`Edit`] (values in the specification's
/// spelling, parents and dependencies checked against `project`). `updated_date` is not
/// included; [`with_updated`] adds it.
pub fn resolve(
    target: &Artifact,
    assignments: &[Assignment],
    project: &ProjectView<'_>,
) -> Result<Edit, EditingError> {
    let mut edit = Edit::new();
    // Lists as they become, key by key.
    let mut lists: Vec<(String, Vec<String>)> = Vec::new();
    for Assignment { key, op } in assignments {
        let kk = key_kind(key).ok_or_else(|| EditingError::UnknownKey(key.clone()))?;
        let skey = static_key(key);
        match (kk, op) {
            (KeyKind::Words | KeyKind::Ids | KeyKind::Commits, Op::Set(_)) => {
                lists.retain(|(k, _)| k != key);
                lists.push((key.clone(), Vec::new()));
                edit = edit.remove(key.clone());
            }
            (
                KeyKind::Words | KeyKind::Ids | KeyKind::Commits,
                Op::Add(item) | Op::Remove(item),
            ) => {
                one_line(key, item)?;
                let item = match (kk, op) {
                    (KeyKind::Ids, Op::Add(_)) => {
                        check_applies(target, key)?;
                        find_id(project, skey, item)?.id.clone()
                    }
                    (KeyKind::Commits, Op::Add(_)) => {
                        check_applies(target, key)?;
                        commit_id(key, item)?
                    }
                    (_, Op::Add(_)) => {
                        check_applies(target, key)?;
                        item.trim().to_string()
                    }
                    _ => item.trim().to_string(),
                };
                let pos = match lists.iter().position(|(k, _)| k == key) {
                    Some(p) => p,
                    None => {
                        lists.push((key.clone(), target.list_field(key)));
                        lists.len() - 1
                    }
                };
                let list = &mut lists[pos].1;
                match op {
                    Op::Add(_) => {
                        if !list.iter().any(|x| x.eq_ignore_ascii_case(&item)) {
                            list.push(item);
                        }
                    }
                    _ => {
                        let before = list.len();
                        list.retain(|x| !x.eq_ignore_ascii_case(&item));
                        if list.len() == before {
                            return Err(EditingError::NotInList {
                                key: key.clone(),
                                item,
                                id: target.id.clone(),
                                current: list.clone(),
                            });
                        }
                    }
                }
                edit = edit.set_list(key.clone(), list.clone());
            }
            (_, Op::Add(_) | Op::Remove(_)) => {
                return Err(EditingError::NotAList { key: key.clone() });
            }
            (kk, Op::Set(value)) if value.trim().is_empty() => {
                if matches!(kk, KeyKind::Status | KeyKind::Text { required: true }) {
                    return Err(EditingError::Required { key: key.clone() });
                }
                edit = edit.remove(key.clone());
            }
            (kk, Op::Set(value)) => {
                one_line(key, value)?;
                check_applies(target, key)?;
                let value = value.trim();
                let resolved = match kk {
                    KeyKind::Text { .. } => value.to_string(),
                    KeyKind::Status => {
                        authoring::resolve_status(Some(value), &project.custom_statuses)?
                    }
                    KeyKind::Priority => authoring::resolve_priority(value)?.to_string(),
                    KeyKind::Date => vocab::parse_date(value)
                        .ok_or_else(|| AuthoringError::BadDate {
                            flag: skey,
                            given: value.to_string(),
                        })?
                        .to_string(),
                    KeyKind::Parent(expected) => {
                        let a = find_id(project, skey, value)?;
                        if a.kind != Some(expected) {
                            return Err(AuthoringError::WrongKind {
                                flag: skey,
                                id: a.id.clone(),
                                expected,
                                found: a
                                    .kind
                                    .map(|k| k.word().to_string())
                                    .unwrap_or_else(|| format!("`{}`", a.type_name)),
                            }
                            .into());
                        }
                        a.id.clone()
                    }
                    KeyKind::Words | KeyKind::Ids | KeyKind::Commits => unreachable_list(key)?,
                };
                edit = edit.set(key.clone(), resolved);
            }
        }
    }
    // A work item that ends up naming both a Feature and an Epic: they must agree.
    let touched = |key: &str| edit.fields.iter().any(|(k, _)| k == key);
    if target.kind.is_some_and(Kind::is_work_item)
        && (touched("epic_id") || touched("feature_id"))
        && let (Some(feature), Some(epic)) = (
            final_str(target, &edit, "feature_id"),
            final_str(target, &edit, "epic_id"),
        )
    {
        authoring::feature_in_epic(project, (&feature, "feature_id"), (&epic, "epic_id"))?;
    }
    Ok(edit)
}

/// Lists never reach the scalar branch (handled above); an error rather than a panic.
fn unreachable_list(key: &str) -> Result<String, EditingError> {
    Err(EditingError::IsAList {
        key: key.to_string(),
    })
}

/// `edit` with `updated_date` set to `today`.
pub fn with_updated(edit: &Edit, today: &str) -> Edit {
    edit.clone().set("updated_date", today)
}

/// The commit message for `set`: `Set status of TASK-7 to 🟢 Done` for one change,
/// `Set status, priority of TASK-7` for several.
pub fn commit_message(id: &str, edit: &Edit) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for (k, _) in &edit.fields {
        if k != "updated_date" && !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    match keys.as_slice() {
        [one] => {
            let last = edit.fields.iter().rev().find(|(k, _)| k == one);
            match last.map(|(_, v)| v) {
                Some(FieldValue::Str(v)) => format!("Set {one} of {id} to {v}"),
                Some(FieldValue::List(items)) if items.is_empty() => {
                    format!("Empty {one} of {id}")
                }
                Some(FieldValue::List(items)) => {
                    format!("Set {one} of {id} to {}", items.join(", "))
                }
                _ => format!("Remove {one} from {id}"),
            }
        }
        many => format!("Set {} of {id}", many.join(", ")),
    }
}

/// The text of `target`'s file after `edit`, and the artifact it parses back to.
pub fn edited_text(
    workdir: &Path,
    target: &Artifact,
    path: &str,
    edit: &Edit,
) -> Result<(String, String, Artifact, Vec<Problem>), EditingError> {
    let file = workdir.join(&target.path);
    let bytes = std::fs::read(&file).map_err(|e| io("read", &file, e))?;
    let old = String::from_utf8(bytes)
        .map_err(|e| AuthoringError::Invalid(format!("{} is not valid UTF-8: {e}", target.path)))?;
    let new = writeback::apply(&old, edit).map_err(|e| AuthoringError::Invalid(e.to_string()))?;
    let (artifact, problems) = authoring::check(path, &new)?;
    Ok((old, new, artifact, problems))
}

fn io(action: &'static str, path: &Path, e: std::io::Error) -> EditingError {
    AuthoringError::Io {
        action,
        path: path.display().to_string(),
        message: e.to_string(),
    }
    .into()
}

/// Writes `text` over `target`'s file atomically (the old file stays if anything fails).
pub fn write_edit(workdir: &Path, target: &Artifact, text: &str) -> Result<(), EditingError> {
    let file = workdir.join(&target.path);
    writeback::write_atomic(&file, text.as_bytes()).map_err(|e| {
        AuthoringError::Io {
            action: "write",
            path: target.path.clone(),
            message: e.to_string(),
        }
        .into()
    })
}

/// Where `target` goes when archived: `<project>/archive/<folder>/<file name>`.
pub fn archive_path(target: &Artifact) -> Result<String, EditingError> {
    if target.location.archived {
        return Err(EditingError::AlreadyArchived {
            id: target.id.clone(),
            path: target.path.clone(),
        });
    }
    let name = target.path.rsplit('/').next().unwrap_or(&target.path);
    Ok(format!(
        "{}/{}/archive/{}/{name}",
        crate::PLAN_ROOT,
        target.project(),
        target.location.folder.dir_name()
    ))
}

/// Writes `text` at `new_path` (never over an existing file), then removes `target`'s
/// file; if the removal fails, the new file is removed again and the old one stays.
pub fn archive_file(
    workdir: &Path,
    target: &Artifact,
    new_path: &str,
    text: &str,
) -> Result<PathBuf, EditingError> {
    let draft = Draft {
        kind: target.kind.unwrap_or(Kind::Task),
        id: target.id.clone(),
        path: new_path.to_string(),
        text: text.to_string(),
    };
    let written = authoring::write_new_artifact(workdir, &draft)?;
    let old = workdir.join(&target.path);
    if let Err(e) = std::fs::remove_file(&old) {
        let _ = std::fs::remove_file(&written);
        return Err(io("remove", &old, e));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{self, Location};

    fn art(rel: &str, id: &str, kind: Kind, extra: &str) -> Artifact {
        let text = format!(
            "+++\nid = \"{id}\"\ntitle = \"t\"\nstatus = \"🟡 To Do\"\ntype = \"{}\"\ncreated_date = \"2025-01-01\"\nupdated_date = \"2025-01-01\"\nproject_name = \"web\"\n{extra}+++\n",
            kind.canonical()
        );
        let location = Location::of(rel).expect("artifact path");
        artifact::parse_unchecked(&format!(".ruru/projects/{rel}"), location, text.as_bytes())
            .expect("parses")
    }

    fn args(list: &[&str]) -> Result<Vec<Assignment>, EditingError> {
        list.iter().map(|a| parse_assignment(a)).collect()
    }

    #[test]
    fn arguments_are_parsed_by_operator() {
        assert_eq!(
            parse_assignment("status=in progress"),
            Ok(Assignment {
                key: "status".into(),
                op: Op::Set("in progress".into())
            })
        );
        assert_eq!(
            parse_assignment("tags+=a=b"),
            Ok(Assignment {
                key: "tags".into(),
                op: Op::Add("a=b".into())
            })
        );
        assert_eq!(
            parse_assignment("depends_on-=TASK-7"),
            Ok(Assignment {
                key: "depends_on".into(),
                op: Op::Remove("TASK-7".into())
            })
        );
        assert!(matches!(
            parse_assignment("status"),
            Err(EditingError::BadArgument(_))
        ));
        assert!(matches!(
            parse_assignment("colour=red"),
            Err(EditingError::UnknownKey(_))
        ));
        assert!(matches!(
            parse_assignment("id=X-1"),
            Err(EditingError::Managed { .. })
        ));
        assert!(matches!(
            parse_assignment("status+=done"),
            Err(EditingError::NotAList { .. })
        ));
        assert!(matches!(
            parse_assignment("tags=x"),
            Err(EditingError::IsAList { .. })
        ));
        assert!(parse_assignment("tags=").is_ok());
        assert_eq!(
            parse_assignment("status='in progress'").map(|a| a.op),
            Ok(Op::Set("in progress".into()))
        );
    }

    #[test]
    fn values_are_resolved_against_vocabulary_and_plan() {
        let arts = [
            art("web/epics/e.md", "EPIC-1", Kind::Epic, ""),
            art("web/features/f.md", "FEAT-2", Kind::Feature, ""),
            art("web/tasks/t.md", "TASK-3", Kind::Task, "tags = [\"a\"]\n"),
            art("web/tasks/u.md", "TASK-7", Kind::Task, ""),
        ];
        let view = ProjectView {
            slug: "web".into(),
            artifacts: arts.iter().collect(),
            ..Default::default()
        };
        let t = &arts[2];
        let edit = resolve(
            t,
            &args(&[
                "status=done",
                "priority=🔼 HIGH",
                "due_date=2026-01-31",
                "feature_id=feat-2",
                "tags+=b",
                "tags+=A",
                "tags-=a",
                "depends_on+=task-7",
                "assigned_to=",
            ])
            .expect("args"),
            &view,
        )
        .expect("resolved");
        assert_eq!(
            edit,
            Edit::new()
                .set("status", "🟢 Done")
                .set("priority", "🔼 High")
                .set("due_date", "2026-01-31")
                .set("feature_id", "FEAT-2")
                .set_list("tags", ["a", "b"])
                .set_list("tags", ["a", "b"])
                .set_list("tags", ["b"])
                .set_list("depends_on", ["TASK-7"])
                .remove("assigned_to")
        );
        let err = |a: &[&str]| resolve(t, &args(a).expect("args"), &view).expect_err("refused");
        assert!(matches!(
            err(&["status=nope"]),
            EditingError::Authoring(AuthoringError::UnknownStatus { .. })
        ));
        assert!(matches!(
            err(&["due_date=2026-02-30"]),
            EditingError::Authoring(AuthoringError::BadDate { .. })
        ));
        assert!(err(&["feature_id=EPIC-1"]).is_unknown_id());
        assert!(err(&["depends_on+=TASK-99"]).is_unknown_id());
        assert!(matches!(
            err(&["tags-=zzz"]),
            EditingError::NotInList { .. }
        ));
        assert!(matches!(err(&["title="]), EditingError::Required { .. }));
        assert!(matches!(
            resolve(
                &arts[0],
                &args(&["feature_id=FEAT-2"]).expect("args"),
                &view
            ),
            Err(EditingError::Authoring(
                AuthoringError::NotApplicable { .. }
            ))
        ));
    }

    #[test]
    fn the_templates_other_keys_are_checked_by_kind() {
        let arts = [
            art("web/initiatives/i.md", "INIT-1", Kind::Initiative, ""),
            art("web/epics/e.md", "EPIC-1", Kind::Epic, ""),
            art("web/epics/g.md", "EPIC-3", Kind::Epic, ""),
            art(
                "web/features/f.md",
                "FEAT-2",
                Kind::Feature,
                "epic_id = \"EPIC-1\"\n",
            ),
            art(
                "web/tasks/t.md",
                "TASK-3",
                Kind::Task,
                "feature_id = \"FEAT-2\"\nrelated_commits = [\"abc1234\"]\n",
            ),
        ];
        let view = ProjectView {
            slug: "web".into(),
            artifacts: arts.iter().collect(),
            ..Default::default()
        };
        let on = |i: usize, a: &[&str]| resolve(&arts[i], &args(a).expect("args"), &view);
        assert_eq!(
            on(
                1,
                &[
                    "initiative_id=init-1",
                    "milestone_name=v1.0",
                    "milestone_target_date=2026-03-31",
                    "related_milestone=acme/web#milestone/3",
                    "related_issues+=acme/web#12",
                ]
            ),
            Ok(Edit::new()
                .set("initiative_id", "INIT-1")
                .set("milestone_name", "v1.0")
                .set("milestone_target_date", "2026-03-31")
                .set("related_milestone", "acme/web#milestone/3")
                .set_list("related_issues", ["acme/web#12"]))
        );
        assert_eq!(
            on(
                4,
                &[
                    "related_commits+=DEADBEEF",
                    "related_commits-=abc1234",
                    "related_prs+=acme/web#5",
                    "estimated_effort=S",
                    "epic_id=EPIC-1",
                ]
            ),
            Ok(Edit::new()
                .set_list("related_commits", ["abc1234", "deadbeef"])
                .set_list("related_commits", ["deadbeef"])
                .set_list("related_prs", ["acme/web#5"])
                .set("estimated_effort", "S")
                .set("epic_id", "EPIC-1"))
        );
        assert_eq!(
            on(0, &["kpis+=churn below 2%"]),
            Ok(Edit::new().set_list("kpis", ["churn below 2%"]))
        );
        let err = |i: usize, a: &[&str]| on(i, a).expect_err("refused");
        assert!(matches!(
            err(4, &["initiative_id=INIT-1"]),
            EditingError::Authoring(AuthoringError::NotApplicable {
                flag: "initiative_id",
                kind: Kind::Task
            })
        ));
        assert!(err(1, &["initiative_id=EPIC-3"]).is_unknown_id());
        assert!(matches!(
            err(3, &["milestone_target_date=2026-13-01"]),
            EditingError::Authoring(AuthoringError::BadDate { .. })
        ));
        assert!(matches!(
            err(4, &["related_commits+=not-a-sha"]),
            EditingError::NotACommit { .. }
        ));
        assert!(matches!(
            err(4, &["milestone_name=x"]),
            EditingError::Authoring(AuthoringError::NotApplicable { .. })
        ));
        assert!(matches!(
            err(1, &["kpis+=x"]),
            EditingError::Authoring(AuthoringError::NotApplicable { .. })
        ));
        assert!(matches!(
            err(1, &["estimated_effort=S"]),
            EditingError::Authoring(AuthoringError::NotApplicable { .. })
        ));
        // Removing a key the kind does not have is fine.
        assert_eq!(
            on(4, &["milestone_name="]),
            Ok(Edit::new().remove("milestone_name"))
        );
        // The Feature and the Epic of a work item must agree.
        assert!(matches!(
            err(4, &["epic_id=EPIC-3"]),
            EditingError::Authoring(AuthoringError::EpicMismatch { .. })
        ));
        assert!(matches!(
            parse_assignment("related_issues=x"),
            Err(EditingError::IsAList { .. })
        ));
    }

    #[test]
    fn commit_messages_name_the_change() {
        assert_eq!(
            commit_message(
                "TASK-7",
                &with_updated(&Edit::new().set("status", "🟢 Done"), "x")
            ),
            "Set status of TASK-7 to 🟢 Done"
        );
        assert_eq!(
            commit_message("TASK-7", &Edit::new().remove("due_date")),
            "Remove due_date from TASK-7"
        );
        assert_eq!(
            commit_message(
                "TASK-7",
                &Edit::new().set("status", "x").set("priority", "y")
            ),
            "Set status, priority of TASK-7"
        );
    }
}
