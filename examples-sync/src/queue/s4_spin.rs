//! Step 4: the queue the examples and benches use ([`BoundedQueue`]):
//! step 3 plus timeouts (`put_timeout`, `get_timeout`, Python's
//! `timeout=`), a high-water mark (`peak`), a skipped wake-up call when
//! nobody sleeps on the other side, and a short spin on a length hint
//! before sleeping.
//!
//! Rust vs Python, worth knowing: Python's `notify()` must be called with
//! the lock held (else `RuntimeError`); Rust's `notify_one` needs no lock,
//! and here it is called after unlocking, so the woken hilo does not wake
//! straight into a lock someone still holds. Rust's `Condvar::wait` may
//! return spuriously (its docs say so; CPython's does not), and in both a
//! woken hilo re-takes the lock after the notifier let go, so another may
//! have taken the item first: always wait in a loop that re-checks.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::sync::{AtomicUsize, Condvar, Mutex, MutexGuard, lock, wait, wait_timeout};

/// A FIFO queue holding at most `capacity` items; `put` blocks while full,
/// `get` blocks while empty.
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    /// Signalled when an item arrives.
    not_empty: Condvar,
    /// Signalled when room appears.
    not_full: Condvar,
    capacity: usize,
    /// A copy of `items.len()`, written under the lock, read without it by
    /// a hilo spinning before it sleeps (see [`spin_until`]). Only a hint:
    /// every decision is taken again under the lock.
    len_hint: AtomicUsize,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// The most items ever held at once.
    peak: usize,
    /// Consumers asleep in `get`, producers asleep in `put`: a put or get
    /// with nobody asleep on the other side skips the wake-up call.
    getters_waiting: usize,
    putters_waiting: usize,
}

/// `put` on a closed queue; the item comes back.
#[derive(PartialEq, Eq)]
pub struct PutError<T>(pub T);

/// `put_timeout` failed; the item comes back.
#[derive(PartialEq, Eq)]
pub enum PutTimeoutError<T> {
    /// Still full when the time ran out.
    Timeout(T),
    /// The queue was closed.
    Closed(T),
}

/// `get` on a queue that is closed and empty: nothing more will come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the queue is closed and empty")]
pub struct GetError;

/// `get_timeout` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GetTimeoutError {
    /// Still empty when the time ran out.
    #[error("timed out waiting for an item")]
    Timeout,
    /// Closed and empty: nothing more will come.
    #[error("the queue is closed and empty")]
    Closed,
}

/// Which wait a blocking call gave up on.
enum Gave {
    Closed,
    Timeout,
}

