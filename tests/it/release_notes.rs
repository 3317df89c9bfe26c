//! `release-notes`: the finished work of an Epic, Feature or milestone by type, with the
//! issues the sync linked and the commits the post-commit hook linked, the open work apart,
//! `--since`, `--json`, `--format md`; and `--github-release` against the GitHub emulator
//! (created, left alone, updated; drafts; `--dry-run` sends nothing) and the GitLab one.

use std::process::Output;

use github_emulator::Emulator;
use serde_json::{Value, json};

use crate::support::*;

const TOKEN: &str = "ghp_ReleaseNotesT0ken42";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
const STORY: &str = "✨ Story";
const SPIKE: &str = "💡 Spike";

/// The commits the hooks linked, by name.
struct Shas {
    story: String,
    bug: String,
    close: String,
    export: String,
}

fn short(sha: &str) -> &str {
    &sha[..7]
}

/// Commits everything and runs the post-commit hook as the installed shim would.
fn commit_hooked(repo: &TestRepo, message: &str) -> String {
    let sha = repo.commit_all(message);
    let out = repo.im(&["hook", "post-commit"]);
    assert_exit(&out, 0, "hook post-commit");
    assert!(
        stderr(&out).starts_with("intellimanage: "),
        "{}",
        stderr(&out)
    );
    sha
}

fn set_status(repo: &TestRepo, file: &str, from: &str, to: &str) {
    repo.edit(&format!("{P}/tasks/{file}"), |t| t.replacen(from, to, 1));
}

/// The plan (project `demo`, syncing with acme/demo):
///
/// - EPIC-1 "Release 1" (milestone "R1") > FEAT-1 "Checkout": STORY-1 Card form, TASK-2
///   Schema, BUG-1 Crash on save, SPIKE-1 Try a PSP, TASK-3 Export, archive/TASK-4 Old idea
///   (Archived); right under the Epic: TASK-10 Docs page, BUG-2 Typo.
/// - EPIC-2 "Later": TASK-5 Elsewhere (Done).
///
/// Commit `v1` (tagged): STORY-1 and TASK-2 Done, the rest To Do. Then, each with the hook:
/// "Add the card form" (Refs STORY-1, code only); "Fix the crash on save" (Fixes BUG-1, and
/// BUG-1 Done); "Close the docs and the spike" (TASK-10 Completed, SPIKE-1 Done); "Start the
/// export" (Refs TASK-3, TASK-3 In Progress). Open at the end: TASK-3, BUG-2.
fn plan() -> (TestRepo, Shas) {
    let repo = TestRepo::new();
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("demo", ""),
    );
    let files: [(&str, &str, &str, &str, &str, &str); 12] = [
        (
            "epics",
            "EPIC-1",
            EPIC,
            "Release 1",
            "🔵 In Progress",
            "milestone_name = \"R1\"\n",
        ),
        ("epics", "EPIC-2", EPIC, "Later", "🟡 To Do", ""),
        (
            "features",
            "FEAT-1",
            FEATURE,
            "Checkout",
            "🔵 In Progress",
            "epic_id = \"EPIC-1\"\n",
        ),
        (
            "tasks",
            "STORY-1",
            STORY,
            "Card form",
            "🟢 Done",
            "feature_id = \"FEAT-1\"\n",
        ),
        (
            "tasks",
            "TASK-2",
            TASK,
            "Schema",
            "🟢 Done",
            "feature_id = \"FEAT-1\"\n",
        ),
        (
            "tasks",
            "BUG-1",
            BUG,
            "Crash on save",
            "🟡 To Do",
            "feature_id = \"FEAT-1\"\n",
        ),
        (
            "tasks",
            "SPIKE-1",
            SPIKE,
            "Try a PSP",
            "🟡 To Do",
            "feature_id = \"FEAT-1\"\n",
        ),
        (
            "tasks",
            "TASK-3",
            TASK,
            "Export",
            "🟡 To Do",
            "feature_id = \"FEAT-1\"\n",
        ),
        (
            "archive/tasks",
            "TASK-4",
            TASK,
            "Old idea",
            "🧊 Archived",
            "feature_id = \"FEAT-1\"\n",
        ),
        (
            "tasks",
            "TASK-10",
            TASK,
            "Docs page",
            "🟡 To Do",
            "epic_id = \"EPIC-1\"\n",
        ),
        (
            "tasks",
            "BUG-2",
            BUG,
            "Typo",
            "🟡 To Do",
            "epic_id = \"EPIC-1\"\n",
        ),
        (
            "tasks",
            "TASK-5",
            TASK,
            "Elsewhere",
            "🟢 Done",
            "epic_id = \"EPIC-2\"\n",
        ),
    ];
    for (folder, id, kind, title, status, extra) in files {
        repo.write(
            &format!("{P}/{folder}/{id}_x.md"),
            &artifact(id, kind, title, status, extra, "Body.\n"),
        );
    }
    repo.commit_all("Plan release 1");
    repo.git(&["tag", "v1"]);

    repo.write("src/card.rs", "// the card form\n");
    let story = commit_hooked(&repo, "Add the card form\n\nRefs STORY-1");
    repo.write("src/save.rs", "// no crash\n");
    set_status(&repo, "BUG-1_x.md", "🟡 To Do", "🟢 Done");
    let bug = commit_hooked(&repo, "Fix the crash on save (Fixes BUG-1)");
    set_status(&repo, "TASK-10_x.md", "🟡 To Do", "🟢 Completed");
    set_status(&repo, "SPIKE-1_x.md", "🟡 To Do", "🟢 Done");
    let close = commit_hooked(&repo, "Close the docs and the spike");
    set_status(&repo, "TASK-3_x.md", "🟡 To Do", "🔵 In Progress");
    let export = commit_hooked(&repo, "Start the export (Refs TASK-3)");
    (
        repo,
        Shas {
            story,
            bug,
            close,
            export,
        },
    )
}

