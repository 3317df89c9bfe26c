//! Where a key is written: the line of a top-level frontmatter key, of one entry of a
//! multi-line array, of a byte offset.

use super::Artifact;

/// Converts a byte offset within `text` into a 1-based line number.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The 1-based line (within `frontmatter`) on which `key = …` is written at top level.
pub fn key_line(frontmatter: &str, key: &str) -> Option<usize> {
    frontmatter
        .lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .map(|rest| rest.trim_start().starts_with('='))
                .unwrap_or(false)
        })
        .map(|i| i + 1)
}

/// The file line of a top-level key, when it is written.
pub(crate) fn line_of(a: &Artifact, key: &str) -> Option<usize> {
    key_line(&a.frontmatter, key).map(|l| a.frontmatter_line + l - 1)
}

/// The file line on which `needle` appears as a quoted string at or after `key`'s line
/// (the entry of a multi-line array), else the key's line.
pub(crate) fn entry_line(a: &Artifact, key: &str, needle: &str) -> Option<usize> {
    let start = key_line(&a.frontmatter, key)?;
    let quoted = [format!("\"{needle}\""), format!("'{needle}'")];
    let found = a
        .frontmatter
        .lines()
        .enumerate()
        .skip(start - 1)
        .take_while(|(i, l)| *i + 1 == start || !l.contains('='))
        .find(|(_, l)| quoted.iter().any(|q| l.contains(q.as_str())))
        .map(|(i, _)| i + 1)
        .unwrap_or(start);
    Some(a.frontmatter_line + found - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{Location, parse};

    const TEXT: &str = "+++\n# c\nid = \"T-1\"\ntitle=\"x\"\ndepends_on = [\n  \"A-1\",\n  'B-2',\n]\nzz = 1\n+++\n";

    #[test]
    fn offsets_and_keys_map_to_lines() {
        assert_eq!(line_of_offset("a\nb\nc", 0), 1);
        assert_eq!(line_of_offset("a\nb\nc", 2), 2);
        assert_eq!(line_of_offset("a\nb\nc", 99), 3);
        let fm = "# id = 1\nid = \"T\"\n  title= \"x\"\nidentity = 2\n";
        assert_eq!(key_line(fm, "id"), Some(2), "not the comment");
        assert_eq!(key_line(fm, "title"), Some(3));
        assert_eq!(key_line(fm, "tags"), None);
    }

    #[test]
    fn artifact_keys_and_array_entries_get_file_lines() {
        let location = Location::of("p/tasks/T-1.md").expect("artifact path");
        let (a, _) = parse("x/T-1.md", location, TEXT.as_bytes()).expect("parses");
        assert_eq!(line_of(&a, "id"), Some(3));
        assert_eq!(line_of(&a, "title"), Some(4));
        assert_eq!(line_of(&a, "depends_on"), Some(5));
        assert_eq!(entry_line(&a, "depends_on", "A-1"), Some(6));
        assert_eq!(entry_line(&a, "depends_on", "B-2"), Some(7));
        assert_eq!(
            entry_line(&a, "depends_on", "C-3"),
            Some(5),
            "else the key's line"
        );
        assert_eq!(entry_line(&a, "tags", "A-1"), None);
    }
}
