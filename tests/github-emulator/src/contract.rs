//! Contract checking against GitHub's published OpenAPI description, using
//! Stoplight Prism as a validating proxy.
//!
//! ```text
//! client ──► recorder (per Prism handle) ──► prism proxy ──► router ──► emulator
//! ```
//!
//! * One `prism proxy` process per test process is started on first use
//!   (it takes a while to load the 13 MB description) and shared by every
//!   [`Prism`] handle. It is killed when the test process exits.
//! * Each [`Prism`] handle has its own **recorder**: a small forwarding
//!   server whose URL the client under test uses instead of the emulator's.
//!   It tags each request with its upstream, forwards it to Prism, reads
//!   Prism's `sl-violations` response header and records it with the
//!   method, path and status, then passes the response on unchanged. A
//!   test whose client never exposes headers can therefore still ask
//!   [`Prism::problems`] afterwards, or call [`Prism::assert_clean`].
//! * The **router** behind Prism sends each request on to the emulator the
//!   recorder named, so one Prism process serves many emulators. The
//!   recorder sets `X-Forwarded-Host` so that URLs the emulator writes into
//!   bodies and `Link` headers point back at the recorder: following a
//!   `next` link stays inside the validation loop. A connection the
//!   emulator drops (an injected fault) is dropped towards the client too.
//!
//! The npm packages live in `tests/contract/node_modules` (install them
//! with `npm ci --prefix tests/contract`). When they are missing,
//! [`Prism::start`] prints why and returns `None`, unless the environment
//! variable `INTELLIMANAGE_REQUIRE_PRISM=1` is set, in which case it
//! panics. `INTELLIMANAGE_CONTRACT_DIR` overrides the directory holding
//! `node_modules`; `INTELLIMANAGE_PRISM_TIMEOUT_SECS` the start-up wait
//! (default 300 s).

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::http::{self, Request, Response};

const UPSTREAM_HEADER: &str = "X-Emulator-Upstream";
const DROPPED_HEADER: &str = "X-Emulator-Upstream-Dropped";

/// Statuses api.github.com really returns on these endpoints that GitHub's
/// description does not list for every operation (e.g. 401 everywhere,
/// 404 on `DELETE …/labels/{name}`, 304 on list endpoints, 400 for a bad
/// field or option in `PATCH …/projectsV2/{n}/items/{id}`).
const UNDOCUMENTED_BUT_REAL: [u16; 11] = [304, 400, 401, 403, 404, 410, 422, 429, 500, 502, 503];

/// One problem Prism reported about an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub method: String,
    /// Path and query as the client sent them.
    pub path: String,
    /// Response status.
    pub status: u16,
    /// Where: `["response", "body", …]`, `["request", "query", …]`, …
    pub location: Vec<String>,
    /// `Error`, `Warning` or `Info`.
    pub severity: String,
    pub message: String,
    pub code: Option<String>,
}

impl Violation {
    /// A known gap in GitHub's description rather than a fault of the
    /// exchange: a warning that an error status real GitHub sends is not
    /// listed for the operation, that the `/repositories/{id}/…`,
    /// `/organizations/{id}/…` and `/user/{id}/…` URLs GitHub uses in `Link`
    /// headers are not described, or that a path answered 404 is not
    /// described (it does not exist on GitHub either).
    pub fn is_spec_gap(&self) -> bool {
        if self.severity == "Error" {
            return false;
        }
        (self
            .message
            .starts_with("Unable to match the returned status code")
            && UNDOCUMENTED_BUT_REAL.contains(&self.status))
            || (self.message == "Selected route not found"
                && (["/repositories/", "/organizations/", "/user/"]
                    .iter()
                    .any(|p| self.path.starts_with(p))
                    || self.status == 404))
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} -> {}: [{}] {}: {}",
            self.method,
            self.path,
            self.status,
            self.severity,
            self.location.join("."),
            self.message
        )
    }
}

