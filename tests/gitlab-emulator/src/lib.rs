//! A stateful emulator of the GitLab REST API v4 for the endpoints an
//! issue/milestone/label sync client uses, with GitLab's authentication,
//! error bodies, offset pagination, rate-limit headers and injectable
//! faults. The sibling of `github-emulator`, whose HTTP/1.1 wire code it
//! shares.
//!
//! ```no_run
//! use gitlab_emulator::{Emulator, Fault};
//! let emu = Emulator::start();
//! emu.add_token("glpat-t0ken", "alice", &["api"]);
//! let id = emu.add_project("group/sub/proj");
//! emu.inject(Fault::status(502).on("POST", &format!("/api/v4/projects/{id}/issues")));
//! // ... point a client at emu.api_url() ...
//! assert_eq!(emu.write_count(), 0);
//! ```
//!
//! Endpoints (`:id` is the numeric id or the URL-encoded full path):
//! `GET /user`; `GET /users?username=`; `GET /projects/:id`;
//! `GET|POST /projects/:id/issues`; `GET|PUT|DELETE …/issues/:iid`;
//! `GET|POST …/issues/:iid/notes`; `GET|PUT|DELETE …/issues/:iid/notes/:note_id`;
//! `GET|POST …/issues/:iid/links`; `GET|DELETE …/issues/:iid/links/:issue_link_id`;
//! `GET|POST …/milestones`; `GET|PUT|DELETE …/milestones/:milestone_id`;
//! `GET|POST …/labels`; `GET|PUT|DELETE …/labels/:label_id` (id or name);
//! `GET|POST …/releases`; `GET|PUT|DELETE …/releases/:tag_name`.
//! Anything else is `404 {"error":"404 Not Found"}`; a known path with
//! another method is `405 {"error":"405 Not Allowed"}`.
//!
//! Behaviour worth knowing:
//! * Tokens come as `PRIVATE-TOKEN: t` or `Authorization: Bearer t`. An
//!   unknown token is `401 {"message":"401 Unauthorized"}`, as is no token
//!   on most routes; an anonymous `GET` of a project or its issues is
//!   `404 Project Not Found` (every project is private). Writing with a
//!   `read_api` token is `403 {"error":"insufficient_scope",…}`.
//! * Users holding a token act as owners of every project; other users
//!   are members only through [`Emulator::add_member`]. Only members can be
//!   assigned (others are silently dropped, as GitLab does).
//! * Timestamps come from a clock tests can freeze and advance; the
//!   rate-limit window runs on the wall clock from a user's first request.
//! * `updated_at` moves only when an update changes something; a new or
//!   edited note touches its issue, and so does the system note GitLab
//!   writes on both issues when a link between them is made or removed.
//! * Blocking links (`blocks`, `is_blocked_by`) are GitLab Premium: with
//!   [`Options::blocking_links`] off they are refused as on GitLab Free.
//! * Responses build URLs from the `Host` header.
//! * The request log ([`Emulator::requests`]) keeps each request as sent.

mod api;
mod inspect;
mod issues;
mod labels;
mod links;
mod milestones;
mod model;
mod releases;
mod server;
mod time;

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub(crate) use github_emulator::http;

use crate::api::{Actor, Ctx, Reply, is_write};
use crate::http::Response;
use crate::model::{State, Urls};
use crate::time::Clock;

/// Start-up options. `Options::default()` behaves like GitLab.com (Premium).
#[derive(Debug, Clone)]
pub struct Options {
    /// Port to listen on (127.0.0.1); 0 picks a free one.
    pub port: u16,
    /// Authenticated API requests per user and window (default 2000).
    pub rate_limit: u32,
    /// Length of a rate-limit window, from a user's first request (default 60 s).
    pub rate_limit_window: Duration,
    /// Scoped labels (`scope::value`) are mutually exclusive on an issue
    /// (GitLab Premium; default true).
    pub scoped_labels: bool,
    /// Issues take several assignees (GitLab Premium; default true). When
    /// false only the first one is kept, as on GitLab Free.
    pub multiple_assignees: bool,
    /// Issue links may be `blocks` / `is_blocked_by` (GitLab Premium; default
    /// true). When false asking for one is `403 Blocked issues not available
    /// for current license`, as on GitLab Free: only `relates_to` links.
    pub blocking_links: bool,
    /// Latency added to every request.
    pub latency: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 0,
            rate_limit: 2000,
            rate_limit_window: Duration::from_secs(60),
            scoped_labels: true,
            multiple_assignees: true,
            blocking_links: true,
            latency: Duration::ZERO,
        }
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and body (default `{"message":"502 Bad Gateway"}`), touching nothing.
    Status { status: u16, body: Option<String> },
    /// Read the request, then close the socket without answering.
    Drop,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Handle the request (the write happens), then close the socket
    /// without sending the response.
    WriteThenDrop,
    /// Rack::Attack's throttle: 429, `text/plain` `Retry later`, with
    /// `Retry-After` and the `RateLimit-*` headers.
    TooManyRequests { retry_after_secs: u64 },
}