impl<T> BoundedQueue<T> {
    /// An empty queue holding at most `capacity` items.
    ///
    /// # Panics
    /// If `capacity` is 0 (a queue that can hold nothing would block every
    /// `put` forever; Python's `maxsize=0` means *unbounded*, which this
    /// queue deliberately is not).
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "a BoundedQueue needs a capacity of at least 1"
        );
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
                peak: 0,
                getters_waiting: 0,
                putters_waiting: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
            len_hint: AtomicUsize::new(0),
        }
    }

    /// Adds `item` at the back, waiting while the queue is full.
    /// Python: `q.put(item)`.
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        match self.put_until(item, None) {
            Ok(()) => Ok(()),
            Err((item, _)) => Err(PutError(item)),
        }
    }

    /// As [`put`](Self::put), waiting at most `timeout` for room.
    /// Python: `q.put(item, timeout=...)`, which raises `queue.Full`.
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        match self.put_until(item, Instant::now().checked_add(timeout)) {
            Ok(()) => Ok(()),
            Err((item, Gave::Timeout)) => Err(PutTimeoutError::Timeout(item)),
            Err((item, Gave::Closed)) => Err(PutTimeoutError::Closed(item)),
        }
    }

    /// Takes the item at the front, waiting while the queue is empty.
    /// After [`close`](Self::close), the remaining items still come out;
    /// then `Err(GetError)`. Python: `q.get()`.
    pub fn get(&self) -> Result<T, GetError> {
        self.get_until(None).map_err(|_| GetError)
    }

    /// As [`get`](Self::get), waiting at most `timeout`.
    /// Python: `q.get(timeout=...)`, which raises `queue.Empty`.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        self.get_until(Instant::now().checked_add(timeout))
            .map_err(|gave| match gave {
                Gave::Timeout => GetTimeoutError::Timeout,
                Gave::Closed => GetTimeoutError::Closed,
            })
    }

    /// Closes the queue: every waiting `put` and `get` wakes up; later puts
    /// fail; gets drain what is left. Closing twice is harmless.
    pub fn close(&self) {
        lock(&self.state).closed = true;
        // Everybody, on both sides: nobody may stay asleep on a queue that
        // will never change again.
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    pub fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }

    /// Items in the queue right now (a snapshot).
    pub fn len(&self) -> usize {
        lock(&self.state).items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The most items the queue ever held at once (its high-water mark).
    pub fn peak(&self) -> usize {
        lock(&self.state).peak
    }

    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), (T, Gave)> {
        let mut state = lock(&self.state);
        let mut spun = deadline.is_some_and(|d| d <= Instant::now());
        loop {
            if state.closed {
                return Err((item, Gave::Closed));
            }
            if state.items.len() < self.capacity {
                break;
            }
            if !spun {
                // Full. Before paying for a sleep and a wake-up, watch for
                // room for a moment without the lock.
                spun = true;
                drop(state);
                spin_until(|| self.len_hint.load(Ordering::Relaxed) < self.capacity);
                state = lock(&self.state);
                continue;
            }
            state.putters_waiting += 1;
            let woken = self.sleep(&self.not_full, state, deadline);
            state = woken.0;
            state.putters_waiting -= 1;
            if woken.1 && state.items.len() >= self.capacity && !state.closed {
                return Err((item, Gave::Timeout));
            }
        }
        state.items.push_back(item);
        state.peak = state.peak.max(state.items.len());
        self.len_hint.store(state.items.len(), Ordering::Relaxed);
        let wake = state.getters_waiting > 0;
        drop(state);
        if wake {
            self.not_empty.notify_one();
        }
        Ok(())
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<T, Gave> {
        let mut state = lock(&self.state);
        let mut spun = deadline.is_some_and(|d| d <= Instant::now());
        loop {
            // Items first, even when closed: closing never loses an item.
            if let Some(item) = state.items.pop_front() {
                self.len_hint.store(state.items.len(), Ordering::Relaxed);
                let wake = state.putters_waiting > 0;
                drop(state);
                if wake {
                    self.not_full.notify_one();
                }
                return Ok(item);
            }
            if state.closed {
                return Err(Gave::Closed);
            }
            if !spun {
                // Empty. Watch for an item for a moment before sleeping.
                spun = true;
                drop(state);
                spin_until(|| self.len_hint.load(Ordering::Relaxed) > 0);
                state = lock(&self.state);
                continue;
            }
            state.getters_waiting += 1;
            let woken = self.sleep(&self.not_empty, state, deadline);
            state = woken.0;
            state.getters_waiting -= 1;
            if woken.1 && state.items.is_empty() && !state.closed {
                return Err(Gave::Timeout);
            }
        }
    }

    /// One wait on `condvar`, bounded by `deadline`. Returns the guard and
    /// whether the deadline has passed; the caller re-checks its condition
    /// first, so an item or room that arrived just as time ran out is used,
    /// not thrown away with the wake-up that announced it.
    fn sleep<'a>(
        &self,
        condvar: &Condvar,
        guard: MutexGuard<'a, State<T>>,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, State<T>>, bool) {
        match deadline {
            None => (wait(condvar, guard), false),
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    return (guard, true);
                }
                let guard = wait_timeout(condvar, guard, deadline - now);
                (guard, Instant::now() >= deadline)
            }
        }
    }
}

/// Busy-wait rounds of the spin (1, 2, 4, ... 64 `spin_loop` hints), then
/// `yield_now` rounds: at most 10 looks at the hint, 127 hints and 3 yields
/// per call, once per `put` or `get`.
const BUSY_ROUNDS: u32 = 7;
const YIELD_ROUNDS: u32 = 3;

