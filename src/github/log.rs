//! Where the client's lines go: the sinks, and a [`Logger`] that writes the request log
//! and the notices to them, each line scrubbed of the token.

use super::error::Error;
use super::secret::Secret;
use std::sync::Arc;
use ureq::http;

/// Where the client writes lines (request log, notices). Called with one line, no
/// trailing newline.
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// A sink that prints each line to standard error.
pub fn stderr_sink() -> Sink {
    Arc::new(|line: &str| eprintln!("{line}"))
}

/// The request log and the notices, each line scrubbed of the token.
pub(crate) struct Logger {
    /// 0: silent; 1: one line per request; 2: also the headers.
    verbosity: u8,
    log: Sink,
    notice: Sink,
    token: Secret,
}

impl Logger {
    pub(crate) fn new(verbosity: u8, log: Sink, notice: Sink, token: Secret) -> Logger {
        Logger {
            verbosity,
            log,
            notice,
            token,
        }
    }

    pub(crate) fn verbosity(&self) -> u8 {
        self.verbosity
    }

    /// A line the user must see whatever the verbosity.
    pub(crate) fn notify(&self, line: &str) {
        (self.notice)(&self.token.scrub(line));
    }

    /// A line of the request log (verbosity 1 and up).
    pub(crate) fn line(&self, line: &str) {
        if self.verbosity >= 1 {
            (self.log)(&self.token.scrub(line));
        }
    }

    /// At verbosity 2, the request headers as sent (Authorization already redacted).
    pub(crate) fn request_headers(&self, shown: &[(String, String)]) {
        if self.verbosity >= 2 {
            for (k, v) in shown {
                self.line(&format!("> {k}: {v}"));
            }
        }
    }

    /// At verbosity 2, the response headers, any Authorization redacted.
    pub(crate) fn response_headers(&self, headers: &http::HeaderMap) {
        if self.verbosity >= 2 {
            for (name, value) in headers.iter() {
                let value = if name.as_str().eq_ignore_ascii_case("authorization") {
                    "***".to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                self.line(&format!("< {}: {value}", name.as_str()));
            }
        }
    }
}

/// What went wrong, in a few words, for a retry notice (`platform` answered).
pub(crate) fn short_cause(e: &Error, platform: crate::tracker::Platform) -> String {
    match e {
        Error::Transport { message, .. } => message.clone(),
        other => match other.status() {
            Some(s) => format!("{platform} answered {s}"),
            None => "request failed".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn collect() -> (Sink, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let into = lines.clone();
        let sink: Sink = Arc::new(move |l: &str| into.lock().expect("lines").push(l.to_owned()));
        (sink, lines)
    }

    #[test]
    fn lines_follow_the_verbosity_and_never_show_the_token() {
        let (log, logged) = collect();
        let (notice, noticed) = collect();
        let quiet = Logger::new(0, log.clone(), notice.clone(), Secret::new("s3cret"));
        quiet.line("GET /x");
        quiet.notify("waiting for s3cret");
        assert!(logged.lock().expect("lines").is_empty());
        assert_eq!(*noticed.lock().expect("lines"), ["waiting for ***"]);

        let loud = Logger::new(2, log, notice, Secret::new("s3cret"));
        loud.request_headers(&[("Authorization".into(), "Bearer ***".into())]);
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "authorization",
            http::HeaderValue::from_static("Bearer s3cret"),
        );
        loud.response_headers(&headers);
        assert_eq!(
            *logged.lock().expect("lines"),
            ["> Authorization: Bearer ***", "< authorization: ***"]
        );
    }
}
