//! New artifact files: their text, written safely from scratch, and their file names.

use std::fmt::Write as _;

use super::FieldValue;
use super::splice::with_eol;
use super::toml_text::{key_repr, render_list, string_repr};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::split_frontmatter;
    use crate::writeback::test_fixtures::{assert_no_plus_line, nasty_strings, reparse};

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
}