/// A fault for the next `times` requests matching `method` and `path_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// HTTP method to match (any when `None`), case-insensitive.
    pub method: Option<String>,
    /// Prefix of the request path (query excluded); empty matches all.
    /// Matched against the path as sent and against its other project
    /// form (`/api/v4/projects/7/…` ⇄ `/api/v4/projects/group%2Fproj/…`).
    pub path_prefix: String,
    /// How many matching requests it affects.
    pub times: usize,
}

impl Fault {
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            method: None,
            path_prefix: String::new(),
            times: 1,
        }
    }

    /// Answer with `status` and a GitLab-style JSON body.
    pub fn status(status: u16) -> Fault {
        Fault::new(FaultKind::Status { status, body: None })
    }

    /// Close the connection after reading the request, without answering.
    pub fn drop_connection() -> Fault {
        Fault::new(FaultKind::Drop)
    }

    /// Delay the response by `by`.
    pub fn delay(by: Duration) -> Fault {
        Fault::new(FaultKind::Delay(by))
    }

    /// Perform the request, then drop the connection before answering.
    pub fn write_then_drop() -> Fault {
        Fault::new(FaultKind::WriteThenDrop)
    }

    /// A 429 with `Retry-After: retry_after_secs`.
    pub fn too_many_requests(retry_after_secs: u64) -> Fault {
        Fault::new(FaultKind::TooManyRequests { retry_after_secs })
    }

    /// Restrict to a method and a path prefix (e.g. `"POST"`, `"/api/v4/projects/1/issues"`).
    pub fn on(mut self, method: &str, path_prefix: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self.path_prefix = path_prefix.to_string();
        self
    }

    /// Restrict to a path prefix, any method.
    pub fn path(mut self, path_prefix: &str) -> Fault {
        self.path_prefix = path_prefix.to_string();
        self
    }

    /// Affect the next `k` matching requests (default 1).
    pub fn times(mut self, k: usize) -> Fault {
        self.times = k;
        self
    }

    /// Body for a `Status` fault (sent as `application/json`).
    pub fn with_body(mut self, body: impl Into<String>) -> Fault {
        if let FaultKind::Status { body: b, .. } = &mut self.kind {
            *b = Some(body.into());
        }
        self
    }

    fn matches(&self, method: &str, paths: &[String]) -> bool {
        let prefix = self.path_prefix.replace("%2f", "%2F");
        self.times > 0
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && paths.iter().any(|p| p.starts_with(&prefix))
    }
}

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// Path with query string, as sent.
    pub target: String,
    /// The request headers as sent (names as the client spelled them), in order.
    pub headers: Vec<(String, String)>,
    /// Status the server produced; `None` when the connection was dropped
    /// before anything was produced.
    pub status: Option<u16>,
    /// The connection was closed without sending the response.
    pub dropped: bool,
    /// An injected fault affected it.
    pub faulted: bool,
    /// Username of the token used, if valid.
    pub username: Option<String>,
    /// When it was received (wall clock).
    pub at: SystemTime,
}

impl RequestRecord {
    /// POST, PATCH, PUT or DELETE.
    pub fn is_write(&self) -> bool {
        is_write(&self.method)
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The first value of the request header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        http::header_value(&self.headers, name)
    }
}

/// Result of [`Emulator::api_as`].
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    /// JSON body (`Null` for 204).
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    used: u32,
    reset_at: SystemTime,
}

