//! Condición de carrera: two hilos add 1 to a shared counter and updates get lost.
//!
//! Ports: notes 004, "Memoria compartida" ("cp1, cp2, task1, task2.
//! read/write --> error").
//! Python:
//! ```python
//! def work():
//!     global counter
//!     for _ in range(N):
//!         counter += 1          # LOAD counter, ADD 1, STORE counter
//! ```
//! On CPython 3.11 (measured on this machine) a bare `counter += 1` in two
//! threads happened to lose nothing, while the same with a function call
//! inside the read-modify-write (`counter = add_one(counter)`) lost 13-30%.
//! In neither language is the unsynchronised version ever correct.
//! Rust: safe Rust refuses to compile two threads doing `counter += 1` on
//! one `u64` (E0499: a data race). The lost update exists in safe Rust as
//! a read-modify-write split into an atomic load and an atomic store: each
//! half is whole, the pair is not. A `yield_now` between them widens the
//! window so the loss shows on one core or many. The fixes: the pair under
//! a `Mutex`, or one atomic instruction, `fetch_add`.
//!
//! Run: cargo run -p examples-sync --bin race_condition
//!      cargo run -p examples-sync --bin race_condition -- --threads 4 --iterations 50000 --no-yield
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Barrier, Mutex};
use std::thread;

use clap::Parser;
use shared::output::{self, heading, say};

#[derive(Parser)]
#[command(
    about = "Lose updates with an unsynchronised read-modify-write, then fix it",
    allow_negative_numbers = true
)]
struct Args {
    /// Hilos incrementing the shared counter at the same time.
    #[arg(long, default_value_t = 2, value_name = "2..=64", value_parser = shared::cli::range(2..=64u64))]
    threads: u64,
    /// Increments per hilo.
    #[arg(long, default_value_t = 100_000, value_name = "1..=100000000", value_parser = shared::cli::range(1..=100_000_000u64))]
    iterations: u64,
    /// Do not yield between the read and the write: the window is then a few
    /// nanoseconds wide, so the loss is rarer (but still possible on several cores).
    #[arg(long)]
    no_yield: bool,
}

/// Runs `body` on `threads` hilos started together behind a Barrier (so the
/// first cannot finish before the last starts, hiding the race).
fn together(threads: u64, body: impl Fn() + Sync) {
    let start = Barrier::new(threads as usize);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start.wait();
                body();
            });
        }
    });
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let (n, expected) = (args.iterations, args.threads * args.iterations);
    say(format!(
        "{} hilos x {n} increments each: the counter should end at {expected}",
        args.threads
    ));

    heading("1. Unsynchronised: load, (yield), store");
    let counter = AtomicU64::new(0);
    together(args.threads, || {
        for _ in 0..n {
            let seen = counter.load(Relaxed); // read ...
            if !args.no_yield {
                thread::yield_now(); // ... another hilo may store its +1 here ...
            }
            counter.store(seen + 1, Relaxed); // ... write: that +1 is overwritten
        }
    });
    let racy = counter.into_inner();
    say(format!("racy: {racy} of {expected}"));

    heading("2. The read-modify-write under a Mutex");
    let counter = Mutex::new(0u64);
    together(args.threads, || {
        for _ in 0..n {
            *counter.lock().unwrap() += 1; // the guard is released at the `;`
        }
    });
    let locked = counter.into_inner().unwrap();
    say(format!("mutex: {locked} of {expected}"));

    heading("3. The read-modify-write as one atomic instruction (fetch_add)");
    let counter = AtomicU64::new(0);
    together(args.threads, || {
        for _ in 0..n {
            counter.fetch_add(1, Relaxed); // x86-64: `lock inc`, one indivisible step
        }
    });
    let atomic = counter.into_inner();
    say(format!("fetch_add: {atomic} of {expected}"));

    let lost = expected - racy;
    output::line("");
    if lost > 0 {
        output::line(format!(
            "What you saw: without synchronisation {lost} of {expected} updates ({:.1}%) were lost: a hilo read",
            100.0 * lost as f64 / expected as f64
        ));
        output::line("the counter, another stored its +1, and the first overwrote it.");
    } else {
        output::line(
            "What you saw: this time no update was lost: luck, not correctness (run it again).",
        );
    }
    output::line(format!(
        "With a Mutex ({locked}) and with fetch_add ({atomic}) the count is {} {expected}.",
        if locked == expected && atomic == expected {
            "exactly"
        } else {
            "NOT (WRONG)"
        }
    ));
    output::results(&[
        ("expected", &expected),
        ("racy", &racy),
        ("lost", &lost),
        ("mutex", &locked),
        ("fetch_add", &atomic),
    ]);
    Ok(())
}
