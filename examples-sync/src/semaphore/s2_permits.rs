//! Step 2, the library's semaphore: step 1 plus a guard, timeouts, and
//! Python's `BoundedSemaphore`, on a `Mutex` and a `Condvar` (std has no
//! semaphore).
//!
//! Python:
//! ```python
//! sem = threading.Semaphore(3)
//! with sem:              # acquire(): blocks while the count is 0
//!     query_database()   # at most 3 threads in here at once
//! # release() on leaving the with block, even on an exception
//! ```
//!
//! Rust manners:
//! - [`Semaphore::acquire`] returns a [`Permit`], a guard that releases on
//!   drop: the `with` block is the guard's scope, and an early `return`, a `?`
//!   or a panic releases too.
//! - Timeouts return a value: [`Semaphore::acquire_timeout`] gives
//!   `Option<Permit>` (Python's `acquire(timeout=...)` returns `False`).
//! - Errors are `Result`s: [`BoundedSemaphore::release`] beyond the initial
//!   value is an `Err(TooManyReleases)`, where Python raises `ValueError`.
//! - [`Semaphore::release`] without an acquire is allowed, as in Python: it is
//!   how one thread *signals* another (a semaphore at 0, see the
//!   `semaphore_signal` example). The waiter keeps the permit it got with
//!   [`Permit::forget`] instead of handing it back.
//!
//! How it works: the count lives in a `Mutex`; `acquire` waits on a
//! `Condvar` while the count is 0, and a release wakes one waiter. The
//! number of sleeping waiters is kept beside the count so that a release
//! with nobody asleep (the common, uncontended case) skips the wake-up call.
//!
//! Not fair, like Python's: a hilo calling `acquire` just as a permit is
//! released may take it before the waiter that release woke, which then
//! goes back to sleep (Python's docs: the order in which threads are
//! awoken "should not be relied on"). A waiter can in principle wait for
//! as long as newcomers keep winning; a FIFO semaphore would hand the
//! permit to the oldest waiter directly, at the cost of a wake-up per
//! release even when a newcomer could have run at once.

use std::fmt;
use std::time::{Duration, Instant};

use crate::sync::{Condvar, Mutex, lock, wait, wait_timeout};

/// A counting semaphore: at most `permits` holders at once.
pub struct Semaphore {
    core: Core,
}

/// A semaphore whose count may never exceed its initial value: releasing a
/// permit that was never acquired is an error, as Python's `ValueError`.
///
/// Stricter than Python in one case, on purpose: permits out on live
/// [`Permit`] guards count as coming back. With a guard alive, a hand-made
/// [`release`](Self::release) is refused at once, because the guard's drop
/// would then push the count past the bound; Python accepts that release
/// and raises later, when the `with` block exits, far from the faulty call.
pub struct BoundedSemaphore {
    core: Core,
}

/// Releasing a [`BoundedSemaphore`] more times than it was acquired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "semaphore released too many times: all {bound} permits are already free or out on guards \
     (Python raises ValueError here)"
)]
pub struct TooManyReleases {
    /// The semaphore's initial value, which the count may not exceed.
    pub bound: usize,
}

/// One permit, held until this guard is dropped.
#[must_use = "a permit is released as soon as it is dropped"]
pub struct Permit<'a> {
    core: &'a Core,
}

impl Permit<'_> {
    /// Keeps the permit taken for good: dropping this guard will not give it
    /// back. Used when a semaphore signals (the waiter consumes the signal),
    /// or to hand the release to someone else, who calls `release()`.
    pub fn forget(self) {
        {
            let mut state = lock(&self.core.state);
            state.lent -= 1;
        }
        std::mem::forget(self);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.core.give_back();
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Permit")
    }
}

/// What both semaphores share.
struct Core {
    state: Mutex<State>,
    /// Signalled when a permit becomes free.
    available: Condvar,
    /// `Some(n)` for a bounded semaphore: `permits + lent` may not exceed n.
    bound: Option<usize>,
}

struct State {
    /// Free permits: Python's internal `_value`.
    permits: usize,
    /// Permits out on live [`Permit`] guards, which will come back on drop.
    lent: usize,
    /// Threads asleep in `acquire`, so a release knows whether to wake one.
    waiting: usize,
}

