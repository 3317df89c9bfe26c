//! A repository's issues on a GitHub project board (Projects v2): reading every card's
//! column in a few list requests, and putting an issue's card in a column. What one run
//! learns (the project's owner kind, the status field, each issue's item) is kept for the
//! run's writes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use super::client::Client;
use super::error::Error;
use super::neutral::tracker_error;
use super::projects::{ProjectField, ProjectOwner, ProjectRef};
use super::types::RepoRef;
use crate::tracker::{self, Board, ErrorKind};

/// The board a repository's issues go on, as the configuration names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardSpec {
    pub owner: String,
    /// `None`: the organization's project is tried first, then the user's.
    pub kind: Option<ProjectOwner>,
    pub number: u64,
    /// The single-select field holding the status.
    pub field: String,
}

/// What a read of the board learnt.
#[derive(Debug, Clone)]
struct Known {
    project: ProjectRef,
    field_id: u64,
    /// Option name → option id.
    options: Vec<(String, String)>,
    /// Issue number → item id.
    items: HashMap<u64, u64>,
}

/// One board, for one run.
pub struct BoardLink {
    spec: BoardSpec,
    known: Mutex<Option<Known>>,
}

/// `acme`'s project 3.
fn named(spec: &BoardSpec) -> String {
    format!("GitHub project {} of {}", spec.number, spec.owner)
}

