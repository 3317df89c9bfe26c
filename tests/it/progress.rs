//! `progress`: done/total per project, Epic and Feature of a real plan in a real repository,
//! overdue and blocked items against hand-computed figures (today fixed by
//! `INTELLIMANAGE_TODAY`); and `status --links`, the sync record's links after a real sync.

use serde_json::{Value, json};

use crate::support::*;

const P: &str = ".ruru/projects/demo";
const TODAY: (&str, &str) = ("INTELLIMANAGE_TODAY", "2025-05-10");

fn config() -> String {
    "project_name = \"demo\"\nproject_slug = \"demo\"\nmethodology = \"Kanban\"\n\
     custom_statuses = [\"⏳ Waiting\"]\n\n[github_integration]\nenable_sync = false\n"
        .to_string()
}

/// The plan of this file (today is 2025-05-10):
///
/// - EPIC-1 "Release 1" (target 2025-05-01: overdue) > FEAT-1 "Core": TASK-1 Done (due
///   05-01), TASK-2 In Progress (due 05-09: overdue), TASK-3 To Do (after TASK-1, done),
///   TASK-4 To Do (after TASK-2 and TASK-3: blocked), archive/TASK-10 Archived; and BUG-1
///   Review right under the Epic (due today: not overdue).
/// - EPIC-2 "Later" (milestone "Phase 2", target 2025-12-31) > FEAT-2 "More": TASK-5
///   Blocked (after FEAT-1, open: blocked), TASK-6 Backlog, TASK-7 Completed.
/// - FEAT-3 "Orphan" (no Epic): TASK-8 `todo` (after TASK-404, unknown: blocked).
/// - TASK-9 "⏳ Waiting" (custom), under nothing, due 2025-04-30: overdue.
pub fn plan() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(&format!("{P}/project_config.toml"), &config());
    let files: [(&str, &str, &str, &str, &str, String); 16] = [
        (
            "epics",
            "EPIC-1",
            EPIC,
            "Release 1",
            "🔵 In Progress",
            "target_date = \"2025-05-01\"\n".into(),
        ),
        (
            "epics",
            "EPIC-2",
            EPIC,
            "Later",
            "🟡 To Do",
            "milestone_name = \"Phase 2\"\ntarget_date = \"2025-12-31\"\n".into(),
        ),
        (
            "features",
            "FEAT-1",
            FEATURE,
            "Core",
            "🔵 In Progress",
            "epic_id = \"EPIC-1\"\n".into(),
        ),
        (
            "features",
            "FEAT-2",
            FEATURE,
            "More",
            "🟡 To Do",
            "epic_id = \"EPIC-2\"\n".into(),
        ),
        ("features", "FEAT-3", FEATURE, "Orphan", "🟡 To Do", "".into()),
        (
            "tasks",
            "TASK-1",
            TASK,
            "Schema",
            "🟢 Done",
            "feature_id = \"FEAT-1\"\ndue_date = \"2025-05-01\"\n".into(),
        ),
        (
            "tasks",
            "TASK-2",
            TASK,
            "API",
            "🔵 In Progress",
            "feature_id = \"FEAT-1\"\ndue_date = \"2025-05-09\"\npriority = \"🔼 High\"\nassigned_to = \"ada\"\n".into(),
        ),
        (
            "tasks",
            "TASK-3",
            TASK,
            "Client",
            "🟡 To Do",
            "feature_id = \"FEAT-1\"\ndepends_on = [\"TASK-1\"]\n".into(),
        ),
        (
            "tasks",
            "TASK-4",
            TASK,
            "Wire up",
            "🟡 To Do",
            "feature_id = \"FEAT-1\"\ndepends_on = [\"TASK-2\", \"TASK-3\"]\n".into(),
        ),
        (
            "tasks",
            "BUG-1",
            BUG,
            "Crash on save",
            "🟣 Review",
            "epic_id = \"EPIC-1\"\ndue_date = \"2025-05-10\"\n".into(),
        ),
        (
            "tasks",
            "TASK-5",
            TASK,
            "Export",
            "🚧 Blocked",
            "feature_id = \"FEAT-2\"\ndepends_on = [\"FEAT-1\"]\n".into(),
        ),
        (
            "tasks",
            "TASK-6",
            TASK,
            "Import",
            "⚪️ Backlog",
            "feature_id = \"FEAT-2\"\n".into(),
        ),
        (
            "tasks",
            "TASK-7",
            TASK,
            "Formats",
            "🟢 Completed",
            "feature_id = \"FEAT-2\"\n".into(),
        ),
        (
            "tasks",
            "TASK-8",
            TASK,
            "Stray",
            "todo",
            "feature_id = \"FEAT-3\"\ndepends_on = [\"TASK-404\"]\n".into(),
        ),
        (
            "tasks",
            "TASK-9",
            TASK,
            "Ask the customer",
            "⏳ Waiting",
            "due_date = \"2025-04-30\"\n".into(),
        ),
        (
            "archive/tasks",
            "TASK-10",
            TASK,
            "Old idea",
            "🧊 Archived",
            "feature_id = \"FEAT-1\"\n".into(),
        ),
    ];
    for (folder, id, kind, title, status, extra) in files {
        repo.write(
            &format!("{P}/{folder}/{id}_x.md"),
            &artifact(id, kind, title, status, &extra, "Body.\n"),
        );
    }
    repo.commit_all("plan");
    repo
}

