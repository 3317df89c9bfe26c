//! The request engine: headers, logging, ETags, pagination, rate limits, retries and
//! write pacing. The typed endpoints live in `endpoints.rs`.

use super::cache::{CachedResponse, EtagCache};
use super::clock::{Clock, SystemClock, human_duration, unix_seconds};
use super::error::{Error, FieldError};
use super::secret::Secret;
use super::types::Created;
use super::urls::{next_link, origin, path_and_query};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};
use ureq::http;

/// Where the client writes lines (request log, notices). Called with one line, no
/// trailing newline.
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// `https://api.github.com`.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The REST API version the client speaks (`X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";
/// The media type the client asks for (`Accept`).
pub const MEDIA_TYPE: &str = "application/vnd.github+json";
/// Page size of every list.
pub const PER_PAGE: u32 = 100;

/// The shortest wait after a secondary rate limit that came without `retry-after`.
const SECONDARY_MIN_WAIT: Duration = Duration::from_secs(60);
/// The longest single wait after a secondary limit; the client keeps waiting in
/// steps of this size rather than failing.
const SECONDARY_MAX_STEP: Duration = Duration::from_secs(15 * 60);
/// Largest response body read (a page of 100 issues with long bodies stays far below).
const BODY_LIMIT: u64 = 256 * 1024 * 1024;

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
            .finish_non_exhaustive()
    }
}

/// A sink that prints each line to standard error.
pub fn stderr_sink() -> Sink {
    Arc::new(|line: &str| eprintln!("{line}"))
}

/// Counters for the sync summary and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP exchanges attempted (retries included).
    pub requests: u64,
    /// Of which GET.
    pub reads: u64,
    /// Of which POST/PATCH/PUT/DELETE.
    pub writes: u64,
    /// GETs answered `304 Not Modified` (served from the ETag cache).
    pub not_modified: u64,
    /// Requests sent again after a failure (5xx, timeout, lost connection).
    pub retries: u64,
    /// Waits for a primary or secondary rate limit.
    pub rate_limit_waits: u64,
    /// Creates whose outcome was unknown and whose item was found by the lookup.
    pub adopted: u64,
    /// Time spent waiting (rate limits, back-off, write pacing).
    pub waited: Duration,
}

/// The primary rate limit as GitHub last reported it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Unix seconds.
    pub reset: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Req {
    /// `METHOD /path?query`, as shown in logs and errors.
    pub(crate) fn display(&self) -> String {
        format!("{} {}", self.method.as_str(), path_and_query(&self.url))
    }
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    fn is_write(self) -> bool {
        self != Method::Get
    }
}

/// One request as the engine sees it.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    pub body: Option<Vec<u8>>,
    /// Whether sending it twice has the effect of sending it once.
    pub idempotent: bool,
    /// Use (and fill) the ETag cache (GET only).
    pub use_cache: bool,
}

/// A successful response (2xx, or a 304 resolved from the cache).
#[derive(Debug)]
pub(crate) struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
    pub next: Option<String>,
}

/// Why `run` gave up.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A definite answer (or a failure to reach the server at all).
    Final(Error),
    /// A non-idempotent request that may or may not have taken effect.
    Unknown(Error),
}

