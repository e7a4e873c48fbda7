//! A simulated GIL: one global lock that a thread must hold to "run Python".
//!
//! CPython's Global Interpreter Lock lets one thread at a time execute
//! bytecode (notes 002 "El GIL", 003, 004 "GIL ... ticks"). A thread gives it
//! up when it does I/O, and is made to give it up every so often (every 100
//! "ticks" in the Python 2 the notes describe; every 5 ms since Python 3.2).
//!
//! Not every CPython has one: since 3.13 a free-threaded build (`python3.13t`,
//! PEP 703) runs without it, officially supported from 3.14 (PEP 779); the
//! default build still has the GIL, and that is what the notes describe.
//!
//! Rust has no GIL: threads run truly in parallel. To *show* what a GIL does,
//! [`Gil`] reproduces CPython 3's: CPU work runs in slices of `switch_every`
//! numbers, each slice holding the one lock. At the end of a slice, if
//! another thread is waiting, the holder drops the lock *and waits until a
//! waiter has actually taken it* (CPython's "forced switching"). Without that
//! last step the holder, already running, would usually take the lock
//! straight back before the sleeping waiter woke up, and one thread would run
//! its whole job while the others starve. I/O is done without the lock, as
//! CPython releases the GIL around blocking calls.
//!
//! The result is the notes' claim, measured: CPU-bound threads behind a GIL
//! take turns and do not go faster than one thread (each hand-over costs a
//! wake-up, so they go slower); I/O-bound threads still overlap.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use shared::timeline::{Kind, Timeline};
use shared::workload::WyRand;

/// How many numbers a thread sums per turn holding the GIL, by default:
/// about 0.1 ms of work in a release build, 1 ms in a debug one.
pub const DEFAULT_SWITCH_EVERY: u64 = 100_000;

/// The GIL's bookkeeping, behind one std Mutex.
#[derive(Debug, Default)]
struct State {
    /// Someone holds the GIL.
    held: bool,
    /// Threads blocked waiting to take it.
    waiting: usize,
    /// How many times it has been taken: a holder that hands it over waits
    /// for this to change.
    taken: u64,
}

/// One global lock shared by every thread that "runs Python".
#[derive(Debug)]
pub struct Gil {
    state: Mutex<State>,
    changed: Condvar,
    switch_every: u64,
}

impl Gil {
    /// A GIL that makes a thread offer the lock every `switch_every`
    /// numbers (at least 1).
    pub fn new(switch_every: u64) -> Gil {
        Gil {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            switch_every: switch_every.max(1),
        }
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not stop the demo: ignore poisoning.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the GIL, blocking while another thread holds it.
    fn acquire(&self) {
        let mut state = self.lock_state();
        state.waiting += 1;
        while state.held {
            state = self.wait(state);
        }
        state.waiting -= 1;
        state.held = true;
        state.taken += 1;
        // A holder may be waiting to see its hand-over taken.
        self.changed.notify_all();
    }

    /// Gives the GIL up; if someone is waiting, waits until they took it.
    fn release_and_switch(&self) {
        let mut state = self.lock_state();
        state.held = false;
        let taken_before = state.taken;
        let someone_waits = state.waiting > 0;
        self.changed.notify_all();
        if someone_waits {
            while state.taken == taken_before {
                state = self.wait(state);
            }
        }
    }

    /// The notes' job (`shared::workload::sum_random`) computed in turns
    /// holding the GIL. Same RNG, same seed: the same answer as without it.
    /// With a timeline, each turn is a CPU span of `lane` and each wait for
    /// the GIL a Waiting span.
    pub fn sum_random(&self, n: u64, seed: u64, timeline: Option<(&Timeline, &str)>) -> u64 {
        let mut rng = WyRand::new(seed);
        let mut total = 0u64;
        let mut left = n;
        while left > 0 {
            let slice = left.min(self.switch_every);
            let asked = Instant::now();
            self.acquire();
            let started = Instant::now();
            for _ in 0..slice {
                total += rng.randint(1, 100);
            }
            if let Some((timeline, lane)) = timeline {
                timeline.record(lane, Kind::Waiting, asked, started);
                timeline.record(lane, Kind::Cpu, started, Instant::now());
            }
            left -= slice;
            // Switch interval: offer the GIL to the next waiting thread.
            self.release_and_switch();
        }
        std::hint::black_box(total)
    }

    /// Blocking I/O "inside Python": done without holding the GIL, as CPython
    /// releases it around `time.sleep`, socket reads and file reads.
    pub fn io_wait(&self, d: Duration) {
        shared::workload::io_wait(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::workload::sum_random;
    use std::sync::Arc;

    #[test]
    fn same_answer_as_without_the_gil() {
        let gil = Gil::new(1_000);
        assert_eq!(gil.sum_random(12_345, 9, None), sum_random(12_345, 9));
    }

    fn run_two(gil: &Arc<Gil>, n: u64) -> Timeline {
        let timeline = Timeline::new();
        // Both threads start computing together.
        let start = Arc::new(std::sync::Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let gil = Arc::clone(gil);
                let timeline = timeline.clone();
                let start = Arc::clone(&start);
                std::thread::spawn(move || {
                    start.wait();
                    gil.sum_random(n, i, Some((&timeline, &format!("t{i}"))))
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        timeline
    }

    #[test]
    fn cpu_turns_never_overlap() {
        let gil = Arc::new(Gil::new(2_000));
        let timeline = run_two(&gil, 50_000);
        assert!(timeline.spans().len() >= 50);
        assert_eq!(timeline.max_overlap(Kind::Cpu), 1);
    }

    /// Waits (with a deadline) until `n` threads are blocked in `acquire`.
    fn wait_for_waiters(gil: &Gil, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while gil.lock_state().waiting < n {
            assert!(
                Instant::now() < deadline,
                "no thread came to wait for the GIL"
            );
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_switch_hands_the_gil_to_the_waiting_thread() {
        // CPython's forced switching, step by step: main holds the GIL, a
        // second thread blocks asking for it, main's switch must not return
        // until that thread has really taken it.
        let gil = Arc::new(Gil::new(1));
        gil.acquire();
        let other = {
            let gil = Arc::clone(&gil);
            std::thread::spawn(move || {
                gil.acquire();
                let taken = gil.lock_state().taken;
                gil.release_and_switch();
                taken
            })
        };
        wait_for_waiters(&gil, 1);
        gil.release_and_switch();
        // Back here only after the other thread took the GIL: the second take.
        assert!(gil.lock_state().taken >= 2);
        assert_eq!(other.join().unwrap(), 2);
    }

    #[test]
    fn a_switch_with_nobody_waiting_returns_at_once() {
        let gil = Gil::new(1);
        gil.acquire();
        gil.release_and_switch();
        let state = gil.lock_state();
        assert!(!state.held);
        assert_eq!(state.taken, 1);
    }
}
