//! Artifact IDs a commit message names after a keyword (`Fixes TASK-1`), and the project
//! whose plan holds each.

use gix::ObjectId;

use super::Result;
use super::tree::TreeReader;
use crate::repo::Repo;

/// An artifact ID named in a commit message after a keyword.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mention {
    /// The keyword as configured (`Fixes`), whatever case the message used.
    pub keyword: String,
    /// The ID as written in the message.
    pub id: String,
    /// The project whose plan has a file named for this ID, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// True when the keyword is one of `commit_status_update_keywords`.
    #[serde(default)]
    pub status_update: bool,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Matches `keyword` (case-insensitive, any run of whitespace between its words) at
/// `at` in `text`; returns the end offset.
fn match_keyword(text: &[u8], at: usize, keyword: &str) -> Option<usize> {
    let mut pos = at;
    for (n, word) in keyword.split_whitespace().enumerate() {
        if n > 0 {
            let start = pos;
            while pos < text.len() && text[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if pos == start {
                return None;
            }
        }
        let w = word.as_bytes();
        if text.len() < pos + w.len() || !text[pos..pos + w.len()].eq_ignore_ascii_case(w) {
            return None;
        }
        pos += w.len();
    }
    (pos > at).then_some(pos)
}

/// Reads an artifact ID at `at`: letters, then `-`-separated alphanumeric parts, the
/// last one digits (`TASK-123`, `TASK-IM-707`, `EPIC-5`). Returns the ID and its end.
fn read_id(text: &[u8], at: usize) -> Option<(&str, usize)> {
    let mut end = at;
    while end < text.len() && (text[end].is_ascii_alphanumeric() || text[end] == b'-') {
        end += 1;
    }
    // Trailing dashes are punctuation, not part of the ID.
    while end > at && text[end - 1] == b'-' {
        end -= 1;
    }
    if end < text.len() && is_word_byte(text[end]) {
        return None;
    }
    let token = std::str::from_utf8(&text[at..end]).ok()?;
    let parts: Vec<&str> = token.split('-').collect();
    let valid = parts.len() >= 2
        && parts[0].bytes().all(|b| b.is_ascii_alphabetic())
        && !parts[0].is_empty()
        && parts.iter().all(|p| !p.is_empty())
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit());
    valid.then_some((token, end))
}

/// Skips spaces, tabs and the list separators between IDs (`,` `&` `/` `and`).
fn skip_separator(text: &[u8], mut pos: usize) -> usize {
    loop {
        let start = pos;
        while pos < text.len() && matches!(text[pos], b' ' | b'\t' | b',' | b'&' | b'/') {
            pos += 1;
        }
        if text.len() >= pos + 4
            && text[pos..pos + 3].eq_ignore_ascii_case(b"and")
            && text[pos + 3].is_ascii_whitespace()
        {
            pos += 3;
        }
        if pos == start {
            return pos;
        }
    }
}

/// Finds the artifact IDs a commit message names after a keyword of `link_keywords` or
/// `status_keywords` (case-insensitive; `Fixes: TASK-1`, `fixes TASK-1, TASK-2 and
/// TASK-3`; several keywords per message). Each ID is reported once, with the first
/// keyword naming it; a status keyword wins over a link keyword for the same ID.
pub fn parse_mentions(
    message: &str,
    link_keywords: &[String],
    status_keywords: &[String],
) -> Vec<Mention> {
    let text = message.as_bytes();
    let mut keywords: Vec<(&str, bool)> = Vec::new();
    for k in status_keywords {
        keywords.push((k.as_str(), true));
    }
    for k in link_keywords {
        if !status_keywords.iter().any(|s| s.eq_ignore_ascii_case(k)) {
            keywords.push((k.as_str(), false));
        }
    }
    keywords.retain(|(k, _)| !k.trim().is_empty());
    // Longest first, so `Relates to` is preferred over a configured `Relates`.
    keywords.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let mut out: Vec<Mention> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let boundary = i == 0 || !is_word_byte(text[i - 1]);
        let hit = boundary
            .then(|| {
                keywords
                    .iter()
                    .find_map(|(k, s)| match_keyword(text, i, k).map(|end| (*k, *s, end)))
            })
            .flatten();
        let Some((keyword, status_update, end)) = hit else {
            i += 1;
            continue;
        };
        if end < text.len() && is_word_byte(text[end]) {
            i += 1;
            continue;
        }
        let mut pos = end;
        if pos < text.len() && text[pos] == b':' {
            pos += 1;
        }
        let mut any = false;
        loop {
            let start = skip_separator(text, pos);
            if !any && start == pos && pos < text.len() && !text[pos].is_ascii_whitespace() {
                break;
            }
            match read_id(text, start) {
                Some((id, id_end)) => {
                    any = true;
                    match out.iter_mut().find(|m| m.id.eq_ignore_ascii_case(id)) {
                        Some(existing) => {
                            if status_update && !existing.status_update {
                                existing.status_update = true;
                                existing.keyword = keyword.to_string();
                            }
                        }
                        None => out.push(Mention {
                            keyword: keyword.to_string(),
                            id: id.to_string(),
                            project: None,
                            status_update,
                        }),
                    }
                    pos = id_end;
                }
                None => break,
            }
        }
        i = pos.max(i + 1);
    }
    out
}

