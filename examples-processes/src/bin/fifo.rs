//! FIFO (tubería con nombre): a named pipe carries lines from one proceso to another.
//!
//! Ports: notes 004, "los procesos se coordinan usando IPC: Pipes, fifo,
//! memory mapped regions".
//!
//! Python:
//! ```python
//! os.mkfifo(path)
//! # writer proceso:              # reader proceso:
//! with open(path, "w") as f:      with open(path) as f:
//!     f.write("hola\n")               print(f.read())
//! os.unlink(path)
//! ```
//! Rust: `nix::unistd::mkfifo` makes the FIFO; after that it is a path that
//! std's `File` opens like any file. A FIFO is a pipe with a name in the file
//! system: unlike `pipe()`, two processes that are not parent and child (or
//! not even started by the same program) can find it. No data is ever stored
//! in the file system: the bytes pass through a kernel buffer.
//!
//! The trap: opening a FIFO BLOCKS until the other end is opened too. If the
//! writer dies before opening, a reader in a blocking `open` waits forever;
//! if the reader is gone, so does a writer. So the reader opens its end with
//! `O_NONBLOCK` (which never waits for a writer), then waits with `poll` and
//! a deadline, and checks that the writer is still alive; the writer opens
//! with `O_NONBLOCK` too, which fails at once (ENXIO) when no reader is
//! there, then makes its end blocking again for the writes. And the FIFO is a file: it must be removed afterwards, on
//! every path, errors included; a guard value does that when it is dropped.
//!
//! Ctrl-C or `kill -TERM` stops the reader in order (writer killed and
//! reaped, FIFO removed); the writer dies with the reader if the reader is
//! killed outright (`child::die_with_parent`). Try `--interval-ms 1000`.
//!
//! What you will see: the reader (this proceso) makes a private directory
//! and the FIFO in it, starts the writer (this binary re-executed with a role,
//! Python's "spawn"), prints each line as it arrives, and removes the FIFO.
//! With `--writer-crashes` the writer fails before opening the FIFO: the
//! reader reports it at once (no hang) and still removes the FIFO.
//!
//! Run: cargo run -p examples-processes --bin fifo
//!      cargo run -p examples-processes --bin fifo -- --message "hola" --lines 5
//!      cargo run -p examples-processes --bin fifo -- --writer-crashes
#![forbid(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use examples_processes::child::{self, Child, self_command};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::stat::Mode;
use nix::unistd::mkfifo;
use shared::output::{heading, line, say_as};

/// The role of the re-executed child.
const WRITER_ROLE: &str = "fifo-writer";

#[derive(Parser, Debug)]
#[command(
    allow_negative_numbers = true,
    about = "A named pipe (mkfifo) between two procesos; the FIFO is removed afterwards"
)]
struct Args {
    /// What the writer proceso sends through the FIFO.
    #[arg(long, default_value = "hola por la fifo", value_parser = one_line)]
    message: String,
    /// How many lines the writer sends.
    #[arg(long, default_value_t = 3, value_name = "1..=10_000", value_parser = shared::cli::range(1..=10_000u32))]
    lines: u32,
    /// Pause between the writer's lines, in ms: watch them arrive one by one.
    #[arg(long, default_value_t = 0, value_name = "0..=60_000", value_parser = shared::cli::range(0..=60_000u64))]
    interval_ms: u64,
    /// Directory in which to make the FIFO's private directory (default: the system temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// How long the reader waits for the writer, in ms.
    #[arg(long, default_value_t = 10_000, value_name = "1..=600_000", value_parser = shared::cli::range(1..=600_000u64))]
    timeout_ms: u64,
    /// Make the writer fail before it opens the FIFO: shows the reader does
    /// not hang and the FIFO is removed on the error path too.
    #[arg(long)]
    writer_crashes: bool,
    /// The FIFO to write into (set by the parent for the writer proceso).
    #[arg(long, hide = true)]
    fifo: Option<PathBuf>,
}

/// A message is one line of text that fits, with its prefix, in one atomic
/// pipe write (PIPE_BUF = 4096 bytes).
fn one_line(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 1000 || text.contains('\n') {
        Err("give 1 to 1000 bytes of text on one line".into())
    } else {
        Ok(text.to_string())
    }
}

/// A private directory holding the FIFO; both are removed when this value
/// is dropped (success, `?` error, or unwinding panic).
struct FifoDir {
    dir: PathBuf,
    fifo: PathBuf,
}

