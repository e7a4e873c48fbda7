//! A simulated GIL: one global lock that a thread must hold to "run Python".
//!
//! CPython's Global Interpreter Lock lets one thread at a time execute
//! bytecode (notes 002 "El GIL", 003, 004 "GIL ... ticks"). A thread gives it
//! up when it does I/O, and is made to give it up every so often (every 100
//! "ticks" in the Python 2 the notes describe; every 5 ms since Python 3.2).
//!
//! Rust has no GIL: threads run truly in parallel. To *show* what a GIL does,
//! [`Gil`] reproduces it: CPU work runs in slices of `switch_every` numbers,
//! each slice holding one shared lock; between slices the lock is handed to
//! a waiting thread if there is one (the "switch interval"). I/O is done
//! without the lock, as CPython releases the GIL around blocking calls.
//!
//! Why parking_lot's `unlock_fair`: with an ordinary mutex the thread that
//! releases the lock usually takes it straight back before a sleeping waiter
//! wakes up, so one thread would run its whole job while the others starve.
//! CPython 3.2+ prevents exactly that with a forced hand-off at each switch
//! interval; `unlock_fair` is that hand-off.
//!
//! The result is the notes' claim, measured: CPU-bound threads behind a GIL
//! take turns and do not go faster than one thread; I/O-bound threads still
//! overlap.

use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};
use shared::timeline::{Kind, Timeline};
use shared::workload::WyRand;

/// How many numbers a thread sums per turn holding the lock, by default:
/// about 0.1-1 ms of work, of the order of CPython's switch interval.
pub const DEFAULT_SWITCH_EVERY: u64 = 100_000;

/// One global lock shared by every thread that "runs Python".
#[derive(Debug)]
pub struct Gil {
    lock: Mutex<()>,
    switch_every: u64,
}

impl Gil {
    /// A GIL that makes a thread give up the lock every `switch_every`
    /// numbers (at least 1).
    pub fn new(switch_every: u64) -> Gil {
        Gil {
            lock: Mutex::new(()),
            switch_every: switch_every.max(1),
        }
    }

    /// The notes' job (`shared::workload::sum_random`) computed in turns
    /// holding the GIL. Same RNG, same seed: the same answer as without it.
    /// Each turn is recorded on `timeline` (if given) as a CPU span of `lane`.
    pub fn sum_random(&self, n: u64, seed: u64, timeline: Option<(&Timeline, &str)>) -> u64 {
        let mut rng = WyRand::new(seed);
        let mut total = 0u64;
        let mut left = n;
        while left > 0 {
            let slice = left.min(self.switch_every);
            let held = self.lock.lock();
            let started = Instant::now();
            for _ in 0..slice {
                total += rng.randint(1, 100);
            }
            if let Some((timeline, lane)) = timeline {
                timeline.record(lane, Kind::Cpu, started, Instant::now());
            }
            left -= slice;
            // Switch interval: hand the GIL to the next waiting thread.
            MutexGuard::unlock_fair(held);
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

    #[test]
    fn cpu_turns_never_overlap() {
        // Two threads behind the GIL: their CPU spans must never overlap.
        let gil = Arc::new(Gil::new(2_000));
        let timeline = Timeline::new();
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let gil = Arc::clone(&gil);
                let timeline = timeline.clone();
                std::thread::spawn(move || {
                    gil.sum_random(50_000, i, Some((&timeline, &format!("t{i}"))))
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(timeline.spans().len() >= 50);
        assert_eq!(timeline.max_overlap(Kind::Cpu), 1);
    }
}
