//! Three-way merging of one item's fields: what the plan says now (local), what GitHub says
//! now (remote), and what both said at the last sync (the bases). Fields changed on one side
//! flow to the other; a field changed differently on both sides is a conflict, settled by the
//! project's `conflict_resolution`.
//!
//! The parts:
//! - this module: the generic merge of one value and of a set, conflicts and how they
//!   are settled ([`Conflict`], [`Winner`], [`Resolver`]), and the line-based merge of
//!   texts ([`three_way_text`]);
//! - `labels`: an issue's labels, single-valued categories (status, type, priority) as
//!   values and the rest as a set;
//! - `issue`: one linked issue ([`merge_issue`]);
//! - `milestone`: one linked milestone ([`merge_milestone`]).

mod issue;
mod labels;
mod milestone;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::config::ConflictResolution;

pub use issue::{IssueMerge, merge_issue};
pub use milestone::{MilestoneMerge, merge_milestone};

/// Which side a conflict was settled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Winner {
    Local,
    Github,
    /// `manual_flag`: nobody; the item is flagged on both sides.
    Flagged,
}

/// A field changed differently on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub field: String,
    pub local: String,
    pub github: String,
    pub winner: Winner,
}

/// How conflicts are settled for one item.
#[derive(Debug, Clone, Copy)]
pub struct Resolver {
    pub strategy: ConflictResolution,
    /// `last_update_wins`: true when the artifact's `updated_date` is later than GitHub's
    /// `updated_at` (compared in UTC; see the planner for the day-granularity rule).
    pub local_is_newer: bool,
}

impl Resolver {
    fn winner(&self) -> Winner {
        match self.strategy {
            ConflictResolution::PreferLocal => Winner::Local,
            ConflictResolution::PreferGithub => Winner::Github,
            ConflictResolution::ManualFlag => Winner::Flagged,
            ConflictResolution::LastUpdateWins => {
                if self.local_is_newer {
                    Winner::Local
                } else {
                    Winner::Github
                }
            }
        }
    }
}

/// The outcome for one scalar field: the value GitHub should get (if it changes), the value
/// the plan should get (if it changes), and a conflict if there was one.
struct Scalar<T> {
    push: Option<T>,
    pull: Option<T>,
    conflict: Option<Conflict>,
}

fn merge_scalar<T: Clone + PartialEq + std::fmt::Debug>(
    field: &str,
    local: &T,
    local_base: Option<&T>,
    remote: &T,
    remote_base: Option<&T>,
    resolver: &Resolver,
    show: impl Fn(&T) -> String,
) -> Scalar<T> {
    // Without a base (first link), the plan is taken as the side that changed.
    let l_changed = local_base.is_none_or(|b| b != local);
    let r_changed = remote_base.is_some_and(|b| b != remote);
    let none = Scalar {
        push: None,
        pull: None,
        conflict: None,
    };
    match (l_changed, r_changed) {
        (false, false) => none,
        (true, false) => Scalar {
            push: (local != remote).then(|| local.clone()),
            ..none
        },
        (false, true) => Scalar {
            pull: Some(remote.clone()),
            ..none
        },
        (true, true) if local == remote => none,
        (true, true) => {
            let winner = resolver.winner();
            let conflict = Some(Conflict {
                field: field.to_string(),
                local: show(local),
                github: show(remote),
                winner,
            });
            match winner {
                Winner::Local => Scalar {
                    push: Some(local.clone()),
                    pull: None,
                    conflict,
                },
                Winner::Github => Scalar {
                    push: None,
                    pull: Some(remote.clone()),
                    conflict,
                },
                Winner::Flagged => Scalar {
                    push: None,
                    pull: None,
                    conflict,
                },
            }
        }
    }
}

/// Applies a scalar outcome: records the conflict, hands the pushed and pulled values on.
fn take<T>(
    s: Scalar<T>,
    conflicts: &mut Vec<Conflict>,
    push: impl FnOnce(T),
    pull: impl FnOnce(T),
) {
    if let Some(c) = s.conflict {
        conflicts.push(c);
    }
    if let Some(v) = s.push {
        push(v);
    }
    if let Some(v) = s.pull {
        pull(v);
    }
}

/// Element-wise three-way merge of two sets: what each side added since its base is added,
/// what each side removed is removed. Returns the merged set.
pub fn merge_sets(
    local: &BTreeSet<String>,
    local_base: Option<&BTreeSet<String>>,
    remote: &BTreeSet<String>,
    remote_base: Option<&BTreeSet<String>>,
) -> BTreeSet<String> {
    let empty = BTreeSet::new();
    let lb = local_base.unwrap_or(&empty);
    let mut out = remote.clone();
    // Local additions and removals (vs. the local base) apply to GitHub's current set.
    for x in local.difference(lb) {
        out.insert(x.clone());
    }
    if local_base.is_some() {
        for x in lb.difference(local) {
            out.remove(x);
        }
    }
    // Remote removals since the remote base stay removed even if the plan still has them.
    if let Some(rb) = remote_base {
        for x in rb.difference(remote) {
            if local_base.is_some_and(|lb| lb.contains(x)) && local.contains(x) {
                out.remove(x);
            }
        }
    }
    out
}

/// How an optional value reads in a conflict.
fn show_opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(none)".to_string())
}

/// The line-based three-way merge of field texts (bodies, descriptions: normalised, without
/// a final line end); `None` when the two sides' edits overlap. The one text merge of the
/// tool ([`crate::writeback::merge_text`]), which files use too.
pub fn three_way_text(base: &str, ours: &str, theirs: &str) -> Option<String> {
    // Every line ends in a newline, so a last line edited on one side merges like any other.
    let (base, ours, theirs) = (
        format!("{base}\n"),
        format!("{ours}\n"),
        format!("{theirs}\n"),
    );
    crate::writeback::merge_text(&base, &ours, &theirs)
        .ok()
        .map(|merged| merged.trim_end_matches('\n').to_string())
}

#[cfg(test)]
mod test_support {
    use super::Resolver;
    use crate::config::{ConflictResolution, Mapping, ProjectConfig};

    pub(super) fn mapping() -> Mapping {
        ProjectConfig::with_defaults("p/project_config.toml", "p")
            .github
            .mapping
    }

    pub(super) fn resolver(strategy: ConflictResolution, local_is_newer: bool) -> Resolver {
        Resolver {
            strategy,
            local_is_newer,
        }
    }
}
