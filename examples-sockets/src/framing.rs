//! Framing: where one message ends and the next begins on a byte stream.
//!
//! TCP delivers bytes, not messages: one `read` may return half a line or
//! three lines. Two framings, both bounded so a client cannot make the
//! server buffer without limit:
//! - lines (the echo protocol): bytes up to and including `\n`, at most
//!   `max` bytes; [`LineSplitter`] for non-blocking servers (bytes arrive in
//!   pieces), [`read_line`] for a blocking `BufRead`;
//! - length-prefixed frames (the mailbox's letters, later the distributed
//!   work): a 4-byte big-endian length, then that many bytes
//!   ([`write_frame`], [`read_frame`]).

use std::io::{self, BufRead, Read, Write};

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("line longer than {max} bytes")]
    LineTooLong { max: usize },
    #[error("frame of {len} bytes is over the limit of {max}")]
    FrameTooLong { len: usize, max: usize },
    #[error("connection closed in the middle of a frame")]
    Truncated,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Splits bytes that arrive in pieces into lines of at most `max` bytes
/// (the `\n` included). Holds at most `max` bytes of an unfinished line.
#[derive(Debug)]
pub struct LineSplitter {
    pending: Vec<u8>,
    max: usize,
}

impl LineSplitter {
    pub fn new(max: usize) -> Self {
        LineSplitter {
            pending: Vec::new(),
            max: max.max(1),
        }
    }

    /// Feeds `bytes`; every complete line is appended to `out` (each line
    /// exactly as sent, `\n` included). Returns the number of lines, or
    /// `LineTooLong` as soon as an unfinished line passes `max`.
    pub fn push(&mut self, mut bytes: &[u8], out: &mut Vec<u8>) -> Result<usize, FrameError> {
        let mut lines = 0;
        while let Some(at) = bytes.iter().position(|&b| b == b'\n') {
            if self.pending.len() + at + 1 > self.max {
                return Err(FrameError::LineTooLong { max: self.max });
            }
            out.extend_from_slice(&self.pending);
            out.extend_from_slice(&bytes[..=at]);
            self.pending.clear();
            bytes = &bytes[at + 1..];
            lines += 1;
        }
        // An unfinished line may not reach `max` either: it has no `\n` yet.
        if self.pending.len() + bytes.len() >= self.max && !bytes.is_empty() {
            return Err(FrameError::LineTooLong { max: self.max });
        }
        self.pending.extend_from_slice(bytes);
        Ok(lines)
    }

    /// The unfinished tail when the peer closes (echoed as it came).
    pub fn take_tail(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }

    /// Bytes of an unfinished line held now.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

/// Reads one line of at most `max` bytes into `line` (cleared first).
/// `Ok(0)` at end of stream; a last line without `\n` is returned as is.
pub fn read_line(
    reader: &mut impl BufRead,
    max: usize,
    line: &mut Vec<u8>,
) -> Result<usize, FrameError> {
    line.clear();
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if available.is_empty() {
            return Ok(line.len());
        }
        let (used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        if line.len() + used > max || (!done && line.len() + used >= max) {
            return Err(FrameError::LineTooLong { max });
        }
        line.extend_from_slice(&available[..used]);
        reader.consume(used);
        if done {
            return Ok(line.len());
        }
    }
}

/// [`read_line`] for tokio: the same bounds on an `AsyncBufRead`.
pub async fn read_line_async(
    reader: &mut (impl tokio::io::AsyncBufRead + Unpin),
    max: usize,
    line: &mut Vec<u8>,
) -> Result<usize, FrameError> {
    use tokio::io::AsyncBufReadExt;
    line.clear();
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(line.len());
        }
        let (used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        if line.len() + used > max || (!done && line.len() + used >= max) {
            return Err(FrameError::LineTooLong { max });
        }
        line.extend_from_slice(&available[..used]);
        reader.consume(used);
        if done {
            return Ok(line.len());
        }
    }
}

/// Writes one length-prefixed frame: 4 bytes of length (big-endian), then
/// the payload.
pub fn write_frame(writer: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u32::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
    // One write for length and payload: two small writes would meet Nagle's
    // algorithm and the peer's delayed ACK (a 40 ms wait per message).
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    writer.write_all(&frame)
}

