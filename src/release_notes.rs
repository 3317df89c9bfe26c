//! Release notes: the finished work under Epics, Features or milestones, grouped by type
//! (Features and Stories, Bugs, Tasks, others), each item with its linked issue and the
//! commits linked to it; the work still open listed apart. Pure: the plan, what was finished
//! at an earlier revision (`--since`), the sync record's links and the commits come in, the
//! notes and their Markdown go out (no git, no network, no clock).
//!
//! Targets resolve as [`crate::progress::resolve_targets`] does (Epic or Feature IDs, titles,
//! milestone names); the work under them is the work items beneath them, as `progress`
//! counts it. An item is **finished** when its status is Done or Completed; an item whose
//! status is Archived (or Closed) was dropped, not released, and is listed nowhere; every
//! other item is **open**. With `--since`, a finished item is listed only when it was not
//! finished in the plan at that revision (it did not exist, or it was still open there).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::artifact::Artifact;
use crate::artifact::vocab::{self, Kind, StatusClass};
use crate::artifact::workflow::id_order;
use crate::progress::{Plan, resolve_targets};
use crate::waves::WavesError;

/// The groups finished work is listed in, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Stories (and any work item typed Feature).
    Features,
    Bugs,
    Tasks,
    /// Spikes, chores, docs, tests, and types the specification does not know.
    Other,
}

impl Group {
    pub const ALL: [Group; 4] = [Group::Features, Group::Bugs, Group::Tasks, Group::Other];

    pub fn of(kind: Option<Kind>) -> Group {
        match kind {
            Some(Kind::Story | Kind::Feature) => Group::Features,
            Some(Kind::Bug) => Group::Bugs,
            Some(Kind::Task) => Group::Tasks,
            _ => Group::Other,
        }
    }

    /// The heading.
    pub fn title(self) -> &'static str {
        match self {
            Group::Features => "Features and Stories",
            Group::Bugs => "Bugs",
            Group::Tasks => "Tasks",
            Group::Other => "Other",
        }
    }
}

/// Where an item stands for the notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Done or Completed.
    Finished,
    /// Archived or Closed, or filed under `archive/` without being finished: not release work.
    Dropped,
    Open,
}

/// An item's standing, by its status (the project's custom statuses are open work).
pub fn standing(a: &Artifact, custom: &[String]) -> Standing {
    match vocab::classify_status(&a.status, custom) {
        Some(StatusClass::Done) => Standing::Finished,
        Some(StatusClass::Archived) => Standing::Dropped,
        _ if a.location.archived => Standing::Dropped,
        _ => Standing::Open,
    }
}

/// An item's key: its project and its ID in lower case.
pub type Key = (String, String);

pub fn key(project: &str, id: &str) -> Key {
    (project.to_string(), id.trim().to_lowercase())
}

/// The keys of the finished artifacts of a plan (the plan at `--since`'s revision).
pub fn finished_keys(
    artifacts: &[Artifact],
    custom_statuses: &BTreeMap<String, Vec<String>>,
) -> BTreeSet<Key> {
    artifacts
        .iter()
        .filter(|a| {
            let custom = custom_statuses
                .get(a.project())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            standing(a, custom) == Standing::Finished
        })
        .map(|a| key(a.project(), &a.id))
        .collect()
}

/// The issue an item is linked to (from the sync record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueRef {
    /// `owner/name` (GitHub), `group/sub/project` (GitLab).
    pub place: String,
    pub number: u64,
    /// `place#number`.
    pub reference: String,
    /// The issue's web page.
    pub url: Option<String>,
}

impl IssueRef {
    pub fn new(place: &str, number: u64, url: Option<String>) -> IssueRef {
        IssueRef {
            place: place.to_string(),
            number,
            reference: format!("{place}#{number}"),
            url,
        }
    }
}

/// A commit linked to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitRef {
    /// The full id.
    pub sha: String,
    /// The first seven digits.
    pub short: String,
    /// The first line of its message.
    pub summary: String,
}

impl CommitRef {
    pub fn new(sha: &str, summary: &str) -> CommitRef {
        CommitRef {
            sha: sha.to_string(),
            short: sha.chars().take(7).collect(),
            summary: summary.to_string(),
        }
    }
}

/// One work item in the notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub project: String,
    pub id: String,
    pub title: String,
    /// The `type` as written.
    #[serde(rename = "type")]
    pub type_name: String,
    pub status: String,
    pub group: Group,
    pub issue: Option<IssueRef>,
    /// Oldest first.
    pub commits: Vec<CommitRef>,
}

/// The finished items of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupNotes {
    pub group: Group,
    pub title: &'static str,
    pub items: Vec<Item>,
}

/// An Epic or Feature the notes are about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeItem {
    pub project: String,
    pub id: String,
    pub title: String,
    /// `Epic` or `Feature`.
    pub kind: &'static str,
    pub milestone_name: Option<String>,
}

/// The revision `--since` named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Since {
    /// As given.
    pub rev: String,
    /// The commit it resolved to.
    pub commit: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub finished: usize,
    pub open: usize,
}

