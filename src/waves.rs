//! Dependency waves: the work under a target in the order it can be done. Pure: the plan's
//! artifacts and the record's issue links in, waves out.
//!
//! In scope are the artifacts under `tasks/` beneath the target. An edge for each
//! `depends_on`; a dependency on an Epic or Feature is one on every task beneath it (on its
//! own status when it has none). Finished items (Done, Completed, Archived, or filed under
//! `archive/`) satisfy dependencies. Wave 1 holds the open items whose dependencies are all
//! finished; wave k the open items whose open dependencies all lie in earlier waves. Items on
//! a cycle, depending on an ID that does not exist, or waiting on open work outside the
//! target are placed in no wave and make the planning status `needs_review`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::artifact::vocab::{self, Kind, Priority, StatusClass};
use crate::artifact::{Artifact, Folder};

/// What to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every project's open work.
    All,
    /// Epics or Features by ID, or milestones by title (resolved against the plan).
    Named(Vec<String>),
    /// Issues by number (resolved through the sync record).
    Issues(Vec<u64>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavesError {
    #[error("cannot mix issue numbers and a milestone name ({numbers} and {names})")]
    Mixed { numbers: String, names: String },
    #[error("no Epic, Feature or milestone `{name}` in the plan")]
    UnknownTarget {
        name: String,
        available: Vec<String>,
    },
    #[error("issue #{0} not found (no artifact is linked to it in the sync record)")]
    UnknownIssue(u64),
}

impl WavesError {
    pub fn hint(&self) -> Option<String> {
        match self {
            WavesError::Mixed { .. } => Some(
                "give issue numbers (`12 13` or `#12,#13`), or one Epic/Feature ID or milestone title"
                    .to_string(),
            ),
            WavesError::UnknownTarget { available, .. } if !available.is_empty() => Some(format!(
                "the milestones here: {}",
                available.join(", ")
            )),
            WavesError::UnknownTarget { .. } => {
                Some("the plan has no Epic or Feature yet".to_string())
            }
            WavesError::UnknownIssue(_) => Some(
                "issue numbers name synced issues: `git intellimanage status` says whether a sync was recorded"
                    .to_string(),
            ),
        }
    }
}

/// Reads the command line's targets: issue numbers (space- or comma-separated, `#`
/// optional) or names, never both.
pub fn parse_targets(args: &[String]) -> Result<Target, WavesError> {
    let words: Vec<String> = args
        .iter()
        .flat_map(|a| {
            let all_numbers = a
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .all(|p| issue_number(p).is_some());
            if all_numbers {
                a.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            } else {
                vec![a.trim().to_string()]
            }
        })
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Ok(Target::All);
    }
    let (numbers, names): (Vec<&String>, Vec<&String>) =
        words.iter().partition(|w| issue_number(w).is_some());
    match (numbers.is_empty(), names.is_empty()) {
        (false, false) => Err(WavesError::Mixed {
            numbers: numbers
                .iter()
                .map(|n| format!("#{}", n.trim_start_matches('#')))
                .collect::<Vec<_>>()
                .join(", "),
            names: names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
        }),
        (false, true) => Ok(Target::Issues(
            numbers.iter().filter_map(|n| issue_number(n)).collect(),
        )),
        _ => Ok(Target::Named(words)),
    }
}

