//! `waves` and `ready`: dependency waves of a real plan in a real repository, offline.

use serde_json::{Value, json};

use crate::support::*;

const P: &str = ".ruru/projects/demo";

fn task(id: &str, title: &str, status: &str, extra: &str) -> String {
    artifact(id, TASK, title, status, extra, "Work.\n")
}

/// EPIC-1 (milestone "Release 1") > FEAT-1 > tasks; EPIC-2 > FEAT-2 > tasks.
fn base(repo: &TestRepo) {
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("demo", ""),
    );
    repo.write(
        &format!("{P}/epics/EPIC-1_release.md"),
        &artifact("EPIC-1", EPIC, "Release 1", "🔵 In Progress", "", "R1.\n"),
    );
    repo.write(
        &format!("{P}/epics/EPIC-2_later.md"),
        &artifact(
            "EPIC-2",
            EPIC,
            "Later",
            "🟡 To Do",
            "milestone_name = \"Phase 2\"\n",
            "Later.\n",
        ),
    );
    repo.write(
        &format!("{P}/features/FEAT-1_core.md"),
        &artifact(
            "FEAT-1",
            FEATURE,
            "Core",
            "🟡 To Do",
            "epic_id = \"EPIC-1\"\n",
            "C.\n",
        ),
    );
    repo.write(
        &format!("{P}/features/FEAT-2_more.md"),
        &artifact(
            "FEAT-2",
            FEATURE,
            "More",
            "🟡 To Do",
            "epic_id = \"EPIC-2\"\n",
            "M.\n",
        ),
    );
}

fn f1(extra: &str) -> String {
    format!("feature_id = \"FEAT-1\"\n{extra}")
}

/// A ready graph: TASK-1 done, TASK-2 in progress, TASK-3 after 1, TASK-4 after 2 and 3,
/// TASK-5 (high) and TASK-6 (low) free.
fn ready_plan() -> TestRepo {
    let repo = TestRepo::new();
    base(&repo);
    for (id, status, extra) in [
        ("TASK-1", "🟢 Done", f1("")),
        ("TASK-2", "🔵 In Progress", f1("priority = \"🔽 Low\"\n")),
        ("TASK-3", "🟡 To Do", f1("depends_on = [\"TASK-1\"]\n")),
        (
            "TASK-4",
            "🟡 To Do",
            f1("depends_on = [\"TASK-2\", \"TASK-3\"]\n"),
        ),
        ("TASK-5", "🟡 To Do", f1("priority = \"🔼 High\"\n")),
        ("TASK-6", "⚪️ Backlog", f1("priority = \"🔽 Low\"\n")),
    ] {
        repo.write(
            &format!("{P}/tasks/{id}_x.md"),
            &task(id, &format!("Work {id}"), status, &extra),
        );
    }
    repo.commit_all("plan");
    repo
}

