//! Step 2: two `Condvar`s, one per side, as CPython's `queue.Queue` does
//! (`not_empty`, `not_full`: `Condition`s sharing one lock; its third,
//! `all_tasks_done`, serves `join()`).
//!
//! Producers sleep on `not_full`, consumers on `not_empty`, so a put's
//! `notify_one` wakes a consumer and a get's wakes a producer: one wake-up
//! per item, always to a hilo that can use it. Step 1 had to wake everybody
//! (`notify_all`) on every change, and most of them went back to sleep.
//!
//! The counters (`sleeping_*`, `wakeups`) are only there so the tests can
//! see who slept and who was woken.

use std::collections::VecDeque;

use crate::sync::{Condvar, Mutex, lock, wait};

pub struct Queue<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    capacity: usize,
}

struct State<T> {
    items: VecDeque<T>,
    sleeping_getters: usize,
    sleeping_putters: usize,
    /// Returns from `wait`, on both sides.
    wakeups: usize,
}

impl<T> Queue<T> {
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a queue needs a capacity of at least 1");
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                sleeping_getters: 0,
                sleeping_putters: 0,
                wakeups: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
    }

    pub fn put(&self, item: T) {
        let mut state = lock(&self.state);
        while state.items.len() == self.capacity {
            state.sleeping_putters += 1;
            state = wait(&self.not_full, state);
            state.sleeping_putters -= 1;
            state.wakeups += 1;
        }
        state.items.push_back(item);
        drop(state);
        self.not_empty.notify_one(); // a consumer, never a producer
    }

    pub fn get(&self) -> T {
        let mut state = lock(&self.state);
        loop {
            if let Some(item) = state.items.pop_front() {
                drop(state);
                self.not_full.notify_one(); // a producer, never a consumer
                return item;
            }
            state.sleeping_getters += 1;
            state = wait(&self.not_empty, state);
            state.sleeping_getters -= 1;
            state.wakeups += 1;
        }
    }

    /// `(sleeping getters, sleeping putters, wake-ups so far)`.
    pub fn counters(&self) -> (usize, usize, usize) {
        let state = lock(&self.state);
        (
            state.sleeping_getters,
            state.sleeping_putters,
            state.wakeups,
        )
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::testing::{LONG, join_within, until};
    use std::sync::{Arc, mpsc};
    use std::thread;
    use std::time::Duration;

    /// Gives hilos woken by mistake (a `notify_all`) time to run and be
    /// counted. Not needed for the right answer, only to catch a wrong one.
    fn settle() {
        thread::sleep(Duration::from_millis(20)); // sleep-ok
    }

    /// Three consumers asleep on an empty queue; one put wakes one of them.
    /// Returns the wake-ups that put caused.
    fn consumers_woken_by_one_put() -> usize {
        let q = Arc::new(Queue::new(4));
        let (tx, rx) = mpsc::channel();
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let (q, tx) = (Arc::clone(&q), tx.clone());
                thread::spawn(move || tx.send(q.get()).unwrap())
            })
            .collect();
        until("three consumers asleep", || q.counters().0 == 3);
        settle(); // counted asleep is not yet asleep in the kernel (see below)
        q.put(1);
        assert_eq!(rx.recv_timeout(LONG), Ok(1), "the put woke nobody");
        settle();
        let woken = q.counters().2;
        q.put(2);
        q.put(3);
        for c in consumers {
            join_within(c, "consumer");
        }
        woken
    }

    /// Two producers asleep on a full queue; one get wakes one of them.
    /// Returns the wake-ups that get caused.
    fn producers_woken_by_one_get() -> usize {
        let q = Arc::new(Queue::new(1));
        q.put(0);
        let producers: Vec<_> = (1..=2)
            .map(|i| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.put(i))
            })
            .collect();
        until("two producers asleep", || q.counters().1 == 2);
        settle(); // counted asleep is not yet asleep in the kernel (see below)
        assert_eq!(q.get(), 0);
        until("one producer woke", || q.counters().1 < 2);
        settle();
        let woken = q.counters().2;
        let mut rest = [q.get(), q.get()];
        rest.sort_unstable();
        assert_eq!(rest, [1, 2]);
        for p in producers {
            join_within(p, "producer");
        }
        woken
    }

    /// One put wakes one consumer, one get one producer (step 1's
    /// `notify_all` wakes all of them, every time). A `Condvar` may also
    /// wake a hilo spuriously (std's does when a notify lands between a
    /// hilo's unlock and its sleep, a window "asleep" above cannot see), so
    /// the claim must hold in one of three tries: `notify_all` would show
    /// every sleeper woken in all three. The helpers `settle()` between
    /// "counted asleep" and the notify: `until` spins, so without it main
    /// notified inside that window every time on a busy machine ([2, 2, 2]).
    #[test]
    fn one_item_wakes_one_hilo_of_the_right_side() {
        let consumers: Vec<usize> = (0..3).map(|_| consumers_woken_by_one_put()).collect();
        assert!(consumers.contains(&1), "wake-ups per put: {consumers:?}");
        let producers: Vec<usize> = (0..3).map(|_| producers_woken_by_one_get()).collect();
        assert!(producers.contains(&1), "wake-ups per get: {producers:?}");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two consumers, two puts: each put's notify_one must reach a consumer
    /// still waiting (two producers and two consumers cannot deadlock here,
    /// unlike step 1 with notify_one).
    #[test]
    fn loom_two_puts_wake_two_consumers() {
        loom::model(|| {
            let q = Arc::new(Queue::new(1));
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let q = Arc::clone(&q);
                    thread::spawn(move || q.get())
                })
                .collect();
            let producer = {
                let q = Arc::clone(&q);
                thread::spawn(move || q.put(2))
            };
            q.put(1);
            producer.join().unwrap();
            let mut got: Vec<i32> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, vec![1, 2]);
        });
    }
}
