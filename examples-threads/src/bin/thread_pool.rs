//! Thread pool: Python's ThreadPoolExecutor, by hand and with rayon.
//!
//! Ports: notes 000, "Thread pool" (una colección de hilos lanzados de forma
//! recurrente, gestionados por un executor) and 003, concurrent.futures:
//! `submit` + `Future.result`, `executor.map`, `as_completed`, `wait(ALL_COMPLETED)`.
//! Python:
//! ```python
//! with ThreadPoolExecutor() as executor:
//!     print(executor.submit(square, 5).result())
//!     print(list(executor.map(square, [1, 2, 3, 4, 5])))
//!     futures = [executor.submit(square, i) for i in range(5)]
//!     for future in as_completed(futures): print(future.result())
//!     done, _ = wait(futures, return_when=ALL_COMPLETED)
//! ```
//! Rust: `plain_pool` below is the idea in plain calls: N hilos taking boxed
//! closures from one crossbeam channel, each answer on its own one-slot
//! channel (Python's Future). `examples_threads::ThreadPool` (src/pool.rs)
//! adds what the executor does: panics caught, `map`, `as_completed`, `wait`
//! with timeouts. rayon, what Rust programs use, has `par_iter` for `map`.
//! No GIL: both run CPU work in parallel. Tasks sleep shuffled times, so they
//! finish out of order: map still answers in input order, as_completed not.
//!
//! Run: cargo run -p examples-threads --bin thread_pool -- --workers 6 --tasks 5
#![forbid(unsafe_code)]

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clap::Parser;
use examples_threads::pool::{ThreadPool, as_completed, wait_all};
use rayon::prelude::*;
use shared::output::{heading, line, results, say};
use shared::workload::WyRand;

#[derive(Parser)]
#[command(
    about = "ThreadPoolExecutor's submit, map, as_completed and wait: a hand-built pool beside rayon",
    allow_negative_numbers = true
)]
struct Args {
    /// Worker hilos in each pool (default: min(32, cores + 4), Python's default).
    #[arg(long, value_name = "1..=64", value_parser = shared::cli::range(1..=64usize))]
    workers: Option<usize>,
    /// Tasks in the map / as_completed / wait demos (the notes use range(5)).
    #[arg(long, default_value_t = 5, value_name = "1..=200",
          value_parser = shared::cli::range(1..=200u64))]
    tasks: u64,
    /// Time unit of the tasks' pretend work, in ms: each works 1..=tasks units.
    #[arg(long, default_value_t = 20, value_name = "0..=1000",
          value_parser = shared::cli::range(0..=1_000u64))]
    unit_ms: u64,
}

fn square(x: u64) -> u64 {
    x * x
}

