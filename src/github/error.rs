//! What can go wrong talking to GitHub, each with a hint of what to do about it.
//!
//! No variant ever holds the token: the client scrubs every message taken from a
//! response or a transport error before building one of these.

/// One entry of the `errors[]` array of a GitHub 422 response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldError {
    /// e.g. `Label`, `Milestone`, `Issue`.
    pub resource: Option<String>,
    /// e.g. `already_exists`, `missing_field`, `invalid`, `custom`.
    pub code: Option<String>,
    /// e.g. `name`, `title`.
    pub field: Option<String>,
    /// Free text GitHub sometimes adds (always present for `custom`).
    pub message: Option<String>,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(r) = &self.resource {
            parts.push(r.clone());
        }
        if let Some(field) = &self.field {
            parts.push(format!("field `{field}`"));
        }
        if let Some(c) = &self.code {
            parts.push(c.clone());
        }
        if let Some(m) = &self.message {
            parts.push(format!("\"{m}\""));
        }
        f.write_str(&parts.join(" "))
    }
}

/// A failed GitHub request. `Display` is one line that ends with `hint: …`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: the token is missing, expired or revoked.
    #[error("{request}: GitHub rejected the token (401 Unauthorized: {message}); hint: {}", self.hint())]
    Unauthorized {
        /// The request, e.g. `GET /repos/o/r/issues?state=all&per_page=100`.
        request: String,
        message: String,
    },
    /// 403 that is not a rate limit: missing scope, no access, blocked, archived repository...
    #[error("{request}: GitHub refused the request (403 Forbidden: {message}); hint: {}", self.hint())]
    Forbidden {
        /// The request, e.g. `GET /repos/o/r/issues?state=all&per_page=100`.
        request: String,
        message: String,
        /// `X-OAuth-Scopes`: the scopes the token has (classic tokens only).
        token_scopes: Option<Vec<String>>,
        /// `X-Accepted-OAuth-Scopes`: the scopes this endpoint accepts.
        accepted_scopes: Option<Vec<String>>,
    },
    /// 404: the repository, or the item in it, does not exist or the token cannot see it.
    #[error("{request}: not found on GitHub (404: {message}); hint: {}", self.hint())]
    NotFound {
        /// The request, e.g. `GET /repos/o/r/issues?state=all&per_page=100`.
        request: String,
        message: String,
    },
    /// 422: GitHub refused the content, with its `errors[]` details.
    #[error("{request}: GitHub refused the change (422: {message}{}); hint: {}", fmt_field_errors(errors), self.hint())]
    Validation {
        /// The request, e.g. `GET /repos/o/r/issues?state=all&per_page=100`.
        request: String,
        message: String,
        errors: Vec<FieldError>,
    },
    /// Any other HTTP failure (5xx after the retries ran out, 409, 410, 3xx...).
    #[error("{request}: GitHub answered {status} ({message}); hint: {}", self.hint())]
    Http {
        /// The request, e.g. `GET /repos/o/r/issues?state=all&per_page=100`.
        request: String,
        status: u16,
        message: String,
    },
    /// The server could not be reached, or the connection failed and retries ran out.
    #[error("could not reach {base_url} ({request}: {message}); hint: {}", self.hint())]
    Transport {
        base_url: String,
        /// The request, e.g. `GET /repos/o/r/issues?state=all&per_page=100`.
        request: String,
        message: String,
        /// Whether the request may have reached GitHub (connection lost after sending).
        maybe_sent: bool,
    },
    /// The server's TLS certificate was refused (an unknown certificate authority, an
    /// expired certificate, another host name...). Not retried: every attempt would fail
    /// the same way. Boxed: it is rare and large.
    #[error(transparent)]
    Certificate(Box<CertificateFailure>),
    /// A response that is not the JSON the endpoint documents.
    #[error("{request}: could not read the answer ({message}); hint: {}", self.hint())]
    Decode {
        /// The request, e.g. `GET /repos/o/r/issues?state=all&per_page=100`.
        request: String,
        message: String,
    },
    /// The client was set up wrongly (bad base URL, empty token...).
    #[error("client setup: {message}; hint: {}", self.hint())]
    Config { message: String },
}

