//! The [`Tracker`] trait: everything the sync does to an issue tracker, in neutral terms.
//! One adapter per platform implements it (`github::GithubTracker`,
//! `gitlab::GitlabTracker`); the executor, the hooks and the report speak only this.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{EtagCache, Issue, Label, Milestone, RemoteState, Stats};

/// The issue trackers a project can sync with (`platform` in `project_config.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    #[default]
    Github,
    Gitlab,
    /// Named by the specification; its issue tracker is gone (see [`Platform::unsupported`]).
    Bitbucket,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Github, Platform::Gitlab, Platform::Bitbucket];

    /// Case-insensitive: `"gitlab"`, `"GitLab"`.
    pub fn parse(value: &str) -> Option<Platform> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// As written in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Github => "github",
            Platform::Gitlab => "gitlab",
            Platform::Bitbucket => "bitbucket",
        }
    }

    /// As people write it.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Github => "GitHub",
            Platform::Gitlab => "GitLab",
            Platform::Bitbucket => "Bitbucket",
        }
    }

    /// Whether issue dependencies (`depends_on` ⇄ GitHub's "blocked by", GitLab's
    /// `is_blocked_by` links) are synced with the tracker.
    pub fn syncs_dependencies(self) -> bool {
        matches!(self, Platform::Github | Platform::Gitlab)
    }

    /// Whether the tracker keeps why an issue was closed (GitHub's `state_reason`).
    pub fn keeps_close_reasons(self) -> bool {
        self == Platform::Github
    }

    /// Why a platform can't be synced with, if it can't.
    pub fn unsupported(self) -> Option<&'static str> {
        match self {
            Platform::Bitbucket => Some(
                "Bitbucket Cloud's issue tracker, API included, was removed by Atlassian on \
                 2026-08-20 (its endpoints answer 410 Gone): there is nothing to sync with; \
                 Atlassian's path for issues is Jira",
            ),
            Platform::Github | Platform::Gitlab => None,
        }
    }
}

/// Trackers as people name them, each once: `GitHub`, `GitHub and GitLab`; `none` when
/// there are none.
pub fn platforms_named(platforms: impl IntoIterator<Item = Platform>, none: &str) -> String {
    let mut names: Vec<&str> = platforms.into_iter().map(Platform::name).collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        none.to_string()
    } else {
        names.join(" and ")
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// How a write is sent, as the report and `--dry-run` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verb {
    Post,
    Patch,
    Put,
    Delete,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Post => "POST",
            Verb::Patch => "PATCH",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
        }
    }
}

/// A write, named for [`Tracker::describe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    CreateLabel,
    CreateMilestone,
    UpdateMilestone(u64),
    DeleteMilestone(u64),
    CreateIssue,
    UpdateIssue(u64),
    /// Adding (`true`) or removing dependencies of an issue (its number; `None` when the
    /// issue is created by the same run).
    SetDependencies(Option<u64>, bool),
    /// Putting an issue (its number; `None` when the issue is created by the same run) on
    /// the project board and its card in a column.
    SetCard(Option<u64>),
    /// Making an issue a sub-issue of another (the parent's number; `None` when the parent
    /// is created by the same run).
    SetParent(Option<u64>),
}

/// An issue to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewIssue {
    pub title: String,
    /// The text, marker line included.
    pub body: String,
    pub labels: Vec<String>,
    /// User names.
    pub assignees: Vec<String>,
    /// The milestone's number ([`Milestone::number`]).
    pub milestone: Option<u64>,
}

/// Open, or closed for a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueState {
    Open,
    /// `completed` / `not_planned` where the tracker keeps a reason.
    Closed {
        reason: Option<String>,
    },
}

