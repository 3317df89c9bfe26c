//! `new`: artifacts created from the command line, byte for byte, with IDs in the
//! project's own scheme; every refusal leaves the working tree as it was.

use std::io::Write as _;
use std::process::Stdio;

use crate::support::*;
use serde_json::json;

const P: &str = ".ruru/projects/web";

fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// An artifact of project `web` with the given extra frontmatter lines.
fn art(id: &str, kind: &str, title: &str, status: &str, extra: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"{title}\"\nstatus = \"{status}\"\ntype = \"{kind}\"\ncreated_date = \"2025-04-01\"\nupdated_date = \"2025-04-02\"\nproject_name = \"web\"\n{extra}+++\n"
    )
}

/// Project `web` with IDs carrying the `IM` infix, a gap (914) and an archived 915.
fn plan() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("web", ""),
    );
    repo.write(
        &format!("{P}/epics/EPIC-IM-001_onboarding.md"),
        &art("EPIC-IM-001", EPIC, "Onboarding", "🟡 To Do", ""),
    );
    repo.write(
        &format!("{P}/features/FEAT-IM-002_signup.md"),
        &art(
            "FEAT-IM-002",
            FEATURE,
            "Signup",
            "🟡 To Do",
            "epic_id = \"EPIC-IM-001\"\n",
        ),
    );
    for (id, status, dir) in [
        ("TASK-IM-007", "🟡 To Do", "tasks"),
        ("TASK-IM-913", "🔵 In Progress", "tasks"),
        ("TASK-IM-915", "🟢 Done", "archive/tasks"),
    ] {
        repo.write(
            &format!("{P}/{dir}/{id}_work.md"),
            &art(id, TASK, "Work", status, "feature_id = \"FEAT-IM-002\"\n"),
        );
    }
    repo.commit_all("plan");
    repo
}

/// `git status` of the plan: empty when nothing was written since the last commit.
fn changes(repo: &TestRepo) -> String {
    repo.git(&["status", "--porcelain", "--untracked-files=all"])
}

fn assert_validates_clean(repo: &TestRepo) {
    repo.commit_all("new artifacts");
    let out = repo.im(&["validate"]);
    assert_exit(&out, 0, "validate");
    let text = stdout(&out);
    assert!(text.contains("0 errors, 0 warnings"), "{text}");
}

