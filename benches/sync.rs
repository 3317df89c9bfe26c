//! Requests and wall time of `sync` against the GitHub emulator, on a synthetic plan.
//!
//! `cargo bench --bench sync` syncs 1,000 artifacts (10 Epics → milestones, 990
//! Tasks/Bugs/Stories/Spikes → issues, one in ten of them Done) with 20 ms of latency added to
//! every request, then walks through the situations a user meets:
//!
//! 1. the initial sync;
//! 2. 10 artifacts changed right after it (the first run after a large write also re-reads
//!    what that write touched: the sync asks GitHub for issues updated since the newest
//!    `updated_at` it saw *before* its own writes, so edits made meanwhile are never missed);
//! 3. three no-op syncs in a row (the first of them still reads the issue list that the
//!    previous run's own writes changed);
//! 4. 10 artifacts changed after those no-ops;
//! 5. two more no-op syncs.
//!
//! For each it prints the requests GitHub saw (reads, how many answered 304, writes by
//! kind) and the wall time, next to the targets: one write per issue and milestone plus one
//! per label first created, and no more reads than list pages, for the initial sync; at
//! most 10 writes and 3 reads for a 10-artifact change; at most 3 requests, all 304, for a
//! no-op. It asserts nothing about speed; it fails only when a sync fails or GitHub does not
//! end up mirroring the plan.
//!
//! Without `--bench` (e.g. `cargo test --benches`) it runs a small smoke configuration.
//! Environment: `IM_SYNC_BENCH_ARTIFACTS` (default 1000; smoke 60), `IM_SYNC_BENCH_LATENCY_MS`
//! (default 20; smoke 0), `IM_SYNC_BENCH_CHANGES` (default 10), `IM_SYNC_BENCH_TRACKER`
//! (`github`, default, or `gitlab`: the same walk against the GitLab emulator, whose REST API
//! has no conditional requests, so a no-op is judged by reads per list page and no write),
//! `IM_SYNC_BENCH_BOARD=1` (GitHub: every issue on a project board whose Status follows the
//! plan, so each sync also reads the board's fields and items).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{BUG, EPIC, FEATURE, TASK, TestRepo, artifact, project_config, stderr, stdout};

const GL_TOKEN: &str = "glpat-SyncBenchToken";

/// The emulated tracker the bench runs against.
enum Emu {
    Github(github_emulator::Emulator),
    Gitlab(gitlab_emulator::Emulator),
}

/// One request as the bench classifies it: method, path below the API root, answered 304.
struct Seen {
    method: String,
    path: String,
    not_modified: bool,
}

impl Emu {
    fn start(gitlab: bool, board: bool, latency: Duration) -> Emu {
        if gitlab {
            let emu = gitlab_emulator::Emulator::start_with(gitlab_emulator::Options {
                latency,
                rate_limit: 1_000_000,
                ..gitlab_emulator::Options::default()
            });
            emu.add_user("ada");
            emu.add_token(GL_TOKEN, "ada", &["api"]);
            emu.add_project(&format!("{OWNER}/{REPO}"));
            emu.add_member(&format!("{OWNER}/{REPO}"), "ada");
            Emu::Gitlab(emu)
        } else {
            let emu = github_emulator::Emulator::start_with(github_emulator::Options {
                latency,
                ..github_emulator::Options::default()
            });
            emu.add_token(TOKEN, "ada", &["repo", "project"]);
            emu.add_repo(OWNER, REPO);
            if board {
                emu.add_project(
                    OWNER,
                    github_emulator::ProjectOwner::Organization,
                    3,
                    "Roadmap",
                    &["Todo", "In Progress", "Done"],
                );
            }
            Emu::Github(emu)
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Emu::Github(_) => "GitHub",
            Emu::Gitlab(_) => "GitLab",
        }
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![("INTELLIMANAGE_NO_KEYRING".to_string(), "1".to_string())];
        match self {
            Emu::Github(e) => {
                env.push(("GITHUB_API_URL".into(), e.url()));
                env.push(("GITHUB_PAT".into(), TOKEN.into()));
            }
            Emu::Gitlab(e) => {
                env.push(("GITLAB_API_URL".into(), e.api_url()));
                env.push(("GITLAB_TOKEN".into(), GL_TOKEN.into()));
            }
        }
        env
    }

    fn reset_log(&self) {
        match self {
            Emu::Github(e) => e.reset_log(),
            Emu::Gitlab(e) => e.reset_log(),
        }
    }

