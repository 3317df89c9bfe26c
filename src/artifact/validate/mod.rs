//! What is wrong with a plan: per-file checks ([`check_artifact`], run by
//! [`super::parse`] on every file; see [`file`]) and cross-file checks ([`check_plan`]:
//! statuses against the project's configuration, duplicate IDs, dangling references; see
//! [`plan`]).

mod file;
mod plan;

pub use file::{DATE_KEYS, REQUIRED_KEYS, check_artifact};
pub use plan::{check_plan, check_plan_with};
