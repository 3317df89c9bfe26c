//! The waiting policy as plain values: back-off with jitter, and what a rate-limit
//! answer asks the client to wait (with the notice that says so); the transport waits.

use super::clock::human_duration;
use super::decode::header;
use crate::tracker::Platform;
use std::time::Duration;
use ureq::http;

/// The shortest wait after a secondary rate limit that came without `retry-after`.
const SECONDARY_MIN_WAIT: Duration = Duration::from_secs(60);
/// The longest single wait after a secondary limit; the client keeps waiting in
/// steps of this size rather than failing.
const SECONDARY_MAX_STEP: Duration = Duration::from_secs(15 * 60);

/// How failed idempotent requests (and creates of unknown outcome) are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1). Default 5.
    pub max_attempts: u32,
    /// Delay before the first retry; doubles for each further one. Default 1 s.
    pub base_delay: Duration,
    /// Upper bound of one back-off delay (not of rate-limit waits). Default 32 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(32),
        }
    }
}

impl RetryPolicy {
    /// The delay after the `failures`-th failure (1-based) for a jitter draw
    /// `unit` in `[0, 1)`: `base · 2^(failures-1)`, capped at `max_delay`, scaled into
    /// `[50 %, 100 %]` of that by the jitter.
    pub fn backoff(&self, failures: u32, unit: f64) -> Duration {
        let exp = failures.saturating_sub(1).min(30);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let factor = 0.5 + 0.5 * unit.clamp(0.0, 1.0);
        full.mul_f64(factor)
    }
}

/// The primary rate limit as GitHub last reported it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Unix seconds.
    pub reset: Option<u64>,
}

/// What a 403/429 asks of us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Throttle {
    /// `retry-after: N`.
    RetryAfter(Duration),
    /// `x-ratelimit-remaining: 0` with its reset time (Unix seconds).
    UntilReset(u64),
    /// A secondary limit without any header: wait at least a minute, growing.
    Secondary,
}