/// The details of [`Error::Certificate`].
#[derive(Debug, thiserror::Error)]
#[error("{request}: the certificate of {host} is not trusted ({problem}; trusted roots: {trusted}); hint: {}", self.hint())]
pub struct CertificateFailure {
    /// The host the client connected to, e.g. `ghe.example.com`.
    pub host: String,
    /// The request, e.g. `GET /user`.
    pub request: String,
    pub problem: CertificateProblem,
    /// Where the trusted roots came from, e.g. `SSL_CERT_FILE=/etc/ca.pem (1
    /// certificate)` or `the system's certificate store (146 certificates)`.
    pub trusted: String,
    /// The TLS library's error.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl CertificateFailure {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        certificate_hint(&self.host, &self.problem)
    }
}

/// Why a server's certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// Signed by no certificate authority the client trusts (a company CA, a self-signed
    /// certificate, an intercepting proxy).
    UnknownIssuer,
    /// Past its end date (or this machine's clock is ahead).
    Expired,
    /// Before its start date (or this machine's clock is behind).
    NotYetValid,
    /// Issued for other names than the host connected to.
    WrongName {
        /// The names the certificate holds, when known.
        presented: Vec<String>,
    },
    /// Revoked by its authority.
    Revoked,
    /// Anything else, as the TLS library words it.
    Other(String),
}

impl std::fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertificateProblem::UnknownIssuer => f.write_str("unknown issuer"),
            CertificateProblem::Expired => f.write_str("expired"),
            CertificateProblem::NotYetValid => f.write_str("not valid yet"),
            CertificateProblem::WrongName { presented } if presented.is_empty() => {
                f.write_str("issued for another name")
            }
            CertificateProblem::WrongName { presented } => {
                write!(f, "issued for {}", presented.join(", "))
            }
            CertificateProblem::Revoked => f.write_str("revoked"),
            CertificateProblem::Other(text) => f.write_str(text),
        }
    }
}

fn certificate_hint(host: &str, problem: &CertificateProblem) -> String {
    const UNKNOWN_CA: &str = "if the server uses your company's certificate authority, add it \
         to the system's store or point SSL_CERT_FILE at it (a PEM file; SSL_CERT_DIR for a \
         directory of them), as for git and curl";
    match problem {
        CertificateProblem::UnknownIssuer | CertificateProblem::Other(_) => UNKNOWN_CA.to_owned(),
        CertificateProblem::Expired => "the server's certificate has expired, or this \
             machine's clock is ahead: check the date, else ask the server's administrators \
             to renew the certificate"
            .to_owned(),
        CertificateProblem::NotYetValid => "this machine's clock is probably behind (the \
             certificate is not valid yet): check the date and time"
            .to_owned(),
        CertificateProblem::WrongName { presented } => {
            let names: Vec<&str> = presented
                .iter()
                .map(String::as_str)
                .filter(|n| !n.contains('*'))
                .collect();
            match names.first() {
                Some(name) => format!(
                    "the server's certificate does not name {host}: use a name it holds \
                     (e.g. {name}) in the API URL (api_url in the project configuration, or \
                     GITHUB_API_URL)"
                ),
                None => format!(
                    "the server's certificate does not name {host}: use the host name the \
                     server is known by in the API URL (api_url in the project \
                     configuration, or GITHUB_API_URL)"
                ),
            }
        }
        CertificateProblem::Revoked => "the server's certificate was revoked: ask the \
             server's administrators for a new one"
            .to_owned(),
    }
}

fn fmt_field_errors(errors: &[FieldError]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!(": {}", list.join("; "))
    }
}

