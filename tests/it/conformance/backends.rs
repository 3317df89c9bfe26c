//! The two emulated trackers behind one face, so each scenario is written once: how a
//! project is configured for it, the environment the binary gets, and the tracker's
//! state read back in common terms.

use std::collections::BTreeSet;

use serde_json::{Value, json};

pub const GH_TOKEN: &str = "ghp_C0nformanceT0ken9Zq";
pub const GL_TOKEN: &str = "glpat-C0nformanceT0ken9Zq";
pub const USER: &str = "ada";
pub const GL_PROJECT: &str = "acme/tools/demo";

/// An issue as either tracker has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub closed: bool,
    pub labels: BTreeSet<String>,
    pub milestone: Option<String>,
    pub assignees: BTreeSet<String>,
}

/// A milestone as either tracker has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stone {
    pub number: u64,
    pub title: String,
    pub description: String,
    pub closed: bool,
    pub due: Option<String>,
}

pub enum Backend {
    Github(github_emulator::Emulator),
    Gitlab(gitlab_emulator::Emulator),
}

impl Backend {
    pub fn github() -> Backend {
        let emu = github_emulator::Emulator::start();
        emu.add_token(GH_TOKEN, USER, &["repo"]);
        emu.add_repo("acme", "demo");
        Backend::Github(emu)
    }

    pub fn gitlab() -> Backend {
        Backend::gitlab_with(gitlab_emulator::Options::default())
    }

    /// GitLab Free: no blocking links.
    pub fn gitlab_free() -> Backend {
        Backend::gitlab_with(gitlab_emulator::Options {
            blocking_links: false,
            ..gitlab_emulator::Options::default()
        })
    }

