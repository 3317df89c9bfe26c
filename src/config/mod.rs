//! What a project's `project_config.toml` says, with the specification's defaults.
//!
//! Reading is tolerant: a value of the wrong type or an unknown enum value is reported
//! as a [`Problem`](crate::artifact::Problem) (file, line, accepted values) and the
//! default is used instead, so one bad setting never stops the other projects or
//! commands. Unknown keys are kept in [`ProjectConfig::raw`] and are not problems.

mod mapping;
mod parse;
mod reader;
mod settings;

pub use mapping::{LabelCategory, Mapping};
pub use parse::{parse_project_config, parse_repo_spec, parse_workspace_config};
pub use settings::{
    ConflictResolution, DEFAULT_API_URL, ENV_API_URL, ENV_WRITE_DELAY_MS, GithubIntegration,
    Methodology, ProjectConfig,
};
