//! `set` and `archive`: frontmatter changed in place with every other byte kept, every
//! refusal leaving the file as it was, `--commit` committing just that file, and a
//! failed write leaving the old file.

use crate::support::*;

const P: &str = ".ruru/projects/web";
const T7: &str = ".ruru/projects/web/tasks/TASK-7_fix-login.md";

fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

fn art(id: &str, kind: &str, extra: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"Work\"\nstatus = \"🟡 To Do\"\ntype = \"{kind}\"\ncreated_date = \"2025-04-01\"\nupdated_date = \"2025-04-02\"\nproject_name = \"web\"\n{extra}+++\n"
    )
}

/// TASK-7, full of comments and commented-out keys.
const COMMENTED: &str = "+++\n# The login task.\nid = \"TASK-7\"   # never changes\ntitle = \"Fix login\"\nstatus = \"🟡 To Do\"  # keep me\ntype = \"🛠️ Task\"\ncreated_date = \"2025-04-01\"\nupdated_date = \"2025-04-02\" # auto\nproject_name = \"web\"\nfeature_id = \"FEAT-2\"\n# priority = \"🔼 High\"\n# due_date = \"YYYY-MM-DD\"\nassigned_to = 'ada'\n\n# Labels:\ntags = [\"a\", \"b\"] # spaced\n+++\n\n# Body\n\nkeep   this *exactly*\n  +++ not a fence\n";

/// Project `web`: EPIC-1, FEAT-2 under it, TASK-7 (commented) and TASK-8 under FEAT-2.
fn plan() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("web", ""),
    );
    repo.write(&format!("{P}/epics/EPIC-1_e.md"), &art("EPIC-1", EPIC, ""));
    repo.write(
        &format!("{P}/features/FEAT-2_f.md"),
        &art("FEAT-2", FEATURE, "epic_id = \"EPIC-1\"\n"),
    );
    repo.write(T7, COMMENTED);
    repo.write(
        &format!("{P}/tasks/TASK-8_other.md"),
        &art("TASK-8", TASK, "feature_id = \"FEAT-2\"\n"),
    );
    repo.commit_all("plan");
    repo
}

fn changes(repo: &TestRepo) -> String {
    repo.git(&["status", "--porcelain", "--untracked-files=all"])
}

