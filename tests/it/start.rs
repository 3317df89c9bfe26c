//! `start` and `waves --start`: branches and linked worktrees for ready work items in a real
//! repository, re-runs that reuse them, refusals, and `start --cleanup`.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::*;

const P: &str = ".ruru/projects/demo";

fn task_file(id: &str) -> String {
    format!("{P}/tasks/{id}_x.md")
}

/// EPIC-1 > FEAT-1 > TASK-1 (done), TASK-2 (in progress), TASK-3 (after 1), TASK-4 (after 2
/// and 3), TASK-5 and TASK-6 (free), TASK-7 (free).
fn plan() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("demo", ""),
    );
    repo.write(
        &format!("{P}/epics/EPIC-1_release.md"),
        &artifact("EPIC-1", EPIC, "Release 1", "🔵 In Progress", "", "R1.\n"),
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
    for (id, title, status, deps) in [
        ("TASK-1", "Set up the repo", "🟢 Done", ""),
        ("TASK-2", "Draft the API", "🔵 In Progress", ""),
        (
            "TASK-3",
            "Validate the card number",
            "🟡 To Do",
            "\"TASK-1\"",
        ),
        ("TASK-4", "Ship it", "🟡 To Do", "\"TASK-2\", \"TASK-3\""),
        ("TASK-5", "Café menu's layout", "🟡 To Do", ""),
        ("TASK-6", "Write docs", "⚪️ Backlog", ""),
        ("TASK-7", "Clean logs", "🟡 To Do", ""),
    ] {
        let extra = format!("feature_id = \"FEAT-1\"\ndepends_on = [{deps}]\n");
        repo.write(
            &task_file(id),
            &artifact(id, TASK, title, status, &extra, "Work.\n"),
        );
    }
    repo.commit_all("plan");
    repo
}

fn root(repo: &TestRepo) -> PathBuf {
    std::fs::canonicalize(repo.path()).expect("canonical repo path")
}

/// Everything `start` may change: branches, worktrees, the exclude file, HEAD, the index.
fn git_state(repo: &TestRepo) -> String {
    let exclude = std::fs::read_to_string(repo.file(".git/info/exclude")).unwrap_or_default();
    format!(
        "{}\n--\n{}\n--\n{exclude}\n--\n{}\n--\n{}",
        repo.git(&["for-each-ref", "--format=%(refname) %(objectname)"]),
        repo.git(&["worktree", "list", "--porcelain"]),
        repo.git(&["rev-parse", "HEAD", "--symbolic-full-name", "HEAD"]),
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
    )
}

fn item(repo: &TestRepo, id: &str, title: &str, branch: &str, action: &str) -> Value {
    json!({
        "project": "demo",
        "id": id,
        "title": title,
        "branch": branch,
        "worktree": root(repo).join(".worktrees").join(id).to_string_lossy(),
        "action": action,
        "reason": null,
    })
}

#[test]
fn start_makes_a_branch_and_a_worktree_per_item_and_a_rerun_reuses_them() {
    let repo = plan();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let out = repo.im(&["start", "TASK-3", "TASK-5", "--json"]);
    assert_exit(&out, 0, "start");
    let v = parse_json(&out);
    let t3 = "im/TASK-3-validate-the-card-number";
    let t5 = "im/TASK-5-cafe-menus-layout";
    let expected = json!({
        "dry_run": false,
        "base": "main",
        "prefix": "im",
        "worktree_dir": root(&repo).join(".worktrees").to_string_lossy(),
        "items": [
            item(&repo, "TASK-3", "Validate the card number", t3, "created"),
            item(&repo, "TASK-5", "Café menu's layout", t5, "created"),
        ],
    });
    assert_eq!(v, expected, "{v:#}");

    // The branches start at the base, each checked out in its worktree; the base did not move.
    for (id, branch) in [("TASK-3", t3), ("TASK-5", t5)] {
        assert_eq!(repo.git(&["rev-parse", branch]), head);
        let wt = format!(".worktrees/{id}");
        assert_eq!(
            repo.git(&["-C", &wt, "symbolic-ref", "--short", "HEAD"]),
            branch
        );
        assert!(repo.file(&format!("{wt}/{}", task_file(id))).exists());
    }
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.git(&["symbolic-ref", "--short", "HEAD"]), "main");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "1");
    // Out of git's view through .git/info/exclude, not a .gitignore.
    assert!(
        repo.read(".git/info/exclude")
            .lines()
            .any(|l| l == "/.worktrees/")
    );
    assert!(!repo.file(".gitignore").exists());
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );

    // Again: nothing changes, everything is reused.
    let before = git_state(&repo);
    let v = repo.im_json(&["start", "TASK-3", "TASK-5", "--json"]);
    let actions: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["reused", "reused"], "{v:#}");
    assert_eq!(
        v["items"][0],
        item(&repo, "TASK-3", "Validate the card number", t3, "reused")
    );
    assert_eq!(git_state(&repo), before);

    // The text output.
    let text = repo.im_ok(&["start", "TASK-3"]);
    assert_eq!(text, format!("reused  TASK-3  {t3}  .worktrees/TASK-3\n"));

    // Interrupted after the branch: the worktree is added again to the existing branch,
    // without asking about readiness again.
    repo.git(&["worktree", "remove", ".worktrees/TASK-5"]);
    let v = repo.im_json(&["start", "TASK-5", "--json"]);
    assert_eq!(v["items"][0]["action"], "created", "{v:#}");
    assert_eq!(v["items"][0]["branch"], t5);
    assert_eq!(
        v["items"][0]["reason"],
        "the branch existed; its worktree was added"
    );
    assert!(repo.file(".worktrees/TASK-5/.ruru").exists());
    // The exclude line is written once.
    let exclude = repo.read(".git/info/exclude");
    assert_eq!(exclude.matches("/.worktrees/").count(), 1, "{exclude}");
}

