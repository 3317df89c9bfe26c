//! What is wrong with a plan: per-file checks ([`check_artifact`], run by
//! [`super::parse`] on every file; in `file.rs`) and cross-file checks ([`check_plan`]:
//! statuses against the project's configuration and duplicate IDs in `plan.rs`, references
//! between artifacts in `references.rs`).

mod file;
mod plan;
mod references;

pub use file::{DATE_KEYS, REQUIRED_KEYS, check_artifact};
pub use plan::{Unreadable, check_plan, check_plan_with, check_plan_with_unreadable};

#[cfg(test)]
mod testing {
    use std::collections::BTreeMap;

    use crate::artifact::{Artifact, Location, Problem, parse};
    use crate::config::{ProjectConfig, parse_project_config};

    /// Parses `<rel>` (relative to the plan root) with the given frontmatter.
    pub(super) fn art(rel: &str, frontmatter: &str) -> (Artifact, Vec<Problem>) {
        let location = Location::of(rel).expect("artifact path");
        let text = format!("+++\n{frontmatter}+++\n# Body\n");
        parse(&format!(".ruru/projects/{rel}"), location, text.as_bytes()).expect("parses")
    }

    pub(super) fn only(problems: &[Problem]) -> &Problem {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        &problems[0]
    }

    pub(super) fn config(slug: &str, text: &str) -> (String, ProjectConfig) {
        let path = format!(".ruru/projects/{slug}/project_config.toml");
        let (cfg, problems) = parse_project_config(&path, text);
        assert!(problems.is_empty(), "{problems:#?}");
        (slug.to_string(), cfg.expect("config"))
    }

    pub(super) fn item(project: &str, folder: &str, id: &str, kind: &str, extra: &str) -> Artifact {
        let fm = format!(
            "id = \"{id}\"\ntitle = \"t\"\nstatus = \"🟡 To Do\"\ntype = \"{kind}\"\ncreated_date = \"2025-04-28\"\nupdated_date = \"2025-04-28\"\nproject_name = \"{project}\"\n{extra}"
        );
        art(&format!("{project}/{folder}/{id}.md"), &fm).0
    }

    pub(super) fn plan() -> Vec<Artifact> {
        vec![
            item("web", "epics", "EPIC-1", "🗺️ Epic", ""),
            item(
                "web",
                "features",
                "FEAT-1",
                "🌟 Feature",
                "epic_id = \"EPIC-1\"\n",
            ),
            item(
                "web",
                "tasks",
                "TASK-1",
                "🛠️ Task",
                "feature_id = \"FEAT-1\"\n",
            ),
            item(
                "web",
                "tasks",
                "TASK-2",
                "🐞 Bug",
                "feature_id = \"FEAT-1\"\ndepends_on = [\"TASK-1\", \"API-1\"]\n",
            ),
            item("api", "tasks", "API-1", "🛠 Task", ""),
        ]
    }

    pub(super) fn configs() -> BTreeMap<String, ProjectConfig> {
        [
            config("web", "project_name = \"web\"\n"),
            config("api", "custom_statuses = [\"⏳ Waiting\"]\n"),
        ]
        .into_iter()
        .collect()
    }
}