impl RateLimit {
    /// The limit after a response with `headers`: `None` when they say nothing of it
    /// (no `x-ratelimit-remaining` nor `x-ratelimit-reset`); a missing
    /// `x-ratelimit-limit` keeps the one known before.
    pub(crate) fn updated(&self, headers: &http::HeaderMap) -> Option<RateLimit> {
        // GitHub's `x-ratelimit-*`, or GitLab's `ratelimit-*`.
        let num = |name: &str| {
            header(headers, &format!("x-{name}"))
                .or_else(|| header(headers, name))
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let (limit, remaining, reset) = (
            num("ratelimit-limit"),
            num("ratelimit-remaining"),
            num("ratelimit-reset"),
        );
        (remaining.is_some() || reset.is_some()).then_some(RateLimit {
            limit: limit.or(self.limit),
            remaining,
            reset,
        })
    }
}

/// The wait until a primary limit resets at `reset` (Unix seconds), seen at `now`, and
/// the notice that says so.
pub(crate) fn reset_wait(platform: Platform, reset: u64, now: u64) -> (Duration, String) {
    let wait = Duration::from_secs(reset.saturating_sub(now) + 1);
    (
        wait,
        format!(
            "{platform} rate limit reached; waiting {} until it resets",
            human_duration(wait)
        ),
    )
}

impl Throttle {
    /// How long to wait and the notice that says so; `now` (Unix seconds) is asked only
    /// for a primary limit, `secondary_hits` counts the secondary limits met so far.
    pub(crate) fn wait(
        self,
        platform: Platform,
        now: impl FnOnce() -> u64,
        secondary_hits: &mut u32,
    ) -> (Duration, String) {
        match self {
            Throttle::RetryAfter(wait) => (
                wait,
                format!(
                    "{platform} secondary rate limit; waiting {} as {platform} asks (retry-after)",
                    human_duration(wait)
                ),
            ),
            Throttle::UntilReset(reset) => reset_wait(platform, reset, now()),
            Throttle::Secondary => {
                let wait = secondary_wait(*secondary_hits);
                *secondary_hits += 1;
                (
                    wait,
                    format!(
                        "{platform} secondary rate limit; waiting {} before trying again",
                        human_duration(wait)
                    ),
                )
            }
        }
    }
}

/// The notice before the `failures`-th retry (1-based) of `display`.
pub(crate) fn retry_notice(
    display: &str,
    cause: &str,
    delay: Duration,
    failures: u32,
    max_attempts: u32,
) -> String {
    format!(
        "{display}: {cause}; retrying in {} (attempt {} of {})",
        human_duration(delay),
        failures + 1,
        max_attempts
    )
}

/// What a 403/429 asks of the client, if it is a rate limit at all.
pub(crate) fn throttle(status: u16, headers: &http::HeaderMap, message: &str) -> Option<Throttle> {
    if status != 403 && status != 429 {
        return None;
    }
    if let Some(secs) = header(headers, "retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Throttle::RetryAfter(Duration::from_secs(secs)));
    }
    // GitHub's `x-ratelimit-*`, or GitLab's `ratelimit-*`.
    let num = |name: &str| {
        header(headers, &format!("x-{name}"))
            .or_else(|| header(headers, name))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if num("ratelimit-remaining") == Some(0) {
        let reset = num("ratelimit-reset");
        return Some(reset.map_or(Throttle::Secondary, Throttle::UntilReset));
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("secondary rate limit") || lower.contains("abuse detection") || status == 429
    {
        return Some(Throttle::Secondary);
    }
    if lower.contains("rate limit exceeded") {
        return Some(Throttle::Secondary);
    }
    None
}

/// 60 s, 120 s, 240 s… per consecutive secondary limit, each step at most 15 min.
pub(crate) fn secondary_wait(previous_hits: u32) -> Duration {
    SECONDARY_MIN_WAIT
        .saturating_mul(1u32 << previous_hits.min(16))
        .min(SECONDARY_MAX_STEP)
}

/// A jitter draw in `[0, 1)` from the generator state `state` (advanced).
pub(crate) fn unit_draw(state: &mut u64) -> f64 {
    (splitmix64(state) >> 11) as f64 / (1u64 << 53) as f64
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, http::HeaderValue::from_str(v).expect("header value"));
        }
        h
    }
    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(400));
        assert_eq!(p.backoff(4, 1.0), Duration::from_millis(500));
        assert_eq!(p.backoff(40, 1.0), Duration::from_millis(500));
        assert_eq!(p.backoff(2, 0.0), Duration::from_millis(100));
        let mid = p.backoff(3, 0.5);
        assert!(mid > Duration::from_millis(200) && mid < Duration::from_millis(400));
    }
    #[test]
    fn jitter_draws_stay_in_range_and_vary() {
        let mut s = 42u64;
        let draws: Vec<f64> = (0..100).map(|_| unit_draw(&mut s)).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        assert!(draws.windows(2).any(|w| w[0] != w[1]));
    }
    #[test]
    fn throttles_are_recognised() {
        assert_eq!(
            throttle(403, &headers(&[("retry-after", "3")]), "whatever"),
            Some(Throttle::RetryAfter(Duration::from_secs(3)))
        );
        assert_eq!(
            throttle(
                429,
                &headers(&[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1700000000")
                ]),
                ""
            ),
            Some(Throttle::UntilReset(1_700_000_000))
        );
        assert_eq!(
            throttle(
                403,
                &headers(&[]),
                "You have exceeded a secondary rate limit. Please wait"
            ),
            Some(Throttle::Secondary)
        );
        assert_eq!(throttle(429, &headers(&[]), ""), Some(Throttle::Secondary));
        assert_eq!(
            throttle(
                403,
                &headers(&[("x-ratelimit-remaining", "4999")]),
                "Resource not accessible by integration"
            ),
            None
        );
        assert_eq!(throttle(500, &headers(&[("retry-after", "3")]), ""), None);
    }
    #[test]
    fn rate_limits_are_read_from_headers() {
        let before = RateLimit {
            limit: Some(5000),
            remaining: Some(10),
            reset: Some(1),
        };
        assert_eq!(
            before.updated(&headers(&[("x-ratelimit-limit", "60")])),
            None
        );
        assert_eq!(
            before.updated(&headers(&[
                ("x-ratelimit-remaining", "9"),
                ("x-ratelimit-reset", "1700000000")
            ])),
            Some(RateLimit {
                limit: Some(5000),
                remaining: Some(9),
                reset: Some(1_700_000_000),
            })
        );
        let (wait, line) = reset_wait(Platform::Github, 100, 90);
        assert_eq!(wait, Duration::from_secs(11));
        assert!(line.contains("until it resets"), "{line}");
        assert_eq!(
            reset_wait(Platform::Github, 90, 100).0,
            Duration::from_secs(1)
        );
    }
    #[test]
    fn secondary_waits_grow_from_a_minute() {
        assert_eq!(secondary_wait(0), Duration::from_secs(60));
        assert_eq!(secondary_wait(1), Duration::from_secs(120));
        assert_eq!(secondary_wait(2), Duration::from_secs(240));
        assert_eq!(secondary_wait(30), SECONDARY_MAX_STEP);
    }
}
