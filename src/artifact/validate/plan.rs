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

/// "project `a`", "projects `a` and `b`": for messages.
fn project_list(projects: &[&str]) -> String {
    let quoted: Vec<String> = projects.iter().map(|p| format!("`{p}`")).collect();
    match quoted.as_slice() {
        [one] => format!("project {one}"),
        [init @ .., last] => format!("projects {} and {last}", init.join(", ")),
        [] => "no project".to_string(),
    }
}

/// Cross-file checks over a whole plan: every project has a configuration, statuses are
/// known (standard or the project's `custom_statuses`), IDs are unique within a project
/// (two projects may use the same ID), `initiative_id`/`epic_id`/`feature_id` name an
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
    // The projects that use each ID.
    let mut projects_of: HashMap<&str, Vec<&str>> = HashMap::with_capacity(artifacts.len());
    for (i, a) in artifacts.iter().enumerate() {
        by_key
            .entry((a.project(), a.id.as_str()))
            .or_default()
            .push(i);
        let projects = projects_of.entry(a.id.as_str()).or_default();
        if !projects.contains(&a.project()) {
            projects.push(a.project());
        }
    }
    let in_project = |project: &str, id: &str| -> Option<&Artifact> {
        by_key
            .get(&(project, id))
            .and_then(|v| v.first())
            .map(|i| &artifacts[*i])
    };
    let elsewhere = |project: &str, id: &str| -> Vec<&str> {
        projects_of
            .get(id)
            .map(|v| v.iter().copied().filter(|p| *p != project).collect())
            .unwrap_or_default()
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

        // Parents: in the artifact's own project (that is where sync looks for them).
        for (key, expected) in [
            ("initiative_id", Kind::Initiative),
            ("epic_id", Kind::Epic),
            ("feature_id", Kind::Feature),
        ] {
            let Some(target) = a.str_field(key).map(str::trim).filter(|s| !s.is_empty()) else {
                continue;
            };
            let line = line_of(a, key);
            match in_project(a.project(), target) {
                None => {
                    let others = elsewhere(a.project(), target);
                    let problem = if others.is_empty() {
                        Problem::error(
                            &a.path,
                            line,
                            format!(
                                "`{key}` names {target}, which does not exist in project `{}`",
                                a.project()
                            ),
                        )
                        .with_hint(format!("check the ID, or create the {}", expected.word()))
                    } else {
                        Problem::error(
                            &a.path,
                            line,
                            format!(
                                "`{key}` names {target}, which is not in project `{}` but in {}; a parent must be in the artifact's own project",
                                a.project(),
                                project_list(&others)
                            ),
                        )
                        .with_hint(format!(
                            "name {} of project `{}`, or move this file to the project of {target}",
                            with_article(expected),
                            a.project()
                        ))
                    };
                    problems.push(problem);
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

        // Dependencies: in the artifact's own project, else in the one other project that
        // has the ID.
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
                    continue;
                }
                if in_project(a.project(), target).is_some() {
                    continue;
                }
                match elsewhere(a.project(), target).as_slice() {
                    [] => problems.push(
                        Problem::error(
                            &a.path,
                            line,
                            format!(
                                "`depends_on` names {target}, which does not exist in project `{}` or any other",
                                a.project()
                            ),
                        )
                        .with_hint("check the ID, or remove it from depends_on"),
                    ),
                    [_] => {}
                    several => problems.push(
                        Problem::error(
                            &a.path,
                            line,
                            format!(
                                "`depends_on` names {target}, which is not in project `{}` and is used by {}: it is ambiguous",
                                a.project(),
                                project_list(several)
                            ),
                        )
                        .with_hint("give those artifacts distinct IDs (a project infix: TASK-WEB-1)"),
                    ),
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
            item("api", "tasks", "API-1", "🛠 Task", ""),
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
        artifacts.push(item("api", "tasks", "TASK-2", "Task", ""));
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
                ("TASK-3.md", Some(9), Severity::Error),
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
    fn parents_are_in_the_same_project_and_dependencies_name_one_artifact() {
        let mut cfgs = configs();
        cfgs.insert("ops".into(), config("ops", "").1);
        let mut artifacts = plan();
        // api has a Task FEAT-1; web has the Feature FEAT-1.
        artifacts.push(item("api", "tasks", "FEAT-1", "Task", ""));
        artifacts.push(item(
            "api",
            "tasks",
            "API-3",
            "Task",
            "feature_id = \"FEAT-1\"\n",
        ));
        // A parent in another project only.
        artifacts.push(item("api", "features", "API-F", "Feature", ""));
        artifacts.push(item(
            "web",
            "tasks",
            "TASK-9",
            "Task",
            "feature_id = \"API-F\"\ndepends_on = [\"API-3\", \"OPS-1\"]\n",
        ));
        // An ID two other projects use is ambiguous as a dependency.
        artifacts.push(item("ops", "tasks", "OPS-1", "Task", ""));
        artifacts.push(item("api", "tasks", "OPS-1", "Task", ""));
        let mut problems = check_plan(&artifacts, &cfgs);
        // API-F has no Epic: a per-file problem, not checked here.
        problems.retain(|p| !p.path.ends_with("API-F.md"));
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
                // API-3 names FEAT-1: api's own Task of that ID, not web's Feature.
                ("API-3.md", Some(9), Severity::Warning),
                ("TASK-9.md", Some(9), Severity::Error),
                ("TASK-9.md", Some(10), Severity::Error),
            ],
            "{problems:#?}"
        );
        assert!(
            problems[0].message.contains("not a Feature"),
            "{problems:#?}"
        );
        assert!(
            problems[1]
                .message
                .contains("not in project `web` but in project `api`"),
            "{problems:#?}"
        );
        assert!(
            problems[2].message.contains("OPS-1")
                && problems[2].message.contains("projects `ops` and `api`"),
            "{problems:#?}"
        );
        // API-3 alone, in another project, is a fine dependency (TASK-2 on API-1 too).
        assert!(!problems.iter().any(|p| p.message.contains("API-3")));
    }

    #[test]
    fn the_same_id_in_two_projects_is_no_problem() {
        let mut artifacts = plan();
        artifacts.push(item("api", "epics", "EPIC-1", "Epic", ""));
        artifacts.push(item(
            "api",
            "features",
            "FEAT-1",
            "Feature",
            "epic_id = \"EPIC-1\"\n",
        ));
        artifacts.push(item(
            "api",
            "tasks",
            "TASK-1",
            "Task",
            "feature_id = \"FEAT-1\"\ndepends_on = [\"API-1\"]\n",
        ));
        let problems = check_plan(&artifacts, &configs());
        assert!(problems.is_empty(), "{problems:#?}");
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
