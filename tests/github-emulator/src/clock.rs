//! The emulators' clock: wall time that tests can shift, or time frozen until set or
//! advanced; and HTTP dates. Shared with the GitLab emulator.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;

/// The emulator's notion of "now" for `created_at`/`updated_at`/`closed_at`.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
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
    pub fn now(&self) -> i64 {
        match *self {
            Clock::Real { offset } => real_now_secs() + offset,
            Clock::Frozen { at } => at,
        }
    }

    pub fn advance(&mut self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX / 4);
        match self {
            Clock::Real { offset } => *offset += secs,
            Clock::Frozen { at } => *at += secs,
        }
    }
}

pub fn real_now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `Tue, 10 Oct 2017 16:00:00 GMT`.
pub fn http_date(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(ts) => ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        Err(_) => "Thu, 01 Jan 1970 00:00:00 GMT".to_string(),
    }
}
