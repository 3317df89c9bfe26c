//! Syncing: fetch GitHub's state, plan (see [`crate::plan`]), execute the plan one write at
//! a time, and advance the sync record only for what really synced.
//!
//! The record is checkpointed every few items, so a run that is killed loses at most the
//! links of its last few writes; those items carry an `IntelliManage-ID:` line, and the
//! next run (which asks GitHub for everything updated since the last *completed* run)
//! finds and adopts them instead of creating duplicates.

mod exec;
pub mod incoming;
mod report;

pub use report::{Method, OpKind, OpReport, Outcome, ProjectReport, Report, RequestStats};

use std::collections::BTreeMap;

use crate::auth::AuthError;
use crate::config::ProjectConfig;
use crate::connect::{self, Target, Tuning};
use crate::github::Secret;
use crate::plan::links::{LINKS_DOC, Links};
use crate::plan::{self, Direction};
use crate::record::{Meta, Record, RecordError};
use crate::repo::{Repo, RepoError};
use crate::snapshot::Snapshot;
use crate::tracker::{self, EtagCache};

/// The ETag cache document in the sync record.
pub const ETAGS_DOC: &str = "etags.json";
/// How many settled items between two record checkpoints.
pub const CHECKPOINT_EVERY: usize = 25;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("{project}: {source}")]
    Auth {
        project: String,
        #[source]
        source: AuthError,
        hint: String,
    },
    /// The tracker failed; shown without its hint, which [`SyncError::hint`] gives.
    #[error("{context}: {source}")]
    Tracker {
        context: String,
        #[source]
        source: tracker::Error,
    },
    /// A project enables sync without saying which repository.
    #[error("{config}: enable_sync is true but no repository is configured")]
    NoRepository { config: String },
    /// `--project` names a project the plan does not have.
    #[error("no project `{name}` under .ruru/projects")]
    NoProject { name: String, known: Vec<String> },
    /// `--commit` in a repository without a working tree.
    #[error("cannot commit the changes from the tracker: this repository has no working tree")]
    NoWorktree,
    #[error("could not commit the changes from the tracker: {0}")]
    Commit(String),
}

impl SyncError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            SyncError::Auth { hint, .. } => Some(hint.clone()),
            SyncError::Tracker { source, .. } => Some(source.hint().to_string()),
            SyncError::NoRepository { config } => Some(format!(
                "set repo_owner and repo_name (or github_repo = \"owner/name\") under [github_integration] in {config}"
            )),
            SyncError::NoProject { known, .. } if known.is_empty() => Some(
                "this plan has no project yet: a project is a directory under .ruru/projects with a project_config.toml".to_string(),
            ),
            SyncError::NoProject { known, .. } => {
                Some(format!("the projects here: {}", known.join(", ")))
            }
            SyncError::NoWorktree => {
                Some("sync without --commit, or from a clone with a working tree".to_string())
            }
            _ => None,
        }
    }
}

/// Where the token for a project comes from (the keyring, the environment, git's helper).
pub type TokenProvider<'a> = dyn Fn(&ProjectConfig, &str) -> Result<Secret, AuthError> + 'a;

/// How to sync.
#[derive(Debug, Clone)]
pub struct Options {
    /// The revision whose plan is synced.
    pub rev: String,
    pub dry_run: bool,
    pub direction: Direction,
    /// Only these projects (all enabled projects when empty).
    pub projects: Vec<String>,
    /// Client log verbosity (`-v`).
    pub verbosity: u8,
    /// Show a progress bar (the caller decides: only on a TTY).
    pub progress: bool,
    /// Override of the pause between writes (else the project's setting / env).
    pub write_delay: Option<std::time::Duration>,
    /// Commit the artifact files changed with GitHub's changes (else they stay as
    /// working-tree changes to review).
    pub commit: bool,
    /// Only read GitHub and record what it has that the plan doesn't (`diff --incoming`).
    pub fetch_only: bool,
    /// Write the links into the artifact files: `related_issues` (`owner/name#N`),
    /// `related_milestone` (the milestone's URL) and the recorded `related_commits`.
    pub write_links: bool,
    /// No lock on a shared remote is held (none configured, or unreachable), so another
    /// clone may be syncing the same plan right now: just before creating an issue, look
    /// for one created meanwhile with the artifact's `IntelliManage-ID:` line and adopt it.
    pub narrow_creates: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            rev: "HEAD".to_string(),
            dry_run: false,
            direction: Direction::Both,
            projects: Vec::new(),
            verbosity: 0,
            progress: false,
            write_delay: None,
            commit: false,
            fetch_only: false,
            write_links: false,
            narrow_creates: false,
        }
    }
}