impl Bucket {
    fn refresh(&mut self, now: SystemTime, window: Duration) {
        if now >= self.reset_at {
            self.used = 0;
            self.reset_at = now + window;
        }
    }

    fn reset_epoch(&self) -> i64 {
        let d = self.reset_at.duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX) + i64::from(d.subsec_nanos() > 0)
    }
}

struct Inner {
    state: State,
    tokens: HashMap<String, Actor>,
    options: Options,
    clock: Clock,
    faults: Vec<Fault>,
    log: Vec<RequestRecord>,
    buckets: HashMap<u64, Bucket>,
    request_seq: u64,
}

impl Inner {
    fn ctx<'a>(&self, base: String, actor: Option<&'a Actor>) -> Ctx<'a> {
        Ctx {
            urls: Urls { base },
            now: self.clock.now(),
            actor,
            scoped_labels: self.options.scoped_labels,
            multiple_assignees: self.options.multiple_assignees,
            blocking_links: self.options.blocking_links,
        }
    }
}

struct Shared {
    inner: Mutex<Inner>,
    addr: SocketAddr,
    shutdown: AtomicBool,
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock must not take every later test
        // assertion down with it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The running emulator. Dropping it stops the server and closes every
/// open connection. `Emulator` is `Send + Sync`.
pub struct Emulator {
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts on a free port with default options.
    ///
    /// # Panics
    /// If no local port can be bound.
    pub fn start() -> Emulator {
        Emulator::start_with(Options::default())
    }

    /// Starts with `options`.
    ///
    /// # Panics
    /// If the port cannot be bound; use [`Emulator::try_start_with`] to handle that.
    pub fn start_with(options: Options) -> Emulator {
        match Emulator::try_start_with(options) {
            Ok(e) => e,
            Err(e) => panic!("gitlab-emulator: cannot listen on 127.0.0.1: {e}"),
        }
    }

