//! Finding the GitHub token: the OS keyring, the environment, git's credential helper.
//!
//! This file is the policy (which source may give a token to which host, in what order, and
//! how to tell the user to provide one when none does) and the public API. The sources it
//! asks live beside it and know nothing of it: the OS keyring in `keyring.rs`, git's
//! credential helper in `credential.rs`.
//!
//! Lookup order ([`resolve_token`]), first hit wins:
//!
//! 1. the OS keyring: service `git-intellimanage`, account = the API host (`api.github.com`,
//!    or `host:port` for a server on another port); on Linux the Secret Service, where
//!    `secret-tool lookup service git-intellimanage username api.github.com` finds it
//!    (`keyring.rs` says how the item is stored);
//! 2. the environment variable named by `pat_env_var_name` (`GITHUB_PAT` by default);
//! 3. `GITHUB_TOKEN`, then `GH_TOKEN`;
//! 4. git's own credential helper: `git credential fill` for the API host (and, for
//!    `api.github.com`, for `github.com`, where helpers such as `gh auth git-credential`
//!    keep GitHub tokens). The request goes to git on standard input; terminal and
//!    askpass prompts are switched off, so a lookup never waits for a person.
//!
//! **Which host gets which token.** A project config is written by whoever committed it,
//! so its `api_url` is not trusted with tokens that are not tied to a host. Tokens from
//! environment variables (steps 2 and 3) are sent only to `api.github.com`, or to the host
//! of `GITHUB_API_URL` (the environment chose it), or to an API named on the command line
//! ([`resolve_token_for_chosen_url`]). Any other host gets its token only from the keyring
//! entry for that host or from `git credential fill` for that host. Plain `http://` is
//! refused for every host but a loopback one ([`check_transport`]).
//!
//! A source that is unavailable (no Secret Service on the machine, a locked keyring that
//! would need a prompt) is skipped, and the reason is kept for the message shown when no
//! source has a token. The token is only ever held in a [`Secret`]: it is never printed,
//! logged, or passed to another process as an argument.

mod credential;
mod keyring;

pub use self::keyring::{KEYRING_SERVICE, KEYRING_TIMEOUT};

use self::keyring::KeyringError;
use crate::github::Secret;

/// Environment variables read after the configured one, in this order.
pub const FALLBACK_ENV_VARS: [&str; 2] = ["GITHUB_TOKEN", "GH_TOKEN"];

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// The OS keyring, for this account (the API host).
    Keyring { account: String },
    /// An environment variable.
    Env { name: String },
    /// `git credential fill` for this host.
    GitCredential { host: String },
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Keyring { account } => write!(
                f,
                "the OS keyring (service {KEYRING_SERVICE}, account {account})"
            ),
            TokenSource::Env { name } => write!(f, "the environment variable {name}"),
            TokenSource::GitCredential { host } => {
                write!(
                    f,
                    "git's credential helper (git credential fill, host {host})"
                )
            }
        }
    }
}

/// What happened when one source was asked (kept for the "no token" message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The source, as a person reads it (`$GITHUB_PAT`, `the OS keyring …`).
    pub source: String,
    /// What it answered (`not set`, `no entry`, `unavailable: …`).
    pub outcome: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No source had a token.
    #[error(
        "no {platform} token found for {} (looked in: {})",
        api_host(api_url),
        describe_attempts(attempts)
    )]
    NoToken {
        /// Whose token.
        platform: crate::tracker::Platform,
        /// The API base URL the token was wanted for (its host names the keyring entry).
        api_url: String,
        /// Whether tokens from the environment were allowed for this host.
        env_allowed: bool,
        attempts: Vec<Attempt>,
    },
    /// The API URL is plain `http://` on a host that is not this machine.
    #[error("{url} is plain http on a host that is not this machine: no token is sent over it")]
    Insecure { url: String },
    /// There is no usable OS keyring (no Secret Service on the session bus, or it refused).
    #[error("the OS keyring is not available: {message}")]
    KeyringUnavailable { message: String },
    /// The keyring answered with an error.
    #[error("the OS keyring failed: {message}")]
    Keyring { message: String },
    /// Reading the token from the terminal or standard input failed.
    #[error("could not read the token: {0}")]
    Input(String),
}

