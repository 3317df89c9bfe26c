//! What the pre-push hook adds to a real `git push`, with GitHub slow.
//!
//! `cargo bench --bench push` makes three repositories with the same plan (an Epic, a
//! Feature and 24 Tasks, project `demo` syncing with `acme/demo`), each with the hooks
//! installed by the binary under test and a local bare `origin`, and times `git push origin
//! main` in each, interleaved, for a commit that retitles 1 Task and one that retitles 20:
//!
//! - **no hooks**: `INTELLIMANAGE_NO_HOOKS=1` (the shim still starts the binary, which
//!   returns at once);
//! - **foreground**: `INTELLIMANAGE_PUSH_SYNC=foreground`, the sync inside the hook, before
//!   git sends anything;
//! - **background**: the default, the hook hands the sync to a detached process and returns;
//!   the benchmark then polls `.git/intellimanage/background.json` until its `result` is no
//!   longer `running`, and reports how long after the push returned that was.
//!
//! The syncing repositories talk to their own GitHub emulator (in this process) with
//! 300 ms of latency per request and no pause between writes
//! (`INTELLIMANAGE_WRITE_DELAY_MS=0`); each was synced once before (untimed, no latency),
//! so a push syncs only its change. It prints the median of the runs and the ratio
//! to the no-hooks push of the same size, and the requests GitHub saw for one sync. It asserts nothing about speed; it fails when a push
//! fails or does not land, when a sync does not report `synced`, or when GitHub does not
//! have the new titles afterwards.
//!
//! Everything runs in a hermetic environment (`tests/it/support`: no system or global git
//! config, fixed identities, `TZ=UTC`), with PATH stripped of any installed
//! `git-intellimanage`, so the hooks run the binary of this build.
//!
//! Without `--bench` (e.g. `cargo test --bench push`) it runs a smoke configuration: one
//! run, no warm-up, no latency. Environment: `IM_PUSH_BENCH_RUNS` (default 3; smoke 1),
//! `IM_PUSH_BENCH_WARMUP` (default 1; smoke 0), `IM_PUSH_BENCH_LATENCY_MS` (default 300;
//! smoke 0).

#[path = "support/measure.rs"]
mod measure;
#[path = "../tests/it/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

use github_emulator::Emulator;
use measure::ms;
use serde_json::Value;
use support::{
    BIN, EPIC, FEATURE, TASK, TestRepo, artifact, clean_path, marker, project_config, stderr,
};

const TOKEN: &str = "ghp_PushBenchT0ken42";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
/// Tasks in the plan (enough for the larger change).
const TASKS: usize = 24;
/// Tasks retitled by one push.
const SIZES: [usize; 2] = [1, 20];
/// The longest a background sync may take before the benchmark gives up.
const BACKGROUND_LIMIT: Duration = Duration::from_secs(300);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench push: {e}");
            ExitCode::FAILURE
        }
    }
}

fn env_usize(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|e| format!("{name}={v:?} is not a whole number: {e}")),
        _ => Ok(default),
    }
}

fn output(what: &str, mut cmd: Command) -> Result<Output, String> {
    cmd.output()
        .map_err(|e| format!("{what}: cannot start: {e}"))
}

