//! A stateful emulator of the GitHub REST API (api.github.com) for the
//! endpoints an issue/milestone/label sync client uses, with GitHub's
//! authentication, error bodies, pagination, conditional requests, rate
//! limits, and injectable faults.
//!
//! ```no_run
//! use github_emulator::{Emulator, Fault};
//! let emu = Emulator::start();
//! emu.add_token("t0ken", "octocat", &["repo"]);
//! emu.add_repo("octocat", "hello");
//! emu.inject(Fault::status(502).on("POST", "/repos/octocat/hello/issues"));
//! // ... point a client at emu.url() ...
//! assert_eq!(emu.write_count(), 0);
//! ```
//!
//! Endpoints (`/repos/{o}/{r}/…` also answers as `/repositories/{id}/…`,
//! the form GitHub uses in `Link` headers):
//! `GET /user`; `GET /repos/{o}/{r}`; `GET|POST …/issues`;
//! `GET|PATCH …/issues/{n}`; `GET|POST|PUT|DELETE …/issues/{n}/labels`;
//! `DELETE …/issues/{n}/labels/{name}`; `GET|POST …/issues/{n}/comments`;
//! `GET|PATCH|DELETE …/issues/comments/{id}`; `GET|POST …/milestones`;
//! `GET|PATCH|DELETE …/milestones/{n}`; `GET|POST …/labels`;
//! `GET|PATCH|DELETE …/labels/{name}`; `GET|POST …/releases`,
//! `GET …/releases/tags/{tag}`, `GET|PATCH|DELETE …/releases/{id}`;
//! `GET|POST …/issues/{n}/dependencies/blocked_by`,
//! `DELETE …/dependencies/blocked_by/{id}`, `GET …/dependencies/blocking`;
//! `GET|POST …/issues/{n}/sub_issues`, `DELETE …/issues/{n}/sub_issue`,
//! `GET …/issues/{n}/parent`. Projects (v2), under `/orgs/{org}` and
//! `/users/{username}` (also `/organizations/{id}` and `/user/{id}`, the forms
//! GitHub's `Link` headers use): `GET …/projectsV2/{n}`, `GET …/fields`,
//! `GET …/fields/{id}`, `GET|POST …/items`, `GET|PATCH|DELETE …/items/{id}`.
//! Anything else is GitHub's 404.
//!
//! Behaviour worth knowing:
//! * No token: 401 `Requires authentication`; an unknown token: 401
//!   `Bad credentials` (both as GitHub words them). Writing needs the
//!   `repo` (or `public_repo`) scope, else 403 `Resource not accessible by
//!   personal access token`.
//! * Timestamps come from a clock tests can freeze and advance; the
//!   primary rate-limit window runs on the wall clock (clients compare
//!   `x-ratelimit-reset` with their own clock), so tests use short windows.
//! * `updated_at` moves only when an edit changes something, as on GitHub.
//! * A 200 GET carries a weak ETag; `If-None-Match` answers 304, free.
//! * Milestone `due_on` is kept as GitHub keeps it: as a Pacific-time date
//!   (see [`Options::pacific_due_dates`]).
//! * Responses build URLs from `X-Forwarded-Host` or `Host`, so links work
//!   through proxies such as the [`contract`] checker.
//! * The request log ([`Emulator::requests`]) keeps each request's method,
//!   target, headers (as sent) and how it was answered.
//! * Every issue carries `parent_issue_url` and `sub_issues_summary`. A
//!   sub-issue is added by its database `id` (`{"sub_issue_id": …}`), has one
//!   parent (another parent: `422` `An error occurred while adding the
//!   sub-issue to the parent issue. Sub issue may only have one parent`, unless
//!   `replace_parent`; this parent again: `422` `… Issue may not contain
//!   duplicate sub-issues and Sub issue may only have one parent`), and adding
//!   or removing one moves the `updated_at` of parent and child. See
//!   [`Emulator::set_parent`].
//! * Projects (v2) are set up with [`Emulator::add_project`]. Reading them needs
//!   the `read:project` or `project` scope, changing items `project` (else
//!   `403` `Resource not accessible by personal access token`). Items and
//!   fields page by cursor (`after`/`before` in `Link` URLs); items show the
//!   Title value unless `fields=` names others; adding an issue twice is `422`
//!   `Content already exists in this project`; a bad field or option in a
//!   `PATCH` is `400` (`Field validation errors`, `Invalid field values`), as
//!   GitHub answers. Adding, moving or removing an item leaves the issue's
//!   `updated_at` alone.

pub mod contract;

pub use api::projects::ProjectOwner;

mod api;
/// The HTTP/1.1 wire code (request/response parsing and writing, percent
/// encoding), shared with the sibling `gitlab-emulator` crate.
pub mod clock;
pub mod http;
mod model;
mod time;

