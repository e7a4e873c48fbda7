//! Región de memoria mapeada: one file mapped into two procesos; one writes, the other reads.
//!
//! Ports: notes 004, "Memoria compartida ... los procesos se coordinan usando
//! IPC: Pipes, fifo, memory mapped regions".
//!
//! Python:
//! ```python
//! import mmap, multiprocessing
//! def writer(path, msg):
//!     with open(path, "r+b") as f, mmap.mmap(f.fileno(), 4096) as m:
//!         m[8:8 + len(msg)] = msg
//!         m[0:4] = len(msg).to_bytes(4, "little")
//! # the parent maps the same file, starts writer, then reads m[8:8 + n]
//! ```
//! Rust: `nix::sys::mman::mmap` with `MAP_SHARED` over a temp file. Both
//! procesos map the same file, so both see the SAME physical pages (the
//! kernel's page cache for that file): a byte the writer stores is there for
//! the reader at once, with no read(), no write(), no copy through the
//! kernel. That is also the danger: nothing orders the two processes' memory
//! accesses unless we do. Here the first 4 bytes are an `AtomicU32` "length
//! published" field: the writer copies the message, then stores its length
//! with Release; the reader waits until it loads a non-zero length with
//! Acquire, and only then reads the bytes. The bytes themselves are stored
//! and loaded as `AtomicU8`s: the reader trusts the writer to follow that
//! order, and if it did not (or another process wrote into the file), the
//! reader could read wrong bytes, but there is no data race, which Rust
//! would call undefined behaviour. Atomics work across processes
//! because they are instructions on memory, whoever maps it (a std `Mutex`
//! would NOT: see shared_memory).
//!
//! This file needs `unsafe`: mmap hands back a raw pointer, and the compiler
//! cannot know that another process writes behind it. Each unsafe block says
//! why it is sound.
//!
//! What you will see: the parent (reader) creates and maps the file, starts
//! the writer (this binary re-executed with a role, Python's "spawn"), waits
//! for the published length, and prints the writer's bytes; then it reads
//! the file with plain `read` to show the bytes went to the file too, and
//! removes the temp file. With `--writer-fails` the writer fails before it
//! publishes: the reader says so at once and still removes the file. Ctrl-C
//! (or `kill -TERM`) while it waits, e.g. with `--delay-ms 10000`, stops it
//! in order: writer killed and reaped, file removed, exit code 130 (143).
//!
//! Run: cargo run -p examples-processes --bin mmap_file
//!      cargo run -p examples-processes --bin mmap_file -- --message "hola, mundo" --size 8192

use std::fs::{File, OpenOptions};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use examples_processes::child::{self, Child, self_command};
use nix::sys::mman::{MapFlags, MsFlags, ProtFlags, mmap, msync, munmap};
use shared::output::{heading, line, say_as};

/// The role of the re-executed child.
const WRITER_ROLE: &str = "mmap-writer";

/// Where the message starts in the mapping; bytes 0..4 hold its length.
const BODY_OFFSET: usize = 8;

#[derive(Parser, Debug)]
#[command(
    allow_negative_numbers = true,
    about = "A file mapped (MAP_SHARED) into two procesos: one writes, the other reads"
)]
struct Args {
    /// What the writer proceso puts into the shared mapping.
    #[arg(long, default_value = "hola desde el proceso escritor", value_parser = non_empty)]
    message: String,
    /// Size of the file and of the mapping, in bytes.
    #[arg(long, default_value_t = 4096, value_name = "64..=1_048_576", value_parser = shared::cli::range(64..=1_048_576u32))]
    size: u32,
    /// Directory for the temp file (default: the system temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// How long the reader waits for the writer, in ms.
    #[arg(long, default_value_t = 10_000, value_name = "1..=600_000", value_parser = shared::cli::range(1..=600_000u64))]
    timeout_ms: u64,
    /// How long the writer waits before it publishes, in ms: watch the
    /// reader wait (or stop it meanwhile with Ctrl-C: the file is still removed).
    #[arg(long, default_value_t = 0, value_name = "0..=600_000", value_parser = shared::cli::range(0..=600_000u64))]
    delay_ms: u64,
    /// Make the writer fail before it publishes: shows the reader does not
    /// wait for it and the temp file is removed on the error path too.
    #[arg(long)]
    writer_fails: bool,
    /// The file to write into (set by the parent for the writer proceso).
    #[arg(long, hide = true)]
    file: Option<PathBuf>,
}

fn non_empty(text: &str) -> Result<String, String> {
    if text.is_empty() {
        Err("the message must not be empty".into())
    } else {
        Ok(text.to_string())
    }
}

