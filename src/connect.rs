//! Opening the tracker a project's configuration names: the platform's adapter over a
//! client set up for it (token, pacing, verbosity); platforms that can't be synced with
//! are refused with the reason.

use std::time::Duration;

use crate::config::{BoardOwner, ProjectConfig};
use crate::github::{self, BoardSpec, ClientOptions, GithubTracker, ProjectOwner, RepoRef, Secret};
use crate::gitlab::GitlabTracker;
use crate::tracker::{self, ErrorKind, Platform, Tracker};

/// How the client is tuned for this run.
#[derive(Debug, Clone, Default)]
pub struct Tuning {
    /// Request log verbosity (`-v`).
    pub verbosity: u8,
    /// The pause between writes (else the project's `write_delay_ms`).
    pub write_delay: Option<Duration>,
    /// The limit for one exchange (else the client's default).
    pub timeout: Option<Duration>,
}

/// Where a project syncs: its platform, API and place there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub platform: Platform,
    pub base_url: String,
    /// `owner/name`, `group/sub/project`.
    pub place: String,
}

impl Target {
    /// The project's target, once its platform is known to be usable; `Ok(None)` when
    /// no place is configured.
    pub fn of(cfg: &ProjectConfig) -> Result<Option<Target>, tracker::Error> {
        let g = &cfg.github;
        if let Some(why) = g.platform.unsupported() {
            return Err(tracker::Error::new(
                ErrorKind::Setup,
                format!(
                    "{}: platform = \"{}\" can't be synced",
                    cfg.path,
                    g.platform.as_str()
                ),
                format!(
                    "{why}; the supported platforms are GitHub and GitLab (README, \"Platforms\")"
                ),
            ));
        }
        Ok(g.place().map(|place| Target {
            platform: g.platform,
            base_url: g.api_base_url(),
            place,
        }))
    }
}

/// The adapter for `target`, with `token`.
pub fn open(
    target: &Target,
    cfg: &ProjectConfig,
    token: Secret,
    tuning: &Tuning,
) -> Result<Box<dyn Tracker>, tracker::Error> {
    let mut options = ClientOptions::new(target.base_url.clone(), token);
    options.platform = target.platform;
    options.verbosity = tuning.verbosity;
    options.write_delay = tuning
        .write_delay
        .unwrap_or_else(|| cfg.github.write_delay());
    if let Some(t) = tuning.timeout {
        options.timeout = t;
    }
    let client = github::Client::new(options).map_err(github::tracker_error)?;
    match target.platform {
        Platform::Github => {
            let (owner, name) = target
                .place
                .split_once('/')
                .unwrap_or((target.place.as_str(), ""));
            let mut tracker = GithubTracker::new(client, RepoRef::new(owner, name));
            if let Some(b) = &cfg.github.project_board {
                tracker = tracker.with_board(BoardSpec {
                    owner: b.owner.clone().unwrap_or_else(|| owner.to_string()),
                    kind: b.owner_type.map(|k| match k {
                        BoardOwner::Organization => ProjectOwner::Organization,
                        BoardOwner::User => ProjectOwner::User,
                    }),
                    number: b.number,
                    field: b.status_field.clone(),
                });
            }
            Ok(Box::new(tracker))
        }
        Platform::Gitlab => Ok(Box::new(GitlabTracker::new(client, &target.place))),
        Platform::Bitbucket => Err(tracker::Error::new(
            ErrorKind::Setup,
            "Bitbucket can't be synced with",
            Platform::Bitbucket.unsupported().unwrap_or_default(),
        )),
    }
}
