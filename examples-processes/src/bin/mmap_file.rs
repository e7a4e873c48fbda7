//! Región de memoria mapeada: one file mapped into two procesos; one writes, the other reads.
//!
//! Ports: notes 004, "IPC" (Pipes, fifo, memory mapped regions). Python:
//! ```python
//! def writer(path, msg):
//!     with open(path, "r+b") as f, mmap.mmap(f.fileno(), 4096) as m:
//!         m[8:8 + len(msg)] = msg
//!         m[0:4] = len(msg).to_bytes(4, "little")
//! # the parent maps the same file, starts writer, then reads m[8:8 + n]
//! ```
//! Rust: `mmap(MAP_SHARED)` over a temp file (`examples_processes::mapped`,
//! where the `unsafe` lives): both procesos see the SAME pages, so a byte
//! the writer stores is there for the reader with no read() or copy. Nothing
//! orders two processes' accesses unless we do: the writer stores the bytes,
//! then their length with `Ordering::Release`; the reader waits for a
//! non-zero length loaded with `Ordering::Acquire`, and only then reads.
//! The file is removed on every path (the harness's `TempDir`), Ctrl-C
//! included; `--writer-fails` shows the reader does not wait for a dead writer.
//!
//! Run: cargo run -p examples-processes --bin mmap_file -- --message "hola, mundo"
#![forbid(unsafe_code)]

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::Parser;
use examples_processes::child::{self, Child, TempDir};
use examples_processes::mapped::{BODY_OFFSET, SharedMap};
use shared::output::{heading, line, results, say_as};

const WRITER_ROLE: &str = "mmap-writer";

#[derive(Parser, Debug)]
#[command(
    about = "A file mapped (MAP_SHARED) into two procesos: one writes, the other reads",
    allow_negative_numbers = true
)]
struct Args {
    /// What the writer proceso puts into the shared mapping.
    #[arg(long, default_value = "hola desde el proceso escritor", value_parser = non_empty)]
    message: String,
    /// Size of the file and of the mapping, in bytes.
    #[arg(long, default_value_t = 4096, value_name = "64..=1048576", value_parser = shared::cli::range(64..=1_048_576u32))]
    size: u32,
    /// How long the writer waits before it publishes, in ms: watch the reader wait.
    #[arg(long, default_value_t = 0, value_name = "0..=600000", value_parser = shared::cli::range(0..=600_000u64))]
    delay_ms: u64,
    /// Make the writer fail before it publishes: the reader does not wait for it.
    #[arg(long)]
    writer_fails: bool,
    #[command(flatten)]
    knobs: Knobs,
}

#[derive(clap::Args, Debug)]
struct Knobs {
    /// (test-only) Where to make the temp file's private directory.
    #[arg(long, hide = true)]
    dir: Option<PathBuf>,
    /// (set by the reader for the writer) The file to write into.
    #[arg(long, hide = true)]
    file: Option<PathBuf>,
}

fn non_empty(text: &str) -> Result<String, String> {
    (!text.is_empty())
        .then(|| text.to_string())
        .ok_or_else(|| "the message must not be empty".into())
}

/// The writer proceso: maps the file the parent created and publishes the message.
fn writer(file_path: &Path, args: &Args) -> anyhow::Result<()> {
    if args.writer_fails {
        bail!("writer failing on purpose before publishing (--writer-fails)");
    }
    // Not create: the parent made the file; the writer only opens it.
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(file_path)
        .with_context(|| format!("writer cannot open {}", file_path.display()))?;
    let map = SharedMap::new(&file, args.size as usize)?;
    let say = |message: String| say_as("escritor", message);
    if args.delay_ms > 0 {
        say(format!("waiting {} ms before publishing", args.delay_ms));
        std::thread::sleep(Duration::from_millis(args.delay_ms));
    }
    map.publish(args.message.as_bytes())?; // the bytes, then (Release) their length
    let n = args.message.len();
    say(format!(
        "wrote {n} bytes at offset {BODY_OFFSET}, then the length"
    ));
    map.sync()?; // to the file on disk; the reader's mapping needs no sync
    Ok(())
}

fn reader(args: &Args) -> anyhow::Result<()> {
    // Checked here, before any file or child exists: a message that cannot
    // fit is the user's mistake, not the writer's.
    let room = args.size as usize - BODY_OFFSET;
    ensure!(
        args.message.len() <= room,
        "the message ({} bytes) does not fit in the mapping ({room} bytes after the {BODY_OFFSET}-byte header): use a larger --size",
        args.message.len()
    );
    let dir = TempDir::new(args.knobs.dir.as_deref(), "mmap_file")?;
    let path = dir.join("shared.bin");
    // create_new: never reuse (or follow a link planted at) an existing path.
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    file.set_len(u64::from(args.size))?; // zeros: length 0 = "nothing published"
    let map = SharedMap::new(&file, args.size as usize)?;
    let say = |message: String| say_as("lector", message);
    say(format!(
        "mapped {} MAP_SHARED ({} bytes)",
        path.display(),
        args.size
    ));

    // The writer gets our own flags again, plus the file to open.
    let mut command = child::self_command(WRITER_ROLE)?;
    command
        .args(std::env::args_os().skip(1))
        .arg("--file")
        .arg(&path);
    let mut writer = Child::spawn(&mut command, "escritor")?;
    say(format!("started the writer, pid {}; waiting", writer.pid()));
    let limit = Duration::from_secs(60);
    // On an error below, `writer` is dropped (killed and reaped), then
    // `map` (unmapped), then `dir` (file removed): nothing is left.
    let bytes = map.wait_published(&mut writer, limit)?; // polls, Acquire
    let seen = String::from_utf8_lossy(&bytes).into_owned();
    say(format!(
        "saw {} bytes in my own mapping: {seen:?}",
        bytes.len()
    ));
    writer.join_ok(limit)?;

    // The same bytes through the file API: MAP_SHARED writes reach the file.
    let on_disk = std::fs::read(&path).context("cannot read the temp file back")?;
    let from_file = on_disk.get(BODY_OFFSET..BODY_OFFSET + bytes.len());
    let same = from_file == Some(&bytes[..]);
    say(format!("read(2) of the file gives the same bytes: {same}"));

    let matches = seen == args.message;
    drop(map);
    drop(dir);
    let removed = !path.exists();
    line("");
    line(format!(
        "The writer stored {} bytes in ITS mapping; the reader read them from ITS OWN mapping \
         of the same file, with no read() or pipe: {matches}. On disk too: {same}.",
        args.message.len()
    ));
    results(&[
        ("bytes", &bytes.len()),
        ("reader_saw_message", &matches),
        ("file_same", &same),
        ("file_removed", &removed),
        ("writer_pid", &writer.pid()),
        ("reader_pid", &std::process::id()),
    ]);
    ensure!(matches && same, "the bytes differ");
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    let args = Args::parse();
    // Python's `if __name__ == "__main__":` a re-executed child has a role.
    child::main_with_roles(
        || {
            heading("mmap: one file, two procesos (notes 004)");
            child::stop_on_signals()?; // Ctrl-C: writer reaped, file removed
            reader(&args)
        },
        |role| {
            (role == WRITER_ROLE)
                .then(|| writer(args.knobs.file.as_deref().context("--file")?, &args))
        },
    )
}