/// The GitHub emulator with acme/demo, and the plan synced to it (so that the sync record
/// links each work item to its issue).
fn synced(repo: &TestRepo) -> Emulator {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo(OWNER, REPO);
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--json"]);
    assert_exit(&out, 0, "sync");
    emu
}

/// The issue the sync made for `id`: its number and web page.
fn issue_of(emu: &Emulator, id: &str) -> (u64, String) {
    let found: Vec<Value> = emu
        .issues(OWNER, REPO)
        .into_iter()
        .filter(|i| marker(&i["body"]).as_deref() == Some(id))
        .collect();
    assert_eq!(found.len(), 1, "{id}: {found:#?}");
    (
        found[0]["number"].as_u64().expect("number"),
        found[0]["html_url"].as_str().expect("html_url").to_string(),
    )
}

fn notes(repo: &TestRepo, args: &[&str]) -> Output {
    let mut all = vec!["release-notes"];
    all.extend_from_slice(args);
    repo.im(&all)
}

fn notes_ok(repo: &TestRepo, args: &[&str]) -> String {
    let out = notes(repo, args);
    assert_exit(&out, 0, &format!("release-notes {args:?}"));
    stdout(&out)
}

fn commit_json(repo: &TestRepo, sha: &str) -> Value {
    let summary = repo.git(&["log", "-1", "--format=%s", sha]);
    json!({"sha": sha, "short": short(sha), "summary": summary})
}

/// An item as `--json` prints it.
fn item(
    id: &str,
    title: &str,
    kind: &str,
    status: &str,
    group: &str,
    issue: Option<(u64, &str)>,
    commits: Vec<Value>,
) -> Value {
    json!({
        "project": "demo",
        "id": id,
        "title": title,
        "type": kind,
        "status": status,
        "group": group,
        "issue": issue.map(|(n, url)| json!({
            "place": "acme/demo",
            "number": n,
            "reference": format!("acme/demo#{n}"),
            "url": url,
        })),
        "commits": commits,
    })
}

