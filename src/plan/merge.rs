//! Three-way merging of one item's fields: what the plan says now (local), what GitHub says
//! now (remote), and what both said at the last sync (the bases). Fields changed on one side
//! flow to the other; a field changed differently on both sides is a conflict, settled by the
//! project's `conflict_resolution`.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::config::{ConflictResolution, LabelCategory, Mapping};

use super::fields::{IssueFields, MilestoneFields};

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

fn show_opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(none)".to_string())
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
    let (ls, rs) = (
        split_labels(&local.labels, mapping),
        split_labels(&remote.labels, mapping),
    );
    let lbs = lb.map(|b| split_labels(&b.labels, mapping));
    let rbs = rb.map(|b| split_labels(&b.labels, mapping));
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
    github.labels = join(gh_split);
    plan.labels = join(plan_split);
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

/// What a merge of one milestone decided.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MilestoneMerge {
    pub github: MilestoneFields,
    pub plan: MilestoneFields,
    pub conflicts: Vec<Conflict>,
}

/// Merges one linked milestone.
pub fn merge_milestone(
    local: &MilestoneFields,
    lb: Option<&MilestoneFields>,
    remote: &MilestoneFields,
    rb: Option<&MilestoneFields>,
    resolver: &Resolver,
) -> MilestoneMerge {
    let mut github = remote.clone();
    let mut plan = local.clone();
    let mut conflicts = Vec::new();
    macro_rules! field {
        ($name:literal, $f:ident, $show:expr) => {{
            let s = merge_scalar(
                $name,
                &local.$f,
                lb.map(|b| &b.$f),
                &remote.$f,
                rb.map(|b| &b.$f),
                resolver,
                $show,
            );
            if let Some(c) = s.conflict {
                conflicts.push(c);
            }
            if let Some(v) = s.push {
                github.$f = v;
            }
            if let Some(v) = s.pull {
                plan.$f = v;
            }
        }};
    }
    field!("title", title, |v: &String| v.clone());
    field!("closed", closed, |v: &bool| if *v {
        "closed"
    } else {
        "open"
    }
    .to_string());
    field!("due_on", due_on, show_opt);
    // Descriptions merge line by line like issue bodies.
    let s = merge_scalar(
        "description",
        &local.description,
        lb.map(|b| &b.description),
        &remote.description,
        rb.map(|b| &b.description),
        resolver,
        |v: &String| format!("{} lines", v.lines().count()),
    );
    let merged = match (&s.conflict, lb) {
        (Some(_), Some(base)) if rb.is_some() => {
            three_way_text(&base.description, &local.description, &remote.description)
        }
        _ => None,
    };
    match merged {
        Some(m) => {
            github.description = m.clone();
            plan.description = m;
        }
        None => {
            if let Some(c) = s.conflict {
                conflicts.push(c);
            }
            if let Some(v) = s.push {
                github.description = v;
            }
            if let Some(v) = s.pull {
                plan.description = v;
            }
        }
    }
    MilestoneMerge {
        github,
        plan,
        conflicts,
    }
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
mod tests {
    use super::*;
    use crate::config::ProjectConfig;

    fn mapping() -> Mapping {
        ProjectConfig::with_defaults("p/project_config.toml", "p")
            .github
            .mapping
    }

    fn resolver(strategy: ConflictResolution, local_is_newer: bool) -> Resolver {
        Resolver {
            strategy,
            local_is_newer,
        }
    }

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
    fn status_labels_swap_and_never_double() {
        let base = issue("T", &["PM:Status:ToDo"]);
        let local = issue("T", &["PM:Status:Done"]);
        let remote = issue("T", &["PM:Status:Review"]);
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
            let m = merge_issue(
                &local,
                Some(&base),
                &remote,
                Some(&base),
                &mapping(),
                &resolver(strategy, newer),
            );
            let statuses: Vec<_> = m
                .github
                .labels
                .iter()
                .filter(|l| l.starts_with("PM:Status:"))
                .collect();
            assert_eq!(statuses, [expect], "{strategy:?}");
            assert_eq!(m.conflicts.len(), 1);
            assert_eq!(m.conflicts[0].field, "status");
        }
        let m = merge_issue(
            &local,
            Some(&base),
            &remote,
            Some(&base),
            &mapping(),
            &resolver(ConflictResolution::ManualFlag, true),
        );
        assert!(m.flagged());
        assert!(
            m.github.labels.contains("PM:Status:Review"),
            "nothing overwritten"
        );
        assert!(
            m.plan.labels.contains("PM:Status:Done"),
            "nothing overwritten"
        );
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

    #[test]
    fn milestones_merge_per_field() {
        let base = MilestoneFields {
            title: "M".into(),
            description: "d".into(),
            closed: false,
            due_on: Some("2025-01-01".into()),
        };
        let mut local = base.clone();
        local.title = "M2".into();
        let mut remote = base.clone();
        remote.due_on = Some("2025-02-01".into());
        let m = merge_milestone(
            &local,
            Some(&base),
            &remote,
            Some(&base),
            &resolver(ConflictResolution::ManualFlag, false),
        );
        assert_eq!(m.github.title, "M2");
        assert_eq!(m.plan.due_on.as_deref(), Some("2025-02-01"));
        assert!(m.conflicts.is_empty());
    }
}
