//! What every echo server here shares: its bounds ([`Limits`]), its counters
//! ([`Stats`]) and how it is told to stop ([`Shutdown`]).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The bounds every echo server keeps, whatever its clients do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest line, `\n` included; a longer one closes the connection.
    pub max_line: usize,
    /// Most connections at once; one more is told `ERR busy` and closed.
    pub max_connections: usize,
    /// A connection that completes no line (and takes no echo) for this
    /// long is closed: a silent client or a slowloris cannot hold a slot.
    pub idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 8 * 1024,
            max_connections: 1024,
            idle: Duration::from_secs(30),
        }
    }
}

/// What a server did, counted as it runs (read from any thread).
#[derive(Debug, Default)]
pub struct Stats {
    pub accepted: AtomicU64,
    /// Turned away because `max_connections` were open.
    pub refused: AtomicU64,
    /// Open now.
    pub active: AtomicUsize,
    /// Most open at once.
    pub peak: AtomicUsize,
    pub lines: AtomicU64,
    pub closed_idle: AtomicU64,
    pub closed_too_long: AtomicU64,
    /// Ended by an error: a reset, a broken pipe.
    pub closed_error: AtomicU64,
    /// Writes that sent only part of what was pending (epoll: the rest
    /// waited in the connection's output buffer for EPOLLOUT).
    pub short_writes: AtomicU64,
}

impl Stats {
    pub fn new() -> Arc<Stats> {
        Arc::new(Stats::default())
    }

    /// One more open connection (returns false, and counts a refusal, when
    /// `max` are open already).
    pub fn try_open(&self, max: usize) -> bool {
        let mut now = self.active.load(Ordering::SeqCst);
        loop {
            if now >= max {
                self.refused.fetch_add(1, Ordering::SeqCst);
                return false;
            }
            match self
                .active
                .compare_exchange(now, now + 1, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => break,
                Err(actual) => now = actual,
            }
        }
        self.accepted.fetch_add(1, Ordering::SeqCst);
        self.peak.fetch_max(now + 1, Ordering::SeqCst);
        true
    }

    pub fn close(&self, why: Closed) {
        self.active.fetch_sub(1, Ordering::SeqCst);
        let counter = match why {
            Closed::Done => return,
            Closed::Idle => &self.closed_idle,
            Closed::TooLong => &self.closed_too_long,
            Closed::Error => &self.closed_error,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::SeqCst)
    }
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The client closed (or the server is stopping).
    Done,
    Idle,
    TooLong,
    Error,
}

/// What a server says before closing a connection it refuses.
pub const BUSY: &[u8] = b"ERR busy\n";

type Waker = Box<dyn Fn() + Send + Sync>;

/// Tells a blocking server to stop. Cheap to clone; `trigger` sets a flag
/// and runs the wakers the server registered (connect to its own listener
/// to end a blocked `accept`, write its eventfd to end an `epoll_wait`).
#[derive(Clone, Default)]
pub struct Shutdown {
    flag: Arc<AtomicBool>,
    wakers: Arc<Mutex<Vec<Waker>>>,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_triggered(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub fn trigger(&self) {
        self.flag.store(true, Ordering::SeqCst);
        for wake in self
            .wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            wake();
        }
    }

    /// Runs `wake` on `trigger` (at once if already triggered).
    pub fn on_trigger(&self, wake: impl Fn() + Send + Sync + 'static) {
        let mut wakers = self.wakers.lock().unwrap_or_else(PoisonError::into_inner);
        if self.is_triggered() {
            wake();
        }
        wakers.push(Box::new(wake));
    }
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Shutdown({})", self.is_triggered())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_refuse_over_the_limit_and_track_the_peak() {
        let stats = Stats::default();
        assert!(stats.try_open(2) && stats.try_open(2));
        assert!(!stats.try_open(2));
        stats.close(Closed::Idle);
        assert!(stats.try_open(2));
        assert_eq!(Stats::get(&stats.refused), 1);
        assert_eq!(Stats::get(&stats.closed_idle), 1);
        assert_eq!(stats.peak.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn shutdown_runs_wakers_even_when_registered_late() {
        let shutdown = Shutdown::new();
        let woken = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&woken);
        shutdown.on_trigger(move || {
            w.fetch_add(1, Ordering::SeqCst);
        });
        shutdown.trigger();
        let w = Arc::clone(&woken);
        shutdown.on_trigger(move || {
            w.fetch_add(1, Ordering::SeqCst);
        });
        assert!(shutdown.is_triggered());
        assert_eq!(woken.load(Ordering::SeqCst), 2);
    }
}
