//! The edit value: which frontmatter keys of an artifact to set or remove and what its
//! new body is ([`Edit`], [`FieldValue`]). The planner (`crate::plan`) builds it; the
//! splicer (`splice`) applies it to a file's text.

/// The new value of one frontmatter key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A string (`status = "🟢 Done"`).
    Str(String),
    /// A list of strings (`related_issues = ["acme/web#12"]`).
    List(Vec<String>),
    /// Remove the key (a no-op when it is absent).
    Remove,
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Str(s.to_string())
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Str(s)
    }
}

impl From<Vec<String>> for FieldValue {
    fn from(items: Vec<String>) -> Self {
        FieldValue::List(items)
    }
}

/// What to change in one artifact file. Fields are applied in order; a later entry for
/// the same key wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    pub fields: Vec<(String, FieldValue)>,
    /// The new Markdown body (everything after the closing `+++` line), if it changes.
    /// Its line ends are converted to the file's.
    pub body: Option<String>,
}

impl Edit {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a string field.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields
            .push((key.into(), FieldValue::Str(value.into())));
        self
    }

    /// Sets a list-of-strings field.
    pub fn set_list<I, S>(mut self, key: impl Into<String>, items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let items = items.into_iter().map(Into::into).collect();
        self.fields.push((key.into(), FieldValue::List(items)));
        self
    }

    /// Removes a field.
    pub fn remove(mut self, key: impl Into<String>) -> Self {
        self.fields.push((key.into(), FieldValue::Remove));
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// True when the edit asks for nothing.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.body.is_none()
    }
}
