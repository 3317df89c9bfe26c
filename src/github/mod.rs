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

mod cache;
mod calls;
mod client;
mod clock;
mod decode;
mod endpoints;
mod engine;
mod error;
mod log;
mod neutral;
mod retry;
mod secret;
mod trust;
mod types;
mod urls;

pub use cache::{CachedResponse, EtagCache};
pub use client::{
    API_VERSION, Client, ClientOptions, DEFAULT_API_URL, MEDIA_TYPE, PER_PAGE, Stats,
};
pub use clock::{Clock, SystemClock};
pub use endpoints::{Permissions, Repository, body_has_marker};
pub use error::{CertificateFailure, CertificateProblem, Error, FieldError};
pub use log::{Sink, stderr_sink};
pub use retry::{RateLimit, RetryPolicy};
pub use secret::Secret;
pub use trust::Trust;
pub use types::{
    Comment, Created, Issue, IssuePatch, Label, LabelPatch, ListIssues, Milestone, MilestonePatch,
    NewIssue, NewMilestone, RepoRef, State, StateFilter, StateReason, User,
};
pub use urls::{encode_component, next_link};
