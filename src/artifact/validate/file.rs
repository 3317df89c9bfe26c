//! Per-file schema checks: required keys, value types, dates, the type and priority
//! vocabulary, a Feature's Epic, a work item's Feature, the folder a file sits in.

use std::collections::BTreeMap;

use crate::artifact::lines::line_of;
use crate::artifact::problem::{describe, quoted_list};
use crate::artifact::vocab::{Kind, Priority, parse_date};
use crate::artifact::{Artifact, Folder, Problem};

/// Keys every artifact must have.
pub const REQUIRED_KEYS: [&str; 7] = [
    "id",
    "title",
    "status",
    "type",
    "created_date",
    "updated_date",
    "project_name",
];

/// Keys whose value must be a string.
const STRING_KEYS: [&str; 13] = [
    "id",
    "title",
    "status",
    "type",
    "project_name",
    "owner",
    "reporter",
    "priority",
    "epic_id",
    "feature_id",
    "initiative_id",
    "sprint_id",
    "milestone_name",
];

/// Keys whose value must be an array of strings.
const LIST_KEYS: [&str; 6] = [
    "tags",
    "related_docs",
    "depends_on",
    "related_commits",
    "related_prs",
    "related_issues",
];

/// Keys whose value must be a `"YYYY-MM-DD"` string.
pub const DATE_KEYS: [&str; 6] = [
    "created_date",
    "updated_date",
    "start_date",
    "target_date",
    "due_date",
    "milestone_target_date",
];

/// The kind a folder usually holds, for examples in hints.
fn folder_kind(folder: Folder) -> Kind {
    match folder {
        Folder::Initiatives => Kind::Initiative,
        Folder::Epics => Kind::Epic,
        Folder::Features => Kind::Feature,
        Folder::Tasks => Kind::Task,
    }
}