/// A temp file that is removed when this value is dropped: on success, on
/// an error returned with `?`, and on a panic that unwinds.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Creates a new, empty file of `size` bytes (zeros) that did not exist before.
    fn create(dir: &Path, size: u64) -> anyhow::Result<(TempFile, File)> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = dir.join(format!("mmap_file-{}-{nanos}.bin", std::process::id()));
        // create_new: never reuse (or follow a link planted at) an existing path.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let guard = TempFile { path };
        file.set_len(size).context("cannot size the temp file")?;
        Ok((guard, file))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        match std::fs::remove_file(&self.path) {
            Ok(()) => say_as(
                "lector",
                format!("temp file removed: {}", self.path.display()),
            ),
            Err(error) => say_as(
                "lector",
                format!("could not remove {}: {error}", self.path.display()),
            ),
        }
    }
}

/// A `MAP_SHARED` read-write mapping of a whole file, unmapped on drop.
struct SharedMap {
    ptr: NonNull<u8>,
    len: usize,
}

impl SharedMap {
    fn new(file: &File, len: usize) -> anyhow::Result<SharedMap> {
        ensure!(
            len > BODY_OFFSET,
            "the mapping must be longer than its header"
        );
        let length = NonZeroUsize::new(len).context("empty mapping")?;
        // SAFETY: `addr` is None, so the kernel picks a fresh address range
        // and no existing memory of ours is replaced. The file is open
        // read-write and already `len` bytes long, so every mapped byte is
        // backed by the file; only this example uses it, and nobody
        // truncates it while it is mapped (that would make access SIGBUS).
        let ptr = unsafe {
            mmap(
                None,
                length,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                file,
                0,
            )
        }
        .context("mmap failed")?;
        Ok(SharedMap {
            ptr: ptr.cast(),
            len,
        })
    }

    /// The "length published" field, shared with the other process.
    fn published_len(&self) -> &AtomicU32 {
        // SAFETY: the mapping starts on a page boundary, so the pointer is
        // aligned for a u32; it is at least BODY_OFFSET (8) bytes long and
        // stays mapped for as long as `&self` lives. Both processes only ever
        // touch these 4 bytes through an AtomicU32, which has the layout of
        // a u32, so there is no non-atomic access to race with.
        unsafe { AtomicU32::from_ptr(self.ptr.as_ptr().cast::<u32>()) }
    }

    /// Byte `index` of the mapping, as an atomic.
    ///
    /// Every shared byte is read and written only through atomics, in both
    /// processes. The reader trusts the writer to store the length after the
    /// bytes and not to touch them afterwards; a writer that broke that
    /// promise (a bug, or any other process that opens the file) could make
    /// the reader see a mix of old and new bytes: wrong data, but never a
    /// data race, which in Rust would be undefined behaviour.
    fn byte(&self, index: usize) -> Option<&AtomicU8> {
        if index < BODY_OFFSET || index >= self.len {
            return None; // the header is the AtomicU32's; past the end is not ours
        }
        // SAFETY: BODY_OFFSET <= index < len, so the byte lies inside our
        // mapping and outside the header; it stays mapped for as long as
        // `&self` lives. AtomicU8 has the size and alignment of u8, and both
        // processes only ever touch these bytes through atomics.
        Some(unsafe { AtomicU8::from_ptr(self.ptr.as_ptr().add(index)) })
    }

    /// Writer: stores `message` after the header, then publishes its length.
    fn publish(&self, message: &[u8]) -> anyhow::Result<()> {
        ensure!(
            message.len() <= self.len - BODY_OFFSET,
            "the message ({} bytes) does not fit in the mapping ({} bytes after the header)",
            message.len(),
            self.len - BODY_OFFSET
        );
        let len = u32::try_from(message.len()).context("message too long")?;
        for (index, &value) in (BODY_OFFSET..).zip(message) {
            let byte = self.byte(index).context("outside the mapping")?;
            // Relaxed: the Release store of the length below orders them.
            byte.store(value, Ordering::Relaxed);
        }
        // Release: the bytes stored above are visible to whoever loads this
        // length with Acquire, in this process or any other.
        self.published_len().store(len, Ordering::Release);
        Ok(())
    }

    /// Reader: the published bytes, once the length is non-zero.
    fn read_published(&self) -> Option<Vec<u8>> {
        // Acquire pairs with the writer's Release: its byte stores happened
        // before this load saw the length.
        let len = self.published_len().load(Ordering::Acquire) as usize;
        if len == 0 {
            return None;
        }
        // The length comes from another process: clamp it to the mapping.
        let len = len.min(self.len - BODY_OFFSET);
        (BODY_OFFSET..BODY_OFFSET + len)
            .map(|index| self.byte(index).map(|byte| byte.load(Ordering::Relaxed)))
            .collect()
    }

    /// Asks the kernel to write the dirty pages to the file now. The other
    /// mapping does not need this (it shares the pages); the file on disk does.
    fn sync(&self) -> anyhow::Result<()> {
        // SAFETY: the range is exactly our mapping, which is still mapped.
        unsafe { msync(self.ptr.cast(), self.len, MsFlags::MS_SYNC) }.context("msync failed")
    }
}

