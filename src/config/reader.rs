//! A span-aware reader of TOML values that records each wrong type as a problem at the
//! line where the key was written.

use std::collections::BTreeMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::artifact::problem::describe;
use crate::artifact::{Problem, line_of_offset};

/// Where things are in the file, and the problems found so far.
pub(super) struct Reader<'a> {
    pub(super) path: &'a str,
    pub(super) text: &'a str,
    pub(super) spans: Option<Spanned<DeTable<'a>>>,
    pub(super) problems: Vec<Problem>,
}

impl Reader<'_> {
    /// The line of `keys` (a path of table keys): the key itself when written, else the
    /// deepest enclosing table that is.
    pub(super) fn line(&self, keys: &[&str]) -> Option<usize> {
        let root = self.spans.as_ref()?;
        let mut table = root.get_ref();
        let mut best = None;
        for key in keys {
            let Some((k, v)) = table.get_key_value(*key) else {
                break;
            };
            best = Some(line_of_offset(self.text, k.span().start));
            match v.get_ref() {
                DeValue::Table(t) => table = t,
                _ => break,
            }
        }
        best
    }

    pub(super) fn error(&mut self, keys: &[&str], message: String, hint: impl Into<String>) {
        let line = self.line(keys);
        self.problems
            .push(Problem::error(self.path, line, message).with_hint(hint));
    }

    pub(super) fn warning(&mut self, keys: &[&str], message: String, hint: impl Into<String>) {
        let line = self.line(keys);
        self.problems
            .push(Problem::warning(self.path, line, message).with_hint(hint));
    }

    pub(super) fn wrong_type(
        &mut self,
        keys: &[&str],
        expected: &str,
        found: &toml::Value,
        example: &str,
    ) {
        self.error(
            keys,
            format!(
                "`{}` must be {expected}, not {}; the default is used",
                keys.join("."),
                describe(found)
            ),
            format!("write it as {example}"),
        );
    }

    pub(super) fn string(
        &mut self,
        value: &toml::Value,
        keys: &[&str],
        example: &str,
    ) -> Option<String> {
        match value {
            toml::Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(keys, "a string", other, example);
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, value: &toml::Value, keys: &[&str]) -> Option<bool> {
        match value {
            toml::Value::Boolean(b) => Some(*b),
            other => {
                let key = keys.last().copied().unwrap_or_default();
                self.wrong_type(keys, "true or false", other, &format!("{key} = true"));
                None
            }
        }
    }

    pub(super) fn string_list(
        &mut self,
        value: &toml::Value,
        keys: &[&str],
        example: &str,
    ) -> Option<Vec<String>> {
        let items = match value {
            toml::Value::Array(items) => items,
            other => {
                self.wrong_type(keys, "an array of strings", other, example);
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                toml::Value::String(s) => out.push(s.clone()),
                other => {
                    self.wrong_type(keys, "an array of strings", other, example);
                    return None;
                }
            }
        }
        Some(out)
    }

    pub(super) fn string_map(
        &mut self,
        value: &toml::Value,
        keys: &[&str],
        example: &str,
    ) -> Option<BTreeMap<String, String>> {
        let table = match value {
            toml::Value::Table(t) => t,
            other => {
                self.wrong_type(keys, "a table of strings", other, example);
                return None;
            }
        };
        let mut out = BTreeMap::new();
        for (k, v) in table {
            let path: Vec<&str> = keys.iter().copied().chain([k.as_str()]).collect();
            match v {
                toml::Value::String(s) => {
                    out.insert(k.clone(), s.clone());
                }
                other => self.wrong_type(&path, "a string", other, example),
            }
        }
        Some(out)
    }
}
