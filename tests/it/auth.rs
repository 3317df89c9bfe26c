//! `auth login | status | logout` against the GitHub emulator and a real Secret Service.
//!
//! `tests/run.sh` runs the tests inside a private D-Bus session with an unlocked
//! gnome-keyring and sets `INTELLIMANAGE_REQUIRE_KEYRING=1`, so the keyring tests must run
//! there; elsewhere they are skipped with a note. The token is never in any output.
//!
//! keyring 3.6 stores the item with the attributes `service`, `username` (the account),
//! `target` and `application`, so the shell lookup is
//! `secret-tool lookup service git-intellimanage username <host>`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::*;
use github_emulator::Emulator;
use serde_json::Value;

const SERVICE: &str = "git-intellimanage";

/// Whether a Secret Service answers on the session bus (store and clear a probe item).
fn secret_service_available() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return false;
    }
    let probe = format!("probe-{}", std::process::id());
    let stored = Command::new("secret-tool")
        .args([
            "store",
            "--label=probe",
            "service",
            "git-intellimanage-probe",
            "username",
            &probe,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(b"probe")?;
            }
            child.wait()
        })
        .is_ok_and(|s| s.success());
    let _ = Command::new("secret-tool")
        .args([
            "clear",
            "service",
            "git-intellimanage-probe",
            "username",
            &probe,
        ])
        .output();
    stored
}

/// True when the keyring tests can run; fails when they must (`tests/run.sh`).
fn keyring_ready(test: &str) -> bool {
    if secret_service_available() {
        return true;
    }
    assert!(
        std::env::var_os("INTELLIMANAGE_REQUIRE_KEYRING").is_none(),
        "{test}: INTELLIMANAGE_REQUIRE_KEYRING is set but no Secret Service answers (run the tests through tests/run.sh)"
    );
    eprintln!("{test}: skipped, no Secret Service on this session bus (tests/run.sh provides one)");
    false
}

/// `secret-tool lookup service git-intellimanage username <host>`: the stored token.
fn keyring_lookup(host: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", host])
        .output()
        .expect("run secret-tool");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

fn host_of(emu: &Emulator) -> String {
    emu.url().trim_start_matches("http://").to_string()
}

/// Runs the binary with `input` on standard input and extra environment.
fn im_input(repo: &TestRepo, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    let mut cmd = repo.command(BIN);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run git-intellimanage");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

/// Asserts the exit code and that no token appears anywhere in the output.
fn check(out: &Output, code: i32, tokens: &[&str], what: &str) -> (String, String) {
    let (o, e) = (stdout(out), stderr(out));
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}\nstdout:\n{o}\nstderr:\n{e}"
    );
    for t in tokens {
        assert!(
            !o.contains(t) && !e.contains(t),
            "{what}: the token leaked\n{o}\n{e}"
        );
    }
    (o, e)
}

#[test]
fn login_keeps_the_token_in_the_secret_service_and_logout_removes_it() {
    if !keyring_ready("login_keeps_the_token_in_the_secret_service") {
        return;
    }
    const TOKEN: &str = "ghp_KeyringL0ginT0ken8Hq3";
    const OTHER: &str = "ghp_EnvironmentT0ken1Zz9";
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo", "read:org"]);
    emu.add_token(OTHER, "eve", &["repo"]);
    let host = host_of(&emu);
    let url = emu.url();
    let repo = TestRepo::new();
    let api = ["--api-url", url.as_str()];
    let secrets = [TOKEN, OTHER];

    let out = im_input(
        &repo,
        &["auth", "login", api[0], api[1]],
        &[],
        &format!("{TOKEN}\n"),
    );
    let (o, _) = check(&out, 0, &secrets, "auth login");
    assert!(o.contains(&format!("logged in to {host} as ada")), "{o}");
    assert!(
        o.contains(&format!("service git-intellimanage, account {host}")),
        "{o}"
    );
    assert_eq!(
        keyring_lookup(&host).as_deref(),
        Some(TOKEN),
        "secret-tool finds it"
    );
    // GET /user was asked with the token.
    assert!(emu.requests().iter().any(|r| r.path == "/user"));

    // status: from the keyring, ahead of the environment.
    let out = repo.im_env(
        &["auth", "status", api[0], api[1]],
        &[("GITHUB_PAT", OTHER)],
    );
    let (o, _) = check(&out, 0, &secrets, "auth status");
    assert!(o.contains("logged in as ada"), "{o}");
    assert!(
        o.contains(&format!(
            "token from: the OS keyring (service git-intellimanage, account {host})"
        )),
        "{o}"
    );
    assert!(o.contains("scopes: repo, read:org"), "{o}");
    let out = repo.im_env(&["auth", "status", "--json", api[0], api[1]], &[]);
    let (o, _) = check(&out, 0, &secrets, "auth status --json");
    let json: Value = serde_json::from_str(&o).expect("JSON");
    assert_eq!(json["source"]["kind"], "keyring");
    assert_eq!(json["source"]["account"], host.as_str());
    assert_eq!(json["login"], "ada");

    // A second login replaces the token (one item, the new value).
    let out = im_input(&repo, &["auth", "login", api[0], api[1]], &[], OTHER);
    check(&out, 0, &secrets, "second login");
    assert_eq!(keyring_lookup(&host).as_deref(), Some(OTHER));

    let out = repo.im_env(
        &["auth", "logout", api[0], api[1]],
        &[("GITHUB_TOKEN", TOKEN)],
    );
    let (o, e) = check(&out, 0, &secrets, "auth logout");
    assert!(o.contains(&format!("removed the token for {host}")), "{o}");
    assert!(e.contains("GITHUB_TOKEN is still set"), "{e}");
    assert_eq!(keyring_lookup(&host), None);
    let out = repo.im(&["auth", "logout", api[0], api[1]]);
    let (o, _) = check(&out, 0, &secrets, "second logout");
    assert!(o.contains("no token"), "{o}");

    let out = repo.im(&["auth", "status", api[0], api[1]]);
    let (_, e) = check(&out, 5, &secrets, "status after logout");
    assert!(
        e.contains(&format!("no GitHub token found for {host}")),
        "{e}"
    );
    assert!(e.contains("no entry"), "{e}");
}

