//! The git hooks end to end: `hooks install | uninstall | status` with the real git
//! binary, real `git commit` firing post-commit, real `git push` to a local bare remote
//! firing pre-push against the GitHub emulator.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::*;
use github_emulator::Emulator;
use serde_json::Value;

const TOKEN: &str = "ghp_HooksT0kenQ9rT2vX5y";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
const COMMITS_REF: &str = "refs/intellimanage/commits";

// ----------------------------------------------------------------------------- helpers

fn run_git(repo: &TestRepo, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = repo.command("git");
    // These tests check what the pre-push hook does, in the terminal; when it runs (in
    // the background after the push, by default) is tests/it/push_background.rs's subject.
    cmd.current_dir(dir)
        .args(args)
        .env("PATH", clean_path())
        .env("INTELLIMANAGE_PUSH_SYNC", "foreground");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run git")
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

/// A repository with the demo plan (sync enabled against acme/demo) committed.
fn plan_repo(config_extra: &str) -> TestRepo {
    let repo = TestRepo::new();
    write_demo_plan(&repo);
    if !config_extra.is_empty() {
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config("demo", config_extra),
        );
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Add the plan"]);
    repo
}

fn install(repo: &TestRepo) -> String {
    repo.im_ok(&["hooks", "install"])
}

/// `git add -A && git commit` (hooks run); returns the new commit id.
fn commit_all(repo: &TestRepo, message: &str) -> String {
    repo.git(&["add", "-A"]);
    let out = run_git(
        repo,
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", message],
        &[],
    );
    assert_ok(&out, "git commit");
    repo.git(&["rev-parse", "HEAD"])
}

fn task(id: &str, title: &str, status: &str) -> String {
    artifact(
        id,
        TASK,
        title,
        status,
        "feature_id = \"FEAT-001\"\n",
        "Body.\n",
    )
}

/// The commit-links document of `sha`, if recorded.
fn links_doc(repo: &TestRepo, sha: &str) -> Option<Value> {
    let spec = format!("{COMMITS_REF}:commits/{}/{sha}.json", &sha[..2]);
    let out = repo
        .command("git")
        .args(["show", &spec])
        .output()
        .expect("git show");
    if !out.status.success() {
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).expect("commit links are JSON"))
}

fn ref_exists(repo: &TestRepo, name: &str) -> bool {
    repo.command("git")
        .args(["rev-parse", "--verify", "-q", name])
        .output()
        .expect("git rev-parse")
        .status
        .success()
}

/// `(id, change)` pairs of a document's artifacts.
fn touched(doc: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = doc["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().expect("id").to_string(),
                a["change"].as_str().expect("change").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `(keyword, id, status_update)` of a document's mentions.
fn mentions(doc: &Value) -> Vec<(String, String, bool)> {
    doc["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .map(|m| {
            (
                m["keyword"].as_str().expect("keyword").to_string(),
                m["id"].as_str().expect("id").to_string(),
                m["status_update"].as_bool().expect("status_update"),
            )
        })
        .collect()
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn hooks_dir(repo: &TestRepo) -> PathBuf {
    repo.path().join(".git/hooks")
}

/// A bare repository to push to, added as `origin`.
fn bare_remote(repo: &TestRepo) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir for the remote");
    let out = run_git(
        repo,
        dir.path(),
        &["init", "-q", "--bare", "-b", "main"],
        &[],
    );
    assert_ok(&out, "git init --bare");
    repo.git(&["remote", "add", "origin", &dir.path().to_string_lossy()]);
    dir
}

fn remote_head(repo: &TestRepo, remote: &Path, branch: &str) -> Option<String> {
    let out = run_git(repo, remote, &["rev-parse", "--verify", "-q", branch], &[]);
    out.status
        .success()
        .then(|| stdout(&out).trim().to_string())
}

fn emulator() -> Emulator {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo(OWNER, REPO);
    emu
}

fn push(repo: &TestRepo, url: &str, args: &[&str]) -> Output {
    let mut all = vec!["push"];
    all.extend_from_slice(args);
    run_git(repo, repo.path(), &all, &github_env(url, TOKEN))
}

/// The issue whose body carries `IntelliManage-ID: <id>`.
fn issue_of(emu: &Emulator, id: &str) -> Value {
    emu.issues(OWNER, REPO)
        .into_iter()
        .find(|i| {
            i["body"].as_str().is_some_and(|b| {
                b.lines()
                    .any(|l| l.trim() == format!("IntelliManage-ID: {id}"))
            })
        })
        .unwrap_or_else(|| panic!("no issue for {id}"))
}

fn comments_with_marker(emu: &Emulator, number: u64, sha: &str) -> usize {
    let marker = format!("intellimanage-commit: {sha}");
    emu.comments(OWNER, REPO, number)
        .iter()
        .filter(|c| c["body"].as_str().is_some_and(|b| b.contains(&marker)))
        .count()
}

// ----------------------------------------------------------------------------- install

#[test]
fn install_is_idempotent_and_uninstall_removes_what_it_created() {
    let repo = plan_repo("");
    let out = install(&repo);
    assert!(
        out.contains("post-commit") && out.contains("pre-push"),
        "{out}"
    );
    let post = hooks_dir(&repo).join("post-commit");
    let pre = hooks_dir(&repo).join("pre-push");
    let post_bytes = std::fs::read(&post).expect("post-commit written");
    let pre_bytes = std::fs::read(&pre).expect("pre-push written");
    for (bytes, name) in [(&post_bytes, "post-commit"), (&pre_bytes, "pre-push")] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            text.starts_with("#!/bin/sh\n# >>> git-intellimanage >>>\n"),
            "{text}"
        );
        assert!(text.ends_with("# <<< git-intellimanage <<<\n"), "{text}");
        assert!(text.contains(&format!("hook {name} \"$@\"")), "{text}");
        // The binary's absolute path is recorded for when it is not on PATH.
        assert!(
            text.contains(&format!(
                "'{}'",
                std::fs::canonicalize(BIN).expect("bin").display()
            )),
            "{text}"
        );
    }
    #[cfg(unix)]
    assert_eq!(mode_of(&post) & 0o111, 0o111, "hooks are executable");
    let modified = std::fs::metadata(&post)
        .expect("meta")
        .modified()
        .expect("mtime");

    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = install(&repo);
    assert!(again.contains("already installed"), "{again}");
    assert_eq!(std::fs::read(&post).expect("read"), post_bytes);
    assert_eq!(std::fs::read(&pre).expect("read"), pre_bytes);
    assert_eq!(
        std::fs::metadata(&post)
            .expect("meta")
            .modified()
            .expect("mtime"),
        modified,
        "a second install writes nothing"
    );

    let status = repo.im_json(&["hooks", "status", "--json"]);
    let states: Vec<(&str, &str)> = status["hooks"]
        .as_array()
        .expect("hooks")
        .iter()
        .map(|h| {
            (
                h["name"].as_str().expect("name"),
                h["state"].as_str().expect("state"),
            )
        })
        .collect();
    assert_eq!(
        states,
        [("post-commit", "installed"), ("pre-push", "installed")]
    );
    assert_eq!(status["hooks"][0]["current"], Value::Bool(true));

    let out = repo.im_ok(&["hooks", "uninstall"]);
    assert!(out.contains("removed"), "{out}");
    assert!(!post.exists() && !pre.exists(), "created hooks are deleted");
    let again = repo.im_ok(&["hooks", "uninstall"]);
    assert!(again.contains("not installed"), "{again}");
}

