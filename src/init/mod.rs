//! Setting up a plan: a project folder with its `project_config.toml`, filled from the
//! repository's `origin` remote (GitHub owner, name and host), sync left off.
//!
//! The parts are pure where they can be ([`parse_remote_url`], [`render_config`],
//! [`slugify`]); [`init`] creates what is missing, never overwrites a config, and writes
//! every file atomically (a temporary file renamed into place, refusing to replace one
//! that appeared meanwhile).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml_writer::{ToTomlValue, TomlStringBuilder};

use crate::PLAN_ROOT;

mod remote;

pub use remote::{GithubRemote, GitlabRemote, Remote, parse_gitlab_url, parse_remote_url};

/// The artifact folders every new project gets.
pub const FOLDERS: [&str; 3] = ["epics", "features", "tasks"];

/// The empty file that keeps a new, empty folder in git.
pub const KEEP_FILE: &str = ".gitkeep";

/// The config file of a project.
pub const CONFIG_FILE: &str = "project_config.toml";

/// The slug used when the repository's directory name has nothing to make one from.
pub const FALLBACK_SLUG: &str = "project";

/// A project slug made from any name: lowercase ASCII letters and digits, runs of
/// anything else as one `-`, none at either end (`My Web.App` → `my-web-app`); `_` is
/// kept. Empty when the name has no ASCII letter or digit.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// Whether `slug` can name a project folder (lowercase ASCII letters, digits, `-`, `_`,
/// starting with a letter or digit); the reason when not.
pub fn check_slug(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("the project slug is empty".to_string());
    }
    let first_ok = slug
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let all_ok = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
    if first_ok && all_ok {
        Ok(())
    } else {
        Err(format!(
            "\"{slug}\" is not a project slug (lowercase letters, digits, hyphens and underscores, starting with a letter or digit)"
        ))
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    TomlStringBuilder::new(s).as_basic().to_toml_value()
}

/// `code`, then its `# comment` in the specification's column (at least two spaces after).
fn commented(code: &str, comment: &str) -> String {
    const COLUMN: usize = 36;
    let width = code.chars().count();
    let pad = if width + 2 <= COLUMN {
        COLUMN - width
    } else {
        2
    };
    format!("{code}{}# {comment}\n", " ".repeat(pad))
}

/// `[github_integration.mapping]` as the specification's template has it.
const MAPPING: &str = r#"[github_integration.mapping]
issue_types = ["✨ Story", "🛠️ Task", "🐞 Bug", "💡 Spike"]
label_prefix = "PM:"
sync_status_as_label = true         # PM:Status:InProgress
sync_type_as_label = true           # PM:Type:Bug
sync_priority_as_label = true       # PM:Priority:High
sync_tags_as_labels = true          # tags as plain labels, no prefix
# [github_integration.mapping.status_labels]   explicit overrides, e.g.
#   "🟡 To Do" = "PM:Status:ToDo"
# [github_integration.mapping.type_labels] / [...priority_labels] likewise
milestone_type = "🗺️ Epic"          # or "🌟 Feature"
sync_milestone_due_date = true
enable_commit_linking = true
commit_link_keywords = ["Fixes", "Closes", "Resolves", "Refs", "Relates to"]
commit_status_update_keywords = ["Fixes", "Closes", "Resolves"]
conflict_resolution = "last_update_wins"  # prefer_local | prefer_github | manual_flag
create_missing_labels = true
create_missing_milestones = true
"#;

