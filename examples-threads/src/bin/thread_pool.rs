//! Thread pool: Python's ThreadPoolExecutor, by hand and with rayon.
//!
//! Ports: notes 000 "Thread pool" (una colección de hilos lanzados de forma
//! recurrente, gestionados por un executor) and 003 concurrent.futures:
//! `submit` + `Future.result`, `executor.map`, `as_completed`,
//! `wait(ALL_COMPLETED)`.
//!
//! Python:
//! ```python
//! with ThreadPoolExecutor() as executor:
//!     future = executor.submit(square, 5); print(future.result())
//!     print(list(executor.map(square, [1, 2, 3, 4, 5])))
//!     futures = [executor.submit(square, i) for i in range(5)]
//!     for future in as_completed(futures): print(future.result())
//!     done, _ = wait(futures, return_when=ALL_COMPLETED)
//! ```
//! Rust: `examples_threads::ThreadPool` (src/pool.rs, read it beside this
//! file) builds the same surface on crossbeam channels: a task's handle is
//! Python's Future. rayon is what Rust programs use in practice for CPU work:
//! a pool shared by the whole program, with `par_iter` in place of `map`.
//! Unlike Python's, these pools run CPU work truly in parallel (no GIL).
//!
//! What you see: each task pretends to work for a different time (a fixed
//! shuffle, so the finishing order is neither the input order nor its
//! reverse). map still returns results in input order; as_completed hands
//! them over in the order they finished; a task that panics becomes an
//! error and the pool keeps working.
//!
//! Run: cargo run -p examples-threads --bin thread_pool -- --workers 6 --tasks 5
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use clap::Parser;
use examples_threads::pool::{ThreadPool, as_completed, wait_all};
use rayon::prelude::*;
use shared::output::{heading, line, say};
use shared::workload::WyRand;

#[derive(Parser, Debug)]
#[command(
    about = "ThreadPoolExecutor's submit, map, as_completed and wait: a hand-built pool beside rayon"
)]
struct Args {
    /// Worker threads in each pool (default: min(32, cores + 4), Python's default).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: Option<u32>,
    /// Tasks to run in the map / as_completed / wait demos (the notes use range(5)).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=200))]
    tasks: u64,
    /// Time unit for the tasks' pretend work, in ms: each task works 1..=tasks units.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(0..=1_000))]
    unit_ms: u64,
}

fn square(x: u64) -> u64 {
    x * x
}

/// How many units task `x` (1-based) works: 1..=tasks in a fixed shuffled
/// order, so tasks finish in an order that is not the input order.
fn work_units(x: u64, tasks: u64) -> u64 {
    let mut units: Vec<u64> = (1..=tasks).collect();
    let mut rng = WyRand::new(2024);
    // Fisher-Yates shuffle with a fixed seed: the same order every run.
    for i in (1..units.len()).rev() {
        let j = rng.randint(0, i as u64) as usize;
        units.swap(i, j);
    }
    units[(x - 1) as usize]
}

/// Counts how many times each task ran, to check "each exactly once".
struct RunCounts {
    counts: Vec<AtomicUsize>,
}

impl RunCounts {
    fn new(tasks: usize) -> Arc<Self> {
        Arc::new(RunCounts {
            counts: (0..tasks).map(|_| AtomicUsize::new(0)).collect(),
        })
    }

    fn ran(&self, task: usize) {
        self.counts[task].fetch_add(1, Ordering::SeqCst);
    }

    /// (tasks that ran exactly once, tasks that ran another number of times)
    fn tally(&self) -> (usize, usize) {
        let once = self
            .counts
            .iter()
            .filter(|c| c.load(Ordering::SeqCst) == 1)
            .count();
        (once, self.counts.len() - once)
    }
}

/// The inputs in the order their tasks finished, recorded by the tasks.
#[derive(Clone, Default)]
struct FinishLog(Arc<Mutex<Vec<u64>>>);

impl FinishLog {
    fn finished(&self, input: u64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(input);
    }

