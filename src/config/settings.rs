//! The configuration types with the specification's defaults, and the effective
//! settings once environment overrides apply.

use std::time::Duration;

use super::board::ProjectBoard;
use super::mapping::Mapping;
use crate::tracker::Platform;

/// The GitHub API used when nothing else is configured.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Environment variable overriding the API base URL (tests, GitHub Enterprise).
pub const ENV_API_URL: &str = "GITHUB_API_URL";
/// GitLab's API when nothing else is configured.
pub const DEFAULT_GITLAB_API_URL: &str = "https://gitlab.com/api/v4";
/// Environment variables overriding a GitLab project's API base URL, in order: ours
/// (tests, self-managed instances), then the one GitLab CI sets in every job.
pub const ENV_GITLAB_API_URLS: [&str; 2] = ["GITLAB_API_URL", "CI_API_V4_URL"];
/// Pause between writes on GitLab when none is configured: GitLab.com allows 300 issue
/// creations per 3 minutes (one per 0.6 s) and documents no other pacing.
pub const GITLAB_WRITE_DELAY_MS: u64 = 600;
/// Environment variable overriding `write_delay_ms`.
pub const ENV_WRITE_DELAY_MS: &str = "INTELLIMANAGE_WRITE_DELAY_MS";

/// `methodology` in `project_config.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Methodology {
    Scrum,
    Kanban,
    Custom,
    /// Written `"None"`: the project follows no particular methodology.
    None,
}

impl Methodology {
    pub const ALL: [Methodology; 4] = [
        Methodology::Scrum,
        Methodology::Kanban,
        Methodology::Custom,
        Methodology::None,
    ];

    /// Case-insensitive: `"scrum"`, `"Scrum"`.
    pub fn parse(value: &str) -> Option<Methodology> {
        Methodology::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(value.trim()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Methodology::Scrum => "Scrum",
            Methodology::Kanban => "Kanban",
            Methodology::Custom => "Custom",
            Methodology::None => "None",
        }
    }
}

/// `conflict_resolution`: what to do when both sides changed since the last sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictResolution {
    /// Compare the artifact's `updated_date` with GitHub's `updated_at` (UTC).
    #[default]
    LastUpdateWins,
    PreferLocal,
    PreferGithub,
    /// Change nothing; flag the item on both sides and report it.
    ManualFlag,
}

impl ConflictResolution {
    pub const ALL: [ConflictResolution; 4] = [
        ConflictResolution::LastUpdateWins,
        ConflictResolution::PreferLocal,
        ConflictResolution::PreferGithub,
        ConflictResolution::ManualFlag,
    ];

    pub fn parse(value: &str) -> Option<ConflictResolution> {
        ConflictResolution::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(value.trim()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ConflictResolution::LastUpdateWins => "last_update_wins",
            ConflictResolution::PreferLocal => "prefer_local",
            ConflictResolution::PreferGithub => "prefer_github",
            ConflictResolution::ManualFlag => "manual_flag",
        }
    }
}

/// `[github_integration]`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GithubIntegration {
    /// Must be true for the project to sync.
    pub enable_sync: bool,
    /// Which tracker (`platform = "gitlab"`); GitHub by default.
    pub platform: Platform,
    /// From `repo_owner`, or the owner part of the project's `github_repo`.
    pub repo_owner: Option<String>,
    /// From `repo_name`, or the name part of the project's `github_repo`.
    pub repo_name: Option<String>,
    pub api_url: Option<String>,
    pub auth_method: String,
    /// The environment variable holding the token.
    pub pat_env_var_name: String,
    /// Pause between write requests (GitHub's secondary rate limits).
    pub write_delay_ms: u64,
    /// Branch holding the plan, when not the current one.
    pub plan_branch: Option<String>,
    /// A failed sync in the pre-push hook blocks the push.
    pub block_push_on_failure: bool,
    pub mapping: Mapping,
    /// `[github_integration.project_board]`: the GitHub project whose Status follows the
    /// plan.
    pub project_board: Option<ProjectBoard>,
}

impl Default for GithubIntegration {
    fn default() -> GithubIntegration {
        GithubIntegration {
            enable_sync: false,
            platform: Platform::Github,
            repo_owner: None,
            repo_name: None,
            api_url: None,
            auth_method: "pat_env_var".to_string(),
            pat_env_var_name: "GITHUB_PAT".to_string(),
            write_delay_ms: 1000,
            plan_branch: None,
            block_push_on_failure: false,
            mapping: Mapping::default(),
            project_board: None,
        }
    }
}

