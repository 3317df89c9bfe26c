//! Plan-reading performance against git itself, on a synthetic repository (10,000
//! artifacts in 4 projects, 3,000 commits by default).
//!
//! `cargo bench --bench plan` times, on the same repository in the same run:
//! - `git-intellimanage diff --base HEAD~N --json` vs `git diff HEAD~N HEAD -- .ruru/projects`
//!   for a small, a medium and a large range;
//! - `git-intellimanage list --json` vs `git ls-tree -r --object-only HEAD -- .ruru/projects |
//!   git cat-file --batch` (the raw read of the same blobs);
//! - `git-intellimanage waves <largest Epic> --json` against `list --json` and the same git
//!   pipeline, the three interleaved in one comparison;
//! - the peak memory (max RSS) of our `list` and `diff`.
//!
//! It prints the figures and their ratios to git's; it does not assert them (shared machines
//! are noisy), but fails when a command exits non-zero or prints nothing.
//!
//! Without `--bench` (e.g. `cargo test --benches`) it runs a small smoke configuration.
//! Environment: `IM_BENCH_ARTIFACTS`, `IM_BENCH_COMMITS`, `IM_BENCH_PROJECTS`, `IM_BENCH_SEED`
//! (repository size), `IM_BENCH_RUNS`, `IM_BENCH_WARMUP` (repetitions), `IM_BENCH_RANGES`
//! (comma-separated commit counts for the diff ranges, default `10,300,2000`).

#[path = "support/generator.rs"]
mod generator;
#[path = "support/measure.rs"]
mod measure;

use std::process::{Command, ExitCode};

use generator::{BenchRepo, PLAN_ROOT, Params};
use measure::{Stats, mib, ms};

const BIN: &str = env!("CARGO_BIN_EXE_git-intellimanage");

/// The issue's targets.
const DIFF_RATIO_TARGET: f64 = 1.0;
const LIST_RATIO_TARGET: f64 = 2.0;
const MEMORY_TARGET_MIB: f64 = 100.0;
/// `waves` of the largest Epic against `list` of the whole plan, in the same run.
const WAVES_LIST_RATIO_TARGET: f64 = 1.5;