impl AuthError {
    /// What to do about it: exactly how to provide a token.
    pub fn hint(&self, pat_env_var_name: &str) -> String {
        match self {
            AuthError::NoToken {
                api_url,
                env_allowed: false,
                ..
            } => how_to_provide_for_host(api_url, &api_host(api_url)),
            AuthError::NoToken { .. } | AuthError::Input(_) => how_to_provide(pat_env_var_name),
            AuthError::Insecure { url } => format!(
                "use the https:// address of the API (`api_url` under [github_integration], or \
                 GITHUB_API_URL); plain http is only accepted for localhost, e.g. {}",
                url.replacen("http://", "https://", 1)
            ),
            AuthError::KeyringUnavailable { .. } | AuthError::Keyring { .. } => format!(
                "without a keyring, provide the token in the environment instead: \
                 `export {pat_env_var_name}=<token>` (or GITHUB_TOKEN / GH_TOKEN), or through \
                 git's credential helper"
            ),
        }
    }
}

/// The ways to provide a token, in one sentence.
pub fn how_to_provide(pat_env_var_name: &str) -> String {
    format!(
        "run `git intellimanage auth login` and paste a token (classic: `repo` scope; \
         fine-grained: Issues read and write), or `export {pat_env_var_name}=<token>` \
         (GITHUB_TOKEN and GH_TOKEN work too)"
    )
}

/// How to provide a token for an API whose host does not get tokens from the environment
/// (a config's `api_url`): the keyring entry or git's credential helper for that host.
pub fn how_to_provide_for_host(api_url: &str, host: &str) -> String {
    let protocol = api_protocol(api_url);
    format!(
        "{api_url} is named by the project config, so tokens from environment variables are not \
         sent to it; store one for {host}: `git intellimanage auth login --api-url {api_url}` \
         (OS keyring), or in git's credential helper: \
         `printf 'protocol={protocol}\\nhost={host}\\nusername=x-access-token\\npassword=<token>\\n' | git credential approve`; \
         or, if you trust {host} with the token in your environment, `export GITHUB_API_URL={api_url}`"
    )
}

fn describe_attempts(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| format!("{}: {}", a.source, a.outcome))
        .collect::<Vec<_>>()
        .join("; ")
}

pub use crate::tracker::api_host;

/// The protocol git's credential helpers know the API host by.
fn api_protocol(api_base_url: &str) -> &'static str {
    if api_base_url
        .trim()
        .to_ascii_lowercase()
        .starts_with("http://")
    {
        "http"
    } else {
        "https"
    }
}

