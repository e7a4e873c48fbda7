//! HTTP/1.1 responses parsed by hand, from the bytes (no I/O here), so the
//! blocking and the async GET of `http_get` share it. What `requests` and
//! `http.client` do under `response.status` and `response.text`.
//!
//! A response: a status line `HTTP/1.1 200 OK\r\n`, header lines
//! `Name: value\r\n`, an empty line, then the body, framed one of three ways:
//! `Content-Length: N` (N bytes), `Transfer-Encoding: chunked` (hex size
//! line, that many bytes, CRLF, ..., a 0 size), or neither (until close).

use std::fmt::Write as _;

/// Most bytes of a response these examples accept.
pub const MAX_RESPONSE: usize = 8 << 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HttpError {
    #[error("only http:// URLs (no TLS here): {0:?}")]
    NotHttp(String),
    #[error("malformed response: no empty line ends the head (got {0} bytes)")]
    NoHeadEnd(usize),
    #[error("malformed response: status line {0:?} is not `HTTP/1.x NNN reason`")]
    BadStatus(String),
    #[error("malformed response: header line {0:?} has no `:`")]
    BadHeader(String),
    #[error("malformed response: Content-Length {0:?} is not a number")]
    BadLength(String),
    #[error("malformed response: body is {got} bytes, Content-Length said {want}")]
    ShortBody { got: usize, want: usize },
    #[error("malformed response: bad chunk size line {0:?}")]
    BadChunk(String),
    #[error("malformed response: the chunked body ends before its 0-size chunk")]
    ChunksCut,
}

/// How the body was framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    ContentLength(usize),
    /// The chunk sizes, in order.
    Chunked,
    UntilClose,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub framing: Framing,
    pub chunk_sizes: Vec<usize>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Host (with port) and path of an `http://` URL; port 80 if none.
pub fn split_url(url: &str) -> Result<(String, String), HttpError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| HttpError::NotHttp(url.into()))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() {
        return Err(HttpError::NotHttp(url.into()));
    }
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    Ok((host, path.to_string()))
}

/// The request bytes of a GET: what goes on the wire.
pub fn request(host: &str, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: concurrencia-rs\r\nAccept: */*\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// Parses a whole response (the connection was closed after it).
pub fn parse(raw: &[u8]) -> Result<Response, HttpError> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(HttpError::NoHeadEnd(raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let rest = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let status = match code.parse::<u16>() {
        Ok(n) if version.starts_with("HTTP/1.") && code.len() == 3 => n,
        _ => return Err(HttpError::BadStatus(status_line.into())),
    };
    let reason = parts.next().unwrap_or("").to_string();
    let headers = lines
        .map(|line| match line.split_once(':') {
            Some((name, value)) => Ok((name.trim().to_string(), value.trim().to_string())),
            None => Err(HttpError::BadHeader(line.into())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut chunk_sizes = Vec::new();
    let (framing, body) =
        if find("Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            (Framing::Chunked, dechunk(rest, &mut chunk_sizes)?)
        } else if let Some(len) = find("Content-Length") {
            let want: usize = len.parse().map_err(|_| HttpError::BadLength(len.clone()))?;
            if rest.len() < want {
                return Err(HttpError::ShortBody {
                    got: rest.len(),
                    want,
                });
            }
            (Framing::ContentLength(want), rest[..want].to_vec())
        } else {
            (Framing::UntilClose, rest.to_vec())
        };
    Ok(Response {
        status,
        reason,
        headers,
        framing,
        chunk_sizes,
        body,
    })
}

fn dechunk(mut rest: &[u8], sizes: &mut Vec<usize>) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or(HttpError::ChunksCut)?;
        let line = String::from_utf8_lossy(&rest[..eol]).into_owned();
        // The size may carry extensions after `;`.
        let hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| HttpError::BadChunk(line.clone()))?;
        rest = &rest[eol + 2..];
        sizes.push(size);
        if size == 0 {
            return Ok(body); // trailers, if any, are ignored
        }
        if rest.len() < size + 2 {
            return Err(HttpError::ChunksCut);
        }
        body.extend_from_slice(&rest[..size]);
        if &rest[size..size + 2] != b"\r\n" {
            return Err(HttpError::BadChunk(format!(
                "no CRLF after a {size}-byte chunk"
            )));
        }
        rest = &rest[size + 2..];
    }
}

/// Bytes as a student reads them: printable ASCII as is, `\r` `\n` and the
/// rest escaped, a line break after each `\n`; at most `max` bytes.
pub fn show_bytes(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(max) {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n\n"),
            b' '..=b'~' => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    if bytes.len() > max {
        let _ = write!(out, "... ({} more bytes)", bytes.len() - max);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_body() {
        let r = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-A: b\r\n\r\nhola").unwrap();
        assert_eq!(
            (r.status, r.reason.as_str(), r.framing),
            (200, "OK", Framing::ContentLength(4))
        );
        assert_eq!(r.body, b"hola");
        assert_eq!(r.header("x-a"), Some("b"));
    }

    #[test]
    fn chunked_body() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhola\r\nA;x=y\r\n, mundo!!!\r\n0\r\n\r\n";
        let r = parse(raw).unwrap();
        assert_eq!(r.body, b"hola, mundo!!!");
        assert_eq!(r.chunk_sizes, vec![4, 10, 0]);
    }

    #[test]
    fn malformed_responses_are_clear_errors() {
        assert!(matches!(
            parse(b"hello\r\n\r\n"),
            Err(HttpError::BadStatus(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 2000 OK\r\n\r\n"),
            Err(HttpError::BadStatus(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n"),
            Err(HttpError::BadHeader(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"),
            Err(HttpError::ShortBody { got: 3, want: 9 })
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"),
            Err(HttpError::BadLength(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            Err(HttpError::BadChunk(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
            Err(HttpError::ChunksCut)
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\n"),
            Err(HttpError::NoHeadEnd(_))
        ));
    }

    #[test]
    fn urls_and_requests() {
        assert_eq!(
            split_url("http://127.0.0.1:8080/a/b").unwrap(),
            ("127.0.0.1:8080".into(), "/a/b".into())
        );
        assert_eq!(
            split_url("http://example.com").unwrap(),
            ("example.com:80".into(), "/".into())
        );
        assert!(split_url("https://example.com/").is_err());
        assert!(request("h:1", "/").ends_with(b"\r\n\r\n"));
        assert_eq!(show_bytes(b"a\r\n\x01", 10), "a\\r\\n\n\\x01");
    }
}
