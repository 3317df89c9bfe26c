//! Progress of a plan: per Epic, Feature and project, how many work items are done, the
//! count per status, what is overdue and what waits on unfinished dependencies. Pure: the
//! plan's artifacts and today's date in, figures out (no clock, no files).
//!
//! Work items are the artifacts under `tasks/` (stories, tasks, bugs, spikes, …); Epics and
//! Features are the groups they are counted in, never counted themselves. As in
//! [`crate::waves`], an item is finished when its status is Done/Completed or
//! Archived/Closed, or when its file is filed under `archive/`; a work item belongs to an
//! Epic through its `epic_id`, or through its Feature's `epic_id`; a `depends_on` an Epic or
//! Feature is one on every work item beneath it (on its own status when it has none).
//!
//! An item is **overdue** when it is not finished and its date has passed (before `today`;
//! due today is not late): `due_date` for work items (else `target_date`), `target_date` for
//! Epics and Features (else `milestone_target_date`). It is **blocked** when it is not
//! finished and a `depends_on` names unfinished work, or an ID that does not exist.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::civil::Date;
use serde::Serialize;

use crate::artifact::vocab::{self, Kind, StatusClass};
use crate::artifact::workflow::{DateKey, Stage, StatusName, due_of, id_order, status_name};
use crate::artifact::{Artifact, Folder};
use crate::waves::WavesError;

type Key = (String, String);

fn key(a: &Artifact) -> Key {
    (a.project().to_string(), a.id.to_lowercase())
}

/// The plan, indexed, with the questions progress and the board ask of it.
pub struct Plan<'a> {
    pub artifacts: &'a [Artifact],
    custom_statuses: &'a BTreeMap<String, Vec<String>>,
    by_key: HashMap<Key, &'a Artifact>,
    /// Work items under each Epic/Feature key.
    children: HashMap<Key, Vec<&'a Artifact>>,
}

const NO_CUSTOM: &[String] = &[];

