//! An item GitHub refuses holds the sync record back until it syncs.

use github_emulator::Fault;
use serde_json::{Value, json};

use crate::support::*;
use crate::sync_settings::*;

// ---------------------------------------------------------------------------------------
// An item GitHub refuses stays pending until it syncs.

#[test]
fn a_failed_item_stays_pending_in_the_record_until_it_syncs() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(0);
    let task2 = s.issue("TASK-002")["number"].clone();
    s.edit("tasks/TASK-001_validate-email.md", |t| {
        t.replace("Check the address.", "Check the address twice.")
    });
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("A button.", "A big button.")
    });
    s.edit("tasks/BUG-001_typo.md", |t| {
        t.replace("Typo on the form", "Typo on the sign-up form")
    });
    let refused = format!("/repos/{OWNER}/{REPO}/issues/{task2}");
    s.emu.inject(
        Fault::status(422)
            .on("PATCH", &refused)
            .with_body(r#"{"message":"Validation Failed","errors":[{"resource":"Issue","code":"invalid","field":"body"}]}"#)
            .times(100),
    );

    for run in 1..=2 {
        s.emu.reset_log();
        let out = s.sync(&[]);
        assert_exit(&out, 1, &format!("run {run} with a refused item"));
        let text = stdout(&out);
        assert_eq!(lines_with(&text, "failed:").len(), 1, "run {run}: {text}");
        assert!(text.contains("TASK-002"), "run {run}: {text}");
        let writes = s.writes();
        if run == 1 {
            assert_eq!(writes.len(), 3, "{writes:#?}");
        } else {
            assert_eq!(
                writes,
                [format!("PATCH {refused}")],
                "only the refused item again"
            );
        }
        assert!(
            s.issue("TASK-001")["body"]
                .as_str()
                .is_some_and(|b| b.contains("twice"))
        );
        assert_eq!(s.issue("BUG-001")["title"], "Typo on the sign-up form");
        assert!(
            s.issue("TASK-002")["body"]
                .as_str()
                .is_some_and(|b| !b.contains("big"))
        );

        // The record holds the refused item back: status and diff list it, and only it.
        let status = s.repo.im_ok(&["status"]);
        assert!(status.contains("1 pending"), "run {run}: {status}");
        assert!(
            lines_with(&status, "failed last time:")
                .iter()
                .any(|l| l.trim_end().ends_with("TASK-002")),
            "run {run}: {status}"
        );
        let diff = parse_json(&s.repo.im(&["diff", "--json"]));
        let pending: Vec<&str> = diff["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .map(|a| a["id"].as_str().expect("id"))
            .collect();
        assert_eq!(pending, ["TASK-002"], "run {run}: {diff:#}");
        assert_eq!(
            recorded(&s.repo, "links.json")["items"]["demo/TASK-002"]["status"],
            "failed"
        );
        assert!(
            recorded_file(&s.repo, "tasks/TASK-002_button.md").contains("A button."),
            "the record keeps the version last synced"
        );
        assert!(recorded_file(&s.repo, "tasks/TASK-001_validate-email.md").contains("twice"));
    }

    // GitHub takes it now: the next run sends exactly that item's request, nothing else.
    s.emu.clear_faults();
    s.emu.reset_log();
    let report = s.sync_json(0);
    assert_eq!(s.writes(), [format!("PATCH {refused}")]);
    assert!(
        s.issue("TASK-002")["body"]
            .as_str()
            .is_some_and(|b| b.contains("A big button."))
    );
    let ops = report["projects"][0]["ops"].as_array().expect("ops");
    assert_eq!(ops.len(), 1, "{ops:#?}");
    assert_eq!(ops[0]["key"], "demo/TASK-002");
    assert_eq!(ops[0]["fields"], json!(["body"]));
    assert_eq!(s.repo.im_ok(&["status"]).matches("pending").count(), 0);
    let diff = parse_json(&s.repo.im(&["diff", "--json"]));
    assert_eq!(diff["artifacts"], json!([]), "{diff:#}");
    assert_eq!(
        recorded(&s.repo, "links.json")["items"]["demo/TASK-002"]["status"],
        "synced"
    );

    // And then there is nothing left to write.
    s.emu.reset_log();
    s.sync_json(0);
    assert_eq!(s.writes(), Vec::<String>::new());
}

/// A JSON document of the sync record.
fn recorded(repo: &TestRepo, doc: &str) -> Value {
    let text = repo.git(&["show", &format!("refs/intellimanage/sync:{doc}")]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{doc} is not JSON ({e}): {text}"))
}

/// A plan file of project `demo` as the sync record holds it.
fn recorded_file(repo: &TestRepo, rel: &str) -> String {
    let tree = repo.git(&["ls-tree", "--name-only", "refs/intellimanage/sync"]);
    let root = tree
        .lines()
        .find(|l| !l.ends_with(".json"))
        .unwrap_or_else(|| panic!("no plan tree in the record: {tree}"));
    repo.git(&[
        "show",
        &format!("refs/intellimanage/sync:{root}/demo/{rel}"),
    ])
}

// ---------------------------------------------------------------------------------------
// A project whose config can't be read is reported as skipped, not silently left out.

#[test]
fn a_project_with_an_unreadable_config_is_skipped_and_said_so() {
    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    let other = ".ruru/projects/other";
    s.repo.write(
        &format!("{other}/project_config.toml"),
        "[github_integration\nenable_sync = true\n",
    );
    s.repo.write(
        &format!("{other}/tasks/TASK-900_x.md"),
        "+++\nid = \"TASK-900\"\ntitle = \"X\"\nstatus = \"🟡 To Do\"\ntype = \"🛠️ Task\"\ncreated_date = \"2025-01-01\"\nupdated_date = \"2025-01-01\"\n+++\nx\n",
    );
    s.repo.commit_all("a project with a broken config");
    s.emu.reset_log();
    let out = s.sync(&[]);
    assert_exit(&out, 1, "sync with one unreadable config");
    let text = stdout(&out);
    let skipped = lines_with(&text, "skipped other:");
    assert_eq!(skipped.len(), 1, "{text}");
    assert!(
        skipped[0].contains("project_config.toml can't be read"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("other/project_config.toml:1"),
        "{}",
        stderr(&out)
    );
    // The readable project synced; nothing was made for the other one.
    assert!(!s.writes().is_empty(), "the demo project synced");
    assert!(
        s.emu
            .issues(OWNER, REPO)
            .iter()
            .all(|i| marker(&i["body"]).as_deref() != Some("TASK-900")),
        "nothing synced for the project whose config can't be read"
    );
    let report = s.sync_json(1);
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .expect("skipped list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        skipped.iter().any(|l| l.starts_with("other:")),
        "{report:#}"
    );
}
