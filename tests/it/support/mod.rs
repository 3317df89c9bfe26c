//! Test harness: real git repositories in temp dirs, the real binary, and a hermetic
//! environment (no global or system git config, fixed dates, TZ=UTC, no color).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_git-intellimanage");

/// The environment every git and binary invocation in tests gets.
pub fn hermetic(cmd: &mut Command, home: &Path) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_AUTHOR_NAME", "Ada Tester")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Tester")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2025-05-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2025-05-01T12:00:00Z")
        .env("TZ", "UTC")
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1")
        .env("INTELLIMANAGE_WRITE_DELAY_MS", "0");
    // Keep a Secret Service session reachable when the test run provides one.
    for key in [
        "DBUS_SESSION_BUS_ADDRESS",
        "XDG_RUNTIME_DIR",
        "CARGO_TARGET_DIR",
    ] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
}

/// A git repository in a temp dir, with its own HOME.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
    pub home: tempfile::TempDir,
}

impl TestRepo {
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = tempfile::tempdir().expect("temp home");
        std::fs::write(home.path().join("gitconfig"), "").expect("empty global config");
        let repo = TestRepo { dir, home };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: &str) {
        let path = self.file(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(path, content).expect("write file");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).expect("read file")
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.file(rel)).expect("remove file");
    }

    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        hermetic(&mut cmd, self.home.path());
        cmd.current_dir(self.path());
        cmd
    }

    /// Runs git and returns trimmed stdout; panics with stderr on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.command("git").args(args).output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Rewrites the file at `path` (repository-relative) through `edit`, which must change
    /// it, without committing.
    pub fn edit(&self, path: &str, edit: impl FnOnce(String) -> String) {
        let text = self.read(path);
        let new = edit(text.clone());
        assert_ne!(new, text, "the edit of {path} changed nothing");
        self.write(path, &new);
    }

    /// `git add -A && git commit`; returns the new commit id.
    pub fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs the binary with the hermetic environment.
    pub fn im(&self, args: &[&str]) -> Output {
        self.im_env(args, &[])
    }

    pub fn im_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(BIN);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run git-intellimanage")
    }

    /// Runs the binary, asserts exit 0, returns stdout.
    pub fn im_ok(&self, args: &[&str]) -> String {
        let out = self.im(args);
        assert!(
            out.status.success(),
            "git-intellimanage {args:?} exited {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs the binary with `--json` semantics: exit 0 and stdout parses as JSON.
    pub fn im_json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.im_ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One of the two real IntelliManage artifacts shipped with the specification, kept byte for
/// byte in `tests/fixtures/seeds/`, by the start of its file name (`"000_"`, `"001_"`).
pub fn seed(name_prefix: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let entry = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(name_prefix))
        .unwrap_or_else(|| panic!("no seed {name_prefix}* in {}", dir.display()));
    std::fs::read_to_string(entry.path())
        .unwrap_or_else(|e| panic!("read {}: {e}", entry.path().display()))
}

/// A project config with sync enabled against `owner/repo`.
pub fn project_config(slug: &str, extra: &str) -> String {
    format!(
        r#"project_name = "{slug}"
project_slug = "{slug}"
methodology = "Scrum"

[github_integration]
enable_sync = true
repo_owner = "acme"
repo_name = "{slug}"
{extra}
"#
    )
}

/// An artifact file with the required keys and the given extra frontmatter lines and body.
pub fn artifact(
    id: &str,
    kind: &str,
    title: &str,
    status: &str,
    extra: &str,
    body: &str,
) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"{title}\"\nstatus = \"{status}\"\ntype = \"{kind}\"\ncreated_date = \"2025-04-01\"\nupdated_date = \"2025-04-02\"\nproject_name = \"demo\"\n{extra}+++\n{body}"
    )
}

pub const EPIC: &str = "🗺️ Epic";
pub const FEATURE: &str = "🌟 Feature";
pub const TASK: &str = "🛠️ Task";
pub const BUG: &str = "🐞 Bug";

/// A small, valid plan: one epic, one feature, three tasks, in project `demo`.
pub fn write_demo_plan(repo: &TestRepo) {
    let p = ".ruru/projects/demo";
    repo.write(
        &format!("{p}/project_config.toml"),
        &project_config("demo", ""),
    );
    repo.write(
        &format!("{p}/epics/EPIC-001_onboarding.md"),
        &artifact(
            "EPIC-001",
            EPIC,
            "User onboarding",
            "🔵 In Progress",
            "target_date = \"2025-06-30\"\n",
            "# Onboarding\n\nGet users in.\n",
        ),
    );
    repo.write(
        &format!("{p}/features/FEAT-001_signup.md"),
        &artifact(
            "FEAT-001",
            FEATURE,
            "Sign-up form",
            "🟡 To Do",
            "epic_id = \"EPIC-001\"\n",
            "The form.\n",
        ),
    );
    repo.write(
        &format!("{p}/tasks/TASK-001_validate-email.md"),
        &artifact(
            "TASK-001",
            TASK,
            "Validate e-mail",
            "🟡 To Do",
            "feature_id = \"FEAT-001\"\npriority = \"🔼 High\"\ntags = [\"backend\", \"auth\"]\n",
            "Check the address.\n\n- [ ] regex\n- [ ] MX lookup\n",
        ),
    );
    repo.write(
        &format!("{p}/tasks/TASK-002_button.md"),
        &artifact(
            "TASK-002",
            TASK,
            "Submit button",
            "⚪️ Backlog",
            "feature_id = \"FEAT-001\"\ntags = [\"frontend\"]\n",
            "A button.\n",
        ),
    );
    repo.write(
        &format!("{p}/tasks/BUG-001_typo.md"),
        &artifact(
            "BUG-001",
            BUG,
            "Typo on the form",
            "🔵 In Progress",
            "feature_id = \"FEAT-001\"\npriority = \"🔽 Low\"\n",
            "It says 'Sing up'.\n",
        ),
    );
}

