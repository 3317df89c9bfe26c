//! The operations that run once every issue of a run exists, as they relate issues to each
//! other or to a board: dependencies, a parent issue, a card on the project board. Each
//! names issues by artifact ID; their numbers come from this run's creates or the record.

use super::*;

/// The artifact ID of a link key (`demo/TASK-1` → `TASK-1`).
fn id_of(key: &str) -> &str {
    key.split_once('/').map_or(key, |(_, id)| id)
}

/// An issue this op needs has none yet; `next` says what the next sync does about it.
fn no_issue(tracker: &dyn Tracker, id: &str, next: &str) -> tracker::Error {
    tracker::Error::new(
        ErrorKind::Other,
        format!("{id} has no issue on {} yet", tracker.platform()),
        format!("its create failed or was not made: the next sync {next}"),
    )
}

impl Executor<'_> {
    /// The number of the issue of link key `key`: created by this run (`numbers`), or
    /// linked before.
    fn issue_number(&self, numbers: &HashMap<String, u64>, key: &str) -> Option<u64> {
        numbers.get(key).copied().or_else(|| {
            self.links
                .items
                .get(key)
                .filter(|l| l.target == fields::Target::Issue && !l.retired)
                .map(|l| l.number)
        })
    }

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
        let number_of = |k: &str| self.issue_number(numbers, k);
        let no_issue = |id: &str| no_issue(tracker, id, "sets this dependency");
        let Some(n) = number.or_else(|| number_of(key)) else {
            return Err(no_issue(id_of(key)));
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
        let id = id_of(key);
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
        let n = number
            .or_else(|| self.issue_number(numbers, key))
            .ok_or_else(|| no_issue(tracker, id_of(key), "puts it on the board"))?;
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
        let next = "sets the parent";
        let n = number
            .or_else(|| self.issue_number(numbers, key))
            .ok_or_else(|| no_issue(tracker, id_of(key), next))?;
        let p = parent_number
            .or_else(|| self.issue_number(numbers, &plan::links::key(project, parent)))
            .ok_or_else(|| no_issue(tracker, parent, next))?;
        tracker.set_parent(n, p)?;
        Ok(Done::default())
    }
}