#[cfg(unix)]
#[test]
fn a_user_shell_hook_keeps_running_and_comes_back_byte_for_byte() {
    let repo = plan_repo("");
    let post = hooks_dir(&repo).join("post-commit");
    // No final newline, an unusual mode: both must survive.
    let original = "#!/bin/bash\n# my own hook\necho \"user hook ran for $(git rev-parse --short HEAD)\" >> .git/user-hook.log\n# end";
    std::fs::write(&post, original).expect("write user hook");
    set_mode(&post, 0o750);

    let out = install(&repo);
    assert!(out.contains("existing hook"), "{out}");
    let spliced = std::fs::read_to_string(&post).expect("read");
    assert!(
        spliced.starts_with("#!/bin/bash\n# >>> git-intellimanage >>>\n"),
        "{spliced}"
    );
    assert!(spliced.ends_with("# <<< git-intellimanage <<<\n# my own hook\necho \"user hook ran for $(git rev-parse --short HEAD)\" >> .git/user-hook.log\n# end"));
    assert_eq!(mode_of(&post), 0o750, "the user's mode is kept");
    let twice = install(&repo);
    assert!(twice.contains("already installed"), "{twice}");
    assert_eq!(std::fs::read_to_string(&post).expect("read"), spliced);

    repo.write(
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &task("TASK-001", "Validate e-mail addresses", "🔵 In Progress"),
    );
    repo.git(&["add", "-A"]);
    let out = run_git(
        &repo,
        repo.path(),
        &["commit", "-q", "-m", "Validate harder"],
        &[],
    );
    assert_ok(&out, "git commit");
    let sha = repo.git(&["rev-parse", "HEAD"]);
    let log = std::fs::read_to_string(repo.path().join(".git/user-hook.log"))
        .expect("the user's hook ran");
    assert_eq!(log.trim(), format!("user hook ran for {}", &sha[..7]));
    let doc = links_doc(&repo, &sha).expect("our hook ran too");
    assert_eq!(
        touched(&doc),
        [("TASK-001".to_string(), "modified".to_string())]
    );

    let out = repo.im_ok(&["hooks", "uninstall"]);
    assert!(out.contains("back as it was"), "{out}");
    assert_eq!(std::fs::read(&post).expect("read"), original.as_bytes());
    assert_eq!(mode_of(&post), 0o750);
}

