//! A synthetic, deterministic repository with a large IntelliManage plan and a long history,
//! for benchmarks.
//!
//! The history is written with `git fast-import` (seconds, not minutes), then repacked and
//! checked out so the repository looks like a real one. Everything is derived from a seeded
//! RNG, fixed dates and fixed identities: the same parameters give the same commits.
//!
//! Repositories are cached under `<target>/bench-repo-<key>` and reused when present.
//! Other benchmarks include this file with `#[path = "support/generator.rs"] mod generator;`.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{BufWriter, Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Bump when the generated content changes, so stale caches are not reused.
pub const GENERATOR_VERSION: u32 = 2;

/// The plan root inside the repository.
pub const PLAN_ROOT: &str = ".ruru/projects";

pub type Result<T, E = String> = std::result::Result<T, E>;

/// How big the synthetic repository is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Number of projects under `.ruru/projects`.
    pub projects: usize,
    /// Number of artifact files at HEAD (archived ones included).
    pub artifacts: usize,
    /// Number of commits in the history.
    pub commits: usize,
    /// RNG seed.
    pub seed: u64,
}

impl Params {
    /// The full-size repository the benchmarks are specified against.
    pub const FULL: Params = Params {
        projects: 4,
        artifacts: 10_000,
        commits: 3_000,
        seed: 20_250_501,
    };

    /// A small repository for smoke runs.
    pub const SMOKE: Params = Params {
        projects: 4,
        artifacts: 400,
        commits: 120,
        seed: 20_250_501,
    };

    /// `defaults`, overridden by `IM_BENCH_PROJECTS`, `IM_BENCH_ARTIFACTS`,
    /// `IM_BENCH_COMMITS` and `IM_BENCH_SEED` when set.
    pub fn from_env(defaults: Params) -> Result<Params> {
        fn var(name: &str, default: u64) -> Result<u64> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => v
                    .trim()
                    .replace('_', "")
                    .parse()
                    .map_err(|e| format!("{name}={v:?} is not a whole number: {e}")),
                _ => Ok(default),
            }
        }
        let p = Params {
            projects: var("IM_BENCH_PROJECTS", defaults.projects as u64)? as usize,
            artifacts: var("IM_BENCH_ARTIFACTS", defaults.artifacts as u64)? as usize,
            commits: var("IM_BENCH_COMMITS", defaults.commits as u64)? as usize,
            seed: var("IM_BENCH_SEED", defaults.seed)?,
        };
        if p.projects == 0 || p.projects > 26 {
            return Err(format!(
                "IM_BENCH_PROJECTS must be 1..=26, not {}",
                p.projects
            ));
        }
        if p.artifacts < 20 * p.projects {
            return Err(format!(
                "IM_BENCH_ARTIFACTS must be at least {} (20 per project), not {}",
                20 * p.projects,
                p.artifacts
            ));
        }
        if p.commits < 2 {
            return Err(format!(
                "IM_BENCH_COMMITS must be at least 2, not {}",
                p.commits
            ));
        }
        Ok(p)
    }

    /// The cache key: every parameter and the generator version.
    pub fn key(&self) -> String {
        format!(
            "p{}-a{}-c{}-s{}-v{}",
            self.projects, self.artifacts, self.commits, self.seed, GENERATOR_VERSION
        )
    }
}

/// The environment every git and product invocation of the benchmarks gets: no system or
/// global git config, fixed identities and dates, UTC, no color.
pub fn hermetic(cmd: &mut Command, home: &Path) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Ada Bench")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Bench")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2025-05-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2025-05-01T12:00:00Z")
        .env("TZ", "UTC")
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1")
        .env("GIT_TERMINAL_PROMPT", "0");
}

/// A generated repository, ready to use.
#[derive(Debug, Clone)]
pub struct BenchRepo {
    /// The repository's working tree (its `.git` is inside).
    pub dir: PathBuf,
    /// An empty home directory for the hermetic environment.
    pub home: PathBuf,
    pub params: Params,
    /// True when this call generated the repository, false when it came from the cache.
    pub generated: bool,
    /// How long generation took (zero when cached).
    pub generation_time: Duration,
}

/// The target directory: `CARGO_TARGET_DIR`, else `<manifest>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
    }
}

const DONE_MARKER: &str = "intellimanage-bench-complete";

/// Returns the cached repository for `params` under `target`, generating it first when it
/// is missing or incomplete. `log` receives progress lines.
pub fn ensure(target: &Path, params: &Params, log: &mut dyn FnMut(&str)) -> Result<BenchRepo> {
    let dir = target.join(format!("bench-repo-{}", params.key()));
    let home = target.join("bench-home");
    std::fs::create_dir_all(&home).map_err(|e| format!("create {}: {e}", home.display()))?;
    let marker = dir.join(".git").join(DONE_MARKER);
    if std::fs::read_to_string(&marker).is_ok_and(|k| k.trim() == params.key()) {
        return Ok(BenchRepo {
            dir,
            home,
            params: params.clone(),
            generated: false,
            generation_time: Duration::ZERO,
        });
    }
    let started = Instant::now();
    let tmp = target.join(format!(
        "bench-repo-{}.tmp{}",
        params.key(),
        std::process::id()
    ));
    for stale in [&dir, &tmp] {
        if stale.exists() {
            std::fs::remove_dir_all(stale)
                .map_err(|e| format!("remove {}: {e}", stale.display()))?;
        }
    }
    std::fs::create_dir_all(&tmp).map_err(|e| format!("create {}: {e}", tmp.display()))?;
    let repo = BenchRepo {
        dir: tmp.clone(),
        home: home.clone(),
        params: params.clone(),
        generated: true,
        generation_time: Duration::ZERO,
    };
    repo.git(&["init", "-q", "-b", "main"])?;
    log(&format!(
        "generating {} ({} artifacts, {} commits, {} projects)...",
        dir.display(),
        params.artifacts,
        params.commits,
        params.projects
    ));
    let t = Instant::now();
    let mut child = repo
        .command("git")
        .args(["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start git fast-import: {e}"))?;
    let stdin = child
        .stdin
        .take()
        .ok_or_else(|| "git fast-import has no stdin".to_string())?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| "git fast-import has no stderr".to_string())?;
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let written = History::new(params).write(BufWriter::with_capacity(1 << 20, stdin));
    let status = child
        .wait()
        .map_err(|e| format!("wait for git fast-import: {e}"))?;
    let err_text = err_reader.join().unwrap_or_default();
    let stats = written.map_err(|e| format!("write the fast-import stream: {e}\n{err_text}"))?;
    if !status.success() {
        return Err(format!("git fast-import failed ({status}):\n{err_text}"));
    }
    log(&format!(
        "  fast-import: {:.1}s ({} artifacts at HEAD, {} commits, {} blobs written)",
        t.elapsed().as_secs_f64(),
        stats.artifacts_at_head,
        stats.commits,
        stats.blobs
    ));
    let t = Instant::now();
    repo.git(&[
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
        "--window=10",
        "--depth=50",
    ])?;
    repo.git(&["gc", "-q", "--prune=now"])?;
    log(&format!("  repack + gc: {:.1}s", t.elapsed().as_secs_f64()));
    let t = Instant::now();
    repo.git(&["reset", "-q", "--hard", "HEAD"])?;
    log(&format!("  checkout: {:.1}s", t.elapsed().as_secs_f64()));
    std::fs::write(tmp.join(".git").join(DONE_MARKER), params.key())
        .map_err(|e| format!("write the cache marker: {e}"))?;
    std::fs::rename(&tmp, &dir)
        .map_err(|e| format!("move {} to {}: {e}", tmp.display(), dir.display()))?;
    Ok(BenchRepo {
        dir,
        home,
        params: params.clone(),
        generated: true,
        generation_time: started.elapsed(),
    })
}

