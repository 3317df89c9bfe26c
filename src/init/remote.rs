//! Reading a git remote's URL: the GitHub repository or GitLab project it names (host,
//! owner and name or project path, the API of an Enterprise or self-managed host), and the
//! URL as it may be shown (no credentials).

use serde::Serialize;

/// A GitHub repository found in a remote URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GithubRemote {
    /// The host, lowercased, without user or port (`github.com`, `ghe.example.com`).
    pub host: String,
    pub owner: String,
    pub name: String,
    /// The REST API of a GitHub Enterprise host (`https://HOST/api/v3`); `None` for
    /// github.com, whose API is the default.
    pub api_url: Option<String>,
}

/// A GitLab project found in a remote URL (a host named `gitlab.com` or `gitlab.*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GitlabRemote {
    /// The host, lowercased, without user or port.
    pub host: String,
    /// `group/subgroup/project`.
    pub path: String,
    /// The REST API of a self-managed host (`https://HOST/api/v4`); `None` for gitlab.com.
    pub api_url: Option<String>,
}

/// What the repository's `origin` remote says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    /// No `origin` remote.
    Missing,
    /// A remote whose URL names no GitHub repository (a local path, another layout).
    Unrecognised { url: String },
    /// A GitHub repository.
    Github { url: String, repo: GithubRemote },
    /// A GitLab project.
    Gitlab { url: String, project: GitlabRemote },
}

impl Remote {
    /// Reads `url` (as `git remote get-url origin` prints it; `None`: no such remote).
    pub fn from_url(url: Option<&str>) -> Remote {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Remote::Missing,
            Some(u) if let Some(project) = parse_gitlab_url(u) => Remote::Gitlab {
                url: crate::repo::redact_credentials(u),
                project,
            },
            Some(u) => match parse_remote_url(u) {
                Some(repo) => Remote::Github {
                    url: crate::repo::redact_credentials(u),
                    repo,
                },
                None => Remote::Unrecognised {
                    url: crate::repo::redact_credentials(u),
                },
            },
        }
    }

    pub fn github(&self) -> Option<&GithubRemote> {
        match self {
            Remote::Github { repo, .. } => Some(repo),
            _ => None,
        }
    }

    /// The URL as shown to the user (any password removed).
    pub fn url(&self) -> Option<&str> {
        match self {
            Remote::Missing => None,
            Remote::Unrecognised { url }
            | Remote::Github { url, .. }
            | Remote::Gitlab { url, .. } => Some(url),
        }
    }
}

/// Splits a remote URL into a GitLab host and project path, when the host is GitLab's
/// (`gitlab.com`, or a self-managed `gitlab.HOST`); the forms are those of
/// [`parse_remote_url`], and the path may hold subgroups (`group/sub/project`).
pub fn parse_gitlab_url(url: &str) -> Option<GitlabRemote> {
    let url = url.trim();
    let (scheme, authority, path, keep_port) = match url.split_once("://") {
        Some((scheme, rest)) => {
            let scheme = scheme.to_ascii_lowercase();
            let (authority, path) = rest.split_once('/')?;
            match scheme.as_str() {
                "https" => ("https", authority, path, true),
                "http" => ("http", authority, path, true),
                "ssh" | "git+ssh" | "ssh+git" | "git" => ("https", authority, path, false),
                _ => return None,
            }
        }
        None => {
            let colon = url.find(':')?;
            if url[..colon].contains('/') || colon <= 1 {
                return None;
            }
            ("https", &url[..colon], &url[colon + 1..], false)
        }
    };
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        _ => (host_port, None),
    };
    let host = host.to_ascii_lowercase();
    if host != "gitlab.com" && !host.starts_with("gitlab.") {
        return None;
    }
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let valid = |p: &&str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if segments.len() < 2 || !segments.iter().all(valid) {
        return None;
    }
    let api_url = (host != "gitlab.com").then(|| {
        let port = port
            .filter(|_| keep_port)
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        format!("{scheme}://{host}{port}/api/v4")
    });
    Some(GitlabRemote {
        host,
        path: segments.join("/"),
        api_url,
    })
}

/// Hosts whose API is the default `https://api.github.com`.
fn is_github_dot_com(host: &str) -> bool {
    matches!(host, "github.com" | "www.github.com" | "ssh.github.com")
}