#[cfg(unix)]
#[test]
fn other_hooks_are_chained_and_a_non_executable_hook_stays_off() {
    let repo = plan_repo("");
    let pre = hooks_dir(&repo).join("pre-push");
    let post = hooks_dir(&repo).join("post-commit");
    let perl = "#!/usr/bin/env perl\nopen(my $f, '>>', '.git/perl-pre-push.log') or die;\nprint $f \"args: @ARGV\\n\";\nwhile (<STDIN>) { print $f $_; }\n";
    std::fs::write(&pre, perl).expect("write");
    set_mode(&pre, 0o755);
    // A disabled (non-executable) sh hook: must stay disabled.
    let disabled = "#!/bin/sh\necho disabled-hook-ran >> .git/disabled.log\n";
    std::fs::write(&post, disabled).expect("write");
    set_mode(&post, 0o644);

    let out = install(&repo);
    assert!(out.contains("pre-push.before-intellimanage"), "{out}");
    assert!(out.contains("post-commit.before-intellimanage"), "{out}");
    let kept = hooks_dir(&repo).join("pre-push.before-intellimanage");
    assert_eq!(std::fs::read_to_string(&kept).expect("kept"), perl);
    assert_eq!(mode_of(&kept), 0o755);

    repo.write(
        &format!("{P}/tasks/TASK-002_button.md"),
        &task("TASK-002", "Submit button", "🟡 To Do"),
    );
    commit_all(&repo, "Plan the button");
    assert!(
        !repo.path().join(".git/disabled.log").exists(),
        "a disabled hook stays disabled"
    );

    // A push runs our block, then the perl hook with the same arguments and ref lines.
    let remote = bare_remote(&repo);
    let emu = emulator();
    let out = push(&repo, &emu.url(), &["-q", "origin", "main"]);
    assert_ok(&out, "git push");
    let sha = repo.git(&["rev-parse", "HEAD"]);
    let log =
        std::fs::read_to_string(repo.path().join(".git/perl-pre-push.log")).expect("perl hook ran");
    assert!(
        log.contains(&format!("args: origin {}", remote.path().display())),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "refs/heads/main {sha} refs/heads/main {}",
            "0".repeat(40)
        )),
        "the chained hook reads git's ref lines: {log}"
    );
    assert!(
        !emu.issues(OWNER, REPO).is_empty(),
        "our block synced first"
    );

    let out = repo.im_ok(&["hooks", "uninstall"]);
    assert!(out.contains("back as it was"), "{out}");
    assert_eq!(std::fs::read_to_string(&pre).expect("restored"), perl);
    assert_eq!(mode_of(&pre), 0o755);
    assert_eq!(std::fs::read_to_string(&post).expect("restored"), disabled);
    assert_eq!(mode_of(&post), 0o644);
    assert!(!kept.exists());
}

#[test]
fn core_hooks_path_is_where_hooks_go_and_a_global_one_is_warned_about() {
    let repo = plan_repo("");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let out = repo.im(&["hooks", "install"]);
    assert_ok(&out, "hooks install");
    assert!(!stderr(&out).contains("global"), "{}", stderr(&out));
    assert!(repo.path().join(".githooks/post-commit").exists());
    assert!(!hooks_dir(&repo).join("post-commit").exists());
    repo.write(
        &format!("{P}/tasks/TASK-002_button.md"),
        &task("TASK-002", "A bigger button", "🟡 To Do"),
    );
    let sha = commit_all(&repo, "Bigger button");
    assert!(
        links_doc(&repo, &sha).is_some(),
        "the hook under core.hooksPath ran"
    );
    repo.im_ok(&["hooks", "uninstall"]);
    assert!(!repo.path().join(".githooks/post-commit").exists());

    // core.hooksPath from the user's global configuration.
    let global = repo.home.path().join("global-hooks");
    repo.git(&["config", "--unset", "core.hooksPath"]);
    repo.git(&[
        "config",
        "--global",
        "core.hooksPath",
        &global.to_string_lossy(),
    ]);
    let out = repo.im(&["hooks", "install"]);
    assert_ok(&out, "hooks install (global)");
    let err = stderr(&out);
    assert!(err.contains("warning:") && err.contains("global"), "{err}");
    assert!(global.join("post-commit").exists() && global.join("pre-push").exists());
    let status = repo.im_json(&["hooks", "status", "--json"]);
    assert_eq!(status["core_hooks_path"]["scope"], "global");
}

#[test]
fn a_linked_worktree_uses_the_shared_hooks() {
    let repo = plan_repo("");
    let wt_parent = tempfile::tempdir().expect("temp dir");
    let wt = wt_parent.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        &wt.to_string_lossy(),
    ]);
    let mut cmd = repo.command(BIN);
    let out = cmd
        .current_dir(&wt)
        .args(["hooks", "install"])
        .output()
        .expect("run");
    assert_ok(&out, "hooks install in the worktree");
    assert!(
        hooks_dir(&repo).join("post-commit").exists(),
        "hooks are shared by all worktrees"
    );

    std::fs::write(
        wt.join(format!("{P}/tasks/TASK-001_validate-email.md")),
        task("TASK-001", "Validate in the worktree", "🟡 To Do"),
    )
    .expect("write");
    assert_ok(
        &run_git(
            &repo,
            &wt,
            &["commit", "-q", "-am", "Worktree edit, refs BUG-001"],
            &[],
        ),
        "commit",
    );
    let sha = stdout(&run_git(&repo, &wt, &["rev-parse", "HEAD"], &[]))
        .trim()
        .to_string();
    // The links live in the shared refs: the main worktree sees them.
    let doc = links_doc(&repo, &sha).expect("recorded from the linked worktree");
    assert_eq!(doc["branch"], "feature");
    assert_eq!(
        touched(&doc),
        [("TASK-001".to_string(), "modified".to_string())]
    );
    assert_eq!(
        mentions(&doc),
        [("Refs".to_string(), "BUG-001".to_string(), false)]
    );
}

// ----------------------------------------------------------------------------- post-commit