#[test]
fn finished_work_by_type_with_issues_and_commits_and_open_work_apart() {
    let (repo, shas) = plan();
    let emu = synced(&repo);
    let n = |id: &str| issue_of(&emu, id);
    let (story, story_url) = n("STORY-1");
    let (task2, task2_url) = n("TASK-2");
    let (task10, task10_url) = n("TASK-10");
    let (bug1, bug1_url) = n("BUG-1");
    let (spike, spike_url) = n("SPIKE-1");
    let (task3, task3_url) = n("TASK-3");
    let (bug2, bug2_url) = n("BUG-2");
    let c = |sha: &str| commit_json(&repo, sha);

    // --json, strictly.
    let got = parse_json(&notes(&repo, &["EPIC-1", "--json"]));
    let expected = json!({
        "targets": ["EPIC-1"],
        "scope": [{"project": "demo", "id": "EPIC-1", "title": "Release 1", "kind": "Epic", "milestone_name": "R1"}],
        "since": null,
        "finished": [
            {"group": "features", "title": "Features and Stories", "items": [
                item("STORY-1", "Card form", STORY, "🟢 Done", "features", Some((story, &story_url)), vec![c(&shas.story)]),
            ]},
            {"group": "bugs", "title": "Bugs", "items": [
                item("BUG-1", "Crash on save", BUG, "🟢 Done", "bugs", Some((bug1, &bug1_url)), vec![c(&shas.bug)]),
            ]},
            {"group": "tasks", "title": "Tasks", "items": [
                item("TASK-2", "Schema", TASK, "🟢 Done", "tasks", Some((task2, &task2_url)), vec![]),
                item("TASK-10", "Docs page", TASK, "🟢 Completed", "tasks", Some((task10, &task10_url)), vec![c(&shas.close)]),
            ]},
            {"group": "other", "title": "Other", "items": [
                item("SPIKE-1", "Try a PSP", SPIKE, "🟢 Done", "other", Some((spike, &spike_url)), vec![c(&shas.close)]),
            ]},
        ],
        "open": [
            item("BUG-2", "Typo", BUG, "🟡 To Do", "bugs", Some((bug2, &bug2_url)), vec![]),
            item("TASK-3", "Export", TASK, "🔵 In Progress", "tasks", Some((task3, &task3_url)), vec![c(&shas.export)]),
        ],
        "totals": {"finished": 5, "open": 2},
        "release": null,
    });
    assert_eq!(got, expected, "{got:#}");

    // The milestone name resolves to the same Epic.
    let by_name = parse_json(&notes(&repo, &["R1", "--json"]));
    assert_eq!(by_name["finished"], expected["finished"]);
    assert_eq!(by_name["targets"], json!(["R1"]));

    // --format md, byte for byte: the project's own issues are #N.
    let md = notes_ok(&repo, &["EPIC-1", "--format", "md"]);
    let want = format!(
        "## Features and Stories\n\n\
         - Card form (STORY-1, #{story}) — {}\n\
         \n## Bugs\n\n\
         - Crash on save (BUG-1, #{bug1}) — {}\n\
         \n## Tasks\n\n\
         - Schema (TASK-2, #{task2})\n\
         - Docs page (TASK-10, #{task10}) — {}\n\
         \n## Other\n\n\
         - Try a PSP (SPIKE-1, #{spike}) — {}\n\
         \n## Still open\n\n\
         - Typo (BUG-2, #{bug2})\n\
         - Export (TASK-3, #{task3}) — {}\n",
        short(&shas.story),
        short(&shas.bug),
        short(&shas.close),
        short(&shas.close),
        short(&shas.export),
    );
    assert_eq!(md, want);

    // The terminal.
    let text = notes_ok(&repo, &["EPIC-1"]);
    assert!(
        text.starts_with("Release notes of EPIC-1 Release 1 (plan at HEAD ("),
        "{text}"
    );
    for line in [
        "Features and Stories\n".to_string(),
        format!("  STORY-1  Card form  acme/demo#{story}\n"),
        format!("           {} Add the card form\n", short(&shas.story)),
        format!("  TASK-10  Docs page  acme/demo#{task10}\n"),
        "Still open\n".to_string(),
        format!("  TASK-3   Export  acme/demo#{task3}  In Progress\n"),
    ] {
        assert!(text.contains(&line), "{line:?} in\n{text}");
    }
    assert!(
        !text.contains("TASK-4") && !text.contains("TASK-5"),
        "{text}"
    );
    assert!(text.ends_with("\n5 finished, 2 still open\n"), "{text}");

    // --since v1: only what became finished after v1; a Feature's work only.
    let since = parse_json(&notes(&repo, &["EPIC-1", "--since", "v1", "--json"]));
    let ids = |v: &Value| -> Vec<String> {
        v["finished"]
            .as_array()
            .expect("groups")
            .iter()
            .flat_map(|g| g["items"].as_array().expect("items").iter())
            .map(|i| i["id"].as_str().expect("id").to_string())
            .collect()
    };
    assert_eq!(ids(&since), ["BUG-1", "TASK-10", "SPIKE-1"]);
    let v1 = repo.git(&["rev-parse", "v1"]);
    assert_eq!(since["since"], json!({"rev": "v1", "commit": v1}));
    assert_eq!(since["open"], expected["open"]);
    let feature = parse_json(&notes(&repo, &["FEAT-1", "--since", "v1", "--json"]));
    assert_eq!(ids(&feature), ["BUG-1", "SPIKE-1"]);
    assert_eq!(feature["totals"], json!({"finished": 2, "open": 1}));

    // An unknown target is a usage error that names the choices.
    let out = notes(&repo, &["EPIC-9"]);
    assert_exit(&out, 2, "unknown target");
    assert!(stderr(&out).contains("EPIC-9"), "{}", stderr(&out));
}

