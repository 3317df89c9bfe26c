//! A whole plan at one point in time: project configs, artifacts and the problems found,
//! loaded from a commit, the working tree, or the record of the last sync.
//!
//! Loading never stops at a bad file: the file's problem is recorded and the others load.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use gix::ObjectId;

use crate::artifact::{self, Artifact, Location, Problem};
use crate::config::{self, ProjectConfig};
use crate::repo::{self, Listing, Repo, RepoError};

/// Where a snapshot was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A commit (the revision as the user wrote it, and the commit it resolved to).
    Commit { rev: String, commit: ObjectId },
    /// The working tree, uncommitted edits included.
    Worktree,
    /// The plan as it was last synced (the sync record).
    Record,
    /// No plan at all (e.g. before the first sync).
    Empty,
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Commit { rev, commit } => {
                let short = commit.to_hex_with_len(7).to_string();
                if rev == &short || rev.eq_ignore_ascii_case(&commit.to_string()) {
                    short
                } else {
                    format!("{rev} ({short})")
                }
            }
            Origin::Worktree => "the working tree".to_string(),
            Origin::Record => "the last sync".to_string(),
            Origin::Empty => "nothing".to_string(),
        }
    }
}

/// A loaded plan.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub origin: Origin,
    /// Plan files by path relative to the plan root, with their blob ids.
    pub listing: Listing,
    /// Parsed `project_config.toml` per project slug.
    pub configs: BTreeMap<String, ProjectConfig>,
    /// Projects whose `project_config.toml` exists but could not be read (malformed TOML,
    /// unreadable blob); its problem is in `problems`, and the project has no entry in
    /// `configs`.
    pub unreadable_configs: BTreeSet<String>,
    /// The optional workspace-level `projects_config.toml`.
    pub workspace: Option<toml::Table>,
    /// For artifact files that could not be parsed (their problem is in `problems`), the ID
    /// their text declares (an `id = "…"` line), by repository-relative path.
    pub unparsed_ids: BTreeMap<String, String>,
    /// Every artifact that could be parsed, ordered by path.
    pub artifacts: Vec<Artifact>,
    /// Every problem found while loading (per file) and validating (across files).
    pub problems: Vec<Problem>,
    /// Artifact files that are there but could not be read or parsed, by repository-relative
    /// path, with the problem that stopped them. They are missing from `artifacts`, yet not
    /// deleted: whatever they are linked to must be left alone until they are fixed.
    pub unreadable: BTreeMap<String, Problem>,
    index: HashMap<(String, String), usize>,
}

/// How much of each artifact to keep in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Everything: frontmatter text, every field, the body.
    #[default]
    Full,
    /// What listings need (identity, type, status, title, priority, parents, tags): bodies,
    /// raw frontmatter and other fields are dropped right after parsing.
    Summary,
}

/// The fields [`Detail::Summary`] keeps.
pub const SUMMARY_FIELDS: [&str; 10] = [
    "id",
    "title",
    "status",
    "type",
    "priority",
    "feature_id",
    "epic_id",
    "initiative_id",
    "tags",
    "updated_date",
];

fn slim(a: &mut Artifact) {
    a.body = String::new();
    a.frontmatter = String::new();
    a.fields.retain(|k, _| SUMMARY_FIELDS.contains(&k));
}

/// The result of reading one plan file.
enum Loaded {
    Artifact(Box<Artifact>, Vec<Problem>),
    Config(String, Option<Box<ProjectConfig>>, Vec<Problem>),
    Workspace(Option<toml::Table>, Vec<Problem>),
    Failed(Problem),
    /// An artifact file that could not be read or parsed, and the ID its text seems to
    /// declare.
    Unreadable(Problem, Option<String>),
    Ignored,
}

