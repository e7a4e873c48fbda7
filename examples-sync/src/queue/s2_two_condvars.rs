//! Step 2: two `Condvar`s, one per side, as CPython's `queue.Queue` does
//! (`not_empty`, `not_full`, two `Condition`s sharing one lock).
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

    /// Three consumers asleep on an empty queue; one put wakes exactly one
    /// of them (step 1's `notify_all` would wake all three, and two would
    /// go back to sleep).
    #[test]
    fn a_put_wakes_one_consumer_not_all() {
        let q = Arc::new(Queue::new(4));
        let (tx, rx) = mpsc::channel();
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let (q, tx) = (Arc::clone(&q), tx.clone());
                thread::spawn(move || tx.send(q.get()).unwrap())
            })
            .collect();
        until("three consumers asleep", || q.counters().0 == 3);
        q.put(1);
        assert_eq!(rx.recv_timeout(LONG), Ok(1), "the put woke nobody");
        assert_eq!(q.counters(), (2, 0, 1), "(asleep, -, wake-ups)");
        q.put(2);
        q.put(3);
        for c in consumers {
            join_within(c, "consumer");
        }
        // One wake-up per item, no wasted ones.
        assert_eq!(q.counters(), (0, 0, 3));
    }

    /// The other side: two producers asleep on a full queue; one get wakes
    /// exactly one producer.
    #[test]
    fn a_get_wakes_one_producer_not_all() {
        let q = Arc::new(Queue::new(1));
        q.put(0);
        let producers: Vec<_> = (1..=2)
            .map(|i| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.put(i))
            })
            .collect();
        until("two producers asleep", || q.counters().1 == 2);
        assert_eq!(q.get(), 0);
        until("one producer woke and put", || q.counters().1 == 1);
        // The other producer still sleeps: one get, one wake-up.
        assert_eq!(q.counters(), (0, 1, 1), "(-, asleep, wake-ups)");
        let mut rest = [q.get(), q.get()];
        rest.sort_unstable();
        assert_eq!(rest, [1, 2]);
        for p in producers {
            join_within(p, "producer");
        }
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