impl Drop for SharedMap {
    fn drop(&mut self) {
        // SAFETY: ptr/len are exactly what mmap returned, and this is the
        // last use: no reference into the mapping outlives `self` (all
        // borrows of the AtomicU32 are tied to `&self`).
        let _ = unsafe { munmap(self.ptr.cast(), self.len) };
    }
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
    if args.delay_ms > 0 {
        say_as(
            "escritor",
            format!("waiting {} ms before publishing", args.delay_ms),
        );
        std::thread::sleep(Duration::from_millis(args.delay_ms));
    }
    map.publish(args.message.as_bytes())?;
    say_as(
        "escritor",
        format!(
            "wrote {} bytes at offset {BODY_OFFSET} and published the length",
            args.message.len()
        ),
    );
    map.sync()?;
    Ok(())
}

/// Polls the shared header until the writer publishes, the writer dies, or
/// the deadline passes. Polling (with a short sleep) is the simple way to
/// wait on memory; a futex or a pipe would wake us without polling.
fn wait_for_message(
    map: &SharedMap,
    child: &mut Child,
    limit: Duration,
) -> anyhow::Result<Vec<u8>> {
    let until = Instant::now() + limit;
    loop {
        if let Some(bytes) = map.read_published() {
            return Ok(bytes);
        }
        // Ctrl-C or SIGTERM: stop here; the caller's guards kill and reap
        // the writer, unmap, and remove the file.
        child::check_stop()?;
        if let Some(exit) = child.try_wait()? {
            // It may have published just before exiting: look once more.
            if let Some(bytes) = map.read_published() {
                return Ok(bytes);
            }
            bail!("the writer ended ({exit}) without publishing anything");
        }
        if Instant::now() >= until {
            bail!("the writer published nothing within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
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
    let dir = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let (temp, file) = TempFile::create(&dir, u64::from(args.size))?;
    say_as(
        "lector",
        format!(
            "created {} ({} bytes of zeros)",
            temp.path.display(),
            args.size
        ),
    );
    let map = SharedMap::new(&file, args.size as usize)?;
    say_as(
        "lector",
        "mapped it MAP_SHARED; starting the writer proceso",
    );

    let mut command = self_command(WRITER_ROLE)?;
    command
        .arg("--file")
        .arg(&temp.path)
        // `--flag=value`, one argument: a message that starts with '-'
        // would otherwise be read by the child's clap as a flag.
        .arg(format!("--message={}", args.message))
        .args(["--size", &args.size.to_string()])
        .args(["--delay-ms", &args.delay_ms.to_string()]);
    if args.writer_fails {
        command.arg("--writer-fails");
    }
    let mut writer = Child::spawn(&mut command, "escritor")?;
    say_as(
        "lector",
        format!(
            "started the writer proceso, pid {}; waiting for it to publish",
            writer.pid()
        ),
    );
    let limit = Duration::from_millis(args.timeout_ms);
    // On an error below, `writer` is dropped (killed and reaped), then
    // `map` (unmapped), then `temp` (file removed): nothing is left.
    let bytes = wait_for_message(&map, &mut writer, limit)?;
    let seen = String::from_utf8_lossy(&bytes).into_owned();
    say_as(
        "lector",
        format!(
            "reader saw {} bytes in its own mapping: {seen:?}",
            bytes.len()
        ),
    );
    let exit = writer.join(limit)?;
    say_as(
        "lector",
        format!("writer proceso {} ended: {exit}", writer.pid()),
    );
    ensure!(exit.success(), "the writer failed ({exit})");

    // The same bytes through the file API: MAP_SHARED writes reach the file.
    let on_disk = std::fs::read(&temp.path).context("cannot read the temp file back")?;
    let from_file = on_disk.get(BODY_OFFSET..BODY_OFFSET + bytes.len());
    let same = from_file == Some(&bytes[..]);
    say_as(
        "lector",
        format!(
            "read(2) of the file gives the same bytes: {}",
            if same { "yes" } else { "no" }
        ),
    );

    let matches = seen == args.message;
    drop(map);
    drop(temp);
    line("");
    line(format!(
        "What you saw: the writer proceso (pid {}) stored {} bytes in ITS mapping; the reader",
        writer.pid(),
        args.message.len()
    ));
    line(format!(
        "(pid {}) read them from ITS OWN mapping of the same file, with no read() or pipe:",
        std::process::id()
    ));
    line(format!(
        "reader saw the writer's bytes: {}. The file on disk holds them too: {}.",
        if matches { "yes" } else { "NO" },
        if same { "yes" } else { "NO" }
    ));
    ensure!(matches && same, "the bytes differ");
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Python's `if __name__ == "__main__"`: a re-executed child has a role.
    let result = match child::role().as_deref() {
        Some(WRITER_ROLE) => writer_main(&args),
        Some(other) => Err(anyhow::anyhow!("unknown role {other:?}")),
        None => {
            heading("mmap: one file, two procesos (notes 004)");
            // Before any thread starts. Ctrl-C or SIGTERM then ends the
            // reader in order: the writer is killed and reaped, and the temp
            // file removed, instead of this process dying with it left behind.
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
    let file = args.file.as_deref().context("the writer needs --file")?;
    writer(file, args)
}
