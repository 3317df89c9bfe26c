//! Repository specs (`owner/name`, GitHub URLs) and the project slug a config path names.

/// The slug in `.ruru/projects/<slug>/project_config.toml` (or `<slug>/project_config.toml`).
pub(super) fn slug_from_path(path: &str) -> String {
    let mut parts = path.rsplit('/');
    parts.next();
    parts.next().unwrap_or_default().to_string()
}

/// Splits `"owner/name"` (also `https://github.com/owner/name(.git)` and
/// `git@github.com:owner/name.git`).
pub fn parse_repo_spec(spec: &str) -> Option<(String, String)> {
    let s = spec.trim();
    let s = s
        .strip_prefix("https://github.com/")
        .or_else(|| s.strip_prefix("http://github.com/"))
        .or_else(|| s.strip_prefix("git@github.com:"))
        .unwrap_or(s);
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s);
    let (owner, name) = s.split_once('/')?;
    let valid = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (valid(owner) && valid(name)).then(|| (owner.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slug_is_the_directory_of_the_config() {
        assert_eq!(
            slug_from_path(".ruru/projects/web/project_config.toml"),
            "web"
        );
        assert_eq!(slug_from_path("web/project_config.toml"), "web");
        assert_eq!(slug_from_path("project_config.toml"), "");
    }

    #[test]
    fn repo_specs() {
        let pair = Some(("acme".to_string(), "shop".to_string()));
        assert_eq!(parse_repo_spec("acme/shop"), pair);
        assert_eq!(parse_repo_spec("https://github.com/acme/shop.git"), pair);
        assert_eq!(parse_repo_spec("git@github.com:acme/shop.git"), pair);
        assert_eq!(parse_repo_spec("https://github.com/acme/shop/"), pair);
        assert_eq!(parse_repo_spec("acme"), None);
        assert_eq!(parse_repo_spec("acme/"), None);
        assert_eq!(parse_repo_spec("a/b/c"), None);
        assert_eq!(parse_repo_spec("ac me/shop"), None);
    }
}
