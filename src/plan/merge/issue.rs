//! The merge of one linked issue: title, body (line by line when both sides changed it),
//! state, milestone, labels and assignees.

use crate::config::Mapping;
use crate::plan::fields::IssueFields;

use super::labels::merge_labels;
use super::{
    Conflict, Resolver, Scalar, Winner, merge_scalar, merge_sets, show_opt, take, three_way_text,
};

/// What a merge of one issue decided.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IssueMerge {
    /// The fields GitHub should end up with (== remote when nothing is pushed).
    pub github: IssueFields,
    /// The fields the plan should end up with (== local when nothing is pulled).
    pub plan: IssueFields,
    pub conflicts: Vec<Conflict>,
}

impl IssueMerge {
    pub fn flagged(&self) -> bool {
        self.conflicts.iter().any(|c| c.winner == Winner::Flagged)
    }
}

/// Merges one linked issue. `lb`/`rb` are the local and remote fields at the last sync.
pub fn merge_issue(
    local: &IssueFields,
    lb: Option<&IssueFields>,
    remote: &IssueFields,
    rb: Option<&IssueFields>,
    mapping: &Mapping,
    resolver: &Resolver,
) -> IssueMerge {
    let mut github = remote.clone();
    let mut plan = local.clone();
    let mut conflicts = Vec::new();
    let s = merge_scalar(
        "title",
        &local.title,
        lb.map(|b| &b.title),
        &remote.title,
        rb.map(|b| &b.title),
        resolver,
        |v| v.clone(),
    );
    take(s, &mut conflicts, |v| github.title = v, |v| plan.title = v);
    let s = merge_scalar(
        "body",
        &local.body,
        lb.map(|b| &b.body),
        &remote.body,
        rb.map(|b| &b.body),
        resolver,
        |v| format!("{} lines", v.lines().count()),
    );
    // Bodies changed on both sides merge line by line when the edits don't overlap.
    let s = match &s.conflict {
        Some(_) => match (lb, rb) {
            (Some(lbase), Some(_)) => {
                match three_way_text(&lbase.body, &local.body, &remote.body) {
                    Some(merged) => Scalar {
                        push: (merged != remote.body).then(|| merged.clone()),
                        pull: (merged != local.body).then_some(merged),
                        conflict: None,
                    },
                    None => s,
                }
            }
            _ => s,
        },
        None => s,
    };
    take(s, &mut conflicts, |v| github.body = v, |v| plan.body = v);
    let state = |f: &IssueFields| (f.closed, f.state_reason.clone());
    let s = merge_scalar(
        "state",
        &state(local),
        lb.map(state).as_ref(),
        &state(remote),
        rb.map(state).as_ref(),
        resolver,
        |(closed, reason)| {
            if *closed {
                format!("closed ({})", reason.clone().unwrap_or_default())
            } else {
                "open".to_string()
            }
        },
    );
    take(
        s,
        &mut conflicts,
        |(c, r)| {
            github.closed = c;
            github.state_reason = r;
        },
        |(c, r)| {
            plan.closed = c;
            plan.state_reason = r;
        },
    );
    let s = merge_scalar(
        "milestone",
        &local.milestone,
        lb.map(|b| &b.milestone),
        &remote.milestone,
        rb.map(|b| &b.milestone),
        resolver,
        show_opt,
    );
    take(
        s,
        &mut conflicts,
        |v| github.milestone = v,
        |v| plan.milestone = v,
    );

    // Labels: single-valued categories as scalars, the rest as sets.
    let labels = merge_labels(
        &local.labels,
        lb.map(|b| &b.labels),
        &remote.labels,
        rb.map(|b| &b.labels),
        mapping,
        resolver,
    );
    conflicts.extend(labels.conflicts);
    github.labels = labels.github;
    plan.labels = labels.plan;
    github.assignees = merge_sets(
        &local.assignees,
        lb.map(|b| &b.assignees),
        &remote.assignees,
        rb.map(|b| &b.assignees),
    );
    plan.assignees = merge_sets(
        &remote.assignees,
        rb.map(|b| &b.assignees),
        &local.assignees,
        lb.map(|b| &b.assignees),
    );
    // Dependencies merge as a set, where both sides know them; a side that doesn't (not
    // read, a tracker without them) changes nothing. Without a base for them (a record
    // written before they were synced) each side's are kept and given to the other.
    if let (Some(l), Some(r)) = (&local.depends_on, &remote.depends_on) {
        let lbd = lb.and_then(|b| b.depends_on.as_ref());
        let rbd = rb.and_then(|b| b.depends_on.as_ref());
        github.depends_on = Some(merge_sets(l, lbd, r, rbd));
        plan.depends_on = Some(merge_sets(r, rbd, l, lbd));
    }
    // The board column, where the plan has one: a scalar like the milestone. Without a
    // base for it (the board is new to the sync) the plan's is taken.
    if local.column.is_some() {
        let known =
            lb.is_some_and(|b| b.column.is_some()) || rb.is_some_and(|b| b.column.is_some());
        let s = merge_scalar(
            "column",
            &local.column,
            lb.filter(|_| known).map(|b| &b.column),
            &remote.column,
            rb.filter(|_| known).map(|b| &b.column),
            resolver,
            show_opt,
        );
        take(
            s,
            &mut conflicts,
            |v| github.column = v,
            |v| plan.column = v,
        );
    }
    // The parent issue goes one way: the plan's, when it changed (or was never sent); a
    // parent changed on GitHub is left as GitHub has it.
    if local.parent.is_some() {
        let changed = lb.is_none_or(|b| b.parent != local.parent);
        if changed {
            github.parent = local.parent.clone();
        }
    }
    plan.parent = local.parent.clone();
    // A first link (no base) pushes the plan and takes nothing from GitHub.
    if lb.is_none() {
        plan = local.clone();
    }
    IssueMerge {
        github,
        plan,
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{mapping, resolver};
    use super::*;
    use crate::config::ConflictResolution;

    fn issue(title: &str, labels: &[&str]) -> IssueFields {
        IssueFields {
            title: title.to_string(),
            body: "line 1\nline 2\nline 3".to_string(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            ..IssueFields::default()
        }
    }

    #[test]
    fn one_sided_changes_flow_across() {
        let base = issue("T", &["PM:Status:ToDo", "ui"]);
        let local = issue("T2", &["PM:Status:ToDo", "ui"]);
        let remote = issue("T", &["PM:Status:ToDo", "ui", "bug"]);
        let r = resolver(ConflictResolution::LastUpdateWins, false);
        let m = merge_issue(&local, Some(&base), &remote, Some(&base), &mapping(), &r);
        assert_eq!(m.github.title, "T2");
        assert!(m.github.labels.contains("bug"), "remote addition kept");
        assert_eq!(m.plan.title, "T2");
        assert!(m.plan.labels.contains("bug"), "remote addition pulled");
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn different_fields_merge_cleanly_and_bodies_merge_by_line() {
        let base = issue("T", &[]);
        let mut local = issue("T local", &[]);
        local.body = "line 1 local\nline 2\nline 3".to_string();
        let mut remote = issue("T", &[]);
        remote.body = "line 1\nline 2\nline 3 remote".to_string();
        remote.closed = true;
        remote.state_reason = Some("completed".into());
        let m = merge_issue(
            &local,
            Some(&base),
            &remote,
            Some(&base),
            &mapping(),
            &resolver(ConflictResolution::ManualFlag, false),
        );
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        assert_eq!(m.github.body, "line 1 local\nline 2\nline 3 remote");
        assert_eq!(m.plan.body, m.github.body);
        assert_eq!(m.github.title, "T local");
        assert!(m.plan.closed);
    }

    #[test]
    fn overlapping_body_edits_are_a_conflict() {
        let base = issue("T", &[]);
        let mut local = base.clone();
        local.body = "line 1 L\nline 2\nline 3".into();
        let mut remote = base.clone();
        remote.body = "line 1 R\nline 2\nline 3".into();
        let m = merge_issue(
            &local,
            Some(&base),
            &remote,
            Some(&base),
            &mapping(),
            &resolver(ConflictResolution::PreferLocal, false),
        );
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.github.body, local.body);
    }

    fn deps(ids: &[&str]) -> Option<std::collections::BTreeSet<String>> {
        Some(ids.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn dependencies_merge_as_a_set_and_a_missing_base_removes_nothing() {
        let r = resolver(ConflictResolution::ManualFlag, false);
        let mut base = issue("T", &[]);
        base.depends_on = deps(&["A", "B"]);
        // The plan drops A, GitHub adds C: both happen, no conflict.
        let mut local = base.clone();
        local.depends_on = deps(&["B"]);
        let mut remote = base.clone();
        remote.depends_on = deps(&["A", "B", "C"]);
        let m = merge_issue(&local, Some(&base), &remote, Some(&base), &mapping(), &r);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.github.depends_on, deps(&["B", "C"]));
        assert_eq!(m.plan.depends_on, deps(&["B", "C"]));
        // A base from before dependencies were synced: nothing is taken as removed.
        let mut old = base.clone();
        old.depends_on = None;
        let m = merge_issue(&local, Some(&old), &remote, Some(&old), &mapping(), &r);
        assert_eq!(m.github.depends_on, deps(&["A", "B", "C"]));
        assert_eq!(m.plan.depends_on, deps(&["A", "B", "C"]));
        // GitHub's not known this run: nothing is sent, the plan keeps its own.
        let mut unknown = remote.clone();
        unknown.depends_on = None;
        let m = merge_issue(&local, Some(&base), &unknown, Some(&base), &mapping(), &r);
        assert_eq!(m.github.depends_on, None);
        assert_eq!(m.plan.depends_on, deps(&["B"]));
    }

    #[test]
    fn first_link_pushes_the_plan() {
        let local = issue("T", &["a"]);
        let remote = issue("old", &["b"]);
        let m = merge_issue(
            &local,
            None,
            &remote,
            None,
            &mapping(),
            &resolver(ConflictResolution::PreferGithub, false),
        );
        assert_eq!(m.github.title, "T");
        assert_eq!(
            m.github.labels,
            ["a", "b"].iter().map(|s| s.to_string()).collect()
        );
    }
}
