//! The transport: sends one request with the standard headers through the ETag cache,
//! write pacing, rate-limit waits and retries, and owns the state they share.

use super::attempt::{Attempt, classify_error};
use super::clock::{Clock, unix_seconds};
use super::decode::{self, error_message, header};
use super::error::{CertificateProblem, Error};
use super::log::{Logger, short_cause};
use super::retry::{
    RateLimit, RetryPolicy, Throttle, reset_wait, retry_notice, throttle, unit_draw,
};
use super::secret::Secret;
use super::trust::{Roots, Trust};
use super::urls::{next_link, path_and_query};
use crate::tracker::Platform;
use crate::tracker::{CachedResponse, EtagCache, Stats};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};
use ureq::http;

/// The REST API version the client speaks (`X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";
/// The media type the client asks for (`Accept`).
pub const MEDIA_TYPE: &str = "application/vnd.github+json";

/// The media type asked for: GitHub's own, or plain JSON.
fn accept(platform: Platform) -> &'static str {
    match platform {
        Platform::Github => MEDIA_TYPE,
        _ => "application/json",
    }
}

/// Largest response body read (a page of 100 issues with long bodies stays far below).
const BODY_LIMIT: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
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

impl Req {
    /// `METHOD /path?query`, as shown in logs and errors.
    pub(crate) fn display(&self) -> String {
        format!("{} {}", self.method.as_str(), path_and_query(&self.url))
    }
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

impl Failure {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::Final(e) | Failure::Unknown(e) => e,
        }
    }
}