#[test]
fn post_commit_records_what_the_commit_touches_and_names() {
    let repo = plan_repo("");
    install(&repo);
    repo.write("notes.txt", "untracked, must stay so\n");
    repo.write(
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &task("TASK-001", "Validate e-mail (v2)", "🟡 To Do"),
    );
    repo.write(
        &format!("{P}/tasks/TASK-003_new.md"),
        &task("TASK-003", "Brand new", "⚪️ Backlog"),
    );
    repo.remove(&format!("{P}/tasks/BUG-001_typo.md"));
    // Archiving moves a file: the same artifact, changed.
    let old = format!("{P}/tasks/TASK-002_button.md");
    let content = repo.read(&old);
    repo.remove(&old);
    repo.write(&format!("{P}/archive/tasks/TASK-002_button.md"), &content);
    repo.write("README.md", "not a plan file\n");
    repo.git(&["add", "--", ".ruru", "README.md"]);
    let out = run_git(
        &repo,
        repo.path(),
        &[
            "commit",
            "-m",
            "Rework sign-up\n\nfixes TASK-001, TASK-002 and Refs: epic-001\nRelates to FEAT-001. Closes NOPE-42",
        ],
        &[],
    );
    assert_ok(&out, "git commit");
    let sha = repo.git(&["rev-parse", "HEAD"]);
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("intellimanage:"))
        .unwrap_or_else(|| panic!("one line from the hook: {err}"));
    assert!(
        line.contains(&sha[..7]) && line.contains("TASK-001") && line.contains("🟢 Done"),
        "{line}"
    );
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("intellimanage:"))
            .count(),
        1
    );

    let doc = links_doc(&repo, &sha).expect("recorded");
    assert_eq!(doc["commit"], sha.as_str());
    assert_eq!(doc["summary"], "Rework sign-up");
    assert_eq!(doc["branch"], "main");
    assert_eq!(
        touched(&doc),
        [
            ("BUG-001".to_string(), "removed".to_string()),
            ("TASK-001".to_string(), "modified".to_string()),
            ("TASK-002".to_string(), "modified".to_string()),
            ("TASK-003".to_string(), "added".to_string()),
        ]
    );
    assert_eq!(
        mentions(&doc),
        [
            ("Fixes".to_string(), "TASK-001".to_string(), true),
            ("Fixes".to_string(), "TASK-002".to_string(), true),
            ("Refs".to_string(), "epic-001".to_string(), false),
            ("Relates to".to_string(), "FEAT-001".to_string(), false),
            ("Closes".to_string(), "NOPE-42".to_string(), true),
        ]
    );
    assert_eq!(doc["mentions"][2]["project"], "demo");
    assert!(
        doc["mentions"][4].get("project").is_none(),
        "unknown IDs have no project"
    );

    // Working tree and index untouched: the untracked file is still untracked, nothing staged.
    assert_eq!(repo.git(&["status", "--porcelain"]), "?? notes.txt");
    // A commit that names and touches nothing is not recorded.
    let before = repo.git(&["rev-parse", COMMITS_REF]);
    let out = run_git(
        &repo,
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "Nothing to see"],
        &[],
    );
    assert_ok(&out, "empty commit");
    assert!(!stderr(&out).contains("intellimanage:"), "{}", stderr(&out));
    assert_eq!(repo.git(&["rev-parse", COMMITS_REF]), before);
}

#[test]
fn a_merge_commit_is_compared_with_its_first_parent() {
    let repo = plan_repo("");
    install(&repo);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        &format!("{P}/tasks/TASK-002_button.md"),
        &task("TASK-002", "Round button", "🔵 In Progress"),
    );
    commit_all(&repo, "Round the button");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &task("TASK-001", "Main-side edit", "🟡 To Do"),
    );
    commit_all(&repo, "Edit on main");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    let out = run_git(
        &repo,
        repo.path(),
        &["commit", "-q", "-m", "Merge feature; refs TASK-002"],
        &[],
    );
    assert_ok(&out, "commit the merge");
    let sha = repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(
        repo.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
    let doc = links_doc(&repo, &sha).expect("the merge is recorded");
    // Against the first parent (main), only the feature's change shows.
    assert_eq!(
        touched(&doc),
        [("TASK-002".to_string(), "modified".to_string())]
    );
}

#[test]
fn post_commit_stays_quiet_during_rebase_and_cherry_pick_and_without_sync() {
    let repo = plan_repo("");
    install(&repo);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &task("TASK-001", "Topic edit", "🟡 To Do"),
    );
    let topic = commit_all(&repo, "Topic work, fixes TASK-001");
    assert!(links_doc(&repo, &topic).is_some());
    repo.git(&["checkout", "-q", "main"]);
    repo.write("other.txt", "main moves on\n");
    commit_all(&repo, "Main moves on");

    let out = run_git(&repo, repo.path(), &["cherry-pick", topic.as_str()], &[]);
    assert_ok(&out, "cherry-pick");
    assert!(!stderr(&out).contains("intellimanage:"), "{}", stderr(&out));
    let picked = repo.git(&["rev-parse", "HEAD"]);
    assert_ne!(picked, topic);
    assert!(
        links_doc(&repo, &picked).is_none(),
        "cherry-picked commits are not recorded"
    );

    repo.git(&["checkout", "-q", "topic"]);
    let out = run_git(&repo, repo.path(), &["rebase", "main~1"], &[]);
    assert_ok(&out, "rebase");
    assert!(!stderr(&out).contains("intellimanage:"), "{}", stderr(&out));
    let rebased = repo.git(&["rev-parse", "HEAD"]);
    assert_ne!(rebased, topic, "the rebase made a new commit");
    assert!(
        links_doc(&repo, &rebased).is_none(),
        "rebased commits are not recorded"
    );

    // Sync disabled: nothing happens at all.
    let quiet = TestRepo::new();
    write_demo_plan(&quiet);
    let cfg = quiet
        .read(&format!("{P}/project_config.toml"))
        .replace("enable_sync = true", "enable_sync = false");
    quiet.write(&format!("{P}/project_config.toml"), &cfg);
    commit_all(&quiet, "plan");
    install(&quiet);
    quiet.write(
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &task("TASK-001", "x", "🟡 To Do"),
    );
    quiet.git(&["add", "-A"]);
    let out = run_git(
        &quiet,
        quiet.path(),
        &["commit", "-q", "-m", "Fixes TASK-001"],
        &[],
    );
    assert_ok(&out, "commit");
    assert_eq!(stderr(&out), "");
    assert!(!ref_exists(&quiet, COMMITS_REF));
}

