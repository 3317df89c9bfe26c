//! Reading GitHub's answers as plain functions: JSON bodies into values, and failed
//! statuses and transport failures into typed errors free of the token.

use super::error::{CertificateFailure, CertificateProblem, Error, FieldError};
use super::secret::Secret;
use serde::de::DeserializeOwned;
use ureq::http;

/// `body` read as JSON into a `T`; a failure names `request` (`METHOD /path`) and is
/// scrubbed of `token`.
pub(crate) fn json<T: DeserializeOwned>(
    request: &str,
    body: &str,
    token: &Secret,
) -> Result<T, Error> {
    let decoded = match serde_json::from_str(body) {
        // JSON can spell a lone UTF-16 surrogate (`"\ud800"`), a string can't hold one:
        // it is read as U+FFFD instead of failing the whole answer.
        Err(e) if e.is_syntax() => match replace_lone_surrogates(body) {
            Some(fixed) => serde_json::from_str(&fixed),
            None => Err(e),
        },
        other => other,
    };
    decoded.map_err(|e| Error::Decode {
        request: request.to_owned(),
        message: token.scrub(&format!(
            "{e}; the answer began with {:?}",
            excerpt(body, 120)
        )),
    })
}

/// The error for a request to `base_url` that failed in transit; `maybe_sent` when the
/// request may have reached the server.
pub(crate) fn transport_error(
    base_url: &str,
    request: String,
    error: &ureq::Error,
    maybe_sent: bool,
    token: &Secret,
) -> Error {
    let mut message = token.scrub(&error.to_string());
    if maybe_sent {
        message = format!("connection lost: {message}");
    }
    Error::Transport {
        base_url: base_url.to_owned(),
        request,
        message,
        maybe_sent,
    }
}

/// The error for a request to `url` whose server certificate was refused; `fallback_host`
/// names the server when `url` has no host, `trusted` where the trusted roots came from.
pub(crate) fn certificate_error(
    url: &str,
    request: String,
    problem: CertificateProblem,
    source: Box<dyn std::error::Error + Send + Sync>,
    fallback_host: &str,
    trusted: &str,
) -> Error {
    let host = http::Uri::try_from(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.trim_matches(['[', ']']).to_owned()))
        .unwrap_or_else(|| fallback_host.to_owned());
    Error::Certificate(Box::new(CertificateFailure {
        host,
        request,
        problem,
        trusted: trusted.to_owned(),
        source,
    }))
}

/// The error for an answer with a failed `status`, from its headers and GitHub's JSON
/// body, scrubbed of `token`.
pub(crate) fn error_from(
    request: String,
    status: u16,
    headers: &http::HeaderMap,
    body: &str,
    token: &Secret,
) -> Error {
    let mut message = error_message(body);
    if message.is_empty() {
        message = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no message")
            .to_owned();
    }
    let message = token.scrub(&message);
    match status {
        401 => Error::Unauthorized { request, message },
        403 => Error::Forbidden {
            request,
            message,
            token_scopes: header(headers, "x-oauth-scopes").map(split_scopes),
            accepted_scopes: header(headers, "x-accepted-oauth-scopes").map(split_scopes),
        },
        404 => Error::NotFound { request, message },
        422 => Error::Validation {
            request,
            message,
            errors: field_errors(body)
                .into_iter()
                .map(|e| FieldError {
                    resource: e.resource.map(|s| token.scrub(&s)),
                    code: e.code.map(|s| token.scrub(&s)),
                    field: e.field.map(|s| token.scrub(&s)),
                    message: e.message.map(|s| token.scrub(&s)),
                })
                .collect(),
        },
        _ => Error::Http {
            request,
            status,
            message,
        },
    }
}