fn wave_ids(v: &Value) -> Vec<Vec<String>> {
    v["waves"]
        .as_array()
        .expect("waves")
        .iter()
        .map(|w| {
            w["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["id"].as_str().expect("id").to_string())
                .collect()
        })
        .collect()
}

#[test]
fn waves_order_the_work_of_a_milestone_and_show_progress() {
    let repo = ready_plan();
    let text = repo.im_ok(&["waves", "EPIC-1"]);
    let expected = "\
Wave 1 (no dependencies):
├─ TASK-1 Work TASK-1  [DONE ✓]
├─ TASK-2 Work TASK-2  [IN PROGRESS]
├─ TASK-3 Work TASK-3  [PENDING]
├─ TASK-5 Work TASK-5  [PENDING]
└─ TASK-6 Work TASK-6  [PENDING]

Wave 2 (depends on wave 1):
└─ TASK-4 Work TASK-4  [PENDING, after wave 1]

Progress: 1/6 complete (16%)
Planning status: ready
";
    assert_eq!(text, expected);
    // By milestone title, by ID of the Feature: the same waves.
    let by_title = repo.im_json(&["waves", "Release 1", "--json"]);
    let by_feature = repo.im_json(&["waves", "FEAT-1", "--json"]);
    assert_eq!(wave_ids(&by_title), wave_ids(&by_feature));
    assert_eq!(
        wave_ids(&by_title),
        vec![
            vec!["TASK-1", "TASK-2", "TASK-3", "TASK-5", "TASK-6"],
            vec!["TASK-4"]
        ]
    );
    assert_eq!(by_title["planning_status"], "ready");
    assert_eq!(by_title["done"], json!(["TASK-1"]));
    assert_eq!(by_title["blocked"], json!([]));
    assert_eq!(by_title["progress"], json!({"done": 1, "total": 6}));
    let t4 = &by_title["waves"][1]["items"][0];
    assert_eq!(t4["depends_on"], json!(["TASK-2", "TASK-3"]));
    assert_eq!(t4["status"], "🟡 To Do");
    assert_eq!(t4["issue"], Value::Null, "no sync recorded");
    // One wave only.
    let w2 = repo.im_json(&["waves", "EPIC-1", "--wave", "2", "--json"]);
    assert_eq!(wave_ids(&w2), vec![vec!["TASK-4"]]);
    let out = repo.im(&["waves", "EPIC-1", "--wave", "3"]);
    assert_exit(&out, 2, "no wave 3");
}

#[test]
fn ready_lists_wave_one_not_started_highest_priority_first() {
    let repo = ready_plan();
    let v = repo.im_json(&["ready", "--json"]);
    let ids: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["TASK-5", "TASK-3", "TASK-6"]);
    let text = repo.im_ok(&["ready"]);
    assert!(text.starts_with("TASK-5 Work TASK-5"), "{text}");
}

#[test]
fn cycles_unknown_ids_and_outside_work_need_review() {
    let repo = TestRepo::new();
    base(&repo);
    for (id, status, extra) in [
        ("TASK-1", "🟡 To Do", f1("depends_on = [\"TASK-2\"]\n")),
        ("TASK-2", "🟡 To Do", f1("depends_on = [\"TASK-3\"]\n")),
        ("TASK-3", "🟡 To Do", f1("depends_on = [\"TASK-1\"]\n")),
        ("TASK-4", "🟡 To Do", f1("depends_on = [\"TASK-404\"]\n")),
        ("TASK-5", "🟡 To Do", f1("depends_on = [\"TASK-20\"]\n")),
        ("TASK-6", "🟡 To Do", f1("depends_on = [\"TASK-5\"]\n")),
        (
            "TASK-7",
            "🟡 To Do",
            f1("depends_on = [\"TASK-21\", \"FEAT-2\"]\n"),
        ),
        ("TASK-8", "🟡 To Do", f1("")),
        (
            "TASK-20",
            "🔵 In Progress",
            "feature_id = \"FEAT-2\"\n".to_string(),
        ),
        (
            "TASK-21",
            "🟢 Done",
            "feature_id = \"FEAT-2\"\n".to_string(),
        ),
    ] {
        repo.write(
            &format!("{P}/tasks/{id}_x.md"),
            &task(id, &format!("Work {id}"), status, &extra),
        );
    }
    repo.commit_all("plan");
    let out = repo.im(&["waves", "EPIC-1", "--json"]);
    assert_exit(&out, 1, "needs review");
    let v = parse_json(&out);
    assert_eq!(v["planning_status"], "needs_review");
    assert_eq!(wave_ids(&v), vec![vec!["TASK-8"]]);
    let blocked: Vec<(String, String, Value)> = v["blocked"]
        .as_array()
        .expect("blocked")
        .iter()
        .map(|b| {
            (
                b["id"].as_str().expect("id").to_string(),
                b["reason"].as_str().expect("reason").to_string(),
                b["ids"].clone(),
            )
        })
        .collect();
    assert_eq!(
        blocked,
        vec![
            (
                "TASK-1".into(),
                "cycle".into(),
                json!(["TASK-1", "TASK-2", "TASK-3", "TASK-1"])
            ),
            (
                "TASK-2".into(),
                "cycle".into(),
                json!(["TASK-1", "TASK-2", "TASK-3", "TASK-1"])
            ),
            (
                "TASK-3".into(),
                "cycle".into(),
                json!(["TASK-1", "TASK-2", "TASK-3", "TASK-1"])
            ),
            ("TASK-4".into(), "unknown".into(), json!(["TASK-404"])),
            ("TASK-5".into(), "outside".into(), json!(["TASK-20"])),
            ("TASK-6".into(), "outside".into(), json!(["TASK-5"])),
            ("TASK-7".into(), "outside".into(), json!(["TASK-20"])),
        ]
    );
    let text = stdout(&repo.im(&["waves", "EPIC-1"]));
    assert!(
        text.contains("on a cycle: TASK-1 → TASK-2 → TASK-3 → TASK-1"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "depends on TASK-404, which does not exist ({P}/tasks/TASK-4_x.md:10)"
        )),
        "{text}"
    );
    assert!(text.contains("Planning status: needs_review"), "{text}");
    assert!(text.contains("Progress: 0/8 complete (0%)"), "{text}");
    // With everything in scope, TASK-5 and TASK-7 wait on nothing outside.
    let all = repo.im(&["waves", "--json"]);
    let all = parse_json(&all);
    let reasons: Vec<&str> = all["blocked"]
        .as_array()
        .expect("blocked")
        .iter()
        .map(|b| b["reason"].as_str().expect("reason"))
        .collect();
    assert!(!reasons.contains(&"outside"), "{all:#}");
}

