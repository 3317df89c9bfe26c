//! The pure planner: given the plan (local artifacts), the record of the last sync (links
//! with both sides' fields as last synced) and GitHub's state, it returns the operations
//! that bring both sides in step. It does no I/O, so dry-run, the offline diff and conflict
//! handling all come from the same code, and it is tested without a network.

pub mod fields;
pub mod links;
pub mod merge;
pub mod pull;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::artifact::{Artifact, Kind, vocab};
use crate::config::{LabelCategory, ProjectConfig};
use crate::github::{Issue, Label, Milestone};

use fields::{IssueFields, MilestoneFields, Target};
use links::{Fields, Link, LinkStatus, Links};
use merge::{Conflict, Resolver};

/// GitHub's state for one repository, as fetched for this run.
#[derive(Debug, Clone, Default)]
pub struct RemoteState {
    /// Issues fetched this run, by number: all of them when `complete`, otherwise only
    /// those updated since the watermark (the rest are as last synced).
    pub issues: BTreeMap<u64, Issue>,
    pub complete: bool,
    /// Every milestone.
    pub milestones: Vec<Milestone>,
    /// Every label.
    pub labels: Vec<Label>,
}

/// Which way changes may flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Plan → GitHub only; GitHub's own changes are left alone on GitHub.
    Push,
    /// Both ways.
    Both,
}

/// One operation. Milestones of issues are named by title; the executor resolves numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateLabel {
        name: String,
        color: String,
        description: String,
    },
    CreateMilestone {
        key: String,
        /// The artifact ID for the `IntelliManage-ID:` line (none for shared milestones).
        marker: Option<String>,
        fields: MilestoneFields,
    },
    UpdateMilestone {
        key: String,
        number: u64,
        marker: Option<String>,
        fields: MilestoneFields,
        changed: Vec<String>,
    },
    DeleteMilestone {
        key: String,
        number: u64,
    },
    CreateIssue {
        key: String,
        marker: String,
        fields: IssueFields,
    },
    UpdateIssue {
        key: String,
        number: u64,
        marker: String,
        fields: IssueFields,
        changed: Vec<String>,
    },
    /// Bring the plan's artifact in line with GitHub (fields the planner merged in).
    EditArtifact {
        key: String,
        path: String,
        fields: Fields,
        changed: Vec<String>,
        #[serde(skip)]
        edit: crate::writeback::Edit,
    },
    /// A new artifact file for a GitHub issue the plan doesn't have (opt-in).
    CreateArtifact {
        key: String,
        /// Repository-relative path of the new file.
        path: String,
        number: u64,
        #[serde(skip)]
        text: String,
    },
}

impl Op {
    pub fn key(&self) -> Option<&str> {
        match self {
            Op::CreateLabel { .. } => None,
            Op::CreateMilestone { key, .. }
            | Op::UpdateMilestone { key, .. }
            | Op::DeleteMilestone { key, .. }
            | Op::CreateIssue { key, .. }
            | Op::UpdateIssue { key, .. }
            | Op::EditArtifact { key, .. }
            | Op::CreateArtifact { key, .. } => Some(key),
        }
    }

    /// True for operations that write to GitHub.
    pub fn writes_github(&self) -> bool {
        !matches!(self, Op::EditArtifact { .. } | Op::CreateArtifact { .. })
    }
}

/// Something the user should hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub key: Option<String>,
    pub message: String,
    /// True when the item did not (fully) sync because of it.
    pub incomplete: bool,
}

/// What becomes of one item once its operations succeed: the link to record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settle {
    pub key: String,
    pub target: Target,
    pub marker: Option<String>,
    /// Linked item number, if known before executing (None: created by an op).
    pub number: Option<u64>,
    pub path: Option<String>,
    /// The plan's fields after this sync.
    pub local: Fields,
    /// The plan's fields as its committed file says them, when they differ from `local`:
    /// GitHub's changes are written into the working tree, not committed (the executor
    /// drops this when it commits them).
    pub committed: Option<Fields>,
    /// GitHub's fields after this sync, as far as the planner knows (the executor
    /// replaces them with what GitHub answers).
    pub remote: Fields,
    pub updated_at: Option<String>,
    pub url: Option<String>,
    /// The item is gone from the plan; its GitHub item is (being) closed.
    pub retired: bool,
    pub flagged: bool,
}

