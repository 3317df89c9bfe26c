//! New artifacts for the tracker's issues the plan doesn't know, when the project opts in
//! (`create_artifacts_from_github`), with the labels their fields imply.

use std::collections::BTreeSet;

use crate::config::{LabelCategory, ProjectConfig};

use super::fields::{self, Target};
use super::links::{self, Fields};
use super::{Acc, Ctx, Direction, Op, Settle, pull};

/// New artifacts for the tracker's issues the plan doesn't know, when the project opts in
/// (and the run goes both ways).
pub(super) fn plan_new_artifacts(ctx: &Ctx<'_>, acc: &mut Acc) {
    let cfg = ctx.input.config;
    let mapping = &cfg.github.mapping;
    if ctx.input.direction != Direction::Both || !mapping.create_artifacts_from_github {
        return;
    }
    let linked_numbers: BTreeSet<u64> = ctx
        .input
        .links
        .items
        .values()
        .filter(|l| l.target == Target::Issue)
        .map(|l| l.number)
        .collect();
    // IDs in use: the plan's, and those of linked items (an artifact created from GitHub
    // may not be committed yet).
    let mut taken: BTreeSet<String> = ctx.input.artifacts.iter().map(|a| a.id.clone()).collect();
    taken.extend(
        ctx.input
            .links
            .of_project(ctx.input.project)
            .filter_map(|(k, _)| k.rsplit_once('/').map(|(_, id)| id.to_string())),
    );
    // An unreadable file's ID is taken too, though the plan can't read it right now.
    taken.extend(
        ctx.input
            .unreadable
            .iter()
            .filter_map(|p| crate::diff::id_from_file_name(&p.path))
            .map(str::to_string),
    );
    let repo = ctx.input.repo.to_string();
    for issue in ctx.input.remote.issues.values() {
        let marked = fields::marker_id(&issue.body).is_some();
        if marked || linked_numbers.contains(&issue.number) {
            continue;
        }
        let id = pull::next_id(&ctx.input.artifacts, &taken);
        let Some((name, text)) = pull::new_artifact(&id, issue, cfg, &repo, ctx.input.today) else {
            continue;
        };
        taken.insert(id.clone());
        let key = links::key(ctx.input.project, &id);
        let path = format!("{}/{}/tasks/{name}", crate::PLAN_ROOT, ctx.input.project);
        let location =
            crate::artifact::Location::of(&format!("{}/tasks/{name}", ctx.input.project));
        let Some(created) =
            location.and_then(|loc| crate::artifact::parse(&path, loc, text.as_bytes()).ok())
        else {
            continue;
        };
        // The new file names no parent, so the plan says "no milestone": a milestone the
        // issue has on GitHub is left alone (it is GitHub's until the plan says otherwise).
        let mut local = fields::issue_fields(&created.0, cfg, None);
        let remote = fields::remote_issue_fields(issue);
        // The file says what GitHub's labels did not (a plain issue is `🟡 To Do` and a
        // Task): GitHub gets those labels now, with the marker. Recorded as the last
        // synced state of both sides, labels GitHub lacks would look unchanged on both
        // sides to every later sync, and never be sent.
        let mut github = remote.clone();
        for (label, cat) in implied_labels(&local.labels, &remote.labels, cfg) {
            acc.labels.want(&label, cat, cfg, &mut acc.out.notes);
            if !acc.labels.is_missing(&label) {
                github.labels.insert(label);
            }
        }
        local.labels.retain(|l| !acc.labels.is_missing(l));
        acc.issue_ops.push(Op::CreateArtifact {
            key: key.clone(),
            path: path.clone(),
            number: issue.number,
            text,
        });
        // Mark the issue so it stays linked even without this record.
        let mut changed = vec!["body".to_string()];
        if github.labels != remote.labels {
            changed.push("labels".to_string());
        }
        acc.issue_ops.push(Op::UpdateIssue {
            key: key.clone(),
            number: issue.number,
            marker: id.clone(),
            changed,
            fields: github.clone(),
        });
        acc.out.settle.push(Settle {
            key,
            target: Target::Issue,
            marker: Some(id),
            number: Some(issue.number),
            path: Some(path),
            committed: None,
            local: Fields::Issue(local),
            remote: Fields::Issue(github),
            updated_at: issue.updated_at.clone(),
            url: issue.url.clone(),
            retired: false,
            flagged: false,
        });
    }
}

/// The status, type and priority labels of a new artifact (`local`, its labels as the
/// mapping gives them) for the categories GitHub's issue has no label of: what the file
/// says that the issue didn't (its defaults, `🟡 To Do` and `🛠️ Task`). A category GitHub
/// has a label of (known or not) is left as GitHub has it.
fn implied_labels(
    local: &BTreeSet<String>,
    remote: &BTreeSet<String>,
    cfg: &ProjectConfig,
) -> Vec<(String, LabelCategory)> {
    let mapping = &cfg.github.mapping;
    let single = |c: &LabelCategory| {
        matches!(
            c,
            LabelCategory::Status | LabelCategory::Type | LabelCategory::Priority
        )
    };
    let on_github: BTreeSet<LabelCategory> = remote
        .iter()
        .filter_map(|l| mapping.label_category(l))
        .filter(single)
        .collect();
    local
        .iter()
        .filter_map(|l| Some((l.clone(), mapping.label_category(l)?)))
        .filter(|(_, c)| single(c) && !on_github.contains(c))
        .collect()
}
