//! Pool de procesos: map and starmap over worker procesos, beside rayon threads.
//!
//! Ports: notes 003, "`Pool`" (`map` and `starmap`), and 001, the `Pool`
//! example (`pool.map(compute, range(8))` with 8 processes).
//!
//! Python:
//! ```python
//! def compute(n):
//!     return sum([random.randint(1, 100) for i in range(1000000)])
//!
//! if __name__ == "__main__":
//!     pool = multiprocessing.Pool(processes=8)
//!     print("Results: %s" % pool.map(compute, range(8)))
//! ```
//! Rust: `examples_processes::pool::Pool` starts N copies of this binary as
//! workers. Python sends each worker the *name* of `compute`; Rust cannot
//! send a function or a closure to another process, so the work is a serde
//! enum, `Job`, and `pool.map(Job::Square, data)` sends data that says
//! which code to run. That is the lesson of this file: across processes,
//! only data travels.
//!
//! Why the notes use processes at all: CPython's GIL lets one thread run
//! Python code at a time, so CPU work needs processes to use more cores.
//! Rust has no GIL: rayon's threads use every core, share memory, and start
//! in microseconds. The table puts the two side by side on the notes' job.
//! Rust still reaches for processes for *isolation*: a crash (an `abort`, a
//! segfault in C code) kills one worker, not the program (section 3), and a
//! process can be killed and restarted from outside.
//!
//! Ctrl-C (or SIGTERM) stops the workers, reaps them, and exits with code
//! 130 (143 after SIGTERM); a second Ctrl-C exits at once. Each worker dies
//! with the parent if the parent is killed outright.
//!
//! What you see: map/starmap results in input order; a table of wall time,
//! CPU time and speed-up for sequential, the process pool and rayon, with
//! every result checked first; a crashed worker's task reported as an error
//! while the other results arrive; the workers stopped and reaped.
//!
//! Run: cargo run --release -p examples-processes --bin pool_map
//!      cargo run --release -p examples-processes --bin pool_map -- --workers 2 --jobs 16
#![forbid(unsafe_code)]

