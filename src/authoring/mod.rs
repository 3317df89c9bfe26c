//! Authoring new artifacts (`new`): the file's text in the order of the specification's
//! templates, and writing it safely. What the values given mean and why one is refused is
//! `checks` (shared with `set`); the next free ID in the project's own scheme, `ids`.
//!
//! Everything but [`write_new_artifact`], [`claimed_on_disk`], [`create`] and [`lock_new`]
//! is pure: the caller reads the plan (IDs taken, parents, the project's config) and passes
//! what these functions need.
//!
//! Two `new` runs at once must not take the same ID: a run holds [`lock_new`] (a `flock` on
//! `<git common dir>/intellimanage/new.lock`, not the sync lock, which a sync holds for
//! minutes) from reading the plan to renaming its file into place, and [`create`] never
//! writes an ID some file of the folder already starts with (`BUG-002_…`), whatever the
//! plan said: it takes the next one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::artifact::vocab;
use crate::artifact::{self, Artifact, Kind, Location, Priority, Problem};
use crate::writeback::{FieldValue, artifact_file_name, new_artifact_text};

mod checks;
mod ids;

pub use checks::{AuthoringError, parse_kind, resolve_priority, resolve_status};
pub(crate) use checks::{feature_in_epic, find};
use checks::{one_line, parent};
pub use ids::{
    NEW_LOCK_FILE, NEW_LOCK_WAIT, NewLock, allocate_id, claimed_on_disk, default_prefix, lock_new,
};

/// What the user asked for, every value still as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub title: String,
    pub epic: Option<String>,
    pub feature: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    pub tags: Vec<String>,
    pub assign: Option<String>,
    pub depends_on: Vec<String>,
    pub due: Option<String>,
    /// The Markdown body; `None` gives a heading with the title.
    pub body: Option<String>,
}

/// What the plan says about the project the artifact goes into.
#[derive(Debug, Clone, Default)]
pub struct ProjectView<'a> {
    /// The project's slug (its folder under the plan root).
    pub slug: String,
    /// `project_name` as written into the artifact.
    pub project_name: String,
    pub custom_statuses: Vec<String>,
    /// The config's `default_priority`, used when no `--priority` is given.
    pub default_priority: Option<String>,
    /// The config's `default_assignee`, used for work items when no `--assign` is given.
    pub default_assignee: Option<String>,
    /// Every artifact of the project, archived ones included.
    pub artifacts: Vec<&'a Artifact>,
    /// IDs taken by files that could not be parsed (declared IDs, file-name prefixes).
    pub taken: BTreeSet<String>,
}

/// A new artifact: its path relative to the repository and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub kind: Kind,
    pub id: String,
    /// Repository-relative, e.g. `.ruru/projects/web/tasks/TASK-7_fix-login.md`.
    pub path: String,
    pub text: String,
}

