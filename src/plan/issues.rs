//! Issues: the labels they need, and how each issue artifact is created, adopted, merged
//! and updated (new artifacts for the tracker's issues are `new_artifacts`; dependencies
//! and the issue numbers they name, `related`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::artifact::{Artifact, Kind};
use crate::config::{LabelCategory, ProjectConfig};
use crate::tracker::Issue;

use super::fields::{self, IssueFields, Target};
use super::links::{self, Fields};
use super::merge::{self, Resolver};
use super::related::{linked_number, remote_fields, restrict_deps, same_committed};
use super::{Acc, Ctx, Direction, Note, Op, Settle, local_is_newer, parents, pull};

/// Labels the plan needs: which exist, which are created, which can't be.
#[derive(Default)]
pub(crate) struct LabelNeeds {
    /// Lowercased names that exist or will be created.
    pub(crate) existing: BTreeSet<String>,
    /// Lowercased names that don't exist and may not be created (GitHub compares label
    /// names case-insensitively, so `Frontend` and `frontend` are one label, one warning).
    missing: BTreeSet<String>,
    pub(crate) ops: Vec<Op>,
}

impl LabelNeeds {
    pub(crate) fn want(
        &mut self,
        name: &str,
        cat: LabelCategory,
        cfg: &ProjectConfig,
        notes: &mut Vec<Note>,
    ) {
        let mapping = &cfg.github.mapping;
        let lower = name.to_lowercase();
        if self.existing.contains(&lower) || self.missing.contains(&lower) {
            return;
        }
        if mapping.create_missing_labels {
            self.existing.insert(lower);
            self.ops.push(Op::CreateLabel {
                name: name.to_string(),
                color: mapping.label_color(cat).to_string(),
                description: format!("IntelliManage {}", cat.as_str()),
            });
        } else {
            self.missing.insert(lower);
            notes.push(Note {
                key: None,
                message: format!(
                    "label `{name}` does not exist on {} and create_missing_labels = false: it is left off the issues that carry it",
                    cfg.github.platform
                ),
                incomplete: true,
            });
        }
    }

    /// Whether `name` is a label that doesn't exist and may not be created.
    pub(crate) fn is_missing(&self, name: &str) -> bool {
        self.missing.contains(&name.to_lowercase())
    }

    /// The label creations that `issue_ops` use: a label no issue is sent with this run
    /// (its issue is unchanged, or GitHub's value won) is not created, since nothing would
    /// carry it. It is created by the run that first sends it.
    pub(crate) fn used_by(self, issue_ops: &[&Op]) -> Vec<Op> {
        let sent: BTreeSet<String> = issue_ops
            .iter()
            .filter_map(|op| match op {
                Op::CreateIssue { fields, .. } => Some(&fields.labels),
                Op::UpdateIssue {
                    fields, changed, ..
                } if changed.iter().any(|c| c == "labels") => Some(&fields.labels),
                _ => None,
            })
            .flatten()
            .map(|l| l.to_lowercase())
            .collect();
        self.ops
            .into_iter()
            .filter(|op| match op {
                Op::CreateLabel { name, .. } => sent.contains(&name.to_lowercase()),
                _ => true,
            })
            .collect()
    }
}

/// The plan's issue artifacts with their fields (milestone by title) and milestone key,
/// and the labels they need (created or reported missing).
pub(super) fn collect<'a>(
    ctx: &Ctx<'a>,
    acc: &mut Acc,
) -> Vec<(&'a Artifact, IssueFields, Option<String>)> {
    let cfg = ctx.input.config;
    let mapping = &cfg.github.mapping;
    let existing_labels: BTreeSet<String> = ctx
        .input
        .remote
        .labels
        .iter()
        .map(|l| l.name.to_lowercase())
        .collect();
    let mut needed_labels: BTreeMap<String, LabelCategory> = BTreeMap::new();
    let mut issue_artifacts: Vec<(&Artifact, IssueFields, Option<String>)> = Vec::new();
    for a in &ctx.input.artifacts {
        if fields::target_of(a, cfg) != Some(Target::Issue) {
            continue;
        }
        let ms = super::milestones::milestone_for(a, &ctx.by_id, mapping.milestone_kind());
        let (ms_key, ms_title) = match ms {
            Some((k, t)) => (Some(k), Some(t)),
            // A parent that can't be read can't say which milestone: the issue keeps the
            // one it had at the last sync.
            None if parent_unreadable(ctx, a) => {
                let key = links::key(ctx.input.project, &a.id);
                let last = ctx
                    .input
                    .links
                    .items
                    .get(&key)
                    .and_then(|l| l.local.as_ref())
                    .and_then(Fields::issue)
                    .and_then(|f| f.milestone.clone());
                (None, last)
            }
            None => (None, None),
        };
        let f = fields::issue_fields(a, cfg, ms_title);
        for (label, cat) in fields::artifact_labels(a, cfg) {
            needed_labels.entry(label).or_insert(cat);
        }
        issue_artifacts.push((a, f, ms_key));
    }
    acc.labels.existing = existing_labels;
    for (name, cat) in &needed_labels {
        acc.labels.want(name, *cat, cfg, &mut acc.out.notes);
    }

    issue_artifacts
}