use examples_processes::child::Event;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use examples_processes::child;
use examples_processes::pool::{self, Pool, PoolError, Task, TaskError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shared::output::{heading, line, say};
use shared::timing::{Comparison, format_duration, measure, timed};
use shared::workload::{seed_for, sum_random};

/// The work a pool worker can do. Each variant names code the worker
/// already has; its fields are the arguments. This is what crosses the
/// process boundary instead of a function.
#[derive(Debug, Serialize, Deserialize)]
enum Job {
    /// The notes' `compute`: the sum of `n` random ints in 1..=100.
    SumRandom { n: u64, seed: u64 },
    /// 003's `square(x)`.
    Square(u64),
    /// 003's `add(x, y)`.
    Add(u64, u64),
    /// Crashes its worker (`abort`), to show what the pool does then.
    Crash,
}

impl Task for Job {
    type Output = u64;

    fn run(self) -> u64 {
        match self {
            Job::SumRandom { n, seed } => sum_random(n, seed),
            Job::Square(x) => x * x,
            Job::Add(x, y) => x + y,
            Job::Crash => {
                // A crash on purpose should not leave a core file behind:
                // the core size limit goes to 0 first (this worker only).
                let _ =
                    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
                std::process::abort()
            }
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    allow_negative_numbers = true,
    about = "A pool of worker procesos: map and starmap in input order, beside rayon threads"
)]
struct Args {
    /// Worker processes in the pool (the notes use 8).
    #[arg(long, default_value_t = 8, value_name = "1..=64", value_parser = shared::cli::range(1..=64u64))]
    workers: u64,
    /// How many compute jobs (the notes map over range(8)).
    #[arg(long, default_value_t = 8, value_name = "1..=100_000", value_parser = shared::cli::range(1..=100_000u64))]
    jobs: u64,
    /// Random numbers summed by each job (the notes use 1,000,000).
    #[arg(long, default_value_t = shared::workload::DEFAULT_N, value_name = "1..=100_000_000", value_parser = shared::cli::range(1..=100_000_000u64))]
    n: u64,
    /// Skip section 3 (a worker that crashes).
    #[arg(long)]
    no_crash_demo: bool,
}

/// The results, or the first task error, as a plain list.
fn values(results: Vec<Result<u64, TaskError>>) -> Result<Vec<u64>, TaskError> {
    results.into_iter().collect()
}

/// Section 1: 003's square and add.
fn map_and_starmap(pool: &mut Pool<Job>) -> anyhow::Result<()> {
    heading("1. pool.map(square, ...) and pool.starmap(add, ...) (notes 003)");
    let squares = pool.map(Job::Square, [1, 2, 3, 4, 5])?;
    say(format!(
        "pool.map(square, [1, 2, 3, 4, 5]) = {:?}",
        values(squares)?
    ));
    let sums = pool.starmap(Job::Add, [(1, 2), (3, 4), (5, 6)])?;
    say(format!(
        "pool.starmap(add, [(1, 2), (3, 4), (5, 6)]) = {:?}",
        values(sums)?
    ));
    Ok(())
}

/// Section 2: the notes' compute, three ways, results checked. Returns the
/// speed-ups of the pool and of rayon over sequential.
fn compute_three_ways(
    pool: &mut Pool<Job>,
    args: &Args,
    stop: &Event,
) -> anyhow::Result<(f64, f64)> {
    let (jobs, n) = (args.jobs as usize, args.n);
    heading(&format!(
        "2. The notes' compute: {jobs} jobs of {n} random ints (notes 001)"
    ));
    say(format!(
        "process pool: running {jobs} jobs on {} worker processes",
        pool.size()
    ));
    let (pooled, pool_time) = measure(&format!("process pool ({} workers)", pool.size()), || {
        pool.map(
            |i| Job::SumRandom {
                n,
                seed: seed_for(i),
            },
            0..jobs,
        )
    });
    let pooled = values(pooled?)?;
    say("process pool: done; now rayon on threads");

    let (threaded, rayon_time) = measure(
        &format!("rayon ({} threads)", rayon::current_num_threads()),
        || {
            (0..jobs)
                .into_par_iter()
                .map(|i| (!stop.is_set()).then(|| sum_random(n, seed_for(i))))
                .collect::<Option<Vec<u64>>>()
        },
    );
    let threaded = threaded.ok_or(PoolError::Cancelled {
        done: 0,
        total: jobs,
    })?;
    say("rayon: done; now sequentially on this thread");

    let (expected, sequential_time) = measure("sequential (1 thread)", || {
        (0..jobs)
            .map(|i| (!stop.is_set()).then(|| sum_random(n, seed_for(i))))
            .collect::<Option<Vec<u64>>>()
    });
    let expected = expected.ok_or(PoolError::Cancelled {
        done: 0,
        total: jobs,
    })?;

    let in_order = pooled == expected;
    say(format!("Results: {pooled:?}"));
    say(format!(
        "pool results equal the sequential ones, in order: {}",
        if in_order { "yes" } else { "NO" }
    ));
    let mut table = Comparison::new();
    table.add_checked(sequential_time, &expected, &expected);
    let pool_label = pool_time.label.clone();
    let rayon_label = rayon_time.label.clone();
    table.add_checked(pool_time, &pooled, &expected);
    table.add_checked(rayon_time, &threaded, &expected);
    line(format!("\n{}", table.render()));
    line("(cpu counts this process only: the pool's work runs in its workers, so its row");
    line(" shows just the parent's cost of sending tasks and waiting for results.)");
    anyhow::ensure!(
        table.all_correct(),
        "a way of computing gave a wrong result"
    );
    Ok((
        table.speedup(&pool_label).unwrap_or(f64::NAN),
        table.speedup(&rayon_label).unwrap_or(f64::NAN),
    ))
}

/// Section 3: a task that kills its worker.
fn crash_demo(pool: &mut Pool<Job>) -> Result<(), PoolError> {
    heading("3. A worker that crashes");
    let before = pool.workers_started();
    let results = pool.run_all(vec![Job::Square(6), Job::Crash, Job::Square(7)])?;
    for (index, result) in results.iter().enumerate() {
        match result {
            Ok(value) => say(format!("task {index}: {value}")),
            Err(error) => say(format!("task {index}: error: {error}")),
        }
    }
    say(format!(
        "the pool started {} new worker(s) to replace the dead one; it has {} again",
        pool.workers_started() - before,
        pool.size()
    ));
    Ok(())
}

/// "1.85x (faster)", "0.75x (slower)": a speed-up below 1 is a slow-down,
/// and saying "0.75x faster" would turn it around.
fn speedup_in_words(speedup: f64) -> String {
    if speedup.is_nan() {
        "unknown".to_string()
    } else if speedup >= 1.05 {
        format!("{speedup:.2}x (faster)")
    } else if speedup > 0.95 {
        format!("{speedup:.2}x (about the same)")
    } else {
        format!("{speedup:.2}x (slower)")
    }
}

fn stop_pool(pool: Pool<Job>) {
    let ended = pool.shutdown();
    let clean = ended.iter().filter(|(_, exit)| exit.success()).count();
    say(format!(
        "stopped and reaped {} workers ({clean} exited with code 0)",
        ended.len()
    ));
}

fn main() -> anyhow::Result<ExitCode> {
    // Python's `if __name__ == "__main__":`: a worker runs this same main.
    if let Some(role) = child::role() {
        anyhow::ensure!(
            role == pool::WORKER_ROLE,
            child::ChildError::UnknownRole(role)
        );
        pool::worker_main::<Job>()?;
        return Ok(ExitCode::SUCCESS);
    }
    let args = Args::parse();
    shared::output::start();
    // Before any thread starts (rayon's, the pool's accept helper).
    let stop = child::stop_on_signals()?;

    let (pool, startup) = timed(|| Pool::<Job>::start(args.workers as usize));
    let mut pool = pool
        .context("starting the pool")?
        .with_cancel_flag(Arc::clone(&stop));
    say(format!(
        "started {} worker processes in {}: pids {:?}",
        pool.size(),
        format_duration(startup),
        pool.pids()
    ));

    let outcome = (|| -> anyhow::Result<(f64, f64)> {
        map_and_starmap(&mut pool)?;
        let speedups = compute_three_ways(&mut pool, &args, &stop)?;
        if !args.no_crash_demo {
            crash_demo(&mut pool)?;
        }
        Ok(speedups)
    })();

    let interrupted = child::stop_signal();
    if interrupted.is_some() {
        say("interrupted: stopping the workers");
    }
    heading("4. Shutdown");
    stop_pool(pool);
    if let Some(signal) = interrupted {
        // The shell's convention: 128 + the signal's number (130 for
        // SIGINT, 143 for SIGTERM).
        let code = 128 + signal as u8;
        say(format!(
            "interrupted by {}: every worker was stopped and reaped; exiting with code {code}",
            signal.as_str()
        ));
        return Ok(ExitCode::from(code));
    }
    let (pool_speedup, rayon_speedup) = outcome?;

    line("");
    line(format!(
        "What you saw: map and starmap kept input order; on {} jobs, against one thread, the",
        args.jobs
    ));
    line(format!(
        "process pool's speed-up was {} and rayon's threads' {}, with the same results.",
        speedup_in_words(pool_speedup),
        speedup_in_words(rayon_speedup)
    ));
    line("Python needs processes for CPU work because of the GIL; Rust has none, so threads");
    line("(rayon) use every core with no processes to start and no data to serialise. Rust");
    if args.no_crash_demo {
        line("still uses processes for isolation: a crashing worker takes down only itself.");
    } else {
        line("still uses processes for isolation: the crashed worker took down only itself.");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_speedup_below_one_is_called_slower() {
        assert_eq!(speedup_in_words(1.85), "1.85x (faster)");
        assert_eq!(speedup_in_words(0.75), "0.75x (slower)");
        assert_eq!(speedup_in_words(1.0), "1.00x (about the same)");
        assert_eq!(speedup_in_words(f64::NAN), "unknown");
    }
}
