//! Timing child processes: wall time, CPU time and peak memory (max RSS, from `wait4`'s
//! rusage of each child), with pipelines connected process to process as a shell would.
//! Shared by the benchmarks with `#[path = "support/measure.rs"] mod measure;`.
//!
//! Linux folds the RSS high-water mark of the process that spawns a child into the child's
//! `ru_maxrss` (at `exec`, the old address space's peak is kept). A benchmark process that
//! generated a repository or parsed large outputs would thus inflate every figure. So
//! [`compare`] runs each measurement through a small runner: the benchmark binary itself,
//! started afresh with [`RUNNER_FLAG`], which spawns and times the pipeline and reports one
//! line. A benchmark's `main` must start with [`runner_main`].
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Read;
use std::process::{ChildStderr, ChildStdout, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// One run of a command or pipeline.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// From the first spawn to the last exit and the end of its output.
    pub wall: Duration,
    /// User + system time of every process of the pipeline.
    pub cpu: Duration,
    /// The largest max RSS of any single process of the pipeline, in KiB.
    pub max_rss_kib: u64,
    /// The sum of every process's max RSS (an upper bound of the pipeline's peak), in KiB.
    pub sum_rss_kib: u64,
    /// Bytes the last process wrote on stdout.
    pub stdout_bytes: u64,
}

/// What one process of a run reported.
struct Exit {
    code: Option<i32>,
    signal: Option<i32>,
    cpu: Duration,
    max_rss_kib: u64,
}

fn wait_rusage(pid: u32) -> Result<Exit, String> {
    let pid = libc::pid_t::try_from(pid).map_err(|e| format!("pid {pid}: {e}"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (std's `Child` is never waited on
        // for it); `status` and `usage` are valid, exclusive pointers for the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4({pid}): {err}"));
        }
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Ok(Exit {
        code,
        signal,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
    })
}

fn drain_stdout(mut out: ChildStdout) -> std::thread::JoinHandle<std::io::Result<u64>> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        loop {
            match out.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => total += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    })
}

