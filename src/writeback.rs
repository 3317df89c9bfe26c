//! Rewriting artifact files in place, keeping comments and layout.
//!
//! Sync writes GitHub links into artifact files and applies incoming GitHub changes to
//! fields and bodies. Every rewrite is a splice: the frontmatter is parsed with
//! `toml_edit` only to find where each key and value sits, and just those bytes are
//! replaced, removed or inserted. Everything else stays exactly as written: comments
//! (trailing comments on a changed line too), commented-out keys, key order, unknown
//! keys, blank lines, quoting of untouched values, `\r\n` line ends, a UTF-8 BOM and
//! the body. `toml_edit::DocumentMut` would re-render the document and turn `\r\n` into
//! `\n` after every key, which is why the edit is done on the text.
//!
//! New values are encoded by the TOML writer as single-line strings, so no title, tag
//! or body can ever produce a `+++` line inside the frontmatter or escape from its
//! value. Every result is read back (block split and TOML) and compared with what was
//! asked before it is returned.
//!
//! Also here: atomic file replacement, safe file names for new artifacts and a
//! line-based three-way merge for files with local edits.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::{Document, Item, Table, Value};
use toml_writer::{ToTomlValue, TomlStringBuilder};

use crate::artifact::{line_of_offset, split_frontmatter};

/// The new value of one frontmatter key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A string (`status = "🟢 Done"`).
    Str(String),
    /// A list of strings (`related_issues = ["acme/web#12"]`).
    List(Vec<String>),
    /// Remove the key (a no-op when it is absent).
    Remove,
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Str(s.to_string())
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Str(s)
    }
}

impl From<Vec<String>> for FieldValue {
    fn from(items: Vec<String>) -> Self {
        FieldValue::List(items)
    }
}

/// What to change in one artifact file. Fields are applied in order; a later entry for
/// the same key wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    pub fields: Vec<(String, FieldValue)>,
    /// The new Markdown body (everything after the closing `+++` line), if it changes.
    /// Its line ends are converted to the file's.
    pub body: Option<String>,
}

impl Edit {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a string field.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields
            .push((key.into(), FieldValue::Str(value.into())));
        self
    }

    /// Sets a list-of-strings field.
    pub fn set_list<I, S>(mut self, key: impl Into<String>, items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let items = items.into_iter().map(Into::into).collect();
        self.fields.push((key.into(), FieldValue::List(items)));
        self
    }

    /// Removes a field.
    pub fn remove(mut self, key: impl Into<String>) -> Self {
        self.fields.push((key.into(), FieldValue::Remove));
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// True when the edit asks for nothing.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.body.is_none()
    }
}

/// Why an artifact file could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum WritebackError {
    #[error("no TOML frontmatter{}: {message}", at_line(*.line))]
    NoFrontmatter {
        /// 1-based line in the file, when known.
        line: Option<usize>,
        message: String,
    },
    #[error("malformed TOML in the frontmatter{}: {message}", at_line(*.line))]
    MalformedToml {
        /// 1-based line in the file, when known.
        line: Option<usize>,
        message: String,
    },
    #[error(
        "`{key}`{} is a table, not a value: it cannot be set or removed as a field",
        at_line(*.line)
    )]
    NotAValue { key: String, line: Option<usize> },
    #[error("the rewritten file would not read back as intended ({0}); nothing was written")]
    Verification(String),
    #[error("{} is not valid UTF-8: {source}", path.display())]
    NotUtf8 {
        path: PathBuf,
        #[source]
        source: std::str::Utf8Error,
    },
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {source}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<WritebackError>,
    },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> WritebackError {
    let path = path.to_path_buf();
    move |source| WritebackError::Io {
        action,
        path,
        source,
    }
}

// ---------------------------------------------------------------------------------------
// Rewriting text
// ---------------------------------------------------------------------------------------

/// The parts of an artifact file, which concatenated give the file back.
struct Parts<'a> {
    /// BOM, blank lines and the opening `+++` line.
    head: &'a str,
    frontmatter: &'a str,
    /// The closing `+++` line with its line end (if any).
    closing: &'a str,
    body: &'a str,
    /// 1-based file line of the first frontmatter line.
    frontmatter_line: usize,
}

fn split_parts(text: &str) -> Result<Parts<'_>, WritebackError> {
    let split = split_frontmatter(text)
        .map_err(|(line, message)| WritebackError::NoFrontmatter { line, message })?;
    // The body is a suffix of `text`; the closing line ends where the body begins.
    let body_start = text.len() - split.body.len();
    let before_body = &text[..body_start];
    let closing_start = before_body
        .strip_suffix('\n')
        .unwrap_or(before_body)
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let fm_start = closing_start.checked_sub(split.frontmatter.len());
    match fm_start {
        Some(fm_start) if text.get(fm_start..closing_start) == Some(split.frontmatter) => {
            Ok(Parts {
                head: &text[..fm_start],
                frontmatter: split.frontmatter,
                closing: &text[closing_start..body_start],
                body: split.body,
                frontmatter_line: split.frontmatter_line,
            })
        }
        _ => Err(WritebackError::Verification(
            "could not locate the frontmatter block in the file".to_string(),
        )),
    }
}

/// `\r\n` when most line ends in `text` are `\r\n`, else `\n`.
fn dominant_eol(text: &str) -> Option<&'static str> {
    let lf = text.matches('\n').count();
    if lf == 0 {
        return None;
    }
    let crlf = text.matches("\r\n").count();
    Some(if crlf * 2 >= lf { "\r\n" } else { "\n" })
}

/// Converts every line end in `text` to `eol`.
fn with_eol(text: &str, eol: &str) -> String {
    let lf = text.replace("\r\n", "\n");
    if eol == "\n" {
        lf
    } else {
        lf.replace('\n', eol)
    }
}

/// Applies `edit` to the text of an artifact file and returns the new text. Untouched
/// bytes stay exactly as they were; an edit that changes nothing returns `text` as is.
pub fn apply(text: &str, edit: &Edit) -> Result<String, WritebackError> {
    let parts = split_parts(text)?;
    let head_len = parts.head.len() + parts.frontmatter.len() + parts.closing.len();
    let fm_eol = dominant_eol(&text[..head_len]).unwrap_or("\n");
    let body_eol = dominant_eol(parts.body).unwrap_or(fm_eol);

    let before = parse_table(parts.frontmatter, parts.frontmatter_line)?;
    let mut fm = parts.frontmatter.to_string();
    for (key, value) in &edit.fields {
        if let Some(changed) = apply_field(&fm, key, value, fm_eol, parts.frontmatter_line)? {
            fm = changed;
        }
    }
    let body = match &edit.body {
        Some(body) => with_eol(body, body_eol),
        None => parts.body.to_string(),
    };
    let mut closing = parts.closing.to_string();
    if !body.is_empty() && !closing.ends_with('\n') {
        closing.push_str(fm_eol);
    }
    let out = format!("{}{fm}{closing}{body}", parts.head);
    verify(&out, &fm, &body, &before, &edit.fields)?;
    Ok(out)
}

