//! https with a private certificate authority, as a GitHub Enterprise server may have.
//!
//! Each test makes a throwaway CA and a server certificate for 127.0.0.1 and localhost
//! (rcgen), and puts a small TLS front (rustls) before the GitHub emulator: it counts the
//! connections it accepts, answers one request per connection (`Connection: close`) and
//! tells the emulator the scheme is https (`X-Forwarded-Proto`), so `Link` URLs stay https.
//!
//! The client is tested in-process with the roots given in `ClientOptions::trust`, and the
//! real binary with `SSL_CERT_FILE` / `SSL_CERT_DIR` (process-wide, so only in children).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::support::*;
use git_intellimanage::github::{
    CertificateFailure, CertificateProblem, Client, ClientOptions, Error, ListIssues, NewIssue,
    RepoRef, RetryPolicy, Secret, Sink, Trust,
};
use github_emulator::Emulator;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;

const TOKEN: &str = "ghp_TlsTestT0kenValue0123456789";
const OWNER: &str = "acme";
const NAME: &str = "demo";

// ------------------------------------------------------------------ certificates

/// A certificate authority made for one test.
struct TestCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).expect("CA certificate");
        TestCa {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `names` signed by this CA; `expired`: valid only in 2000.
    fn server_cert(&self, names: &[&str], expired: bool) -> ServerCert {
        let key = KeyPair::generate().expect("server key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "ghe.test");
        if expired {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2000, 12, 31);
        }
        let cert = params.signed_by(&key, &self.issuer).expect("server cert");
        ServerCert {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }
}

struct ServerCert {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

// ------------------------------------------------------------------ the TLS front

/// A TLS server before the emulator: one request per connection.
struct TlsFront {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    /// Why handshakes failed, as the server saw it (e.g. the client's alert).
    handshake_errors: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TlsFront {
    fn start(upstream: SocketAddr, cert: ServerCert) -> TlsFront {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(cert.chain, cert.key)
            .expect("server certificate and key");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the TLS front");
        let addr = listener.local_addr().expect("TLS front address");
        let connections = Arc::new(AtomicUsize::new(0));
        let handshake_errors = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (connections, errors, stop) =
                (connections.clone(), handshake_errors.clone(), stop.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (config, errors) = (config.clone(), errors.clone());
                    thread::spawn(move || serve(stream, config, upstream, &errors));
                }
            })
        };
        TlsFront {
            addr,
            connections,
            handshake_errors,
            stop,
            accept: Some(accept),
        }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn handshake_errors(&self) -> Vec<String> {
        self.handshake_errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// One connection: the handshake, one request passed to the emulator, its answer back.
fn serve(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    upstream: SocketAddr,
    errors: &Mutex<Vec<String>>,
) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(20)));
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match tls.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => {
                errors
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(e.to_string());
                return;
            }
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut content_length = 0usize;
    let mut upstream_head = format!("{request_line}\r\n");
    for line in lines {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let name = name.trim().to_ascii_lowercase();
        assert_ne!(
            name, "transfer-encoding",
            "the TLS front reads Content-Length bodies only"
        );
        if name == "content-length" {
            content_length = value.trim().parse().expect("Content-Length");
        }
        if name == "connection" || name == "x-forwarded-proto" {
            continue;
        }
        upstream_head.push_str(line);
        upstream_head.push_str("\r\n");
    }
    upstream_head.push_str("Connection: close\r\nX-Forwarded-Proto: https\r\n\r\n");
    while buf.len() < head_end + content_length {
        match tls.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let Ok(mut emulator) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = emulator.set_read_timeout(Some(Duration::from_secs(20)));
    let mut answer = Vec::new();
    let sent = emulator
        .write_all(upstream_head.as_bytes())
        .and_then(|()| emulator.write_all(&buf[head_end..head_end + content_length]))
        .and_then(|()| emulator.read_to_end(&mut answer));
    if sent.is_err() {
        return;
    }
    let _ = tls.write_all(&answer);
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

// ------------------------------------------------------------------ set-up

/// An emulator with the token and `acme/demo`, and a TLS front before it.
fn https_github(ca: &TestCa, names: &[&str], expired: bool) -> (Emulator, TlsFront) {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo(OWNER, NAME);
    let front = TlsFront::start(emu.addr(), ca.server_cert(names, expired));
    (emu, front)
}

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    fn sink(&self) -> Sink {
        let lines = self.0.clone();
        Arc::new(move |line: &str| lines.lock().expect("sink lock").push(line.to_owned()))
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().expect("sink lock").clone()
    }
}

/// A client for `url` trusting only the certificates in `trusted_pem`, with five attempts
/// and short waits (a retry would show in the notices and the connection count).
fn client(url: &str, trusted_pem: &str) -> (Client, Lines) {
    let notices = Lines::default();
    let mut o = ClientOptions::new(url, Secret::new(TOKEN));
    o.write_delay = Duration::ZERO;
    o.retry = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    };
    o.timeout = Duration::from_secs(20);
    o.notice = notices.sink();
    o.log = Lines::default().sink();
    o.trust = Trust::Pem(trusted_pem.to_owned());
    (Client::new(o).expect("client options are valid"), notices)
}