use std::collections::HashMap;
use std::io::{self, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::api::{Actor, ApiRequest, Ctx, GENERIC_DOCS, Reply, is_write};
use crate::http::{Request, Response};
use crate::model::{State, Urls};
use crate::time::Clock;

/// How `Link` header URLs name the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkStyle {
    /// `…/repositories/{id}/issues?page=2`, as api.github.com does.
    #[default]
    RepositoryId,
    /// `…/repos/{owner}/{repo}/issues?page=2`.
    OwnerRepo,
}

/// Start-up options. `Options::default()` behaves like api.github.com.
#[derive(Debug, Clone)]
pub struct Options {
    /// Port to listen on (127.0.0.1); 0 picks a free one.
    pub port: u16,
    /// Primary rate limit per user and window (default 5000).
    pub rate_limit: u32,
    /// Length of a rate-limit window, measured in wall-clock time from the
    /// first request of the window (default one hour).
    pub rate_limit_window: Duration,
    /// Status used when the primary rate limit is exhausted: 403 (default) or 429.
    pub rate_limit_status: u16,
    /// Accept unauthenticated GET requests (default false: 401).
    pub anonymous_reads: bool,
    /// Primary rate limit for unauthenticated requests (default 60).
    pub anonymous_rate_limit: u32,
    /// Latency added to every request.
    pub latency: Duration,
    /// URL style of pagination links.
    pub link_style: LinkStyle,
    /// Give new repositories GitHub's nine default labels (default false, so
    /// tests start from an empty label list).
    pub default_labels: bool,
    /// Store milestone `due_on` as GitHub does: the date in US Pacific time,
    /// reported as Pacific midnight in UTC (default true).
    pub pacific_due_dates: bool,
    /// Root of `html_url`s (default `https://github.com`).
    pub web_url: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 0,
            rate_limit: 5000,
            rate_limit_window: Duration::from_secs(3600),
            rate_limit_status: 403,
            anonymous_reads: false,
            anonymous_rate_limit: 60,
            latency: Duration::ZERO,
            link_style: LinkStyle::RepositoryId,
            default_labels: false,
            pacific_due_dates: true,
            web_url: "https://github.com".to_string(),
        }
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status (e.g. 500/502/503) and body, touching nothing.
    Status { status: u16, body: Option<String> },
    /// Read the request, then close the socket without answering.
    Drop,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Handle the request (the write happens), then close the socket
    /// without sending the response.
    WriteThenDrop,
    /// GitHub's secondary rate limit: `status` (403 or 429) with
    /// `retry-after: retry_after_secs`.
    SecondaryRateLimit { status: u16, retry_after_secs: u64 },
}

/// A fault for the next `times` requests matching `method` and `path_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    /// HTTP method to match (any when `None`), case-insensitive.
    pub method: Option<String>,
    /// Prefix of the request path (query excluded); empty matches all.
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

    /// Answer with `status` and a GitHub-style JSON body.
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

    /// A 403 secondary rate limit with `retry-after`.
    pub fn secondary_rate_limit(retry_after_secs: u64) -> Fault {
        Fault::new(FaultKind::SecondaryRateLimit {
            status: 403,
            retry_after_secs,
        })
    }

    /// A 429 secondary rate limit with `retry-after`.
    pub fn too_many_requests(retry_after_secs: u64) -> Fault {
        Fault::new(FaultKind::SecondaryRateLimit {
            status: 429,
            retry_after_secs,
        })
    }

    /// Restrict to a method and a path prefix (e.g. `"POST"`, `"/repos/o/r/issues"`).
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

    fn matches(&self, method: &str, path: &str) -> bool {
        self.times > 0
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path_prefix)
    }
}

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// Path with query string, as sent.
    pub path: String,
    /// Status the server produced; `None` when the connection was dropped
    /// before anything was produced.
    pub status: Option<u16>,
    /// The request carried `If-None-Match`.
    pub conditional: bool,
    /// It was answered `304 Not Modified`.
    pub not_modified: bool,
    /// The connection was closed without sending the response.
    pub dropped: bool,
    /// An injected fault affected it.
    pub faulted: bool,
    /// Login of the token used, if any.
    pub login: Option<String>,
    /// When it was received (wall clock).
    pub at: SystemTime,
    /// The request headers as sent (names as the client spelled them), in order.
    pub headers: Vec<(String, String)>,
}

