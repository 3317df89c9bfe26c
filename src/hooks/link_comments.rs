//! The pre-push hook's commit-link comments: one comment per commit link on the artifact's
//! issue (found again by its marker, so never posted twice), and closing issues for status
//! keywords when `close_on_commit_keywords = true`.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::pre_push::{Outcome, tokens};
use crate::commits::{self, CommitLinks, PostedComment};
use crate::config::ProjectConfig;
use crate::connect::{self, Tuning};
use crate::plan::fields::Target;
use crate::plan::links::{self, LINKS_DOC, Links};
use crate::record::Record;
use crate::repo::{Repo, RepoError};
use crate::snapshot::Snapshot;
use crate::tracker::{self, IssueChange, IssueState, Tracker};

/// The marker a commit-link comment carries.
pub fn comment_marker(sha: &str) -> String {
    format!("intellimanage-commit: {sha}")
}

/// A tracker per project target (platform, API and place), opened on first use.
struct Trackers {
    by_target: BTreeMap<(String, String), Box<dyn Tracker>>,
}

impl Trackers {
    fn get(&mut self, cfg: &ProjectConfig) -> Result<&dyn Tracker, String> {
        let target = match connect::Target::of(cfg) {
            Ok(Some(t)) => t,
            Ok(None) => return Err(format!("{}: no repository is configured", cfg.path)),
            Err(e) => return Err(e.with_hint()),
        };
        let key = (target.base_url.clone(), target.place.clone());
        if !self.by_target.contains_key(&key) {
            let token = tokens(cfg, &target.base_url)
                .map_err(|e| format!("{e}; hint: {}", e.hint(&cfg.github.pat_env_var_name)))?;
            let tuning = Tuning {
                timeout: Some(std::time::Duration::from_secs(30)),
                ..Tuning::default()
            };
            let tracker = connect::open(&target, cfg, token, &tuning).map_err(|e| e.with_hint())?;
            self.by_target.insert(key.clone(), tracker);
        }
        self.by_target
            .get(&key)
            .map(|t| t.as_ref())
            .ok_or_else(|| "internal: tracker cache".to_string())
    }
}

fn keyword_in(list: &[String], keyword: &str) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(keyword))
}

