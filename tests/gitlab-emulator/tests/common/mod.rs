//! Helpers for the emulator's HTTP tests (ureq).
#![allow(dead_code)]

use gitlab_emulator::{Emulator, Options};
use serde_json::{Value, json};

pub const TOKEN: &str = "glpat-alice";
pub const READ_TOKEN: &str = "glpat-reader";
pub const PROJECT: &str = "group/sub/proj";
pub const ENCODED: &str = "group%2Fsub%2Fproj";

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// One request; `auth` is `(header, value)`.
pub fn call_with(
    emu: &Emulator,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<&Value>,
) -> Result<Resp, ureq::Error> {
    let url = format!("{}{path}", emu.api_url());
    let agent = agent();
    let mut resp = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(&url);
            if let Some((h, v)) = auth {
                r = r.header(h, v);
            }
            r.call()?
        }
        ("DELETE", _) => {
            let mut r = agent.delete(&url);
            if let Some((h, v)) = auth {
                r = r.header(h, v);
            }
            r.call()?
        }
        (m, body) => {
            let mut r = match m {
                "POST" => agent.post(&url),
                "PUT" => agent.put(&url),
                _ => agent.patch(&url),
            };
            if let Some((h, v)) = auth {
                r = r.header(h, v);
            }
            r.send_json(body.cloned().unwrap_or(json!({})))?
        }
    };
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    Ok(Resp {
        status,
        headers,
        body,
    })
}

pub fn call(emu: &Emulator, method: &str, path: &str, body: Option<&Value>) -> Resp {
    call_with(emu, method, path, Some(("PRIVATE-TOKEN", TOKEN)), body).expect("request")
}

pub fn get(emu: &Emulator, path: &str) -> Resp {
    call(emu, "GET", path, None)
}

pub fn emulator() -> (Emulator, u64) {
    emulator_with(Options::default())
}

pub fn emulator_with(options: Options) -> (Emulator, u64) {
    let emu = Emulator::start_with(options);
    emu.set_time("2026-12-03T10:00:00Z");
    emu.add_token(TOKEN, "alice", &["api"]);
    emu.add_token(READ_TOKEN, "reader", &["read_api"]);
    let id = emu.add_project(PROJECT);
    emu.add_member(PROJECT, "bob");
    (emu, id)
}

pub fn names(labels: &Value) -> Vec<&str> {
    labels
        .as_array()
        .expect("array")
        .iter()
        .map(|l| l.as_str().expect("name"))
        .collect()
}
