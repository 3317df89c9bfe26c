//! Executing one GitHub operation of a plan: the request to send, what to do with GitHub's
//! answer, and the recoveries (a title taken meanwhile, logins GitHub can't assign).

use super::*;

impl Executor<'_> {
    pub(super) fn run_op(
        &mut self,
        op: &Op,
        cfg: &ProjectConfig,
        client: &Client,
        repo: &RepoRef,
        milestones: &mut HashMap<String, u64>,
        _settle: &HashMap<String, Settle>,
    ) -> Result<Done, github::Error> {
        let sync_due = cfg.github.mapping.sync_milestone_due_date;
        match op {
            Op::CreateLabel {
                name,
                color,
                description,
            } => match client.create_label(repo, name, color, Some(description)) {
                Ok(_) => Ok(Done::default()),
                // Created since we read the labels (by someone else, or by another project
                // syncing to this repository): use it as it is.
                Err(e) if e.is_already_exists() => Ok(Done {
                    adopted: true,
                    ..Done::default()
                }),
                Err(e) => Err(e),
            },
            Op::CreateMilestone { marker, fields, .. } => {
                let new = NewMilestone {
                    title: fields.title.clone(),
                    description: Some(milestone_description(fields, marker.as_deref())),
                    state: fields.closed.then_some(State::Closed),
                    due_on: fields.due_on.as_deref().map(fields::due_on_timestamp),
                };
                let created = match client.create_milestone(repo, &new) {
                    Ok(c) => c,
                    // Someone created it between our read and our write: adopt it.
                    Err(e) if e.is_already_exists() => {
                        match client.find_milestone_by_title(repo, &fields.title)? {
                            Some(m) => github::Created {
                                item: m,
                                adopted: true,
                            },
                            None => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                };
                let mut m = created.item;
                if created.adopted && fields::synced_milestone_fields(&(&m).into(), cfg) != *fields
                {
                    m = client.update_milestone(
                        repo,
                        m.number,
                        &milestone_patch(fields, marker.as_deref(), sync_due),
                    )?;
                }
                milestones.insert(m.title.trim().to_lowercase(), m.number);
                Ok(Done::milestone(&m, created.adopted, cfg))
            }
            Op::UpdateMilestone {
                number,
                marker,
                fields,
                changed,
                ..
            } => {
                let m = client.update_milestone(
                    repo,
                    *number,
                    &changed_milestone_patch(fields, marker.as_deref(), changed, sync_due),
                )?;
                milestones.insert(m.title.trim().to_lowercase(), m.number);
                Ok(Done::milestone(&m, false, cfg))
            }
            Op::DeleteMilestone { number, .. } => {
                client.delete_milestone(repo, *number)?;
                Ok(Done::default())
            }
            Op::CreateIssue { marker, fields, .. } => {
                let (milestone, note) = resolve_milestone(fields, milestones);
                let new = NewIssue {
                    title: fields.title.clone(),
                    body: Some(fields::with_marker(&fields.body, marker)),
                    labels: fields.labels.iter().cloned().collect(),
                    assignees: fields.assignees.iter().cloned().collect(),
                    milestone,
                };
                let marker_line = fields::marker_line(marker);
                let since = client.run_started_since();
                // Another clone may have created it since this run read GitHub.
                if self.options.narrow_creates
                    && let Some(found) = client.find_issue_with_marker(
                        repo,
                        &marker_line,
                        Some(&client.recent_since()),
                    )?
                {
                    return Ok(Done::issue(&found, true));
                }
                let mut note = note;
                let created = match client.create_issue(repo, &new, |c| {
                    c.find_issue_with_marker(repo, &marker_line, Some(&since))
                }) {
                    Err(e) if rejects_assignees(&e) && !new.assignees.is_empty() => {
                        note = Some(unassignable(&new.assignees));
                        let new = NewIssue {
                            assignees: Vec::new(),
                            ..new
                        };
                        client.create_issue(repo, &new, |c| {
                            c.find_issue_with_marker(repo, &marker_line, Some(&since))
                        })?
                    }
                    other => other?,
                };
                let mut issue = created.item;
                let mut adopted = created.adopted;
                let mut info = None;
                // Two runs that passed the check above at the same moment both created
                // one. GitHub numbers issues in the order they were created, so the later
                // one always sees the earlier: it closes its own (taking the marker line
                // off, so nothing adopts it) and uses the earlier.
                if self.options.narrow_creates && !adopted {
                    let earlier = client
                        .issues_with_marker(repo, &marker_line, Some(&client.recent_since()))?
                        .into_iter()
                        .find(|i| i.number < issue.number);
                    if let Some(first) = earlier {
                        client.update_issue(
                            repo,
                            issue.number,
                            &IssuePatch {
                                state: Some(State::Closed),
                                state_reason: Some(Some("not_planned".to_string())),
                                body: Some(format!(
                                    "{}\n\nDuplicate of #{}: another sync created it at the same moment.",
                                    fields.body.trim_end(),
                                    first.number
                                )),
                                ..IssuePatch::default()
                            },
                        )?;
                        info = Some(format!(
                            "another sync created {} at the same moment (#{}): #{} was closed as its duplicate",
                            marker, first.number, issue.number
                        ));
                        issue = first;
                        adopted = true;
                    }
                }
                if fields.closed && issue.state != State::Closed {
                    issue = client.update_issue(
                        repo,
                        issue.number,
                        &IssuePatch {
                            state: Some(State::Closed),
                            state_reason: Some(fields.state_reason.clone()),
                            ..IssuePatch::default()
                        },
                    )?;
                }
                let mut done = Done::issue(&issue, adopted);
                done.note = note;
                done.info = info;
                Ok(done)
            }
            Op::UpdateIssue {
                number,
                marker,
                fields,
                changed,
                ..
            } => {
                let (milestone, note) = resolve_milestone(fields, milestones);
                let mut patch = IssuePatch::default();
                for c in changed {
                    match c.as_str() {
                        "title" => patch.title = Some(fields.title.clone()),
                        "body" => patch.body = Some(fields::with_marker(&fields.body, marker)),
                        "state" => {
                            patch.state = Some(if fields.closed {
                                State::Closed
                            } else {
                                State::Open
                            });
                            if fields.closed {
                                patch.state_reason = Some(fields.state_reason.clone());
                            }
                        }
                        "labels" => patch.labels = Some(fields.labels.iter().cloned().collect()),
                        "assignees" => {
                            patch.assignees = Some(fields.assignees.iter().cloned().collect())
                        }
                        "milestone" => patch.milestone = Some(milestone),
                        _ => {}
                    }
                }
                let mut note = note;
                let issue = match client.update_issue(repo, *number, &patch) {
                    Err(e)
                        if rejects_assignees(&e)
                            && patch.assignees.as_ref().is_some_and(|a| !a.is_empty()) =>
                    {
                        note = Some(unassignable(patch.assignees.as_deref().unwrap_or_default()));
                        patch.assignees = None;
                        if patch.is_empty() {
                            client.get_issue(repo, *number)?
                        } else {
                            client.update_issue(repo, *number, &patch)?
                        }
                    }
                    other => other?,
                };
                let mut done = Done::issue(&issue, false);
                done.note = note;
                Ok(done)
            }
            Op::EditArtifact { .. } | Op::CreateArtifact { .. } => Ok(Done::default()),
        }
    }
}

/// GitHub's 422 for logins that can't be assigned (not collaborators).
fn rejects_assignees(e: &github::Error) -> bool {
    e.status() == Some(422)
        && e.field_errors()
            .iter()
            .any(|f| f.field.as_deref() == Some("assignees"))
}

fn unassignable(logins: &[String]) -> String {
    format!(
        "GitHub can't assign {} (not a collaborator of the repository?): the issue was left unassigned",
        logins.join(", ")
    )
}

impl Done {
    pub(super) fn issue(i: &Issue, adopted: bool) -> Done {
        Done {
            adopted,
            item: Some((
                i.number,
                Fields::Issue(fields::remote_issue_fields(&i.into())),
                i.updated_at.clone(),
                i.html_url.clone(),
            )),
            note: None,
            info: None,
            in_commit: false,
        }
    }

    pub(super) fn milestone(m: &Milestone, adopted: bool, cfg: &ProjectConfig) -> Done {
        Done {
            adopted,
            item: Some((
                m.number,
                Fields::Milestone(fields::synced_milestone_fields(&m.into(), cfg)),
                m.updated_at.clone(),
                m.html_url.clone(),
            )),
            note: None,
            info: None,
            in_commit: false,
        }
    }
}

fn milestone_description(fields: &MilestoneFields, marker: Option<&str>) -> String {
    match marker {
        Some(id) => fields::with_marker(&fields.description, id),
        None => fields.description.clone(),
    }
}

/// The whole milestone; `due_on` only when the project syncs due dates (otherwise GitHub's
/// is left as it is).
fn milestone_patch(
    fields: &MilestoneFields,
    marker: Option<&str>,
    sync_due: bool,
) -> MilestonePatch {
    MilestonePatch {
        title: Some(fields.title.clone()),
        description: Some(Some(milestone_description(fields, marker))),
        state: Some(if fields.closed {
            State::Closed
        } else {
            State::Open
        }),
        due_on: sync_due.then(|| fields.due_on.as_deref().map(fields::due_on_timestamp)),
    }
}

/// Only the `changed` fields (as the plan names them): what is sent is what the dry run
/// shows, and a field nobody changed (the description with its marker line, when a
/// milestone is only closed) is left as GitHub has it.
fn changed_milestone_patch(
    fields: &MilestoneFields,
    marker: Option<&str>,
    changed: &[String],
    sync_due: bool,
) -> MilestonePatch {
    let full = milestone_patch(fields, marker, sync_due);
    let has = |f: &str| changed.iter().any(|c| c == f);
    MilestonePatch {
        title: full.title.filter(|_| has("title")),
        description: full.description.filter(|_| has("description")),
        state: full.state.filter(|_| has("state")),
        due_on: full.due_on.filter(|_| has("due_on")),
    }
}

/// The milestone number for an issue's milestone title; a note when it can't be found.
fn resolve_milestone(
    fields: &IssueFields,
    milestones: &HashMap<String, u64>,
) -> (Option<u64>, Option<String>) {
    match &fields.milestone {
        None => (None, None),
        Some(title) => match milestones.get(&title.trim().to_lowercase()) {
            Some(n) => (Some(*n), None),
            None => (
                None,
                Some(format!(
                    "milestone `{title}` is not on GitHub: the issue was synced without it"
                )),
            ),
        },
    }
}