impl BenchRepo {
    /// A hermetic command running in the repository.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        hermetic(&mut cmd, &self.home);
        cmd.current_dir(&self.dir);
        cmd
    }

    /// Runs git, returns trimmed stdout; an error carries stderr.
    pub fn git(&self, args: &[&str]) -> Result<String> {
        let out = self
            .command("git")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run git {args:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {args:?} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// A private copy of the repository (for benchmarks that commit), checked out at HEAD.
    /// Objects are hard-linked, so it is cheap.
    pub fn scratch_clone(&self, dest: &Path) -> Result<BenchRepo> {
        let dest_str = dest
            .to_str()
            .ok_or_else(|| format!("{} is not UTF-8", dest.display()))?;
        let src = self
            .dir
            .to_str()
            .ok_or_else(|| format!("{} is not UTF-8", self.dir.display()))?;
        self.git(&["clone", "-q", "--local", src, dest_str])?;
        Ok(BenchRepo {
            dir: dest.to_path_buf(),
            home: self.home.clone(),
            params: self.params.clone(),
            generated: false,
            generation_time: Duration::ZERO,
        })
    }

    /// Artifact files at HEAD under the active (not archived) `tasks/` folders, sorted.
    pub fn task_paths(&self) -> Result<Vec<String>> {
        let out = self.git(&["ls-tree", "-r", "--name-only", "HEAD", "--", PLAN_ROOT])?;
        Ok(out
            .lines()
            .filter(|p| {
                let parts: Vec<&str> = p.split('/').collect();
                parts.len() == 5 && parts[3] == "tasks" && p.ends_with(".md")
            })
            .map(str::to_string)
            .collect())
    }

    /// Edits `n` task files in the working tree (a status change and a note appended to
    /// the body), chosen deterministically from `seed`. Returns the paths edited.
    pub fn touch_artifacts(&self, n: usize, seed: u64) -> Result<Vec<String>> {
        let mut paths = self.task_paths()?;
        if paths.len() < n {
            return Err(format!("only {} task files, {n} asked for", paths.len()));
        }
        let mut rng = Rng::new(seed);
        let mut chosen = Vec::with_capacity(n);
        for _ in 0..n {
            let i = rng.below(paths.len());
            chosen.push(paths.swap_remove(i));
        }
        chosen.sort();
        for rel in &chosen {
            let path = self.dir.join(rel);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("read {}: {e}", path.display()))?;
            let mut out = String::with_capacity(text.len() + 64);
            let mut in_front = 0;
            for line in text.split_inclusive('\n') {
                if line.trim_end() == "+++" {
                    in_front += 1;
                }
                if in_front == 1 && line.starts_with("status = ") {
                    let next = if line.contains("Done") {
                        STATUSES[2]
                    } else {
                        STATUSES[4]
                    };
                    let _ = writeln!(out, "status = \"{next}\"");
                } else {
                    out.push_str(line);
                }
            }
            let _ = writeln!(
                out,
                "\n- {} (seed {seed})",
                SENTENCES[rng.below(SENTENCES.len())]
            );
            std::fs::write(&path, out).map_err(|e| format!("write {}: {e}", path.display()))?;
        }
        Ok(chosen)
    }

    /// `git commit -a` with a fixed date; returns the new commit id.
    pub fn commit_all(&self, message: &str) -> Result<String> {
        self.git(&["commit", "-q", "-a", "-m", message])?;
        self.git(&["rev-parse", "HEAD"])
    }
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness and dates.

/// SplitMix64: tiny, fast, and stable across versions (unlike an external crate's).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n.max(1) as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn date_of(ts: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = ts.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// 2023-01-02T09:00:00Z: the first commit of every generated history.
pub const HISTORY_START: i64 = 1_672_650_000;

// ---------------------------------------------------------------------------------------
// Vocabulary.

const PROJECTS: &[(&str, &str)] = &[
    ("web-portal", "WEB"),
    ("mobile-app", "MOB"),
    ("data-platform", "DATA"),
    ("platform-ops", "OPS"),
];

pub const STATUSES: &[&str] = &[
    "⚪️ Backlog",
    "🟡 To Do",
    "🔵 In Progress",
    "🟣 Review",
    "🟢 Done",
    "🚧 Blocked",
];

const PRIORITIES: &[&str] = &["🔥 Highest", "🔼 High", "▶️ Medium", "🔽 Low", "🧊 Lowest"];

const VERBS: &[&str] = &[
    "Implement",
    "Refactor",
    "Add",
    "Fix",
    "Document",
    "Migrate",
    "Remove",
    "Optimise",
    "Validate",
    "Expose",
    "Harden",
    "Instrument",
    "Split",
    "Cache",
    "Test",
    "Design",
    "Review",
    "Automate",
    "Simplify",
    "Support",
];
const ADJECTIVES: &[&str] = &[
    "optional",
    "incremental",
    "cached",
    "paginated",
    "async",
    "legacy",
    "nightly",
    "shared",
    "per-project",
    "batched",
    "secure",
    "offline",
    "configurable",
    "multi-region",
    "resumable",
    "typed",
];
const NOUNS: &[&str] = &[
    "token refresh",
    "milestone sync",
    "label mapping",
    "search index",
    "checkout flow",
    "audit log",
    "webhook handler",
    "rate limiter",
    "export job",
    "settings page",
    "onboarding wizard",
    "billing report",
    "notification queue",
    "session store",
    "feature flags",
    "retry policy",
    "schema migration",
    "dashboard widget",
    "access control",
    "import pipeline",
    "release notes",
    "error budget",
    "metrics endpoint",
    "upload service",
    "sprint board",
];
const AREAS: &[&str] = &[
    "the API",
    "mobile clients",
    "the admin console",
    "the data warehouse",
    "CI",
    "staging",
    "the public site",
    "partners",
    "the sync engine",
    "on-call",
];
const TAGS: &[&str] = &[
    "backend",
    "frontend",
    "api",
    "auth",
    "sync",
    "github",
    "ux",
    "perf",
    "security",
    "infra",
    "ci",
    "docs",
    "data",
    "mobile",
    "billing",
    "search",
    "tech-debt",
    "migration",
    "observability",
    "accessibility",
];
const PEOPLE: &[&str] = &[
    "alice", "bob", "chen", "dana", "emeka", "farah", "goran", "hana",
];
const AUTHORS: &[(&str, &str)] = &[
    ("Alice Martin", "alice@example.com"),
    ("Bob Okafor", "bob@example.com"),
    ("Chen Wei", "chen@example.com"),
    ("Dana Ivanova", "dana@example.com"),
    ("Emeka Obi", "emeka@example.com"),
    ("Farah Haddad", "farah@example.com"),
];
const SENTENCES: &[&str] = &[
    "The current behaviour is inconsistent between environments and confuses users.",
    "We need to keep backwards compatibility with clients released in the last two quarters.",
    "Measure the p95 latency before and after the change and record both in the PR.",
    "Errors must be reported with enough context to act on them without reading the logs.",
    "The configuration should default to the safe option and be documented in the README.",
    "Coordinate the rollout with the on-call rotation and announce it in the team channel.",
    "This blocks the release of the next milestone, so it has priority over polish work.",
    "Edge cases include empty inputs, very large inputs and inputs with non-ASCII text.",
    "Keep the change small enough to review in one sitting; split it otherwise.",
    "Add metrics for the number of retries and the time spent waiting on the remote side.",
    "The old code path stays behind a feature flag until the migration is complete.",
    "Write down the decision and its alternatives in an ADR linked from this task.",
    "Use the existing HTTP client rather than adding a new dependency for this.",
    "The UI must stay responsive while the background job runs; show progress instead.",
    "Reproduce the problem with a test first, then fix it, then keep the test.",
    "Ask security for a review before enabling this for external partners.",
    "Data written by the previous version must still be readable after the upgrade.",
    "Pagination must be stable when items are added while a client is paging.",
    "Document the failure modes and what an operator is expected to do in each.",
    "Remove the temporary workaround once the upstream fix has been deployed.",
];
const CHECKS: &[&str] = &[
    "Write unit tests for the happy path",
    "Cover the error paths with tests",
    "Update the user documentation",
    "Add a changelog entry",
    "Review the API naming with the team",
    "Benchmark before and after the change",
    "Add logging at the decision points",
    "Handle the empty and the oversized input",
    "Verify the migration on a copy of production data",
    "Check accessibility with a screen reader",
    "Confirm behaviour behind the feature flag",
    "Update the runbook for on-call",
    "Get sign-off from the product owner",
    "Remove dead code left by the old path",
];

// ---------------------------------------------------------------------------------------
// The model of the plan.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Initiative,
    Epic,
    Feature,
    Task,
    Story,
    Bug,
    Spike,
    Chore,
    Docs,
    Test,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Initiative => "INIT",
            Kind::Epic => "EPIC",
            Kind::Feature => "FEAT",
            Kind::Task => "TASK",
            Kind::Story => "STORY",
            Kind::Bug => "BUG",
            Kind::Spike => "SPIKE",
            Kind::Chore => "CHORE",
            Kind::Docs => "DOCS",
            Kind::Test => "TEST",
        }
    }

    fn type_value(self) -> &'static str {
        match self {
            Kind::Initiative => "🎯 Initiative",
            Kind::Epic => "🗺️ Epic",
            Kind::Feature => "🌟 Feature",
            Kind::Task => "🛠️ Task",
            Kind::Story => "✨ Story",
            Kind::Bug => "🐞 Bug",
            Kind::Spike => "💡 Spike",
            Kind::Chore => "🧹 Chore",
            Kind::Docs => "📖 Docs",
            Kind::Test => "🧪 Test",
        }
    }

    fn folder(self) -> &'static str {
        match self {
            Kind::Initiative => "initiatives",
            Kind::Epic => "epics",
            Kind::Feature => "features",
            _ => "tasks",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// A work item (task, story, bug, …), drawn with a realistic mix.
    fn work_item(rng: &mut Rng) -> Kind {
        match rng.below(100) {
            0..=59 => Kind::Task,
            60..=76 => Kind::Story,
            77..=91 => Kind::Bug,
            92..=94 => Kind::Spike,
            95..=96 => Kind::Chore,
            97..=98 => Kind::Docs,
            _ => Kind::Test,
        }
    }
}

