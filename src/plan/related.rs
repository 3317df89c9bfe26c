//! An issue's relations in the plan's terms: which IDs dependencies are synced between, the
//! issue numbers they name, and an issue's fields as the tracker has them with its
//! dependencies and parent as artifact IDs.

use std::collections::{BTreeSet, HashMap};

use crate::tracker::Issue;

use super::fields::{self, IssueFields, Target};
use super::links;
use super::{Ctx, parents};

/// The context with what dependencies are synced between ([`Ctx::issue_ids`]) and how
/// the tracker's issue numbers read as artifact IDs ([`Ctx::id_by_number`]).
pub(super) fn with_dependency_ids(mut ctx: Ctx<'_>) -> Ctx<'_> {
    let input = ctx.input;
    let project = input.project;
    let prefix = format!("{project}/");
    let mut ids: BTreeSet<String> = input
        .artifacts
        .iter()
        .filter(|a| fields::target_of(a, input.config) == Some(Target::Issue))
        .map(|a| a.id.clone())
        .collect();
    let mut by_number = HashMap::new();
    for (k, l) in input.links.of_project(project) {
        if l.target != Target::Issue || l.retired || l.repo != input.repo {
            continue;
        }
        let Some(id) = k.strip_prefix(&prefix) else {
            continue;
        };
        // A dependency on an issue whose file can't be read right now stays as it is.
        if !ctx.by_id.contains_key(id) && ctx.unreadable_ids.contains(&id.to_lowercase()) {
            ids.insert(id.to_string());
        }
        by_number.insert(l.number, id.to_string());
    }
    for i in input.remote.issues.values() {
        if let Some(id) = fields::marker_id(&i.body)
            && ids.contains(&id)
        {
            by_number.entry(i.number).or_insert(id);
        }
    }
    ctx.issue_ids = ids;
    ctx.id_by_number = by_number;
    ctx
}

/// The number of the issue `id` is linked to, if any.
pub(super) fn linked_number(ctx: &Ctx<'_>, id: &str) -> Option<u64> {
    ctx.input
        .links
        .items
        .get(&links::key(ctx.input.project, id))
        .filter(|l| l.target == Target::Issue && !l.retired)
        .map(|l| l.number)
}

/// Keeps the dependencies that are synced: on the project's issues, never on itself.
pub(super) fn restrict_deps(ctx: &Ctx<'_>, f: &mut IssueFields, own: &str) {
    if let Some(d) = &mut f.depends_on {
        d.retain(|x| x != own && ctx.issue_ids.contains(x));
    }
}

/// An issue's fields as the tracker has them, its dependencies as artifact IDs: those this
/// run read, else those of `base` (GitHub's as the last sync left them).
pub(super) fn remote_fields(
    ctx: &Ctx<'_>,
    issue: &Issue,
    base: Option<&IssueFields>,
    own: &str,
) -> IssueFields {
    let mut f = fields::remote_issue_fields(issue);
    f.depends_on = match &issue.blocked_by {
        Some(numbers) => Some(
            numbers
                .iter()
                .filter_map(|n| ctx.id_by_number.get(n).cloned())
                .collect(),
        ),
        None => base.and_then(|b| b.depends_on.clone()),
    };
    restrict_deps(ctx, &mut f, own);
    f.parent = parents::of_issue(ctx, issue);
    f
}

/// Whether the committed fields a link kept are `head`'s (a record written before
/// dependencies were synced kept none: they don't count).
pub(super) fn same_committed(committed: &IssueFields, head: &IssueFields) -> bool {
    if committed.depends_on.is_none() {
        let mut h = head.clone();
        h.depends_on = None;
        *committed == h
    } else {
        committed == head
    }
}
