//! FIFO (tubería con nombre): a named pipe carries lines from one proceso to another.
//!
//! Ports: notes 004, "IPC" (los procesos se coordinan usando Pipes, fifo,
//! memory mapped regions). Python:
//! ```python
//! os.mkfifo(path)
//! # writer proceso:                # reader proceso:
//! with open(path, "w") as f:        with open(path) as f:
//!     f.write("hola\n")                 print(f.read())
//! os.unlink(path)
//! ```
//! Rust: `nix::unistd::mkfifo` makes it; then std's `File` opens it like any
//! file. A FIFO is a pipe with a name: two processes that are not parent
//! and child can find it, and no data is stored in the file system (the
//! kernel buffers it). Its trap: `open` blocks until the other end opens
//! too, so a dead peer would hang us; `examples_processes::fifo` opens with
//! O_NONBLOCK and reads with a deadline. The FIFO is a file: the harness's
//! `TempDir` removes it on every path, Ctrl-C included.
//!
//! Run: cargo run -p examples-processes --bin fifo -- --lines 5 --interval-ms 300
//!      cargo run -p examples-processes --bin fifo -- --writer-crashes
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use examples_processes::child::{self, Child, TempDir};
use examples_processes::fifo::{
    open_for_reading, open_for_writing, read_lines, reading_limit, sent_at,
};
use nix::sys::stat::Mode;
use shared::output::{elapsed, heading, line, results, say_as};

const WRITER: &str = "fifo-writer";

#[derive(Parser, Debug)]
#[command(
    about = "A named pipe (mkfifo) between two procesos",
    allow_negative_numbers = true
)]
struct Args {
    /// What the writer proceso sends through the FIFO (one line).
    #[arg(long, default_value = "hola por la fifo", value_parser = one_line)]
    message: String,
    /// How many lines the writer sends.
    #[arg(long, default_value_t = 3, value_name = "1..=10000", value_parser = shared::cli::range(1..=10_000u32))]
    lines: u32,
    /// Pause between the writer's lines, in ms: watch them arrive one by one.
    #[arg(long, default_value_t = 0, value_name = "0..=60000", value_parser = shared::cli::range(0..=60_000u64))]
    interval_ms: u64,
    /// Make the writer fail before it opens the FIFO: the reader does not hang.
    #[arg(long)]
    writer_crashes: bool,
    #[command(flatten)]
    knobs: Knobs,
}

#[derive(clap::Args, Debug)]
struct Knobs {
    /// (test-only) Where to make the FIFO's private directory.
    #[arg(long, hide = true)]
    dir: Option<PathBuf>,
    /// (test-only) Wait this long before starting the writer, in ms.
    #[arg(long, hide = true, default_value_t = 0)]
    writer_after_ms: u64,
    /// (set by the reader for the writer) The FIFO to write into.
    #[arg(long, hide = true)]
    fifo: Option<PathBuf>,
}

/// One line that fits, with its prefix, in one atomic pipe write (PIPE_BUF = 4096).
fn one_line(text: &str) -> Result<String, String> {
    let fits = !text.is_empty() && text.len() <= 1000 && !text.contains('\n');
    fits.then(|| text.to_string())
        .ok_or_else(|| "give 1 to 1000 bytes on one line".into())
}

/// The writer proceso: open the FIFO for writing, send the lines, close.
fn writer(fifo: &Path, args: &Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.writer_crashes,
        "writer failing on purpose (--writer-crashes)"
    );
    let mut out = open_for_writing(fifo)?; // fails at once if no reader has it open
    for n in 1..=args.lines {
        if n > 1 {
            std::thread::sleep(Duration::from_millis(args.interval_ms));
        }
        // The whole line in ONE write: a write of at most PIPE_BUF bytes to
        // a pipe is atomic, never split or mixed with another writer's.
        let sent_ms = elapsed().as_secs_f64() * 1e3;
        let text = format!("line {n}: {} (sent at {sent_ms:.3} ms)\n", args.message);
        out.write_all(text.as_bytes())
            .context("write to the FIFO")?;
    }
    say_as(
        "escritor",
        format!("sent {} lines; closing my end", args.lines),
    );
    Ok(()) // dropping `out` closes the write end: the reader reads end-of-file
}

