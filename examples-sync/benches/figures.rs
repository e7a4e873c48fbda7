//! Figures for examples-sync: what the primitives cost on this machine.
//!
//! A benchmark, not a test: it prints a table (median of RUNS runs, each
//! result checked before its time is shown) and asserts nothing about time.
//!
//! Run: cargo bench -p examples-sync --bench figures
//!
//! Rows:
//! - lock + increment, uncontended (one thread) and contended (two threads
//!   on one counter): std Mutex, parking_lot Mutex, parking_lot
//!   ReentrantMutex (what rlock costs), atomic fetch_add;
//! - Semaphore acquire + release (its guard's drop), one thread, beside the
//!   bare std Mutex lock/unlock it is built on;
//! - Event ping-pong between two threads (set / wait / clear each way),
//!   beside the same ping-pong written on a bare Mutex<bool> + Condvar;
//! - 1,000,000 small items through the hand-built BoundedQueue and through
//!   crossbeam's bounded channel, with 1 and 2 producers and one consumer.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use examples_sync::{BoundedQueue, Event, Semaphore};

/// Runs per figure; the median is shown.
const RUNS: usize = 5;
/// Operations per run for the per-operation figures.
const OPS: u64 = 2_000_000;
/// Round trips per run for the ping-pong figures.
const ROUND_TRIPS: u64 = 20_000;
/// Items per run for the queue figures, as the brief asks.
const ITEMS: u64 = 1_000_000;
/// Capacity of both queues.
const CAPACITY: usize = 1024;

/// One figure: a label, its median time, what one unit is, and its units.
struct Figure {
    label: String,
    median: Duration,
    units: u64,
    unit: &'static str,
}

impl Figure {
    fn per_unit_ns(&self) -> f64 {
        self.median.as_nanos() as f64 / self.units as f64
    }
}

/// Runs `f` RUNS times; each run returns (its checked result, elapsed).
/// Panics (this is a bench) if a result is wrong: a fast wrong answer is
/// not a figure.
fn median_of(
    label: &str,
    units: u64,
    unit: &'static str,
    expected: u64,
    f: impl Fn() -> (u64, Duration),
) -> Figure {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let (result, elapsed) = f();
            assert_eq!(result, expected, "{label}: wrong result, time not shown");
            elapsed
        })
        .collect();
    times.sort();
    Figure {
        label: label.to_string(),
        median: times[RUNS / 2],
        units,
        unit,
    }
}

/// `threads` threads each run `body` `per_thread` times, started together.
/// Returns the elapsed wall time from the common start to the last finish.
fn on_threads(threads: usize, body: impl Fn() + Sync) -> Duration {
    let start = Barrier::new(threads + 1);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start.wait();
                body();
            });
        }
        start.wait();
        let began = Instant::now();
        // The scope joins every thread before returning.
        began
    })
    .elapsed()
}