/// Checks the request against the vocabulary and the plan, allocates the ID and renders
/// the file: keys in the order of the specification's templates (required keys, then the
/// kind's optional keys), values through the TOML encoder. `today` is `YYYY-MM-DD`.
pub fn draft(
    kind: Kind,
    req: &Request,
    project: &ProjectView<'_>,
    today: &str,
) -> Result<Draft, AuthoringError> {
    let title = req.title.trim();
    one_line("the title", title)?;
    let work_item = kind.is_work_item();
    if req.epic.is_some() && matches!(kind, Kind::Initiative | Kind::Epic) {
        return Err(AuthoringError::NotApplicable {
            flag: "--epic",
            kind,
        });
    }
    if req.feature.is_some() && !work_item {
        return Err(AuthoringError::NotApplicable {
            flag: "--feature",
            kind,
        });
    }
    if !req.depends_on.is_empty() && matches!(kind, Kind::Initiative | Kind::Epic) {
        return Err(AuthoringError::NotApplicable {
            flag: "--depends-on",
            kind,
        });
    }
    if kind == Kind::Feature && req.epic.is_none() {
        return Err(AuthoringError::FeatureNeedsEpic);
    }
    let status = resolve_status(req.status.as_deref(), &project.custom_statuses)?;
    let priority = match (&req.priority, &project.default_priority) {
        (Some(p), _) => Some(resolve_priority(p)?),
        (None, Some(p)) => Priority::parse(p).map(Priority::canonical),
        (None, None) => None,
    };
    let due = match &req.due {
        Some(d) => {
            let date = vocab::parse_date(d.trim()).ok_or_else(|| AuthoringError::BadDate {
                flag: "--due",
                given: d.clone(),
            })?;
            Some(date.to_string())
        }
        None => None,
    };
    let assignee = match &req.assign {
        Some(a) => {
            one_line("--assign", a)?;
            Some(a.trim().to_string())
        }
        None if work_item => project
            .default_assignee
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        None => None,
    };
    let mut tags: Vec<String> = Vec::new();
    for t in &req.tags {
        one_line("a --tag", t)?;
        let t = t.trim();
        if !tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            tags.push(t.to_string());
        }
    }
    let epic = req
        .epic
        .as_deref()
        .map(|id| parent(project, "--epic", id, Kind::Epic))
        .transpose()?;
    let feature = req
        .feature
        .as_deref()
        .map(|id| parent(project, "--feature", id, Kind::Feature))
        .transpose()?;
    if let (Some(f), Some(e)) = (&feature, &epic) {
        feature_in_epic(project, (f, "--feature"), (e, "--epic"))?;
    }
    let mut depends_on: Vec<String> = Vec::new();
    for d in &req.depends_on {
        let id = find(project, "--depends-on", d)?.id.clone();
        if !depends_on.contains(&id) {
            depends_on.push(id);
        }
    }

    let id = allocate_id(kind, &project.artifacts, &project.taken);
    let name = artifact_file_name(&id, title).ok_or_else(|| {
        AuthoringError::Invalid(format!(
            "the allocated ID `{id}` is not usable in a file name"
        ))
    })?;
    let path = format!(
        "{}/{}/{}/{name}",
        crate::PLAN_ROOT,
        project.slug,
        kind.folder().dir_name()
    );

    let mut kv: Vec<(String, FieldValue)> = vec![
        ("id".into(), id.clone().into()),
        ("title".into(), title.into()),
        ("status".into(), status.into()),
        ("type".into(), kind.canonical().into()),
        ("created_date".into(), today.into()),
        ("updated_date".into(), today.into()),
        ("project_name".into(), project.project_name.clone().into()),
    ];
    let mut push = |key: &str, value: Option<FieldValue>| {
        if let Some(v) = value {
            kv.push((key.to_string(), v));
        }
    };
    let list = |items: Vec<String>| (!items.is_empty()).then_some(FieldValue::List(items));
    let s = |v: Option<String>| v.map(FieldValue::Str);
    match kind {
        // Initiative and Epic: owner, start_date, target_date, priority, tags, …
        Kind::Initiative | Kind::Epic => {
            push("owner", s(assignee));
            push("target_date", s(due));
            push("priority", s(priority.map(str::to_string)));
            push("tags", list(tags));
        }
        // Feature: epic_id, owner, (target_date), priority, tags, related_docs, depends_on.
        Kind::Feature => {
            push("epic_id", s(epic));
            push("owner", s(assignee));
            push("target_date", s(due));
            push("priority", s(priority.map(str::to_string)));
            push("tags", list(tags));
            push("depends_on", list(depends_on));
        }
        // Work items: feature_id, epic_id, assigned_to, reporter, priority,
        // estimated_effort, due_date, sprint_id, tags, related_docs, depends_on, …
        _ => {
            push("feature_id", s(feature));
            push("epic_id", s(epic));
            push("assigned_to", s(assignee));
            push("priority", s(priority.map(str::to_string)));
            push("due_date", s(due));
            push("tags", list(tags));
            push("depends_on", list(depends_on));
        }
    }
    let body = match &req.body {
        Some(b) if !b.trim().is_empty() => {
            let b = b.trim_start_matches(['\n', '\r']);
            if b.ends_with('\n') {
                format!("\n{b}")
            } else {
                format!("\n{b}\n")
            }
        }
        _ => format!("\n# {}: {title}\n", kind.word()),
    };
    let text = new_artifact_text(&kv, &body);
    check(&path, &text)?;
    Ok(Draft {
        kind,
        id,
        path,
        text,
    })
}

/// Parses `text` back with the project's parser: the artifact and its warnings, or the
/// first error.
pub fn check(path: &str, text: &str) -> Result<(Artifact, Vec<Problem>), AuthoringError> {
    let rel = path
        .strip_prefix(crate::PLAN_ROOT)
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(path);
    let location = Location::of(rel)
        .ok_or_else(|| AuthoringError::Invalid(format!("{path} is not an artifact path")))?;
    let (a, problems) = artifact::parse(path, location, text.as_bytes())
        .map_err(|f| AuthoringError::Invalid(f.to_string()))?;
    if let Some(e) = problems.iter().find(|p| p.is_error()) {
        return Err(AuthoringError::Invalid(e.to_string()));
    }
    Ok((a, problems))
}