// ----- GitHub sync against an emulator (tests/it/sync.rs, tests/it/sync_contract.rs) -----

/// The environment that points the binary at a GitHub API (an emulator on 127.0.0.1) with a
/// token: `GITHUB_API_URL`, `GITHUB_PAT`, and `INTELLIMANAGE_NO_KEYRING=1` so that no OS
/// keyring is consulted.
pub fn github_env<'a>(api_url: &'a str, token: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("GITHUB_API_URL", api_url),
        ("GITHUB_PAT", token),
        ("INTELLIMANAGE_NO_KEYRING", "1"),
    ]
}

impl TestRepo {
    /// Runs the binary against the GitHub API at `api_url` with `token` (see [`github_env`]).
    pub fn im_github(&self, api_url: &str, token: &str, args: &[&str]) -> Output {
        self.im_env(args, &github_env(api_url, token))
    }
}

/// Asserts the exit code, showing both outputs when it differs.
pub fn assert_exit(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: unexpected exit\nstdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// The `--json` report of a sync (`what` names it): it exited 0 and no project failed.
pub fn clean_sync_report(out: &Output, what: &str) -> serde_json::Value {
    assert_exit(out, 0, what);
    let report = parse_json(out);
    for p in report["projects"].as_array().expect("projects") {
        assert_eq!(p["failures"], serde_json::json!([]), "{what}: {report:#}");
    }
    report
}

/// The one issue among `issues` whose text (`body` on GitHub, `description` on GitLab)
/// ends with the marker line of `id`.
pub fn the_issue_of(issues: Vec<serde_json::Value>, text: &str, id: &str) -> serde_json::Value {
    let found: Vec<serde_json::Value> = issues
        .into_iter()
        .filter(|i| marker(&i[text]).as_deref() == Some(id))
        .collect();
    assert_eq!(found.len(), 1, "issues for {id}: {found:#?}");
    found.into_iter().next().expect("one issue")
}

/// Stdout parsed as JSON (panics with the text when it isn't).
pub fn parse_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(out)))
}

/// The artifact ID of the marker line that ends an issue or milestone body.
pub fn marker(body: &serde_json::Value) -> Option<String> {
    let last = body.as_str()?.trim_end().lines().last()?;
    last.strip_prefix("IntelliManage-ID: ")
        .map(|id| id.trim().to_string())
}

/// The label names of an issue as the emulator renders it.
pub fn label_set(issue: &serde_json::Value) -> std::collections::BTreeSet<String> {
    issue["labels"]
        .as_array()
        .expect("labels array")
        .iter()
        .map(|l| l["name"].as_str().expect("label name").to_string())
        .collect()
}

pub fn set(items: &[&str]) -> std::collections::BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A repository with the demo plan ([`write_demo_plan`]) committed.
pub fn demo() -> TestRepo {
    let repo = TestRepo::new();
    write_demo_plan(&repo);
    repo.commit_all("plan");
    repo
}

/// The sorted `id`s of a JSON array of artifacts.
pub fn ids(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["id"].as_str().expect("id").to_string())
        .collect();
    out.sort();
    out
}

/// PATH without any directory holding a `git-intellimanage` (an installed copy would be
/// run by the hooks instead of the binary under test).
pub fn clean_path() -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|d| !d.join("git-intellimanage").exists())
        .collect();
    std::env::join_paths(dirs).expect("PATH")
}

/// An API URL where nothing listens.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A new clone of the repository at `remote` (a teammate's), with its own HOME.
pub fn clone_of(remote: &Path) -> TestRepo {
    let repo = TestRepo::new();
    std::fs::remove_dir_all(repo.path().join(".git")).expect("reset");
    repo.git(&["clone", "-q", &remote.to_string_lossy(), "."]);
    repo
}

impl TestRepo {
    /// Starts the binary in the background against the GitHub API at `api_url` (stdout
    /// and stderr piped), with `env` on top of [`github_env`].
    pub fn spawn_github(
        &self,
        api_url: &str,
        token: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> std::process::Child {
        let mut cmd = self.command(BIN);
        cmd.args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in github_env(api_url, token)
            .into_iter()
            .chain(env.iter().copied())
        {
            cmd.env(k, v);
        }
        cmd.spawn().expect("start git-intellimanage")
    }
}
