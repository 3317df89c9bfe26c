//! The line-based three-way merge of a file changed on both sides, with conflicts
//! reported hunk by hunk.

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
    use crate::writeback::test_fixtures::SEED;

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
