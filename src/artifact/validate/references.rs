//! References between artifacts: `initiative_id`, `epic_id` and `feature_id` name a parent
//! of the same project; `depends_on` names one artifact, of the same project or of the one
//! other project that has the ID.
//!
//! One root cause, one error: a reference to an ID whose file is there but can't be read
//! (see [`Unreadable`]) is not reported, that file's own problem says what is wrong; an ID
//! two files of a project use is reported once, as a duplicate, and a reference to it
//! is not.

use std::collections::{HashMap, HashSet};

use super::plan::Unreadable;
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
    /// (project, lowercased ID) of the artifact files that could not be read.
    unreadable: HashSet<(&'a str, String)>,
    /// The projects of [`Ids::unreadable`] by lowercased ID.
    unreadable_projects_of: HashMap<String, Vec<&'a str>>,
}

impl<'a> Ids<'a> {
    pub(super) fn new(artifacts: &'a [Artifact], unreadable: &'a Unreadable) -> Ids<'a> {
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
        let mut unreadable_ids = HashSet::new();
        let mut unreadable_projects_of: HashMap<String, Vec<&str>> = HashMap::new();
        for (project, id) in &unreadable.artifacts {
            let id = id.trim().to_lowercase();
            let projects = unreadable_projects_of.entry(id.clone()).or_default();
            if !projects.contains(&project.as_str()) {
                projects.push(project.as_str());
            }
            unreadable_ids.insert((project.as_str(), id));
        }
        Ids {
            artifacts,
            by_key,
            projects_of,
            unreadable: unreadable_ids,
            unreadable_projects_of,
        }
    }

    /// The indexes of the artifacts of `project` whose ID is `id`.
    pub(super) fn same(&self, project: &'a str, id: &'a str) -> &[usize] {
        self.by_key
            .get(&(project, id))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The artifacts of `project` whose ID is `id` (several when the ID is duplicated).
    fn in_project(&self, project: &'a str, id: &'a str) -> impl Iterator<Item = &'a Artifact> {
        let artifacts = self.artifacts;
        self.same(project, id).iter().map(move |i| &artifacts[*i])
    }

    /// The other projects that have an artifact `id`.
    fn elsewhere(&self, project: &'a str, id: &'a str) -> Vec<&'a str> {
        self.projects_of
            .get(id)
            .map(|v| v.iter().copied().filter(|p| *p != project).collect())
            .unwrap_or_default()
    }

    /// Whether `project` has a file that could not be read and seems to hold `id` (by its
    /// name or its `id` line; case is ignored, as file names are only a hint).
    fn unreadable_in(&self, project: &'a str, id: &str) -> bool {
        self.unreadable.contains(&(project, id.to_lowercase()))
    }

    /// Whether a project other than `project` has a file that could not be read and seems
    /// to hold `id`.
    fn unreadable_elsewhere(&self, project: &str, id: &str) -> bool {
        self.unreadable_projects_of
            .get(&id.to_lowercase())
            .is_some_and(|v| v.iter().any(|p| *p != project))
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
        let found: Vec<&Artifact> = ids.in_project(a.project(), target).collect();
        match found.first() {
            // Its file is there but can't be read: that file's own problem says it.
            None if ids.unreadable_in(a.project(), target) => {}
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
                // A duplicated ID (reported once, as such) is fine as a parent when one of
                // its artifacts is of the expected kind, or may be when one can't be read.
                let fits = |other: &&Artifact| other.kind.is_none_or(|k| k == expected);
                if let Some(k) = t.kind
                    && k != expected
                    && !found.iter().any(fits)
                    && !ids.unreadable_in(a.project(), target)
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
            // In its own project, or there in a file that can't be read (whose own
            // problem says it).
            if ids.in_project(a.project(), target).next().is_some()
                || ids.unreadable_in(a.project(), target)
            {
                continue;
            }
            match ids.elsewhere(a.project(), target).as_slice() {
                // In another project, in a file that can't be read.
                [] if ids.unreadable_elsewhere(a.project(), target) => {}
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
    use crate::artifact::validate::testing::*;
    use crate::artifact::validate::{Unreadable, check_plan, check_plan_with_unreadable};

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

    /// Artifact files that could not be read, as (project, ID).
    fn unreadable(ids: &[(&str, &str)]) -> Unreadable {
        Unreadable {
            configs: Default::default(),
            artifacts: ids
                .iter()
                .map(|(p, id)| (p.to_string(), id.to_string()))
                .collect(),
        }
    }

    #[test]
    fn references_to_an_unreadable_file_are_not_reported_as_missing() {
        let mut artifacts = plan();
        // web: FEAT-9 and TASK-9 can't be read; api: API-9 can't be read.
        artifacts.push(item(
            "web",
            "tasks",
            "TASK-3",
            "Task",
            "feature_id = \"FEAT-9\"\ndepends_on = [\"TASK-9\", \"task-9\", \"API-9\"]\n",
        ));
        artifacts.push(item(
            "web",
            "features",
            "FEAT-3",
            "Feature",
            "epic_id = \"EPIC-9\"\n",
        ));
        artifacts.push(item(
            "web",
            "epics",
            "EPIC-3",
            "Epic",
            "initiative_id = \"INIT-9\"\n",
        ));
        let broken = unreadable(&[
            ("web", "FEAT-9"),
            ("web", "TASK-9"),
            ("web", "EPIC-9"),
            ("web", "init-9"),
            ("api", "API-9"),
        ]);
        let problems = check_plan_with_unreadable(&artifacts, &configs(), &broken);
        assert!(problems.is_empty(), "{problems:#?}");
        // Without knowing those files are there, each reference is a missing artifact.
        let problems = check_plan(&artifacts, &configs());
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert!(
            problems
                .iter()
                .all(|p| p.message.contains("does not exist"))
        );
    }

    #[test]
    fn an_unreadable_file_excuses_only_what_it_could_be() {
        let mut artifacts = plan();
        artifacts.push(item(
            "web",
            "tasks",
            "TASK-3",
            "Task",
            "feature_id = \"FEAT-9\"\ndepends_on = [\"TASK-404\", \"TASK-3\"]\n",
        ));
        // FEAT-9's unreadable file is in api: a parent must be in web.
        let broken = unreadable(&[("api", "FEAT-9"), ("web", "TASK-9")]);
        let problems = check_plan_with_unreadable(&artifacts, &configs(), &broken);
        let got = file_line_severity(&problems);
        assert_eq!(
            got,
            [
                ("TASK-3.md", Some(9), Severity::Error),
                ("TASK-3.md", Some(10), Severity::Error),
                ("TASK-3.md", Some(10), Severity::Error),
            ],
            "{problems:#?}"
        );
        assert!(
            problems[0]
                .message
                .contains("FEAT-9, which does not exist in project `web`"),
            "{problems:#?}"
        );
        assert!(problems.iter().any(|p| p.message.contains("TASK-404")));
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("depends on itself"))
        );
    }

    #[test]
    fn a_duplicated_parent_id_is_not_also_a_parent_of_the_wrong_kind() {
        // web's FEAT-1 is a Feature, and (first, by order) a Task too: a duplicate, reported
        // once as such; FEAT-1's children are not told it is a Task.
        let mut artifacts = vec![item("web", "tasks", "FEAT-1", "Task", "")];
        artifacts.extend(plan());
        let problems = check_plan(&artifacts, &configs());
        let got = file_line_severity(&problems);
        assert_eq!(
            got,
            [("FEAT-1.md", Some(2), Severity::Error)],
            "{problems:#?}"
        );
        assert!(problems[0].message.contains("duplicate ID FEAT-1"));
        // When no artifact of that ID is a Feature, it still is the wrong kind.
        let mut artifacts = plan();
        artifacts.retain(|a| a.id != "FEAT-1");
        artifacts.push(item("web", "tasks", "FEAT-1", "Task", ""));
        artifacts.push(item("web", "epics", "FEAT-1", "Epic", ""));
        let problems = check_plan(&artifacts, &configs());
        let wrong_kind = problems
            .iter()
            .filter(|p| p.message.contains("not a Feature"))
            .count();
        assert_eq!(wrong_kind, 2, "{problems:#?}");
    }
}
