//! Where the client's lines go: the sinks, the request log and the notices, each
//! scrubbed of the token.

use super::client::Client;
use super::error::Error;
use std::sync::Arc;
use ureq::http;

/// Where the client writes lines (request log, notices). Called with one line, no
/// trailing newline.
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// A sink that prints each line to standard error.
pub fn stderr_sink() -> Sink {
    Arc::new(|line: &str| eprintln!("{line}"))
}

impl Client {
    pub(super) fn notify(&self, line: &str) {
        (self.notice)(&self.token.scrub(line));
    }

    pub(super) fn log_line(&self, line: &str) {
        if self.verbosity >= 1 {
            (self.log)(&self.token.scrub(line));
        }
    }

    /// At verbosity 2, the request headers as sent (Authorization already redacted).
    pub(super) fn log_request_headers(&self, shown: &[(String, String)]) {
        if self.verbosity >= 2 {
            for (k, v) in shown {
                self.log_line(&format!("> {k}: {v}"));
            }
        }
    }

    /// At verbosity 2, the response headers, any Authorization redacted.
    pub(super) fn log_response_headers(&self, headers: &http::HeaderMap) {
        if self.verbosity >= 2 {
            for (name, value) in headers.iter() {
                let value = if name.as_str().eq_ignore_ascii_case("authorization") {
                    "***".to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                self.log_line(&format!("< {}: {value}", name.as_str()));
            }
        }
    }
}

pub(super) fn short_cause(e: &Error) -> String {
    match e {
        Error::Transport { message, .. } => message.clone(),
        Error::Http { status, .. } => format!("GitHub answered {status}"),
        other => match other.status() {
            Some(s) => format!("GitHub answered {s}"),
            None => "request failed".to_owned(),
        },
    }
}