enum Attempt {
    Response {
        status: u16,
        headers: http::HeaderMap,
        body: String,
    },
    /// Failed before anything was sent (connect refused, DNS, connect timeout).
    NotSent { error: ureq::Error, retryable: bool },
    /// Failed after the request may have been sent.
    Lost(ureq::Error),
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

struct Shared {
    stats: Stats,
    rate: RateLimit,
    cache: EtagCache,
    rng: u64,
}

/// A blocking GitHub REST client. Cheap to share by reference across threads; writes
/// are serialised and paced.
pub struct Client {
    agent: ureq::Agent,
    base_url: String,
    base_origin: String,
    token: Secret,
    user_agent: String,
    verbosity: u8,
    write_delay: Duration,
    retry: RetryPolicy,
    log: Sink,
    notice: Sink,
    clock: Arc<dyn Clock>,
    started: SystemTime,
    shared: Mutex<Shared>,
    /// Held for the whole of a write; holds when the last write ended.
    write_lock: Mutex<Option<SystemTime>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("token", &self.token)
            .field("verbosity", &self.verbosity)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
                message: "no GitHub token was given".to_owned(),
            });
        }
        if options.token.expose().contains(['\r', '\n']) {
            return Err(Error::Config {
                message: "the GitHub token contains a line break".to_owned(),
            });
        }
        let timeout = options.timeout.max(Duration::from_millis(1));
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(15))))
            .max_redirects(5)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .user_agent(options.user_agent.as_str())
            .accept(MEDIA_TYPE)
            .build();
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            ^ u64::from(std::process::id()).rotate_left(32);
        let started = options.clock.now();
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            base_url,
            base_origin,
            token: options.token,
            user_agent: options.user_agent,
            verbosity: options.verbosity,
            write_delay: options.write_delay,
            retry: RetryPolicy {
                max_attempts: options.retry.max_attempts.max(1),
                ..options.retry
            },
            log: options.log,
            notice: options.notice,
            clock: options.clock,
            started,
            shared: Mutex::new(Shared {
                stats: Stats::default(),
                rate: RateLimit::default(),
                cache: EtagCache::default(),
                rng: seed | 1,
            }),
            write_lock: Mutex::new(None),
        })
    }

    /// The API root requests go to (without a trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        lock(&self.shared).stats
    }

    /// Zero the counters.
    pub fn reset_stats(&self) {
        lock(&self.shared).stats = Stats::default();
    }

    /// The primary rate limit as last reported by GitHub.
    pub fn rate_limit(&self) -> RateLimit {
        lock(&self.shared).rate
    }

    /// Replace the ETag cache (e.g. with the one loaded from the sync record).
    pub fn set_etag_cache(&self, cache: EtagCache) {
        lock(&self.shared).cache = cache;
    }

    /// A copy of the ETag cache, to persist.
    pub fn etag_cache(&self) -> EtagCache {
        lock(&self.shared).cache.clone()
    }

    /// Take the ETag cache out of the client, leaving an empty one.
    pub fn take_etag_cache(&self) -> EtagCache {
        std::mem::take(&mut lock(&self.shared).cache)
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

    /// `base_url + path` (path starts with `/`).
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url, path_and_query)
    }

    // ------------------------------------------------------------------ high level

    /// GET one JSON document.
    pub(crate) fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        use_cache: bool,
    ) -> Result<T, Error> {
        let req = Req {
            method: Method::Get,
            url: self.url(path),
            body: None,
            idempotent: true,
            use_cache,
        };
        let resp = self.run(&req).map_err(Failure::into_error)?;
        self.decode(&req, &resp.body)
    }

    /// GET a list, following `rel="next"` links until there is none.
    pub(crate) fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        use_cache: bool,
    ) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        let mut url = self.url(path);
        let mut seen = std::collections::HashSet::new();
        loop {
            if !seen.insert(url.clone()) {
                return Err(Error::Decode {
                    request: format!("GET {}", path_and_query(&url)),
                    message: "the pagination links loop back to a page already read".into(),
                });
            }
            let req = Req {
                method: Method::Get,
                url: url.clone(),
                body: None,
                idempotent: true,
                use_cache,
            };
            let resp = self.run(&req).map_err(Failure::into_error)?;
            let page: Vec<T> = self.decode(&req, &resp.body)?;
            items.extend(page);
            match resp.next {
                Some(next) => {
                    if origin(&next).as_deref() != Some(self.base_origin.as_str()) {
                        return Err(Error::Decode {
                            request: format!("GET {}", path_and_query(&url)),
                            message: format!(
                                "the next page is on another server ({}); not following it with the token",
                                origin(&next).unwrap_or_else(|| "an invalid URL".into())
                            ),
                        });
                    }
                    url = next;
                }
                None => return Ok(items),
            }
        }
    }

    /// Send a JSON body with an idempotent method (PATCH/PUT/DELETE, or a POST that is
    /// idempotent by nature) and decode the answer.
    pub(crate) fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl serde::Serialize>,
    ) -> Result<T, Error> {
        let req = self.write_req(method, path, body, true)?;
        let resp = self.run(&req).map_err(Failure::into_error)?;
        self.decode(&req, &resp.body)
    }

    /// Send a write whose answer body does not matter; `ok_404` makes a 404 a success
    /// (the thing to remove is gone already).
    pub(crate) fn send_no_content(
        &self,
        method: Method,
        path: &str,
        ok_404: bool,
        ok_404_after_unknown: bool,
    ) -> Result<(), Error> {
        let req = self.write_req::<()>(method, path, None, true)?;
        let before = self.stats().retries;
        match self.run(&req) {
            Ok(_) => Ok(()),
            Err(Failure::Final(e)) if e.is_not_found() => {
                // After a lost connection, a 404 on the retry means the first attempt
                // did the job.
                if ok_404 || (ok_404_after_unknown && self.stats().retries > before) {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            Err(f) => Err(f.into_error()),
        }
    }

    pub(crate) fn write_req<B: serde::Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<Req, Error> {
        let body = match body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| Error::Decode {
                request: format!("{} {path}", method.as_str()),
                message: format!("could not encode the request body: {e}"),
            })?),
            None => None,
        };
        Ok(Req {
            method,
            url: self.url(path),
            body,
            idempotent,
            use_cache: false,
        })
    }

    /// POST a create without ever sending it blindly twice.
    ///
    /// When an attempt's outcome is unknown (5xx, or the connection dropped after the
    /// request was sent), wait the back-off delay, then call `lookup`: if it finds the
    /// item, adopt it; if not, send the POST again (up to the retry policy's attempts).
    /// A `422 already_exists` after such an attempt also triggers the lookup.
    pub fn create_guarded<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
        mut lookup: impl FnMut(&Client) -> Result<Option<T>, Error>,
    ) -> Result<Created<T>, Error> {
        let req = self.write_req(Method::Post, path, Some(body), false)?;
        let mut unknowns = 0u32;
        loop {
            match self.run(&req) {
                Ok(resp) => {
                    return Ok(Created {
                        item: self.decode(&req, &resp.body)?,
                        adopted: false,
                    });
                }
                Err(Failure::Final(e)) => {
                    if unknowns > 0 && e.is_already_exists() {
                        if let Some(item) = lookup(self)? {
                            lock(&self.shared).stats.adopted += 1;
                            return Ok(Created {
                                item,
                                adopted: true,
                            });
                        }
                    }
                    return Err(e);
                }
                Err(Failure::Unknown(e)) => {
                    unknowns += 1;
                    let delay = self.backoff(unknowns);
                    self.notify(&format!(
                        "{}: outcome unknown ({}); checking in {} whether it was created",
                        req.display(),
                        short_cause(&e),
                        human_duration(delay)
                    ));
                    self.sleep(delay);
                    if let Some(item) = lookup(self)? {
                        lock(&self.shared).stats.adopted += 1;
                        self.notify(&format!("{}: it was created; using it", req.display()));
                        return Ok(Created {
                            item,
                            adopted: true,
                        });
                    }
                    if unknowns >= self.retry.max_attempts {
                        return Err(e);
                    }
                    lock(&self.shared).stats.retries += 1;
                }
            }
        }
    }

    // ------------------------------------------------------------------ engine

    /// Send `req`, handling the cache, rate limits, retries and write pacing.
    pub(crate) fn run(&self, req: &Req) -> Result<Resp, Failure> {
        let mut write_guard = req.method.is_write().then(|| lock(&self.write_lock));
        let mut failures = 0u32;
        let mut secondary_hits = 0u32;
        let display = req.display();
        loop {
            self.wait_if_exhausted();
            if let Some(guard) = write_guard.as_mut() {
                if let Some(last) = **guard {
                    let since = self.clock.now().duration_since(last).unwrap_or_default();
                    if since < self.write_delay {
                        self.sleep(self.write_delay - since);
                    }
                }
            }
            let cached = if req.use_cache && req.method == Method::Get {
                lock(&self.shared).cache.get(&req.url).cloned()
            } else {
                None
            };
            let attempt = self.attempt(req, cached.as_ref().map(|c| c.etag.as_str()));
            if let Some(guard) = write_guard.as_mut() {
                **guard = Some(self.clock.now());
            }
            match attempt {
                Attempt::NotSent { error, retryable } => {
                    let err = self.transport_error(req, &error, false);
                    if !retryable {
                        return Err(Failure::Final(err));
                    }
                    failures += 1;
                    if failures >= self.retry.max_attempts {
                        return Err(Failure::Final(err));
                    }
                    self.retry_after_failure(&display, &short_cause(&err), failures, None);
                }
                Attempt::Lost(error) => {
                    let err = self.transport_error(req, &error, true);
                    if !req.idempotent {
                        return Err(Failure::Unknown(err));
                    }
                    failures += 1;
                    if failures >= self.retry.max_attempts {
                        return Err(Failure::Final(err));
                    }
                    self.retry_after_failure(&display, &short_cause(&err), failures, None);
                }
                Attempt::Response {
                    status,
                    headers,
                    body,
                } => {
                    self.note_rate(&headers);
                    match status {
                        200..=299 => {
                            let next = header(&headers, "link").and_then(next_link);
                            if req.use_cache && req.method == Method::Get {
                                let mut shared = lock(&self.shared);
                                match header(&headers, "etag") {
                                    Some(etag) if !etag.is_empty() => shared.cache.insert(
                                        req.url.clone(),
                                        CachedResponse {
                                            etag: etag.to_owned(),
                                            body: body.clone(),
                                            next: next.clone(),
                                        },
                                    ),
                                    _ => {
                                        shared.cache.remove(&req.url);
                                    }
                                }
                            }
                            return Ok(Resp {
                                status,
                                headers,
                                body,
                                next,
                            });
                        }
                        304 => {
                            let Some(cached) = cached else {
                                return Err(Failure::Final(
                                    self.status_error(req, 304, &headers, &body),
                                ));
                            };
                            lock(&self.shared).cache.mark_used(&req.url);
                            let next = header(&headers, "link").and_then(next_link).or(cached.next);
                            return Ok(Resp {
                                status: 304,
                                headers,
                                body: cached.body,
                                next,
                            });
                        }
                        403 | 429 => {
                            let message = error_message(&body);
                            if let Some(throttle) = throttle(status, &headers, &message) {
                                self.wait_throttle(throttle, &mut secondary_hits);
                                continue;
                            }
                            return Err(Failure::Final(
                                self.status_error(req, status, &headers, &body),
                            ));
                        }
                        500..=599 => {
                            let err = self.status_error(req, status, &headers, &body);
                            if !req.idempotent {
                                return Err(Failure::Unknown(err));
                            }
                            failures += 1;
                            if failures >= self.retry.max_attempts {
                                return Err(Failure::Final(err));
                            }
                            let retry_after = header(&headers, "retry-after")
                                .and_then(|v| v.trim().parse::<u64>().ok())
                                .map(Duration::from_secs);
                            self.retry_after_failure(
                                &display,
                                &format!("GitHub answered {status}"),
                                failures,
                                retry_after,
                            );
                        }
                        _ => {
                            return Err(Failure::Final(
                                self.status_error(req, status, &headers, &body),
                            ));
                        }
                    }
                }
            }
        }
    }

    fn retry_after_failure(
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

    /// One HTTP exchange.
    fn attempt(&self, req: &Req, etag: Option<&str>) -> Attempt {
        let mut builder = http::Request::builder()
            .method(req.method.as_str())
            .uri(req.url.as_str())
            .header("accept", MEDIA_TYPE)
            .header("x-github-api-version", API_VERSION)
            .header("user-agent", self.user_agent.as_str())
            .header("authorization", format!("Bearer {}", self.token.expose()));
        let mut shown: Vec<(String, String)> = vec![
            ("Accept".into(), MEDIA_TYPE.into()),
            ("X-GitHub-Api-Version".into(), API_VERSION.into()),
            ("User-Agent".into(), self.user_agent.clone()),
            ("Authorization".into(), "Bearer ***".into()),
        ];
        if let Some(tag) = etag {
            builder = builder.header("if-none-match", tag);
            shown.push(("If-None-Match".into(), tag.into()));
        }
        if req.body.is_some() {
            builder = builder.header("content-type", "application/json");
            shown.push(("Content-Type".into(), "application/json".into()));
        }
        {
            let mut shared = lock(&self.shared);
            shared.stats.requests += 1;
            if req.method.is_write() {
                shared.stats.writes += 1;
            } else {
                shared.stats.reads += 1;
            }
        }
        let display = req.display();
        if self.verbosity >= 2 {
            for (k, v) in &shown {
                self.log_line(&format!("> {k}: {v}"));
            }
        }
        let started = Instant::now();
        let result = match &req.body {
            Some(body) => builder
                .body(body.clone())
                .map_err(ureq::Error::from)
                .and_then(|r| self.dispatch(req.method, r)),
            None => builder
                .body(())
                .map_err(ureq::Error::from)
                .and_then(|r| self.dispatch(req.method, r)),
        };
        let response = match result {
            Ok(r) => r,
            Err(error) => {
                let ms = started.elapsed().as_millis();
                self.log_line(&format!(
                    "{display} → failed: {} ({ms} ms)",
                    self.token.scrub(&error.to_string())
                ));
                return classify_error(error);
            }
        };
        let status = response.status().as_u16();
        let (parts, body) = response.into_parts();
        let body = body
            .into_with_config()
            .limit(BODY_LIMIT)
            .lossy_utf8(true)
            .read_to_string();
        let ms = started.elapsed().as_millis();
        match body {
            Ok(body) => {
                if status == 304 {
                    lock(&self.shared).stats.not_modified += 1;
                }
                self.log_line(&format!("{display} → {status} ({ms} ms)"));
                if self.verbosity >= 2 {
                    for (name, value) in parts.headers.iter() {
                        let value = if name.as_str().eq_ignore_ascii_case("authorization") {
                            "***".to_owned()
                        } else {
                            String::from_utf8_lossy(value.as_bytes()).into_owned()
                        };
                        self.log_line(&format!("< {}: {value}", name.as_str()));
                    }
                }
                Attempt::Response {
                    status,
                    headers: parts.headers,
                    body,
                }
            }
            Err(error) => {
                self.log_line(&format!(
                    "{display} → {status}, body lost: {} ({ms} ms)",
                    self.token.scrub(&error.to_string())
                ));
                Attempt::Lost(error)
            }
        }
    }

    fn dispatch<B: ureq::AsSendBody>(
        &self,
        method: Method,
        request: http::Request<B>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        if method.is_write() {
            // A redirected write could be replayed as a GET or re-sent elsewhere.
            let request = self
                .agent
                .configure_request(request)
                .max_redirects(0)
                .build();
            self.agent.run(request)
        } else {
            self.agent.run(request)
        }
    }

    fn note_rate(&self, headers: &http::HeaderMap) {
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
    fn wait_if_exhausted(&self) {
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

    fn wait_throttle(&self, throttle: Throttle, secondary_hits: &mut u32) {
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

    fn backoff(&self, failures: u32) -> Duration {
        let unit = {
            let mut shared = lock(&self.shared);
            let x = splitmix64(&mut shared.rng);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        self.retry.backoff(failures, unit)
    }

    fn sleep(&self, d: Duration) {
        if d.is_zero() {
            return;
        }
        lock(&self.shared).stats.waited += d;
        self.clock.sleep(d);
    }

    fn notify(&self, line: &str) {
        (self.notice)(&self.token.scrub(line));
    }

    fn log_line(&self, line: &str) {
        if self.verbosity >= 1 {
            (self.log)(&self.token.scrub(line));
        }
    }

    pub(crate) fn decode<T: DeserializeOwned>(&self, req: &Req, body: &str) -> Result<T, Error> {
        let decoded = match serde_json::from_str(body) {
            // JSON can spell a lone UTF-16 surrogate (`"\ud800"`), a string can't hold one:
            // it is read as U+FFFD instead of failing the whole answer.
            Err(e) if e.is_syntax() => match replace_lone_surrogates(body) {
                Some(fixed) => serde_json::from_str(&fixed),
                None => Err(e),
            },
            other => other,
        };
        decoded.map_err(|e| Error::Decode {
            request: req.display(),
            message: self.token.scrub(&format!(
                "{e}; the answer began with {:?}",
                excerpt(body, 120)
            )),
        })
    }

    fn transport_error(&self, req: &Req, error: &ureq::Error, maybe_sent: bool) -> Error {
        let mut message = self.token.scrub(&error.to_string());
        if maybe_sent {
            message = format!("connection lost: {message}");
        }
        Error::Transport {
            base_url: self.base_url.clone(),
            request: req.display(),
            message,
            maybe_sent,
        }
    }

    fn status_error(&self, req: &Req, status: u16, headers: &http::HeaderMap, body: &str) -> Error {
        let request = req.display();
        let mut message = error_message(body);
        if message.is_empty() {
            message = http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("no message")
                .to_owned();
        }
        let message = self.token.scrub(&message);
        match status {
            401 => Error::Unauthorized { request, message },
            403 => Error::Forbidden {
                request,
                message,
                token_scopes: header(headers, "x-oauth-scopes").map(split_scopes),
                accepted_scopes: header(headers, "x-accepted-oauth-scopes").map(split_scopes),
            },
            404 => Error::NotFound { request, message },
            422 => Error::Validation {
                request,
                message,
                errors: field_errors(body)
                    .into_iter()
                    .map(|e| FieldError {
                        resource: e.resource.map(|s| self.token.scrub(&s)),
                        code: e.code.map(|s| self.token.scrub(&s)),
                        field: e.field.map(|s| self.token.scrub(&s)),
                        message: e.message.map(|s| self.token.scrub(&s)),
                    })
                    .collect(),
            },
            _ => Error::Http {
                request,
                status,
                message,
            },
        }
    }
}

impl Failure {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::Final(e) | Failure::Unknown(e) => e,
        }
    }
}

fn classify_error(error: ureq::Error) -> Attempt {
    use std::io::ErrorKind;
    match &error {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Attempt::NotSent {
            error,
            retryable: false,
        },
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::AddrNotAvailable
            ) =>
        {
            Attempt::NotSent {
                error,
                retryable: false,
            }
        }
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => Attempt::NotSent {
            error,
            retryable: true,
        },
        ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::Tls(_)
        | ureq::Error::TooManyRedirects
        | ureq::Error::RedirectFailed
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::TlsRequired => Attempt::NotSent {
            error,
            retryable: false,
        },
        _ => Attempt::Lost(error),
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

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn split_scopes(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// GitHub's `message`, or the start of a non-JSON body.
fn error_message(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => v
            .get("message")
            .and_then(|m| m.as_str())
            .map(str::to_owned)
            .unwrap_or_default(),
        Err(_) => excerpt(body, 200),
    }
}

fn field_errors(body: &str) -> Vec<FieldError> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return Vec::new();
    };
    let Some(list) = v.get("errors").and_then(|e| e.as_array()) else {
        return Vec::new();
    };
    let text = |item: &serde_json::Value, key: &str| {
        item.get(key).and_then(|x| match x {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        })
    };
    list.iter()
        .map(|item| match item {
            serde_json::Value::String(s) => FieldError {
                message: Some(s.clone()),
                ..FieldError::default()
            },
            _ => FieldError {
                resource: text(item, "resource"),
                code: text(item, "code"),
                field: text(item, "field"),
                message: text(item, "message"),
            },
        })
        .collect()
}

/// `json` with each `\uXXXX` escape of a lone UTF-16 surrogate (one not in a high-low pair)
/// replaced by `\ufffd`; `None` when there is none.
fn replace_lone_surrogates(json: &str) -> Option<String> {
    let bytes = json.as_bytes();
    let unit = |at: usize| -> Option<u32> {
        let hex = bytes.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    let (mut out, mut copied, mut i) = (String::new(), 0, 0);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match unit(i) {
            Some(0xD800..=0xDBFF) if matches!(unit(i + 6), Some(0xDC00..=0xDFFF)) => i += 12,
            Some(0xD800..=0xDFFF) => {
                out.push_str(&json[copied..i]);
                out.push_str("\\ufffd");
                i += 6;
                copied = i;
            }
            Some(_) => i += 6,
            // Any other escape (`\\`, `\"`, …): skip the escaped character.
            None => i += 2,
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&json[copied..]);
    Some(out)
}

fn excerpt(text: &str, max_chars: usize) -> String {
    let trimmed = text.trim();
    let mut out: String = trimmed.chars().take(max_chars).collect();
    if trimmed.chars().count() > max_chars {
        out.push('…');
    }
    out
}

fn short_cause(e: &Error) -> String {
    match e {
        Error::Transport { message, .. } => message.clone(),
        Error::Http { status, .. } => format!("GitHub answered {status}"),
        other => match other.status() {
            Some(s) => format!("GitHub answered {s}"),
            None => "request failed".to_owned(),
        },
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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

    #[test]
    fn field_errors_are_parsed_leniently() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"Label","code":"already_exists","field":"name"},"plain text",{"code":"custom","message":"bad","field":null}]}"#;
        let errs = field_errors(body);
        assert_eq!(errs.len(), 3);
        assert_eq!(errs[0].code.as_deref(), Some("already_exists"));
        assert_eq!(errs[1].message.as_deref(), Some("plain text"));
        assert_eq!(errs[2].field, None);
        assert_eq!(error_message(body), "Validation Failed");
        assert_eq!(error_message("<html>oops</html>"), "<html>oops</html>");
        assert!(field_errors("not json").is_empty());
    }

    #[test]
    fn scopes_split() {
        assert_eq!(split_scopes("repo, read:org,,"), vec!["repo", "read:org"]);
        assert!(split_scopes("").is_empty());
    }

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

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let json = r#"["a\ud800b", "\udc00", "\ud83d\ude00", "\\ud800", "\u00e9"]"#;
        let fixed = replace_lone_surrogates(json).expect("two lone surrogates");
        let v: Vec<String> = serde_json::from_str(&fixed).expect("decodes");
        assert_eq!(v, ["a\u{fffd}b", "\u{fffd}", "😀", "\\ud800", "é"]);
        assert_eq!(replace_lone_surrogates(r#"["\ud83d\ude00 \\ud800"]"#), None);
    }
}