    /// Starts with `options`, reporting bind errors.
    pub fn try_start_with(options: Options) -> io::Result<Emulator> {
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                state: State::default(),
                tokens: HashMap::new(),
                options,
                clock: Clock::default(),
                faults: Vec::new(),
                log: Vec::new(),
                buckets: HashMap::new(),
                request_seq: 0,
            }),
            addr,
            shutdown: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("gitlab-emulator-accept".into())
            .spawn(move || server::accept_loop(&accept_shared, &listener))?;
        Ok(Emulator {
            shared,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`, the instance root (web URLs hang off it too).
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `url() + "/api/v4"`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v4", self.url())
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }

    // ----- set-up -------------------------------------------------------

    /// Registers a user (idempotent) and returns its id.
    pub fn add_user(&self, username: &str) -> u64 {
        let mut inner = self.lock();
        let now = inner.clock.now();
        inner.state.ensure_user(username, now)
    }

    /// Registers a personal access token for `username` (the user is
    /// created) with `scopes`: `api` reads and writes, `read_api` only reads.
    pub fn add_token(&self, token: &str, username: &str, scopes: &[&str]) {
        let mut inner = self.lock();
        let now = inner.clock.now();
        let user_id = inner.state.ensure_user(username, now);
        inner.state.token_users.insert(user_id);
        let username = inner
            .state
            .user(user_id)
            .map_or_else(|| username.to_string(), |u| u.username.clone());
        inner.tokens.insert(
            token.to_string(),
            Actor {
                user_id,
                username,
                scopes: scopes.iter().map(|s| (*s).to_string()).collect(),
            },
        );
    }

    /// Creates the project `group/sub/proj` (namespaces as needed;
    /// idempotent) and returns its id.
    pub fn add_project(&self, path: &str) -> u64 {
        let mut inner = self.lock();
        let now = inner.clock.now();
        let i = inner.state.ensure_project(path, now);
        inner.state.projects[i].id
    }

    /// Makes `username` (created if needed) a Developer of the project, so
    /// it can be assigned.
    ///
    /// # Panics
    /// If the project does not exist.
    pub fn add_member(&self, project: &str, username: &str) {
        let mut inner = self.lock();
        let now = inner.clock.now();
        let user = inner.state.ensure_user(username, now);
        let Some(i) = inner.state.project_index(project) else {
            panic!("gitlab-emulator: add_member: no project {project:?}");
        };
        inner.state.projects[i]
            .members
            .entry(user)
            .or_insert(model::DEVELOPER);
    }

    // ----- faults, latency, limits --------------------------------------

    /// Queues a fault; faults are matched in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Removes all pending faults.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Number of faults not yet used up.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    /// Latency added to every request from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().options.latency = latency;
    }

    /// Offers blocking links from now on (GitLab Premium), or refuses them (GitLab
    /// Free); links made before stay as they are.
    pub fn set_blocking_links(&self, on: bool) {
        self.lock().options.blocking_links = on;
    }

    /// Changes the rate limit and window; counters restart.
    pub fn set_rate_limit(&self, limit: u32, window: Duration) {
        let mut inner = self.lock();
        inner.options.rate_limit = limit;
        inner.options.rate_limit_window = window;
        inner.buckets.clear();
    }

    /// Starts a fresh window for everyone.
    pub fn reset_rate_limit(&self) {
        self.lock().buckets.clear();
    }

    // ----- clock --------------------------------------------------------

    /// Freezes the clock at an ISO 8601 time (`2026-12-03T10:00:00Z`).
    ///
    /// # Panics
    /// If `iso` is not a valid timestamp.
    pub fn set_time(&self, iso: &str) {
        let Some(at) = time::parse_ts(iso) else {
            panic!("gitlab-emulator: set_time: {iso:?} is not an ISO 8601 timestamp");
        };
        self.lock().clock = Clock::Frozen { at };
    }

    /// Freezes the clock at the current time.
    pub fn freeze_time(&self) {
        let mut inner = self.lock();
        let at = inner.clock.now();
        inner.clock = Clock::Frozen { at };
    }

    /// Moves the clock forward (frozen or not).
    pub fn advance_time(&self, by: Duration) {
        self.lock().clock.advance(by);
    }

    /// Back to wall-clock time.
    pub fn resume_real_time(&self) {
        self.lock().clock = Clock::default();
    }

    /// The clock's current time, as GitLab formats it (`2026-12-03T10:00:00.000Z`).
    pub fn now(&self) -> String {
        time::format_ts(self.lock().clock.now())
    }

    // ----- request log --------------------------------------------------

    /// Every request received since start or the last [`Emulator::reset_log`].
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().log.clone()
    }

    /// Number of GET/HEAD (and other non-write) requests logged.
    pub fn read_count(&self) -> usize {
        self.lock().log.iter().filter(|r| !r.is_write()).count()
    }

    /// Number of POST/PATCH/PUT/DELETE requests logged (including ones a
    /// fault answered or dropped).
    pub fn write_count(&self) -> usize {
        self.lock().log.iter().filter(|r| r.is_write()).count()
    }

    pub fn reset_log(&self) {
        self.lock().log.clear();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.shared.addr, Duration::from_secs(1));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
        let conns =
            std::mem::take(&mut *self.shared.conns.lock().unwrap_or_else(|p| p.into_inner()));
        for stream in conns.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Keeps `Reply` and `Response` types in one place for the server module.
pub(crate) fn reply_to_response(reply: Reply, mut headers: Vec<(String, String)>) -> Response {
    headers.extend(reply.headers);
    let body = match reply.body {
        Some(v) => {
            headers.push(("Content-Type".into(), "application/json".into()));
            v.to_string().into_bytes()
        }
        None => Vec::new(),
    };
    Response {
        status: reply.status,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emulator_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Emulator>();
    }

    #[test]
    fn faults_match_method_and_either_project_form() {
        let f = Fault::status(502)
            .on("post", "/api/v4/projects/g%2fp/issues")
            .times(2);
        let paths = vec![
            "/api/v4/projects/1/issues/3".to_string(),
            "/api/v4/projects/g%2Fp/issues/3".to_string(),
        ];
        assert!(f.matches("POST", &paths));
        assert!(!f.matches("GET", &paths));
        assert!(!f.matches("POST", &["/api/v4/projects/1/labels".to_string()]));
        assert!(Fault::drop_connection().matches("GET", &["/x".to_string()]));
        assert!(
            !Fault::drop_connection()
                .times(0)
                .matches("GET", &["/x".to_string()])
        );
    }
}