/// `COMMENTED` with `updated_date` today and the given line replacements.
fn expected(replacements: &[(&str, &str)]) -> String {
    let mut text = COMMENTED.replace(
        "updated_date = \"2025-04-02\" # auto",
        &format!("updated_date = \"{}\" # auto", today()),
    );
    for (from, to) in replacements {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    text
}

#[test]
fn set_changes_only_the_named_lines() {
    let repo = plan();
    let out = repo.im_ok(&["set", "task-7", "status=done", "priority=high"]);
    assert_eq!(out.trim(), T7);
    let text = repo.read(T7);
    // The status line keeps its comment; priority, absent, goes under its commented-out
    // line; everything else is byte for byte what was there.
    assert_eq!(
        text,
        expected(&[
            (
                "status = \"🟡 To Do\"  # keep me",
                "status = \"🟢 Done\"  # keep me"
            ),
            (
                "# priority = \"🔼 High\"\n",
                "# priority = \"🔼 High\"\npriority = \"🔼 High\"\n"
            ),
        ]),
        "{text}"
    );
}

#[test]
fn set_title_dates_parents_assignee_and_removal() {
    let repo = plan();
    repo.im_ok(&[
        "set",
        "TASK-7",
        "title=Fix \"login\" for good",
        "due_date=2026-01-31",
        "feature_id=feat-2",
        "assigned_to=",
        "status=\"in progress\"",
    ]);
    let text = repo.read(T7);
    assert_eq!(
        text,
        expected(&[
            (
                "title = \"Fix login\"",
                "title = \"Fix \\\"login\\\" for good\""
            ),
            ("status = \"🟡 To Do\"", "status = \"🔵 In Progress\""),
            ("assigned_to = 'ada'\n", ""),
            (
                "# due_date = \"YYYY-MM-DD\"\n",
                "# due_date = \"YYYY-MM-DD\"\ndue_date = \"2026-01-31\"\n"
            ),
        ]),
        "{text}"
    );
}

#[test]
fn tags_and_dependencies_are_added_and_removed() {
    let repo = plan();
    repo.im_ok(&["set", "TASK-7", "tags+=c", "tags+=A", "tags-=a"]);
    let v = repo.im_json(&["set", "TASK-7", "depends_on+=task-8", "--json"]);
    assert_eq!(v["tags"], serde_json::json!(["b", "c"]));
    let text = repo.read(T7);
    assert!(text.contains("tags = [\"b\", \"c\"] # spaced\n"), "{text}");
    assert!(text.contains("depends_on = [\"TASK-8\"]\n"), "{text}");
    repo.im_ok(&["set", "TASK-7", "depends_on-=TASK-8"]);
    assert!(repo.read(T7).contains("depends_on = []\n"));
    assert!(
        repo.read(T7)
            .ends_with("keep   this *exactly*\n  +++ not a fence\n")
    );
}

#[test]
fn refusals_name_what_is_accepted_and_change_nothing() {
    let repo = plan();
    let cases: &[(&[&str], i32, &str, &str)] = &[
        (
            &["set", "TASK-7", "colour=red"],
            2,
            "`colour` cannot be set",
            "keys that can be set: title, status, priority",
        ),
        (
            &["set", "TASK-7", "status=nope"],
            2,
            "unknown status `nope`",
            "🟢 Done",
        ),
        (
            &["set", "TASK-7", "priority=urgent"],
            2,
            "unknown priority `urgent`",
            "🔼 High",
        ),
        (
            &["set", "TASK-7", "due_date=2026-02-30"],
            2,
            "`2026-02-30` is not a date",
            "YYYY-MM-DD",
        ),
        (
            &["set", "TASK-7", "id=TASK-9"],
            2,
            "`id` is managed by the tool",
            "keys that can be set",
        ),
        (
            &["set", "TASK-7", "title="],
            2,
            "`title` is required",
            "give it a value",
        ),
        (
            &["set", "TASK-7", "tags-=zzz"],
            2,
            "`zzz` is not in tags of TASK-7",
            "it holds: a, b",
        ),
        (
            &["set", "TASK-7", "status+=done"],
            2,
            "`status` is not a list",
            "status=VALUE",
        ),
        (
            &["set", "TASK-7", "status"],
            2,
            "not of the form",
            "e.g. status=done",
        ),
        (
            &["set", "TASK-99", "status=done"],
            3,
            "no artifact with ID `TASK-99`",
            "`git intellimanage list` shows the IDs",
        ),
        (
            &["set", "TASK-7", "feature_id=EPIC-1"],
            3,
            "`EPIC-1` (given to feature_id) is an Epic, not a Feature",
            "--type feature",
        ),
        (
            &["set", "TASK-7", "depends_on+=TASK-99"],
            3,
            "no artifact `TASK-99` in project web",
            "lists the project's IDs",
        ),
    ];
    for (args, code, message, hint) in cases {
        let out = repo.im(args);
        assert_exit(&out, *code, &format!("{args:?}"));
        let err = stderr(&out);
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(err.contains(hint), "{args:?}: {err}");
        assert_eq!(changes(&repo), "", "{args:?} changed the tree");
        assert_eq!(repo.read(T7), COMMENTED);
    }
}

#[test]
fn commit_commits_just_that_file_with_a_generated_message() {
    let repo = plan();
    repo.write("unrelated.txt", "stays uncommitted\n");
    repo.im_ok(&["set", "TASK-7", "status=done", "--commit"]);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]),
        "Set status of TASK-7 to 🟢 Done"
    );
    assert_eq!(
        repo.git(&["log", "-1", "--name-status", "--format="]),
        format!("M\t{T7}")
    );
    assert_eq!(changes(&repo), "?? unrelated.txt");
}

