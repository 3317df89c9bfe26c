//! Whole-plan checks: projects without a configuration, statuses against each project's
//! `custom_statuses`, duplicate IDs, and references to other artifacts (in
//! [`super::references`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::references::{Ids, check_references};
use crate::artifact::lines::line_of;
use crate::artifact::problem::quoted_list;
use crate::artifact::vocab::{STANDARD_STATUSES, classify_status};
use crate::artifact::{Artifact, Problem};
use crate::config::ProjectConfig;

/// The project directory of an artifact, repository-relative
/// (`.ruru/projects/web/tasks/T.md` → `.ruru/projects/web`).
fn project_dir(a: &Artifact) -> String {
    let drop = if a.location.archived { 3 } else { 2 };
    let parts: Vec<&str> = a.path.split('/').collect();
    if parts.len() > drop + 1 && parts[parts.len() - drop - 2] == a.project() {
        parts[..parts.len() - drop - 1].join("/")
    } else {
        format!("{}/{}", crate::PLAN_ROOT, a.project())
    }
}

/// Cross-file checks over a whole plan: every project has a configuration, statuses are
/// known (standard or the project's `custom_statuses`), IDs are unique within a project
/// (two projects may use the same ID; a duplicate is one error, at the first file that
/// uses the ID, naming the others), `initiative_id`/`epic_id`/`feature_id` name an
/// artifact of the same project (an error when there is none; a warning when it is of
/// another kind), `depends_on` names one artifact (of the same project, else of the one
/// other project that has the ID), nothing depends on itself. `configs` is keyed by project
/// slug. Linear in the number of artifacts.
pub fn check_plan(
    artifacts: &[Artifact],
    configs: &BTreeMap<String, ProjectConfig>,
) -> Vec<Problem> {
    check_plan_with(artifacts, configs, &BTreeSet::new())
}

/// The files of a plan that are there but could not be read. Each has its own problem (found
/// while loading), which is the one thing to say about it: the cross-file checks must not
/// report what follows from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unreadable {
    /// Projects whose `project_config.toml` could not be read.
    pub configs: BTreeSet<String>,
    /// (project, ID) for each artifact file that could not be read: the ID its file name
    /// suggests and the one its `id = "…"` line declares (one file may give both).
    pub artifacts: BTreeSet<(String, String)>,
}

/// [`check_plan`] for a plan where the projects in `unreadable_configs` have a
/// `project_config.toml` that could not be read: that file's own problem says so, so they
/// are not reported as having none, and their statuses are not checked (the custom statuses
/// they may use are in that file).
pub fn check_plan_with(
    artifacts: &[Artifact],
    configs: &BTreeMap<String, ProjectConfig>,
    unreadable_configs: &BTreeSet<String>,
) -> Vec<Problem> {
    let unreadable = Unreadable {
        configs: unreadable_configs.clone(),
        artifacts: BTreeSet::new(),
    };
    check_plan_with_unreadable(artifacts, configs, &unreadable)
}