/// Parses frontmatter text into a plain table, reporting the file line of an error.
fn parse_table(fm: &str, first_line: usize) -> Result<toml::Table, WritebackError> {
    toml::from_str(fm).map_err(|e| WritebackError::MalformedToml {
        line: e
            .span()
            .map(|s| first_line + line_of_offset(fm, s.start) - 1),
        message: e.message().trim().to_string(),
    })
}

/// Checks that `out` reads back with exactly `fm` and `body`, and that the table equals
/// `before` with `fields` applied.
fn verify(
    out: &str,
    fm: &str,
    body: &str,
    before: &toml::Table,
    fields: &[(String, FieldValue)],
) -> Result<(), WritebackError> {
    let split = split_frontmatter(out).map_err(|(_, m)| WritebackError::Verification(m))?;
    if split.frontmatter != fm || split.body != body {
        return Err(WritebackError::Verification(
            "the frontmatter block would not end where it was written".to_string(),
        ));
    }
    let after: toml::Table = toml::from_str(fm).map_err(|e| {
        WritebackError::Verification(format!("invalid TOML: {}", e.message().trim()))
    })?;
    let mut expected = before.clone();
    for (key, value) in fields {
        match value {
            FieldValue::Str(s) => {
                expected.insert(key.clone(), toml::Value::String(s.clone()));
            }
            FieldValue::List(items) => {
                let items = items.iter().cloned().map(toml::Value::String).collect();
                expected.insert(key.clone(), toml::Value::Array(items));
            }
            FieldValue::Remove => {
                expected.remove(key);
            }
        }
    }
    let same = |a: &toml::Value, b: &toml::Value| a == b || format!("{a:?}") == format!("{b:?}");
    let mismatch = expected
        .iter()
        .find(|(k, v)| !after.get(*k).is_some_and(|a| same(a, v)))
        .map(|(k, _)| k.clone())
        .or_else(|| after.keys().find(|k| !expected.contains_key(*k)).cloned());
    match mismatch {
        Some(key) => Err(WritebackError::Verification(format!(
            "`{key}` would not hold the intended value"
        ))),
        None => Ok(()),
    }
}

/// Applies one field change to frontmatter text. `None` when nothing changes.
fn apply_field(
    fm: &str,
    key: &str,
    value: &FieldValue,
    eol: &str,
    first_line: usize,
) -> Result<Option<String>, WritebackError> {
    let doc = Document::parse(fm).map_err(|e| WritebackError::MalformedToml {
        line: e
            .span()
            .map(|s| first_line + line_of_offset(fm, s.start) - 1),
        message: e.message().trim().to_string(),
    })?;
    let root = doc.as_table();
    let lost = || WritebackError::Verification(format!("no position recorded for `{key}`"));
    match root.get_key_value(key) {
        Some((k, Item::Value(old))) => {
            let key_span = k.span().ok_or_else(lost)?;
            let span = old.span().ok_or_else(lost)?;
            let replacement = match value {
                FieldValue::Remove => {
                    let start = line_start(fm, key_span.start);
                    let end = line_end(fm, span.end);
                    return Ok(Some(format!("{}{}", &fm[..start], &fm[end..])));
                }
                FieldValue::Str(s) => {
                    if old.as_str() == Some(s.as_str()) {
                        return Ok(None);
                    }
                    let old_raw = &fm[span.clone()];
                    string_repr(s, old_raw.starts_with('\'') && !old_raw.starts_with("'''"))
                }
                FieldValue::List(items) => {
                    if list_equals(old, items) {
                        return Ok(None);
                    }
                    render_list(fm, old.as_array(), span.clone(), items, eol)
                }
            };
            Ok(Some(format!(
                "{}{replacement}{}",
                &fm[..span.start],
                &fm[span.end..]
            )))
        }
        Some((k, _)) => Err(WritebackError::NotAValue {
            key: key.to_string(),
            line: k
                .span()
                .map(|s| first_line + line_of_offset(fm, s.start) - 1),
        }),
        None => {
            let repr = match value {
                FieldValue::Remove => return Ok(None),
                FieldValue::Str(s) => string_repr(s, false),
                FieldValue::List(items) => render_list(fm, None, 0..0, items, eol),
            };
            let at = insertion_point(fm, root, key);
            let lead = if at > 0 && !fm[..at].ends_with('\n') {
                eol
            } else {
                ""
            };
            Ok(Some(format!(
                "{}{lead}{} = {repr}{eol}{}",
                &fm[..at],
                key_repr(key),
                &fm[at..]
            )))
        }
    }
}

fn list_equals(old: &Value, items: &[String]) -> bool {
    old.as_array().is_some_and(|arr| {
        arr.len() == items.len()
            && arr
                .iter()
                .zip(items)
                .all(|(v, item)| v.as_str() == Some(item.as_str()))
    })
}

/// Start of the line containing byte `offset`.
fn line_start(s: &str, offset: usize) -> usize {
    s[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// End of the line containing byte `offset`, after its `\n` (or the end of `s`).
fn line_end(s: &str, offset: usize) -> usize {
    s[offset..].find('\n').map_or(s.len(), |i| offset + i + 1)
}

/// The lines of `s` with their start offsets.
fn lines_with_offsets(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line))
    })
}

/// Spans of the values of the top-level keys (dotted keys included).
fn root_value_spans(table: &Table, out: &mut Vec<Range<usize>>) {
    for (_, item) in table.iter() {
        match item {
            Item::Value(v) => out.extend(v.span()),
            Item::Table(t) if t.is_dotted() => root_value_spans(t, out),
            _ => {}
        }
    }
}

