//! Step 1: a counting semaphore is a count under a `Mutex` and a `Condvar`
//! to sleep on while it is 0.
//!
//! ```python
//! sem = threading.Semaphore(3)
//! sem.acquire()     # waits while the count is 0, then takes one
//! sem.release()     # gives one back and wakes one waiter
//! ```
//!
//! Nothing stops a caller from forgetting `release` (or releasing twice):
//! [`super::s2_permits`] hands out a guard instead.

use crate::sync::{Condvar, Mutex, lock, wait};

pub struct Semaphore {
    permits: Mutex<usize>,
    released: Condvar,
}

impl Semaphore {
    pub fn new(permits: usize) -> Self {
        Semaphore {
            permits: Mutex::new(permits),
            released: Condvar::new(),
        }
    }

    pub fn acquire(&self) {
        let mut permits = lock(&self.permits);
        while *permits == 0 {
            permits = wait(&self.released, permits);
        }
        *permits -= 1;
    }

    pub fn release(&self) {
        *lock(&self.permits) += 1;
        // One permit, one waiter: everyone here waits for the same thing,
        // so notify_one is enough (unlike a one-Condvar queue).
        self.released.notify_one();
    }

    pub fn available(&self) -> usize {
        *lock(&self.permits)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::testing::join_within;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    #[test]
    fn never_more_than_n_inside() {
        let sem = Arc::new(Semaphore::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let hilos: Vec<_> = (0..6)
            .map(|_| {
                let (sem, inside, most) = (sem.clone(), inside.clone(), most.clone());
                thread::spawn(move || {
                    for _ in 0..200 {
                        sem.acquire();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        sem.release();
                    }
                })
            })
            .collect();
        for h in hilos {
            join_within(h, "hilo");
        }
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert_eq!(sem.available(), 2, "a permit was created or lost");
    }

    #[test]
    fn a_release_wakes_a_waiter() {
        let sem = Arc::new(Semaphore::new(0));
        let waiter = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.acquire())
        };
        sem.release();
        join_within(waiter, "waiter");
        assert_eq!(sem.available(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two waiters, two releases: no release is lost, nobody sleeps forever.
    #[test]
    fn loom_minimal_two_waiters_two_releases() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let sem = Arc::clone(&sem);
                    thread::spawn(move || sem.acquire())
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
}