fn issue_number(word: &str) -> Option<u64> {
    let digits = word.strip_prefix('#').unwrap_or(word);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The issue an artifact is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueRef {
    pub number: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One item of a wave.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub project: String,
    pub id: String,
    pub title: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    pub depends_on: Vec<String>,
    pub issue: Option<IssueRef>,
    /// Finished (shown in wave 1 as done).
    pub done: bool,
    /// Started (In Progress, Review).
    pub started: bool,
    #[serde(skip)]
    pub rank: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct Wave {
    pub number: usize,
    pub items: Vec<Item>,
}

/// Why an item is in no wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Cycle,
    Unknown,
    Outside,
}

#[derive(Debug, Clone, Serialize)]
pub struct Blocked {
    pub project: String,
    pub id: String,
    pub title: String,
    pub reason: Reason,
    /// The IDs involved: the cycle (first one repeated at the end), the unknown IDs, or the
    /// open work outside the target it waits on.
    pub ids: Vec<String>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanningStatus {
    Ready,
    NeedsReview,
}

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct Waves {
    pub planning_status: PlanningStatus,
    pub waves: Vec<Wave>,
    /// Finished items in scope.
    pub done: Vec<String>,
    pub blocked: Vec<Blocked>,
    pub progress: Progress,
}

impl Waves {
    /// Wave 1's open items not yet started, highest priority first (then by ID).
    pub fn ready(&self) -> Vec<&Item> {
        let mut items: Vec<&Item> = self
            .waves
            .first()
            .map(|w| w.items.iter().filter(|i| !i.done && !i.started).collect())
            .unwrap_or_default();
        items.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| id_order(&a.id, &b.id)));
        items
    }
}

/// `TASK-2` before `TASK-10`.
fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| {
        let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, tail) = s.split_at(s.len() - digits);
        (head.to_lowercase(), tail.parse::<u64>().unwrap_or(0))
    };
    split(a).cmp(&split(b)).then_with(|| a.cmp(b))
}

fn kind_of(a: &Artifact) -> Option<Kind> {
    a.kind
}

fn finished(a: &Artifact, custom: &[String]) -> bool {
    a.location.archived
        || vocab::classify_status(&a.status, custom).is_some_and(StatusClass::is_closed)
}

fn started(a: &Artifact, custom: &[String]) -> bool {
    matches!(
        vocab::classify_status(&a.status, custom),
        Some(StatusClass::InProgress | StatusClass::Review)
    )
}

/// The inputs: every artifact of the plan, the custom statuses per project, and the
/// record's issue links by `<project>/<ID>`.
pub struct Input<'a> {
    pub artifacts: &'a [Artifact],
    pub custom_statuses: &'a BTreeMap<String, Vec<String>>,
    pub issues: &'a BTreeMap<String, IssueRef>,
}

type Key = (String, String);

fn key(a: &Artifact) -> Key {
    (a.project().to_string(), a.id.to_lowercase())
}