/// A validating proxy in front of one upstream (usually an emulator).
pub struct Prism {
    recorder: Server,
    record: Arc<Record>,
}

#[derive(Default)]
struct Record {
    violations: Mutex<Vec<Violation>>,
    exchanges: AtomicUsize,
}

impl Prism {
    /// Starts (or reuses) Prism and a recorder forwarding to `upstream_url`
    /// (`http://127.0.0.1:PORT`). `None`, with the reason on stderr, when
    /// Prism is not installed or cannot start — unless
    /// `INTELLIMANAGE_REQUIRE_PRISM=1`, then it panics.
    pub fn start(upstream_url: &str) -> Option<Prism> {
        match Prism::try_start(upstream_url) {
            Ok(p) => Some(p),
            Err(reason) => {
                if required() {
                    panic!(
                        "Prism is required (INTELLIMANAGE_REQUIRE_PRISM=1) but unavailable: {reason}"
                    );
                }
                eprintln!("skipping OpenAPI contract validation: {reason}");
                None
            }
        }
    }

    /// Like [`Prism::start`], reporting the reason instead of printing it.
    pub fn try_start(upstream_url: &str) -> Result<Prism, String> {
        let upstream = host_port(upstream_url)?;
        let shared = shared_prism()?;
        let prism_addr = shared.prism_addr;
        let record = Arc::new(Record::default());
        let rec = Arc::clone(&record);
        let recorder = Server::start("prism-recorder", move |req, local| {
            record_exchange(req, local, &upstream, prism_addr, &rec)
        })
        .map_err(|e| format!("cannot start the recording forwarder: {e}"))?;
        Ok(Prism { recorder, record })
    }

    /// The URL to give the client under test instead of the upstream's.
    pub fn url(&self) -> String {
        format!("http://{}", self.recorder.addr)
    }

    /// Everything Prism reported, including known spec gaps.
    pub fn violations(&self) -> Vec<Violation> {
        lock(&self.record.violations).clone()
    }

    /// Violations that are not known gaps of GitHub's description.
    pub fn problems(&self) -> Vec<Violation> {
        self.violations()
            .into_iter()
            .filter(|v| !v.is_spec_gap())
            .collect()
    }

    /// Number of request/response exchanges that went through.
    pub fn exchanges(&self) -> usize {
        self.record.exchanges.load(Ordering::SeqCst)
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        lock(&self.record.violations).clear();
        self.record.exchanges.store(0, Ordering::SeqCst);
    }

    /// Panics listing every problem, if any.
    pub fn assert_clean(&self) {
        let problems = self.problems();
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            panic!(
                "{} OpenAPI contract violation(s) in {} exchange(s):\n  {}",
                problems.len(),
                self.exchanges(),
                list.join("\n  ")
            );
        }
    }
}

fn required() -> bool {
    std::env::var("INTELLIMANAGE_REQUIRE_PRISM")
        .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn host_port(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("upstream {url:?} must be an http:// URL"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("upstream {url:?} has no host"));
    }
    Ok(host.to_string())
}

/// The directory holding `package.json` and `node_modules`.
pub fn contract_dir() -> PathBuf {
    match std::env::var_os("INTELLIMANAGE_CONTRACT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("contract"),
    }
}

struct SharedPrism {
    prism_addr: SocketAddr,
    // Kept for the life of the process: closing this pipe (at exit) makes
    // the supervising shell kill Prism.
    _lifeline: Mutex<ChildStdin>,
    _child: Mutex<Child>,
    _router: Server,
}

static SHARED: OnceLock<Result<SharedPrism, String>> = OnceLock::new();

fn shared_prism() -> Result<&'static SharedPrism, String> {
    SHARED
        .get_or_init(launch_prism)
        .as_ref()
        .map_err(Clone::clone)
}

