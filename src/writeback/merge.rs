//! The line-based three-way merge of a file changed on both sides, with conflicts
//! reported hunk by hunk; and the field-by-field three-way merge of a file's frontmatter.

use super::FieldValue;
use crate::artifact::split_frontmatter;

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

/// Fields merged as sets: what either side added is kept, what either side removed goes.
const SET_FIELDS: [&str; 3] = ["tags", "related_issues", "depends_on"];

/// A frontmatter value as the field merge compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Missing,
    Str(String),
    List(Vec<String>),
    Other(String),
}

impl Value {
    fn of(table: &toml::Table, key: &str) -> Value {
        match table.get(key) {
            None => Value::Missing,
            Some(toml::Value::String(s)) => Value::Str(s.clone()),
            Some(toml::Value::Datetime(d)) => Value::Str(d.to_string()),
            Some(toml::Value::Array(items)) => {
                let strings: Option<Vec<String>> = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect();
                match strings {
                    Some(list) => Value::List(list),
                    None => Value::Other(toml::Value::Array(items.clone()).to_string()),
                }
            }
            Some(other) => Value::Other(other.to_string()),
        }
    }

    fn incoming(v: &FieldValue) -> Value {
        match v {
            FieldValue::Str(s) => Value::Str(s.clone()),
            FieldValue::List(l) => Value::List(l.clone()),
            FieldValue::Remove => Value::Missing,
        }
    }

    /// The items of a list field (none when missing); `None` for anything else.
    fn items(&self) -> Option<Vec<String>> {
        match self {
            Value::Missing => Some(Vec::new()),
            Value::List(l) => Some(l.clone()),
            Value::Str(s) => Some(vec![s.clone()]),
            Value::Other(_) => None,
        }
    }
}

fn frontmatter_table(text: &str) -> Option<toml::Table> {
    let split = split_frontmatter(text).ok()?;
    split.frontmatter.parse().ok()
}

