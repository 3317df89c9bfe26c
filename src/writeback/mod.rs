//! Rewriting artifact files in place, keeping comments and layout.
//!
//! Sync writes GitHub links into artifact files and applies incoming GitHub changes to
//! fields and bodies. Every rewrite is a splice: the frontmatter is parsed with
//! `toml_edit` only to find where each key and value sits, and just those bytes are
//! replaced, removed or inserted. Everything else stays exactly as written: comments
//! (trailing comments on a changed line too), commented-out keys, key order, unknown
//! keys, blank lines, quoting of untouched values, `\r\n` line ends, a UTF-8 BOM and
//! the body. `toml_edit::DocumentMut` would re-render the document and turn `\r\n` into
//! `\n` after every key, which is why the edit is done on the text.
//!
//! New values are encoded by the TOML writer as single-line strings, so no title, tag
//! or body can ever produce a `+++` line inside the frontmatter or escape from its
//! value. Every result is read back (block split and TOML) and compared with what was
//! asked before it is returned.
//!
//! The parts:
//! - `edit`: what to change in one artifact, the value the planner emits ([`Edit`],
//!   [`FieldValue`]);
//! - `splice`: the in-place frontmatter and body editor that applies an [`Edit`] to a
//!   file's text ([`apply`]);
//! - `toml_text`: single-line TOML keys, strings and layout-keeping string lists;
//! - `new_artifact`: the text and file name of a new artifact ([`new_artifact_text`],
//!   [`artifact_file_name`]);
//! - `files`: atomic file replacement and creation, and editing a file on disk ([`write_atomic`], [`write_new`],
//!   [`update_file`]);
//! - `merge`: a line-based three-way merge for files with local edits ([`merge_text`]),
//!   and a field-by-field one for their frontmatter ([`merge_fields`]).

use std::io;
use std::path::{Path, PathBuf};

mod edit;
mod files;
mod merge;
mod new_artifact;
mod splice;
#[cfg(test)]
mod test_fixtures;
mod toml_text;

pub use edit::{Edit, FieldValue};
pub use files::{update_file, write_atomic, write_new};
pub use merge::{Conflict, ConflictHunk, merge_fields, merge_text};
pub use new_artifact::{
    MAX_ID_LEN, MAX_SLUG_LEN, artifact_file_name, new_artifact_text, safe_slug,
};
pub use splice::apply;

/// Why an artifact file could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum WritebackError {
    #[error("no TOML frontmatter{}: {message}", at_line(*.line))]
    NoFrontmatter {
        /// 1-based line in the file, when known.
        line: Option<usize>,
        message: String,
    },
    #[error("malformed TOML in the frontmatter{}: {message}", at_line(*.line))]
    MalformedToml {
        /// 1-based line in the file, when known.
        line: Option<usize>,
        message: String,
    },
    #[error(
        "`{key}`{} is a table, not a value: it cannot be set or removed as a field",
        at_line(*.line)
    )]
    NotAValue { key: String, line: Option<usize> },
    #[error("the rewritten file would not read back as intended ({0}); nothing was written")]
    Verification(String),
    #[error("{} is not valid UTF-8: {source}", path.display())]
    NotUtf8 {
        path: PathBuf,
        #[source]
        source: std::str::Utf8Error,
    },
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {source}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<WritebackError>,
    },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> WritebackError {
    let path = path.to_path_buf();
    move |source| WritebackError::Io {
        action,
        path,
        source,
    }
}