#[test]
fn done_proposals_show_in_status_and_apply_only_on_request() {
    let repo = plan_repo("");
    install(&repo);
    let sha = commit_all(&repo, "Wire the button. Closes TASK-002");
    let out = repo.im_ok(&["status"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("proposed:"))
        .unwrap_or_else(|| panic!("a proposal line: {out}"));
    assert!(
        line.contains("TASK-002") && line.contains("🟢 Done") && line.contains(&sha[..7]),
        "{line}"
    );
    let json = repo.im_json(&["status", "--json"]);
    assert_eq!(json["proposals"][0]["id"], "TASK-002");
    assert_eq!(json["proposals"][0]["proposed_status"], "🟢 Done");
    // Nothing was applied by itself.
    let file = format!("{P}/tasks/TASK-002_button.md");
    assert!(repo.read(&file).contains("status = \"⚪️ Backlog\""));

    let out = repo.im_ok(&["hooks", "proposals", "--apply"]);
    assert!(out.contains("applied:"), "{out}");
    let text = repo.read(&file);
    assert!(text.contains("status = \"🟢 Done\""), "{text}");
    assert!(
        text.contains(&sha),
        "the commit joins related_commits: {text}"
    );
    assert!(
        text.contains("title = \"Submit button\""),
        "other fields are kept: {text}"
    );
    commit_all(&repo, "Apply the proposal");
    let json = repo.im_json(&["status", "--json"]);
    assert_eq!(json["proposals"], Value::Array(Vec::new()), "done now");
}

#[test]
fn a_missing_binary_is_reported_and_git_goes_on() {
    let repo = plan_repo("");
    let bin_dir = tempfile::tempdir().expect("temp dir");
    let copy = bin_dir.path().join("git-intellimanage");
    // A hard link, not a copy: a copy's write handle can leak into a child that another
    // test thread forks at that moment, and executing the file then fails with "text file
    // busy". Across file systems, a copy it has to be.
    if std::fs::hard_link(BIN, &copy).is_err() {
        std::fs::copy(BIN, &copy).expect("copy the binary");
    }
    let mut cmd = repo.command(&copy.to_string_lossy());
    assert_ok(
        &cmd.args(["hooks", "install"]).output().expect("run"),
        "install with the copy",
    );
    std::fs::remove_file(&copy).expect("remove the copy");

    repo.write(
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &task("TASK-001", "x", "🟡 To Do"),
    );
    repo.git(&["add", "-A"]);
    let out = run_git(
        &repo,
        repo.path(),
        &["commit", "-q", "-m", "Fixes TASK-001"],
        &[],
    );
    assert_ok(&out, "commit without the binary");
    let err = stderr(&out);
    assert!(
        err.contains("git-intellimanage: not found")
            && err.contains(&copy.to_string_lossy().to_string()),
        "{err}"
    );

    let remote = bare_remote(&repo);
    let out = run_git(&repo, repo.path(), &["push", "-q", "origin", "main"], &[]);
    assert_ok(&out, "push without the binary");
    assert!(stderr(&out).contains("push not synced"), "{}", stderr(&out));
    assert_eq!(
        remote_head(&repo, remote.path(), "main"),
        Some(repo.git(&["rev-parse", "HEAD"]))
    );
}

// ----------------------------------------------------------------------------- pre-push

#[test]
fn pre_push_syncs_the_plan_branch_and_comments_each_link_once() {
    let repo = plan_repo("");
    install(&repo);
    let remote = bare_remote(&repo);
    let emu = emulator();
    repo.write(
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &task("TASK-001", "Validate e-mail", "🔵 In Progress"),
    );
    let linked = commit_all(&repo, "Check MX records\n\nFixes TASK-001");
    let out = push(&repo, &emu.url(), &["origin", "main"]);
    assert_ok(&out, "git push");
    let err = stderr(&out);
    assert!(err.contains("intellimanage: synced demo"), "{err}");
    assert!(err.contains("commented"), "{err}");
    assert_eq!(
        remote_head(&repo, remote.path(), "main"),
        Some(linked.clone())
    );

    let issue = issue_of(&emu, "TASK-001");
    let number = issue["number"].as_u64().expect("number");
    assert_eq!(issue["state"], "open", "closing needs an explicit opt-in");
    assert_eq!(comments_with_marker(&emu, number, &linked), 1);
    let body = emu.comments(OWNER, REPO, number)[0]["body"]
        .as_str()
        .expect("body")
        .to_string();
    assert!(
        body.contains(&linked)
            && body.contains("Check MX records")
            && body.contains("Fixes TASK-001"),
        "{body}"
    );
    assert!(
        issue_of(&emu, "BUG-001")["number"].as_u64().is_some(),
        "the whole plan synced"
    );
    let doc = links_doc(&repo, &linked).expect("recorded");
    assert_eq!(doc["comments"][0]["issue"].as_u64(), Some(number));

    // Re-push the same commit (the remote is moved back): no second comment.
    let first = repo.git(&["rev-parse", "HEAD~1"]);
    assert_ok(
        &run_git(
            &repo,
            remote.path(),
            &["update-ref", "refs/heads/main", &first],
            &[],
        ),
        "rewind the remote",
    );
    let out = push(&repo, &emu.url(), &["origin", "main"]);
    assert_ok(&out, "second push");
    assert_eq!(comments_with_marker(&emu, number, &linked), 1);

    // Even without the local record, the marker on GitHub prevents a duplicate.
    repo.git(&["update-ref", "-d", COMMITS_REF]);
    assert_ok(
        &run_git(
            &repo,
            remote.path(),
            &["update-ref", "refs/heads/main", &first],
            &[],
        ),
        "rewind again",
    );
    let out = push(&repo, &emu.url(), &["origin", "main"]);
    assert_ok(&out, "third push");
    assert_eq!(comments_with_marker(&emu, number, &linked), 1);
    let doc = links_doc(&repo, &linked).expect("re-recorded by pre-push");
    assert_eq!(doc["comments"][0]["issue"].as_u64(), Some(number));
}

#[test]
fn pre_push_ignores_other_branches_and_honours_plan_branch() {
    let repo = plan_repo("plan_branch = \"plan\"\n");
    install(&repo);
    let remote = bare_remote(&repo);
    let emu = emulator();
    let out = push(&repo, &emu.url(), &["-q", "origin", "main"]);
    assert_ok(&out, "push main");
    assert!(
        emu.requests().is_empty(),
        "main is not the plan branch here"
    );
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit_all(&repo, "Refs TASK-001");
    assert_ok(
        &push(&repo, &emu.url(), &["-q", "origin", "feature"]),
        "push feature",
    );
    assert!(emu.requests().is_empty(), "feature is not the plan branch");
    let out = push(&repo, &emu.url(), &["origin", "HEAD:refs/heads/plan"]);
    assert_ok(&out, "push plan");
    assert!(!emu.issues(OWNER, REPO).is_empty(), "{}", stderr(&out));
    assert!(remote_head(&repo, remote.path(), "plan").is_some());
}

#[test]
fn a_push_goes_through_with_github_down_unless_blocking_is_asked_for() {
    let repo = plan_repo("");
    install(&repo);
    let remote = bare_remote(&repo);
    let down = closed_port_url();
    repo.write(
        &format!("{P}/tasks/TASK-001_validate-email.md"),
        &task("TASK-001", "x", "🟡 To Do"),
    );
    let sha = commit_all(&repo, "Fixes TASK-001");
    let started = std::time::Instant::now();
    let out = push(&repo, &down, &["origin", "main"]);
    assert_ok(&out, "push with GitHub down");
    let err = stderr(&out);
    assert!(err.contains("could not sync"), "{err}");
    assert!(
        err.contains("push goes on") && err.contains("git intellimanage sync"),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
    assert_eq!(remote_head(&repo, remote.path(), "main"), Some(sha));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "no long waits"
    );

    // With block_push_on_failure the push stops, and the remote keeps its old state.
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("demo", "block_push_on_failure = true\n"),
    );
    let blocked = commit_all(&repo, "Block pushes on failure");
    let out = push(&repo, &down, &["origin", "main"]);
    assert!(
        !out.status.success(),
        "the push must fail: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("blocking the push"),
        "{}",
        stderr(&out)
    );
    assert_ne!(remote_head(&repo, remote.path(), "main"), Some(blocked));
}