/// `ours` with `theirs`' changes since `base`: the items both keep, what `ours` added, what
/// `theirs` added (in that order); what either removed is gone.
fn merge_lists(base: &[String], ours: &[String], theirs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = ours
        .iter()
        .filter(|x| theirs.contains(x) || !base.contains(x))
        .cloned()
        .collect();
    for x in theirs {
        if !ours.contains(x) && !base.contains(x) && !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

/// Three-way merge of the frontmatter fields an edit sets, for a file with uncommitted
/// edits: `base` is the version the edit was computed against (the committed file),
/// `ours` the working tree, the edit's values theirs. `pending` is the version an earlier
/// sync wrote into the working tree and that is not committed yet, if any: a field that
/// still has its value there was not edited by the user either.
///
/// A field the user did not touch takes the edit's value; one the user changed to that
/// same value needs nothing; one changed differently is a conflict (its key is returned,
/// and nothing should be written). `tags`, `related_issues` and `depends_on` merge as sets;
/// `updated_date` keeps the later date. Returns the fields to apply to `ours`.
pub fn merge_fields(
    fields: &[(String, FieldValue)],
    base: &str,
    ours: &str,
    pending: Option<&str>,
) -> Result<Vec<(String, FieldValue)>, Vec<String>> {
    let (Some(base_t), Some(ours_t)) = (frontmatter_table(base), frontmatter_table(ours)) else {
        // Unreadable: applying the edit reports why.
        return Ok(fields.to_vec());
    };
    let pending_t = pending.and_then(frontmatter_table);
    // A later entry for a key wins, as when the edit is applied.
    let mut last: Vec<(String, FieldValue)> = Vec::new();
    for (k, v) in fields {
        match last.iter_mut().find(|(lk, _)| lk == k) {
            Some(entry) => entry.1 = v.clone(),
            None => last.push((k.clone(), v.clone())),
        }
    }
    let mut out = Vec::new();
    let mut conflicts = Vec::new();
    for (key, value) in last {
        let theirs = Value::incoming(&value);
        let ours = Value::of(&ours_t, &key);
        if ours == theirs {
            continue;
        }
        let before = Value::of(&base_t, &key);
        let pend = pending_t.as_ref().map(|t| Value::of(t, &key));
        let untouched = ours == before || pend.as_ref() == Some(&ours);
        if key == "updated_date" {
            let later = match (&ours, &theirs) {
                (Value::Str(o), Value::Str(t)) => t > o,
                _ => untouched,
            };
            if later {
                out.push((key, value));
            }
            continue;
        }
        if untouched {
            out.push((key, value));
            continue;
        }
        let lists = (
            SET_FIELDS.contains(&key.as_str()),
            ours.items(),
            theirs.items(),
            before.items(),
        );
        if let (true, Some(o), Some(t), Some(b)) = lists {
            // The user's edits started from the earlier sync's version or the committed
            // one: whichever is closer to the working tree.
            let distance = |x: &[String]| {
                x.iter().filter(|i| !o.contains(i)).count()
                    + o.iter().filter(|i| !x.contains(i)).count()
            };
            let base_items = match pend.as_ref().and_then(Value::items) {
                Some(p) if distance(&p) < distance(&b) => p,
                _ => b,
            };
            let merged = merge_lists(&base_items, &o, &t);
            if merged != o {
                out.push((
                    key,
                    if merged.is_empty() && theirs == Value::Missing {
                        FieldValue::Remove
                    } else {
                        FieldValue::List(merged)
                    },
                ));
            }
            continue;
        }
        conflicts.push(key);
    }
    if conflicts.is_empty() {
        Ok(out)
    } else {
        Err(conflicts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writeback::test_fixtures::SEED;

    fn file(front: &str) -> String {
        format!("+++\nid = \"T-1\"\n{front}+++\nBody.\n")
    }

    fn set(key: &str, v: &str) -> (String, FieldValue) {
        (key.to_string(), FieldValue::Str(v.to_string()))
    }

    fn list(key: &str, v: &[&str]) -> (String, FieldValue) {
        (
            key.to_string(),
            FieldValue::List(v.iter().map(|s| s.to_string()).collect()),
        )
    }

    #[test]
    fn fields_merge_three_ways() {
        let base = file("title = \"T\"\nstatus = \"A\"\ntags = [\"x\", \"y\"]\n");
        // Different fields: GitHub's title and tags on top of the user's status.
        let ours = file("title = \"T\"\nstatus = \"B\"\ntags = [\"x\", \"y\", \"mine\"]\n");
        let edit = [
            set("title", "T2"),
            list("tags", &["x", "y", "gh"]),
            set("status", "B"),
        ];
        let merged = merge_fields(&edit, &base, &ours, None).expect("no conflict");
        assert_eq!(
            merged,
            [set("title", "T2"), list("tags", &["x", "y", "mine", "gh"])]
        );
        // A removal on either side goes.
        let ours = file("title = \"T\"\nstatus = \"A\"\ntags = [\"y\"]\n");
        let merged = merge_fields(&[list("tags", &["x", "gh"])], &base, &ours, None);
        assert_eq!(merged, Ok(vec![list("tags", &["gh"])]));
        // The same field changed differently: a conflict, whatever else merges.
        let ours = file("title = \"Mine\"\nstatus = \"C\"\ntags = [\"x\", \"y\"]\n");
        let conflict = merge_fields(&edit, &base, &ours, None).expect_err("conflict");
        assert_eq!(conflict, ["title", "status"]);
        // Changed to the same value: nothing to do.
        let ours = file("title = \"T2\"\nstatus = \"A\"\ntags = [\"x\", \"y\"]\n");
        let merged = merge_fields(&[set("title", "T2")], &base, &ours, None);
        assert_eq!(merged, Ok(vec![]));
    }

    #[test]
    fn dependencies_merge_as_a_set() {
        let base = file("depends_on = [\"T-1\"]\n");
        // The user adds T-2 (uncommitted); GitHub removed T-1 and added T-3.
        let ours = file("depends_on = [\"T-1\", \"T-2\"]\n");
        let merged = merge_fields(&[list("depends_on", &["T-3"])], &base, &ours, None);
        assert_eq!(merged, Ok(vec![list("depends_on", &["T-2", "T-3"])]));
    }

    #[test]
    fn fields_an_earlier_sync_wrote_are_not_the_users() {
        let base = file("title = \"T\"\nupdated_date = \"2025-04-02\"\n");
        let pending = file("title = \"GitHub 1\"\nupdated_date = \"2025-05-10\"\n");
        let edit = [set("title", "GitHub 2"), set("updated_date", "2025-05-11")];
        let merged = merge_fields(&edit, &base, &pending, Some(&pending));
        assert_eq!(merged, Ok(edit.to_vec()));
        // The user's own later date stays.
        let ours = file("title = \"T\"\nupdated_date = \"2025-06-01\"\n");
        let merged = merge_fields(&edit, &base, &ours, None);
        assert_eq!(merged, Ok(vec![set("title", "GitHub 2")]));
    }

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
}