impl Error {
    /// The HTTP status behind this error, if there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::Validation { .. } => Some(422),
            Error::Http { status, .. } => Some(*status),
            Error::Transport { .. }
            | Error::Certificate(_)
            | Error::Decode { .. }
            | Error::Config { .. } => None,
        }
    }

    /// The request an answer failed (`GET /…`), when there was one.
    pub fn request(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { request, .. }
            | Error::Forbidden { request, .. }
            | Error::NotFound { request, .. }
            | Error::Validation { request, .. }
            | Error::Http { request, .. }
            | Error::Decode { request, .. } => Some(request),
            Error::Transport { .. } | Error::Certificate(_) | Error::Config { .. } => None,
        }
    }

    /// The server's own message for a failed answer (scrubbed of the token).
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { message, .. }
            | Error::Forbidden { message, .. }
            | Error::NotFound { message, .. }
            | Error::Validation { message, .. }
            | Error::Http { message, .. } => Some(message),
            _ => None,
        }
    }

    /// 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// 401.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Unauthorized { .. })
    }

    /// 403 that is not a rate limit (those are waited out, never returned): the token lacks
    /// a scope or permission, or the repository or organization does not let it in.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Error::Forbidden { .. })
    }

    /// The server's TLS certificate was refused (see [`Error::Certificate`]).
    pub fn is_certificate(&self) -> bool {
        matches!(self, Error::Certificate(_))
    }

    /// The token cannot do this at all (401, or a 403 that is no rate limit): every further
    /// request of the same kind would be refused the same way.
    pub fn denies_token(&self) -> bool {
        self.is_unauthorized() || self.is_forbidden()
    }

    /// The one-line message without its trailing `; hint: …`, for callers that show the
    /// hint on a line of its own.
    pub fn without_hint(&self) -> String {
        let text = self.to_string();
        let suffix = format!("; hint: {}", self.hint());
        match text.strip_suffix(&suffix) {
            Some(head) => head.to_owned(),
            None => text,
        }
    }

    /// A 422 whose `errors[]` holds `code: already_exists` (a label or milestone with
    /// that name/title exists already).
    pub fn is_already_exists(&self) -> bool {
        match self {
            Error::Validation {
                errors, message, ..
            } => {
                errors
                    .iter()
                    .any(|e| e.code.as_deref() == Some("already_exists"))
                    || (errors.is_empty()
                        && message.to_ascii_lowercase().contains("already exists"))
            }
            // GitLab: 409 `Label already exists`, 400 `Milestone already exists` or
            // `title has already been taken`.
            Error::Http {
                status: 400 | 409,
                message,
                ..
            } => {
                let m = message.to_ascii_lowercase();
                m.contains("already exists") || m.contains("already been taken")
            }
            _ => false,
        }
    }

    /// The `errors[]` of a 422 (empty for other errors).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Validation { errors, .. } => errors,
            _ => &[],
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            Error::Unauthorized { .. } => {
                "the token was rejected: create a new token with the `repo` scope \
                 (classic) or Issues: read and write access to the repository (fine-grained), \
                 then provide it again (keyring, or the environment variable named by \
                 pat_env_var_name, GITHUB_PAT by default)"
                    .to_owned()
            }
            Error::Forbidden {
                token_scopes,
                accepted_scopes,
                ..
            } => forbidden_hint(token_scopes.as_deref(), accepted_scopes.as_deref()),
            Error::NotFound { .. } => {
                "check repo_owner and repo_name in project_config.toml, and that the \
                 token can access the repository (GitHub answers 404, not 403, for private \
                 repositories a token cannot see)"
                    .to_owned()
            }
            Error::Validation { .. } => {
                if self.is_already_exists() {
                    "an item with that name already exists on GitHub; use it instead of creating it"
                        .to_owned()
                } else {
                    "GitHub refused the values sent; check the field named above (titles must \
                     not be empty, label colors are 6 hex digits, dates are ISO 8601)"
                        .to_owned()
                }
            }
            Error::Http { status, .. } => match status {
                500..=599 => "GitHub is having trouble; try again in a few minutes \
                     (https://www.githubstatus.com)"
                    .to_owned(),
                300..=399 => {
                    "the repository may have been renamed or moved; update repo_owner and \
                     repo_name"
                        .to_owned()
                }
                410 => {
                    "the item is gone: it was deleted, or issues are disabled for the repository"
                        .to_owned()
                }
                409 => {
                    "the repository is in a conflicting state (empty or being modified); try again"
                        .to_owned()
                }
                _ => "see GitHub's message above".to_owned(),
            },
            Error::Transport { maybe_sent, .. } => {
                if *maybe_sent {
                    "the connection failed repeatedly; check the network and run the sync \
                     again (it resumes safely)"
                        .to_owned()
                } else {
                    "check the network connection and the API URL (api_url in the project \
                     configuration, or GITHUB_API_URL; GitHub Enterprise uses https://HOST/api/v3)"
                        .to_owned()
                }
            }
            Error::Certificate(failure) => failure.hint(),
            Error::Decode { .. } => "check that the API URL points at a GitHub REST API \
                 (https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise)"
                .to_owned(),
            Error::Config { .. } => {
                "set a valid API URL (http:// or https://) and a non-empty token".to_owned()
            }
        }
    }
}