impl<'a> Plan<'a> {
    pub fn new(
        artifacts: &'a [Artifact],
        custom_statuses: &'a BTreeMap<String, Vec<String>>,
    ) -> Plan<'a> {
        let by_key: HashMap<Key, &Artifact> = artifacts.iter().map(|a| (key(a), a)).collect();
        let mut plan = Plan {
            artifacts,
            custom_statuses,
            by_key,
            children: HashMap::new(),
        };
        let mut children: HashMap<Key, Vec<&'a Artifact>> = HashMap::new();
        for a in artifacts.iter().filter(|a| is_work(a)) {
            let mut parents = BTreeSet::new();
            if let Some(f) = plan.feature_of(a) {
                parents.insert(key(f));
            }
            if let Some(e) = plan.epic_of(a) {
                parents.insert(key(e));
            }
            for p in parents {
                children.entry(p).or_default().push(a);
            }
        }
        plan.children = children;
        plan
    }

    /// The project's custom statuses.
    pub fn custom(&self, project: &str) -> &'a [String] {
        self.custom_statuses
            .get(project)
            .map(Vec::as_slice)
            .unwrap_or(NO_CUSTOM)
    }

    pub fn status(&self, a: &Artifact) -> StatusName {
        status_name(&a.status, self.custom(a.project()))
    }

    /// Done, Completed, Archived, Closed, or filed under `archive/`.
    pub fn finished(&self, a: &Artifact) -> bool {
        a.location.archived
            || vocab::classify_status(&a.status, self.custom(a.project()))
                .is_some_and(StatusClass::is_closed)
    }

    fn named(&self, project: &str, id: &str, kind: Kind) -> Option<&'a Artifact> {
        self.by_key
            .get(&(project.to_string(), id.trim().to_lowercase()))
            .copied()
            .filter(|a| a.kind == Some(kind))
    }

    /// The Feature a work item names (`feature_id`), when it exists.
    pub fn feature_of(&self, a: &Artifact) -> Option<&'a Artifact> {
        self.named(a.project(), a.str_field("feature_id")?, Kind::Feature)
    }

    /// The Epic a work item or Feature belongs to: its `epic_id`, else its Feature's.
    pub fn epic_of(&self, a: &Artifact) -> Option<&'a Artifact> {
        if let Some(e) = a
            .str_field("epic_id")
            .and_then(|id| self.named(a.project(), id, Kind::Epic))
        {
            return Some(e);
        }
        let feature = self.feature_of(a)?;
        self.named(feature.project(), feature.str_field("epic_id")?, Kind::Epic)
    }

    /// The work items beneath an Epic or Feature.
    pub fn beneath(&self, parent: &Artifact) -> &[&'a Artifact] {
        self.children
            .get(&key(parent))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// A `depends_on` ID: in the item's own project first, else the one other project with it.
    fn resolve(&self, from: &Artifact, id: &str) -> Option<&'a Artifact> {
        if let Some(a) = self
            .by_key
            .get(&(from.project().to_string(), id.trim().to_lowercase()))
        {
            return Some(a);
        }
        let mut others = self
            .artifacts
            .iter()
            .filter(|a| a.id.eq_ignore_ascii_case(id.trim()));
        match (others.next(), others.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// What an item waits on: the `depends_on` IDs naming unfinished work, and those that
    /// name nothing. Both empty for a finished item.
    pub fn waiting_on(&self, a: &Artifact) -> (Vec<String>, Vec<String>) {
        let mut open = Vec::new();
        let mut unknown = Vec::new();
        if self.finished(a) {
            return (open, unknown);
        }
        for dep_id in a.list_field("depends_on") {
            let Some(dep) = self.resolve(a, &dep_id) else {
                unknown.push(dep_id);
                continue;
            };
            let under = if matches!(dep.kind, Some(Kind::Epic | Kind::Feature)) {
                self.beneath(dep)
            } else {
                &[]
            };
            let waits = if under.is_empty() {
                !self.finished(dep)
            } else {
                under.iter().any(|t| !self.finished(t))
            };
            if waits {
                open.push(dep.id.clone());
            }
        }
        (open, unknown)
    }

    /// Overdue by this many days (at least 1) on `today`.
    pub fn days_late(&self, a: &Artifact, today: Date) -> Option<(DateKey, Date, i64)> {
        if self.finished(a) {
            return None;
        }
        let (k, date) = due_of(a)?;
        (date < today).then(|| (k, date, i64::from((today - date).get_days())))
    }
}

fn is_work(a: &Artifact) -> bool {
    a.location.folder == Folder::Tasks
}

/// How much of the work is done, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Finished work items.
    pub done: usize,
    /// Work items.
    pub total: usize,
    /// `done * 100 / total`, rounded down; 0 when there is no work.
    pub percent: usize,
    /// Work items overdue.
    pub overdue: usize,
    /// Work items blocked by their dependencies.
    pub blocked: usize,
    /// Work items per status, in workflow order.
    pub by_status: Vec<StatusCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    pub status: String,
    pub stage: Stage,
    pub count: usize,
}

/// One Epic (or a Feature shown at the project's level) with its figures.
#[derive(Debug, Clone, Serialize)]
pub struct GroupProgress {
    pub id: String,
    pub title: String,
    pub status: String,
    /// Its date (`target_date`, else `milestone_target_date`), `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Not finished and its date has passed.
    pub overdue: bool,
    pub counts: Counts,
    /// An Epic's Features (always empty for a Feature).
    pub features: Vec<GroupProgress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectProgress {
    pub project: String,
    pub counts: Counts,
    pub epics: Vec<GroupProgress>,
    /// Features shown outside any Epic: with no (existing) Epic, or named as a target
    /// without their Epic.
    pub features: Vec<GroupProgress>,
    /// The work items in scope that belong to no Epic.
    pub outside_epics: Counts,
}

/// An overdue item.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    pub project: String,
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub status: String,
    pub date_key: DateKey,
    pub date: String,
    pub days_late: i64,
}

