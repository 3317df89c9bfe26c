//! GitLab's errors in neutral terms, with GitLab's hints.

use crate::github;
use crate::tracker::{self, ErrorKind};

/// The transport's error in GitLab's words, kept as the source.
pub(super) fn gitlab_error(e: github::Error) -> tracker::Error {
    let status = e.status();
    let request = e.request().unwrap_or_default().to_string();
    let said = e.server_message().unwrap_or_default().to_string();
    let (kind, what, hint): (ErrorKind, &str, String) = match status {
        Some(401) => (
            ErrorKind::Auth,
            "GitLab rejected the token",
            "create a personal, group or project access token with the `api` scope and provide \
             it again (`git intellimanage auth login --api-url …`, or the variable named by \
             pat_env_var_name, GITLAB_TOKEN by default)"
                .into(),
        ),
        Some(403) => (
            ErrorKind::Denied,
            "GitLab refused the request",
            "the token needs the `api` scope (read_api can't write) and at least the Reporter \
             role in the project (Planner or Reporter to edit issues, Developer for labels and \
             milestones)"
                .into(),
        ),
        Some(404) => (
            ErrorKind::NotFound,
            "not found on GitLab",
            "check gitlab_project (the path as in the project's URL) and that the token can see \
             the project (GitLab answers 404, not 403, for projects a token cannot see)"
                .into(),
        ),
        Some(400 | 409 | 422) if e.is_already_exists() => (
            ErrorKind::AlreadyExists,
            "GitLab has it already",
            "an item with that name exists already; use it instead of creating it".into(),
        ),
        Some(400 | 422) => (
            ErrorKind::Invalid,
            "GitLab refused the values",
            "check the field named above (titles at most 255 characters, dates YYYY-MM-DD)".into(),
        ),
        Some(429) => (
            ErrorKind::RateLimited,
            "GitLab's rate limit",
            "wait a few minutes and sync again (it resumes safely)".into(),
        ),
        Some(s) if s >= 500 => (
            ErrorKind::Transient,
            "GitLab is having trouble",
            "try again in a few minutes (gitlab.com: https://status.gitlab.com)".into(),
        ),
        Some(_) => (
            ErrorKind::Other,
            "GitLab answered",
            "see GitLab's message".into(),
        ),
        None => {
            let kind = if e.is_certificate() {
                ErrorKind::Certificate
            } else if matches!(e, github::Error::Transport { .. }) {
                ErrorKind::Transient
            } else if matches!(e, github::Error::Config { .. }) {
                ErrorKind::Setup
            } else {
                ErrorKind::Other
            };
            let hint = match kind {
                ErrorKind::Transient => "check the network and the API URL (api_url, or \
                     GITLAB_API_URL; self-managed GitLab answers at https://HOST/api/v4)"
                    .to_string(),
                ErrorKind::Other => "check that the API URL is a GitLab REST API v4 \
                     (https://gitlab.com/api/v4, or https://HOST/api/v4)"
                    .to_string(),
                _ => e.hint(),
            };
            // The transport's own words name no tracker; the hints above are GitLab's.
            return tracker::Error::new(kind, e.without_hint(), hint)
                .with_status(None)
                .with_source(e);
        }
    };
    let status = status.unwrap_or_default();
    let message = if said.is_empty() {
        format!("{request}: {what} ({status})")
    } else {
        format!("{request}: {what} ({status}: {said})")
    };
    tracker::Error::new(kind, message, hint)
        .with_status(Some(status))
        .with_source(e)
}