fn main() -> ExitCode {
    if let Some(code) = measure::runner_main() {
        return code;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench plan: {e}");
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

/// One line of the results table.
struct Row {
    name: String,
    ours: Stats,
    git: Stats,
    /// The target ratio to git's time; `None`: measured against something else.
    target: Option<f64>,
}

fn run() -> Result<(), String> {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let params = Params::from_env(if bench_mode {
        Params::FULL
    } else {
        Params::SMOKE
    })?;
    let runs = env_usize("IM_BENCH_RUNS", if bench_mode { 10 } else { 2 })?.max(1);
    let warmup = env_usize("IM_BENCH_WARMUP", if bench_mode { 2 } else { 1 })?;

    print_machine();
    let repo = generator::ensure(&generator::target_dir(), &params, &mut |line| {
        eprintln!("{line}")
    })?;
    if repo.generated {
        println!(
            "repository: generated in {:.1}s",
            repo.generation_time.as_secs_f64()
        );
    } else {
        println!("repository: cached");
    }
    let commits: usize = repo
        .git(&["rev-list", "--count", "HEAD"])?
        .parse()
        .map_err(|e| format!("rev-list --count: {e}"))?;
    let files = repo.git(&["ls-tree", "-r", "--name-only", "HEAD", "--", PLAN_ROOT])?;
    let artifacts = files.lines().filter(|p| is_artifact(p)).count();
    let archived = files
        .lines()
        .filter(|p| is_artifact(p) && p.contains("/archive/"))
        .count();
    let pack = repo.git(&["count-objects", "-vH"])?;
    let pack_size = pack
        .lines()
        .find_map(|l| l.strip_prefix("size-pack: "))
        .unwrap_or("?");
    println!(
        "  {}\n  {commits} commits, {artifacts} artifacts at HEAD ({archived} archived), \
         {} plan files, pack {pack_size}",
        repo.dir.display(),
        files.lines().count()
    );
    println!(
        "  runs: {warmup} warm-up + {runs} timed per command, interleaved; median wall time\n"
    );

    sanity_check(&repo, artifacts - archived)?;
    let floor = {
        let mut echo = repo.command("echo");
        echo.arg("x");
        measure::run_isolated("echo", vec![echo])?
    };
    println!(
        "  RSS floor (the runner's own peak, included in each figure): {:.1} MiB\n",
        mib(floor.max_rss_kib)
    );

    let ranges: Vec<usize> = match std::env::var("IM_BENCH_RANGES") {
        Ok(v) if !v.trim().is_empty() => v
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .map_err(|e| format!("IM_BENCH_RANGES={v:?}: {e}"))
            })
            .collect::<Result<_, _>>()?,
        _ => vec![10, 300, 2000],
    };
    let mut ranges: Vec<usize> = ranges
        .into_iter()
        .map(|n| n.clamp(1, commits - 1))
        .collect();
    ranges.dedup();

    let mut rows = Vec::new();
    for n in &ranges {
        let base = format!("HEAD~{n}");
        let changed = repo
            .git(&[
                "diff",
                "--name-only",
                "--no-renames",
                &base,
                "HEAD",
                "--",
                PLAN_ROOT,
            ])?
            .lines()
            .count();
        eprintln!("timing diff over {base} ({changed} plan files differ)...");
        let stats = measure::compare(&["our diff", "git diff"], warmup, runs, &|k| {
            if k == 0 {
                let mut c = repo.command(BIN);
                c.args(["diff", "--base", &base, "--json"]);
                vec![c]
            } else {
                let mut c = repo.command("git");
                c.args(["diff", &base, "HEAD", "--", PLAN_ROOT]);
                vec![c]
            }
        })?;
        rows.push(Row {
            name: format!("diff {base} ({changed} files)"),
            ours: stats[0],
            git: stats[1],
            target: Some(DIFF_RATIO_TARGET),
        });
    }

    eprintln!("timing list...");
    let stats = measure::compare(
        &["our list", "git ls-tree | cat-file"],
        warmup,
        runs,
        &|k| {
            if k == 0 {
                let mut c = repo.command(BIN);
                c.args(["list", "--json"]);
                vec![c]
            } else {
                let mut ls = repo.command("git");
                ls.args(["ls-tree", "-r", "--object-only", "HEAD", "--", PLAN_ROOT]);
                let mut cat = repo.command("git");
                cat.args(["cat-file", "--batch"]);
                vec![ls, cat]
            }
        },
    )?;
    rows.push(Row {
        name: format!("list ({artifacts} artifacts)"),
        ours: stats[0],
        git: stats[1],
        target: Some(LIST_RATIO_TARGET),
    });

    let (epic, work) = largest_epic(&repo)?;
    let (shape, in_scope) = waves_shape(&repo, &epic)?;
    println!("waves {epic}: {work} active work items beneath it; {shape}");
    eprintln!("timing waves {epic} against list...");
    let stats = measure::compare(
        &["our waves", "our list", "git ls-tree | cat-file"],
        warmup,
        runs,
        &|k| match k {
            0 => {
                let mut c = repo.command(BIN);
                // Items waiting on open work outside the Epic make `waves` exit 1 (its
                // planning gate), as in any real plan: that is a result, not a failure.
                c.args(["waves", &epic, "--json"])
                    .env("IM_BENCH_ACCEPT_EXIT", "1");
                vec![c]
            }
            1 => {
                let mut c = repo.command(BIN);
                c.args(["list", "--json"]);
                vec![c]
            }
            _ => {
                let mut ls = repo.command("git");
                ls.args(["ls-tree", "-r", "--object-only", "HEAD", "--", PLAN_ROOT]);
                let mut cat = repo.command("git");
                cat.args(["cat-file", "--batch"]);
                vec![ls, cat]
            }
        },
    )?;
    let waves_row = Row {
        name: format!("waves {epic} ({in_scope} items)"),
        ours: stats[0],
        git: stats[2],
        target: None,
    };
    let list_same_run = stats[1];
    rows.push(waves_row);

    print_table(&rows);
    let waves = ms(stats[0].median_wall);
    let list = ms(list_same_run.median_wall);
    let ratio = waves / list.max(1e-9);
    let cpu_ratio = ms(stats[0].median_cpu) / ms(list_same_run.median_cpu).max(1e-9);
    println!(
        "\nwaves {epic} against list --json (same run): {waves:.1} ms / {list:.1} ms = {ratio:.2} \
         (target ≤ {WAVES_LIST_RATIO_TARGET}: {}); CPU {:.1} / {:.1} ms = {cpu_ratio:.2}; \
         list's spread {:.1}..{:.1} ms",
        if ratio <= WAVES_LIST_RATIO_TARGET {
            "ok"
        } else {
            "MISS"
        },
        ms(stats[0].median_cpu),
        ms(list_same_run.median_cpu),
        ms(list_same_run.min_wall),
        ms(list_same_run.max_wall),
    );
    if !bench_mode {
        check_commit_fixture(&repo)?;
    }
    println!("load average at the end: {}", load_average());
    Ok(())
}

