//! Problems in a plan: how `validate`, `list`, `show` and `status` report broken files,
//! driven through the real binary against real repositories.

use crate::support::*;

/// One project with one broken file per kind of problem, plus good files that must still work.
fn broken_repo() -> TestRepo {
    let repo = demo();
    let p = ".ruru/projects/demo/tasks";
    repo.write(
        &format!("{p}/TASK-101_bad-toml.md"),
        "+++\nid = \"TASK-101\"\ntitle = \"unterminated\nstatus = \"🟡 To Do\"\n+++\n",
    );
    repo.write(
        &format!("{p}/TASK-102_no-frontmatter.md"),
        "# Just markdown\n",
    );
    repo.write(
        &format!("{p}/TASK-103_missing-keys.md"),
        "+++\nid = \"TASK-103\"\ntitle = \"Missing keys\"\ntype = \"🛠️ Task\"\n+++\n",
    );
    repo.write(
        &format!("{p}/TASK-104_bad-date.md"),
        &artifact(
            "TASK-104",
            TASK,
            "Bad date",
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\ndue_date = \"2025-02-30\"\n",
            "",
        ),
    );
    repo.write(
        &format!("{p}/TASK-105_bad-enums.md"),
        &artifact(
            "TASK-105",
            "🛸 Saucer",
            "Bad enums",
            "🟤 Pondering",
            "feature_id = \"FEAT-001\"\npriority = \"🌶️ Spicy\"\n",
            "",
        ),
    );
    repo.write(
        &format!("{p}/TASK-001_duplicate.md"),
        &artifact(
            "TASK-001",
            TASK,
            "Duplicate",
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\n",
            "",
        ),
    );
    repo.write(
        &format!("{p}/TASK-106_orphan.md"),
        &artifact(
            "TASK-106",
            TASK,
            "Orphan",
            "🟡 To Do",
            "feature_id = \"FEAT-404\"\ndepends_on = [\"TASK-404\"]\n",
            "",
        ),
    );
    repo.write(
        ".ruru/projects/broken/project_config.toml",
        "project_name = \"broken\"\nmethodology = \"Waterfall\"\n\n[github_integration]\nenable_sync = \"yes\"\n",
    );
    repo.commit_all("broken files");
    repo
}

