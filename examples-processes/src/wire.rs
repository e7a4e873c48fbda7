//! Serialised values on a byte stream (a pipe, a socket): one frame each.
//!
//! A pipe or a stream socket carries bytes, not messages: one `write` on one
//! end may arrive as two `read`s on the other, or two writes as one read.
//! So each value is sent as a *frame*: its length (4 bytes, little-endian),
//! then its bytes, serialised with serde + postcard (Python's `pickle` in the
//! notes; postcard is also what ipc-channel uses inside). The reader reads
//! exactly the length, then exactly that many bytes.
//!
//! A frame is written with one `write_all` of one buffer: for frames up to
//! `PIPE_BUF` (4096 bytes on Linux) a pipe write is atomic, so frames from
//! several writers on one pipe never interleave.
//!
//! Bad input is an error, never a panic: a frame larger than [`MAX_FRAME`],
//! a stream that ends inside a frame, or bytes that are not a valid value.
#![forbid(unsafe_code)]

use std::io::{self, Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest frame accepted (1 MiB): a corrupt length must not make the
/// reader allocate gigabytes.
pub const MAX_FRAME: usize = 1 << 20;

/// Writes `value` as one frame.
pub fn write_frame<W: Write, T: Serialize>(writer: &mut W, value: &T) -> io::Result<()> {
    let payload =
        postcard::to_stdvec(value).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    write_bytes_frame(writer, &payload)
}

/// Reads one frame. `Ok(None)` when the stream ends cleanly *between*
/// frames (the writer closed its end); an error if it ends inside one.
pub fn read_frame<R: Read, T: DeserializeOwned>(reader: &mut R) -> io::Result<Option<T>> {
    let Some(payload) = read_bytes_frame(reader)? else {
        return Ok(None);
    };
    postcard::from_bytes(&payload).map(Some).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a valid value: {e}"),
        )
    })
}

/// Writes `payload`, bytes already serialised (or not a value at all), as
/// one frame: for a program that decodes frames itself, to answer a bad
/// one with an error instead of failing the whole stream.
pub fn write_bytes_frame<W: Write>(writer: &mut W, payload: &[u8]) -> io::Result<()> {
    if payload.len() > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "value is {} bytes, over the {MAX_FRAME}-byte frame limit",
                payload.len()
            ),
        ));
    }
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(payload);
    writer.write_all(&frame)?;
    writer.flush()
}

/// Reads one frame's bytes, without decoding them. `Ok(None)` on a clean
/// end between frames, as [`read_frame`].
pub fn read_bytes_frame<R: Read>(reader: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 4];
    // The first byte tells "clean end" (0 bytes) from "a frame starts".
    loop {
        match reader.read(&mut length[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    reader.read_exact(&mut length[1..])?;
    let length = u32::from_le_bytes(length) as usize;
    if length > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {length} bytes announced, over the {MAX_FRAME}-byte limit"),
        ));
    }
    let mut payload = vec![0u8; length];
    reader.read_exact(&mut payload)?;
    Ok(Some(payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::io::Cursor;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Message {
        Square(u64),
        Text(String),
    }

    #[test]
    fn values_round_trip_one_frame_each_then_a_clean_end() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, &Message::Square(12)).unwrap();
        write_frame(&mut bytes, &Message::Text("hola".into())).unwrap();
        let mut reader = Cursor::new(bytes);
        assert_eq!(read_frame(&mut reader).unwrap(), Some(Message::Square(12)));
        assert_eq!(
            read_frame(&mut reader).unwrap(),
            Some(Message::Text("hola".into()))
        );
        assert_eq!(read_frame::<_, Message>(&mut reader).unwrap(), None);
    }

    #[test]
    fn a_stream_cut_inside_a_frame_is_an_error() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, &Message::Text("hola".into())).unwrap();
        for cut in 1..bytes.len() {
            let err = read_frame::<_, Message>(&mut Cursor::new(&bytes[..cut])).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}");
        }
    }

    #[test]
    fn a_huge_length_is_refused_before_allocating() {
        let bytes = u32::MAX.to_le_bytes();
        let err = read_frame::<_, Message>(&mut Cursor::new(bytes)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("over the"), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut bytes = 3u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0xff, 0xff, 0xff]);
        let err = read_frame::<_, Message>(&mut Cursor::new(bytes)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn raw_frames_carry_any_bytes_newlines_and_empty_included() {
        let mut bytes = Vec::new();
        write_bytes_frame(&mut bytes, b"hola\nmundo").unwrap();
        write_bytes_frame(&mut bytes, b"").unwrap();
        let mut reader = Cursor::new(bytes);
        assert_eq!(
            read_bytes_frame(&mut reader).unwrap(),
            Some(b"hola\nmundo".to_vec())
        );
        assert_eq!(read_bytes_frame(&mut reader).unwrap(), Some(Vec::new()));
        assert_eq!(read_bytes_frame(&mut reader).unwrap(), None, "clean end");
    }

    #[test]
    fn too_big_a_value_is_refused_on_write() {
        let big = Message::Text("x".repeat(MAX_FRAME + 1));
        let err = write_frame(&mut Vec::new(), &big).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
