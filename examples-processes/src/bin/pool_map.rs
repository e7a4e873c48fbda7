//! Pool de procesos: map and starmap over worker procesos, beside rayon threads.
//!
//! Ports: notes 003, "Pool" (`map`, `starmap`), and 001, "Pool"
//! (`pool.map(compute, range(8))` with 8 processes). Python:
//! ```python
//! def compute(n):
//!     return sum([random.randint(1, 100) for i in range(1000000)])
//! if __name__ == "__main__":
//!     pool = multiprocessing.Pool(processes=8)
//!     print("Results: %s" % pool.map(compute, range(8)))
//! ```
//! Rust: `examples_processes::pool::Pool` starts N copies of this binary as
//! workers. Python sends a worker the *name* of `compute`; no process can
//! receive a closure, so the work is a serde enum, `Job`: across processes
//! only data travels. Why the notes use processes: CPython's GIL lets one
//! thread of an interpreter run Python code at a time; each process has an
//! interpreter and a GIL of its own (the notes' "not subject to the GIL"),
//! so processes use more cores. Free-threaded CPython (3.13t, supported in
//! 3.14) drops the GIL. Rust has none: rayon's threads use every core and
//! share memory. Rust still uses processes for isolation: an `abort` kills
//! one worker, not the pool (section 3). Ctrl-C stops and reaps the workers.
//!
//! Run: cargo run --release -p examples-processes --bin pool_map -- --workers 4
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use examples_processes::child;
use examples_processes::pool::{self, Pool, Task, TaskError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shared::output::{heading, line, say};
use shared::timing::{Comparison, measure};
use shared::workload::{seed_for, sum_random};

/// What a worker can do: each variant names code the worker already has.
#[derive(Debug, Serialize, Deserialize)]
enum Job {
    /// The notes' `compute`: the sum of `n` random ints in 1..=100.
    SumRandom { n: u64, seed: u64 },
    /// 003's `square(x)`.
    Square(u64),
    /// 003's `add(x, y)`.
    Add(u64, u64),
    /// Crashes its worker (`abort`, no core file), to show what the pool does.
    Crash,
}

impl Task for Job {
    type Output = u64;
    fn run(self) -> u64 {
        match self {
            Job::SumRandom { n, seed } => sum_random(n, seed),
            Job::Square(x) => x * x,
            Job::Add(x, y) => x + y,
            Job::Crash => child::crash(), // no core file
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    about = "A pool of worker procesos: map and starmap, beside rayon threads",
    allow_negative_numbers = true
)]
struct Args {
    /// Worker processes in the pool (the notes use 8).
    #[arg(long, default_value_t = 8, value_name = "1..=64", value_parser = shared::cli::range(1..=64usize))]
    workers: usize,
    /// How many compute jobs (the notes map over range(8)).
    #[arg(long, default_value_t = 8, value_name = "1..=100000", value_parser = shared::cli::range(1..=100_000u64))]
    jobs: u64,
    /// Random numbers summed by each job (the notes use 1,000,000).
    #[arg(long, default_value_t = shared::workload::DEFAULT_N, value_name = "1..=100000000",
          value_parser = shared::cli::range(1..=100_000_000u64))]
    n: u64,
}

fn list(values: &[u64]) -> String {
    let text: Vec<String> = values.iter().map(u64::to_string).collect();
    text.join(",")
}

fn values(results: Vec<Result<u64, TaskError>>) -> Result<Vec<u64>, TaskError> {
    results.into_iter().collect()
}

