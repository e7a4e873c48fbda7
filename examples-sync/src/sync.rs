//! The sync shim: std's `Mutex` and `Condvar` normally, loom's under
//! `RUSTFLAGS="--cfg loom"`.
//!
//! loom (a model checker) runs a test's threads under every interleaving it
//! can reach within a bound, but only if every lock and condition variable
//! the code touches is loom's own mock. The primitives in this crate are
//! written once against these names, so the very same code is both the code
//! the examples run and the code loom checks.
//!
//! loom's `Condvar::wait_timeout` never times out (loom has no clock): under
//! loom a timed wait is an untimed one, so the loom tests only use timed
//! waits where a wake-up is certain to come.
//!
//! Poisoning: no user code ever runs while these internal locks are held
//! (they guard a few counters), so a poisoned lock can only mean a bug in
//! this crate that already panicked; we take the data back and carry on
//! rather than panic a second time in an unrelated thread.

use std::sync::PoisonError;
use std::time::Duration;

#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};

// The queue's spin-before-sleep reads a length hint without the lock.
// Under loom the hint is loom's atomic, so the model runs the spin and
// explores its loads (each a point where another thread may run, each
// possibly stale). The pauses between loads are left out under loom, not
// replaced by loom's: loom's `yield_now` / `spin_loop` mean "let the others
// run first", which would stop loom from exploring the interleavings where
// a hilo goes to sleep on the Condvar while the others still have work:
// exactly the ones where a lost wake-up hides.
#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicUsize;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::AtomicUsize;

/// Locks `mutex`, ignoring poisoning (see the module docs).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `condvar`, giving the lock back while asleep.
pub(crate) fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `condvar` for at most `timeout`. The caller re-checks its
/// condition and its deadline: a wake-up may be spurious, a time-out may
/// race with a notification.
pub(crate) fn wait_timeout<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    timeout: Duration,
) -> MutexGuard<'a, T> {
    match condvar.wait_timeout(guard, timeout) {
        Ok((guard, _)) => guard,
        Err(poisoned) => poisoned.into_inner().0,
    }
}