/// What the requests of one client share.
struct Shared {
    stats: Stats,
    rate: RateLimit,
    cache: EtagCache,
    rng: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a [`Transport`] is built from, once the client has checked it.
pub(crate) struct Setup {
    /// API root, without a trailing `/`.
    pub base_url: String,
    /// `scheme://host[:port]` of `base_url`.
    pub base_origin: String,
    pub token: Secret,
    pub user_agent: String,
    /// Limit for one HTTP exchange (at least 1 ms).
    pub timeout: Duration,
    pub trust: Trust,
    pub write_delay: Duration,
    /// At least one attempt.
    pub retry: RetryPolicy,
    pub log: Logger,
    pub clock: Arc<dyn Clock>,
    /// Whose API this is: its headers, and the name in notices.
    pub platform: Platform,
}

/// Sends requests to one API: the HTTP agent, the counters, the rate limit as last
/// seen, the ETag cache, and the lock that serialises and paces writes.
pub(crate) struct Transport {
    agent: ureq::Agent,
    base_url: String,
    base_origin: String,
    token: Secret,
    user_agent: String,
    write_delay: Duration,
    retry: RetryPolicy,
    log: Logger,
    clock: Arc<dyn Clock>,
    platform: Platform,
    /// Where the trusted roots came from, for certificate errors.
    trusted: String,
    shared: Mutex<Shared>,
    /// Held for the whole of a write; holds when the last write ended.
    write_lock: Mutex<Option<SystemTime>>,
}

impl Transport {
    /// Build the HTTP agent (no request is made).
    pub(crate) fn new(setup: Setup) -> Transport {
        let timeout = setup.timeout;
        // Reading the system's store costs a few milliseconds: only an https API needs it.
        let roots = if setup.base_url.to_ascii_lowercase().starts_with("https://") {
            setup.trust.load()
        } else {
            Roots::bundled()
        };
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(roots.certs)
            .build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(15))))
            .max_redirects(5)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .user_agent(setup.user_agent.as_str())
            .accept(accept(setup.platform))
            .tls_config(tls)
            .build();
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            ^ u64::from(std::process::id()).rotate_left(32);
        Transport {
            agent: ureq::Agent::new_with_config(config),
            base_url: setup.base_url,
            base_origin: setup.base_origin,
            token: setup.token,
            user_agent: setup.user_agent,
            write_delay: setup.write_delay,
            retry: setup.retry,
            log: setup.log,
            clock: setup.clock,
            platform: setup.platform,
            trusted: roots.described,
            shared: Mutex::new(Shared {
                stats: Stats::default(),
                rate: RateLimit::default(),
                cache: EtagCache::default(),
                rng: seed | 1,
            }),
            write_lock: Mutex::new(None),
        }
    }

    /// The tracker it talks to (for its messages).
    pub(crate) fn platform(&self) -> Platform {
        self.platform
    }

    /// The API root (without a trailing `/`).
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `scheme://host[:port]` of the API root.
    pub(crate) fn base_origin(&self) -> &str {
        &self.base_origin
    }

    /// The token, to scrub text that might echo it.
    pub(crate) fn token(&self) -> &Secret {
        &self.token
    }

    pub(crate) fn verbosity(&self) -> u8 {
        self.log.verbosity()
    }

    /// Attempts in all for one request (at least 1).
    pub(crate) fn max_attempts(&self) -> u32 {
        self.retry.max_attempts
    }

    pub(crate) fn stats(&self) -> Stats {
        lock(&self.shared).stats
    }

    pub(crate) fn reset_stats(&self) {
        lock(&self.shared).stats = Stats::default();
    }

    /// Count a create of unknown outcome whose item the lookup found.
    pub(crate) fn count_adopted(&self) {
        lock(&self.shared).stats.adopted += 1;
    }

    /// Count a request sent again.
    pub(crate) fn count_retry(&self) {
        lock(&self.shared).stats.retries += 1;
    }

    pub(crate) fn rate_limit(&self) -> RateLimit {
        lock(&self.shared).rate
    }

    pub(crate) fn set_etag_cache(&self, cache: EtagCache) {
        lock(&self.shared).cache = cache;
    }

    pub(crate) fn etag_cache(&self) -> EtagCache {
        lock(&self.shared).cache.clone()
    }

    pub(crate) fn take_etag_cache(&self) -> EtagCache {
        std::mem::take(&mut lock(&self.shared).cache)
    }

    /// A line for the notice sink.
    pub(crate) fn notify(&self, line: &str) {
        self.log.notify(line);
    }

    /// Send `req`, handling the cache, rate limits, retries and write pacing.
    pub(crate) fn run(&self, req: &Req) -> Result<Resp, Failure> {
        let mut write_guard = req.method.is_write().then(|| lock(&self.write_lock));
        let mut failures = 0u32;
        let mut secondary_hits = 0u32;
        let display = req.display();
        loop {
            self.wait_if_exhausted();
            if let Some(guard) = write_guard.as_mut()
                && let Some(last) = **guard
            {
                let since = self.clock.now().duration_since(last).unwrap_or_default();
                if since < self.write_delay {
                    self.sleep(self.write_delay - since);
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
                Attempt::Certificate { problem, source } => {
                    return Err(Failure::Final(self.certificate_error(req, problem, source)));
                }
                Attempt::NotSent { error, retryable } => {
                    let err = self.transport_error(req, &error, false);
                    if !retryable {
                        return Err(Failure::Final(err));
                    }
                    failures += 1;
                    if failures >= self.retry.max_attempts {
                        return Err(Failure::Final(err));
                    }
                    self.retry_after_failure(
                        &display,
                        &short_cause(&err, self.platform),
                        failures,
                        None,
                    );
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
                    self.retry_after_failure(
                        &display,
                        &short_cause(&err, self.platform),
                        failures,
                        None,
                    );
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
                                &format!("{} answered {status}", self.platform),
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
        self.notify(&retry_notice(
            display,
            cause,
            delay,
            failures,
            self.retry.max_attempts,
        ));
        self.count_retry();
        self.sleep(delay);
    }

    fn note_rate(&self, headers: &http::HeaderMap) {
        let mut shared = lock(&self.shared);
        if let Some(rate) = shared.rate.updated(headers) {
            shared.rate = rate;
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
                let (wait, message) = reset_wait(self.platform, reset, now);
                self.notify(&message);
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
        let (wait, message) = throttle.wait(
            self.platform,
            || unix_seconds(self.clock.now()),
            secondary_hits,
        );
        self.notify(&message);
        {
            let mut shared = lock(&self.shared);
            shared.stats.rate_limit_waits += 1;
            // The wait covers the reset; do not wait again before the next request.
            shared.rate.remaining = None;
        }
        self.sleep(wait);
    }

    /// The back-off delay after the `failures`-th failure (1-based), jittered.
    pub(crate) fn backoff(&self, failures: u32) -> Duration {
        let unit = unit_draw(&mut lock(&self.shared).rng);
        self.retry.backoff(failures, unit)
    }

    /// Wait `d` on the client's clock, counted as waited.
    pub(crate) fn sleep(&self, d: Duration) {
        if d.is_zero() {
            return;
        }
        lock(&self.shared).stats.waited += d;
        self.clock.sleep(d);
    }

    fn transport_error(&self, req: &Req, error: &ureq::Error, maybe_sent: bool) -> Error {
        decode::transport_error(
            &self.base_url,
            req.display(),
            error,
            maybe_sent,
            &self.token,
        )
    }

    fn certificate_error(
        &self,
        req: &Req,
        problem: CertificateProblem,
        source: Box<dyn std::error::Error + Send + Sync>,
    ) -> Error {
        decode::certificate_error(
            &req.url,
            req.display(),
            problem,
            source,
            &self.base_origin,
            &self.trusted,
        )
    }

    fn status_error(&self, req: &Req, status: u16, headers: &http::HeaderMap, body: &str) -> Error {
        decode::error_from(req.display(), status, headers, body, &self.token)
    }

    /// One HTTP exchange.
    fn attempt(&self, req: &Req, etag: Option<&str>) -> Attempt {
        let mut builder = http::Request::builder()
            .method(req.method.as_str())
            .uri(req.url.as_str())
            .header("accept", accept(self.platform));
        let mut shown: Vec<(String, String)> =
            vec![("Accept".into(), accept(self.platform).into())];
        if self.platform == Platform::Github {
            builder = builder.header("x-github-api-version", API_VERSION);
            shown.push(("X-GitHub-Api-Version".into(), API_VERSION.into()));
        }
        builder = builder
            .header("user-agent", self.user_agent.as_str())
            .header("authorization", format!("Bearer {}", self.token.expose()));
        shown.push(("User-Agent".into(), self.user_agent.clone()));
        shown.push(("Authorization".into(), "Bearer ***".into()));
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
        self.log.request_headers(&shown);
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
                self.log.line(&format!(
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
                self.log.line(&format!("{display} → {status} ({ms} ms)"));
                self.log.response_headers(&parts.headers);
                Attempt::Response {
                    status,
                    headers: parts.headers,
                    body,
                }
            }
            Err(error) => {
                self.log.line(&format!(
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
}
