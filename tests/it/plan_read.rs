//! Reading the plan from git: list, show, validate, status and diff, driven through the real
//! binary against real repositories.

use crate::support::*;

#[test]
fn list_json_has_every_artifact_with_its_fields() {
    let repo = demo();
    let v = repo.im_json(&["list", "--json"]);
    assert_eq!(
        ids(&v),
        ["BUG-001", "EPIC-001", "FEAT-001", "TASK-001", "TASK-002"]
    );
    let task = v
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["id"] == "TASK-001")
        .expect("TASK-001");
    assert_eq!(task["project"], "demo");
    assert_eq!(task["title"], "Validate e-mail");
    assert_eq!(task["kind"], "Task");
    assert_eq!(task["status"], "🟡 To Do");
    assert_eq!(task["priority"], "🔼 High");
    assert_eq!(task["parent"], "FEAT-001");
    assert_eq!(task["tags"], serde_json::json!(["backend", "auth"]));
    assert_eq!(task["archived"], false);
    assert_eq!(
        task["path"],
        ".ruru/projects/demo/tasks/TASK-001_validate-email.md"
    );
}

#[test]
fn list_filters_by_type_status_tag_parent_and_project() {
    let repo = demo();
    let by = |args: &[&str]| {
        let mut all = vec!["list", "--json"];
        all.extend_from_slice(args);
        ids(&repo.im_json(&all))
    };
    assert_eq!(by(&["--type", "task"]), ["TASK-001", "TASK-002"]);
    assert_eq!(
        by(&["--type", "bug", "--type", "epic"]),
        ["BUG-001", "EPIC-001"]
    );
    assert_eq!(by(&["--status", "to do"]), ["FEAT-001", "TASK-001"]);
    assert_eq!(by(&["--status", "IN PROGRESS"]), ["BUG-001", "EPIC-001"]);
    assert_eq!(by(&["--tag", "backend"]), ["TASK-001"]);
    assert_eq!(
        by(&["--parent", "feat-001"]),
        ["BUG-001", "TASK-001", "TASK-002"]
    );
    assert_eq!(by(&["--parent", "EPIC-001"]), ["FEAT-001"]);
    assert!(by(&["--project", "nope"]).is_empty());
    assert_eq!(by(&["--project", "demo"]).len(), 5);
}

