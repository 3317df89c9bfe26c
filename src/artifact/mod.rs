//! What an artifact file is: a Markdown file opening with a TOML block between `+++` lines.
//!
//! Parsing keeps everything: the raw frontmatter text (comments, commented-out keys, layout)
//! for later rewrites, the parsed table (unknown keys included, in file order) and the body.

pub(crate) mod lines;
pub mod problem;
pub mod validate;
pub mod vocab;
pub mod workflow;

pub use lines::{key_line, line_of_offset};
pub use problem::{Problem, Severity};
pub use vocab::{Kind, Priority, StatusClass};

use std::fmt;

/// The folder an artifact lives in under its project (`epics/`, `tasks/`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    Initiatives,
    Epics,
    Features,
    Tasks,
}

impl Folder {
    pub const ALL: [Folder; 4] = [
        Folder::Initiatives,
        Folder::Epics,
        Folder::Features,
        Folder::Tasks,
    ];

    pub fn from_dir_name(name: &str) -> Option<Folder> {
        Some(match name {
            "initiatives" => Folder::Initiatives,
            "epics" => Folder::Epics,
            "features" => Folder::Features,
            "tasks" => Folder::Tasks,
            _ => return None,
        })
    }

    pub fn dir_name(self) -> &'static str {
        match self {
            Folder::Initiatives => "initiatives",
            Folder::Epics => "epics",
            Folder::Features => "features",
            Folder::Tasks => "tasks",
        }
    }
}

/// Where a file sits in the plan, derived from its path alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The project slug: the directory right under `.ruru/projects`.
    pub project: String,
    pub folder: Folder,
    /// True under `<project>/archive/`.
    pub archived: bool,
}

impl Location {
    /// Classifies a path relative to the plan root (`<slug>/tasks/X.md`,
    /// `<slug>/archive/tasks/X.md`). Returns `None` for files that are not artifacts
    /// (configs, `decisions/`, non-Markdown files, …).
    pub fn of(rel_path: &str) -> Option<Location> {
        if !rel_path.ends_with(".md") {
            return None;
        }
        let parts: Vec<&str> = rel_path.split('/').collect();
        match parts.as_slice() {
            [project, folder, _file] => Some(Location {
                project: (*project).to_string(),
                folder: Folder::from_dir_name(folder)?,
                archived: false,
            }),
            [project, "archive", folder, _file] => Some(Location {
                project: (*project).to_string(),
                folder: Folder::from_dir_name(folder)?,
                archived: true,
            }),
            _ => None,
        }
    }
}

/// One parsed artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// Path relative to the repository root, e.g. `.ruru/projects/web/tasks/TASK-1_x.md`.
    pub path: String,
    pub location: Location,
    /// The `id` key: the artifact's identity within its project.
    pub id: String,
    pub title: String,
    /// The raw `type` value as written (`"🛠️ Task"`).
    pub type_name: String,
    /// The kind `type` names, when it is one of the standard ones.
    pub kind: Option<Kind>,
    /// The raw `status` value as written.
    pub status: String,
    /// The whole frontmatter, unknown keys included, in file order.
    pub fields: toml::Table,
    /// The frontmatter text exactly as written between the `+++` lines.
    pub frontmatter: String,
    /// The Markdown body after the closing `+++` line.
    pub body: String,
    /// 1-based line number of the first frontmatter line (the line after the opening `+++`).
    pub frontmatter_line: usize,
}

impl Artifact {
    pub fn project(&self) -> &str {
        &self.location.project
    }

