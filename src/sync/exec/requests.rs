//! Executing one tracker operation of a plan: the neutral write to send, what to do with
//! the answer, and the recoveries (a title taken meanwhile, users that can't be assigned).

use super::*;

impl Executor<'_> {
    /// Sets an issue's dependencies: the artifact IDs of the op as the numbers of their
    /// issues (created by this run, or linked before).
    pub(super) fn set_dependencies(
        &mut self,
        op: &Op,
        tracker: &dyn Tracker,
        numbers: &HashMap<String, u64>,
    ) -> Result<Done, tracker::Error> {
        let Op::SetDependencies {
            key,
            number,
            add,
            remove,
            ..
        } = op
        else {
            return Ok(Done::default());
        };
        let project = key.split_once('/').map_or(key.as_str(), |(p, _)| p);
        let number_of = |k: &str| -> Option<u64> {
            numbers.get(k).copied().or_else(|| {
                self.links
                    .items
                    .get(k)
                    .filter(|l| l.target == fields::Target::Issue && !l.retired)
                    .map(|l| l.number)
            })
        };
        let no_issue = |id: &str| {
            tracker::Error::new(
                ErrorKind::Other,
                format!("{id} has no issue on {} yet", tracker.platform()),
                "its create failed or was not made: the next sync sets this dependency",
            )
        };
        let Some(n) = number.or_else(|| number_of(key)) else {
            let id = key.split_once('/').map_or(key.as_str(), |(_, id)| id);
            return Err(no_issue(id));
        };
        let resolve = |ids: &[String]| -> Result<Vec<u64>, tracker::Error> {
            ids.iter()
                .map(|id| number_of(&plan::links::key(project, id)).ok_or_else(|| no_issue(id)))
                .collect()
        };
        let ids_added = add;
        let (add, remove) = (resolve(add)?, resolve(remove)?);
        let place = tracker.place().to_string();
        // Of the issues this one no longer depends on, those that depend on it through
        // the same link (two issues that depended on each other, one link for both).
        let reverse: Vec<u64> = remove
            .iter()
            .copied()
            .filter(|x| {
                self.links
                    .stand_ins
                    .get(&place)
                    .and_then(|by_issue| by_issue.get(x))
                    .is_some_and(|s| s.contains(&n))
            })
            .collect();
        let set = tracker.set_dependencies(n, &add, &remove)?;
        self.saw_stand_ins(&place, n, &remove, &set.stand_ins);
        for other in &set.others {
            self.saw_moved(&place, other);
        }
        let mut latest = set.issue.clone();
        // The link removed stood for their dependency too: they get a link of their own.
        for x in reverse {
            let again = tracker.set_dependencies(x, &[n], &[])?;
            self.saw_stand_ins(&place, x, &[n], &again.stand_ins);
            for i in again.issue.iter().chain(&again.others) {
                if i.number == n {
                    latest = Some(i.clone());
                } else {
                    self.saw_moved(&place, i);
                }
            }
        }
        let mut done = match &latest {
            Some(issue) => {
                self.saw_blocked_by(&place, issue);
                Done::issue(issue, false)
            }
            None => Done::default(),
        };
        // Each reason once a run: later dependencies go the same way.
        let id = key.split_once('/').map_or(key.as_str(), |(_, id)| id);
        let mut said = Vec::new();
        for s in &set.stand_ins {
            if !self.stand_ins_said.insert((place.clone(), s.why.clone())) {
                continue;
            }
            let deps: Vec<&str> = add
                .iter()
                .zip(ids_added)
                .filter(|(n, _)| s.issues.contains(n))
                .map(|(_, id)| id.as_str())
                .collect();
            said.push(format!(
                "{} ({id} depends on {}); the plan keeps which one waits for which",
                s.why,
                deps.join(", ")
            ));
        }
        if !said.is_empty() {
            done.info = Some(said.join("; "));
        }
        Ok(done)
    }

    /// Puts an issue (created by this run, or linked before) on the project board, its
    /// card in the op's column.
    pub(super) fn set_card(
        &mut self,
        op: &Op,
        tracker: &dyn Tracker,
        numbers: &HashMap<String, u64>,
    ) -> Result<Done, tracker::Error> {
        let Op::SetCard {
            key,
            number,
            column,
            ..
        } = op
        else {
            return Ok(Done::default());
        };
        let linked = || {
            numbers.get(key).copied().or_else(|| {
                self.links
                    .items
                    .get(key)
                    .filter(|l| l.target == fields::Target::Issue && !l.retired)
                    .map(|l| l.number)
            })
        };
        let Some(n) = number.or_else(linked) else {
            let id = key.split_once('/').map_or(key.as_str(), |(_, id)| id);
            return Err(tracker::Error::new(
                ErrorKind::Other,
                format!("{id} has no issue on {} yet", tracker.platform()),
                "its create failed or was not made: the next sync puts it on the board",
            ));
        };
        tracker.set_card(n, column.as_deref())?;
        Ok(Done::default())
    }

    /// Makes an issue a sub-issue of its parent's issue (either created by this run, or
    /// linked before).
    pub(super) fn set_parent(
        &mut self,
        op: &Op,
        tracker: &dyn Tracker,
        numbers: &HashMap<String, u64>,
    ) -> Result<Done, tracker::Error> {
        let Op::SetParent {
            key,
            number,
            parent,
            parent_number,
            ..
        } = op
        else {
            return Ok(Done::default());
        };
        let project = key.split_once('/').map_or(key.as_str(), |(p, _)| p);
        let number_of = |k: &str| -> Option<u64> {
            numbers.get(k).copied().or_else(|| {
                self.links
                    .items
                    .get(k)
                    .filter(|l| l.target == fields::Target::Issue && !l.retired)
                    .map(|l| l.number)
            })
        };
        let no_issue = |id: &str| {
            tracker::Error::new(
                ErrorKind::Other,
                format!("{id} has no issue on {} yet", tracker.platform()),
                "its create failed or was not made: the next sync sets the parent",
            )
        };
        let id = key.split_once('/').map_or(key.as_str(), |(_, id)| id);
        let n = number
            .or_else(|| number_of(key))
            .ok_or_else(|| no_issue(id))?;
        let p = parent_number
            .or_else(|| number_of(&plan::links::key(project, parent)))
            .ok_or_else(|| no_issue(parent))?;
        tracker.set_parent(n, p)?;
        Ok(Done::default())
    }

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