/// The labels an issue should have after an update: the whole set, and what that adds to
/// and removes from the set the tracker had when this run read it (trackers that can
/// add and remove in one request send only those, leaving others' edits alone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelChange {
    pub set: Vec<String>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// What to change on an issue (`None`: leave as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueChange {
    pub title: Option<String>,
    /// The text, marker line included.
    pub body: Option<String>,
    pub state: Option<IssueState>,
    pub labels: Option<LabelChange>,
    pub assignees: Option<Vec<String>>,
    /// `Some(None)` removes the milestone.
    pub milestone: Option<Option<u64>>,
}

impl IssueChange {
    pub fn is_empty(&self) -> bool {
        *self == IssueChange::default()
    }
}

/// A milestone to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewMilestone {
    pub title: String,
    /// The text, marker line included.
    pub description: String,
    pub closed: bool,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
}

/// What to change on a milestone (`None`: leave as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MilestoneChange {
    pub title: Option<String>,
    pub description: Option<String>,
    pub closed: Option<bool>,
    /// `Some(None)` removes the due date.
    pub due_date: Option<Option<String>>,
}

/// What the record knows of an issue's dependencies ([`Tracker::read_dependencies`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KnownDependencies {
    /// The issue's `updated_at` when a sync last knew its dependencies (dependencies
    /// changed since move it); `None`: not known yet.
    pub updated_at: Option<String>,
    /// How many issues blocked it then, as the tracker counted them ([`Issue::blocked_by_count`]),
    /// when known: a change made within the same second as that sync changes the count.
    pub count: Option<u64>,
    /// The issues whose link to it stands for a dependency though the link doesn't say
    /// "blocked by" ([`DependenciesSet::stand_ins`]): read back, these links count as
    /// "blocked by" whatever their type; other links count only as what they say.
    pub stand_ins: BTreeSet<u64>,
}

/// What [`Tracker::set_dependencies`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DependenciesSet {
    /// The issue as it is afterwards, when the tracker says.
    pub issue: Option<Issue>,
    /// The other issues as they are afterwards, where the change moved them too (GitLab
    /// writes a note on both issues of a link): what the next sync compares with.
    pub others: Vec<Issue>,
    /// Of the issues added, those the tracker could not make block this one, whose link
    /// to it stands for the dependency instead, and why: GitLab Free has no blocking
    /// links (a related link stands for it); GitLab links two issues once (where two
    /// issues depend on each other, the one link stands for both).
    pub stand_ins: Vec<StandIns>,
}

/// Dependencies a tracker took as links that don't say them ([`DependenciesSet`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StandIns {
    /// Issue numbers.
    pub issues: Vec<u64>,
    /// Why, in the tracker's terms (`GitLab Free has no blocking links: …`).
    pub why: String,
}

/// A created item, and whether it was found instead (a create whose answer was lost, or
/// one made meanwhile by someone else).
#[derive(Debug, Clone)]
pub struct Created<T> {
    pub item: T,
    pub adopted: bool,
}

/// A release to create, or to bring up to date, found by its tag
/// ([`Tracker::upsert_release`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseSpec {
    /// The git tag it is for (created from the default branch when it does not exist).
    pub tag: String,
    pub name: String,
    /// The notes (Markdown).
    pub notes: String,
    /// Unpublished (GitHub only: GitLab has no drafts).
    pub draft: bool,
}

/// What [`Tracker::upsert_release`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseOutcome {
    Created,
    /// Its name, notes or draft state differed and were changed.
    Updated,
    /// It said all that already: nothing was written.
    Unchanged,
}

/// A release after [`Tracker::upsert_release`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseResult {
    pub outcome: ReleaseOutcome,
    /// The release's web page.
    pub url: Option<String>,
}

/// The steps of [`Tracker::upsert_release`], as `--dry-run` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStep {
    /// Look the release up (a read).
    Find,
    /// Create it, when there is none.
    Create,
    /// Change it, when it differs.
    Update,
}