/// Collects problems for one artifact.
struct Checker<'a> {
    a: &'a Artifact,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn error(&mut self, key: &str, message: String, hint: &str) {
        let line = line_of(self.a, key);
        self.problems
            .push(Problem::error(&self.a.path, line, message).with_hint(hint));
    }

    fn warning(&mut self, key: &str, message: String, hint: &str) {
        let line = line_of(self.a, key);
        self.problems
            .push(Problem::warning(&self.a.path, line, message).with_hint(hint));
    }

    fn wrong_type(&mut self, key: &str, expected: &str, found: &toml::Value, hint: &str) {
        self.error(
            key,
            format!("`{key}` must be {expected}, not {}", describe(found)),
            hint,
        );
    }

    fn required(&mut self) {
        for key in REQUIRED_KEYS {
            match self.a.fields.get(key) {
                None => {
                    let example = match key {
                        "id" => "id = \"TASK-123\"".to_string(),
                        "title" => "title = \"Short summary\"".to_string(),
                        "status" => "status = \"🟡 To Do\"".to_string(),
                        "type" => format!(
                            "type = \"{}\"",
                            folder_kind(self.a.location.folder).canonical()
                        ),
                        "project_name" => format!("project_name = \"{}\"", self.a.project()),
                        _ => format!("{key} = \"YYYY-MM-DD\""),
                    };
                    self.problems.push(
                        Problem::error(
                            &self.a.path,
                            Some(self.a.frontmatter_line),
                            format!("missing required key `{key}`"),
                        )
                        .with_hint(format!("add it to the frontmatter, e.g. {example}")),
                    );
                }
                Some(toml::Value::String(s))
                    if s.trim().is_empty() && !DATE_KEYS.contains(&key) =>
                {
                    self.error(
                        key,
                        format!("required key `{key}` is empty"),
                        "give it a value",
                    );
                }
                Some(_) => {}
            }
        }
    }

    fn types(&mut self) {
        for key in STRING_KEYS {
            if let Some(v) = self.a.fields.get(key)
                && !v.is_str()
            {
                self.wrong_type(
                    key,
                    "a string",
                    v,
                    &format!("quote the value: {key} = \"...\""),
                );
            }
        }
        for key in LIST_KEYS {
            match self.a.fields.get(key) {
                None => {}
                Some(toml::Value::Array(items)) => {
                    if let Some(bad) = items.iter().find(|i| !i.is_str()) {
                        self.error(
                            key,
                            format!(
                                "`{key}` must be an array of strings, but holds {}",
                                describe(bad)
                            ),
                            &format!("quote every entry: {key} = [\"a\", \"b\"]"),
                        );
                    }
                }
                Some(toml::Value::String(s)) => self.warning(
                    key,
                    format!("`{key}` should be an array of strings, not a single string"),
                    &format!("write it as {key} = [\"{s}\"]"),
                ),
                Some(other) => self.wrong_type(
                    key,
                    "an array of strings",
                    other,
                    &format!("write it as {key} = [\"a\", \"b\"]"),
                ),
            }
        }
        match self.a.fields.get("estimated_effort") {
            None | Some(toml::Value::String(_)) | Some(toml::Value::Integer(_)) => {}
            Some(other) => self.wrong_type(
                "estimated_effort",
                "a string or an integer",
                other,
                "write it as estimated_effort = \"M\" or estimated_effort = 3",
            ),
        }
        match self.a.fields.get("assigned_to") {
            None | Some(toml::Value::String(_)) => {}
            Some(toml::Value::Array(items)) if items.iter().all(toml::Value::is_str) => {}
            Some(other) => self.wrong_type(
                "assigned_to",
                "a string (or an array of strings)",
                other,
                "write it as assigned_to = \"octocat\"",
            ),
        }
    }

    fn dates(&mut self) {
        let mut parsed = BTreeMap::new();
        for key in DATE_KEYS {
            let required = REQUIRED_KEYS.contains(&key);
            match self.a.fields.get(key) {
                None => {}
                Some(toml::Value::String(s)) => match parse_date(s.trim()) {
                    Some(d) if s.trim() == s => {
                        parsed.insert(key, d);
                    }
                    Some(d) => {
                        parsed.insert(key, d);
                        self.warning(
                            key,
                            format!("`{key}` has spaces around the date \"{s}\""),
                            &format!("write it as {key} = \"{}\"", s.trim()),
                        );
                    }
                    None if s.trim().is_empty() && !required => self.warning(
                        key,
                        format!("`{key}` is empty"),
                        &format!("remove it or write a date: {key} = \"YYYY-MM-DD\""),
                    ),
                    None => self.error(
                        key,
                        format!("`{key}` \"{s}\" is not a valid date (YYYY-MM-DD)"),
                        &format!("write a real date, e.g. {key} = \"2025-04-28\""),
                    ),
                },
                Some(toml::Value::Datetime(dt)) if dt.time.is_none() && dt.offset.is_none() => {
                    let text = dt.to_string();
                    if let Some(d) = parse_date(&text) {
                        parsed.insert(key, d);
                    }
                    self.warning(
                        key,
                        format!("`{key}` is a TOML date literal; dates are written as strings"),
                        &format!("quote it: {key} = \"{text}\""),
                    );
                }
                Some(other) => self.wrong_type(
                    key,
                    "a \"YYYY-MM-DD\" string",
                    other,
                    &format!("write it as {key} = \"2025-04-28\""),
                ),
            }
        }
        if let (Some(created), Some(updated)) =
            (parsed.get("created_date"), parsed.get("updated_date"))
            && updated < created
        {
            self.warning(
                "updated_date",
                format!("`updated_date` {updated} is before `created_date` {created}"),
                "set updated_date to the day of the last change",
            );
        }
    }

    fn vocabulary(&mut self) {
        if let Some(t) = self.a.str_field("type")
            && !t.trim().is_empty()
            && Kind::parse(t).is_none()
        {
            self.error(
                "type",
                format!(
                    "unknown type \"{t}\"; accepted: {}",
                    quoted_list(Kind::ALL.map(Kind::canonical))
                ),
                "use one of the accepted types (the emoji is optional)",
            );
        }
        if let Some(p) = self.a.str_field("priority")
            && Priority::parse(p).is_none()
        {
            self.error(
                "priority",
                format!(
                    "unknown priority \"{p}\"; accepted: {}",
                    quoted_list(Priority::ALL.map(Priority::canonical))
                ),
                "use one of the accepted priorities (the emoji is optional)",
            );
        }
    }

    fn structure(&mut self) {
        let Some(kind) = Kind::parse(&self.a.type_name) else {
            return;
        };
        let has = |key: &str| self.a.str_field(key).is_some_and(|s| !s.trim().is_empty());
        if kind == Kind::Feature && !has("epic_id") {
            match self.a.fields.get("epic_id") {
                None => self.problems.push(
                    Problem::error(
                        &self.a.path,
                        line_of(self.a, "type"),
                        "a Feature must name its Epic: `epic_id` is missing",
                    )
                    .with_hint("add epic_id = \"EPIC-…\" to the frontmatter"),
                ),
                Some(toml::Value::String(_)) => self.error(
                    "epic_id",
                    "a Feature must name its Epic: `epic_id` is empty".to_string(),
                    "write the Epic's ID, e.g. epic_id = \"EPIC-001\"",
                ),
                Some(_) => {} // reported as a wrong type
            }
        }
        if kind.is_work_item()
            && !has("feature_id")
            && matches!(
                self.a.fields.get("feature_id"),
                None | Some(toml::Value::String(_))
            )
        {
            let line = line_of(self.a, "feature_id").or_else(|| line_of(self.a, "type"));
            self.problems.push(
                Problem::warning(
                    &self.a.path,
                    line,
                    format!("this {} names no Feature (`feature_id`)", kind.word()),
                )
                .with_hint("add feature_id = \"FEAT-…\" to place it in the plan"),
            );
        }
        if kind.folder() != self.a.location.folder {
            self.warning(
                "type",
                format!(
                    "a {} is filed under {}/ but belongs in {}/",
                    kind.word(),
                    self.a.location.folder.dir_name(),
                    kind.folder().dir_name()
                ),
                "move the file, or correct its `type`",
            );
        }
    }
}

