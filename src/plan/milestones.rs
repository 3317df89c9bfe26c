//! Milestones: which ones the plan wants (Epics/Features of `milestone_type`, shared
//! `milestone_name`s), and how each is created, adopted, merged and updated.

use std::collections::{BTreeMap, HashMap};

use crate::artifact::{Artifact, Kind};

use super::fields::{self, MilestoneFields, Target};
use super::links::{self, Fields};
use super::merge::{self, Resolver};
use super::{Acc, Ctx, Direction, Note, Op, Settle, local_is_newer, pull};

pub(super) struct DesiredMilestone {
    key: String,
    marker: Option<String>,
    fields: MilestoneFields,
    path: Option<String>,
    updated_date: Option<String>,
}

/// Which milestone (title) an issue artifact belongs to, walking up its Feature and Epic.
pub(super) fn milestone_for(
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

/// The milestones the plan wants, by key.
pub(super) fn desired(ctx: &Ctx<'_>) -> BTreeMap<String, DesiredMilestone> {
    let cfg = ctx.input.config;
    let mapping = &cfg.github.mapping;
    let mut desired_milestones: BTreeMap<String, DesiredMilestone> = BTreeMap::new();
    let mut shared: BTreeMap<String, Vec<&Artifact>> = BTreeMap::new();
    for a in &ctx.input.artifacts {
        if let Some(name) = a
            .str_field("milestone_name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            && fields::is_container(a.kind)
        {
            shared.entry(name.to_string()).or_default().push(a);
            continue;
        }
        if fields::target_of(a, cfg) == Some(Target::Milestone) {
            desired_milestones.insert(
                links::key(ctx.input.project, &a.id),
                DesiredMilestone {
                    key: links::key(ctx.input.project, &a.id),
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
        let key = links::shared_milestone_key(ctx.input.project, name);
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
                    progress: None,
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

    if mapping.sync_milestone_progress {
        let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let kind = mapping.milestone_kind();
        for a in &ctx.input.artifacts {
            if fields::target_of(a, cfg) != Some(Target::Issue) {
                continue;
            }
            let Some((key, _)) = milestone_for(a, &ctx.by_id, kind) else {
                continue;
            };
            // Archived work is dropped, not done: it counts for neither.
            let (closed, reason) = fields::closed_state(a, cfg);
            if closed && reason.as_deref() == Some("not_planned") {
                continue;
            }
            let c = counts.entry(key).or_default();
            c.1 += 1;
            if closed {
                c.0 += 1;
            }
        }
        for (key, d) in desired_milestones.iter_mut() {
            let (done, total) = counts.get(key).copied().unwrap_or_default();
            d.fields.progress = Some(fields::progress_line(done, total));
        }
    }
    desired_milestones
}

/// Plans every desired milestone: create, adopt, merge both ways, update.
pub(super) fn plan(
    ctx: &Ctx<'_>,
    acc: &mut Acc,
    desired_milestones: &BTreeMap<String, DesiredMilestone>,
) {
    let cfg = ctx.input.config;
    let mapping = &cfg.github.mapping;
    for d in desired_milestones.values() {
        let link = ctx
            .input
            .links
            .items
            .get(&d.key)
            .filter(|l| l.target == Target::Milestone && !l.retired);
        let linked = link.and_then(|l| ctx.ms_by_number.get(&l.number).map(|m| (l, *m)));
        let adopted = match linked {
            Some(_) => None,
            None => d
                .marker
                .as_ref()
                .and_then(|id| ctx.ms_by_marker.get(id))
                .or_else(|| ctx.ms_by_title.get(&d.fields.title.to_lowercase()))
                .copied(),
        };
        let (remote, lb, rb, number, updated_at, url) = match (linked, adopted) {
            (Some((l, m)), _) => (
                fields::synced_milestone_fields(m, cfg),
                l.local.as_ref().and_then(Fields::milestone).cloned(),
                l.remote.as_ref().and_then(Fields::milestone).cloned(),
                m.number,
                m.updated_at.clone(),
                m.url.clone(),
            ),
            (None, Some(m)) => (
                fields::synced_milestone_fields(m, cfg),
                None,
                None,
                m.number,
                m.updated_at.clone(),
                m.url.clone(),
            ),
            (None, None) => {
                if mapping.create_missing_milestones {
                    acc.available_milestones
                        .insert(d.fields.title.to_lowercase());
                    acc.milestone_titles
                        .insert(d.key.clone(), d.fields.title.clone());
                    acc.milestone_ops.push(Op::CreateMilestone {
                        key: d.key.clone(),
                        marker: d.marker.clone(),
                        fields: d.fields.clone(),
                    });
                    acc.out.settle.push(Settle {
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
                    acc.out.notes.push(Note {
                        key: Some(d.key.clone()),
                        message: format!(
                            "milestone `{}` does not exist on {} and create_missing_milestones = false: not created; issues under it are synced without a milestone",
                            d.fields.title,
                            cfg.github.platform
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
            acc.out.conflicts.push((d.key.clone(), c.clone()));
        }
        let artifact = ctx
            .by_id
            .get(d.marker.as_deref().unwrap_or_default())
            .copied();
        // Milestones carry no labels on GitHub: a flagged conflict is kept in the Epic's file
        // (a `conflict` tag, as for issues) and in the link, until a person removes the tag.
        let tagged = artifact.is_some_and(|a| {
            a.tags()
                .iter()
                .any(|t| t.eq_ignore_ascii_case(pull::CONFLICT_TAG))
        });
        let newly_flagged = m
            .conflicts
            .iter()
            .any(|c| c.winner == merge::Winner::Flagged);
        let flagged = newly_flagged || tagged;
        let mut plan_side = if ctx.input.direction == Direction::Both {
            m.plan.clone()
        } else {
            local.clone()
        };
        let tag_it = newly_flagged && !tagged;
        // Open again while under archive/: the file moves out of it.
        let to = artifact
            .filter(|_| ctx.input.direction == Direction::Both && !plan_side.closed)
            .and_then(pull::unarchived_path);
        if ctx.input.direction == Direction::Both && (plan_side != d.fields || tag_it) {
            let mut edit = match (&d.path, artifact) {
                (Some(_), Some(a)) => {
                    pull::milestone_edit(a, cfg, &d.fields, &plan_side, ctx.input.today)
                }
                _ => crate::writeback::Edit::new(),
            };
            if to.is_some() && edit.is_empty() {
                edit = edit.set("updated_date", ctx.input.today);
            }
            if let (true, Some(a), Some(_)) = (tag_it, artifact, &d.path) {
                let mut tags = a.tags();
                tags.push(pull::CONFLICT_TAG.to_string());
                edit = edit
                    .set_list("tags", tags)
                    .set("updated_date", ctx.input.today);
            }
            // What the plan says once the edit is in (what it can't say stays as it is);
            // GitHub gets the difference in this same run.
            let effective = if edit.is_empty() {
                Some(d.fields.clone())
            } else {
                artifact
                    .and_then(|a| pull::edited(&pull::unarchived(a), &edit))
                    .map(|e| fields::MilestoneFields {
                        progress: d.fields.progress.clone(),
                        ..fields::milestone_fields(&e, cfg)
                    })
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
                acc.milestone_ops.push(Op::EditArtifact {
                    key: d.key.clone(),
                    path: path.clone(),
                    changed: {
                        let mut c = milestone_changes(&d.fields, &plan_side);
                        if tag_it {
                            c.push("tags".to_string());
                        }
                        if to.is_some() {
                            c.push("path".to_string());
                        }
                        c
                    },
                    to: to.clone(),
                    fields: Fields::Milestone(plan_side.clone()),
                    edit,
                });
            }
        }
        if m.github != remote {
            let changed = milestone_changes(&remote, &m.github);
            if remote.title != m.github.title {
                acc.renamed
                    .insert(remote.title.trim().to_lowercase(), m.github.title.clone());
            }
            acc.milestone_ops.push(Op::UpdateMilestone {
                key: d.key.clone(),
                number,
                marker: d.marker.clone(),
                fields: m.github.clone(),
                changed,
            });
        } else if d.marker.is_some() && adopted.is_some() {
            // Adopted as it is; make sure the marker is there so the link survives.
            let has_marker = adopted
                .map(|a| a.description.as_str())
                .and_then(fields::marker_id)
                .is_some();
            if !has_marker {
                acc.milestone_ops.push(Op::UpdateMilestone {
                    key: d.key.clone(),
                    number,
                    marker: d.marker.clone(),
                    fields: m.github.clone(),
                    changed: vec!["description".to_string()],
                });
            }
        }
        acc.available_milestones
            .insert(m.github.title.to_lowercase());
        acc.milestone_titles
            .insert(d.key.clone(), m.github.title.clone());
        acc.out.settle.push(Settle {
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
}

fn milestone_changes(from: &MilestoneFields, to: &MilestoneFields) -> Vec<String> {
    let mut out = Vec::new();
    if from.title != to.title {
        out.push("title".to_string());
    }
    if from.description != to.description || from.progress != to.progress {
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
