//! Counting: `threads` threads each add 1 to one shared counter
//! `iterations` times. The expected total is `threads * iterations`; how
//! close each way gets is the lesson of `race_condition` and `lock`.
//!
//! - [`racy`]: read, (pause), write: a read-modify-write split in two, as
//!   Python's `counter += 1` is (LOAD, ADD, STORE bytecodes). Updates get
//!   lost. It is built on an atomic only because safe Rust will not compile
//!   a data race on a plain integer; the atomic makes each load and each
//!   store whole, but nothing makes the *pair* whole.
//! - [`with_std_mutex`], [`with_parking_lot`]: the pair under a lock.
//! - [`with_fetch_add`]: the pair as one indivisible CPU instruction.
//!
//! Every way starts its threads together behind a `Barrier`, so the first
//! thread cannot finish before the last one even starts (which would hide
//! the race behind thread start-up time).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, PoisonError};
use std::thread;

/// Runs `body` on `threads` scoped threads started together.
fn together(threads: usize, body: impl Fn() + Sync) {
    let start = Barrier::new(threads);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start.wait();
                body();
            });
        }
    });
}

/// The lost update: load, optionally yield (widening the window in which
/// another thread can slip in), store. Returns the final count, which is
/// below `threads * iterations` whenever two threads interleaved.
pub fn racy(threads: usize, iterations: u64, widen: bool) -> u64 {
    let counter = AtomicU64::new(0);
    together(threads, || {
        for _ in 0..iterations {
            let seen = counter.load(Ordering::Relaxed); // read ...
            if widen {
                // ... the other thread may run here and store its own +1 ...
                thread::yield_now();
            }
            counter.store(seen + 1, Ordering::Relaxed); // ... write: its +1 is overwritten
        }
    });
    counter.into_inner()
}

/// The read-modify-write under a `std::sync::Mutex`.
pub fn with_std_mutex(threads: usize, iterations: u64) -> u64 {
    let counter = Mutex::new(0u64);
    together(threads, || {
        for _ in 0..iterations {
            // The guard is the `with lock:` block: released at the `;`.
            *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        }
    });
    counter.into_inner().unwrap_or_else(PoisonError::into_inner)
}

/// The read-modify-write under a `parking_lot::Mutex` (no poisoning, so no
/// `Result` on `lock`).
pub fn with_parking_lot(threads: usize, iterations: u64) -> u64 {
    let counter = parking_lot::Mutex::new(0u64);
    together(threads, || {
        for _ in 0..iterations {
            *counter.lock() += 1;
        }
    });
    counter.into_inner()
}

/// The read-modify-write as one atomic instruction. On x86-64 an unused
/// result compiles to `lock inc` (`lock add` for other amounts); `lock
/// xadd` only when the old value is used (checked with `rustc -O --emit
/// asm`, Rust 1.95).
pub fn with_fetch_add(threads: usize, iterations: u64) -> u64 {
    let counter = AtomicU64::new(0);
    together(threads, || {
        for _ in 0..iterations {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    counter.into_inner()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_synchronised_ways_count_exactly() {
        assert_eq!(with_std_mutex(4, 10_000), 40_000);
        assert_eq!(with_parking_lot(4, 10_000), 40_000);
        assert_eq!(with_fetch_add(4, 10_000), 40_000);
    }

    #[test]
    fn one_thread_cannot_race() {
        // 1,000 yields: on a loaded machine each costs up to a time slice
        // (10,000 took 20 s with four busy loops on two cores).
        assert_eq!(racy(1, 1_000, true), 1_000);
    }

    #[test]
    fn two_threads_lose_updates_when_the_window_is_wide() {
        // With a yield between the read and the write, two threads started
        // together interleave on one core or two.
        // Long enough that the two surely overlap (they start together and a
        // few ms of yielding outlasts a wake-up); not longer, because on a
        // loaded machine each yield hands the core to another program for a
        // time slice, about 1 ms (2 x 200,000 took 32 s there).
        // A loaded machine may still run the two one after the other, so
        // try a few times: a correct counter never loses, a racy one will.
        let lost_once = (0..20).any(|_| racy(2, 2_000, true) < 4_000);
        assert!(lost_once, "no update was lost in 20 runs");
    }
}