#[derive(Debug, Clone)]
struct Art {
    project: usize,
    kind: Kind,
    id: String,
    title: String,
    slug: String,
    status: usize,
    priority: usize,
    tags: Vec<&'static str>,
    depends_on: Vec<String>,
    related_docs: Vec<String>,
    /// `feature_id` of a work item, `epic_id` of a feature, `initiative_id` of an epic.
    parent: Option<String>,
    /// The epic of a work item, written as a commented-out key.
    grandparent: Option<String>,
    assignee: Option<usize>,
    effort: Option<u8>,
    due: Option<i64>,
    sprint: Option<u32>,
    milestone: Option<String>,
    created: i64,
    updated: i64,
    body: String,
    archived: bool,
    alive: bool,
}

impl Art {
    fn path(&self) -> String {
        let (slug, _) = project(self.project);
        let archive = if self.archived { "archive/" } else { "" };
        format!(
            "{PLAN_ROOT}/{slug}/{archive}{}/{}_{}.md",
            self.kind.folder(),
            self.id,
            self.slug
        )
    }

    fn render(&self) -> String {
        let (project_slug, _) = project(self.project);
        let mut s = String::with_capacity(self.body.len() + 900);
        let header = match self.kind {
            Kind::Initiative => "Initiative",
            Kind::Epic => "Epic",
            Kind::Feature => "Feature",
            _ => "Task/Story/Bug",
        };
        let _ = writeln!(s, "+++\n# --- {header} Metadata ---");
        let _ = writeln!(s, "id = \"{}\"", self.id);
        let _ = writeln!(s, "title = \"{}\"", self.title);
        let _ = writeln!(s, "status = \"{}\"", STATUSES[self.status]);
        let _ = writeln!(s, "type = \"{}\"", self.kind.type_value());
        let _ = writeln!(
            s,
            "created_date = \"{}\" # Use current date",
            date_of(self.created)
        );
        let _ = writeln!(s, "updated_date = \"{}\"", date_of(self.updated));
        let _ = writeln!(s, "project_name = \"{project_slug}\"");
        let list = |v: &[String]| {
            let items: Vec<String> = v.iter().map(|x| format!("\"{x}\"")).collect();
            format!("[{}]", items.join(", "))
        };
        let tags = {
            let items: Vec<String> = self.tags.iter().map(|x| format!("\"{x}\"")).collect();
            format!("[{}]", items.join(", "))
        };
        match self.kind {
            Kind::Initiative | Kind::Epic => {
                if let Some(p) = &self.parent {
                    let _ = writeln!(s, "initiative_id = \"{p}\"");
                }
                let _ = writeln!(s, "owner = \"{}\"", PEOPLE[self.assignee.unwrap_or(0)]);
                let _ = writeln!(s, "start_date = \"{}\"", date_of(self.created));
                match self.due {
                    Some(d) => {
                        let _ = writeln!(s, "target_date = \"{}\"", date_of(d));
                    }
                    None => s.push_str("# target_date = \"YYYY-MM-DD\"\n"),
                }
                let _ = writeln!(s, "priority = \"{}\"", PRIORITIES[self.priority]);
                let _ = writeln!(s, "tags = {tags}");
                let _ = writeln!(s, "related_docs = {}", list(&self.related_docs));
                if self.kind == Kind::Initiative {
                    s.push_str("kpis = [\"Weekly active teams +10%\", \"Churn below 3%\"]\n");
                } else if let Some(m) = &self.milestone {
                    let _ = writeln!(s, "milestone_name = \"{m}\"");
                } else {
                    s.push_str("# milestone_name = \"...\"\n");
                }
            }
            Kind::Feature => {
                if let Some(p) = &self.parent {
                    let _ = writeln!(s, "epic_id = \"{p}\"");
                }
                let _ = writeln!(s, "owner = \"{}\"", PEOPLE[self.assignee.unwrap_or(0)]);
                let _ = writeln!(
                    s,
                    "priority = \"{}\" # Set by the PO",
                    PRIORITIES[self.priority]
                );
                let _ = writeln!(s, "tags = {tags}");
                let _ = writeln!(s, "related_docs = {}", list(&self.related_docs));
                let _ = writeln!(s, "depends_on = {}", list(&self.depends_on));
                match &self.milestone {
                    Some(m) => {
                        let _ = writeln!(s, "milestone_name = \"{m}\"");
                    }
                    None => s.push_str("# milestone_name = \"...\"\n"),
                }
            }
            _ => {
                match &self.parent {
                    Some(p) => {
                        let _ = writeln!(s, "feature_id = \"{p}\"");
                    }
                    None => s.push_str("# feature_id = \"...\"\n"),
                }
                if let Some(g) = &self.grandparent {
                    let _ = writeln!(s, "# epic_id = \"{g}\" # Implied via Feature");
                }
                match self.assignee {
                    Some(a) => {
                        let _ = writeln!(s, "assigned_to = \"{}\"", PEOPLE[a]);
                    }
                    None => s.push_str("# assigned_to = \"...\"\n"),
                }
                s.push_str("# reporter = \"...\"\n");
                let _ = writeln!(s, "priority = \"{}\"", PRIORITIES[self.priority]);
                match self.effort {
                    Some(e) if e % 2 == 0 => {
                        let _ = writeln!(s, "estimated_effort = {e}");
                    }
                    Some(e) => {
                        let size = ["XS", "S", "M", "L", "XL"][usize::from(e) % 5];
                        let _ = writeln!(s, "estimated_effort = \"{size}\" # T-shirt size");
                    }
                    None => s.push_str("# estimated_effort = \"S\"\n"),
                }
                match self.due {
                    Some(d) => {
                        let _ = writeln!(s, "due_date = \"{}\"", date_of(d));
                    }
                    None => s.push_str("# due_date = \"YYYY-MM-DD\"\n"),
                }
                match self.sprint {
                    Some(n) => {
                        let _ = writeln!(s, "sprint_id = \"sprint-{n:02}\"");
                    }
                    None => s.push_str("# sprint_id = \"...\"\n"),
                }
                let _ = writeln!(s, "tags = {tags}");
                let _ = writeln!(s, "related_docs = {}", list(&self.related_docs));
                let _ = writeln!(s, "depends_on = {}", list(&self.depends_on));
                s.push_str("# related_commits = []\n# related_prs = []\n# related_issues = []\n");
            }
        }
        s.push_str("+++\n");
        s.push_str(&self.body);
        s
    }
}