/// The Epic with the most work items beneath it (through its Features, or its own
/// `epic_id`), from `list --json`; and that count.
fn largest_epic(repo: &BenchRepo) -> Result<(String, usize), String> {
    use std::collections::HashMap;
    let out = repo
        .command(BIN)
        .args(["list", "--json"])
        .output()
        .map_err(|e| format!("run {BIN}: {e}"))?;
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("`list --json` did not print JSON: {e}"))?;
    let all = listed
        .as_array()
        .ok_or("`list --json` did not print an array")?;
    let field = |a: &serde_json::Value, k: &str| a[k].as_str().unwrap_or("").to_string();
    let key = |a: &serde_json::Value, id: &str| format!("{}/{id}", field(a, "project"));
    // Feature → its Epic.
    let epic_of_feature: HashMap<String, String> = all
        .iter()
        .filter(|a| field(a, "kind") == "Feature")
        .map(|a| (key(a, &field(a, "id")), key(a, &field(a, "parent"))))
        .collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for a in all {
        if matches!(field(a, "kind").as_str(), "Epic" | "Feature" | "Initiative") {
            continue;
        }
        let parent = key(a, &field(a, "parent"));
        let epic = epic_of_feature.get(&parent).cloned().unwrap_or(parent);
        *counts.entry(epic).or_default() += 1;
    }
    let epics: std::collections::HashSet<String> = all
        .iter()
        .filter(|a| field(a, "kind") == "Epic")
        .map(|a| key(a, &field(a, "id")))
        .collect();
    let (epic, n) = counts
        .into_iter()
        .filter(|(e, _)| epics.contains(e))
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .ok_or("the generated plan has no Epic with work beneath it")?;
    let id = epic.rsplit('/').next().unwrap_or(&epic).to_string();
    Ok((id, n))
}

/// What `waves` says about the Epic: waves, items placed, items to review (a check that it
/// ran, and context for the figures); and the number of items in its scope.
fn waves_shape(repo: &BenchRepo, epic: &str) -> Result<(String, u64), String> {
    let out = repo
        .command(BIN)
        .args(["waves", epic, "--json"])
        .output()
        .map_err(|e| format!("run {BIN}: {e}"))?;
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(format!(
            "`waves {epic} --json` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("`waves --json` did not print JSON: {e}"))?;
    let waves = v["waves"].as_array().map_or(0, Vec::len);
    let placed: usize = v["waves"].as_array().map_or(0, |w| {
        w.iter()
            .map(|w| w["items"].as_array().map_or(0, Vec::len))
            .sum()
    });
    let blocked = v["blocked"].as_array().map_or(0, Vec::len);
    let done = v["progress"]["done"].as_u64().unwrap_or(0);
    let total = v["progress"]["total"].as_u64().unwrap_or(0);
    Ok((
        format!(
            "waves: {total} items in scope (archived included), {waves} waves, {placed} placed, \
             {blocked} to review, {done} done"
        ),
        total,
    ))
}

/// The fixture a post-commit benchmark builds on (a private clone, `n` artifacts edited,
/// committed) must touch exactly the files it says; checked in smoke runs.
fn check_commit_fixture(repo: &BenchRepo) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let scratch = repo.scratch_clone(&tmp.path().join("clone"))?;
    let touched = scratch.touch_artifacts(3, 7)?;
    scratch.commit_all("Touch three artifacts")?;
    let listed = scratch.git(&["diff-tree", "-r", "--name-only", "--no-commit-id", "HEAD"])?;
    let listed: Vec<&str> = listed.lines().collect();
    if listed != touched {
        return Err(format!(
            "the commit fixture touched {touched:?}, but the commit changed {listed:?}"
        ));
    }
    println!(
        "commit fixture: ok ({} artifacts touched and committed)",
        touched.len()
    );
    Ok(())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_string())
}