/// Everything the planner decided for one project.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub ops: Vec<Op>,
    pub settle: Vec<Settle>,
    pub notes: Vec<Note>,
    pub conflicts: Vec<(String, Conflict)>,
}

impl Plan {
    pub fn github_writes(&self) -> usize {
        self.ops.iter().filter(|o| o.writes_github()).count()
    }
}

/// Everything the planner needs for one project.
pub struct Input<'a> {
    pub project: &'a str,
    /// The GitHub repository (`owner/name`), for links written into new artifacts.
    pub repo: &'a str,
    pub config: &'a ProjectConfig,
    /// The project's artifacts at the revision being synced.
    pub artifacts: Vec<&'a Artifact>,
    pub links: &'a Links,
    pub remote: &'a RemoteState,
    pub direction: Direction,
}

/// Labels the plan needs: which exist, which are created, which can't be.
struct LabelNeeds {
    /// Lowercased names that exist or will be created.
    existing: BTreeSet<String>,
    missing: BTreeSet<String>,
    ops: Vec<Op>,
}

impl LabelNeeds {
    fn want(&mut self, name: &str, cat: LabelCategory, cfg: &ProjectConfig, notes: &mut Vec<Note>) {
        let mapping = &cfg.github.mapping;
        if self.existing.contains(&name.to_lowercase()) || self.missing.contains(name) {
            return;
        }
        if mapping.create_missing_labels {
            self.existing.insert(name.to_lowercase());
            self.ops.push(Op::CreateLabel {
                name: name.to_string(),
                color: mapping.label_color(cat).to_string(),
                description: format!("IntelliManage {}", cat.as_str()),
            });
        } else {
            self.missing.insert(name.to_string());
            notes.push(Note {
                key: None,
                message: format!(
                    "label `{name}` does not exist on GitHub and create_missing_labels = false: it is left off the issues that carry it"
                ),
                incomplete: true,
            });
        }
    }
}

struct DesiredMilestone {
    key: String,
    marker: Option<String>,
    fields: MilestoneFields,
    path: Option<String>,
    updated_date: Option<String>,
}

/// Which milestone (title) an issue artifact belongs to, walking up its Feature and Epic.
fn milestone_for(
    a: &Artifact,
    by_id: &HashMap<&str, &Artifact>,
    milestone_kind: Kind,
) -> Option<(String, String)> {
    let mut candidates: Vec<&Artifact> = Vec::new();
    if let Some(f) = a.str_field("feature_id").and_then(|id| by_id.get(id)) {
        candidates.push(f);
        if let Some(e) = f.str_field("epic_id").and_then(|id| by_id.get(id)) {
            candidates.push(e);
        }
    }
    if let Some(e) = a.str_field("epic_id").and_then(|id| by_id.get(id)) {
        candidates.push(e);
    }
    for c in candidates {
        if let Some(name) = c
            .str_field("milestone_name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            return Some((
                links::shared_milestone_key(c.project(), name),
                name.to_string(),
            ));
        }
        if c.kind == Some(milestone_kind) {
            return Some((links::key(c.project(), &c.id), fields::milestone_title(c)));
        }
    }
    None
}

