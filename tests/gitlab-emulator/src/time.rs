//! Timestamps as GitLab writes them (`2026-12-03T10:00:00.000Z`), dates
//! (`2026-12-03`), and the clock tests can freeze and advance.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The emulator's notion of "now" for `created_at`/`updated_at`/`closed_at`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    /// Wall-clock time shifted by `offset` seconds.
    Real { offset: i64 },
    /// Time stands still until set or advanced.
    Frozen { at: i64 },
}

impl Default for Clock {
    fn default() -> Self {
        Clock::Real { offset: 0 }
    }
}

impl Clock {
    pub(crate) fn now(&self) -> i64 {
        match *self {
            Clock::Real { offset } => real_now_secs() + offset,
            Clock::Frozen { at } => at,
        }
    }

    pub(crate) fn advance(&mut self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX / 4);
        match self {
            Clock::Real { offset } => *offset += secs,
            Clock::Frozen { at } => *at += secs,
        }
    }
}

pub(crate) fn real_now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `2026-12-03T10:00:00.000Z`, as GitLab's API formats times.
pub(crate) fn format_ts(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

/// `Tue, 10 Oct 2017 16:00:00 GMT`.
pub(crate) fn http_date(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(ts) => ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        Err(_) => "Thu, 01 Jan 1970 00:00:00 GMT".to_string(),
    }
}

/// Parses an ISO 8601 time as Grape's `DateTime` does: with a zone or
/// offset, without one (taken as UTC), or a bare date (midnight UTC).
pub(crate) fn parse_ts(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts.as_second());
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_second());
    }
    let date = parse_date(text)?;
    date.to_zoned(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    text.trim().parse::<Date>().ok()
}

/// The UTC date of an instant.
pub(crate) fn date_of(secs: i64) -> Option<Date> {
    Timestamp::from_second(secs)
        .ok()
        .map(|ts| ts.to_zoned(TimeZone::UTC).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_like_gitlab() {
        let t = parse_ts("2026-12-03T10:00:00Z").expect("valid");
        assert_eq!(format_ts(t), "2026-12-03T10:00:00.000Z");
        assert_eq!(parse_ts("2026-12-03T11:00:00+01:00"), Some(t));
        assert_eq!(parse_ts("2026-12-03T10:00:00"), Some(t));
        assert_eq!(parse_ts("2026-12-03T10:00:00.000Z"), Some(t));
        assert_eq!(
            format_ts(parse_ts("2026-12-03").expect("date")),
            "2026-12-03T00:00:00.000Z"
        );
        assert!(parse_ts("yesterday").is_none());
        assert_eq!(http_date(t), "Thu, 03 Dec 2026 10:00:00 GMT");
        assert_eq!(date_of(t).map(|d| d.to_string()), Some("2026-12-03".into()));
    }
}