fn progress(repo: &TestRepo, args: &[&str]) -> std::process::Output {
    let mut all = vec!["progress"];
    all.extend_from_slice(args);
    repo.im_env(&all, &[TODAY])
}

/// The JSON of `Counts`: figures, then `(status, stage, count)` in workflow order.
fn counts(
    done: u64,
    total: u64,
    percent: u64,
    overdue: u64,
    blocked: u64,
    by_status: &[(&str, &str, u64)],
) -> Value {
    json!({
        "done": done,
        "total": total,
        "percent": percent,
        "overdue": overdue,
        "blocked": blocked,
        "by_status": by_status
            .iter()
            .map(|(s, stage, n)| json!({"status": s, "stage": stage, "count": n}))
            .collect::<Vec<_>>(),
    })
}

fn group(
    id: &str,
    title: &str,
    status: &str,
    date: Option<&str>,
    overdue: bool,
    c: Value,
    features: Vec<Value>,
) -> Value {
    json!({
        "id": id,
        "title": title,
        "status": status,
        "date": date,
        "overdue": overdue,
        "counts": c,
        "features": features,
    })
}

fn feat1() -> Value {
    group(
        "FEAT-1",
        "Core",
        "🔵 In Progress",
        None,
        false,
        counts(
            2,
            5,
            40,
            1,
            1,
            &[
                ("🟡 To Do", "todo", 2),
                ("🔵 In Progress", "in_progress", 1),
                ("🟢 Done", "done", 1),
                ("🧊 Archived", "archived", 1),
            ],
        ),
        vec![],
    )
}

fn epic1() -> Value {
    group(
        "EPIC-1",
        "Release 1",
        "🔵 In Progress",
        Some("2025-05-01"),
        true,
        counts(
            2,
            6,
            33,
            1,
            1,
            &[
                ("🟡 To Do", "todo", 2),
                ("🔵 In Progress", "in_progress", 1),
                ("🟣 Review", "review", 1),
                ("🟢 Done", "done", 1),
                ("🧊 Archived", "archived", 1),
            ],
        ),
        vec![feat1()],
    )
}

fn overdue(
    id: &str,
    title: &str,
    kind: &str,
    status: &str,
    key: &str,
    date: &str,
    days: i64,
) -> Value {
    json!({
        "project": "demo",
        "id": id,
        "title": title,
        "type": kind,
        "status": status,
        "date_key": key,
        "date": date,
        "days_late": days,
    })
}

fn blocked(id: &str, title: &str, status: &str, waiting: &[&str], unknown: &[&str]) -> Value {
    json!({
        "project": "demo",
        "id": id,
        "title": title,
        "status": status,
        "waiting_on": waiting,
        "unknown": unknown,
    })
}