#[test]
fn targets_are_checked_and_issue_numbers_come_from_the_record() {
    let repo = ready_plan();
    let out = repo.im(&["waves", "12", "EPIC-1"]);
    assert_exit(&out, 2, "mixed");
    assert!(
        stderr(&out).contains("cannot mix issue numbers and a milestone name"),
        "{}",
        stderr(&out)
    );
    let out = repo.im(&["waves", "Release 9"]);
    assert_exit(&out, 2, "unknown milestone");
    let err = stderr(&out);
    assert!(
        err.contains("no Epic, Feature or milestone `Release 9`"),
        "{err}"
    );
    assert!(
        err.contains("hint: the milestones here:") && err.contains("Phase 2"),
        "{err}"
    );
    let out = repo.im(&["waves", "#12"]);
    assert_exit(&out, 2, "no record");
    assert!(
        stderr(&out).contains("issue #12 not found"),
        "{}",
        stderr(&out)
    );

    // After a sync, issue numbers resolve through the record, and items carry them.
    let emu = github_emulator::Emulator::start();
    emu.add_token("ghp_WavesT0ken", "ada", &["repo"]);
    emu.add_repo("acme", "demo");
    let out = repo.im_github(&emu.url(), "ghp_WavesT0ken", &["sync"]);
    assert_exit(&out, 0, "sync");
    let numbers: Vec<u64> = emu
        .issues("acme", "demo")
        .iter()
        .filter(|i| {
            ["TASK-3", "TASK-5"]
                .iter()
                .any(|id| marker(&i["body"]).as_deref() == Some(*id))
        })
        .filter_map(|i| i["number"].as_u64())
        .collect();
    assert_eq!(numbers.len(), 2);
    let arg = format!("#{},{}", numbers[0], numbers[1]);
    let v = repo.im_json(&["waves", &arg, "--json"]);
    let ids = wave_ids(&v);
    assert_eq!(ids.concat().len(), 2, "{v:#}");
    assert!(ids[0].contains(&"TASK-3".to_string()), "{v:#}");
    let all = repo.im_json(&["waves", "EPIC-1", "--json"]);
    let t3 = all["waves"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == "TASK-3")
        .expect("TASK-3")
        .clone();
    assert!(t3["issue"]["number"].as_u64().is_some(), "{t3:#}");
    assert!(
        t3["issue"]["url"]
            .as_str()
            .is_some_and(|u| u.contains("/issues/")),
        "{t3:#}"
    );
}