/// The notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notes {
    /// The targets as given.
    pub targets: Vec<String>,
    /// The Epics and Features they name.
    pub scope: Vec<ScopeItem>,
    pub since: Option<Since>,
    /// The groups that have finished items, in [`Group::ALL`]'s order.
    pub finished: Vec<GroupNotes>,
    /// The work still open.
    pub open: Vec<Item>,
    pub totals: Totals,
}

/// The inputs.
pub struct Input<'a> {
    pub artifacts: &'a [Artifact],
    /// The custom statuses per project.
    pub custom_statuses: &'a BTreeMap<String, Vec<String>>,
    /// With `--since`: the revision, and the keys of the items finished there.
    pub since: Option<(Since, &'a BTreeSet<Key>)>,
    /// The issue linked to each item, by [`key`].
    pub issues: &'a BTreeMap<Key, IssueRef>,
    /// The commits linked to each item, by [`key`], oldest first.
    pub commits: &'a BTreeMap<Key, Vec<CommitRef>>,
}

/// Works out the notes of `targets` (at least one: Epic or Feature IDs, titles, milestone
/// names).
pub fn notes(input: &Input<'_>, targets: &[String]) -> Result<Notes, WavesError> {
    let plan = Plan::new(input.artifacts, input.custom_statuses);
    let named = resolve_targets(&plan, targets)?;
    let scope: Vec<ScopeItem> = named
        .iter()
        .map(|a| ScopeItem {
            project: a.project().to_string(),
            id: a.id.clone(),
            title: a.title.clone(),
            kind: a.kind.map(Kind::word).unwrap_or("Feature"),
            milestone_name: a.str_field("milestone_name").map(str::to_string),
        })
        .collect();

    let mut work: Vec<&Artifact> = named
        .iter()
        .flat_map(|p| plan.beneath(p).iter().copied())
        .collect();
    let mut seen = BTreeSet::new();
    work.retain(|a| seen.insert(key(a.project(), &a.id)));
    work.sort_by(|a, b| {
        a.project()
            .cmp(b.project())
            .then_with(|| id_order(&a.id, &b.id))
    });

    let item = |a: &Artifact| {
        let k = key(a.project(), &a.id);
        Item {
            project: a.project().to_string(),
            id: a.id.clone(),
            title: a.title.clone(),
            type_name: a.type_name.clone(),
            status: a.status.clone(),
            group: Group::of(a.kind),
            issue: input.issues.get(&k).cloned(),
            commits: input.commits.get(&k).cloned().unwrap_or_default(),
        }
    };
    let mut by_group: BTreeMap<Group, Vec<Item>> = BTreeMap::new();
    let mut open = Vec::new();
    for a in work {
        match standing(a, plan.custom(a.project())) {
            Standing::Finished => {
                let before = input
                    .since
                    .as_ref()
                    .is_some_and(|(_, done)| done.contains(&key(a.project(), &a.id)));
                if !before {
                    by_group.entry(Group::of(a.kind)).or_default().push(item(a));
                }
            }
            Standing::Open => open.push(item(a)),
            Standing::Dropped => {}
        }
    }
    let finished: Vec<GroupNotes> = by_group
        .into_iter()
        .map(|(group, items)| GroupNotes {
            group,
            title: group.title(),
            items,
        })
        .collect();
    let totals = Totals {
        finished: finished.iter().map(|g| g.items.len()).sum(),
        open: open.len(),
    };
    Ok(Notes {
        targets: targets.to_vec(),
        scope,
        since: input.since.as_ref().map(|(s, _)| s.clone()),
        finished,
        open,
        totals,
    })
}

/// The heading of the open work.
pub const OPEN_TITLE: &str = "Still open";

/// How an issue is written in Markdown: `#34` on the home place (where the notes are
/// published), `owner/name#34` elsewhere.
fn issue_in_markdown(issue: &IssueRef, home: Option<&str>) -> String {
    if home.is_some_and(|h| h.eq_ignore_ascii_case(&issue.place)) {
        format!("#{}", issue.number)
    } else {
        issue.reference.clone()
    }
}

/// One line: `- Title (TASK-12, #34) — abc1234, def5678`.
pub fn markdown_line(item: &Item, home: Option<&str>) -> String {
    let mut refs = vec![item.id.clone()];
    if let Some(issue) = &item.issue {
        refs.push(issue_in_markdown(issue, home));
    }
    let mut line = format!("- {} ({})", item.title.trim(), refs.join(", "));
    if !item.commits.is_empty() {
        let shas: Vec<&str> = item.commits.iter().map(|c| c.short.as_str()).collect();
        line.push_str(" — ");
        line.push_str(&shas.join(", "));
    }
    line
}