/// One request of [`Tracker::upsert_release`], for `--dry-run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseRequest {
    pub step: ReleaseStep,
    /// The write's method; `None` for a read (`GET`).
    pub verb: Option<Verb>,
    pub path: String,
    /// The fields sent.
    pub fields: Vec<&'static str>,
    /// When it is sent.
    pub when: &'static str,
}

/// What kind of failure a tracker reported: what the executor acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The token is missing, expired or revoked (401).
    Auth,
    /// The token may not do this here (403 that is no rate limit).
    Denied,
    /// A label or milestone of that name exists already.
    AlreadyExists,
    NotFound,
    /// Some of the user names can't be assigned here.
    Unassignable,
    /// The values sent were refused.
    Invalid,
    /// Waited out and still limited.
    RateLimited,
    /// The server or the network failed and retries ran out.
    Transient,
    /// The server's certificate is not trusted.
    Certificate,
    /// The client was set up wrongly (bad URL, empty token).
    Setup,
    /// Anything else (an answer that can't be read, an unexpected status).
    Other,
}

impl ErrorKind {
    /// Every further write would fail the same way: stop the run at the first.
    pub fn stops_run(self) -> bool {
        matches!(
            self,
            ErrorKind::Auth | ErrorKind::Denied | ErrorKind::Certificate
        )
    }

    /// The token is the problem (exit code 5).
    pub fn is_auth(self) -> bool {
        matches!(self, ErrorKind::Auth | ErrorKind::Denied)
    }
}

/// A failed tracker call: its kind, one line saying what happened (the request and the
/// tracker's message), what to do about it, and the adapter's own error as the source.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    message: String,
    hint: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error {
            kind,
            status: None,
            message: message.into(),
            hint: hint.into(),
            source: None,
        }
    }

    pub fn with_status(mut self, status: Option<u16>) -> Error {
        self.status = status;
        self
    }

    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// The same error (kind, status, source) in other words, with another hint.
    pub fn reworded(mut self, message: impl Into<String>, hint: impl Into<String>) -> Error {
        self.message = message.into();
        self.hint = hint.into();
        self
    }

    /// The line without the hint.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn hint(&self) -> &str {
        &self.hint
    }

    /// `message; hint: …`, for one line in a report.
    pub fn with_hint(&self) -> String {
        if self.hint.is_empty() {
            self.message.clone()
        } else {
            format!("{}; hint: {}", self.message, self.hint)
        }
    }

    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// One issue tracker, at one place (a GitHub repository, a GitLab project), as the sync
/// uses it. Creates are guarded: an issue created by an earlier, interrupted call (found by
/// its `IntelliManage-ID:` marker line) is adopted rather than created twice.
pub trait Tracker {
    fn platform(&self) -> Platform;

    /// The place as links and the record name it: `owner/name`, `group/sub/project`.
    fn place(&self) -> &str;

    /// The API's host (`api.github.com`, `gitlab.example.com:8443`).
    fn host(&self) -> String;

    /// How many items one page of a list holds.
    fn page_size(&self) -> usize;

    /// Every label and milestone, and the issues updated since `watermark` (all of them
    /// without one).
    fn fetch(&self, watermark: Option<&str>) -> Result<RemoteState, Error>;

    /// How a write goes out (method and path), for the report and `--dry-run`.
    fn describe(&self, write: Write) -> (Verb, String);