fn lock_figures(figures: &mut Vec<Figure>) {
    for threads in [1usize, 2] {
        let per_thread = OPS / threads as u64;
        let total = per_thread * threads as u64;
        let how = if threads == 1 {
            "uncontended"
        } else {
            "2 threads contended"
        };

        figures.push(median_of(
            &format!("std Mutex lock+increment, {how}"),
            total,
            "op",
            total,
            || {
                let counter = Mutex::new(0u64);
                let t = on_threads(threads, || {
                    for _ in 0..per_thread {
                        *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                    }
                });
                (
                    counter.into_inner().unwrap_or_else(PoisonError::into_inner),
                    t,
                )
            },
        ));
        figures.push(median_of(
            &format!("parking_lot Mutex lock+increment, {how}"),
            total,
            "op",
            total,
            || {
                let counter = parking_lot::Mutex::new(0u64);
                let t = on_threads(threads, || {
                    for _ in 0..per_thread {
                        *counter.lock() += 1;
                    }
                });
                (counter.into_inner(), t)
            },
        ));
        figures.push(median_of(
            &format!("parking_lot ReentrantMutex + RefCell lock+increment, {how}"),
            total,
            "op",
            total,
            || {
                let counter = parking_lot::ReentrantMutex::new(std::cell::RefCell::new(0u64));
                let t = on_threads(threads, || {
                    for _ in 0..per_thread {
                        *counter.lock().borrow_mut() += 1;
                    }
                });
                (counter.into_inner().into_inner(), t)
            },
        ));
        figures.push(median_of(
            &format!("atomic fetch_add, {how}"),
            total,
            "op",
            total,
            || {
                let counter = AtomicU64::new(0);
                let t = on_threads(threads, || {
                    for _ in 0..per_thread {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                });
                (counter.into_inner(), t)
            },
        ));
    }
}

fn semaphore_figures(figures: &mut Vec<Figure>) {
    figures.push(median_of(
        "bare std Mutex lock+unlock (what Semaphore wraps)",
        OPS,
        "op",
        OPS,
        || {
            let m = Mutex::new(0u64);
            let began = Instant::now();
            for _ in 0..OPS {
                *m.lock().unwrap_or_else(PoisonError::into_inner) += black_box(1);
            }
            (
                m.into_inner().unwrap_or_else(PoisonError::into_inner),
                began.elapsed(),
            )
        },
    ));
    figures.push(median_of(
        "Semaphore acquire+release, uncontended",
        OPS,
        "op",
        OPS,
        || {
            let sem = Semaphore::new(1);
            let mut done = 0;
            let began = Instant::now();
            for _ in 0..OPS {
                let permit = sem.acquire();
                done += black_box(1);
                drop(permit);
            }
            (done, began.elapsed())
        },
    ));
    let per_thread = OPS / 2;
    figures.push(median_of(
        "Semaphore(1) acquire+release, 2 threads contended",
        OPS,
        "op",
        OPS,
        || {
            let sem = Semaphore::new(1);
            let done = AtomicU64::new(0);
            let t = on_threads(2, || {
                for _ in 0..per_thread {
                    let _permit = sem.acquire();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
            (done.into_inner(), t)
        },
    ));
}

/// Ping-pong on two Events: A sets ping and waits for pong; B waits for
/// ping and sets pong. Each side clears what it waited for.
fn event_ping_pong() -> (u64, Duration) {
    let (ping, pong) = (Event::new(), Event::new());
    let returned = AtomicU64::new(0);
    let began = Instant::now();
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..ROUND_TRIPS {
                ping.wait();
                ping.clear();
                pong.set();
            }
        });
        for _ in 0..ROUND_TRIPS {
            ping.set();
            pong.wait();
            pong.clear();
            returned.fetch_add(1, Ordering::Relaxed);
        }
    });
    (returned.into_inner(), began.elapsed())
}

/// The same ping-pong by hand on a Mutex<bool> + Condvar per direction.
fn condvar_ping_pong() -> (u64, Duration) {
    struct Flag {
        set: Mutex<bool>,
        cv: Condvar,
    }
    impl Flag {
        fn set(&self) {
            *self.set.lock().unwrap_or_else(PoisonError::into_inner) = true;
            self.cv.notify_all();
        }
        fn take(&self) {
            let mut set = self.set.lock().unwrap_or_else(PoisonError::into_inner);
            while !*set {
                set = self.cv.wait(set).unwrap_or_else(PoisonError::into_inner);
            }
            *set = false;
        }
    }
    let new = || Flag {
        set: Mutex::new(false),
        cv: Condvar::new(),
    };
    let (ping, pong) = (new(), new());
    let returned = AtomicU64::new(0);
    let began = Instant::now();
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..ROUND_TRIPS {
                ping.take();
                pong.set();
            }
        });
        for _ in 0..ROUND_TRIPS {
            ping.set();
            pong.take();
            returned.fetch_add(1, Ordering::Relaxed);
        }
    });
    (returned.into_inner(), began.elapsed())
}

fn event_figures(figures: &mut Vec<Figure>) {
    figures.push(median_of(
        "Event ping-pong, 2 threads",
        ROUND_TRIPS,
        "round trip",
        ROUND_TRIPS,
        event_ping_pong,
    ));
    figures.push(median_of(
        "bare Mutex<bool>+Condvar ping-pong, 2 threads",
        ROUND_TRIPS,
        "round trip",
        ROUND_TRIPS,
        condvar_ping_pong,
    ));
}

