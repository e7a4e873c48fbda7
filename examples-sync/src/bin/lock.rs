//! Cerrojo (Lock): one hilo at a time on shared data; the guard is Rust's `with`.
//!
//! Ports: notes 004, "Lock, un thread a la vez obtiene acceso a shared
//! data", "siempre que adquiris, tenes que liberar" and "With statement es
//! tu amigo".
//!
//! Python:
//! ```python
//! lock = threading.Lock()
//! with lock:            # lock.acquire()
//!     counter += 1      # one thread at a time in here
//! # lock.release(), also when the block raises
//! ```
//! Rust: the `Mutex` *owns* the data (`Mutex<u64>`), so the data cannot be
//! touched without locking: forgetting the lock is a compile error, not a
//! bug found in production. `lock()` returns a guard; the guard is the
//! `with` block: the lock is released when the guard goes out of scope,
//! on an early `return`, on `?`, and when a panic unwinds through it.
//!
//! Poisoning (std only, Python has no such thing): if a hilo panics while
//! holding a `std::sync::Mutex`, the data may be half-updated, so the mutex
//! is marked poisoned and every later `lock()` returns `Err(PoisonError)`;
//! the data is still reachable with `into_inner()` if you decide it is fine.
//! In Python the next thread simply sees the half-updated data.
//! `parking_lot::Mutex` does not poison (its `lock()` returns the guard
//! directly), is smaller (one byte) and is often faster; std's futex-based
//! Mutex has closed most of that gap (see the figures bench).
//!
//! What you see: exact counts with both mutexes; a timeline in which the
//! hilos take turns holding the lock (never two `=` in one column); the
//! lock free again after a scope ends and after a panic; the poisoned flag.
//!
//! Run: cargo run -p examples-sync --bin lock
//!      cargo run -p examples-sync --bin lock -- --threads 3 --rounds 4 --hold-ms 10
#![forbid(unsafe_code)]

use std::sync::{Mutex, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use examples_sync::counting;
use shared::output::{self, heading, say};
use shared::timeline::{Kind, Timeline, terminal_width};

#[derive(Parser, Debug)]
#[command(
    about = "A Mutex lets one hilo at a time in; its guard releases on scope exit and on panic"
)]
struct Args {
    /// Hilos sharing the counter.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=64))]
    threads: u64,
    /// Increments per hilo in the counting part.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    iterations: u64,
    /// Times each hilo takes the lock in the timeline part.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    rounds: u64,
    /// How long a hilo holds the lock each round, in ms (so the timeline shows it).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    hold_ms: u64,
}

/// Part 2: hilos take turns; each span while holding the lock is recorded.
fn take_turns(threads: u64, rounds: u64, hold: Duration) -> Timeline {
    let timeline = Timeline::new();
    let shared_list = Mutex::new(Vec::new());
    thread::scope(|s| {
        for id in 0..threads {
            let (timeline, shared_list) = (&timeline, &shared_list);
            s.spawn(move || {
                let lane = format!("hilo-{id}");
                for round in 0..rounds {
                    let asked = Instant::now();
                    let mut list = shared_list.lock().unwrap_or_else(|p| p.into_inner());
                    let got = Instant::now();
                    timeline.record(&lane, Kind::Waiting, asked, got);
                    // Inside: nobody else can be here. Sleeping with a lock
                    // held is bad manners in real code; here it makes the
                    // turn visible on the timeline.
                    list.push((id, round));
                    thread::sleep(hold);
                    timeline.record(&lane, Kind::Holding, got, Instant::now());
                    // `list` (the guard) is dropped here, at the end of the
                    // loop body: the lock is released.
                    drop(list);
                    // Work outside the lock, so the others get a turn.
                    thread::sleep(hold / 2);
                }
            });
        }
    });
    timeline
}

/// Asks from another hilo whether `lock` can be taken right now.
fn free_from_another_thread(lock: &Mutex<u64>) -> bool {
    thread::scope(|s| {
        s.spawn(|| match lock.try_lock() {
            Ok(_) => true,
            Err(TryLockError::Poisoned(_)) => true, // free, though poisoned
            Err(TryLockError::WouldBlock) => false,
        })
        .join()
        .unwrap_or(false)
    })
}

/// Adds one to the counter, or fails half-way: the `?` returns early while
/// the guard is alive, and the guard still releases the lock.
fn add_checked(lock: &Mutex<u64>, fail: bool) -> anyhow::Result<()> {
    let mut value = lock.lock().unwrap_or_else(|p| p.into_inner());
    *value += 1;
    if fail {
        bail!("failed half-way, with the lock held");
    }
    Ok(())
}

/// What part 3 found: was the lock held inside the scope, and free after
/// the scope and after the early return?
struct ScopeExit {
    held_inside: bool,
    free_after_scope: bool,
    free_after_return: bool,
}

/// Part 3: the guard releases on scope exit and on an early return.
fn scope_exit() -> ScopeExit {
    let lock = Mutex::new(0u64);
    let held_inside;
    {
        let mut guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        *guard += 1;
        held_inside = !free_from_another_thread(&lock);
        say(format!(
            "inside the scope: try_lock from another hilo: {}",
            if held_inside {
                "refused, we hold it"
            } else {
                "got it (WRONG)"
            }
        ));
    } // <- the guard is dropped here: Python's end of the `with` block
    let free_after_scope = free_from_another_thread(&lock);
    say(format!(
        "after the scope: try_lock from another hilo: {}",
        if free_after_scope {
            "got it"
        } else {
            "refused (WRONG)"
        }
    ));
    if let Err(e) = add_checked(&lock, true) {
        say(format!("add_checked returned early with `?`: {e}"));
    }
    let free_after_return = free_from_another_thread(&lock);
    say(format!(
        "after the early return: try_lock from another hilo: {}",
        if free_after_return {
            "got it"
        } else {
            "refused (WRONG)"
        }
    ));
    ScopeExit {
        held_inside,
        free_after_scope,
        free_after_return,
    }
}

