//! The keys of `[github_integration]` in `project_config.toml` (its `mapping` sub-table is
//! read by [`super::mapping_keys`]).

use super::mapping_keys::read_mapping;
use super::reader::Reader;
use super::settings::{GITLAB_WRITE_DELAY_MS, GithubIntegration};
use crate::tracker::Platform;

/// Reads `[github_integration]` (and its `mapping` sub-table).
pub(super) fn read_github(
    r: &mut Reader<'_>,
    gi: &toml::Table,
    custom: &[String],
) -> GithubIntegration {
    const GI: &str = "github_integration";
    let mut g = GithubIntegration::default();
    if let Some(v) = gi.get("platform")
        && let Some(s) = r.string(v, &[GI, "platform"], "platform = \"gitlab\"")
    {
        match Platform::parse(&s) {
            Some(p) => g.platform = p,
            None => r.error(
                &[GI, "platform"],
                format!("`platform` \"{s}\" is not a tracker this tool knows"),
                "write platform = \"github\" or platform = \"gitlab\"",
            ),
        }
    }
    if g.platform == Platform::Gitlab {
        g.pat_env_var_name = "GITLAB_TOKEN".to_string();
        g.write_delay_ms = GITLAB_WRITE_DELAY_MS;
    }
    if let Some(v) = gi.get("gitlab_project")
        && let Some(s) = r.string(
            v,
            &[GI, "gitlab_project"],
            "gitlab_project = \"group/project\"",
        )
    {
        let s = s.trim().trim_matches('/');
        match s.rsplit_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !s.contains("//") => {
                g.repo_owner = Some(ns.to_string());
                g.repo_name = Some(name.to_string());
            }
            _ => r.error(
                &[GI, "gitlab_project"],
                format!("`gitlab_project` \"{s}\" is not a project path"),
                "write the path as in the project's URL, e.g. gitlab_project = \"group/subgroup/project\"",
            ),
        }
    }
    if let Some(v) = gi.get("enable_sync")
        && let Some(b) = r.boolean(v, &[GI, "enable_sync"])
    {
        g.enable_sync = b;
    }
    for (key, slot) in [
        ("repo_owner", &mut g.repo_owner),
        ("repo_name", &mut g.repo_name),
        ("plan_branch", &mut g.plan_branch),
    ] {
        if let Some(v) = gi.get(key) {
            *slot = r
                .string(v, &[GI, key], &format!("{key} = \"...\""))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
        }
    }
    if let Some(v) = gi.get("api_url")
        && let Some(s) = r.string(v, &[GI, "api_url"], "api_url = \"https://api.github.com\"")
    {
        let t = s.trim();
        if t.starts_with("https://") || t.starts_with("http://") {
            g.api_url = Some(t.to_string());
        } else if !t.is_empty() {
            r.error(
                &[GI, "api_url"],
                format!("`api_url` \"{s}\" is not an http(s) URL"),
                "write it as api_url = \"https://github.example.com/api/v3\"",
            );
        }
    }
    if let Some(v) = gi.get("auth_method")
        && let Some(s) = r.string(v, &[GI, "auth_method"], "auth_method = \"pat_env_var\"")
    {
        g.auth_method = s;
    }
    if let Some(v) = gi.get("pat_env_var_name")
        && let Some(s) = r.string(
            v,
            &[GI, "pat_env_var_name"],
            "pat_env_var_name = \"GITHUB_PAT\"",
        )
    {
        if s.trim().is_empty() || s.contains(char::is_whitespace) || s.contains('=') {
            r.error(
                &[GI, "pat_env_var_name"],
                format!("`pat_env_var_name` \"{s}\" is not an environment variable name"),
                "name the variable holding the token, e.g. pat_env_var_name = \"GITHUB_PAT\"",
            );
        } else {
            g.pat_env_var_name = s;
        }
    }
    if let Some(v) = gi.get("write_delay_ms") {
        match v {
            toml::Value::Integer(n) if *n >= 0 => g.write_delay_ms = *n as u64,
            other => r.wrong_type(
                &[GI, "write_delay_ms"],
                "a whole number of milliseconds (0 or more)",
                other,
                "write_delay_ms = 1000",
            ),
        }
    }
    if let Some(v) = gi.get("block_push_on_failure")
        && let Some(b) = r.boolean(v, &[GI, "block_push_on_failure"])
    {
        g.block_push_on_failure = b;
    }
    let mapping = match gi.get("mapping") {
        Some(toml::Value::Table(t)) => Some(t),
        Some(other) => {
            r.wrong_type(
                &[GI, "mapping"],
                "a table",
                other,
                "a [github_integration.mapping] section",
            );
            None
        }
        None => None,
    };
    g.mapping = read_mapping(r, gi, mapping, custom);
    if let Some(v) = gi.get("project_board") {
        g.project_board = super::board::read_board(r, v);
        if g.project_board.is_some() && g.platform != Platform::Github {
            r.warning(
                &[GI, "project_board"],
                format!(
                    "[github_integration.project_board] is a GitHub project; {} boards are not synced",
                    g.platform
                ),
                "GitLab's issue boards are made of labels, which the sync keeps: list the status labels as the board's lists",
            );
            g.project_board = None;
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::testing::{only_problem, parse};

    #[test]
    fn github_integration_keys() {
        let text = "[github_integration]\nenable_sync = true\nrepo_owner = \" acme \"\nrepo_name = \"shop\"\nplan_branch = \"\"\nwrite_delay_ms = 250\nblock_push_on_failure = true\n";
        let (cfg, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:#?}");
        let g = &cfg.github;
        assert!(g.enable_sync && g.block_push_on_failure);
        assert_eq!(g.repo(), Some(("acme".to_string(), "shop".to_string())));
        assert_eq!(g.plan_branch, None, "an empty branch is no branch");
        assert_eq!(g.write_delay_with(None), Duration::from_millis(250));
    }

    #[test]
    fn a_gitlab_project() {
        let text = "[github_integration]\nplatform = \"GitLab\"\nenable_sync = true\ngitlab_project = \"acme/tools/shop\"\n";
        let (cfg, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:#?}");
        let g = &cfg.github;
        assert_eq!(g.platform, crate::tracker::Platform::Gitlab);
        assert_eq!(g.place().as_deref(), Some("acme/tools/shop"));
        assert_eq!(g.pat_env_var_name, "GITLAB_TOKEN");
        assert_eq!(g.write_delay_with(None), Duration::from_millis(600));
        assert_eq!(g.api_base_url_with(None), "https://gitlab.com/api/v4");
        let (_, problems) = parse("[github_integration]\nplatform = \"gitea\"\n");
        assert!(only_problem(&problems).message.contains("gitea"));
        let (_, problems) =
            parse("[github_integration]\nplatform = \"gitlab\"\ngitlab_project = \"shop\"\n");
        assert!(
            only_problem(&problems)
                .message
                .contains("not a project path")
        );
    }

    #[test]
    fn a_mapping_that_is_not_a_table_is_reported_and_defaults_kept() {
        let (cfg, problems) = parse("[github_integration]\nmapping = \"labels\"\n");
        let p = only_problem(&problems);
        assert_eq!(p.line, Some(2));
        assert!(p.message.contains("mapping"), "{p}");
        assert_eq!(cfg.github.mapping.label_prefix, "PM:");
    }
}