/// One place on one tracker and the projects that sync with it.
struct Group<'a> {
    target: Target,
    projects: Vec<&'a ProjectConfig>,
}

/// Runs a sync of the plan at `options.rev`.
pub fn run(
    repo: &Repo,
    options: &Options,
    tokens: &TokenProvider<'_>,
) -> Result<Report, SyncError> {
    let commit = repo.resolve_commit(&options.rev)?;
    let snapshot = Snapshot::at_rev(repo, &options.rev)?;
    let mut record = Record::load(repo)?;
    let mut links: Links = record.json(LINKS_DOC)?;
    // A record written before links named their tracker (format 1): each link is its
    // project's, on the host the project syncs with; the next record commit says format 2.
    if record.head.is_some() && record.meta()?.format < 2 {
        links.migrate_from_v1(|project| {
            let cfg = snapshot.configs.get(project)?;
            let target = Target::of(cfg).ok()??;
            Some((target.platform, crate::tracker::api_host(&target.base_url)))
        });
    }
    let etags: EtagCache = record.json(ETAGS_DOC)?;

    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut report = Report::new(options.dry_run, &options.rev, &commit.to_string());
    report.problems = snapshot
        .problems
        .iter()
        .filter(|p| p.is_error())
        .cloned()
        .collect();
    for slug in &snapshot.unreadable_configs {
        if options.projects.is_empty() || options.projects.contains(slug) {
            report.skipped.push(format!(
                "{slug}: its project_config.toml can't be read (`git intellimanage validate` says why)"
            ));
        }
    }
    for (slug, cfg) in &snapshot.configs {
        if !options.projects.is_empty() && !options.projects.contains(slug) {
            continue;
        }
        let gh = &cfg.github;
        if !gh.enable_sync {
            report
                .skipped
                .push(format!("{slug}: sync disabled (enable_sync = false)"));
            continue;
        }
        let target = Target::of(cfg).map_err(|source| SyncError::Tracker {
            context: format!("{slug}: sync"),
            source,
        })?;
        let Some(target) = target else {
            return Err(SyncError::NoRepository {
                config: cfg.path.clone(),
            });
        };
        match groups.iter_mut().find(|g| g.target == target) {
            Some(g) => g.projects.push(cfg),
            None => groups.push(Group {
                target,
                projects: vec![cfg],
            }),
        }
    }
    if groups.is_empty() {
        if let Some(p) = options
            .projects
            .iter()
            .find(|p| !snapshot.configs.contains_key(*p))
        {
            return Err(SyncError::NoProject {
                name: p.clone(),
                known: snapshot
                    .configs
                    .keys()
                    .chain(&snapshot.unreadable_configs)
                    .cloned()
                    .collect(),
            });
        }
        return Ok(report);
    }

    // GitHub's changes go into the working tree, so only when syncing what is checked out.
    let mut options = options.clone();
    if options.direction == Direction::Both || options.write_links {
        let head = repo.resolve_commit("HEAD").ok();
        let why = if repo.workdir().is_none() {
            Some("this repository has no working tree".to_string())
        } else if head != Some(commit) {
            Some(format!("{} is not the checked-out commit", options.rev))
        } else {
            None
        };
        if let Some(why) = why {
            if options.write_links {
                report.links_skipped =
                    Some(format!("links were not written into the files: {why}"));
                options.write_links = false;
            }
            if options.direction == Direction::Both {
                report.pull_skipped = Some(format!(
                    "the tracker's changes were not brought into the plan: {why}"
                ));
                options.direction = Direction::Push;
            }
        }
    }
    // Links written into files are reported like GitHub's changes.
    let options = &options;
    // The one clock reading of the plan: the date files edited by this run get.
    let today = today_utc();
    let mut fetched = incoming::Incoming {
        fetched_at: Some(meta_now("").synced_at.unwrap_or_default()),
        ..incoming::Incoming::default()
    };
    let mut cache = etags;
    let mut exec = exec::Executor::new(repo, &snapshot, &mut record, &mut links, options);
    for group in &groups {
        let first = group.projects[0];
        let target = &group.target;
        let token = tokens(first, &target.base_url).map_err(|source| SyncError::Auth {
            project: first.project_slug.clone(),
            hint: source.hint(&first.github.pat_env_var_name),
            source,
        })?;
        let tuning = Tuning {
            verbosity: options.verbosity,
            write_delay: options.write_delay,
            timeout: None,
        };
        let tracker =
            connect::open(target, first, token, &tuning).map_err(|source| SyncError::Tracker {
                context: format!("connecting to {}", target.base_url),
                source,
            })?;
        let tracker = tracker.as_ref();
        tracker.set_cache(std::mem::take(&mut cache));
        let repo_key = target.place.clone();
        // Issue dependencies: a place whose record doesn't know them yet (synced before
        // they were) has its issues read in full once, so each issue's are known.
        let syncs_deps = target.platform.syncs_dependencies();
        let deps_unknown = syncs_deps
            && !exec.links().dependencies.contains(&repo_key)
            && exec.links().items.values().any(|l| {
                l.repo == repo_key && l.target == plan::fields::Target::Issue && !l.retired
            });
        let watermark = if deps_unknown {
            None
        } else {
            exec.links().watermarks.get(&repo_key).cloned()
        };
        let mut remote =
            tracker
                .fetch(watermark.as_deref())
                .map_err(|source| SyncError::Tracker {
                    context: format!("reading {} from {}", target.place, target.platform),
                    source,
                })?;
        exec.observe_remote(&repo_key, &remote, tracker.page_size());
        // Read before `--fetch-only` answers too, so that it lists dependency changes.
        if syncs_deps {
            let recorded = known_dependencies(exec.links(), &repo_key, &remote);
            tracker
                .read_dependencies(&mut remote, &recorded)
                .map_err(|source| SyncError::Tracker {
                    context: format!(
                        "reading the issue dependencies of {} from {}",
                        target.place, target.platform
                    ),
                    source,
                })?;
            exec.dependencies_read(&repo_key, &remote);
        }
        if options.fetch_only {
            if !fetched.trackers.contains(&target.platform) {
                fetched.trackers.push(target.platform);
            }
            for cfg in &group.projects {
                let (items, unlinked) =
                    incoming::compute(&cfg.project_slug, cfg, exec.links(), &remote);
                fetched.items.extend(items);
                fetched.unlinked.extend(unlinked);
            }
            cache = tracker.take_cache();
            report.add_stats(&tracker.stats());
            continue;
        }
        for cfg in &group.projects {
            let slug = cfg.project_slug.as_str();
            let slug = snapshot
                .configs
                .iter()
                .find(|(_, c)| std::ptr::eq(*c, *cfg))
                .map(|(s, _)| s.as_str())
                .unwrap_or(slug);
            let artifacts: Vec<_> = snapshot
                .artifacts
                .iter()
                .filter(|a| a.project() == slug)
                .collect();
            let input = plan::Input {
                project: slug,
                repo: &repo_key,
                config: cfg,
                artifacts,
                unreadable: snapshot
                    .unreadable
                    .values()
                    .filter(|p| {
                        p.path
                            .strip_prefix(crate::PLAN_ROOT)
                            .and_then(|r| r.strip_prefix('/'))
                            .and_then(|r| r.split('/').next())
                            == Some(slug)
                    })
                    .collect(),
                links: exec.links(),
                remote: &remote,
                direction: options.direction,
                today: &today,
            };
            let planned = plan::plan(&input);
            let project_report = exec.execute(slug, cfg, tracker, planned, &remote)?;
            report.projects.push(project_report);
        }
        cache = tracker.take_cache();
        report.add_stats(&tracker.stats());
    }
    if options.fetch_only {
        drop(exec);
        report.incoming = Some(fetched.clone());
        if !options.dry_run {
            record.set_json(incoming::INCOMING_DOC, &fetched)?;
            report.record_commit = record
                .commit(repo, "fetch: what the tracker has")?
                .map(|c| c.to_string());
        }
        return Ok(report);
    }
    if !options.dry_run {
        if options.direction == Direction::Both {
            // Everything GitHub had is in the plan now (or reported as failed).
            exec.clear_incoming()?;
        }
        exec.finish(&cache, &commit.to_string())?;
    }
    report.record_commit = exec.record_commit().map(|c| c.to_string());
    report.written = exec.written.iter().map(|(p, _)| p.clone()).collect();
    if options.commit && !options.dry_run {
        let clean: Vec<&str> = exec
            .written
            .iter()
            .filter(|(_, c)| *c)
            .map(|(p, _)| p.as_str())
            .collect();
        if !clean.is_empty() {
            let from = crate::tracker::platforms_named(
                report.projects.iter().map(|p| p.tracker),
                "the tracker",
            );
            report.committed = Some(commit_files(repo, &clean, &from)?);
        }
    }
    Ok(report)
}