#[test]
fn validate_lists_every_problem_with_file_and_line() {
    let repo = broken_repo();
    let out = repo.im(&["validate"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let t = ".ruru/projects/demo/tasks";
    let expect = [
        format!("{t}/TASK-101_bad-toml.md:3:"),
        format!("{t}/TASK-102_no-frontmatter.md"),
        format!("{t}/TASK-103_missing-keys.md"),
        format!("{t}/TASK-104_bad-date.md:10:"),
        format!("{t}/TASK-105_bad-enums.md:5:"),
        format!("{t}/TASK-105_bad-enums.md:4:"),
        format!("{t}/TASK-105_bad-enums.md:10:"),
        format!("{t}/TASK-001_duplicate.md"),
        format!("{t}/TASK-106_orphan.md:9:"),
        format!("{t}/TASK-106_orphan.md:10:"),
        ".ruru/projects/broken/project_config.toml:2:".to_string(),
        ".ruru/projects/broken/project_config.toml:5:".to_string(),
    ];
    for e in &expect {
        assert!(text.contains(e.as_str()), "missing `{e}` in:\n{text}");
    }
    for key in ["status", "created_date", "updated_date", "project_name"] {
        assert!(
            text.contains(key),
            "missing key {key} not reported:\n{text}"
        );
    }
    assert!(text.contains("Waterfall"), "{text}");
    assert!(
        text.contains("TASK-404") && text.contains("FEAT-404"),
        "{text}"
    );
    assert!(text.contains("hint:"), "problems come with hints:\n{text}");

    let report = {
        let out = repo.im(&["validate", "--json"]);
        assert_eq!(out.status.code(), Some(1));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")
    };
    let problems = report["problems"].as_array().expect("problems");
    assert!(
        report["errors"].as_u64().expect("errors") >= 11,
        "{report:#}"
    );
    assert_eq!(
        report["errors"].as_u64().expect("errors") + report["warnings"].as_u64().expect("warnings"),
        problems.len() as u64
    );
    for p in problems {
        assert!(
            p["path"]
                .as_str()
                .expect("path")
                .starts_with(".ruru/projects/")
        );
        assert!(p["severity"] == "error" || p["severity"] == "warning");
        assert!(!p["message"].as_str().expect("message").is_empty());
    }
}

#[test]
fn one_bad_file_never_stops_the_others() {
    let repo = broken_repo();
    let out = repo.im(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let listed = ids(&v);
    for id in [
        "EPIC-001", "FEAT-001", "TASK-002", "BUG-001", "TASK-103", "TASK-106",
    ] {
        assert!(
            listed.contains(&id.to_string()),
            "{id} missing from {listed:?}"
        );
    }
    assert!(!listed.contains(&"TASK-101".to_string()));
    let err = stderr(&out);
    assert!(
        err.contains("warning:") && err.contains("TASK-101_bad-toml.md:3"),
        "{err}"
    );
    assert!(err.contains("validate"), "points at validate: {err}");
}

/// The demo plan plus project `other`, whose config (sync enabled) has a TOML error on line 4.
fn unreadable_config_repo() -> TestRepo {
    let repo = demo();
    let p = ".ruru/projects/other";
    repo.write(
        &format!("{p}/project_config.toml"),
        "project_name = \"other\"\ncustom_statuses = [\"⏳ Waiting\"]\n[github_integration]\nrepo_owner = \"acme\nrepo_name = \"other\"\nenable_sync = true\n",
    );
    repo.write(
        &format!("{p}/tasks/OTH-1_wait.md"),
        &artifact("OTH-1", TASK, "Wait", "⏳ Waiting", "", ""),
    );
    repo.commit_all("other project");
    repo
}

#[test]
fn an_unreadable_config_is_reported_once_and_status_says_so() {
    let repo = unreadable_config_repo();
    let out = repo.im(&["validate", "--json"]);
    assert_exit(&out, 1, "validate");
    let report = parse_json(&out);
    let about_other: Vec<&serde_json::Value> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["path"].as_str().is_some_and(|s| s.contains("/other/")))
        .collect();
    // One problem: the TOML error itself, with its line and a hint. Neither "no
    // project_config.toml" nor the custom status the unreadable file declares.
    assert_eq!(about_other.len(), 2, "{report:#}");
    let config_problem = about_other
        .iter()
        .find(|p| p["path"] == ".ruru/projects/other/project_config.toml")
        .expect("the config's problem");
    assert_eq!(config_problem["line"], 4, "{report:#}");
    assert!(config_problem["hint"].is_string());
    assert!(
        config_problem["message"]
            .as_str()
            .is_some_and(|m| m.contains("malformed TOML")),
        "{report:#}"
    );
    // The other one is the artifact's own: it names no Feature (a per-file warning).
    let own = about_other
        .iter()
        .find(|p| p["path"] != ".ruru/projects/other/project_config.toml")
        .expect("the artifact's warning");
    assert_eq!(own["severity"], "warning", "{report:#}");
    assert!(
        report["projects"]
            .as_array()
            .expect("projects")
            .contains(&"other".into())
    );
    let text = stdout(&repo.im(&["validate"]));
    assert!(!text.contains("no project_config.toml"), "{text}");

    let status = repo.im_ok(&["status"]);
    let line = status
        .lines()
        .find(|l| l.starts_with("other"))
        .unwrap_or_else(|| panic!("no line for `other`:\n{status}"));
    assert!(line.contains("config unreadable"), "{line}");
    assert!(!line.contains("sync disabled"), "{line}");
    let demo_line = status
        .lines()
        .find(|l| l.starts_with("demo"))
        .expect("demo");
    assert!(demo_line.contains("syncs with acme/demo"), "{demo_line}");
    let json = repo.im_json(&["status", "--json"]);
    let other = json["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["project"] == "other")
        .expect("other in status --json");
    assert_eq!(other["config_unreadable"], true);
    assert_eq!(other["sync_enabled"], false);
}

#[test]
fn show_names_the_unreadable_file_of_an_id() {
    let repo = demo();
    let t = ".ruru/projects/demo/tasks";
    repo.write(
        &format!("{t}/TASK-11_login.md"),
        "+++\nid = \"TASK-11\"\ntitle = \"unterminated\nstatus = \"🟡 To Do\"\n+++\n",
    );
    // Named otherwise, but its `id` line says whose it is.
    repo.write(
        &format!("{t}/notes-on-signup.md"),
        "+++\ntitle = \"x\"\nid = \"TASK-12\"\ntags = [\n+++\n",
    );
    // A prefix of the ID is not the ID.
    repo.write(&format!("{t}/TASK-1_other.md"), "no frontmatter\n");
    repo.commit_all("broken");
    for extra in [&[][..], &["--worktree"][..]] {
        let args: Vec<&str> = ["show", "task-11"].iter().chain(extra).copied().collect();
        let out = repo.im(&args);
        assert_exit(&out, 3, "show of an unreadable artifact");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{t}/TASK-11_login.md:3: malformed TOML")),
            "{err}"
        );
        assert!(err.contains("hint: fix the TOML syntax"), "{err}");
        assert!(!err.contains("no artifact with ID"), "{err}");
        assert!(!err.contains("TASK-1_other.md"), "{err}");
    }
    let err = stderr(&repo.im(&["show", "TASK-12"]));
    assert!(err.contains(&format!("{t}/notes-on-signup.md:")), "{err}");
    // Another project's file is not looked at with --project.
    let out = repo.im(&["show", "TASK-11", "--project", "elsewhere"]);
    assert_exit(&out, 3, "show in another project");
    assert!(stderr(&out).contains("no artifact with ID `TASK-11` in project `elsewhere`"));
}

#[test]
fn show_of_a_missing_id_suggests_worktree_only_when_not_given() {
    let repo = demo();
    let out = repo.im(&["show", "TASK-999"]);
    assert_exit(&out, 3, "show of a missing ID");
    let err = stderr(&out);
    assert!(err.contains("no artifact with ID `TASK-999`"), "{err}");
    assert!(err.contains("--worktree"), "{err}");
    let out = repo.im(&["show", "TASK-999", "--worktree"]);
    assert_exit(&out, 3, "show --worktree of a missing ID");
    let err = stderr(&out);
    assert!(err.contains("the working tree"), "{err}");
    assert!(!err.contains("--worktree"), "{err}");
}

#[test]
fn show_of_a_duplicated_id_names_the_files() {
    let repo = demo();
    let copy = ".ruru/projects/demo/tasks/TASK-001_copy.md";
    repo.write(
        copy,
        &artifact(
            "TASK-001",
            TASK,
            "Copy",
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\n",
            "",
        ),
    );
    repo.commit_all("duplicate");
    let out = repo.im(&["show", "TASK-001"]);
    assert_exit(&out, 3, "show of a duplicated ID");
    let err = stderr(&out);
    assert!(
        err.contains(".ruru/projects/demo/tasks/TASK-001_validate-email.md") && err.contains(copy),
        "{err}"
    );
    assert!(
        !err.contains("--project"),
        "--project can't tell them apart: {err}"
    );
    assert!(err.contains("new, unused ID"), "{err}");

    // The same ID in two projects: --project settles it.
    let repo = demo();
    repo.write(
        ".ruru/projects/web/project_config.toml",
        &project_config("web", ""),
    );
    repo.write(
        ".ruru/projects/web/tasks/TASK-001_web.md",
        &artifact("TASK-001", TASK, "Web one", "🟡 To Do", "", ""),
    );
    repo.commit_all("second project");
    let err = stderr(&repo.im(&["show", "TASK-001"]));
    assert!(err.contains("--project"), "{err}");
    assert!(err.contains("TASK-001_web.md (project web)"), "{err}");
    let shown = repo.im_json(&["show", "TASK-001", "--project", "web", "--json"]);
    assert_eq!(shown["title"], "Web one");
}

#[test]
fn references_to_missing_artifacts_are_errors_and_ids_are_per_project() {
    let repo = demo();
    // A second project reusing the demo's IDs: fine, each project is its own.
    let w = ".ruru/projects/web";
    repo.write(
        &format!("{w}/project_config.toml"),
        &project_config("web", ""),
    );
    repo.write(
        &format!("{w}/epics/EPIC-001_web.md"),
        &artifact("EPIC-001", EPIC, "Web epic", "🟡 To Do", "", ""),
    );
    repo.write(
        &format!("{w}/features/FEAT-001_web.md"),
        &artifact(
            "FEAT-001",
            FEATURE,
            "Web feature",
            "🟡 To Do",
            "epic_id = \"EPIC-001\"\n",
            "",
        ),
    );
    repo.write(
        &format!("{w}/tasks/TASK-001_web.md"),
        &artifact(
            "TASK-001",
            TASK,
            "Web task",
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\ndepends_on = [\"BUG-001\"]\n",
            "",
        ),
    );
    repo.commit_all("web reuses the IDs");
    let out = repo.im(&["validate", "--json"]);
    assert_exit(&out, 0, "the same IDs in two projects");
    let report = parse_json(&out);
    assert_eq!(report["errors"], 0, "{report:#}");

    // A Feature that does not exist fails validation, like a missing Epic or dependency.
    repo.write(
        &format!("{w}/tasks/TASK-002_orphan.md"),
        &artifact(
            "TASK-002",
            TASK,
            "Orphan",
            "🟡 To Do",
            "feature_id = \"FEAT-404\"\n",
            "",
        ),
    );
    // A parent of another project is not this project's parent.
    repo.write(
        &format!("{w}/tasks/TASK-003_astray.md"),
        &artifact(
            "TASK-003",
            TASK,
            "Astray",
            "🟡 To Do",
            "feature_id = \"FEAT-002\"\n",
            "",
        ),
    );
    repo.write(
        ".ruru/projects/demo/features/FEAT-002_demo-only.md",
        &artifact(
            "FEAT-002",
            FEATURE,
            "Demo only",
            "🟡 To Do",
            "epic_id = \"EPIC-001\"\n",
            "",
        ),
    );
    repo.commit_all("dangling parents");
    let out = repo.im(&["validate"]);
    assert_exit(&out, 1, "a missing Feature is an error");
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "{w}/tasks/TASK-002_orphan.md:9: error: `feature_id` names FEAT-404"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{w}/tasks/TASK-003_astray.md:9: error: `feature_id` names FEAT-002, which is not in project `web` but in project `demo`")),
        "{text}"
    );
    assert!(text.contains(": 2 errors, 0 warnings"), "{text}");
}

#[test]
fn problems_print_their_severity_once_and_counts_agree() {
    let repo = TestRepo::new();
    let p = ".ruru/projects/solo";
    repo.write(
        &format!("{p}/project_config.toml"),
        &project_config("solo", ""),
    );
    // One work item without a Feature: one warning.
    repo.write(
        &format!("{p}/tasks/TASK-1_alone.md"),
        &artifact("TASK-1", TASK, "Alone", "🟡 To Do", "", ""),
    );
    repo.commit_all("one artifact");
    let out = repo.im(&["validate"]);
    assert_exit(&out, 0, "a warning only");
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "{p}/tasks/TASK-1_alone.md:5: warning: this Task names no Feature"
        )),
        "{text}"
    );
    assert!(
        text.contains("1 artifact in 1 project checked (HEAD (")
            && text.ends_with("): 0 errors, 1 warning\n"),
        "{text}"
    );
    // show prints the file's own problem as it is, not as `warning: …: warning: …`.
    let out = repo.im(&["show", "TASK-1"]);
    assert_exit(&out, 0, "show");
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("{p}/tasks/TASK-1_alone.md:5: warning: ")),
        "{err}"
    );
    assert_eq!(err.matches("warning").count(), 1, "{err}");

    // Errors that list skips: printed once each, with their own severity.
    repo.write(
        &format!("{p}/tasks/TASK-2_bad.md"),
        "+++\nid = \"TASK-2\n+++\n",
    );
    repo.commit_all("broken");
    let out = repo.im(&["list"]);
    assert_exit(&out, 0, "list");
    let err = stderr(&out);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("{p}/tasks/TASK-2_bad.md:2: error: ")),
        "{err}"
    );
    assert!(!err.contains("warning: .ruru"), "{err}");
    let text = stdout(&repo.im(&["validate"]));
    assert!(text.ends_with("): 1 error, 1 warning\n"), "{text}");
}