impl BoardLink {
    pub fn new(spec: BoardSpec) -> BoardLink {
        BoardLink {
            spec,
            known: Mutex::new(None),
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Option<Known>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The project's fields, and where the project is: under the configured owner kind,
    /// or the organization's and then the user's.
    fn locate(&self, client: &Client) -> Result<(ProjectRef, Vec<ProjectField>), tracker::Error> {
        let kinds = match self.spec.kind {
            Some(k) => vec![k],
            None => vec![ProjectOwner::Organization, ProjectOwner::User],
        };
        let mut last = None;
        for kind in kinds {
            let project = ProjectRef {
                kind,
                owner: self.spec.owner.clone(),
                number: self.spec.number,
            };
            match client.list_project_fields(&project) {
                Ok(fields) => return Ok((project, fields)),
                Err(e) if e.is_not_found() => last = Some(e),
                Err(e) => return Err(self.error(e)),
            }
        }
        let mut e = tracker::Error::new(
            ErrorKind::Setup,
            format!(
                "{} was not found{}",
                named(&self.spec),
                match self.spec.kind {
                    None => " (as an organization's project nor as a user's)",
                    Some(_) => "",
                }
            ),
            "check `owner` and `number` in [github_integration.project_board] (the project's URL says them: github.com/orgs/OWNER/projects/NUMBER); the token also needs to see the project: the `read:project` scope to read, `project` to write (classic), or Projects access (fine-grained)",
        );
        if let Some(source) = last {
            e.status = source.status();
            e = e.with_source(source);
        }
        Err(e)
    }

    fn error(&self, e: Error) -> tracker::Error {
        let status = e.status();
        let t = tracker_error(e);
        if matches!(status, Some(401 | 403 | 404)) {
            let message = format!("{}: {}", named(&self.spec), t.message());
            t.reworded(message, "the token needs the `project` scope (classic; `read:project` to read only) or Projects read and write access (fine-grained) to sync the board")
        } else {
            t
        }
    }

    /// Every card of `repo`'s issues on the board, with its column.
    pub fn read(&self, client: &Client, repo: &RepoRef) -> Result<Board, tracker::Error> {
        let (project, fields) = self.locate(client)?;
        let wanted = self.spec.field.trim();
        let Some(field) = fields
            .iter()
            .find(|f| f.name.trim().eq_ignore_ascii_case(wanted))
        else {
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            return Err(tracker::Error::new(
                ErrorKind::Setup,
                format!("{} has no field named \"{wanted}\"", named(&self.spec)),
                format!(
                    "set status_field in [github_integration.project_board] to the single-select field holding the status; its fields are: {}",
                    names.join(", ")
                ),
            ));
        };
        if !field.data_type.is_empty() && field.data_type != "single_select" {
            return Err(tracker::Error::new(
                ErrorKind::Setup,
                format!(
                    "field \"{}\" of {} is a {} field, not a single select",
                    field.name,
                    named(&self.spec),
                    field.data_type
                ),
                "name a single-select field (the board's columns) in status_field",
            ));
        }
        let items = client
            .list_project_items(&project, field.id)
            .map_err(|e| self.error(e))?;
        let options: Vec<(String, String)> = field
            .options
            .iter()
            .map(|o| (o.name.raw.clone(), o.id.clone()))
            .collect();
        let mut cards = BTreeMap::new();
        let mut ids = HashMap::new();
        for item in &items {
            let Some(number) = item.issue_of(&repo.owner, &repo.name) else {
                continue;
            };
            let column = item.option_of(field.id).and_then(|id| {
                options
                    .iter()
                    .find(|(_, o)| *o == id)
                    .map(|(name, _)| name.clone())
            });
            cards.insert(number, column);
            ids.insert(number, item.id);
        }
        *self.known() = Some(Known {
            project,
            field_id: field.id,
            options: options.clone(),
            items: ids,
        });
        Ok(Board {
            columns: options.into_iter().map(|(name, _)| name).collect(),
            cards,
        })
    }

    /// The path a card write goes to: the item's, or the items list to add it.
    pub fn write_path(&self, number: Option<u64>) -> (bool, String) {
        let known = self.known();
        let project = known.as_ref().map(|k| k.project.path()).unwrap_or_else(|| {
            ProjectRef {
                kind: self.spec.kind.unwrap_or(ProjectOwner::Organization),
                owner: self.spec.owner.clone(),
                number: self.spec.number,
            }
            .path()
        });
        match number.and_then(|n| known.as_ref()?.items.get(&n).copied()) {
            Some(item) => (true, format!("{project}/items/{item}")),
            None => (false, format!("{project}/items")),
        }
    }

    /// Puts the issue (`number` of `repo`, database id from `issue_id`) on the board when
    /// it isn't, and its card in `column` when that is given.
    pub fn set_card(
        &self,
        client: &Client,
        repo: &RepoRef,
        number: u64,
        issue_id: impl FnOnce() -> Result<u64, tracker::Error>,
        column: Option<&str>,
    ) -> Result<(), tracker::Error> {
        let Some(k) = self.known().clone() else {
            return Err(tracker::Error::new(
                ErrorKind::Other,
                format!("{} was not read before a card was set", named(&self.spec)),
                "",
            ));
        };
        let option = match column {
            Some(c) => Some(
                k.options
                    .iter()
                    .find(|(name, _)| name == c)
                    .map(|(_, id)| id.clone())
                    .ok_or_else(|| {
                        tracker::Error::new(
                            ErrorKind::Invalid,
                            format!("{} has no column \"{c}\"", named(&self.spec)),
                            "the column was renamed or removed meanwhile: the next sync maps the statuses again",
                        )
                    })?,
            ),
            None => None,
        };
        let item = match k.items.get(&number) {
            Some(id) => *id,
            None => {
                let id = match client.add_project_item(&k.project, issue_id()?) {
                    Ok(added) => added.id,
                    // Already there ("Content already exists in this project": put there
                    // meanwhile, or by a run whose answer was lost): its item is found.
                    Err(e) if e.status() == Some(422) => client
                        .list_project_items(&k.project, k.field_id)
                        .map_err(|e| self.error(e))?
                        .iter()
                        .find(|i| i.issue_of(&repo.owner, &repo.name) == Some(number))
                        .map(|i| i.id)
                        .ok_or_else(|| self.error(e))?,
                    Err(e) => return Err(self.error(e)),
                };
                if let Some(known) = self.known().as_mut() {
                    known.items.insert(number, id);
                }
                id
            }
        };
        if let Some(option) = option {
            client
                .set_project_option(&k.project, item, k.field_id, &option)
                .map_err(|e| self.error(e))?;
        }
        Ok(())
    }
}