    /// A string field, if present and a string.
    pub fn str_field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(|v| v.as_str())
    }

    /// A list of strings (`tags`, `depends_on`, …); absent or mistyped gives an empty list.
    pub fn list_field(&self, key: &str) -> Vec<String> {
        match self.fields.get(key) {
            Some(toml::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(toml::Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    pub fn tags(&self) -> Vec<String> {
        self.list_field("tags")
    }

    /// The parent this artifact names: `feature_id` for work items, `epic_id` for features,
    /// `initiative_id` for epics.
    pub fn parent_id(&self) -> Option<&str> {
        ["feature_id", "epic_id", "initiative_id"]
            .iter()
            .find_map(|k| self.str_field(k))
            .filter(|s| !s.trim().is_empty())
    }

    /// The whole file text reassembled from frontmatter and body.
    pub fn to_file_text(&self) -> String {
        format!("+++\n{}+++\n{}", self.frontmatter, self.body)
    }
}

/// Why a file could not be read as an artifact at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure(pub Problem);

impl fmt::Display for ParseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The three parts of an artifact file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub frontmatter: &'a str,
    pub body: &'a str,
    /// 1-based line of the first frontmatter line.
    pub frontmatter_line: usize,
}

/// Splits `+++\n<toml>+++\n<body>`. A UTF-8 BOM and blank lines before the opening `+++`
/// are tolerated; `\r\n` line ends are accepted.
pub fn split_frontmatter(text: &str) -> Result<Split<'_>, (Option<usize>, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut offset = 0;
    let mut line_no = 0;
    let mut open_end = None;
    for line in text.split_inclusive('\n') {
        line_no += 1;
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if open_end.is_none() {
            if trimmed.trim().is_empty() {
                offset += line.len();
                continue;
            }
            if trimmed.trim_end() == "+++" {
                open_end = Some((offset + line.len(), line_no));
                offset += line.len();
                continue;
            }
            return Err((
                Some(line_no),
                "the file does not start with a `+++` line opening a TOML frontmatter block"
                    .to_string(),
            ));
        }
        if trimmed.trim_end() == "+++" {
            let (start, open_line) = open_end.unwrap_or((0, 0));
            return Ok(Split {
                frontmatter: &text[start..offset],
                body: &text[offset + line.len()..],
                frontmatter_line: open_line + 1,
            });
        }
        offset += line.len();
    }
    match open_end {
        None => Err((
            None,
            "the file is empty: no `+++` frontmatter block".to_string(),
        )),
        Some((_, open_line)) => Err((
            Some(open_line),
            "the `+++` frontmatter block opened here is never closed by a second `+++` line"
                .to_string(),
        )),
    }
}

/// Parses one artifact file. `path` is repository-relative; `rel_path` is relative to the
/// plan root. Returns the artifact together with non-fatal problems (missing keys, bad
/// values), or a failure when the file cannot be read as an artifact (no frontmatter,
/// malformed TOML, no `id`).
pub fn parse(
    path: &str,
    location: Location,
    bytes: &[u8],
) -> Result<(Artifact, Vec<Problem>), ParseFailure> {
    let artifact = parse_unchecked(path, location, bytes)?;
    let problems = validate::check_artifact(&artifact);
    Ok((artifact, problems))
}

/// [`parse`] without the checks of the values (statuses, dates, …): for comparing versions,
/// where only files that can't be read at all are problems.
pub fn parse_unchecked(
    path: &str,
    location: Location,
    bytes: &[u8],
) -> Result<Artifact, ParseFailure> {
    let fail = |line: Option<usize>, msg: String, hint: &str| {
        ParseFailure(Problem::error(path, line, msg).with_hint(hint))
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        fail(
            Some(line_of_offset(
                &String::from_utf8_lossy(bytes),
                e.valid_up_to(),
            )),
            format!("the file is not valid UTF-8 ({e})"),
            "save the file as UTF-8",
        )
    })?;
    let split = split_frontmatter(text).map_err(|(line, msg)| {
        fail(
            line,
            msg,
            "an artifact starts with `+++`, then TOML keys (id, title, status, type, …), then `+++`",
        )
    })?;
    let fields: toml::Table = toml::from_str(split.frontmatter).map_err(|e| {
        let line = e
            .span()
            .map(|s| split.frontmatter_line + line_of_offset(split.frontmatter, s.start) - 1);
        let msg = e.message().trim().to_string();
        fail(
            line,
            format!("malformed TOML in the frontmatter: {msg}"),
            "fix the TOML syntax on that line (strings need double quotes; arrays use [ ])",
        )
    })?;
    let id = match fields.get("id") {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(_) => {
            return Err(fail(
                key_line(split.frontmatter, "id").map(|l| split.frontmatter_line + l - 1),
                "`id` must be a non-empty string".to_string(),
                "write the artifact's ID as a string, e.g. id = \"TASK-123\"",
            ));
        }
        None => {
            return Err(fail(
                Some(split.frontmatter_line),
                "missing required key `id`".to_string(),
                "add the artifact's ID to the frontmatter, e.g. id = \"TASK-123\"",
            ));
        }
    };
    let string_of = |k: &str| {
        fields
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let type_name = string_of("type");
    let artifact = Artifact {
        path: path.to_string(),
        location,
        id,
        title: string_of("title"),
        kind: Kind::parse(&type_name),
        type_name,
        status: string_of("status"),
        fields,
        frontmatter: split.frontmatter.to_string(),
        body: split.body.to_string(),
        frontmatter_line: split.frontmatter_line,
    };
    Ok(artifact)
}

/// The ID a file's text declares on an `id = "…"` line of its frontmatter, found without
/// parsing it (for naming the file of an ID whose artifact could not be read).
pub fn declared_id(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut fences = 0;
    for line in text.lines() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line == "+++" {
            fences += 1;
            if fences == 2 {
                break;
            }
            continue;
        }
        let Some(rest) = line.strip_prefix("id") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let id = value[1..].split(quote).next()?.trim();
        if !id.is_empty() && value[1..].contains(quote) {
            return Some(id.to_string());
        }
        return None;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc() -> Location {
        Location::of("p/tasks/TASK-1_x.md").expect("artifact path")
    }

    #[test]
    fn location_classifies_paths() {
        assert_eq!(loc().project, "p");
        assert_eq!(loc().folder, Folder::Tasks);
        let archived = Location::of("p/archive/epics/E.md").expect("archived path");
        assert!(archived.archived);
        assert_eq!(archived.folder, Folder::Epics);
        assert!(Location::of("p/project_config.toml").is_none());
        assert!(Location::of("p/decisions/D.md").is_none());
        assert!(Location::of("p/tasks/notes.txt").is_none());
    }

    #[test]
    fn splits_frontmatter_and_body() {
        let s = split_frontmatter("\u{feff}\n+++\nid = \"A\"\n+++\n# Body\n").expect("split");
        assert_eq!(s.frontmatter, "id = \"A\"\n");
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.frontmatter_line, 3);
        let crlf = split_frontmatter("+++\r\nid = \"A\"\r\n+++\r\nbody").expect("crlf");
        assert_eq!(crlf.body, "body");
        assert!(split_frontmatter("# no frontmatter").is_err());
        let (line, _) = split_frontmatter("+++\nid = 1\n").expect_err("unclosed");
        assert_eq!(line, Some(1));
    }

    #[test]
    fn malformed_toml_reports_the_file_line() {
        let text = "+++\nid = \"T-1\"\ntitle = \"x\nstatus = \"🟡 To Do\"\n+++\n";
        let err = parse("f.md", loc(), text.as_bytes()).expect_err("malformed");
        assert_eq!(err.0.line, Some(3), "{err}");
    }

    #[test]
    fn the_declared_id_is_found_without_parsing() {
        let broken = "+++\ntitle = \"x\ntype = 3\n  id = \"TASK-11\" # c\n+++\nid = \"NOT\"\n";
        assert_eq!(declared_id(broken.as_bytes()).as_deref(), Some("TASK-11"));
        assert_eq!(declared_id(b"+++\nid='T-2'\n").as_deref(), Some("T-2"));
        assert_eq!(declared_id(b"+++\nidea = \"x\"\nid = \"T-3\n+++\n"), None);
        assert_eq!(declared_id(b"+++\n+++\nid = \"BODY\"\n"), None);
        assert_eq!(declared_id(b"# no frontmatter\n"), None);
    }

    #[test]
    fn keeps_unknown_keys_and_raw_text() {
        let text = "+++\n# c\nid = \"TASK-IM-7\"\ntitle = \"T\"\nzzz = 3\n+++\nbody\n";
        let (a, _) = parse("f.md", loc(), text.as_bytes()).expect("parse");
        assert_eq!(a.id, "TASK-IM-7");
        assert_eq!(a.fields.get("zzz").and_then(|v| v.as_integer()), Some(3));
        assert!(a.frontmatter.contains("# c"));
        assert_eq!(a.to_file_text(), text);
    }
}
