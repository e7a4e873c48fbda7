//! examples-sync: sincronización (Lock, RLock, Semaphore, BoundedSemaphore,
//! Event, Condition, Barrier, Queue) in Rust, beside the notes' Python.
//!
//! std gives Rust a `Mutex`, a `Condvar`, a `Barrier` and channels, but no
//! semaphore, no event and no Condition-backed bounded queue. This library
//! builds Python's missing primitives the way Rust builds things, on a
//! `Mutex` and a `Condvar`, with Python's semantics and Rust's manners:
//! permits are guards released on drop, timeouts return a value, errors are
//! `Result`s.
//!
//! - [`Semaphore`], [`BoundedSemaphore`] ([`semaphore`]): counting
//!   semaphores; the bounded one refuses an extra release.
//! - [`Event`] ([`event`]): set / clear / wait, waking every waiter.
//! - [`BoundedQueue`] ([`queue`]): the producer / consumer of the notes'
//!   "proveedor y cliente", built in four steps (`queue::s1_minimal` ..
//!   `queue::s4_spin`); the semaphore in two (`semaphore::s1_minimal`,
//!   `semaphore::s2_permits`).
//! - [`harness`]: what the examples call in one line (named hilos, a
//!   producer / consumer run, deadlines, waits), so they show the lesson.
//! - [`audit`]: did every item arrive exactly once, in order?
//!
//! The primitives are written against a small private shim (`src/sync.rs`):
//! std's types normally, loom's under `--cfg loom`, so the
//! model checker explores the real code:
//!
//! ```sh
//! LOOM_MAX_PREEMPTIONS=3 RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p examples-sync --release --lib loom
//! ```
#![forbid(unsafe_code)]

pub mod audit;
pub mod event;
pub mod harness;
pub mod queue;
pub mod semaphore;
mod sync;

pub use event::Event;
pub use queue::{BoundedQueue, GetError, GetTimeoutError, PutError, PutTimeoutError};
pub use semaphore::{BoundedSemaphore, Permit, Semaphore, TooManyReleases};
use shared::index::Example;

/// Every example of this crate, in reading order.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "race_condition",
        notes: "004 Memoria compartida (\"read/write --> error\")",
        shows: "unsynchronised read-modify-write loses updates; fixed with a Mutex and with fetch_add",
        figures: false,
    },
    Example {
        name: "lock",
        notes: "004 Lock, \"With statement es tu amigo\"",
        shows: "one hilo at a time inside; the guard as `with`; std vs parking_lot; poisoning on panic",
        figures: false,
    },
    Example {
        name: "double_lock",
        notes: "004 \"No hacer double lock\", \"Ojo con llamar cosas que hacen lock\"",
        shows: "a helper that locks again, two locks in opposite orders: detected by try_lock_for, never hanging; the fix: one lock order",
        figures: false,
    },
    Example {
        name: "deadlock_detector",
        notes: "004 \"No hacer double lock\"",
        shows: "parking_lot's deadlock detector names the hilos stuck in a lock cycle (needs --features deadlock-detection)",
        figures: false,
    },
    Example {
        name: "rlock",
        notes: "004 RLock",
        shows: "a re-entrant lock taken again by its owner (recursion); other hilos still wait; why std's Mutex cannot re-enter",
        figures: false,
    },
    Example {
        name: "semaphore",
        notes: "004 Semáforos (\"limitar el acceso a base de datos\")",
        shows: "a semaphore written as Mutex<usize> + Condvar lets at most N hilos in (timeline); then the library's Permit guard",
        figures: false,
    },
    Example {
        name: "bounded_semaphore",
        notes: "004 Bounded semaphore",
        shows: "releasing more than was acquired is an error (Python's ValueError)",
        figures: false,
    },
    Example {
        name: "semaphore_signal",
        notes: "004 Semáforos (\"para señalizar threads\")",
        shows: "a semaphore at 0 as a signal: the waiter proceeds only after it",
        figures: false,
    },
    Example {
        name: "event",
        notes: "004 Eventos (\"despertar muchos threads\")",
        shows: "Event set / clear / wait / wait with timeout, waking every waiter at once",
        figures: false,
    },
    Example {
        name: "condition",
        notes: "004 Condition (\"proveedor y cliente\")",
        shows: "a bounded buffer written as one Mutex + one Condvar (wait, notify_all), the library's queue beside it; notify_one deadlocking",
        figures: false,
    },
    Example {
        name: "barrier",
        notes: "004 barreras",
        shows: "hilos meet at a Barrier: nobody starts phase 2 before all finish phase 1; one leader per round",
        figures: false,
    },
    Example {
        name: "queue",
        notes: "004 Queues, 000 Queue",
        shows: "std mpsc, crossbeam and a hand-built queue; many producers / consumers; close vs sentinel",
        figures: true,
    },
];