impl Core {
    fn new(permits: usize, bound: Option<usize>) -> Self {
        Core {
            state: Mutex::new(State {
                permits,
                lent: 0,
                waiting: 0,
            }),
            available: Condvar::new(),
            bound,
        }
    }

    /// Takes a permit, waiting until `deadline` (forever if `None`).
    /// Returns false if the deadline passed first.
    fn take(&self, deadline: Option<Instant>) -> bool {
        let mut state = lock(&self.state);
        loop {
            // Checked first after every wake-up, spurious or timed out: a
            // permit that is free is taken even if our time just ran out,
            // so a wake-up meant for us is never thrown away.
            if state.permits > 0 {
                state.permits -= 1;
                state.lent += 1;
                return true;
            }
            state.waiting += 1;
            state = match deadline {
                None => wait(&self.available, state),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        state.waiting -= 1;
                        return false;
                    }
                    wait_timeout(&self.available, state, deadline - now)
                }
            };
            state.waiting -= 1;
        }
    }

    fn try_take(&self) -> bool {
        let mut state = lock(&self.state);
        if state.permits > 0 {
            state.permits -= 1;
            state.lent += 1;
            true
        } else {
            false
        }
    }

    /// A guard is dropped: its permit becomes free again.
    fn give_back(&self) {
        let wake = {
            let mut state = lock(&self.state);
            state.lent -= 1;
            state.permits += 1;
            state.waiting > 0
        };
        self.wake_one(wake);
    }

    /// `release()`: adds a permit that no guard holds.
    fn add(&self) -> Result<(), TooManyReleases> {
        let wake = {
            let mut state = lock(&self.state);
            if let Some(bound) = self.bound {
                // Counting the permits out on guards too: they will come
                // back on drop, so an extra release now would push the
                // count past the bound later.
                if state.permits + state.lent >= bound {
                    return Err(TooManyReleases { bound });
                }
            }
            state.permits += 1;
            state.waiting > 0
        };
        self.wake_one(wake);
        Ok(())
    }

    /// One permit was added: one waiter is enough. Notifying after the lock
    /// is released is safe: a waiter counted in `waiting` went to sleep
    /// atomically with unlocking, so it cannot miss this call.
    fn wake_one(&self, someone_waits: bool) {
        if someone_waits {
            self.available.notify_one();
        }
    }

    fn available(&self) -> usize {
        lock(&self.state).permits
    }

    fn waiters(&self) -> usize {
        lock(&self.state).waiting
    }

    fn acquire(&self) -> Permit<'_> {
        self.take(None);
        Permit { core: self }
    }

    fn try_acquire(&self) -> Option<Permit<'_>> {
        // `then`, not `then_some`: a Permit built eagerly and then dropped
        // on failure would release a permit that was never taken.
        self.try_take().then(|| Permit { core: self })
    }

    fn acquire_timeout(&self, timeout: Duration) -> Option<Permit<'_>> {
        // A timeout too large to add to now is as good as no timeout.
        let deadline = Instant::now().checked_add(timeout);
        self.take(deadline).then(|| Permit { core: self })
    }
}

impl Semaphore {
    /// A semaphore with `permits` free permits (0 is allowed: a signal).
    pub fn new(permits: usize) -> Self {
        Semaphore {
            core: Core::new(permits, None),
        }
    }