/// GitHub's description, made checkable by Prism.
///
/// Prism compiles each schema with ajv and, when compilation fails,
/// silently skips validation. ajv rejects `nullable` on a schema without
/// `type`; GitHub's description has such nodes (e.g.
/// `issue-field-value.value`, reached from every issue, and the
/// `milestone` of an issue update), so unpatched, no issue response would
/// be checked at all. Each such node `S` (with `nullable` removed) becomes
/// `anyOf: [S, {type: null}]`, which is what `nullable` means.
///
/// The `content` of a project item as `POST …/projectsV2/{n}/items` answers
/// it is `oneOf: [issue, pull-request-simple, projects-v2-draft-issue]`, but a
/// draft issue's schema allows any extra property, so every issue matches two
/// branches and no real answer could pass; it becomes `anyOf`.
fn validatable_description(spec: &Path) -> Result<Vec<u8>, String> {
    let text = std::fs::read(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let mut doc: Value = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not JSON: {e}", spec.display()))?;
    rewrite_typeless_nullable(&mut doc);
    if let Some(Value::Object(content)) =
        doc.pointer_mut("/components/schemas/projects-v2-item-simple/properties/content")
        && let Some(branches) = content.remove("oneOf")
    {
        content.insert("anyOf".to_string(), branches);
    }
    serde_json::to_vec(&doc).map_err(|e| format!("cannot serialise the description: {e}"))
}

fn rewrite_typeless_nullable(node: &mut Value) -> usize {
    match node {
        Value::Object(map) => {
            let mut rewritten: usize = map.values_mut().map(rewrite_typeless_nullable).sum();
            if map.get("nullable") == Some(&Value::Bool(true)) && !map.contains_key("type") {
                map.remove("nullable");
                let inner = Value::Object(std::mem::take(map));
                map.insert(
                    "anyOf".to_string(),
                    Value::Array(vec![inner, serde_json::json!({"type": "null"})]),
                );
                rewritten += 1;
            }
            rewritten
        }
        Value::Array(items) => items.iter_mut().map(rewrite_typeless_nullable).sum(),
        _ => 0,
    }
}

fn launch_prism() -> Result<SharedPrism, String> {
    let dir = contract_dir();
    let prism_bin = dir.join("node_modules/.bin/prism");
    let spec = dir.join("node_modules/@octokit/openapi/generated/api.github.com.json");
    if !prism_bin.exists() || !spec.exists() {
        return Err(format!(
            "{} or {} is missing (run `npm ci --prefix {}`)",
            prism_bin.display(),
            spec.display(),
            dir.display()
        ));
    }
    match Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {}
        _ => return Err("`node` is not available on PATH".to_string()),
    }
    let spec_copy = std::env::temp_dir().join(format!(
        "github-emulator-openapi-{}.json",
        std::process::id()
    ));
    let patched = validatable_description(&spec)?;
    std::fs::write(&spec_copy, patched)
        .map_err(|e| format!("cannot write {}: {e}", spec_copy.display()))?;
    let router = Server::start("prism-router", |req, _| route_upstream(req))
        .map_err(|e| format!("cannot start the upstream router: {e}"))?;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("cannot find a free port for Prism: {e}"))?
        .port();
    let log_path =
        std::env::temp_dir().join(format!("github-emulator-prism-{}.log", std::process::id()));
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;
    // The shell runs Prism in the background and kills it as soon as our
    // end of its stdin closes, i.e. when this process exits for any reason.
    // It also removes the patched description once Prism has stopped, and
    // its log when this process exits (start-up failures quote the log).
    let supervisor = r#"exec 3<&0; "$@" </dev/null & p=$!; (cat <&3 >/dev/null; kill $p 2>/dev/null; rm -f "$EMULATOR_PRISM_LOG") & exec 3<&-; wait $p; s=$?; rm -f "$EMULATOR_SPEC_COPY"; exit $s"#;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(supervisor)
        .arg("prism-supervisor")
        .arg(&prism_bin)
        .arg("proxy")
        .arg(&spec_copy)
        .arg(format!("http://{}", router.addr))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--errors", "false", "--verboseLevel", "warn"])
        .current_dir(&dir)
        .env("EMULATOR_SPEC_COPY", &spec_copy)
        .env("EMULATOR_PRISM_LOG", &log_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", prism_bin.display()))?;
    let Some(lifeline) = child.stdin.take() else {
        let _ = child.kill();
        return Err("cannot hold Prism's stdin".to_string());
    };
    let prism_addr = SocketAddr::from(([127, 0, 0, 1], port));
    let timeout = std::env::var("INTELLIMANAGE_PRISM_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let started = Instant::now();
    loop {
        if TcpStream::connect_timeout(&prism_addr, Duration::from_millis(500)).is_ok() {
            break;
        }
        let log_tail = || {
            std::fs::read_to_string(&log_path)
                .map(|s| {
                    s.lines()
                        .rev()
                        .take(15)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default()
        };
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "Prism exited ({status}) before listening; log {}:\n{}",
                log_path.display(),
                log_tail()
            ));
        }
        if started.elapsed() > Duration::from_secs(timeout) {
            let _ = child.kill();
            return Err(format!(
                "Prism did not listen on {prism_addr} within {timeout} s; log {}:\n{}",
                log_path.display(),
                log_tail()
            ));
        }
        thread::sleep(Duration::from_millis(250));
    }
    Ok(SharedPrism {
        prism_addr,
        _lifeline: Mutex::new(lifeline),
        _child: Mutex::new(child),
        _router: router,
    })
}