#[test]
fn each_type_with_every_flag_is_written_in_template_order() {
    let repo = plan();
    let t = today();
    let head = |id: &str, title: &str, status: &str, kind: &str| {
        format!(
            "+++\nid = \"{id}\"\ntitle = \"{title}\"\nstatus = \"{status}\"\ntype = \"{kind}\"\ncreated_date = \"{t}\"\nupdated_date = \"{t}\"\nproject_name = \"web\"\n"
        )
    };
    let cases: Vec<(Vec<&str>, String, String)> = vec![
        (
            vec![
                "epic",
                "Onboarding flow",
                "--priority",
                "high",
                "--status",
                "in progress",
                "--tag",
                "a",
                "--tag",
                "b",
                "--assign",
                "ada",
                "--due",
                "2025-09-30",
                "--body",
                "Epic body",
            ],
            format!("{P}/epics/EPIC-IM-002_onboarding-flow.md"),
            head(
                "EPIC-IM-002",
                "Onboarding flow",
                "🔵 In Progress",
                "🗺\u{fe0f} Epic",
            ) + "owner = \"ada\"\ntarget_date = \"2025-09-30\"\npriority = \"🔼 High\"\ntags = [\"a\", \"b\"]\n+++\n\nEpic body\n",
        ),
        (
            vec![
                "feature",
                "Dashboard widget",
                "--epic",
                "epic-im-001",
                "--priority",
                "🔽 Low",
                "--status",
                "done",
                "--tag",
                "ui",
                "--assign",
                "bob",
                "--depends-on",
                "FEAT-IM-002",
                "--due",
                "2025-10-01",
                "--body",
                "Feature body\n\n- [ ] one\n",
            ],
            format!("{P}/features/FEAT-IM-003_dashboard-widget.md"),
            head("FEAT-IM-003", "Dashboard widget", "🟢 Done", "🌟 Feature")
                + "epic_id = \"EPIC-IM-001\"\nowner = \"bob\"\ntarget_date = \"2025-10-01\"\npriority = \"🔽 Low\"\ntags = [\"ui\"]\ndepends_on = [\"FEAT-IM-002\"]\n+++\n\nFeature body\n\n- [ ] one\n",
        ),
        (
            vec![
                "task",
                "Fix \"login\" page",
                "--epic",
                "EPIC-IM-001",
                "--feature",
                "FEAT-IM-002",
                "--priority",
                "highest",
                "--status",
                "🔵 In Progress",
                "--tag",
                "auth",
                "--assign",
                "ada",
                "--depends-on",
                "TASK-IM-913",
                "--depends-on",
                "TASK-IM-007",
                "--due",
                "2025-06-30",
                "--body",
                "Task body",
            ],
            format!("{P}/tasks/TASK-IM-916_fix-login-page.md"),
            head(
                "TASK-IM-916",
                "Fix \\\"login\\\" page",
                "🔵 In Progress",
                "🛠\u{fe0f} Task",
            ) + "feature_id = \"FEAT-IM-002\"\nepic_id = \"EPIC-IM-001\"\nassigned_to = \"ada\"\npriority = \"🔥 Highest\"\ndue_date = \"2025-06-30\"\ntags = [\"auth\"]\ndepends_on = [\"TASK-IM-913\", \"TASK-IM-007\"]\n+++\n\nTask body\n",
        ),
    ];
    let mut cases = cases;
    for (word, kind, id) in [
        ("story", "✨ Story", "STORY-IM-001"),
        ("bug", "🐞 Bug", "BUG-IM-001"),
        ("spike", "💡 Spike", "SPIKE-IM-001"),
        ("chore", "🧹 Chore", "CHORE-IM-001"),
    ] {
        cases.push((
            vec![
                word,
                "Small thing",
                "--epic",
                "EPIC-IM-001",
                "--feature",
                "FEAT-IM-002",
                "--priority",
                "medium",
                "--status",
                "blocked",
                "--tag",
                "t1",
                "--assign",
                "cy",
                "--depends-on",
                "TASK-IM-913",
                "--due",
                "2025-07-01",
            ],
            format!("{P}/tasks/{id}_small-thing.md"),
            head(id, "Small thing", "🚧 Blocked", kind)
                + &format!(
                    "feature_id = \"FEAT-IM-002\"\nepic_id = \"EPIC-IM-001\"\nassigned_to = \"cy\"\npriority = \"▶\u{fe0f} Medium\"\ndue_date = \"2025-07-01\"\ntags = [\"t1\"]\ndepends_on = [\"TASK-IM-913\"]\n+++\n\n# {}: Small thing\n",
                    &kind[kind.find(' ').map_or(0, |i| i + 1)..]
                ),
        ));
    }
    for (args, path, text) in &cases {
        let mut full = vec!["new"];
        full.extend(args.iter().copied());
        let out = repo.im_ok(&full);
        assert_eq!(out, format!("{path}\n"), "{args:?}");
        assert_eq!(repo.read(path), *text, "{args:?}");
    }
    // A task without a Feature is written, with the validator's warning.
    let out = repo.im(&["new", "task", "Loose end"]);
    assert_exit(&out, 0, "new task without --feature");
    assert_eq!(
        stdout(&out),
        format!("{P}/tasks/TASK-IM-917_loose-end.md\n")
    );
    assert!(
        stderr(&out).contains("names no Feature"),
        "{}",
        stderr(&out)
    );
    repo.remove(&format!("{P}/tasks/TASK-IM-917_loose-end.md"));
    assert_validates_clean(&repo);
    let listed = repo.im_json(&["list", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(4 + cases.len()));
}

#[test]
fn ids_skip_gaps_archived_and_unreadable_files_and_follow_each_projects_scheme() {
    let repo = plan();
    repo.write(
        &format!("{P}/tasks/TASK-IM-916_broken.md"),
        "+++\nid = \"TASK-IM-916\"\ntitle = \"unclosed\n+++\n",
    );
    repo.write(
        ".ruru/projects/api/project_config.toml",
        &project_config("api", ""),
    );
    repo.write(
        ".ruru/projects/api/tasks/TASK-9_x.md",
        &art("TASK-9", TASK, "X", "🟡 To Do", "feature_id = \"FEAT-1\"\n")
            .replace("\"web\"", "\"api\""),
    );
    // Several projects: --project is needed.
    let out = repo.im(&["new", "task", "Which one"]);
    assert_exit(&out, 2, "several projects");
    let err = stderr(&out);
    assert!(err.contains("several projects here: api, web"), "{err}");
    assert!(
        err.contains("hint: choose one with --project SLUG"),
        "{err}"
    );
    let before = changes(&repo);
    let out = repo.im_ok(&["new", "task", "Next", "--project", "web"]);
    assert_eq!(out, format!("{P}/tasks/TASK-IM-917_next.md\n"));
    let out = repo.im_ok(&["new", "task", "Next", "--project", "web"]);
    assert_eq!(out, format!("{P}/tasks/TASK-IM-918_next.md\n"));
    let out = repo.im_ok(&["-C", ".ruru", "new", "bug", "B", "-p", "api"]);
    assert_eq!(out, ".ruru/projects/api/tasks/BUG-001_b.md\n");
    let out = repo.im_ok(&["new", "task", "T", "-p", "api"]);
    assert_eq!(out, ".ruru/projects/api/tasks/TASK-10_t.md\n");
    let out = repo.im_ok(&["new", "epic", "E", "-p", "api"]);
    assert_eq!(out, ".ruru/projects/api/epics/EPIC-001_e.md\n");
    assert_ne!(changes(&repo), before);
}

#[test]
fn json_is_the_list_item_of_the_new_artifact() {
    let repo = plan();
    let v = repo.im_json(&[
        "new",
        "bug",
        "Crash on save",
        "--feature",
        "FEAT-IM-002",
        "--priority",
        "low",
        "--tag",
        "x",
        "--json",
    ]);
    let path = format!("{P}/tasks/BUG-IM-001_crash-on-save.md");
    assert_eq!(
        v,
        json!({
            "project": "web",
            "id": "BUG-IM-001",
            "title": "Crash on save",
            "type": "🐞 Bug",
            "kind": "Bug",
            "status": "🟡 To Do",
            "priority": "🔽 Low",
            "parent": "FEAT-IM-002",
            "tags": ["x"],
            "archived": false,
            "path": path,
        })
    );
    let listed = repo.im_json(&["list", "--worktree", "--json", "--type", "bug"]);
    assert_eq!(listed, json!([v]));
}

#[test]
fn the_body_can_come_from_stdin() {
    let repo = plan();
    let mut child = repo
        .command(BIN)
        .args([
            "new",
            "spike",
            "Try it",
            "--feature",
            "FEAT-IM-002",
            "--body",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"## Notes\r\n\r\n+++\r\nstill body\r\n")
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_exit(&out, 0, "new --body -");
    let path = format!("{P}/tasks/SPIKE-IM-001_try-it.md");
    assert_eq!(stdout(&out), format!("{path}\n"));
    let text = repo.read(&path);
    assert!(
        text.ends_with("feature_id = \"FEAT-IM-002\"\n+++\n\n## Notes\n\n+++\nstill body\n"),
        "{text}"
    );
    let shown = repo.im_json(&["show", "SPIKE-IM-001", "--worktree", "--json"]);
    assert_eq!(shown["title"], "Try it", "{shown:#}");
    assert_validates_clean(&repo);
}

#[test]
fn every_refusal_is_explained_and_writes_nothing() {
    let repo = plan();
    let cases: &[(&[&str], i32, &str, &str)] = &[
        (
            &["saga", "X"],
            2,
            "error: unknown type `saga`",
            "hint: accepted types: initiative, epic, feature, story, task, bug, spike, chore, docs, test",
        ),
        (
            &["task", "X", "--status", "nope"],
            2,
            "error: unknown status `nope`",
            "hint: accepted statuses (with or without the emoji, any case): ⚪\u{fe0f} Backlog, ⚪\u{fe0f} Planned, 🟡 To Do,",
        ),
        (
            &["task", "X", "--priority", "urgent"],
            2,
            "error: unknown priority `urgent`",
            "🔥 Highest, 🔼 High, ▶\u{fe0f} Medium, 🔽 Low, 🧊 Lowest",
        ),
        (
            &["task", "X", "--due", "2025-02-30"],
            2,
            "error: `2025-02-30` is not a date in the form YYYY-MM-DD (given to --due)",
            "hint: write a real day as YYYY-MM-DD",
        ),
        (
            &["task", "X", "--due", "30/06/2025"],
            2,
            "error: `30/06/2025` is not a date",
            "hint: write a real day",
        ),
        (
            &["task", "X", "--project", "nope"],
            2,
            "error: no project `nope`",
            "hint: projects here: web",
        ),
        (
            &["task", "X", "--feature", "FEAT-IM-999"],
            3,
            "error: no artifact `FEAT-IM-999` in project web (given to --feature)",
            "hint: `git intellimanage list --worktree --archived` lists the project's IDs",
        ),
        (
            &["task", "X", "--feature", "EPIC-IM-001"],
            3,
            "error: `EPIC-IM-001` (given to --feature) is an Epic, not a Feature",
            "hint: `git intellimanage list --worktree --type feature` lists them",
        ),
        (
            &["feature", "X", "--epic", "FEAT-IM-002"],
            3,
            "error: `FEAT-IM-002` (given to --epic) is a Feature, not an Epic",
            "--type epic",
        ),
        (
            &["task", "X", "--depends-on", "TASK-IM-914"],
            3,
            "error: no artifact `TASK-IM-914` in project web (given to --depends-on)",
            "hint:",
        ),
        (
            &["feature", "X"],
            2,
            "error: a Feature must name its Epic",
            "hint: name it with --epic EPIC-ID",
        ),
        (
            &["epic", "X", "--epic", "EPIC-IM-001"],
            2,
            "error: --epic does not apply to an Epic",
            "hint: an Epic has no Epic",
        ),
        (
            &[
                "feature",
                "X",
                "--epic",
                "EPIC-IM-001",
                "--feature",
                "FEAT-IM-002",
            ],
            2,
            "error: --feature does not apply to a Feature",
            "--feature is for work items",
        ),
        (&["task", "  "], 2, "error: the title must not be empty", ""),
        (
            &["task", "two\nlines"],
            2,
            "error: the title must be one line",
            "",
        ),
        (
            &["task", "X", "--tag", ""],
            2,
            "error: a --tag must not be empty",
            "",
        ),
    ];
    for (args, code, message, hint) in cases {
        let mut full = vec!["new"];
        full.extend(args.iter().copied());
        let out = repo.im(&full);
        assert_exit(&out, *code, &format!("{args:?}"));
        let err = stderr(&out);
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(err.contains(hint), "{args:?}: {err}");
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_eq!(changes(&repo), "", "{args:?} wrote something");
    }
    // No plan at all.
    let empty = TestRepo::new();
    let out = empty.im(&["new", "task", "X"]);
    assert_exit(&out, 2, "no plan");
    assert!(stderr(&out).contains("hint: set one up with `git intellimanage init`"));
    assert_eq!(changes(&empty), "");
}

#[test]
fn runs_started_together_get_distinct_consecutive_ids() {
    let repo = plan();
    let children: Vec<std::process::Child> = (1..=8)
        .map(|n| {
            repo.command(BIN)
                .args([
                    "new",
                    "bug",
                    &format!("Parallel {n}"),
                    "--feature",
                    "FEAT-IM-002",
                    "--json",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start git-intellimanage new")
        })
        .collect();
    let mut made: Vec<(String, String)> = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert_exit(&out, 0, "new bug, started with seven others");
        assert_eq!(stderr(&out), "");
        let v = parse_json(&out);
        let id = v["id"].as_str().expect("id").to_string();
        let title = v["title"].as_str().expect("title").to_string();
        let n = title.strip_prefix("Parallel ").expect("the title given");
        assert_eq!(
            v["path"],
            format!("{P}/tasks/{id}_parallel-{n}.md"),
            "{v:#}"
        );
        made.push((id, title));
    }
    let mut got: Vec<String> = made.iter().map(|(id, _)| id.clone()).collect();
    got.sort();
    let expected: Vec<String> = (1..=8).map(|n| format!("BUG-IM-{n:03}")).collect();
    assert_eq!(got, expected, "{made:?}");
    let mut titles: Vec<String> = made.into_iter().map(|(_, t)| t).collect();
    titles.sort();
    assert_eq!(
        titles,
        (1..=8).map(|n| format!("Parallel {n}")).collect::<Vec<_>>()
    );
    let bugs = repo.im_json(&["list", "--worktree", "--json", "--type", "bug"]);
    assert_eq!(ids(&bugs), expected);
    assert_validates_clean(&repo);
}

#[test]
fn new_waits_for_another_new_but_not_for_a_sync() {
    let repo = plan();
    let dir = repo.path().join(".git/intellimanage");
    std::fs::create_dir_all(&dir).expect("lock folder");
    // A sync in progress does not hold `new` up.
    let sync = std::fs::File::create(dir.join("sync.lock")).expect("sync lock");
    sync.lock().expect("take the sync lock");
    let out = repo.im_ok(&["new", "task", "During a sync", "--feature", "FEAT-IM-002"]);
    assert_eq!(out, format!("{P}/tasks/TASK-IM-916_during-a-sync.md\n"));
    drop(sync);
    // Another `new` does: nothing is written until it lets go.
    let other = std::fs::File::create(dir.join("new.lock")).expect("new lock");
    other.lock().expect("take the new lock");
    let child = repo
        .command(BIN)
        .args(["new", "task", "Waited", "--feature", "FEAT-IM-002"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start git-intellimanage new");
    std::thread::sleep(std::time::Duration::from_millis(700));
    let path = format!("{P}/tasks/TASK-IM-917_waited.md");
    assert!(!repo.file(&path).exists(), "written while another new ran");
    other.unlock().expect("release");
    let out = child.wait_with_output().expect("wait");
    assert_exit(&out, 0, "new after the other one");
    assert_eq!(stdout(&out), format!("{path}\n"));
    assert_eq!(stderr(&out), "");
}

#[test]
fn an_id_some_file_of_the_folder_starts_with_is_never_reused() {
    let repo = plan();
    // Files the plan does not read (not `.md`), whose names still hold IDs.
    repo.write(&format!("{P}/tasks/BUG-IM-001_notes.txt"), "notes\n");
    repo.write(
        &format!("{P}/archive/tasks/bug-im-002_old.md.orig"),
        "old\n",
    );
    let out = repo.im_ok(&["new", "bug", "Crash"]);
    assert_eq!(out, format!("{P}/tasks/BUG-IM-003_crash.md\n"));
    let out = repo.im_ok(&["new", "bug", "Crash"]);
    assert_eq!(out, format!("{P}/tasks/BUG-IM-004_crash.md\n"));
}

#[test]
fn a_work_items_feature_and_epic_must_agree() {
    let repo = plan();
    repo.write(
        &format!("{P}/epics/EPIC-IM-003_billing.md"),
        &art("EPIC-IM-003", EPIC, "Billing", "🟡 To Do", ""),
    );
    repo.commit_all("another epic");
    for word in ["task", "bug"] {
        let out = repo.im(&[
            "new",
            word,
            "Mixed up",
            "--epic",
            "epic-im-003",
            "--feature",
            "feat-im-002",
        ]);
        assert_exit(&out, 2, "a Feature of another Epic");
        assert_eq!(
            stderr(&out),
            "error: Feature FEAT-IM-002 (--feature) belongs to Epic EPIC-IM-001, not to EPIC-IM-003 (--epic)\n\
             hint: leave --epic out (a work item's Epic follows from its Feature), or name a Feature of EPIC-IM-003\n"
        );
        assert_eq!(stdout(&out), "");
        assert_eq!(changes(&repo), "", "{word}: wrote something");
    }
    // Only the Feature: it decides the Epic, and nothing more is written.
    let v = repo.im_json(&[
        "new",
        "task",
        "Under the feature",
        "--feature",
        "FEAT-IM-002",
        "--json",
    ]);
    let path = format!("{P}/tasks/TASK-IM-916_under-the-feature.md");
    assert_eq!(v["parent"], "FEAT-IM-002");
    assert_eq!(v["path"], path.as_str());
    let text = repo.read(&path);
    assert!(
        text.contains("\nfeature_id = \"FEAT-IM-002\"\n+++\n"),
        "{text}"
    );
    assert!(!text.contains("epic_id"), "{text}");
    // Both, agreeing: both are written.
    let out = repo.im_ok(&[
        "new",
        "task",
        "Both",
        "--epic",
        "EPIC-IM-001",
        "--feature",
        "FEAT-IM-002",
    ]);
    let path = format!("{P}/tasks/TASK-IM-917_both.md");
    assert_eq!(out, format!("{path}\n"));
    assert!(
        repo.read(&path)
            .contains("\nfeature_id = \"FEAT-IM-002\"\nepic_id = \"EPIC-IM-001\"\n+++\n")
    );
    assert_validates_clean(&repo);
}