impl GithubIntegration {
    /// The repository as `(owner, name)`, when both are known and non-empty.
    pub fn repo(&self) -> Option<(String, String)> {
        let owner = self.repo_owner.as_deref()?.trim();
        let name = self.repo_name.as_deref()?.trim();
        (!owner.is_empty() && !name.is_empty()).then(|| (owner.to_string(), name.to_string()))
    }

    /// The API base URL: `GITHUB_API_URL` if set and non-empty, else `api_url`, else
    /// `https://api.github.com`; no trailing `/`.
    pub fn api_base_url(&self) -> String {
        match self.platform {
            Platform::Gitlab => {
                let env = ENV_GITLAB_API_URLS
                    .iter()
                    .filter_map(|v| std::env::var(v).ok())
                    .find(|v| !v.trim().is_empty());
                self.api_base_url_with(env.as_deref())
            }
            _ => self.api_base_url_with(std::env::var(ENV_API_URL).ok().as_deref()),
        }
    }

    /// The place on the tracker: `owner/name` (GitHub), `group/sub/project` (GitLab).
    pub fn place(&self) -> Option<String> {
        self.repo().map(|(o, n)| format!("{o}/{n}"))
    }

    /// [`GithubIntegration::api_base_url`] with the environment value given explicitly.
    pub fn api_base_url_with(&self, env_value: Option<&str>) -> String {
        fn pick(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let url = pick(env_value)
            .or_else(|| pick(self.api_url.as_deref()))
            .unwrap_or(match self.platform {
                Platform::Gitlab => DEFAULT_GITLAB_API_URL,
                _ => DEFAULT_API_URL,
            });
        url.trim_end_matches('/').to_string()
    }

    /// The pause between writes: `INTELLIMANAGE_WRITE_DELAY_MS` when set to a whole number
    /// of milliseconds, else `write_delay_ms`.
    pub fn write_delay(&self) -> Duration {
        self.write_delay_with(std::env::var(ENV_WRITE_DELAY_MS).ok().as_deref())
    }

    /// [`GithubIntegration::write_delay`] with the environment value given explicitly; an
    /// unparsable value is ignored.
    pub fn write_delay_with(&self, env_value: Option<&str>) -> Duration {
        let ms = env_value
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(self.write_delay_ms);
        Duration::from_millis(ms)
    }
}

/// A project's `project_config.toml`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProjectConfig {
    /// Repository-relative path of the file it was read from.
    pub path: String,
    /// `project_name`, or the slug when absent.
    pub project_name: String,
    /// `project_slug`, or the directory name when absent.
    pub project_slug: String,
    pub methodology: Option<Methodology>,
    pub custom_statuses: Vec<String>,
    pub default_assignee: Option<String>,
    pub default_priority: Option<String>,
    /// `"owner/name"`.
    pub github_repo: Option<String>,
    pub github: GithubIntegration,
    /// The whole file, unknown keys included.
    #[serde(skip)]
    pub raw: toml::Table,
}

impl ProjectConfig {
    /// A configuration with every default, for a project slug.
    pub fn with_defaults(path: &str, slug: &str) -> ProjectConfig {
        ProjectConfig {
            path: path.to_string(),
            project_name: slug.to_string(),
            project_slug: slug.to_string(),
            methodology: None,
            custom_statuses: Vec::new(),
            default_assignee: None,
            default_priority: None,
            github_repo: None,
            github: GithubIntegration::default(),
            raw: toml::Table::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_through_the_pure_variants() {
        let mut g = GithubIntegration::default();
        assert_eq!(g.api_base_url_with(None), "https://api.github.com");
        assert_eq!(g.api_base_url_with(Some("")), "https://api.github.com");
        assert_eq!(g.api_base_url_with(Some("  ")), "https://api.github.com");
        g.api_url = Some("https://ghe.example/api/v3/".to_string());
        assert_eq!(g.api_base_url_with(None), "https://ghe.example/api/v3");
        assert_eq!(
            g.api_base_url_with(Some("http://127.0.0.1:9/")),
            "http://127.0.0.1:9"
        );
        assert_eq!(g.write_delay_with(None), Duration::from_millis(1000));
        assert_eq!(g.write_delay_with(Some("0")), Duration::ZERO);
        assert_eq!(g.write_delay_with(Some(" 25 ")), Duration::from_millis(25));
        assert_eq!(
            g.write_delay_with(Some("fast")),
            Duration::from_millis(1000)
        );
        assert_eq!(g.write_delay_with(Some("-1")), Duration::from_millis(1000));
        g.write_delay_ms = 7;
        assert_eq!(g.write_delay_with(Some("")), Duration::from_millis(7));
    }
}
