//! Executing one tracker operation of a plan: the neutral write to send, what to do with
//! the answer, and the recoveries (a title taken meanwhile, users that can't be assigned).
//! The operations relating issues to each other run in `relations`.

use super::*;

impl Executor<'_> {
    pub(super) fn run_op(
        &mut self,
        op: &Op,
        cfg: &ProjectConfig,
        tracker: &dyn Tracker,
        milestones: &mut HashMap<String, u64>,
        remote: &RemoteState,
    ) -> Result<Done, tracker::Error> {
        let sync_due = cfg.github.mapping.sync_milestone_due_date;
        let platform = tracker.platform();
        match op {
            Op::CreateLabel {
                name,
                color,
                description,
            } => match tracker.create_label(name, color, description) {
                Ok(c) => Ok(Done {
                    adopted: c.adopted,
                    ..Done::default()
                }),
                // Created since we read the labels (by someone else, or by another project
                // syncing to this repository): use it as it is.
                Err(e) if e.is(ErrorKind::AlreadyExists) => Ok(Done {
                    adopted: true,
                    ..Done::default()
                }),
                Err(e) => Err(e),
            },
            Op::CreateMilestone { marker, fields, .. } => {
                let new = NewMilestone {
                    title: fields.title.clone(),
                    description: milestone_description(fields, marker.as_deref()),
                    closed: fields.closed,
                    due_date: fields.due_on.clone(),
                };
                let created = match tracker.create_milestone(&new) {
                    Ok(c) => c,
                    // Someone created it between our read and our write: adopt it.
                    Err(e) if e.is(ErrorKind::AlreadyExists) => {
                        match tracker.find_milestone(&fields.title)? {
                            Some(m) => Created {
                                item: m,
                                adopted: true,
                            },
                            None => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                };
                let mut m = created.item;
                if created.adopted && fields::synced_milestone_fields(&m, cfg) != *fields {
                    m = tracker.update_milestone(
                        m.number,
                        &milestone_change(fields, marker.as_deref(), sync_due, None),
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
                let m = tracker.update_milestone(
                    *number,
                    &milestone_change(fields, marker.as_deref(), sync_due, Some(changed)),
                )?;
                milestones.insert(m.title.trim().to_lowercase(), m.number);
                Ok(Done::milestone(&m, false, cfg))
            }
            Op::DeleteMilestone { number, .. } => {
                tracker.delete_milestone(*number)?;
                Ok(Done::default())
            }
            Op::CreateIssue { marker, fields, .. } => {
                let (milestone, note) = resolve_milestone(fields, milestones, platform);
                let new = NewIssue {
                    title: fields.title.clone(),
                    body: fields::with_marker(&fields.body, marker),
                    labels: fields.labels.iter().cloned().collect(),
                    assignees: fields.assignees.iter().cloned().collect(),
                    milestone,
                };
                let marker_line = fields::marker_line(marker);
                // Another clone may have created it since this run read the tracker.
                if self.options.narrow_creates
                    && let Some(found) = tracker.issues_with_marker(&marker_line, true)?.pop()
                {
                    return Ok(Done::issue(&found, true));
                }
                let mut note = note;
                let created = match tracker.create_issue(&new, &marker_line) {
                    Err(e) if e.is(ErrorKind::Unassignable) && !new.assignees.is_empty() => {
                        note = Some(unassignable(platform, &new.assignees));
                        let new = NewIssue {
                            assignees: Vec::new(),
                            ..new
                        };
                        tracker.create_issue(&new, &marker_line)?
                    }
                    other => other?,
                };
                let mut issue = created.item;
                let mut adopted = created.adopted;
                let mut info = None;
                // Two runs that passed the check above at the same moment both created
                // one. Trackers number issues in the order they were created, so the later
                // one always sees the earlier: it closes its own (taking the marker line
                // off, so nothing adopts it) and uses the earlier.
                if self.options.narrow_creates && !adopted {
                    let earlier = tracker
                        .issues_with_marker(&marker_line, true)?
                        .into_iter()
                        .find(|i| i.number < issue.number);
                    if let Some(first) = earlier {
                        tracker.update_issue(
                            issue.number,
                            &IssueChange {
                                state: Some(IssueState::Closed {
                                    reason: Some("not_planned".to_string()),
                                }),
                                body: Some(format!(
                                    "{}\n\nDuplicate of #{}: another sync created it at the same moment.",
                                    fields.body.trim_end(),
                                    first.number
                                )),
                                ..IssueChange::default()
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
                if fields.closed && !issue.closed {
                    issue = tracker.update_issue(
                        issue.number,
                        &IssueChange {
                            state: Some(IssueState::Closed {
                                reason: fields.state_reason.clone(),
                            }),
                            ..IssueChange::default()
                        },
                    )?;
                }
                let mut done = Done::issue(&issue, adopted);
                done.note = note;
                done.info = info;
                Ok(done)
            }
            Op::UpdateIssue {
                key,
                number,
                marker,
                fields,
                changed,
            } => {
                let (milestone, note) = resolve_milestone(fields, milestones, platform);
                // The labels the tracker has: as this run read them, or (not updated since
                // the last sync) as that sync left them.
                let before: Option<IssueFields> = match remote.issues.get(number) {
                    Some(i) => Some(fields::remote_issue_fields(i)),
                    None => self
                        .links
                        .items
                        .get(key)
                        .and_then(|l| l.remote.as_ref())
                        .and_then(Fields::issue)
                        .cloned(),
                };
                let mut change = IssueChange::default();
                for c in changed {
                    match c.as_str() {
                        "title" => change.title = Some(fields.title.clone()),
                        "body" => change.body = Some(fields::with_marker(&fields.body, marker)),
                        "state" => {
                            change.state = Some(if fields.closed {
                                IssueState::Closed {
                                    reason: fields.state_reason.clone(),
                                }
                            } else {
                                IssueState::Open
                            });
                        }
                        "labels" => {
                            let had = before.as_ref().map(|b| &b.labels);
                            change.labels = Some(LabelChange {
                                set: fields.labels.iter().cloned().collect(),
                                add: fields
                                    .labels
                                    .iter()
                                    .filter(|l| had.is_none_or(|h| !h.contains(*l)))
                                    .cloned()
                                    .collect(),
                                remove: had
                                    .map(|h| h.difference(&fields.labels).cloned().collect())
                                    .unwrap_or_default(),
                            })
                        }
                        "assignees" => {
                            change.assignees = Some(fields.assignees.iter().cloned().collect())
                        }
                        "milestone" => change.milestone = Some(milestone),
                        _ => {}
                    }
                }
                let mut note = note;
                let issue = match tracker.update_issue(*number, &change) {
                    Err(e)
                        if e.is(ErrorKind::Unassignable)
                            && change.assignees.as_ref().is_some_and(|a| !a.is_empty()) =>
                    {
                        note = Some(unassignable(
                            platform,
                            change.assignees.as_deref().unwrap_or_default(),
                        ));
                        change.assignees = None;
                        if change.is_empty() {
                            tracker.get_issue(*number)?
                        } else {
                            tracker.update_issue(*number, &change)?
                        }
                    }
                    other => other?,
                };
                let mut done = Done::issue(&issue, false);
                done.note = note;
                Ok(done)
            }
            Op::EditArtifact { .. }
            | Op::CreateArtifact { .. }
            | Op::SetDependencies { .. }
            | Op::SetCard { .. }
            | Op::SetParent { .. } => Ok(Done::default()),
        }
    }
}

fn unassignable(platform: Platform, logins: &[String]) -> String {
    match platform {
        Platform::Github => format!(
            "GitHub can't assign {} (not a collaborator of the repository?): the issue was left unassigned",
            logins.join(", ")
        ),
        _ => format!(
            "{platform} can't assign {} (not a member of the project?): the issue was left unassigned",
            logins.join(", ")
        ),
    }
}

impl Done {
    pub(super) fn issue(i: &Issue, adopted: bool) -> Done {
        Done {
            adopted,
            item: Some((
                i.number,
                Fields::Issue(fields::remote_issue_fields(i)),
                i.updated_at.clone(),
                i.url.clone(),
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
                Fields::Milestone(fields::synced_milestone_fields(m, cfg)),
                m.updated_at.clone(),
                m.url.clone(),
            )),
            note: None,
            info: None,
            in_commit: false,
        }
    }
}

fn milestone_description(fields: &MilestoneFields, marker: Option<&str>) -> String {
    fields::milestone_text(fields, marker)
}

/// The milestone's change: the whole of it (`changed: None`), or only the `changed` fields
/// as the plan names them (what is sent is what the dry run shows, and a field nobody
/// changed, such as the description with its marker line when a milestone is only closed,
/// is left as the tracker has it). The due date only when the project syncs due dates.
fn milestone_change(
    fields: &MilestoneFields,
    marker: Option<&str>,
    sync_due: bool,
    changed: Option<&[String]>,
) -> MilestoneChange {
    let has = |f: &str| changed.is_none_or(|c| c.iter().any(|x| x == f));
    MilestoneChange {
        title: has("title").then(|| fields.title.clone()),
        description: has("description").then(|| milestone_description(fields, marker)),
        closed: has("state").then_some(fields.closed),
        due_date: (sync_due && has("due_on")).then(|| fields.due_on.clone()),
    }
}

/// The milestone number for an issue's milestone title; a note when it can't be found.
fn resolve_milestone(
    fields: &IssueFields,
    milestones: &HashMap<String, u64>,
    platform: Platform,
) -> (Option<u64>, Option<String>) {
    match &fields.milestone {
        None => (None, None),
        Some(title) => match milestones.get(&title.trim().to_lowercase()) {
            Some(n) => (Some(*n), None),
            None => (
                None,
                Some(format!(
                    "milestone `{title}` is not on {platform}: the issue was synced without it"
                )),
            ),
        },
    }
}