/// The value of header `name`, if it is text.
pub(crate) fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn split_scopes(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The error's `message` (GitHub; GitLab), GitLab's per-field `message` object
/// (`{"title": ["is too long"]}` → `title is too long`) or its `error`, or the start of a
/// non-JSON body.
pub(crate) fn error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return excerpt(body, 200);
    };
    match v.get("message").or_else(|| v.get("error")) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(fields)) => fields
            .iter()
            .map(|(field, m)| {
                let texts: Vec<String> = match m {
                    serde_json::Value::Array(list) => list
                        .iter()
                        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                        .collect(),
                    serde_json::Value::String(s) => vec![s.clone()],
                    other => vec![other.to_string()],
                };
                format!("{field} {}", texts.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    }
}

fn field_errors(body: &str) -> Vec<FieldError> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return Vec::new();
    };
    let Some(list) = v.get("errors").and_then(|e| e.as_array()) else {
        return Vec::new();
    };
    let text = |item: &serde_json::Value, key: &str| {
        item.get(key).and_then(|x| match x {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        })
    };
    list.iter()
        .map(|item| match item {
            serde_json::Value::String(s) => FieldError {
                message: Some(s.clone()),
                ..FieldError::default()
            },
            _ => FieldError {
                resource: text(item, "resource"),
                code: text(item, "code"),
                field: text(item, "field"),
                message: text(item, "message"),
            },
        })
        .collect()
}

/// `json` with each `\uXXXX` escape of a lone UTF-16 surrogate (one not in a high-low pair)
/// replaced by `\ufffd`; `None` when there is none.
fn replace_lone_surrogates(json: &str) -> Option<String> {
    let bytes = json.as_bytes();
    let unit = |at: usize| -> Option<u32> {
        let hex = bytes.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    let (mut out, mut copied, mut i) = (String::new(), 0, 0);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match unit(i) {
            Some(0xD800..=0xDBFF) if matches!(unit(i + 6), Some(0xDC00..=0xDFFF)) => i += 12,
            Some(0xD800..=0xDFFF) => {
                out.push_str(&json[copied..i]);
                out.push_str("\\ufffd");
                i += 6;
                copied = i;
            }
            Some(_) => i += 6,
            // Any other escape (`\\`, `\"`, …): skip the escaped character.
            None => i += 2,
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&json[copied..]);
    Some(out)
}

fn excerpt(text: &str, max_chars: usize) -> String {
    let trimmed = text.trim();
    let mut out: String = trimmed.chars().take(max_chars).collect();
    if trimmed.chars().count() > max_chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_parsed_leniently() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"Label","code":"already_exists","field":"name"},"plain text",{"code":"custom","message":"bad","field":null}]}"#;
        let errs = field_errors(body);
        assert_eq!(errs.len(), 3);
        assert_eq!(errs[0].code.as_deref(), Some("already_exists"));
        assert_eq!(errs[1].message.as_deref(), Some("plain text"));
        assert_eq!(errs[2].field, None);
        assert_eq!(error_message(body), "Validation Failed");
        assert_eq!(error_message("<html>oops</html>"), "<html>oops</html>");
        assert!(field_errors("not json").is_empty());
    }
    #[test]
    fn failed_statuses_become_typed_errors_free_of_the_token() {
        let token = Secret::new("s3cret");
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-oauth-scopes",
            http::HeaderValue::from_static("repo, gist"),
        );
        let e = error_from(
            "GET /x".into(),
            403,
            &headers,
            r#"{"message":"no s3cret"}"#,
            &token,
        );
        let Error::Forbidden {
            message,
            token_scopes,
            ..
        } = e
        else {
            panic!("{e:?}");
        };
        assert_eq!(message, "no ***");
        assert_eq!(
            token_scopes,
            Some(vec!["repo".to_owned(), "gist".to_owned()])
        );
        let e = error_from("GET /x".into(), 502, &headers, "", &token);
        assert!(
            matches!(e, Error::Http { status: 502, ref message, .. } if message == "Bad Gateway")
        );
        let e = json::<u32>("GET /x", "s3cret", &token).expect_err("not JSON");
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }
    #[test]
    fn scopes_split() {
        assert_eq!(split_scopes("repo, read:org,,"), vec!["repo", "read:org"]);
        assert!(split_scopes("").is_empty());
    }
    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let json = r#"["a\ud800b", "\udc00", "\ud83d\ude00", "\\ud800", "\u00e9"]"#;
        let fixed = replace_lone_surrogates(json).expect("two lone surrogates");
        let v: Vec<String> = serde_json::from_str(&fixed).expect("decodes");
        assert_eq!(v, ["a\u{fffd}b", "\u{fffd}", "😀", "\\ud800", "é"]);
        assert_eq!(replace_lone_surrogates(r#"["\ud83d\ude00 \\ud800"]"#), None);
    }
}