    /// The requests since the log was reset, paths relative to the place's root.
    fn requests(&self) -> Vec<Seen> {
        match self {
            Emu::Github(e) => {
                let base = format!("/repos/{OWNER}/{REPO}/");
                e.requests()
                    .iter()
                    .map(|r| {
                        // Pages after the first come from `Link` headers, as `/repositories/{id}/…`;
                        // the project board's requests count as `board/…`.
                        let board = r
                            .path
                            .split_once("/projectsV2/")
                            .map(|(_, after)| after.split_once('/').map_or("", |(_, rest)| rest))
                            .map(|rest| format!("board/{rest}"));
                        let rest = match (&board, r.path.strip_prefix("/repositories/")) {
                            (Some(b), _) => b.as_str(),
                            (None, Some(after)) => {
                                after.split_once('/').map_or(after, |(_, rest)| rest)
                            }
                            (None, None) => r.path.strip_prefix(&base).unwrap_or(&r.path),
                        };
                        Seen {
                            method: r.method.clone(),
                            path: rest.to_string(),
                            not_modified: r.not_modified,
                        }
                    })
                    .collect()
            }
            Emu::Gitlab(e) => e
                .requests()
                .iter()
                .map(|r| {
                    // `/api/v4/projects/acme%2Fdemo/issues?…` or `/api/v4/projects/1/issues?…`.
                    let after = r.target.split_once("/projects/").map_or("", |(_, a)| a);
                    let rest = after.split_once('/').map_or("", |(_, rest)| rest);
                    Seen {
                        method: r.method.clone(),
                        path: rest.to_string(),
                        not_modified: r.status == Some(304),
                    }
                })
                .collect(),
        }
    }

    /// (issues, milestones, titles of the issues).
    fn state(&self) -> (usize, usize, Vec<String>) {
        let (issues, milestones) = match self {
            Emu::Github(e) => (e.issues(OWNER, REPO), e.milestones(OWNER, REPO).len()),
            Emu::Gitlab(e) => {
                let place = format!("{OWNER}/{REPO}");
                (e.issues(&place), e.milestones(&place).len())
            }
        };
        let titles = issues
            .iter()
            .filter_map(|i| i["title"].as_str().map(str::to_string))
            .collect();
        (issues.len(), milestones, titles)
    }
}

const TOKEN: &str = "ghp_SyncBenchToken";
const OWNER: &str = "acme";
const REPO: &str = "demo";
const P: &str = ".ruru/projects/demo";
const STATUSES: [&str; 4] = ["🟡 To Do", "🔵 In Progress", "⚪️ Backlog", "🟣 Review"];
const KINDS: [&str; 4] = [TASK, BUG, "✨ Story", "💡 Spike"];
const PRIORITIES: [&str; 3] = ["🔼 High", "▶️ Medium", "🔽 Low"];
const TAGS: [&str; 8] = [
    "backend", "frontend", "api", "docs", "infra", "ux", "perf", "security",
];
const PER_PAGE: usize = 100;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench sync: {e}");
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

/// The synthetic plan's shape.
struct Shape {
    epics: usize,
    issues: usize,
    done: usize,
    labels: usize,
}