fn repo() -> RepoRef {
    RepoRef::new(OWNER, NAME)
}

// ------------------------------------------------------------------ the client

#[test]
fn a_client_trusting_the_company_ca_works_over_https() {
    let ca = TestCa::new("Acme Test CA");
    let (emu, front) = https_github(&ca, &["127.0.0.1", "localhost"], false);
    for i in 1..=105 {
        emu.create_issue(OWNER, NAME, json!({"title": format!("Issue {i}")}));
    }
    let (client, notices) = client(&front.url(), &ca.pem);

    let (user, _) = client.get_user().expect("GET /user over https");
    assert_eq!(user.login, "ada");
    // Two pages: the second is read from the https `next` link.
    let issues = client
        .list_issues(&repo(), &ListIssues::default())
        .expect("list issues over https");
    assert_eq!(issues.len(), 105);
    let created = client
        .create_issue(
            &repo(),
            &NewIssue {
                title: "Over TLS".into(),
                ..NewIssue::default()
            },
            |_| Ok(None),
        )
        .expect("POST over https");
    assert_eq!(created.item.title, "Over TLS");
    assert_eq!(front.connections(), 4, "one per request, no retries");
    assert!(
        front.handshake_errors().is_empty(),
        "{:?}",
        front.handshake_errors()
    );
    assert!(notices.all().is_empty(), "{:?}", notices.all());

    // Also by name: the certificate holds `localhost` too.
    let by_name = format!("https://localhost:{}", front.addr.port());
    let (client, _) = self::client(&by_name, &ca.pem);
    client.get_user().expect("GET /user via localhost");
}

#[test]
fn an_unknown_authority_fails_at_once_with_a_certificate_error() {
    use std::error::Error as _;
    let ca = TestCa::new("Acme Test CA");
    let other = TestCa::new("Some Other CA");
    let (emu, front) = https_github(&ca, &["127.0.0.1", "localhost"], false);
    let (client, notices) = client(&front.url(), &other.pem);

    let err = client
        .get_user()
        .expect_err("the server's CA is not trusted");
    let Error::Certificate(failure) = &err else {
        panic!("not a certificate error: {err:?}");
    };
    let CertificateFailure {
        host,
        problem,
        request,
        ..
    } = failure.as_ref();
    assert_eq!(host, "127.0.0.1");
    assert_eq!(request, "GET /user");
    assert_eq!(*problem, CertificateProblem::UnknownIssuer);
    assert!(err.is_certificate() && err.status().is_none());
    let text = err.to_string();
    assert!(
        text.contains("the certificate of 127.0.0.1 is not trusted (unknown issuer;"),
        "{text}"
    );
    assert!(
        text.contains("trusted roots: the certificates given to the client (1 certificate)"),
        "{text}"
    );
    assert!(err.hint().contains("SSL_CERT_FILE"), "{text}");
    let source = err.source().expect("the TLS error is kept");
    assert!(
        source.to_string().contains("invalid peer certificate"),
        "{source}"
    );
    assert_eq!(front.connections(), 1, "tried once, not five times");
    assert_eq!(client.stats().retries, 0);
    assert!(
        notices.all().is_empty(),
        "no retry notice: {:?}",
        notices.all()
    );

    // A write fails the same way, and was never sent.
    let err = client
        .create_issue(
            &repo(),
            &NewIssue {
                title: "Never sent".into(),
                ..NewIssue::default()
            },
            |_| panic!("a certificate failure is no unknown outcome: no lookup"),
        )
        .expect_err("the server's CA is not trusted");
    assert!(err.is_certificate(), "{err:?}");
    assert_eq!(front.connections(), 2);
    assert!(emu.requests().is_empty(), "nothing reached the emulator");
}