fn project(i: usize) -> (String, String) {
    match PROJECTS.get(i) {
        Some((slug, infix)) => (slug.to_string(), infix.to_string()),
        None => (
            format!("project-{}", i + 1),
            format!("P{}", char::from(b'A' + (i % 26) as u8)),
        ),
    }
}

fn project_config(i: usize, sprints: u32) -> String {
    let (slug, _) = project(i);
    let mut s = format!(
        r#"# IntelliManage project configuration
project_name = "{slug}"
project_slug = "{slug}"
description = "Synthetic project {n} for benchmarks"
methodology = "Scrum"
default_priority = "▶️ Medium"

[github_integration]
enable_sync = true
repo_owner = "acme"
repo_name = "{slug}"
auth_method = "pat_env_var"
pat_env_var_name = "GITHUB_PAT"

[github_integration.mapping]
issue_types = ["✨ Story", "🛠️ Task", "🐞 Bug", "💡 Spike"]
label_prefix = "PM:"
sync_status_as_label = true
sync_type_as_label = true
milestone_type = "Epic"
"#,
        n = i + 1
    );
    for n in 1..=sprints {
        let _ = write!(
            s,
            "\n[sprints.sprint-{n:02}]\nstart_date = \"{}\"\nend_date = \"{}\"\ngoal = \"{}\"\n",
            date_of(HISTORY_START + i64::from(n) * 14 * 86_400),
            date_of(HISTORY_START + i64::from(n + 1) * 14 * 86_400 - 86_400),
            SENTENCES[n as usize % SENTENCES.len()]
        );
    }
    s
}

fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

fn title(rng: &mut Rng) -> String {
    format!(
        "{} {} {} for {}",
        rng.pick(VERBS),
        rng.pick(ADJECTIVES),
        rng.pick(NOUNS),
        rng.pick(AREAS)
    )
}

fn body(rng: &mut Rng, kind: Kind, title: &str, refs: &[String]) -> String {
    let target = rng.range(1000, 3000);
    let heading = match kind {
        Kind::Initiative => "Initiative",
        Kind::Epic => "Epic",
        Kind::Feature => "Feature",
        Kind::Bug => "Bug",
        Kind::Story => "Story",
        _ => "Task",
    };
    let mut s = format!("\n# {heading}: {title}\n\n## Description ✍️\n\n");
    for _ in 0..rng.range(2, 4) {
        let sentence: &&str = rng.pick(SENTENCES);
        s.push_str(sentence);
        s.push('\n');
    }
    if let Some(r) = refs.first() {
        let _ = writeln!(s, "\nSee `{r}` for the background.");
    }
    s.push_str("\n## Acceptance Criteria ✅\n\n");
    let mut checks = 0;
    while s.len() < target * 2 / 3 || checks < 3 {
        let mark = if rng.chance(0.3) { "x" } else { " " };
        let _ = writeln!(s, "*   - [{mark}] {}", rng.pick(CHECKS));
        checks += 1;
        if checks > 14 {
            break;
        }
    }
    s.push_str("\n## Implementation Notes / Details 📝\n\n");
    while s.len() < target {
        let _ = writeln!(s, "*   {}", rng.pick(SENTENCES));
    }
    s
}

// ---------------------------------------------------------------------------------------
// The history.

struct Stats {
    commits: usize,
    blobs: usize,
    artifacts_at_head: usize,
}

struct History {
    params: Params,
    rng: Rng,
    arts: Vec<Art>,
    /// Next number per (project, kind).
    next_num: Vec<[u32; 10]>,
    /// Live features and epics per project (indexes into `arts`).
    features: Vec<Vec<usize>>,
    epics: Vec<Vec<usize>>,
    initiatives: Vec<Vec<usize>>,
    sprints: Vec<u32>,
    code: Vec<String>,
    now: i64,
    blobs: usize,
}

/// One change of a commit: a file written or deleted.
enum Op {
    Put(String, String),
    Del(String),
}

const CODE_FILES: usize = 60;

impl History {
    fn new(params: &Params) -> History {
        History {
            params: params.clone(),
            rng: Rng::new(params.seed),
            arts: Vec::with_capacity(params.artifacts + params.artifacts / 10),
            next_num: vec![[1; 10]; params.projects],
            features: vec![Vec::new(); params.projects],
            epics: vec![Vec::new(); params.projects],
            initiatives: vec![Vec::new(); params.projects],
            sprints: vec![3; params.projects],
            code: Vec::new(),
            now: HISTORY_START,
            blobs: 0,
        }
    }

    fn live_count(&self) -> usize {
        self.arts.iter().filter(|a| a.alive).count()
    }