/// A work item blocked by its dependencies.
#[derive(Debug, Clone, Serialize)]
pub struct Blocked {
    pub project: String,
    pub id: String,
    pub title: String,
    pub status: String,
    /// The `depends_on` IDs naming unfinished work.
    pub waiting_on: Vec<String>,
    /// The `depends_on` IDs that name no artifact.
    pub unknown: Vec<String>,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub today: String,
    /// The targets as given; empty: every project.
    pub targets: Vec<String>,
    pub totals: Counts,
    pub projects: Vec<ProjectProgress>,
    pub overdue: Vec<Overdue>,
    pub blocked: Vec<Blocked>,
}

/// The inputs.
pub struct Input<'a> {
    pub artifacts: &'a [Artifact],
    /// The custom statuses per project.
    pub custom_statuses: &'a BTreeMap<String, Vec<String>>,
    /// Every project of the plan (those without artifacts included).
    pub projects: &'a [String],
    pub today: Date,
}

/// Per-item facts, worked out once.
struct Facts {
    finished: bool,
    status: StatusName,
    overdue: bool,
    blocked: bool,
}

struct Counter<'p, 'a> {
    plan: &'p Plan<'a>,
    facts: HashMap<Key, Facts>,
}

impl Counter<'_, '_> {
    fn count<'x>(&self, items: impl IntoIterator<Item = &'x Artifact>) -> Counts {
        let mut c = Counts::default();
        let mut by_status: BTreeMap<StatusName, usize> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for a in items {
            if !seen.insert(key(a)) {
                continue;
            }
            let Some(f) = self.facts.get(&key(a)) else {
                continue;
            };
            c.total += 1;
            c.done += usize::from(f.finished);
            c.overdue += usize::from(f.overdue);
            c.blocked += usize::from(f.blocked);
            *by_status.entry(f.status.clone()).or_default() += 1;
        }
        c.percent = (c.done * 100).checked_div(c.total).unwrap_or(0);
        c.by_status = by_status
            .into_iter()
            .map(|(s, count)| StatusCount {
                status: s.status,
                stage: s.stage,
                count,
            })
            .collect();
        c
    }
}