    /// Creates a label (`color`: six hex digits).
    fn create_label(
        &self,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<Created<Label>, Error>;

    /// Creates a milestone; one of that title made meanwhile is adopted.
    fn create_milestone(&self, new: &NewMilestone) -> Result<Created<Milestone>, Error>;

    /// The milestone with this title (trimmed, case-insensitive), if any.
    fn find_milestone(&self, title: &str) -> Result<Option<Milestone>, Error>;

    fn update_milestone(&self, number: u64, change: &MilestoneChange) -> Result<Milestone, Error>;

    fn delete_milestone(&self, number: u64) -> Result<(), Error>;

    /// Creates an issue whose body carries `marker_line`; when the answer is lost, an issue
    /// with that line created during this run is adopted instead of creating another.
    fn create_issue(&self, new: &NewIssue, marker_line: &str) -> Result<Created<Issue>, Error>;

    /// Issues whose body carries `marker_line`, lowest number first: among those created
    /// in the last minutes (`recent`), or since this run started.
    fn issues_with_marker(&self, marker_line: &str, recent: bool) -> Result<Vec<Issue>, Error>;

    fn get_issue(&self, number: u64) -> Result<Issue, Error>;

    fn update_issue(&self, number: u64, change: &IssueChange) -> Result<Issue, Error>;

    /// Reads, for the issues of `remote` whose dependencies it doesn't know yet, the issues
    /// of the same place that block them ([`Issue::blocked_by`]): only for those that
    /// changed since the last sync that knew their dependencies (`recorded`, by issue
    /// number: the issues whose dependencies matter, the linked ones and those carrying
    /// a marker line), and, where the tracker summarises it, are blocked, so a sync with
    /// nothing new reads nothing more. Trackers without dependencies: nothing.
    fn read_dependencies(
        &self,
        remote: &mut RemoteState,
        recorded: &BTreeMap<u64, KnownDependencies>,
    ) -> Result<(), Error> {
        let _ = (remote, recorded);
        Ok(())
    }

    /// Makes issue `number` blocked by the issues `add` and no longer by `remove` (issue
    /// numbers of the same place); where the tracker can't say "blocked by", the link it
    /// could make stands for the dependency, and it says so ([`DependenciesSet::stand_ins`]).
    fn set_dependencies(
        &self,
        number: u64,
        add: &[u64],
        remove: &[u64],
    ) -> Result<DependenciesSet, Error> {
        let _ = (number, add, remove);
        Err(Error::new(
            ErrorKind::Setup,
            format!("{} does not sync issue dependencies", self.platform()),
            "",
        ))
    }

    /// Puts issue `number` on the project board when it isn't there, and its card in
    /// `column` (`None`: the column is left as it is). Trackers without project boards
    /// refuse.
    fn set_card(&self, number: u64, column: Option<&str>) -> Result<(), Error> {
        let _ = (number, column);
        Err(Error::new(
            ErrorKind::Setup,
            format!("{} has no project board to sync", self.platform()),
            "",
        ))
    }

    /// Makes issue `number` a sub-issue of issue `parent` (of the same place), taking it
    /// from another parent if it has one. Trackers without sub-issues refuse.
    fn set_parent(&self, number: u64, parent: u64) -> Result<(), Error> {
        let _ = (number, parent);
        Err(Error::new(
            ErrorKind::Setup,
            format!("{} has no sub-issues to sync", self.platform()),
            "",
        ))
    }

    /// Posts `body` as a comment on the issue unless a comment carrying `marker` is there
    /// already; returns the comment's id.
    fn comment_once(&self, number: u64, marker: &str, body: &str) -> Result<u64, Error>;

    /// Creates the release of `release.tag` with this name and notes, or updates it when
    /// it exists and differs (found by its tag; a draft too): a second run with the same
    /// notes writes nothing. A tracker without something asked for (GitLab: drafts)
    /// refuses with [`ErrorKind::Invalid`] before sending anything.
    fn upsert_release(&self, release: &ReleaseSpec) -> Result<ReleaseResult, Error>;

    /// The requests [`Tracker::upsert_release`] may send, in order, for `--dry-run`
    /// (nothing is sent); refuses what `upsert_release` would refuse.
    fn describe_release(&self, release: &ReleaseSpec) -> Result<Vec<ReleaseRequest>, Error>;

    /// The request counters so far.
    fn stats(&self) -> Stats;

    /// Conditional-request cache in (from the record) and out (to persist); trackers
    /// without conditional requests keep it as they got it.
    fn set_cache(&self, cache: EtagCache);
    fn take_cache(&self) -> EtagCache;
}