#[test]
fn a_variation_selector_alone_is_no_change_in_diff() {
    let repo = demo();
    let path = ".ruru/projects/demo/tasks/TASK-001_validate-email.md";
    let text = repo.read(path);
    assert!(text.contains("status = \"🟡 To Do\""));
    // Only U+FE0F added after the emoji of the status, type and priority.
    let vs16 = text
        .replace("🟡 To Do", "🟡\u{fe0f} To Do")
        .replace("🛠️ Task", "🛠 Task")
        .replace("🔼 High", "🔼\u{fe0f} High");
    assert_ne!(vs16, text);
    repo.write(path, &vs16);
    repo.commit_all("variation selectors");
    let v = repo.im_json(&["diff", "--base", "HEAD~1", "--json"]);
    assert_eq!(v["summary"]["modified"], 0, "{v:#}");
    // With a real edit too, only that field changes.
    repo.write(
        path,
        &vs16.replace("Validate e-mail", "Validate the e-mail"),
    );
    repo.commit_all("retitle");
    let v = repo.im_json(&["diff", "--base", "HEAD~2", "--json"]);
    assert_eq!(v["summary"]["modified"], 1, "{v:#}");
    let keys: Vec<&str> = v["artifacts"][0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, ["title"], "{v:#}");
    let text = repo.im_ok(&["diff", "--base", "HEAD~2"]);
    assert!(!text.contains("To Do"), "{text}");
}

