//! Cola acotada: the notes' "proveedor y cliente" (notes 004, "Condition")
//! built in versions, as "Rust Atomics and Locks" builds its primitives.
//! Read them in order; each adds one thing and has a test proving it:
//!
//! - [`s1_minimal`]: one `Mutex` + one `Condvar`, the notes' `Condition`.
//!   The smallest correct thing: `wait` in a `while`, `notify_all`. Its
//!   loom test shows why not `notify_one` (Python's `notify()`): with two
//!   producers and two consumers a producer can wake a producer and
//!   everybody sleeps.
//! - [`s2_two_condvars`]: one `Condvar` per side (`not_empty`, `not_full`,
//!   as CPython's `queue.Queue`), so `notify_one` always wakes a hilo that
//!   can use it: one wake-up per item instead of everybody.
//! - [`s3_close`]: `close()` wakes every blocked producer and consumer;
//!   puts fail, gets drain what is left (Python 3.13's `Queue.shutdown()`).
//! - [`s4_spin`]: timeouts, a high-water mark, and a short spin on a length
//!   hint before sleeping (what std's Mutex and crossbeam's channels do).
//!   This is [`BoundedQueue`], the one the examples and benches use.

pub mod s1_minimal;
pub mod s2_two_condvars;
pub mod s3_close;
pub mod s4_spin;

pub use s4_spin::{BoundedQueue, GetError, GetTimeoutError, PutError, PutTimeoutError};

/// Test helpers shared by the versions' unit tests.
#[cfg(all(test, not(loom)))]
pub(crate) mod testing {
    use std::thread::{self, JoinHandle};
    use std::time::{Duration, Instant};

    pub const LONG: Duration = Duration::from_secs(10);

    /// Joins `handle`, failing the test (not hanging it) if the hilo is
    /// still blocked after [`LONG`]: a lost wake-up is a failure.
    #[track_caller]
    pub fn join_within<T>(handle: JoinHandle<T>, what: &str) -> T {
        let deadline = Instant::now() + LONG;
        while !handle.is_finished() {
            assert!(
                Instant::now() < deadline,
                "{what}: still blocked after {LONG:?}"
            );
            thread::sleep(Duration::from_millis(1));
        }
        handle.join().expect("the hilo panicked")
    }

    /// Yields (with a deadline) until `ready()`.
    #[track_caller]
    pub fn until(what: &str, ready: impl Fn() -> bool) {
        let deadline = Instant::now() + LONG;
        while !ready() {
            assert!(Instant::now() < deadline, "never happened: {what}");
            thread::yield_now();
        }
    }
}