/// Whether a parent `a` names (its feature, that feature's epic, its epic) is missing from
/// the plan because its file can't be read.
fn parent_unreadable(ctx: &Ctx<'_>, a: &Artifact) -> bool {
    let missing =
        |id: &str| !ctx.by_id.contains_key(id) && ctx.unreadable_ids.contains(&id.to_lowercase());
    let feature = a.str_field("feature_id");
    let feature_epic = feature
        .and_then(|id| ctx.by_id.get(id))
        .and_then(|f| f.str_field("epic_id"));
    [feature, feature_epic, a.str_field("epic_id")]
        .into_iter()
        .flatten()
        .any(missing)
}

/// Plans every issue artifact.
pub(super) fn plan(
    ctx: &Ctx<'_>,
    acc: &mut Acc,
    issue_artifacts: Vec<(&Artifact, IssueFields, Option<String>)>,
) {
    let cfg = ctx.input.config;
    let mapping = &cfg.github.mapping;
    let issues_by_marker: HashMap<String, &Issue> = ctx
        .input
        .remote
        .issues
        .values()
        .filter_map(|i| fields::marker_id(&i.body).map(|id| (id, i)))
        .collect();
    for (a, mut local, ms_key) in issue_artifacts {
        let key = links::key(ctx.input.project, &a.id);
        // Labels that can't exist are left off; a milestone that won't exist too.
        local.labels.retain(|l| !acc.labels.is_missing(l));
        restrict_deps(ctx, &mut local, &a.id);
        if let Some(b) = &ctx.board {
            b.set_local(&mut local, &a.status);
        }
        local.parent = parents::of_artifact(ctx, a);
        if let Some(title) = ms_key.as_ref().and_then(|k| acc.milestone_titles.get(k)) {
            local.milestone = Some(title.clone());
        }
        if let Some(t) = &local.milestone
            && !acc.available_milestones.contains(&t.to_lowercase())
        {
            acc.out.notes.push(Note {
                key: Some(key.clone()),
                message: format!(
                    "milestone `{t}` is missing on {}: {} is synced without it",
                    cfg.github.platform, a.id
                ),
                incomplete: true,
            });
            local.milestone = None;
        }
        let link = ctx
            .input
            .links
            .items
            .get(&key)
            .filter(|l| l.target == Target::Issue);
        let base_of = |f: Option<&Fields>| {
            f.and_then(Fields::issue).cloned().map(|mut f| {
                restrict_deps(ctx, &mut f, &a.id);
                f
            })
        };
        let link_base = link.map(|l| (base_of(l.local.as_ref()), base_of(l.remote.as_ref())));
        // The plan's fields as its committed file says them.
        let head = local.clone();
        // GitHub's changes still pending in the working tree (see `Link::committed`).
        if let Some(pending) = link
            .filter(|l| {
                l.committed
                    .as_ref()
                    .and_then(Fields::issue)
                    .is_some_and(|c| same_committed(c, &head))
            })
            .and_then(|l| base_of(l.local.as_ref()))
        {
            let deps = local.depends_on.take();
            local = pending;
            if local.depends_on.is_none() {
                local.depends_on = deps;
            }
        }
        // GitHub's current state: fetched this run, else as last synced.
        let current: Option<(IssueFields, Option<String>, Option<String>, u64)> = match link {
            Some(l) => match ctx.input.remote.issues.get(&l.number) {
                Some(i) => Some((
                    remote_fields(
                        ctx,
                        i,
                        link_base.as_ref().and_then(|(_, r)| r.as_ref()),
                        &a.id,
                    ),
                    i.updated_at.clone(),
                    i.url.clone(),
                    i.number,
                )),
                None if ctx.input.remote.complete => None, // gone from GitHub (deleted/transferred)
                None => base_of(l.remote.as_ref())
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
                        remote_fields(ctx, i, None, &a.id),
                        i.updated_at.clone(),
                        i.url.clone(),
                        i.number,
                    )),
                ),
                None => (false, None),
            },
        };
        // The board's column: its card's (or as last synced, when it has none).
        let current = current.map(|(mut f, updated_at, url, number)| {
            let base = link_base.as_ref().and_then(|(_, r)| r.as_ref());
            match &ctx.board {
                Some(b) => b.set_remote(&mut f, number, base.filter(|_| !adopt)),
                None => f.column = None,
            }
            if !parents::synced(ctx) {
                f.parent = None;
            }
            (f, updated_at, url, number)
        });
        let Some((remote, updated_at, url, number)) = current else {
            acc.issue_ops.push(Op::CreateIssue {
                key: key.clone(),
                marker: a.id.clone(),
                fields: local.clone(),
            });
            // Under its parent once both exist.
            if let Some(parent) = &local.parent {
                acc.dependency_ops.push(Op::SetParent {
                    key: key.clone(),
                    number: None,
                    title: local.title.clone(),
                    parent: parent.clone(),
                    parent_number: linked_number(ctx, parent),
                });
            }
            // On the board once it exists.
            if ctx.board.is_some() {
                acc.card_ops.push(Op::SetCard {
                    key: key.clone(),
                    number: None,
                    title: local.title.clone(),
                    on_board: false,
                    column: local.column.clone(),
                });
            }
            // Its dependencies once every issue exists.
            if let Some(d) = local.depends_on.as_ref().filter(|d| !d.is_empty()) {
                acc.dependency_ops.push(Op::SetDependencies {
                    key: key.clone(),
                    number: None,
                    title: local.title.clone(),
                    add: d.iter().cloned().collect(),
                    remove: Vec::new(),
                });
            }
            acc.out.settle.push(Settle {
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
            .and_then(|t| acc.renamed.get(&t.trim().to_lowercase()))
        {
            remote.milestone = Some(new.clone());
        }
        // So does one it deletes: GitHub takes it off its issues.
        if remote
            .milestone
            .as_ref()
            .is_some_and(|t| acc.deleted_milestones.contains(&t.trim().to_lowercase()))
        {
            remote.milestone = None;
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
            acc.out.conflicts.push((key.clone(), c.clone()));
        }
        if m.flagged() {
            acc.labels.want(
                &ctx.conflict_label,
                LabelCategory::Conflict,
                cfg,
                &mut acc.out.notes,
            );
            if !acc.labels.is_missing(&ctx.conflict_label) {
                m.github.labels.insert(ctx.conflict_label.clone());
            }
        }
        let mut plan_side = if ctx.input.direction == Direction::Both {
            m.plan.clone()
        } else {
            local.clone()
        };
        if m.flagged() {
            plan_side.labels.insert(ctx.conflict_label.clone());
        }
        // The plan gives an issue its milestone through its parents: a milestone GitHub
        // changed comes in as the parent key that says it, or, when no parent can, stays
        // GitHub's (and the plan keeps its own) rather than being put back.
        let mut parent = None;
        if ctx.input.direction == Direction::Both && plan_side.milestone != head.milestone {
            match milestone_parent(ctx, acc, a, plan_side.milestone.as_deref()) {
                Ok(p) => parent = Some(p),
                Err(why) => {
                    acc.out.notes.push(Note {
                        key: Some(key.clone()),
                        message: format!(
                            "{}: {why}; {}'s milestone is kept and the plan's left as it is",
                            a.id, cfg.github.platform
                        ),
                        incomplete: false,
                    });
                    plan_side.milestone = head.milestone.clone();
                }
            }
        }
        // Open again (reopened on GitHub) while under archive/: the file moves out of it, or
        // the plan would still say closed.
        let to = (ctx.input.direction == Direction::Both && !plan_side.closed)
            .then(|| pull::unarchived_path(a))
            .flatten();
        let mut edit_op = None;
        if ctx.input.direction == Direction::Both && plan_side != head {
            let mut edit = pull::issue_edit(
                a,
                cfg,
                ctx.board.as_ref(),
                &head,
                &plan_side,
                parent.as_ref().map(|(k, v)| (*k, v.as_str())),
                ctx.input.today,
            );
            if to.is_some() && edit.is_empty() {
                edit = edit.set("updated_date", ctx.input.today);
            }
            let moved = pull::unarchived(a);
            // What the plan says once the edit is in (the label of the status GitHub's state
            // implied, the milestone its parents give, one assignee): GitHub gets the
            // difference in this same run.
            let effective = if edit.is_empty() {
                Some(head.clone())
            } else {
                let milestone = match parent {
                    Some(_) => plan_side.milestone.clone(),
                    None => head.milestone.clone(),
                };
                pull::edited(&moved, &edit).map(|e| {
                    let mut f = fields::issue_fields(&e, cfg, milestone);
                    if let Some(b) = &ctx.board {
                        b.set_local(&mut f, &e.status);
                    }
                    f.parent = parents::of_artifact(ctx, &e);
                    f.labels.retain(|l| !acc.labels.is_missing(l));
                    restrict_deps(ctx, &mut f, &a.id);
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
                    changed: {
                        let mut c = issue_changes(&head, &plan_side);
                        if to.is_some() {
                            c.push("path".to_string());
                        }
                        c
                    },
                    to,
                    fields: Fields::Issue(plan_side.clone()),
                    edit,
                });
            }
        }
        // Flagged: a conflict found now, or one flagged before and not settled yet (its
        // label or tag is still there).
        let flagged = m.flagged()
            || plan_side.labels.contains(&ctx.conflict_label)
            || m.github.labels.contains(&ctx.conflict_label);
        if m.github
            .milestone
            .as_ref()
            .is_some_and(|t| !acc.available_milestones.contains(&t.to_lowercase()))
        {
            m.github.milestone = remote.milestone.clone();
        }
        // The file first: when it can't be written, GitHub is left as it is too.
        acc.issue_ops.extend(edit_op);
        // Dependencies go in their own requests, after every issue exists.
        let mut patched = m.github.clone();
        patched.depends_on = remote.depends_on.clone();
        patched.column = remote.column.clone();
        patched.parent = remote.parent.clone();
        if patched != remote {
            acc.issue_ops.push(Op::UpdateIssue {
                key: key.clone(),
                number,
                marker: a.id.clone(),
                changed: issue_changes(&remote, &patched),
                fields: m.github.clone(),
            });
        }
        if let (Some(want), Some(have)) = (&m.github.depends_on, &remote.depends_on)
            && want != have
        {
            acc.dependency_ops.push(Op::SetDependencies {
                key: key.clone(),
                number: Some(number),
                title: m.github.title.clone(),
                add: want.difference(have).cloned().collect(),
                remove: have.difference(want).cloned().collect(),
            });
        }
        if let Some(parent) = &m.github.parent
            && remote.parent.as_ref() != Some(parent)
        {
            acc.dependency_ops.push(Op::SetParent {
                key: key.clone(),
                number: Some(number),
                title: m.github.title.clone(),
                parent: parent.clone(),
                parent_number: linked_number(ctx, parent),
            });
        }
        // The card: on the board, in the merged column.
        if let Some(b) = &ctx.board {
            let on_board = b.has_card(number);
            let column = m
                .github
                .column
                .clone()
                .filter(|c| b.card(number).flatten().as_ref() != Some(c));
            if !on_board || column.is_some() {
                acc.card_ops.push(Op::SetCard {
                    key: key.clone(),
                    number: Some(number),
                    title: m.github.title.clone(),
                    on_board,
                    column,
                });
            }
        }
        acc.out.settle.push(Settle {
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
}

/// The parent key (`epic_id`, or `feature_id` when `milestone_type` is Feature) and the ID
/// that put `a` in the milestone titled `title` in the plan; else why the plan can't say so.
fn milestone_parent(
    ctx: &Ctx<'_>,
    acc: &Acc,
    a: &Artifact,
    title: Option<&str>,
) -> Result<(&'static str, String), String> {
    let project = ctx.input.project;
    let kind = ctx.input.config.github.mapping.milestone_kind();
    let Some(title) = title else {
        return Err(format!(
            "taken out of its milestone on {}, which the plan can't say (it gives an issue the milestone of its Feature or Epic)",
            ctx.input.config.github.platform
        ));
    };
    let wanted = title.trim().to_lowercase();
    let target = ctx.input.artifacts.iter().find(|m| {
        m.kind == Some(kind)
            && m.str_field("milestone_name")
                .is_none_or(|n| n.trim().is_empty())
            && acc
                .milestone_titles
                .get(&links::key(project, &m.id))
                .is_some_and(|t| t.trim().to_lowercase() == wanted)
    });
    let Some(target) = target else {
        return Err(format!(
            "moved to milestone `{title}` on {}, which stands for no {} of this project",
            ctx.input.config.github.platform,
            kind.canonical()
        ));
    };
    let field = if kind == Kind::Feature {
        "feature_id"
    } else {
        "epic_id"
    };
    let mut moved = a.clone();
    moved
        .fields
        .insert(field.to_string(), toml::Value::String(target.id.clone()));
    match super::milestones::milestone_for(&moved, &ctx.by_id, kind) {
        Some((k, _)) if k == links::key(project, &target.id) => Ok((field, target.id.clone())),
        _ => Err(format!(
            "moved to milestone `{title}` ({}) on {}, but `{field} = \"{}\"` would not put it there: {}",
            target.id,
            ctx.input.config.github.platform,
            target.id,
            match a.str_field("feature_id") {
                Some(f) if field != "feature_id" =>
                    format!("its Feature {f} decides its milestone"),
                _ => "another parent decides its milestone".to_string(),
            }
        )),
    }
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
    if from.depends_on != to.depends_on {
        out.push("depends_on".to_string());
    }
    if from.column != to.column {
        out.push("column".to_string());
    }
    if from.parent != to.parent {
        out.push("parent".to_string());
    }
    out
}