#[test]
fn close_on_commit_keywords_closes_the_issue_when_opted_in() {
    let repo = plan_repo("\n[github_integration.mapping]\nclose_on_commit_keywords = true\n");
    install(&repo);
    let _remote = bare_remote(&repo);
    let emu = emulator();
    let sha = commit_all(&repo, "Done with the typo. Closes BUG-001; refs TASK-002");
    let out = push(&repo, &emu.url(), &["origin", "main"]);
    assert_ok(&out, "push");
    assert!(
        stderr(&out).contains("closed acme/demo#"),
        "{}",
        stderr(&out)
    );
    let bug = issue_of(&emu, "BUG-001");
    assert_eq!(bug["state"], "closed");
    assert_eq!(bug["state_reason"], "completed");
    let task2 = issue_of(&emu, "TASK-002");
    assert_eq!(task2["state"], "open", "a link keyword only comments");
    let n = task2["number"].as_u64().expect("number");
    assert_eq!(comments_with_marker(&emu, n, &sha), 1);
}

#[test]
fn a_push_without_a_token_goes_through_and_says_how_to_provide_one() {
    let repo = plan_repo("");
    install(&repo);
    let remote = bare_remote(&repo);
    let emu = emulator();
    let sha = commit_all(&repo, "Refs TASK-001");
    let started = std::time::Instant::now();
    // No token anywhere (no keyring entry for this host, no variables, no helper).
    let out = run_git(
        &repo,
        repo.path(),
        &["push", "origin", "main"],
        &[("GITHUB_API_URL", emu.url().as_str())],
    );
    assert_ok(&out, "push without a token");
    let err = stderr(&out);
    assert!(err.contains("no GitHub token found"), "{err}");
    assert!(
        err.contains("git intellimanage auth login") && err.contains("GITHUB_PAT"),
        "{err}"
    );
    assert!(err.contains("push goes on"), "{err}");
    assert_eq!(remote_head(&repo, remote.path(), "main"), Some(sha));
    assert!(emu.issues(OWNER, REPO).is_empty());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "never waits for a prompt"
    );
}

