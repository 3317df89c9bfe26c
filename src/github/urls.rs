//! URL building and `Link` header parsing.

/// Percent-encode `s` for use as one path segment or one query value: everything but
/// the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded, so label
/// names with `:`, spaces, `/`, `#`, `?` or emoji are safe.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `path?k=v&…` with each value encoded; keys are written as given.
pub(crate) fn with_query(path: &str, params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// The `rel="next"` target of a `Link` header, if any.
///
/// `<https://api.github.com/…?page=2>; rel="next", <…?page=5>; rel="last"`
pub fn next_link(header: &str) -> Option<String> {
    for part in split_links(header) {
        let part = part.trim();
        let Some(rest) = part.strip_prefix('<') else {
            continue;
        };
        let Some(end) = rest.find('>') else {
            continue;
        };
        let target = &rest[..end];
        let params = &rest[end + 1..];
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            let Some((key, value)) = p.split_once('=') else {
                return false;
            };
            key.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next && !target.is_empty() {
            return Some(target.to_owned());
        }
    }
    None
}

/// Split a `Link` header into its comma-separated entries, ignoring commas inside
/// `<…>` (URLs may contain them) and inside quotes.
fn split_links(header: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut in_angle, mut in_quote, mut start) = (false, false, 0);
    for (i, c) in header.char_indices() {
        match c {
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            '"' if !in_angle => in_quote = !in_quote,
            ',' if !in_angle && !in_quote => {
                parts.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&header[start..]);
    parts
}

/// `scheme://host[:port]` of an absolute URL (lowercased), or `None`.
pub(crate) fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let mut authority = authority.to_ascii_lowercase();
    // An explicit default port is the same origin as none.
    for (s, port) in [("https", ":443"), ("http", ":80")] {
        if scheme == s && authority.ends_with(port) {
            authority.truncate(authority.len() - port.len());
        }
    }
    Some(format!("{scheme}://{authority}"))
}

/// The path and query of an absolute URL (`/` when it has none).
pub(crate) fn path_and_query(url: &str) -> &str {
    let Some((_, rest)) = url.split_once("://") else {
        return url;
    };
    match rest.find(['/', '?']) {
        Some(i) => &rest[i..],
        None => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_label_names() {
        assert_eq!(
            encode_component("PM:Status:In Progress"),
            "PM%3AStatus%3AIn%20Progress"
        );
        assert_eq!(encode_component("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(encode_component("🐞 bug"), "%F0%9F%90%9E%20bug");
        assert_eq!(encode_component("safe-._~09AZaz"), "safe-._~09AZaz");
    }

    #[test]
    fn builds_queries() {
        assert_eq!(
            with_query(
                "/repos/o/r/issues",
                &[
                    ("state", "all".into()),
                    ("since", "2025-01-01T00:00:00Z".into()),
                    ("per_page", "100".into())
                ]
            ),
            "/repos/o/r/issues?state=all&since=2025-01-01T00%3A00%3A00Z&per_page=100"
        );
        assert_eq!(with_query("/x", &[]), "/x");
    }

    #[test]
    fn parses_github_link_headers() {
        let h = r#"<https://api.github.com/repositories/1/issues?state=all&per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/issues?state=all&per_page=100&page=10>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/repositories/1/issues?state=all&per_page=100&page=2")
        );
        let last_page = r#"<https://x/i?page=1>; rel="first", <https://x/i?page=9>; rel="prev""#;
        assert_eq!(next_link(last_page), None);
        assert_eq!(next_link(""), None);
        // Order does not matter, nor spacing, quoting or combined rel values.
        assert_eq!(
            next_link("<http://h/a?page=1>; rel=prev,<http://h/a?page=3>;rel=\"next last\"")
                .as_deref(),
            Some("http://h/a?page=3")
        );
        // Commas inside the URL do not split entries.
        assert_eq!(
            next_link(r#"<http://h/a?labels=x,y&page=2>; rel="next""#).as_deref(),
            Some("http://h/a?labels=x,y&page=2")
        );
    }

    #[test]
    fn origins_and_paths() {
        assert_eq!(
            origin("https://GHE.example.com/api/v3").as_deref(),
            Some("https://ghe.example.com")
        );
        assert_eq!(
            origin("https://api.github.com:443/x").as_deref(),
            Some("https://api.github.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin("nope"), None);
        assert_eq!(
            path_and_query("http://h:1/api/v3/repos?x=1"),
            "/api/v3/repos?x=1"
        );
        assert_eq!(path_and_query("http://h:1"), "/");
        assert_eq!(path_and_query("http://h:1?x"), "?x");
    }
}