/// Splits a git remote URL into the GitHub host, owner and repository name. Accepts
/// `https://[user[:password]@]HOST[:port]/OWNER/NAME[.git][/]` (also `http://`),
/// `ssh://[user@]HOST[:port]/OWNER/NAME[.git]` (also `git+ssh://`, `git://`) and the
/// scp-like `[user@]HOST:OWNER/NAME[.git]`. Any host other than github.com is taken for
/// GitHub Enterprise: its API is `https://HOST/api/v3` (`https://api.HOST` for
/// `*.ghe.com`). Local paths, `file://` URLs and paths that are not exactly
/// `OWNER/NAME` give `None`.
pub fn parse_remote_url(url: &str) -> Option<GithubRemote> {
    let url = url.trim();
    // (scheme for the API, host with port for the API, path)
    let (api_scheme, authority, path, keep_port) =
        if let Some((scheme, rest)) = url.split_once("://") {
            let scheme = scheme.to_ascii_lowercase();
            let (authority, path) = rest.split_once('/')?;
            match scheme.as_str() {
                "https" => ("https", authority, path, true),
                "http" => ("http", authority, path, true),
                "ssh" | "git+ssh" | "ssh+git" | "git" => ("https", authority, path, false),
                _ => return None,
            }
        } else {
            // scp-like: `[user@]host:path`, where no `/` comes before the first `:`.
            let colon = url.find(':')?;
            if url[..colon].contains('/') {
                return None;
            }
            let (authority, path) = (&url[..colon], &url[colon + 1..]);
            // `C:\…` or `C:/…` is a Windows path, not a host called `C`.
            if authority.len() == 1 {
                return None;
            }
            ("https", authority, path, false)
        };
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        Some((h, "")) => (h, None),
        _ => (host_port, None),
    };
    let host = host.to_ascii_lowercase();
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if !valid_host {
        return None;
    }
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let (owner, name) = path.split_once('/')?;
    let name = name.strip_suffix(".git").unwrap_or(name);
    let valid = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if !valid(owner) || !valid(name) {
        return None;
    }
    let api_url = if is_github_dot_com(&host) {
        None
    } else if host.ends_with(".ghe.com") {
        Some(format!("https://api.{host}"))
    } else {
        let port = port
            .filter(|_| keep_port)
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        Some(format!("{api_scheme}://{host}{port}/api/v3"))
    };
    let host = if is_github_dot_com(&host) {
        "github.com".to_string()
    } else {
        host
    };
    Some(GithubRemote {
        host,
        owner: owner.to_string(),
        name: name.to_string(),
        api_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh(host: &str, owner: &str, name: &str, api: Option<&str>) -> Option<GithubRemote> {
        Some(GithubRemote {
            host: host.to_string(),
            owner: owner.to_string(),
            name: name.to_string(),
            api_url: api.map(str::to_string),
        })
    }

    fn acme() -> Option<GithubRemote> {
        gh("github.com", "acme", "web", None)
    }

    #[test]
    fn https_urls() {
        for url in [
            "https://github.com/acme/web.git",
            "https://github.com/acme/web",
            "https://github.com/acme/web/",
            "https://github.com/acme/web.git/",
            "https://ada@github.com/acme/web.git",
            "https://ada:ghp_secret@github.com/acme/web.git",
            "HTTPS://GitHub.com/acme/web.git",
            "http://github.com/acme/web",
            "https://www.github.com/acme/web.git",
            "  https://github.com/acme/web.git\n",
        ] {
            assert_eq!(parse_remote_url(url), acme(), "{url}");
        }
    }

    #[test]
    fn ssh_urls() {
        for url in [
            "ssh://git@github.com/acme/web.git",
            "ssh://git@github.com/acme/web",
            "ssh://github.com/acme/web.git",
            "ssh://git@github.com:22/acme/web.git",
            "ssh://git@ssh.github.com:443/acme/web.git",
            "git+ssh://git@github.com/acme/web.git",
            "ssh+git://git@github.com/acme/web.git",
            "git://github.com/acme/web.git",
        ] {
            assert_eq!(parse_remote_url(url), acme(), "{url}");
        }
    }

    #[test]
    fn scp_like_urls() {
        for url in [
            "git@github.com:acme/web.git",
            "git@github.com:acme/web",
            "github.com:acme/web.git",
            "git@github.com:/acme/web.git",
            "org-123@github.com:acme/web.git",
        ] {
            assert_eq!(parse_remote_url(url), acme(), "{url}");
        }
    }

    #[test]
    fn enterprise_hosts_get_their_api_url() {
        let ghe = |api: &str| gh("ghe.example.com", "acme", "web", Some(api));
        assert_eq!(
            parse_remote_url("https://ghe.example.com/acme/web.git"),
            ghe("https://ghe.example.com/api/v3")
        );
        assert_eq!(
            parse_remote_url("git@GHE.example.com:acme/web.git"),
            ghe("https://ghe.example.com/api/v3")
        );
        // An ssh port is not the API's; an https port is.
        assert_eq!(
            parse_remote_url("ssh://git@ghe.example.com:7999/acme/web.git"),
            ghe("https://ghe.example.com/api/v3")
        );
        assert_eq!(
            parse_remote_url("https://ghe.example.com:8443/acme/web.git"),
            ghe("https://ghe.example.com:8443/api/v3")
        );
        assert_eq!(
            parse_remote_url("http://ghe.example.com/acme/web"),
            ghe("http://ghe.example.com/api/v3")
        );
        assert_eq!(
            parse_remote_url("https://octocorp.ghe.com/acme/web.git"),
            gh(
                "octocorp.ghe.com",
                "acme",
                "web",
                Some("https://api.octocorp.ghe.com")
            )
        );
    }

    #[test]
    fn names_with_dots_dashes_and_underscores() {
        assert_eq!(
            parse_remote_url("git@github.com:my-org/web.app_v2.git"),
            gh("github.com", "my-org", "web.app_v2", None)
        );
    }

    #[test]
    fn urls_without_a_github_repository() {
        for url in [
            "",
            "/srv/git/web.git",
            "../web.git",
            "file:///srv/git/web.git",
            "C:\\repos\\web.git",
            "C:/repos/web.git",
            "https://github.com/acme",
            "https://github.com/acme/web/tree/main",
            "https://gitlab.example.com/group/sub/web.git",
            "git@github.com:acme",
            "https://github.com//web.git",
            "https://github.com/acme/.git",
            "ftp://github.com/acme/web.git",
            "https://bad host/acme/web.git",
        ] {
            assert_eq!(parse_remote_url(url), None, "{url}");
        }
    }

    #[test]
    fn gitlab_remotes_give_the_project_path() {
        let gl = |host: &str, path: &str, api: Option<&str>| {
            Some(GitlabRemote {
                host: host.to_string(),
                path: path.to_string(),
                api_url: api.map(str::to_string),
            })
        };
        assert_eq!(
            parse_gitlab_url("https://gitlab.com/acme/tools/web.git"),
            gl("gitlab.com", "acme/tools/web", None)
        );
        assert_eq!(
            parse_gitlab_url("git@gitlab.com:acme/web.git"),
            gl("gitlab.com", "acme/web", None)
        );
        assert_eq!(
            parse_gitlab_url("ssh://git@gitlab.example.com:2222/group/sub/proj.git"),
            gl(
                "gitlab.example.com",
                "group/sub/proj",
                Some("https://gitlab.example.com/api/v4")
            )
        );
        assert_eq!(
            parse_gitlab_url("https://gitlab.example.com:8443/g/p"),
            gl(
                "gitlab.example.com",
                "g/p",
                Some("https://gitlab.example.com:8443/api/v4")
            )
        );
        assert_eq!(parse_gitlab_url("https://github.com/acme/web.git"), None);
        assert_eq!(parse_gitlab_url("https://gitlab.com/web"), None);
        assert!(matches!(
            Remote::from_url(Some("https://oauth2:glpat-x@gitlab.com/a/b.git")),
            Remote::Gitlab { url, .. } if url == "https://***@gitlab.com/a/b.git"
        ));
    }

    #[test]
    fn passwords_are_removed_from_urls_shown() {
        let remote = Remote::from_url(Some("https://x:s3cr3tPw@github.com/acme/web"));
        assert_eq!(remote.url(), Some("https://***@github.com/acme/web"));
        // A token as the user name (a common way to put one in a URL) goes too.
        let remote = Remote::from_url(Some("https://ghp_T0kenAsUser@github.com/acme/web"));
        assert_eq!(remote.url(), Some("https://***@github.com/acme/web"));
        let remote = Remote::from_url(Some("git@github.com:acme/web.git"));
        assert_eq!(remote.url(), Some("git@github.com:acme/web.git"));
        assert!(!crate::init::render_config("web", "web", &remote).contains("s3cr3tPw"));
    }
}
