//! The pre-push hook's commit-link comments: one comment per commit link on the artifact's
//! issue (found again by its marker, so never posted twice), and closing issues for status
//! keywords when `close_on_commit_keywords = true`.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::pre_push::{Outcome, tokens};
use crate::commits::{self, CommitLinks, PostedComment};
use crate::config::ProjectConfig;
use crate::github::{self, Client, ClientOptions, IssuePatch, RepoRef, State, body_has_marker};
use crate::plan::fields::Target;
use crate::plan::links::{self, LINKS_DOC, Links};
use crate::record::Record;
use crate::repo::{Repo, RepoError};
use crate::snapshot::Snapshot;

/// The marker a commit-link comment carries.
pub fn comment_marker(sha: &str) -> String {
    format!("intellimanage-commit: {sha}")
}

/// A GitHub client per API base URL, made on first use.
struct Clients {
    by_url: BTreeMap<String, Client>,
}

impl Clients {
    fn get(&mut self, cfg: &ProjectConfig) -> Result<&Client, String> {
        let base = cfg.github.api_base_url();
        if !self.by_url.contains_key(&base) {
            let token = tokens(cfg, &base)
                .map_err(|e| format!("{e}; hint: {}", e.hint(&cfg.github.pat_env_var_name)))?;
            let mut options = ClientOptions::new(base.clone(), token);
            options.write_delay = cfg.github.write_delay();
            options.timeout = std::time::Duration::from_secs(30);
            let client = Client::new(options).map_err(|e| e.to_string())?;
            self.by_url.insert(base.clone(), client);
        }
        self.by_url
            .get(&base)
            .ok_or_else(|| "internal: client cache".to_string())
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
    let mut clients = Clients {
        by_url: BTreeMap::new(),
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
                let Some(repo_ref) = RepoRef::parse(&link.repo) else {
                    continue;
                };
                let client = match clients.get(cfg) {
                    Ok(c) => c,
                    Err(e) => {
                        result = Err(format!("could not comment commit links: {e}"));
                        break 'commits;
                    }
                };
                if doc.comment_on(&link.repo, link.number).is_none() {
                    match post_comment(client, &repo_ref, link.number, sha, &m.keyword, &a.id, &doc)
                    {
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
                    match close_issue(client, &repo_ref, link.number) {
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
    client: &Client,
    repo: &RepoRef,
    issue: u64,
    sha: &str,
    keyword: &str,
    id: &str,
    doc: &CommitLinks,
) -> Result<u64, github::Error> {
    let marker = comment_marker(sha);
    let existing = client.list_comments(repo, issue)?;
    if let Some(c) = existing.iter().find(|c| body_has_marker(&c.body, &marker)) {
        return Ok(c.id);
    }
    let branch = doc
        .branch
        .as_deref()
        .map(|b| format!(" on `{b}`"))
        .unwrap_or_default();
    let body = format!(
        "Commit {sha}{branch} ({keyword} {id}): {}\n\n<!-- {marker} -->\n",
        doc.summary
    );
    let created = client.create_comment(repo, issue, &body)?;
    Ok(created.item.id)
}

/// Closes an issue as completed; `Ok(false)` when it was closed already.
fn close_issue(client: &Client, repo: &RepoRef, issue: u64) -> Result<bool, github::Error> {
    let current = client.get_issue(repo, issue)?;
    if current.state == State::Closed {
        return Ok(false);
    }
    let patch = IssuePatch {
        state: Some(State::Closed),
        state_reason: Some(Some("completed".to_string())),
        ..IssuePatch::default()
    };
    client.update_issue(repo, issue, &patch)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_names_the_commit() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let body = format!("Commit x\n\n<!-- {} -->\n", comment_marker(sha));
        assert!(body_has_marker(&body, &comment_marker(sha)));
        assert!(!body_has_marker(&body, &comment_marker(&sha[..39])));
    }
}