fn release_run(repo: &TestRepo, emu: &Emulator, args: &[&str]) -> Value {
    let mut all = vec!["release-notes", "EPIC-1", "--json", "--github-release"];
    all.extend_from_slice(args);
    let out = repo.im_github(&emu.url(), TOKEN, &all);
    assert_exit(&out, 0, &format!("release-notes {args:?}"));
    let v = parse_json(&out);
    assert!(
        !stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN),
        "the token never shows"
    );
    v["release"].clone()
}

#[test]
fn a_github_release_is_created_then_left_alone_then_updated() {
    let (repo, _) = plan();
    let emu = synced(&repo);

    // --dry-run: the requests, and nothing sent at all.
    emu.reset_log();
    let dry = release_run(&repo, &emu, &["v1.0", "--dry-run"]);
    assert!(emu.requests().is_empty(), "{:#?}", emu.requests());
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["outcome"], Value::Null);
    let steps: Vec<(String, String)> = dry["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| {
            (
                r["verb"].as_str().unwrap_or("GET").to_string(),
                r["path"].as_str().expect("path").to_string(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("GET", "/repos/acme/demo/releases/tags/v1.0"),
            ("GET", "/repos/acme/demo/releases"),
            ("POST", "/repos/acme/demo/releases"),
            ("PATCH", "/repos/acme/demo/releases/{release_id}"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let md = notes_ok(&repo, &["EPIC-1", "--format", "md"]);
    assert_eq!(dry["body"], md.as_str());

    // Created.
    let created = release_run(&repo, &emu, &["v1.0", "--release-name", "Release 1"]);
    assert_eq!(created["outcome"], "created");
    let releases = emu.releases(OWNER, REPO);
    assert_eq!(releases.len(), 1);
    let r = &releases[0];
    assert_eq!(
        (&r["tag_name"], &r["name"], &r["draft"], &r["body"]),
        (
            &json!("v1.0"),
            &json!("Release 1"),
            &json!(false),
            &json!(md)
        )
    );
    assert_eq!(created["url"], r["html_url"]);

    // The same again: found by its tag, nothing written.
    emu.reset_log();
    let again = release_run(&repo, &emu, &["v1.0", "--release-name", "Release 1"]);
    assert_eq!(again["outcome"], "unchanged");
    assert_eq!(emu.write_count(), 0, "{:#?}", emu.requests());
    assert_eq!(emu.releases(OWNER, REPO).len(), 1);

    // The plan moves on: the notes change, the release is updated (one PATCH).
    set_status(&repo, "TASK-3_x.md", "🔵 In Progress", "🟢 Done");
    repo.commit_all("Finish the export");
    emu.reset_log();
    let updated = release_run(&repo, &emu, &["v1.0", "--release-name", "Release 1"]);
    assert_eq!(updated["outcome"], "updated");
    let writes: Vec<String> = emu
        .requests()
        .iter()
        .filter(|q| q.is_write())
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    let id = releases[0]["id"].as_u64().expect("id");
    assert_eq!(writes, [format!("PATCH /repos/acme/demo/releases/{id}")]);
    let body = emu.releases(OWNER, REPO)[0]["body"]
        .as_str()
        .expect("body")
        .to_string();
    assert!(body.contains("- Export (TASK-3, #"), "{body}");
    assert!(body.contains("## Still open\n\n- Typo (BUG-2, #"), "{body}");

    // A draft is found again by listing (GitHub's tag lookup skips drafts).
    let draft = release_run(&repo, &emu, &["v2.0", "--draft"]);
    assert_eq!(draft["outcome"], "created");
    emu.reset_log();
    let draft_again = release_run(&repo, &emu, &["v2.0", "--draft"]);
    assert_eq!(draft_again["outcome"], "unchanged");
    assert_eq!(emu.write_count(), 0);
    let all = emu.releases(OWNER, REPO);
    assert_eq!(all.len(), 2);
    assert_eq!(
        (&all[1]["tag_name"], &all[1]["draft"]),
        (&json!("v2.0"), &json!(true))
    );

    // The terminal says what happened.
    let out = repo.im_github(
        &emu.url(),
        TOKEN,
        &[
            "release-notes",
            "EPIC-1",
            "--github-release",
            "v1.0",
            "--release-name",
            "Release 1",
        ],
    );
    assert_exit(&out, 0, "text");
    assert!(
        stdout(&out).contains("release v1.0 on acme/demo (GitHub): unchanged"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_gitlab_release_is_created_once_and_drafts_are_refused() {
    const GL_TOKEN: &str = "glpat-ReleaseNotesT0ken";
    let (repo, _) = plan();
    repo.write(
        &format!("{P}/project_config.toml"),
        "project_name = \"demo\"\nproject_slug = \"demo\"\nmethodology = \"Scrum\"\n\n\
         [github_integration]\nenable_sync = true\nplatform = \"gitlab\"\n\
         gitlab_project = \"group/proj\"\n",
    );
    repo.commit_all("Publish on GitLab");
    let emu = gitlab_emulator::Emulator::start();
    emu.add_token(GL_TOKEN, "ada", &["api"]);
    emu.add_project("group/proj");
    let env = [
        ("GITLAB_API_URL", emu.api_url()),
        ("GITLAB_TOKEN", GL_TOKEN.to_string()),
        ("INTELLIMANAGE_NO_KEYRING", "1".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = |extra: &[&str]| {
        let mut all = vec!["release-notes", "R1", "--json", "--github-release", "v1.0"];
        all.extend_from_slice(extra);
        repo.im_env(&all, &env)
    };

    let out = run(&[]);
    assert_exit(&out, 0, "gitlab release");
    let v = parse_json(&out);
    assert_eq!(v["release"]["outcome"], "created");
    assert_eq!(v["release"]["platform"], "gitlab");
    let releases = emu.releases("group/proj");
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0]["name"], "v1.0");
    // Nothing synced: no issues, only IDs.
    let md = notes_ok(&repo, &["R1", "--format", "md"]);
    assert_eq!(releases[0]["description"], md.as_str());
    assert!(md.contains("- Card form (STORY-1) — "), "{md}");
    assert_eq!(v["release"]["url"], releases[0]["_links"]["self"]);

    emu.reset_log();
    let out = run(&[]);
    assert_exit(&out, 0, "gitlab release again");
    assert_eq!(parse_json(&out)["release"]["outcome"], "unchanged");
    assert_eq!(emu.write_count(), 0);

    let out = run(&["--draft"]);
    assert_exit(&out, 2, "gitlab draft");
    assert!(
        stderr(&out).contains("GitLab has no draft releases"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emu.write_count(), 0);
    assert_eq!(emu.releases("group/proj").len(), 1);
}
