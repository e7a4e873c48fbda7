//! Hilos demonio: Python's `daemon=True`, and why Rust has no such flag.
//!
//! Ports: notes 001, `t.daemon = True` ("cuando el programa finalice con el
//! subproceso principal terminara").
//!
//! Python has two kinds of thread. A normal one keeps the program alive:
//! after the main thread ends, Python waits for it. A daemon one does not:
//! when the main thread ends it is killed wherever it is.
//!
//! Rust has only the second kind. When `main` returns, the process exits and
//! every other thread dies with it, mid-step, joined or not. So a Rust
//! program that wants Python's default (wait for the worker) must `join` it;
//! a thread whose `JoinHandle` is dropped is *detached*: it behaves like a
//! Python daemon thread. (The notes' remark that join makes the program look
//! "blocked" is exactly that: join is waiting.)
//!
//! What you see: a joined worker finishes all its steps; then a detached
//! worker is cut off after its first step, because main returns.
//!
//! Run: cargo run -p examples-threads --bin daemon_thread -- --steps 5 --pause-ms 200
#![forbid(unsafe_code)]

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use shared::output::{heading, line, say};

#[derive(Parser, Debug)]
#[command(
    about = "A joined hilo completes; a detached one (Python's daemon) is cut when main returns"
)]
struct Args {
    /// Steps each worker wants to do.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..=1000))]
    steps: u32,
    /// Pause between steps, in ms (at least 50, so the detached worker is
    /// certainly still sleeping when main returns).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(50..=10_000))]
    pause_ms: u64,
}

/// A worker that does `steps` steps, telling `progress` after each one.
fn worker(label: &'static str, steps: u32, pause: Duration, progress: mpsc::Sender<u32>) {
    for step in 1..=steps {
        say(format!("{label} worker: step {step} of {steps}"));
        // Main may have stopped listening: that is fine.
        let _ = progress.send(step);
        thread::sleep(pause);
    }
    say(format!("{label} worker: finished all {steps} steps"));
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pause = Duration::from_millis(args.pause_ms);

    heading("1. Joined: like a normal (non-daemon) Python thread");
    let (progress, _ignored) = mpsc::channel();
    let joined = thread::Builder::new()
        .name("joined".into())
        .spawn(move || worker("joined", args.steps, pause, progress))
        .context("the OS refused to start a thread")?;
    joined.join().expect("the worker panicked");
    say("main: join returned, the joined worker is done");

    heading("2. Detached: like daemon=True");
    let (progress, first_step) = mpsc::channel();
    let detached = thread::Builder::new()
        .name("detached".into())
        .spawn(move || worker("detached", args.steps, pause, progress))
        .context("the OS refused to start a thread")?;
    // Dropping the JoinHandle detaches the thread: nobody will wait for it.
    drop(detached);
    // Wait until it has really started (its first step), so what follows is
    // not a race between its start and main's exit.
    first_step
        .recv_timeout(Duration::from_secs(10))
        .context("the detached worker never started")?;
    say("main: returning now, without waiting for the detached worker");

    line("");
    line(format!(
        "What you saw: the joined worker printed all {} steps and 'finished'.",
        args.steps
    ));
    line("The detached one printed its first step, then the process ended with main:");
    line("its other steps and its 'finished' line never happen. Rust threads all");
    line("behave like Python daemon threads; join is how you wait for one.");
    Ok(())
    // main returns: the process exits, the detached thread dies mid-sleep.
}