/// Writes `total` synced artifacts: one Epic per hundred (at least one), two Features per
/// Epic (not synced themselves), the rest issue types spread over the Features.
fn write_plan(repo: &TestRepo, total: usize, config_extra: &str) -> Shape {
    let epics = (total / 100).max(1);
    let issues = total - epics;
    repo.write(
        &format!("{P}/project_config.toml"),
        &project_config("demo", config_extra),
    );
    for e in 1..=epics {
        repo.write(
            &format!("{P}/epics/EPIC-{e:03}_e.md"),
            &artifact(
                &format!("EPIC-{e:03}"),
                EPIC,
                &format!("Epic {e}"),
                "🔵 In Progress",
                &format!("target_date = \"2025-{:02}-15\"\n", (e % 12) + 1),
                &format!("# Epic {e}\n\nWhat this epic delivers.\n"),
            ),
        );
        for f in 0..2 {
            let id = format!("FEAT-{:03}", e * 2 + f);
            repo.write(
                &format!("{P}/features/{id}_f.md"),
                &artifact(
                    &id,
                    FEATURE,
                    &format!("Feature {id}"),
                    "🟡 To Do",
                    &format!("epic_id = \"EPIC-{e:03}\"\n"),
                    "A feature.\n",
                ),
            );
        }
    }
    let mut done = 0;
    let mut used_labels: std::collections::BTreeSet<String> = Default::default();
    for i in 1..=issues {
        let id = format!("TASK-{i:04}");
        let status = if i % 10 == 0 {
            done += 1;
            "🟢 Done"
        } else {
            STATUSES[i % STATUSES.len()]
        };
        let kind = KINDS[i % KINDS.len()];
        let priority = PRIORITIES[i % PRIORITIES.len()];
        let tags = [TAGS[i % TAGS.len()], TAGS[(i / 3) % TAGS.len()]];
        let feature = format!("FEAT-{:03}", 2 + (i % (epics * 2)));
        for l in [status, kind, priority] {
            used_labels.insert(l.to_string());
        }
        for t in tags {
            used_labels.insert(t.to_string());
        }
        repo.write(
            &format!("{P}/tasks/{id}_t.md"),
            &artifact(
                &id,
                kind,
                &format!("Work item {i}"),
                status,
                &format!(
                    "feature_id = \"{feature}\"\npriority = \"{priority}\"\ntags = [\"{}\", \"{}\"]\n{}",
                    tags[0],
                    tags[1],
                    if i % 5 == 0 { "assigned_to = \"ada\"\n" } else { "" }
                ),
                &format!(
                    "Work item {i}: what it is about.\n\n- [ ] first step\n- [ ] second step\n"
                ),
            ),
        );
    }
    repo.commit_all("synthetic plan");
    Shape {
        epics,
        issues,
        done,
        labels: used_labels.len(),
    }
}

/// Changes `n` issue artifacts (every other one a status change, the rest a retitle), each
/// exactly one PATCH; artifacts in `used` (changed by earlier rounds) are not picked again.
/// Done ones are left alone (a change there would reopen or re-close).
fn change(
    repo: &TestRepo,
    shape: &Shape,
    n: usize,
    round: usize,
    used: &mut Vec<usize>,
) -> Result<(), String> {
    let step = (shape.issues / n.max(1)).max(1);
    let mut picked: Vec<usize> = Vec::new();
    let mut candidate = 1 + round;
    let available = shape.issues - shape.done - used.len();
    while picked.len() < n.min(available) {
        let i = (candidate - 1) % shape.issues + 1;
        if !i.is_multiple_of(10) && !picked.contains(&i) && !used.contains(&i) {
            picked.push(i);
            candidate += step;
        } else {
            candidate += 1;
        }
    }
    used.extend(&picked);
    for (k, i) in picked.into_iter().enumerate() {
        let path = format!("{P}/tasks/TASK-{i:04}_t.md");
        let text = repo.read(&path);
        let new = if k % 2 == 0 {
            let current = STATUSES
                .iter()
                .find(|s| text.contains(&format!("status = \"{s}\"")))
                .ok_or_else(|| format!("{path} has none of the statuses"))?;
            let next = STATUSES
                [(STATUSES.iter().position(|s| s == current).unwrap_or(0) + 1) % STATUSES.len()];
            text.replacen(
                &format!("status = \"{current}\""),
                &format!("status = \"{next}\""),
                1,
            )
        } else {
            text.replacen(
                "title = \"Work item",
                &format!("title = \"(round {round}) Work item"),
                1,
            )
        };
        if new == text {
            return Err(format!("change {k} left {path} as it was"));
        }
        repo.write(&path, &new);
    }
    repo.commit_all(&format!("change round {round}"));
    Ok(())
}

/// What GitHub saw during one phase.
#[derive(Default)]
struct Phase {
    name: String,
    wall: Duration,
    reads: usize,
    not_modified: usize,
    /// Reads per list (`labels`, `milestones`, `issues`), pages included.
    lists: BTreeMap<&'static str, usize>,
    /// Writes by kind (`POST issues`, `PATCH issues`, …).
    writes: BTreeMap<String, usize>,
    target: String,
    /// Whether the figures meet the target.
    met: bool,
}

impl Phase {
    fn write_count(&self) -> usize {
        self.writes.values().sum()
    }
}

