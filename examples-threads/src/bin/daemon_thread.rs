//! Hilos demonio: Python's `daemon=True`, and why Rust has no such flag.
//!
//! Ports: notes 001, `t.daemon = True` ("cuando el programa finalice con el
//! subproceso principal terminara").
//! Python: at interpreter shutdown CPython first joins every non-daemon
//! thread (`threading._shutdown`), then stops the daemon ones wherever they
//! are. So a daemon thread is *not* stopped when the main thread ends: it
//! keeps running as long as any non-daemon thread does (measured with CPython
//! 3.11: a daemon printing every 0.1 s kept printing for the 0.5 s a
//! non-daemon worker lived after the main thread had ended). The notes'
//! sentence holds only when no other thread is left.
//! Rust: no flag, and no waiting at all: when `main` returns the process
//! exits, and every other thread dies mid-step, handle kept or not. Python's
//! shutdown is spelled out: `join` the threads you want finished at the end
//! of `main` (the "non-daemon" ones); a thread whose handle is dropped is
//! *detached* and runs until then, like a daemon.
//!
//! Run: cargo run -p examples-threads --bin daemon_thread -- --steps 5 --pause-ms 200
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use shared::output::{line, results, say};

#[derive(Parser)]
#[command(
    about = "A joined hilo completes; a detached one (Python's daemon) runs until main returns, then is cut",
    allow_negative_numbers = true
)]
struct Args {
    /// Steps of the joined worker; the detached one wants ten times as many.
    #[arg(long, default_value_t = 5, value_name = "1..=1000",
          value_parser = shared::cli::range(1..=1000u64))]
    steps: u64,
    /// Pause between steps, in ms.
    #[arg(long, default_value_t = 200, value_name = "10..=10000",
          value_parser = shared::cli::range(10..=10_000u64))]
    pause_ms: u64,
}

/// A worker: `steps` steps, counting each in `done`; `finished` at the end.
fn worker(label: &str, steps: u64, pause: Duration, done: &AtomicU64, finished: &AtomicBool) {
    for step in 1..=steps {
        say(format!("{label} worker: step {step} of {steps}"));
        done.store(step, Ordering::SeqCst);
        thread::sleep(pause);
    }
    finished.store(true, Ordering::SeqCst);
    say(format!("{label} worker: finished all {steps} steps"));
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let pause = Duration::from_millis(args.pause_ms);
    let daemon_steps = args.steps * 10;
    let (daemon_done, daemon_finished) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let (worker_done, worker_finished) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );

    // Like daemon=True: start it and drop the JoinHandle: nobody waits for it.
    let (done, finished) = (Arc::clone(&daemon_done), Arc::clone(&daemon_finished));
    drop(
        thread::Builder::new()
            .name("demonio".into())
            .spawn(move || worker("detached", daemon_steps, pause, &done, &finished))
            .context("the OS refused to start a thread")?,
    );

    // Like a normal (non-daemon) Python thread: main will join it.
    let (done, finished) = (Arc::clone(&worker_done), Arc::clone(&worker_finished));
    let joined = thread::Builder::new()
        .name("normal".into())
        .spawn(move || worker("joined", args.steps, pause, &done, &finished))
        .context("the OS refused to start a thread")?;

    say("main: my own work is done; now Python's shutdown by hand: join the non-daemon hilo");
    joined.join().expect("the joined worker panicked");
    let daemon_at_exit = daemon_done.load(Ordering::SeqCst);
    let daemon_complete = daemon_finished.load(Ordering::SeqCst);
    say(format!(
        "main: join returned; the detached hilo is at step {daemon_at_exit} of {daemon_steps}; returning"
    ));

    line("");
    line(format!(
        "What you saw: the joined worker did all {} steps; the detached one kept working while \
         main waited ({daemon_at_exit} of {daemon_steps} steps), as a Python daemon thread runs \
         until the last non-daemon one ends.",
        worker_done.load(Ordering::SeqCst)
    ));
    line("Now main returns and the process exits: the detached hilo dies mid-sleep, its other");
    line("steps and its 'finished' line never happen. join is how you wait for a thread.");
    results(&[
        ("joined_steps", &worker_done.load(Ordering::SeqCst)),
        ("joined_finished", &worker_finished.load(Ordering::SeqCst)),
        ("detached_wanted", &daemon_steps),
        ("detached_steps_at_exit", &daemon_at_exit),
        ("detached_finished", &daemon_complete),
    ]);
    Ok(())
    // main returns: the process exits, the detached thread with it.
}