/// `[1, 4, 9]` as `1,4,9`, for the result lines.
fn list(values: &[u64]) -> String {
    values
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A pool in plain calls: `workers` hilos started once, each taking the next
/// job from one shared queue (a crossbeam channel has many receivers) until
/// the queue is closed. Returns each input's square, in input order.
fn plain_pool(workers: usize, inputs: &[u64]) -> Vec<u64> {
    let (queue, jobs) = crossbeam_channel::unbounded::<Box<dyn FnOnce() + Send>>();
    let hilos: Vec<_> = (0..workers)
        .map(|_| {
            let jobs = jobs.clone();
            thread::spawn(move || jobs.iter().for_each(|job| job()))
        })
        .collect();
    let futures: Vec<_> = inputs
        .iter()
        .map(|&x| {
            let (answer, future) = crossbeam_channel::bounded(1);
            let job = move || {
                let _ = answer.send(square(x));
            };
            let _ = queue.send(Box::new(job));
            future
        })
        .collect();
    drop(queue); // closed: each hilo runs what is queued, then its loop ends
    let results = futures.iter().filter_map(|f| f.recv().ok()).collect();
    hilos
        .into_iter()
        .for_each(|h| h.join().expect("a worker panicked"));
    results
}

/// Task `x` (1-based) sleeps a shuffled 1..=tasks units (the same every run),
/// records that it finished, and returns its square.
fn slow_square(x: u64, tasks: u64, unit: Duration, finished: &Mutex<Vec<u64>>) -> u64 {
    let mut units: Vec<u64> = (1..=tasks).collect();
    let mut rng = WyRand::new(2024);
    for i in (1..units.len()).rev() {
        units.swap(i, rng.randint(0, i as u64) as usize); // Fisher-Yates
    }
    thread::sleep(unit * units[x as usize - 1] as u32);
    finished.lock().unwrap_or_else(|e| e.into_inner()).push(x);
    square(x)
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let (tasks, unit) = (args.tasks, Duration::from_millis(args.unit_ms));
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let workers = args.workers.unwrap_or((cores + 4).min(32));
    let pool = ThreadPool::new(workers)?;
    let inputs: Vec<u64> = (1..=tasks).collect();
    // Which inputs each section's tasks finished, in finishing order.
    let logs: [Arc<Mutex<Vec<u64>>>; 3] = Default::default();
    say(format!("a pool of {workers} worker hilos"));

    heading("0. The idea: a queue of closures and N hilos taking from it");
    let plain = plain_pool(workers, &inputs);
    say(format!("plain_pool squares: {plain:?}"));

    heading("1. submit + result: executor.submit(square, 5).result()");
    let submitted = pool.submit(|| square(5)).result()?;
    say(format!("submit(square, 5).result() = {submitted}"));

    heading("2. map: results in input order");
    let log = Arc::clone(&logs[0]);
    let mapped = pool.map(move |x| slow_square(x, tasks, unit, &log), inputs.clone());
    let mapped: Vec<u64> = mapped.into_iter().collect::<Result<_, _>>()?;
    let finish_order = logs[0].lock().unwrap_or_else(|e| e.into_inner()).clone();
    say(format!(
        "map results: {mapped:?}; inputs in the order they finished: {finish_order:?}"
    ));

    heading("3. as_completed: results in the order the tasks finish");
    let futures: Vec<_> = inputs
        .iter()
        .map(|&x| {
            let log = Arc::clone(&logs[1]);
            pool.submit(move || (x, slow_square(x, tasks, unit, &log)))
        })
        .collect();
    let (mut yielded, mut numbers) = (Vec::new(), Vec::new());
    for done in as_completed(futures) {
        let (x, value) = done.outcome?;
        say(format!(
            "as_completed: square({x}) = {value} (finished #{} in this pool)",
            done.finished
        ));
        yielded.push(x);
        numbers.push(done.finished);
    }
    let by_completion = numbers.windows(2).all(|w| w[0] < w[1]);

    heading("4. wait(futures, return_when=ALL_COMPLETED)");
    let mut futures: Vec<_> = inputs
        .iter()
        .map(|&x| {
            let log = Arc::clone(&logs[2]);
            pool.submit(move || slow_square(x, tasks, Duration::ZERO, &log))
        })
        .collect();
    let waited = wait_all(&mut futures, Some(Duration::from_secs(30)));
    say(format!(
        "wait: {} done, {} not done",
        waited.done, waited.not_done
    ));

    heading("5. A task that panics: its result is an Err, the pool keeps working");
    let quiet = std::panic::take_hook(); // one line on stderr instead of a backtrace
    std::panic::set_hook(Box::new(|info| eprintln!("(a task panicked: {info})")));
    let failed = pool
        .submit(|| -> u64 { panic!("esta tarea falla a propósito") })
        .result();
    std::panic::set_hook(quiet);
    say(format!("the panicking task's result: {failed:?}"));
    let after_panic = pool.submit(|| square(6)).result()?;
    say(format!("then submit(square, 6).result() = {after_panic}"));
    drop(pool); // closes the queue and joins every worker: Python's `with` exit
    let ran_once = logs.iter().all(|log| {
        let mut ran = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        ran.sort();
        ran == inputs
    });

    heading("6. The same map with rayon (its global pool: one hilo per core)");
    let rayon_mapped: Vec<u64> = inputs.par_iter().map(|&x| square(x)).collect();
    say(format!(
        "rayon par_iter().map(): {rayon_mapped:?} (input order)"
    ));

    line("");
    line(format!(
        "What you saw: the tasks finished in the order {finish_order:?}, and map returned their \
         results in input order; as_completed handed them over as they finished: {yielded:?}."
    ));
    line(format!(
        "The panic became an Err and the pool kept working; every task ran exactly once: {ran_once}."
    ));
    results(&[
        ("plain_pool", &list(&plain)),
        ("submit_result", &submitted),
        ("map_results", &list(&mapped)),
        ("map_finish_order", &list(&finish_order)),
        ("as_completed_order", &list(&yielded)),
        ("as_completed_by_completion", &by_completion),
        ("wait_done", &waited.done),
        ("wait_not_done", &waited.not_done),
        ("panic_is_error", &failed.is_err()),
        ("after_panic", &after_panic),
        ("ran_once", &ran_once),
        ("rayon_map", &list(&rayon_mapped)),
    ]);
    Ok(())
}