fn classify(requests: &[Seen]) -> Phase {
    let mut p = Phase::default();
    for r in requests {
        let resource = r
            .path
            .split(['/', '?'])
            .next()
            .unwrap_or_default()
            .to_string();
        if r.method != "GET" {
            *p.writes
                .entry(format!("{} {resource}", r.method))
                .or_default() += 1;
        } else {
            p.reads += 1;
            if r.not_modified {
                p.not_modified += 1;
            }
            let list = match resource.as_str() {
                "labels" => "labels",
                "milestones" => "milestones",
                "issues" => "issues",
                "board" => "board",
                _ => "other",
            };
            *p.lists.entry(list).or_default() += 1;
        }
    }
    p
}

struct Bench {
    emu: Emu,
    repo: TestRepo,
    phases: Vec<Phase>,
}

impl Bench {
    fn sync(
        &mut self,
        name: &str,
        target: &str,
        met: impl Fn(&Phase) -> bool,
    ) -> Result<Value, String> {
        self.emu.reset_log();
        let started = Instant::now();
        let env = self.emu.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let out = self.repo.im_env(&["sync", "--json"], &env);
        let wall = started.elapsed();
        if !out.status.success() {
            return Err(format!(
                "{name}: sync exited {:?}\n{}\n{}",
                out.status.code(),
                stdout(&out),
                stderr(&out)
            ));
        }
        let report: Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("{name}: the report is not JSON: {e}"))?;
        let mut phase = classify(&self.emu.requests());
        phase.name = name.to_string();
        phase.wall = wall;
        phase.target = target.to_string();
        phase.met = met(&phase);
        let reported = report["requests"]["requests"].as_u64().unwrap_or(0) as usize;
        if reported != phase.reads + phase.write_count() {
            return Err(format!(
                "{name}: the report counts {reported} requests, {} saw {}",
                self.emu.name(),
                phase.reads + phase.write_count()
            ));
        }
        eprintln!(
            "{name}: {} requests in {:.1}s",
            reported,
            wall.as_secs_f64()
        );
        self.phases.push(phase);
        Ok(report)
    }
}