/// For each mention without a project, the project whose plan (at `plan_tree`) has an
/// artifact file named for the ID (`<ID>_….md` or `<ID>.md`, any case). Reads only the
/// folder trees, never the files.
pub fn locate_mentions(repo: &Repo, plan_tree: ObjectId, mentions: &mut [Mention]) -> Result<()> {
    if mentions.iter().all(|m| m.project.is_some()) {
        return Ok(());
    }
    let reader = TreeReader { repo };
    for (project, (is_tree, oid)) in reader.entries(Some(plan_tree))? {
        if !is_tree {
            continue;
        }
        let mut folders: Vec<ObjectId> = Vec::new();
        for (name, (is_tree, oid)) in reader.entries(Some(oid))? {
            if !is_tree {
                continue;
            }
            if name == "archive" {
                for (f, (t, o)) in reader.entries(Some(oid))? {
                    if t && crate::artifact::Folder::from_dir_name(&f).is_some() {
                        folders.push(o);
                    }
                }
            } else if crate::artifact::Folder::from_dir_name(&name).is_some() {
                folders.push(oid);
            }
        }
        for folder in folders {
            let data = reader.data(Some(folder))?;
            for e in reader.decode(data.as_deref())? {
                if e.mode.is_tree() {
                    continue;
                }
                let file: &[u8] = e.filename.as_ref();
                let Some(stem) = file.strip_suffix(b".md") else {
                    continue;
                };
                let id = stem.split(|b| *b == b'_').next().unwrap_or(stem);
                for m in mentions.iter_mut().filter(|m| m.project.is_none()) {
                    if m.id.as_bytes().eq_ignore_ascii_case(id) {
                        m.project = Some(project.clone());
                    }
                }
            }
        }
        if mentions.iter().all(|m| m.project.is_some()) {
            break;
        }
    }
    Ok(())
}

/// The link and status keywords of several projects, merged (case-insensitively, first
/// spelling kept): `(commit_link_keywords, commit_status_update_keywords)`.
pub fn merged_keywords<'a>(
    configs: impl IntoIterator<Item = &'a crate::config::ProjectConfig>,
) -> (Vec<String>, Vec<String>) {
    fn add(list: &mut Vec<String>, k: &str) {
        if !list.iter().any(|x| x.eq_ignore_ascii_case(k)) {
            list.push(k.to_string());
        }
    }
    let mut link_kw: Vec<String> = Vec::new();
    let mut status_kw: Vec<String> = Vec::new();
    for c in configs {
        for k in &c.github.mapping.commit_link_keywords {
            add(&mut link_kw, k);
        }
        for k in &c.github.mapping.commit_status_update_keywords {
            add(&mut status_kw, k);
        }
    }
    (link_kw, status_kw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn ids(ms: &[Mention]) -> Vec<(String, String, bool)> {
        ms.iter()
            .map(|m| (m.keyword.clone(), m.id.clone(), m.status_update))
            .collect()
    }

    #[test]
    fn keywords_name_ids_case_insensitively() {
        let link = kw(&["Fixes", "Closes", "Resolves", "Refs", "Relates to"]);
        let status = kw(&["Fixes", "Closes", "Resolves"]);
        let ms = parse_mentions(
            "Tidy the form\n\nfixes TASK-123, TASK-IM-707 and BUG-9\nREFS: EPIC-5\nrelates   to FEAT-1.",
            &link,
            &status,
        );
        assert_eq!(
            ids(&ms),
            vec![
                ("Fixes".into(), "TASK-123".into(), true),
                ("Fixes".into(), "TASK-IM-707".into(), true),
                ("Fixes".into(), "BUG-9".into(), true),
                ("Refs".into(), "EPIC-5".into(), false),
                ("Relates to".into(), "FEAT-1".into(), false),
            ]
        );
    }

    #[test]
    fn words_that_only_contain_a_keyword_do_not_count() {
        let link = kw(&["Fixes", "Refs"]);
        let ms = parse_mentions(
            "Prefixes TASK-1; refsTASK-2; Fixes #12; Refs the TASK-3",
            &link,
            &[],
        );
        assert!(ms.is_empty(), "{ms:?}");
    }

    #[test]
    fn a_status_keyword_wins_for_the_same_id() {
        let ms = parse_mentions(
            "Refs TASK-1\nCloses task-1",
            &kw(&["Refs", "Closes"]),
            &kw(&["Closes"]),
        );
        assert_eq!(ids(&ms), vec![("Closes".into(), "TASK-1".into(), true)]);
    }

    #[test]
    fn ids_need_a_numeric_last_part() {
        let link = kw(&["Refs"]);
        assert!(parse_mentions("Refs TASK-", &link, &[]).is_empty());
        assert!(parse_mentions("Refs TASK-abc", &link, &[]).is_empty());
        assert!(parse_mentions("Refs 12-34", &link, &[]).is_empty());
        assert_eq!(parse_mentions("(Refs EPIC-5)", &link, &[]).len(), 1);
    }
}