impl FifoDir {
    fn create(parent: &Path) -> anyhow::Result<FifoDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = parent.join(format!("fifo-{}-{nanos}", std::process::id()));
        // 0700 and must not exist yet: no other user can plant or open the FIFO.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let fifo = dir.join("canal");
        // From here on the guard exists, so an error below still cleans up.
        let guard = FifoDir { dir, fifo };
        mkfifo(&guard.fifo, Mode::S_IRUSR | Mode::S_IWUSR)
            .with_context(|| format!("mkfifo {}", guard.fifo.display()))?;
        Ok(guard)
    }
}

impl Drop for FifoDir {
    fn drop(&mut self) {
        // The FIFO first (an entry in the directory), then the empty directory.
        let fifo = std::fs::remove_file(&self.fifo);
        let dir = std::fs::remove_dir(&self.dir);
        match (fifo, dir) {
            (Ok(()), Ok(())) | (Err(_), Ok(())) => {
                say_as("lector", format!("FIFO removed: {}", self.fifo.display()))
            }
            (_, Err(error)) => say_as(
                "lector",
                format!("could not remove {}: {error}", self.dir.display()),
            ),
        }
    }
}

/// Opens the FIFO's write end without ever waiting for a reader.
///
/// A plain blocking open waits until some process opens the read end. The
/// parent opened it before starting us, but if the parent has exited since,
/// that open would wait forever. With O_NONBLOCK, opening for writing a FIFO
/// that no one has open for reading fails at once with ENXIO. Once open,
/// O_NONBLOCK is cleared again, so the writes below block while the pipe is
/// full instead of failing with EAGAIN.
fn open_for_writing(fifo: &Path) -> anyhow::Result<File> {
    let out = match OpenOptions::new()
        .write(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(fifo)
    {
        Ok(out) => out,
        Err(error) if error.raw_os_error() == Some(Errno::ENXIO as i32) => {
            bail!(
                "no reader has {} open (ENXIO): nobody would read what I write",
                fifo.display()
            )
        }
        Err(error) => {
            return Err(error).with_context(|| format!("writer cannot open {}", fifo.display()));
        }
    };
    let flags = fcntl(&out, FcntlArg::F_GETFL).context("F_GETFL on the FIFO")?;
    let blocking = OFlag::from_bits_truncate(flags) & !OFlag::O_NONBLOCK;
    fcntl(&out, FcntlArg::F_SETFL(blocking)).context("clearing O_NONBLOCK on the FIFO")?;
    Ok(out)
}

/// The writer proceso: opens the FIFO for writing and sends the lines.
fn writer(fifo: &Path, args: &Args) -> anyhow::Result<()> {
    if args.writer_crashes {
        bail!("writer failing on purpose before opening the FIFO (--writer-crashes)");
    }
    let mut out = open_for_writing(fifo)?;
    let me = std::process::id();
    for line in 1..=args.lines {
        if line > 1 && args.interval_ms > 0 {
            std::thread::sleep(Duration::from_millis(args.interval_ms));
        }
        // Build the whole line, then ONE write: a write of at most PIPE_BUF
        // (4096) bytes to a pipe is atomic, never split or mixed with another
        // writer's. (`writeln!` straight to an unbuffered File may issue one
        // write per piece of the format string.)
        let text = format!(
            "line {line} of {}: {} (from pid {me})\n",
            args.lines, args.message
        );
        out.write_all(text.as_bytes())
            .context("write to the FIFO")?;
    }
    say_as(
        "escritor",
        format!("sent {} lines; closing my end", args.lines),
    );
    // Dropping `out` closes the write end: the reader then reads end-of-file.
    Ok(())
}

/// Reads everything the writer sends, with a deadline, never blocking in
/// `open` or `read`: returns the lines once the writer closes its end.
fn read_all(input: &mut File, writer: &mut Child, limit: Duration) -> anyhow::Result<Vec<String>> {
    let until = Instant::now() + limit;
    let mut lines = Vec::new();
    // Bytes read but not yet part of a complete line. Each read looks only
    // at its own new bytes: re-scanning everything received so far on every
    // read would make a long transfer quadratic.
    let mut partial = Vec::new();
    let mut buffer = [0u8; 4096];
    let mut connected = false;
    loop {
        // Ctrl-C or SIGTERM: stop here; the caller's guards kill and reap
        // the writer and remove the FIFO.
        child::check_stop()?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("the writer sent no end-of-file within {limit:?}");
        }
        // Wake at least every 100 ms to check that the writer is alive.
        let slice = left.min(Duration::from_millis(100));
        let mut fds = [PollFd::new(input.as_fd(), PollFlags::POLLIN)];
        let ready = poll(
            &mut fds,
            PollTimeout::try_from(slice).unwrap_or(PollTimeout::MAX),
        )
        .context("poll the FIFO")?;
        if ready == 0 {
            // Nothing yet. Until a writer has opened the FIFO, Linux reports
            // neither data nor hang-up, so a writer that died before opening
            // is seen only here, by asking about the process itself.
            if !connected && let Some(exit) = writer.try_wait()? {
                // It may have opened, written and closed between our poll
                // and try_wait: its bytes are still in the FIFO. Look once
                // more, without waiting, before giving up.
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
                    // A last line without its newline still counts.
                    lines.push(received(&partial));
                }
                return Ok(lines);
            }
            Ok(n) => {
                connected = true;
                // A read returns whatever is in the pipe: part of a line, or
                // several. Print each line as soon as it is complete.
                for &byte in &buffer[..n] {
                    if byte == b'\n' {
                        lines.push(received(&partial));
                        partial.clear();
                    } else {
                        partial.push(byte);
                    }
                }
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {}
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error).context("read from the FIFO"),
        }
    }
}

