//! The ETag cache: URL → (ETag, body, next page), persisted by the caller (in the
//! sync record) between runs so that an unchanged list costs a `304 Not Modified`.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One cached GET response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedResponse {
    /// The `ETag` header, sent back as `If-None-Match`.
    pub etag: String,
    /// The response body (JSON text).
    pub body: String,
    /// The `rel="next"` link of that response, when it was one page of several
    /// (a 304 need not repeat the `Link` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// URL → cached response. Each page of a paginated list is its own entry.
///
/// Serialise it with serde to keep it; [`EtagCache::retain_used`] drops the entries
/// that the current run did not request, so that the persisted cache does not grow
/// forever.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtagCache {
    #[serde(default)]
    entries: BTreeMap<String, CachedResponse>,
    #[serde(skip)]
    used: BTreeSet<String>,
}

impl EtagCache {
    pub fn new() -> Self {
        EtagCache::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for `url`, if any.
    pub fn get(&self, url: &str) -> Option<&CachedResponse> {
        self.entries.get(url)
    }

    /// Store (or replace) the entry for `url`.
    pub fn insert(&mut self, url: impl Into<String>, response: CachedResponse) {
        let url = url.into();
        self.used.insert(url.clone());
        self.entries.insert(url, response);
    }

    /// Forget `url`.
    pub fn remove(&mut self, url: &str) -> Option<CachedResponse> {
        self.entries.remove(url)
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.used.clear();
    }

    /// The cached URLs, sorted.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Record that `url` was requested in this run.
    pub(crate) fn mark_used(&mut self, url: &str) {
        if !self.used.contains(url) {
            self.used.insert(url.to_owned());
        }
    }

    /// Keep only the entries requested since this cache was loaded (or created).
    pub fn retain_used(&mut self) {
        let used = &self.used;
        self.entries.retain(|url, _| used.contains(url));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(tag: &str) -> CachedResponse {
        CachedResponse {
            etag: tag.into(),
            body: "[]".into(),
            next: None,
        }
    }

    #[test]
    fn round_trips_through_json_and_toml() {
        let mut c = EtagCache::new();
        c.insert("http://h/a?page=1", entry("\"abc\""));
        c.insert(
            "http://h/a?page=2",
            CachedResponse {
                next: Some("http://h/a?page=3".into()),
                ..entry("W/\"def\"")
            },
        );
        let json = serde_json::to_string(&c).expect("json");
        let back: EtagCache = serde_json::from_str(&json).expect("json back");
        assert_eq!(back.get("http://h/a?page=2"), c.get("http://h/a?page=2"));
        assert_eq!(back.len(), 2);
        let toml_text = toml::to_string(&c).expect("toml");
        let back: EtagCache = toml::from_str(&toml_text).expect("toml back");
        assert_eq!(back.get("http://h/a?page=1"), c.get("http://h/a?page=1"));
    }

    #[test]
    fn retain_used_drops_untouched_entries() {
        let mut c = EtagCache::new();
        c.insert("a", entry("1"));
        c.insert("b", entry("2"));
        let mut loaded: EtagCache =
            serde_json::from_str(&serde_json::to_string(&c).expect("json")).expect("back");
        loaded.mark_used("b");
        loaded.retain_used();
        assert_eq!(loaded.urls().collect::<Vec<_>>(), vec!["b"]);
    }
}
