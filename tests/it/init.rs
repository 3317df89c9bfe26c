//! `init`: from an empty repository to a first `sync --dry-run`. Real repositories with
//! remotes of every form (never contacted), re-runs, `validate`, and the emulator.

use std::collections::BTreeMap;

use crate::support::*;
use github_emulator::Emulator;
use serde_json::{Value, json};

const P: &str = ".ruru/projects/web";
const CONFIG: &str = ".ruru/projects/web/project_config.toml";
const TOKEN: &str = "ghp_In1tT0kenForDryRun9x";

/// The files `init --project web` creates, in order.
fn created_files() -> Value {
    json!([
        CONFIG,
        format!("{P}/epics/.gitkeep"),
        format!("{P}/features/.gitkeep"),
        format!("{P}/tasks/.gitkeep"),
    ])
}

/// A repository whose `origin` is `url` (none when `None`).
fn repo_with_origin(url: Option<&str>) -> TestRepo {
    let repo = TestRepo::new();
    if let Some(url) = url {
        repo.git(&["remote", "add", "origin", url]);
    }
    repo
}

/// `validate --worktree` exits 0 with no error and no warning.
fn assert_validates_clean(repo: &TestRepo) {
    let out = repo.im(&["validate", "--worktree"]);
    assert_exit(&out, 0, "validate --worktree");
    let text = stdout(&out);
    assert!(text.contains("0 errors, 0 warnings"), "{text}");
    let v = repo.im_json(&["validate", "--worktree", "--json"]);
    let problems = v.to_string();
    assert!(!problems.contains("\"severity\""), "{v:#}");
}

/// Every file under the plan, path → bytes.
fn plan_files(repo: &TestRepo) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.insert(
                    rel.to_string_lossy().into_owned(),
                    std::fs::read(&path).expect("read"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&repo.file(".ruru"), repo.path(), &mut out);
    out
}

#[test]
fn every_remote_form_fills_owner_name_and_host() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("https://github.com/acme/web.git", "github.com", None),
        ("https://github.com/acme/web", "github.com", None),
        ("https://ada@github.com/acme/web.git", "github.com", None),
        ("ssh://git@github.com/acme/web.git", "github.com", None),
        ("ssh://git@github.com:22/acme/web.git", "github.com", None),
        ("git@github.com:acme/web.git", "github.com", None),
        (
            "https://ghe.example.com/acme/web.git",
            "ghe.example.com",
            Some("https://ghe.example.com/api/v3"),
        ),
        (
            "https://ghe.example.com:8443/acme/web",
            "ghe.example.com",
            Some("https://ghe.example.com:8443/api/v3"),
        ),
        (
            "ssh://git@ghe.example.com:7999/acme/web.git",
            "ghe.example.com",
            Some("https://ghe.example.com/api/v3"),
        ),
        (
            "git@ghe.example.com:acme/web.git",
            "ghe.example.com",
            Some("https://ghe.example.com/api/v3"),
        ),
    ];
    for (url, host, api_url) in cases {
        let repo = repo_with_origin(Some(url));
        let v = repo.im_json(&["init", "--project", "web", "--json"]);
        // Over https the user part may be a token: it is never shown.
        let shown = url.replace("https://ada@", "https://***@");
        assert_eq!(
            v,
            json!({
                "outcome": "created",
                "changed": true,
                "project": "web",
                "project_name": "web",
                "project_dir": P,
                "config": CONFIG,
                "created": created_files(),
                "projects": ["web"],
                "remote": {
                    "url": shown,
                    "github": true,
                    "host": host,
                    "owner": "acme",
                    "name": "web",
                    "api_url": api_url,
                },
                "enable_sync": false,
            }),
            "{url}"
        );
        let config = repo.read(CONFIG);
        assert!(
            config.contains("\nrepo_owner = \"acme\" "),
            "{url}\n{config}"
        );
        assert!(config.contains("\nrepo_name = \"web\" "), "{url}\n{config}");
        assert!(config.contains("\nenable_sync = false "), "{url}\n{config}");
        match api_url {
            Some(api) => assert!(
                config.contains(&format!("\napi_url = \"{api}\" ")),
                "{url}\n{config}"
            ),
            None => assert!(!config.contains("\napi_url"), "{url}\n{config}"),
        }
        assert_validates_clean(&repo);
    }
}