fn forbidden_hint(token_scopes: Option<&[String]>, accepted: Option<&[String]>) -> String {
    if let (Some(have), Some(need)) = (token_scopes, accepted) {
        let need: Vec<&String> = need.iter().filter(|s| !s.is_empty()).collect();
        if !need.is_empty() && !need.iter().any(|n| have.contains(n)) {
            let need: Vec<&str> = need.iter().map(|s| s.as_str()).collect();
            let have = if have.is_empty() {
                "none".to_owned()
            } else {
                have.join(", ")
            };
            return format!(
                "the token lacks the scope this needs (needs one of: {}; has: {have}): use a \
                 classic token with the `repo` scope (`public_repo` for public repositories), \
                 or a fine-grained token with Issues: read and write on this repository",
                need.join(", ")
            );
        }
    }
    "the token is not allowed to do this: it needs the `repo` scope (classic) or Issues: \
     read and write on this repository (fine-grained); also check that the repository is not \
     archived and that the organization allows the token"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_exists_is_detected_from_field_errors() {
        let e = Error::Validation {
            request: "POST /repos/o/r/labels".into(),
            message: "Validation Failed".into(),
            errors: vec![FieldError {
                resource: Some("Label".into()),
                code: Some("already_exists".into()),
                field: Some("name".into()),
                message: None,
            }],
        };
        assert!(e.is_already_exists());
        let text = e.to_string();
        assert!(text.contains("Label field `name` already_exists"), "{text}");
        assert!(text.contains("hint:"), "{text}");

        let other = Error::Validation {
            request: "POST /x".into(),
            message: "Validation Failed".into(),
            errors: vec![FieldError {
                code: Some("missing_field".into()),
                ..FieldError::default()
            }],
        };
        assert!(!other.is_already_exists());
    }

    #[test]
    fn forbidden_hint_names_missing_scope() {
        let h = forbidden_hint(
            Some(&["read:user".to_owned()]),
            Some(&["repo".to_owned(), "public_repo".to_owned()]),
        );
        assert!(h.contains("needs one of: repo, public_repo"), "{h}");
        assert!(h.contains("has: read:user"), "{h}");
        assert!(h.contains("Issues: read and write"), "{h}");
        let h = forbidden_hint(Some(&["repo".to_owned()]), Some(&["repo".to_owned()]));
        assert!(!h.contains("lacks"), "{h}");
    }

    #[test]
    fn every_variant_displays_a_hint() {
        let errors = [
            Error::Unauthorized {
                request: "GET /user".into(),
                message: "Bad credentials".into(),
            },
            Error::NotFound {
                request: "GET /repos/o/r".into(),
                message: "Not Found".into(),
            },
            Error::Http {
                request: "GET /x".into(),
                status: 502,
                message: "Bad Gateway".into(),
            },
            Error::Transport {
                base_url: "http://127.0.0.1:1".into(),
                request: "GET /x".into(),
                message: "connection refused".into(),
                maybe_sent: false,
            },
            certificate(CertificateProblem::UnknownIssuer),
        ];
        for e in errors {
            let s = e.to_string();
            assert!(s.contains("hint: "), "{s}");
            assert!(s.contains(&e.hint()), "{s}");
            let short = e.without_hint();
            assert!(!short.contains("hint:"), "{short}");
            assert!(s.starts_with(&short) && short.len() < s.len(), "{short}");
        }
    }

    fn certificate(problem: CertificateProblem) -> Error {
        Error::Certificate(Box::new(CertificateFailure {
            host: "ghe.example.com".into(),
            request: "GET /user".into(),
            problem,
            trusted: "the system's certificate store (140 certificates)".into(),
            source: "invalid peer certificate".into(),
        }))
    }

    #[test]
    fn a_certificate_error_names_the_host_and_what_to_do() {
        use std::error::Error as _;
        let e = certificate(CertificateProblem::UnknownIssuer);
        let text = e.to_string();
        assert!(
            text.starts_with(
                "GET /user: the certificate of ghe.example.com is not trusted (unknown issuer; \
                 trusted roots: the system's certificate store (140 certificates)); hint: "
            ),
            "{text}"
        );
        assert!(e.hint().contains("point SSL_CERT_FILE at it"), "{text}");
        assert!(e.is_certificate() && e.status().is_none() && !e.denies_token());
        let source = e.source().expect("the TLS error is kept as the source");
        assert_eq!(source.to_string(), "invalid peer certificate");

        let e = certificate(CertificateProblem::WrongName {
            presented: vec!["*.example.com".into(), "github.example.com".into()],
        });
        assert!(
            e.to_string()
                .contains("not trusted (issued for *.example.com, github.example.com;"),
            "{e}"
        );
        assert!(e.hint().contains("(e.g. github.example.com)"), "{e}");
        let e = certificate(CertificateProblem::Expired);
        assert!(e.hint().contains("clock"), "{e}");
    }
}
