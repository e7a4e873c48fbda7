//! Harness the examples call in one line: named hilos, a producer /
//! consumer run with its audit ([`Exchange`]), deadlines, "is it asleep
//! yet?", counting who is inside, panics on purpose. Not the lesson; the
//! lesson is in each `src/bin` file.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use shared::timeline::{Kind, Timeline};

use crate::audit::{Audit, Item, audit};

/// Runs `producers` hilos (`proveedor-<i>`, each running what
/// `producer(i)` returns) and `consumers` hilos (`cliente-<i>`, each
/// returning what it got); once every producer is done, drops `producer`
/// (and any `Sender` it owns: that is what closes a channel), calls
/// `finish()` (close the queue, or send the sentinels) and returns what
/// each consumer got. A panic in a hilo is passed on to the caller.
pub fn producers_consumers<'env, T, P, C>(
    producers: usize,
    consumers: usize,
    mut producer: impl FnMut(usize) -> P,
    mut consumer: impl FnMut() -> C,
    finish: impl FnOnce(),
) -> io::Result<Vec<Vec<T>>>
where
    T: Send + 'env,
    P: FnOnce() + Send + 'env,
    C: FnOnce() -> Vec<T> + Send + 'env,
{
    thread::scope(|s| {
        let clientes = (0..consumers)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("cliente-{i}"))
                    .spawn_scoped(s, consumer())
            })
            .collect::<io::Result<Vec<_>>>()?;
        let proveedores = (0..producers)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("proveedor-{i}"))
                    .spawn_scoped(s, producer(i))
            })
            .collect::<io::Result<Vec<_>>>()?;
        drop(producer);
        // Finish even if a producer panicked, so no consumer waits forever.
        let produced: Vec<_> = proveedores.into_iter().map(|p| p.join()).collect();
        finish();
        let consumed: Vec<_> = clientes.into_iter().map(|c| c.join()).collect();
        for result in produced {
            result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        Ok(consumed
            .into_iter()
            .map(|c| c.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect())
    })
}

/// A producer / consumer run: `producers` hilos each make `items` items
/// (`make` apiece) and `put` them; `consumers` hilos `get` until `None`,
/// taking `consume` per item.
#[derive(Debug, Clone, Copy)]
pub struct Exchange {
    pub producers: usize,
    pub consumers: usize,
    pub items: usize,
    pub make: Duration,
    pub consume: Duration,
}

impl Exchange {
    /// `make_ms` and `consume_ms` per item.
    pub fn new(
        producers: usize,
        consumers: usize,
        items: usize,
        make_ms: u64,
        consume_ms: u64,
    ) -> Self {
        let (make, consume) = (
            Duration::from_millis(make_ms),
            Duration::from_millis(consume_ms),
        );
        Exchange {
            producers,
            consumers,
            items,
            make,
            consume,
        }
    }

    /// Runs it on a buffer given as `put`, `get` (`None` at the end) and
    /// `finish` (called once every producer is done), and audits what arrived.
    pub fn run(
        &self,
        put: impl Fn(Item) + Sync,
        get: impl Fn() -> Option<Item> + Sync,
        finish: impl FnOnce(),
    ) -> io::Result<Audit> {
        let (put, get) = (&put, &get);
        let received = producers_consumers(
            self.producers,
            self.consumers,
            |producer| {
                move || {
                    for seq in 0..self.items {
                        thread::sleep(self.make); // making the item
                        put(Item { producer, seq });
                    }
                }
            },
            || {
                move || {
                    std::iter::from_fn(get)
                        .inspect(|_| thread::sleep(self.consume))
                        .collect()
                }
            },
            finish,
        )?;
        Ok(audit(self.producers, self.items, &received))
    }
}

/// Starts `n` hilos named `<prefix>-<i>`, each running `body(i)`, and
/// returns what each returned, in order.
pub fn hilos<T: Send>(
    n: usize,
    prefix: &str,
    body: impl Fn(usize) -> T + Sync,
) -> io::Result<Vec<T>> {
    let body = &body;
    thread::scope(|s| {
        let handles = (0..n)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("{prefix}-{i}"))
                    .spawn_scoped(s, move || body(i))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect())
    })
}

/// How a run of [`finish_within`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every hilo finished before the deadline.
    Finished,
    /// Not finished at the deadline, and no step for the last 200 ms:
    /// every hilo is blocked (a deadlock).
    Stuck,
    /// Not finished at the deadline, but still making steps (just slow).
    StillMoving,
}