/// Keeps the first 8 KiB of stderr (for error messages), reads and drops the rest.
fn drain_stderr(mut err: ChildStderr) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = vec![0u8; 1 << 14];
        loop {
            match err.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let room = 8192usize.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

/// Runs `stages` as a pipeline (each stage's stdout feeds the next one's stdin), draining
/// the last stage's stdout. Fails when a stage exits non-zero or is killed, or when the
/// pipeline prints nothing.
pub fn run(label: &str, mut stages: Vec<Command>) -> Result<Sample, String> {
    if stages.is_empty() {
        return Err(format!("{label}: no command"));
    }
    let last = stages.len() - 1;
    let started = Instant::now();
    let mut pids = Vec::with_capacity(stages.len());
    let mut errs = Vec::with_capacity(stages.len());
    let mut upstream: Option<ChildStdout> = None;
    let mut out_reader = None;
    for (k, cmd) in stages.iter_mut().enumerate() {
        cmd.stdin(match upstream.take() {
            Some(prev) => Stdio::from(prev),
            None => Stdio::null(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("{label}: cannot start {:?}: {e}", cmd.get_program()))?;
        if let Some(e) = child.stderr.take() {
            errs.push(drain_stderr(e));
        }
        let out = child
            .stdout
            .take()
            .ok_or_else(|| format!("{label}: no stdout"))?;
        if k == last {
            out_reader = Some(drain_stdout(out));
        } else {
            upstream = Some(out);
        }
        pids.push(child.id());
        // `child` is dropped without waiting: `wait_rusage` reaps it.
    }
    let mut exits = Vec::with_capacity(pids.len());
    for pid in &pids {
        exits.push(wait_rusage(*pid)?);
    }
    let stdout_bytes = match out_reader.map(|h| h.join()) {
        Some(Ok(Ok(n))) => n,
        Some(Ok(Err(e))) => return Err(format!("{label}: reading stdout: {e}")),
        _ => return Err(format!("{label}: the stdout reader failed")),
    };
    let wall = started.elapsed();
    let stderr: Vec<String> = errs
        .into_iter()
        .map(|h| h.join().unwrap_or_default())
        .collect();
    // `IM_BENCH_ACCEPT_EXIT=1,…`: exit codes that count as success besides 0 (a command
    // that reports findings, e.g. `waves` with items to review, exits 1 by design).
    let accepted: Vec<i32> = std::env::var("IM_BENCH_ACCEPT_EXIT")
        .unwrap_or_default()
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    for (k, exit) in exits.iter().enumerate() {
        if exit.code != Some(0) && !exit.code.is_some_and(|c| accepted.contains(&c)) {
            return Err(format!(
                "{label}: {:?} {} (exit code {:?}, signal {:?})\nstderr:\n{}",
                stages[k].get_program(),
                stages[k]
                    .get_args()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
                exit.code,
                exit.signal,
                stderr[k]
            ));
        }
    }
    if stdout_bytes == 0 {
        return Err(format!(
            "{label}: printed nothing on stdout\nstderr:\n{}",
            stderr.join("\n")
        ));
    }
    Ok(Sample {
        wall,
        cpu: exits.iter().map(|e| e.cpu).sum(),
        max_rss_kib: exits.iter().map(|e| e.max_rss_kib).max().unwrap_or(0),
        sum_rss_kib: exits.iter().map(|e| e.max_rss_kib).sum(),
        stdout_bytes,
    })
}

/// Summary statistics of repeated runs.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub runs: usize,
    pub median_wall: Duration,
    pub min_wall: Duration,
    pub max_wall: Duration,
    pub median_cpu: Duration,
    /// Largest max RSS over the runs (KiB).
    pub max_rss_kib: u64,
    /// Largest sum of the stages' max RSS over the runs (KiB).
    pub sum_rss_kib: u64,
    pub stdout_bytes: u64,
}

pub fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

pub fn stats(samples: &[Sample]) -> Stats {
    let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    let mut cpus: Vec<Duration> = samples.iter().map(|s| s.cpu).collect();
    Stats {
        runs: samples.len(),
        median_wall: median(&mut walls),
        min_wall: walls.first().copied().unwrap_or_default(),
        max_wall: walls.last().copied().unwrap_or_default(),
        median_cpu: median(&mut cpus),
        max_rss_kib: samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0),
        sum_rss_kib: samples.iter().map(|s| s.sum_rss_kib).max().unwrap_or(0),
        stdout_bytes: samples.last().map_or(0, |s| s.stdout_bytes),
    }
}

/// The first argument that turns a benchmark binary into the measuring runner.
pub const RUNNER_FLAG: &str = "--im-measure-runner";
/// Separates the stages of a pipeline on the runner's command line.
const STAGE_SEP: &str = "\u{1f}stage";

/// When the process was started as the runner, runs it and returns its exit code.
/// Call first thing in `main`: `if let Some(code) = measure::runner_main() { return code; }`.
pub fn runner_main() -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(std::ffi::OsStr::new(RUNNER_FLAG)) {
        return None;
    }
    let mut stages: Vec<Vec<OsString>> = Vec::new();
    for arg in args {
        if arg == STAGE_SEP {
            stages.push(Vec::new());
        } else if let Some(stage) = stages.last_mut() {
            stage.push(arg);
        }
    }
    let commands: Vec<Command> = stages
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = Command::new(&s[0]);
            c.args(&s[1..]);
            c
        })
        .collect();
    Some(match run("runner", commands) {
        Ok(s) => {
            println!(
                "{} {} {} {} {}",
                s.wall.as_nanos(),
                s.cpu.as_nanos(),
                s.max_rss_kib,
                s.sum_rss_kib,
                s.stdout_bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    })
}

/// Like [`run`], but from a fresh, small runner process (see the module comment), so the
/// memory figures are the children's own. Every stage must have the same working directory
/// and environment; the environment is exactly the variables set on the first stage (as
/// after `env_clear`).
pub fn run_isolated(label: &str, stages: Vec<Command>) -> Result<Sample, String> {
    let first = stages
        .first()
        .ok_or_else(|| format!("{label}: no command"))?;
    let exe = std::env::current_exe().map_err(|e| format!("{label}: own executable: {e}"))?;
    let mut runner = Command::new(exe);
    runner.env_clear().arg(RUNNER_FLAG);
    for (k, v) in first.get_envs() {
        if let Some(v) = v {
            runner.env(k, v);
        }
    }
    if let Some(dir) = first.get_current_dir() {
        runner.current_dir(dir);
    }
    for stage in &stages {
        runner
            .arg(STAGE_SEP)
            .arg(stage.get_program())
            .args(stage.get_args());
    }
    let out = runner
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{label}: cannot start the runner: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "{label}: {}",
            stderr.trim_start_matches("runner: ")
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<u128> = text
        .split_whitespace()
        .map(|n| n.parse::<u128>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{label}: the runner printed {text:?}: {e}"))?;
    let [wall, cpu, max_rss, sum_rss, bytes] = nums[..] else {
        return Err(format!("{label}: the runner printed {text:?}"));
    };
    let nanos = |n: u128| Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX));
    let kib = |n: u128| u64::try_from(n).unwrap_or(u64::MAX);
    Ok(Sample {
        wall: nanos(wall),
        cpu: nanos(cpu),
        max_rss_kib: kib(max_rss),
        sum_rss_kib: kib(sum_rss),
        stdout_bytes: kib(bytes),
    })
}

/// Runs each contender `warmup` times, then `runs` times interleaved (A B A B …, so drift
/// on a shared machine hits both alike), each run through [`run_isolated`]. `make` builds
/// the pipeline of contender `k` afresh for every run.
pub fn compare(
    labels: &[&str],
    warmup: usize,
    runs: usize,
    make: &dyn Fn(usize) -> Vec<Command>,
) -> Result<Vec<Stats>, String> {
    for (k, label) in labels.iter().enumerate() {
        for _ in 0..warmup {
            run_isolated(label, make(k))?;
        }
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::with_capacity(runs); labels.len()];
    for _ in 0..runs {
        for (k, label) in labels.iter().enumerate() {
            samples[k].push(run_isolated(label, make(k))?);
        }
    }
    Ok(samples.iter().map(|s| stats(s)).collect())
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
