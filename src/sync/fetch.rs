//! Reading GitHub's state for one repository: every label and milestone (cheap, and 304
//! when unchanged), and the issues updated since the last completed sync (all of them the
//! first time).

use crate::github::{self, Client, ListIssues, RepoRef, StateFilter};
use crate::plan::RemoteState;

pub fn fetch(
    client: &Client,
    repo: &RepoRef,
    watermark: Option<&str>,
) -> Result<RemoteState, github::Error> {
    let labels = client.list_labels(repo)?;
    let milestones = client.list_milestones(repo, StateFilter::All)?;
    let filter = ListIssues {
        state: StateFilter::All,
        since: watermark.map(str::to_string),
        ..ListIssues::default()
    };
    let issues = client.list_issues(repo, &filter)?;
    Ok(RemoteState {
        issues: issues.iter().map(|i| (i.number, i.into())).collect(),
        complete: watermark.is_none(),
        milestones: milestones.iter().map(Into::into).collect(),
        labels: labels.iter().map(Into::into).collect(),
    })
}