    /// Waits for a free permit. Python: `sem.acquire()` / `with sem:`.
    pub fn acquire(&self) -> Permit<'_> {
        self.core.acquire()
    }

    /// Takes a permit only if one is free now. Python: `acquire(blocking=False)`.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        self.core.try_acquire()
    }

    /// Waits at most `timeout` for a permit; `None` if none came in time.
    /// Python: `acquire(timeout=...)`, which returns `False` on time-out.
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<Permit<'_>> {
        self.core.acquire_timeout(timeout)
    }

    /// Adds a permit, waking one waiter. Python: `sem.release()`. Always
    /// allowed: the count may grow past its initial value (use
    /// [`BoundedSemaphore`] to catch that).
    pub fn release(&self) {
        // Unbounded: `add` cannot fail.
        let _ = self.core.add();
    }

    /// Free permits right now (a snapshot: it may change at once).
    pub fn available(&self) -> usize {
        self.core.available()
    }

    /// Hilos blocked in `acquire` right now (a snapshot). Lets a caller (an
    /// example, a test) send a signal only once the waiter is really
    /// asleep, instead of guessing with a sleep.
    pub fn waiters(&self) -> usize {
        self.core.waiters()
    }
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` free permits, which is also the
    /// most it may ever hold.
    pub fn new(permits: usize) -> Self {
        BoundedSemaphore {
            core: Core::new(permits, Some(permits)),
        }
    }

    /// Waits for a free permit.
    pub fn acquire(&self) -> Permit<'_> {
        self.core.acquire()
    }

    /// Takes a permit only if one is free now.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        self.core.try_acquire()
    }

    /// Waits at most `timeout` for a permit.
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<Permit<'_>> {
        self.core.acquire_timeout(timeout)
    }

    /// Adds a permit back by hand (one taken with [`Permit::forget`]).
    /// An error if that would make more permits than the semaphore started
    /// with, counting those out on live guards (see the type's docs): the
    /// release that Python answers with `ValueError`.
    pub fn release(&self) -> Result<(), TooManyReleases> {
        self.core.add()
    }

    /// Free permits right now (a snapshot).
    pub fn available(&self) -> usize {
        self.core.available()
    }

    /// Hilos blocked in `acquire` right now (a snapshot).
    pub fn waiters(&self) -> usize {
        self.core.waiters()
    }

    /// The initial value, which the count may never exceed.
    pub fn bound(&self) -> usize {
        self.core.bound.unwrap_or(0)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .finish()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available())
            .field("bound", &self.bound())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, mpsc};
    use std::thread;

    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn permits_come_back_when_guards_drop() {
        let sem = Semaphore::new(2);
        let a = sem.acquire();
        let b = sem.acquire();
        assert_eq!(sem.available(), 0);
        assert!(sem.try_acquire().is_none());
        drop(a);
        assert_eq!(sem.available(), 1);
        drop(b);
        assert_eq!(sem.available(), 2);
    }

    #[test]
    fn acquire_timeout_returns_none_when_nothing_is_free() {
        let sem = Semaphore::new(0);
        let started = Instant::now();
        assert!(sem.acquire_timeout(Duration::from_millis(30)).is_none());
        assert!(started.elapsed() >= Duration::from_millis(30));
        sem.release();
        assert!(sem.acquire_timeout(Duration::from_millis(30)).is_some());
    }

    #[test]
    fn a_huge_timeout_is_no_timeout() {
        let sem = Semaphore::new(1);
        assert!(sem.acquire_timeout(Duration::MAX).is_some());
    }

    /// Spins (with a deadline) until `n` hilos are asleep in `acquire`.
    fn until_waiting(sem: &Semaphore, n: usize) {
        let deadline = Instant::now() + LONG;
        while sem.waiters() < n {
            assert!(Instant::now() < deadline, "the waiters never went to sleep");
            thread::yield_now();
        }
    }

    #[test]
    fn a_release_wakes_a_blocked_acquire() {
        let sem = Arc::new(Semaphore::new(0));
        let (tx, rx) = mpsc::channel();
        // Not scoped: if the release never wakes it, the test fails at the
        // recv deadline below instead of hanging in a join.
        thread::spawn({
            let sem = Arc::clone(&sem);
            move || {
                sem.acquire().forget();
                let _ = tx.send(());
            }
        });
        until_waiting(&sem, 1);
        assert!(rx.try_recv().is_err(), "went through a semaphore at 0");
        sem.release();
        rx.recv_timeout(LONG)
            .expect("the release did not wake the waiter");
        assert_eq!(
            sem.available(),
            0,
            "the waiter forgot (consumed) the permit"
        );
    }

    #[test]
    fn never_more_than_n_inside() {
        let sem = Semaphore::new(3);
        let inside = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..200 {
                        // Timed, so a lost permit fails the test instead
                        // of hanging it.
                        let _permit = sem
                            .acquire_timeout(LONG)
                            .expect("no permit for 10 s: one was lost");
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 3);
        assert_eq!(sem.available(), 3, "a permit was lost or created");
    }

    #[test]
    fn a_plain_semaphore_grows_past_its_start() {
        let sem = Semaphore::new(1);
        sem.release();
        assert_eq!(sem.available(), 2);
    }

    #[test]
    fn bounded_refuses_the_extra_release() {
        let sem = BoundedSemaphore::new(2);
        assert_eq!(sem.release(), Err(TooManyReleases { bound: 2 }));
        let permit = sem.acquire();
        // One permit is out on a guard: releasing by hand now would be the
        // extra one, because the guard will bring it back.
        assert_eq!(sem.release(), Err(TooManyReleases { bound: 2 }));
        drop(permit);
        assert_eq!(sem.available(), 2);
        sem.acquire().forget();
        assert_eq!(sem.release(), Ok(()));
        assert_eq!(sem.release(), Err(TooManyReleases { bound: 2 }));
        assert_eq!(sem.available(), 2);
    }

    #[test]
    fn the_error_reads_like_python() {
        let text = TooManyReleases { bound: 1 }.to_string();
        assert!(text.contains("released too many times"), "{text}");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::thread;

    /// Two threads, one permit: never both inside; the permit survives.
    #[test]
    fn loom_mutual_exclusion_and_no_permit_lost() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(1));
            let inside = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let sem = Arc::clone(&sem);
                    let inside = Arc::clone(&inside);
                    thread::spawn(move || {
                        let _permit = sem.acquire();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two inside");
                        inside.fetch_sub(1, Ordering::SeqCst);
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(sem.available(), 1, "a permit was created or lost");
        });
    }

    /// A semaphore at 0 used as a signal: the release is never lost, whether
    /// it comes before or after the waiter goes to sleep.
    #[test]
    fn loom_signal_is_never_lost() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let waiter = {
                let sem = Arc::clone(&sem);
                thread::spawn(move || sem.acquire().forget())
            };
            sem.release();
            waiter.join().unwrap();
            assert_eq!(sem.available(), 0);
        });
    }

    /// Two waiters and two releases: each release wakes someone (a waiter
    /// that was already woken must not swallow the second wake-up).
    #[test]
    fn loom_two_waiters_two_releases() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let sem = Arc::clone(&sem);
                    thread::spawn(move || sem.acquire().forget())
                })
                .collect();
            sem.release();
            sem.release();
            for w in waiters {
                w.join().unwrap();
            }
            assert_eq!(sem.available(), 0);
        });
    }

    /// acquire_timeout takes the same path as acquire (under loom a timed
    /// wait never times out), and try_acquire never blocks or double-counts.
    #[test]
    fn loom_timeout_and_try_acquire_race() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let timed = {
                let sem = Arc::clone(&sem);
                thread::spawn(move || {
                    let permit = sem.acquire_timeout(Duration::from_secs(3600));
                    permit.is_some()
                })
            };
            let trier = {
                let sem = Arc::clone(&sem);
                thread::spawn(move || sem.try_acquire().map(Permit::forget).is_some())
            };
            sem.release();
            let took = trier.join().unwrap();
            if took {
                // The try took the only permit: give the timed waiter one.
                sem.release();
            }
            assert!(timed.join().unwrap());
            assert_eq!(
                sem.available(),
                1,
                "the timed waiter's guard gave its permit back"
            );
        });
    }

    /// Two racing extra releases on a bounded semaphore with one permit out:
    /// exactly one is accepted, and the count never passes the bound.
    #[test]
    fn loom_bounded_accepts_exactly_one_of_two_releases() {
        loom::model(|| {
            let sem = Arc::new(BoundedSemaphore::new(1));
            sem.acquire().forget();
            let releasers: Vec<_> = (0..2)
                .map(|_| {
                    let sem = Arc::clone(&sem);
                    thread::spawn(move || sem.release().is_ok())
                })
                .collect();
            let accepted = releasers
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|&ok| ok)
                .count();
            assert_eq!(accepted, 1);
            assert_eq!(sem.available(), 1);
        });
    }
}