/// What the record knows of the dependencies of `place`'s issues, for
/// [`tracker::Tracker::read_dependencies`]: for each linked issue, its `updated_at` when
/// its dependencies were last synced (only issues changed since then are read), or
/// nothing yet (a retired one: left out); issues carrying a marker line but not linked
/// (the plan's, created by a run that was cut short) are not known either. Other issues'
/// dependencies don't matter.
fn known_dependencies(
    links: &Links,
    place: &str,
    remote: &tracker::RemoteState,
) -> BTreeMap<u64, tracker::KnownDependencies> {
    let totals = links.blocked_by_totals.get(place);
    let stand_ins = links.stand_ins.get(place);
    let mut out = BTreeMap::new();
    let mut linked = std::collections::BTreeSet::new();
    for l in links.items.values() {
        if l.repo != place || l.target != plan::fields::Target::Issue {
            continue;
        }
        linked.insert(l.number);
        let known = l
            .remote
            .as_ref()
            .and_then(plan::links::Fields::issue)
            .is_some_and(|f| f.depends_on.is_some());
        if !known && l.retired {
            continue;
        }
        out.insert(
            l.number,
            tracker::KnownDependencies {
                updated_at: l.updated_at.clone().filter(|_| known),
                count: totals.and_then(|t| t.get(&l.number)).copied(),
                stand_ins: stand_ins
                    .and_then(|u| u.get(&l.number))
                    .cloned()
                    .unwrap_or_default(),
            },
        );
    }
    for i in remote.issues.values() {
        if !linked.contains(&i.number) && plan::fields::marker_id(&i.body).is_some() {
            out.insert(i.number, tracker::KnownDependencies::default());
        }
    }
    out
}

/// Commits `paths` (and only them) with git, as the user would; `from` names the trackers.
fn commit_files(repo: &Repo, paths: &[&str], from: &str) -> Result<String, SyncError> {
    let workdir = repo.workdir().ok_or(SyncError::NoWorktree)?;
    let mut message = format!(
        "Sync from {from}: {} artifact{}\n\n",
        paths.len(),
        if paths.len() == 1 { "" } else { "s" }
    );
    for p in paths {
        message.push_str(&format!("- {p}\n"));
    }
    crate::repo::commit_paths(workdir, paths, &message).map_err(SyncError::Commit)
}

/// Today's date in UTC, as artifacts write it.
pub fn today_utc() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// The metadata written at the end of a completed run.
fn meta_now(source_commit: &str) -> Meta {
    Meta {
        format: crate::record::FORMAT_VERSION,
        synced_at: Some(
            jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        ),
        source_commit: Some(source_commit.to_string()),
    }
}

/// A map from repository-relative artifact path to its key, for one snapshot.
fn keys_by_path(snapshot: &Snapshot) -> BTreeMap<String, String> {
    snapshot
        .artifacts
        .iter()
        .map(|a| (a.path.clone(), plan::links::key(a.project(), &a.id)))
        .collect()
}