fn check(what: &str, out: Output) -> Result<String, String> {
    if !out.status.success() {
        return Err(format!(
            "{what} exited {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    NoHooks,
    Foreground,
    Background,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::NoHooks, Mode::Foreground, Mode::Background];

    fn label(self) -> &'static str {
        match self {
            Mode::NoHooks => "no hooks",
            Mode::Foreground => "foreground sync",
            Mode::Background => "background sync",
        }
    }
}

fn task_path(i: usize) -> String {
    format!("{P}/tasks/TASK-{i:03}_t.md")
}

fn task_title(i: usize, revision: usize) -> String {
    if revision == 0 {
        format!("Task {i}")
    } else {
        format!("Task {i}, revision {revision}")
    }
}

fn task(i: usize, revision: usize) -> String {
    artifact(
        &format!("TASK-{i:03}"),
        TASK,
        &task_title(i, revision),
        "🟡 To Do",
        "feature_id = \"FEAT-001\"\n",
        &format!("Task {i}: what it is about.\n"),
    )
}

/// One repository, its bare remote and (when it syncs) its GitHub.
struct Side {
    mode: Mode,
    repo: TestRepo,
    remote: tempfile::TempDir,
    emu: Option<Emulator>,
    /// Revision of the task titles written last.
    revision: usize,
}

impl Side {
    fn new(mode: Mode, latency: Duration) -> Result<Side, String> {
        let repo = TestRepo::new();
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config("demo", ""),
        );
        repo.write(
            &format!("{P}/epics/EPIC-001_e.md"),
            &artifact("EPIC-001", EPIC, "Epic", "🔵 In Progress", "", "# Epic\n"),
        );
        repo.write(
            &format!("{P}/features/FEAT-001_f.md"),
            &artifact(
                "FEAT-001",
                FEATURE,
                "Feature",
                "🟡 To Do",
                "epic_id = \"EPIC-001\"\n",
                "A feature.\n",
            ),
        );
        for i in 1..=TASKS {
            repo.write(&task_path(i), &task(i, 0));
        }
        let remote = tempfile::tempdir().map_err(|e| format!("remote dir: {e}"))?;
        let mut side = Side {
            mode,
            repo,
            remote,
            emu: None,
            revision: 0,
        };
        side.git(&["add", "-A"])?;
        side.git(&["commit", "-q", "-m", "Add the plan"])?;
        let mut install = side.command(BIN);
        install.args(["hooks", "install"]);
        check("hooks install", output("hooks install", install)?)?;
        let mut init = side.command("git");
        init.current_dir(side.remote.path())
            .args(["init", "-q", "--bare", "-b", "main"]);
        check("git init --bare", output("git init --bare", init)?)?;
        side.git(&[
            "remote",
            "add",
            "origin",
            &side.remote.path().to_string_lossy(),
        ])?;
        if mode != Mode::NoHooks {
            // The initial sync, untimed and without latency: the pushes then sync only
            // their change.
            let emu = Emulator::start();
            emu.add_token(TOKEN, "ada", &["repo"]);
            emu.add_repo(OWNER, REPO);
            let mut sync = side.command(BIN);
            sync.arg("sync")
                .envs(support::github_env(&emu.url(), TOKEN));
            check("the initial sync", output("sync", sync)?)?;
            let issues = emu.issues(OWNER, REPO).len();
            if issues != TASKS {
                return Err(format!(
                    "{}: GitHub has {issues} issues after the initial sync, not {TASKS}",
                    mode.label()
                ));
            }
            if !side.git(&["status", "--porcelain"])?.is_empty() {
                side.git(&["add", "-A"])?;
                side.git(&["commit", "-q", "-m", "After the initial sync"])?;
            }
            emu.set_latency(latency);
            side.emu = Some(emu);
        }
        // The branch exists on the remote before the timed pushes (fast-forwards).
        let mut first = side.command("git");
        first
            .args(["push", "-q", "origin", "main"])
            .env("INTELLIMANAGE_NO_HOOKS", "1");
        check("the first push", output("git push", first)?)?;
        Ok(side)
    }

    /// A hermetic command in the repository, PATH without an installed binary.
    fn command(&self, program: &str) -> Command {
        let mut cmd = self.repo.command(program);
        cmd.env("PATH", clean_path());
        cmd
    }

    fn git(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = self.command("git");
        cmd.args(args);
        check(&format!("git {}", args.join(" ")), output("git", cmd)?)
    }

    /// Retitles tasks 1..=n and commits; the new commit's id.
    fn change(&mut self, n: usize) -> Result<String, String> {
        self.revision += 1;
        for i in 1..=n {
            self.repo.write(&task_path(i), &task(i, self.revision));
        }
        self.git(&["add", "-A"])?;
        self.git(&[
            "commit",
            "-q",
            "-m",
            &format!("Retitle {n} task(s), revision {}", self.revision),
        ])?;
        self.git(&["rev-parse", "HEAD"])
    }

    fn state_file(&self) -> PathBuf {
        self.repo.path().join(".git/intellimanage/background.json")
    }

    /// One timed `git push origin main`; its wall time and output.
    fn push(&self) -> Result<(Duration, Output), String> {
        let mut cmd = self.command("git");
        cmd.args(["push", "origin", "main"]);
        match (&self.emu, self.mode) {
            (_, Mode::NoHooks) => {
                cmd.env("INTELLIMANAGE_NO_HOOKS", "1");
            }
            (Some(emu), mode) => {
                cmd.envs(support::github_env(&emu.url(), TOKEN));
                if mode == Mode::Foreground {
                    cmd.env("INTELLIMANAGE_PUSH_SYNC", "foreground");
                }
            }
            (None, _) => return Err("a syncing side without GitHub".into()),
        }
        if let Some(emu) = &self.emu {
            emu.reset_log();
        }
        let started = Instant::now();
        let out = output("git push", cmd)?;
        let wall = started.elapsed();
        if !out.status.success() {
            return Err(format!(
                "{}: git push exited {:?}\n{}",
                self.mode.label(),
                out.status.code(),
                stderr(&out)
            ));
        }
        Ok((wall, out))
    }

    /// Waits until the background sync of `sha` has finished; the time it took from
    /// `since`, and its state.
    fn wait_background(&self, sha: &str, since: Instant) -> Result<(Duration, Value), String> {
        let pushed = format!("main {sha}");
        loop {
            let state: Option<Value> = std::fs::read(self.state_file())
                .ok()
                .and_then(|t| serde_json::from_slice(&t).ok());
            if let Some(state) = state
                && state["pushed"][0] == pushed.as_str()
                && state["result"] != "running"
            {
                return Ok((since.elapsed(), state));
            }
            if since.elapsed() > BACKGROUND_LIMIT {
                return Err(format!(
                    "the background sync of {sha} did not finish within {} s; log:\n{}",
                    BACKGROUND_LIMIT.as_secs(),
                    std::fs::read_to_string(
                        self.repo.path().join(".git/intellimanage/background.log")
                    )
                    .unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The remote has `sha` on main.
    fn check_landed(&self, sha: &str) -> Result<(), String> {
        let mut cmd = self.command("git");
        cmd.current_dir(self.remote.path())
            .args(["rev-parse", "main"]);
        let remote = check("git rev-parse (remote)", output("git", cmd)?)?;
        if remote != sha {
            return Err(format!(
                "{}: the remote has {remote}, the push was {sha}",
                self.mode.label()
            ));
        }
        Ok(())
    }

    /// GitHub has the titles of the last change of `n` tasks.
    fn check_github(&self, n: usize) -> Result<(), String> {
        let Some(emu) = &self.emu else {
            return Ok(());
        };
        let issues = emu.issues(OWNER, REPO);
        for i in 1..=n {
            let id = format!("TASK-{i:03}");
            let want = task_title(i, self.revision);
            let issue = issues
                .iter()
                .find(|x| marker(&x["body"]).as_deref() == Some(id.as_str()))
                .ok_or_else(|| format!("{}: no issue for {id}", self.mode.label()))?;
            if issue["title"] != want.as_str() {
                return Err(format!(
                    "{}: {id}'s issue is titled {}, not {want:?}",
                    self.mode.label(),
                    issue["title"]
                ));
            }
        }
        Ok(())
    }

    fn requests(&self) -> usize {
        self.emu.as_ref().map_or(0, |e| e.requests().len())
    }
}

/// The timings of one push size.
#[derive(Default)]
struct Timings {
    push: [Vec<Duration>; 3],
    /// Background: from the push returning to the sync's end.
    after: Vec<Duration>,
    /// Background: push + the sync after it.
    total: Vec<Duration>,
    /// Requests GitHub saw for one sync (last run), foreground and background.
    requests: [usize; 2],
}

fn run() -> Result<(), String> {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let runs = env_usize("IM_PUSH_BENCH_RUNS", if bench_mode { 3 } else { 1 })?.max(1);
    let warmup = env_usize("IM_PUSH_BENCH_WARMUP", if bench_mode { 1 } else { 0 })?;
    let latency = Duration::from_millis(env_usize(
        "IM_PUSH_BENCH_LATENCY_MS",
        if bench_mode { 300 } else { 0 },
    )? as u64);

    let mut sides = Vec::new();
    for mode in Mode::ALL {
        sides.push(Side::new(mode, latency)?);
    }
    println!(
        "plan: 1 Epic, 1 Feature, {TASKS} Tasks, synced once before; emulator latency {} ms per \
         request; INTELLIMANAGE_WRITE_DELAY_MS=0; git push to a local bare remote; \
         {runs} run(s) after {warmup} warm-up(s), interleaved",
        latency.as_millis()
    );

    let mut timings: Vec<Timings> = SIZES.iter().map(|_| Timings::default()).collect();
    for round in 0..warmup + runs {
        let timed = round >= warmup;
        for (k, &n) in SIZES.iter().enumerate() {
            for (m, side) in sides.iter_mut().enumerate() {
                let sha = side.change(n)?;
                let (wall, out) = side.push()?;
                let pushed_at = Instant::now();
                side.check_landed(&sha)?;
                let text = stderr(&out);
                let mut after = None;
                match side.mode {
                    Mode::NoHooks => {}
                    Mode::Foreground => {
                        if !text.contains("intellimanage: synced demo") || text.contains("pending")
                        {
                            return Err(format!("foreground: the push did not sync:\n{text}"));
                        }
                        side.check_github(n)?;
                    }
                    Mode::Background => {
                        if !text.contains("in the background once the push has landed") {
                            return Err(format!(
                                "background: the push did not hand the sync over:\n{text}"
                            ));
                        }
                        let (took, state) = side.wait_background(&sha, pushed_at)?;
                        if state["result"] != "synced" {
                            return Err(format!(
                                "background: the sync of {sha} ended {}: {state:#}",
                                state["result"]
                            ));
                        }
                        side.check_github(n)?;
                        after = Some(took);
                    }
                }
                let requests = side.requests();
                eprintln!(
                    "{} {n:>2} changed, {:<15}: push {:>6.0} ms{}",
                    if timed { "run   " } else { "warmup" },
                    side.mode.label(),
                    ms(wall),
                    match after {
                        Some(a) => format!(", synced {:.0} ms after it returned", ms(a)),
                        None => String::new(),
                    }
                );
                if timed {
                    timings[k].push[m].push(wall);
                    if let Some(a) = after {
                        timings[k].after.push(a);
                        timings[k].total.push(wall + a);
                    }
                    if m > 0 {
                        timings[k].requests[m - 1] = requests;
                    }
                }
            }
        }
    }

    println!(
        "\nmedian wall time of `git push origin main` over {runs} run(s); × = / the no-hooks push\n"
    );
    println!(
        "{:<22} {:>10} {:>20} {:>20} {:>20} {:>20}",
        "push",
        "no hooks",
        "foreground sync",
        "background sync",
        "bg sync done after",
        "bg push + sync"
    );
    for (k, &n) in SIZES.iter().enumerate() {
        let t = &mut timings[k];
        let none = measure::median(&mut t.push[0]);
        let fg = measure::median(&mut t.push[1]);
        let bg = measure::median(&mut t.push[2]);
        let after = measure::median(&mut t.after);
        let total = measure::median(&mut t.total);
        let ratio = |d: Duration| ms(d) / ms(none).max(1e-6);
        let cell = |d: Duration| format!("{:.0} ms ({:.1}×)", ms(d), ratio(d));
        println!(
            "{:<22} {:>10} {:>20} {:>20} {:>20} {:>20}",
            format!("{n} artifact(s) changed"),
            format!("{:.0} ms", ms(none)),
            cell(fg),
            cell(bg),
            format!("{:.0} ms", ms(after)),
            cell(total),
        );
        println!(
            "{:<22} requests per sync: foreground {}, background {}",
            "", t.requests[0], t.requests[1]
        );
    }
    Ok(())
}