/// Hop-by-hop and routing headers that must not be forwarded as they are.
fn strip_hop_headers(headers: &mut Vec<(String, String)>, extra: &[&str]) {
    headers.retain(|(n, _)| {
        let n = n.to_ascii_lowercase();
        !matches!(
            n.as_str(),
            "connection"
                | "keep-alive"
                | "proxy-connection"
                | "transfer-encoding"
                | "content-length"
                | "host"
                | "te"
                | "upgrade"
        ) && !extra.iter().any(|e| e.eq_ignore_ascii_case(&n))
    });
}

fn exchange(addr: &str, mut req: Request) -> io::Result<Response> {
    let target = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("cannot resolve {addr}")))?;
    let stream = TcpStream::connect_timeout(&target, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(300)))?;
    req.headers.push(("Host".into(), addr.to_string()));
    req.headers.push(("Connection".into(), "close".into()));
    req.headers
        .push(("Content-Length".into(), req.body.len().to_string()));
    let mut writer = stream.try_clone()?;
    req.write_to(&mut writer)?;
    let mut reader = BufReader::new(stream);
    http::read_response(&mut reader, &req.method)
}

fn json_error(status: u16, message: &str) -> Response {
    let body = serde_json::json!({"message": message, "documentation_url": crate::api::GENERIC_DOCS, "status": status.to_string()});
    Response {
        status,
        headers: vec![(
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        )],
        body: body.to_string().into_bytes(),
    }
}

/// Router behind Prism: forwards to the upstream named in the request.
fn route_upstream(mut req: Request) -> Relay {
    let Some(upstream) = req.header(UPSTREAM_HEADER).map(str::to_string) else {
        return Relay::Respond(json_error(502, "request did not name an upstream"));
    };
    strip_hop_headers(&mut req.headers, &[UPSTREAM_HEADER]);
    match exchange(&upstream, req) {
        Ok(mut resp) => {
            strip_hop_headers(&mut resp.headers, &[]);
            Relay::Respond(resp)
        }
        Err(_) => {
            let mut resp = json_error(502, "upstream closed the connection without answering");
            resp.headers.push((DROPPED_HEADER.into(), "1".into()));
            Relay::Respond(resp)
        }
    }
}

