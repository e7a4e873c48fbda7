//! Detalles del hilo: process id, how many threads are alive, this thread's name.
//!
//! Ports: notes 002 "Hilos", the "Detalles del Hilo" example.
//!
//! Python:
//! ```python
//! print(f'Este proceso de Python corren con el id: {os.getpid()}')
//! print(f'Python esta corriendo {threading.active_count()} hilos')
//! print(f'El hilo actual es {threading.current_thread().name}')
//! ```
//! Rust: `std::process::id()` is `os.getpid()`, and `thread::current().name()`
//! is the thread's name (the first thread is called "main", Python's
//! "MainThread"). Rust has no `active_count()`: std keeps no list of threads.
//! The kernel does, so we ask it (`/proc/self/status`, Linux only); it counts
//! *every* thread of the process, including any a library started.
//!
//! What you see: the count before, while a hilo is alive, and after it is
//! joined: it rises by one and falls back.
//!
//! Run: cargo run -p examples-threads --bin thread_details
#![forbid(unsafe_code)]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use examples_threads::os_threads::{OsInfoError, thread_count};
use shared::output::{line, say, thread_name};

#[derive(Parser, Debug)]
#[command(about = "Print pid, live thread count (from the OS) and the current thread's name")]
struct Args {
    /// Name given to the extra hilo.
    #[arg(long, default_value = "segundo-hilo")]
    name: String,
}

fn print_thread_details() -> Result<usize, OsInfoError> {
    let count = thread_count()?;
    say(format!(
        "Este proceso corre con el id: {}",
        std::process::id()
    ));
    say(format!("threads alive in this process: {count}"));
    say(format!("El hilo actual es {}", thread_name()));
    Ok(count)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.name.is_empty() || args.name.contains('\0') {
        anyhow::bail!("--name must be non-empty and contain no NUL byte");
    }

    let before = match print_thread_details() {
        Ok(count) => count,
        Err(OsInfoError::Unsupported) => {
            line(
                "Counting threads needs Linux's /proc; this system has none. Nothing else to show.",
            );
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };

    // Start a hilo that stays alive until main tells it to finish, so the
    // count is read while it certainly lives (no sleeps, no guessing).
    let (started_tx, started_rx) = mpsc::channel();
    let (finish_tx, finish_rx) = mpsc::channel::<()>();
    let handle = thread::Builder::new()
        .name(args.name.clone())
        .spawn(move || {
            say(format!("¡Hola desde el hilo {}!", thread_name()));
            let _ = started_tx.send(());
            // Wait for main's word (or main going away).
            let _ = finish_rx.recv();
        })
        .context("the OS refused to start a thread")?;
    started_rx
        .recv_timeout(Duration::from_secs(10))
        .context("the new hilo never started")?;

    let during = thread_count()?;
    say(format!("threads alive while the hilo lives: {during}"));
    let _ = finish_tx.send(());
    handle.join().expect("the hilo panicked");
    let after = count_once_the_kernel_has_caught_up(during - 1)?;
    say(format!("threads alive after join: {after}"));

    line("");
    line(format!(
        "What you saw: {before} thread(s) at the start (the hilo principal, named \"main\"), \
         {during} while the second hilo lived, {after} after join."
    ));
    line("Python's active_count() counts Python threads; the OS count here counts every thread.");
    Ok(())
}

/// `join` returns as soon as the hilo's code has finished (the kernel clears
/// a word that join waits on early in the thread's exit); the kernel drops it
/// from the `Threads:` count a moment later. So read the count again for up
/// to a second until it shows the drop, instead of racing the exit.
fn count_once_the_kernel_has_caught_up(expected: usize) -> anyhow::Result<usize> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let count = thread_count()?;
        if count <= expected || Instant::now() >= deadline {
            return Ok(count);
        }
        thread::yield_now();
    }
}