#[test]
fn a_token_used_as_the_remote_user_name_is_written_nowhere() {
    let repo = repo_with_origin(Some("https://ghp_T0kenAsUserName@github.com/acme/web.git"));
    let out = repo.im_ok(&["init", "--project", "web"]);
    let v = repo.im_json(&["init", "--project", "web", "--json"]);
    assert_eq!(v["remote"]["url"], "https://***@github.com/acme/web.git");
    assert_eq!(v["remote"]["owner"], "acme", "{v:#}");
    for text in [out, v.to_string(), repo.read(CONFIG)] {
        assert!(!text.contains("T0kenAsUserName"), "{text}");
    }
}

#[test]
fn a_password_in_the_remote_is_written_nowhere() {
    let repo = repo_with_origin(Some("https://ada:ghp_S3cretInUrl@github.com/acme/web.git"));
    let out = repo.im_ok(&["init", "--project", "web"]);
    let v = repo.im_json(&["init", "--project", "web", "--json"]);
    assert_eq!(v["remote"]["url"], "https://***@github.com/acme/web.git");
    for text in [out, v.to_string(), repo.read(CONFIG)] {
        assert!(!text.contains("S3cret"), "{text}");
    }
}

#[test]
fn without_a_remote_the_repository_is_left_to_fill_in() {
    let repo = repo_with_origin(None);
    let v = repo.im_json(&["init", "--project", "web", "--name", "Web shop", "--json"]);
    assert_eq!(
        v,
        json!({
            "outcome": "created",
            "changed": true,
            "project": "web",
            "project_name": "Web shop",
            "project_dir": P,
            "config": CONFIG,
            "created": created_files(),
            "projects": ["web"],
            "remote": null,
            "enable_sync": false,
        })
    );
    let config = repo.read(CONFIG);
    assert!(config.contains("project_name = \"Web shop\"\n"), "{config}");
    assert!(
        config.contains("# No `origin` remote was found."),
        "{config}"
    );
    assert!(config.contains("\n# repo_owner = \"...\""), "{config}");
    assert!(!config.contains("\nrepo_owner"), "{config}");
    assert_validates_clean(&repo);

    // A remote that is no GitHub repository (a local path) says so.
    let other = repo_with_origin(Some("/srv/git/web.git"));
    let v = other.im_json(&["init", "--project", "web", "--json"]);
    assert_eq!(
        v["remote"],
        json!({"url": "/srv/git/web.git", "github": false, "host": null, "owner": null, "name": null, "api_url": null})
    );
    let config = other.read(CONFIG);
    assert!(
        config.contains("# The `origin` remote (/srv/git/web.git) is not a GitHub repository."),
        "{config}"
    );
    assert_validates_clean(&other);
}

