//! Step 3: closing. A producer that is done calls `close()`; every hilo
//! blocked in `put` or `get` wakes up (`notify_all` on both `Condvar`s, the
//! one place a broadcast is right: nobody may sleep on a queue that will
//! never change again). Later puts fail and give the item back; gets drain
//! what is left, then return `None`, so no item is lost.
//!
//! Python: `queue.Queue.shutdown()` since 3.13; before that, the custom is
//! a sentinel (`None`) put once per consumer.

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
    closed: bool,
    sleeping: usize,
}

impl<T> Queue<T> {
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a queue needs a capacity of at least 1");
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                sleeping: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
    }

    /// `Err(item)` if the queue is (or gets) closed.
    pub fn put(&self, item: T) -> Result<(), T> {
        let mut state = lock(&self.state);
        loop {
            if state.closed {
                return Err(item);
            }
            if state.items.len() < self.capacity {
                break;
            }
            state.sleeping += 1;
            state = wait(&self.not_full, state);
            state.sleeping -= 1;
        }
        state.items.push_back(item);
        drop(state);
        self.not_empty.notify_one();
        Ok(())
    }

    /// `None` once the queue is closed and empty: nothing more will come.
    pub fn get(&self) -> Option<T> {
        let mut state = lock(&self.state);
        loop {
            // Items first, even when closed: closing never loses an item.
            if let Some(item) = state.items.pop_front() {
                drop(state);
                self.not_full.notify_one();
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state.sleeping += 1;
            state = wait(&self.not_empty, state);
            state.sleeping -= 1;
        }
    }

    pub fn close(&self) {
        lock(&self.state).closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    /// Hilos asleep in `put` or `get` right now.
    pub fn sleeping(&self) -> usize {
        lock(&self.state).sleeping
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::testing::{join_within, until};
    use std::sync::Arc;
    use std::thread;

    #[test]
    fn close_wakes_every_blocked_producer_and_consumer() {
        let empty: Arc<Queue<u8>> = Arc::new(Queue::new(1));
        let full = Arc::new(Queue::new(1));
        full.put(0u8).unwrap();
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&empty);
                thread::spawn(move || q.get())
            })
            .collect();
        let putters: Vec<_> = (1..=2u8)
            .map(|i| {
                let q = Arc::clone(&full);
                thread::spawn(move || q.put(i))
            })
            .collect();
        until("all four asleep", || {
            empty.sleeping() == 2 && full.sleeping() == 2
        });
        empty.close();
        full.close();
        for g in getters {
            assert_eq!(join_within(g, "consumer after close"), None);
        }
        let mut back: Vec<u8> = putters
            .into_iter()
            .map(|p| join_within(p, "producer after close").unwrap_err())
            .collect();
        back.sort_unstable();
        assert_eq!(back, [1, 2], "a failed put gives its item back");
        assert_eq!(full.get(), Some(0), "close lost the item already in");
        assert_eq!(full.get(), None);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two consumers asleep on an empty queue, then close: both wake.
    #[test]
    fn loom_close_wakes_every_consumer() {
        loom::model(|| {
            let q: Arc<Queue<u8>> = Arc::new(Queue::new(1));
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let q = Arc::clone(&q);
                    thread::spawn(move || q.get())
                })
                .collect();
            q.close();
            for c in consumers {
                assert_eq!(c.join().unwrap(), None);
            }
        });
    }

    /// A producer blocked on a full queue, then close: it wakes and fails.
    #[test]
    fn loom_close_wakes_a_blocked_producer() {
        loom::model(|| {
            let q = Arc::new(Queue::new(1));
            q.put(0).unwrap();
            let producer = {
                let q = Arc::clone(&q);
                thread::spawn(move || q.put(1))
            };
            q.close();
            assert_eq!(producer.join().unwrap(), Err(1));
            assert_eq!(q.get(), Some(0));
            assert_eq!(q.get(), None);
        });
    }
}
