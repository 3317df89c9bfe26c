//! `depends_on` as GitLab issue links: `is_blocked_by` links, read only for issues that
//! changed since the record knew them, and the related links that stand in for them where
//! GitLab has no blocking links (GitLab Free).

use std::collections::{BTreeMap, BTreeSet};

use serde::de::IgnoredAny;

use super::adapter::GitlabTracker;
use super::errors::gitlab_error;
use super::types::{LinkedIssue, NewLink};
use crate::github::{self, HttpMethod};
use crate::tracker::{self, DependenciesSet, KnownDependencies, RemoteState, StandIns, Tracker};

/// Why a related link stands for a dependency, for the sync's note.
const NO_BLOCKING_LINKS: &str =
    "GitLab Free has no blocking links: dependencies go there as related links";
/// Why a link the other way round stands for a dependency.
const ONE_LINK: &str = "GitLab links two issues once: where two issues depend on each other, \
     one blocking link stands for both";

/// GitLab without blocking links: `403 Blocked issues not available for current license`
/// (GitLab Free, on gitlab.com or an unlicensed instance), or `400 link_type does not have
/// a valid value` (the open-source edition).
fn refuses_blocking_links(e: &github::Error) -> bool {
    let said = e.server_message().unwrap_or_default().to_ascii_lowercase();
    match e.status() {
        Some(403) => said.contains("not available for current license"),
        Some(400) => said.contains("link_type"),
        _ => false,
    }
}

impl GitlabTracker {
    fn links_path(&self, number: u64) -> String {
        format!("{}/links", self.issue_path(number))
    }

    /// The issues linked to issue `number` of this project (links to other projects' issues
    /// left out), each as issue `number` sees the link.
    fn links_of(&self, number: u64) -> Result<Vec<LinkedIssue>, tracker::Error> {
        let own = self.project_id()?;
        let all: Vec<LinkedIssue> = self
            .client
            .get_all(&self.links_path(number), false)
            .map_err(gitlab_error)?;
        Ok(all
            .into_iter()
            .filter(|l| l.project_id == Some(own))
            .collect())
    }

    /// Links issue `number` to issue `target` of this project.
    fn post_link(
        &self,
        number: u64,
        target: u64,
        link_type: &'static str,
    ) -> Result<(), github::Error> {
        let body = NewLink {
            target_project_id: &self.place,
            target_issue_iid: target,
            link_type,
        };
        // A link is made once: a POST sent again after a lost answer is refused with 409,
        // which the caller checks.
        self.client
            .send_json::<IgnoredAny>(HttpMethod::Post, &self.links_path(number), Some(&body))
            .map(|_| ())
    }

    fn delete_link(&self, number: u64, link_id: u64) -> Result<(), tracker::Error> {
        let path = format!("{}/{link_id}", self.links_path(number));
        self.client
            .send_no_content(HttpMethod::Delete, &path, false, true)
            .map_err(gitlab_error)
    }

    /// The link between issues `number` and `other`, from `number`'s list (read once per
    /// call into `cache`).
    fn link_between(
        &self,
        number: u64,
        other: u64,
        cache: &mut Option<Vec<LinkedIssue>>,
    ) -> Result<Option<LinkedIssue>, tracker::Error> {
        if cache.is_none() {
            *cache = Some(self.links_of(number)?);
        }
        Ok(cache
            .as_ref()
            .and_then(|links| links.iter().find(|l| l.iid == other).cloned()))
    }

