//! The state of Projects (v2) and its JSON, shaped after GitHub's OpenAPI description
//! (schemas "Projects v2 Project", "Projects v2 Field", "Projects v2 Item") and its examples.
//! A child of `api::projects`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::{State, Urls, issue_json, label_json, milestone_json, repo_json, user_json};
use crate::time::format_ts;

/// Who owns a project: an organization (`/orgs/{org}/projectsV2/…`) or a user
/// (`/users/{username}/projectsV2/…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectOwner {
    Organization,
    User,
}

/// Colours GitHub's single-select options take, handed out in turn.
const OPTION_COLORS: [&str; 8] = [
    "GRAY", "BLUE", "GREEN", "YELLOW", "ORANGE", "RED", "PINK", "PURPLE",
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SelectOption {
    /// Eight hex digits, like GitHub's option ids (compared case-sensitively, as GitHub does).
    pub id: String,
    pub name: String,
    pub color: &'static str,
    pub description: String,
}

/// A field's type. Only `SingleSelect` is "generic" (settable through the REST API); the
/// others are the built-in fields every project has.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldKind {
    Title,
    Assignees,
    SingleSelect(Vec<SelectOption>),
    Labels,
    LinkedPullRequests,
    Milestone,
    Repository,
    Reviewers,
}