/// An artifact file: `<project>/<folder>/<file>.md` or `<project>/archive/<folder>/<file>.md`.
fn is_artifact(path: &str) -> bool {
    let Some(rel) = path
        .strip_prefix(PLAN_ROOT)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return false;
    };
    let folder = |f: &str| matches!(f, "initiatives" | "epics" | "features" | "tasks");
    rel.ends_with(".md")
        && match rel.split('/').collect::<Vec<_>>().as_slice() {
            [_, f, _] => folder(f),
            [_, "archive", f, _] => folder(f),
            _ => false,
        }
}

/// The generated plan must be valid and complete, or the timings mean nothing.
fn sanity_check(repo: &BenchRepo, active: usize) -> Result<(), String> {
    let out = repo
        .command(BIN)
        .args(["list", "--json"])
        .output()
        .map_err(|e| format!("run {BIN}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`list --json` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("`list --json` did not print JSON: {e}"))?;
    let n = listed.as_array().map_or(0, Vec::len);
    if n != active {
        return Err(format!(
            "`list --json` listed {n} artifacts, the repository has {active} active ones"
        ));
    }
    if !out.stderr.is_empty() {
        let text = String::from_utf8_lossy(&out.stderr);
        let first: Vec<&str> = text.lines().take(5).collect();
        eprintln!(
            "warning: `list` reported problems with the generated plan ({} lines), e.g.:\n  {}",
            text.lines().count(),
            first.join("\n  ")
        );
    }
    Ok(())
}

fn print_machine() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or("?".to_string(), |kib| {
            format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("?", |v| v.trim_start_matches([' ', '\t', ':']));
    let git = Command::new("git")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!(
        "machine: {cores} cores ({cpu}), {mem} memory; {git}; load average {}",
        load_average()
    );
    println!("binary: {BIN}");
}

fn print_table(rows: &[Row]) {
    println!(
        "\n{:<30} {:>9} {:>9} {:>6} {:>9}  {:>8} {:>8} {:>6}  {:>9} {:>9}",
        "",
        "ours ms",
        "git ms",
        "ratio",
        "target",
        "ours cpu",
        "git cpu",
        "ratio",
        "ours RSS",
        "git RSS"
    );
    for r in rows {
        let ratio = ms(r.ours.median_wall) / ms(r.git.median_wall).max(1e-9);
        let cpu_ratio = ms(r.ours.median_cpu) / ms(r.git.median_cpu).max(1e-9);
        let (target, verdict) = match r.target {
            Some(t) => (format!("≤{t}"), if ratio <= t { "ok" } else { "MISS" }),
            None => ("-".to_string(), ""),
        };
        println!(
            "{:<30} {:>9.1} {:>9.1} {:>6.2} {:>4} {:<4}  {:>8.1} {:>8.1} {:>6.2}  {:>6.1}MiB {:>6.1}MiB",
            r.name,
            ms(r.ours.median_wall),
            ms(r.git.median_wall),
            ratio,
            target,
            verdict,
            ms(r.ours.median_cpu),
            ms(r.git.median_cpu),
            cpu_ratio,
            mib(r.ours.max_rss_kib),
            mib(r.git.sum_rss_kib),
        );
    }
    println!("\nspread (min..max ms) and output size:");
    for r in rows {
        println!(
            "  {:<34} ours {:.1}..{:.1} ({} B)   git {:.1}..{:.1} ({} B)",
            r.name,
            ms(r.ours.min_wall),
            ms(r.ours.max_wall),
            r.ours.stdout_bytes,
            ms(r.git.min_wall),
            ms(r.git.max_wall),
            r.git.stdout_bytes
        );
    }
    // The memory target is list's and diff's (the rows with a target against git).
    let peak = rows
        .iter()
        .filter(|r| r.target.is_some())
        .map(|r| r.ours.max_rss_kib)
        .max()
        .unwrap_or(0);
    let verdict = if mib(peak) < MEMORY_TARGET_MIB {
        "ok"
    } else {
        "MISS"
    };
    println!(
        "\npeak memory of our list and diff (max RSS over all runs): {:.1} MiB (target < {MEMORY_TARGET_MIB} MiB: {verdict})",
        mib(peak)
    );
    println!(
        "ratios are ours / git's medians (wall, then CPU = user + system of all processes); \
         git RSS is the sum over the pipeline's processes."
    );
}