    fn refused_blocking(&self) -> bool {
        *self
            .no_blocking_links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// GitLab's issue lists say nothing of links, so an issue's links are read only when it
    /// changed since the last sync that knew them: a link made or removed writes a note on
    /// both issues, which moves both `updated_at`. Only the issues whose dependencies
    /// matter (`recorded`) are read; an issue another issue blocks sees `is_blocked_by`.
    pub(super) fn read_links(
        &self,
        remote: &mut RemoteState,
        recorded: &BTreeMap<u64, KnownDependencies>,
    ) -> Result<(), tracker::Error> {
        for issue in remote.issues.values_mut() {
            let Some(known) = recorded.get(&issue.number) else {
                continue;
            };
            let unchanged = known.updated_at.is_some() && issue.updated_at == known.updated_at;
            if issue.blocked_by.is_some() || unchanged {
                continue;
            }
            let links = self.links_of(issue.number)?;
            // A related link has no direction, and one link between two issues goes one
            // way: such a link counts only where it stands for a dependency this sync made.
            let blocking: BTreeSet<u64> = links
                .iter()
                .filter(|l| l.blocks_us() || known.stand_ins.contains(&l.iid))
                .map(|l| l.iid)
                .collect();
            issue.blocked_by = Some(blocking);
        }
        Ok(())
    }

    /// `is_blocked_by` links; where GitLab refuses them (GitLab Free), related links, said
    /// once. A link between the two issues already there (`409`) is fine when it makes
    /// `number` blocked by the other; a related one is made blocking where GitLab can; one
    /// the other way round (the two depend on each other) stands for both.
    pub(super) fn set_links(
        &self,
        number: u64,
        add: &[u64],
        remove: &[u64],
    ) -> Result<DependenciesSet, tracker::Error> {
        let mut links: Option<Vec<LinkedIssue>> = None;
        let mut related = Vec::new();
        let mut both_ways = Vec::new();
        for &other in add {
            if !self.refused_blocking() {
                match self.post_link(number, other, "is_blocked_by") {
                    Ok(()) => continue,
                    Err(e) if refuses_blocking_links(&e) => {
                        *self
                            .no_blocking_links
                            .lock()
                            .unwrap_or_else(|e| e.into_inner()) = true;
                    }
                    Err(e) if e.status() == Some(409) => {
                        match self.link_between(number, other, &mut links)? {
                            Some(l) if l.blocks_us() => {}
                            Some(l) if l.is_related() => {
                                self.delete_link(number, l.issue_link_id)?;
                                links = None;
                                self.post_link(number, other, "is_blocked_by")
                                    .map_err(gitlab_error)?;
                            }
                            Some(_) => both_ways.push(other),
                            // Gone again since GitLab said it was there.
                            None => return Err(gitlab_error(e)),
                        }
                        continue;
                    }
                    Err(e) => return Err(gitlab_error(e)),
                }
            }
            match self.post_link(number, other, "relates_to") {
                Ok(()) => related.push(other),
                Err(e) if e.status() == Some(409) => {
                    match self.link_between(number, other, &mut links)? {
                        Some(l) if l.blocks_us() => {}
                        Some(l) if l.is_related() => related.push(other),
                        Some(_) => both_ways.push(other),
                        None => return Err(gitlab_error(e)),
                    }
                }
                Err(e) => return Err(gitlab_error(e)),
            }
        }
        for &other in remove {
            // Blocked by it, or related where that link stood for the dependency; a link
            // the other way round is the other issue's dependency (or stood for both): left.
            if let Some(l) = self
                .link_between(number, other, &mut links)?
                .filter(|l| l.blocks_us() || l.is_related())
            {
                self.delete_link(number, l.issue_link_id)?;
            }
        }
        // Both ends as they are now (each link wrote a note on both, moving `updated_at`),
        // so that the next sync knows these links as its own and reads none of them again.
        let issue = self.get_issue(number)?;
        let mut others = Vec::new();
        let mut seen = BTreeSet::new();
        for &other in add.iter().chain(remove) {
            if seen.insert(other) {
                others.push(self.get_issue(other)?);
            }
        }
        let stand_ins = [(related, NO_BLOCKING_LINKS), (both_ways, ONE_LINK)]
            .into_iter()
            .filter(|(issues, _)| !issues.is_empty())
            .map(|(issues, why)| StandIns {
                issues,
                why: why.to_string(),
            })
            .collect();
        Ok(DependenciesSet {
            issue: Some(issue),
            others,
            stand_ins,
        })
    }
}