fn lesson(
    pool: &mut Pool<Job>,
    args: &Args,
    stop: &child::Event,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    heading("1. pool.map(square, ...) and pool.starmap(add, ...) (notes 003)");
    let squares = values(pool.map(Job::Square, [1, 2, 3, 4, 5])?)?;
    say(format!("pool.map(square, [1, 2, 3, 4, 5]) = {squares:?}"));
    let sums = values(pool.starmap(Job::Add, [(1, 2), (3, 4), (5, 6)])?)?;
    say(format!("pool.starmap(add, [(1, 2), ...]) = {sums:?}"));

    heading("2. The notes' compute: pool.map(compute, range(jobs)) (notes 001)");
    let (n, count, jobs, workers) = (args.n, args.jobs, 0..args.jobs, pool.size());
    say(format!(
        "process pool: running {count} jobs of {n} ints on {workers} processes"
    ));
    let job = |i| Job::SumRandom {
        n,
        seed: seed_for(i as usize),
    };
    let pool_label = format!("process pool ({workers} workers)");
    let (pooled, by_pool) = measure(&pool_label, || pool.map(job, jobs.clone()));
    let pooled = values(pooled?)?;
    // rayon and sequential watch the stop event too, so Ctrl-C ends them early.
    let compute = |i: u64| (!stop.is_set()).then(|| sum_random(n, seed_for(i as usize)));
    let rayon_label = format!("rayon ({} threads)", rayon::current_num_threads());
    let (threaded, by_rayon) = measure(&rayon_label, || {
        jobs.clone()
            .into_par_iter()
            .map(compute)
            .collect::<Option<Vec<u64>>>()
    });
    let (expected, by_one) = measure("sequential (1 thread)", || {
        jobs.clone().map(compute).collect::<Option<Vec<u64>>>()
    });
    child::check_stop()?;
    let (threaded, expected) = (threaded.unwrap_or_default(), expected.unwrap_or_default());
    say(format!("Results: {pooled:?}"));
    let mut table = Comparison::new();
    table.add_checked(by_one, &expected, &expected);
    table.add_checked(by_pool, &pooled, &expected);
    table.add_checked(by_rayon, &threaded, &expected);
    line(format!("\n{}", table.render()));
    line("(cpu counts this process only: the pool's work runs in its workers.)");
    anyhow::ensure!(table.all_correct(), "a way of computing was wrong");
    let speedup = |label: &str| {
        table
            .speedup(label)
            .map_or("nan".into(), |s| format!("{s:.2}"))
    };

    heading("3. A worker that crashes");
    let before = pool.workers_started();
    let crash = pool.run_all(vec![Job::Square(6), Job::Crash, Job::Square(7)])?;
    for (index, result) in crash.iter().enumerate() {
        match result {
            Ok(value) => say(format!("task {index}: {value}")),
            Err(error) => say(format!("task {index}: error: {error}")),
        }
    }
    let replaced = pool.workers_started() - before;
    say(format!(
        "the pool started {replaced} new worker(s) in place of the dead one"
    ));
    line("\nmap and starmap kept input order; the table compares pool and rayon.");
    line("Rust needs no processes to use every core; it uses them for isolation (section 3).");
    let (ok, err) = (|i: usize| crash[i].as_ref().ok(), crash[1].as_ref().err());
    Ok(vec![
        ("squares", list(&squares)),
        ("starmap_sums", list(&sums)),
        ("results", list(&pooled)),
        ("in_order", (pooled == expected).to_string()),
        ("speedup_pool", speedup(&pool_label)),
        ("speedup_rayon", speedup(&rayon_label)),
        (
            "crash_results",
            format!("{:?},{},{:?}", ok(0), err.is_some(), ok(2)),
        ),
        (
            "crash_error",
            err.map_or(String::new(), ToString::to_string),
        ),
        ("replaced_workers", replaced.to_string()),
    ])
}

fn parent(args: &Args) -> anyhow::Result<()> {
    let stop = child::stop_on_signals()?; // before any thread (rayon's, the pool's)
    let mut pool = Pool::<Job>::start(args.workers)?.with_cancel_flag(stop.clone());
    let (size, pids) = (pool.size(), pool.pids());
    say(format!("started {size} worker processes: pids {pids:?}"));
    let outcome = lesson(&mut pool, args, &stop);
    pool.finish(outcome) // stops and reaps the workers, prints the result lines
}

fn main() -> ExitCode {
    shared::output::start();
    // Python's `if __name__ == "__main__":` a worker runs this same main.
    child::main_with_roles(
        || parent(&Args::parse()),
        |role| (role == pool::WORKER_ROLE).then(|| Ok(pool::worker_main::<Job>()?)),
    )
}