#[test]
fn set_json_is_the_list_item() {
    let repo = plan();
    let v = repo.im_json(&["set", "TASK-7", "priority=🔽 low", "--json"]);
    assert_eq!(
        v,
        serde_json::json!({
            "project": "web",
            "id": "TASK-7",
            "title": "Fix login",
            "type": "🛠️ Task",
            "kind": "Task",
            "status": "🟡 To Do",
            "priority": "🔽 Low",
            "parent": "FEAT-2",
            "tags": ["a", "b"],
            "archived": false,
            "path": T7,
        })
    );
}

#[test]
fn archive_moves_the_file_and_validates_clean() {
    let repo = plan();
    let archived = format!("{P}/archive/tasks/TASK-7_fix-login.md");
    let v = repo.im_json(&["archive", "TASK-7", "--commit", "--json"]);
    assert_eq!(v["status"], "🧊 Archived");
    assert_eq!(v["archived"], true);
    assert_eq!(v["path"], archived.as_str());
    assert!(!repo.file(T7).exists());
    assert_eq!(
        repo.read(&archived),
        expected(&[("status = \"🟡 To Do\"", "status = \"🧊 Archived\"")])
    );
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "Archive TASK-7");
    let status = repo.git(&["log", "-1", "-M", "--name-status", "--format="]);
    assert!(status.starts_with('R'), "{status}");
    assert!(status.ends_with(&format!("{T7}\t{archived}")), "{status}");
    assert_eq!(changes(&repo), "");
    let out = repo.im(&["validate"]);
    assert_exit(&out, 0, "validate");
    assert!(
        stdout(&out).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&out)
    );
    // Archiving again is refused.
    let out = repo.im(&["archive", "TASK-7"]);
    assert_exit(&out, 2, "archive again");
    assert!(
        stderr(&out).contains("already archived"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failed_archive_leaves_the_old_file() {
    let repo = plan();
    // A file where the archive folder should be: the new file cannot be created.
    repo.write(&format!("{P}/archive"), "in the way\n");
    let out = repo.im(&["archive", "TASK-7"]);
    assert_exit(&out, 3, "archive");
    assert_eq!(repo.read(T7), COMMENTED);
}

#[test]
fn a_failed_write_leaves_the_old_file() {
    // The write dies half-way: a file-size limit of 0 blocks kills the process at its first
    // byte written (SIGXFSZ), root or not, before anything could be renamed into place.
    let repo = plan();
    let markdown = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(repo.file(&format!("{P}/tasks")))
            .expect("tasks")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        names.sort();
        names
    };
    let before = markdown();
    let script = format!("ulimit -f 0; exec '{BIN}' set TASK-7 status=done");
    let out = repo
        .command("sh")
        .args(["-c", &script])
        .output()
        .expect("run set under a file-size limit");
    assert!(
        !out.status.success(),
        "the write must fail: {}",
        stderr(&out)
    );
    assert_eq!(repo.read(T7), COMMENTED, "the old file is intact");
    assert_eq!(markdown(), before, "no artifact file added or lost");
}

#[test]
fn a_result_that_does_not_parse_back_clean_is_not_written() {
    let repo = plan();
    let broken = COMMENTED.replace("created_date = \"2025-04-01\"", "created_date = \"soon\"");
    repo.write(T7, &broken);
    let out = repo.im(&["set", "TASK-7", "status=done"]);
    assert_exit(&out, 3, "set");
    assert!(
        stderr(&out).contains("would not be valid"),
        "{}",
        stderr(&out)
    );
    assert_eq!(repo.read(T7), broken);
}

/// `plan()` plus INIT-1 and EPIC-3.
fn wider_plan() -> TestRepo {
    let repo = plan();
    repo.write(
        &format!("{P}/initiatives/INIT-1_i.md"),
        &art("INIT-1", "🎯 Initiative", ""),
    );
    repo.write(&format!("{P}/epics/EPIC-3_g.md"), &art("EPIC-3", EPIC, ""));
    repo.commit_all("wider plan");
    repo
}

const E1: &str = ".ruru/projects/web/epics/EPIC-1_e.md";
const F2: &str = ".ruru/projects/web/features/FEAT-2_f.md";
const I1: &str = ".ruru/projects/web/initiatives/INIT-1_i.md";
const T8: &str = ".ruru/projects/web/tasks/TASK-8_other.md";

#[test]
fn the_templates_other_keys_can_be_set() {
    let repo = wider_plan();
    let t = today();
    // (ID, arguments, file, the lines that end its frontmatter afterwards)
    let cases: &[(&str, &[&str], &str, &str)] = &[
        (
            "EPIC-1",
            &["initiative_id=init-1"],
            E1,
            "initiative_id = \"INIT-1\"\n",
        ),
        (
            "EPIC-1",
            &["milestone_name=Release 1.0"],
            E1,
            "initiative_id = \"INIT-1\"\nmilestone_name = \"Release 1.0\"\n",
        ),
        (
            "FEAT-2",
            &["milestone_target_date=2026-03-31"],
            F2,
            "epic_id = \"EPIC-1\"\nmilestone_target_date = \"2026-03-31\"\n",
        ),
        (
            "FEAT-2",
            &["related_milestone=acme/web#milestone/3"],
            F2,
            "milestone_target_date = \"2026-03-31\"\nrelated_milestone = \"acme/web#milestone/3\"\n",
        ),
        (
            "TASK-8",
            &["estimated_effort=M"],
            T8,
            "feature_id = \"FEAT-2\"\nestimated_effort = \"M\"\n",
        ),
        (
            "TASK-8",
            &["related_issues+=acme/web#12", "related_issues+=acme/web#13"],
            T8,
            "related_issues = [\"acme/web#12\", \"acme/web#13\"]\n",
        ),
        (
            "TASK-8",
            &["related_issues-=acme/web#12"],
            T8,
            "related_issues = [\"acme/web#13\"]\n",
        ),
        (
            "TASK-8",
            &["related_prs+=acme/web#40"],
            T8,
            "related_issues = [\"acme/web#13\"]\nrelated_prs = [\"acme/web#40\"]\n",
        ),
        (
            "TASK-8",
            &["related_commits+=ABC1234", "related_commits+=deadbeef00"],
            T8,
            "related_prs = [\"acme/web#40\"]\nrelated_commits = [\"abc1234\", \"deadbeef00\"]\n",
        ),
        (
            "TASK-8",
            &["related_commits-=abc1234"],
            T8,
            "related_commits = [\"deadbeef00\"]\n",
        ),
        (
            "INIT-1",
            &["kpis+=churn below 2%", "kpis+=NPS over 40"],
            I1,
            "kpis = [\"churn below 2%\", \"NPS over 40\"]\n",
        ),
        (
            "INIT-1",
            &["kpis-=nps over 40"],
            I1,
            "kpis = [\"churn below 2%\"]\n",
        ),
    ];
    for (id, changes, file, tail) in cases {
        let mut args = vec!["set", id];
        args.extend(changes.iter().copied());
        let out = repo.im(&args);
        assert_exit(&out, 0, &format!("{args:?}"));
        assert_eq!(stdout(&out), format!("{file}\n"), "{args:?}");
        assert_eq!(stderr(&out), "", "{args:?}");
        let text = repo.read(file);
        assert!(text.ends_with(&format!("{tail}+++\n")), "{args:?}:\n{text}");
        assert!(
            text.contains(&format!("updated_date = \"{t}\"\n")),
            "{args:?}:\n{text}"
        );
    }
    // Removing them again.
    repo.im_ok(&["set", "TASK-8", "estimated_effort=", "related_prs="]);
    let text = repo.read(T8);
    assert!(!text.contains("estimated_effort"), "{text}");
    assert!(!text.contains("related_prs"), "{text}");
    let v = repo.im_json(&["set", "EPIC-1", "milestone_name=", "--json"]);
    assert_eq!(v["parent"], "INIT-1", "{v:#}");
    assert_eq!(v["path"], E1);
    assert!(!repo.read(E1).contains("milestone_name"));
    repo.commit_all("set");
    let out = repo.im(&["validate"]);
    assert_exit(&out, 0, "validate");
    assert!(
        stdout(&out).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_templates_other_keys_are_refused_when_wrong() {
    let repo = wider_plan();
    let before: Vec<(&str, String)> = [E1, F2, I1, T8]
        .iter()
        .map(|f| (*f, repo.read(f)))
        .collect();
    let cases: &[(&[&str], i32, &str, &str)] = &[
        (
            &["set", "EPIC-1", "initiative_id=EPIC-3"],
            3,
            "error: `EPIC-3` (given to initiative_id) is an Epic, not an Initiative",
            "hint: `git intellimanage list --worktree --type initiative` lists them",
        ),
        (
            &["set", "EPIC-1", "initiative_id=INIT-9"],
            3,
            "error: no artifact `INIT-9` in project web (given to initiative_id)",
            "hint: `git intellimanage list --worktree --archived` lists the project's IDs",
        ),
        (
            &["set", "TASK-8", "initiative_id=INIT-1"],
            2,
            "error: initiative_id does not apply to a Task",
            "hint: a Task has no Initiative; initiative_id is for Epics",
        ),
        (
            &["set", "TASK-8", "milestone_name=Release 1.0"],
            2,
            "error: milestone_name does not apply to a Task",
            "hint: a Task has no milestone_name; it is for Epics and Features",
        ),
        (
            &["set", "FEAT-2", "milestone_target_date=2026-02-30"],
            2,
            "error: `2026-02-30` is not a date in the form YYYY-MM-DD (given to milestone_target_date)",
            "hint: write a real day as YYYY-MM-DD, e.g. 2025-06-30",
        ),
        (
            &["set", "INIT-1", "related_milestone=acme/web#milestone/3"],
            2,
            "error: related_milestone does not apply to an Initiative",
            "hint: an Initiative has no related_milestone; it is for Epics and Features",
        ),
        (
            &["set", "EPIC-1", "estimated_effort=M"],
            2,
            "error: estimated_effort does not apply to an Epic",
            "hint: an Epic has no estimated_effort; it is for work items (task, bug, …)",
        ),
        (
            &["set", "TASK-8", "kpis+=churn"],
            2,
            "error: kpis does not apply to a Task",
            "hint: a Task has no kpis; they are for Initiatives",
        ),
        (
            &["set", "TASK-8", "related_issues=acme/web#12"],
            2,
            "error: `related_issues` is a list: add or remove one item with related_issues+=ITEM or related_issues-=ITEM",
            "hint: related_issues= removes the whole list",
        ),
        (
            &["set", "TASK-8", "related_issues-=acme/web#12"],
            2,
            "error: `acme/web#12` is not in related_issues of TASK-8",
            "hint: the list is empty",
        ),
        (
            &["set", "TASK-8", "related_prs+="],
            2,
            "error: `related_prs+=` is not of the form key=value, key+=item or key-=item",
            "hint: e.g. status=done, priority=high, due_date=2026-01-31, tags+=ui, depends_on-=TASK-7, due_date= (removes it)",
        ),
        (
            &["set", "TASK-8", "related_commits+=not-a-sha"],
            2,
            "error: `not-a-sha` is not a commit ID (4 to 64 hexadecimal digits) (given to related_commits)",
            "hint: give the commit's hash, e.g. from `git log --format=%h`",
        ),
        (
            &["set", "TASK-8", "milestone_target_date+=2026-01-01"],
            2,
            "error: `milestone_target_date` is not a list: `+=` and `-=` apply to tags, related_docs, kpis, depends_on, related_commits, related_prs, related_issues",
            "hint: set it with milestone_target_date=VALUE",
        ),
        (
            &["set", "TASK-8", "estimated_effort=two\tdays"],
            2,
            "error: estimated_effort must be one line without control characters",
            "",
        ),
    ];
    for (args, code, message, hint) in cases {
        let out = repo.im(args);
        assert_exit(&out, *code, &format!("{args:?}"));
        let expected = if hint.is_empty() {
            format!("{message}\n")
        } else {
            format!("{message}\n{hint}\n")
        };
        assert_eq!(stderr(&out), expected, "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_eq!(changes(&repo), "", "{args:?} changed the tree");
        for (f, text) in &before {
            assert_eq!(&repo.read(f), text, "{args:?}");
        }
    }
}

#[test]
fn a_work_items_feature_and_epic_must_agree() {
    let repo = wider_plan();
    let out = repo.im(&["set", "TASK-8", "epic_id=epic-3"]);
    assert_exit(&out, 2, "an Epic the Feature is not under");
    assert_eq!(
        stderr(&out),
        "error: Feature FEAT-2 (feature_id) belongs to Epic EPIC-1, not to EPIC-3 (epic_id)\n\
         hint: remove epic_id with `epic_id=` (a work item's Epic follows from its Feature), or name a Feature of EPIC-3\n"
    );
    assert_eq!(changes(&repo), "");
    // The Epic the Feature is under is fine, and so is a change of both at once.
    repo.im_ok(&["set", "TASK-8", "epic_id=EPIC-1"]);
    assert!(
        repo.read(T8)
            .ends_with("feature_id = \"FEAT-2\"\nepic_id = \"EPIC-1\"\n+++\n")
    );
    // A Feature of another Epic than the one the task names.
    repo.write(
        &format!("{P}/features/FEAT-4_h.md"),
        &art("FEAT-4", FEATURE, "epic_id = \"EPIC-3\"\n"),
    );
    let out = repo.im(&["set", "TASK-8", "feature_id=FEAT-4"]);
    assert_exit(&out, 2, "a Feature of another Epic");
    assert_eq!(
        stderr(&out),
        "error: Feature FEAT-4 (feature_id) belongs to Epic EPIC-3, not to EPIC-1 (epic_id)\n\
         hint: remove epic_id with `epic_id=` (a work item's Epic follows from its Feature), or name a Feature of EPIC-1\n"
    );
    repo.im_ok(&["set", "TASK-8", "feature_id=FEAT-4", "epic_id="]);
    assert!(repo.read(T8).ends_with("feature_id = \"FEAT-4\"\n+++\n"));
}

#[test]
fn commit_leaves_every_other_change_where_it_was() {
    let repo = plan();
    repo.write("tracked.txt", "one\n");
    repo.write("staged.txt", "one\n");
    repo.commit_all("more files");
    repo.write("tracked.txt", "two\n");
    repo.write("staged.txt", "two\n");
    repo.git(&["add", "staged.txt"]);
    repo.write("untracked.txt", "new\n");
    let status = "M  staged.txt\n M tracked.txt\n?? untracked.txt";
    assert_eq!(changes(&repo), status);

    let out = repo.im_ok(&["set", "TASK-8", "status=done", "priority=high", "--commit"]);
    assert_eq!(out, format!("{T8}\n"));
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s%n%b"]),
        "Set status, priority of TASK-8"
    );
    assert_eq!(
        repo.git(&["show", "--name-status", "--format=", "HEAD"]),
        format!("M\t{T8}")
    );
    assert_eq!(changes(&repo), status);
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "staged.txt");

    repo.im_ok(&["set", "TASK-8", "tags+=ui", "--commit"]);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]),
        "Set tags of TASK-8 to ui"
    );
    repo.im_ok(&["set", "TASK-8", "priority=", "--commit"]);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]),
        "Remove priority from TASK-8"
    );
    assert_eq!(changes(&repo), status);

    let archived = format!("{P}/archive/tasks/TASK-8_other.md");
    let out = repo.im_ok(&["archive", "TASK-8", "--commit"]);
    assert_eq!(out, format!("{archived}\n"));
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "Archive TASK-8");
    // One rename (the status and updated_date lines changed on the way), nothing else.
    let shown = repo.git(&["show", "-M", "--name-status", "--format=", "HEAD"]);
    assert_eq!(shown.lines().count(), 1, "{shown}");
    assert!(shown.starts_with('R'), "{shown}");
    assert!(shown.ends_with(&format!("\t{T8}\t{archived}")), "{shown}");
    assert_eq!(changes(&repo), status);
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "staged.txt");
    assert_eq!(repo.read("tracked.txt"), "two\n");
}