/// Works out the waves of `target`.
pub fn plan(input: &Input<'_>, target: &Target) -> Result<Waves, WavesError> {
    let empty = Vec::new();
    let custom = |a: &Artifact| -> &[String] {
        input
            .custom_statuses
            .get(a.project())
            .unwrap_or(&empty)
            .as_slice()
    };
    let by_key: HashMap<Key, &Artifact> = input.artifacts.iter().map(|a| (key(a), a)).collect();
    let is_work = |a: &Artifact| a.location.folder == Folder::Tasks;
    // Children of an Epic/Feature: the work items beneath it (through their Feature too).
    let beneath = |parent: &Artifact| -> Vec<&Artifact> {
        let pid = parent.id.as_str();
        let project = parent.project();
        input
            .artifacts
            .iter()
            .filter(|a| a.project() == project && is_work(a))
            .filter(|a| {
                let by = |k: &str| a.str_field(k).is_some_and(|v| v.eq_ignore_ascii_case(pid));
                by("feature_id")
                    || by("epic_id")
                    || a.str_field("feature_id").is_some_and(|f| {
                        by_key
                            .get(&(project.to_string(), f.to_lowercase()))
                            .and_then(|feat| feat.str_field("epic_id"))
                            .is_some_and(|e| e.eq_ignore_ascii_case(pid))
                    })
            })
            .collect()
    };
    // The scope.
    let scope: Vec<&Artifact> = match target {
        Target::All => input.artifacts.iter().filter(|a| is_work(a)).collect(),
        Target::Issues(numbers) => {
            let mut out = Vec::new();
            for n in numbers {
                let found = input
                    .issues
                    .iter()
                    .find(|(_, i)| i.number == *n)
                    .and_then(|(k, _)| {
                        let (project, id) = k.split_once('/')?;
                        by_key.get(&(project.to_string(), id.to_lowercase()))
                    })
                    .ok_or(WavesError::UnknownIssue(*n))?;
                out.push(*found);
            }
            out
        }
        Target::Named(names) => {
            let parents: Vec<&Artifact> = input
                .artifacts
                .iter()
                .filter(|a| matches!(kind_of(a), Some(Kind::Epic | Kind::Feature)))
                .collect();
            let mut out: Vec<&Artifact> = Vec::new();
            for name in names {
                for p in named_parents(&parents, name)? {
                    out.extend(beneath(p));
                }
            }
            out
        }
    };
    let mut seen = BTreeSet::new();
    let scope: Vec<&Artifact> = scope.into_iter().filter(|a| seen.insert(key(a))).collect();
    let in_scope: BTreeSet<Key> = scope.iter().map(|a| key(a)).collect();

    // Resolve a `depends_on` ID: its own project first, else the one other project with it.
    let resolve = |from: &Artifact, id: &str| -> Option<&Artifact> {
        if let Some(a) = by_key.get(&(from.project().to_string(), id.to_lowercase())) {
            return Some(a);
        }
        let others: Vec<&&Artifact> = by_key
            .iter()
            .filter(|((_, i), _)| i.eq_ignore_ascii_case(id))
            .map(|(_, a)| a)
            .collect();
        (others.len() == 1).then(|| *others[0])
    };

    let mut done = Vec::new();
    let mut blocked: Vec<Blocked> = Vec::new();
    // Open items' open in-scope dependencies.
    let mut edges: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
    for a in &scope {
        if finished(a, custom(a)) {
            done.push(a.id.clone());
            continue;
        }
        let mut deps = BTreeSet::new();
        let mut unknown = Vec::new();
        let mut outside = Vec::new();
        for dep_id in a.list_field("depends_on") {
            let Some(dep) = resolve(a, &dep_id) else {
                unknown.push(dep_id);
                continue;
            };
            let targets: Vec<&Artifact> =
                if matches!(kind_of(dep), Some(Kind::Epic | Kind::Feature)) {
                    let under = beneath(dep);
                    if under.is_empty() { vec![dep] } else { under }
                } else {
                    vec![dep]
                };
            for t in targets {
                if finished(t, custom(t)) {
                    continue;
                }
                if in_scope.contains(&key(t)) && is_work(t) {
                    deps.insert(key(t));
                } else {
                    outside.push(t.id.clone());
                }
            }
        }
        if !unknown.is_empty() {
            let line = depends_on_line(a);
            blocked.push(Blocked {
                project: a.project().to_string(),
                id: a.id.clone(),
                title: a.title.clone(),
                reason: Reason::Unknown,
                message: format!(
                    "depends on {}, which does not exist ({}:{line})",
                    unknown.join(", "),
                    a.path
                ),
                ids: unknown,
            });
            continue;
        }
        if !outside.is_empty() {
            outside.sort();
            outside.dedup();
            blocked.push(Blocked {
                project: a.project().to_string(),
                id: a.id.clone(),
                title: a.title.clone(),
                reason: Reason::Outside,
                message: format!(
                    "waits on open work outside the target: {}",
                    outside.join(", ")
                ),
                ids: outside,
            });
            continue;
        }
        edges.insert(key(a), deps);
    }

    // Cycles: strongly connected components with more than one item, or a self-loop.
    let cycles = cycles(&edges);
    let name = |k: &Key| {
        by_key
            .get(k)
            .map(|a| a.id.clone())
            .unwrap_or_else(|| k.1.clone())
    };
    for cycle in &cycles {
        let mut ids: Vec<String> = cycle.iter().map(name).collect();
        if let Some(first) = ids.first().cloned() {
            ids.push(first);
        }
        for k in cycle {
            if let Some(a) = by_key.get(k) {
                blocked.push(Blocked {
                    project: a.project().to_string(),
                    id: a.id.clone(),
                    title: a.title.clone(),
                    reason: Reason::Cycle,
                    message: format!("on a cycle: {}", ids.join(" → ")),
                    ids: ids.clone(),
                });
            }
            edges.remove(k);
        }
    }
    // What depends on a blocked item is blocked through it (same reason), until nothing
    // changes.
    loop {
        let stuck: Vec<(Key, Key)> = edges
            .iter()
            .filter_map(|(k, deps)| {
                deps.iter()
                    .find(|d| !edges.contains_key(*d))
                    .map(|d| (k.clone(), d.clone()))
            })
            .collect();
        if stuck.is_empty() {
            break;
        }
        for (k, d) in stuck {
            edges.remove(&k);
            let root = blocked.iter().find(|b| key_of(b) == d).map(|b| b.reason);
            if let Some(a) = by_key.get(&k) {
                blocked.push(Blocked {
                    project: a.project().to_string(),
                    id: a.id.clone(),
                    title: a.title.clone(),
                    reason: root.unwrap_or(Reason::Outside),
                    message: format!("waits on {}, which can't be placed", name(&d)),
                    ids: vec![name(&d)],
                });
            }
        }
    }
    // Levels.
    let mut level: BTreeMap<Key, usize> = BTreeMap::new();
    fn depth(
        k: &Key,
        edges: &BTreeMap<Key, BTreeSet<Key>>,
        level: &mut BTreeMap<Key, usize>,
    ) -> usize {
        if let Some(l) = level.get(k) {
            return *l;
        }
        let l = 1 + edges
            .get(k)
            .map(|deps| {
                deps.iter()
                    .map(|d| depth(d, edges, level))
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        level.insert(k.clone(), l);
        l
    }
    let keys: Vec<Key> = edges.keys().cloned().collect();
    for k in &keys {
        depth(k, &edges, &mut level);
    }
    let item = |a: &Artifact| -> Item {
        let priority = a.str_field("priority").map(str::to_string);
        let rank = priority
            .as_deref()
            .and_then(Priority::parse)
            .map(|p| p as u8)
            .unwrap_or(Priority::Medium as u8);
        Item {
            project: a.project().to_string(),
            id: a.id.clone(),
            title: a.title.clone(),
            status: a.status.clone(),
            priority,
            depends_on: a.list_field("depends_on"),
            issue: input
                .issues
                .get(&format!("{}/{}", a.project(), a.id))
                .cloned(),
            done: finished(a, custom(a)),
            started: started(a, custom(a)),
            rank,
        }
    };
    let count = level
        .values()
        .copied()
        .max()
        .unwrap_or(0)
        .max(usize::from(!done.is_empty()));
    let mut waves: Vec<Wave> = (1..=count)
        .map(|number| Wave {
            number,
            items: Vec::new(),
        })
        .collect();
    for a in &scope {
        if finished(a, custom(a)) {
            waves[0].items.push(item(a));
        } else if let Some(l) = level.get(&key(a)) {
            waves[l - 1].items.push(item(a));
        }
    }
    for w in &mut waves {
        w.items
            .sort_by(|a, b| b.done.cmp(&a.done).then_with(|| id_order(&a.id, &b.id)));
    }
    blocked.sort_by(|a, b| id_order(&a.id, &b.id));
    Ok(Waves {
        planning_status: if blocked.is_empty() {
            PlanningStatus::Ready
        } else {
            PlanningStatus::NeedsReview
        },
        progress: Progress {
            done: done.len(),
            total: scope.len(),
        },
        waves,
        done,
        blocked,
    })
}

fn key_of(b: &Blocked) -> Key {
    (b.project.clone(), b.id.to_lowercase())
}

/// The line of the `depends_on` key in the artifact's file.
fn depends_on_line(a: &Artifact) -> usize {
    a.frontmatter
        .lines()
        .position(|l| l.trim_start().starts_with("depends_on"))
        .map(|i| a.frontmatter_line + i)
        .unwrap_or(a.frontmatter_line)
}

/// The cycles of the dependency graph (Tarjan's strongly connected components), each in
/// dependency order.
fn cycles(edges: &BTreeMap<Key, BTreeSet<Key>>) -> Vec<Vec<Key>> {
    struct State<'a> {
        edges: &'a BTreeMap<Key, BTreeSet<Key>>,
        index: usize,
        indices: HashMap<&'a Key, usize>,
        low: HashMap<&'a Key, usize>,
        stack: Vec<&'a Key>,
        on_stack: BTreeSet<&'a Key>,
        out: Vec<Vec<Key>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Key) {
        s.indices.insert(v, s.index);
        s.low.insert(v, s.index);
        s.index += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(deps) = s.edges.get(v) {
            for w in deps {
                let Some((w, _)) = s.edges.get_key_value(w) else {
                    continue;
                };
                if !s.indices.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(lw));
                } else if s.on_stack.contains(w) {
                    let iw = s.indices[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(iw));
                }
            }
        }
        if s.low[v] == s.indices[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            let self_loop = s.edges.get(v).is_some_and(|d| d.contains(v));
            if component.len() > 1 || self_loop {
                component.reverse();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: 0,
        indices: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.indices.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// The Epics and Features among `parents` that `name` names (ID, title or `milestone_name`,
/// case-insensitive), or the error listing what could be named.
pub fn named_parents<'a>(
    parents: &[&'a Artifact],
    name: &str,
) -> Result<Vec<&'a Artifact>, WavesError> {
    let name = name.trim();
    let named: Vec<&'a Artifact> = parents
        .iter()
        .copied()
        .filter(|p| {
            p.id.eq_ignore_ascii_case(name)
                || p.title.trim().eq_ignore_ascii_case(name)
                || p.str_field("milestone_name")
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case(name))
        })
        .collect();
    if named.is_empty() {
        let mut available: Vec<String> = parents
            .iter()
            .map(|p| {
                p.str_field("milestone_name")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{} ({})", p.title, p.id))
            })
            .collect();
        available.sort();
        available.dedup();
        return Err(WavesError::UnknownTarget {
            name: name.to_string(),
            available,
        });
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_numbers_or_names_never_both() {
        let t = |a: &[&str]| parse_targets(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(t(&[]), Ok(Target::All));
        assert_eq!(t(&["12", "#13,14"]), Ok(Target::Issues(vec![12, 13, 14])));
        assert_eq!(t(&["EPIC-1"]), Ok(Target::Named(vec!["EPIC-1".into()])));
        assert_eq!(
            t(&["OB3 Phase 1"]),
            Ok(Target::Named(vec!["OB3 Phase 1".into()]))
        );
        let err = t(&["12", "EPIC-1"]).expect_err("mixed");
        assert!(
            err.to_string()
                .starts_with("cannot mix issue numbers and a milestone name")
        );
    }

    #[test]
    fn cycles_are_found_in_order() {
        let k = |s: &str| ("p".to_string(), s.to_string());
        let mut edges = BTreeMap::new();
        edges.insert(k("a"), BTreeSet::from([k("b")]));
        edges.insert(k("b"), BTreeSet::from([k("c")]));
        edges.insert(k("c"), BTreeSet::from([k("a")]));
        edges.insert(k("d"), BTreeSet::from([k("a")]));
        edges.insert(k("e"), BTreeSet::from([k("e")]));
        let found = cycles(&edges);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().any(|c| c.len() == 3));
        assert!(found.iter().any(|c| c == &vec![k("e")]));
    }
}