/// The text of a new `project_config.toml`: the specification's template, in its key
/// order and with its comments, with the repository from `remote` and sync off. Without a
/// GitHub repository, `repo_owner`/`repo_name` are left commented out with a note saying
/// what to fill in.
pub fn render_config(slug: &str, name: &str, remote: &Remote) -> String {
    let mut t = String::new();
    t.push_str("# IntelliManage project configuration (written by `git intellimanage init`).\n");
    t.push_str("# Every key is described in docs/SYNC.md, section \"Configuration\".\n");
    t.push_str(&format!("project_name = {}\n", toml_string(name)));
    t.push_str(&format!("project_slug = {}\n", toml_string(slug)));
    t.push_str(&commented(
        "# methodology = \"Scrum\"",
        "Scrum | Kanban | Custom | None",
    ));
    t.push_str("# default_assignee = \"octocat\"\n");
    t.push_str("# default_priority = \"▶️ Medium\"\n");
    t.push('\n');
    t.push_str("[github_integration]\n");
    t.push_str(&commented(
        "enable_sync = false",
        "must be true to sync this project",
    ));
    match remote {
        Remote::Github { repo, .. } => {
            t.push_str(&commented(
                &format!("repo_owner = {}", toml_string(&repo.owner)),
                "required when enabled",
            ));
            t.push_str(&commented(
                &format!("repo_name = {}", toml_string(&repo.name)),
                "required when enabled",
            ));
            if let Some(api) = &repo.api_url {
                t.push_str(&commented(
                    &format!("api_url = {}", toml_string(api)),
                    "GitHub Enterprise; GITHUB_API_URL overrides",
                ));
            }
        }
        Remote::Gitlab { project, .. } => {
            t.push_str(&commented(
                "platform = \"gitlab\"",
                "the project's tracker (docs/SYNC.md, section \"GitLab\")",
            ));
            t.push_str(&commented(
                &format!("gitlab_project = {}", toml_string(&project.path)),
                "required when enabled",
            ));
            if let Some(api) = &project.api_url {
                t.push_str(&commented(
                    &format!("api_url = {}", toml_string(api)),
                    "self-managed GitLab; GITLAB_API_URL or CI_API_V4_URL override",
                ));
            }
        }
        Remote::Missing | Remote::Unrecognised { .. } => {
            match remote.url() {
                None => t.push_str("# No `origin` remote was found.\n"),
                Some(url) => t.push_str(&format!(
                    "# The `origin` remote ({}) is not a GitHub repository.\n",
                    url.replace(['\n', '\r'], " ")
                )),
            }
            t.push_str("# Before turning sync on, fill in the GitHub repository to sync with\n");
            t.push_str(
                "# (uncomment both lines), or set github_repo = \"owner/name\" at the top:\n",
            );
            t.push_str(&commented(
                "# repo_owner = \"...\"",
                "required when enabled",
            ));
            t.push_str(&commented("# repo_name = \"...\"", "required when enabled"));
            t.push_str(&commented(
                "# api_url = \"https://ghe.example.com/api/v3\"",
                "GitHub Enterprise only",
            ));
        }
    }
    t.push_str("auth_method = \"pat_env_var\"\n");
    let token_var = if matches!(remote, Remote::Gitlab { .. }) {
        "GITLAB_TOKEN"
    } else {
        "GITHUB_PAT"
    };
    t.push_str(&commented(
        &format!("pat_env_var_name = \"{token_var}\""),
        "name of the env var holding the token",
    ));
    t.push('\n');
    t.push_str(MAPPING);
    t
}

/// What went wrong while setting a project up.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0}")]
    BadSlug(String),
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not run `git remote get-url origin`: {0}")]
    Git(io::Error),
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> InitError {
    let path = path.to_path_buf();
    move |source| InitError::Io {
        action,
        path,
        source,
    }
}

/// The URL of the `origin` remote of the repository at `workdir`, as
/// `git remote get-url origin` gives it (insteadOf rewrites applied); `None` when there
/// is no such remote.
pub fn origin_url(workdir: &Path) -> Result<Option<String>, InitError> {
    let out = std::process::Command::new("git")
        .args(["remote", "get-url", "origin"])
        .current_dir(workdir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(InitError::Git)?;
    if !out.status.success() {
        return Ok(None);
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok((!url.is_empty()).then_some(url))
}

/// What to set up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The project's slug (`--project`); default: the repository directory's name,
    /// slugified.
    pub project: Option<String>,
    /// The project's name (`--name`); default: the slug.
    pub name: Option<String>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// The project's config (and the folders it lacked) were written.
    Created,
    /// The project already has a config: nothing was touched.
    ProjectExists,
    /// No project was named and the plan already has projects (none named after the
    /// directory): nothing was touched.
    PlanExists,
}

/// What [`init`] did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub state: State,
    /// The project set up or found (`None` for [`State::PlanExists`]).
    pub project: Option<String>,
    /// The `project_name` written (`None` when nothing was written).
    pub name: Option<String>,
    /// Repository-relative paths of the files created, in order.
    pub created: Vec<String>,
    /// The plan's projects (folders with a `project_config.toml`) after the run, sorted.
    pub projects: Vec<String>,
    pub remote: Remote,
}

impl Outcome {
    /// `.ruru/projects/<slug>` of the project, when there is one.
    pub fn project_dir(&self) -> Option<String> {
        self.project.as_ref().map(|p| format!("{PLAN_ROOT}/{p}"))
    }

    /// The repository-relative path of the project's config, when there is a project.
    pub fn config_path(&self) -> Option<String> {
        self.project_dir().map(|d| format!("{d}/{CONFIG_FILE}"))
    }
}

/// The projects of the plan under `workdir`: folders of `.ruru/projects` holding a
/// `project_config.toml`, sorted.
pub fn existing_projects(workdir: &Path) -> Result<Vec<String>, InitError> {
    let root = workdir.join(PLAN_ROOT);
    let entries = match fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error("list", &root)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error("list", &root))?;
        if entry.path().join(CONFIG_FILE).is_file() {
            out.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    out.sort();
    Ok(out)
}