/// Starts `n` hilos (`<prefix>-<i>`, each running `job(i, steps)`, which
/// adds 1 to `steps` after each unit of work) and waits at most `deadline`
/// for all of them to finish. Hilos still blocked at the deadline are left
/// as they are (a deadlock cannot be undone from outside); they end with
/// the process.
pub fn finish_within(
    prefix: &str,
    n: usize,
    deadline: Duration,
    job: impl Fn(usize, &AtomicUsize) + Send + Sync + 'static,
) -> io::Result<Ended> {
    let shared = Arc::new((job, AtomicUsize::new(0)));
    let handles = (0..n)
        .map(|i| {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("{prefix}-{i}"))
                .spawn(move || (shared.0)(i, &shared.1))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let all_done = || handles.iter().all(|h| h.is_finished());
    if wait_until(deadline, all_done) {
        return Ok(Ended::Finished);
    }
    let before = shared.1.load(Ordering::SeqCst);
    thread::sleep(Duration::from_millis(200));
    let moved = shared.1.load(Ordering::SeqCst) != before;
    Ok(if all_done() {
        Ended::Finished
    } else if moved {
        Ended::StillMoving
    } else {
        Ended::Stuck
    })
}

/// Counts the hilos inside a resource and remembers the most at once.
#[derive(Default)]
pub struct Inside {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Inside {
    /// One visit of `lane` (asked to enter at `asked`, in now): on the
    /// timeline, waiting until now, then holding while it sleeps `stay`
    /// (ending before the caller releases its permit).
    pub fn visit(&self, lane: &str, timeline: &Timeline, asked: Instant, stay: Duration) {
        let got = Instant::now();
        timeline.record(lane, Kind::Waiting, asked, got);
        self.most.fetch_max(
            self.now.fetch_add(1, Ordering::SeqCst) + 1,
            Ordering::SeqCst,
        );
        let waited = (got - asked).as_millis();
        shared::output::say(format!("in the database (waited {waited} ms)"));
        thread::sleep(stay); // the pretend query
        self.now.fetch_sub(1, Ordering::SeqCst);
        timeline.record(lane, Kind::Holding, got, Instant::now());
    }

    /// The most hilos inside at once.
    pub fn most(&self) -> usize {
        self.most.load(Ordering::SeqCst)
    }
}

/// Can another hilo take `lock` right now? (A poisoned lock is free.)
pub fn free_elsewhere<T: Send>(lock: &std::sync::Mutex<T>) -> bool {
    use std::sync::TryLockError::WouldBlock;
    thread::scope(|s| {
        s.spawn(|| !matches!(lock.try_lock(), Err(WouldBlock)))
            .join()
    })
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Runs `body` on a hilo that panics on purpose and waits for it to end;
/// the panic prints as one line (`panicked (on purpose): ...`) instead of
/// std's report and backtrace hint.
pub fn panic_on_purpose(body: impl FnOnce() + Send) {
    std::panic::set_hook(Box::new(|info| {
        let message = info.payload_as_str().unwrap_or("?");
        shared::output::say(format!("panicked (on purpose): {message}"));
    }));
    let ended = thread::scope(|s| {
        let hilo = thread::Builder::new().name("con-panico".into());
        hilo.spawn_scoped(s, body).expect("spawning a hilo").join()
    });
    let _ = std::panic::take_hook();
    assert!(ended.is_err(), "the hilo was meant to panic and did not");
}

/// Waits (at most 10 s) until `n` hilos are asleep on `event`: no guessing
/// with a sleep, no waiting forever.
pub fn until_waiting(event: &crate::Event, n: usize) -> io::Result<()> {
    if wait_until(Duration::from_secs(10), || event.waiters() >= n) {
        Ok(())
    } else {
        Err(io::Error::other("the waiters never went to sleep"))
    }
}

/// Yields until `ready()` or until `timeout` has passed; returns `ready()`.
/// For "is that hilo asleep yet?" checks, so an example never guesses with
/// a sleep and never waits forever.
pub fn wait_until(timeout: Duration, ready: impl Fn() -> bool) -> bool {
    let until = std::time::Instant::now() + timeout;
    while !ready() {
        if std::time::Instant::now() >= until {
            return ready();
        }
        thread::sleep(Duration::from_micros(200));
    }
    true
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn exchange_delivers_through_any_buffer() {
        let (buffer, done) = (
            Mutex::new(Vec::new()),
            std::sync::atomic::AtomicBool::new(false),
        );
        let plan = Exchange {
            producers: 2,
            consumers: 1,
            items: 50,
            make: Duration::ZERO,
            consume: Duration::ZERO,
        };
        let got = plan
            .run(
                |item| buffer.lock().unwrap().push(item),
                || loop {
                    let mut b = buffer.lock().unwrap();
                    if !b.is_empty() {
                        return Some(b.remove(0));
                    }
                    if done.load(Ordering::SeqCst) {
                        return None;
                    }
                    drop(b);
                    thread::yield_now();
                },
                || done.store(true, Ordering::SeqCst),
            )
            .unwrap();
        assert!(got.is_perfect(), "{got}");
        assert_eq!(got.consumed, 100);
    }

    #[test]
    fn free_elsewhere_sees_a_held_lock() {
        let lock = Mutex::new(0);
        let guard = lock.lock().unwrap();
        assert!(!free_elsewhere(&lock));
        drop(guard);
        assert!(free_elsewhere(&lock));
    }

    #[test]
    fn inside_counts_the_most_at_once() {
        let (inside, timeline) = (Inside::default(), Timeline::new());
        let gate = Mutex::new(()); // one at a time: the most is 1
        hilos(3, "t", |i| {
            let _one = gate.lock().unwrap();
            inside.visit(&format!("t-{i}"), &timeline, Instant::now(), Duration::ZERO);
        })
        .unwrap();
        assert_eq!(inside.most(), 1);
        assert_eq!(timeline.max_overlap(Kind::Holding), 1);
    }

    #[test]
    fn panic_on_purpose_returns_after_the_panic() {
        let lock = Mutex::new(1);
        panic_on_purpose(|| {
            let _held = lock.lock().unwrap();
            panic!("on purpose");
        });
        assert!(lock.is_poisoned());
    }
}
