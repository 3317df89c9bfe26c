//! Tolerant parsing of `project_config.toml`: the top-level project keys, replacing bad
//! values with defaults and reporting each with its line.

use toml::de::DeTable;

use crate::artifact::Problem;
use crate::artifact::problem::quoted_list;
use crate::artifact::vocab::{self, Priority, standard_status};

use super::github_keys::read_github;
use super::reader::Reader;
use super::repo_spec::{parse_repo_spec, slug_from_path};
use super::settings::{Methodology, ProjectConfig};
use super::workspace::parse_table;

/// Reads a project's `project_config.toml`. Returns `Some` whenever the file is valid
/// TOML (bad values replaced by defaults and reported), `None` only for malformed TOML.
pub fn parse_project_config(path: &str, text: &str) -> (Option<ProjectConfig>, Vec<Problem>) {
    let raw = match parse_table(path, text) {
        Ok(t) => t,
        Err(p) => return (None, vec![p]),
    };
    let mut r = Reader {
        path,
        text,
        spans: DeTable::parse(text).ok(),
        problems: Vec::new(),
    };
    let dir_slug = slug_from_path(path);
    let mut cfg = ProjectConfig::with_defaults(path, &dir_slug);

    if let Some(v) = raw.get("project_slug")
        && let Some(s) = r.string(v, &["project_slug"], "project_slug = \"my-project\"")
    {
        if !dir_slug.is_empty() && s.trim() != dir_slug {
            r.warning(
                &["project_slug"],
                format!(
                    "`project_slug` is \"{s}\" but the project directory is \"{dir_slug}\"; the directory name identifies the project"
                ),
                format!("set project_slug = \"{dir_slug}\" or rename the directory"),
            );
        }
        if dir_slug.is_empty() {
            cfg.project_slug = s.trim().to_string();
        }
    }
    cfg.project_name = cfg.project_slug.clone();
    if let Some(v) = raw.get("project_name")
        && let Some(s) = r.string(v, &["project_name"], "project_name = \"My Project\"")
        && !s.trim().is_empty()
    {
        cfg.project_name = s;
    }
    if let Some(v) = raw.get("methodology")
        && let Some(s) = r.string(v, &["methodology"], "methodology = \"Scrum\"")
    {
        cfg.methodology = Methodology::parse(&s);
        if cfg.methodology.is_none() {
            r.error(
                &["methodology"],
                format!(
                    "unknown methodology \"{s}\"; accepted: {}",
                    quoted_list(Methodology::ALL.map(Methodology::as_str))
                ),
                "use one of the accepted values, or remove the key",
            );
        }
    }
    if let Some(v) = raw.get("custom_statuses")
        && let Some(list) = r.string_list(
            v,
            &["custom_statuses"],
            "custom_statuses = [\"⏳ Waiting\", \"🚀 Deployed\"]",
        )
    {
        for s in &list {
            if vocab::word_of(s).is_empty() {
                r.error(
                    &["custom_statuses"],
                    format!("custom status \"{s}\" has no word"),
                    "write a word after the emoji, e.g. \"⏳ Waiting\"",
                );
            } else if let Some(std) = standard_status(s) {
                r.warning(
                    &["custom_statuses"],
                    format!("custom status \"{s}\" is already the standard status \"{std}\""),
                    "remove it from custom_statuses",
                );
            }
        }
        cfg.custom_statuses = list
            .into_iter()
            .filter(|s| !vocab::word_of(s).is_empty())
            .collect();
    }
    if let Some(v) = raw.get("default_assignee") {
        cfg.default_assignee = r.string(v, &["default_assignee"], "default_assignee = \"octocat\"");
    }
    if let Some(v) = raw.get("default_priority")
        && let Some(s) = r.string(v, &["default_priority"], "default_priority = \"▶️ Medium\"")
    {
        if Priority::parse(&s).is_some() {
            cfg.default_priority = Some(s);
        } else {
            r.error(
                &["default_priority"],
                format!(
                    "unknown default_priority \"{s}\"; accepted: {}",
                    quoted_list(Priority::ALL.map(Priority::canonical))
                ),
                "use one of the accepted priorities",
            );
        }
    }
    let mut repo_from_spec = None;
    if let Some(v) = raw.get("github_repo")
        && let Some(s) = r.string(v, &["github_repo"], "github_repo = \"owner/name\"")
    {
        match parse_repo_spec(&s) {
            Some(pair) => {
                repo_from_spec = Some(pair);
                cfg.github_repo = Some(s);
            }
            None => r.error(
                &["github_repo"],
                format!("`github_repo` \"{s}\" is not of the form \"owner/name\""),
                "write it as github_repo = \"owner/name\"",
            ),
        }
    }

    match raw.get("github_integration") {
        None => {}
        Some(toml::Value::Table(gi)) => {
            cfg.github = read_github(&mut r, gi, &cfg.custom_statuses);
        }
        Some(other) => r.wrong_type(
            &["github_integration"],
            "a table",
            other,
            "a [github_integration] section",
        ),
    }
    if let Some((owner, name)) = repo_from_spec {
        cfg.github.repo_owner.get_or_insert(owner);
        cfg.github.repo_name.get_or_insert(name);
    }
    if cfg.github.enable_sync && cfg.github.repo().is_none() {
        r.error(
            &["github_integration", "enable_sync"],
            "sync is enabled but no repository is configured".to_string(),
            "set repo_owner and repo_name under [github_integration], or github_repo = \"owner/name\"",
        );
    }
    cfg.raw = raw;
    let mut problems = r.problems;
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    (Some(cfg), problems)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::artifact::Severity;
    use crate::artifact::vocab::Kind;
    use crate::config::testing::{PATH, only_problem, parse};
    use crate::config::{ConflictResolution, GithubIntegration, LabelCategory, Mapping};

    #[test]
    fn empty_file_gives_the_specification_defaults() {
        let (cfg, problems) = parse("");
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(cfg.project_slug, "web");
        assert_eq!(cfg.project_name, "web");
        assert_eq!(cfg.path, PATH);
        let g = &cfg.github;
        assert!(!g.enable_sync);
        assert_eq!(g.repo(), None);
        assert_eq!(g.auth_method, "pat_env_var");
        assert_eq!(g.pat_env_var_name, "GITHUB_PAT");
        assert_eq!(g.write_delay_ms, 1000);
        assert!(!g.block_push_on_failure);
        assert_eq!(g.plan_branch, None);
        let m = &g.mapping;
        assert_eq!(m.issue_types, ["✨ Story", "🛠️ Task", "🐞 Bug", "💡 Spike"]);
        assert_eq!(m.label_prefix, "PM:");
        assert!(m.sync_status_as_label && m.sync_type_as_label);
        assert!(m.sync_priority_as_label && m.sync_tags_as_labels);
        assert_eq!(m.milestone_type, "🗺️ Epic");
        assert_eq!(m.milestone_kind(), Kind::Epic);
        assert!(m.sync_milestone_due_date);
        assert!(m.enable_commit_linking);
        assert_eq!(
            m.commit_link_keywords,
            ["Fixes", "Closes", "Resolves", "Refs", "Relates to"]
        );
        assert_eq!(
            m.commit_status_update_keywords,
            ["Fixes", "Closes", "Resolves"]
        );
        assert_eq!(m.conflict_resolution, ConflictResolution::LastUpdateWins);
        assert!(m.create_missing_labels && m.create_missing_milestones);
        assert_eq!(m.reopen_status, "🟡 To Do");
        assert!(!m.delete_milestones);
        assert!(!m.create_artifacts_from_github);
        assert!(!m.close_on_commit_keywords);
        for c in LabelCategory::ALL {
            assert_eq!(m.label_color(c), c.default_color());
        }
        assert_eq!(cfg.github, GithubIntegration::default());
    }

    #[test]
    fn reads_a_full_configuration() {
        let text = r##"
project_name = "Web Shop"
project_slug = "web"
methodology = "kanban"
custom_statuses = ["⏳ Waiting", "🚀 Deployed"]
default_assignee = "octocat"
default_priority = "🔼 High"
github_repo = "acme/shop"
extra_key = 1

[sprints.s1]
start = "2025-01-01"

[github_integration]
enable_sync = true
repo_owner = "acme"
repo_name = "web"
api_url = "http://127.0.0.1:8080/"
pat_env_var_name = "SHOP_TOKEN"
write_delay_ms = 0
plan_branch = "plan"
block_push_on_failure = true

[github_integration.mapping]
issue_types = ["🛠 Task", "Bug", "🧹 Chore"]
label_prefix = "IM/"
sync_tags_as_labels = false
milestone_type = "🌟 Feature"
sync_milestone_due_date = false
commit_link_keywords = ["Fixes", "See"]
conflict_resolution = "manual_flag"
create_missing_labels = false
create_missing_milestones = false
reopen_status = "⏳ Waiting"
delete_milestones = true
create_artifacts_from_github = true
close_on_commit_keywords = true

[github_integration.mapping.status_labels]
"🟡 To Do" = "todo"

[github_integration.mapping.label_colors]
status = "#00FF00"
custom_area = "123456"
"##;
        let (cfg, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(cfg.project_name, "Web Shop");
        assert_eq!(cfg.methodology, Some(Methodology::Kanban));
        assert_eq!(cfg.custom_statuses, ["⏳ Waiting", "🚀 Deployed"]);
        assert_eq!(cfg.default_assignee.as_deref(), Some("octocat"));
        assert_eq!(cfg.default_priority.as_deref(), Some("🔼 High"));
        assert_eq!(cfg.github_repo.as_deref(), Some("acme/shop"));
        assert!(cfg.raw.contains_key("extra_key"));
        assert!(cfg.raw.contains_key("sprints"));
        let g = &cfg.github;
        assert!(g.enable_sync);
        // Explicit repo_owner/repo_name win over github_repo.
        assert_eq!(g.repo(), Some(("acme".to_string(), "web".to_string())));
        assert_eq!(g.api_base_url_with(None), "http://127.0.0.1:8080");
        assert_eq!(g.pat_env_var_name, "SHOP_TOKEN");
        assert_eq!(g.write_delay_with(None), Duration::ZERO);
        assert_eq!(g.plan_branch.as_deref(), Some("plan"));
        assert!(g.block_push_on_failure);
        let m = &g.mapping;
        assert_eq!(m.issue_types, ["🛠 Task", "Bug", "🧹 Chore"]);
        assert_eq!(m.label_prefix, "IM/");
        assert!(!m.sync_tags_as_labels);
        assert!(m.sync_status_as_label);
        assert_eq!(m.milestone_kind(), Kind::Feature);
        assert!(!m.sync_milestone_due_date);
        assert_eq!(m.commit_link_keywords, ["Fixes", "See"]);
        assert_eq!(
            m.commit_status_update_keywords,
            ["Fixes", "Closes", "Resolves"]
        );
        assert_eq!(m.conflict_resolution, ConflictResolution::ManualFlag);
        assert!(!m.create_missing_labels && !m.create_missing_milestones);
        assert_eq!(m.reopen_status, "⏳ Waiting");
        assert!(
            m.delete_milestones && m.create_artifacts_from_github && m.close_on_commit_keywords
        );
        assert_eq!(m.status_label("todo"), "todo");
        assert_eq!(m.status_label("🔵 In Progress"), "IM/Status:InProgress");
        assert_eq!(m.label_color(LabelCategory::Status), "00ff00");
        assert_eq!(
            m.label_color(LabelCategory::Tag),
            LabelCategory::Tag.default_color()
        );
        assert_eq!(
            m.label_colors.get("custom_area").map(String::as_str),
            Some("123456")
        );
    }

    #[test]
    fn github_repo_fills_a_missing_owner_and_name() {
        let (cfg, problems) =
            parse("github_repo = \"acme/shop\"\n[github_integration]\nenable_sync = true\n");
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(
            cfg.github.repo(),
            Some(("acme".to_string(), "shop".to_string()))
        );
        let (cfg, _) =
            parse("github_repo = \"acme/shop\"\n[github_integration]\nrepo_name = \"other\"\n");
        assert_eq!(
            cfg.github.repo(),
            Some(("acme".to_string(), "other".to_string()))
        );
    }

    #[test]
    fn enabling_sync_without_a_repository_is_an_error_at_enable_sync() {
        let text = "project_name = \"x\"\n\n[github_integration]\nenable_sync = true\n";
        let (cfg, problems) = parse(text);
        assert!(cfg.github.enable_sync);
        let p = only_problem(&problems);
        assert_eq!(p.severity, Severity::Error);
        assert_eq!(p.line, Some(4));
        assert_eq!(p.path, PATH);
        assert!(p.message.contains("no repository"), "{p}");
        // Only an owner is not enough either.
        let (_, problems) = parse("[github_integration]\nenable_sync = true\nrepo_owner = \"a\"\n");
        assert_eq!(only_problem(&problems).line, Some(2));
        // Disabled without a repository is fine.
        let (_, problems) = parse("[github_integration]\nenable_sync = false\n");
        assert!(problems.is_empty());
    }

    #[test]
    fn unknown_methodology_names_line_and_accepted_values() {
        let (cfg, problems) = parse("project_name = \"x\"\nmethodology = \"Waterfall\"\n");
        assert_eq!(cfg.methodology, None);
        let p = only_problem(&problems);
        assert!(p.is_error());
        assert_eq!(p.line, Some(2));
        for v in ["Waterfall", "Scrum", "Kanban", "Custom", "None"] {
            assert!(p.message.contains(v), "{p}");
        }
        let (cfg, problems) = parse("methodology = \"None\"\n");
        assert!(problems.is_empty());
        assert_eq!(cfg.methodology, Some(Methodology::None));
    }

    #[test]
    fn wrong_types_are_reported_with_their_line_and_defaults_kept() {
        let text = "\
project_name = 3
custom_statuses = \"Waiting\"

[github_integration]
enable_sync = \"yes\"
write_delay_ms = -5
api_url = \"api.github.com\"

[github_integration.mapping]
label_prefix = 7
sync_status_as_label = 1
commit_link_keywords = [\"Fixes\", 2]
";
        let (cfg, problems) = parse(text);
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(
            lines,
            [
                Some(1),
                Some(2),
                Some(5),
                Some(6),
                Some(7),
                Some(10),
                Some(11),
                Some(12)
            ],
            "{problems:#?}"
        );
        assert!(problems.iter().all(Problem::is_error));
        assert!(problems[0].message.contains("project_name"));
        assert!(problems[0].message.contains("integer"));
        assert!(problems[3].message.contains("write_delay_ms"));
        assert_eq!(cfg.project_name, "web");
        assert!(cfg.custom_statuses.is_empty());
        assert!(!cfg.github.enable_sync);
        assert_eq!(cfg.github.write_delay_ms, 1000);
        assert_eq!(cfg.github.api_url, None);
        assert_eq!(cfg.github.mapping.label_prefix, "PM:");
        assert!(cfg.github.mapping.sync_status_as_label);
        assert_eq!(
            cfg.github.mapping.commit_link_keywords,
            Mapping::default().commit_link_keywords
        );
        for p in &problems {
            assert!(p.hint.is_some(), "{p}");
            assert!(p.to_string().starts_with(PATH), "{p}");
        }
    }

    #[test]
    fn dotted_and_inline_keys_get_their_lines() {
        let text = "a = 1\ngithub_integration.mapping.milestone_type = \"Bug\"\n";
        let (_, problems) = parse(text);
        assert_eq!(only_problem(&problems).line, Some(2));
        let text = "a = 1\n\ngithub_integration = { enable_sync = true }\n";
        let (_, problems) = parse(text);
        assert_eq!(only_problem(&problems).line, Some(3));
    }

    #[test]
    fn other_value_errors() {
        let text = "\
default_priority = \"Urgent\"
github_repo = \"not a repo\"
custom_statuses = [\"🟢 Done\", \"🚀\"]
[github_integration]
pat_env_var_name = \"MY TOKEN\"
[github_integration.mapping]
reopen_status = \"Later\"
[github_integration.mapping.label_colors]
status = \"green\"
[github_integration.mapping.type_labels]
\"🐛 Defect\" = \"defect\"
\"🐞 Bug\" = \"\"
";
        let (cfg, problems) = parse(text);
        let summary: Vec<(Option<usize>, Severity)> =
            problems.iter().map(|p| (p.line, p.severity)).collect();
        assert_eq!(
            summary,
            [
                (Some(1), Severity::Error),
                (Some(2), Severity::Error),
                (Some(3), Severity::Warning),
                (Some(3), Severity::Error),
                (Some(5), Severity::Error),
                (Some(7), Severity::Error),
                (Some(9), Severity::Error),
                (Some(11), Severity::Warning),
                (Some(12), Severity::Error),
            ],
            "{problems:#?}"
        );
        assert!(problems[0].message.contains("🔼 High"));
        assert!(problems[5].message.contains("🟡 To Do"));
        assert_eq!(cfg.default_priority, None);
        assert_eq!(cfg.github_repo, None);
        assert_eq!(cfg.custom_statuses, ["🟢 Done"]);
        assert_eq!(cfg.github.pat_env_var_name, "GITHUB_PAT");
        assert_eq!(cfg.github.mapping.reopen_status, "🟡 To Do");
        assert_eq!(
            cfg.github.mapping.label_color(LabelCategory::Status),
            "1d76db"
        );
        assert_eq!(cfg.github.mapping.type_labels.len(), 1);
    }

    #[test]
    fn slug_mismatch_is_a_warning() {
        let (cfg, problems) = parse("project_slug = \"shop\"\n");
        assert_eq!(cfg.project_slug, "web");
        let p = only_problem(&problems);
        assert_eq!(p.severity, Severity::Warning);
        assert_eq!(p.line, Some(1));
    }

    #[test]
    fn malformed_toml_is_an_error_with_its_line() {
        let (cfg, problems) = parse_project_config(PATH, "a = 1\nb = \nc = 2\n");
        assert!(cfg.is_none());
        let p = only_problem(&problems);
        assert!(p.is_error());
        assert_eq!(p.line, Some(2));
        assert!(p.message.contains("malformed TOML"));
        let (_, problems) = parse_project_config(PATH, "a = 1\n[t]\nx = 1\n[t]\n");
        assert_eq!(only_problem(&problems).line, Some(4));
    }
}
