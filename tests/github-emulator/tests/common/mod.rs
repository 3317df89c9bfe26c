//! A deliberately small HTTP/1.1 client for the emulator's tests: explicit
//! connections so keep-alive and dropped connections can be observed.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use github_emulator::Emulator;
use serde_json::Value;

pub const TOKEN: &str = "ghp_testtoken";
pub const OWNER: &str = "acme";
pub const REPO: &str = "plan";

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn remaining(&self) -> u32 {
        self.header("x-ratelimit-remaining")
            .expect("x-ratelimit-remaining present")
            .parse()
            .expect("numeric remaining")
    }
}

/// One client connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    pub host: String,
}

impl Conn {
    pub fn open(emu_url: &str) -> Conn {
        let host = emu_url.trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(&host).expect("connect to emulator");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("set timeout");
        Conn {
            reader: BufReader::new(stream.try_clone().expect("clone stream")),
            writer: stream,
            host,
        }
    }

    /// Sends a request; `None` when the server closed the connection
    /// without answering.
    pub fn try_send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Option<Resp> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut req = format!("{method} {path} HTTP/1.1\r\n");
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            req.push_str(&format!("Host: {}\r\n", self.host));
        }
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        if self.writer.write_all(req.as_bytes()).is_err() {
            return None;
        }
        let mut status_line = String::new();
        match self.reader.read_line(&mut status_line) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header line");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (n, v) = line.split_once(':').expect("header has a colon");
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
        let len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().expect("numeric content-length"))
            .unwrap_or(0);
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).expect("body");
        Some(Resp {
            status,
            headers,
            body,
        })
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Resp {
        self.try_send(method, path, headers, body)
            .unwrap_or_else(|| panic!("{method} {path}: connection closed without a response"))
    }

    /// Whether the server has closed this connection.
    pub fn is_closed(&mut self) -> bool {
        let mut buf = [0u8; 1];
        matches!(self.reader.read(&mut buf), Ok(0) | Err(_))
    }
}

/// Sends one request on a fresh connection with the test token.
pub fn call(emu: &Emulator, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let auth = format!("token {TOKEN}");
    Conn::open(&emu.url()).send(method, path, &[("Authorization", &auth)], body)
}

/// Same with extra headers (no token added).
pub fn call_with(
    emu: &Emulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Resp {
    Conn::open(&emu.url()).send(method, path, headers, body)
}

/// An emulator with the test token (repo scope), a repository, and two
/// assignable users.
pub fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "alice", &["repo", "user"]);
    emu.add_user("bob");
    emu.add_repo(OWNER, REPO);
    emu
}

pub fn repo_path(rest: &str) -> String {
    if rest.is_empty() {
        format!("/repos/{OWNER}/{REPO}")
    } else {
        format!("/repos/{OWNER}/{REPO}/{rest}")
    }
}