#[test]
fn list_text_is_one_line_per_artifact() {
    let repo = demo();
    let out = repo.im_ok(&["list"]);
    assert_eq!(out.lines().count(), 5, "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("TASK-001"))
        .expect("TASK-001 line");
    assert!(line.contains("Task") && line.contains("To Do") && line.contains("Validate e-mail"));
    assert!(!out.contains('\u{1b}'), "no color when piped");
}

#[test]
fn reads_any_revision_and_the_working_tree() {
    let repo = demo();
    let first = repo.git(&["rev-parse", "HEAD"]);
    let path = ".ruru/projects/demo/tasks/TASK-002_button.md";
    let text = repo.read(path).replace("Submit button", "Submit button v2");
    repo.write(path, &text);
    repo.commit_all("rename button");
    let title = |v: serde_json::Value| v["title"].as_str().expect("title").to_string();
    assert_eq!(
        title(repo.im_json(&["show", "TASK-002", "--json"])),
        "Submit button v2"
    );
    assert_eq!(
        title(repo.im_json(&["show", "TASK-002", "--json", "--rev", &first])),
        "Submit button"
    );
    assert_eq!(
        title(repo.im_json(&["show", "TASK-002", "--json", "--rev", "HEAD~1"])),
        "Submit button"
    );
    // Uncommitted edits show with --worktree only.
    repo.write(path, &text.replace("v2", "v3"));
    assert_eq!(
        title(repo.im_json(&["show", "task-002", "--json"])),
        "Submit button v2"
    );
    assert_eq!(
        title(repo.im_json(&["show", "TASK-002", "--json", "--worktree"])),
        "Submit button v3"
    );
    let bad = repo.im(&["list", "--rev", "no-such-branch"]);
    assert_eq!(bad.status.code(), Some(3));
    assert!(stderr(&bad).contains("no-such-branch"), "{}", stderr(&bad));
}

#[test]
fn show_prints_frontmatter_as_written_and_body() {
    let repo = demo();
    let out = repo.im_ok(&["show", "TASK-001"]);
    assert!(out.contains("tags = [\"backend\", \"auth\"]"), "{out}");
    assert!(out.contains("- [ ] MX lookup"), "{out}");
    let v = repo.im_json(&["show", "TASK-001", "--json"]);
    assert_eq!(v["fields"]["feature_id"], "FEAT-001");
    assert_eq!(v["fields"]["created_date"], "2025-04-01");
    assert_eq!(
        v["body"],
        "Check the address.\n\n- [ ] regex\n- [ ] MX lookup\n"
    );
    let missing = repo.im(&["show", "TASK-999"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(stderr(&missing).contains("TASK-999"));
    assert!(stderr(&missing).contains("hint:"));
}

#[test]
fn oddities_are_read_and_kept() {
    let repo = TestRepo::new();
    let p = ".ruru/projects/odd";
    repo.write(
        &format!("{p}/project_config.toml"),
        &project_config("odd", ""),
    );
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (name, folder) in [
        ("TASK-IM-900_oddities.md", "tasks"),
        ("EPIC-IM-1_no-vs16.md", "epics"),
        ("FEAT-IM-1_vs16.md", "features"),
    ] {
        let bytes = std::fs::read(fixtures.join(name)).expect("fixture");
        let dest = repo.file(&format!("{p}/{folder}/{name}"));
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::write(dest, bytes).expect("write");
    }
    repo.commit_all("odd plan");
    let v = repo.im_json(&["show", "TASK-IM-900", "--json"]);
    assert_eq!(v["title"], "Odd \"quoted\" title with a # hash");
    assert_eq!(v["kind"], "Bug");
    assert_eq!(v["fields"]["estimated_effort"], 3);
    assert_eq!(
        v["fields"]["tags"],
        serde_json::json!(["multi", "line", "café"])
    );
    assert_eq!(v["fields"]["custom_key"]["list"], serde_json::json!([1, 2]));
    assert_eq!(v["fields"]["extra_table"]["note"], "multi-line\r\nstring");
    assert!(
        v["body"]
            .as_str()
            .expect("body")
            .contains("```toml\r\n+++\r\n```")
    );
    let epic = repo.im_json(&["show", "EPIC-IM-1", "--json"]);
    assert_eq!(epic["kind"], "Epic");
    // The whole odd plan validates cleanly: emoji with and without U+FE0F are known.
    let out = repo.im(&["validate", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["errors"], 0, "{report:#}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(report["artifacts"], 3);
    let listed = ids(&repo.im_json(&["list", "--json", "--status", "in progress"]));
    assert_eq!(listed, ["TASK-IM-900"]);
}

#[test]
fn the_real_seed_artifacts_parse() {
    let (s0, s1) = (seed("000_"), seed("001_"));
    let repo = TestRepo::new();
    let p = ".ruru/projects/intellimanage_implementation";
    repo.write(
        &format!("{p}/project_config.toml"),
        &project_config("intellimanage_implementation", ""),
    );
    repo.write(&format!("{p}/tasks/TASK-IM-707_auto-milestones.md"), &s0);
    repo.write(&format!("{p}/tasks/TASK-IM-706_milestone-sync.md"), &s1);
    repo.commit_all("seeds");
    let v = repo.im_json(&["show", "TASK-IM-707", "--json"]);
    assert_eq!(
        v["title"],
        "Implement optional automatic milestone creation on GitHub"
    );
    assert_eq!(v["status"], "⚪️ Planned");
    assert_eq!(v["priority"], "🔽 Low");
    assert_eq!(v["tags"].as_array().expect("tags").len(), 7);
    assert_eq!(v["fields"]["depends_on"][2], "TASK-IM-706");
    assert!(
        v["body"]
            .as_str()
            .expect("body")
            .contains("## Acceptance Criteria")
    );
    assert_eq!(
        ids(&repo.im_json(&["list", "--json"])),
        ["TASK-IM-706", "TASK-IM-707"]
    );
    // Their parents live elsewhere: validate says so, naming the file and the line.
    let out = repo.im(&["validate"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("TASK-IM-707_auto-milestones.md:20:") && text.contains("TASK-IM-701"),
        "depends_on line 20 names the missing TASK-IM-701:\n{text}"
    );
}

#[test]
fn diff_before_any_sync_counts_everything_as_added() {
    let repo = demo();
    let out = repo.im_ok(&["diff"]);
    assert!(out.contains("no sync recorded yet"), "{out}");
    assert!(
        out.contains("5 added, 0 modified, 0 removed, 0 renamed"),
        "{out}"
    );
    let v = repo.im_json(&["diff", "--json"]);
    assert_eq!(v["synced_before"], false);
    assert_eq!(v["summary"]["added"], 5);
    assert_eq!(
        v["configs"][0]["path"],
        ".ruru/projects/demo/project_config.toml"
    );
    assert!(
        v["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .all(|a| a["change"] == "added")
    );
}

fn edited_repo() -> (TestRepo, String) {
    let repo = demo();
    let base = repo.git(&["rev-parse", "HEAD"]);
    let t = ".ruru/projects/demo/tasks";
    let path = format!("{t}/TASK-001_validate-email.md");
    let text = repo
        .read(&path)
        .replace("🟡 To Do", "🟢 Done")
        .replace(
            "tags = [\"backend\", \"auth\"]\n",
            "tags = [\"backend\"]\nassigned_to = \"ada\"\n",
        )
        .replace("- [ ] regex", "- [x] regex");
    repo.write(&path, &text);
    repo.remove(&format!("{t}/TASK-002_button.md"));
    repo.git(&[
        "mv",
        &format!("{t}/BUG-001_typo.md"),
        &format!("{t}/BUG-001_form-typo.md"),
    ]);
    repo.write(
        &format!("{t}/TASK-003_new.md"),
        &artifact(
            "TASK-003",
            TASK,
            "Brand new",
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\n",
            "",
        ),
    );
    // A comment-only edit is not a change.
    let epic = ".ruru/projects/demo/epics/EPIC-001_onboarding.md";
    repo.write(
        epic,
        &repo.read(epic).replacen("+++\n", "+++\n# reviewed\n", 1),
    );
    repo.commit_all("edits");
    (repo, base)
}

#[test]
fn diff_base_shows_fields_body_renames_and_removals() {
    let (repo, base) = edited_repo();
    let out = repo.im_ok(&["diff", "--base", &base]);
    assert!(out.contains("status: 🟡 To Do → 🟢 Done"), "{out}");
    assert!(
        out.contains("tags: [\"backend\", \"auth\"] → [\"backend\"]"),
        "{out}"
    );
    assert!(out.contains("assigned_to: + ada"), "{out}");
    assert!(
        out.contains("-- [ ] regex") && out.contains("+- [x] regex"),
        "{out}"
    );
    assert!(out.contains("renamed  BUG-001"), "{out}");
    assert!(out.contains("removed  TASK-002"), "{out}");
    assert!(out.contains("added    TASK-003"), "{out}");
    assert!(
        !out.contains("EPIC-001"),
        "comment-only edit is no change:\n{out}"
    );
    assert!(
        out.contains("1 added, 1 modified, 1 removed, 1 renamed"),
        "{out}"
    );

    let stat = repo.im_ok(&["diff", "--base", &base, "--stat"]);
    let line = stat
        .lines()
        .find(|l| l.contains("TASK-001"))
        .expect("TASK-001");
    assert!(
        line.contains("status, tags, assigned_to, body (+1 -1)"),
        "{stat}"
    );
    assert!(!stat.contains("regex"), "--stat has no body diff");

    let v = repo.im_json(&["diff", "--base", &base, "--json"]);
    let arts = v["artifacts"].as_array().expect("artifacts");
    assert_eq!(arts.len(), 4);
    let t1 = arts
        .iter()
        .find(|a| a["id"] == "TASK-001")
        .expect("TASK-001");
    assert_eq!(t1["change"], "modified");
    let status = t1["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["key"] == "status")
        .expect("status");
    assert_eq!(status["old"], "🟡 To Do");
    assert_eq!(status["new"], "🟢 Done");
    let assigned = t1["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["key"] == "assigned_to")
        .expect("assigned_to");
    assert!(assigned["old"].is_null());
    assert_eq!(t1["body"]["insertions"], 1);
    assert_eq!(t1["body"]["deletions"], 1);
    let bug = arts.iter().find(|a| a["id"] == "BUG-001").expect("BUG-001");
    assert_eq!(bug["change"], "renamed");
    assert_eq!(bug["old_path"], ".ruru/projects/demo/tasks/BUG-001_typo.md");
    assert_eq!(
        bug["new_path"],
        ".ruru/projects/demo/tasks/BUG-001_form-typo.md"
    );

    // Only some IDs; and --exit-code.
    let only = repo.im_json(&["diff", "--base", &base, "--json", "task-003"]);
    assert_eq!(only["artifacts"].as_array().expect("artifacts").len(), 1);
    assert_eq!(
        repo.im(&["diff", "--base", &base, "--exit-code"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        repo.im(&["diff", "--base", "HEAD", "--exit-code"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn diff_worktree_previews_uncommitted_edits() {
    let repo = demo();
    let path = ".ruru/projects/demo/tasks/TASK-002_button.md";
    repo.write(
        path,
        &repo.read(path).replace("⚪️ Backlog", "🔵 In Progress"),
    );
    let v = repo.im_json(&["diff", "--base", "HEAD", "--worktree", "--json"]);
    assert_eq!(v["summary"]["modified"], 1);
    assert_eq!(v["artifacts"][0]["fields"][0]["new"], "🔵 In Progress");
    assert_eq!(v["target"], "the working tree");
    let committed = repo.im_json(&["diff", "--base", "HEAD", "--json"]);
    assert_eq!(committed["summary"]["modified"], 0);
}

/// Records "the last sync" by hand as the plan of `commit`, the way sync does.
fn record_sync_at(repo: &TestRepo, commit: &str) {
    let plan = repo.git(&["rev-parse", &format!("{commit}:.ruru/projects")]);
    let tree = {
        let mut cmd = repo.command("git");
        cmd.args(["mktree"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("mktree");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("040000 tree {plan}\tplan\n").as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("mktree output");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let rec = repo.git(&["commit-tree", &tree, "-m", "sync"]);
    repo.git(&["update-ref", "refs/intellimanage/sync", &rec]);
}

#[test]
fn diff_and_status_compare_with_the_sync_record() {
    let (repo, base) = edited_repo();
    record_sync_at(&repo, &base);
    let v = repo.im_json(&["diff", "--json"]);
    assert_eq!(v["synced_before"], true);
    assert_eq!(v["base"], "the last sync");
    assert_eq!(v["summary"]["added"], 1);
    assert_eq!(v["summary"]["modified"], 1);
    assert_eq!(v["summary"]["removed"], 1);
    assert_eq!(v["summary"]["renamed"], 1);
    let s = repo.im_json(&["status", "--json"]);
    let demo = &s["projects"][0];
    assert_eq!(demo["project"], "demo");
    assert_eq!(demo["sync_enabled"], true);
    assert_eq!(demo["github_repo"], "acme/demo");
    assert_eq!(
        [
            &demo["added"],
            &demo["modified"],
            &demo["removed"],
            &demo["renamed"]
        ],
        [1, 1, 1, 1]
    );
    let text = repo.im_ok(&["status"]);
    assert!(
        text.contains("demo") && text.contains("4 pending"),
        "{text}"
    );
    // Nothing pending once the record is at HEAD.
    record_sync_at(&repo, "HEAD");
    let clean = repo.im_ok(&["status"]);
    assert!(clean.contains("up to date"), "{clean}");
    assert!(repo.im_ok(&["diff"]).contains("no changes"));
}

#[test]
fn an_artifact_that_stops_parsing_is_unreadable_not_removed() {
    let repo = demo();
    record_sync_at(&repo, "HEAD");
    let t = ".ruru/projects/demo/tasks";
    // TASK-001's TOML breaks in place; TASK-002 is moved and broken in one go.
    let task1 = repo.read(&format!("{t}/TASK-001_validate-email.md"));
    repo.write(
        &format!("{t}/TASK-001_validate-email.md"),
        &task1.replace("title = \"Validate e-mail\"", "title = \"Validate e-mail"),
    );
    let task2 = repo.read(&format!("{t}/TASK-002_button.md"));
    repo.remove(&format!("{t}/TASK-002_button.md"));
    repo.write(
        &format!("{t}/TASK-002_submit.md"),
        &task2.replace("status = ", "status == "),
    );
    // BUG-001 really goes.
    repo.remove(&format!("{t}/BUG-001_typo.md"));
    repo.commit_all("break two files, remove one");

    let out = repo.im(&["diff"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("unreadable TASK-001"), "{text}");
    assert!(text.contains("unreadable TASK-002"), "{text}");
    assert!(text.contains("removed  BUG-001"), "{text}");
    assert!(!text.contains("removed  TASK-"), "{text}");
    assert!(
        text.contains(&format!("{t}/TASK-001_validate-email.md:3: malformed TOML")),
        "the problem with its line: {text}"
    );
    assert!(
        text.contains(&format!("{t}/TASK-002_submit.md:")),
        "the broken file under its new name: {text}"
    );
    assert!(text.contains("hint:"), "{text}");
    assert!(
        text.contains("0 added, 0 modified, 1 removed, 0 renamed, 2 unreadable"),
        "{text}"
    );

    let stat = repo.im_ok(&["diff", "--stat"]);
    assert!(
        stat.contains("unreadable TASK-001")
            && stat.contains(&format!("{t}/TASK-001_validate-email.md:3:")),
        "{stat}"
    );
    assert!(stat.contains("removed  BUG-001"), "{stat}");

    let v = repo.im_json(&["diff", "--json"]);
    assert_eq!(v["summary"]["removed"], 1, "{v:#}");
    assert_eq!(v["summary"]["unreadable"], 2, "{v:#}");
    let changes = v["artifacts"].as_array().expect("artifacts");
    let task1 = changes
        .iter()
        .find(|c| c["id"] == "TASK-001")
        .expect("TASK-001 in the diff");
    assert_eq!(task1["change"], "unreadable");
    assert_eq!(
        task1["title"], "Validate e-mail",
        "the last readable version"
    );
    assert_eq!(
        task1["problem"]["path"],
        format!("{t}/TASK-001_validate-email.md")
    );
    assert_eq!(task1["problem"]["line"], 3);
    assert!(task1["problem"]["hint"].is_string(), "{task1:#}");
    let task2 = changes
        .iter()
        .find(|c| c["id"] == "TASK-002")
        .expect("TASK-002 in the diff");
    assert_eq!(task2["change"], "unreadable");
    assert_eq!(task2["old_path"], format!("{t}/TASK-002_button.md"));
    assert_eq!(task2["new_path"], format!("{t}/TASK-002_submit.md"));
    let problems = v["problems"].as_array().expect("problems in the JSON");
    assert_eq!(problems.len(), 2, "{v:#}");
    assert!(problems.iter().all(|p| p["severity"] == "error"));

    // status counts them apart from the pending changes.
    let s = repo.im_json(&["status", "--json"]);
    let demo = &s["projects"][0];
    assert_eq!(demo["removed"], 1, "{s:#}");
    assert_eq!(demo["unreadable"], 2, "{s:#}");
    let status = repo.im_ok(&["status"]);
    assert!(
        status.contains("1 pending") && status.contains("2 changed files can't be read"),
        "{status}"
    );

    // `--exit-code` counts a broken file as a change.
    assert_eq!(repo.im(&["diff", "--exit-code"]).status.code(), Some(1));
}

#[test]
fn color_only_when_asked_or_on_a_tty_and_never_with_no_color() {
    let (repo, base) = edited_repo();
    let plain = repo.im_env(&["diff", "--base", &base], &[]);
    assert!(!stdout(&plain).contains('\u{1b}'));
    // NO_COLOR (set by the harness) wins even over --color always.
    let forced = repo.im(&["diff", "--base", &base, "--color", "always"]);
    assert!(!stdout(&forced).contains('\u{1b}'));
    let mut cmd = repo.command(BIN);
    cmd.env_remove("NO_COLOR")
        .args(["diff", "--base", &base, "--color", "always"]);
    let colored = cmd.output().expect("run");
    assert!(stdout(&colored).contains("\u{1b}["), "{}", stdout(&colored));
    let mut cmd = repo.command(BIN);
    cmd.env_remove("NO_COLOR").args(["diff", "--base", &base]);
    let auto = cmd.output().expect("run");
    assert!(!stdout(&auto).contains('\u{1b}'), "not a TTY: no color");
}

#[test]
fn runs_as_a_git_subcommand() {
    let repo = demo();
    let bin_dir = std::path::Path::new(BIN).parent().expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = repo.command("git");
    cmd.env("PATH", &path)
        .args(["intellimanage", "list", "--json"]);
    let out = cmd.output().expect("git intellimanage");
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().expect("array").len(), 5);
    let mut cmd = repo.command("git");
    cmd.env("PATH", &path).args(["intellimanage", "-h"]);
    let out = cmd.output().expect("git intellimanage -h");
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("Usage: git intellimanage"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn outside_a_repository_the_error_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = tempfile::tempdir().expect("home");
    let mut cmd = std::process::Command::new(BIN);
    hermetic(&mut cmd, home.path());
    cmd.current_dir(dir.path()).env(
        "GIT_CEILING_DIRECTORIES",
        dir.path().parent().expect("parent"),
    );
    let out = cmd.arg("list").output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("not inside a git repository") && err.contains("hint:"),
        "{err}"
    );
}

#[test]
fn git_help_finds_the_installed_man_page() {
    // `git intellimanage --help` is `git help intellimanage`: git shows the man page that
    // install.sh installs (rendered by the hidden `man` subcommand).
    if std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `man` on this machine");
        return;
    }
    let repo = demo();
    let prefix = tempfile::tempdir().expect("prefix");
    let bin = prefix.path().join("bin");
    let man1 = prefix.path().join("share/man/man1");
    std::fs::create_dir_all(&bin).expect("bin");
    std::fs::create_dir_all(&man1).expect("man1");
    std::os::unix::fs::symlink(BIN, bin.join("git-intellimanage")).expect("link");
    let page = repo.im_ok(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH"),
        "roff: {page}"
    );
    std::fs::write(man1.join("git-intellimanage.1"), page).expect("write page");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = repo.command("git");
    cmd.env("PATH", path)
        .env("MANPATH", prefix.path().join("share/man"))
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .args(["intellimanage", "--help"]);
    let out = cmd.output().expect("git intellimanage --help");
    let text = stdout(&out);
    assert!(out.status.success(), "{}{}", text, stderr(&out));
    for word in ["git-intellimanage", "validate", "sync"] {
        assert!(
            text.contains(word),
            "`{word}` missing from the man page:\n{text}"
        );
    }
}