/// Sends ITEMS items from `producers` threads to one consumer that sums
/// them; returns (sum, elapsed). `make_sender(p)` gives producer p its
/// send function (owning its own channel Sender, if any); after the
/// producers finish, `make_sender` is dropped (with the original Sender:
/// that closes a channel) and `close` runs.
fn throughput<'env, S>(
    producers: u64,
    mut make_sender: impl FnMut() -> S,
    recv_all: impl FnOnce() -> u64 + Send + 'env,
    close: impl FnOnce(),
) -> (u64, Duration)
where
    S: Fn(u64) + Send + 'env,
{
    let per = ITEMS / producers;
    let began = Instant::now();
    let sum = thread::scope(|s| {
        let consumer = s.spawn(recv_all);
        let handles: Vec<_> = (0..producers)
            .map(|p| {
                let send = make_sender();
                s.spawn(move || {
                    for i in 0..per {
                        send(p * per + i);
                    }
                })
            })
            .collect();
        drop(make_sender);
        for h in handles {
            let _ = h.join();
        }
        close();
        consumer.join().unwrap_or(0)
    });
    (sum, began.elapsed())
}

fn queue_figures(figures: &mut Vec<Figure>) {
    let expected: u64 = (0..ITEMS).sum();
    for producers in [1u64, 2] {
        let plural = if producers == 1 { "" } else { "s" };
        figures.push(median_of(
            &format!("BoundedQueue({CAPACITY}), {producers} producer{plural}, 1 consumer"),
            ITEMS,
            "item",
            expected,
            || {
                let q = BoundedQueue::new(CAPACITY);
                let q = &q;
                throughput(
                    producers,
                    || move |x| q.put(x).unwrap_or(()),
                    move || {
                        let mut sum = 0;
                        while let Ok(x) = q.get() {
                            sum += x;
                        }
                        sum
                    },
                    || q.close(),
                )
            },
        ));
        figures.push(median_of(
            &format!("crossbeam bounded({CAPACITY}), {producers} producer{plural}, 1 consumer"),
            ITEMS,
            "item",
            expected,
            || {
                let (tx, rx) = crossbeam_channel::bounded::<u64>(CAPACITY);
                throughput(
                    producers,
                    move || {
                        let tx = tx.clone();
                        move |x| tx.send(x).unwrap_or(())
                    },
                    move || rx.iter().sum(),
                    // Closed when the last Sender is dropped: nothing to do.
                    || (),
                )
            },
        ));
    }
}

fn main() {
    // `cargo bench` passes `--bench`; there are no options to parse.
    println!("examples-sync figures: median of {RUNS} runs, release build, this machine.");
    println!("Every result is checked before its time is shown.\n");
    let mut figures = Vec::new();
    lock_figures(&mut figures);
    semaphore_figures(&mut figures);
    event_figures(&mut figures);
    queue_figures(&mut figures);

    println!("| figure | median per unit | units per run |");
    println!("|---|---:|---:|");
    for f in &figures {
        let per = f.per_unit_ns();
        let shown = if per >= 1_000.0 {
            format!("{:.2} µs", per / 1_000.0)
        } else {
            format!("{per:.1} ns")
        };
        println!("| {} | {shown} / {} | {} |", f.label, f.unit, f.units);
    }

    println!();
    for producers in ["1 producer,", "2 producers,"] {
        let find = |prefix: &str| {
            figures
                .iter()
                .find(|f| f.label.starts_with(prefix) && f.label.contains(producers))
        };
        if let (Some(mine), Some(theirs)) = (find("BoundedQueue"), find("crossbeam")) {
            let ratio = mine.per_unit_ns() / theirs.per_unit_ns();
            let verdict = if ratio <= 5.0 {
                "within the 5x target"
            } else {
                "MISSES the 5x target"
            };
            println!(
                "BoundedQueue vs crossbeam, {}: {ratio:.2}x crossbeam's time per item ({verdict})",
                producers.trim_end_matches(',')
            );
        }
    }
}
