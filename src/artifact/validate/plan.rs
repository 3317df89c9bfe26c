//! Whole-plan checks: projects without a configuration, statuses against each project's
//! `custom_statuses`, duplicate IDs, references to other artifacts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::artifact::lines::{entry_line, line_of};
use crate::artifact::problem::{quoted_list, with_article};
use crate::artifact::vocab::{Kind, STANDARD_STATUSES, classify_status};
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
/// known (standard or the project's `custom_statuses`), IDs are unique within a project,
/// `epic_id`/`feature_id`/`initiative_id`/`depends_on` name artifacts that exist (in the
/// same project first, else in any) and of the right kind, nothing depends on itself.
/// `configs` is keyed by project slug. Linear in the number of artifacts.
pub fn check_plan(
    artifacts: &[Artifact],
    configs: &BTreeMap<String, ProjectConfig>,
) -> Vec<Problem> {
    check_plan_with(artifacts, configs, &BTreeSet::new())
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

    let mut by_key: HashMap<(&str, &str), Vec<usize>> = HashMap::with_capacity(artifacts.len());
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(artifacts.len());
    for (i, a) in artifacts.iter().enumerate() {
        by_key
            .entry((a.project(), a.id.as_str()))
            .or_default()
            .push(i);
        by_id.entry(a.id.as_str()).or_insert(i);
    }
    let find = |project: &str, id: &str| -> Option<&Artifact> {
        by_key
            .get(&(project, id))
            .and_then(|v| v.first())
            .or_else(|| by_id.get(id))
            .map(|i| &artifacts[*i])
    };

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

        // Duplicate IDs.
        if let Some(same) = by_key.get(&(a.project(), a.id.as_str()))
            && same.len() > 1
        {
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

        // Parents.
        for (key, expected, warn) in [
            ("initiative_id", Kind::Initiative, false),
            ("epic_id", Kind::Epic, false),
            ("feature_id", Kind::Feature, true),
        ] {
            let Some(target) = a.str_field(key).map(str::trim).filter(|s| !s.is_empty()) else {
                continue;
            };
            let line = line_of(a, key);
            match find(a.project(), target) {
                None => {
                    let message = format!(
                        "`{key}` names {target}, which does not exist in project `{}` or any other",
                        a.project()
                    );
                    let p = if warn {
                        Problem::warning(&a.path, line, message)
                    } else {
                        Problem::error(&a.path, line, message)
                    };
                    problems.push(
                        p.with_hint(format!("check the ID, or create the {}", expected.word())),
                    );
                }
                Some(t) => {
                    if let Some(k) = t.kind
                        && k != expected
                    {
                        problems.push(
                            Problem::warning(
                                &a.path,
                                line,
                                format!(
                                    "`{key}` names {target}, which is {} ({}), not {}",
                                    with_article(k),
                                    t.path,
                                    with_article(expected)
                                ),
                            )
                            .with_hint(format!("point `{key}` at the {}", expected.word())),
                        );
                    }
                }
            }
        }

        // Dependencies.
        if let Some(toml::Value::Array(items)) = a.fields.get("depends_on") {
            for target in items
                .iter()
                .filter_map(toml::Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let line = entry_line(a, "depends_on", target);
                if target == a.id {
                    problems.push(
                        Problem::error(&a.path, line, format!("{} depends on itself", a.id))
                            .with_hint("remove its own ID from depends_on"),
                    );
                } else if find(a.project(), target).is_none() {
                    problems.push(
                        Problem::error(
                            &a.path,
                            line,
                            format!(
                                "`depends_on` names {target}, which does not exist in project `{}` or any other",
                                a.project()
                            ),
                        )
                        .with_hint("check the ID, or remove it from depends_on"),
                    );
                }
            }
        }
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
    use super::*;
    use crate::artifact::{Location, Severity, parse};
    use crate::config::parse_project_config;

    /// Parses `<rel>` (relative to the plan root) with the given frontmatter.
    fn art(rel: &str, frontmatter: &str) -> (Artifact, Vec<Problem>) {
        let location = Location::of(rel).expect("artifact path");
        let text = format!("+++\n{frontmatter}+++\n# Body\n");
        parse(&format!(".ruru/projects/{rel}"), location, text.as_bytes()).expect("parses")
    }

    fn only(problems: &[Problem]) -> &Problem {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        &problems[0]
    }

    fn config(slug: &str, text: &str) -> (String, ProjectConfig) {
        let path = format!(".ruru/projects/{slug}/project_config.toml");
        let (cfg, problems) = parse_project_config(&path, text);
        assert!(problems.is_empty(), "{problems:#?}");
        (slug.to_string(), cfg.expect("config"))
    }

    fn item(project: &str, folder: &str, id: &str, kind: &str, extra: &str) -> Artifact {
        let fm = format!(
            "id = \"{id}\"\ntitle = \"t\"\nstatus = \"🟡 To Do\"\ntype = \"{kind}\"\ncreated_date = \"2025-04-28\"\nupdated_date = \"2025-04-28\"\nproject_name = \"{project}\"\n{extra}"
        );
        art(&format!("{project}/{folder}/{id}.md"), &fm).0
    }

    fn plan() -> Vec<Artifact> {
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
            item(
                "api",
                "tasks",
                "API-1",
                "🛠 Task",
                "feature_id = \"FEAT-1\"\n",
            ),
        ]
    }

    fn configs() -> BTreeMap<String, ProjectConfig> {
        [
            config("web", "project_name = \"web\"\n"),
            config("api", "custom_statuses = [\"⏳ Waiting\"]\n"),
        ]
        .into_iter()
        .collect()
    }

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
        artifacts.push(item(
            "api",
            "tasks",
            "API-2",
            "Task",
            "feature_id = \"FEAT-1\"\n",
        ));
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
        artifacts.push(item(
            "api",
            "tasks",
            "API-2",
            "Task",
            "feature_id = \"FEAT-1\"\n",
        ));
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
    fn duplicate_ids_within_a_project_name_each_other() {
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
        artifacts.push(item(
            "api",
            "tasks",
            "TASK-2",
            "Task",
            "feature_id = \"FEAT-1\"\n",
        ));
        let problems = check_plan(&artifacts, &configs());
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].path.ends_with("TASK-1.md"));
        assert!(problems[0].message.contains("TASK-1_copy.md"));
        assert!(problems[1].path.ends_with("TASK-1_copy.md"));
        assert!(problems[1].message.contains("web/tasks/TASK-1.md"));
        assert!(problems.iter().all(|p| p.is_error() && p.line == Some(2)));
    }

    #[test]
    fn dangling_references() {
        let mut artifacts = plan();
        artifacts.push(item(
            "web",
            "features",
            "FEAT-2",
            "Feature",
            "epic_id = \"EPIC-404\"\n",
        ));
        artifacts.push(item(
            "web",
            "tasks",
            "TASK-3",
            "Task",
            "feature_id = \"FEAT-404\"\n",
        ));
        artifacts.push(item(
            "web",
            "epics",
            "EPIC-2",
            "Epic",
            "initiative_id = \"INIT-404\"\n",
        ));
        artifacts.push(item(
            "web",
            "tasks",
            "TASK-4",
            "Task",
            "feature_id = \"FEAT-1\"\ndepends_on = [\n  \"TASK-1\",\n  \"TASK-404\",\n  \"TASK-4\",\n]\n",
        ));
        let problems = check_plan(&artifacts, &configs());
        let got: Vec<(&str, Option<usize>, Severity)> = problems
            .iter()
            .map(|p| {
                (
                    p.path.rsplit('/').next().unwrap_or_default(),
                    p.line,
                    p.severity,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("FEAT-2.md", Some(9), Severity::Error),
                ("TASK-3.md", Some(9), Severity::Warning),
                ("EPIC-2.md", Some(9), Severity::Error),
                ("TASK-4.md", Some(12), Severity::Error),
                ("TASK-4.md", Some(13), Severity::Error),
            ],
            "{problems:#?}"
        );
        assert!(problems[0].message.contains("EPIC-404"));
        assert!(problems[1].message.contains("FEAT-404"));
        assert!(problems[2].message.contains("INIT-404"));
        assert!(problems[3].message.contains("TASK-404"));
        assert!(problems[4].message.contains("depends on itself"));
    }

    #[test]
    fn parents_of_the_wrong_kind_are_warnings() {
        let mut artifacts = plan();
        artifacts.push(item(
            "web",
            "tasks",
            "TASK-3",
            "Task",
            "feature_id = \"EPIC-1\"\n",
        ));
        let problems = check_plan(&artifacts, &configs());
        let p = only(&problems);
        assert_eq!(p.severity, Severity::Warning);
        assert!(p.message.contains("is an Epic"), "{p}");
        assert!(p.message.contains("not a Feature"), "{p}");
    }

    #[test]
    fn references_prefer_the_same_project() {
        // FEAT-1 exists in both projects; in api it is a Task, in web a Feature.
        let mut artifacts = plan();
        artifacts.push(item(
            "api",
            "tasks",
            "FEAT-1",
            "Task",
            "feature_id = \"FEAT-1\"\n",
        ));
        artifacts.push(item(
            "web",
            "tasks",
            "TASK-9",
            "Task",
            "feature_id = \"FEAT-1\"\n",
        ));
        let problems = check_plan(&artifacts, &configs());
        // API-1 (api) names FEAT-1: the api Task of that ID is found first.
        assert!(
            problems.iter().all(|p| !p.path.contains("/web/")),
            "{problems:#?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.path.ends_with("API-1.md") && p.message.contains("not a Feature"))
        );
    }

    #[test]
    fn ten_thousand_artifacts_are_checked_quickly() {
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
        let start = std::time::Instant::now();
        let problems = check_plan(&artifacts, &cfgs);
        let elapsed = start.elapsed();
        let p = only(&problems);
        assert!(p.message.contains("T-10000"));
        assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");
    }
}
