//! References between artifacts: `initiative_id`, `epic_id` and `feature_id` name a parent
//! of the same project; `depends_on` names one artifact, of the same project or of the one
//! other project that has the ID.

use std::collections::HashMap;

use crate::artifact::lines::{entry_line, line_of};
use crate::artifact::problem::with_article;
use crate::artifact::vocab::Kind;
use crate::artifact::{Artifact, Problem};

/// The artifacts of a plan by project and ID, built once per check.
pub(super) struct Ids<'a> {
    artifacts: &'a [Artifact],
    by_key: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// The projects that use each ID.
    projects_of: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Ids<'a> {
    pub(super) fn new(artifacts: &'a [Artifact]) -> Ids<'a> {
        let mut by_key: HashMap<(&str, &str), Vec<usize>> = HashMap::with_capacity(artifacts.len());
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
        Ids {
            artifacts,
            by_key,
            projects_of,
        }
    }

    /// The indexes of the artifacts of `project` whose ID is `id`.
    pub(super) fn same(&self, project: &'a str, id: &'a str) -> &[usize] {
        self.by_key
            .get(&(project, id))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn in_project(&self, project: &'a str, id: &'a str) -> Option<&'a Artifact> {
        self.same(project, id).first().map(|i| &self.artifacts[*i])
    }

    /// The other projects that have an artifact `id`.
    fn elsewhere(&self, project: &'a str, id: &'a str) -> Vec<&'a str> {
        self.projects_of
            .get(id)
            .map(|v| v.iter().copied().filter(|p| *p != project).collect())
            .unwrap_or_default()
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

/// The problems of `a`'s references to other artifacts.
pub(super) fn check_references<'a>(a: &'a Artifact, ids: &Ids<'a>, problems: &mut Vec<Problem>) {
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
        match ids.in_project(a.project(), target) {
            None => {
                let others = ids.elsewhere(a.project(), target);
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
            if ids.in_project(a.project(), target).is_some() {
                continue;
            }
            match ids.elsewhere(a.project(), target).as_slice() {
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

#[cfg(test)]
mod tests {
    use crate::artifact::Severity;
    use crate::artifact::validate::check_plan;
    use crate::artifact::validate::testing::*;

    use crate::artifact::Problem;

    /// Each problem as (file name, line, severity), for comparing a run at a glance.
    fn file_line_severity(problems: &[Problem]) -> Vec<(&str, Option<usize>, Severity)> {
        problems
            .iter()
            .map(|p| {
                (
                    p.path.rsplit('/').next().unwrap_or_default(),
                    p.line,
                    p.severity,
                )
            })
            .collect()
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
        let got = file_line_severity(&problems);
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
        let got = file_line_severity(&problems);
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
}
