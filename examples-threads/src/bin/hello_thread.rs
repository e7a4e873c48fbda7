//! Hola desde un hilo: spawn, start, join; main keeps going meanwhile.
//!
//! Ports: notes 002, "Hilos" (the "Multi-Hilos" example), 001 (threading.Thread,
//! start, join) and 003, "HILOS" (a worker that prints and sleeps in a loop).
//! Python:
//! ```python
//! t = threading.Thread(target=worker)
//! t.start()            # the hilo starts running worker()
//! print("Hilo principal sigue")
//! t.join()             # wait for it to finish
//! ```
//! Rust: `thread::spawn` creates *and* starts the thread in one call (there is
//! no separate `start`); it returns a `JoinHandle`, and `join()` waits for the
//! thread and hands back what its closure returned (or its panic, as `Err`).
//! `thread::Builder` names the thread, as Python's `Thread(name=...)` does.
//! The worker's lines and main's interleave in an order the scheduler picks;
//! only "after join" is ordered: it always follows the worker's last step.
//!
//! Run: cargo run -p examples-threads --bin hello_thread -- --steps 3 --pause-ms 100
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use shared::output::{heading, line, results, say};

#[derive(Parser)]
#[command(
    about = "Start a hilo, keep main busy meanwhile, then join it",
    allow_negative_numbers = true
)]
struct Args {
    /// How many times the worker prints "Hilo en ejecución" (the notes use 5).
    #[arg(long, default_value_t = 5, value_name = "1..=1000",
          value_parser = shared::cli::range(1..=1000u64))]
    steps: u64,
    /// Pause between the worker's prints, in ms (the notes sleep 1 s).
    #[arg(long, default_value_t = 200, value_name = "0..=10000",
          value_parser = shared::cli::range(0..=10_000u64))]
    pause_ms: u64,
}

/// The notes' `worker()`: print, sleep, `steps` times; count each step done.
fn worker(steps: u64, pause: Duration, done: &AtomicU64) -> u64 {
    for step in 1..=steps {
        say(format!("Hilo en ejecución (paso {step} de {steps})"));
        thread::sleep(pause);
        done.fetch_add(1, Ordering::SeqCst);
    }
    steps
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let pause = Duration::from_millis(args.pause_ms);

    heading("1. Hola desde el hilo (notes 002)");
    // spawn = Python's Thread(...) + start(): it is already running.
    let hello = thread::Builder::new()
        .name("hello".into())
        .spawn(|| say("¡Hola desde el hilo!"))
        .context("the OS refused to start a thread")?;
    say("main: the hilo is started; main keeps running");
    hello.join().expect("the hello thread panicked");
    say("main: after join, the hilo has finished");

    heading("2. A worker that loops and sleeps (notes 003)");
    let done = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&done);
    let handle = thread::Builder::new()
        .name("worker".into())
        .spawn(move || worker(args.steps, pause, &counter))
        .context("the OS refused to start a thread")?;
    say("main: doing my own work while the worker runs");
    let seen_before_join = done.load(Ordering::SeqCst);
    // join blocks main until the worker returns.
    let returned = handle.join().expect("the worker thread panicked");
    let seen_after_join = done.load(Ordering::SeqCst);
    say(format!(
        "main: after join, the worker has done {seen_after_join} steps"
    ));

    line("");
    line(format!(
        "What you saw: spawn started each hilo at once; main printed while they ran, in an order \
         the scheduler chose (main saw {seen_before_join} step(s) done before join)."
    ));
    line(format!(
        "join made main wait: after it, all {seen_after_join} of {} steps were done, and join \
         handed back the worker's return value ({returned}).",
        args.steps
    ));
    results(&[
        ("steps", &args.steps),
        ("steps_done_after_join", &seen_after_join),
        ("returned", &returned),
    ]);
    Ok(())
}