/// True when `host` (a URL's host, without port; IPv6 in brackets or not) is this machine:
/// `localhost`, `127.0.0.0/8`, `::1`.
pub fn is_loopback_host(host: &str) -> bool {
    let name = host.trim_start_matches('[').trim_end_matches(']');
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses a plain `http://` API URL unless its host is a loopback one.
pub fn check_transport(api_base_url: &str) -> Result<(), AuthError> {
    let host = ureq::http::Uri::try_from(api_base_url.trim())
        .ok()
        .and_then(|u| u.host().map(str::to_string));
    if api_protocol(api_base_url) == "http" && !host.as_deref().is_some_and(is_loopback_host) {
        return Err(AuthError::Insecure {
            url: api_base_url.trim().to_string(),
        });
    }
    Ok(())
}

/// Whether tokens from environment variables may be sent to `api_base_url`: its host is
/// `api.github.com`, or the host of `github_api_url` (the value of `GITHUB_API_URL`).
pub fn env_tokens_allowed(api_base_url: &str, github_api_url: Option<&str>) -> bool {
    let host = api_host(api_base_url);
    host == "api.github.com"
        || github_api_url
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .is_some_and(|u| api_host(u) == host)
}

/// Finds the token for `api_host`, trying every source in order (see the module doc).
/// The API base URL's scheme is taken as `https` for the credential helper; use
/// [`resolve_token_for_url`] when it may be `http`.
pub fn resolve_token(
    api_host: &str,
    pat_env_var_name: &str,
) -> Result<(Secret, TokenSource), AuthError> {
    resolve_token_for_url(&format!("https://{api_host}"), pat_env_var_name)
}

/// The token for an API base URL, however it was chosen (a project config's `api_url`
/// included): environment tokens only when [`env_tokens_allowed`] says so.
pub fn resolve_token_for_url(
    api_base_url: &str,
    pat_env_var_name: &str,
) -> Result<(Secret, TokenSource), AuthError> {
    let env_allowed = env_tokens_allowed(
        api_base_url,
        std::env::var(crate::config::ENV_API_URL).ok().as_deref(),
    );
    resolve_checked(api_base_url, pat_env_var_name, env_allowed)
}

/// The token for an API base URL the user named on the command line (`--api-url`):
/// environment tokens are allowed, as for `GITHUB_API_URL`.
pub fn resolve_token_for_chosen_url(
    api_base_url: &str,
    pat_env_var_name: &str,
) -> Result<(Secret, TokenSource), AuthError> {
    resolve_checked(api_base_url, pat_env_var_name, true)
}

fn resolve_checked(
    api_base_url: &str,
    pat_env_var_name: &str,
    env_allowed: bool,
) -> Result<(Secret, TokenSource), AuthError> {
    check_transport(api_base_url)?;
    let sources = Sources {
        environment: env_allowed,
        ..Sources::default()
    };
    resolve(api_base_url.trim(), pat_env_var_name, &sources)
}

/// The token for a project's tracker at `api_base_url`, by the rules of its platform.
///
/// GitLab's follow GitHub's, with GitLab's names: after the keyring entry for the host, the
/// variable named by `pat_env_var_name` (`GITLAB_TOKEN` by default), then `GITLAB_TOKEN`,
/// are sent only to `gitlab.com` or to the host of `GITLAB_API_URL` / `CI_API_V4_URL` (the
/// environment chose it); then `git credential fill` for the host.
///
/// `chosen`: the user named the API on the command line, so environment tokens may go to it.
pub fn resolve_token_for_platform(
    platform: crate::tracker::Platform,
    api_base_url: &str,
    pat_env_var_name: &str,
    chosen: bool,
) -> Result<(Secret, TokenSource), AuthError> {
    if platform != crate::tracker::Platform::Gitlab {
        return if chosen {
            resolve_token_for_chosen_url(api_base_url, pat_env_var_name)
        } else {
            resolve_token_for_url(api_base_url, pat_env_var_name)
        };
    }
    check_transport(api_base_url)?;
    let host = api_host(api_base_url);
    let env_allowed = chosen
        || host == "gitlab.com"
        || crate::config::ENV_GITLAB_API_URLS
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .filter(|u| !u.trim().is_empty())
            .any(|u: String| api_host(&u) == host);
    let sources = Sources {
        environment: env_allowed,
        fallback: &GITLAB_FALLBACK_ENV_VARS,
        env_rule: "environment tokens go only to gitlab.com or the host of GITLAB_API_URL / CI_API_V4_URL",
        platform: crate::tracker::Platform::Gitlab,
        ..Sources::default()
    };
    resolve(api_base_url.trim(), pat_env_var_name, &sources)
}

/// GitLab's environment variable read after the configured one.
pub const GITLAB_FALLBACK_ENV_VARS: [&str; 1] = ["GITLAB_TOKEN"];

/// Which sources a lookup may use (all by default).
#[derive(Debug, Clone, Copy)]
struct Sources {
    keyring: bool,
    environment: bool,
    credential_helper: bool,
    /// Variables read after the configured one.
    fallback: &'static [&'static str],
    /// Which hosts get environment tokens, as the message says it.
    env_rule: &'static str,
    /// Whose token is looked for.
    platform: crate::tracker::Platform,
}