/// Last-update-wins: is the artifact's `updated_date` later than GitHub's `updated_at`?
/// Dates have day granularity: a plan edited on the same UTC day as GitHub counts as newer
/// (the plan is where work is planned).
pub fn local_is_newer(updated_date: Option<&str>, remote_updated_at: Option<&str>) -> bool {
    let local = updated_date.and_then(|d| vocab::parse_date(d.trim()));
    let remote = remote_updated_at
        .and_then(fields::utc_date)
        .and_then(|d| vocab::parse_date(&d));
    match (local, remote) {
        (Some(l), Some(r)) => l >= r,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The planner.
pub fn plan(input: &Input<'_>) -> Plan {
    let cfg = input.config;
    let mapping = &cfg.github.mapping;
    let mut out = Plan::default();
    let by_id: HashMap<&str, &Artifact> = input
        .artifacts
        .iter()
        .map(|a| (a.id.as_str(), *a))
        .collect();

    // 1. What the plan wants on GitHub.
    let mut desired_milestones: BTreeMap<String, DesiredMilestone> = BTreeMap::new();
    let mut shared: BTreeMap<String, Vec<&Artifact>> = BTreeMap::new();
    for a in &input.artifacts {
        if let Some(name) = a
            .str_field("milestone_name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if fields::is_container(a.kind) {
                shared.entry(name.to_string()).or_default().push(a);
                continue;
            }
        }
        if fields::target_of(a, cfg) == Some(Target::Milestone) {
            desired_milestones.insert(
                links::key(input.project, &a.id),
                DesiredMilestone {
                    key: links::key(input.project, &a.id),
                    marker: Some(a.id.clone()),
                    fields: fields::milestone_fields(a, cfg),
                    path: Some(a.path.clone()),
                    updated_date: a.str_field("updated_date").map(str::to_string),
                },
            );
        }
    }
    for (name, members) in &shared {
        let ids: Vec<&str> = members.iter().map(|a| a.id.as_str()).collect();
        let due = if mapping.sync_milestone_due_date {
            members.iter().filter_map(|a| fields::due_date(a)).max()
        } else {
            None
        };
        let closed = members.iter().all(|a| fields::closed_state(a, cfg).0);
        let key = links::shared_milestone_key(input.project, name);
        desired_milestones.insert(
            key.clone(),
            DesiredMilestone {
                key,
                marker: None,
                fields: MilestoneFields {
                    title: name.clone(),
                    description: format!("Milestone shared by {}.", ids.join(", ")),
                    closed,
                    due_on: due,
                },
                path: None,
                updated_date: members
                    .iter()
                    .filter_map(|a| a.str_field("updated_date"))
                    .max()
                    .map(str::to_string),
            },
        );
    }

    // 2. Labels: what exists on GitHub, what the plan's issues need.
    let existing_labels: BTreeSet<String> = input
        .remote
        .labels
        .iter()
        .map(|l| l.name.to_lowercase())
        .collect();
    let mut needed_labels: BTreeMap<String, LabelCategory> = BTreeMap::new();
    let mut issue_artifacts: Vec<(&Artifact, IssueFields, Option<String>)> = Vec::new();
    for a in &input.artifacts {
        if fields::target_of(a, cfg) != Some(Target::Issue) {
            continue;
        }
        let ms = milestone_for(a, &by_id, mapping.milestone_kind());
        let (ms_key, ms_title) = match ms {
            Some((k, t)) => (Some(k), Some(t)),
            None => (None, None),
        };
        let f = fields::issue_fields(a, cfg, ms_title);
        for (label, cat) in fields::artifact_labels(a, cfg) {
            needed_labels.entry(label).or_insert(cat);
        }
        issue_artifacts.push((a, f, ms_key));
    }
    let conflict_label = mapping.conflict_label();
    let mut labels = LabelNeeds {
        existing: existing_labels,
        missing: BTreeSet::new(),
        ops: Vec::new(),
    };
    for (name, cat) in &needed_labels {
        labels.want(name, *cat, cfg, &mut out.notes);
    }

    // 3. Milestones.
    let ms_by_number: HashMap<u64, &Milestone> = input
        .remote
        .milestones
        .iter()
        .map(|m| (m.number, m))
        .collect();
    let ms_by_title: HashMap<String, &Milestone> = input
        .remote
        .milestones
        .iter()
        .map(|m| (m.title.trim().to_lowercase(), m))
        .collect();
    let ms_by_marker: HashMap<String, &Milestone> = input
        .remote
        .milestones
        .iter()
        .filter_map(|m| {
            fields::marker_id(m.description.as_deref().unwrap_or_default()).map(|id| (id, m))
        })
        .collect();
    // Titles of milestones that exist or will exist after this run.
    let mut available_milestones: BTreeSet<String> = input
        .remote
        .milestones
        .iter()
        .map(|m| m.title.trim().to_lowercase())
        .collect();
    let mut milestone_ops = Vec::new();
    // Each milestone's title once this run is done (renamed on either side), by key: the
    // issues under it are put in it under that title.
    let mut milestone_titles: HashMap<String, String> = HashMap::new();
    // Milestones this run renames: lowercased title on GitHub → new title.
    let mut renamed: HashMap<String, String> = HashMap::new();
    for d in desired_milestones.values() {
        let link = input
            .links
            .items
            .get(&d.key)
            .filter(|l| l.target == Target::Milestone && !l.retired);
        let linked = link.and_then(|l| ms_by_number.get(&l.number).map(|m| (l, *m)));
        let adopted = match linked {
            Some(_) => None,
            None => d
                .marker
                .as_ref()
                .and_then(|id| ms_by_marker.get(id))
                .or_else(|| ms_by_title.get(&d.fields.title.to_lowercase()))
                .copied(),
        };
        let (remote, lb, rb, number, updated_at, url) = match (linked, adopted) {
            (Some((l, m)), _) => (
                fields::remote_milestone_fields(m),
                l.local.as_ref().and_then(Fields::milestone).cloned(),
                l.remote.as_ref().and_then(Fields::milestone).cloned(),
                m.number,
                m.updated_at.clone(),
                m.html_url.clone(),
            ),
            (None, Some(m)) => (
                fields::remote_milestone_fields(m),
                None,
                None,
                m.number,
                m.updated_at.clone(),
                m.html_url.clone(),
            ),
            (None, None) => {
                if mapping.create_missing_milestones {
                    available_milestones.insert(d.fields.title.to_lowercase());
                    milestone_titles.insert(d.key.clone(), d.fields.title.clone());
                    milestone_ops.push(Op::CreateMilestone {
                        key: d.key.clone(),
                        marker: d.marker.clone(),
                        fields: d.fields.clone(),
                    });
                    out.settle.push(Settle {
                        key: d.key.clone(),
                        target: Target::Milestone,
                        marker: d.marker.clone(),
                        number: None,
                        path: d.path.clone(),
                        local: Fields::Milestone(d.fields.clone()),
                        remote: Fields::Milestone(d.fields.clone()),
                        committed: None,
                        updated_at: None,
                        url: None,
                        retired: false,
                        flagged: false,
                    });
                } else {
                    out.notes.push(Note {
                        key: Some(d.key.clone()),
                        message: format!(
                            "milestone `{}` does not exist on GitHub and create_missing_milestones = false: not created; issues under it are synced without a milestone",
                            d.fields.title
                        ),
                        incomplete: true,
                    });
                }
                continue;
            }
        };
        // GitHub's changes still pending in the working tree (see `Link::committed`).
        let local = match link {
            Some(l) if l.committed.as_ref().and_then(Fields::milestone) == Some(&d.fields) => l
                .local
                .as_ref()
                .and_then(Fields::milestone)
                .cloned()
                .unwrap_or_else(|| d.fields.clone()),
            _ => d.fields.clone(),
        };
        let resolver = Resolver {
            strategy: mapping.conflict_resolution,
            local_is_newer: local_is_newer(d.updated_date.as_deref(), updated_at.as_deref()),
        };
        let mut m = merge::merge_milestone(&local, lb.as_ref(), &remote, rb.as_ref(), &resolver);
        for c in &m.conflicts {
            out.conflicts.push((d.key.clone(), c.clone()));
        }
        let flagged = m
            .conflicts
            .iter()
            .any(|c| c.winner == merge::Winner::Flagged);
        let mut plan_side = if input.direction == Direction::Both {
            m.plan.clone()
        } else {
            local.clone()
        };
        if input.direction == Direction::Both && plan_side != d.fields {
            let artifact = by_id.get(d.marker.as_deref().unwrap_or_default());
            let edit = match (&d.path, artifact) {
                (Some(_), Some(a)) => pull::milestone_edit(a, cfg, &d.fields, &plan_side),
                _ => crate::writeback::Edit::new(),
            };
            // What the plan says once the edit is in (what it can't say stays as it is);
            // GitHub gets the difference in this same run.
            let effective = if edit.is_empty() {
                Some(d.fields.clone())
            } else {
                artifact
                    .and_then(|a| pull::edited(a, &edit))
                    .map(|e| fields::milestone_fields(&e, cfg))
            };
            if let Some(effective) = effective.filter(|e| *e != plan_side) {
                let again = merge::merge_milestone(
                    &effective,
                    Some(&plan_side),
                    &m.github,
                    Some(&m.github),
                    &resolver,
                );
                m.github = again.github;
                plan_side = effective;
            }
            if let (Some(path), false) = (&d.path, edit.is_empty()) {
                milestone_ops.push(Op::EditArtifact {
                    key: d.key.clone(),
                    path: path.clone(),
                    changed: milestone_changes(&d.fields, &plan_side),
                    fields: Fields::Milestone(plan_side.clone()),
                    edit,
                });
            }
        }
        if m.github != remote {
            let changed = milestone_changes(&remote, &m.github);
            if remote.title != m.github.title {
                renamed.insert(remote.title.trim().to_lowercase(), m.github.title.clone());
            }
            milestone_ops.push(Op::UpdateMilestone {
                key: d.key.clone(),
                number,
                marker: d.marker.clone(),
                fields: m.github.clone(),
                changed,
            });
        } else if d.marker.is_some() && adopted.is_some() {
            // Adopted as it is; make sure the marker is there so the link survives.
            let has_marker = adopted
                .and_then(|a| a.description.as_deref())
                .and_then(fields::marker_id)
                .is_some();
            if !has_marker {
                milestone_ops.push(Op::UpdateMilestone {
                    key: d.key.clone(),
                    number,
                    marker: d.marker.clone(),
                    fields: m.github.clone(),
                    changed: vec!["description".to_string()],
                });
            }
        }
        available_milestones.insert(m.github.title.to_lowercase());
        milestone_titles.insert(d.key.clone(), m.github.title.clone());
        out.settle.push(Settle {
            key: d.key.clone(),
            target: Target::Milestone,
            marker: d.marker.clone(),
            number: Some(number),
            path: d.path.clone(),
            committed: (plan_side != d.fields).then(|| Fields::Milestone(d.fields.clone())),
            local: Fields::Milestone(plan_side),
            remote: Fields::Milestone(m.github.clone()),
            updated_at,
            url,
            retired: false,
            flagged,
        });
    }

    // 4. Issues.
    let issues_by_marker: HashMap<String, &Issue> = input
        .remote
        .issues
        .values()
        .filter_map(|i| fields::marker_id(i.body.as_deref().unwrap_or_default()).map(|id| (id, i)))
        .collect();
    let mut issue_ops = Vec::new();
    for (a, mut local, ms_key) in issue_artifacts {
        let key = links::key(input.project, &a.id);
        // Labels that can't exist are left off; a milestone that won't exist too.
        local.labels.retain(|l| !labels.missing.contains(l));
        if let Some(title) = ms_key.as_ref().and_then(|k| milestone_titles.get(k)) {
            local.milestone = Some(title.clone());
        }
        if let Some(t) = &local.milestone {
            if !available_milestones.contains(&t.to_lowercase()) {
                out.notes.push(Note {
                    key: Some(key.clone()),
                    message: format!(
                        "milestone `{t}` is missing on GitHub: {} is synced without it",
                        a.id
                    ),
                    incomplete: true,
                });
                local.milestone = None;
            }
        }
        let link = input
            .links
            .items
            .get(&key)
            .filter(|l| l.target == Target::Issue);
        let link_base = link.map(|l| {
            (
                l.local.as_ref().and_then(Fields::issue).cloned(),
                l.remote.as_ref().and_then(Fields::issue).cloned(),
            )
        });
        // The plan's fields as its committed file says them.
        let head = local.clone();
        // GitHub's changes still pending in the working tree (see `Link::committed`).
        if let Some(pending) = link
            .filter(|l| l.committed.as_ref().and_then(Fields::issue) == Some(&head))
            .and_then(|l| l.local.as_ref().and_then(Fields::issue))
        {
            local = pending.clone();
        }
        // GitHub's current state: fetched this run, else as last synced.
        let current: Option<(IssueFields, Option<String>, Option<String>, u64)> = match link {
            Some(l) => match input.remote.issues.get(&l.number) {
                Some(i) => Some((
                    fields::remote_issue_fields(i),
                    i.updated_at.clone(),
                    i.html_url.clone(),
                    i.number,
                )),
                None if input.remote.complete => None, // gone from GitHub (deleted/transferred)
                None => l
                    .remote
                    .as_ref()
                    .and_then(Fields::issue)
                    .cloned()
                    .map(|f| (f, l.updated_at.clone(), l.url.clone(), l.number)),
            },
            None => None,
        };
        let (adopt, current) = match current {
            Some(c) => (false, Some(c)),
            None => match issues_by_marker.get(&a.id) {
                Some(i) => (
                    true,
                    Some((
                        fields::remote_issue_fields(i),
                        i.updated_at.clone(),
                        i.html_url.clone(),
                        i.number,
                    )),
                ),
                None => (false, None),
            },
        };
        let Some((remote, updated_at, url, number)) = current else {
            issue_ops.push(Op::CreateIssue {
                key: key.clone(),
                marker: a.id.clone(),
                fields: local.clone(),
            });
            out.settle.push(Settle {
                key,
                target: Target::Issue,
                marker: Some(a.id.clone()),
                number: None,
                path: Some(a.path.clone()),
                committed: (local != head).then(|| Fields::Issue(head.clone())),
                local: Fields::Issue(local.clone()),
                remote: Fields::Issue(local),
                updated_at: None,
                url: None,
                retired: false,
                flagged: false,
            });
            continue;
        };
        // A milestone this run renames takes its issues along: nothing to send for them.
        let mut remote = remote;
        if let Some(new) = remote
            .milestone
            .as_ref()
            .and_then(|t| renamed.get(&t.trim().to_lowercase()))
        {
            remote.milestone = Some(new.clone());
        }
        let (lb, rb) = if adopt {
            (None, None)
        } else {
            link_base.unwrap_or((None, None))
        };
        let resolver = Resolver {
            strategy: mapping.conflict_resolution,
            local_is_newer: local_is_newer(a.str_field("updated_date"), updated_at.as_deref()),
        };
        let mut m = merge::merge_issue(
            &local,
            lb.as_ref(),
            &remote,
            rb.as_ref(),
            mapping,
            &resolver,
        );
        for c in &m.conflicts {
            out.conflicts.push((key.clone(), c.clone()));
        }
        if m.flagged() {
            labels.want(
                &conflict_label,
                LabelCategory::Conflict,
                cfg,
                &mut out.notes,
            );
            if !labels.missing.contains(&conflict_label) {
                m.github.labels.insert(conflict_label.clone());
            }
        }
        let mut plan_side = if input.direction == Direction::Both {
            m.plan.clone()
        } else {
            local.clone()
        };
        if m.flagged() {
            plan_side.labels.insert(conflict_label.clone());
        }
        let mut edit_op = None;
        if input.direction == Direction::Both && plan_side != head {
            let edit = pull::issue_edit(a, cfg, &head, &plan_side);
            // What the plan says once the edit is in (the label of the status GitHub's state
            // implied, the milestone its parents give, one assignee): GitHub gets the
            // difference in this same run.
            let effective = if edit.is_empty() {
                Some(head.clone())
            } else {
                pull::edited(a, &edit).map(|e| {
                    let mut f = fields::issue_fields(&e, cfg, head.milestone.clone());
                    f.labels.retain(|l| !labels.missing.contains(l));
                    f
                })
            };
            if let Some(effective) = effective.filter(|e| *e != plan_side) {
                let again = merge::merge_issue(
                    &effective,
                    Some(&plan_side),
                    &m.github,
                    Some(&m.github),
                    mapping,
                    &resolver,
                );
                m.github = again.github;
                plan_side = effective;
            }
            if !edit.is_empty() {
                edit_op = Some(Op::EditArtifact {
                    key: key.clone(),
                    path: a.path.clone(),
                    changed: issue_changes(&head, &plan_side),
                    fields: Fields::Issue(plan_side.clone()),
                    edit,
                });
            }
        }
        // Flagged: a conflict found now, or one flagged before and not settled yet (its
        // label or tag is still there).
        let flagged = m.flagged()
            || plan_side.labels.contains(&conflict_label)
            || m.github.labels.contains(&conflict_label);
        if m.github
            .milestone
            .as_ref()
            .is_some_and(|t| !available_milestones.contains(&t.to_lowercase()))
        {
            m.github.milestone = remote.milestone.clone();
        }
        // The file first: when it can't be written, GitHub is left as it is too.
        issue_ops.extend(edit_op);
        if m.github != remote {
            issue_ops.push(Op::UpdateIssue {
                key: key.clone(),
                number,
                marker: a.id.clone(),
                changed: issue_changes(&remote, &m.github),
                fields: m.github.clone(),
            });
        }
        out.settle.push(Settle {
            key,
            target: Target::Issue,
            marker: Some(a.id.clone()),
            number: Some(number),
            path: Some(a.path.clone()),
            committed: (plan_side != head).then_some(Fields::Issue(head)),
            local: Fields::Issue(plan_side),
            remote: Fields::Issue(m.github),
            updated_at,
            url,
            retired: false,
            flagged,
        });
    }

    // 5. GitHub issues the plan doesn't know: new artifacts, when the project opts in.
    if input.direction == Direction::Both && mapping.create_artifacts_from_github {
        let linked_numbers: BTreeSet<u64> = input
            .links
            .items
            .values()
            .filter(|l| l.target == Target::Issue)
            .map(|l| l.number)
            .collect();
        // IDs in use: the plan's, and those of linked items (an artifact created from GitHub
        // may not be committed yet).
        let mut taken: BTreeSet<String> = input.artifacts.iter().map(|a| a.id.clone()).collect();
        taken.extend(
            input
                .links
                .of_project(input.project)
                .filter_map(|(k, _)| k.rsplit_once('/').map(|(_, id)| id.to_string())),
        );
        let repo = input.repo.to_string();
        for issue in input.remote.issues.values() {
            let marked = fields::marker_id(issue.body.as_deref().unwrap_or_default()).is_some();
            if marked || linked_numbers.contains(&issue.number) {
                continue;
            }
            let id = pull::next_id(&input.artifacts, &taken);
            let Some((name, text)) = pull::new_artifact(&id, issue, cfg, &repo) else {
                continue;
            };
            taken.insert(id.clone());
            let key = links::key(input.project, &id);
            let path = format!("{}/{}/tasks/{name}", crate::PLAN_ROOT, input.project);
            let location =
                crate::artifact::Location::of(&format!("{}/tasks/{name}", input.project));
            let Some(created) =
                location.and_then(|loc| crate::artifact::parse(&path, loc, text.as_bytes()).ok())
            else {
                continue;
            };
            // The new file names no parent, so the plan says "no milestone": a milestone the
            // issue has on GitHub is left alone (it is GitHub's until the plan says otherwise).
            let local = fields::issue_fields(&created.0, cfg, None);
            let remote = fields::remote_issue_fields(issue);
            issue_ops.push(Op::CreateArtifact {
                key: key.clone(),
                path: path.clone(),
                number: issue.number,
                text,
            });
            // Mark the issue so it stays linked even without this record.
            issue_ops.push(Op::UpdateIssue {
                key: key.clone(),
                number: issue.number,
                marker: id.clone(),
                changed: vec!["body".to_string()],
                fields: remote.clone(),
            });
            out.settle.push(Settle {
                key,
                target: Target::Issue,
                marker: Some(id),
                number: Some(issue.number),
                path: Some(path),
                committed: None,
                local: Fields::Issue(local),
                remote: Fields::Issue(remote),
                updated_at: issue.updated_at.clone(),
                url: issue.html_url.clone(),
                retired: false,
                flagged: false,
            });
        }
    }

    // 6. Links whose artifact is gone (deleted, or no longer of a synced kind): close.
    let live: BTreeSet<&String> = out.settle.iter().map(|s| &s.key).collect();
    let mut retire_ops = Vec::new();
    let mut retired = Vec::new();
    for (key, link) in input.links.of_project(input.project) {
        // Pending: created from a GitHub issue in the working tree, not committed yet.
        if live.contains(key) || link.retired || link.status == LinkStatus::Pending {
            continue;
        }
        match link.target {
            Target::Issue => {
                let remote = match input.remote.issues.get(&link.number) {
                    Some(i) => Some(fields::remote_issue_fields(i)),
                    None if input.remote.complete => None,
                    None => link.remote.as_ref().and_then(Fields::issue).cloned(),
                };
                let Some(remote) = remote else {
                    retired.push((key.clone(), link.clone(), None));
                    continue;
                };
                let mut closed = remote.clone();
                if !closed.closed {
                    closed.closed = true;
                    closed.state_reason = Some("not_planned".to_string());
                    retire_ops.push(Op::UpdateIssue {
                        key: key.clone(),
                        number: link.number,
                        marker: key.rsplit('/').next().unwrap_or_default().to_string(),
                        changed: vec!["state".to_string()],
                        fields: closed.clone(),
                    });
                }
                retired.push((key.clone(), link.clone(), Some(Fields::Issue(closed))));
            }
            Target::Milestone => {
                let Some(m) = ms_by_number.get(&link.number) else {
                    retired.push((key.clone(), link.clone(), None));
                    continue;
                };
                let mut f = fields::remote_milestone_fields(m);
                if mapping.delete_milestones {
                    retire_ops.push(Op::DeleteMilestone {
                        key: key.clone(),
                        number: link.number,
                    });
                } else if !f.closed {
                    f.closed = true;
                    retire_ops.push(Op::UpdateMilestone {
                        key: key.clone(),
                        number: link.number,
                        marker: None,
                        changed: vec!["state".to_string()],
                        fields: f.clone(),
                    });
                }
                retired.push((key.clone(), link.clone(), Some(Fields::Milestone(f))));
            }
        }
    }
    for (key, link, remote) in retired {
        let remote = remote.or(link.remote.clone());
        let Some(remote) = remote else { continue };
        out.settle.push(Settle {
            key,
            target: link.target,
            marker: None,
            number: Some(link.number),
            path: None,
            committed: None,
            local: link.local.clone().unwrap_or_else(|| remote.clone()),
            remote,
            updated_at: link.updated_at.clone(),
            url: link.url.clone(),
            retired: true,
            flagged: false,
        });
    }

    // Order: labels, milestones, issues (which may need both), then closes.
    out.ops.extend(labels.ops);
    out.ops.extend(milestone_ops);
    out.ops.extend(issue_ops);
    out.ops.extend(retire_ops);
    out
}

fn milestone_changes(from: &MilestoneFields, to: &MilestoneFields) -> Vec<String> {
    let mut out = Vec::new();
    if from.title != to.title {
        out.push("title".to_string());
    }
    if from.description != to.description {
        out.push("description".to_string());
    }
    if from.closed != to.closed {
        out.push("state".to_string());
    }
    if from.due_on != to.due_on {
        out.push("due_on".to_string());
    }
    out
}

fn issue_changes(from: &IssueFields, to: &IssueFields) -> Vec<String> {
    let mut out = Vec::new();
    if from.title != to.title {
        out.push("title".to_string());
    }
    if from.body != to.body {
        out.push("body".to_string());
    }
    if from.closed != to.closed || from.state_reason != to.state_reason {
        out.push("state".to_string());
    }
    if from.labels != to.labels {
        out.push("labels".to_string());
    }
    if from.assignees != to.assignees {
        out.push("assignees".to_string());
    }
    if from.milestone != to.milestone {
        out.push("milestone".to_string());
    }
    out
}

/// A link's status after a successful sync.
pub fn settled_status(s: &Settle) -> LinkStatus {
    if s.flagged {
        LinkStatus::Manual
    } else {
        LinkStatus::Synced
    }
}

/// Builds the link to record for a settled item.
pub fn link_of(
    s: &Settle,
    repo: &str,
    number: u64,
    remote: Fields,
    updated_at: Option<String>,
    url: Option<String>,
) -> Link {
    Link {
        target: s.target,
        repo: repo.to_string(),
        number,
        url: url.or_else(|| s.url.clone()),
        path: s.path.clone(),
        status: settled_status(s),
        local: Some(s.local.clone()),
        remote: Some(remote),
        updated_at: updated_at.or_else(|| s.updated_at.clone()),
        retired: s.retired,
        message: if s.flagged {
            Some(
                "conflicting edits on both sides: resolve them, then remove the conflict label/tag"
                    .to_string(),
            )
        } else {
            None
        },
        committed: s.committed.clone(),
    }
}