    fn inputs(&self) -> Vec<u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Pretend work for task `x`, then its square.
fn slow_square(x: u64, tasks: u64, unit: Duration) -> u64 {
    thread::sleep(unit * work_units(x, tasks) as u32);
    square(x)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let unit = Duration::from_millis(args.unit_ms);
    let tasks = args.tasks;
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let workers = args.workers.map_or((cores + 4).min(32), |w| w as usize);
    let pool = ThreadPool::new(workers)?;
    say(format!("a pool of {workers} worker hilos"));
    // One counter per task of sections 2, 3 and 4.
    let runs = RunCounts::new(3 * tasks as usize);
    let inputs: Vec<u64> = (1..=tasks).collect();

    heading("1. submit + result (executor.submit(square, 5).result())");
    let future = pool.submit(|| square(5));
    say(format!("submit(square, 5).result() = {}", future.result()?));

    heading("2. map: results in input order");
    let log = FinishLog::default();
    let (log_in_task, runs_in_task) = (log.clone(), Arc::clone(&runs));
    let results = pool.map(
        move |x| {
            runs_in_task.ran(x as usize - 1);
            let value = slow_square(x, tasks, unit);
            log_in_task.finished(x);
            value
        },
        inputs.clone(),
    );
    let results: Vec<u64> = results.into_iter().collect::<Result<_, _>>()?;
    let finish_order = log.inputs();
    say(format!("map results (input order): {results:?}"));
    say(format!(
        "inputs in the order they finished: {finish_order:?}"
    ));

    heading("3. as_completed: results in completion order");
    let handles: Vec<_> = inputs
        .iter()
        .map(|&x| {
            let runs = Arc::clone(&runs);
            pool.submit(move || {
                runs.ran((tasks + x) as usize - 1);
                (x, slow_square(x, tasks, unit))
            })
        })
        .collect();
    let mut completion_order = Vec::new();
    for (position, done) in as_completed(handles).enumerate() {
        let (x, value) = done.outcome?;
        completion_order.push(x);
        say(format!(
            "as_completed yield {position}: square({x}) = {value} (completion #{} in this pool)",
            done.finished
        ));
    }
    say("(tasks that had already finished when asked come out in the order they finished)");

    heading("4. wait(futures, return_when=ALL_COMPLETED)");
    let mut handles: Vec<_> = inputs
        .iter()
        .map(|&x| {
            let runs = Arc::clone(&runs);
            pool.submit(move || {
                runs.ran((2 * tasks + x) as usize - 1);
                square(x)
            })
        })
        .collect();
    let waited = wait_all(&mut handles, Some(Duration::from_secs(30)));
    say(format!(
        "wait: {} done, {} not done",
        waited.done, waited.not_done
    ));
    let kept: Vec<u64> = handles
        .into_iter()
        .map(|h| h.result())
        .collect::<Result<_, _>>()?;
    say(format!("their results, kept in the handles: {kept:?}"));

    heading("5. A task that panics");
    // Rust's default panic hook would print the panic (and, with
    // RUST_BACKTRACE set, a backtrace) on stderr; a one-line hook keeps the
    // demo readable. The pool catches the panic either way.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        eprintln!("(panic hook) a task panicked: {info}");
    }));
    let bad = pool.submit(|| -> u64 { panic!("esta tarea falla a propósito") });
    let bad_result = bad.result();
    std::panic::set_hook(default_hook);
    match bad_result {
        Ok(_) => say("unexpected: the panicking task returned a value"),
        Err(e) => say(format!("the panicking task's result: Err({e})")),
    }
    say(format!(
        "the pool still works after it: submit(square, 6).result() = {}",
        pool.submit(|| square(6)).result()?
    ));
    // Dropping the pool closes its queue and joins every worker.
    drop(pool);
    let (once, not_once) = runs.tally();
    say(format!(
        "tasks run exactly once: {once} of {}; run another number of times: {not_once}",
        once + not_once
    ));

    heading("6. The same with rayon");
    let rayon_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("rayon-{i}"))
        .build()?;
    let rayon_results: Vec<u64> =
        rayon_pool.install(|| inputs.par_iter().map(|&x| square(x)).collect());
    say(format!(
        "rayon par_iter().map() (input order): {rayon_results:?}"
    ));
    // rayon has no as_completed: tasks send results down a channel as they finish.
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    rayon_pool.scope(|scope| {
        for &x in &inputs {
            let done_tx = done_tx.clone();
            scope.spawn(move |_| {
                slow_square(x, tasks, unit);
                let _ = done_tx.send(x);
            });
        }
    });
    drop(done_tx);
    let finish: Vec<u64> = done_rx.iter().collect();
    say(format!(
        "rayon scope + channel, inputs in completion order: {finish:?}"
    ));

    line("");
    if finish_order == inputs {
        line("What you saw: the tasks happened to finish in input order this time, and map");
        line("returned the results in that same order.");
    } else {
        line(format!(
            "What you saw: the tasks finished in the order {finish_order:?}, yet map"
        ));
        line("returned the results in input order.");
    }
    line(format!(
        "as_completed handed them over as they finished: {completion_order:?}."
    ));
    line(format!(
        "The panic became an Err and the pool kept working; {once} of {} tasks ran",
        once + not_once
    ));
    line("exactly once. rayon does the same map with par_iter.");
    Ok(())
}
