//! Rewriting the real fixture files on disk: every byte that is not part of the edit stays.

use std::fs;
use std::path::{Path, PathBuf};

use git_intellimanage::artifact::{Location, parse, split_frontmatter};
use git_intellimanage::writeback::{Edit, new_artifact_text, update_file};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a fixture into a temporary plan directory and returns (dir, path).
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    fs::copy(fixture(name), &path).expect("copy fixture");
    (dir, path)
}

fn read_back(bytes: &[u8]) -> git_intellimanage::artifact::Artifact {
    let location = Location::of("odd/tasks/T.md").expect("artifact path");
    parse("odd/tasks/T.md", location, bytes)
        .expect("parses back")
        .0
}

/// The lines of `new` that are not in `old`, and of `old` that are not in `new`, in order.
fn line_changes(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let diff = similar::TextDiff::from_lines(old, new);
    let (mut removed, mut inserted) = (Vec::new(), Vec::new());
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(change.value().to_string()),
            similar::ChangeTag::Insert => inserted.push(change.value().to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    (removed, inserted)
}

#[test]
fn sync_links_go_into_every_fixture_without_touching_anything_else() {
    for name in [
        "TASK-IM-900_oddities.md",
        "FEAT-IM-1_vs16.md",
        "EPIC-IM-1_no-vs16.md",
    ] {
        let (_dir, path) = copy_fixture(name);
        let before = fs::read_to_string(&path).expect("read");
        let edit = Edit::new()
            .set_list("related_issues", ["acme/web#12"])
            .set("related_milestone", "acme/web#milestone/3");
        assert!(update_file(&path, &edit).expect("update"), "{name}");
        let after = fs::read_to_string(&path).expect("read");

        let (removed, inserted) = line_changes(&before, &after);
        assert!(removed.is_empty(), "{name}: {removed:?}");
        let eol = if before.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        assert_eq!(
            inserted,
            vec![
                format!("related_issues = [\"acme/web#12\"]{eol}"),
                format!("related_milestone = \"acme/web#milestone/3\"{eol}"),
            ],
            "{name}"
        );
        assert_eq!(
            before.starts_with('\u{feff}'),
            after.starts_with('\u{feff}'),
            "{name}"
        );
        let old_body = split_frontmatter(&before).expect("split").body;
        assert_eq!(split_frontmatter(&after).expect("split").body, old_body);

        let a = read_back(after.as_bytes());
        assert_eq!(a.list_field("related_issues"), vec!["acme/web#12"]);
        assert_eq!(
            a.str_field("related_milestone"),
            Some("acme/web#milestone/3")
        );

        // The same edit again changes nothing and does not write.
        assert!(!update_file(&path, &edit).expect("no-op"), "{name}");
        assert_eq!(fs::read_to_string(&path).expect("read"), after);
    }
}

#[test]
fn incoming_changes_update_fields_and_body_of_the_crlf_fixture() {
    let (_dir, path) = copy_fixture("TASK-IM-900_oddities.md");
    let before = fs::read_to_string(&path).expect("read");
    let edit = Edit::new()
        .set("status", "🟢 Done")
        .set("title", "Renamed on GitHub")
        .set_list("tags", ["multi", "line", "café", "from-github"])
        .set("updated_date", "2025-07-01")
        .with_body("# New body\n\n- [x] done\n");
    assert!(update_file(&path, &edit).expect("update"));
    let after = fs::read_to_string(&path).expect("read");
    assert!(after.starts_with("\u{feff}+++\r\n"));
    assert!(after.contains("# trailing comment\r\n"));
    assert!(after.contains(
        "# comment inside an array\r\n  \"line\",\r\n  \"café\",\r\n  \"from-github\",\r\n]\r\n"
    ));
    assert!(after.ends_with("+++\r\n# New body\r\n\r\n- [x] done\r\n"));
    let a = read_back(after.as_bytes());
    assert_eq!(a.status, "🟢 Done");
    assert_eq!(a.title, "Renamed on GitHub");
    assert_eq!(a.tags(), vec!["multi", "line", "café", "from-github"]);
    assert_eq!(a.body, "# New body\r\n\r\n- [x] done\r\n");
    let old = read_back(before.as_bytes());
    for key in [
        "id",
        "custom_key",
        "extra_table",
        "estimated_effort",
        "depends_on",
    ] {
        assert_eq!(a.fields.get(key), old.fields.get(key), "{key}");
    }
}

#[test]
fn a_new_artifact_from_a_github_issue_reads_back() {
    let title = "Crash when title has \"\"\" and\n+++\nid = \"EVIL\"";
    let body = "Steps:\r\n+++\r\n1. open\r\n";
    let text = new_artifact_text(
        &[
            ("id".into(), "TASK-IM-901".into()),
            ("title".into(), title.into()),
            ("status".into(), "🟡 To Do".into()),
            ("type".into(), "🐞 Bug".into()),
            (
                "related_issues".into(),
                vec!["acme/web#77".to_string()].into(),
            ),
        ],
        body,
    );
    let a = read_back(text.as_bytes());
    assert_eq!(a.id, "TASK-IM-901");
    assert_eq!(a.title, title);
    assert_eq!(a.list_field("related_issues"), vec!["acme/web#77"]);
    assert_eq!(a.body, "Steps:\n+++\n1. open\n");
}