fn run() -> Result<(), String> {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let total = env_usize(
        "IM_SYNC_BENCH_ARTIFACTS",
        if bench_mode { 1000 } else { 60 },
    )?
    .max(2);
    let latency = Duration::from_millis(env_usize(
        "IM_SYNC_BENCH_LATENCY_MS",
        if bench_mode { 20 } else { 0 },
    )? as u64);
    let changes = env_usize("IM_SYNC_BENCH_CHANGES", 10)?.max(1);

    let gitlab =
        std::env::var("IM_SYNC_BENCH_TRACKER").is_ok_and(|t| t.eq_ignore_ascii_case("gitlab"));
    // The GitHub project board (Projects v2) too.
    let board = !gitlab && std::env::var("IM_SYNC_BENCH_BOARD").is_ok_and(|v| v == "1");
    let emu = Emu::start(gitlab, board, latency);
    let repo = TestRepo::new();
    let shape = write_plan(
        &repo,
        total,
        if gitlab {
            "platform = \"gitlab\"\n"
        } else if board {
            "[github_integration.project_board]\nnumber = 3\n"
        } else {
            ""
        },
    );
    // Each sync reads the board's fields and its items (100 per page); a card costs an
    // add and a column when its issue is created, a column when its status changes.
    let board_reads = if board {
        1 + shape.issues.div_ceil(PER_PAGE)
    } else {
        0
    };
    let card_writes = if board { 2 * shape.issues } else { 0 };
    println!(
        "{}: {} synced artifacts ({} epics → milestones, {} issues of which {} Done), {} labels; \
         emulator latency {} ms per request; write pause 0 (INTELLIMANAGE_WRITE_DELAY_MS=0)",
        emu.name(),
        shape.epics + shape.issues,
        shape.epics,
        shape.issues,
        shape.done,
        shape.labels,
        latency.as_millis()
    );
    let mut b = Bench {
        emu,
        repo,
        phases: Vec::new(),
    };

    let initial_writes = shape.issues + shape.done + shape.epics + shape.labels + card_writes;
    b.sync(
        "initial sync",
        &format!(
            "{initial_writes} writes ({} issues + {} closes of Done issues + {} milestones + {} labels{}), ≤ {} reads (three empty lists{})",
            shape.issues,
            shape.done,
            shape.epics,
            shape.labels,
            if board { format!(" + {card_writes} card adds and columns") } else { String::new() },
            3 + usize::from(gitlab) + usize::from(board) * 2,
            if gitlab {
                "; GitLab assigns by user id: one lookup per user name"
            } else if board {
                "; the board's fields and its (empty) items"
            } else {
                ""
            }
        ),
        |p| {
            p.write_count() == initial_writes
                && p.reads <= 3 + usize::from(gitlab) + usize::from(board) * 2
        },
    )?;
    let (issues, milestones, _) = b.emu.state();
    if issues != shape.issues || milestones != shape.epics {
        return Err(format!(
            "{} has {issues} issues and {milestones} milestones after the initial sync",
            b.emu.name()
        ));
    }

    let reread = shape.issues.div_ceil(PER_PAGE) + 2 + board_reads;
    // A status change also moves its card.
    let changed_writes = if board {
        changes + changes.div_ceil(2)
    } else {
        changes
    };
    let mut used = Vec::new();
    change(&b.repo, &shape, changes, 1, &mut used)?;
    b.sync(
        &format!("{changes} changed, right after it"),
        &format!(
            "≤ {changed_writes} writes; ≤ {reread} reads (the issues the initial sync wrote, read once: {} pages{})",
            shape.issues.div_ceil(PER_PAGE),
            if board { format!("; the board: {board_reads} pages") } else { String::new() }
        ),
        |p| p.write_count() <= changed_writes && p.reads <= reread,
    )?;
    // GitLab answers no conditional request: a no-op is one read per list page, no write.
    let noop_reads = 3 + board_reads;
    let noop = |p: &Phase| {
        p.write_count() == 0 && p.reads <= noop_reads && (gitlab || p.not_modified == p.reads)
    };
    // Right after a run that wrote, the issue list has changed (by those very writes): it
    // is read once more, the other two lists are 304.
    let after_writes = |p: &Phase| {
        p.write_count() == 0
            && p.reads <= noop_reads
            && (gitlab || p.not_modified + 1 + board_reads.saturating_sub(1) >= p.reads)
    };
    let after_writes_target = if board {
        "≤ 3 list reads + the board's pages; the issue list and the board's items, changed by the previous run's own writes, read once more (200), the rest 304"
    } else {
        "≤ 3 requests; the issue list, changed by the previous run's own writes, read once more (200), the rest 304"
    };
    let noop_target = if gitlab {
        "0 writes, one read per list page (labels, milestones, issues updated since the watermark)"
    } else if board {
        "≤ 3 list reads + the board's fields and item pages, all 304"
    } else {
        "≤ 3 requests, all 304"
    };
    b.sync("no-op, after writes", after_writes_target, after_writes)?;
    for _ in 0..2 {
        b.sync("no-op", noop_target, noop)?;
    }
    change(&b.repo, &shape, changes, 2, &mut used)?;
    b.sync(
        &format!("{changes} changed, after no-ops"),
        &format!("≤ {changed_writes} writes + ≤ {noop_reads} reads"),
        |p| p.write_count() <= changed_writes && p.reads <= noop_reads,
    )?;
    b.sync("no-op, after writes", after_writes_target, after_writes)?;
    b.sync("no-op", noop_target, noop)?;
    let edited = b
        .emu
        .state()
        .2
        .iter()
        .filter(|t| t.starts_with("(round "))
        .count();
    if edited != 2 * (changes / 2) {
        return Err(format!(
            "{edited} retitled issues on {}, expected {}",
            b.emu.name(),
            2 * (changes / 2)
        ));
    }

    print_table(&b.phases);
    Ok(())
}

fn print_table(phases: &[Phase]) {
    println!();
    println!(
        "{:<26} {:>8} {:>6} {:>5} {:>7} {:>9}  target met",
        "phase", "requests", "reads", "304", "writes", "wall"
    );
    for p in phases {
        println!(
            "{:<26} {:>8} {:>6} {:>5} {:>7} {:>8.2}s  {}",
            p.name,
            p.reads + p.write_count(),
            p.reads,
            p.not_modified,
            p.write_count(),
            p.wall.as_secs_f64(),
            if p.met { "yes" } else { "NO" }
        );
        let writes: Vec<String> = p.writes.iter().map(|(k, v)| format!("{v} {k}")).collect();
        let lists: Vec<String> = p.lists.iter().map(|(k, v)| format!("{k} {v}")).collect();
        if !writes.is_empty() {
            println!("    writes: {}", writes.join(", "));
        }
        println!("    reads:  {}", lists.join(", "));
        println!("    target: {}", p.target);
    }
}