impl RequestRecord {
    /// POST, PATCH, PUT or DELETE.
    pub fn is_write(&self) -> bool {
        is_write(&self.method)
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

    fn reset_epoch(&self) -> u64 {
        let d = self.reset_at.duration_since(UNIX_EPOCH).unwrap_or_default();
        d.as_secs() + u64::from(d.subsec_nanos() > 0)
    }
}

struct Inner {
    state: State,
    releases: api::releases::Releases,
    projects: api::projects::Projects,
    tokens: HashMap<String, Actor>,
    options: Options,
    clock: Clock,
    faults: Vec<Fault>,
    log: Vec<RequestRecord>,
    buckets: HashMap<String, Bucket>,
    request_seq: u64,
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
            Err(e) => panic!("github-emulator: cannot listen on 127.0.0.1: {e}"),
        }
    }

    /// Starts with `options`, reporting bind errors.
    pub fn try_start_with(options: Options) -> io::Result<Emulator> {
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                state: State::default(),
                releases: api::releases::Releases::default(),
                projects: api::projects::Projects::default(),
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
            .name("github-emulator-accept".into())
            .spawn(move || accept_loop(&accept_shared, &listener))?;
        Ok(Emulator {
            shared,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`, the API root.
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }

    // ----- set-up -------------------------------------------------------

    /// Registers a token for `login` (the user is created) with OAuth
    /// `scopes`. Writing needs `repo` (or `public_repo`).
    pub fn add_token(&self, token: &str, login: &str, scopes: &[&str]) {
        let mut inner = self.lock();
        let now = inner.clock.now();
        make_user(&mut inner.state, login, now);
        let login = inner
            .state
            .user(login)
            .map_or_else(|| login.to_string(), |u| u.login.clone());
        inner.tokens.insert(
            token.to_string(),
            Actor {
                login,
                scopes: scopes.iter().map(|s| (*s).to_string()).collect(),
            },
        );
    }

    /// Registers a user that can be assigned to issues.
    pub fn add_user(&self, login: &str) {
        let mut inner = self.lock();
        let now = inner.clock.now();
        make_user(&mut inner.state, login, now);
    }

    /// Creates the repository `owner/name` (idempotent).
    pub fn add_repo(&self, owner: &str, name: &str) {
        let mut inner = self.lock();
        let now = inner.clock.now();
        let default_labels = inner.options.default_labels;
        inner.state.ensure_repo(owner, name, default_labels, now);
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

    /// Total number of requests the pending faults will still affect.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.iter().map(|f| f.times).sum()
    }

    /// Latency added to every request from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().options.latency = latency;
    }

    /// Changes the primary rate limit and window; counters restart.
    pub fn set_rate_limit(&self, limit: u32, window: Duration) {
        let mut inner = self.lock();
        inner.options.rate_limit = limit;
        inner.options.rate_limit_window = window;
        inner.buckets.clear();
    }

    /// Status for an exhausted primary limit: 403 (GitHub's usual) or 429.
    pub fn set_rate_limit_status(&self, status: u16) {
        self.lock().options.rate_limit_status = status;
    }

    /// Starts a fresh window for everyone.
    pub fn reset_rate_limit(&self) {
        self.lock().buckets.clear();
    }

    /// Requests `login` has left in the current window.
    pub fn rate_limit_remaining(&self, login: &str) -> u32 {
        let mut inner = self.lock();
        let limit = inner.options.rate_limit;
        let window = inner.options.rate_limit_window;
        let bucket = bucket_for(&mut inner.buckets, &login.to_ascii_lowercase(), window);
        limit.saturating_sub(bucket.used)
    }

    /// Accept unauthenticated reads (or not).
    pub fn set_anonymous_reads(&self, allow: bool) {
        self.lock().options.anonymous_reads = allow;
    }

    // ----- clock --------------------------------------------------------

    /// Freezes the clock at an ISO 8601 time (`2024-05-01T10:00:00Z`).
    ///
    /// # Panics
    /// If `iso` is not a valid timestamp.
    pub fn set_time(&self, iso: &str) {
        let Some(at) = time::parse_ts(iso) else {
            panic!("github-emulator: set_time: {iso:?} is not an ISO 8601 timestamp");
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

    /// The clock's current time, as GitHub formats it.
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

    /// Number of requests answered 304.
    pub fn not_modified_count(&self) -> usize {
        self.lock().log.iter().filter(|r| r.not_modified).count()
    }

    pub fn reset_log(&self) {
        self.lock().log.clear();
    }

    // ----- state inspection ---------------------------------------------

    fn render<T>(&self, f: impl FnOnce(&State, &Urls) -> T) -> T {
        let inner = self.lock();
        let urls = Urls {
            api: self.url(),
            web: inner.options.web_url.clone(),
        };
        f(&inner.state, &urls)
    }

    /// The repository as `GET /repos/{owner}/{repo}` shows it.
    pub fn repo(&self, owner: &str, repo: &str) -> Option<Value> {
        self.render(|state, urls| {
            let r = &state.repos[state.repo_index(owner, repo)?];
            Some(model::repo_json(state, urls, r, true, true))
        })
    }

    /// All issues (open and closed), by number.
    pub fn issues(&self, owner: &str, repo: &str) -> Vec<Value> {
        self.render(|state, urls| {
            let Some(i) = state.repo_index(owner, repo) else {
                return Vec::new();
            };
            let r = &state.repos[i];
            r.issues
                .values()
                .map(|issue| model::issue_json(state, urls, r, issue))
                .collect()
        })
    }

    pub fn issue(&self, owner: &str, repo: &str, number: u64) -> Option<Value> {
        self.render(|state, urls| {
            let r = &state.repos[state.repo_index(owner, repo)?];
            r.issues
                .get(&number)
                .map(|issue| model::issue_json(state, urls, r, issue))
        })
    }

    /// All milestones (open and closed), by number.
    pub fn milestones(&self, owner: &str, repo: &str) -> Vec<Value> {
        self.render(|state, urls| {
            let Some(i) = state.repo_index(owner, repo) else {
                return Vec::new();
            };
            let r = &state.repos[i];
            r.milestones
                .values()
                .map(|m| model::milestone_json(state, urls, r, m))
                .collect()
        })
    }

    pub fn milestone(&self, owner: &str, repo: &str, number: u64) -> Option<Value> {
        self.render(|state, urls| {
            let r = &state.repos[state.repo_index(owner, repo)?];
            r.milestones
                .get(&number)
                .map(|m| model::milestone_json(state, urls, r, m))
        })
    }

    /// All labels, in creation order.
    pub fn labels(&self, owner: &str, repo: &str) -> Vec<Value> {
        self.render(|state, urls| {
            let Some(i) = state.repo_index(owner, repo) else {
                return Vec::new();
            };
            let r = &state.repos[i];
            r.labels
                .iter()
                .map(|l| model::label_json(urls, r, l))
                .collect()
        })
    }

    /// Comments of one issue, oldest first.
    pub fn comments(&self, owner: &str, repo: &str, number: u64) -> Vec<Value> {
        self.render(|state, urls| {
            let Some(i) = state.repo_index(owner, repo) else {
                return Vec::new();
            };
            let r = &state.repos[i];
            r.comments
                .iter()
                .filter(|c| c.issue == number)
                .map(|c| model::comment_json(state, urls, r, c))
                .collect()
        })
    }

    // ----- direct changes (a teammate editing on GitHub) ----------------

    /// Performs an API call directly on the state as `login` (with the `repo`
    /// and `project` scopes), bypassing the network, the log, faults and rate
    /// limits. Same validation and side effects as the HTTP API.
    /// `path` may carry a query string.
    pub fn api_as(
        &self,
        login: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> ApiResponse {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let actor = Actor {
            login: login.to_string(),
            scopes: vec!["repo".to_string(), "project".to_string()],
        };
        let mut inner = self.lock();
        let urls = Urls {
            api: self.url(),
            web: inner.options.web_url.clone(),
        };
        let ctx = Ctx {
            urls,
            now: inner.clock.now(),
            actor: Some(&actor),
            pacific_due_dates: inner.options.pacific_due_dates,
            link_style: inner.options.link_style,
        };
        let req = ApiRequest {
            method,
            path,
            raw_query: query,
            body: body.as_bytes(),
        };
        let inner = &mut *inner;
        let reply = api::handle(
            &mut inner.state,
            &mut inner.releases,
            &mut inner.projects,
            &ctx,
            &req,
        );
        ApiResponse {
            status: reply.status,
            body: reply.body.unwrap_or(Value::Null),
            headers: reply.headers,
        }
    }

    fn owner_of(&self, owner: &str, repo: &str) -> String {
        let inner = self.lock();
        inner
            .state
            .repo_index(owner, repo)
            .map_or_else(|| owner.to_string(), |i| inner.state.repos[i].owner.clone())
    }

    fn change(
        &self,
        owner: &str,
        repo: &str,
        method: &str,
        rest: &str,
        body: Option<&Value>,
    ) -> Value {
        let login = self.owner_of(owner, repo);
        let path = format!("/repos/{owner}/{repo}/{rest}");
        let res = self.api_as(&login, method, &path, body);
        if !(200..300).contains(&res.status) {
            panic!(
                "github-emulator: {method} {path} failed with {}: {}",
                res.status, res.body
            );
        }
        res.body
    }

    /// Creates an issue as the repository owner (`{"title": …, …}` as for
    /// `POST /repos/{o}/{r}/issues`). Panics if GitHub would reject it.
    pub fn create_issue(&self, owner: &str, repo: &str, issue: Value) -> Value {
        self.change(owner, repo, "POST", "issues", Some(&issue))
    }

    /// Edits an issue as the repository owner, like `PATCH …/issues/{n}`
    /// (bumps `updated_at` when something changes). Panics on rejection.
    pub fn edit_issue(&self, owner: &str, repo: &str, number: u64, patch: Value) -> Value {
        self.change(
            owner,
            repo,
            "PATCH",
            &format!("issues/{number}"),
            Some(&patch),
        )
    }

    /// Makes issue `number` blocked by issue `blocking` of the same repository, as the
    /// repository owner would on GitHub (`POST …/dependencies/blocked_by` with the blocking
    /// issue's database id). Panics on rejection.
    pub fn add_dependency(&self, owner: &str, repo: &str, number: u64, blocking: u64) -> Value {
        let id = self
            .issue(owner, repo, blocking)
            .and_then(|i| i["id"].as_u64())
            .unwrap_or_else(|| panic!("github-emulator: no issue #{blocking} in {owner}/{repo}"));
        self.change(
            owner,
            repo,
            "POST",
            &format!("issues/{number}/dependencies/blocked_by"),
            Some(&json!({ "issue_id": id })),
        )
    }

    /// Removes issue `blocking` (same repository) from what issue `number` is blocked by.
    /// Panics if it is not there.
    pub fn remove_dependency(&self, owner: &str, repo: &str, number: u64, blocking: u64) -> Value {
        let id = self
            .issue(owner, repo, blocking)
            .and_then(|i| i["id"].as_u64())
            .unwrap_or_else(|| panic!("github-emulator: no issue #{blocking} in {owner}/{repo}"));
        self.change(
            owner,
            repo,
            "DELETE",
            &format!("issues/{number}/dependencies/blocked_by/{id}"),
            None,
        )
    }

    /// The numbers of the issues (of this repository) that issue `number` is blocked by.
    pub fn blocked_by(&self, owner: &str, repo: &str, number: u64) -> Vec<u64> {
        let inner = self.lock();
        let Some(ri) = inner.state.repo_index(owner, repo) else {
            return Vec::new();
        };
        let Some(issue) = inner.state.repos[ri].issues.get(&number) else {
            return Vec::new();
        };
        issue
            .blocked_by
            .iter()
            .filter_map(|id| inner.state.issue_by_id(*id))
            .filter(|(r, _)| *r == ri)
            .map(|(_, i)| i.number)
            .collect()
    }

    /// Adds a comment as the repository owner. Panics on rejection.
    pub fn add_comment(&self, owner: &str, repo: &str, number: u64, body: &str) -> Value {
        self.change(
            owner,
            repo,
            "POST",
            &format!("issues/{number}/comments"),
            Some(&json!({ "body": body })),
        )
    }

    /// Creates a milestone as the repository owner. Panics on rejection.
    pub fn create_milestone(&self, owner: &str, repo: &str, milestone: Value) -> Value {
        self.change(owner, repo, "POST", "milestones", Some(&milestone))
    }

    /// Edits a milestone as the repository owner. Panics on rejection.
    pub fn edit_milestone(&self, owner: &str, repo: &str, number: u64, patch: Value) -> Value {
        self.change(
            owner,
            repo,
            "PATCH",
            &format!("milestones/{number}"),
            Some(&patch),
        )
    }

    /// Deletes a milestone. Panics if it does not exist.
    pub fn delete_milestone(&self, owner: &str, repo: &str, number: u64) {
        self.change(owner, repo, "DELETE", &format!("milestones/{number}"), None);
    }

    /// Creates a label (`{"name":…, "color":…, "description":…}`). Panics on rejection.
    pub fn create_label(&self, owner: &str, repo: &str, label: Value) -> Value {
        self.change(owner, repo, "POST", "labels", Some(&label))
    }

    /// Edits a label (`{"new_name":…, "color":…, "description":…}`). Panics on rejection.
    pub fn edit_label(&self, owner: &str, repo: &str, name: &str, patch: Value) -> Value {
        let rest = format!("labels/{}", http::percent_encode(name));
        self.change(owner, repo, "PATCH", &rest, Some(&patch))
    }

    /// Deletes a label (and removes it from issues). Panics if it does not exist.
    pub fn delete_label(&self, owner: &str, repo: &str, name: &str) {
        let rest = format!("labels/{}", http::percent_encode(name));
        self.change(owner, repo, "DELETE", &rest, None);
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

fn make_user(state: &mut State, login: &str, now: i64) {
    state.ensure_user(login, false, now);
    if let Some(u) = state
        .users
        .iter_mut()
        .find(|u| u.login.eq_ignore_ascii_case(login))
    {
        u.organization = false;
    }
}

fn bucket_for<'a>(
    buckets: &'a mut HashMap<String, Bucket>,
    key: &str,
    window: Duration,
) -> &'a mut Bucket {
    let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
        used: 0,
        reset_at: UNIX_EPOCH,
    });
    bucket.refresh(SystemTime::now(), window);
    bucket
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            continue;
        };
        let conn_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("github-emulator-conn".into())
            .spawn(move || serve_connection(&conn_shared, stream));
        if spawned.is_err() {
            // Out of threads: the dropped stream closes the connection.
            continue;
        }
    }
}

enum Outcome {
    Respond(Response),
    Drop,
}

fn serve_connection(shared: &Arc<Shared>, stream: TcpStream) {
    let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
    if let Ok(clone) = stream.try_clone() {
        shared
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, clone);
    }
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let request = http::read_request(&mut reader, || {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            writer.flush()
        });
        let request = match request {
            Ok(Some(r)) => r,
            Ok(None) | Err(_) => break,
        };
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let keep_alive = request.keep_alive();
        match process(shared, &request) {
            Outcome::Respond(response) => {
                let head_only = request.method.eq_ignore_ascii_case("HEAD");
                if response
                    .write_to(&mut writer, keep_alive, head_only)
                    .is_err()
                    || !keep_alive
                {
                    break;
                }
            }
            Outcome::Drop => break,
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
    shared
        .conns
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&id);
}

/// Authentication result.
enum Auth {
    Token(Actor),
    Anonymous,
    Rejected(&'static str),
}

fn authenticate(inner: &Inner, req: &Request) -> Auth {
    let Some(value) = req.header("authorization") else {
        return if inner.options.anonymous_reads && !is_write(&req.method) {
            Auth::Anonymous
        } else {
            Auth::Rejected("Requires authentication")
        };
    };
    let value = value.trim();
    let token = value
        .split_once(char::is_whitespace)
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")
        })
        .map(|(_, t)| t.trim());
    match token.and_then(|t| inner.tokens.get(t)) {
        Some(actor) => Auth::Token(actor.clone()),
        None => Auth::Rejected("Bad credentials"),
    }
}

fn etag_of(body: &[u8]) -> String {
    // Two FNV-1a passes with different offsets: 128 bits, stable per body.
    let fnv = |offset: u64| {
        body.iter().fold(offset, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "W/\"{:016x}{:016x}\"",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| {
        t.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_string()
    };
    let ours = bare(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == ours)
}

fn process(shared: &Arc<Shared>, req: &Request) -> Outcome {
    let received = SystemTime::now();
    let path = req.path().to_string();
    let (latency, fault) = {
        let mut inner = shared.lock();
        let fault = inner
            .faults
            .iter_mut()
            .find(|f| f.matches(&req.method, &path))
            .map(|f| {
                f.times -= 1;
                f.kind.clone()
            });
        inner.faults.retain(|f| f.times > 0);
        (inner.options.latency, fault)
    };
    if !latency.is_zero() {
        thread::sleep(latency);
    }
    let mut record = RequestRecord {
        method: req.method.clone(),
        path: req.target.clone(),
        status: None,
        conditional: req.header("if-none-match").is_some(),
        not_modified: false,
        dropped: false,
        faulted: fault.is_some(),
        login: None,
        at: received,
        headers: req.headers.clone(),
    };
    let outcome = match fault {
        Some(FaultKind::Drop) => {
            record.dropped = true;
            Outcome::Drop
        }
        Some(FaultKind::Status { status, body }) => {
            let mut inner = shared.lock();
            let body = body.unwrap_or_else(|| {
                api::error_body(status, http::reason_phrase(status), GENERIC_DOCS).to_string()
            });
            let mut headers = base_headers(&mut inner);
            current_rate_headers(&mut inner, req, &mut headers);
            headers.push((
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ));
            record.status = Some(status);
            inner.log.push(record);
            return Outcome::Respond(Response {
                status,
                headers,
                body: body.into_bytes(),
            });
        }
        Some(FaultKind::SecondaryRateLimit {
            status,
            retry_after_secs,
        }) => {
            let mut inner = shared.lock();
            let mut headers = base_headers(&mut inner);
            current_rate_headers(&mut inner, req, &mut headers);
            let request_id = header_value_owned(&headers, "X-GitHub-Request-Id");
            headers.push((
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ));
            headers.push(("Retry-After".into(), retry_after_secs.to_string()));
            let body = json!({
                "message": format!(
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID {request_id}."
                ),
                "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": status.to_string()
            });
            record.status = Some(status);
            inner.log.push(record);
            return Outcome::Respond(Response {
                status,
                headers,
                body: body.to_string().into_bytes(),
            });
        }
        Some(FaultKind::Delay(by)) => {
            thread::sleep(by);
            Outcome::Respond(handle_normally(shared, req, &mut record))
        }
        Some(FaultKind::WriteThenDrop) => {
            let _ = handle_normally(shared, req, &mut record);
            record.dropped = true;
            Outcome::Drop
        }
        None => Outcome::Respond(handle_normally(shared, req, &mut record)),
    };
    shared.lock().log.push(record);
    outcome
}

/// Adds the requester's rate-limit headers without charging anything.
fn current_rate_headers(inner: &mut Inner, req: &Request, headers: &mut Vec<(String, String)>) {
    let (key, limit) = match authenticate(inner, req) {
        Auth::Token(actor) => (actor.login.to_ascii_lowercase(), inner.options.rate_limit),
        Auth::Anonymous | Auth::Rejected(_) => (String::new(), inner.options.anonymous_rate_limit),
    };
    let window = inner.options.rate_limit_window;
    let bucket = *bucket_for(&mut inner.buckets, &key, window);
    rate_headers(headers, limit, &bucket);
}

fn header_value_owned(headers: &[(String, String)], name: &str) -> String {
    http::header_value(headers, name)
        .unwrap_or_default()
        .to_string()
}

/// Headers GitHub sends on every response.
fn base_headers(inner: &mut Inner) -> Vec<(String, String)> {
    inner.request_seq += 1;
    let seq = inner.request_seq;
    vec![
        ("Server".into(), "github.com".into()),
        ("Date".into(), time::http_date(time::real_now_secs())),
        ("X-GitHub-Media-Type".into(), "github.v3; format=json".into()),
        ("X-GitHub-Api-Version-Selected".into(), "2022-11-28".into()),
        (
            "X-GitHub-Request-Id".into(),
            format!("E0E0:{:05X}:{:07X}:{:07X}:{:08X}", seq % 0xFFFFF, seq, seq * 7, time::real_now_secs()),
        ),
        (
            "Access-Control-Expose-Headers".into(),
            "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset".into(),
        ),
        ("Access-Control-Allow-Origin".into(), "*".into()),
        ("X-Content-Type-Options".into(), "nosniff".into()),
        ("X-Frame-Options".into(), "deny".into()),
        ("Content-Security-Policy".into(), "default-src 'none'".into()),
        ("Vary".into(), "Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding".into()),
    ]
}

fn rate_headers(headers: &mut Vec<(String, String)>, limit: u32, bucket: &Bucket) {
    headers.push(("X-RateLimit-Limit".into(), limit.to_string()));
    headers.push((
        "X-RateLimit-Remaining".into(),
        limit.saturating_sub(bucket.used).to_string(),
    ));
    headers.push(("X-RateLimit-Reset".into(), bucket.reset_epoch().to_string()));
    headers.push(("X-RateLimit-Used".into(), bucket.used.to_string()));
    headers.push(("X-RateLimit-Resource".into(), "core".into()));
}

fn json_response(status: u16, mut headers: Vec<(String, String)>, body: &Value) -> Response {
    headers.push((
        "Content-Type".into(),
        "application/json; charset=utf-8".into(),
    ));
    Response {
        status,
        headers,
        body: body.to_string().into_bytes(),
    }
}

fn handle_normally(shared: &Arc<Shared>, req: &Request, record: &mut RequestRecord) -> Response {
    let mut inner = shared.lock();
    let mut headers = base_headers(&mut inner);
    let host = req
        .header("x-forwarded-host")
        .or_else(|| req.header("host"))
        .map_or_else(|| shared.addr.to_string(), str::to_string);
    let scheme = req
        .header("x-forwarded-proto")
        .unwrap_or("http")
        .to_string();
    let urls = Urls {
        api: format!("{scheme}://{host}"),
        web: inner.options.web_url.clone(),
    };
    let actor = match authenticate(&inner, req) {
        Auth::Token(actor) => Some(actor),
        Auth::Anonymous => None,
        Auth::Rejected(message) => {
            let limit = inner.options.anonymous_rate_limit;
            let window = inner.options.rate_limit_window;
            let bucket = *bucket_for(&mut inner.buckets, "", window);
            rate_headers(&mut headers, limit, &bucket);
            record.status = Some(401);
            return json_response(401, headers, &api::error_body(401, message, GENERIC_DOCS));
        }
    };
    record.login = actor.as_ref().map(|a| a.login.clone());
    let (bucket_key, limit) = match &actor {
        Some(a) => (a.login.to_ascii_lowercase(), inner.options.rate_limit),
        None => (String::new(), inner.options.anonymous_rate_limit),
    };
    if let Some(a) = &actor {
        headers.push(("X-OAuth-Scopes".into(), a.scopes.join(", ")));
    }
    let accepted = accepted_scopes(&req.method, req.path());
    headers.push(("X-Accepted-OAuth-Scopes".into(), accepted.into()));

    let window = inner.options.rate_limit_window;
    let limit_status = inner.options.rate_limit_status;
    let bucket = *bucket_for(&mut inner.buckets, &bucket_key, window);
    if bucket.used >= limit {
        rate_headers(&mut headers, limit, &bucket);
        let request_id = header_value_owned(&headers, "X-GitHub-Request-Id");
        let who = match &actor {
            Some(a) => format!("user ID {}", inner.state.user(&a.login).map_or(0, |u| u.id)),
            None => "127.0.0.1".to_string(),
        };
        let stamp = time::format_ts(time::real_now_secs())
            .replace('T', " ")
            .replace('Z', " UTC");
        let body = json!({
            "message": format!(
                "API rate limit exceeded for {who}. If you reach out to GitHub Support for help, please include the request ID {request_id} and timestamp {stamp}."
            ),
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            "status": limit_status.to_string()
        });
        record.status = Some(limit_status);
        return json_response(limit_status, headers, &body);
    }

    let ctx = Ctx {
        urls,
        now: inner.clock.now(),
        actor: actor.as_ref(),
        pacific_due_dates: inner.options.pacific_due_dates,
        link_style: inner.options.link_style,
    };
    let is_get = req.method.eq_ignore_ascii_case("GET") || req.method.eq_ignore_ascii_case("HEAD");
    let api_method = if req.method.eq_ignore_ascii_case("HEAD") {
        "GET"
    } else {
        req.method.as_str()
    };
    let api_req = ApiRequest {
        method: api_method,
        path: req.path(),
        raw_query: req.query(),
        body: &req.body,
    };
    let Reply {
        status,
        body,
        headers: extra,
    } = {
        let inner = &mut *inner;
        api::handle(
            &mut inner.state,
            &mut inner.releases,
            &mut inner.projects,
            &ctx,
            &api_req,
        )
    };
    let body_bytes = body.as_ref().map(|b| b.to_string().into_bytes());

    let mut status = status;
    let mut body_bytes = body_bytes;
    let mut charge = true;
    if is_get && status == 200 {
        let etag = etag_of(body_bytes.as_deref().unwrap_or_default());
        if req
            .header("if-none-match")
            .is_some_and(|inm| etag_matches(inm, &etag))
        {
            status = 304;
            body_bytes = None;
            charge = false;
            record.not_modified = true;
        } else {
            headers.push((
                "Cache-Control".into(),
                "private, max-age=60, s-maxage=60".into(),
            ));
        }
        headers.push(("ETag".into(), etag));
    }
    let bucket = bucket_for(&mut inner.buckets, &bucket_key, window);
    if charge {
        bucket.used += 1;
    }
    let bucket = *bucket;
    rate_headers(&mut headers, limit, &bucket);
    headers.extend(extra);
    if body_bytes.is_some() {
        headers.push((
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        ));
    }
    record.status = Some(status);
    Response {
        status,
        headers,
        body: body_bytes.unwrap_or_default(),
    }
}

fn path_is_repo(path: &str) -> bool {
    path.starts_with("/repos/") || path.starts_with("/repositories/")
}

/// `X-Accepted-OAuth-Scopes`: what the route would accept.
fn accepted_scopes(method: &str, path: &str) -> &'static str {
    if path_is_repo(path) {
        "repo"
    } else if path.contains("/projectsV2/") {
        if is_write(method) {
            "project"
        } else {
            "read:project"
        }
    } else {
        ""
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
    fn etags_are_weak_and_compare_weakly() {
        let a = etag_of(b"[1]");
        let b = etag_of(b"[2]");
        assert!(a.starts_with("W/\""));
        assert_ne!(a, b);
        assert!(etag_matches(&a, &a));
        assert!(etag_matches(a.trim_start_matches("W/"), &a));
        assert!(etag_matches(&format!("\"x\", {a}"), &a));
        assert!(!etag_matches(&b, &a));
        assert!(etag_matches("*", &a));
    }

    #[test]
    fn faults_match_method_and_prefix() {
        let f = Fault::status(502).on("post", "/repos/o/r/issues").times(2);
        assert!(f.matches("POST", "/repos/o/r/issues/3"));
        assert!(!f.matches("GET", "/repos/o/r/issues"));
        assert!(!f.matches("POST", "/repos/o/r/labels"));
        assert!(Fault::drop_connection().matches("GET", "/anything"));
        assert!(
            !Fault::drop_connection()
                .times(0)
                .matches("GET", "/anything")
        );
    }
}