/// Spins briefly until `ready()` looks true: first a few busy-wait rounds
/// (doubling, as crossbeam's `Backoff` does), then a few `yield_now`s.
/// Returns early when `ready()` is true; it is only a hint either way, and
/// the spin is bounded (see [`BUSY_ROUNDS`], [`YIELD_ROUNDS`]) whatever
/// `ready()` says: a spin that waited for its condition would be a busy
/// sleep, burning a core for as long as a producer takes.
///
/// Why: when producer and consumer run on two cores, the item or the room
/// usually appears within a microsecond or two. Going to sleep on the
/// Condvar costs a system call to sleep, another to wake, and a context
/// switch each (several µs); a short spin avoids most of them. This is
/// what std's own Mutex does before it sleeps, and what crossbeam's
/// channels do. Correctness does not rest on it: the caller takes every
/// decision again under the lock. Under loom the spin runs all its rounds
/// with its hint on loom's atomic, so the model covers its loads; only the
/// pauses between them are left out (see `src/sync.rs`).
fn spin_until(ready: impl Fn() -> bool) {
    for step in 0..BUSY_ROUNDS + YIELD_ROUNDS {
        if ready() {
            return;
        }
        // Under loom a pause is no time at all (loom has no clock) and
        // loom's own yield would change which interleavings it explores
        // (see `src/sync.rs`): the model keeps the loads, not the pauses.
        if cfg!(loom) {
            continue;
        }
        if step < BUSY_ROUNDS {
            for _ in 0..1u32 << step {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
    }
}

impl<T> fmt::Debug for BoundedQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("BoundedQueue")
            .field("len", &state.items.len())
            .field("capacity", &self.capacity)
            .field("closed", &state.closed)
            .finish()
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PutError(..)")
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("put on a closed queue")
    }
}

impl<T> std::error::Error for PutError<T> {}

impl<T> PutTimeoutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutTimeoutError::Timeout(item) | PutTimeoutError::Closed(item) => item,
        }
    }
}

impl<T> fmt::Debug for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            PutTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutTimeoutError::Timeout(_) => f.write_str("timed out waiting for room in the queue"),
            PutTimeoutError::Closed(_) => f.write_str("put on a closed queue"),
        }
    }
}

