//! Evento: Python's `threading.Event`, built on a `Mutex` and a `Condvar`.
//!
//! Python:
//! ```python
//! ready = threading.Event()
//! # many threads:  ready.wait()        -> True once set
//! #                ready.wait(0.5)     -> False if still unset after 0.5 s
//! ready.set()      # wakes every waiter at once
//! ready.clear()    # back to unset: later waits block again
//! ```
//!
//! Rust: the flag lives in a `Mutex`, waiters sleep on a `Condvar`, and
//! [`Event::set`] calls `notify_all` (not `notify_one`: an event wakes
//! *everybody*, that is its whole point).
//!
//! One subtle rule copied from Python: a thread that was waiting when
//! `set()` happened returns `true` even if another thread `clear()`s the
//! event before the waiter gets to run. A plain "wait while the flag is
//! false" loop would see the flag false again and go back to sleep: a lost
//! wake-up. So the event also counts how many times it has been set (a
//! generation), and a waiter stops waiting when the flag is set *or* the
//! generation moved on since it started waiting.

use std::fmt;
use std::time::{Duration, Instant};

use crate::sync::{Condvar, Mutex, lock, wait, wait_timeout};

/// A flag threads can wait on; setting it wakes them all.
pub struct Event {
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    set: bool,
    /// How many times the flag went from unset to set (wrapping).
    generation: u64,
    /// Threads asleep in `wait` / `wait_timeout` right now.
    waiting: usize,
}

impl Event {
    /// A new, unset event.
    pub fn new() -> Self {
        Event {
            state: Mutex::new(State {
                set: false,
                generation: 0,
                waiting: 0,
            }),
            changed: Condvar::new(),
        }
    }

    /// Sets the flag and wakes every waiting thread.
    pub fn set(&self) {
        let wake = {
            let mut state = lock(&self.state);
            if state.set {
                return; // already set: nobody can be waiting
            }
            state.set = true;
            state.generation = state.generation.wrapping_add(1);
            state.waiting > 0
        };
        // Every waiter, not one: each of them is waiting for this. After
        // unlocking, so they do not wake straight into a held lock; safe,
        // because a waiter counted in `waiting` checked the flag and went
        // to sleep in one step under the lock, before our change. With
        // nobody waiting, the wake-up call (a system call) is skipped.
        if wake {
            self.changed.notify_all();
        }
    }

    /// Resets the flag: later waits block until the next `set`.
    pub fn clear(&self) {
        lock(&self.state).set = false;
    }

    /// Whether the flag is set right now (a snapshot).
    pub fn is_set(&self) -> bool {
        lock(&self.state).set
    }

    /// Blocks until the event is set. Python's `wait()` returns `True` then;
    /// here there is nothing to return: it only comes back when set.
    pub fn wait(&self) {
        let mut state = lock(&self.state);
        let started_in = state.generation;
        while !state.set && state.generation == started_in {
            state.waiting += 1;
            state = wait(&self.changed, state);
            state.waiting -= 1;
        }
    }

