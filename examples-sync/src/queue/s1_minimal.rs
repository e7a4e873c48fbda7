//! Step 1: one `Mutex` and one `Condvar`, the notes' `threading.Condition`.
//!
//! ```python
//! cond = threading.Condition()          # a lock + one wait queue
//! def put(x):                           def get():
//!     with cond:                            with cond:
//!         while len(items) == N:                while not items:
//!             cond.wait()                           cond.wait()
//!         items.append(x)                       x = items.popleft()
//!         cond.notify_all()                     cond.notify_all()
//! ```
//!
//! Producers and consumers sleep on the same `Condvar`, so a wake-up must
//! go to everybody (`notify_all`): with `notify_one` (Python's `notify()`,
//! which the notes use) a put can wake another *producer*, which finds the
//! queue still full and sleeps again, while the consumer that could have
//! run is never woken. With two producers and two consumers that ends with
//! all four asleep: a deadlock. The loom test
//! `loom_notify_one_on_one_condvar_deadlocks` finds that interleaving.
//! CPython's own `queue.Queue` avoids it with two conditions (`not_empty`,
//! `not_full`): see [`super::s2_two_condvars`].

use std::collections::VecDeque;

use crate::sync::{Condvar, Mutex, lock, wait};

/// How a put or get wakes the sleepers. Only `All` is correct here; `One`
/// is the notes' `notify()`, kept to show (under loom) how it deadlocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    All,
    One,
}

/// A bounded FIFO queue: `put` waits while full, `get` while empty.
pub struct Queue<T> {
    items: Mutex<VecDeque<T>>,
    changed: Condvar,
    capacity: usize,
    wake: Wake,
}

impl<T> Queue<T> {
    /// The correct one: every change wakes every sleeper.
    pub fn new(capacity: usize) -> Self {
        Self::with_wake(capacity, Wake::All)
    }

    /// `Wake::One` is the notes' version, which can deadlock.
    pub fn with_wake(capacity: usize, wake: Wake) -> Self {
        assert!(capacity > 0, "a queue needs a capacity of at least 1");
        Queue {
            items: Mutex::new(VecDeque::new()),
            changed: Condvar::new(),
            capacity,
            wake,
        }
    }

    pub fn put(&self, item: T) {
        let mut items = lock(&self.items);
        // A loop, not an `if`: a wake-up may be spurious, or meant for the
        // other side, or another producer filled the slot first.
        while items.len() == self.capacity {
            items = wait(&self.changed, items); // unlocks, sleeps, relocks
        }
        items.push_back(item);
        drop(items);
        self.notify();
    }

    pub fn get(&self) -> T {
        let mut items = lock(&self.items);
        loop {
            if let Some(item) = items.pop_front() {
                drop(items);
                self.notify();
                return item;
            }
            items = wait(&self.changed, items);
        }
    }

    fn notify(&self) {
        match self.wake {
            Wake::All => self.changed.notify_all(),
            Wake::One => self.changed.notify_one(),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::testing::join_within;
    use std::sync::Arc;
    use std::thread;

    #[test]
    fn fifo_and_blocks_until_the_other_side_acts() {
        let q = Arc::new(Queue::new(1));
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || (0..100).map(|_| q.get()).collect::<Vec<u32>>())
        };
        // Capacity 1: every put after the first waits for a get.
        for i in 0..100 {
            q.put(i);
        }
        assert_eq!(
            join_within(consumer, "consumer"),
            (0..100).collect::<Vec<_>>()
        );
    }

    #[test]
    fn notify_all_serves_two_producers_and_two_consumers() {
        let q = Arc::new(Queue::new(1));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || (0..500).map(|_| q.get()).collect::<Vec<u32>>())
            })
            .collect();
        let producers: Vec<_> = (0..2u32)
            .map(|p| {
                let q = Arc::clone(&q);
                thread::spawn(move || (0..500).for_each(|i| q.put(p * 1000 + i)))
            })
            .collect();
        for p in producers {
            join_within(p, "producer");
        }
        let mut got: Vec<u32> = consumers
            .into_iter()
            .flat_map(|c| join_within(c, "consumer"))
            .collect();
        got.sort_unstable();
        let want: Vec<u32> = (0..2)
            .flat_map(|p| (0..500).map(move |i| p * 1000 + i))
            .collect();
        assert_eq!(got, want);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two producers and two consumers, one item each, capacity 1.
    fn two_and_two(wake: Wake) {
        let q = Arc::new(Queue::with_wake(1, wake));
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
    }

    #[test]
    fn loom_notify_all_on_one_condvar_is_correct() {
        loom::model(|| two_and_two(Wake::All));
    }

    /// The notes' `notify()`: consumer A is woken by the first put; the
    /// second producer finds the queue full and sleeps beside consumer B;
    /// A's get wakes B (the wrong side), B finds it empty and sleeps:
    /// nobody is left to wake the producer. loom reports the deadlock by
    /// panicking while its threads unwind, which aborts the process, so the
    /// model runs in a child test process and this test reads its verdict.
    #[test]
    fn loom_notify_one_on_one_condvar_deadlocks() {
        let exe = std::env::current_exe().expect("the test binary");
        let mut child = std::process::Command::new(exe);
        child.args(["--exact", "queue::s1_minimal::loom_tests::notify_one_model"]);
        child.args(["--ignored", "--nocapture", "--test-threads", "1"]);
        let out = shared::testing::output_within(&mut child, std::time::Duration::from_secs(600))
            .expect("the child test process");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("deadlock; threads"),
            "loom found no deadlock with notify_one on one Condvar:\n{stderr}"
        );
    }

    #[test]
    #[ignore = "run in a child process by loom_notify_one_on_one_condvar_deadlocks"]
    fn notify_one_model() {
        loom::model(|| two_and_two(Wake::One));
    }
}
