//! `sync --write-links`: the GitHub links go into the artifact files, layout kept, and the
//! record absorbs them (nothing shows as pending afterwards, a second run writes nothing).

use crate::support::*;
use github_emulator::Emulator;

#[test]
fn links_are_written_into_the_files_once() {
    let gh = Emulator::start();
    gh.add_token("tok-links", "ada", &["repo"]);
    gh.add_repo("acme", "demo");
    let repo = TestRepo::new();
    write_demo_plan(&repo);
    // A commented-out key is where the real one should land.
    let task = ".ruru/projects/demo/tasks/TASK-002_button.md";
    repo.write(
        task,
        &repo.read(task).replacen(
            "tags = [\"frontend\"]\n",
            "tags = [\"frontend\"]\n# related_issues = []\n",
            1,
        ),
    );
    repo.commit_all("plan");
    let env = [
        ("GITHUB_API_URL", gh.url()),
        ("GITHUB_PAT", "tok-links".to_string()),
        ("INTELLIMANAGE_NO_KEYRING", "1".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = repo.im_env(&["sync", "--write-links", "--commit"], &env);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    let number_of = |id: &str| -> u64 {
        gh.issues("acme", "demo")
            .iter()
            .find(|i| {
                i["body"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with(&format!("IntelliManage-ID: {id}"))
            })
            .and_then(|i| i["number"].as_u64())
            .unwrap_or_else(|| panic!("no issue for {id}"))
    };
    let text = repo.read(task);
    let n = number_of("TASK-002");
    assert!(
        text.contains(&format!(
            "# related_issues = []\nrelated_issues = [\"acme/demo#{n}\"]\n"
        )),
        "placed after the commented-out key:\n{text}"
    );
    assert!(text.contains("A button.\n"), "body kept:\n{text}");
    let epic = repo.read(".ruru/projects/demo/epics/EPIC-001_onboarding.md");
    let ms = gh.milestones("acme", "demo");
    let url = ms[0]["html_url"].as_str().expect("milestone url");
    assert!(
        epic.contains(&format!("related_milestone = \"{url}\"")),
        "{epic}"
    );
    // Committed with a clear message, and nothing pending afterwards.
    let log = repo.git(&["log", "-1", "--format=%s"]);
    assert!(log.starts_with("Sync from GitHub"), "{log}");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let status = repo.im_env(&["status", "--json"], &env);
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    let p = &v["projects"][0];
    assert_eq!(
        [&p["added"], &p["modified"], &p["removed"]],
        [0, 0, 0],
        "{v:#}"
    );
    // A second run writes nothing on either side.
    let writes = gh.write_count();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let again = repo.im_env(&["sync", "--write-links", "--commit", "--json"], &env);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(gh.write_count(), writes);
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(report["written"], serde_json::json!([]));
}

#[test]
fn links_are_not_written_for_a_revision_that_is_not_checked_out() {
    let gh = Emulator::start();
    gh.add_token("tok-links", "ada", &["repo"]);
    gh.add_repo("acme", "demo");
    let repo = TestRepo::new();
    write_demo_plan(&repo);
    let first = repo.commit_all("plan");
    let task = ".ruru/projects/demo/tasks/TASK-002_button.md";
    repo.write(task, &repo.read(task).replace("A button.", "A big button."));
    repo.commit_all("later");
    let url = gh.url();
    let env = github_env(&url, "tok-links");

    let out = repo.im_env(&["sync", "--write-links", "--rev", &first], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("note: links were not written into the files")
            && text.contains("is not the checked-out commit"),
        "{text}"
    );
    assert!(
        text.contains("note: the tracker's changes were not brought into the plan"),
        "both notes show: {text}"
    );
    assert!(!gh.issues("acme", "demo").is_empty(), "the sync itself ran");
    assert!(!repo.read(task).contains("related_issues"));
    assert_eq!(repo.git(&["status", "--porcelain"]), "");

    // Push-only asked for no pull: only the links note.
    let json = repo.im_env(
        &[
            "sync",
            "--write-links",
            "--push-only",
            "--rev",
            &first,
            "--json",
        ],
        &env,
    );
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let report = parse_json(&json);
    assert!(
        report["links_skipped"]
            .as_str()
            .is_some_and(|s| s.contains("not the checked-out commit")),
        "{report:#}"
    );
    assert_eq!(
        report["pull_skipped"],
        serde_json::Value::Null,
        "{report:#}"
    );
}
