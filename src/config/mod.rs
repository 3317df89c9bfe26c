//! What a project's `project_config.toml` says, with the specification's defaults.
//!
//! Reading is tolerant: a value of the wrong type or an unknown enum value is reported
//! as a [`Problem`](crate::artifact::Problem) (file, line, accepted values) and the
//! default is used instead, so one bad setting never stops the other projects or
//! commands. Unknown keys are kept in [`ProjectConfig::raw`] and are not problems.

mod board;
mod github_keys;
mod mapping;
mod mapping_keys;
mod project_keys;
mod reader;
mod repo_spec;
mod settings;
mod workspace;

pub use board::{BoardOwner, ProjectBoard};
pub use mapping::{LabelCategory, Mapping};
pub use project_keys::parse_project_config;
pub use repo_spec::parse_repo_spec;
pub use settings::{
    ConflictResolution, DEFAULT_API_URL, DEFAULT_GITLAB_API_URL, ENV_API_URL, ENV_GITLAB_API_URLS,
    ENV_WRITE_DELAY_MS, GithubIntegration, Methodology, ProjectConfig,
};
pub use workspace::parse_workspace_config;

#[cfg(test)]
mod testing {
    use super::{ProjectConfig, parse_project_config};
    use crate::artifact::Problem;

    pub(super) const PATH: &str = ".ruru/projects/web/project_config.toml";

    pub(super) fn parse(text: &str) -> (ProjectConfig, Vec<Problem>) {
        let (cfg, problems) = parse_project_config(PATH, text);
        (cfg.expect("valid TOML gives a config"), problems)
    }

    pub(super) fn only_problem(problems: &[Problem]) -> &Problem {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        &problems[0]
    }
}