// ----- One root cause, one error -----
//
// A file that can't be read, or an ID two files of a project use, is said once, at the
// file that is broken: the artifacts that refer to that ID are not "missing" it.

/// The demo plan plus `TASK-010`, whose file (`broken`) can't be read, and TASK-011..013,
/// which depend on it. Committed.
fn dependents_of(broken: &str) -> TestRepo {
    let repo = demo();
    let t = ".ruru/projects/demo/tasks";
    repo.write(&format!("{t}/TASK-010_broken.md"), broken);
    for n in 11..=13 {
        repo.write(
            &format!("{t}/TASK-0{n}_dependent.md"),
            &artifact(
                &format!("TASK-0{n}"),
                TASK,
                "Dependent",
                "🟡 To Do",
                "feature_id = \"FEAT-001\"\ndepends_on = [\"TASK-010\"]\n",
                "",
            ),
        );
    }
    repo.commit_all("three tasks depend on a broken one");
    repo
}

/// The problems of `validate --json`, after checking it exits `code`.
fn validate_problems(repo: &TestRepo, code: i32) -> Vec<serde_json::Value> {
    let out = repo.im(&["validate", "--json"]);
    assert_exit(&out, code, "validate --json");
    let report = parse_json(&out);
    let problems = report["problems"].as_array().expect("problems").clone();
    assert_eq!(
        report["errors"].as_u64().expect("errors") + report["warnings"].as_u64().expect("warnings"),
        problems.len() as u64,
        "{report:#}"
    );
    problems
}