    fn gitlab_with(options: gitlab_emulator::Options) -> Backend {
        let emu = gitlab_emulator::Emulator::start_with(options);
        emu.add_user(USER);
        emu.add_token(GL_TOKEN, USER, &["api"]);
        emu.add_project(GL_PROJECT);
        emu.add_member(GL_PROJECT, USER);
        Backend::Gitlab(emu)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Github(_) => "github",
            Backend::Gitlab(_) => "gitlab",
        }
    }

    /// The `[github_integration]` keys that point a project here.
    pub fn config_keys(&self) -> String {
        match self {
            Backend::Github(_) => "repo_owner = \"acme\"\nrepo_name = \"demo\"\n".to_string(),
            Backend::Gitlab(_) => {
                format!("platform = \"gitlab\"\ngitlab_project = \"{GL_PROJECT}\"\n")
            }
        }
    }

    /// The environment the binary needs to reach this tracker.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![("INTELLIMANAGE_NO_KEYRING".to_string(), "1".to_string())];
        match self {
            Backend::Github(e) => {
                env.push(("GITHUB_API_URL".into(), e.url()));
                env.push(("GITHUB_PAT".into(), GH_TOKEN.into()));
            }
            Backend::Gitlab(e) => {
                env.push(("GITLAB_API_URL".into(), e.api_url()));
                env.push(("GITLAB_TOKEN".into(), GL_TOKEN.into()));
            }
        }
        env
    }

    pub fn issues(&self) -> Vec<Item> {
        let raw = match self {
            Backend::Github(e) => e.issues("acme", "demo"),
            Backend::Gitlab(e) => e.issues(GL_PROJECT),
        };
        let mut items: Vec<Item> = raw.iter().map(|i| self.item(i)).collect();
        items.sort_by_key(|i| i.number);
        items
    }

    fn item(&self, i: &Value) -> Item {
        let names = |v: &Value, key: &str| -> BTreeSet<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| {
                            x.get(key)
                                .and_then(Value::as_str)
                                .or_else(|| x.as_str())
                                .unwrap_or_default()
                                .to_string()
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let (number, body, closed, user_key) = match self {
            Backend::Github(_) => (
                i["number"].as_u64(),
                i["body"].as_str(),
                i["state"] == "closed",
                "login",
            ),
            Backend::Gitlab(_) => (
                i["iid"].as_u64(),
                i["description"].as_str(),
                i["state"] == "closed",
                "username",
            ),
        };
        Item {
            number: number.expect("issue number"),
            title: i["title"].as_str().unwrap_or_default().to_string(),
            body: body.unwrap_or_default().to_string(),
            closed,
            labels: names(&i["labels"], "name"),
            milestone: i["milestone"]["title"].as_str().map(str::to_string),
            assignees: names(&i["assignees"], user_key),
        }
    }

    pub fn issue_titled(&self, title: &str) -> Item {
        self.issues()
            .into_iter()
            .find(|i| i.title == title)
            .unwrap_or_else(|| panic!("no issue titled {title:?} on {}", self.name()))
    }

    pub fn milestones(&self) -> Vec<Stone> {
        let raw = match self {
            Backend::Github(e) => e.milestones("acme", "demo"),
            Backend::Gitlab(e) => e.milestones(GL_PROJECT),
        };
        raw.iter()
            .map(|m| match self {
                Backend::Github(_) => Stone {
                    number: m["number"].as_u64().expect("number"),
                    title: m["title"].as_str().unwrap_or_default().to_string(),
                    description: m["description"].as_str().unwrap_or_default().to_string(),
                    closed: m["state"] == "closed",
                    due: m["due_on"].as_str().map(|d| d[..10].to_string()),
                },
                Backend::Gitlab(_) => Stone {
                    number: m["id"].as_u64().expect("id"),
                    title: m["title"].as_str().unwrap_or_default().to_string(),
                    description: m["description"].as_str().unwrap_or_default().to_string(),
                    closed: m["state"] == "closed",
                    due: m["due_date"].as_str().map(str::to_string),
                },
            })
            .collect()
    }

    pub fn label_names(&self) -> BTreeSet<String> {
        let raw = match self {
            Backend::Github(e) => e.labels("acme", "demo"),
            Backend::Gitlab(e) => e.labels(GL_PROJECT),
        };
        raw.iter()
            .filter_map(|l| l["name"].as_str().map(str::to_string))
            .collect()
    }

    /// A person edits an issue on the tracker's web page.
    pub fn web_edit(&self, number: u64, title: Option<&str>, closed: Option<bool>) {
        match self {
            Backend::Github(e) => {
                let mut patch = json!({});
                if let Some(t) = title {
                    patch["title"] = json!(t);
                }
                if let Some(c) = closed {
                    patch["state"] = json!(if c { "closed" } else { "open" });
                }
                e.edit_issue("acme", "demo", number, patch);
            }
            Backend::Gitlab(e) => {
                let mut patch = json!({});
                if let Some(t) = title {
                    patch["title"] = json!(t);
                }
                if let Some(c) = closed {
                    patch["state_event"] = json!(if c { "close" } else { "reopen" });
                }
                e.edit_issue(GL_PROJECT, number, patch);
            }
        }
    }

    /// The issues of the place that block an issue (GitHub: "blocked by"; GitLab: its
    /// `is_blocked_by` links).
    pub fn blocked_by(&self, number: u64) -> Vec<u64> {
        match self {
            Backend::Github(e) => e.blocked_by("acme", "demo", number),
            Backend::Gitlab(e) => e.blocked_by(GL_PROJECT, number),
        }
    }

    /// The texts of an issue's comments (GitLab: notes).
    pub fn comments(&self, number: u64) -> Vec<String> {
        let raw = match self {
            Backend::Github(e) => e.comments("acme", "demo", number),
            Backend::Gitlab(e) => e.notes(GL_PROJECT, number),
        };
        // GitLab's own notes (a link made) are no comments.
        raw.iter()
            .filter(|c| c["system"] != true)
            .filter_map(|c| c["body"].as_str().map(str::to_string))
            .collect()
    }

    /// A person rewrites a milestone's description on the tracker's web page.
    pub fn web_set_milestone_description(&self, number: u64, text: &str) {
        match self {
            Backend::Github(e) => {
                e.edit_milestone("acme", "demo", number, json!({ "description": text }));
            }
            Backend::Gitlab(e) => {
                e.edit_milestone(GL_PROJECT, number, json!({ "description": text }));
            }
        }
    }

    pub fn write_count(&self) -> usize {
        match self {
            Backend::Github(e) => e.write_count(),
            Backend::Gitlab(e) => e.write_count(),
        }
    }

    pub fn read_count(&self) -> usize {
        match self {
            Backend::Github(e) => e.read_count(),
            Backend::Gitlab(e) => e.read_count(),
        }
    }

    pub fn reset_log(&self) {
        match self {
            Backend::Github(e) => e.reset_log(),
            Backend::Gitlab(e) => e.reset_log(),
        }
    }

    /// The writes seen since the log was reset, as `METHOD path`.
    pub fn writes(&self) -> Vec<String> {
        match self {
            Backend::Github(e) => e
                .requests()
                .iter()
                .filter(|r| r.is_write())
                .map(|r| format!("{} {}", r.method, r.path))
                .collect(),
            Backend::Gitlab(e) => e
                .requests()
                .iter()
                .filter(|r| r.method != "GET")
                .map(|r| format!("{} {}", r.method, r.target))
                .collect(),
        }
    }

    /// The path prefix issues are created at.
    pub fn issues_path(&self) -> String {
        match self {
            Backend::Github(_) => "/repos/acme/demo/issues".to_string(),
            Backend::Gitlab(_) => "/api/v4/projects/acme%2Ftools%2Fdemo/issues".to_string(),
        }
    }

    /// The next write to `path` takes effect, then the connection drops before the answer.
    pub fn lose_answer_once(&self, method: &str, path: &str) {
        match self {
            Backend::Github(e) => {
                e.inject(github_emulator::Fault::write_then_drop().on(method, path))
            }
            Backend::Gitlab(e) => {
                e.inject(gitlab_emulator::Fault::write_then_drop().on(method, path))
            }
        }
    }

    /// The next request to `path` answers `status`.
    pub fn fail_once(&self, status: u16, method: &str, path: &str) {
        match self {
            Backend::Github(e) => e.inject(github_emulator::Fault::status(status).on(method, path)),
            Backend::Gitlab(e) => e.inject(gitlab_emulator::Fault::status(status).on(method, path)),
        }
    }

    /// The next request to `path` answers 429 with `Retry-After: secs`.
    pub fn too_many_requests_once(&self, secs: u64, method: &str, path: &str) {
        match self {
            Backend::Github(e) => {
                e.inject(github_emulator::Fault::too_many_requests(secs).on(method, path))
            }
            Backend::Gitlab(e) => {
                e.inject(gitlab_emulator::Fault::too_many_requests(secs).on(method, path))
            }
        }
    }

    /// Every answer is held back this long.
    pub fn set_latency(&self, latency: std::time::Duration) {
        match self {
            Backend::Github(e) => e.set_latency(latency),
            Backend::Gitlab(e) => e.set_latency(latency),
        }
    }

    pub fn pending_faults(&self) -> usize {
        match self {
            Backend::Github(e) => e.pending_faults(),
            Backend::Gitlab(e) => e.pending_faults(),
        }
    }
}
