//! Retiring: links whose artifact is gone (deleted, or no longer of a synced kind) close
//! their issue or milestone (or delete the milestone, when configured).
//!
//! An artifact whose file is there but cannot be read is not gone: its link is left as it
//! was (nothing closed, nothing recorded), so it syncs again once the file is fixed.

use std::collections::BTreeSet;

use super::fields::{self, Target};
use super::links::{Fields, Link, LinkStatus};
use super::{Acc, Ctx, Note, Op, Settle};
use crate::artifact::Problem;
use crate::diff::id_from_file_name;

/// The unreadable file that may hold the artifact of `key` (its last synced path, or a
/// file named after its ID); for a milestone shared by name, any unreadable file, since
/// which artifacts share it cannot be known without reading them.
fn unreadable_file<'p>(key: &str, link: &Link, unreadable: &[&'p Problem]) -> Option<&'p Problem> {
    let id = key.split_once('/').map_or(key, |(_, id)| id);
    if id.starts_with("milestone:") {
        return unreadable.first().copied();
    }
    unreadable
        .iter()
        .find(|p| link.path.as_deref() == Some(p.path.as_str()))
        .or_else(|| {
            unreadable
                .iter()
                .find(|p| id_from_file_name(&p.path).is_some_and(|f| f.eq_ignore_ascii_case(id)))
        })
        .copied()
}

/// Whether the link of `key` is retired this run: its artifact is gone from the plan (not
/// `live`), it was not retired before, and it is no pending artifact made from GitHub.
fn retiring(key: &str, link: &Link, live: &BTreeSet<&str>) -> bool {
    !live.contains(key) && !link.retired && link.status != LinkStatus::Pending
}

/// Lowercased titles of the milestones this run deletes (`delete_milestones = true`),
/// known once the milestones are planned. GitHub takes a deleted milestone off its issues
/// itself, so those issues need no write of their own to leave it.
pub(super) fn deleted_milestone_titles(ctx: &Ctx<'_>, acc: &Acc) -> BTreeSet<String> {
    if !ctx.input.config.github.mapping.delete_milestones {
        return BTreeSet::new();
    }
    let live: BTreeSet<&str> = acc.out.settle.iter().map(|s| s.key.as_str()).collect();
    ctx.input
        .links
        .of_project(ctx.input.project)
        .filter(|(key, link)| {
            link.target == Target::Milestone
                && retiring(key, link, &live)
                && unreadable_file(key, link, &ctx.input.unreadable).is_none()
        })
        .filter_map(|(_, link)| ctx.ms_by_number.get(&link.number))
        .map(|m| m.title.trim().to_lowercase())
        .collect()
}

/// Plans the closing of everything the plan no longer has.
pub(super) fn plan(ctx: &Ctx<'_>, acc: &mut Acc) {
    let mapping = &ctx.input.config.github.mapping;
    let live: BTreeSet<&str> = acc.out.settle.iter().map(|s| s.key.as_str()).collect();
    let mut retired = Vec::new();
    for (key, link) in ctx.input.links.of_project(ctx.input.project) {
        // Pending: created from a GitHub issue in the working tree, not committed yet.
        if !retiring(key, link, &live) {
            continue;
        }
        if let Some(problem) = unreadable_file(key, link, &ctx.input.unreadable) {
            let what = match link.target {
                Target::Issue => format!("issue #{}", link.number),
                Target::Milestone => format!("milestone #{}", link.number),
            };
            let id = key.split_once('/').map_or(key.as_str(), |(_, id)| id);
            acc.out.notes.push(Note {
                key: Some(key.clone()),
                message: format!(
                    "{id}: {} cannot be read, so {what} is left as it is (not closed); fix the file and sync again",
                    problem.path
                ),
                incomplete: true,
            });
            continue;
        }
        match link.target {
            Target::Issue => {
                let remote = match ctx.input.remote.issues.get(&link.number) {
                    Some(i) => Some(fields::remote_issue_fields(i)),
                    None if ctx.input.remote.complete => None,
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
                    acc.retire_ops.push(Op::UpdateIssue {
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
                let Some(m) = ctx.ms_by_number.get(&link.number) else {
                    retired.push((key.clone(), link.clone(), None));
                    continue;
                };
                let mut f = fields::remote_milestone_fields(m);
                if mapping.delete_milestones {
                    acc.retire_ops.push(Op::DeleteMilestone {
                        key: key.clone(),
                        number: link.number,
                    });
                } else if !f.closed {
                    f.closed = true;
                    acc.retire_ops.push(Op::UpdateMilestone {
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
        acc.out.settle.push(Settle {
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
}