impl FieldKind {
    pub fn data_type(&self) -> &'static str {
        match self {
            FieldKind::Title => "title",
            FieldKind::Assignees => "assignees",
            FieldKind::SingleSelect(_) => "single_select",
            FieldKind::Labels => "labels",
            FieldKind::LinkedPullRequests => "linked_pull_requests",
            FieldKind::Milestone => "milestone",
            FieldKind::Repository => "repository",
            FieldKind::Reviewers => "reviewers",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub id: u64,
    pub name: String,
    pub kind: FieldKind,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Field {
    pub fn option(&self, id: &str) -> Option<&SelectOption> {
        match &self.kind {
            FieldKind::SingleSelect(options) => options.iter().find(|o| o.id == id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub id: u64,
    /// The database id of the issue the item shows.
    pub issue: u64,
    pub creator: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Single-select values: field id → option id.
    pub values: BTreeMap<u64, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Project {
    pub id: u64,
    /// The owner's login as registered.
    pub owner: String,
    pub kind: ProjectOwner,
    pub number: u64,
    pub title: String,
    pub creator: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// In position order (the order `…/fields` lists them).
    pub fields: Vec<Field>,
    /// In position order; a new item goes last.
    pub items: Vec<Item>,
}

impl Project {
    pub fn item_for_issue(&self, issue: u64) -> Option<&Item> {
        self.items.iter().find(|i| i.issue == issue)
    }

    /// The single-select field named `Status`.
    pub fn status_field(&self) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name == "Status" && matches!(f.kind, FieldKind::SingleSelect(_)))
    }
}

/// Every project, beside the issues' state.
#[derive(Debug, Default)]
pub(crate) struct Projects {
    pub list: Vec<Project>,
    seq: u64,
}

impl Projects {
    fn next(&mut self, base: u64) -> u64 {
        self.seq += 1;
        base + self.seq
    }

    pub fn next_item_id(&mut self) -> u64 {
        self.next(9_000_000)
    }

    pub fn find(&self, owner: &str, number: u64) -> Option<usize> {
        self.list
            .iter()
            .position(|p| p.owner.eq_ignore_ascii_case(owner) && p.number == number)
    }

    /// Creates a project with GitHub's built-in fields and a `Status` field with these
    /// options; returns the `Status` field's id.
    pub fn create(
        &mut self,
        owner: &str,
        kind: ProjectOwner,
        number: u64,
        title: &str,
        status_options: &[&str],
        now: i64,
    ) -> u64 {
        let id = self.next(7_000_000);
        let mut fields = Vec::new();
        let mut status_id = 0;
        let builtins = [
            ("Title", FieldKind::Title),
            ("Assignees", FieldKind::Assignees),
            ("Status", FieldKind::SingleSelect(Vec::new())),
            ("Labels", FieldKind::Labels),
            ("Linked pull requests", FieldKind::LinkedPullRequests),
            ("Milestone", FieldKind::Milestone),
            ("Repository", FieldKind::Repository),
            ("Reviewers", FieldKind::Reviewers),
        ];
        for (name, kind) in builtins {
            let field_id = self.next(7_500_000);
            let kind = match kind {
                FieldKind::SingleSelect(_) => {
                    status_id = field_id;
                    let options = status_options
                        .iter()
                        .enumerate()
                        .map(|(i, name)| SelectOption {
                            id: self.option_id(),
                            name: (*name).to_string(),
                            color: OPTION_COLORS[i % OPTION_COLORS.len()],
                            description: String::new(),
                        })
                        .collect();
                    FieldKind::SingleSelect(options)
                }
                other => other,
            };
            fields.push(Field {
                id: field_id,
                name: name.to_string(),
                kind,
                created_at: now,
                updated_at: now,
            });
        }
        self.list.push(Project {
            id,
            owner: owner.to_string(),
            kind,
            number,
            title: title.to_string(),
            creator: owner.to_string(),
            created_at: now,
            updated_at: now,
            fields,
            items: Vec::new(),
        });
        status_id
    }

    /// Eight hex digits, distinct from every option id handed out before.
    fn option_id(&mut self) -> String {
        self.seq += 1;
        // An odd multiplier is a bijection on u32: distinct sequence numbers, distinct ids.
        let low = (self.seq & 0xffff_ffff) as u32;
        format!("{:08x}", (low ^ 0x9e37_79b9).wrapping_mul(0x85eb_ca6b))
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn raw_html(text: &str) -> Value {
    json!({"raw": text, "html": escape_html(text)})
}

/// `…/orgs/{org}/projectsV2/{n}` or `…/users/{login}/projectsV2/{n}`.
pub(crate) fn project_url(urls: &Urls, p: &Project) -> String {
    let kind = match p.kind {
        ProjectOwner::Organization => "orgs",
        ProjectOwner::User => "users",
    };
    format!("{}/{kind}/{}/projectsV2/{}", urls.api, p.owner, p.number)
}

pub(crate) fn project_json(state: &State, urls: &Urls, p: &Project) -> Value {
    json!({
        "id": p.id,
        "node_id": format!("PVT_kwDO{:08X}", p.id),
        "owner": user_json(state, urls, &p.owner),
        "creator": user_json(state, urls, &p.creator),
        "title": p.title,
        "description": null,
        "public": false,
        "closed_at": null,
        "created_at": format_ts(p.created_at),
        "updated_at": format_ts(p.updated_at),
        "number": p.number,
        "short_description": null,
        "deleted_at": null,
        "deleted_by": null,
        "state": "open",
        "latest_status_update": null,
        "is_template": false,
    })
}

fn option_json(o: &SelectOption) -> Value {
    json!({
        "id": o.id,
        "name": raw_html(&o.name),
        "color": o.color,
        "description": raw_html(&o.description),
    })
}

pub(crate) fn field_json(urls: &Urls, p: &Project, f: &Field) -> Value {
    let prefix = match f.kind {
        FieldKind::SingleSelect(_) => "PVTSSF",
        _ => "PVTF",
    };
    let mut json = json!({
        "id": f.id,
        "node_id": format!("{prefix}_lADO{:08X}", f.id),
        "name": f.name,
        "data_type": f.kind.data_type(),
        // As in GitHub's examples for fields: the project by its database id.
        "project_url": format!("{}/projects/{}", urls.api, p.id),
        "created_at": format_ts(f.created_at),
        "updated_at": format_ts(f.updated_at),
    });
    if let (FieldKind::SingleSelect(options), Value::Object(map)) = (&f.kind, &mut json) {
        map.insert(
            "options".to_string(),
            Value::Array(options.iter().map(option_json).collect()),
        );
    }
    json
}

/// The repository as a project's `Repository` field shows it: the minimal repository.
fn minimal_repo(state: &State, urls: &Urls, ri: usize) -> Value {
    const KEEP: [&str; 10] = [
        "id",
        "node_id",
        "name",
        "full_name",
        "private",
        "owner",
        "html_url",
        "description",
        "fork",
        "url",
    ];
    let mut full = repo_json(state, urls, &state.repos[ri], false, false);
    if let Value::Object(map) = &mut full {
        map.retain(|k, v| {
            KEEP.contains(&k.as_str())
                || (k.ends_with("_url") && v.is_string() && k != "mirror_url")
        });
    }
    full
}

/// One field's value on an item.
fn value_json(state: &State, urls: &Urls, item: &Item, f: &Field) -> Value {
    let Some((ri, issue)) = state.issue_by_id(item.issue) else {
        return Value::Null;
    };
    let repo = &state.repos[ri];
    match &f.kind {
        FieldKind::Title => json!({
            "raw": issue.title,
            "html": escape_html(&issue.title),
            "number": issue.number,
            "url": format!("{}/{}/{}/issues/{}", urls.web, repo.owner, repo.name, issue.number),
            "issue_id": issue.id,
            "state": if issue.open { "open" } else { "closed" },
            "state_reason": issue.state_reason,
        }),
        FieldKind::Assignees => Value::Array(
            issue
                .assignees
                .iter()
                .map(|a| user_json(state, urls, a))
                .collect(),
        ),
        FieldKind::Labels => Value::Array(
            issue
                .labels
                .iter()
                .filter_map(|id| repo.label_by_id(*id))
                .map(|l| label_json(urls, repo, l))
                .collect(),
        ),
        FieldKind::Milestone => issue
            .milestone
            .and_then(|n| repo.milestones.get(&n))
            .map_or(Value::Null, |m| milestone_json(state, urls, repo, m)),
        FieldKind::Repository => minimal_repo(state, urls, ri),
        FieldKind::LinkedPullRequests | FieldKind::Reviewers => json!([]),
        FieldKind::SingleSelect(_) => item
            .values
            .get(&f.id)
            .and_then(|o| f.option(o))
            .map_or(Value::Null, option_json),
    }
}

/// An item as `GET …/items/{id}` shows it (`fields`: the values of these fields), or, when
/// `fields` is `None`, as `POST …/items` answers ("Projects v2 Item", simple: no `fields`).
pub(crate) fn item_json(
    state: &State,
    urls: &Urls,
    p: &Project,
    item: &Item,
    fields: Option<&[&Field]>,
) -> Value {
    let content = state
        .issue_by_id(item.issue)
        .map_or(Value::Null, |(ri, i)| {
            issue_json(state, urls, &state.repos[ri], i)
        });
    let project = project_url(urls, p);
    let mut json = json!({
        "id": item.id,
        "node_id": format!("PVTI_lADO{:08X}", item.id),
        "project_url": project,
        "content_type": "Issue",
        "content": content,
        "creator": user_json(state, urls, &item.creator),
        "created_at": format_ts(item.created_at),
        "updated_at": format_ts(item.updated_at),
        "archived_at": null,
        "item_url": format!("{project}/items/{}", item.id),
    });
    if let (Some(fields), Value::Object(map)) = (fields, &mut json) {
        let values = fields
            .iter()
            .map(|f| {
                json!({
                    "id": f.id,
                    "name": f.name,
                    "data_type": f.kind.data_type(),
                    "value": value_json(state, urls, item, f),
                })
            })
            .collect();
        map.insert("fields".to_string(), Value::Array(values));
    }
    json
}