/// The slug used when none is given: the directory's name, slugified.
pub fn default_slug(workdir: &Path) -> String {
    let name = workdir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug = slugify(&name);
    if slug.is_empty() {
        FALLBACK_SLUG.to_string()
    } else {
        slug
    }
}

/// Sets up a project in the working tree at `workdir` (its root): creates
/// `.ruru/projects/<slug>/project_config.toml` ([`render_config`], from `origin_url`) and
/// the [`FOLDERS`] it lacks, each new folder with a [`KEEP_FILE`]. A project that has a
/// config is left as it is; so is a plan that has projects when none is named.
pub fn init(
    workdir: &Path,
    options: &Options,
    origin_url: Option<&str>,
) -> Result<Outcome, InitError> {
    let remote = Remote::from_url(origin_url);
    let existing = existing_projects(workdir)?;
    let slug = match &options.project {
        Some(p) => {
            let p = p.trim();
            check_slug(p).map_err(InitError::BadSlug)?;
            p.to_string()
        }
        None => {
            let slug = default_slug(workdir);
            if !existing.is_empty() && !existing.contains(&slug) {
                return Ok(Outcome {
                    state: State::PlanExists,
                    project: None,
                    name: None,
                    created: Vec::new(),
                    projects: existing,
                    remote,
                });
            }
            slug
        }
    };
    if existing.contains(&slug) {
        return Ok(Outcome {
            state: State::ProjectExists,
            project: Some(slug),
            name: None,
            created: Vec::new(),
            projects: existing,
            remote,
        });
    }
    let name = options
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&slug)
        .to_string();
    let rel_dir = format!("{PLAN_ROOT}/{slug}");
    let dir = workdir.join(&rel_dir);
    fs::create_dir_all(&dir).map_err(io_error("create the folder", &dir))?;
    let mut created = Vec::new();
    let config = dir.join(CONFIG_FILE);
    let text = render_config(&slug, &name, &remote);
    if write_new(&config, text.as_bytes())? {
        created.push(format!("{rel_dir}/{CONFIG_FILE}"));
    }
    for folder in FOLDERS {
        let path = dir.join(folder);
        if path.exists() {
            continue;
        }
        fs::create_dir(&path).map_err(io_error("create the folder", &path))?;
        if write_new(&path.join(KEEP_FILE), b"")? {
            created.push(format!("{rel_dir}/{folder}/{KEEP_FILE}"));
        }
    }
    let projects = existing_projects(workdir)?;
    Ok(Outcome {
        state: State::Created,
        project: Some(slug),
        name: Some(name),
        created,
        projects,
        remote,
    })
}

