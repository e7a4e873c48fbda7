//! Figures for examples-threads: the notes' CPU job and I/O waits, every way.
//!
//! Not a test: it prints a table measured on this machine. Run in release:
//!
//!     cargo bench -p examples-threads --bench figures
//!
//! CPU job: 8 x sum of 1,000,000 random ints (notes 001), on one thread,
//! 8 std threads, the hand-built pool, rayon, and 2 threads behind the
//! simulated GIL. I/O: 50 waits of 100 ms, sequential, on 50 threads, on
//! the pool with 50 workers. Each row is the median of several runs, and
//! every result is checked against the sequential answer before its time is
//! shown. What to expect on a quiet 2-core machine: one thread well under
//! 14 ms; rayon and the pool about 1.8x; 50 waits on threads within 5 ms of
//! one wait. For scale (the notes give no timing): the notes' own Python,
//! `sum([random.randint(1, 100) for i in range(1000000)])` eight times, took
//! 2.3-2.7 s in sequence with CPython 3.11.7 on this machine while other
//! builds shared it (measured for this comment; quieter runs are faster).
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use examples_threads::ThreadPool;
use examples_threads::gil::{DEFAULT_SWITCH_EVERY, Gil};
use rayon::prelude::*;
use shared::timing::{Comparison, Measurement, measure};
use shared::workload::{DEFAULT_JOBS, DEFAULT_N, expected_sums, seed_for, sum_random};

const RUNS: usize = 9;

/// Runs `f` RUNS times and keeps the run with the median wall time.
fn median<T>(label: &str, runs: usize, f: impl Fn() -> T) -> (T, Measurement) {
    let mut all: Vec<(T, Measurement)> = (0..runs).map(|_| measure(label, &f)).collect();
    all.sort_by_key(|(_, m)| m.wall);
    all.swap_remove(runs / 2)
}

fn job(i: usize) -> u64 {
    sum_random(DEFAULT_N, seed_for(i))
}

fn main() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = DEFAULT_JOBS;
    let expected = expected_sums(jobs, DEFAULT_N);
    println!("examples-threads figures: {cores} cores, median of {RUNS} runs per row\n");

    println!("CPU-bound: {jobs} x sum of {DEFAULT_N} random ints");
    let mut cpu = Comparison::new();
    let (sums, m) = median("1 thread", RUNS, || (0..jobs).map(job).collect::<Vec<_>>());
    cpu.add_checked(m, &sums, &expected);

    let (sums, m) = median(&format!("{jobs} std threads"), RUNS, || {
        let handles: Vec<_> = (0..jobs).map(|i| thread::spawn(move || job(i))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    cpu.add_checked(m, &sums, &expected);

    let pool = ThreadPool::new(cores).expect("pool");
    let (sums, m) = median(&format!("hand-built pool ({cores} workers)"), RUNS, || {
        pool.map(job, 0..jobs)
            .into_iter()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    });
    cpu.add_checked(m, &sums, &expected);

    let (sums, m) = median("rayon par_iter", RUNS, || {
        (0..jobs).into_par_iter().map(job).collect::<Vec<_>>()
    });
    cpu.add_checked(m, &sums, &expected);

    let gil = Arc::new(Gil::new(DEFAULT_SWITCH_EVERY));
    let (sums, m) = median("2 threads behind a GIL", RUNS, || {
        let handles: Vec<_> = (0..2)
            .map(|t| {
                let gil = Arc::clone(&gil);
                thread::spawn(move || {
                    (t..jobs)
                        .step_by(2)
                        .map(|i| (i, gil.sum_random(DEFAULT_N, seed_for(i), None)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut sums = vec![0; jobs];
        for h in handles {
            for (i, s) in h.join().unwrap() {
                sums[i] = s;
            }
        }
        sums
    });
    cpu.add_checked(m, &sums, &expected);
    print!("{}", cpu.render());

    let waits = 50;
    let wait = Duration::from_millis(100);
    println!("\nI/O-bound: {waits} waits of {} ms", wait.as_millis());
    let mut io = Comparison::new();
    let (_, m) = median("one wait alone", 3, || thread::sleep(wait));
    io.add_checked(m, &(), &());
    let (_, m) = median("sequential", 1, || {
        for _ in 0..waits {
            thread::sleep(wait);
        }
    });
    io.add_checked(m, &(), &());
    // Each wait returns 1: the row is right when all `waits` of them came back.
    let (done, m) = median(&format!("{waits} threads"), 3, || {
        let handles: Vec<_> = (0..waits)
            .map(|_| {
                thread::spawn(move || {
                    thread::sleep(wait);
                    1
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .sum::<usize>()
    });
    io.add_checked(m, &done, &waits);
    let io_pool = ThreadPool::new(waits).expect("pool");
    let (done, m) = median(&format!("pool ({waits} workers)"), 3, || {
        io_pool
            .map(move |_| thread::sleep(wait), 0..waits)
            .into_iter()
            .filter(Result::is_ok)
            .count()
    });
    io.add_checked(m, &done, &waits);
    print!("{}", io.render());
    println!("(speed-up here is against one wait alone: 1.00x means 50 waits cost one wait)");
}
