//! Condición de carrera: two hilos add 1 to a shared counter and updates get lost.
//!
//! Ports: notes 004, "Memoria compartida" ("cp1, cp2, task1, task2.
//! read/write --> error") and "Programación de threads" ("comparten toda la
//! data, el scheduler no es determinístico, no es atómico").
//!
//! Python:
//! ```python
//! counter = 0
//! def work():
//!     global counter
//!     for _ in range(N):
//!         counter += 1          # LOAD counter, ADD 1, STORE counter
//! t1, t2 = Thread(target=work), Thread(target=work); t1.start(); t2.start()
//! t1.join(); t2.join()
//! print(counter)                # may be less than 2 * N
//! ```
//! On CPython 3.11, measured on this course's machine, a bare
//! `counter += 1` in two threads happened to lose nothing (the GIL switches
//! threads only at certain bytecodes), while the same with a function call
//! inside the read-modify-write (`counter = add_one(counter)`) lost 13-30%
//! of the updates. In neither language is the unsynchronised version ever
//! correct: "it happened to work" is luck, not a guarantee.
//!
//! Rust: safe Rust does not even compile the Python version. Two threads
//! doing `counter += 1` on one `u64` is a data race, and the borrow checker
//! refuses it (rustc 1.95, the racy version compiled once to get this):
//! ```text
//! error[E0499]: cannot borrow `counter` as mutable more than once at a time
//!  --> racy.rs:6:21
//!   |
//! 6 |             s.spawn(|| {
//!   |             -       ^^ `counter` was mutably borrowed here in the previous iteration of the loop
//! 8 |                 counter += 1;
//!   |                 ------- borrows occur due to use of `counter` in closure
//! ```
//! So the lost update is shown the way it can exist in safe Rust: a
//! read-modify-write split into an atomic load and an atomic store. Each
//! half is whole; the pair is not, and another hilo's store lands between
//! them and gets overwritten. A `yield_now` between the two halves widens
//! that window so the loss shows on every run, on one core or many. Then
//! the two fixes: the pair under a `Mutex`, and the pair as one atomic
//! instruction, `fetch_add`. The code is in `examples_sync::counting`.
//!
//! What you see: the racy count below the expected one (by how much changes
//! from run to run), then the two fixed counts exactly equal to it.
//!
//! Run: cargo run -p examples-sync --bin race_condition
//!      cargo run -p examples-sync --bin race_condition -- --threads 4 --iterations 50000 --no-yield
#![forbid(unsafe_code)]

use clap::Parser;
use examples_sync::counting;
use shared::output::{self, heading, say};

#[derive(Parser, Debug)]
#[command(about = "Lose updates with an unsynchronised read-modify-write, then fix it")]
struct Args {
    /// Hilos incrementing the shared counter at the same time.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(2..=64))]
    threads: u64,
    /// Increments per hilo.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    iterations: u64,
    /// Do not yield between the read and the write: the window is then a few
    /// nanoseconds wide, so the loss is rarer (but still possible on several cores).
    #[arg(long)]
    no_yield: bool,
}

/// Prints one result line: what was expected, what came out.
fn show_count(label: &str, expected: u64, actual: u64) {
    let lost = expected - actual;
    let percent = 100.0 * lost as f64 / expected as f64;
    say(format!(
        "{label} final count: {actual} of {expected} (lost {lost}, {percent:.1}%)"
    ));
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let threads = usize::try_from(args.threads)?;
    let expected = args.threads * args.iterations;
    say(format!(
        "{} hilos x {} increments each: the counter should end at {expected}",
        args.threads, args.iterations
    ));

    heading("1. Unsynchronised: load, (yield), store");
    let racy = counting::racy(threads, args.iterations, !args.no_yield);
    show_count("racy", expected, racy);

    heading("2. The read-modify-write under a Mutex");
    let locked = counting::with_std_mutex(threads, args.iterations);
    show_count("mutex", expected, locked);

    heading("3. The read-modify-write as one atomic instruction (fetch_add)");
    let atomic = counting::with_fetch_add(threads, args.iterations);
    show_count("fetch_add", expected, atomic);

    output::line("");
    if racy < expected {
        output::line(format!(
            "What you saw: without synchronisation {} of {expected} updates were lost: a hilo",
            expected - racy
        ));
        output::line(
            "read the counter, another hilo stored its +1, and the first one overwrote it.",
        );
    } else {
        output::line(
            "What you saw: this time no update was lost: luck, not correctness (run it again,",
        );
        output::line(
            "or without --no-yield). The load and the store are still two separate steps.",
        );
    }
    if locked == expected && atomic == expected {
        output::line(format!(
            "With a Mutex ({locked}) and with fetch_add ({atomic}) the count is exactly {expected}."
        ));
    } else {
        output::line(format!(
            "With a Mutex ({locked}) and with fetch_add ({atomic}) the count is NOT {expected} (WRONG)."
        ));
    }
    Ok(())
}
