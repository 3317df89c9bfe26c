//! Cursor paging and field selection for the Projects (v2) lists, as GitHub has them:
//! `per_page` (default 30, at most 100), opaque `after`/`before` cursors in the `Link`
//! header's `rel="next"`/`rel="prev"` URLs, and `fields=` naming the fields to show.
//! A child of `api::projects`.

use serde_json::{Value, json};

use super::ProjectOwner;
use super::data::{Field, FieldKind, Project, project_url};
use super::{Ctx, Reply, error};
use crate::LinkStyle;
use crate::http::percent_decode;

/// GitHub's `400` with an `errors` object (not the usual array).
pub(super) fn field_errors(doc: &str, message: &str, errors: Value) -> Reply {
    Reply::json(
        400,
        json!({"message": message, "errors": errors, "documentation_url": doc, "status": "400"}),
    )
}

pub(super) fn param<'q>(q: &'q [(String, String)], name: &str) -> Option<&'q str> {
    q.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// An opaque cursor (unpadded URL-safe base64 of `kind:id`).
pub(super) fn cursor(kind: &str, id: u64) -> String {
    let bytes = format!("{kind}:{id}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

pub(super) fn decode_cursor(kind: &str, text: &str) -> Option<u64> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in text.bytes() {
        let v = B64.iter().position(|b| *b == c)?;
        bits = (bits << 6) | u32::try_from(v).ok()?;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push(u8::try_from((bits >> count) & 0xff).ok()?);
        }
    }
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(kind)?.strip_prefix(':')?.parse().ok()
}

/// One page of a cursor-paged list: `start..end` of it, and the cursors of the pages
/// before and after it, if there are such pages.
pub(super) struct Window {
    pub start: usize,
    pub end: usize,
    per_page: usize,
    prev: Option<String>,
    next: Option<String>,
}

/// Pages `ids` (in list order, ascending) by `per_page`/`after`/`before`.
pub(super) fn window(
    ids: &[u64],
    kind: &str,
    q: &[(String, String)],
    doc: &str,
) -> Result<Window, Reply> {
    let per_page = param(q, "per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|v| *v > 0)
        .unwrap_or(30)
        .min(100);
    let has = |name: &str| q.iter().any(|(k, _)| k == name);
    if has("after") && has("before") {
        return Err(error(
            400,
            "Please do not provide both 'before' and 'after' parameters.",
            doc,
        ));
    }
    let decode = |name: &str| -> Result<Option<u64>, Reply> {
        match param(q, name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => decode_cursor(kind, v)
                .map(Some)
                .ok_or_else(|| error(400, &format!("Invalid '{name}' cursor"), doc)),
        }
    };
    let (start, end) = if let Some(after) = decode("after")? {
        let start = ids.iter().take_while(|id| **id <= after).count();
        (start, (start + per_page).min(ids.len()))
    } else if let Some(before) = decode("before")? {
        let end = ids.iter().take_while(|id| **id < before).count();
        (end.saturating_sub(per_page), end)
    } else {
        (0, per_page.min(ids.len()))
    };
    let shown = start < end;
    Ok(Window {
        start,
        end,
        per_page,
        prev: (shown && start > 0).then(|| cursor(kind, ids[start])),
        next: (shown && end < ids.len()).then(|| cursor(kind, ids[end - 1])),
    })
}

/// Where the project's `Link` header URLs point: the `/organizations/{id}` and
/// `/user/{id}` forms GitHub uses (or the `/orgs|users/{login}` ones, by [`LinkStyle`]).
pub(super) fn link_header(
    ctx: &Ctx<'_>,
    p: &Project,
    owner_id: u64,
    tail: &str,
    raw_query: &str,
    w: &Window,
) -> Option<String> {
    let base = match (ctx.link_style, p.kind) {
        (LinkStyle::RepositoryId, ProjectOwner::Organization) => format!(
            "{}/organizations/{owner_id}/projectsV2/{}/{tail}",
            ctx.urls.api, p.number
        ),
        (LinkStyle::RepositoryId, ProjectOwner::User) => {
            format!(
                "{}/user/{owner_id}/projectsV2/{}/{tail}",
                ctx.urls.api, p.number
            )
        }
        (LinkStyle::OwnerRepo, _) => format!("{}/{tail}", project_url(&ctx.urls, p)),
    };
    let kept: Vec<&str> = raw_query
        .split('&')
        .filter(|part| {
            let key = percent_decode(part.split('=').next().unwrap_or_default(), true);
            !part.is_empty() && !matches!(key.as_str(), "per_page" | "after" | "before")
        })
        .collect();
    let url = |name: &str, cursor: &str| {
        let mut parts: Vec<String> = kept.iter().map(|s| (*s).to_string()).collect();
        parts.push(format!("per_page={}", w.per_page));
        parts.push(format!("{name}={cursor}"));
        format!("<{base}?{}>", parts.join("&"))
    };
    let mut links = Vec::new();
    if let Some(c) = &w.prev {
        links.push(format!("{}; rel=\"prev\"", url("before", c)));
    }
    if let Some(c) = &w.next {
        links.push(format!("{}; rel=\"next\"", url("after", c)));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

/// The fields `fields=1,2` / `fields[]=1&fields[]=2` names (project order), or Title alone.
pub(super) fn shown_fields<'p>(
    p: &'p Project,
    q: &[(String, String)],
    doc: &str,
) -> Result<Vec<&'p Field>, Reply> {
    let wanted: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "fields" || k == "fields[]")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(p
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::Title)
            .collect());
    }
    let bad: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|v| v.parse::<u64>().ok().is_none_or(|n| n == 0))
        .collect();
    if !bad.is_empty() {
        return Err(field_errors(
            doc,
            "Field validation errors",
            json!({ "invalid_ids": bad }),
        ));
    }
    let ids: Vec<u64> = wanted.iter().filter_map(|v| v.parse().ok()).collect();
    found_fields(p, &ids, doc)
}

/// The project's fields with these ids (project order); `400` naming any that is missing.
pub(super) fn found_fields<'p>(
    p: &'p Project,
    ids: &[u64],
    doc: &str,
) -> Result<Vec<&'p Field>, Reply> {
    let mut missing: Vec<Value> = Vec::new();
    for id in ids {
        if !p.fields.iter().any(|f| f.id == *id) && !missing.iter().any(|m| m["id"] == json!(id)) {
            missing.push(json!({"id": id, "message": "Field cannot be found"}));
        }
    }
    if !missing.is_empty() {
        return Err(field_errors(
            doc,
            "Field validation errors",
            json!({ "invalid_ids": missing }),
        ));
    }
    Ok(p.fields.iter().filter(|f| ids.contains(&f.id)).collect())
}

#[cfg(test)]
mod tests {
    use super::{cursor, decode_cursor};

    #[test]
    fn cursors_round_trip_and_keep_their_kind() {
        for id in [0, 1, 9_000_001, u64::MAX] {
            let c = cursor("item", id);
            assert!(
                c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(decode_cursor("item", &c), Some(id));
            assert_eq!(decode_cursor("field", &c), None);
        }
        assert_eq!(decode_cursor("item", "not a cursor"), None);
        assert_eq!(decode_cursor("item", ""), None);
    }
}