#[test]
fn a_config_api_url_never_gets_a_token_from_the_environment() {
    const SECRET: &str = "ghp_SecretXNotForConfigHosts4Kq";
    let emu = emulator();
    emu.add_token(SECRET, "leaked", &["repo"]);
    let url = emu.url();
    let repo = plan_repo(&format!(
        "api_url = \"{url}\"\npat_env_var_name = \"SECRET_X\"\n"
    ));
    install(&repo);
    let remote = bare_remote(&repo);
    let sha = commit_all(&repo, "Refs TASK-001");
    let env = [("SECRET_X", SECRET), ("INTELLIMANAGE_NO_KEYRING", "1")];

    // GITHUB_API_URL unset: the config alone names the emulator, so no request carries SECRET_X.
    let out = run_git(&repo, repo.path(), &["push", "origin", "main"], &env);
    assert_ok(&out, "push with a config api_url");
    let err = stderr(&out);
    assert!(!err.contains(SECRET), "{err}");
    assert!(
        emu.requests()
            .iter()
            .all(|r| r.login.as_deref() != Some("leaked")),
        "the token was sent: {:?}",
        emu.requests()
    );
    assert!(emu.issues(OWNER, REPO).is_empty());
    let host = url.trim_start_matches("http://");
    assert!(
        err.contains(&format!(
            "$SECRET_X, $GITHUB_TOKEN, $GH_TOKEN: not used for {host}"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("git intellimanage auth login --api-url {url}"))
            && err.contains("git credential approve")
            && err.contains(&format!("export GITHUB_API_URL={url}")),
        "{err}"
    );
    assert!(err.contains("push goes on"), "{err}");
    assert_eq!(remote_head(&repo, remote.path(), "main"), Some(sha));

    // `sync` says the same, with the auth exit code; `auth login` wants the host named.
    let out = repo.im_env(&["sync", "--push-only"], &env);
    assert_exit(&out, 5, "sync with a config api_url");
    assert!(stderr(&out).contains("not used for"), "{}", stderr(&out));
    let out = repo.im_env(&["auth", "status"], &env);
    assert_exit(&out, 5, "auth status with a config api_url");
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());

    // The environment names the emulator: its token goes there.
    repo.write(
        &format!("{P}/tasks/TASK-002_button.md"),
        &task("TASK-002", "Submit button", "🟡 To Do"),
    );
    commit_all(&repo, "Refs TASK-002");
    let mut chosen = env.to_vec();
    chosen.push(("GITHUB_API_URL", url.as_str()));
    let out = run_git(&repo, repo.path(), &["push", "origin", "main"], &chosen);
    assert_ok(&out, "push with GITHUB_API_URL");
    assert!(stderr(&out).contains("synced demo"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(SECRET));
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.login.as_deref() == Some("leaked")),
        "the token was used"
    );
    assert!(!emu.issues(OWNER, REPO).is_empty());
}

#[test]
fn plain_http_to_another_machine_is_refused_before_any_lookup() {
    let repo = plan_repo("api_url = \"http://github.example.invalid/api/v3\"\n");
    let out = repo.im_env(
        &["sync", "--push-only"],
        &[("GITHUB_PAT", TOKEN), ("INTELLIMANAGE_NO_KEYRING", "1")],
    );
    assert_exit(&out, 5, "sync over plain http");
    let err = stderr(&out);
    assert!(
        err.contains("http://github.example.invalid/api/v3 is plain http"),
        "{err}"
    );
    assert!(
        err.contains("https://github.example.invalid/api/v3"),
        "the hint names the https address: {err}"
    );
    assert!(!err.contains(TOKEN));
}

/// A directory holding a stand-in `git-intellimanage` that exits with `status`, and the
/// PATH that finds it first.
#[cfg(unix)]
fn failing_binary(status: u8) -> (tempfile::TempDir, std::ffi::OsString) {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = dir.path().join("git-intellimanage");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"stand-in exits {status}\" >&2\nexit {status}\n"),
    )
    .expect("write the stand-in");
    set_mode(&fake, 0o755);
    let mut dirs = vec![dir.path().to_path_buf()];
    dirs.extend(std::env::split_paths(&clean_path()));
    let path = std::env::join_paths(dirs).expect("PATH");
    (dir, path)
}

#[cfg(unix)]
#[test]
fn a_failing_binary_never_ends_a_user_hook_that_runs_with_sh_e() {
    let repo = plan_repo("");
    let hooks = hooks_dir(&repo);
    for name in ["pre-push", "post-commit"] {
        let path = hooks.join(name);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh -e\nread line || :\necho \"{name} ran: $line\" >> .git/user-hook.log\n"
            ),
        )
        .expect("write user hook");
        set_mode(&path, 0o755);
    }
    let out = install(&repo);
    assert!(out.contains("existing hook"), "{out}");
    let remote = bare_remote(&repo);
    let log =
        || std::fs::read_to_string(repo.path().join(".git/user-hook.log")).unwrap_or_default();

    // 101 is what a panic exits with.
    let (_keep, path) = failing_binary(101);
    let path = path.to_string_lossy().into_owned();
    repo.git(&["add", "-A"]);
    let out = run_git(
        &repo,
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "Refs TASK-001"],
        &[("PATH", path.as_str())],
    );
    assert_ok(&out, "commit with a failing binary");
    assert!(
        stderr(&out).contains("stand-in exits 101"),
        "{}",
        stderr(&out)
    );
    assert!(
        log().contains("post-commit ran"),
        "the user's post-commit ran: {}",
        log()
    );
    let sha = repo.git(&["rev-parse", "HEAD"]);
    let out = run_git(
        &repo,
        repo.path(),
        &["push", "origin", "main"],
        &[("PATH", path.as_str())],
    );
    assert_ok(&out, "push with a failing binary");
    assert!(
        stderr(&out).contains("stand-in exits 101"),
        "{}",
        stderr(&out)
    );
    assert!(
        log().contains(&format!(
            "pre-push ran: refs/heads/main {sha} refs/heads/main"
        )),
        "the user's pre-push ran and read git's ref lines: {}",
        log()
    );
    assert_eq!(remote_head(&repo, remote.path(), "main"), Some(sha));

    // Exit status 1 (block_push_on_failure) still stops the push.
    let (_keep, path) = failing_binary(1);
    let blocked = commit_all(&repo, "Another");
    let out = run_git(
        &repo,
        repo.path(),
        &["push", "origin", "main"],
        &[("PATH", path.to_string_lossy().as_ref())],
    );
    assert!(!out.status.success(), "{}", stderr(&out));
    assert_ne!(remote_head(&repo, remote.path(), "main"), Some(blocked));
}

