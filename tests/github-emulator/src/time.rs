//! Timestamps as GitHub writes them (`2011-04-10T20:09:31Z`), the
//! controllable clock, and GitHub's Pacific-midnight milestone due dates.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

pub(crate) use crate::clock::{Clock, http_date, real_now_secs};

/// `2011-04-10T20:09:31Z`.
pub(crate) fn format_ts(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => "1970-01-01T00:00:00Z".to_string(),
    }
}

/// Parses an ISO 8601 timestamp (`2024-05-01T10:00:00Z`, with an offset,
/// or a bare date taken as midnight UTC) into epoch seconds.
pub(crate) fn parse_ts(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts.as_second());
    }
    let date = text.parse::<Date>().ok()?;
    date_midnight_utc(date)
}

fn date_midnight_utc(date: Date) -> Option<i64> {
    date.to_zoned(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// US Pacific daylight-saving bounds for `year` (rules in force since 2007):
/// the second Sunday of March and the first Sunday of November.
fn pacific_dst_dates(year: i16) -> Option<(Date, Date)> {
    let start = Date::new(year, 3, 1)
        .ok()?
        .nth_weekday_of_month(2, Weekday::Sunday)
        .ok()?;
    let end = Date::new(year, 11, 1)
        .ok()?
        .nth_weekday_of_month(1, Weekday::Sunday)
        .ok()?;
    Some((start, end))
}

/// GitHub stores a milestone's `due_on` as a date in US Pacific time and
/// reports it as that date's Pacific midnight in UTC (07:00Z or 08:00Z).
/// A time sent before 07:00/08:00Z therefore lands on the previous day.
pub(crate) fn pacific_midnight(secs: i64) -> i64 {
    let Ok(ts) = Timestamp::from_second(secs) else {
        return secs;
    };
    let utc_date = ts.to_zoned(TimeZone::UTC).date();
    let Some((start, end)) = pacific_dst_dates(utc_date.year()) else {
        return secs;
    };
    // DST begins at 02:00 PST (10:00Z) and ends at 02:00 PDT (09:00Z).
    let dst_begins = date_midnight_utc(start).map(|s| s + 10 * 3600);
    let dst_ends = date_midnight_utc(end).map(|s| s + 9 * 3600);
    let in_dst = matches!((dst_begins, dst_ends), (Some(b), Some(e)) if secs >= b && secs < e);
    let local = secs - if in_dst { 7 * 3600 } else { 8 * 3600 };
    let Ok(local_ts) = Timestamp::from_second(local) else {
        return secs;
    };
    let local_date = local_ts.to_zoned(TimeZone::UTC).date();
    let Some((start, end)) = pacific_dst_dates(local_date.year()) else {
        return secs;
    };
    // At local midnight of `local_date`, DST is in effect strictly after the
    // spring-forward day and up to and including the fall-back day.
    let dst_at_midnight = local_date > start && local_date <= end;
    match date_midnight_utc(local_date) {
        Some(midnight) => midnight + if dst_at_midnight { 7 * 3600 } else { 8 * 3600 },
        None => secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> i64 {
        parse_ts(text).expect("valid timestamp")
    }

    #[test]
    fn formats_and_parses() {
        let t = ts("2024-05-01T10:20:30Z");
        assert_eq!(format_ts(t), "2024-05-01T10:20:30Z");
        assert_eq!(
            format_ts(ts("2024-05-01T12:20:30+02:00")),
            "2024-05-01T10:20:30Z"
        );
        assert_eq!(format_ts(ts("2024-05-01")), "2024-05-01T00:00:00Z");
        assert!(parse_ts("yesterday").is_none());
        assert_eq!(
            http_date(ts("2017-10-10T16:00:00Z")),
            "Tue, 10 Oct 2017 16:00:00 GMT"
        );
    }

    #[test]
    fn due_dates_snap_to_pacific_midnight() {
        // Summer: midnight PDT is 07:00Z.
        assert_eq!(
            format_ts(pacific_midnight(ts("2020-09-24T07:01:00Z"))),
            "2020-09-24T07:00:00Z"
        );
        assert_eq!(
            format_ts(pacific_midnight(ts("2020-09-24T06:59:00Z"))),
            "2020-09-23T07:00:00Z"
        );
        assert_eq!(
            format_ts(pacific_midnight(ts("2024-05-01T00:00:00Z"))),
            "2024-04-30T07:00:00Z"
        );
        assert_eq!(
            format_ts(pacific_midnight(ts("2024-05-01T23:59:59Z"))),
            "2024-05-01T07:00:00Z"
        );
        // Winter: midnight PST is 08:00Z.
        assert_eq!(
            format_ts(pacific_midnight(ts("2024-01-15T12:00:00Z"))),
            "2024-01-15T08:00:00Z"
        );
        // The November case from a real report: 2022-11-14T07:00Z is still
        // 2022-11-13 23:00 PST.
        assert_eq!(
            format_ts(pacific_midnight(ts("2022-11-14T07:00:00Z"))),
            "2022-11-13T08:00:00Z"
        );
        // Fall-back day itself starts in PDT.
        assert_eq!(
            format_ts(pacific_midnight(ts("2022-11-06T12:00:00Z"))),
            "2022-11-06T07:00:00Z"
        );
        // Spring-forward day starts in PST.
        assert_eq!(
            format_ts(pacific_midnight(ts("2024-03-10T20:00:00Z"))),
            "2024-03-10T08:00:00Z"
        );
    }
}