/// Where a new top-level key goes: right after a commented-out `# key = …` line among the
/// top-level keys if there is one; else after the last top-level key when a `[table]`
/// follows, or after the last non-blank line when none does.
fn insertion_point(fm: &str, root: &Table, key: &str) -> usize {
    let mut spans = Vec::new();
    root_value_spans(root, &mut spans);
    let inside_value = |offset: usize| spans.iter().any(|s| s.start < offset && offset < s.end);
    let header_start = lines_with_offsets(fm)
        .find(|(start, line)| !inside_value(*start) && line.trim_start().starts_with('['))
        .map(|(start, _)| start);
    let top_level = &fm[..header_start.unwrap_or(fm.len())];

    let quoted = key_repr(key);
    let names_key = |line: &str| {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            return false;
        };
        let rest = rest.trim_start();
        [key, quoted.as_str()].iter().any(|k| {
            rest.strip_prefix(*k)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
    };
    if let Some((start, line)) =
        lines_with_offsets(top_level).find(|(start, line)| !inside_value(*start) && names_key(line))
    {
        return start + line.len();
    }
    if header_start.is_some() {
        return spans
            .iter()
            .map(|s| s.end)
            .max()
            .map_or(0, |end| line_end(fm, end));
    }
    lines_with_offsets(fm)
        .filter(|(_, line)| !line.trim().is_empty())
        .last()
        .map_or(0, |(start, line)| start + line.len())
}

/// A key as TOML writes it: bare when possible, else a single-line quoted string.
fn key_repr(key: &str) -> String {
    toml_edit::Key::new(key).display_repr().into_owned()
}

/// A string value as a single-line TOML string: a literal string (`'…'`) when preferred
/// and possible, else a basic string with escapes. Never a multi-line string, so the
/// value can never put a `+++` line (or anything else) on a line of its own.
fn string_repr(s: &str, prefer_literal: bool) -> String {
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
fn render_list(
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

// ---------------------------------------------------------------------------------------
// New artifacts
// ---------------------------------------------------------------------------------------

/// The text of a new artifact file: `+++\n<toml>+++\n<body>`. Keys and values are
/// encoded by the TOML writer as single-line keys and strings (quotes, backslashes,
/// control characters and line breaks escaped), so no value can end the frontmatter
/// block or add keys. `Remove` drops an earlier entry for the key; a later entry for the
/// same key replaces the earlier one in place. `\r\n` in `body` becomes `\n`.
pub fn new_artifact_text(fields: &[(String, FieldValue)], body: &str) -> String {
    let mut entries: Vec<(&str, String)> = Vec::new();
    for (key, value) in fields {
        let repr = match value {
            FieldValue::Str(s) => string_repr(s, false),
            FieldValue::List(items) => render_list("", None, 0..0, items, "\n"),
            FieldValue::Remove => {
                entries.retain(|(k, _)| k != key);
                continue;
            }
        };
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = repr,
            None => entries.push((key, repr)),
        }
    }
    let mut out = String::from("+++\n");
    for (key, repr) in entries {
        let _ = writeln!(out, "{} = {repr}", key_repr(key));
    }
    out.push_str("+++\n");
    out.push_str(&with_eol(body, "\n"));
    out
}

/// A file-name-safe slug of `title`: lowercase ASCII letters, digits and single hyphens,
/// at most `max_len` bytes (at least 1), cut at a word boundary when one is near, never
/// empty (`untitled`). Common accented Latin letters are folded (`é` → `e`), apostrophes
/// are dropped, anything else separates words.
pub fn safe_slug(title: &str, max_len: usize) -> String {
    let max_len = max_len.max(1);
    let mut slug = String::new();
    let mut gap = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        if matches!(c, '\'' | '’' | '`') {
            continue;
        }
        let folded = fold_latin(c);
        let ascii = match folded {
            Some(s) => s,
            None if c.is_ascii_alphanumeric() => {
                push_word_char(&mut slug, &mut gap, c);
                continue;
            }
            None => "",
        };
        if ascii.is_empty() {
            gap = true;
        }
        for a in ascii.chars() {
            push_word_char(&mut slug, &mut gap, a);
        }
    }
    if slug.len() > max_len {
        // ASCII only, so every byte index is a char boundary.
        let mid_word = slug.as_bytes().get(max_len) != Some(&b'-');
        slug.truncate(max_len);
        if let Some(i) = slug.rfind('-').filter(|i| mid_word && *i >= max_len / 2) {
            slug.truncate(i);
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "untitled"[..max_len.min(8)].to_string()
    } else {
        slug.to_string()
    }
}

fn push_word_char(slug: &mut String, gap: &mut bool, c: char) {
    if *gap && !slug.is_empty() {
        slug.push('-');
    }
    *gap = false;
    slug.push(c);
}

/// ASCII spelling of common accented Latin letters (lowercase input).
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ť' | 'ţ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        _ => return None,
    })
}

/// The longest artifact ID accepted in a file name.
pub const MAX_ID_LEN: usize = 100;
/// The longest slug put in a file name.
pub const MAX_SLUG_LEN: usize = 60;

/// `TASK-012_fix-login.md` for an artifact ID and title; `None` when the ID is not safe
/// in a file name: it must match `^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$` and be at most
/// [`MAX_ID_LEN`] bytes.
pub fn artifact_file_name(id: &str, title: &str) -> Option<String> {
    if !is_safe_id(id) {
        return None;
    }
    Some(format!("{id}_{}.md", safe_slug(title, MAX_SLUG_LEN)))
}

fn is_safe_id(id: &str) -> bool {
    let mut segments = id.split('-');
    let first_ok = segments.next().is_some_and(|first| {
        first.starts_with(|c: char| c.is_ascii_alphabetic())
            && first.chars().all(|c| c.is_ascii_alphanumeric())
    });
    let mut rest = segments.peekable();
    id.len() <= MAX_ID_LEN
        && first_ok
        && rest.peek().is_some()
        && rest.all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

// ---------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------

/// Replaces the file at `path` with `bytes` atomically: the bytes go to a temporary file
/// in the same directory, which is flushed to disk and renamed over `path`. An existing
/// file's permissions are kept (a new file gets the usual `0666 & !umask`); a symlink is
/// followed and its target replaced. On any failure the original is untouched and the
/// temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WritebackError> {
    write_atomic_with(path, bytes, |_| Ok(()))
}

/// [`write_atomic`] with a step run just before the rename (tests use it to fail there).
fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> io::Result<()>,
) -> Result<(), WritebackError> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if is_link {
        fs::canonicalize(path).map_err(io_error("resolve the symlink", path))?
    } else {
        path.to_path_buf()
    };
    let name = target.file_name().ok_or_else(|| WritebackError::Io {
        action: "write",
        path: target.clone(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
    })?;
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let existing = match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => {
            return Err(WritebackError::Io {
                action: "write",
                path: target,
                source: io::Error::new(io::ErrorKind::IsADirectory, "it is a directory"),
            });
        }
        Ok(meta) => Some(meta.permissions()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error("read the metadata of", &target)(e)),
    };

    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    if existing.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(io_error("create a temporary file in", dir))?;
    let tmp_path = tmp.path().to_path_buf();
    tmp.write_all(bytes).map_err(io_error("write", &tmp_path))?;
    if let Some(permissions) = existing {
        tmp.as_file()
            .set_permissions(permissions)
            .map_err(io_error("set the permissions of", &tmp_path))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(io_error("flush", &tmp_path))?;
    before_rename(&tmp_path).map_err(io_error("write", &tmp_path))?;
    tmp.persist(&target)
        .map_err(|e| io_error("replace", &target)(e.error))?;
    // Make the rename itself durable. Some file systems cannot sync a directory; the
    // file is in place either way.
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads the artifact file at `path`, applies `edit` and writes the result atomically
/// when it differs. Returns whether the file changed.
pub fn update_file(path: &Path, edit: &Edit) -> Result<bool, WritebackError> {
    let bytes = fs::read(path).map_err(io_error("read", path))?;
    let text = std::str::from_utf8(&bytes).map_err(|source| WritebackError::NotUtf8 {
        path: path.to_path_buf(),
        source,
    })?;
    let new = apply(text, edit).map_err(|e| WritebackError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    if new == text {
        return Ok(false);
    }
    write_atomic(path, new.as_bytes())?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------
// Three-way merge
// ---------------------------------------------------------------------------------------

/// One place where both sides changed the same lines differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictHunk {
    /// 1-based line in `base` where the hunk starts.
    pub base_line: usize,
    /// The lines of each side in the hunk, with their line ends.
    pub base: String,
    pub ours: String,
    pub theirs: String,
}

/// A three-way merge that could not be done cleanly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "both sides changed the same lines in {} place(s){}",
    hunks.len(),
    hunks.first().map(|h| format!(", first at line {}", h.base_line)).unwrap_or_default()
)]
pub struct Conflict {
    pub hunks: Vec<ConflictHunk>,
    /// The merge with conflict markers (`<<<<<<< ours`, `||||||| base`, `=======`,
    /// `>>>>>>> theirs`), for a person to resolve.
    pub marked: String,
}

