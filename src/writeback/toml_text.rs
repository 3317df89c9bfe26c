//! TOML text for new values: single-line keys and strings, and string lists shaped like
//! the array they replace.

use std::fmt::Write as _;
use std::ops::Range;

use toml_writer::{ToTomlValue, TomlStringBuilder};

/// Start of the line containing byte `offset`.
pub(super) fn line_start(s: &str, offset: usize) -> usize {
    s[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// End of the line containing byte `offset`, after its `\n` (or the end of `s`).
pub(super) fn line_end(s: &str, offset: usize) -> usize {
    s[offset..].find('\n').map_or(s.len(), |i| offset + i + 1)
}

/// A key as TOML writes it: bare when possible, else a single-line quoted string.
pub(super) fn key_repr(key: &str) -> String {
    toml_edit::Key::new(key).display_repr().into_owned()
}

/// A string value as a single-line TOML string: a literal string (`'…'`) when preferred
/// and possible, else a basic string with escapes. Never a multi-line string, so the
/// value can never put a `+++` line (or anything else) on a line of its own.
pub(super) fn string_repr(s: &str, prefer_literal: bool) -> String {
    let builder = TomlStringBuilder::new(s);
    match builder.as_literal() {
        Some(literal) if prefer_literal => literal.to_toml_value(),
        _ => builder.as_basic().to_toml_value(),
    }
}

/// A multi-line array's layout, item by item, so retained items keep their comments.
struct ArrayLayout<'a> {
    /// `[` and the rest of its line.
    open: &'a str,
    items: Vec<ItemLayout<'a>>,
    /// Comment or blank lines after the last item.
    footer: &'a str,
    /// The last line: indentation and `]`.
    close: &'a str,
    last_comma: bool,
}

struct ItemLayout<'a> {
    value: Option<&'a str>,
    /// Comment or blank lines above the item.
    leading: &'a str,
    indent: &'a str,
    repr: &'a str,
    /// Whitespace and `# comment` after the item's comma, or empty.
    comment: &'a str,
    eol: &'a str,
}

fn is_comment_or_blank(lines: &str) -> bool {
    lines.split_inclusive('\n').all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#')
    })
}

/// Reads the layout of a multi-line array whose items each sit on a line of their own.
fn array_layout<'a>(
    text: &'a str,
    items: &[(Option<&'a str>, Range<usize>)],
) -> Option<ArrayLayout<'a>> {
    let open_end = text.find('\n')? + 1;
    let close_start = text.rfind('\n')? + 1;
    let close = &text[close_start..];
    if close.trim_start() != "]" {
        return None;
    }
    let mut cursor = open_end;
    let mut out = Vec::new();
    let mut last_comma = true;
    for (value, span) in items {
        let start = line_start(text, span.start);
        if start < cursor || !is_comment_or_blank(&text[cursor..start]) {
            return None;
        }
        let indent = &text[start..span.start];
        if !indent.trim().is_empty() {
            return None;
        }
        let end = line_end(text, span.end);
        if end > close_start {
            return None;
        }
        let rest = &text[span.end..end];
        let content = rest.trim_end_matches(['\n', '\r']);
        let eol = &rest[content.len()..];
        let after_comma = match content.trim_start().strip_prefix(',') {
            Some(rest) => {
                last_comma = true;
                rest
            }
            None => {
                last_comma = false;
                content
            }
        };
        let comment = if after_comma.trim().is_empty() {
            ""
        } else if after_comma.trim_start().starts_with('#') {
            after_comma
        } else {
            return None;
        };
        out.push(ItemLayout {
            value: *value,
            leading: &text[cursor..start],
            indent,
            repr: &text[span.clone()],
            comment,
            eol,
        });
        cursor = end;
    }
    let footer = &text[cursor..close_start];
    if !is_comment_or_blank(footer) {
        return None;
    }
    Some(ArrayLayout {
        open: &text[..open_end],
        items: out,
        footer,
        close,
        last_comma,
    })
}

/// The text of an array of `items`, shaped like the `old` array at `span` in `fm` when
/// there is one: single-line stays single-line; multi-line keeps one item per line with
/// the same indentation, and retained items keep their quoting and comments.
pub(super) fn render_list(
    fm: &str,
    old: Option<&toml_edit::Array>,
    span: Range<usize>,
    items: &[String],
    eol: &str,
) -> String {
    let old_items: Vec<(Option<&str>, Range<usize>)> = old
        .map(|arr| {
            arr.iter()
                .filter_map(|v| v.span().map(|s| (v.as_str(), s)))
                .collect()
        })
        .unwrap_or_default();
    let complete = old.is_none_or(|arr| arr.len() == old_items.len());
    let base = span.start;
    let old_text = if old.is_some() { &fm[span] } else { "" };
    let mut used = vec![false; old_items.len()];
    let mut take = |value: &str| {
        let found = old_items
            .iter()
            .enumerate()
            .find(|(i, (v, _))| !used[*i] && *v == Some(value))
            .map(|(i, _)| i);
        if let Some(i) = found {
            used[i] = true;
        }
        found
    };

    if !old_text.contains('\n') {
        let reprs: Vec<String> = items
            .iter()
            .map(|item| match take(item) {
                Some(i) => fm[old_items[i].1.clone()].to_string(),
                None => string_repr(item, false),
            })
            .collect();
        let padded =
            !old_items.is_empty() && old_text.starts_with("[ ") && old_text.ends_with(" ]");
        return match (reprs.is_empty(), padded) {
            (true, _) => "[]".to_string(),
            (false, true) => format!("[ {} ]", reprs.join(", ")),
            (false, false) => format!("[{}]", reprs.join(", ")),
        };
    }

    if items.is_empty() && !old_text.contains('#') {
        return "[]".to_string();
    }
    let relative: Vec<(Option<&str>, Range<usize>)> = old_items
        .iter()
        .map(|(v, s)| (*v, s.start - base..s.end - base))
        .collect();
    let layout = if complete {
        array_layout(old_text, &relative)
    } else {
        None
    };
    let Some(layout) = layout else {
        // Unusual layout (several items per line, …): one item per line, fresh.
        let indent = relative
            .first()
            .map(|(_, s)| &old_text[line_start(old_text, s.start)..s.start])
            .filter(|i| i.trim().is_empty() && !i.is_empty())
            .unwrap_or("  ");
        let close_indent = old_text
            .rfind('\n')
            .map(|i| old_text[i + 1..].trim_end_matches(']'))
            .filter(|i| i.trim().is_empty())
            .unwrap_or("");
        let mut out = format!("[{eol}");
        for item in items {
            let _ = write!(out, "{indent}{},{eol}", string_repr(item, false));
        }
        out.push_str(close_indent);
        out.push(']');
        return out;
    };

    let indent = layout.items.first().map_or("  ", |i| i.indent);
    let last_comma = layout.items.is_empty() || layout.last_comma;
    let mut out = layout.open.to_string();
    for (n, item) in items.iter().enumerate() {
        let comma = if n + 1 < items.len() || last_comma {
            ","
        } else {
            ""
        };
        match take(item).and_then(|i| layout.items.get(i)) {
            Some(old) => {
                let _ = write!(
                    out,
                    "{}{}{}{comma}{}{}",
                    old.leading,
                    old.indent,
                    old.repr,
                    old.comment,
                    if old.eol.is_empty() { eol } else { old.eol }
                );
                debug_assert!(old.value == Some(item.as_str()));
            }
            None => {
                let _ = write!(out, "{indent}{}{comma}{eol}", string_repr(item, false));
            }
        }
    }
    out.push_str(layout.footer);
    out.push_str(layout.close);
    out
}
