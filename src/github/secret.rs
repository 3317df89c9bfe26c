//! The token, kept out of every printable form.

use std::fmt;

/// A secret string (the GitHub token). `Debug` and `Display` print `***`; the value is
/// only reachable through [`Secret::expose`], which the client calls when it writes the
/// `Authorization` header and when it scrubs text that might echo the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a token.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The token itself. Never print or log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty (or only whitespace).
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// `text` with every occurrence of the token replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let token = self.0.trim();
        if token.is_empty() || !text.contains(token) {
            text.to_owned()
        } else {
            text.replace(token, "***")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("ghp_abcdef123456");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(***)");
        assert_eq!(s.expose(), "ghp_abcdef123456");
    }

    #[test]
    fn scrub_replaces_every_occurrence() {
        let s = Secret::new("tok123");
        assert_eq!(s.scrub("a tok123 b tok123"), "a *** b ***");
        assert_eq!(s.scrub("nothing here"), "nothing here");
        assert_eq!(Secret::new("").scrub("abc"), "abc");
        assert!(Secret::new("  ").is_empty());
    }
}