#[test]
fn a_rejected_token_is_not_stored() {
    if !keyring_ready("a_rejected_token_is_not_stored") {
        return;
    }
    const BAD: &str = "ghp_NotAValidT0ken4Pp0";
    let emu = Emulator::start();
    let host = host_of(&emu);
    let url = emu.url();
    let repo = TestRepo::new();
    let out = im_input(&repo, &["auth", "login", "--api-url", &url], &[], BAD);
    let (_, e) = check(&out, 5, &[BAD], "login with a bad token");
    assert!(e.contains("401"), "{e}");
    assert_eq!(keyring_lookup(&host), None);
}

#[test]
fn the_lookup_order_is_config_variable_then_github_token_then_gh_token_then_git() {
    let emu = Emulator::start();
    let tokens = [
        ("ghp_ShopVarT0ken5Aa", "shop"),
        ("ghp_GithubTokenT0ken6Bb", "gt"),
        ("ghp_GhTokenT0ken7Cc", "gh"),
        ("ghp_CredentialT0ken8Dd", "cred"),
    ];
    for (t, login) in tokens {
        emu.add_token(t, login, &["repo"]);
    }
    let all: Vec<&str> = tokens.iter().map(|(t, _)| *t).collect();
    let repo = TestRepo::new();
    write_demo_plan(&repo);
    repo.write(
        ".ruru/projects/demo/project_config.toml",
        &project_config("demo", "pat_env_var_name = \"SHOP_TOKEN\"\n"),
    );
    repo.commit_all("plan");
    let url = emu.url();
    let host = host_of(&emu);
    let status = |env: &[(&str, &str)]| {
        let mut e = vec![("GITHUB_API_URL", url.as_str())];
        e.extend_from_slice(env);
        repo.im_env(&["auth", "status", "--json"], &e)
    };
    let source = |out: &Output, what: &str| -> Value {
        let (o, _) = check(out, 0, &all, what);
        serde_json::from_str::<Value>(&o).expect("JSON")
    };

    let out = status(&[
        ("SHOP_TOKEN", tokens[0].0),
        ("GITHUB_TOKEN", tokens[1].0),
        ("GH_TOKEN", tokens[2].0),
    ]);
    let j = source(&out, "configured variable");
    assert_eq!(
        (j["source"]["name"].as_str(), j["login"].as_str()),
        (Some("SHOP_TOKEN"), Some("shop"))
    );

    let out = status(&[("GITHUB_TOKEN", tokens[1].0), ("GH_TOKEN", tokens[2].0)]);
    let j = source(&out, "GITHUB_TOKEN");
    assert_eq!(
        (j["source"]["name"].as_str(), j["login"].as_str()),
        (Some("GITHUB_TOKEN"), Some("gt"))
    );

    let out = status(&[("GH_TOKEN", tokens[2].0)]);
    let j = source(&out, "GH_TOKEN");
    assert_eq!(
        (j["source"]["name"].as_str(), j["login"].as_str()),
        (Some("GH_TOKEN"), Some("gh"))
    );

    // Nothing anywhere: the message says exactly how to provide one.
    let out = status(&[]);
    let (_, e) = check(&out, 5, &all, "no token");
    assert!(e.contains("git intellimanage auth login"), "{e}");
    assert!(e.contains("export SHOP_TOKEN=<token>"), "{e}");
    assert!(
        e.contains("$SHOP_TOKEN: not set") && e.contains("$GH_TOKEN: not set"),
        "{e}"
    );
    assert!(
        e.contains(&format!("git credential fill (host {host})")),
        "{e}"
    );

    // git's credential helper, asked on standard input for the API host.
    let request = repo.home.path().join("credential-request");
    let helper = format!(
        "!f() {{ cat > '{}'; echo username=x-access-token; echo password={}; }}; f",
        request.display(),
        tokens[3].0
    );
    repo.git(&["config", "--global", "credential.helper", &helper]);
    let out = status(&[]);
    let j = source(&out, "git credential");
    assert_eq!(j["source"]["kind"], "git-credential");
    assert_eq!(j["login"], "cred");
    let asked = std::fs::read_to_string(&request).expect("the helper was asked");
    assert!(
        asked.contains("protocol=http\n") && asked.contains(&format!("host={host}\n")),
        "{asked}"
    );
}