#[test]
fn a_certificate_for_other_names_or_out_of_date_says_so() {
    let ca = TestCa::new("Acme Test CA");

    let (_emu, front) = https_github(&ca, &["localhost"], false);
    let (client, _) = client(&front.url(), &ca.pem);
    let err = client
        .get_user()
        .expect_err("127.0.0.1 is not in the certificate");
    assert!(
        matches!(
            &err,
            Error::Certificate(f) if f.problem == CertificateProblem::WrongName {
                presented: vec!["localhost".to_owned()]
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("not trusted (issued for localhost;"),
        "{err}"
    );
    assert!(err.hint().contains("(e.g. localhost)"), "{err}");
    assert_eq!(front.connections(), 1);

    let (_emu, front) = https_github(&ca, &["127.0.0.1"], true);
    let (client, _) = self::client(&front.url(), &ca.pem);
    let err = client
        .get_user()
        .expect_err("the certificate expired in 2000");
    assert!(
        matches!(
            &err,
            Error::Certificate(f) if f.problem == CertificateProblem::Expired
        ),
        "{err:?}"
    );
    assert!(err.hint().contains("clock"), "{err}");
    assert_eq!(front.connections(), 1);
}

// ------------------------------------------------------------------ the binary

/// The binary's environment for the https API `url`, plus `extra`.
fn env<'a>(url: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut e = github_env(url, TOKEN).to_vec();
    e.extend_from_slice(extra);
    e
}

#[test]
fn the_binary_trusts_the_authority_named_by_ssl_cert_file_or_ssl_cert_dir() {
    let ca = TestCa::new("Acme Test CA");
    let (_emu, front) = https_github(&ca, &["127.0.0.1", "localhost"], false);
    let url = front.url();
    let repo = demo();
    let certs = tempfile::tempdir().expect("temp dir");
    let ca_file = certs.path().join("acme-ca.pem");
    std::fs::write(&ca_file, &ca.pem).expect("write the CA");
    let ca_file = ca_file.to_string_lossy().into_owned();

    let out = repo.im_env(
        &["auth", "status", "--json"],
        &env(&url, &[("SSL_CERT_FILE", &ca_file)]),
    );
    assert_exit(&out, 0, "auth status with SSL_CERT_FILE");
    let j = parse_json(&out);
    assert_eq!(j["login"], "ada", "{j}");

    let out = repo.im_env(
        &["sync", "--dry-run"],
        &env(&url, &[("SSL_CERT_FILE", &ca_file)]),
    );
    assert_exit(&out, 0, "sync --dry-run with SSL_CERT_FILE");

    let dir = certs.path().to_string_lossy().into_owned();
    let out = repo.im_env(
        &["auth", "status", "--json"],
        &env(&url, &[("SSL_CERT_DIR", &dir)]),
    );
    assert_exit(&out, 0, "auth status with SSL_CERT_DIR");
    assert!(
        front.handshake_errors().is_empty(),
        "{:?}",
        front.handshake_errors()
    );
}

#[test]
fn without_the_authority_the_binary_fails_at_once_naming_the_host_and_ssl_cert_file() {
    let ca = TestCa::new("Acme Test CA");
    let (emu, front) = https_github(&ca, &["127.0.0.1", "localhost"], false);
    let url = front.url();
    let repo = demo();

    // The system's store (the hermetic environment sets neither variable) lacks the CA.
    let out = repo.im_env(&["auth", "status"], &env(&url, &[]));
    assert_exit(&out, 6, "auth status without the CA");
    let e = stderr(&out);
    assert!(
        e.contains("the certificate of 127.0.0.1 is not trusted (unknown issuer;"),
        "{e}"
    );
    assert!(e.contains("point SSL_CERT_FILE at it"), "{e}");
    assert!(!e.contains("check the network"), "{e}");
    assert!(!e.contains(TOKEN), "{e}");
    assert_eq!(front.connections(), 1, "one connection attempt\n{e}");

    // A sync (five attempts for a lost connection) does not retry it either; its hint has
    // a line of its own.
    let out = repo.im_env(&["sync", "--dry-run"], &env(&url, &[]));
    assert_exit(&out, 6, "sync --dry-run without the CA");
    let e = stderr(&out);
    assert!(
        e.contains("the certificate of 127.0.0.1 is not trusted (unknown issuer;"),
        "{e}"
    );
    assert!(
        e.lines()
            .any(|l| l.starts_with("hint:") && l.contains("SSL_CERT_FILE")),
        "{e}"
    );
    assert!(!e.contains("retrying"), "{e}");
    assert_eq!(front.connections(), 2, "one more connection attempt\n{e}");

    // A file that cannot be read is not replaced by other roots, and the error says why.
    let out = repo.im_env(
        &["auth", "status"],
        &env(&url, &[("SSL_CERT_FILE", "/nonexistent/acme-ca.pem")]),
    );
    assert_exit(&out, 6, "auth status with a missing SSL_CERT_FILE");
    let e = stderr(&out);
    assert!(
        e.contains("SSL_CERT_FILE=/nonexistent/acme-ca.pem (0 certificates); could not read:"),
        "{e}"
    );
    assert_eq!(front.connections(), 3);
    assert!(emu.requests().is_empty(), "nothing reached the emulator");
}