#[test]
fn a_trunk_default_is_found_without_the_remote_head_or_said_once() {
    let repo = plan_repo("");
    install(&repo);
    repo.git(&["branch", "-m", "main", "trunk"]);
    let remote = bare_remote(&repo);
    let emu = emulator();
    assert!(!ref_exists(&repo, "refs/remotes/origin/HEAD"));

    // Nothing tells which branch is the default: one line says how to set plan_branch,
    // once for the whole push, and nothing is asked of GitHub.
    repo.git(&["branch", "feature"]);
    let out = push(&repo, &emu.url(), &["origin", "trunk", "feature"]);
    assert_ok(&out, "push trunk and feature");
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("plan_branch")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("which branch of origin carries the plan is unknown")
            && lines[0].contains(&format!(
                "set plan_branch = \"<branch>\" under [github_integration] in {P}/project_config.toml"
            )),
        "{err}"
    );
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
    assert!(remote_head(&repo, remote.path(), "trunk").is_some());

    // init.defaultBranch names it: the push of trunk syncs, without asking the remote.
    repo.git(&["config", "init.defaultBranch", "trunk"]);
    commit_all(&repo, "Refs TASK-001");
    let out = push(&repo, &emu.url(), &["origin", "trunk"]);
    assert_ok(&out, "push trunk with init.defaultBranch");
    assert!(stderr(&out).contains("synced demo"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("plan_branch"), "{}", stderr(&out));
    assert!(!emu.issues(OWNER, REPO).is_empty());
}

/// `git commit` (hooks run) with the committer date given.
fn commit_at(repo: &TestRepo, message: &str, date: &str) -> String {
    repo.git(&["add", "-A"]);
    let out = run_git(
        repo,
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", message],
        &[("GIT_COMMITTER_DATE", date)],
    );
    assert_ok(&out, "git commit");
    repo.git(&["rev-parse", "HEAD"])
}

#[test]
fn related_commits_show_up_in_show_and_write_links_writes_them() {
    let repo = plan_repo("");
    let before = repo.git(&["rev-parse", "HEAD"]);
    install(&repo);
    let file = format!("{P}/tasks/TASK-001_validate-email.md");
    // The file already lists a commit of its own (from before the hooks), under a comment.
    repo.write(
        &file,
        &artifact(
            "TASK-001",
            TASK,
            "Validate e-mail",
            "🔵 In Progress",
            &format!(
                "feature_id = \"FEAT-001\"\n# commits from before the hooks\nrelated_commits = [\"{}\"]\n",
                &before[..7]
            ),
            "Check the address.\n",
        ),
    );
    let touched = commit_at(&repo, "Start on the e-mail check", "2025-05-02T12:00:00Z");
    let named = commit_at(&repo, "Tidy up. Refs TASK-001", "2025-05-03T12:00:00Z");
    // A commit on another branch is not part of HEAD's history.
    repo.git(&["checkout", "-q", "-b", "side"]);
    let elsewhere = commit_at(&repo, "Refs TASK-001 elsewhere", "2025-05-04T12:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    assert!(links_doc(&repo, &elsewhere).is_some(), "recorded, though");

    let json = repo.im_json(&["show", "TASK-001", "--json"]);
    let related: Vec<(String, bool, bool)> = json["related_commits"]
        .as_array()
        .expect("related_commits")
        .iter()
        .map(|c| {
            (
                c["commit"].as_str().expect("commit").to_string(),
                c["recorded"].as_bool().expect("recorded"),
                c["in_file"].as_bool().expect("in_file"),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            (before.clone(), false, true),
            (touched.clone(), true, false),
            (named.clone(), true, false),
        ],
        "{json:#}"
    );
    assert_eq!(json["related_commits"][0]["summary"], "Add the plan");
    assert_eq!(
        json["related_commits"][2]["summary"],
        "Tidy up. Refs TASK-001"
    );
    let text = repo.im_ok(&["show", "TASK-001"]);
    assert!(
        text.contains("related commits:")
            && text.contains(&format!("{} Start on the e-mail check", &touched[..7]))
            && !text.contains(&elsewhere[..7]),
        "{text}"
    );
    // A commit that only names another artifact is not listed.
    let other = repo.im_json(&["show", "TASK-002", "--json"]);
    assert_eq!(other["related_commits"], Value::Array(Vec::new()));

    let emu = emulator();
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--write-links", "--commit"]);
    assert_ok(&out, "sync --write-links");
    let written = repo.read(&file);
    assert!(
        written.contains(&format!(
            "# commits from before the hooks\nrelated_commits = [\"{}\", \"{touched}\", \"{named}\"]\n",
            &before[..7]
        )),
        "{written}"
    );
    assert!(!written.contains(&elsewhere), "{written}");
    assert!(
        written.contains("Check the address.\n"),
        "body kept: {written}"
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let json = repo.im_json(&["show", "TASK-001", "--json"]);
    assert!(
        json["related_commits"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|c| c["recorded"] == true)
            .all(|c| c["in_file"] == true),
        "{json:#}"
    );
    // A second run has nothing more to write.
    let head = repo.git(&["rev-parse", "HEAD"]);
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--write-links", "--commit"]);
    assert_ok(&out, "second sync --write-links");
    assert_eq!(repo.read(&file), written);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
}
