//! Reading a TOML file as a table, and the optional workspace file
//! `.ruru/projects/projects_config.toml`.

use crate::artifact::{Problem, line_of_offset};

/// Reads a TOML document as a table, reporting malformed TOML with its line.
pub(super) fn parse_table(path: &str, text: &str) -> Result<toml::Table, Problem> {
    toml::from_str::<toml::Table>(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        Problem::error(
            path,
            line,
            format!("malformed TOML: {}", e.message().trim()),
        )
        .with_hint("fix the TOML syntax on that line (strings need double quotes; arrays use [ ])")
    })
}

/// Reads the optional workspace file `.ruru/projects/projects_config.toml`.
pub fn parse_workspace_config(path: &str, text: &str) -> (Option<toml::Table>, Vec<Problem>) {
    match parse_table(path, text) {
        Ok(t) => (Some(t), Vec::new()),
        Err(p) => (None, vec![p]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::only_problem;

    #[test]
    fn workspace_config() {
        let (t, problems) =
            parse_workspace_config(".ruru/projects/projects_config.toml", "x = 1\n");
        assert!(problems.is_empty());
        assert_eq!(
            t.and_then(|t| t.get("x").and_then(|v| v.as_integer())),
            Some(1)
        );
        let (t, problems) =
            parse_workspace_config(".ruru/projects/projects_config.toml", "x = 1\ny = [\n");
        assert!(t.is_none());
        assert!(only_problem(&problems).line.is_some());
    }
}