    /// Blocks at most `timeout`; `true` if the event was set (or was set
    /// while we waited), `false` if time ran out first. Python:
    /// `wait(timeout)`.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = lock(&self.state);
        let started_in = state.generation;
        loop {
            if state.set || state.generation != started_in {
                return true;
            }
            match deadline {
                None => {
                    state.waiting += 1;
                    state = wait(&self.changed, state);
                }
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    state.waiting += 1;
                    state = wait_timeout(&self.changed, state, deadline - now);
                }
            }
            state.waiting -= 1;
        }
    }

    /// How many threads are blocked waiting right now (a snapshot). Lets a
    /// caller (an example, a test) set the event only once everyone is
    /// really asleep, instead of guessing with a sleep.
    pub fn waiters(&self) -> usize {
        lock(&self.state).waiting
    }
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::{Arc, mpsc};
    use std::thread;

    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn set_clear_is_set() {
        let event = Event::new();
        assert!(!event.is_set());
        event.set();
        assert!(event.is_set());
        event.set(); // setting twice is harmless
        event.clear();
        assert!(!event.is_set());
    }

    #[test]
    fn wait_timeout_is_false_when_unset_and_true_when_set() {
        let event = Event::new();
        let started = Instant::now();
        assert!(!event.wait_timeout(Duration::from_millis(30)));
        assert!(started.elapsed() >= Duration::from_millis(30));
        event.set();
        assert!(event.wait_timeout(Duration::from_millis(30)));
        event.wait(); // returns at once: already set
    }

    /// Starts `n` hilos blocked in an untimed `wait()`, each sending its
    /// number once woken. Not scoped on purpose: if a waiter is never woken
    /// the test fails at its receive deadline instead of hanging in a join
    /// (the stuck hilo is left behind; the test process ends anyway).
    fn untimed_waiters(event: &Arc<Event>, n: usize) -> mpsc::Receiver<usize> {
        let (tx, rx) = mpsc::channel();
        for i in 0..n {
            let (event, tx) = (Arc::clone(event), tx.clone());
            thread::spawn(move || {
                event.wait();
                let _ = tx.send(i);
            });
        }
        rx
    }

    #[test]
    fn set_wakes_every_waiter() {
        let event = Arc::new(Event::new());
        let rx = untimed_waiters(&event, 5);
        until_waiting(&event, 5);
        assert!(rx.try_recv().is_err(), "woke before set");
        event.set();
        let mut woken: Vec<usize> = (0..5)
            .map(|_| rx.recv_timeout(LONG).expect("a waiter was not woken"))
            .collect();
        woken.sort();
        assert_eq!(woken, vec![0, 1, 2, 3, 4]);
    }

    /// Spins (with a deadline) until `n` threads are asleep in `wait`.
    fn until_waiting(event: &Event, n: usize) {
        let deadline = Instant::now() + LONG;
        while event.waiters() < n {
            assert!(Instant::now() < deadline, "waiters never went to sleep");
            thread::yield_now();
        }
    }

    #[test]
    fn a_set_then_clear_still_wakes_those_who_were_waiting() {
        let event = Event::new();
        thread::scope(|s| {
            let waiter = s.spawn(|| event.wait_timeout(LONG));
            until_waiting(&event, 1);
            event.set();
            event.clear();
            assert!(waiter.join().unwrap(), "the pulse was lost");
        });
    }

    #[test]
    fn an_untimed_wait_also_sees_the_pulse() {
        let event = Arc::new(Event::new());
        let rx = untimed_waiters(&event, 1);
        until_waiting(&event, 1);
        event.set();
        event.clear();
        rx.recv_timeout(LONG).expect("the pulse was lost by wait()");
    }

    #[test]
    fn waiters_counts_sleeping_threads() {
        let event = Arc::new(Event::new());
        let rx = untimed_waiters(&event, 3);
        until_waiting(&event, 3);
        assert_eq!(event.waiters(), 3);
        event.set();
        for _ in 0..3 {
            rx.recv_timeout(LONG).expect("a waiter was not woken");
        }
        // Each woken hilo leaves the count before it sends.
        assert_eq!(event.waiters(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two waiters, one set: both wake (notify_one here would hang one).
    #[test]
    fn loom_set_wakes_all_waiters() {
        loom::model(|| {
            let event = Arc::new(Event::new());
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let event = Arc::clone(&event);
                    thread::spawn(move || event.wait())
                })
                .collect();
            event.set();
            for w in waiters {
                w.join().unwrap();
            }
            assert!(event.is_set());
        });
    }

    /// A set immediately followed by a clear is not lost by a thread that
    /// was waiting: with a plain "wait while the flag is false" loop the
    /// waiter would wake, see false and sleep forever (loom: deadlock).
    #[test]
    fn loom_pulse_is_not_lost() {
        loom::model(|| {
            let event = Arc::new(Event::new());
            let waiter = {
                let event = Arc::clone(&event);
                thread::spawn(move || event.wait_timeout(Duration::from_secs(3600)))
            };
            // Only a thread already waiting is promised the pulse (in Python
            // too): wait until it is asleep.
            while event.waiters() == 0 {
                thread::yield_now();
            }
            event.set();
            event.clear();
            assert!(waiter.join().unwrap());
            assert!(!event.is_set());
        });
    }

    /// set from another thread while a waiter may or may not be waiting yet:
    /// it always returns, and the flag stays set.
    #[test]
    fn loom_set_from_another_thread() {
        loom::model(|| {
            let event = Arc::new(Event::new());
            let setter = {
                let event = Arc::clone(&event);
                thread::spawn(move || event.set())
            };
            event.wait();
            assert!(event.is_set());
            setter.join().unwrap();
        });
    }

    /// The same pulse for an untimed `wait()`, which has its own loop: it
    /// too must stop on a generation that moved on, not only on the flag.
    #[test]
    fn loom_pulse_is_not_lost_by_an_untimed_wait() {
        loom::model(|| {
            let event = Arc::new(Event::new());
            let waiter = {
                let event = Arc::clone(&event);
                thread::spawn(move || event.wait())
            };
            while event.waiters() == 0 {
                thread::yield_now();
            }
            event.set();
            event.clear();
            waiter.join().unwrap();
            assert!(!event.is_set());
        });
    }
}