/// The lines of `validate`'s text output that report an error.
fn error_lines(repo: &TestRepo) -> Vec<String> {
    let out = repo.im(&["validate"]);
    assert_exit(&out, 1, "validate");
    stdout(&out)
        .lines()
        .filter(|l| l.contains("error:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_malformed_file_that_others_depend_on_is_one_error_not_a_cascade() {
    let repo = dependents_of(
        "+++\nid = \"TASK-010\"\ntitle = \"unterminated\nstatus = \"🟡 To Do\"\n+++\n",
    );
    let broken = ".ruru/projects/demo/tasks/TASK-010_broken.md";
    let problems = validate_problems(&repo, 1);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = &problems[0];
    assert_eq!(p["severity"], "error", "{p:#}");
    assert_eq!(p["path"], broken, "{p:#}");
    assert_eq!(p["line"], 3, "{p:#}");
    assert!(
        p["message"]
            .as_str()
            .is_some_and(|m| m.contains("malformed TOML")),
        "{p:#}"
    );
    let lines = error_lines(&repo);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with(&format!("{broken}:3: error: ")),
        "{lines:#?}"
    );

    // The other commands say it once too, and never that TASK-010 does not exist.
    for args in [
        &["list"][..],
        &["show", "TASK-011"][..],
        &["status"][..],
        &["diff", "--base", "HEAD~1"][..],
    ] {
        let out = repo.im(args);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("does not exist"), "{args:?}:\n{all}");
        assert!(all.matches(": error:").count() <= 1, "{args:?}:\n{all}");
    }
}