impl Default for Sources {
    fn default() -> Sources {
        Sources {
            keyring: std::env::var_os("INTELLIMANAGE_NO_KEYRING").is_none_or(|v| v.is_empty()),
            environment: true,
            credential_helper: true,
            fallback: &FALLBACK_ENV_VARS,
            env_rule: "environment tokens go only to api.github.com or the host of GITHUB_API_URL",
            platform: crate::tracker::Platform::Github,
        }
    }
}

fn resolve(
    api_url: &str,
    pat_env_var_name: &str,
    sources: &Sources,
) -> Result<(Secret, TokenSource), AuthError> {
    let host = &api_host(api_url);
    let protocol = api_protocol(api_url);
    let mut attempts = Vec::new();
    let keyring_source = TokenSource::Keyring {
        account: host.to_string(),
    };
    if sources.keyring {
        match keyring_get(host) {
            Ok(Some(token)) => return Ok((token, keyring_source)),
            Ok(None) => attempts.push(Attempt {
                source: keyring_source.to_string(),
                outcome: "no entry".into(),
            }),
            Err(e) => attempts.push(Attempt {
                source: keyring_source.to_string(),
                outcome: match e {
                    AuthError::KeyringUnavailable { message } => format!("unavailable ({message})"),
                    other => other.to_string(),
                },
            }),
        }
    } else {
        attempts.push(Attempt {
            source: keyring_source.to_string(),
            outcome: "skipped (INTELLIMANAGE_NO_KEYRING is set)".into(),
        });
    }
    let mut names: Vec<&str> = vec![pat_env_var_name];
    names.extend(sources.fallback.iter().filter(|n| **n != pat_env_var_name));
    names.retain(|n| !n.is_empty());
    if !sources.environment {
        attempts.push(Attempt {
            source: names
                .iter()
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", "),
            outcome: format!("not used for {host} ({})", sources.env_rule),
        });
        names.clear();
    }
    for name in names {
        if name.is_empty() {
            continue;
        }
        match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => {
                return Ok((
                    Secret::new(v.trim()),
                    TokenSource::Env {
                        name: name.to_string(),
                    },
                ));
            }
            Ok(_) => attempts.push(Attempt {
                source: format!("${name}"),
                outcome: "empty".into(),
            }),
            Err(std::env::VarError::NotPresent) => attempts.push(Attempt {
                source: format!("${name}"),
                outcome: "not set".into(),
            }),
            Err(std::env::VarError::NotUnicode(_)) => attempts.push(Attempt {
                source: format!("${name}"),
                outcome: "not valid UTF-8".into(),
            }),
        }
    }
    if sources.credential_helper {
        let mut hosts = vec![host.to_string()];
        if host == "api.github.com" {
            hosts.push("github.com".to_string());
        }
        for h in hosts {
            let outcome = match credential::fill(protocol, &h) {
                Ok(Some(token)) => {
                    return Ok((token, TokenSource::GitCredential { host: h }));
                }
                Ok(None) => "nothing".to_string(),
                Err(message) => message,
            };
            attempts.push(Attempt {
                source: format!("git credential fill (host {h})"),
                outcome,
            });
        }
    }
    Err(AuthError::NoToken {
        platform: sources.platform,
        api_url: api_url.to_string(),
        env_allowed: sources.environment,
        attempts,
    })
}

// ---------------------------------------------------------------------------- keyring

/// The keyring's answer as an [`AuthError`].
fn keyring_error(e: KeyringError) -> AuthError {
    match e {
        KeyringError::Unavailable { message } => AuthError::KeyringUnavailable { message },
        KeyringError::Failed { message } => AuthError::Keyring { message },
    }
}

/// The token stored in the keyring for `account`, if any.
pub fn keyring_get(account: &str) -> Result<Option<Secret>, AuthError> {
    keyring::get(account).map_err(keyring_error)
}

/// Stores `token` in the keyring for `account` (replacing any previous one).
pub fn keyring_set(account: &str, token: &Secret) -> Result<(), AuthError> {
    keyring::set(account, token).map_err(keyring_error)
}