/// The notes in Markdown: a `##` section per group with finished work, then `## Still
/// open`; `home` is the `owner/name` the notes are published on (its issues are `#N`).
pub fn markdown(notes: &Notes, home: Option<&str>) -> String {
    let mut sections: Vec<String> = Vec::new();
    for g in &notes.finished {
        let lines: Vec<String> = g.items.iter().map(|i| markdown_line(i, home)).collect();
        sections.push(format!("## {}\n\n{}\n", g.title, lines.join("\n")));
    }
    if notes.finished.is_empty() {
        sections.push("No finished work.\n".to_string());
    }
    if !notes.open.is_empty() {
        let lines: Vec<String> = notes.open.iter().map(|i| markdown_line(i, home)).collect();
        sections.push(format!("## {OPEN_TITLE}\n\n{}\n", lines.join("\n")));
    }
    sections.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::Location;

    fn art(path: &str, id: &str, kind: &str, status: &str, extra: &str) -> Artifact {
        let text = format!(
            "+++\nid = \"{id}\"\ntitle = \"T {id}\"\nstatus = \"{status}\"\ntype = \"{kind}\"\ncreated_date = \"2025-01-01\"\nupdated_date = \"2025-01-01\"\nproject_name = \"p\"\n{extra}+++\n"
        );
        let location = Location::of(path).expect("location");
        crate::artifact::parse(path, location, text.as_bytes())
            .expect("parses")
            .0
    }

    fn plan() -> Vec<Artifact> {
        vec![
            art("p/epics/E-1.md", "E-1", "Epic", "In Progress", ""),
            art(
                "p/features/F-1.md",
                "F-1",
                "Feature",
                "To Do",
                "epic_id = \"E-1\"\n",
            ),
            art(
                "p/tasks/T-10.md",
                "T-10",
                "Task",
                "Done",
                "feature_id = \"F-1\"\n",
            ),
            art(
                "p/tasks/T-2.md",
                "T-2",
                "Task",
                "Completed",
                "epic_id = \"E-1\"\n",
            ),
            art(
                "p/tasks/B-1.md",
                "B-1",
                "Bug",
                "Done",
                "feature_id = \"F-1\"\n",
            ),
            art(
                "p/tasks/S-1.md",
                "S-1",
                "Story",
                "Done",
                "feature_id = \"F-1\"\n",
            ),
            art(
                "p/tasks/X-1.md",
                "X-1",
                "Spike",
                "Done",
                "feature_id = \"F-1\"\n",
            ),
            art(
                "p/tasks/T-3.md",
                "T-3",
                "Task",
                "Review",
                "feature_id = \"F-1\"\n",
            ),
            art(
                "p/archive/tasks/T-4.md",
                "T-4",
                "Task",
                "Archived",
                "feature_id = \"F-1\"\n",
            ),
            art("p/tasks/T-5.md", "T-5", "Task", "Done", ""),
        ]
    }

    fn ids(items: &[Item]) -> Vec<&str> {
        items.iter().map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn finished_work_is_grouped_and_open_work_listed_apart() {
        let arts = plan();
        let custom = BTreeMap::new();
        let issues = BTreeMap::from([(key("p", "T-2"), IssueRef::new("o/r", 7, None))]);
        let commits = BTreeMap::from([(
            key("p", "B-1"),
            vec![CommitRef::new("0123456789abcdef", "Fix it")],
        )]);
        let input = Input {
            artifacts: &arts,
            custom_statuses: &custom,
            since: None,
            issues: &issues,
            commits: &commits,
        };
        let n = notes(&input, &["E-1".to_string()]).expect("notes");
        let groups: Vec<(Group, Vec<&str>)> = n
            .finished
            .iter()
            .map(|g| (g.group, ids(&g.items)))
            .collect();
        assert_eq!(
            groups,
            [
                (Group::Features, vec!["S-1"]),
                (Group::Bugs, vec!["B-1"]),
                (Group::Tasks, vec!["T-2", "T-10"]),
                (Group::Other, vec!["X-1"]),
            ]
        );
        assert_eq!(ids(&n.open), ["T-3"]);
        assert_eq!(
            n.totals,
            Totals {
                finished: 5,
                open: 1
            }
        );
        let md = markdown(&n, Some("o/r"));
        assert!(md.contains("- T T-2 (T-2, #7)\n"), "{md}");
        assert!(md.contains("- T B-1 (B-1) — 0123456\n"), "{md}");
        assert!(md.ends_with("## Still open\n\n- T T-3 (T-3)\n"), "{md}");

        let before = BTreeSet::from([key("p", "t-10"), key("p", "B-1")]);
        let input = Input {
            since: Some((
                Since {
                    rev: "v1".into(),
                    commit: "c".into(),
                },
                &before,
            )),
            ..input
        };
        let n = notes(&input, &["F-1".to_string()]).expect("notes");
        let all: Vec<&str> = n.finished.iter().flat_map(|g| ids(&g.items)).collect();
        assert_eq!(all, ["S-1", "X-1"]);
    }

    #[test]
    fn unknown_targets_are_refused() {
        let arts = plan();
        let custom = BTreeMap::new();
        let empty = BTreeMap::new();
        let commits = BTreeMap::new();
        let input = Input {
            artifacts: &arts,
            custom_statuses: &custom,
            since: None,
            issues: &empty,
            commits: &commits,
        };
        assert!(notes(&input, &["E-9".to_string()]).is_err());
    }
}
