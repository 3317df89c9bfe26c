//! What became of one attempt: a response, nothing sent (retryable or not), lost after
//! sending, or a server certificate the TLS handshake refused (and why).

use super::error::CertificateProblem;
use ureq::http;

pub(crate) enum Attempt {
    Response {
        status: u16,
        headers: http::HeaderMap,
        body: String,
    },
    /// Failed before anything was sent (connect refused, DNS, connect timeout).
    NotSent { error: ureq::Error, retryable: bool },
    /// Failed after the request may have been sent.
    Lost(ureq::Error),
    /// The TLS handshake refused the server's certificate: nothing was sent, and trying
    /// again would fail the same way.
    Certificate {
        problem: CertificateProblem,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

pub(crate) fn classify_error(error: ureq::Error) -> Attempt {
    use std::io::ErrorKind;
    let error = match certificate_failure(error) {
        Ok((problem, source)) => return Attempt::Certificate { problem, source },
        Err(error) => error,
    };
    match &error {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Attempt::NotSent {
            error,
            retryable: false,
        },
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::AddrNotAvailable
            ) =>
        {
            Attempt::NotSent {
                error,
                retryable: false,
            }
        }
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => Attempt::NotSent {
            error,
            retryable: true,
        },
        ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::Tls(_)
        | ureq::Error::TooManyRedirects
        | ureq::Error::RedirectFailed
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::TlsRequired => Attempt::NotSent {
            error,
            retryable: false,
        },
        _ => Attempt::Lost(error),
    }
}

/// The certificate problem behind `error`, with the TLS library's error, when the TLS
/// handshake refused the server's certificate; else `error` back.
///
/// ureq hands rustls's verdict over inside an `io::Error` (from the handshake) or, more
/// rarely, as is.
fn certificate_failure(
    error: ureq::Error,
) -> Result<(CertificateProblem, Box<dyn std::error::Error + Send + Sync>), ureq::Error> {
    match error {
        ureq::Error::Rustls(tls) => match certificate_problem(&tls) {
            Some(problem) => Ok((problem, Box::new(tls))),
            None => Err(ureq::Error::Rustls(tls)),
        },
        ureq::Error::Io(io) => {
            let problem = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .and_then(certificate_problem);
            match problem {
                Some(problem) => match io.into_inner() {
                    Some(inner) => Ok((problem, inner)),
                    // Not reached: the problem was read from the inner error.
                    None => Err(ureq::Error::Io(std::io::ErrorKind::InvalidData.into())),
                },
                None => Err(ureq::Error::Io(io)),
            }
        }
        other => Err(other),
    }
}

fn certificate_problem(error: &rustls::Error) -> Option<CertificateProblem> {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(cert) = error else {
        return None;
    };
    Some(match cert {
        C::UnknownIssuer => CertificateProblem::UnknownIssuer,
        C::Expired | C::ExpiredContext { .. } => CertificateProblem::Expired,
        C::NotValidYet | C::NotValidYetContext { .. } => CertificateProblem::NotYetValid,
        C::NotValidForName => CertificateProblem::WrongName {
            presented: Vec::new(),
        },
        C::NotValidForNameContext { presented, .. } => CertificateProblem::WrongName {
            presented: presented.iter().filter_map(|n| presented_name(n)).collect(),
        },
        C::Revoked => CertificateProblem::Revoked,
        _ => CertificateProblem::Other(error.to_string()),
    })
}

/// A name as webpki lists it (`DnsName("ghe.example.com")`, `IpAddress(10.0.0.1)`), bare;
/// `None` for the kinds a URL cannot name.
fn presented_name(listed: &str) -> Option<String> {
    if let Some(rest) = listed.strip_prefix("DnsName(") {
        return Some(rest.trim_end_matches(')').trim_matches('"').to_owned());
    }
    if let Some(rest) = listed.strip_prefix("IpAddress(") {
        return Some(rest.trim_end_matches(')').to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_wrapped(e: rustls::Error) -> ureq::Error {
        ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    #[test]
    fn a_refused_certificate_is_recognised_inside_an_io_error() {
        let error = io_wrapped(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        let Attempt::Certificate { problem, source } = classify_error(error) else {
            panic!("not a certificate failure");
        };
        assert_eq!(problem, CertificateProblem::UnknownIssuer);
        assert!(source.downcast_ref::<rustls::Error>().is_some(), "{source}");

        let Attempt::Certificate { problem, .. } = classify_error(ureq::Error::Rustls(
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        )) else {
            panic!("not a certificate failure");
        };
        assert_eq!(problem, CertificateProblem::Expired);
    }

    #[test]
    fn other_tls_and_io_errors_keep_their_classification() {
        let lost = io_wrapped(rustls::Error::DecryptError);
        assert!(matches!(classify_error(lost), Attempt::Lost(_)));
        let reset = ureq::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(matches!(classify_error(reset), Attempt::Lost(_)));
        let refused = ureq::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(
            classify_error(refused),
            Attempt::NotSent {
                retryable: false,
                ..
            }
        ));
    }

    #[test]
    fn presented_names_are_shown_bare() {
        assert_eq!(
            presented_name("DnsName(\"ghe.example.com\")").as_deref(),
            Some("ghe.example.com")
        );
        assert_eq!(
            presented_name("IpAddress(10.0.0.1)").as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(presented_name("DirectoryName"), None);
    }
}