/// Reads one frame of at most `max` bytes. `Ok(None)` on a clean end of
/// stream before a frame starts; a frame cut short is `Truncated`.
pub fn read_frame(reader: &mut impl Read, max: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_be_bytes(head) as usize;
    if len > max {
        return Err(FrameError::FrameTooLong { len, max });
    }
    let mut payload = vec![0; len];
    reader
        .read_exact(&mut payload)
        .map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => FrameError::Truncated,
            _ => FrameError::Io(e),
        })?;
    Ok(Some(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitter_finds_lines_across_pieces() {
        let mut s = LineSplitter::new(10);
        let mut out = Vec::new();
        assert_eq!(s.push(b"ab", &mut out).unwrap(), 0);
        assert_eq!(s.push(b"c\nd\n\xff\0", &mut out).unwrap(), 2);
        assert_eq!(out, b"abc\nd\n");
        assert_eq!(s.pending(), 2);
        assert_eq!(s.take_tail(), b"\xff\0");
    }

    #[test]
    fn splitter_refuses_a_long_line_and_holds_at_most_max() {
        let mut out = Vec::new();
        // Exactly max bytes with the newline is fine.
        assert_eq!(LineSplitter::new(4).push(b"abc\n", &mut out).unwrap(), 1);
        assert!(LineSplitter::new(4).push(b"abcd\n", &mut out).is_err());
        let mut s = LineSplitter::new(4);
        s.push(b"ab", &mut out).unwrap();
        assert!(matches!(
            s.push(b"cd", &mut out),
            Err(FrameError::LineTooLong { max: 4 })
        ));
        assert!(s.pending() <= 4);
    }

    #[test]
    fn read_line_bounds_and_keeps_bytes() {
        let mut input: &[u8] = b"one\n\0\xfe\ntail";
        let mut line = Vec::new();
        assert_eq!(read_line(&mut input, 8, &mut line).unwrap(), 4);
        assert_eq!(line, b"one\n");
        read_line(&mut input, 8, &mut line).unwrap();
        assert_eq!(line, b"\0\xfe\n");
        read_line(&mut input, 8, &mut line).unwrap();
        assert_eq!(line, b"tail");
        assert_eq!(read_line(&mut input, 8, &mut line).unwrap(), 0);
        let mut long: &[u8] = b"0123456789\n";
        assert!(matches!(
            read_line(&mut long, 8, &mut line),
            Err(FrameError::LineTooLong { .. })
        ));
        // A BufReader with a small buffer: the line arrives in pieces.
        let mut small = io::BufReader::with_capacity(2, &b"abcdef\n"[..]);
        assert_eq!(read_line(&mut small, 8, &mut line).unwrap(), 7);
    }

    #[test]
    fn async_read_line_matches_the_blocking_one() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut input = tokio::io::BufReader::with_capacity(2, &b"ab\0\n\xffcd"[..]);
            let mut line = Vec::new();
            assert_eq!(read_line_async(&mut input, 8, &mut line).await.unwrap(), 4);
            assert_eq!(line, b"ab\0\n");
            assert_eq!(read_line_async(&mut input, 8, &mut line).await.unwrap(), 3);
            assert_eq!(read_line_async(&mut input, 8, &mut line).await.unwrap(), 0);
            let mut long = &b"0123456789\n"[..];
            assert!(read_line_async(&mut long, 8, &mut line).await.is_err());
        });
    }

    #[test]
    fn frames_round_trip_and_are_bounded() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"carta").unwrap();
        write_frame(&mut wire, b"").unwrap();
        let mut r = &wire[..];
        assert_eq!(read_frame(&mut r, 16).unwrap().unwrap(), b"carta");
        assert_eq!(read_frame(&mut r, 16).unwrap().unwrap(), b"");
        assert!(read_frame(&mut r, 16).unwrap().is_none());
        assert!(matches!(
            read_frame(&mut &wire[..], 3),
            Err(FrameError::FrameTooLong { len: 5, max: 3 })
        ));
        assert!(matches!(
            read_frame(&mut &wire[..6], 16),
            Err(FrameError::Truncated)
        ));
        assert!(matches!(
            read_frame(&mut &wire[..2], 16),
            Err(FrameError::Truncated)
        ));
    }
}