#[test]
fn without_a_secret_service_the_tool_says_so_and_falls_back() {
    const TOKEN: &str = "ghp_NoKeyringT0ken2Ee5";
    let emu = Emulator::start();
    emu.add_token(TOKEN, "ada", &["repo"]);
    let url = emu.url();
    let repo = TestRepo::new();
    let nowhere = (
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/intellimanage/bus",
    );
    let api = ["--api-url", url.as_str()];

    let out = im_input(&repo, &["auth", "login", api[0], api[1]], &[nowhere], TOKEN);
    let (_, e) = check(&out, 5, &[TOKEN], "login without a keyring");
    assert!(
        e.contains("the token is valid (account ada), but it could not be stored"),
        "{e}"
    );
    assert!(
        e.contains("OS keyring is not available") && e.contains("does not exist"),
        "{e}"
    );
    assert!(e.contains("export GITHUB_PAT=<token>"), "{e}");

    let out = repo.im_env(
        &["auth", "status", api[0], api[1]],
        &[nowhere, ("GITHUB_PAT", TOKEN)],
    );
    let (o, _) = check(&out, 0, &[TOKEN], "status from the environment");
    assert!(
        o.contains("token from: the environment variable GITHUB_PAT"),
        "{o}"
    );

    let out = repo.im_env(&["auth", "status", api[0], api[1]], &[nowhere]);
    let (_, e) = check(&out, 5, &[TOKEN], "status with nothing");
    assert!(
        e.contains("unavailable") && e.contains("Secret Service"),
        "{e}"
    );

    let out = repo.im_env(&["auth", "logout", api[0], api[1]], &[nowhere]);
    let (_, e) = check(&out, 5, &[TOKEN], "logout without a keyring");
    assert!(e.contains("OS keyring is not available"), "{e}");

    // No session bus configured at all.
    let mut cmd = repo.command(BIN);
    cmd.args(["auth", "status", api[0], api[1]])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("XDG_RUNTIME_DIR");
    let out = cmd.output().expect("run");
    let (_, e) = check(&out, 5, &[TOKEN], "status without a bus");
    assert!(e.contains("DBUS_SESSION_BUS_ADDRESS is not set"), "{e}");
}

#[test]
fn a_gitlab_token_is_checked_with_gitlab_and_kept_per_host() {
    if !keyring_ready("a_gitlab_token_is_checked_with_gitlab") {
        return;
    }
    const TOKEN: &str = "glpat-KeyringL0ginT0ken4Wd";
    let emu = gitlab_emulator::Emulator::start();
    emu.add_user("ada");
    emu.add_token(TOKEN, "ada", &["api"]);
    emu.add_project("acme/tools/demo");
    emu.add_member("acme/tools/demo", "ada");
    let host = emu.url().trim_start_matches("http://").to_string();
    let api = emu.api_url();
    let repo = TestRepo::new();

    let out = im_input(
        &repo,
        &["auth", "login", "--api-url", &api],
        &[],
        &format!("{TOKEN}\n"),
    );
    let (o, _) = check(&out, 0, &[TOKEN], "auth login to GitLab");
    assert!(o.contains(&format!("logged in to {host} as ada")), "{o}");
    assert_eq!(keyring_lookup(&host).as_deref(), Some(TOKEN));
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.target == "/api/v4/user" && r.status == Some(200)),
        "checked with GitLab's GET /user"
    );

    // A GitLab project on that host syncs with the stored token, no variable needed; the
    // config's api_url names the host, and the keyring entry is the host's.
    repo.write(
        ".ruru/projects/demo/project_config.toml",
        &format!(
            "project_name = \"demo\"\nproject_slug = \"demo\"\n\n[github_integration]\nenable_sync = true\nplatform = \"gitlab\"\ngitlab_project = \"acme/tools/demo\"\napi_url = \"{api}\"\n"
        ),
    );
    repo.write(
        ".ruru/projects/demo/tasks/TASK-001_a.md",
        &artifact("TASK-001", TASK, "First", "🟡 To Do", "", "Body.\n"),
    );
    repo.commit_all("plan");
    let out = repo.im(&["sync", "--json"]);
    check(&out, 0, &[TOKEN], "sync with the keyring's GitLab token");
    assert_eq!(emu.issues("acme/tools/demo").len(), 1);

    // The environment's GITLAB_TOKEN is not sent to a host only the config names.
    let out = repo.im_env(&["auth", "logout", "--api-url", &api], &[]);
    check(&out, 0, &[TOKEN], "logout");
    let out = repo.im_env(&["sync", "--dry-run"], &[("GITLAB_TOKEN", TOKEN)]);
    let (_, e) = check(&out, 5, &[TOKEN], "no token for a config-named host");
    assert!(
        e.contains(&format!("no GitLab token found for {host}")),
        "{e}"
    );
    assert!(e.contains("$GITLAB_TOKEN"), "{e}");
}
