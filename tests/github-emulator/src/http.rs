//! Minimal HTTP/1.1 wire handling: reading requests and responses off a
//! stream (Content-Length or chunked bodies) and writing them back.

use std::io::{self, BufRead, BufReader, Read, Write};

/// Upper bound for a request or response head, to keep a broken peer from
/// making us buffer forever.
const MAX_HEAD: usize = 64 * 1024;
/// Upper bound for a body.
const MAX_BODY: usize = 32 * 1024 * 1024;
const MAX_HEADERS: usize = 96;

/// A parsed HTTP request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent: path plus optional `?query`.
    pub target: String,
    /// HTTP minor version (0 or 1).
    pub minor_version: u8,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// First header value with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// Whether the client wants the connection kept open after this request.
    pub fn keep_alive(&self) -> bool {
        let connection = self.header("connection").map(str::to_ascii_lowercase);
        match connection.as_deref() {
            Some(v) if v.split(',').any(|t| t.trim() == "close") => false,
            Some(v) if v.split(',').any(|t| t.trim() == "keep-alive") => true,
            _ => self.minor_version >= 1,
        }
    }

    /// Path without the query string.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(p, _)| p)
    }

    /// Raw query string (without `?`), empty if none.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// Serialises the request for sending upstream.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        out.write_all(&self.body)?;
        out.flush()
    }
}

/// A response as read from, or written to, the wire.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// Writes the response. `Content-Length` is computed here (omitted for
    /// 1xx/204/304); `Connection` reflects `keep_alive`.
    pub fn write_to(
        &self,
        out: &mut impl Write,
        keep_alive: bool,
        head_only: bool,
    ) -> io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        for (name, value) in &self.headers {
            let lower = name.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "content-length" | "connection" | "transfer-encoding" | "keep-alive"
            ) {
                continue;
            }
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        if !body_forbidden(self.status) {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n"
        } else {
            "Connection: close\r\n"
        });
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        if !head_only && !body_forbidden(self.status) {
            out.write_all(&self.body)?;
        }
        out.flush()
    }
}

fn body_forbidden(status: u16) -> bool {
    status < 200 || status == 204 || status == 304
}

pub fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Reads bytes until the end of the head (`\r\n\r\n`). Returns `None` on a
/// clean EOF before any byte of a new message.
fn read_head<R: Read>(reader: &mut BufReader<R>) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader.take(MAX_HEAD as u64).read_until(b'\n', &mut line)?;
        if n == 0 {
            if head.is_empty() {
                return Ok(None);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the middle of a message head",
            ));
        }
        // Tolerate stray blank lines between keep-alive messages.
        if head.is_empty() && (line == b"\r\n" || line == b"\n") {
            continue;
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD {
            return Err(invalid("message head too large"));
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
            return Ok(Some(head));
        }
    }
}

fn collect_headers(raw: &[httparse::Header<'_>]) -> io::Result<Vec<(String, String)>> {
    raw.iter()
        .map(|h| {
            let value = std::str::from_utf8(h.value)
                .map_err(|_| invalid(format!("header {} is not UTF-8", h.name)))?;
            Ok((h.name.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// Reads one request. `on_expect_continue` is called (to write
/// `100 Continue`) when the client asked for it before sending its body.
pub fn read_request<R: Read>(
    reader: &mut BufReader<R>,
    mut on_expect_continue: impl FnMut() -> io::Result<()>,
) -> io::Result<Option<Request>> {
    let Some(head) = read_head(reader)? else {
        return Ok(None);
    };
    let mut raw_headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut raw_headers);
    match parsed.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(invalid("incomplete request head")),
        Err(e) => return Err(invalid(format!("malformed request head: {e}"))),
    }
    let method = parsed.method.unwrap_or("GET").to_string();
    let target = parsed.path.unwrap_or("/").to_string();
    let minor_version = parsed.version.unwrap_or(1);
    let headers = collect_headers(parsed.headers)?;
    if header_value(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        on_expect_continue()?;
    }
    let body = read_body(reader, &headers, false)?;
    Ok(Some(Request {
        method,
        target,
        minor_version,
        headers,
        body,
    }))
}

/// Reads one response to a request made with `method`.
pub fn read_response<R: Read>(reader: &mut BufReader<R>, method: &str) -> io::Result<Response> {
    loop {
        let Some(head) = read_head(reader)? else {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before a response arrived",
            ));
        };
        let mut raw_headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut raw_headers);
        match parsed.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => return Err(invalid("incomplete response head")),
            Err(e) => return Err(invalid(format!("malformed response head: {e}"))),
        }
        let status = parsed.code.unwrap_or(0);
        let headers = collect_headers(parsed.headers)?;
        if (100..200).contains(&status) {
            continue;
        }
        let body = if method.eq_ignore_ascii_case("HEAD") || body_forbidden(status) {
            Vec::new()
        } else {
            read_body(reader, &headers, true)?
        };
        return Ok(Response {
            status,
            headers,
            body,
        });
    }
}

fn read_body<R: Read>(
    reader: &mut BufReader<R>,
    headers: &[(String, String)],
    until_eof_if_unframed: bool,
) -> io::Result<Vec<u8>> {
    if header_value(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        return read_chunked(reader);
    }
    if let Some(len) = header_value(headers, "content-length") {
        let len: usize = len
            .trim()
            .parse()
            .map_err(|_| invalid(format!("bad Content-Length {len:?}")))?;
        if len > MAX_BODY {
            return Err(invalid("body too large"));
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if until_eof_if_unframed {
        reader.take(MAX_BODY as u64).read_to_end(&mut body)?;
    }
    Ok(body)
}

fn read_chunked<R: Read>(reader: &mut BufReader<R>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let size_text = line.trim().split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| invalid(format!("bad chunk size {size_text:?}")))?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let mut trailer = String::new();
                let n = reader.read_line(&mut trailer)?;
                if n == 0 || trailer.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = String::new();
        reader.read_line(&mut crlf)?;
    }
}

pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Decodes `%XX` escapes (and, for query strings, `+` as space).
pub fn percent_decode(input: &str, plus_as_space: bool) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits a query string into decoded `(name, value)` pairs, in order.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_encodes_label_names() {
        assert_eq!(
            percent_decode("PM%3AStatus%3AIn%20Progress", false),
            "PM:Status:In Progress"
        );
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("%F0%9F%90%9E%20Bug", false), "🐞 Bug");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_encode("🐞 Bug"), "%F0%9F%90%9E%20Bug");
        assert_eq!(percent_encode("good first issue"), "good%20first%20issue");
    }

    #[test]
    fn reads_chunked_and_length_bodies() {
        let raw = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET /y?q=1 HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
        let mut reader = BufReader::new(&raw[..]);
        let first = read_request(&mut reader, || Ok(()))
            .expect("first")
            .expect("some");
        assert_eq!(first.body, b"abcde");
        assert!(first.keep_alive());
        let second = read_request(&mut reader, || Ok(()))
            .expect("second")
            .expect("some");
        assert_eq!(second.path(), "/y");
        assert_eq!(second.query(), "q=1");
        assert_eq!(second.body, b"hi");
        assert!(!second.keep_alive());
        assert!(read_request(&mut reader, || Ok(())).expect("eof").is_none());
    }
}