#[test]
fn progress_of_the_whole_plan_in_json_is_exact() {
    let repo = plan();
    let out = progress(&repo, &["--json"]);
    assert_exit(&out, 0, "progress --json");
    let v = parse_json(&out);
    let feat2 = counts(
        1,
        3,
        33,
        0,
        1,
        &[
            ("⚪\u{fe0f} Backlog", "backlog", 1),
            ("🚧 Blocked", "blocked", 1),
            ("🟢 Completed", "done", 1),
        ],
    );
    let totals = counts(
        3,
        11,
        27,
        2,
        3,
        &[
            ("⚪\u{fe0f} Backlog", "backlog", 1),
            ("🟡 To Do", "todo", 3),
            ("🔵 In Progress", "in_progress", 1),
            ("🟣 Review", "review", 1),
            ("🚧 Blocked", "blocked", 1),
            ("⏳ Waiting", "custom", 1),
            ("🟢 Done", "done", 1),
            ("🟢 Completed", "done", 1),
            ("🧊 Archived", "archived", 1),
        ],
    );
    let expected = json!({
        "today": "2025-05-10",
        "targets": [],
        "totals": totals,
        "projects": [{
            "project": "demo",
            "counts": totals,
            "epics": [
                epic1(),
                group("EPIC-2", "Later", "🟡 To Do", Some("2025-12-31"), false, feat2.clone(), vec![
                    group("FEAT-2", "More", "🟡 To Do", None, false, feat2, vec![]),
                ]),
            ],
            "features": [
                group("FEAT-3", "Orphan", "🟡 To Do", None, false,
                    counts(0, 1, 0, 0, 1, &[("🟡 To Do", "todo", 1)]), vec![]),
            ],
            "outside_epics": counts(0, 2, 0, 1, 1, &[("🟡 To Do", "todo", 1), ("⏳ Waiting", "custom", 1)]),
        }],
        "overdue": [
            overdue("TASK-9", "Ask the customer", "Task", "⏳ Waiting", "due_date", "2025-04-30", 10),
            overdue("EPIC-1", "Release 1", "Epic", "🔵 In Progress", "target_date", "2025-05-01", 9),
            overdue("TASK-2", "API", "Task", "🔵 In Progress", "due_date", "2025-05-09", 1),
        ],
        "blocked": [
            blocked("TASK-4", "Wire up", "🟡 To Do", &["TASK-2", "TASK-3"], &[]),
            blocked("TASK-5", "Export", "🚧 Blocked", &["FEAT-1"], &[]),
            blocked("TASK-8", "Stray", "todo", &[], &["TASK-404"]),
        ],
    });
    assert_eq!(v, expected, "{v:#}");
}

#[test]
fn progress_of_a_target_counts_only_its_work() {
    let repo = plan();
    // By Epic ID: its Feature, and the bug right under it.
    let v = parse_json(&progress(&repo, &["EPIC-1", "--json"]));
    let e1 = epic1();
    assert_eq!(v["targets"], json!(["EPIC-1"]));
    assert_eq!(v["totals"], e1["counts"], "{v:#}");
    assert_eq!(v["projects"][0]["epics"], json!([e1]));
    assert_eq!(v["projects"][0]["features"], json!([]));
    assert_eq!(
        v["projects"][0]["outside_epics"],
        counts(0, 0, 0, 0, 0, &[])
    );
    assert_eq!(
        v["overdue"],
        json!([
            overdue(
                "EPIC-1",
                "Release 1",
                "Epic",
                "🔵 In Progress",
                "target_date",
                "2025-05-01",
                9
            ),
            overdue(
                "TASK-2",
                "API",
                "Task",
                "🔵 In Progress",
                "due_date",
                "2025-05-09",
                1
            ),
        ])
    );
    assert_eq!(
        v["blocked"],
        json!([blocked(
            "TASK-4",
            "Wire up",
            "🟡 To Do",
            &["TASK-2", "TASK-3"],
            &[]
        )])
    );
    // By milestone title, and by a Feature: the same figures as in the whole plan.
    let v = parse_json(&progress(&repo, &["Phase 2", "--json"]));
    assert_eq!(v["projects"][0]["epics"][0]["id"], "EPIC-2");
    assert_eq!(
        (v["totals"]["done"].clone(), v["totals"]["total"].clone()),
        (json!(1), json!(3))
    );
    let v = parse_json(&progress(&repo, &["FEAT-1", "--json"]));
    assert_eq!(v["projects"][0]["epics"], json!([]));
    assert_eq!(v["projects"][0]["features"], json!([feat1()]));
    assert_eq!(v["totals"], feat1()["counts"]);
    assert_eq!(v["projects"][0]["outside_epics"]["total"], 0);
    // Two targets at once.
    let v = parse_json(&progress(&repo, &["EPIC-1", "FEAT-3", "--json"]));
    assert_eq!(
        (v["totals"]["done"].as_u64(), v["totals"]["total"].as_u64()),
        (Some(2), Some(7))
    );
    assert_eq!(v["projects"][0]["features"][0]["id"], "FEAT-3");
    // Unknown targets are refused, with the milestones in the hint.
    let out = progress(&repo, &["Release 9"]);
    assert_exit(&out, 2, "unknown target");
    let err = stderr(&out);
    assert!(
        err.contains("no Epic, Feature or milestone `Release 9`"),
        "{err}"
    );
    assert!(err.contains("Phase 2"), "{err}");
}

