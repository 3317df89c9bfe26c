//! The sync's requests and GitHub's answers, checked against GitHub's published OpenAPI
//! description: the real binary syncs through `prism proxy` (a validating proxy) in front
//! of the GitHub emulator, and no exchange may violate the description.
//!
//! Skipped, with the reason printed, when Prism is not installed (`npm ci --prefix
//! tests/contract`), unless `INTELLIMANAGE_REQUIRE_PRISM=1` (set by `tests/run.sh` when the
//! tools are there), in which case a missing Prism fails the test. Prism takes a while to
//! load the description, so everything runs in one test, through one Prism.

use crate::support::*;
use github_emulator::Emulator;
use github_emulator::contract::Prism;
use serde_json::Value;

const TOKEN: &str = "ghp_ContractT0kenForSync";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";

fn sync(repo: &TestRepo, url: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["sync", "--json"];
    all.extend_from_slice(args);
    let out = repo.im_github(url, TOKEN, &all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "sync {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("sync --json prints JSON")
}

fn edit(repo: &TestRepo, rel: &str, from: &str, to: &str) {
    let path = format!("{P}/{rel}");
    let text = repo.read(&path);
    assert!(text.contains(from), "{rel} has {from:?}");
    repo.write(&path, &text.replacen(from, to, 1));
}

fn issue_with_marker(emu: &Emulator, id: &str) -> Value {
    let line = format!("IntelliManage-ID: {id}");
    let found: Vec<Value> = emu
        .issues(OWNER, REPO)
        .into_iter()
        .filter(|i| i["body"].as_str().is_some_and(|b| b.ends_with(&line)))
        .collect();
    assert_eq!(found.len(), 1, "{id}: {found:#?}");
    found.into_iter().next().expect("one issue")
}

#[test]
fn a_full_sync_speaks_githubs_published_api() {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo", "project"]);
    emu.add_repo(OWNER, REPO);
    let Some(prism) = Prism::start(&emu.url()) else {
        return;
    };
    let url = prism.url();

    let repo = TestRepo::new();
    write_demo_plan(&repo);
    // The issues go on the organization's project board too.
    emu.add_project(
        OWNER,
        github_emulator::ProjectOwner::Organization,
        3,
        "Roadmap",
        &["Todo", "In Progress", "Done"],
    );
    let config = format!("{P}/project_config.toml");
    repo.write(
        &config,
        &(repo.read(&config) + "[github_integration.project_board]\nnumber = 3\n"),
    );
    edit(
        &repo,
        "tasks/TASK-001_validate-email.md",
        "priority",
        "assigned_to = \"ada\"\npriority",
    );
    // A dependency between two issues: set once both exist.
    edit(
        &repo,
        "tasks/TASK-002_button.md",
        "tags",
        "depends_on = [\"TASK-001\"]\ntags",
    );
    repo.write(
        &format!("{P}/tasks/TASK-003_done.md"),
        &artifact(
            "TASK-003",
            TASK,
            "Already done",
            "🟢 Done",
            "feature_id = \"FEAT-001\"\n",
            "Finished before the first sync.\n",
        ),
    );
    repo.commit_all("plan");

    // Create: labels, the epic's milestone (with a due date), issues (one closed at once).
    let first = sync(&repo, &url, &[]);
    assert!(first["requests"]["writes"].as_u64() > Some(10), "{first:#}");
    assert_eq!(emu.issues(OWNER, REPO).len(), 4);
    assert_eq!(issue_with_marker(&emu, "TASK-003")["state"], "closed");
    let number = |id: &str| {
        issue_with_marker(&emu, id)["number"]
            .as_u64()
            .expect("number")
    };
    assert_eq!(
        emu.blocked_by(OWNER, REPO, number("TASK-002")),
        [number("TASK-001")]
    );

    // Nothing changed: conditional reads only.
    let noop = sync(&repo, &url, &[]);
    assert_eq!(noop["requests"]["writes"], 0, "{noop:#}");

    // Edit: a status change (labels), a retitle, a body edit, the milestone's due date.
    edit(
        &repo,
        "tasks/TASK-001_validate-email.md",
        "🟡 To Do",
        "🔵 In Progress",
    );
    edit(
        &repo,
        "tasks/TASK-002_button.md",
        "Submit button",
        "Send button",
    );
    edit(&repo, "tasks/BUG-001_typo.md", "Sing up", "Sing-up");
    edit(
        &repo,
        "epics/EPIC-001_onboarding.md",
        "2025-06-30",
        "2025-07-15",
    );
    repo.commit_all("edits");
    let edits = sync(&repo, &url, &[]);
    // Four edits, and TASK-001's card moved to In Progress.
    assert_eq!(edits["requests"]["writes"], 5, "{edits:#}");
    assert_eq!(
        emu.project_status_of(OWNER, 3, OWNER, REPO, number("TASK-001")),
        Some(Some("In Progress".to_string()))
    );
    // A card moved on the board comes into the plan.
    emu.set_project_status(
        OWNER,
        3,
        OWNER,
        REPO,
        number("TASK-002"),
        Some("In Progress"),
    );
    sync(&repo, &url, &[]);
    assert!(
        repo.read(&format!("{P}/tasks/TASK-002_button.md"))
            .contains("status = \"🔵 In Progress\"")
    );
    repo.commit_all("take the board's move");
    assert_eq!(issue_with_marker(&emu, "TASK-002")["title"], "Send button");

    // Dependencies both ways: one added on GitHub is read (and comes into the plan), one
    // removed in the plan is deleted on GitHub.
    emu.add_dependency(OWNER, REPO, number("TASK-001"), number("TASK-003"));
    edit(
        &repo,
        "tasks/TASK-002_button.md",
        "depends_on = [\"TASK-001\"]\n",
        "",
    );
    repo.commit_all("TASK-002 no longer waits");
    emu.reset_log();
    sync(&repo, &url, &[]);
    let calls: Vec<String> = emu
        .requests()
        .iter()
        .filter(|r| r.path.contains("/dependencies/"))
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(calls, ["GET", "DELETE"], "{:#?}", emu.requests());
    assert!(emu.blocked_by(OWNER, REPO, number("TASK-002")).is_empty());
    assert!(
        repo.read(&format!("{P}/tasks/TASK-001_validate-email.md"))
            .contains("depends_on = [\"TASK-003\"]")
    );
    repo.commit_all("take GitHub's dependency");

    // Close: a task deleted, the epic archived (its milestone closes).
    repo.remove(&format!("{P}/tasks/BUG-001_typo.md"));
    edit(
        &repo,
        "epics/EPIC-001_onboarding.md",
        "🔵 In Progress",
        "🧊 Archived",
    );
    repo.commit_all("close");
    sync(&repo, &url, &[]);
    assert_eq!(issue_with_marker(&emu, "BUG-001")["state"], "closed");
    let milestones = emu.milestones(OWNER, REPO);
    assert_eq!(milestones.len(), 1);
    assert_eq!(milestones[0]["state"], "closed");

    // Release notes as a release: created (after a 404 on its tag), found again by its tag
    // (nothing written), renamed (PATCH); a draft, found again by listing.
    let release_runs: [&[&str]; 5] = [
        &["v1.0"],
        &["v1.0"],
        &["v1.0", "--release-name", "Onboarding"],
        &["v2.0", "--draft"],
        &["v2.0", "--draft"],
    ];
    for args in release_runs {
        let mut all = vec!["release-notes", "EPIC-001", "--json", "--github-release"];
        all.extend_from_slice(args);
        let out = repo.im_github(&url, TOKEN, &all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "release-notes {args:?}\nstdout:\n{}\nstderr:\n{}",
            stdout(&out),
            stderr(&out)
        );
    }
    let releases = emu.releases(OWNER, REPO);
    assert_eq!(releases.len(), 2, "{releases:#?}");
    assert_eq!(releases[0]["name"], "Onboarding");

    // The dry run's reads too.
    sync(&repo, &url, &["--dry-run"]);

    // Sub-issues: a Feature tracked as an issue, its Task made its sub-issue.
    emu.add_repo(OWNER, "subs");
    let subs = TestRepo::new();
    let sp = ".ruru/projects/subs";
    subs.write(
        &format!("{sp}/project_config.toml"),
        &project_config(
            "subs",
            "[github_integration.mapping]\nissue_types = [\"🌟 Feature\", \"🛠️ Task\"]\nsync_sub_issues = true\n",
        ),
    );
    subs.write(
        &format!("{sp}/epics/EPIC-001_e.md"),
        &artifact("EPIC-001", EPIC, "Launch", "🟡 To Do", "", "The launch.\n"),
    );
    subs.write(
        &format!("{sp}/features/FEAT-001_f.md"),
        &artifact(
            "FEAT-001",
            FEATURE,
            "Sign-up",
            "🟡 To Do",
            "epic_id = \"EPIC-001\"\n",
            "A feature.\n",
        ),
    );
    subs.write(
        &format!("{sp}/tasks/TASK-001_t.md"),
        &artifact(
            "TASK-001",
            TASK,
            "Form",
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\n",
            "The form.\n",
        ),
    );
    subs.commit_all("plan");
    sync(&subs, &url, &[]);
    let in_subs = |id: &str| {
        emu.issues(OWNER, "subs")
            .into_iter()
            .find(|i| marker(&i["body"]).as_deref() == Some(id))
            .and_then(|i| i["number"].as_u64())
            .expect("an issue")
    };
    assert_eq!(
        emu.parent_of(OWNER, "subs", in_subs("TASK-001")),
        Some(in_subs("FEAT-001"))
    );
    sync(&subs, &url, &[]);

    assert!(
        prism.exchanges() >= emu.requests().len(),
        "every request went through Prism ({} exchanges, {} requests)",
        prism.exchanges(),
        emu.requests().len()
    );
    prism.assert_clean();
}