/// Removes the keyring entry for `account`; `Ok(false)` when there was none.
pub fn keyring_delete(account: &str) -> Result<bool, AuthError> {
    keyring::delete(account).map_err(keyring_error)
}

// ---------------------------------------------------------------------------- input

/// Reads a token for `auth login`: all of standard input when it is not a terminal,
/// otherwise one line typed at an echo-less prompt on the terminal.
pub fn read_token_input(prompt: &str) -> Result<Secret, AuthError> {
    use std::io::{IsTerminal, Read};
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(|e| AuthError::Input(e.to_string()))?
    } else {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| AuthError::Input(format!("standard input: {e}")))?;
        buf
    };
    let token = text.trim();
    if token.is_empty() {
        return Err(AuthError::Input("the token was empty".into()));
    }
    if token.contains(char::is_whitespace) {
        return Err(AuthError::Input(
            "the token contains spaces or line breaks; give the token alone".into(),
        ));
    }
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_host_keeps_non_default_ports() {
        assert_eq!(api_host("https://api.github.com"), "api.github.com");
        assert_eq!(api_host("https://api.github.com/"), "api.github.com");
        assert_eq!(api_host("https://API.GitHub.com:443"), "api.github.com");
        assert_eq!(api_host("http://127.0.0.1:8080/api/v3"), "127.0.0.1:8080");
        assert_eq!(api_host("http://127.0.0.1:80"), "127.0.0.1");
        assert_eq!(api_host("https://ghe.example/api/v3"), "ghe.example");
    }

    #[test]
    fn env_vars_are_tried_in_order() {
        // Only the environment: keyring and credential helper off.
        let sources = Sources {
            keyring: false,
            environment: true,
            credential_helper: false,
            ..Sources::default()
        };
        let name = "INTELLIMANAGE_TEST_TOKEN_VAR_ORDER";
        let err = resolve("https://example.test", name, &sources)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(&format!("${name}: not set")), "{err}");
        assert!(
            err.contains("no GitHub token found for example.test"),
            "{err}"
        );
    }

    #[test]
    fn environment_tokens_go_only_to_github_or_the_chosen_host() {
        assert!(env_tokens_allowed("https://api.github.com", None));
        assert!(env_tokens_allowed("https://API.github.com:443/", Some("")));
        assert!(!env_tokens_allowed("https://ghe.example/api/v3", None));
        assert!(!env_tokens_allowed(
            "https://api.github.com.evil.example",
            None
        ));
        assert!(!env_tokens_allowed(
            "https://api.github.com@evil.example",
            None
        ));
        assert!(env_tokens_allowed(
            "https://ghe.example/api/v3",
            Some("https://ghe.example/api/v3/")
        ));
        assert!(!env_tokens_allowed(
            "http://127.0.0.1:9000",
            Some("http://127.0.0.1:9001")
        ));
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        for ok in [
            "https://ghe.example",
            "http://127.0.0.1:8080",
            "http://127.9.0.1",
            "http://localhost:3000/api",
            "http://[::1]:8080",
        ] {
            assert!(check_transport(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://ghe.example",
            "http://10.0.0.1:8080",
            "HTTP://api.github.com",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
        ] {
            let err = check_transport(bad).err().map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains("plain http")),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn without_environment_the_message_names_the_host_ways() {
        let sources = Sources {
            keyring: false,
            environment: false,
            credential_helper: false,
            ..Sources::default()
        };
        let err =
            resolve("https://ghe.example/api/v3", "SECRET_X", &sources).expect_err("no token");
        let text = err.to_string();
        assert!(
            text.contains("$SECRET_X, $GITHUB_TOKEN, $GH_TOKEN: not used for ghe.example"),
            "{text}"
        );
        let hint = err.hint("SECRET_X");
        assert!(
            hint.contains("auth login --api-url https://ghe.example/api/v3")
                && hint.contains("host=ghe.example")
                && hint.contains("export GITHUB_API_URL=https://ghe.example/api/v3")
                && !hint.contains("export SECRET_X"),
            "{hint}"
        );
    }
}