#[test]
fn dry_run_says_what_it_would_do_and_changes_nothing() {
    let repo = plan();
    repo.im_ok(&["start", "TASK-3"]);
    let before = git_state(&repo);
    let v = repo.im_json(&["start", "TASK-3", "TASK-6", "--dry-run", "--json"]);
    assert_eq!(v["dry_run"], true);
    assert_eq!(
        v["items"],
        json!([
            item(
                &repo,
                "TASK-3",
                "Validate the card number",
                "im/TASK-3-validate-the-card-number",
                "reused"
            ),
            item(
                &repo,
                "TASK-6",
                "Write docs",
                "im/TASK-6-write-docs",
                "created"
            ),
        ])
    );
    let text = repo.im_ok(&["start", "TASK-6", "--dry-run"]);
    assert_eq!(
        text,
        "dry run: nothing is changed\ncreate  TASK-6  im/TASK-6-write-docs  .worktrees/TASK-6\n"
    );
    assert_eq!(git_state(&repo), before);
    assert!(!repo.file(".worktrees/TASK-6").exists());
}

#[test]
fn an_item_that_is_not_ready_is_refused_unless_forced() {
    let repo = plan();
    let before = git_state(&repo);
    let out = repo.im(&["start", "TASK-4"]);
    assert_exit(&out, 1, "not ready");
    let err = stderr(&out);
    assert!(
        err.contains(
            "error: 1 item not started: TASK-4 (not ready: in wave 2, waits on TASK-2, TASK-3)"
        ),
        "{err}"
    );
    assert!(err.contains("hint:") && err.contains("--force"), "{err}");
    assert!(
        stdout(&out).starts_with("skipped TASK-4  im/TASK-4-ship-it  .worktrees/TASK-4\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(git_state(&repo), before, "nothing was made");

    // A done item is refused too; ready ones in the same run are started.
    let out = repo.im(&["start", "TASK-1", "TASK-7", "--json"]);
    assert_exit(&out, 1, "done");
    let v = parse_json(&out);
    assert_eq!(v["items"][0]["action"], "skipped");
    assert_eq!(v["items"][0]["reason"], "already done (🟢 Done)");
    assert_eq!(v["items"][1]["action"], "created");
    assert!(stderr(&out).contains("TASK-1 (already done (🟢 Done))"));

    // --force starts it, and says why it was not ready.
    let v = repo.im_json(&["start", "TASK-4", "--force", "--json"]);
    assert_eq!(v["items"][0]["action"], "created");
    assert_eq!(
        v["items"][0]["reason"],
        "--force: not ready: in wave 2, waits on TASK-2, TASK-3"
    );
    assert!(repo.file(".worktrees/TASK-4").exists());

    // Unknown IDs, Epics and bad prefixes are usage or plan errors.
    assert_exit(&repo.im(&["start", "TASK-99"]), 3, "unknown ID");
    let out = repo.im(&["start", "EPIC-1"]);
    assert_exit(&out, 2, "an Epic");
    assert!(
        stderr(&out).contains("waves EPIC-1 --start"),
        "{}",
        stderr(&out)
    );
    assert_exit(
        &repo.im(&["start", "TASK-3", "--prefix", "bad..name"]),
        2,
        "prefix",
    );
    assert_exit(&repo.im(&["start"]), 2, "no ID");
}

#[test]
fn cleanup_removes_only_done_merged_clean_worktrees() {
    let repo = plan();
    repo.im_ok(&["start", "TASK-3", "TASK-5", "TASK-6", "TASK-7"]);
    let branch = |id: &str| {
        repo.git(&[
            "-C",
            &format!(".worktrees/{id}"),
            "symbolic-ref",
            "--short",
            "HEAD",
        ])
    };
    let (b3, b5, b6, b7) = (
        branch("TASK-3"),
        branch("TASK-5"),
        branch("TASK-6"),
        branch("TASK-7"),
    );
    // TASK-3: done on its branch, merged into main.
    let wt3 = ".worktrees/TASK-3";
    repo.edit(&format!("{wt3}/{}", task_file("TASK-3")), |t| {
        t.replace("🟡 To Do", "🟢 Done")
    });
    repo.git(&["-C", wt3, "commit", "-qam", "Validate the card number"]);
    repo.git(&["merge", "-q", "--ff-only", &b3]);
    // TASK-5: done on main, but its branch has work not merged.
    repo.write(".worktrees/TASK-5/menu.txt", "menu\n");
    repo.git(&["-C", ".worktrees/TASK-5", "add", "menu.txt"]);
    repo.git(&["-C", ".worktrees/TASK-5", "commit", "-qm", "Menu"]);
    // TASK-7: done on main, merged (no commits of its own), but with uncommitted changes.
    for id in ["TASK-5", "TASK-7"] {
        repo.edit(&task_file(id), |t| t.replace("🟡 To Do", "🟢 Done"));
    }
    repo.commit_all("Done");
    repo.write(".worktrees/TASK-7/notes.txt", "not committed\n");
    // TASK-6: merged, not done.

    let before = git_state(&repo);
    let dry = repo.im_json(&["start", "--cleanup", "--dry-run", "--json"]);
    assert_eq!(git_state(&repo), before, "a dry run changes nothing");
    let wt = |id: &str| root(&repo).join(".worktrees").join(id);
    let entry = |id: &str, branch: &str, action: &str, reason: Value, deleted: bool| {
        json!({
            "id": id,
            "branch": branch,
            "worktree": wt(id).to_string_lossy(),
            "action": action,
            "reason": reason,
            "branch_deleted": deleted,
        })
    };
    let planned = json!([
        entry("TASK-3", &b3, "removed", Value::Null, false),
        entry(
            "TASK-5",
            &b5,
            "kept",
            json!(format!("{b5} is not merged into main")),
            false
        ),
        entry("TASK-6", &b6, "kept", json!("not done (⚪️ Backlog)"), false),
        entry(
            "TASK-7",
            &b7,
            "kept",
            json!(
                "it has uncommitted changes (commit or discard them; it is never removed with them)"
            ),
            false
        ),
    ]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["items"], planned, "{dry:#}");

    let v = repo.im_json(&["start", "--cleanup", "--json"]);
    let mut done = planned.clone();
    done[0]["branch_deleted"] = json!(true);
    assert_eq!(
        v,
        json!({
            "dry_run": false,
            "base": "main",
            "prefix": "im",
            "worktree_dir": root(&repo).join(".worktrees").to_string_lossy(),
            "items": done,
        })
    );
    assert!(!repo.file(wt3).exists());
    assert_eq!(
        repo.git(&["branch", "--list", &b3]),
        "",
        "merged branch deleted"
    );
    for (id, b) in [("TASK-5", &b5), ("TASK-6", &b6), ("TASK-7", &b7)] {
        assert!(repo.file(&format!(".worktrees/{id}")).exists(), "{id} kept");
        assert!(!repo.git(&["branch", "--list", b]).is_empty(), "{b} kept");
    }
    assert_eq!(repo.read(".worktrees/TASK-7/notes.txt"), "not committed\n");
    // Nothing left to do: a second cleanup keeps the same ones.
    let again = repo.im_json(&["start", "--cleanup", "--json"]);
    assert_eq!(again["items"].as_array().map(Vec::len), Some(3));
}

#[test]
fn waves_start_starts_a_wave() {
    let repo = plan();
    let v = repo.im_json(&["waves", "EPIC-1", "--start", "--json"]);
    let got: Vec<(&str, &str)> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().expect("id"),
                i["action"].as_str().expect("action"),
            )
        })
        .collect();
    // Wave 1's open items (TASK-1 is done).
    assert_eq!(
        got,
        [
            ("TASK-2", "created"),
            ("TASK-3", "created"),
            ("TASK-5", "created"),
            ("TASK-6", "created"),
            ("TASK-7", "created"),
        ]
    );
    // Wave 2 is not ready.
    let out = repo.im(&["waves", "EPIC-1", "--wave", "2", "--start", "--dry-run"]);
    assert_exit(&out, 1, "wave 2");
    assert!(
        stderr(&out).contains("TASK-4 (not ready"),
        "{}",
        stderr(&out)
    );
    assert!(!repo.file(".worktrees/TASK-4").exists());
    // The start options need --start.
    let out = repo.im(&["waves", "EPIC-1", "--dry-run"]);
    assert_exit(&out, 2, "needs --start");
}
