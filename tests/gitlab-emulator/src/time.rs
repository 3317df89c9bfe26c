//! Timestamps as GitLab writes them (`2026-12-03T10:00:00.000Z`), dates
//! (`2026-12-03`), and the clock tests can freeze and advance.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

pub(crate) use github_emulator::clock::{Clock, http_date, real_now_secs};

/// `2026-12-03T10:00:00.000Z`, as GitLab's API formats times.
pub(crate) fn format_ts(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
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