#[test]
fn the_text_output_names_what_was_created_and_the_next_steps() {
    let repo = repo_with_origin(Some("git@github.com:acme/web.git"));
    let out = repo.im(&["init", "--project", "web"]);
    assert_exit(&out, 0, "init");
    let text = stdout(&out);
    for path in created_files().as_array().expect("paths") {
        let path = path.as_str().expect("path");
        assert!(text.contains(&format!("created {path}\n")), "{text}");
    }
    for needle in [
        "GitHub repository: acme/web on github.com",
        "sync is off",
        "Next steps:",
        "git intellimanage new task \"First task\" --feature FEAT-001 --project web",
        "enable_sync = true",
        "git intellimanage sync --dry-run",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    // Without a GitHub repository, filling it in is a step of its own.
    let bare = repo_with_origin(None);
    let text = bare.im_ok(&["init", "--project", "web"]);
    assert!(
        text.contains("fill in repo_owner and repo_name under [github_integration]"),
        "{text}"
    );
}

#[test]
fn a_second_run_changes_nothing_and_says_so() {
    let repo = repo_with_origin(Some("https://github.com/acme/web.git"));
    repo.im_ok(&["init", "--project", "web"]);
    let before = plan_files(&repo);
    assert_eq!(before.len(), 4, "{:?}", before.keys());

    let out = repo.im(&["init", "--project", "web"]);
    assert_exit(&out, 0, "init again");
    assert!(stdout(&out).contains("nothing changed"), "{}", stdout(&out));
    assert_eq!(plan_files(&repo), before);

    let v = repo.im_json(&["init", "--project", "web", "--json"]);
    assert_eq!(
        v,
        json!({
            "outcome": "project_exists",
            "changed": false,
            "project": "web",
            "project_name": null,
            "project_dir": P,
            "config": CONFIG,
            "created": [],
            "projects": ["web"],
            "remote": {
                "url": "https://github.com/acme/web.git",
                "github": true,
                "host": "github.com",
                "owner": "acme",
                "name": "web",
                "api_url": null,
            },
            "enable_sync": null,
        })
    );

    // An edited config is never overwritten, even with other flags.
    repo.edit(CONFIG, |t| {
        t.replace("enable_sync = false", "enable_sync = true")
    });
    let edited = repo.read(CONFIG);
    repo.im_ok(&["init", "--project", "web", "--name", "Other"]);
    assert_eq!(repo.read(CONFIG), edited);

    // Without --project, a plan that has projects is left alone (a clone in a directory
    // of another name does not grow a second project).
    let out = repo.im(&["init"]);
    assert_exit(&out, 0, "init without --project");
    let text = stdout(&out);
    assert!(text.contains("nothing changed"), "{text}");
    assert!(text.contains("--project"), "{text}");
    let v = repo.im_json(&["init", "--json"]);
    assert_eq!(v["outcome"], "plan_exists");
    assert_eq!(v["project"], Value::Null);
    assert_eq!(v["created"], json!([]));
    assert_eq!(v["projects"], json!(["web"]));
    assert_eq!(plan_files(&repo).len(), 4);

    // A project named explicitly is added next to it.
    let v = repo.im_json(&["init", "--project", "api", "--json"]);
    assert_eq!(v["outcome"], "created");
    assert_eq!(v["projects"], json!(["api", "web"]));
    assert_validates_clean(&repo);
}

#[test]
fn defaults_come_from_the_directory_and_the_plan_lands_at_the_root() {
    let outer = TestRepo::new();
    outer.git(&["init", "-q", "-b", "main", "My Web.App"]);
    outer.write("My Web.App/src/lib.rs", "");
    let v = outer.im_json(&["-C", "My Web.App/src", "init", "--json"]);
    assert_eq!(v["project"], "my-web-app");
    assert_eq!(v["project_name"], "my-web-app");
    assert_eq!(v["remote"], Value::Null);
    let config = outer.read("My Web.App/.ruru/projects/my-web-app/project_config.toml");
    assert!(
        config.contains("project_slug = \"my-web-app\"\n"),
        "{config}"
    );
    assert!(!outer.file("My Web.App/src/.ruru").exists());

    // The empty folders are kept by git.
    let inner = "My Web.App";
    outer.git(&["-C", inner, "add", "-A"]);
    let files = outer.git(&["-C", inner, "ls-files"]);
    for folder in ["epics", "features", "tasks"] {
        assert!(
            files.contains(&format!(".ruru/projects/my-web-app/{folder}/.gitkeep")),
            "{files}"
        );
    }
}

#[test]
fn a_bad_slug_is_a_usage_error_and_creates_nothing() {
    let repo = repo_with_origin(None);
    let out = repo.im(&["init", "--project", "My Project"]);
    assert_exit(&out, 2, "init --project 'My Project'");
    assert!(
        stderr(&out).contains("not a project slug"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
    assert!(!repo.file(".ruru").exists());
}

#[test]
fn outside_a_repository_it_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = tempfile::tempdir().expect("temp home");
    let mut cmd = std::process::Command::new(BIN);
    hermetic(&mut cmd, home.path());
    cmd.env("GIT_CEILING_DIRECTORIES", dir.path());
    let out = cmd
        .current_dir(dir.path())
        .args(["init"])
        .output()
        .expect("run");
    assert_exit(&out, 3, "init outside a repository");
    assert!(!dir.path().join(".ruru").exists());
}

#[test]
fn a_first_dry_run_after_turning_sync_on_works_against_the_emulator() {
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    emu.add_repo("acme", "web");
    let repo = repo_with_origin(Some("https://github.com/acme/web.git"));
    repo.im_ok(&["init", "--project", "web"]);
    repo.write(
        &format!("{P}/tasks/TASK-001_first-task.md"),
        &artifact(
            "TASK-001",
            TASK,
            "First task",
            "🟡 To Do",
            "",
            "The first thing to do.\n",
        ),
    );
    // A Task outside any Feature is worth a warning, never an error; turning sync on
    // adds no problem.
    let only_warning = |repo: &TestRepo| {
        let out = repo.im(&["validate", "--worktree"]);
        assert_exit(&out, 0, "validate --worktree");
        let text = stdout(&out);
        assert!(text.contains("0 errors, 1 warning"), "{text}");
        assert!(text.contains("names no Feature (`feature_id`)"), "{text}");
    };
    only_warning(&repo);
    repo.edit(CONFIG, |t| {
        t.replace("enable_sync = false", "enable_sync = true")
    });
    only_warning(&repo);
    repo.commit_all("plan");

    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--dry-run", "--json"]);
    assert_exit(&out, 0, "sync --dry-run");
    assert_eq!(emu.write_count(), 0, "{:#?}", emu.requests());
    let report = parse_json(&out);
    assert_eq!(report["dry_run"], true);
    let projects = report["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 1, "{report:#}");
    assert_eq!(projects[0]["project"], "web");
    assert_eq!(projects[0]["repo"], "acme/web");
    let ops = projects[0]["ops"].as_array().expect("ops");
    let create = ops
        .iter()
        .find(|o| o["op"] == "create_issue")
        .unwrap_or_else(|| panic!("no create_issue: {ops:#?}"));
    assert_eq!(create["title"], "First task");
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], "/repos/acme/web/issues");
    assert_eq!(create["outcome"], "planned");

    // And in text, as the next steps said.
    let out = repo.im_github(&emu.url(), TOKEN, &["sync", "--dry-run"]);
    assert_exit(&out, 0, "sync --dry-run (text)");
    assert!(stdout(&out).contains("First task"), "{}", stdout(&out));
    assert_eq!(emu.write_count(), 0);
}

#[test]
fn a_gitlab_remote_fills_the_project_path_and_the_platform() {
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        (
            "https://gitlab.com/acme/tools/web.git",
            "gitlab.com",
            "acme/tools/web",
            None,
        ),
        (
            "git@gitlab.com:acme/web.git",
            "gitlab.com",
            "acme/web",
            None,
        ),
        (
            "ssh://git@gitlab.example.com:2222/group/sub/web.git",
            "gitlab.example.com",
            "group/sub/web",
            Some("https://gitlab.example.com/api/v4"),
        ),
    ];
    for (url, host, path, api_url) in cases {
        let repo = repo_with_origin(Some(url));
        let v = repo.im_json(&["init", "--project", "web", "--json"]);
        assert_eq!(
            v["remote"],
            json!({
                "url": url,
                "github": false,
                "gitlab": true,
                "host": host,
                "project": path,
                "api_url": api_url,
            }),
            "{url}"
        );
        let config = repo.read(CONFIG);
        assert!(config.contains("\nplatform = \"gitlab\" "), "{config}");
        assert!(
            config.contains(&format!("\ngitlab_project = \"{path}\" ")),
            "{config}"
        );
        assert!(
            config.contains("pat_env_var_name = \"GITLAB_TOKEN\""),
            "{config}"
        );
        assert_eq!(
            config.contains("\napi_url = "),
            api_url.is_some(),
            "{config}"
        );
        assert_validates_clean(&repo);
    }

    // Turned on, the first dry run goes to GitLab's API for that project.
    let emu = gitlab_emulator::Emulator::start();
    emu.add_user("ada");
    emu.add_token("glpat-In1tDryRun", "ada", &["api"]);
    emu.add_project("acme/tools/web");
    let repo = repo_with_origin(Some("https://gitlab.com/acme/tools/web.git"));
    repo.im_ok(&["init", "--project", "web"]);
    repo.edit(CONFIG, |t| {
        t.replace("enable_sync = false", "enable_sync = true")
    });
    repo.im_ok(&["new", "task", "First task", "--project", "web"]);
    repo.commit_all("plan");
    let api = emu.api_url();
    let out = repo.im_env(
        &["sync", "--dry-run", "--json"],
        &[
            ("GITLAB_API_URL", api.as_str()),
            ("GITLAB_TOKEN", "glpat-In1tDryRun"),
            ("INTELLIMANAGE_NO_KEYRING", "1"),
        ],
    );
    assert_exit(&out, 0, "a first dry run against GitLab");
    let report = parse_json(&out);
    assert_eq!(report["projects"][0]["tracker"], "gitlab", "{report:#}");
    assert_eq!(report["projects"][0]["repo"], "acme/tools/web");
    assert_eq!(
        report["projects"][0]["ops"]
            .as_array()
            .map(|o| o.iter().filter(|o| o["op"] == "create_issue").count()),
        Some(1),
        "{report:#}"
    );
    assert_eq!(emu.write_count(), 0);
}
