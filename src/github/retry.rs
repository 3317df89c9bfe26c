//! The waiting policy: recognising primary and secondary rate limits, back-off with
//! jitter for retries, and the waits themselves.

use super::client::{Client, lock};
use super::clock::{human_duration, unix_seconds};
use super::decode::header;
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

impl Client {
    pub(super) fn retry_after_failure(
        &self,
        display: &str,
        cause: &str,
        failures: u32,
        fixed: Option<Duration>,
    ) {
        let delay = fixed.unwrap_or_else(|| self.backoff(failures));
        self.notify(&format!(
            "{display}: {cause}; retrying in {} (attempt {} of {})",
            human_duration(delay),
            failures + 1,
            self.retry.max_attempts
        ));
        lock(&self.shared).stats.retries += 1;
        self.sleep(delay);
    }

    pub(super) fn note_rate(&self, headers: &http::HeaderMap) {
        let num = |name| header(headers, name).and_then(|v| v.trim().parse::<u64>().ok());
        let (limit, remaining, reset) = (
            num("x-ratelimit-limit"),
            num("x-ratelimit-remaining"),
            num("x-ratelimit-reset"),
        );
        if remaining.is_some() || reset.is_some() {
            let mut shared = lock(&self.shared);
            shared.rate = RateLimit {
                limit: limit.or(shared.rate.limit),
                remaining,
                reset,
            };
        }
    }

    /// Before a request: if the last response said no requests remain, wait for the reset.
    pub(super) fn wait_if_exhausted(&self) {
        let rate = self.rate_limit();
        if rate.remaining != Some(0) {
            return;
        }
        if let Some(reset) = rate.reset {
            let now = unix_seconds(self.clock.now());
            if reset >= now {
                let wait = Duration::from_secs(reset - now + 1);
                self.notify(&format!(
                    "GitHub rate limit reached; waiting {} until it resets",
                    human_duration(wait)
                ));
                {
                    let mut shared = lock(&self.shared);
                    shared.stats.rate_limit_waits += 1;
                    shared.rate.remaining = None;
                }
                self.sleep(wait);
                return;
            }
        }
        lock(&self.shared).rate.remaining = None;
    }

    pub(super) fn wait_throttle(&self, throttle: Throttle, secondary_hits: &mut u32) {
        let (wait, message) = match throttle {
            Throttle::RetryAfter(wait) => (
                wait,
                format!(
                    "GitHub secondary rate limit; waiting {} as GitHub asks (retry-after)",
                    human_duration(wait)
                ),
            ),
            Throttle::UntilReset(reset) => {
                let now = unix_seconds(self.clock.now());
                let wait = Duration::from_secs(reset.saturating_sub(now) + 1);
                (
                    wait,
                    format!(
                        "GitHub rate limit reached; waiting {} until it resets",
                        human_duration(wait)
                    ),
                )
            }
            Throttle::Secondary => {
                let wait = secondary_wait(*secondary_hits);
                *secondary_hits += 1;
                (
                    wait,
                    format!(
                        "GitHub secondary rate limit; waiting {} before trying again",
                        human_duration(wait)
                    ),
                )
            }
        };
        self.notify(&message);
        {
            let mut shared = lock(&self.shared);
            shared.stats.rate_limit_waits += 1;
            // The wait covers the reset; do not wait again before the next request.
            shared.rate.remaining = None;
        }
        self.sleep(wait);
    }

    pub(super) fn backoff(&self, failures: u32) -> Duration {
        let unit = {
            let mut shared = lock(&self.shared);
            let x = splitmix64(&mut shared.rng);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        self.retry.backoff(failures, unit)
    }

    pub(super) fn sleep(&self, d: Duration) {
        if d.is_zero() {
            return;
        }
        lock(&self.shared).stats.waited += d;
        self.clock.sleep(d);
    }
}

/// What a 403/429 asks of the client, if it is a rate limit at all.
pub(crate) fn throttle(status: u16, headers: &http::HeaderMap, message: &str) -> Option<Throttle> {
    if status != 403 && status != 429 {
        return None;
    }
    if let Some(secs) = header(headers, "retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Throttle::RetryAfter(Duration::from_secs(secs)));
    }
    let remaining =
        header(headers, "x-ratelimit-remaining").and_then(|v| v.trim().parse::<u64>().ok());
    if remaining == Some(0) {
        let reset = header(headers, "x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok());
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
        let draws: Vec<f64> = (0..100)
            .map(|_| (splitmix64(&mut s) >> 11) as f64 / (1u64 << 53) as f64)
            .collect();
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
    fn secondary_waits_grow_from_a_minute() {
        assert_eq!(secondary_wait(0), Duration::from_secs(60));
        assert_eq!(secondary_wait(1), Duration::from_secs(120));
        assert_eq!(secondary_wait(2), Duration::from_secs(240));
        assert_eq!(secondary_wait(30), SECONDARY_MAX_STEP);
    }
}