fn load_one(rel: &str, data: Result<Vec<u8>, RepoError>, detail: Detail) -> Loaded {
    let path = repo::repo_path(rel);
    let data = match data {
        Ok(d) => d,
        Err(e) => {
            let problem = Problem::error(&path, None, format!("could not read the file: {e}"))
                .with_hint("check the repository with `git fsck`");
            return match rel.strip_suffix("/project_config.toml") {
                Some(project) => Loaded::Config(project.to_string(), None, vec![problem]),
                None if Location::of(rel).is_some() => Loaded::Unreadable(problem, None),
                None => Loaded::Failed(problem),
            };
        }
    };
    if rel == "projects_config.toml" {
        let text = String::from_utf8_lossy(&data);
        let (table, problems) = config::parse_workspace_config(&path, &text);
        return Loaded::Workspace(table, problems);
    }
    if let Some(project) = rel.strip_suffix("/project_config.toml") {
        let text = String::from_utf8_lossy(&data);
        let (cfg, problems) = config::parse_project_config(&path, &text);
        return Loaded::Config(project.to_string(), cfg.map(Box::new), problems);
    }
    match Location::of(rel) {
        Some(location) => match artifact::parse(&path, location, &data) {
            Ok((mut a, problems)) => {
                if detail == Detail::Summary {
                    slim(&mut a);
                }
                Loaded::Artifact(Box::new(a), problems)
            }
            Err(failure) => Loaded::Unreadable(failure.0, artifact::declared_id(&data)),
        },
        None => Loaded::Ignored,
    }
}

impl Snapshot {
    /// An empty plan.
    pub fn empty(origin: Origin) -> Snapshot {
        Snapshot {
            origin,
            listing: Listing::new(),
            configs: BTreeMap::new(),
            unreadable_configs: BTreeSet::new(),
            unparsed_ids: BTreeMap::new(),
            workspace: None,
            artifacts: Vec::new(),
            problems: Vec::new(),
            unreadable: BTreeMap::new(),
            index: HashMap::new(),
        }
    }

    /// Loads the plan of a commit named by `rev`.
    pub fn at_rev(repo: &Repo, rev: &str) -> Result<Snapshot, RepoError> {
        Snapshot::at_rev_with(repo, rev, Detail::Full)
    }

    /// [`Snapshot::at_rev`], keeping only as much of each artifact as `detail` says.
    pub fn at_rev_with(repo: &Repo, rev: &str, detail: Detail) -> Result<Snapshot, RepoError> {
        let commit = repo.resolve_commit(rev)?;
        let listing = repo.list_plan_at(commit)?;
        Ok(Snapshot::from_listing(
            repo,
            Origin::Commit {
                rev: rev.to_string(),
                commit,
            },
            listing,
            None,
            detail,
        ))
    }

    /// Loads the plan of a plan-root tree (e.g. the record's), `None` being no plan.
    pub fn at_plan_tree(
        repo: &Repo,
        origin: Origin,
        tree: Option<ObjectId>,
    ) -> Result<Snapshot, RepoError> {
        let listing = match tree {
            Some(t) => repo.list_plan_tree(t)?,
            None => Listing::new(),
        };
        Ok(Snapshot::from_listing(
            repo,
            origin,
            listing,
            None,
            Detail::Full,
        ))
    }

    /// Loads the plan as it is in the working tree.
    pub fn at_worktree(repo: &Repo) -> Result<Snapshot, RepoError> {
        Snapshot::at_worktree_with(repo, Detail::Full)
    }

    /// [`Snapshot::at_worktree`], keeping only as much of each artifact as `detail` says.
    pub fn at_worktree_with(repo: &Repo, detail: Detail) -> Result<Snapshot, RepoError> {
        let (listing, contents) = repo.list_plan_worktree()?;
        Ok(Snapshot::from_listing(
            repo,
            Origin::Worktree,
            listing,
            Some(&contents),
            detail,
        ))
    }