/// Line-based three-way merge of `ours` and `theirs`, both descended from `base`. Edits
/// that do not overlap (or are identical) are combined; overlapping different edits give
/// a [`Conflict`] listing each hunk.
pub fn merge_text(base: &str, ours: &str, theirs: &str) -> Result<String, Conflict> {
    let mut merge = similar::TextMerge::from_lines(base, ours, theirs);
    if !merge.is_conflicted() {
        return Ok(merge.to_string());
    }
    let hunks = merge
        .conflicts()
        .map(|region| ConflictHunk {
            base_line: region.base_range().start + 1,
            base: region
                .base_range()
                .filter_map(|i| merge.base_line(i))
                .collect(),
            ours: region
                .ours_range()
                .filter_map(|i| merge.ours_line(i))
                .collect(),
            theirs: region
                .theirs_range()
                .filter_map(|i| merge.theirs_line(i))
                .collect(),
        })
        .collect();
    merge.conflict_style(similar::ConflictStyle::Diff3);
    Err(Conflict {
        hunks,
        marked: merge.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{Artifact, Location, parse};

    /// Seed 000: a real IntelliManage task file (no newline at the end).
    const SEED: &str = r##"+++
# --- Task/Story/Bug Metadata ---
id = "TASK-IM-707"
title = "Implement optional automatic milestone creation on GitHub"
status = "⚪️ Planned"
type = "🛠️ Task"
created_date = "2025-04-28" # Use current date
updated_date = "2025-04-28" # Use current date
project_name = "intellimanage_implementation"
feature_id = "FEAT-IM-007"
# epic_id = "EPIC-IM-001" # Implied via Feature
# assigned_to = "..." # Dev implementing integration logic
# reporter = "..."
priority = "🔽 Low" # Convenience, less critical than auto label creation
# estimated_effort = "S" # Small - Similar logic to auto-label creation
# due_date = "YYYY-MM-DD"
# sprint_id = "..."
tags = ["integration", "github", "sync", "milestone", "automation", "setup", "configuration"]
related_docs = ["DOC-GITHUB-SPEC-001", "TASK-IM-701", "TASK-IM-702", "TASK-IM-706"]
depends_on = ["TASK-IM-701", "TASK-IM-702", "TASK-IM-706"] # Depends on IL base, auth, and milestone sync logic
# related_commits = []
# related_prs = []
# related_issues = []
+++

# Task: Implement optional automatic milestone creation on GitHub

## Description ✍️

Enhance the GitHub Integration Layer logic (`TASK-IM-706`) to optionally create missing milestones automatically in the target GitHub repository. When the system needs to link an IntelliManage Epic/Feature to a GitHub Milestone (either during initial creation sync or potentially when assigning an issue to a milestone that doesn't exist yet), and if the corresponding configuration flag (`create_missing_milestones`) is enabled, the Integration Layer should attempt to create the milestone using the GitHub API before proceeding.

*(Note: The primary flow is creating a Milestone when an Epic/Feature is created locally. This task ensures that if, for some reason, the sync needs a milestone that isn't there, it can be created automatically if configured.)*

## Acceptance Criteria ✅

*   - [ ] Integration logic reads the `create_missing_milestones` flag from the project's GitHub integration configuration (Default: true, as per spec draft).
*   - [ ] Before attempting to associate an Issue with a Milestone or potentially during the initial Epic/Feature -> Milestone creation sync, the logic checks if the target milestone (identified by title matching the Epic/Feature title) exists.
*   - [ ] If `create_missing_milestones` is true and the required milestone does not exist, the logic calls the GitHub API (`createMilestone`) to create it.
*   - [ ] Milestone creation uses the title from the corresponding IntelliManage Epic/Feature and potentially the description and due date (`target_date`/`milestone_target_date`).
*   - [ ] After attempting creation (or if the milestone already existed), the logic proceeds with the original operation (e.g., linking the Epic/Feature, assigning an Issue).
*   - [ ] If `create_missing_milestones` is false and the required milestone does not exist, the logic logs a warning or error and potentially fails the operation that required the milestone. Define this behavior.
*   - [ ] Error handling is implemented for the `createMilestone` API call (e.g., permissions issues, milestone title already exists race condition).
*   - [ ] Unit/Integration tests verify that milestones are automatically created when the flag is true and the milestone is missing.
*   - [ ] Unit/Integration tests verify that milestones are *not* created when the flag is false and the milestone is missing.

## Implementation Notes / Details 📝

*   **Checking Milestone Existence:** Requires calling the GitHub API to list milestones (`listMilestones`) and checking if one with the target title exists. Caching milestone lists per sync cycle might improve performance.
*   **Trigger Point:** This logic primarily applies during the `createGitHubMilestone` function (`TASK-IM-706`) - it should check existence before creating. It could also potentially apply if updating an Issue to assign it a milestone that doesn't exist, although this is a less common scenario initiated from the IntelliManage side.
*   **`createMilestone` API Call:** Requires the `title`. `state` (default 'open'), `description`, and `due_on` are optional but should be populated from the corresponding IntelliManage Epic/Feature data if available.
*   **Error Handling:** Handle potential errors during milestone creation (e.g., 422 Unprocessable Entity if the title already exists - might indicate a sync state issue or race condition).
*   **Configuration:** Ensure the `create_missing_milestones` flag is correctly read from the config (`TASK-IM-110`).

## Subtasks / Checklist ☑️

*   - [ ] Update `project_config.toml` schema (`TASK-IM-103`) to formally include `create_missing_milestones` (Boolean, Optional, Default true).
*   - [ ] Update config loading (`TASK-IM-110`) to parse `create_missing_milestones`.
*   - [ ] Implement logic to check for milestone existence by title in the repository (via API call or cache).
*   - [ ] Integrate this check into the `createGitHubMilestone` flow (`TASK-IM-706`).
*   - [ ] Implement conditional logic based on `create_missing_milestones` flag.
*   - [ ] Implement the call to the GitHub API `createMilestone` method, populating fields from the source Epic/Feature.
*   - [ ] Implement error handling for `createMilestone` API call.
*   - [ ] Define and implement behavior if `create_missing_milestones` is false and milestone is missing.
*   - [ ] Write tests verifying milestone creation when flag is true and milestone is missing.
*   - [ ] Write tests verifying milestone is *not* created when flag is false.
*   - [ ] Write tests verifying error handling during milestone creation."##;

    /// `tests/fixtures/TASK-IM-900_oddities.md` with `\n` line ends and no BOM; the real
    /// file (BOM, `\r\n`) is [`oddities`].
    const ODDITIES_LF: &str = r##"+++
# --- Task Metadata --- (BOM, CRLF line ends, comments everywhere)
id = "TASK-IM-900"   # trailing comment
title = "Odd \"quoted\" title with a # hash"
status = "🔵 In Progress"
type = "🐞 Bug"
created_date = "2025-04-28"
updated_date = "2025-04-29"
project_name = "odd"
feature_id = "FEAT-IM-1"
# epic_id = "EPIC-IM-001"  # commented-out key
priority = "🔼 High"
estimated_effort = 3
due_date = "2025-05-30"
tags = [
  "multi",   # comment inside an array
  "line",
  "café",
]
depends_on = []
custom_key = { nested = true, list = [1, 2] }

[extra_table]
note = """
multi-line
string"""
+++

# Body with +++ inside a code block

```toml
+++
```

- [ ] subtask one
- [x] subtask two
"##;

    /// The oddities fixture as it is on disk: BOM and `\r\n`.
    fn oddities() -> String {
        format!("\u{feff}{}", ODDITIES_LF.replace('\n', "\r\n"))
    }

    fn reparse(text: &str) -> Artifact {
        let location = Location::of("p/tasks/T.md").expect("artifact path");
        parse("p/tasks/T.md", location, text.as_bytes())
            .expect("the rewritten file parses")
            .0
    }

    fn body_of(text: &str) -> &str {
        split_frontmatter(text).expect("frontmatter").body
    }

    /// The lines removed from `old` and inserted into `new` (line ends included).
    fn changes(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
        let diff = similar::TextDiff::from_lines(old, new);
        let mut removed = Vec::new();
        let mut inserted = Vec::new();
        for change in diff.iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Delete => removed.push(change.value().to_string()),
                similar::ChangeTag::Insert => inserted.push(change.value().to_string()),
                similar::ChangeTag::Equal => {}
            }
        }
        (removed, inserted)
    }

    fn lines(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn run(text: &str, edit: Edit) -> String {
        apply(text, &edit).expect("edit applies")
    }

    // --- preservation -----------------------------------------------------------------

    #[test]
    fn an_edit_that_changes_nothing_returns_identical_bytes() {
        for text in [SEED.to_string(), oddities()] {
            assert_eq!(run(&text, Edit::new()), text);
            let original = reparse(&text);
            let same = Edit::new()
                .set("status", original.status.clone())
                .set("title", original.title.clone())
                .set_list("tags", original.tags())
                .remove("not_there")
                .with_body(original.body.clone());
            assert_eq!(run(&text, same), text);
        }
    }

    #[test]
    fn setting_an_existing_key_changes_only_its_value_and_keeps_the_comment() {
        let out = run(SEED, Edit::new().set("updated_date", "2025-05-01"));
        assert_eq!(
            changes(SEED, &out),
            (
                lines(&["updated_date = \"2025-04-28\" # Use current date\n"]),
                lines(&["updated_date = \"2025-05-01\" # Use current date\n"])
            )
        );
        assert_eq!(reparse(&out).str_field("updated_date"), Some("2025-05-01"));
    }

    #[test]
    fn a_commented_out_key_gets_the_real_key_right_after_it() {
        let out = run(
            SEED,
            Edit::new()
                .set_list("related_issues", ["acme/web#12"])
                .set("assigned_to", "octocat"),
        );
        assert!(
            out.contains("# related_issues = []\nrelated_issues = [\"acme/web#12\"]\n+++\n"),
            "{out}"
        );
        assert!(out.contains(
            "# assigned_to = \"...\" # Dev implementing integration logic\n\
             assigned_to = \"octocat\"\n# reporter = \"...\"\n"
        ));
        let (removed, inserted) = changes(SEED, &out);
        assert!(removed.is_empty(), "{removed:?}");
        assert_eq!(inserted.len(), 2);
        let a = reparse(&out);
        assert_eq!(a.list_field("related_issues"), vec!["acme/web#12"]);
        assert_eq!(a.str_field("assigned_to"), Some("octocat"));
    }

    #[test]
    fn a_commented_out_key_in_a_crlf_file_gets_a_crlf_line() {
        let text = oddities();
        let out = run(&text, Edit::new().set("epic_id", "EPIC-IM-2"));
        assert!(out.contains(
            "# epic_id = \"EPIC-IM-001\"  # commented-out key\r\nepic_id = \"EPIC-IM-2\"\r\npriority"
        ));
        assert_eq!(reparse(&out).str_field("epic_id"), Some("EPIC-IM-2"));
    }

    #[test]
    fn an_absent_key_goes_after_the_top_level_keys_and_before_any_table() {
        // No table: after the last line (here the commented-out keys).
        let out = run(
            SEED,
            Edit::new().set("related_milestone", "acme/web#milestone/3"),
        );
        assert!(out.contains(
            "# related_issues = []\nrelated_milestone = \"acme/web#milestone/3\"\n+++\n"
        ));
        assert_eq!(changes(SEED, &out).0, Vec::<String>::new());

        // A table follows: right after the last top-level key, not inside the table.
        let text = oddities();
        let out = run(
            &text,
            Edit::new().set("related_milestone", "acme/web#milestone/3"),
        );
        assert!(out.contains(
            "custom_key = { nested = true, list = [1, 2] }\r\n\
             related_milestone = \"acme/web#milestone/3\"\r\n\r\n[extra_table]\r\n"
        ));
        let a = reparse(&out);
        assert_eq!(
            a.str_field("related_milestone"),
            Some("acme/web#milestone/3")
        );
        let table = a.fields.get("extra_table").and_then(|t| t.as_table());
        assert!(table.is_some_and(|t| !t.contains_key("related_milestone")));
    }

    #[test]
    fn lookalike_lines_inside_multi_line_values_are_not_taken_for_comments_or_tables() {
        let text = "+++\nid = \"T-1\"\nnotes = \"\"\"\n# related_issues = []\n[not_a_table]\n\"\"\"\n+++\nbody\n";
        let out = run(text, Edit::new().set_list("related_issues", ["o/r#1"]));
        assert_eq!(
            out,
            "+++\nid = \"T-1\"\nnotes = \"\"\"\n# related_issues = []\n[not_a_table]\n\"\"\"\n\
             related_issues = [\"o/r#1\"]\n+++\nbody\n"
        );
        let a = reparse(&out);
        assert_eq!(
            a.str_field("notes"),
            Some("# related_issues = []\n[not_a_table]\n")
        );
    }

    #[test]
    fn crlf_bom_comments_and_body_survive_a_multi_field_edit() {
        let text = oddities();
        let edit = Edit::new()
            .set("status", "🟢 Done")
            .set("title", "New \"title\" \\ # not a comment")
            .set_list("related_issues", ["acme/web#12"])
            .remove("due_date")
            .set("updated_date", "2025-06-01");
        let out = run(&text, edit);
        assert!(out.starts_with("\u{feff}+++\r\n"));
        let lone_lf = out
            .match_indices('\n')
            .filter(|(i, _)| !out[..*i].ends_with('\r'))
            .count();
        assert_eq!(lone_lf, 0, "every line end stays \\r\\n: {out:?}");
        assert_eq!(body_of(&out), body_of(&text));
        let (removed, inserted) = changes(&text, &out);
        assert_eq!(
            removed,
            lines(&[
                "title = \"Odd \\\"quoted\\\" title with a # hash\"\r\n",
                "status = \"🔵 In Progress\"\r\n",
                "updated_date = \"2025-04-29\"\r\n",
                "due_date = \"2025-05-30\"\r\n",
            ])
        );
        assert_eq!(
            inserted,
            lines(&[
                "title = \"New \\\"title\\\" \\\\ # not a comment\"\r\n",
                "status = \"🟢 Done\"\r\n",
                "updated_date = \"2025-06-01\"\r\n",
                "related_issues = [\"acme/web#12\"]\r\n",
            ])
        );
        let a = reparse(&out);
        assert_eq!(a.title, "New \"title\" \\ # not a comment");
        assert_eq!(a.status, "🟢 Done");
        assert!(a.str_field("due_date").is_none());
        assert_eq!(a.id, "TASK-IM-900");
    }

    #[test]
    fn removing_a_key_removes_only_its_line() {
        let out = run(SEED, Edit::new().remove("priority"));
        assert_eq!(
            changes(SEED, &out),
            (
                lines(&[
                    "priority = \"🔽 Low\" # Convenience, less critical than auto label creation\n"
                ]),
                vec![]
            )
        );
        // A multi-line array goes as a whole, with the comment inside it.
        let text = oddities();
        let out = run(&text, Edit::new().remove("tags"));
        assert!(out.contains("due_date = \"2025-05-30\"\r\ndepends_on = []\r\n"));
        assert!(!out.contains("comment inside an array"));
        assert!(reparse(&out).fields.get("tags").is_none());
    }

    #[test]
    fn tables_cannot_be_set_or_removed_as_fields() {
        let err = apply(&oddities(), &Edit::new().remove("extra_table")).expect_err("a table");
        assert!(
            matches!(&err, WritebackError::NotAValue { key, line: Some(23) } if key == "extra_table"),
            "{err:?}"
        );
        let dotted = "+++\nid = \"T-1\"\na.b = 1\n+++\n";
        let err = apply(dotted, &Edit::new().set("a", "x")).expect_err("a dotted table");
        assert!(matches!(
            err,
            WritebackError::NotAValue { line: Some(3), .. }
        ));
    }

    #[test]
    fn single_line_lists_are_rewritten_on_one_line() {
        let out = run(
            SEED,
            Edit::new().set_list("tags", ["integration", "github", "conflict"]),
        );
        assert_eq!(
            changes(SEED, &out).1,
            lines(&["tags = [\"integration\", \"github\", \"conflict\"]\n"])
        );
        // Retained items keep their quoting; padding is kept.
        let text = "+++\nid = \"T-1\"\nx = [ 'a', \"b\" ] # c\ny = []\n+++\n";
        let out = run(
            text,
            Edit::new()
                .set_list("x", ["b", "a", "c"])
                .set_list("y", ["q"]),
        );
        assert_eq!(
            out,
            "+++\nid = \"T-1\"\nx = [ \"b\", 'a', \"c\" ] # c\ny = [\"q\"]\n+++\n"
        );
        let out = run(text, Edit::new().set_list("x", Vec::<String>::new()));
        assert_eq!(out, "+++\nid = \"T-1\"\nx = [] # c\ny = []\n+++\n");
    }

    #[test]
    fn multi_line_lists_keep_their_layout_and_item_comments() {
        let text = oddities();
        let out = run(
            &text,
            Edit::new().set_list("tags", ["line", "multi", "new"]),
        );
        assert!(
            out.contains(
                "tags = [\r\n  \"line\",\r\n  \"multi\",   # comment inside an array\r\n  \"new\",\r\n]\r\ndepends_on"
            ),
            "{out}"
        );
        assert_eq!(reparse(&out).tags(), vec!["line", "multi", "new"]);

        let text = "+++\nid = \"T-1\"\ntags = [\n    # leading\n    \"a\",\n    \"b\" # last\n    # footer\n  ]\n+++\n";
        let out = run(text, Edit::new().set_list("tags", ["b", "c", "a"]));
        assert_eq!(
            out,
            "+++\nid = \"T-1\"\ntags = [\n    \"b\", # last\n    \"c\",\n    # leading\n    \"a\"\n    # footer\n  ]\n+++\n"
        );
        // Several items on one line: rewritten one per line.
        let text = "+++\nid = \"T-1\"\ntags = [\"a\", \"b\",\n  \"c\"]\n+++\n";
        let out = run(text, Edit::new().set_list("tags", ["c", "d"]));
        assert_eq!(
            out,
            "+++\nid = \"T-1\"\ntags = [\n  \"c\",\n  \"d\",\n]\n+++\n"
        );
    }

    #[test]
    fn quoting_style_follows_the_old_value_when_possible() {
        let text = "+++\nid = 'T-1'\ntitle = 'Literal'\nstatus = \"🟡 To Do\"\n+++\n";
        let out = run(text, Edit::new().set("title", "New"));
        assert_eq!(
            out,
            "+++\nid = 'T-1'\ntitle = 'New'\nstatus = \"🟡 To Do\"\n+++\n"
        );
        let out = run(text, Edit::new().set("title", "It's"));
        assert!(out.contains("title = \"It's\"\n"));
        assert_eq!(reparse(&out).title, "It's");
        let out = run(text, Edit::new().set("status", "It's 'x'"));
        assert!(out.contains("status = \"It's 'x'\"\n"));
    }

    #[test]
    fn values_of_another_type_can_be_replaced() {
        let text = oddities();
        let out = run(&text, Edit::new().set("estimated_effort", "S"));
        assert!(out.contains("\r\nestimated_effort = \"S\"\r\n"));
        let out = run(&text, Edit::new().set_list("custom_key", ["a"]));
        assert_eq!(reparse(&out).list_field("custom_key"), vec!["a"]);
    }

    // --- bodies --------------------------------------------------------------------------

    #[test]
    fn body_replacement_keeps_the_frontmatter_bytes() {
        let fm_end = SEED.find("+++\n\n# Task").expect("closing line") + 4;
        for body in ["New body\n", "New body", "", "\n\n"] {
            let out = run(SEED, Edit::new().with_body(body));
            assert_eq!(&out[..fm_end], &SEED[..fm_end]);
            assert_eq!(&out[fm_end..], body);
            assert_eq!(reparse(&out).body, body);
        }
    }

    #[test]
    fn a_new_body_takes_the_file_line_ends() {
        let text = oddities();
        let out = run(&text, Edit::new().with_body("a\nb\r\nc"));
        assert_eq!(body_of(&out), "a\r\nb\r\nc");
        let out = run(SEED, Edit::new().with_body("a\r\nb\n"));
        assert_eq!(body_of(&out), "a\nb\n");
    }

    #[test]
    fn a_body_after_a_closing_line_without_line_end() {
        let text = "+++\nid = \"T-1\"\n+++";
        assert_eq!(
            run(text, Edit::new().with_body("x")),
            "+++\nid = \"T-1\"\n+++\nx"
        );
        assert_eq!(run(text, Edit::new().with_body("")), text);
        let crlf = "+++\r\nid = \"T-1\"\r\n+++";
        assert_eq!(
            run(crlf, Edit::new().with_body("x\ny")),
            "+++\r\nid = \"T-1\"\r\n+++\r\nx\r\ny"
        );
    }

    #[test]
    fn a_body_with_plus_lines_stays_in_the_body() {
        let body = "+++\nid = \"EVIL\"\n+++\n\n```toml\n+++\n```\n";
        let out = run(SEED, Edit::new().with_body(body).set("status", "🟢 Done"));
        let a = reparse(&out);
        assert_eq!(a.id, "TASK-IM-707");
        assert_eq!(a.body, body);
        assert_eq!(a.status, "🟢 Done");
    }

    // --- errors --------------------------------------------------------------------------

    #[test]
    fn errors_say_what_is_wrong_and_where() {
        let err = apply("# just Markdown\n", &Edit::new()).expect_err("no frontmatter");
        assert!(matches!(
            err,
            WritebackError::NoFrontmatter { line: Some(1), .. }
        ));
        let err = apply("+++\nid = \"T\"\n", &Edit::new()).expect_err("unclosed");
        assert!(matches!(
            err,
            WritebackError::NoFrontmatter { line: Some(1), .. }
        ));
        let text = "\n+++\nid = \"T\"\ntitle = \"x\nstatus = \"s\"\n+++\n";
        let err = apply(text, &Edit::new().set("status", "t")).expect_err("malformed");
        assert!(
            matches!(err, WritebackError::MalformedToml { line: Some(4), .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("(line 4)"), "{err}");
    }

    // --- injection -------------------------------------------------------------------------

    /// Fragments that have broken TOML writers and frontmatter splitters.
    const NASTY: &[&str] = &[
        "",
        " ",
        "\"",
        "\\",
        "\n",
        "\r\n",
        "\r",
        "+++",
        "\n+++\n",
        "+++\n",
        " +++ ",
        "\"\"\"",
        "'''",
        "'",
        "\u{0}",
        "\u{1}",
        "\u{8}",
        "\u{c}",
        "\u{1b}",
        "\u{1f}",
        "\u{7f}",
        "\t",
        "#",
        "# c",
        "[x]",
        "[[y]]",
        "id = \"EVIL\"",
        "\"\nid = \"EVIL",
        "😀",
        "🛠️",
        "\u{feff}",
        "\u{2028}",
        "\u{85}",
        "é",
        "\\u0041",
        "\\n",
        "=",
        "]",
        "}",
        "..",
        "/",
    ];

    /// Single fragments, all pairs, and pseudo-random longer mixes.
    fn nasty_strings() -> Vec<String> {
        let mut out: Vec<String> = NASTY.iter().map(|s| s.to_string()).collect();
        for a in NASTY {
            for b in NASTY {
                out.push(format!("{a}{b}"));
            }
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..500 {
            let parts = 3 + next() % 6;
            let s: String = (0..parts)
                .map(|_| NASTY[(next() % NASTY.len() as u64) as usize])
                .collect();
            out.push(s);
        }
        out
    }

    fn assert_no_plus_line(frontmatter: &str, context: &str) {
        assert!(
            frontmatter.lines().all(|l| l.trim() != "+++"),
            "a `+++` line in the frontmatter for {context:?}:\n{frontmatter}"
        );
    }

    #[test]
    fn new_artifact_text_round_trips_any_string() {
        for s in nasty_strings() {
            let weird_key = format!("x{s}");
            let fields = vec![
                ("id".to_string(), FieldValue::from("TASK-1")),
                ("title".to_string(), FieldValue::Str(s.clone())),
                ("status".to_string(), FieldValue::from("🟡 To Do")),
                (
                    "tags".to_string(),
                    FieldValue::List(vec![s.clone(), "ok".to_string()]),
                ),
                (weird_key.clone(), FieldValue::from("v")),
            ];
            let body = format!("intro\n{s}\n+++\nafter\n");
            let text = new_artifact_text(&fields, &body);
            assert!(text.starts_with("+++\nid = \"TASK-1\"\n"), "{text:?}");
            let split = split_frontmatter(&text).expect("splits");
            assert_no_plus_line(split.frontmatter, &s);
            let a = reparse(&text);
            assert_eq!(a.id, "TASK-1", "{s:?}");
            assert_eq!(a.title, s);
            assert_eq!(a.status, "🟡 To Do");
            assert_eq!(a.tags(), vec![s.clone(), "ok".to_string()]);
            assert_eq!(a.str_field(&weird_key), Some("v"), "{s:?}");
            assert_eq!(a.fields.len(), 5, "no key added or lost for {s:?}");
            assert_eq!(a.body, body.replace("\r\n", "\n"));
        }
    }

    #[test]
    fn new_artifact_text_orders_replaces_and_removes() {
        let fields = vec![
            ("id".to_string(), FieldValue::from("T-1")),
            ("title".to_string(), FieldValue::from("a")),
            ("gone".to_string(), FieldValue::from("x")),
            ("tags".to_string(), FieldValue::List(vec![])),
            ("title".to_string(), FieldValue::from("b")),
            ("gone".to_string(), FieldValue::Remove),
        ];
        assert_eq!(
            new_artifact_text(&fields, "# T\n"),
            "+++\nid = \"T-1\"\ntitle = \"b\"\ntags = []\n+++\n# T\n"
        );
    }

    #[test]
    fn apply_cannot_be_injected_into() {
        let original = reparse(SEED);
        for s in nasty_strings() {
            let edit = Edit::new()
                .set("title", s.clone())
                .set("status", s.clone())
                .set_list("tags", [s.clone(), "x".to_string()])
                .set("related_milestone", s.clone());
            let out = run(SEED, edit);
            assert_no_plus_line(split_frontmatter(&out).expect("splits").frontmatter, &s);
            let a = reparse(&out);
            assert_eq!(a.id, "TASK-IM-707", "{s:?}");
            assert_eq!(a.title, s);
            assert_eq!(a.status, s);
            assert_eq!(a.tags(), vec![s.clone(), "x".to_string()]);
            assert_eq!(a.str_field("related_milestone"), Some(s.as_str()));
            assert_eq!(a.body, original.body);
            for (key, value) in &original.fields {
                if !["title", "status", "tags"].contains(&key.as_str()) {
                    assert_eq!(a.fields.get(key), Some(value), "{key} for {s:?}");
                }
            }
            assert_eq!(a.fields.len(), original.fields.len() + 1);
        }
    }

    // --- names ---------------------------------------------------------------------------

    #[test]
    fn slugs_are_safe() {
        assert_eq!(safe_slug("Fix login!", 60), "fix-login");
        assert_eq!(safe_slug("../../etc/passwd", 60), "etc-passwd");
        assert_eq!(safe_slug("a/b\\c", 60), "a-b-c");
        assert_eq!(safe_slug("nul\0byte", 60), "nul-byte");
        assert_eq!(safe_slug("🚀 Launch 🚀", 60), "launch");
        assert_eq!(
            safe_slug("Café déjà vu, Straße", 60),
            "cafe-deja-vu-strasse"
        );
        assert_eq!(safe_slug("Don't stop", 60), "dont-stop");
        assert_eq!(safe_slug("", 60), "untitled");
        assert_eq!(safe_slug("🚀🚀 // ..", 60), "untitled");
        assert_eq!(safe_slug("日本語", 5), "untit");
        assert_eq!(safe_slug("alpha beta gamma", 12), "alpha-beta");
        assert_eq!(safe_slug("abcdefghijklmnop", 5), "abcde");
        assert_eq!(safe_slug("ab-cd", 0), "a");
        let long = "word ".repeat(200);
        assert!(safe_slug(&long, 60).len() <= 60);
        assert!(safe_slug(&long, 60).starts_with("word-word"));
        for s in nasty_strings() {
            for max in [1, 7, 40] {
                let slug = safe_slug(&s, max);
                assert!(!slug.is_empty() && slug.len() <= max, "{s:?} -> {slug:?}");
                assert!(
                    slug.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                    "{s:?} -> {slug:?}"
                );
                assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"));
            }
        }
    }

    #[test]
    fn file_names_need_a_safe_id() {
        assert_eq!(
            artifact_file_name("TASK-012", "Fix login").as_deref(),
            Some("TASK-012_fix-login.md")
        );
        assert_eq!(
            artifact_file_name("TASK-IM-707", "../x").as_deref(),
            Some("TASK-IM-707_x.md")
        );
        let long_id = format!("T-{}", "1".repeat(MAX_ID_LEN));
        for bad in [
            "",
            "TASK",
            "task-",
            "1TASK-2",
            "TASK--1",
            "-TASK-1",
            "../TASK-1",
            "TASK-1/..",
            "TASK-1\0",
            "TÄSK-1",
            "TASK-1_x",
            "TASK 1",
            "TASK-1.md",
        ]
        .into_iter()
        .chain([long_id.as_str()])
        {
            assert_eq!(artifact_file_name(bad, "t"), None, "{bad:?}");
        }
        let name = artifact_file_name("BUG-42", &"x".repeat(1000)).expect("safe id");
        assert!(name.len() <= "BUG-42_".len() + MAX_SLUG_LEN + ".md".len());
    }

    // --- merge ---------------------------------------------------------------------------

    #[test]
    fn merge_combines_edits_that_do_not_overlap() {
        let base = "a\nb\nc\nd\n";
        assert_eq!(
            merge_text(base, "a\nB\nc\nd\n", "a\nb\nc\nD\n").as_deref(),
            Ok("a\nB\nc\nD\n")
        );
        assert_eq!(
            merge_text(base, "a\nX\nc\nd\n", "a\nX\nc\nd\n").as_deref(),
            Ok("a\nX\nc\nd\n")
        );
        // A real file: status changed on one side, the body on the other.
        let ours = SEED.replace("## Description ✍️", "## Description ✍️ (edited)");
        let theirs = SEED.replace("status = \"⚪️ Planned\"", "status = \"🟢 Done\"");
        let merged = merge_text(SEED, &ours, &theirs).expect("clean merge");
        assert!(merged.contains("(edited)") && merged.contains("🟢 Done"));
        assert_eq!(
            merged.len(),
            SEED.len() + "(edited) ".len() + "🟢 Done".len() - "⚪️ Planned".len()
        );
    }

    #[test]
    fn merge_reports_overlapping_edits() {
        let base = "a\nb\nc\nd\ne\n";
        let conflict =
            merge_text(base, "a\nB1\nc\nd\nE1\n", "a\nB2\nc\nd\nE2\n").expect_err("conflict");
        assert_eq!(
            conflict.hunks,
            vec![
                ConflictHunk {
                    base_line: 2,
                    base: "b\n".into(),
                    ours: "B1\n".into(),
                    theirs: "B2\n".into()
                },
                ConflictHunk {
                    base_line: 5,
                    base: "e\n".into(),
                    ours: "E1\n".into(),
                    theirs: "E2\n".into()
                },
            ]
        );
        assert!(
            conflict
                .marked
                .contains("<<<<<<< ours\nB1\n||||||| base\nb\n=======\nB2\n>>>>>>> theirs\n")
        );
        assert!(conflict.to_string().contains("2 place(s), first at line 2"));
    }

    // --- files ---------------------------------------------------------------------------

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn write_atomic_replaces_and_creates_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("T.md");
        write_atomic(&path, b"one").expect("create");
        assert_eq!(fs::read(&path).expect("read"), b"one");
        write_atomic(&path, b"two").expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert_eq!(entries(dir.path()), vec!["T.md"]);
        let err = write_atomic(&dir.path().join("missing/T.md"), b"x").expect_err("no dir");
        assert!(matches!(err, WritebackError::Io { .. }));
    }

    #[cfg(unix)]
    #[test]
    fn write_atomic_keeps_permissions_and_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("T.md");
        fs::write(&path, "old").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomic(&path, b"new").expect("replace");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);

        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        write_atomic(&link, b"via link").expect("through the link");
        assert!(
            fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&path).expect("read"), b"via link");
    }

    #[test]
    fn a_failed_write_leaves_the_original_intact_and_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("T.md");
        fs::write(&path, SEED).expect("write");
        let mut seen_temp = None;
        let err = write_atomic_with(&path, b"half", |tmp| {
            seen_temp = Some(tmp.to_path_buf());
            Err(io::Error::other("disk full"))
        })
        .expect_err("the simulated failure");
        assert!(err.to_string().contains("disk full"), "{err}");
        let tmp = seen_temp.expect("the temporary file was written first");
        assert_eq!(tmp.parent(), Some(dir.path()));
        assert!(!tmp.exists());
        assert_eq!(fs::read_to_string(&path).expect("read"), SEED);
        assert_eq!(entries(dir.path()), vec!["T.md"]);

        // A target that cannot be replaced (a directory) is refused and left alone.
        let sub = dir.path().join("sub.md");
        fs::create_dir(&sub).expect("mkdir");
        assert!(write_atomic(&sub, b"x").is_err());
        assert!(sub.is_dir());
        assert_eq!(entries(dir.path()), vec!["T.md", "sub.md"]);
    }

    #[test]
    fn update_file_writes_only_when_the_text_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("T.md");
        let text = oddities();
        fs::write(&path, &text).expect("write");

        let same = Edit::new().set("status", "🔵 In Progress");
        assert!(!update_file(&path, &same).expect("no-op"));
        assert_eq!(fs::read_to_string(&path).expect("read"), text);

        let edit = Edit::new().set("status", "🟢 Done");
        assert!(update_file(&path, &edit).expect("update"));
        let written = fs::read_to_string(&path).expect("read");
        assert_eq!(written, apply(&text, &edit).expect("apply"));
        assert_eq!(reparse(&written).status, "🟢 Done");

        fs::write(&path, "no frontmatter\n").expect("write");
        let err = update_file(&path, &edit).expect_err("not an artifact");
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
        assert!(matches!(
            &err,
            WritebackError::InFile { source, .. } if matches!(**source, WritebackError::NoFrontmatter { .. })
        ));
        assert_eq!(fs::read_to_string(&path).expect("read"), "no frontmatter\n");

        fs::write(&path, b"+++\nid = \"\xff\"\n+++\n").expect("write");
        assert!(matches!(
            update_file(&path, &edit),
            Err(WritebackError::NotUtf8 { .. })
        ));
    }
}