    /// Creates an artifact of `kind` in `project` (not yet written).
    fn create(&mut self, project_i: usize, kind: Kind, created: i64) -> usize {
        let (_, infix) = project(project_i);
        let num = self.next_num[project_i][kind.index()];
        self.next_num[project_i][kind.index()] += 1;
        let width = match kind {
            Kind::Initiative | Kind::Epic => 2,
            Kind::Feature => 3,
            _ => 4,
        };
        let id = format!("{}-{infix}-{num:0width$}", kind.prefix());
        let rng = &mut self.rng;
        let title = title(rng);
        let slug = slugify(&title);
        let pick_from = |rng: &mut Rng, v: &[usize]| -> Option<usize> {
            if v.is_empty() {
                None
            } else {
                // Newer parents get more children.
                let n = v.len();
                let lo = if rng.chance(0.6) {
                    n - n.div_ceil(4)
                } else {
                    0
                };
                Some(v[rng.range(lo, n - 1)])
            }
        };
        let (parent, grandparent) = match kind {
            Kind::Initiative => (None, None),
            Kind::Epic => (
                pick_from(rng, &self.initiatives[project_i]).map(|i| self.arts[i].id.clone()),
                None,
            ),
            Kind::Feature => (
                pick_from(rng, &self.epics[project_i]).map(|i| self.arts[i].id.clone()),
                None,
            ),
            _ => {
                if rng.chance(0.93) {
                    match pick_from(rng, &self.features[project_i]) {
                        Some(f) => (Some(self.arts[f].id.clone()), self.arts[f].parent.clone()),
                        None => (None, None),
                    }
                } else {
                    (None, None)
                }
            }
        };
        let mut tags: Vec<&'static str> = Vec::new();
        for _ in 0..rng.range(1, 5) {
            let t = *rng.pick(TAGS);
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        // Dependencies on recent siblings in the same project.
        let mut depends_on = Vec::new();
        if !matches!(kind, Kind::Initiative | Kind::Epic) && rng.chance(0.35) {
            let same: Vec<usize> = self.arts[self.arts.len().saturating_sub(40)..]
                .iter()
                .enumerate()
                .filter(|(_, a)| a.project == project_i && a.kind.folder() == kind.folder())
                .map(|(i, _)| i + self.arts.len().saturating_sub(40))
                .collect();
            for _ in 0..rng.range(1, 3) {
                if let Some(&d) = same.get(rng.below(same.len().max(1))) {
                    let id = self.arts[d].id.clone();
                    if !depends_on.contains(&id) {
                        depends_on.push(id);
                    }
                }
            }
        }
        let mut related_docs = Vec::new();
        if rng.chance(0.4) {
            related_docs.push(format!("ADR-{:03}", rng.range(1, 3)));
        }
        if let Some(p) = &parent
            && rng.chance(0.5)
        {
            related_docs.push(p.clone());
        }
        // Older artifacts are more likely to be done.
        let age_days = (HISTORY_START - created).max(0) / 86_400;
        let status = if age_days > 120 && rng.chance(0.7) {
            4
        } else {
            match rng.below(100) {
                0..=29 => 0,
                30..=49 => 1,
                50..=69 => 2,
                70..=79 => 3,
                80..=95 => 4,
                _ => 5,
            }
        };
        let priority = match rng.below(100) {
            0..=4 => 0,
            5..=29 => 1,
            30..=79 => 2,
            80..=94 => 3,
            _ => 4,
        };
        let assignee = if rng.chance(0.7) {
            Some(rng.below(PEOPLE.len()))
        } else {
            None
        };
        let effort = if rng.chance(0.6) {
            Some(rng.range(1, 13) as u8)
        } else {
            None
        };
        let due = if rng.chance(0.3) {
            Some(created + rng.range(7, 90) as i64 * 86_400)
        } else {
            None
        };
        let sprint = if rng.chance(0.5) {
            Some(self.sprints[project_i])
        } else {
            None
        };
        let milestone = if matches!(kind, Kind::Epic | Kind::Feature) && rng.chance(0.5) {
            Some(format!("Release {}.{}", rng.range(1, 4), rng.range(0, 9)))
        } else {
            None
        };
        let refs: Vec<String> = parent.iter().chain(depends_on.iter()).cloned().collect();
        let body = body(rng, kind, &title, &refs);
        let art = Art {
            project: project_i,
            kind,
            id,
            title,
            slug,
            status,
            priority,
            tags,
            depends_on,
            related_docs,
            parent,
            grandparent,
            assignee,
            effort,
            due,
            sprint,
            milestone,
            created,
            updated: created,
            body,
            archived: false,
            alive: true,
        };
        self.arts.push(art);
        let i = self.arts.len() - 1;
        match kind {
            Kind::Initiative => self.initiatives[project_i].push(i),
            Kind::Epic => self.epics[project_i].push(i),
            Kind::Feature => self.features[project_i].push(i),
            _ => {}
        }
        i
    }

    /// A live, not archived artifact, biased towards recent ones; `filter` narrows it.
    fn choose(&mut self, filter: impl Fn(&Art) -> bool) -> Option<usize> {
        let n = self.arts.len();
        for _ in 0..64 {
            let i = if self.rng.chance(0.5) {
                self.rng.range(n - n.div_ceil(6), n - 1)
            } else {
                self.rng.below(n)
            };
            let a = &self.arts[i];
            if a.alive && !a.archived && filter(a) {
                return Some(i);
            }
        }
        None
    }

    fn code_file(&mut self, i: usize) -> String {
        let mut s = format!("//! Module {i} of the product.\n\n");
        let target = self.rng.range(1500, 5000);
        let mut f = 0;
        while s.len() < target {
            let _ = writeln!(
                s,
                "/// {}\npub fn step_{i}_{f}(input: &[u8]) -> usize {{\n    input.iter().filter(|b| **b == b'{}').count() + {}\n}}\n",
                self.rng.pick(SENTENCES),
                char::from(b'a' + self.rng.below(26) as u8),
                self.rng.below(100)
            );
            f += 1;
        }
        s
    }

    fn write<W: Write>(mut self, mut w: W) -> std::io::Result<Stats> {
        let p = self.params.clone();
        let total_commits = p.commits;
        let initial = (p.artifacts * 7 / 10).max(p.projects * 12);
        let mut ops: Vec<Op> = Vec::new();

        w.write_all(b"feature done\n")?;

        // Commit 1: the plan as it was imported, plus the code base.
        for i in 0..CODE_FILES {
            let text = self.code_file(i);
            ops.push(Op::Put(format!("src/module_{i:02}.rs"), text.clone()));
            self.code.push(text);
        }
        ops.push(Op::Put(
            "README.md".to_string(),
            "# Product\n\nThe plan lives in `.ruru/projects`.\n".to_string(),
        ));
        for pi in 0..p.projects {
            let (slug, _) = project(pi);
            ops.push(Op::Put(
                format!("{PLAN_ROOT}/{slug}/project_config.toml"),
                project_config(pi, self.sprints[pi]),
            ));
            for adr in 1..=3 {
                ops.push(Op::Put(
                    format!("{PLAN_ROOT}/{slug}/decisions/ADR-{adr:03}_decision-{adr}.md"),
                    format!("# ADR-{adr:03}\n\n{}\n", SENTENCES[adr % SENTENCES.len()]),
                ));
            }
        }
        let per_project = initial / p.projects;
        for pi in 0..p.projects {
            let n_epics = (per_project * 2 / 100).max(2);
            let n_features = (per_project * 8 / 100).max(4);
            let n_inits = (per_project / 1000).max(1);
            let span = 365 * 86_400;
            let when = |k: usize, n: usize| HISTORY_START - span + (span as usize * k / n) as i64;
            for k in 0..n_inits {
                self.create(pi, Kind::Initiative, when(k, n_inits));
            }
            for k in 0..n_epics {
                self.create(pi, Kind::Epic, when(k, n_epics));
            }
            for k in 0..n_features {
                self.create(pi, Kind::Feature, when(k, n_features));
            }
            let rest = per_project.saturating_sub(n_inits + n_epics + n_features);
            for k in 0..rest {
                let kind = Kind::work_item(&mut self.rng);
                self.create(pi, kind, when(k, rest));
            }
        }
        // Some done work has been archived already.
        for i in 0..self.arts.len() {
            if self.arts[i].status == 4
                && self.arts[i].kind.folder() == "tasks"
                && self.rng.chance(0.1)
            {
                self.arts[i].archived = true;
            }
        }
        for a in &self.arts {
            ops.push(Op::Put(a.path(), a.render()));
        }
        let author = AUTHORS[0];
        self.commit(&mut w, 1, author, "Import the IntelliManage plan", &mut ops)?;

        let mut pending_adds = p.artifacts.saturating_sub(self.live_count());
        for c in 2..=total_commits {
            self.now += self.rng.range(20 * 60, 6 * 3600) as i64;
            let author = *self.rng.pick(AUTHORS);
            let remaining = total_commits - c + 1;
            let mut touched: Vec<usize> = Vec::new();
            let mut msg = String::new();
            let roll = self.rng.below(1000);

            // Additions, spread over the history; planning commits add a burst.
            let mut adds = if remaining == 1 {
                pending_adds
            } else {
                let expected = pending_adds as f64 / remaining as f64;
                let whole = expected.floor() as usize;
                whole + usize::from(self.rng.chance(expected - whole as f64))
            };
            let planning = roll < 20 && pending_adds > 10;
            if planning {
                adds = adds.max(self.rng.range(4, 12)).min(pending_adds);
            }
            adds = adds.min(pending_adds);
            if adds > 0 {
                let pi = self.rng.below(p.projects);
                let mut first_id = None;
                for k in 0..adds {
                    let kind = if planning && k == 0 {
                        Kind::Feature
                    } else {
                        match self.rng.below(100) {
                            0..=1 => Kind::Epic,
                            2..=9 => Kind::Feature,
                            _ => Kind::work_item(&mut self.rng),
                        }
                    };
                    let now = self.now;
                    let i = self.create(pi, kind, now);
                    first_id.get_or_insert_with(|| self.arts[i].id.clone());
                    touched.push(i);
                }
                pending_adds -= adds;
                let id = first_id.unwrap_or_default();
                msg = if planning {
                    format!("Plan {id} with {} items", adds - 1)
                } else if adds == 1 {
                    format!("Add {id}")
                } else {
                    format!("Add {id} and {} more", adds - 1)
                };
            }

            // Edits.
            let edits = if roll < 40 {
                self.rng.range(15, 40) // triage / sprint planning
            } else if adds > 0 && self.rng.chance(0.5) {
                0
            } else {
                1 + usize::from(self.rng.chance(0.5))
                    + usize::from(self.rng.chance(0.3))
                    + usize::from(self.rng.chance(0.2)) * self.rng.range(1, 3)
            };
            let mut first_edit: Option<(String, &'static str)> = None;
            for _ in 0..edits {
                let Some(i) = self.choose(|_| true) else {
                    break;
                };
                let what = self.edit(i);
                first_edit.get_or_insert_with(|| (self.arts[i].id.clone(), what));
                touched.push(i);
            }

            // Rare structural changes.
            if self.rng.chance(0.01)
                && let Some(i) = self.choose(|a| a.kind.folder() == "tasks")
            {
                let old = self.arts[i].path();
                let t = title(&mut self.rng);
                self.arts[i].slug = slugify(&t);
                self.arts[i].title = t;
                self.arts[i].updated = self.now;
                ops.push(Op::Del(old));
                touched.push(i);
                first_edit.get_or_insert_with(|| (self.arts[i].id.clone(), "rename"));
            }
            if self.rng.chance(0.03) {
                for _ in 0..self.rng.range(1, 5) {
                    if let Some(i) = self.choose(|a| a.status == 4 && a.kind.folder() == "tasks") {
                        ops.push(Op::Del(self.arts[i].path()));
                        self.arts[i].archived = true;
                        touched.push(i);
                        first_edit.get_or_insert_with(|| (self.arts[i].id.clone(), "archive"));
                    }
                }
            }
            if self.rng.chance(0.01)
                && let Some(i) = self.choose(|a| a.kind.folder() == "tasks")
            {
                ops.push(Op::Del(self.arts[i].path()));
                self.arts[i].alive = false;
                pending_adds += 1;
                // Whoever depended on it stops doing so.
                let gone = self.arts[i].id.clone();
                for (k, other) in self.arts.iter_mut().enumerate() {
                    if other.alive && other.depends_on.contains(&gone) {
                        other.depends_on.retain(|d| *d != gone);
                        other.updated = self.now;
                        touched.push(k);
                    }
                }
                first_edit.get_or_insert_with(|| (self.arts[i].id.clone(), "delete"));
            }
            if self.rng.chance(0.003) {
                let pi = self.rng.below(p.projects);
                self.sprints[pi] += 1;
                let (slug, _) = project(pi);
                ops.push(Op::Put(
                    format!("{PLAN_ROOT}/{slug}/project_config.toml"),
                    project_config(pi, self.sprints[pi]),
                ));
                if msg.is_empty() {
                    msg = format!("Open sprint {} in {slug}", self.sprints[pi]);
                }
            }
            // Code changes alongside.
            if self.rng.chance(0.4) {
                for _ in 0..self.rng.range(1, 4) {
                    let f = self.rng.below(CODE_FILES);
                    let line = format!("// {}: {}\n", date_of(self.now), self.rng.pick(SENTENCES));
                    let text = &mut self.code[f];
                    match text.match_indices("\n//").nth(1) {
                        Some((pos, _)) if self.rng.chance(0.5) => {
                            let end = text[pos + 1..]
                                .find('\n')
                                .map_or(text.len(), |e| pos + 1 + e + 1);
                            text.replace_range(pos + 1..end, &line);
                        }
                        _ => text.push_str(&line),
                    }
                    ops.push(Op::Put(format!("src/module_{f:02}.rs"), text.clone()));
                }
                if msg.is_empty() && first_edit.is_none() {
                    msg = "Refactor the sync engine".to_string();
                }
            }

            touched.sort_unstable();
            touched.dedup();
            for &i in &touched {
                let a = &self.arts[i];
                if a.alive {
                    ops.push(Op::Put(a.path(), a.render()));
                }
            }
            if msg.is_empty() {
                msg = match first_edit {
                    Some((id, what)) if edits > 10 => {
                        format!("Triage: {what} {id} and {} more", edits - 1)
                    }
                    Some((id, what)) => format!("{id}: {what}"),
                    None => "Update notes".to_string(),
                };
            }
            if ops.is_empty() {
                // Never an empty commit: touch the README.
                ops.push(Op::Put(
                    "README.md".to_string(),
                    format!(
                        "# Product\n\nThe plan lives in `.ruru/projects`.\n\nUpdated {}.\n",
                        date_of(self.now)
                    ),
                ));
            }
            self.commit(&mut w, c, author, &msg, &mut ops)?;
        }
        w.write_all(b"done\n")?;
        w.flush()?;
        Ok(Stats {
            commits: total_commits,
            blobs: self.blobs,
            artifacts_at_head: self.live_count(),
        })
    }

    /// Applies one realistic edit to artifact `i`; returns what it did.
    fn edit(&mut self, i: usize) -> &'static str {
        let now = self.now;
        let roll = self.rng.below(100);
        // A dependency on an existing work item of the same project, for `depends_on` edits.
        let project_i = self.arts[i].project;
        let dependency = if (93..=96).contains(&roll) {
            self.choose(|a| a.project == project_i && a.kind.folder() == "tasks")
                .filter(|&d| d != i)
                .map(|d| self.arts[d].id.clone())
        } else {
            None
        };
        let rng = &mut self.rng;
        let a = &mut self.arts[i];
        a.updated = now;
        match roll {
            0..=34 => {
                a.status = match a.status {
                    0 => 1,
                    1 => 2,
                    2 if rng.chance(0.1) => 5,
                    2 => 3,
                    3 if rng.chance(0.2) => 2,
                    3 => 4,
                    5 => 2,
                    _ => {
                        if rng.chance(0.5) {
                            2
                        } else {
                            4
                        }
                    }
                };
                "status"
            }
            35..=64 => {
                // Body edit: tick a box, rewrite a line, or append a note.
                let lines: Vec<&str> = a.body.lines().collect();
                let boxes: Vec<usize> = lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.contains("- [ ]") || l.contains("- [x]"))
                    .map(|(k, _)| k)
                    .collect();
                let mut new_lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                match rng.below(3) {
                    0 if !boxes.is_empty() => {
                        let k = boxes[rng.below(boxes.len())];
                        new_lines[k] = if new_lines[k].contains("- [ ]") {
                            new_lines[k].replace("- [ ]", "- [x]")
                        } else {
                            new_lines[k].replace("- [x]", "- [ ]")
                        };
                    }
                    1 if new_lines.len() > 8 => {
                        let k = rng.range(5, new_lines.len() - 1);
                        if new_lines[k].starts_with("*   ") && !new_lines[k].contains("- [") {
                            new_lines[k] = format!("*   {}", rng.pick(SENTENCES));
                        } else {
                            new_lines.insert(k, format!("*   {}", rng.pick(SENTENCES)));
                        }
                    }
                    _ => {
                        if a.body.len() > 3600 {
                            if let Some(k) = new_lines.iter().rposition(|l| l.starts_with("*   ")) {
                                new_lines.remove(k);
                            }
                        } else {
                            new_lines.push(format!(
                                "*   {}: {}",
                                date_of(now),
                                rng.pick(SENTENCES)
                            ));
                        }
                    }
                }
                let mut body = new_lines.join("\n");
                body.push('\n');
                a.body = body;
                "body"
            }
            65..=71 => {
                a.title = format!(
                    "{} {} {} for {}",
                    rng.pick(VERBS),
                    rng.pick(ADJECTIVES),
                    rng.pick(NOUNS),
                    rng.pick(AREAS)
                );
                "title"
            }
            72..=81 => {
                let t = *rng.pick(TAGS);
                if let Some(k) = a.tags.iter().position(|x| *x == t) {
                    a.tags.remove(k);
                } else {
                    a.tags.push(t);
                }
                "tags"
            }
            82..=87 => {
                a.priority = rng.below(PRIORITIES.len());
                "priority"
            }
            88..=92 => {
                a.assignee = Some(rng.below(PEOPLE.len()));
                "assignee"
            }
            93..=96 => {
                match dependency {
                    Some(d)
                        if !a.depends_on.contains(&d)
                            && (a.depends_on.is_empty() || rng.chance(0.5)) =>
                    {
                        a.depends_on.push(d);
                    }
                    _ => {
                        a.depends_on.pop();
                    }
                }
                "depends_on"
            }
            _ => {
                a.sprint = Some(self.sprints[a.project]);
                a.due = Some(now + rng.range(7, 30) as i64 * 86_400);
                "schedule"
            }
        }
    }

    fn commit<W: Write>(
        &mut self,
        w: &mut W,
        mark: usize,
        author: (&str, &str),
        msg: &str,
        ops: &mut Vec<Op>,
    ) -> std::io::Result<()> {
        let (name, email) = author;
        let ts = self.now;
        write!(
            w,
            "commit refs/heads/main\nmark :{mark}\nauthor {name} <{email}> {ts} +0000\ncommitter {name} <{email}> {ts} +0000\ndata {}\n{msg}\n",
            msg.len()
        )?;
        // Deletions first, so a delete-then-write of one path keeps the write.
        for op in ops.iter() {
            if let Op::Del(path) = op {
                writeln!(w, "D {path}")?;
            }
        }
        for op in ops.drain(..) {
            if let Op::Put(path, text) = op {
                write!(w, "M 100644 inline {path}\ndata {}\n", text.len())?;
                w.write_all(text.as_bytes())?;
                w.write_all(b"\n")?;
                self.blobs += 1;
            }
        }
        w.write_all(b"\n")?;
        Ok(())
    }
}