/// Writes the draft under `workdir` atomically (a temporary file renamed into place) and
/// never over an existing file. Creates the folder when missing.
pub fn write_new_artifact(workdir: &Path, draft: &Draft) -> Result<PathBuf, AuthoringError> {
    let path = workdir.join(&draft.path);
    let io = |action: &'static str, p: &Path| {
        let p = p.display().to_string();
        move |e: std::io::Error| AuthoringError::Io {
            action,
            path: p,
            message: e.to_string(),
        }
    };
    let dir = path.parent().unwrap_or(workdir);
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    if !crate::writeback::write_new(&path, draft.text.as_bytes()).map_err(io("create", &path))? {
        return Err(AuthoringError::Exists {
            path: draft.path.clone(),
        });
    }
    Ok(path)
}

/// How many IDs [`create`] tries before giving up.
const MAX_ATTEMPTS: usize = 1000;

/// Drafts the artifact ([`draft`]) and writes it ([`write_new_artifact`]); an ID that a file
/// on disk already holds ([`claimed_on_disk`], or a file of the very same name) is added to
/// `project.taken` and the next one is tried. Run it holding [`lock_new`], with `project`
/// read after the lock was taken.
pub fn create(
    workdir: &Path,
    kind: Kind,
    req: &Request,
    project: &mut ProjectView<'_>,
    today: &str,
) -> Result<(Draft, PathBuf), AuthoringError> {
    let mut last = None;
    for _ in 0..MAX_ATTEMPTS {
        let d = draft(kind, req, project, today)?;
        if let Some(existing) = claimed_on_disk(workdir, &d) {
            project.taken.insert(d.id.clone());
            last = Some(existing);
            continue;
        }
        match write_new_artifact(workdir, &d) {
            Ok(path) => return Ok((d, path)),
            Err(AuthoringError::Exists { path }) => {
                project.taken.insert(d.id.clone());
                last = Some(path);
            }
            Err(e) => return Err(e),
        }
    }
    Err(AuthoringError::Invalid(format!(
        "no free ID found after {MAX_ATTEMPTS} tries (the last one taken by {})",
        last.unwrap_or_default()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn art(rel: &str, id: &str, kind: Kind) -> Artifact {
        let text = format!(
            "+++\nid = \"{id}\"\ntitle = \"t\"\nstatus = \"🟡 To Do\"\ntype = \"{}\"\ncreated_date = \"2025-01-01\"\nupdated_date = \"2025-01-01\"\nproject_name = \"web\"\n+++\n",
            kind.canonical()
        );
        let location = Location::of(rel).expect("artifact path");
        artifact::parse_unchecked(&format!(".ruru/projects/{rel}"), location, text.as_bytes())
            .expect("parses")
    }

    fn view<'a>(artifacts: &'a [Artifact]) -> ProjectView<'a> {
        ProjectView {
            slug: "web".into(),
            project_name: "Web".into(),
            artifacts: artifacts.iter().collect(),
            ..Default::default()
        }
    }

    #[test]
    fn ids_continue_the_projects_scheme_past_gaps_and_archive() {
        let arts = [
            art("web/tasks/a.md", "TASK-IM-913", Kind::Task),
            art("web/archive/tasks/b.md", "TASK-IM-915", Kind::Task),
            art("web/tasks/c.md", "TASK-IM-007", Kind::Task),
            art("web/epics/e.md", "EPIC-IM-001", Kind::Epic),
        ];
        let refs: Vec<&Artifact> = arts.iter().collect();
        let none = BTreeSet::new();
        assert_eq!(allocate_id(Kind::Task, &refs, &none), "TASK-IM-916");
        assert_eq!(allocate_id(Kind::Epic, &refs, &none), "EPIC-IM-002");
        assert_eq!(allocate_id(Kind::Bug, &refs, &none), "BUG-IM-001");
        let taken: BTreeSet<String> = ["task-im-916".to_string()].into();
        assert_eq!(allocate_id(Kind::Task, &refs, &taken), "TASK-IM-917");
        assert_eq!(allocate_id(Kind::Feature, &[], &none), "FEAT-001");
        let plain = [art("web/tasks/a.md", "TASK-9", Kind::Task)];
        let refs: Vec<&Artifact> = plain.iter().collect();
        assert_eq!(allocate_id(Kind::Task, &refs, &none), "TASK-10");
        assert_eq!(allocate_id(Kind::Spike, &refs, &none), "SPIKE-001");
    }

    #[test]
    fn vocabulary_is_matched_by_word() {
        assert_eq!(parse_kind("bug"), Ok(Kind::Bug));
        assert_eq!(parse_kind("🗺️ Epic"), Ok(Kind::Epic));
        assert!(parse_kind("saga").is_err());
        assert_eq!(resolve_status(None, &[]).as_deref(), Ok("🟡 To Do"));
        assert_eq!(
            resolve_status(Some("in progress"), &[]).as_deref(),
            Ok("🔵 In Progress")
        );
        assert_eq!(
            resolve_status(Some("🟢 done"), &[]).as_deref(),
            Ok("🟢 Done")
        );
        let custom = vec!["🧪 Testing".to_string()];
        assert_eq!(
            resolve_status(Some("testing"), &custom).as_deref(),
            Ok("🧪 Testing")
        );
        match resolve_status(Some("nope"), &custom) {
            Err(AuthoringError::UnknownStatus { accepted, .. }) => {
                assert!(accepted.contains(&"🧪 Testing".to_string()));
                assert!(accepted.contains(&"🟡 To Do".to_string()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(resolve_priority("high"), Ok("🔼 High"));
        assert!(resolve_priority("urgent").is_err());
    }

    #[test]
    fn a_task_is_rendered_in_template_order() {
        let arts = [
            art("web/epics/e.md", "EPIC-1", Kind::Epic),
            art("web/features/f.md", "FEAT-2", Kind::Feature),
            art("web/tasks/t.md", "TASK-3", Kind::Task),
        ];
        let req = Request {
            title: "Fix \"login\"".into(),
            epic: Some("epic-1".into()),
            feature: Some("FEAT-2".into()),
            priority: Some("high".into()),
            status: Some("in progress".into()),
            tags: vec!["a".into(), "A".into(), "b".into()],
            assign: Some("ada".into()),
            depends_on: vec!["TASK-3".into()],
            due: Some("2025-06-30".into()),
            body: Some("Body\r\nline".into()),
        };
        let d = draft(Kind::Task, &req, &view(&arts), "2025-05-01").expect("draft");
        assert_eq!(d.id, "TASK-4");
        assert_eq!(d.path, ".ruru/projects/web/tasks/TASK-4_fix-login.md");
        assert_eq!(
            d.text,
            "+++\nid = \"TASK-4\"\ntitle = \"Fix \\\"login\\\"\"\nstatus = \"🔵 In Progress\"\ntype = \"🛠\u{fe0f} Task\"\ncreated_date = \"2025-05-01\"\nupdated_date = \"2025-05-01\"\nproject_name = \"Web\"\nfeature_id = \"FEAT-2\"\nepic_id = \"EPIC-1\"\nassigned_to = \"ada\"\npriority = \"🔼 High\"\ndue_date = \"2025-06-30\"\ntags = [\"a\", \"b\"]\ndepends_on = [\"TASK-3\"]\n+++\n\nBody\nline\n"
        );
    }

    #[test]
    fn refusals() {
        let arts = [
            art("web/epics/e.md", "EPIC-1", Kind::Epic),
            art("web/tasks/t.md", "TASK-3", Kind::Task),
        ];
        let v = view(&arts);
        let req = |f: &dyn Fn(&mut Request)| {
            let mut r = Request {
                title: "x".into(),
                ..Default::default()
            };
            f(&mut r);
            r
        };
        let err = |kind, r: Request| draft(kind, &r, &v, "2025-01-01").expect_err("refused");
        assert_eq!(
            err(Kind::Feature, req(&|_| {})),
            AuthoringError::FeatureNeedsEpic
        );
        assert!(matches!(
            err(Kind::Task, req(&|r| r.feature = Some("TASK-3".into()))),
            AuthoringError::WrongKind { .. }
        ));
        assert!(matches!(
            err(Kind::Task, req(&|r| r.depends_on = vec!["TASK-99".into()])),
            AuthoringError::UnknownId { .. }
        ));
        assert!(matches!(
            err(Kind::Task, req(&|r| r.due = Some("2025-02-30".into()))),
            AuthoringError::BadDate { .. }
        ));
        assert!(matches!(
            err(Kind::Epic, req(&|r| r.epic = Some("EPIC-1".into()))),
            AuthoringError::NotApplicable { .. }
        ));
        assert!(matches!(
            err(Kind::Task, req(&|r| r.title = "a\nb".into())),
            AuthoringError::BadValue(_)
        ));
        assert!(matches!(
            err(Kind::Task, req(&|r| r.title = "  ".into())),
            AuthoringError::BadValue(_)
        ));
    }

    #[test]
    fn a_work_items_feature_and_epic_must_agree() {
        let mut f = art("web/features/f.md", "FEAT-2", Kind::Feature);
        f.fields
            .insert("epic_id".into(), toml::Value::String("EPIC-1".into()));
        let arts = [
            art("web/epics/e.md", "EPIC-1", Kind::Epic),
            art("web/epics/g.md", "EPIC-3", Kind::Epic),
            f,
        ];
        let v = view(&arts);
        let req = |epic: Option<&str>| Request {
            title: "x".into(),
            epic: epic.map(str::to_string),
            feature: Some("feat-2".into()),
            ..Default::default()
        };
        assert_eq!(
            draft(Kind::Task, &req(Some("EPIC-3")), &v, "2025-01-01"),
            Err(AuthoringError::EpicMismatch {
                feature: "FEAT-2".into(),
                feature_flag: "--feature",
                feature_epic: "EPIC-1".into(),
                epic: "EPIC-3".into(),
                epic_flag: "--epic",
            })
        );
        let same = draft(Kind::Task, &req(Some("epic-1")), &v, "2025-01-01").expect("agrees");
        assert!(
            same.text.contains("epic_id = \"EPIC-1\"\n"),
            "{}",
            same.text
        );
        // Only the Feature: the Epic follows from it and is not written.
        let only = draft(Kind::Task, &req(None), &v, "2025-01-01").expect("feature only");
        assert!(!only.text.contains("epic_id"), "{}", only.text);
    }

    #[test]
    fn an_id_a_file_on_disk_starts_with_is_skipped() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let tasks = tmp.path().join(".ruru/projects/web/tasks");
        let archive = tmp.path().join(".ruru/projects/web/archive/tasks");
        std::fs::create_dir_all(&tasks).expect("mkdir");
        std::fs::create_dir_all(&archive).expect("mkdir");
        // Not artifacts the plan reads, but their names hold the IDs.
        std::fs::write(tasks.join("bug-001_notes.txt"), "x").expect("write");
        std::fs::write(archive.join("BUG-002_old.md.bak"), "x").expect("write");
        std::fs::write(tasks.join("BUG-0030_other.md"), "x").expect("write");
        let req = Request {
            title: "Crash".into(),
            ..Default::default()
        };
        let d = draft(Kind::Bug, &req, &view(&[]), "2025-05-01").expect("draft");
        assert_eq!(
            claimed_on_disk(tmp.path(), &d).as_deref(),
            Some(".ruru/projects/web/tasks/bug-001_notes.txt")
        );
        let mut v = view(&[]);
        let (d, path) = create(tmp.path(), Kind::Bug, &req, &mut v, "2025-05-01").expect("made");
        assert_eq!(d.id, "BUG-003");
        assert_eq!(d.path, ".ruru/projects/web/tasks/BUG-003_crash.md");
        assert_eq!(std::fs::read_to_string(path).expect("read"), d.text);
        assert_eq!(
            v.taken,
            ["BUG-001".to_string(), "BUG-002".to_string()].into()
        );
    }

    #[test]
    fn new_waits_for_the_lock_then_gives_up() {
        let dir = tempfile::tempdir().expect("temp dir");
        let held = lock_new(dir.path(), Duration::ZERO).expect("free");
        assert!(dir.path().join(NEW_LOCK_FILE).is_file());
        match lock_new(dir.path(), Duration::from_millis(50)) {
            Err(AuthoringError::Busy { path, .. }) => {
                assert!(path.ends_with("intellimanage/new.lock"), "{path}")
            }
            other => panic!("{other:?}"),
        }
        drop(held);
        lock_new(dir.path(), Duration::ZERO).expect("released");
    }

    #[test]
    fn writing_never_clobbers() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let d = draft(
            Kind::Epic,
            &Request {
                title: "Onboarding".into(),
                due: Some("2025-07-01".into()),
                ..Default::default()
            },
            &view(&[]),
            "2025-05-01",
        )
        .expect("draft");
        assert_eq!(d.path, ".ruru/projects/web/epics/EPIC-001_onboarding.md");
        assert!(d.text.contains("target_date = \"2025-07-01\"\n"));
        let path = write_new_artifact(tmp.path(), &d).expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), d.text);
        assert_eq!(
            write_new_artifact(tmp.path(), &d),
            Err(AuthoringError::Exists {
                path: d.path.clone()
            })
        );
    }
}
