//! Detalles del hilo: process id, how many threads are alive, this thread's name and id.
//!
//! Ports: notes 002, "Hilos" (the "Detalles del Hilo" example).
//! Python: `os.getpid()`, `threading.active_count()`,
//! `threading.current_thread().name`. The notes then say "cada vez que lo
//! ejecutamos se actualiza el `id` de hilo": that number is `os.getpid()`,
//! the *process* id. A thread's own ids are `threading.get_ident()` and
//! `threading.get_native_id()` (the kernel's tid); on Linux the main thread's
//! tid happens to equal the pid, every other hilo's differs.
//! Rust: `std::process::id()` is `os.getpid()`; `thread::current().name()` is
//! the name ("main" for the first thread, Python's "MainThread");
//! `thread::current().id()` is Rust's own id, not the kernel's. std keeps no
//! list of threads, so there is no `active_count()`: the kernel counts them
//! (`/proc/self/status`, Linux only), including any a library started.
//!
//! Run: cargo run -p examples-threads --bin thread_details
#![forbid(unsafe_code)]

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use examples_threads::os_threads::{OsInfoError, current_tid, thread_count, thread_count_settled};
use shared::output::{line, results, say, thread_name};

#[derive(Parser)]
#[command(
    about = "Print pid, live thread count (from the OS) and the current thread's name and id"
)]
struct Args {
    /// Name given to the second hilo.
    #[arg(long, default_value = "segundo-hilo")]
    name: String,
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    anyhow::ensure!(
        !args.name.is_empty() && !args.name.contains('\0'),
        "--name must be non-empty and contain no NUL byte"
    );
    let before = match thread_count() {
        Ok(count) => count,
        Err(OsInfoError::Unsupported) => {
            line("Counting threads needs Linux's /proc; this system has none. Nothing to show.");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let pid = std::process::id();
    let main_tid = current_tid()?;
    say(format!(
        "Este proceso corre con el id: {pid} (os.getpid(): the process id)"
    ));
    say(format!("threads alive in this process: {before}"));
    say(format!(
        "El hilo actual es {}, kernel tid {main_tid}, Rust {:?}",
        thread_name(),
        thread::current().id()
    ));

    // A hilo that stays alive until main says so: the count is read while it
    // certainly lives (no sleeps, no guessing).
    let (started_tx, started_rx) = mpsc::channel();
    let (finish_tx, finish_rx) = mpsc::channel::<()>();
    let handle = thread::Builder::new()
        .name(args.name.clone())
        .spawn(move || {
            let tid = current_tid().unwrap_or(0);
            say(format!(
                "¡Hola desde el hilo {}! kernel tid {tid}, same pid {}",
                thread_name(),
                std::process::id()
            ));
            let _ = started_tx.send(tid);
            let _ = finish_rx.recv();
        })
        .context("the OS refused to start a thread")?;
    let hilo_tid = started_rx
        .recv_timeout(Duration::from_secs(10))
        .context("the new hilo never started")?;
    let during = thread_count()?;
    say(format!("threads alive while the hilo lives: {during}"));
    let _ = finish_tx.send(());
    handle.join().expect("the hilo panicked");
    let after = thread_count_settled(during - 1)?;
    say(format!("threads alive after join: {after}"));

    line("");
    line(format!(
        "What you saw: {before} thread(s) at the start (the hilo principal, \"main\"), {during} while \
         the second hilo lived, {after} after join."
    ));
    line(format!(
        "The id the notes print is the process id ({pid}); main's kernel tid equals it, the \
         second hilo's ({hilo_tid}) does not, though both run in process {pid}."
    ));
    line("Python's active_count() counts Python threads; the OS count here counts every thread.");
    results(&[
        ("pid", &pid),
        ("main_tid", &main_tid),
        ("hilo_tid", &hilo_tid),
        ("current_name", &thread_name()),
        ("threads_before", &before),
        ("threads_during", &during),
        ("threads_after", &after),
    ]);
    Ok(())
}
