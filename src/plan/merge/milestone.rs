//! The merge of one linked milestone: title, state, due date, and the description (line
//! by line when both sides changed it).

use crate::plan::fields::MilestoneFields;

use super::{Conflict, Resolver, merge_scalar, show_opt, three_way_text};

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
    // The progress block is the plan's figure: sent, never taken back.
    github.progress = local.progress.clone();
    plan.progress = local.progress.clone();
    MilestoneMerge {
        github,
        plan,
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::resolver;
    use super::*;
    use crate::config::ConflictResolution;

    #[test]
    fn milestones_merge_per_field() {
        let base = MilestoneFields {
            title: "M".into(),
            description: "d".into(),
            closed: false,
            due_on: Some("2025-01-01".into()),
            progress: None,
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
