//! Cerrojo (Lock): one hilo at a time on shared data; the guard is Rust's `with`.
//!
//! Ports: notes 004, "Lock, un thread a la vez obtiene acceso a shared
//! data", "siempre que adquiris, tenes que liberar", "With statement es tu amigo".
//! Python:
//! ```python
//! lock = threading.Lock()
//! with lock:            # lock.acquire()
//!     counter += 1      # one thread at a time in here
//! # lock.release(), also when the block raises
//! ```
//! Rust: the `Mutex` owns the data (`Mutex<u64>`): no touching it unlocked.
//! `lock()` returns a guard, and the guard is the `with` block: released at
//! the end of its scope, on `return` or `?`, and when a panic unwinds. A
//! panic holding a `std::sync::Mutex` poisons it: later `lock()`s return
//! `Err(PoisonError)`, the data still reachable with `into_inner()` (Python's
//! next thread just sees half-updated data). `parking_lot::Mutex` does not
//! poison; its `lock()` returns the guard.
//!
//! Run: cargo run -p examples-sync --bin lock
//!      cargo run -p examples-sync --bin lock -- --threads 3 --rounds 4 --hold-ms 10
#![forbid(unsafe_code)]

use std::sync::{Mutex, TryLockError};
use std::thread;
use std::time::Duration;

use clap::Parser;
use examples_sync::harness;
use shared::output::{self, heading, say};
use shared::timeline::{Kind, Timeline, terminal_width};

#[derive(Parser)]
#[command(
    about = "A Mutex lets one hilo at a time in; its guard releases on scope exit and on panic",
    allow_negative_numbers = true
)]
struct Args {
    /// Hilos sharing the counter.
    #[arg(long, default_value_t = 4, value_name = "2..=64", value_parser = shared::cli::range(2..=64usize))]
    threads: usize,
    /// Increments per hilo in the counting part.
    #[arg(long, default_value_t = 100_000, value_name = "1..=100000000", value_parser = shared::cli::range(1..=100_000_000u64))]
    iterations: u64,
    /// Times each hilo takes the lock in the timeline part.
    #[arg(long, default_value_t = 3, value_name = "1..=100", value_parser = shared::cli::range(1..=100u64))]
    rounds: u64,
    /// How long a hilo holds the lock each round, in ms (so the timeline shows it).
    #[arg(long, default_value_t = 20, value_name = "1..=1000", value_parser = shared::cli::range(1..=1_000u64))]
    hold_ms: u64,
}

/// Adds one, or fails half-way: `?` returns while the guard is alive.
fn add_checked(lock: &Mutex<u64>, fail: bool) -> anyhow::Result<()> {
    let mut value = lock.lock().unwrap();
    *value += 1;
    anyhow::ensure!(!fail, "failed half-way, with the lock held");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let expected = args.threads as u64 * args.iterations;

    heading("1. Counting under a lock: std Mutex and parking_lot Mutex");
    let counter = Mutex::new(0u64);
    harness::hilos(args.threads, "hilo", |_| {
        for _ in 0..args.iterations {
            *counter.lock().unwrap() += 1; // `with lock:` is the guard, gone at the `;`
        }
    })?;
    let std_count = counter.into_inner().unwrap();
    let counter = parking_lot::Mutex::new(0u64);
    harness::hilos(args.threads, "hilo", |_| {
        for _ in 0..args.iterations {
            *counter.lock() += 1; // no Result: parking_lot does not poison
        }
    })?;
    let pl_count = counter.into_inner();
    say(format!(
        "std: {std_count} of {expected}; parking_lot: {pl_count} of {expected}"
    ));

    heading("2. One hilo at a time: who held the lock when");
    let (timeline, list) = (Timeline::new(), Mutex::new(Vec::new()));
    let hold = Duration::from_millis(args.hold_ms);
    harness::hilos(args.threads, "hilo", |i| {
        let lane = format!("hilo-{i}");
        for round in 0..args.rounds {
            let mut guard = timeline.span(&lane, Kind::Waiting, || list.lock().unwrap());
            timeline.span(&lane, Kind::Holding, || {
                guard.push((i, round));
                thread::sleep(hold); // holding a lock while sleeping: only to make the turn visible
            });
            drop(guard); // released: the next hilo's turn
            thread::sleep(hold / 2);
        }
    })?;
    output::text(timeline.render(terminal_width()));
    let most = timeline.max_overlap(Kind::Holding);

    heading("3. The guard releases when its scope ends, and on `?`");
    let lock = Mutex::new(0u64);
    let held_inside = {
        let _guard = lock.lock().unwrap();
        !harness::free_elsewhere(&lock)
    }; // <- the guard is dropped here: Python's end of the `with` block
    let free_after_scope = harness::free_elsewhere(&lock);
    let early = add_checked(&lock, true).map_err(|e| e.to_string());
    let free_after_return = harness::free_elsewhere(&lock);
    say(format!(
        "held inside: {held_inside}; free after the scope: {free_after_scope}"
    ));
    say(format!(
        "add_checked returned {early:?}; free after it: {free_after_return}"
    ));

    heading("4. A panic while holding the lock: std poisons, parking_lot does not");
    let (std_lock, pl_lock) = (Mutex::new(10u64), parking_lot::Mutex::new(10u64));
    harness::panic_on_purpose(|| {
        let mut value = std_lock.lock().unwrap();
        *value += 1; // half of an update meant to add 2
        panic!("holding the std Mutex");
    });
    harness::panic_on_purpose(|| {
        *pl_lock.lock() += 1;
        panic!("holding the parking_lot Mutex");
    });
    let std_poisoned = std_lock.is_poisoned();
    // Unwinding released the lock: try_lock answers at once, with Err.
    let poisoned_value = match std_lock.try_lock() {
        Err(TryLockError::Poisoned(poisoned)) => Some(*poisoned.into_inner()),
        _ => None,
    };
    let parking_lot_value = pl_lock.try_lock().map(|v| *v);
    say(format!(
        "std: poisoned {std_poisoned}, into_inner() recovers {poisoned_value:?} (half-updated)"
    ));
    say(format!(
        "parking_lot: try_lock() gets {parking_lot_value:?} at once; checking the data is up to you"
    ));

    output::line("");
    output::line(format!(
        "What you saw: with a lock, {std_count} and {pl_count} of {expected} counted; at most {most} hilo held it at once."
    ));
    output::line(format!(
        "The guard released the lock at the end of its scope ({free_after_scope}), on `?` ({free_after_return}) \
         and on panic; std marked its Mutex poisoned: {std_poisoned}."
    ));
    let shown = |v: Option<u64>| v.map_or("none".to_string(), |v| v.to_string());
    output::results(&[
        ("expected", &expected),
        ("std_count", &std_count),
        ("parking_lot_count", &pl_count),
        ("max_holding", &most),
        ("held_inside", &held_inside),
        ("free_after_scope", &free_after_scope),
        ("free_after_return", &free_after_return),
        ("std_poisoned", &std_poisoned),
        ("poisoned_value", &shown(poisoned_value)),
        ("parking_lot_value", &shown(parking_lot_value)),
    ]);
    Ok(())
}
