//! The GitHub Projects (v2) REST endpoints the board sync needs, as methods of the client:
//! a project's fields, its items with one field's values, adding an issue, setting a
//! single-select value.

use serde::{Deserialize, Serialize};

use super::client::{Client, PER_PAGE};
use super::engine::Method;
use super::error::Error;
use super::urls::{encode_component as enc, with_query};

/// Who owns a project: the part of its API path before `projectsV2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectOwner {
    /// `/orgs/{org}/projectsV2/{n}`.
    Organization,
    /// `/users/{username}/projectsV2/{n}`.
    User,
}

/// One project: its owner and number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRef {
    pub kind: ProjectOwner,
    pub owner: String,
    pub number: u64,
}

impl ProjectRef {
    /// `/orgs/acme/projectsV2/3`.
    pub fn path(&self) -> String {
        let base = match self.kind {
            ProjectOwner::Organization => "orgs",
            ProjectOwner::User => "users",
        };
        format!("/{base}/{}/projectsV2/{}", enc(&self.owner), self.number)
    }
}

/// Text as GitHub gives it twice (`{"raw": …, "html": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct RawText {
    #[serde(default)]
    pub raw: String,
}

/// An option of a single-select field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FieldOption {
    pub id: String,
    pub name: RawText,
}

/// A field of a project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProjectField {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub data_type: String,
    #[serde(default)]
    pub options: Vec<FieldOption>,
}

/// What an item stands for, as far as the board sync reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ItemContent {
    /// The issue's database id.
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub number: Option<u64>,
    /// `https://api.github.com/repos/{o}/{r}`.
    #[serde(default)]
    pub repository_url: Option<String>,
}

/// One field's value on an item.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ItemValue {
    pub id: u64,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// An item of a project (an issue, a pull request or a draft).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProjectItem {
    pub id: u64,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub content: Option<ItemContent>,
    #[serde(default)]
    pub fields: Vec<ItemValue>,
}

impl ProjectItem {
    /// The id of the single-select option set in field `field_id`, if any.
    pub fn option_of(&self, field_id: u64) -> Option<String> {
        let v = &self.fields.iter().find(|f| f.id == field_id)?.value;
        match v {
            serde_json::Value::Object(o) => o.get("id")?.as_str().map(str::to_string),
            serde_json::Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// The number of the issue it stands for, when that issue is in repository
    /// `owner/name`.
    pub fn issue_of(&self, owner: &str, name: &str) -> Option<u64> {
        if self.content_type.as_deref() != Some("Issue") {
            return None;
        }
        let c = self.content.as_ref()?;
        let url = c.repository_url.as_deref()?;
        let tail = format!("/repos/{owner}/{name}");
        url.to_ascii_lowercase()
            .ends_with(&tail.to_ascii_lowercase())
            .then_some(c.number)
            .flatten()
    }
}

impl Client {
    /// `GET …/projectsV2/{n}/fields`, every page (through the ETag cache).
    pub fn list_project_fields(&self, project: &ProjectRef) -> Result<Vec<ProjectField>, Error> {
        let path = with_query(
            &format!("{}/fields", project.path()),
            &[("per_page", PER_PAGE.to_string())],
        );
        self.get_all(&path, true)
    }

    /// `GET …/projectsV2/{n}/items?fields={field_id}`, every page (through the ETag
    /// cache): each item with that field's value.
    pub fn list_project_items(
        &self,
        project: &ProjectRef,
        field_id: u64,
    ) -> Result<Vec<ProjectItem>, Error> {
        let path = with_query(
            &format!("{}/items", project.path()),
            &[
                ("fields", field_id.to_string()),
                ("per_page", PER_PAGE.to_string()),
            ],
        );
        self.get_all(&path, true)
    }

    /// `POST …/projectsV2/{n}/items` with `{"type": "Issue", "id": issue_id}`: the issue's
    /// new item. An issue already on the project is refused with `422` ("Content already
    /// exists in this project"): the caller finds its item in the list.
    pub fn add_project_item(
        &self,
        project: &ProjectRef,
        issue_id: u64,
    ) -> Result<ProjectItem, Error> {
        #[derive(Serialize)]
        struct Body {
            r#type: &'static str,
            id: u64,
        }
        self.send_json(
            Method::Post,
            &format!("{}/items", project.path()),
            Some(&Body {
                r#type: "Issue",
                id: issue_id,
            }),
        )
    }

    /// `PATCH …/projectsV2/{n}/items/{item_id}`: field `field_id` set to option
    /// `option_id`.
    pub fn set_project_option(
        &self,
        project: &ProjectRef,
        item_id: u64,
        field_id: u64,
        option_id: &str,
    ) -> Result<ProjectItem, Error> {
        #[derive(Serialize)]
        struct Value<'a> {
            id: u64,
            value: &'a str,
        }
        #[derive(Serialize)]
        struct Body<'a> {
            fields: [Value<'a>; 1],
        }
        self.send_json(
            Method::Patch,
            &format!("{}/items/{item_id}", project.path()),
            Some(&Body {
                fields: [Value {
                    id: field_id,
                    value: option_id,
                }],
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_name_their_issue_and_option() {
        let item: ProjectItem = serde_json::from_str(
            r#"{"id": 13, "content_type": "Issue",
                "content": {"id": 901, "number": 6, "repository_url": "https://api.github.com/repos/Acme/Shop"},
                "fields": [{"id": 3, "name": "Status", "data_type": "single_select",
                            "value": {"id": "98236657", "name": {"raw": "Done", "html": "Done"}}},
                           {"id": 1, "name": "Title", "value": {"raw": "T"}}]}"#,
        )
        .expect("an item");
        assert_eq!(item.issue_of("acme", "shop"), Some(6));
        assert_eq!(item.issue_of("acme", "other"), None);
        assert_eq!(item.option_of(3).as_deref(), Some("98236657"));
        assert_eq!(item.option_of(1), None);
        let draft: ProjectItem =
            serde_json::from_str(r#"{"id": 14, "content_type": "DraftIssue", "content": null}"#)
                .expect("a draft");
        assert_eq!(draft.issue_of("acme", "shop"), None);
        let p = ProjectRef {
            kind: ProjectOwner::User,
            owner: "ada".into(),
            number: 2,
        };
        assert_eq!(p.path(), "/users/ada/projectsV2/2");
    }
}
