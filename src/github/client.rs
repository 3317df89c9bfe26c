//! The client on top of the transport: its options, construction and accessors (the
//! REST calls are in `calls.rs` and `endpoints.rs`).

use super::clock::{Clock, SystemClock, unix_seconds};
use super::engine::{Setup, Transport};
use super::error::Error;
use super::log::{Logger, Sink, stderr_sink};
use super::retry::{RateLimit, RetryPolicy};
use super::secret::Secret;
use super::trust::Trust;
use super::urls::origin;
use crate::tracker::{EtagCache, Platform, Stats};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// `https://api.github.com`.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Page size of every list.
pub const PER_PAGE: u32 = 100;

/// How to build a [`Client`].
#[derive(Clone)]
pub struct ClientOptions {
    /// API root; paths are appended to it (any path in it is kept, e.g.
    /// `https://ghe.example.com/api/v3`). A trailing `/` is ignored.
    pub base_url: String,
    pub token: Secret,
    /// Default `git-intellimanage/<version>`.
    pub user_agent: String,
    /// 0: silent; 1: one line per request to `log`; 2: also the request and response
    /// headers (Authorization redacted).
    pub verbosity: u8,
    /// Pause between two writes (POST/PATCH/PUT/DELETE). Default 1 s, as GitHub
    /// recommends; tests use 0.
    pub write_delay: Duration,
    pub retry: RetryPolicy,
    /// Limit for one HTTP exchange, body included. Default 60 s.
    pub timeout: Duration,
    /// Receives the request log (see `verbosity`). Default: standard error.
    pub log: Sink,
    /// Receives the messages a user must see whatever the verbosity: waits for rate
    /// limits, retries. Default: standard error.
    pub notice: Sink,
    /// Default [`SystemClock`].
    pub clock: Arc<dyn Clock>,
    /// The certificate authorities an https API must be signed by. Default
    /// [`Trust::System`]: `SSL_CERT_FILE` / `SSL_CERT_DIR` when set, else the system's
    /// store, as git and curl.
    pub trust: Trust,
    /// Whose REST API this is (GitHub's by default; GitLab's v4 through the same
    /// transport): the headers sent, how rate limits are read, the name in notices.
    pub platform: Platform,
}