#[test]
fn a_file_without_frontmatter_or_id_is_one_error_for_its_dependents_and_children() {
    for broken in [
        "# Just markdown, no frontmatter\n",
        "+++\ntitle = \"No ID\"\nstatus = \"🟡 To Do\"\n+++\n",
    ] {
        let repo = dependents_of(broken);
        // A Feature that can't be read, and a task under it; an Epic that can't be read
        // (its ID only in its `id` line), and a Feature under it.
        repo.write(
            ".ruru/projects/demo/features/FEAT-009_broken.md",
            "+++\nid = \"FEAT-009\"\nepic_id = [\n+++\n",
        );
        repo.write(
            ".ruru/projects/demo/tasks/TASK-014_child.md",
            &artifact(
                "TASK-014",
                TASK,
                "Child",
                "🟡 To Do",
                "feature_id = \"FEAT-009\"\n",
                "",
            ),
        );
        repo.write(
            ".ruru/projects/demo/epics/notes.md",
            "+++\nid = \"EPIC-009\"\ntitle = 1 2\n+++\n",
        );
        repo.write(
            ".ruru/projects/demo/features/FEAT-010_child.md",
            &artifact(
                "FEAT-010",
                FEATURE,
                "Child",
                "🟡 To Do",
                "epic_id = \"EPIC-009\"\n",
                "",
            ),
        );
        repo.commit_all("broken parents");
        let problems = validate_problems(&repo, 1);
        let paths: Vec<&str> = problems
            .iter()
            .map(|p| p["path"].as_str().expect("path"))
            .collect();
        assert_eq!(
            paths,
            [
                ".ruru/projects/demo/epics/notes.md",
                ".ruru/projects/demo/features/FEAT-009_broken.md",
                ".ruru/projects/demo/tasks/TASK-010_broken.md",
            ],
            "{problems:#?}"
        );
        assert!(problems.iter().all(|p| p["severity"] == "error"));
        assert_eq!(error_lines(&repo).len(), 3);
    }
}

