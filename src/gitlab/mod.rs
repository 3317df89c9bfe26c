//! GitLab (REST v4, gitlab.com or self-managed) as a [`crate::tracker::Tracker`]: Tasks ⇄
//! issues by `iid`, Epics/Features ⇄ project milestones by `id`, labels with colors.
//!
//! The requests go through the same transport as GitHub's ([`crate::github::Client`] with
//! [`crate::tracker::Platform::Gitlab`]): `Authorization: Bearer`, pagination by `Link`
//! headers, `RateLimit-*` headers and `429` + `Retry-After` waited out, retries with
//! back-off, serial and paced writes, creates never sent blindly twice. What differs is
//! here: the paths (`/projects/{group%2Fproject}/…`), the bodies (`state_event`,
//! `add_labels` + `remove_labels` in one `PUT`, assignees by user id), and GitLab's words
//! in errors and hints.

mod adapter;
mod errors;
mod links;
mod types;

pub use adapter::{GitlabTracker, current_user};