#[test]
fn progress_text_has_bars_figures_overdue_and_blocked() {
    let repo = plan();
    let head = repo.git(&["rev-parse", "--short=7", "HEAD"]);
    let out = progress(&repo, &[]);
    assert_exit(&out, 0, "progress");
    let text = stdout(&out);
    let expected = format!(
        "\
Progress on 2025-05-10 (plan at HEAD ({head}))

demo                [###-----------]     3/11  27%  2 overdue · 3 blocked
  EPIC-1 Release 1  [####----------]      2/6  33%  1 overdue · 1 blocked · target 2025-05-01 passed
    FEAT-1 Core     [#####---------]      2/5  40%  1 overdue · 1 blocked
  EPIC-2 Later      [####----------]      1/3  33%  1 blocked · target 2025-12-31
    FEAT-2 More     [####----------]      1/3  33%  1 blocked
  FEAT-3 Orphan     [--------------]      0/1   0%  1 blocked
  (no Epic)         [--------------]      0/2   0%  1 overdue · 1 blocked
  Backlog 1 · To Do 3 · In Progress 1 · Review 1 · Blocked 1 · Waiting 1 · Done 1 · Completed 1
  Archived 1

Overdue:
  TASK-9  Ask the customer  due_date 2025-04-30 (10 days late, Waiting)
  EPIC-1  Release 1  target_date 2025-05-01 (9 days late, In Progress)
  TASK-2  API  due_date 2025-05-09 (1 day late, In Progress)

Blocked by dependencies:
  TASK-4  Wire up  waits on TASK-2, TASK-3
  TASK-5  Export  waits on FEAT-1
  TASK-8  Stray  depends on unknown TASK-404

Total: 3/11 work items done (27%), 2 overdue, 3 blocked
"
    );
    assert_eq!(text, expected, "\n{text}");
    // Narrower (COLUMNS): every line fits.
    let out = repo.im_env(&["progress"], &[TODAY, ("COLUMNS", "60")]);
    assert_exit(&out, 0, "progress at 60 columns");
    let narrow = stdout(&out);
    assert!(
        narrow.contains("Total: 3/11 work items done (27%)"),
        "the same report: {narrow}"
    );
    assert!(
        narrow.lines().count() >= text.lines().count(),
        "nothing left out: {narrow}"
    );
    for line in narrow.lines() {
        assert!(line.chars().count() <= 60, "{line}");
    }
}

#[test]
fn today_comes_from_the_environment_and_a_bad_one_is_refused() {
    let repo = plan();
    // A month earlier nothing is late.
    let v = repo.im_env(
        &["progress", "--json"],
        &[("INTELLIMANAGE_TODAY", "2025-04-01")],
    );
    let v = parse_json(&v);
    assert_eq!(v["today"], "2025-04-01");
    assert_eq!(v["overdue"], json!([]));
    assert_eq!(v["totals"]["overdue"], 0);
    let out = repo.im_env(&["progress"], &[("INTELLIMANAGE_TODAY", "10/05/2025")]);
    assert_exit(&out, 2, "bad today");
    assert!(
        stderr(&out).contains("INTELLIMANAGE_TODAY"),
        "{}",
        stderr(&out)
    );
    // Without it: the system's date, whatever it is.
    let v = repo.im_json(&["progress", "--json"]);
    assert!(v["today"].as_str().is_some_and(|d| d.len() == 10), "{v:#}");
}

#[test]
fn progress_reads_the_working_tree_or_a_revision() {
    let repo = plan();
    let first = repo.git(&["rev-parse", "HEAD"]);
    repo.edit(&format!("{P}/tasks/TASK-4_x.md"), |t| {
        t.replace("🟡 To Do", "🟢 Done")
    });
    let v = parse_json(&progress(&repo, &["--json"]));
    assert_eq!(v["totals"]["done"], 3, "HEAD: the edit is not committed");
    let v = parse_json(&progress(&repo, &["--worktree", "--json"]));
    assert_eq!(v["totals"]["done"], 4);
    assert_eq!(
        v["totals"]["blocked"], 2,
        "a finished item waits on nothing"
    );
    repo.commit_all("done");
    let v = parse_json(&progress(&repo, &["--rev", &first, "--json"]));
    assert_eq!(v["totals"]["done"], 3);
}

// ----- status --links -----

#[test]
fn status_links_lists_each_link_of_the_sync_record() {
    let repo = demo();
    let out = repo.im(&["status", "--links", "--json"]);
    assert_exit(&out, 0, "no record yet");
    assert_eq!(parse_json(&out), json!([]));
    assert!(stdout(&repo.im(&["status", "--links"])).contains("no links"));

    let emu = github_emulator::Emulator::start();
    emu.add_token("ghp_LinksT0ken", "ada", &["repo"]);
    emu.add_repo("acme", "demo");
    let out = repo.im_github(&emu.url(), "ghp_LinksT0ken", &["sync"]);
    assert_exit(&out, 0, "sync");
    let number_of = |id: &str| -> u64 {
        emu.issues("acme", "demo")
            .iter()
            .find(|i| marker(&i["body"]).as_deref() == Some(id))
            .and_then(|i| i["number"].as_u64())
            .unwrap_or_else(|| panic!("no issue for {id}"))
    };
    let v = repo.im_json(&["status", "--links", "--json"]);
    let links = v.as_array().expect("array");
    let keys: Vec<&str> = links
        .iter()
        .map(|l| l["key"].as_str().expect("key"))
        .collect();
    assert_eq!(
        keys,
        [
            "demo/BUG-001",
            "demo/EPIC-001",
            "demo/TASK-001",
            "demo/TASK-002"
        ],
        "{v:#}"
    );
    let t1 = &links[2];
    let n1 = number_of("TASK-001");
    assert_eq!(t1["project"], "demo");
    assert_eq!(t1["id"], "TASK-001");
    assert_eq!(t1["target"], "issue");
    assert_eq!(t1["tracker"], "github");
    assert_eq!(t1["repo"], "acme/demo");
    assert_eq!(t1["number"], n1);
    assert_eq!(t1["status"], "synced");
    assert_eq!(t1["message"], Value::Null);
    assert_eq!(t1["retired"], false);
    assert!(
        t1["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/acme/demo/issues/{n1}"))),
        "{t1:#}"
    );
    assert!(
        t1["updated_at"].as_str().is_some_and(|s| s.contains('T')),
        "{t1:#}"
    );
    assert_eq!(links[1]["target"], "milestone");

    // An edit GitHub refuses: the link is `failed`, with GitHub's message.
    repo.edit(".ruru/projects/demo/tasks/TASK-002_button.md", |t| {
        t.replace("Submit button", "Submit button, bigger")
    });
    repo.commit_all("edit");
    let n2 = number_of("TASK-002");
    emu.inject(
        github_emulator::Fault::status(422)
            .on("PATCH", &format!("/repos/acme/demo/issues/{n2}"))
            .with_body(r#"{"message":"Validation Failed: title is odd"}"#)
            .times(5),
    );
    let out = repo.im_github(&emu.url(), "ghp_LinksT0ken", &["sync"]);
    assert_exit(&out, 1, "a refused edit");
    let v = repo.im_json(&["status", "--links", "--json"]);
    let t2 = v
        .as_array()
        .expect("array")
        .iter()
        .find(|l| l["id"] == "TASK-002")
        .expect("TASK-002")
        .clone();
    assert_eq!(t2["status"], "failed", "{t2:#}");
    assert!(
        t2["message"]
            .as_str()
            .is_some_and(|m| m.contains("Validation Failed")),
        "{t2:#}"
    );
    let text = repo.im_ok(&["status", "--links"]);
    let line = text
        .lines()
        .find(|l| l.contains("TASK-002"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(&format!("acme/demo#{n2}")), "{line}");
    assert!(line.contains("failed"), "{line}");
    assert!(text.contains("Validation Failed"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("TASK-001"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("synced"), "{line}");
    assert!(line.contains(&format!("/acme/demo/issues/{n1}")), "{line}");
}
