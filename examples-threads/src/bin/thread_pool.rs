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
//! What you see: map returns results in input order although tasks finish
//! in another order; as_completed hands them over in the order they finish;
//! a task that panics becomes an error and the pool keeps working.
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
use shared::output::{heading, say};

#[derive(Parser, Debug)]
#[command(
    about = "ThreadPoolExecutor's submit, map, as_completed and wait: a hand-built pool beside rayon"
)]
struct Args {
    /// Worker threads in each pool (default: min(32, cores + 4), Python's default).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: Option<u32>,
    /// Tasks to run in the map / as_completed demos (the notes use range(5)).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=200))]
    tasks: u64,
    /// Time unit for the tasks' pretend work, in ms: task i works (tasks - i) units.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(0..=1_000))]
    unit_ms: u64,
}

fn square(x: u64) -> u64 {
    x * x
}

/// Records the order in which tasks finish: the n-th to finish gets n.
#[derive(Clone, Default)]
struct FinishOrder {
    next: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<u64>>>,
}

impl FinishOrder {
    fn finished(&self, input: u64) -> usize {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(input);
        self.next.fetch_add(1, Ordering::SeqCst)
    }

    fn inputs_in_finish_order(&self) -> Vec<u64> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Pretend work: earlier inputs take longer, so they finish last (one unit
/// apart, when there are at least as many workers as tasks).
fn slow_square(x: u64, tasks: u64, unit: Duration, order: &FinishOrder) -> (u64, usize) {
    thread::sleep(unit * (tasks - x + 1) as u32);
    let value = square(x);
    (value, order.finished(x))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let unit = Duration::from_millis(args.unit_ms);
    let tasks = args.tasks;
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let workers = args.workers.map_or((cores + 4).min(32), |w| w as usize);
    let pool = ThreadPool::new(workers)?;
    say(format!("a pool of {workers} worker hilos"));
    let runs = Arc::new(AtomicUsize::new(0));

    heading("1. submit + result (executor.submit(square, 5).result())");
    let future = pool.submit(|| square(5));
    say(format!("submit(square, 5).result() = {}", future.result()?));

    heading("2. map: results in input order");
    let order = FinishOrder::default();
    let (order_in_task, runs_in_task) = (order.clone(), Arc::clone(&runs));
    let results = pool.map(
        move |x| {
            runs_in_task.fetch_add(1, Ordering::SeqCst);
            slow_square(x, tasks, unit, &order_in_task).0
        },
        1..=tasks,
    );
    let results: Vec<u64> = results.into_iter().collect::<Result<_, _>>()?;
    say(format!("map results (input order): {results:?}"));
    say(format!(
        "inputs in the order they finished: {:?}",
        order.inputs_in_finish_order()
    ));

    heading("3. as_completed: results in completion order");
    let order = FinishOrder::default();
    let handles: Vec<_> = (1..=tasks)
        .map(|x| {
            let order = order.clone();
            let runs = Arc::clone(&runs);
            pool.submit(move || {
                runs.fetch_add(1, Ordering::SeqCst);
                let (value, finished_as) = slow_square(x, tasks, unit, &order);
                (x, value, finished_as)
            })
        })
        .collect();
    // as_completed also yields each task's id (its submission number in the
    // pool); here the task returns its input, which reads better.
    for (position, (_id, outcome)) in as_completed(handles).enumerate() {
        let (x, value, finished_as) = outcome?;
        say(format!(
            "as_completed yield {position}: square({x}) = {value} (finished as number {finished_as})"
        ));
    }

    heading("4. wait(futures, return_when=ALL_COMPLETED)");
    let mut handles: Vec<_> = (1..=tasks)
        .map(|x| {
            let runs = Arc::clone(&runs);
            pool.submit(move || {
                runs.fetch_add(1, Ordering::SeqCst);
                square(x)
            })
        })
        .collect();
    let waited = wait_all(&mut handles, Some(Duration::from_secs(30)));
    say(format!(
        "wait: {} done, {} not done",
        waited.done, waited.not_done
    ));

    heading("5. A task that panics");
    let bad = pool.submit(|| -> u64 { panic!("esta tarea falla a propósito") });
    match bad.result() {
        Ok(_) => say("unexpected: the panicking task returned a value"),
        Err(e) => say(format!("the panicking task's result: Err({e})")),
    }
    say(
        "(the \"panicked at\" message on stderr is Rust's panic hook reporting it; the pool caught it)",
    );
    say(format!(
        "the pool still works after it: submit(square, 6).result() = {}",
        pool.submit(|| square(6)).result()?
    ));
    // Dropping the pool closes its queue and joins every worker.
    drop(pool);
    let expected_runs = 3 * tasks as usize;
    say(format!(
        "tasks run: {} of {expected_runs} (each exactly once)",
        runs.load(Ordering::SeqCst)
    ));

    heading("6. The same with rayon");
    let rayon_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("rayon-{i}"))
        .build()?;
    let rayon_results: Vec<u64> =
        rayon_pool.install(|| (1..=tasks).into_par_iter().map(square).collect());
    say(format!(
        "rayon par_iter().map() (input order): {rayon_results:?}"
    ));
    // rayon has no as_completed: tasks send results down a channel as they finish.
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    rayon_pool.scope(|scope| {
        for x in 1..=tasks {
            let done_tx = done_tx.clone();
            scope.spawn(move |_| {
                thread::sleep(unit * (tasks - x + 1) as u32);
                let _ = done_tx.send(x);
            });
        }
    });
    drop(done_tx);
    let finish: Vec<u64> = done_rx.iter().collect();
    say(format!(
        "rayon scope + channel, inputs in completion order: {finish:?}"
    ));

    println!();
    println!("What you saw: map kept the input order although tasks finished in another;");
    println!("as_completed yielded each task as it finished; the panic became an Err and");
    println!("the pool kept working; rayon does the same map with par_iter.");
    Ok(())
}
