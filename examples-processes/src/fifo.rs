//! The two traps of a FIFO, handled once for the `fifo` example.
//!
//! Opening a FIFO BLOCKS until the other end is opened too. If the writer
//! dies before opening, a reader in a blocking `open` waits forever; if the
//! reader is gone, so does a writer. So:
//!
//! - [`open_for_writing`] opens with `O_NONBLOCK`, which fails at once
//!   (ENXIO) when no reader has the FIFO open, then makes its end blocking
//!   again for the writes (a full pipe then waits instead of failing with
//!   EAGAIN);
//! - [`read_lines`] reads an end opened with `O_NONBLOCK` (such an open
//!   never waits for a writer) with `poll` and a deadline, and asks about
//!   the writer process itself, because until a writer has opened the FIFO
//!   Linux reports neither data nor hang-up.
#![forbid(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read as _};
use std::os::fd::AsFd as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use crate::child::{self, Child};

/// Opens the FIFO's write end without ever waiting for a reader.
pub fn open_for_writing(fifo: &Path) -> anyhow::Result<File> {
    let out = match OpenOptions::new()
        .write(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(fifo)
    {
        Ok(out) => out,
        Err(error) if error.raw_os_error() == Some(Errno::ENXIO as i32) => bail!(
            "no reader has {} open (ENXIO): nobody would read what I write",
            fifo.display()
        ),
        Err(error) => return Err(error).with_context(|| format!("open {}", fifo.display())),
    };
    let flags = fcntl(&out, FcntlArg::F_GETFL).context("F_GETFL on the FIFO")?;
    let blocking = OFlag::from_bits_truncate(flags) & !OFlag::O_NONBLOCK;
    fcntl(&out, FcntlArg::F_SETFL(blocking)).context("clearing O_NONBLOCK on the FIFO")?;
    Ok(out)
}

/// Opens the FIFO's read end without waiting for a writer.
pub fn open_for_reading(fifo: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(fifo)
        .with_context(|| format!("open {} for reading", fifo.display()))
}

/// The writer's clock stamp in a line "line 1: hola (sent at 12.345 ms)":
/// the harness's check that parent and child stamp on one clock.
pub fn sent_at(text: &str) -> Option<f64> {
    text.rsplit_once("(sent at ")?
        .1
        .strip_suffix(" ms)")?
        .parse()
        .ok()
}

/// How long the reader waits for a writer sending `lines` lines with a
/// pause of `interval_ms` between them: the writer's own pauses, plus a
/// minute for starting it and moving the bytes (generous: a loaded machine).
/// A fixed limit would give up on a slow writer that is still on time.
pub fn reading_limit(lines: u32, interval_ms: u64) -> Duration {
    let pauses = Duration::from_millis(interval_ms).saturating_mul(lines.saturating_sub(1));
    pauses.saturating_add(Duration::from_secs(60))
}

/// Reads lines from `input` (opened with [`open_for_reading`]) until every
/// writer closed its end, calling `on_line` for each complete line as it
/// arrives. Gives up after `limit`, when `writer` ended without opening the
/// FIFO, or on a stop signal ([`child::stop_on_signals`]).
pub fn read_lines(
    input: &mut File,
    writer: &mut Child,
    limit: Duration,
    mut on_line: impl FnMut(String),
) -> anyhow::Result<()> {
    let until = Instant::now() + limit;
    // Bytes of a line not yet complete. Each read looks only at its own new
    // bytes: re-scanning everything received on every read is quadratic.
    let mut partial = Vec::new();
    let mut buffer = [0u8; 4096];
    let mut connected = false;
    loop {
        child::check_stop()?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("the writer sent no end-of-file within {limit:?}");
        }
        // Wake at least every 100 ms to look at the writer.
        let slice =
            PollTimeout::try_from(left.min(Duration::from_millis(100))).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(input.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, slice).context("poll the FIFO")? == 0 {
            if !connected && let Some(exit) = writer.try_wait()? {
                // It may have written and closed between our poll and
                // try_wait: look once more, without waiting.
                let mut again = [PollFd::new(input.as_fd(), PollFlags::POLLIN)];
                if poll(&mut again, PollTimeout::ZERO).context("poll the FIFO")? == 0 {
                    bail!("the writer ended ({exit}) without opening the FIFO");
                }
            }
            continue;
        }
        match input.read(&mut buffer) {
            // 0 bytes after poll said "ready": every writer closed its end.
            Ok(0) => {
                if !partial.is_empty() {
                    on_line(String::from_utf8_lossy(&partial).into_owned());
                }
                return Ok(());
            }
            Ok(n) => {
                connected = true;
                for &byte in &buffer[..n] {
                    if byte == b'\n' {
                        on_line(String::from_utf8_lossy(&partial).into_owned());
                        partial.clear();
                    } else {
                        partial.push(byte);
                    }
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
            Err(error) => return Err(error).context("read from the FIFO"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn reading_limit_covers_the_writers_pauses() {
        use super::reading_limit;
        // The run that failed with a fixed 60 s: 2 lines, 60 s apart.
        assert!(reading_limit(2, 60_000) > Duration::from_secs(60));
        assert_eq!(reading_limit(2, 60_000), Duration::from_secs(120));
        assert_eq!(reading_limit(1, 60_000), Duration::from_secs(60));
        assert_eq!(reading_limit(3, 0), Duration::from_secs(60));
        // The largest flags: 9999 pauses of 60 s, no overflow.
        assert_eq!(
            reading_limit(10_000, 60_000),
            Duration::from_secs(9_999 * 60 + 60)
        );
    }

    #[test]
    fn sent_at_reads_the_writers_stamp() {
        assert_eq!(
            super::sent_at("line 1: hola (sent at 12.345 ms)"),
            Some(12.345)
        );
        assert_eq!(super::sent_at("line 1: hola"), None);
        assert_eq!(super::sent_at("line 1: x (sent at soon ms)"), None);
    }
}