/// What part 4 found after a hilo panicked holding each lock.
struct AfterPanic {
    std_poisoned: bool,
    /// std's lock came back at once (with Err): unwinding released it.
    std_released: bool,
    /// parking_lot's lock was free at once after the panic.
    parking_lot_free: bool,
}

/// Part 4: a panic while holding the lock. std poisons; parking_lot does not.
fn panic_inside() -> AfterPanic {
    let std_lock = Mutex::new(10u64);
    let outcome = thread::scope(|s| {
        s.spawn(|| {
            let mut value = std_lock.lock().unwrap_or_else(|p| p.into_inner());
            *value += 1; // half of an update that was meant to add 2
            panic!("on purpose, while holding the std Mutex");
        })
        .join()
    });
    say(format!(
        "the hilo that panicked was joined: {}",
        describe_join(&outcome)
    ));
    let std_poisoned = std_lock.is_poisoned();
    say(format!("std Mutex poisoned: {std_poisoned}"));
    // Unwinding released the lock: try_lock gets it at once (as an Err,
    // because poisoned); WouldBlock would mean it is still held.
    let std_released = match std_lock.try_lock() {
        Ok(value) => {
            say(format!(
                "std try_lock() after the panic: Ok, value {} (not poisoned: WRONG)",
                *value
            ));
            true
        }
        Err(TryLockError::Poisoned(poisoned)) => {
            let value = *poisoned.into_inner();
            say(format!(
                "std try_lock() after the panic: Err(PoisonError); into_inner() recovers value {value} (half-updated)"
            ));
            true
        }
        Err(TryLockError::WouldBlock) => {
            say("std try_lock() after the panic: still held (WRONG)");
            false
        }
    };

    let pl_lock = parking_lot::Mutex::new(10u64);
    let outcome = thread::scope(|s| {
        s.spawn(|| {
            let mut value = pl_lock.lock();
            *value += 1;
            panic!("on purpose, while holding the parking_lot Mutex");
        })
        .join()
    });
    say(format!(
        "the hilo that panicked was joined: {}",
        describe_join(&outcome)
    ));
    let parking_lot_free = match pl_lock.try_lock() {
        Some(value) => {
            say(format!(
                "parking_lot try_lock() after the panic: got it at once, value {}: no poisoning, checking is up to you",
                *value
            ));
            true
        }
        None => {
            say("parking_lot try_lock() after the panic: still held (WRONG)");
            false
        }
    };
    AfterPanic {
        std_poisoned,
        std_released,
        parking_lot_free,
    }
}

fn describe_join<T>(outcome: &thread::Result<T>) -> &'static str {
    if outcome.is_err() {
        "Err (it panicked)"
    } else {
        "Ok"
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let threads = usize::try_from(args.threads)?;
    let expected = args.threads * args.iterations;

    heading("1. Counting under a lock: std Mutex and parking_lot Mutex");
    let std_count = counting::with_std_mutex(threads, args.iterations);
    say(format!(
        "std::sync::Mutex final count: {std_count} of {expected}"
    ));
    let pl_count = counting::with_parking_lot(threads, args.iterations);
    say(format!(
        "parking_lot::Mutex final count: {pl_count} of {expected}"
    ));

    heading("2. One hilo at a time: who held the lock when");
    let timeline = take_turns(
        args.threads,
        args.rounds,
        Duration::from_millis(args.hold_ms),
    );
    output::text(timeline.render(terminal_width()));
    let most = timeline.max_overlap(Kind::Holding);
    say(format!(
        "max holding at once: {most} of {} hilos",
        args.threads
    ));

    heading("3. The guard releases when its scope ends, also on an early return");
    let scope = scope_exit();

    heading("4. A panic while holding the lock");
    // The panics below are on purpose: print them as one short line each
    // instead of the default message (which also suggests RUST_BACKTRACE).
    std::panic::set_hook(Box::new(|info| {
        say(format!(
            "panicked (on purpose): {}",
            info.payload_as_str().unwrap_or("?")
        ));
    }));
    let after = panic_inside();
    let _ = std::panic::take_hook();

    let exact = std_count == expected && pl_count == expected;
    let released = scope.held_inside
        && scope.free_after_scope
        && scope.free_after_return
        && after.std_released
        && after.parking_lot_free;
    output::line("");
    output::line(format!(
        "What you saw: with a lock {} ({std_count} and {pl_count} of {expected});",
        if exact {
            "no update was lost"
        } else {
            "updates were LOST (WRONG)"
        }
    ));
    output::line(format!(
        "max holding at once: {most}: {}.",
        if most == 1 {
            "the hilos took turns"
        } else {
            "NOT one at a time (WRONG)"
        }
    ));
    if released {
        output::line("The guard released the lock at the end of its scope, on `?` and on panic.");
    } else {
        output::line("The guard did NOT release the lock everywhere it should have (WRONG).");
    }
    if after.std_poisoned {
        output::line("std marked its Mutex poisoned, so the next hilo knows the data may be");
        output::line("half-updated; parking_lot leaves that to you.");
    } else {
        output::line("std did NOT mark its Mutex poisoned after the panic (WRONG).");
    }
    Ok(())
}