/// Recorder in front of Prism.
fn record_exchange(
    mut req: Request,
    local: SocketAddr,
    upstream: &str,
    prism: SocketAddr,
    record: &Record,
) -> Relay {
    let front_host = req
        .header("host")
        .map_or_else(|| local.to_string(), str::to_string);
    let method = req.method.clone();
    let path = req.target.clone();
    strip_hop_headers(
        &mut req.headers,
        &[
            UPSTREAM_HEADER,
            "x-forwarded-host",
            "x-forwarded-proto",
            "accept-encoding",
        ],
    );
    req.headers
        .push((UPSTREAM_HEADER.into(), upstream.to_string()));
    req.headers.push(("X-Forwarded-Host".into(), front_host));
    let result = exchange(&prism.to_string(), req);
    record.exchanges.fetch_add(1, Ordering::SeqCst);
    match result {
        Ok(mut resp) => {
            if resp.header(DROPPED_HEADER).is_some() {
                return Relay::Drop;
            }
            if let Some(raw) = resp.header("sl-violations") {
                let found = parse_violations(raw, &method, &path, resp.status);
                lock(&record.violations).extend(found);
            }
            strip_hop_headers(&mut resp.headers, &[]);
            Relay::Respond(resp)
        }
        Err(e) => {
            lock(&record.violations).push(Violation {
                method,
                path,
                status: 502,
                location: vec!["proxy".into()],
                severity: "Error".into(),
                message: format!("no response through Prism: {e}"),
                code: None,
            });
            Relay::Respond(json_error(502, &format!("no response through Prism: {e}")))
        }
    }
}

/// Prism truncates a long header to about 8 kB behind this prefix.
const TRUNCATED: &str = "Too many violations! ";

/// The longest prefix of a truncated JSON array that still parses.
fn parse_truncated_array(raw: &str) -> Option<Value> {
    raw.char_indices()
        .rev()
        .filter(|(_, c)| *c == '}')
        .find_map(|(i, _)| serde_json::from_str(&format!("{}]", &raw[..=i])).ok())
}

fn parse_violations(raw: &str, method: &str, path: &str, status: u16) -> Vec<Violation> {
    let problem = |message: String| Violation {
        method: method.into(),
        path: path.into(),
        status,
        location: Vec::new(),
        severity: "Error".into(),
        message,
        code: None,
    };
    let (parsed, truncated) = match raw.strip_prefix(TRUNCATED) {
        Some(rest) => (parse_truncated_array(rest), true),
        None => (serde_json::from_str::<Value>(raw).ok(), false),
    };
    let Some(parsed) = parsed else {
        return vec![problem(format!("unparseable sl-violations header: {raw}"))];
    };
    let mut found: Vec<Violation> = parsed
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| Violation {
                    method: method.into(),
                    path: path.into(),
                    status,
                    location: item["location"]
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    severity: item["severity"].as_str().unwrap_or("Error").to_string(),
                    message: item["message"].as_str().unwrap_or_default().to_string(),
                    code: item
                        .get("code")
                        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string)),
                })
                .collect()
        })
        .unwrap_or_default();
    if truncated {
        found.push(problem(
            "Prism cut the list of violations short (more than fit in a header)".to_string(),
        ));
    }
    found
}

enum Relay {
    Respond(Response),
    Drop,
}

type Handler = dyn Fn(Request, SocketAddr) -> Relay + Send + Sync;

/// A tiny keep-alive HTTP server running `handler` for each request.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    fn start(
        name: &str,
        handler: impl Fn(Request, SocketAddr) -> Relay + Send + Sync + 'static,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, c) = (Arc::clone(&stop), Arc::clone(&conns));
        let thread_name = name.to_string();
        let accept = thread::Builder::new()
            .name(thread_name.clone())
            .spawn(move || {
                for stream in listener.incoming() {
                    if s.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    if let Ok(clone) = stream.try_clone() {
                        lock(&c).push(clone);
                    }
                    let h = Arc::clone(&handler);
                    let _ = thread::Builder::new()
                        .name(format!("{thread_name}-conn"))
                        .spawn(move || serve(stream, addr, &*h));
                }
            })?;
        Ok(Server {
            addr,
            stop,
            conns,
            accept: Some(accept),
        })
    }
}