impl ClientOptions {
    /// Defaults for everything but the base URL and the token.
    pub fn new(base_url: impl Into<String>, token: Secret) -> Self {
        ClientOptions {
            base_url: base_url.into(),
            token,
            user_agent: format!("git-intellimanage/{}", env!("CARGO_PKG_VERSION")),
            verbosity: 0,
            write_delay: Duration::from_secs(1),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            log: stderr_sink(),
            notice: stderr_sink(),
            clock: Arc::new(SystemClock),
            trust: Trust::System,
            platform: Platform::Github,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("base_url", &self.base_url)
            .field("token", &self.token)
            .field("user_agent", &self.user_agent)
            .field("verbosity", &self.verbosity)
            .field("write_delay", &self.write_delay)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("trust", &self.trust)
            .finish_non_exhaustive()
    }
}

/// A blocking GitHub REST client. Cheap to share by reference across threads; writes
/// are serialised and paced.
pub struct Client {
    pub(super) transport: Transport,
    pub(super) started: SystemTime,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.transport.base_url())
            .field("token", self.transport.token())
            .field("verbosity", &self.transport.verbosity())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Check the options and build the client (no request is made).
    pub fn new(options: ClientOptions) -> Result<Client, Error> {
        let base_url = options.base_url.trim().trim_end_matches('/').to_owned();
        let lower = base_url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(Error::Config {
                message: format!("the API URL `{base_url}` must start with http:// or https://"),
            });
        }
        let Some(base_origin) = origin(&base_url) else {
            return Err(Error::Config {
                message: format!("the API URL `{base_url}` has no host"),
            });
        };
        if base_url.contains(['?', '#']) {
            return Err(Error::Config {
                message: format!("the API URL `{base_url}` must not have a query or fragment"),
            });
        }
        if options.token.is_empty() {
            return Err(Error::Config {
                message: format!("no {} token was given", options.platform),
            });
        }
        if options.token.expose().contains(['\r', '\n']) {
            return Err(Error::Config {
                message: format!("the {} token contains a line break", options.platform),
            });
        }
        let started = options.clock.now();
        let log = Logger::new(
            options.verbosity,
            options.log,
            options.notice,
            options.token.clone(),
        );
        let transport = Transport::new(Setup {
            base_url,
            base_origin,
            token: options.token,
            user_agent: options.user_agent,
            timeout: options.timeout.max(Duration::from_millis(1)),
            trust: options.trust,
            write_delay: options.write_delay,
            retry: RetryPolicy {
                max_attempts: options.retry.max_attempts.max(1),
                ..options.retry
            },
            log,
            clock: options.clock,
            platform: options.platform,
        });
        Ok(Client { transport, started })
    }

    /// The API root requests go to (without a trailing `/`).
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.transport.stats()
    }

    /// Zero the counters.
    pub fn reset_stats(&self) {
        self.transport.reset_stats();
    }

    /// The primary rate limit as last reported by GitHub.
    pub fn rate_limit(&self) -> RateLimit {
        self.transport.rate_limit()
    }

    /// Replace the ETag cache (e.g. with the one loaded from the sync record).
    pub fn set_etag_cache(&self, cache: EtagCache) {
        self.transport.set_etag_cache(cache);
    }

    /// A copy of the ETag cache, to persist.
    pub fn etag_cache(&self) -> EtagCache {
        self.transport.etag_cache()
    }

    /// Take the ETag cache out of the client, leaving an empty one.
    pub fn take_etag_cache(&self) -> EtagCache {
        self.transport.take_etag_cache()
    }

    /// When this client was created, as an ISO 8601 UTC timestamp five minutes
    /// earlier (slack for clock skew): a good `since` for the lookups that look for
    /// an item created during this run.
    pub fn run_started_since(&self) -> String {
        let t = self
            .started
            .checked_sub(Duration::from_secs(300))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        iso_utc(t)
    }

    /// A `since` for "created in the last moments": two minutes ago (slack for clock
    /// skew), but never before [`Client::run_started_since`]. What a check just before a
    /// create asks for, so that it reads a page, not everything this run created.
    pub fn recent_since(&self) -> String {
        let recent = SystemTime::now()
            .checked_sub(Duration::from_secs(120))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let run = self
            .started
            .checked_sub(Duration::from_secs(300))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        iso_utc(recent.max(run))
    }

    /// `base_url + path` (path starts with `/`).
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.transport.base_url(), path_and_query)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso_utc(t: SystemTime) -> String {
    let secs = i64::try_from(unix_seconds(t)).unwrap_or(0);
    match jiff::Timestamp::from_second(secs) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => "1970-01-01T00:00:00Z".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_timestamps() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(iso_utc(t), "2023-11-14T22:13:20Z");
    }
    #[test]
    fn bad_options_are_rejected() {
        let err = Client::new(ClientOptions::new("ftp://x", Secret::new("t"))).expect_err("scheme");
        assert!(matches!(err, Error::Config { .. }));
        let err = Client::new(ClientOptions::new(
            "https://api.github.com",
            Secret::new(""),
        ))
        .expect_err("token");
        assert!(err.to_string().contains("no GitHub token"));
        let c = Client::new(ClientOptions::new(
            "https://ghe.example.com/api/v3/",
            Secret::new("t"),
        ))
        .expect("valid");
        assert_eq!(
            c.url("/repos/o/r"),
            "https://ghe.example.com/api/v3/repos/o/r"
        );
        assert!(!format!("{c:?}").contains("\"t\""));
    }
}