/// The reader proceso: mkfifo, start the writer, print each line as it comes.
fn reader(args: &Args) -> anyhow::Result<()> {
    let say = |message: String| say_as("lector", message);
    let dir = TempDir::new(args.knobs.dir.as_deref(), "fifo")?;
    let fifo = dir.join("canal");
    nix::unistd::mkfifo(&fifo, Mode::S_IRUSR | Mode::S_IWUSR).context("mkfifo")?;
    say(format!("made {} (`ls -l` shows type 'p')", fifo.display()));
    let mut input = open_for_reading(&fifo)?; // O_NONBLOCK: does not wait for a writer

    std::thread::sleep(Duration::from_millis(args.knobs.writer_after_ms));
    let started_ms = elapsed().as_secs_f64() * 1e3;
    // The writer gets our own flags again, plus the FIFO's path.
    let mut command = child::self_command(WRITER)?;
    command
        .args(std::env::args_os().skip(1))
        .arg("--fifo")
        .arg(&fifo);
    let mut writer = Child::spawn(&mut command, "escritor")?;
    say(format!("started the writer proceso, pid {}", writer.pid()));

    let (mut got, mut first_sent_ms, mut first_received_ms) = (Vec::new(), f64::NAN, f64::NAN);
    // The writer's pauses plus a margin: --lines 2 --interval-ms 60000 is on time.
    let limit = reading_limit(args.lines, args.interval_ms);
    read_lines(&mut input, &mut writer, limit, |text| {
        say(format!("received: {text}"));
        if got.is_empty() {
            first_received_ms = elapsed().as_secs_f64() * 1e3;
            first_sent_ms = sent_at(&text).unwrap_or(f64::NAN);
        }
        got.push(text);
    })?;
    let exit = writer.join(Duration::from_secs(60))?; // results first, even if it failed
    say(format!("the writer ended: {exit}"));
    drop(dir); // the FIFO and its directory: removed
    let removed = !fifo.exists();

    let in_order = got.len() == args.lines as usize
        && (1..)
            .zip(&got)
            .all(|(n, text)| text.starts_with(&format!("line {n}: {}", args.message)));
    line(format!(
        "\n{} of {} lines crossed the FIFO from pid {} to pid {}, in order: {in_order}. \
         The FIFO held no data (the kernel buffers it) and was removed: {removed}.",
        got.len(),
        args.lines,
        writer.pid(),
        std::process::id()
    ));
    line("Both processes stamp their lines on one clock (the writer continues the reader's).");
    results(&[
        ("items", &got.len()),
        ("expected", &args.lines),
        ("in_order", &in_order),
        ("fifo_removed", &removed),
        ("writer_pid", &writer.pid()),
        ("writer_exit", &exit),
        ("reader_pid", &std::process::id()),
        ("writer_started_ms", &format!("{started_ms:.3}")),
        ("first_sent_ms", &format!("{first_sent_ms:.3}")),
        ("first_received_ms", &format!("{first_received_ms:.3}")),
    ]);
    anyhow::ensure!(exit.success(), "the writer failed ({exit})");
    anyhow::ensure!(in_order, "the lines did not cross whole and in order");
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    let args = Args::parse();
    // Python's `if __name__ == "__main__":` a re-executed child has a role.
    child::main_with_roles(
        || {
            heading("FIFO: a named pipe between two procesos (notes 004)");
            child::stop_on_signals()?; // Ctrl-C: writer reaped, FIFO removed
            reader(&args)
        },
        |role| {
            (role == WRITER).then(|| writer(args.knobs.fifo.as_deref().context("--fifo")?, &args))
        },
    )
}