fn serve(stream: TcpStream, local: SocketAddr, handler: &Handler) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Ok(Some(req)) = http::read_request(&mut reader, || {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()
    }) {
        let keep_alive = req.keep_alive();
        let head_only = req.method.eq_ignore_ascii_case("HEAD");
        match handler(req, local) {
            Relay::Respond(resp) => {
                if resp.write_to(&mut writer, keep_alive, head_only).is_err() || !keep_alive {
                    break;
                }
            }
            Relay::Drop => break,
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        for c in lock(&self.conns).drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_spec_gaps() {
        let v = |status: u16, path: &str, severity: &str, message: &str| Violation {
            method: "GET".into(),
            path: path.into(),
            status,
            location: vec!["response".into()],
            severity: severity.into(),
            message: message.into(),
            code: None,
        };
        let unmatched = "Unable to match the returned status code with those defined in the document: 200,301,404";
        assert!(v(401, "/repos/o/r/issues", "Warning", unmatched).is_spec_gap());
        assert!(!v(200, "/repos/o/r/issues", "Warning", unmatched).is_spec_gap());
        assert!(!v(401, "/repos/o/r/issues", "Error", unmatched).is_spec_gap());
        assert!(
            v(
                200,
                "/repositories/1/issues?page=2",
                "Warning",
                "Selected route not found"
            )
            .is_spec_gap()
        );
        assert!(
            v(
                200,
                "/organizations/7/projectsV2/1/items?after=x",
                "Warning",
                "Selected route not found"
            )
            .is_spec_gap()
        );
        assert!(
            !v(
                200,
                "/repos/o/r/nope",
                "Warning",
                "Selected route not found"
            )
            .is_spec_gap()
        );
    }

    #[test]
    fn parses_the_header() {
        let raw = r#"[{"location":["response","body"],"severity":"Error","code":"required","message":"Response body must have required property 'id'"}]"#;
        let found = parse_violations(raw, "GET", "/x", 200);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location, vec!["response", "body"]);
        assert_eq!(found[0].code.as_deref(), Some("required"));
        assert!(!found[0].is_spec_gap());
    }

    #[test]
    fn reads_what_survives_of_a_truncated_header() {
        let raw = r#"Too many violations! [{"location":["response","body"],"severity":"Error","message":"a"},{"location":["response","body"],"severity":"Error","message":"b"},{"location":["resp"#;
        let found = parse_violations(raw, "GET", "/user", 200);
        let messages: Vec<&str> = found.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert_eq!(&messages[..2], ["a", "b"]);
        assert!(messages[2].contains("cut the list"));
        let garbage = parse_violations("nonsense", "GET", "/user", 200);
        assert_eq!(garbage.len(), 1);
        assert_eq!(garbage[0].severity, "Error");
    }

    #[test]
    fn rewrites_nullable_only_where_type_is_missing() {
        let mut doc = serde_json::json!({
            "a": {"nullable": true, "anyOf": [{"type": "string"}]},
            "b": {"nullable": true, "type": "string"},
            "c": [{"properties": {"d": {"nullable": true, "oneOf": []}}}]
        });
        assert_eq!(rewrite_typeless_nullable(&mut doc), 2);
        assert_eq!(
            doc["a"],
            serde_json::json!({"anyOf": [{"anyOf": [{"type": "string"}]}, {"type": "null"}]})
        );
        assert_eq!(doc["b"]["nullable"], true);
        assert_eq!(doc["c"][0]["properties"]["d"]["anyOf"][1]["type"], "null");
    }
}
