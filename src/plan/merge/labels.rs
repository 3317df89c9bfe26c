//! The merge of an issue's labels: a label of a single-valued category (status, type,
//! priority) merges as one value, so the two sides' labels of a category never both stay;
//! every other label merges as a member of a set.

use std::collections::BTreeSet;

use crate::config::{LabelCategory, Mapping};

use super::{Conflict, Resolver, merge_scalar, merge_sets, show_opt};

/// A label set split by category: single-valued status/type/priority, and the rest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct SplitLabels {
    status: Option<String>,
    kind: Option<String>,
    priority: Option<String>,
    rest: BTreeSet<String>,
}

fn split_labels(labels: &BTreeSet<String>, mapping: &Mapping) -> SplitLabels {
    let mut out = SplitLabels::default();
    for l in labels {
        match mapping.label_category(l) {
            Some(LabelCategory::Status) if out.status.is_none() => out.status = Some(l.clone()),
            Some(LabelCategory::Type) if out.kind.is_none() => out.kind = Some(l.clone()),
            Some(LabelCategory::Priority) if out.priority.is_none() => {
                out.priority = Some(l.clone())
            }
            // A second label of a single-valued category is dropped: never leave two.
            Some(LabelCategory::Status | LabelCategory::Type | LabelCategory::Priority) => {}
            _ => {
                out.rest.insert(l.clone());
            }
        }
    }
    out
}

/// What a merge of one issue's labels decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LabelMerge {
    /// The labels GitHub should end up with.
    pub(super) github: BTreeSet<String>,
    /// The labels the plan should end up with.
    pub(super) plan: BTreeSet<String>,
    pub(super) conflicts: Vec<Conflict>,
}

/// Merges one issue's labels. `local_base`/`remote_base` are the labels at the last sync.
pub(super) fn merge_labels(
    local: &BTreeSet<String>,
    local_base: Option<&BTreeSet<String>>,
    remote: &BTreeSet<String>,
    remote_base: Option<&BTreeSet<String>>,
    mapping: &Mapping,
    resolver: &Resolver,
) -> LabelMerge {
    let mut conflicts = Vec::new();
    let (ls, rs) = (split_labels(local, mapping), split_labels(remote, mapping));
    let lbs = local_base.map(|b| split_labels(b, mapping));
    let rbs = remote_base.map(|b| split_labels(b, mapping));
    let mut gh_split = rs.clone();
    let mut plan_split = ls.clone();
    for (name, get) in [
        (
            "status",
            (|s: &SplitLabels| s.status.clone()) as fn(&SplitLabels) -> Option<String>,
        ),
        ("type", |s: &SplitLabels| s.kind.clone()),
        ("priority", |s: &SplitLabels| s.priority.clone()),
    ] {
        let s = merge_scalar(
            name,
            &get(&ls),
            lbs.as_ref().map(get).as_ref(),
            &get(&rs),
            rbs.as_ref().map(get).as_ref(),
            resolver,
            show_opt,
        );
        let set = |target: &mut SplitLabels, v: Option<String>| match name {
            "status" => target.status = v,
            "type" => target.kind = v,
            _ => target.priority = v,
        };
        if let Some(c) = s.conflict {
            conflicts.push(c);
        }
        if let Some(v) = s.push {
            set(&mut gh_split, v);
        }
        if let Some(v) = s.pull {
            set(&mut plan_split, v);
        }
    }
    gh_split.rest = merge_sets(
        &ls.rest,
        lbs.as_ref().map(|b| &b.rest),
        &rs.rest,
        rbs.as_ref().map(|b| &b.rest),
    );
    plan_split.rest = merge_sets(
        &rs.rest,
        rbs.as_ref().map(|b| &b.rest),
        &ls.rest,
        lbs.as_ref().map(|b| &b.rest),
    );
    let join = |s: SplitLabels| -> BTreeSet<String> {
        let mut out = s.rest;
        out.extend(s.status);
        out.extend(s.kind);
        out.extend(s.priority);
        out
    };
    LabelMerge {
        github: join(gh_split),
        plan: join(plan_split),
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::super::Winner;
    use super::super::test_support::{mapping, resolver};
    use super::*;
    use crate::config::ConflictResolution;

    fn labels(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn status_labels_swap_and_never_double() {
        let base = labels(&["PM:Status:ToDo"]);
        let local = labels(&["PM:Status:Done"]);
        let remote = labels(&["PM:Status:Review"]);
        for (strategy, newer, expect) in [
            (ConflictResolution::PreferLocal, false, "PM:Status:Done"),
            (ConflictResolution::PreferGithub, true, "PM:Status:Review"),
            (ConflictResolution::LastUpdateWins, true, "PM:Status:Done"),
            (
                ConflictResolution::LastUpdateWins,
                false,
                "PM:Status:Review",
            ),
        ] {
            let m = merge_labels(
                &local,
                Some(&base),
                &remote,
                Some(&base),
                &mapping(),
                &resolver(strategy, newer),
            );
            let statuses: Vec<_> = m
                .github
                .iter()
                .filter(|l| l.starts_with("PM:Status:"))
                .collect();
            assert_eq!(statuses, [expect], "{strategy:?}");
            assert_eq!(m.conflicts.len(), 1);
            assert_eq!(m.conflicts[0].field, "status");
        }
        let m = merge_labels(
            &local,
            Some(&base),
            &remote,
            Some(&base),
            &mapping(),
            &resolver(ConflictResolution::ManualFlag, true),
        );
        assert!(m.conflicts.iter().any(|c| c.winner == Winner::Flagged));
        assert!(m.github.contains("PM:Status:Review"), "nothing overwritten");
        assert!(m.plan.contains("PM:Status:Done"), "nothing overwritten");
    }
}
