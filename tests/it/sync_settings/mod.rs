//! Syncing to GitHub under the settings that change what is written, end to end against the
//! GitHub emulator: what every request carries on the wire (`wire`), labels that may not be
//! created and label colors (`labels`), deleting milestones (`milestones`), an item GitHub
//! refuses (`failures`), and long `retry-after` waits (`wire`).

mod failures;
mod labels;
mod milestones;
mod wire;

use std::collections::BTreeMap;
use std::process::Output;

use crate::support::*;
use github_emulator::Emulator;
use serde_json::Value;

pub(crate) const TOKEN: &str = "ghp_SettingsT0ken9Kq2Lw";
pub(crate) const LOGIN: &str = "ada";
pub(crate) const OWNER: &str = "acme";
pub(crate) const REPO: &str = "demo";
pub(crate) const P: &str = ".ruru/projects/demo";

/// A repository with the demo plan (see [`write_demo_plan`]) and the emulated GitHub it
/// syncs with.
pub(crate) struct Setup {
    pub(crate) repo: TestRepo,
    pub(crate) emu: Emulator,
}

impl Setup {
    /// The demo plan with `config_extra` appended to its `[github_integration]`, committed.
    pub(crate) fn new(config_extra: &str) -> Setup {
        let emu = Emulator::start();
        emu.add_token(TOKEN, LOGIN, &["repo"]);
        emu.add_repo(OWNER, REPO);
        let repo = TestRepo::new();
        write_demo_plan(&repo);
        repo.write(
            &format!("{P}/project_config.toml"),
            &project_config("demo", config_extra),
        );
        repo.commit_all("plan");
        Setup { repo, emu }
    }

    pub(crate) fn sync(&self, args: &[&str]) -> Output {
        let mut all = vec!["sync"];
        all.extend_from_slice(args);
        self.repo.im_github(&self.emu.url(), TOKEN, &all)
    }

    /// `sync --json`, asserting the exit code; returns the report.
    pub(crate) fn sync_json(&self, code: i32) -> Value {
        let out = self.sync(&["--json"]);
        assert_exit(&out, code, "sync --json");
        parse_json(&out)
    }

    /// The one issue whose body carries `IntelliManage-ID: <id>`.
    pub(crate) fn issue(&self, id: &str) -> Value {
        let found: Vec<Value> = self
            .emu
            .issues(OWNER, REPO)
            .into_iter()
            .filter(|i| marker(&i["body"]) == Some(id.to_string()))
            .collect();
        assert_eq!(found.len(), 1, "issues for {id}: {found:#?}");
        found.into_iter().next().expect("one issue")
    }

    /// Label name → color, as GitHub has them.
    pub(crate) fn label_colors(&self) -> BTreeMap<String, String> {
        self.emu
            .labels(OWNER, REPO)
            .iter()
            .map(|l| {
                (
                    l["name"].as_str().expect("label name").to_string(),
                    l["color"].as_str().expect("label color").to_string(),
                )
            })
            .collect()
    }

    /// Rewrites a plan file through `edit` and commits.
    pub(crate) fn edit(&self, rel: &str, edit: impl FnOnce(String) -> String) {
        self.repo.edit(&format!("{P}/{rel}"), edit);
        self.repo.commit_all(&format!("edit {rel}"));
    }

    /// The writes the emulator saw since its log was last reset, as `METHOD path`.
    pub(crate) fn writes(&self) -> Vec<String> {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.is_write())
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

pub(crate) fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}