/// One complete line from the FIFO: printed, and returned as text.
fn received(bytes: &[u8]) -> String {
    let line = String::from_utf8_lossy(bytes).into_owned();
    say_as("lector", format!("received: {line}"));
    line
}

fn reader(args: &Args) -> anyhow::Result<()> {
    let parent = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let fifo = FifoDir::create(&parent)?;
    let kind = std::fs::metadata(&fifo.fifo)?.file_type();
    say_as(
        "lector",
        format!(
            "made {} (a FIFO: {}; `ls -l` shows its type as 'p')",
            fifo.fifo.display(),
            kind.is_fifo()
        ),
    );

    // O_NONBLOCK: open the read end without waiting for a writer.
    let mut input = OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(&fifo.fifo)
        .context("open the FIFO for reading")?;

    let mut command = self_command(WRITER_ROLE)?;
    command
        .arg("--fifo")
        .arg(&fifo.fifo)
        // `--flag=value`, one argument: a message that starts with '-'
        // would otherwise be read by the child's clap as a flag.
        .arg(format!("--message={}", args.message))
        .args(["--lines", &args.lines.to_string()])
        .args(["--interval-ms", &args.interval_ms.to_string()]);
    if args.writer_crashes {
        command.arg("--writer-crashes");
    }
    let mut writer = Child::spawn(&mut command, "escritor")?;
    say_as(
        "lector",
        format!("started the writer proceso, pid {}", writer.pid()),
    );

    let limit = Duration::from_millis(args.timeout_ms);
    // On an error here, `writer` is dropped (killed and reaped) and then
    // `fifo` (FIFO and directory removed).
    let lines = read_all(&mut input, &mut writer, limit)?;
    let exit = writer.join(limit)?;
    say_as(
        "lector",
        format!("writer proceso {} ended: {exit}", writer.pid()),
    );

    let received = lines.len();
    let crossed = lines.iter().all(|line| {
        line.contains(&args.message) && line.contains(&format!("from pid {}", writer.pid()))
    });
    drop(input);
    drop(fifo);
    line("");
    line(format!(
        "What you saw: {received} of {} lines crossed the FIFO from the writer (pid {}) to the reader (pid {}).",
        args.lines,
        writer.pid(),
        std::process::id()
    ));
    line(format!(
        "The message crossed: {}. The FIFO held no data itself (the kernel buffers it) and was removed.",
        if crossed && received == args.lines as usize {
            "yes"
        } else {
            "NO"
        }
    ));
    anyhow::ensure!(exit.success(), "the writer failed ({exit})");
    anyhow::ensure!(
        crossed && received == args.lines as usize,
        "the message did not cross whole"
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Python's `if __name__ == "__main__"`: a re-executed child has a role.
    let result = match child::role().as_deref() {
        Some(WRITER_ROLE) => writer_main(&args),
        Some(other) => Err(anyhow::anyhow!("unknown role {other:?}")),
        None => {
            heading("FIFO: a named pipe between two procesos (notes 004)");
            // Before any thread starts. Ctrl-C or SIGTERM then ends the
            // reader in order: the writer is killed and reaped, and the FIFO
            // removed, instead of this process dying with the FIFO left behind.
            child::stop_on_signals()
                .map_err(anyhow::Error::from)
                .and_then(|_| reader(&args))
        }
    };
    child::exit_code(result)
}

fn writer_main(args: &Args) -> anyhow::Result<()> {
    // First of all: if the reader dies, so do we (no orphans).
    child::die_with_parent()?;
    let fifo = args.fifo.as_deref().context("the writer needs --fifo")?;
    writer(fifo, args)
}