    /// Parses every file of `listing`, reading blobs from `contents` when given, otherwise
    /// from the object database (in parallel).
    pub fn from_listing(
        repo: &Repo,
        origin: Origin,
        listing: Listing,
        contents: Option<&BTreeMap<ObjectId, Vec<u8>>>,
        detail: Detail,
    ) -> Snapshot {
        let entries: Vec<(&String, &ObjectId)> = listing.iter().collect();
        let loaded: Vec<Loaded> = match contents {
            Some(map) => entries
                .iter()
                .map(|(rel, oid)| {
                    let data = map
                        .get(*oid)
                        .cloned()
                        .ok_or_else(|| RepoError::git(rel.as_str(), "content missing"));
                    load_one(rel, data, detail)
                })
                .collect(),
            None => {
                let oids: Vec<ObjectId> = entries.iter().map(|(_, oid)| **oid).collect();
                repo.map_blobs(&oids, |i, data| load_one(entries[i].0, data, detail))
            }
        };
        let mut snap = Snapshot::empty(origin);
        for item in loaded {
            match item {
                Loaded::Artifact(a, problems) => {
                    snap.artifacts.push(*a);
                    snap.problems.extend(problems);
                }
                Loaded::Config(project, cfg, problems) => {
                    match cfg {
                        Some(cfg) => {
                            snap.configs.insert(project, *cfg);
                        }
                        None => {
                            snap.unreadable_configs.insert(project);
                        }
                    }
                    snap.problems.extend(problems);
                }
                Loaded::Workspace(table, problems) => {
                    snap.workspace = table;
                    snap.problems.extend(problems);
                }
                Loaded::Failed(p) => snap.problems.push(p),
                Loaded::Unreadable(p, id) => {
                    snap.unreadable.insert(p.path.clone(), p.clone());
                    if let Some(id) = id {
                        snap.unparsed_ids.insert(p.path.clone(), id);
                    }
                    snap.problems.push(p);
                }
                Loaded::Ignored => {}
            }
        }
        snap.listing = listing;
        snap.reindex();
        snap
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (i, a) in self.artifacts.iter().enumerate() {
            self.index
                .entry((a.project().to_string(), a.id.clone()))
                .or_insert(i);
        }
    }

    /// Runs the cross-file checks (statuses, duplicate IDs, missing parents) and adds their
    /// problems. Per-file problems are found while loading. A file that could not be read
    /// is one problem, its own: references to its ID (known from its file name, or its `id`
    /// line) are not reported as missing.
    pub fn validate(&mut self) {
        let more = artifact::validate::check_plan_with_unreadable(
            &self.artifacts,
            &self.configs,
            &self.unreadable_files(),
        );
        self.problems.extend(more);
    }

    /// What could not be read: configs, and the (project, ID) of each unreadable artifact
    /// file, from its file name (as the sync recognises it) and its declared `id`.
    fn unreadable_files(&self) -> artifact::validate::Unreadable {
        let mut artifacts = BTreeSet::new();
        for path in self.unreadable.keys() {
            let Some(location) = path
                .strip_prefix(crate::PLAN_ROOT)
                .and_then(|rel| rel.strip_prefix('/'))
                .and_then(Location::of)
            else {
                continue;
            };
            let declared = self.unparsed_ids.get(path).map(String::as_str);
            for id in crate::diff::id_from_file_name(path)
                .into_iter()
                .chain(declared)
            {
                artifacts.insert((location.project.clone(), id.to_string()));
            }
        }
        artifact::validate::Unreadable {
            configs: self.unreadable_configs.clone(),
            artifacts,
        }
    }

    /// The artifact `id` of `project`.
    pub fn get(&self, project: &str, id: &str) -> Option<&Artifact> {
        self.index
            .get(&(project.to_string(), id.to_string()))
            .map(|i| &self.artifacts[*i])
    }

    /// Artifacts whose ID is `id`, in any project (IDs are usually unique across projects).
    pub fn find_id(&self, id: &str) -> Vec<&Artifact> {
        self.artifacts
            .iter()
            .filter(|a| a.id.eq_ignore_ascii_case(id))
            .collect()
    }

    /// The project slugs that have a config (readable or not) or artifacts.
    pub fn projects(&self) -> Vec<String> {
        let mut out: Vec<String> = self.configs.keys().cloned().collect();
        out.extend(self.unreadable_configs.iter().cloned());
        for a in &self.artifacts {
            if !out.iter().any(|p| p == a.project()) {
                out.push(a.project().to_string());
            }
        }
        out.sort();
        out
    }

    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }

    /// Problems sorted by path and line, for stable output.
    pub fn sorted_problems(&self) -> Vec<&Problem> {
        let mut v: Vec<&Problem> = self.problems.iter().collect();
        v.sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
        v
    }
}