/// Writes a new file atomically, never over one that exists ([`crate::writeback::write_new`]).
/// Returns whether the file was written.
fn write_new(path: &Path, bytes: &[u8]) -> Result<bool, InitError> {
    crate::writeback::write_new(path, bytes).map_err(io_error("create", path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_project_config;

    #[test]
    fn slugs() {
        assert_eq!(slugify("web"), "web");
        assert_eq!(slugify("My Web.App"), "my-web-app");
        assert_eq!(slugify("--a__b  c--"), "a__b-c");
        assert_eq!(slugify("日本"), "");
        assert!(check_slug("web-app_2").is_ok());
        for bad in ["", "Web", "-web", "_web", "a b", "a/b", ".."] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
        assert_eq!(default_slug(Path::new("/tmp/My Repo")), "my-repo");
        assert_eq!(default_slug(Path::new("/tmp/日本")), FALLBACK_SLUG);
    }

    fn parse_clean(text: &str) -> crate::config::ProjectConfig {
        let (cfg, problems) = parse_project_config(".ruru/projects/web/project_config.toml", text);
        assert!(problems.is_empty(), "{problems:#?}\n{text}");
        cfg.expect("valid TOML")
    }

    #[test]
    fn the_config_parses_cleanly_with_the_repository_filled_in() {
        let remote = Remote::from_url(Some("git@github.com:acme/web.git"));
        let text = render_config("web", "Web \"shop\"", &remote);
        let cfg = parse_clean(&text);
        assert_eq!(cfg.project_slug, "web");
        assert_eq!(cfg.project_name, "Web \"shop\"");
        assert!(!cfg.github.enable_sync);
        assert_eq!(
            cfg.github.repo(),
            Some(("acme".to_string(), "web".to_string()))
        );
        assert_eq!(cfg.github.api_url, None);
        assert_eq!(cfg.github.pat_env_var_name, "GITHUB_PAT");
        assert!(text.contains("enable_sync = false                 # must be true"));
        assert!(text.contains("repo_owner = \"acme\"                 # required when enabled"));
        // The specification's key order.
        let order = [
            "project_name",
            "project_slug",
            "[github_integration]",
            "enable_sync",
            "repo_owner",
            "repo_name",
            "auth_method",
            "pat_env_var_name",
            "[github_integration.mapping]",
            "issue_types",
            "label_prefix",
            "milestone_type",
            "conflict_resolution",
            "create_missing_milestones",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|k| {
                text.find(&format!("\n{k}"))
                    .unwrap_or_else(|| panic!("{k}"))
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        // Turning sync on is the one edit needed.
        let on = parse_clean(&text.replace("enable_sync = false", "enable_sync = true"));
        assert!(on.github.enable_sync);
    }

    #[test]
    fn an_enterprise_config_names_its_api() {
        let remote = Remote::from_url(Some("https://ghe.example.com/acme/web.git"));
        let cfg = parse_clean(&render_config("web", "web", &remote));
        assert_eq!(
            cfg.github.api_url.as_deref(),
            Some("https://ghe.example.com/api/v3")
        );
    }

    #[test]
    fn without_a_github_remote_the_repository_is_left_to_fill_in() {
        for (url, says) in [
            (None, "No `origin` remote was found"),
            (
                Some("/srv/git/web.git"),
                "(/srv/git/web.git) is not a GitHub",
            ),
        ] {
            let text = render_config("web", "web", &Remote::from_url(url));
            let cfg = parse_clean(&text);
            assert_eq!(cfg.github.repo(), None);
            assert!(text.contains(says), "{text}");
            assert!(text.contains("# repo_owner = \"...\""), "{text}");
            assert!(!text.contains("\nrepo_owner"), "{text}");
            // Filling both lines in is all it takes.
            let filled = text
                .replace("# repo_owner = \"...\"", "repo_owner = \"acme\"")
                .replace("# repo_name = \"...\"", "repo_name = \"web\"")
                .replace("enable_sync = false", "enable_sync = true");
            assert!(parse_clean(&filled).github.enable_sync);
        }
    }

    #[test]
    fn init_creates_the_project_once_and_never_overwrites() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("web");
        fs::create_dir(&root).expect("root");
        let first = init(
            &root,
            &Options::default(),
            Some("https://github.com/acme/web.git"),
        )
        .expect("init");
        assert_eq!(first.state, State::Created);
        assert_eq!(first.project.as_deref(), Some("web"));
        assert_eq!(
            first.created,
            [
                ".ruru/projects/web/project_config.toml",
                ".ruru/projects/web/epics/.gitkeep",
                ".ruru/projects/web/features/.gitkeep",
                ".ruru/projects/web/tasks/.gitkeep",
            ]
        );
        let config = root.join(".ruru/projects/web/project_config.toml");
        fs::write(&config, "# mine\n").expect("edit");
        let again = init(&root, &Options::default(), None).expect("init again");
        assert_eq!(again.state, State::ProjectExists);
        assert!(again.created.is_empty());
        assert_eq!(fs::read_to_string(&config).expect("read"), "# mine\n");
        // Another name, no --project: the plan exists, nothing is added.
        let other = tmp.path().join("web");
        let renamed = tmp.path().join("web-clone");
        fs::rename(&other, &renamed).expect("rename");
        let third = init(&renamed, &Options::default(), None).expect("init");
        assert_eq!(third.state, State::PlanExists);
        assert_eq!(third.projects, ["web"]);
        // A named project is added next to it.
        let named = Options {
            project: Some("api".to_string()),
            name: Some("The API".to_string()),
        };
        let fourth = init(&renamed, &named, None).expect("init api");
        assert_eq!(fourth.state, State::Created);
        assert_eq!(fourth.projects, ["api", "web"]);
        assert!(
            init(
                &renamed,
                &Options {
                    project: Some("Bad Slug".to_string()),
                    name: None
                },
                None
            )
            .is_err()
        );
    }

    #[test]
    fn a_project_folder_without_config_gets_only_what_it_lacks() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let tasks = tmp.path().join(".ruru/projects/web/tasks");
        fs::create_dir_all(&tasks).expect("tasks");
        fs::write(tasks.join("TASK-1_x.md"), "x").expect("task");
        let options = Options {
            project: Some("web".to_string()),
            name: None,
        };
        let out = init(tmp.path(), &options, None).expect("init");
        assert_eq!(
            out.created,
            [
                ".ruru/projects/web/project_config.toml",
                ".ruru/projects/web/epics/.gitkeep",
                ".ruru/projects/web/features/.gitkeep",
            ]
        );
        assert!(!tasks.join(KEEP_FILE).exists());
    }
}