impl<T> std::error::Error for PutTimeoutError<T> {}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::thread;

    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn fifo_order_and_peak() {
        let q = BoundedQueue::new(3);
        for i in 0..3 {
            q.put(i).unwrap();
        }
        assert_eq!(q.len(), 3);
        assert_eq!(q.peak(), 3);
        assert_eq!((q.get(), q.get(), q.get()), (Ok(0), Ok(1), Ok(2)));
        assert!(q.is_empty());
        assert_eq!(q.peak(), 3);
    }

    #[test]
    fn timeouts_report_full_and_empty() {
        let q = BoundedQueue::new(1);
        assert_eq!(
            q.get_timeout(Duration::from_millis(20)),
            Err(GetTimeoutError::Timeout)
        );
        q.put('a').unwrap();
        let started = Instant::now();
        let err = q.put_timeout('b', Duration::from_millis(20)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert_eq!(err, PutTimeoutError::Timeout('b'));
        assert_eq!(err.into_inner(), 'b');
        assert_eq!(q.get_timeout(Duration::from_millis(20)), Ok('a'));
    }

    #[test]
    fn close_drains_then_refuses() {
        let q = BoundedQueue::new(4);
        q.put(1).unwrap();
        q.put(2).unwrap();
        q.close();
        assert_eq!(q.put(3), Err(PutError(3)));
        assert_eq!(q.put_timeout(3, LONG), Err(PutTimeoutError::Closed(3)));
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.get_timeout(LONG), Ok(2));
        assert_eq!(q.get(), Err(GetError));
        assert_eq!(q.get_timeout(LONG), Err(GetTimeoutError::Closed));
        assert!(q.is_closed());
    }

    #[test]
    fn close_wakes_blocked_consumers_and_producers() {
        let empty: BoundedQueue<u8> = BoundedQueue::new(1);
        let full = BoundedQueue::new(1);
        full.put(0u8).unwrap();
        thread::scope(|s| {
            // Timed waits, so a close that wakes nobody fails the test (a
            // time-out instead of Closed) rather than hanging it.
            let getter = s.spawn(|| empty.get_timeout(LONG));
            let putter = s.spawn(|| full.put_timeout(1, LONG));
            // Close only once both are asleep, so the test is about waking.
            until(|| getters_waiting(&empty) == 1 && putters_waiting(&full) == 1);
            let closed = Instant::now();
            empty.close();
            full.close();
            assert_eq!(getter.join().unwrap(), Err(GetTimeoutError::Closed));
            assert_eq!(putter.join().unwrap(), Err(PutTimeoutError::Closed(1)));
            // Woken by close, not by their own time-out (which also ends
            // in Closed, LONG later).
            assert!(closed.elapsed() < LONG / 2, "close woke nobody");
        });
    }

    /// Spins (with a deadline) until `ready()`.
    fn until(ready: impl Fn() -> bool) {
        let deadline = Instant::now() + LONG;
        while !ready() {
            assert!(Instant::now() < deadline, "threads never blocked");
            thread::yield_now();
        }
    }

    fn getters_waiting<T>(q: &BoundedQueue<T>) -> usize {
        lock(&q.state).getters_waiting
    }

    fn putters_waiting<T>(q: &BoundedQueue<T>) -> usize {
        lock(&q.state).putters_waiting
    }

    #[test]
    fn a_put_wakes_a_consumer_asleep_on_empty() {
        let q = BoundedQueue::new(1);
        thread::scope(|s| {
            let consumer = s.spawn(|| q.get_timeout(LONG));
            until(|| getters_waiting(&q) == 1);
            let put = Instant::now();
            q.put(7).unwrap();
            assert_eq!(consumer.join().unwrap(), Ok(7));
            assert!(put.elapsed() < LONG / 2, "the put woke nobody");
        });
    }

    #[test]
    fn a_get_wakes_a_producer_asleep_on_full() {
        let q = BoundedQueue::new(1);
        q.put(1).unwrap();
        thread::scope(|s| {
            let producer = s.spawn(|| q.put_timeout(2, LONG));
            until(|| putters_waiting(&q) == 1);
            let got = Instant::now();
            assert_eq!(q.get(), Ok(1));
            assert_eq!(producer.join().unwrap(), Ok(()));
            assert!(got.elapsed() < LONG / 2, "the get woke nobody");
            assert_eq!(q.get(), Ok(2));
        });
    }

    #[test]
    fn many_producers_and_consumers_lose_and_duplicate_nothing() {
        let q = BoundedQueue::new(2);
        let mut got: Vec<u32> = thread::scope(|s| {
            let consumers: Vec<_> = (0..3)
                .map(|_| {
                    s.spawn(|| {
                        // Timed, so a lost wake-up fails the test instead
                        // of hanging it.
                        let mut mine = Vec::new();
                        loop {
                            match q.get_timeout(LONG) {
                                Ok(x) => mine.push(x),
                                Err(GetTimeoutError::Closed) => return mine,
                                Err(GetTimeoutError::Timeout) => panic!("a consumer slept 10 s"),
                            }
                        }
                    })
                })
                .collect();
            let producers: Vec<_> = (0..3u32)
                .map(|p| {
                    let q = &q;
                    s.spawn(move || {
                        for i in 0..500 {
                            q.put_timeout(p * 1000 + i, LONG)
                                .expect("a producer slept 10 s");
                        }
                    })
                })
                .collect();
            for p in producers {
                p.join().unwrap();
            }
            q.close();
            consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect()
        });
        got.sort_unstable();
        let want: Vec<u32> = (0..3)
            .flat_map(|p| (0..500).map(move |i| p * 1000 + i))
            .collect();
        assert_eq!(got, want);
        assert!(q.peak() <= 2);
    }

    #[test]
    fn the_spin_is_bounded_when_nothing_comes() {
        let looks = std::cell::Cell::new(0);
        spin_until(|| {
            looks.set(looks.get() + 1);
            false
        });
        assert_eq!(looks.get(), BUSY_ROUNDS + YIELD_ROUNDS);
    }

    #[test]
    #[should_panic(expected = "capacity of at least 1")]
    fn zero_capacity_is_refused() {
        let _ = BoundedQueue::<u8>::new(0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Capacity 1, one producer putting 2, one consumer getting 2: the
    /// producer must block and be woken, the order kept, nothing hangs.
    #[test]
    fn loom_producer_blocks_when_full_and_is_woken() {
        loom::model(|| {
            let q = Arc::new(BoundedQueue::new(1));
            let producer = {
                let q = Arc::clone(&q);
                thread::spawn(move || {
                    q.put(1).unwrap();
                    q.put(2).unwrap();
                })
            };
            assert_eq!(q.get(), Ok(1));
            assert_eq!(q.get(), Ok(2));
            producer.join().unwrap();
            assert!(q.peak() <= 1);
        });
    }

    /// Two producers, one slot, one consumer: each item exactly once.
    #[test]
    fn loom_two_producers_nothing_lost_or_duplicated() {
        loom::model(|| {
            let q = Arc::new(BoundedQueue::new(1));
            let producers: Vec<_> = (0..2)
                .map(|i| {
                    let q = Arc::clone(&q);
                    thread::spawn(move || q.put(i).unwrap())
                })
                .collect();
            let mut got = [q.get().unwrap(), q.get().unwrap()];
            got.sort_unstable();
            assert_eq!(got, [0, 1]);
            for p in producers {
                p.join().unwrap();
            }
        });
    }

    /// Two consumers, one item, then close: one consumer gets the item, the
    /// other sees the queue closed; neither sleeps forever.
    #[test]
    fn loom_close_wakes_the_consumer_left_waiting() {
        loom::model(|| {
            let q = Arc::new(BoundedQueue::new(1));
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let q = Arc::clone(&q);
                    thread::spawn(move || q.get().ok())
                })
                .collect();
            q.put(7).unwrap();
            q.close();
            let got: Vec<_> = consumers
                .into_iter()
                .filter_map(|c| c.join().unwrap())
                .collect();
            assert_eq!(got, vec![7]);
        });
    }

    /// Two consumers, two puts: each put's notify_one must wake a consumer
    /// that still needs an item (a wake-up swallowed by a consumer that was
    /// already awake would leave the other asleep with an item waiting).
    #[test]
    fn loom_two_puts_wake_two_consumers() {
        loom::model(|| {
            let q = Arc::new(BoundedQueue::new(2));
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let q = Arc::clone(&q);
                    thread::spawn(move || q.get().unwrap())
                })
                .collect();
            q.put(1).unwrap();
            q.put(2).unwrap();
            let mut got: Vec<i32> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, vec![1, 2]);
        });
    }

    /// Two consumers asleep on an empty queue, then close: both wake
    /// (a close that only notified one would leave the other asleep).
    #[test]
    fn loom_close_wakes_every_consumer() {
        loom::model(|| {
            let q: Arc<BoundedQueue<u8>> = Arc::new(BoundedQueue::new(1));
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let q = Arc::clone(&q);
                    thread::spawn(move || q.get())
                })
                .collect();
            q.close();
            for c in consumers {
                assert_eq!(c.join().unwrap(), Err(GetError));
            }
        });
    }

    /// A timed get (which under loom waits like an untimed one) is woken by
    /// a put like any other get.
    #[test]
    fn loom_timed_get_is_woken() {
        loom::model(|| {
            let q = Arc::new(BoundedQueue::new(1));
            let consumer = {
                let q = Arc::clone(&q);
                thread::spawn(move || q.get_timeout(Duration::from_secs(3600)))
            };
            q.put(5).unwrap();
            assert_eq!(consumer.join().unwrap(), Ok(5));
        });
    }

    /// A producer blocked on a full queue, then close: the put fails and
    /// gives its item back (a close that woke only the consumers would
    /// leave the producer asleep for good: loom reports the deadlock).
    #[test]
    fn loom_close_wakes_a_blocked_producer() {
        loom::model(|| {
            let q = Arc::new(BoundedQueue::new(1));
            q.put(0).unwrap();
            let producer = {
                let q = Arc::clone(&q);
                thread::spawn(move || q.put(1))
            };
            q.close();
            assert_eq!(producer.join().unwrap(), Err(PutError(1)));
            assert_eq!(q.get(), Ok(0), "close lost the item already in");
            assert_eq!(q.get(), Err(GetError));
        });
    }

    /// A timed put on a full queue (under loom, a wait that never times
    /// out) is woken by a get like any other put.
    #[test]
    fn loom_timed_put_is_woken() {
        loom::model(|| {
            let q = Arc::new(BoundedQueue::new(1));
            q.put(0).unwrap();
            let producer = {
                let q = Arc::clone(&q);
                thread::spawn(move || q.put_timeout(1, Duration::from_secs(3600)).is_ok())
            };
            assert_eq!(q.get(), Ok(0));
            assert!(producer.join().unwrap());
            assert_eq!(q.get(), Ok(1));
        });
    }
}
