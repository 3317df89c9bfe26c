//! What the post-commit hook adds to `git commit`, against `git diff-tree -r --name-only
//! HEAD` on the same commit (the cheapest thing git itself does with a commit's changes).
//!
//! `cargo bench --bench hooks` uses the synthetic repository of `benches/support`
//! (10,000 artifacts in 4 projects, 3,000 commits, cached under the target directory), makes
//! one commit touching 1 artifact and one touching 100 (each naming an artifact after a
//! keyword, so the message is parsed and the mention located too), and times, interleaved:
//!
//! - `git-intellimanage hook post-commit`: the binary the shim calls, from a state where the
//!   commit is not recorded yet (the links ref is deleted, untimed, before every run), so
//!   every run reads the trees and changed files and writes a blob, a tree, a commit and
//!   the ref;
//! - `sh .git/hooks/post-commit`: the installed shim, as git runs it (finding the binary
//!   included);
//! - `git diff-tree -r --name-only HEAD`.
//!
//! It prints the median wall times and the ratio to git's (target: within 3×). It asserts
//! nothing about speed (shared machines are noisy); it fails when the hook does not record
//! the commit with the right number of artifacts.
//!
//! Without `--bench` (e.g. `cargo test --benches`) it runs a small smoke configuration.
//! Environment: `IM_BENCH_ARTIFACTS`, `IM_BENCH_COMMITS`, `IM_BENCH_PROJECTS`,
//! `IM_BENCH_SEED` (repository size), `IM_BENCH_RUNS`, `IM_BENCH_WARMUP`.

// The shared generator is another benchmark's; its lints are its own business.
#[allow(clippy::all)]
#[path = "support/generator.rs"]
mod generator;
#[path = "support/measure.rs"]
mod measure;

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use generator::{BenchRepo, Params};
use measure::ms;

const BIN: &str = env!("CARGO_BIN_EXE_git-intellimanage");
const COMMITS_REF: &str = "refs/intellimanage/commits";
/// The issue's target: the hook within this many times `git diff-tree`.
const RATIO_TARGET: f64 = 3.0;

fn main() -> ExitCode {
    if let Some(code) = measure::runner_main() {
        return code;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench hooks: {e}");
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

/// Runs `cmd` to completion, returning its wall time; fails on a non-zero exit.
fn time(label: &str, mut cmd: Command) -> Result<Duration, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("{label}: cannot start: {e}"))?;
    let wall = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{label}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(wall)
}

/// The number of artifacts recorded for `sha`, if it is recorded.
fn recorded_artifacts(repo: &BenchRepo, sha: &str) -> Result<Option<usize>, String> {
    let spec = format!("{COMMITS_REF}:commits/{}/{sha}.json", &sha[..2]);
    let out = repo
        .command("git")
        .args(["show", &spec])
        .output()
        .map_err(|e| format!("git show: {e}"))?;
    if !out.status.success() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // One `"change":` per artifact entry.
    Ok(Some(text.matches("\"change\":").count()))
}

struct Row {
    touched: usize,
    hook: Duration,
    shim: Duration,
    git: Duration,
}

fn run() -> Result<(), String> {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let params = Params::from_env(if bench_mode {
        Params::FULL
    } else {
        Params::SMOKE
    })?;
    let runs = env_usize("IM_BENCH_RUNS", if bench_mode { 20 } else { 3 })?.max(1);
    let warmup = env_usize("IM_BENCH_WARMUP", if bench_mode { 3 } else { 1 })?;
    let base = generator::ensure(&generator::target_dir(), &params, &mut |line| {
        eprintln!("{line}")
    })?;
    let scratch_dir =
        generator::target_dir().join(format!("bench-hooks-scratch-{}", std::process::id()));
    let _cleanup = RemoveOnDrop(scratch_dir.clone());
    let repo = base.scratch_clone(&scratch_dir)?;
    println!(
        "repository: {} artifacts, {} commits, {} projects (clone at {})",
        params.artifacts,
        params.commits,
        params.projects,
        repo.dir.display()
    );
    let mut install = repo.command(BIN);
    install.args(["hooks", "install"]);
    time("hooks install", install)?;
    let shim = repo.dir.join(".git/hooks/post-commit");

    let mut rows = Vec::new();
    for (k, n) in [1usize, 100].into_iter().enumerate() {
        let touched = repo.touch_artifacts(n, 7 + k as u64)?;
        let named = touched
            .first()
            .and_then(|p| p.rsplit('/').next())
            .and_then(|f| f.split('_').next())
            .unwrap_or("TASK-1")
            .to_string();
        // Committed without hooks (the scratch clone's `git commit` would run them).
        let sha = {
            let out = repo
                .command("git")
                .args(["-c", "core.hooksPath=/dev/null", "commit", "-q", "-a", "-m"])
                .arg(format!("Bench: {n} artifacts\n\nRefs {named}"))
                .output()
                .map_err(|e| format!("git commit: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "git commit: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            repo.git(&["rev-parse", "HEAD"])?
        };
        let hook = || {
            let mut c = repo.command(BIN);
            c.args(["hook", "post-commit"]);
            c
        };
        let sh = || {
            let mut c = repo.command("sh");
            c.arg(&shim);
            c
        };
        let git = || {
            let mut c = repo.command("git");
            c.args(["diff-tree", "-r", "--name-only", "HEAD"]);
            c
        };
        let reset = || repo.git(&["update-ref", "-d", COMMITS_REF]).map(|_| ());
        for _ in 0..warmup {
            reset()?;
            time("hook", hook())?;
            reset()?;
            time("shim", sh())?;
            time("git", git())?;
        }
        let (mut h, mut s, mut g) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            reset()?;
            h.push(time("hook", hook())?);
            match recorded_artifacts(&repo, &sha)? {
                Some(count) if count == n => {}
                other => {
                    return Err(format!(
                        "the hook recorded {other:?} artifacts for a commit touching {n}"
                    ));
                }
            }
            reset()?;
            s.push(time("shim", sh())?);
            if recorded_artifacts(&repo, &sha)?.is_none() {
                return Err("the installed shim did not record the commit".into());
            }
            g.push(time("git diff-tree", git())?);
        }
        rows.push(Row {
            touched: n,
            hook: measure::median(&mut h),
            shim: measure::median(&mut s),
            git: measure::median(&mut g),
        });
    }

    println!(
        "\nmedian wall time over {runs} runs ({warmup} warm-up), target: within {RATIO_TARGET}× git diff-tree\n"
    );
    println!(
        "{:<22} {:>12} {:>12} {:>16} {:>10} {:>10}",
        "commit", "hook (ms)", "shim (ms)", "diff-tree (ms)", "hook/git", "shim/git"
    );
    for r in &rows {
        let ratio = ms(r.hook) / ms(r.git).max(1e-6);
        let shim_ratio = ms(r.shim) / ms(r.git).max(1e-6);
        println!(
            "{:<22} {:>12.2} {:>12.2} {:>16.2} {:>9.2}× {:>9.2}×{}",
            format!("{} artifact(s) touched", r.touched),
            ms(r.hook),
            ms(r.shim),
            ms(r.git),
            ratio,
            shim_ratio,
            if ratio <= RATIO_TARGET {
                ""
            } else {
                "  (over target)"
            }
        );
    }
    Ok(())
}

/// Deletes a directory when dropped.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
