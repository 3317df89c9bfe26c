//! Sub-issues (`sync_sub_issues`, GitHub): a Task's parent issue is its Feature's, or its
//! Epic's, when that Feature or Epic is itself synced as an issue. The plan's parent goes
//! one way: it is set on GitHub when it changes; a parent changed on GitHub is left there.

use crate::artifact::Artifact;
use crate::tracker::{Issue, Platform};

use super::Ctx;

/// Whether the project syncs sub-issues.
pub(super) fn synced(ctx: &Ctx<'_>) -> bool {
    let g = &ctx.input.config.github;
    g.mapping.sync_sub_issues && g.platform == Platform::Github
}

/// The artifact ID of the issue that should be `a`'s parent: its `feature_id`, else its
/// `epic_id`, the first that is an issue of the project.
pub(super) fn of_artifact(ctx: &Ctx<'_>, a: &Artifact) -> Option<String> {
    if !synced(ctx) {
        return None;
    }
    ["feature_id", "epic_id"]
        .iter()
        .filter_map(|k| a.str_field(k).map(str::trim))
        .find(|p| *p != a.id && ctx.issue_ids.contains(*p))
        .map(str::to_string)
}

/// The artifact ID of an issue's parent on the tracker, when that is one of the project's.
pub(super) fn of_issue(ctx: &Ctx<'_>, issue: &Issue) -> Option<String> {
    if !synced(ctx) {
        return None;
    }
    issue.parent.and_then(|n| ctx.id_by_number.get(&n)).cloned()
}