#[test]
fn a_duplicated_id_with_dependents_is_one_error_naming_both_files() {
    let repo = dependents_of(&artifact(
        "TASK-010",
        TASK,
        "One",
        "🟡 To Do",
        "feature_id = \"FEAT-001\"\n",
        "",
    ));
    let t = ".ruru/projects/demo/tasks";
    repo.write(
        &format!("{t}/TASK-010_copy.md"),
        &artifact(
            "TASK-010",
            TASK,
            "Copy",
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\n",
            "",
        ),
    );
    // A Feature's ID used by a Task too, whose file comes first: the artifacts under the
    // Feature are not told that FEAT-001 is a Task.
    repo.write(
        ".ruru/projects/demo/archive/tasks/FEAT-001_not-a-feature.md",
        &artifact("FEAT-001", TASK, "Not a feature", "🟡 To Do", "", ""),
    );
    repo.commit_all("duplicates");
    let problems = validate_problems(&repo, 1);
    let dups: Vec<&serde_json::Value> = problems
        .iter()
        .filter(|p| {
            p["message"]
                .as_str()
                .is_some_and(|m| m.contains("duplicate ID TASK-010"))
        })
        .collect();
    assert_eq!(dups.len(), 1, "{problems:#?}");
    let named = format!("{} {}", dups[0]["path"], dups[0]["message"]);
    for file in ["TASK-010_broken.md", "TASK-010_copy.md"] {
        assert!(named.contains(&format!("{t}/{file}")), "{named}");
    }
    assert!(dups[0]["line"].is_u64(), "{problems:#?}");
    let feat_dups = problems
        .iter()
        .filter(|p| {
            p["message"]
                .as_str()
                .is_some_and(|m| m.contains("duplicate ID FEAT-001"))
        })
        .count();
    assert_eq!(feat_dups, 1, "{problems:#?}");
    // Nothing else: no "does not exist", no "is a Task, not a Feature" for FEAT-001's
    // children. (The Task named FEAT-001 names no Feature: its own warning.)
    let others: Vec<&serde_json::Value> = problems
        .iter()
        .filter(|p| {
            p["message"]
                .as_str()
                .is_some_and(|m| !m.contains("duplicate ID") && !m.contains("names no Feature"))
        })
        .collect();
    assert!(others.is_empty(), "{others:#?}");
    let lines = error_lines(&repo);
    assert_eq!(lines.len(), 2, "{lines:#?}");
}

#[test]
fn a_reference_to_an_id_that_does_not_exist_is_still_an_error() {
    // TASK-010 is broken; TASK-011..013 depend on it; TASK-015 depends on TASK-404, which
    // no file has, and names FEAT-404 as its Feature.
    let repo = dependents_of("+++\nid = \"TASK-010\"\ntags = [\n+++\n");
    let t = ".ruru/projects/demo/tasks";
    repo.write(
        &format!("{t}/TASK-015_dangling.md"),
        &artifact(
            "TASK-015",
            TASK,
            "Dangling",
            "🟡 To Do",
            "feature_id = \"FEAT-404\"\ndepends_on = [\"TASK-010\", \"TASK-404\"]\n",
            "",
        ),
    );
    repo.commit_all("dangling references");
    let problems = validate_problems(&repo, 1);
    let got: Vec<(String, u64, String)> = problems
        .iter()
        .map(|p| {
            (
                p["path"].as_str().expect("path").to_string(),
                p["line"].as_u64().unwrap_or_default(),
                p["message"].as_str().expect("message").to_string(),
            )
        })
        .collect();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert_eq!(got[0].0, format!("{t}/TASK-010_broken.md"), "{got:#?}");
    let dangling = format!("{t}/TASK-015_dangling.md");
    assert_eq!(
        (got[1].0.as_str(), got[1].1, got[1].2.as_str()),
        (
            dangling.as_str(),
            9,
            "`feature_id` names FEAT-404, which does not exist in project `demo`"
        ),
        "{got:#?}"
    );
    assert_eq!(
        (got[2].0.as_str(), got[2].1, got[2].2.as_str()),
        (
            dangling.as_str(),
            10,
            "`depends_on` names TASK-404, which does not exist in project `demo` or any other"
        ),
        "{got:#?}"
    );
    let text = stdout(&repo.im(&["validate"]));
    assert!(
        text.contains(&format!(
            "{dangling}:10: error: `depends_on` names TASK-404, which does not exist in project `demo` or any other\n  hint: check the ID, or remove it from depends_on"
        )),
        "{text}"
    );
    assert!(!text.contains("names TASK-010"), "{text}");
}