/// Per-file checks: required keys, value types, dates, types and priorities, a Feature's
/// Epic, a work item's Feature, the folder. Statuses are checked by [`check_plan`](super::check_plan)
/// (custom statuses come from the project's configuration).
pub fn check_artifact(a: &Artifact) -> Vec<Problem> {
    let mut c = Checker {
        a,
        problems: Vec::new(),
    };
    c.required();
    c.types();
    c.dates();
    c.vocabulary();
    c.structure();
    let mut problems = c.problems;
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{Location, Severity, parse};

    const FULL: &str = "\
id = \"TASK-1\"
title = \"Do it\"
status = \"🟡 To Do\"
type = \"🛠️ Task\"
created_date = \"2025-04-28\"
updated_date = \"2025-04-29\"
project_name = \"web\"
feature_id = \"FEAT-1\"
";

    /// Parses `<rel>` (relative to the plan root) with the given frontmatter.
    fn art(rel: &str, frontmatter: &str) -> (Artifact, Vec<Problem>) {
        let location = Location::of(rel).expect("artifact path");
        let text = format!("+++\n{frontmatter}+++\n# Body\n");
        parse(&format!(".ruru/projects/{rel}"), location, text.as_bytes()).expect("parses")
    }

    fn problems_of(rel: &str, frontmatter: &str) -> Vec<Problem> {
        art(rel, frontmatter).1
    }

    /// FULL with `key`'s line replaced (or removed when `line` is empty).
    fn with(key: &str, line: &str) -> String {
        let mut out = String::new();
        let mut replaced = false;
        for l in FULL.lines() {
            if l.starts_with(&format!("{key} ")) {
                replaced = true;
                if !line.is_empty() {
                    out.push_str(line);
                    out.push('\n');
                }
            } else {
                out.push_str(l);
                out.push('\n');
            }
        }
        if !replaced {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    fn only(problems: &[Problem]) -> &Problem {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        &problems[0]
    }

    #[test]
    fn a_complete_task_has_no_problems() {
        assert!(problems_of("web/tasks/TASK-1.md", FULL).is_empty());
    }

    /// The frontmatter of a real IntelliManage task, comments and all.
    const SEED: &str = r#"# --- Task/Story/Bug Metadata ---
id = "TASK-IM-707"
title = "Implement optional automatic milestone creation on GitHub"
status = "⚪️ Planned"
type = "🛠️ Task"
created_date = "2025-04-28" # Use current date
updated_date = "2025-04-28" # Use current date
project_name = "intellimanage_implementation"
feature_id = "FEAT-IM-007"
# epic_id = "EPIC-IM-001" # Implied via Feature
# assigned_to = "..." # Dev implementing integration logic
priority = "🔽 Low" # Convenience, less critical than auto label creation
# estimated_effort = "S" # Small - Similar logic to auto-label creation
# due_date = "YYYY-MM-DD"
tags = ["integration", "github", "sync", "milestone", "automation", "setup", "configuration"]
related_docs = ["DOC-GITHUB-SPEC-001", "TASK-IM-701", "TASK-IM-702", "TASK-IM-706"]
depends_on = ["TASK-IM-701", "TASK-IM-702", "TASK-IM-706"] # Depends on IL base
# related_commits = []
"#;

    #[test]
    fn a_real_artifact_has_no_problems() {
        let problems = problems_of("intellimanage_implementation/tasks/TASK-IM-707.md", SEED);
        assert!(problems.is_empty(), "{problems:#?}");
        // Without the VS16 after the emoji, too.
        let plain = SEED.replace('\u{fe0f}', "");
        assert_ne!(plain, SEED);
        let problems = problems_of("intellimanage_implementation/tasks/TASK-IM-707.md", &plain);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn missing_required_keys_are_named() {
        for key in REQUIRED_KEYS.iter().filter(|k| **k != "id") {
            let problems = problems_of("web/tasks/TASK-1.md", &with(key, ""));
            let p = only(&problems);
            assert!(p.is_error());
            assert!(p.message.contains(&format!("`{key}`")), "{p}");
            assert_eq!(p.line, Some(2), "the first frontmatter line");
            assert!(p.hint.as_deref().is_some_and(|h| h.contains(key)), "{p}");
        }
    }

    #[test]
    fn empty_required_values_are_errors() {
        let p = problems_of("web/tasks/TASK-1.md", &with("title", "title = \"  \""));
        let p = only(&p);
        assert!(p.is_error());
        assert_eq!(p.line, Some(3), "the title line");
    }

    #[test]
    fn wrong_types_carry_the_key_line() {
        let fm = with("title", "title = 5")
            + "tags = [\"a\", 3]\nrelated_docs = \"DOC-1\"\nestimated_effort = 2.5\ndepends_on = 7\n";
        let problems = problems_of("web/tasks/TASK-1.md", &fm);
        let got: Vec<(Option<usize>, Severity, bool)> = problems
            .iter()
            .map(|p| {
                (
                    p.line,
                    p.severity,
                    p.message.contains("must be") || p.message.contains("should be"),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Some(3), Severity::Error, true),
                (Some(10), Severity::Error, true),
                (Some(11), Severity::Warning, true),
                (Some(12), Severity::Error, true),
                (Some(13), Severity::Error, true),
            ],
            "{problems:#?}"
        );
        assert!(problems[0].message.contains("`title`"));
        assert!(problems[1].message.contains("`tags`"));
        assert!(problems[3].message.contains("`estimated_effort`"));
    }

    #[test]
    fn estimated_effort_may_be_a_string_or_an_integer() {
        assert!(
            problems_of(
                "web/tasks/T.md",
                &(FULL.to_string() + "estimated_effort = \"M\"\n")
            )
            .is_empty()
        );
        assert!(
            problems_of(
                "web/tasks/T.md",
                &(FULL.to_string() + "estimated_effort = 3\n")
            )
            .is_empty()
        );
    }

    #[test]
    fn dates() {
        // A TOML date literal is accepted with a warning.
        let p = problems_of(
            "web/tasks/T.md",
            &with("created_date", "created_date = 2025-04-28"),
        );
        let p = only(&p);
        assert_eq!(p.severity, Severity::Warning);
        assert_eq!(p.line, Some(6));
        assert!(
            p.hint
                .as_deref()
                .is_some_and(|h| h.contains("\"2025-04-28\""))
        );
        // Impossible dates and other shapes are errors.
        for bad in [
            "\"2025-02-30\"",
            "\"28/04/2025\"",
            "\"YYYY-MM-DD\"",
            "2025-04-28T10:00:00Z",
            "20250428",
        ] {
            let p = problems_of(
                "web/tasks/T.md",
                &(FULL.to_string() + &format!("due_date = {bad}\n")),
            );
            let p = only(&p);
            assert!(p.is_error(), "{bad}: {p}");
            assert_eq!(p.line, Some(10), "{bad}");
            assert!(p.message.contains("due_date"));
        }
        // Empty optional date: a warning; empty required date: an error.
        let p = problems_of(
            "web/tasks/T.md",
            &(FULL.to_string() + "target_date = \"\"\n"),
        );
        assert_eq!(only(&p).severity, Severity::Warning);
        let p = problems_of(
            "web/tasks/T.md",
            &with("updated_date", "updated_date = \"\""),
        );
        assert!(only(&p).is_error());
        for key in ["start_date", "target_date", "milestone_target_date"] {
            let p = problems_of(
                "web/tasks/T.md",
                &(FULL.to_string() + &format!("{key} = \"2025-13-01\"\n")),
            );
            assert!(only(&p).message.contains(key));
        }
        // Updated before created.
        let p = problems_of(
            "web/tasks/T.md",
            &with("updated_date", "updated_date = \"2025-01-01\""),
        );
        let p = only(&p);
        assert_eq!(p.severity, Severity::Warning);
        assert!(p.message.contains("before"));
    }

    #[test]
    fn unknown_type_and_priority_list_the_accepted_values() {
        let p = problems_of("web/tasks/T.md", &with("type", "type = \"🦄 Unicorn\""));
        let p = only(&p);
        assert!(p.is_error());
        assert_eq!(p.line, Some(5));
        for k in Kind::ALL {
            assert!(p.message.contains(k.canonical()), "{p}");
        }
        let p = problems_of(
            "web/tasks/T.md",
            &(FULL.to_string() + "priority = \"Urgent\"\n"),
        );
        let p = only(&p);
        assert!(p.is_error());
        assert_eq!(p.line, Some(10));
        assert!(p.message.contains("Urgent") && p.message.contains("🔽 Low"));
        // Any spelling of a known priority is fine, and statuses are not checked here.
        let fm = with("status", "status = \"Whatever\"") + "priority = \"▶ medium\"\n";
        assert!(problems_of("web/tasks/T.md", &fm).is_empty());
    }

    #[test]
    fn features_need_an_epic_and_work_items_a_feature() {
        let feature =
            with("type", "type = \"🌟 Feature\"").replace("feature_id = \"FEAT-1\"\n", "");
        let p = problems_of("web/features/F.md", &feature);
        let p = only(&p);
        assert!(p.is_error());
        assert!(p.message.contains("epic_id"));
        assert!(
            problems_of(
                "web/features/F.md",
                &(feature.clone() + "epic_id = \"E-1\"\n")
            )
            .is_empty()
        );
        let p = problems_of("web/features/F.md", &(feature + "epic_id = \"\"\n"));
        assert_eq!(only(&p).line, Some(9));

        let p = problems_of("web/tasks/T.md", &with("feature_id", ""));
        let p = only(&p);
        assert_eq!(p.severity, Severity::Warning);
        assert!(p.message.contains("feature_id"));
        assert_eq!(p.line, Some(5), "points at `type`");
        // Epics need neither.
        let epic = with("type", "type = \"🗺️ Epic\"").replace("feature_id = \"FEAT-1\"\n", "");
        assert!(problems_of("web/epics/E.md", &epic).is_empty());
    }

    #[test]
    fn a_type_in_the_wrong_folder_is_a_warning() {
        let p = problems_of("web/epics/B.md", &with("type", "type = \"🐞 Bug\""));
        let p = only(&p);
        assert_eq!(p.severity, Severity::Warning);
        assert!(
            p.message.contains("epics/") && p.message.contains("tasks/"),
            "{p}"
        );
        assert!(problems_of("web/archive/tasks/T.md", FULL).is_empty());
    }
}
