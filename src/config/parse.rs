//! Tolerant parsing of `project_config.toml`, the workspace file and repository specs,
//! replacing bad values with defaults and reporting each with its line.

use std::collections::BTreeMap;

use toml::de::DeTable;

use crate::artifact::validate::quoted_list;
use crate::artifact::vocab::{
    self, Kind, Priority, STANDARD_STATUSES, classify_status, standard_status,
};
use crate::artifact::{Problem, line_of_offset};

use super::mapping::{LabelCategory, Mapping};
use super::reader::Reader;
use super::settings::{ConflictResolution, GithubIntegration, Methodology, ProjectConfig};

/// The slug in `.ruru/projects/<slug>/project_config.toml` (or `<slug>/project_config.toml`).
fn slug_from_path(path: &str) -> String {
    let mut parts = path.rsplit('/');
    parts.next();
    parts.next().unwrap_or_default().to_string()
}

/// Splits `"owner/name"` (also `https://github.com/owner/name(.git)` and
/// `git@github.com:owner/name.git`).
pub fn parse_repo_spec(spec: &str) -> Option<(String, String)> {
    let s = spec.trim();
    let s = s
        .strip_prefix("https://github.com/")
        .or_else(|| s.strip_prefix("http://github.com/"))
        .or_else(|| s.strip_prefix("git@github.com:"))
        .unwrap_or(s);
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s);
    let (owner, name) = s.split_once('/')?;
    let valid = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (valid(owner) && valid(name)).then(|| (owner.to_string(), name.to_string()))
}

/// Reads a TOML document as a table, reporting malformed TOML with its line.
fn parse_table(path: &str, text: &str) -> Result<toml::Table, Problem> {
    toml::from_str::<toml::Table>(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        Problem::error(
            path,
            line,
            format!("malformed TOML: {}", e.message().trim()),
        )
        .with_hint("fix the TOML syntax on that line (strings need double quotes; arrays use [ ])")
    })
}

/// Reads the optional workspace file `.ruru/projects/projects_config.toml`.
pub fn parse_workspace_config(path: &str, text: &str) -> (Option<toml::Table>, Vec<Problem>) {
    match parse_table(path, text) {
        Ok(t) => (Some(t), Vec::new()),
        Err(p) => (None, vec![p]),
    }
}

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

/// Reads `[github_integration]` (and its `mapping` sub-table).
fn read_github(r: &mut Reader<'_>, gi: &toml::Table, custom: &[String]) -> GithubIntegration {
    const GI: &str = "github_integration";
    let mut g = GithubIntegration::default();
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
    g
}

