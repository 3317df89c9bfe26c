//! The in-place editor: applies an [`Edit`] (field and body changes) to an artifact
//! file's text as byte splices, leaving every untouched byte as it was.

use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

use super::WritebackError;
use super::edit::{Edit, FieldValue};
use super::toml_text::{key_repr, line_end, line_start, render_list, string_repr};
use crate::artifact::{line_of_offset, split_frontmatter};

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
pub(super) fn with_eol(text: &str, eol: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writeback::test_fixtures::{
        SEED, assert_no_plus_line, nasty_strings, oddities, reparse,
    };

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
}
