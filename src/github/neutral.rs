//! GitHub's wire types in the planner's neutral terms ([`crate::tracker`]): label objects
//! become names, users their logins, a milestone its title, `due_on` (a timestamp GitHub
//! keeps as a day in US Pacific time; we send noon UTC) the UTC calendar day.

use super::error::Error;
use super::types::{Issue, Label, Milestone, State};
use crate::tracker::{self, ErrorKind};

/// What we send as `due_on` for a day: noon UTC, so that GitHub (which keeps due dates
/// as a day in US Pacific time) stores the same calendar day; read back with `utc_day`.
pub(crate) fn due_on(date: &str) -> String {
    format!("{date}T12:00:00Z")
}

/// The UTC date of a timestamp (`2025-03-31T07:00:00Z` → `2025-03-31`).
fn utc_day(timestamp: &str) -> Option<String> {
    if let Ok(ts) = timestamp.parse::<jiff::Timestamp>() {
        return Some(ts.to_zoned(jiff::tz::TimeZone::UTC).date().to_string());
    }
    let day = timestamp.get(..10)?;
    day.parse::<jiff::civil::Date>().ok().map(|d| d.to_string())
}

/// The number of an issue's parent, when that is an issue of the same repository.
fn parent_number(i: &Issue) -> Option<u64> {
    let url = i.parent_issue_url.as_deref()?;
    let (repo, number) = url.rsplit_once("/issues/")?;
    let same = i
        .repository_url
        .as_deref()
        .is_none_or(|own| own.eq_ignore_ascii_case(repo));
    number.parse().ok().filter(|_| same)
}

impl From<&Issue> for tracker::Issue {
    fn from(i: &Issue) -> tracker::Issue {
        tracker::Issue {
            number: i.number,
            title: i.title.clone(),
            body: i.body.clone().unwrap_or_default(),
            closed: i.state == State::Closed,
            state_reason: i.state_reason.clone(),
            labels: i.labels.iter().map(|l| l.name.clone()).collect(),
            assignees: i.assignees.iter().map(|u| u.login.clone()).collect(),
            milestone: i.milestone.as_ref().map(|m| m.title.clone()),
            created_at: i.created_at.clone(),
            updated_at: i.updated_at.clone(),
            url: i.html_url.clone(),
            id: i.id,
            blocked_by_count: i.issue_dependencies_summary.map(|s| s.total_blocked_by),
            parent: parent_number(i),
            // Blocked by nothing: known without a read.
            blocked_by: i
                .issue_dependencies_summary
                .filter(|s| s.total_blocked_by == 0)
                .map(|_| Default::default()),
        }
    }
}

impl From<&Milestone> for tracker::Milestone {
    fn from(m: &Milestone) -> tracker::Milestone {
        tracker::Milestone {
            number: m.number,
            title: m.title.clone(),
            description: m.description.clone().unwrap_or_default(),
            closed: m.state == State::Closed,
            due_date: m.due_on.as_deref().and_then(utc_day),
            updated_at: m.updated_at.clone(),
            url: m.html_url.clone(),
        }
    }
}

impl From<&Label> for tracker::Label {
    fn from(l: &Label) -> tracker::Label {
        tracker::Label {
            name: l.name.clone(),
            color: l.color.clone(),
        }
    }
}

/// GitHub's error in neutral terms; its own text and hint are kept, and it stays the source.
pub fn tracker_error(e: Error) -> tracker::Error {
    let kind = match &e {
        Error::Unauthorized { .. } => ErrorKind::Auth,
        Error::Forbidden { .. } => ErrorKind::Denied,
        Error::NotFound { .. } => ErrorKind::NotFound,
        _ if e.is_already_exists() => ErrorKind::AlreadyExists,
        Error::Validation { errors, .. }
            if errors
                .iter()
                .any(|f| f.field.as_deref() == Some("assignees")) =>
        {
            ErrorKind::Unassignable
        }
        Error::Validation { .. } => ErrorKind::Invalid,
        Error::Http { status: 429, .. } => ErrorKind::RateLimited,
        Error::Http {
            status: 500..=599, ..
        }
        | Error::Transport { .. } => ErrorKind::Transient,
        Error::Certificate(_) => ErrorKind::Certificate,
        Error::Config { .. } => ErrorKind::Setup,
        Error::Http { .. } | Error::Decode { .. } => ErrorKind::Other,
    };
    tracker::Error::new(kind, e.without_hint(), e.hint())
        .with_status(e.status())
        .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_are_utc_days() {
        assert_eq!(
            utc_day("2025-03-31T07:00:00Z").as_deref(),
            Some("2025-03-31")
        );
        assert_eq!(
            utc_day("2025-06-30T12:00:00Z").as_deref(),
            Some("2025-06-30")
        );
        assert_eq!(utc_day("2025-06-30").as_deref(), Some("2025-06-30"));
        assert_eq!(utc_day("soon"), None);
    }
}