/// Reads the mapping keys, from `[github_integration.mapping]` first and, for keys
/// written directly under `[github_integration]`, from there.
fn read_mapping(
    r: &mut Reader<'_>,
    gi: &toml::Table,
    mapping: Option<&toml::Table>,
    custom: &[String],
) -> Mapping {
    const GI: &str = "github_integration";
    let mut m = Mapping::default();
    // The value of a mapping key and the key path it was found at.
    let find = |key: &'static str| -> Option<(&toml::Value, Vec<&'static str>)> {
        if let Some(v) = mapping.and_then(|t| t.get(key)) {
            return Some((v, vec![GI, "mapping", key]));
        }
        gi.get(key).map(|v| (v, vec![GI, key]))
    };

    for (key, slot) in [
        ("sync_status_as_label", &mut m.sync_status_as_label),
        ("sync_type_as_label", &mut m.sync_type_as_label),
        ("sync_priority_as_label", &mut m.sync_priority_as_label),
        ("sync_tags_as_labels", &mut m.sync_tags_as_labels),
        ("sync_milestone_due_date", &mut m.sync_milestone_due_date),
        ("enable_commit_linking", &mut m.enable_commit_linking),
        ("create_missing_labels", &mut m.create_missing_labels),
        (
            "create_missing_milestones",
            &mut m.create_missing_milestones,
        ),
        ("delete_milestones", &mut m.delete_milestones),
        (
            "create_artifacts_from_github",
            &mut m.create_artifacts_from_github,
        ),
        ("close_on_commit_keywords", &mut m.close_on_commit_keywords),
    ] {
        if let Some((v, keys)) = find(key)
            && let Some(b) = r.boolean(v, &keys)
        {
            *slot = b;
        }
    }

    if let Some((v, keys)) = find("issue_types")
        && let Some(list) = r.string_list(v, &keys, "issue_types = [\"✨ Story\", \"🛠️ Task\"]")
    {
        let accepted = Kind::ALL
            .iter()
            .filter(|k| k.is_work_item())
            .map(|k| k.canonical());
        let mut good = Vec::new();
        for t in list {
            match Kind::parse(&t) {
                Some(k) if k.is_work_item() => good.push(t),
                _ => r.error(
                    &keys,
                    format!(
                        "issue_types entry \"{t}\" is not a work-item type; accepted: {}",
                        quoted_list(accepted.clone())
                    ),
                    "Epics and Features map to milestones (see milestone_type), not issues",
                ),
            }
        }
        m.issue_types = good;
    }
    if let Some((v, keys)) = find("label_prefix")
        && let Some(s) = r.string(v, &keys, "label_prefix = \"PM:\"")
    {
        m.label_prefix = s;
    }

    for (key, category) in [
        ("status_labels", LabelCategory::Status),
        ("type_labels", LabelCategory::Type),
        ("priority_labels", LabelCategory::Priority),
    ] {
        let Some((v, keys)) = find(key) else { continue };
        let example =
            format!("[github_integration.mapping.{key}] with \"value\" = \"label\" lines");
        let Some(map) = r.string_map(v, &keys, &example) else {
            continue;
        };
        for (value, label) in &map {
            let known = match category {
                LabelCategory::Status => classify_status(value, custom).is_some(),
                LabelCategory::Type => Kind::parse(value).is_some(),
                _ => Priority::parse(value).is_some(),
            };
            let path: Vec<&str> = keys.iter().copied().chain([value.as_str()]).collect();
            if !known {
                r.warning(
                    &path,
                    format!(
                        "{key} names \"{value}\", which is not a known {} value",
                        category.as_str()
                    ),
                    "check the spelling; the entry is kept but never used",
                );
            }
            if label.trim().is_empty() {
                r.error(
                    &path,
                    format!("{key} maps \"{value}\" to an empty label name"),
                    "give the label a name",
                );
            }
        }
        let map: BTreeMap<String, String> = map
            .into_iter()
            .filter(|(_, l)| !l.trim().is_empty())
            .collect();
        match category {
            LabelCategory::Status => m.status_labels = map,
            LabelCategory::Type => m.type_labels = map,
            _ => m.priority_labels = map,
        }
    }

    if let Some((v, keys)) = find("label_colors")
        && let Some(map) = r.string_map(
            v,
            &keys,
            "[github_integration.mapping.label_colors] with status = \"1d76db\"",
        )
    {
        for (category, color) in map {
            let hex = color.trim().trim_start_matches('#');
            if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                m.label_colors.insert(category, hex.to_ascii_lowercase());
            } else {
                let path: Vec<&str> = keys.iter().copied().chain([category.as_str()]).collect();
                r.error(
                    &path,
                    format!("label color \"{color}\" for {category} is not a 6-digit hex color"),
                    "write it as \"d93f0b\" or \"#d93f0b\"",
                );
            }
        }
    }

    if let Some((v, keys)) = find("milestone_type")
        && let Some(s) = r.string(v, &keys, "milestone_type = \"🗺️ Epic\"")
    {
        match Kind::parse(&s) {
            Some(Kind::Epic | Kind::Feature) => m.milestone_type = s,
            _ => r.error(
                &keys,
                format!(
                    "milestone_type \"{s}\" is not accepted; accepted: {}",
                    quoted_list([Kind::Epic.canonical(), Kind::Feature.canonical()])
                ),
                "milestones map to Epics or Features",
            ),
        }
    }

    for (key, slot) in [
        ("commit_link_keywords", &mut m.commit_link_keywords),
        (
            "commit_status_update_keywords",
            &mut m.commit_status_update_keywords,
        ),
    ] {
        if let Some((v, keys)) = find(key)
            && let Some(list) = r.string_list(v, &keys, &format!("{key} = [\"Fixes\", \"Closes\"]"))
        {
            *slot = list
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }

    if let Some((v, keys)) = find("conflict_resolution")
        && let Some(s) = r.string(v, &keys, "conflict_resolution = \"last_update_wins\"")
    {
        match ConflictResolution::parse(&s) {
            Some(c) => m.conflict_resolution = c,
            None => r.error(
                &keys,
                format!(
                    "unknown conflict_resolution \"{s}\"; accepted: {}",
                    quoted_list(ConflictResolution::ALL.map(ConflictResolution::as_str))
                ),
                "the default last_update_wins is used",
            ),
        }
    }

    if let Some((v, keys)) = find("reopen_status")
        && let Some(s) = r.string(v, &keys, "reopen_status = \"🟡 To Do\"")
    {
        if classify_status(&s, custom).is_some() {
            m.reopen_status = s;
        } else {
            let accepted = STANDARD_STATUSES
                .iter()
                .map(|(s, _)| *s)
                .chain(custom.iter().map(String::as_str));
            r.error(
                &keys,
                format!(
                    "unknown reopen_status \"{s}\"; accepted: {}",
                    quoted_list(accepted)
                ),
                "use a standard status or one of the project's custom_statuses",
            );
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::artifact::Severity;

    const PATH: &str = ".ruru/projects/web/project_config.toml";

    fn parse(text: &str) -> (ProjectConfig, Vec<Problem>) {
        let (cfg, problems) = parse_project_config(PATH, text);
        (cfg.expect("valid TOML gives a config"), problems)
    }

    fn only_problem(problems: &[Problem]) -> &Problem {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        &problems[0]
    }

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
    fn repo_specs() {
        let pair = Some(("acme".to_string(), "shop".to_string()));
        assert_eq!(parse_repo_spec("acme/shop"), pair);
        assert_eq!(parse_repo_spec("https://github.com/acme/shop.git"), pair);
        assert_eq!(parse_repo_spec("git@github.com:acme/shop.git"), pair);
        assert_eq!(parse_repo_spec("https://github.com/acme/shop/"), pair);
        assert_eq!(parse_repo_spec("acme"), None);
        assert_eq!(parse_repo_spec("acme/"), None);
        assert_eq!(parse_repo_spec("a/b/c"), None);
        assert_eq!(parse_repo_spec("ac me/shop"), None);
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
    fn unknown_conflict_resolution_keeps_the_default() {
        let text = "[github_integration]\n\n[github_integration.mapping]\nlabel_prefix = \"PM:\"\nconflict_resolution = \"foo\"\n";
        let (cfg, problems) = parse(text);
        assert_eq!(
            cfg.github.mapping.conflict_resolution,
            ConflictResolution::LastUpdateWins
        );
        let p = only_problem(&problems);
        assert_eq!(p.line, Some(5));
        assert!(p.message.contains("\"foo\""), "{p}");
        for c in ConflictResolution::ALL {
            assert!(p.message.contains(c.as_str()), "{p}");
        }
        for c in ConflictResolution::ALL {
            let text = format!(
                "[github_integration.mapping]\nconflict_resolution = \"{}\"\n",
                c.as_str()
            );
            let (cfg, problems) = parse(&text);
            assert!(problems.is_empty());
            assert_eq!(cfg.github.mapping.conflict_resolution, c);
        }
    }

    #[test]
    fn milestone_type_must_be_epic_or_feature() {
        let text = "[github_integration.mapping]\nmilestone_type = \"🛠️ Task\"\n";
        let (cfg, problems) = parse(text);
        assert_eq!(cfg.github.mapping.milestone_kind(), Kind::Epic);
        let p = only_problem(&problems);
        assert_eq!(p.line, Some(2));
        assert!(
            p.message.contains("🗺️ Epic") && p.message.contains("🌟 Feature"),
            "{p}"
        );
        let (cfg, problems) = parse("[github_integration.mapping]\nmilestone_type = \"feature\"\n");
        assert!(problems.is_empty());
        assert_eq!(cfg.github.mapping.milestone_kind(), Kind::Feature);
    }

    #[test]
    fn issue_types_must_be_work_items() {
        let text = "[github_integration.mapping]\nissue_types = [\n  \"🛠️ Task\",\n  \"🗺️ Epic\",\n  \"Nonsense\",\n]\n";
        let (cfg, problems) = parse(text);
        assert_eq!(cfg.github.mapping.issue_types, ["🛠️ Task"]);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems.iter().all(|p| p.line == Some(2) && p.is_error()));
        assert!(problems[0].message.contains("🗺️ Epic"));
        assert!(problems[1].message.contains("Nonsense"));
        assert!(problems[1].message.contains("✨ Story"));
        assert!(problems[1].message.contains("🧪 Test"));
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
    fn mapping_keys_under_github_integration_are_read_too() {
        let text = "[github_integration]\nlabel_prefix = \"X:\"\nconflict_resolution = \"prefer_local\"\n[github_integration.mapping]\nconflict_resolution = \"prefer_github\"\n";
        let (cfg, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(cfg.github.mapping.label_prefix, "X:");
        // The mapping table wins when a key is in both places.
        assert_eq!(
            cfg.github.mapping.conflict_resolution,
            ConflictResolution::PreferGithub
        );
        let (_, problems) = parse("[github_integration]\nconflict_resolution = \"nope\"\n");
        assert_eq!(only_problem(&problems).line, Some(2));
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

    #[test]
    fn workspace_config() {
        let (t, problems) =
            parse_workspace_config(".ruru/projects/projects_config.toml", "x = 1\n");
        assert!(problems.is_empty());
        assert_eq!(
            t.and_then(|t| t.get("x").and_then(|v| v.as_integer())),
            Some(1)
        );
        let (t, problems) =
            parse_workspace_config(".ruru/projects/projects_config.toml", "x = 1\ny = [\n");
        assert!(t.is_none());
        assert!(only_problem(&problems).line.is_some());
    }
}