/// Resolves the targets (Epic or Feature IDs, titles, or milestone names) to the Epics and
/// Features they name, the way `waves` does.
pub fn resolve_targets<'a>(
    plan: &Plan<'a>,
    names: &[String],
) -> Result<Vec<&'a Artifact>, WavesError> {
    let parents: Vec<&Artifact> = plan
        .artifacts
        .iter()
        .filter(|a| matches!(a.kind, Some(Kind::Epic | Kind::Feature)))
        .collect();
    let mut out: Vec<&Artifact> = Vec::new();
    for name in names {
        for p in crate::waves::named_parents(&parents, name)? {
            if !out.iter().any(|o| key(o) == key(p)) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Works out the progress of `targets` (Epic/Feature IDs, titles or milestone names; none:
/// every project).
pub fn report(input: &Input<'_>, targets: &[String]) -> Result<Report, WavesError> {
    let plan = Plan::new(input.artifacts, input.custom_statuses);
    let today = input.today;
    let named = resolve_targets(&plan, targets)?;
    let all = named.is_empty();

    // The work in scope.
    let mut scope: Vec<&Artifact> = if all {
        input.artifacts.iter().filter(|a| is_work(a)).collect()
    } else {
        named
            .iter()
            .flat_map(|p| plan.beneath(p).iter().copied())
            .collect()
    };
    let mut seen = BTreeSet::new();
    scope.retain(|a| seen.insert(key(a)));
    scope.sort_by(|a, b| {
        a.project()
            .cmp(b.project())
            .then_with(|| id_order(&a.id, &b.id))
    });

    let facts: HashMap<Key, Facts> = scope
        .iter()
        .map(|a| {
            let (open, unknown) = plan.waiting_on(a);
            (
                key(a),
                Facts {
                    finished: plan.finished(a),
                    status: plan.status(a),
                    overdue: plan.days_late(a, today).is_some(),
                    blocked: !open.is_empty() || !unknown.is_empty(),
                },
            )
        })
        .collect();
    let counter = Counter { plan: &plan, facts };

    let group = |g: &Artifact, features: Vec<GroupProgress>| -> GroupProgress {
        GroupProgress {
            id: g.id.clone(),
            title: g.title.clone(),
            status: g.status.clone(),
            date: due_of(g).map(|(_, d)| d.to_string()),
            overdue: counter.plan.days_late(g, today).is_some(),
            counts: counter.count(counter.plan.beneath(g).iter().copied()),
            features,
        }
    };
    let by_id = |a: &&Artifact, b: &&Artifact| id_order(&a.id, &b.id);

    // The projects, and the Epics and Features shown in each.
    let mut projects: Vec<String> = if all {
        let mut p: Vec<String> = input.projects.to_vec();
        p.extend(input.artifacts.iter().map(|a| a.project().to_string()));
        p
    } else {
        named.iter().map(|a| a.project().to_string()).collect()
    };
    projects.sort();
    projects.dedup();
    let mut shown_groups: Vec<&Artifact> = Vec::new();
    let mut out_projects = Vec::new();
    for project in &projects {
        let in_project = |a: &&Artifact| a.project() == project;
        let (mut epics, mut features): (Vec<&Artifact>, Vec<&Artifact>) = if all {
            let live = |a: &&Artifact| in_project(a) && !a.location.archived;
            (
                input
                    .artifacts
                    .iter()
                    .filter(|a| live(a) && a.kind == Some(Kind::Epic))
                    .collect(),
                input
                    .artifacts
                    .iter()
                    .filter(|a| live(a) && a.kind == Some(Kind::Feature))
                    .filter(|f| plan.epic_of(f).is_none())
                    .collect(),
            )
        } else {
            let mine: Vec<&Artifact> = named.iter().copied().filter(in_project).collect();
            let epics: Vec<&Artifact> = mine
                .iter()
                .copied()
                .filter(|a| a.kind == Some(Kind::Epic))
                .collect();
            let features = mine
                .iter()
                .copied()
                .filter(|a| a.kind == Some(Kind::Feature))
                .filter(|f| {
                    plan.epic_of(f)
                        .is_none_or(|e| !epics.iter().any(|x| key(x) == key(e)))
                })
                .collect();
            (epics, features)
        };
        epics.sort_by(by_id);
        features.sort_by(by_id);
        let epic_groups: Vec<GroupProgress> = epics
            .iter()
            .map(|e| {
                let mut own: Vec<&Artifact> = input
                    .artifacts
                    .iter()
                    .filter(|f| {
                        f.kind == Some(Kind::Feature)
                            && !f.location.archived
                            && plan.epic_of(f).is_some_and(|x| key(x) == key(e))
                    })
                    .collect();
                own.sort_by(by_id);
                shown_groups.extend(own.iter().copied());
                group(e, own.iter().map(|f| group(f, Vec::new())).collect())
            })
            .collect();
        shown_groups.extend(epics.iter().copied());
        shown_groups.extend(features.iter().copied());
        let work: Vec<&Artifact> = scope.iter().copied().filter(in_project).collect();
        out_projects.push(ProjectProgress {
            project: project.clone(),
            counts: counter.count(work.iter().copied()),
            epics: epic_groups,
            features: features.iter().map(|f| group(f, Vec::new())).collect(),
            outside_epics: counter
                .count(work.iter().copied().filter(|a| plan.epic_of(a).is_none())),
        });
    }

    // Overdue: the work in scope and the Epics and Features shown.
    let mut overdue: Vec<Overdue> = scope
        .iter()
        .chain(shown_groups.iter())
        .filter_map(|a| {
            let (date_key, date, days_late) = plan.days_late(a, today)?;
            Some(Overdue {
                project: a.project().to_string(),
                id: a.id.clone(),
                title: a.title.clone(),
                type_name: a
                    .kind
                    .map(|k| k.word().to_string())
                    .unwrap_or_else(|| a.type_name.clone()),
                status: a.status.clone(),
                date_key,
                date: date.to_string(),
                days_late,
            })
        })
        .collect();
    overdue.sort_by(|a, b| {
        (a.date.as_str(), a.project.as_str())
            .cmp(&(b.date.as_str(), b.project.as_str()))
            .then_with(|| id_order(&a.id, &b.id))
    });
    overdue.dedup_by(|a, b| a.project == b.project && a.id == b.id);

    let blocked: Vec<Blocked> = scope
        .iter()
        .filter_map(|a| {
            let (waiting_on, unknown) = plan.waiting_on(a);
            (!waiting_on.is_empty() || !unknown.is_empty()).then(|| Blocked {
                project: a.project().to_string(),
                id: a.id.clone(),
                title: a.title.clone(),
                status: a.status.clone(),
                waiting_on,
                unknown,
            })
        })
        .collect();

    Ok(Report {
        today: today.to_string(),
        targets: targets.to_vec(),
        totals: counter.count(scope.iter().copied()),
        projects: out_projects,
        overdue,
        blocked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::Location;

    fn art(id: &str, kind: &str, status: &str, extra: &str) -> Artifact {
        let folder = match Kind::parse(kind) {
            Some(Kind::Epic) => "epics",
            Some(Kind::Feature) => "features",
            _ => "tasks",
        };
        let rel = format!("p/{folder}/{id}.md");
        let text = format!(
            "+++\nid = \"{id}\"\ntitle = \"T {id}\"\nstatus = \"{status}\"\ntype = \"{kind}\"\ncreated_date = \"2025-01-01\"\nupdated_date = \"2025-01-01\"\nproject_name = \"p\"\n{extra}+++\n"
        );
        let location = Location::of(&rel).expect("location");
        crate::artifact::parse(&rel, location, text.as_bytes())
            .expect("parses")
            .0
    }

    fn day(s: &str) -> Date {
        vocab::parse_date(s).expect("date")
    }

    #[test]
    fn statuses_are_placed_in_workflow_order() {
        let custom = vec!["⏳ Waiting".to_string()];
        let names: Vec<StatusName> = [
            "done",
            "⏳ waiting",
            "Whatever",
            "🟡 Ready",
            "todo",
            "🚧 Blocked",
        ]
        .iter()
        .map(|s| status_name(s, &custom))
        .collect();
        let mut sorted = names.clone();
        sorted.sort();
        let order: Vec<&str> = sorted.iter().map(|s| s.status.as_str()).collect();
        assert_eq!(
            order,
            [
                "🟡 To Do",
                "🟡 Ready",
                "🚧 Blocked",
                "⏳ Waiting",
                "Whatever",
                "🟢 Done"
            ]
        );
    }

    #[test]
    fn figures_count_work_items_only() {
        let arts = vec![
            art(
                "E-1",
                "Epic",
                "In Progress",
                "target_date = \"2025-05-01\"\n",
            ),
            art("F-1", "Feature", "To Do", "epic_id = \"E-1\"\n"),
            art("T-1", "Task", "Done", "feature_id = \"F-1\"\n"),
            art(
                "T-2",
                "Task",
                "To Do",
                "feature_id = \"F-1\"\ndue_date = \"2025-05-09\"\ndepends_on = [\"T-1\", \"T-3\"]\n",
            ),
            art("T-3", "Bug", "In Progress", "epic_id = \"E-1\"\n"),
            art("T-4", "Task", "To Do", "due_date = 2025-05-10\n"),
        ];
        let custom = BTreeMap::new();
        let projects = vec!["p".to_string()];
        let r = report(
            &Input {
                artifacts: &arts,
                custom_statuses: &custom,
                projects: &projects,
                today: day("2025-05-10"),
            },
            &[],
        )
        .expect("report");
        assert_eq!(
            (r.totals.done, r.totals.total, r.totals.percent),
            (1, 4, 25)
        );
        let e = &r.projects[0].epics[0];
        assert_eq!((e.counts.done, e.counts.total), (1, 3));
        assert!(e.overdue);
        assert_eq!(e.features[0].counts.total, 2);
        assert_eq!(r.projects[0].outside_epics.total, 1);
        let overdue: Vec<(&str, i64)> = r
            .overdue
            .iter()
            .map(|o| (o.id.as_str(), o.days_late))
            .collect();
        assert_eq!(overdue, [("E-1", 9), ("T-2", 1)]);
        assert_eq!(r.blocked.len(), 1);
        assert_eq!(r.blocked[0].waiting_on, ["T-3"]);
    }
}
