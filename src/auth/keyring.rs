//! The OS keyring: storing, looking up and removing a token under one service, each request
//! given [`KEYRING_TIMEOUT`] to answer.
//!
//! Tokens live under service [`KEYRING_SERVICE`], account = the API host (`api.github.com`,
//! or `host:port` for a server on another port). On Linux this is the Secret Service
//! (GNOME Keyring, KWallet); keyring 3.6 stores the item with the attributes `service`,
//! `username` (the account), `target = default` and `application = rust-keyring`, so the
//! shell lookup is `secret-tool lookup service git-intellimanage username api.github.com`.
//!
//! Which host's entry to use, and what a failure means for the lookup, is the caller's
//! business; this module only says whether the keyring answered ([`KeyringError`]).

use std::sync::mpsc;
use std::time::Duration;

use crate::github::Secret;

/// The keyring service name tokens are stored under.
pub const KEYRING_SERVICE: &str = "git-intellimanage";
/// How long a keyring request may take before the keyring counts as unavailable (a locked
/// collection can wait for an unlock prompt that never comes in a hook).
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a keyring request did not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringError {
    /// There is no usable OS keyring (no Secret Service on the session bus, or it refused,
    /// or it did not answer in time).
    Unavailable { message: String },
    /// The keyring answered with an error.
    Failed { message: String },
}

fn classify_keyring_error(e: ::keyring::Error) -> KeyringError {
    match e {
        ::keyring::Error::NoStorageAccess(inner) | ::keyring::Error::PlatformFailure(inner) => {
            KeyringError::Unavailable {
                message: one_line(&inner.to_string()),
            }
        }
        other => KeyringError::Failed {
            message: one_line(&other.to_string()),
        },
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs a keyring call on its own thread, giving up after [`KEYRING_TIMEOUT`].
fn with_keyring<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> Result<T, ::keyring::Error> + Send + 'static,
) -> Result<T, KeyringError> {
    if let Some(message) = unreachable_session_bus() {
        return Err(KeyringError::Unavailable { message });
    }
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        });
    if let Err(e) = spawned {
        return Err(KeyringError::Failed {
            message: format!("{what}: could not start a thread: {e}"),
        });
    }
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(result) => result.map_err(classify_keyring_error),
        Err(_) => Err(KeyringError::Unavailable {
            message: format!(
                "{what} did not answer within {} s (is the keyring locked?)",
                KEYRING_TIMEOUT.as_secs()
            ),
        }),
    }
}

/// On Linux, a Secret Service needs a D-Bus session bus. When none is configured, or the
/// configured one is a socket path that does not exist, say so plainly instead of
/// relaying libdbus' error (or letting it try to autolaunch a bus).
fn unreachable_session_bus() -> Option<String> {
    if !cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        return None;
    }
    let address = match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        Ok(a) if !a.trim().is_empty() => a,
        _ => {
            let runtime_bus = std::env::var_os("XDG_RUNTIME_DIR")
                .map(|d| std::path::Path::new(&d).join("bus"))
                .filter(|p| p.exists());
            return match runtime_bus {
                Some(_) => None,
                None => Some(
                    "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no \
                     Secret Service to keep the token in"
                        .into(),
                ),
            };
        }
    };
    for part in address.split(';') {
        let Some(rest) = part.strip_prefix("unix:") else {
            // Another transport (tcp:, autolaunch:…): let libdbus try it.
            return None;
        };
        let path = rest
            .split(',')
            .find_map(|kv| kv.strip_prefix("path="))
            .map(unescape_dbus);
        match path {
            Some(p) if !std::path::Path::new(&p).exists() => continue,
            _ => return None,
        }
    }
    Some(format!(
        "the D-Bus session bus at DBUS_SESSION_BUS_ADDRESS={address} does not exist, so no \
         Secret Service to keep the token in"
    ))
}

/// Decodes the `%xx` escapes of a D-Bus address value.
fn unescape_dbus(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token stored in the keyring for `account`, if any.
pub fn get(account: &str) -> Result<Option<Secret>, KeyringError> {
    let account = account.to_string();
    let result = with_keyring("the keyring lookup", move || {
        let entry = ::keyring::Entry::new(KEYRING_SERVICE, &account)?;
        match entry.get_password() {
            Ok(p) => Ok(Some(p)),
            Err(::keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        }
    })?;
    Ok(result
        .map(|p| Secret::new(p.trim()))
        .filter(|s| !s.is_empty()))
}

/// Stores `token` in the keyring for `account` (replacing any previous one).
pub fn set(account: &str, token: &Secret) -> Result<(), KeyringError> {
    let account = account.to_string();
    let token = token.clone();
    with_keyring("storing in the keyring", move || {
        ::keyring::Entry::new(KEYRING_SERVICE, &account)?.set_password(token.expose())
    })
}

/// Removes the keyring entry for `account`; `Ok(false)` when there was none.
pub fn delete(account: &str) -> Result<bool, KeyringError> {
    let account = account.to_string();
    with_keyring(
        "removing from the keyring",
        move || match ::keyring::Entry::new(KEYRING_SERVICE, &account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(::keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbus_addresses_are_unescaped() {
        assert_eq!(unescape_dbus("/tmp/a%20b"), "/tmp/a b");
        assert_eq!(unescape_dbus("/run/user/0/bus"), "/run/user/0/bus");
        assert_eq!(unescape_dbus("100%"), "100%");
    }
}
