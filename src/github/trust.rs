//! Which certificate authorities an `https` API must be signed by.
//!
//! As git and curl (OpenSSL) do: the certificates in the files named by `SSL_CERT_FILE`
//! and `SSL_CERT_DIR` when either is set, else the system's store (on Linux the bundle
//! and directory OpenSSL uses, on macOS the keychains, on Windows the certificate store).
//! The roots bundled in the binary (Mozilla's, from webpki-roots) are used only when the
//! system's store holds none (a bare container), so that a company CA added to the
//! system's store, or a web root the administrator removed from it, counts as it does for
//! git. A file named by `SSL_CERT_FILE` that cannot be read is not replaced by the
//! bundled roots either (curl refuses it too): the certificate error then says why.

use std::fmt;
use ureq::tls::{Certificate, RootCerts};

/// Which certificate authorities the client trusts (see the module doc).
#[derive(Clone, Default)]
pub enum Trust {
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR` when set, else the system's store, else the
    /// bundled web roots.
    #[default]
    System,
    /// Only the certificates in this PEM text (a program with its own CA, tests).
    Pem(String),
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trust::System => f.write_str("System"),
            Trust::Pem(text) => write!(f, "Pem({} bytes)", text.len()),
        }
    }
}

/// The roots in effect and a description of where they came from.
pub(super) struct Roots {
    pub(super) certs: RootCerts,
    /// e.g. `SSL_CERT_FILE=/etc/company-ca.pem (1 certificate)`, shown with certificate
    /// errors.
    pub(super) described: String,
}

impl Roots {
    /// The roots bundled with the binary.
    pub(super) fn bundled() -> Roots {
        Roots {
            certs: RootCerts::WebPki,
            described: "the roots bundled with git-intellimanage".to_owned(),
        }
    }
}

impl Trust {
    pub(super) fn load(&self) -> Roots {
        match self {
            Trust::Pem(text) => {
                let certs = parse_pem(text.as_bytes());
                let described = format!(
                    "the certificates given to the client ({})",
                    count(certs.len())
                );
                Roots {
                    certs: RootCerts::from(certs),
                    described,
                }
            }
            Trust::System => system_roots(),
        }
    }
}

fn system_roots() -> Roots {
    // As rustls-native-certs reads them: a file variable counts when set, a directory list
    // when it names a directory.
    let file = std::env::var_os("SSL_CERT_FILE").map(|v| v.to_string_lossy().into_owned());
    let dir = std::env::var_os("SSL_CERT_DIR")
        .filter(|v| std::env::split_paths(v).any(|p| !p.as_os_str().is_empty()))
        .map(|v| v.to_string_lossy().into_owned());
    let loaded = rustls_native_certs::load_native_certs();
    let certs: Vec<Certificate<'static>> = loaded
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    let problems: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    let from_env: Vec<String> = [("SSL_CERT_FILE", &file), ("SSL_CERT_DIR", &dir)]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={v}")))
        .collect();
    let n = certs.len();
    let (certs, described) = if !from_env.is_empty() {
        (
            RootCerts::from(certs),
            format!("{} ({})", from_env.join(" and "), count(n)),
        )
    } else if n == 0 {
        (
            RootCerts::WebPki,
            "the roots bundled with git-intellimanage (the system's certificate store has none)"
                .to_owned(),
        )
    } else {
        (
            RootCerts::from(certs),
            format!("the system's certificate store ({})", count(n)),
        )
    };
    Roots {
        certs,
        described: with_problems(described, &problems),
    }
}

fn with_problems(described: String, problems: &[String]) -> String {
    if problems.is_empty() {
        described
    } else {
        format!("{described}; could not read: {}", problems.join("; "))
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 certificate".to_owned()
    } else {
        format!("{n} certificates")
    }
}

/// Every certificate in a PEM text; other blocks and broken ones are skipped.
fn parse_pem(pem: &[u8]) -> Vec<Certificate<'static>> {
    ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect()
}
