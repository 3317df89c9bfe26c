//! A repository synced by an earlier version keeps working: its record (format 1, links
//! without tracker or host) is migrated in place by the next sync, with no write to
//! GitHub and nothing created twice.
//!
//! The fixture was written by the previous release: `fixtures/record_v1/repo.bundle` is a
//! repository whose plan (one Epic, two Tasks, made with `init` and `new`) was synced by it,
//! `refs/intellimanage/sync` included; the JSON files are what GitHub held after that sync,
//! replayed here into the emulator in the same order so numbers match.

use std::path::Path;

use crate::support::*;
use github_emulator::Emulator;
use serde_json::{Value, json};

const TOKEN: &str = "ghp_Rec0rdMigrati0nT0ken";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures/record_v1")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// The emulator holding what GitHub held after the old version's sync.
fn github_as_left() -> Emulator {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "octocat", &["repo"]);
    emu.add_repo("acme", "plan");
    for l in fixture("labels.json").as_array().expect("labels") {
        emu.create_label(
            "acme",
            "plan",
            json!({"name": l["name"], "color": l["color"], "description": l["description"]}),
        );
    }
    for m in fixture("milestones.json").as_array().expect("milestones") {
        emu.create_milestone(
            "acme",
            "plan",
            json!({"title": m["title"], "description": m["description"], "due_on": m["due_on"]}),
        );
    }
    let mut issues = fixture("issues.json").as_array().expect("issues").clone();
    issues.sort_by_key(|i| i["number"].as_u64());
    for i in issues {
        let labels: Vec<&Value> = i["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|l| &l["name"])
            .collect();
        let created = emu.create_issue(
            "acme",
            "plan",
            json!({
                "title": i["title"],
                "body": i["body"],
                "labels": labels,
                "milestone": i["milestone"]["number"],
            }),
        );
        assert_eq!(created["number"], i["number"], "replayed in the same order");
    }
    emu
}

fn record_doc(repo: &TestRepo, name: &str) -> Value {
    let text = repo.git(&["show", &format!("refs/intellimanage/sync:{name}")]);
    serde_json::from_str(&text).expect("record JSON")
}

#[test]
fn a_record_written_by_the_previous_release_is_migrated_in_place() {
    let bundle =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/record_v1/repo.bundle");
    let repo = TestRepo::new();
    let bundle = bundle.to_str().expect("UTF-8 path");
    repo.git(&["fetch", "-q", bundle, "+refs/*:refs/*"]);
    repo.git(&["checkout", "-q", "master"]);
    assert_eq!(
        record_doc(&repo, "meta.json")["format"],
        1,
        "the fixture is format 1"
    );
    let before = record_doc(&repo, "links.json");
    assert!(
        before["items"]["demo/TASK-001"].get("host").is_none(),
        "format 1 links name no host: {before:#}"
    );

    let emu = github_as_left();
    let url = emu.url();
    let env = github_env(&url, TOKEN);
    // Reading commands work on the old record as they are.
    let status = repo.im_env(&["status", "--json"], &env);
    assert_exit(&status, 0, "status on a format-1 record");
    let diff = repo.im_env(&["diff", "--exit-code"], &env);
    assert_exit(&diff, 0, "nothing pending on a format-1 record");

    let out = repo.im_env(&["sync", "--json"], &env);
    assert_exit(&out, 0, "the first sync with the new version");
    assert_eq!(emu.write_count(), 0, "{:#?}", emu.requests());
    assert_eq!(emu.issues("acme", "plan").len(), 2, "nothing created twice");
    assert_eq!(emu.milestones("acme", "plan").len(), 1);

    // The record says format 2, and every link its tracker and host.
    assert_eq!(record_doc(&repo, "meta.json")["format"], 2);
    let after = record_doc(&repo, "links.json");
    let host = emu.url().trim_start_matches("http://").to_string();
    for key in ["demo/EPIC-001", "demo/TASK-001", "demo/TASK-002"] {
        let link = &after["items"][key];
        assert_eq!(link["tracker"], "github", "{key}: {link:#}");
        assert_eq!(link["host"], host.as_str(), "{key}: {link:#}");
        assert_eq!(link["number"], before["items"][key]["number"], "{key}");
        // The merge base is kept; issues' dependencies are known from now on (the first
        // sync of a release that syncs them reads them: there are none here).
        let mut remote = link["remote"].clone();
        if let Some(deps) = remote.as_object_mut().and_then(|r| r.remove("depends_on")) {
            assert_eq!(deps, json!([]), "{key}");
        }
        assert_eq!(
            remote, before["items"][key]["remote"],
            "{key}: the merge base is kept"
        );
    }

    // And it keeps working: an edit goes out as one update, then all is quiet.
    repo.edit(
        ".ruru/projects/demo/tasks/TASK-001_write-the-parser.md",
        |t| {
            t.replace(
                "title = \"Write the parser\"",
                "title = \"Write the fast parser\"",
            )
        },
    );
    repo.commit_all("retitle");
    emu.reset_log();
    let out = repo.im_env(&["sync", "--json"], &env);
    assert_exit(&out, 0, "a sync after the migration");
    let writes: Vec<String> = emu
        .requests()
        .iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(writes, ["PATCH /repos/acme/plan/issues/1"]);
    emu.reset_log();
    let out = repo.im_env(&["sync", "--json"], &env);
    assert_exit(&out, 0, "a no-op sync");
    assert_eq!(emu.write_count(), 0);
}
