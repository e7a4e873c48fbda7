//! Hola desde un hilo: spawn, start, join; main keeps going meanwhile.
//!
//! Ports: notes 002 "Hilos" (the "Multi-Hilos" example), 001 (threading.Thread,
//! start, join) and 003 "HILOS" (a worker that prints and sleeps in a loop).
//!
//! Python:
//! ```python
//! t = threading.Thread(target=worker)
//! t.start()            # the hilo starts running worker()
//! print("Hilo principal sigue")
//! t.join()             # wait for it to finish
//! ```
//! Rust: `thread::spawn` creates *and* starts the thread in one call (there is
//! no separate `start`); it returns a `JoinHandle`, and `join()` waits for the
//! thread and hands back what its closure returned. `thread::Builder` names
//! the thread, as Python's `Thread(name=...)` does.
//!
//! What you see: the worker's lines and main's lines interleave in an order
//! that changes from run to run (the scheduler decides), but "after join"
//! always comes after the worker's last line: that order *is* guaranteed.
//!
//! Run: cargo run -p examples-threads --bin hello_thread
//!      cargo run -p examples-threads --bin hello_thread -- --steps 3 --pause-ms 100
#![forbid(unsafe_code)]

use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use shared::output::{heading, line, say};

#[derive(Parser, Debug)]
#[command(about = "Start a hilo, keep main busy meanwhile, then join it")]
struct Args {
    /// How many times the worker prints "Hilo en ejecución" (the notes use 5).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    steps: u32,
    /// Pause between the worker's prints, in ms (the notes sleep 1 s).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pause_ms: u64,
}

/// The thread's body: the notes' `worker()`. Returns how many steps it did,
/// so main can see a value come back through `join`.
fn worker(steps: u32, pause: Duration) -> u32 {
    for step in 1..=steps {
        say(format!("Hilo en ejecución (paso {step} de {steps})"));
        thread::sleep(pause);
    }
    steps
}

fn main() -> anyhow::Result<()> {
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
    let handle = thread::Builder::new()
        .name("worker".into())
        .spawn(move || worker(args.steps, pause))
        .context("the OS refused to start a thread")?;
    // Main is not blocked by the worker: it does its own work meanwhile.
    say("main: doing my own work while the worker runs");
    // join blocks main until the worker returns. An Err here would mean the
    // worker panicked; join turns that panic into a value instead of losing it.
    let done = handle.join().expect("the worker thread panicked");
    say(format!(
        "Hilo principal: after join, the worker finished all {done} steps"
    ));

    line("");
    line("What you saw: spawn started each hilo at once; main printed while they ran,");
    line("in an order the scheduler chose; join made main wait, so its last line");
    line(format!(
        "always comes after the worker's last step ({done} of {}).",
        args.steps
    ));
    Ok(())
}