/// Comments each commit link of `range` on its issue (once), and closes issues when
/// configured. Records what was done in `refs/intellimanage/commits`.
pub(super) fn comment_links(
    repo: &Repo,
    tip: &str,
    range: &[String],
    out: &mut Outcome,
) -> Result<(), String> {
    let snapshot = Snapshot::at_rev(repo, tip).map_err(|e| e.to_string())?;
    let linking: Vec<&ProjectConfig> = snapshot
        .configs
        .values()
        .filter(|c| c.github.enable_sync && c.github.mapping.enable_commit_linking)
        .collect();
    if linking.is_empty() || range.is_empty() {
        return Ok(());
    }
    let (link_kw, status_kw) = commits::merged_keywords(linking.iter().copied());
    let record = Record::load(repo).map_err(|e| e.to_string())?;
    let links: Links = record.json(LINKS_DOC).map_err(|e| e.to_string())?;
    let mut trackers = Trackers {
        by_target: BTreeMap::new(),
    };
    let mut changed: Vec<CommitLinks> = Vec::new();
    let mut result = Ok(());
    'commits: for sha in range {
        let Ok(oid) = ObjectId::from_hex(sha.as_bytes()) else {
            continue;
        };
        let message = match repo.gix().find_commit(oid) {
            Ok(c) => c.message_raw_sloppy().to_str_lossy().into_owned(),
            Err(e) => {
                result = Err(RepoError::git(format!("commit {sha}"), e).to_string());
                break;
            }
        };
        let mentions = commits::parse_mentions(&message, &link_kw, &status_kw);
        if mentions.is_empty() {
            continue;
        }
        let recorded = commits::load(repo, sha).map_err(|e| e.to_string())?;
        let mut doc = match recorded {
            Some(d) => d,
            None => CommitLinks {
                commit: sha.clone(),
                summary: commits::summary_of(&message),
                artifacts: commits::touched_artifacts(repo, oid).unwrap_or_default(),
                mentions: mentions.clone(),
                ..CommitLinks::default()
            },
        };
        let before = doc.clone();
        for m in &mentions {
            for a in snapshot.find_id(&m.id) {
                let Some(cfg) = linking.iter().find(|c| c.project_slug == a.project()) else {
                    continue;
                };
                let mapping = &cfg.github.mapping;
                let status_update = keyword_in(&mapping.commit_status_update_keywords, &m.keyword);
                if !status_update && !keyword_in(&mapping.commit_link_keywords, &m.keyword) {
                    continue;
                }
                let Some(link) = links.items.get(&links::key(a.project(), &a.id)) else {
                    out.say(format!(
                        "{} (named by {}) has no GitHub item yet; its commit link waits for the next push",
                        a.id,
                        &sha[..7]
                    ));
                    continue;
                };
                if link.target != Target::Issue {
                    continue;
                }
                let client = match trackers.get(cfg) {
                    Ok(c) => c,
                    Err(e) => {
                        result = Err(format!("could not comment commit links: {e}"));
                        break 'commits;
                    }
                };
                if doc.comment_on(&link.repo, link.number).is_none() {
                    match post_comment(client, link.number, sha, &m.keyword, &a.id, &doc) {
                        Ok(comment_id) => {
                            doc.comments.push(PostedComment {
                                repo: link.repo.clone(),
                                issue: link.number,
                                comment_id,
                            });
                            out.comments += 1;
                            out.say(format!(
                                "commented {} on {}#{} ({} {})",
                                &sha[..7],
                                link.repo,
                                link.number,
                                m.keyword,
                                a.id
                            ));
                        }
                        Err(e) => {
                            result = Err(format!(
                                "could not comment on {}#{}: {e}",
                                link.repo, link.number
                            ));
                            break 'commits;
                        }
                    }
                }
                let issue_ref = format!("{}#{}", link.repo, link.number);
                if status_update
                    && m.status_update
                    && mapping.close_on_commit_keywords
                    && !doc
                        .closed
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(&issue_ref))
                {
                    match close_issue(client, link.number) {
                        Ok(closed_now) => {
                            doc.closed.push(issue_ref.clone());
                            if closed_now {
                                out.say(format!(
                                    "closed {issue_ref} ({} {} in {}; close_on_commit_keywords = true)",
                                    m.keyword,
                                    a.id,
                                    &sha[..7]
                                ));
                            }
                        }
                        Err(e) => {
                            result = Err(format!("could not close {issue_ref}: {e}"));
                            break 'commits;
                        }
                    }
                }
            }
        }
        if doc != before || commits::load(repo, sha).ok().flatten().is_none() {
            if doc.mentions.is_empty() {
                doc.mentions = mentions;
            }
            changed.push(doc);
        }
    }
    if !changed.is_empty()
        && let Err(e) = commits::store(
            repo,
            &changed,
            &format!("pre-push: {} commit links", changed.len()),
        )
    {
        let message = format!("could not record the commit links: {e}");
        return match result {
            Ok(()) => Err(message),
            Err(first) => Err(format!("{first}; {message}")),
        };
    }
    result
}

/// Posts the commit-link comment on an issue unless one with the marker is there already.
/// Returns the comment's id.
fn post_comment(
    tracker: &dyn Tracker,
    issue: u64,
    sha: &str,
    keyword: &str,
    id: &str,
    doc: &CommitLinks,
) -> Result<u64, tracker::Error> {
    let marker = comment_marker(sha);
    let branch = doc
        .branch
        .as_deref()
        .map(|b| format!(" on `{b}`"))
        .unwrap_or_default();
    let body = format!(
        "Commit {sha}{branch} ({keyword} {id}): {}\n\n<!-- {marker} -->\n",
        doc.summary
    );
    tracker.comment_once(issue, &marker, &body)
}

/// Closes an issue as completed; `Ok(false)` when it was closed already.
fn close_issue(tracker: &dyn Tracker, issue: u64) -> Result<bool, tracker::Error> {
    if tracker.get_issue(issue)?.closed {
        return Ok(false);
    }
    let change = IssueChange {
        state: Some(IssueState::Closed {
            reason: Some("completed".to_string()),
        }),
        ..IssueChange::default()
    };
    tracker.update_issue(issue, &change)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_names_the_commit() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let body = format!("Commit x\n\n<!-- {} -->\n", comment_marker(sha));
        assert!(crate::github::body_has_marker(&body, &comment_marker(sha)));
        assert!(!crate::github::body_has_marker(
            &body,
            &comment_marker(&sha[..39])
        ));
    }
}