/// [`check_plan_with`], knowing too which artifact files could not be read: a reference to
/// an ID such a file holds is not reported as naming an artifact that does not exist (the
/// file's own problem is the one error). Real missing references are still errors.
pub fn check_plan_with_unreadable(
    artifacts: &[Artifact],
    configs: &BTreeMap<String, ProjectConfig>,
    unreadable: &Unreadable,
) -> Vec<Problem> {
    let unreadable_configs = &unreadable.configs;
    let mut problems = Vec::new();

    let mut unconfigured = BTreeMap::new();
    for a in artifacts {
        if !configs.contains_key(a.project()) && !unreadable_configs.contains(a.project()) {
            unconfigured
                .entry(a.project())
                .or_insert_with(|| project_dir(a));
        }
    }
    for (slug, dir) in unconfigured {
        problems.push(
            Problem::error(
                &format!("{dir}/project_config.toml"),
                None,
                format!("project `{slug}` has artifacts but no project_config.toml"),
            )
            .with_hint(format!(
                "create it with at least project_name = \"{slug}\" and project_slug = \"{slug}\""
            )),
        );
    }

    let ids = Ids::new(artifacts, unreadable);

    let standard = STANDARD_STATUSES.map(|(s, _)| s);
    let no_custom: Vec<String> = Vec::new();
    for (i, a) in artifacts.iter().enumerate() {
        let config = configs.get(a.project());
        let custom = config.map(|c| &c.custom_statuses).unwrap_or(&no_custom);

        // Status (not knowable when the project's custom statuses could not be read).
        if !unreadable_configs.contains(a.project())
            && let Some(s) = a.str_field("status")
            && !s.trim().is_empty()
            && classify_status(s, custom).is_none()
        {
            let mut message = format!(
                "unknown status \"{s}\"; accepted: {}",
                quoted_list(standard)
            );
            if !custom.is_empty() {
                message.push_str(&format!(
                    "; custom statuses of `{}`: {}",
                    a.project(),
                    quoted_list(custom)
                ));
            }
            problems.push(
                Problem::error(&a.path, line_of(a, "status"), message).with_hint(
                    "use a standard status, or add it to custom_statuses in the project's project_config.toml",
                ),
            );
        }

        // Duplicate IDs: one error for the ID, at its first file, naming the others.
        let same = ids.same(a.project(), &a.id);
        if same.len() > 1 && same.first() == Some(&i) {
            let others: Vec<&str> = same
                .iter()
                .filter(|j| **j != i)
                .map(|j| artifacts[*j].path.as_str())
                .collect();
            problems.push(
                Problem::error(
                    &a.path,
                    line_of(a, "id"),
                    format!(
                        "duplicate ID {} in project `{}`: also used by {}",
                        a.id,
                        a.project(),
                        others.join(", ")
                    ),
                )
                .with_hint("give one of the artifacts a new, unused ID"),
            );
        }

        check_references(a, &ids, &mut problems);
    }
    // Keep artifacts in the order given; within one file, by line.
    let order: HashMap<&str, usize> = artifacts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.path.as_str(), i))
        .collect();
    problems.sort_by_key(|p| {
        (
            order.get(p.path.as_str()).map_or(0, |i| i + 1),
            p.line.unwrap_or(0),
        )
    });
    problems
}
#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::artifact::validate::testing::*;

    #[test]
    fn a_consistent_plan_has_no_problems() {
        let problems = check_plan(&plan(), &configs());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn missing_project_configs_are_reported_once_per_project() {
        let mut cfgs = configs();
        cfgs.remove("web");
        let problems = check_plan(&plan(), &cfgs);
        let p = only(&problems);
        assert_eq!(p.path, ".ruru/projects/web/project_config.toml");
        assert!(p.is_error());
        assert!(p.message.contains("`web`"));
    }

    #[test]
    fn an_unreadable_config_is_not_a_missing_one() {
        let mut cfgs = configs();
        cfgs.remove("api");
        let mut artifacts = plan();
        // A custom status of api's (unreadable) config: not checkable, so not reported.
        artifacts.push(item("api", "tasks", "API-2", "Task", ""));
        let last = artifacts.len() - 1;
        let fm = artifacts[last]
            .frontmatter
            .replace("🟡 To Do", "⏳ Waiting");
        artifacts[last] = art("api/tasks/API-2.md", &fm).0;
        let unreadable: BTreeSet<String> = ["api".to_string()].into_iter().collect();
        let problems = check_plan_with(&artifacts, &cfgs, &unreadable);
        assert!(problems.is_empty(), "{problems:#?}");
        // Without knowing the file is there, both would be reported.
        let problems = check_plan(&artifacts, &cfgs);
        assert_eq!(problems.len(), 2, "{problems:#?}");
    }

    #[test]
    fn statuses_are_checked_against_the_projects_custom_statuses() {
        let mut artifacts = plan();
        artifacts.push(item("api", "tasks", "API-2", "Task", ""));
        artifacts.push(item(
            "web",
            "tasks",
            "TASK-3",
            "Task",
            "feature_id = \"FEAT-1\"\n",
        ));
        for a in artifacts.iter_mut().skip(5) {
            let fm = a.frontmatter.replace("🟡 To Do", "waiting");
            let rel = format!("{}/tasks/{}.md", a.project(), a.id);
            *a = art(&rel, &fm).0;
        }
        let problems = check_plan(&artifacts, &configs());
        // "waiting" is custom in api, unknown in web.
        let p = only(&problems);
        assert!(p.path.ends_with("web/tasks/TASK-3.md"), "{p}");
        assert_eq!(p.line, Some(4));
        assert!(
            p.message.contains("\"waiting\"") && p.message.contains("🟢 Done"),
            "{p}"
        );
        // When the project has custom statuses, the message names them.
        let mut cfgs = configs();
        cfgs.insert(
            "web".into(),
            config("web", "custom_statuses = [\"Later\"]\n").1,
        );
        let problems = check_plan(&artifacts, &cfgs);
        assert!(only(&problems).message.contains("\"Later\""));
    }

    #[test]
    fn a_duplicate_id_is_one_error_at_its_first_file_naming_the_others() {
        let mut artifacts = plan();
        let mut dup = item(
            "web",
            "tasks",
            "TASK-1",
            "Task",
            "feature_id = \"FEAT-1\"\n",
        );
        dup.path = ".ruru/projects/web/tasks/TASK-1_copy.md".into();
        artifacts.push(dup);
        // The same ID in another project is not a duplicate.
        artifacts.push(item("api", "tasks", "TASK-2", "Task", ""));
        // A third file with the ID: still one error, naming both others.
        let mut third = artifacts[artifacts.len() - 2].clone();
        third.path = ".ruru/projects/web/tasks/TASK-1_third.md".into();
        artifacts.push(third);
        let problems = check_plan(&artifacts, &configs());
        let p = only(&problems);
        assert!(p.path.ends_with("web/tasks/TASK-1.md"), "{p}");
        assert!(
            p.message.ends_with(
                "also used by .ruru/projects/web/tasks/TASK-1_copy.md, .ruru/projects/web/tasks/TASK-1_third.md"
            ),
            "{p}"
        );
        assert!(p.is_error() && p.line == Some(2), "{p}");
    }

    #[test]
    fn ten_thousand_artifacts_report_their_one_dangling_dependency() {
        // How fast this runs is the plan benchmark's business (`list` validates every file).
        let base = item("big", "tasks", "T-0", "Task", "");
        let mut artifacts = Vec::with_capacity(10_000);
        for i in 0..10_000 {
            let mut a = base.clone();
            a.id = format!("T-{i}");
            a.path = format!(".ruru/projects/big/tasks/T-{i}.md");
            if i > 0 {
                a.fields.insert(
                    "depends_on".into(),
                    toml::Value::Array(vec![toml::Value::String(format!("T-{}", i - 1))]),
                );
            }
            if i == 9_999 {
                a.fields.insert(
                    "depends_on".into(),
                    toml::Value::Array(vec![toml::Value::String("T-10000".into())]),
                );
            }
            artifacts.push(a);
        }
        let cfgs: BTreeMap<String, ProjectConfig> = [config("big", "")].into_iter().collect();
        let problems = check_plan(&artifacts, &cfgs);
        let p = only(&problems);
        assert!(p.message.contains("T-10000"));
        assert_eq!(p.path, ".ruru/projects/big/tasks/T-9999.md");
    }
}
