//! A problem found in a plan file: where it is, how bad, and what to do about it.

use std::fmt;

use super::vocab::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem, addressed by repository-relative path and (where known) 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub path: String,
    pub line: Option<usize>,
    pub severity: Severity,
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

impl Problem {
    pub fn error(path: &str, line: Option<usize>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_string(),
            line,
            severity: Severity::Error,
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(path: &str, line: Option<usize>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(path, line, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    /// `path:line: error: message` (the form editors and `grep -n` use), then `  hint: …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.line {
            Some(line) => write!(f, "{}:{}: {}: {}", self.path, line, sev, self.message)?,
            None => write!(f, "{}: {}: {}", self.path, sev, self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// "an Epic", "a Task".
pub(crate) fn with_article(kind: Kind) -> String {
    let article = if kind.word().starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {}", kind.word())
}

/// "an integer (3)": what was found, for messages.
pub(crate) fn describe(value: &toml::Value) -> String {
    let article = match value {
        toml::Value::Integer(_) | toml::Value::Array(_) => "an",
        _ => "a",
    };
    let shown = value.to_string();
    if shown.chars().count() > 40 || matches!(value, toml::Value::Table(_)) {
        format!("{article} {}", value.type_str())
    } else {
        format!("{article} {} ({shown})", value.type_str())
    }
}

/// `"a", "b"`: accepted values, for messages.
pub(crate) fn quoted_list<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    items
        .into_iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_print_as_path_line_severity_message_then_hint() {
        let p = Problem::error("a/b.md", Some(3), "bad").with_hint("fix it");
        assert_eq!(p.to_string(), "a/b.md:3: error: bad\n  hint: fix it");
        let w = Problem::warning("a/b.md", None, "odd");
        assert_eq!(w.to_string(), "a/b.md: warning: odd");
        assert!(p.is_error() && !w.is_error());
    }

    #[test]
    fn message_helpers() {
        assert_eq!(with_article(Kind::Epic), "an Epic");
        assert_eq!(with_article(Kind::Initiative), "an Initiative");
        assert_eq!(with_article(Kind::Task), "a Task");
        assert_eq!(describe(&toml::Value::Integer(3)), "an integer (3)");
        assert_eq!(describe(&toml::Value::Boolean(true)), "a boolean (true)");
        let long = toml::Value::String("x".repeat(50));
        assert_eq!(describe(&long), "a string");
        assert_eq!(quoted_list(["a", "b"]), "\"a\", \"b\"");
        assert_eq!(quoted_list(Vec::<String>::new()), "");
    }
}
