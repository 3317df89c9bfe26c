//! A blocking GitHub REST client (ureq): pagination, ETags, rate limits, retries.
//!
//! * Every request carries `Accept: application/vnd.github+json`,
//!   `X-GitHub-Api-Version: 2022-11-28`, `User-Agent: git-intellimanage/<version>` and
//!   `Authorization: Bearer <token>`; the token lives in a [`Secret`] and never
//!   appears in a log line, notice or error.
//! * Lists are read 100 per page, following `Link: <…>; rel="next"`.
//! * GETs go through an [`EtagCache`] the caller persists: a cached URL is sent with
//!   `If-None-Match`, and a `304` reuses the cached body (free of rate limit).
//! * Rate limits are waited out (primary: until `x-ratelimit-reset`; secondary:
//!   `retry-after`, or at least 60 s growing), with a message to the notice sink.
//! * Idempotent requests are retried on 5xx, timeouts and lost connections with
//!   exponential back-off and jitter; creates are never sent blindly twice
//!   ([`Client::create_guarded`] asks a lookup first).
//! * Writes are serialised, with `write_delay` between them.
//! * An https API's certificate is checked against the roots git and curl trust
//!   (`SSL_CERT_FILE` / `SSL_CERT_DIR`, else the system's store; see [`Trust`]); a refused
//!   certificate fails at once with [`Error::Certificate`], never retried.
//!
//! The files form layers and import only from lower ones (the `layering` test checks
//! it): the wire types and pure helpers (`types`, `urls`, `clock`, `secret`,
//! `trust`, `error`); plain functions and types over them (`decode`, `log`, `neutral`,
//! then `retry`); the transport (`engine`); the [`Client`] (`client`, then its typed
//! calls in `calls` and its endpoints in `endpoints` and `projects`); the project board
//! (`board`); GitHub as a tracker (`adapter`).

mod adapter;
mod attempt;
mod board;
mod calls;
mod client;
mod clock;
mod decode;
mod endpoints;
mod engine;
mod error;
mod log;
mod neutral;
mod projects;
mod retry;
mod secret;
mod trust;
mod types;
mod urls;

pub use crate::tracker::{CachedResponse, EtagCache, Stats};
pub use adapter::GithubTracker;
pub use board::BoardSpec;
pub use client::{Client, ClientOptions, DEFAULT_API_URL, PER_PAGE};
pub use clock::{Clock, SystemClock};
pub use endpoints::{Permissions, Repository, body_has_marker};
pub(crate) use engine::Method as HttpMethod;
pub use engine::{API_VERSION, MEDIA_TYPE};
pub use error::{CertificateFailure, CertificateProblem, Error, FieldError};
pub use log::{Sink, stderr_sink};
pub use neutral::tracker_error;
pub use projects::{ProjectOwner, ProjectRef};
pub use retry::{RateLimit, RetryPolicy};
pub use secret::Secret;
pub use trust::Trust;
pub use types::{
    Comment, Created, Issue, IssuePatch, Label, LabelPatch, ListIssues, Milestone, MilestonePatch,
    NewIssue, NewMilestone, RepoRef, State, StateFilter, StateReason, User,
};
pub(crate) use urls::with_query;
pub use urls::{encode_component, next_link};

#[cfg(test)]
mod layering {
    /// Every file of the client and its layer. A file may name (`super::…`) only files of
    /// lower layers, so imports run one way.
    const LAYERS: &[(&str, u8)] = &[
        // 0: the wire types and pure helpers.
        ("types", 0),
        ("urls", 0),
        ("clock", 0),
        ("secret", 0),
        ("trust", 0),
        ("error", 0),
        // 1: plain functions and types over them: reading answers, the log lines, the
        // wire types in the planner's terms.
        ("decode", 1),
        ("attempt", 1),
        ("log", 1),
        ("neutral", 1),
        // 2: the retry and rate-limit policy (reads headers with `decode::header`).
        ("retry", 2),
        // 3: the transport: one request, with its cache, waits and retries.
        ("engine", 3),
        // 4-6: the client, its typed calls, its endpoints.
        ("client", 4),
        ("calls", 5),
        ("endpoints", 6),
        ("projects", 6),
        // 7: the project board, over the projects endpoints.
        ("board", 7),
        // 8: GitHub as a tracker, over the endpoints and the board.
        ("adapter", 8),
    ];

    fn layer(module: &str) -> Option<u8> {
        LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
    }

    /// The sibling modules a `super::` path names: `super::a::…` → `[a]`,
    /// `super::{a::x, b}` → `[a, b]`.
    fn named(after: &str) -> Vec<String> {
        let ident = |s: &str| -> String {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let Some(group) = after.strip_prefix('{') else {
            return vec![ident(after)];
        };
        let (mut depth, mut names, mut start) = (0usize, Vec::new(), 0);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    names.push(ident(&group[start..i]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    names.push(ident(&group[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        names.retain(|n| !n.is_empty());
        names
    }

    #[test]
    fn imports_run_one_way() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/github");
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src/github") {
            let path = entry.expect("entry").path();
            let Some(module) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".rs"))
            else {
                continue;
            };
            if module == "mod" {
                continue;
            }
            let Some(own) = layer(module) else {
                panic!("src/github/{module}.rs has no layer: add it to LAYERS");
            };
            seen.push(module.to_owned());
            let text = std::fs::read_to_string(&path).expect("read");
            assert!(
                text.starts_with("//! "),
                "src/github/{module}.rs must open with a one-line `//!` summary"
            );
            // The unit tests' `use super::*` names the file itself: check the code above.
            // Comments (doc links) may name any file.
            let above = text.split("#[cfg(test)]").next().unwrap_or(&text);
            let code: String = above
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                !code.contains("crate::github"),
                "src/github/{module}.rs names `crate::github`: use `super::` paths"
            );
            for (at, _) in code.match_indices("super::") {
                for name in named(&code[at + "super::".len()..]) {
                    let Some(theirs) = layer(&name) else {
                        panic!("src/github/{module}.rs names `super::{name}`, which has no layer");
                    };
                    assert!(
                        theirs < own,
                        "src/github/{module}.rs (layer {own}) imports `super::{name}` \
                         (layer {theirs}): a file may import only from lower layers"
                    );
                }
            }
        }
        seen.sort();
        let mut listed: Vec<String> = LAYERS.iter().map(|(m, _)| (*m).to_owned()).collect();
        listed.sort();
        assert_eq!(seen, listed, "LAYERS lists exactly the files of src/github");
    }

    #[test]
    fn grouped_and_nested_paths_are_read() {
        assert_eq!(named("engine::{Failure, Req};"), ["engine"]);
        assert_eq!(
            named("{decode::{self, header}, log::Logger};"),
            ["decode", "log"]
        );
        assert_eq!(named("client::Req {"), ["client"]);
    }
}
