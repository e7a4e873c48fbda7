//! Corrutinas with the names you know from asyncio, on tokio.
//!
//! Ports: notes 002, the asyncio parts ("Al usar Asyncio, creamos objetos
//! llamados corrutinas"), and 003's concurrent.futures (submit, as_completed,
//! wait), whose asyncio twins these are.
//! Python:
//! ```python
//! task = asyncio.create_task(square(4))             # starts running soon
//! a, b, c = await asyncio.gather(f(1), f(2), f(3))  # results in order
//! for t in asyncio.as_completed(aws): await t       # in finish order
//! await asyncio.wait_for(slow(), timeout=0.1)       # TimeoutError
//! task.cancel()
//! ```
//! Rust: `tokio::spawn`, `tokio::join!`, `JoinSet`, `tokio::select!`,
//! `tokio::time::timeout`, `JoinHandle::abort`. One difference matters: a
//! Rust future does nothing until it is awaited or spawned (a coroutine
//! object is lazy too, but `create_task` schedules it at once); dropping a
//! future that was never polled means its code never runs, and dropping one
//! mid-way cancels it at its current `await`. The runtime is current-thread,
//! one thread like asyncio's loop.
//!
//! Run: cargo run -p examples-async --bin coroutines -- --unit-ms 100
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use shared::output::{heading, line, results, say};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

#[derive(Parser)]
#[command(
    about = "async/await, spawn, join!, JoinSet, select!, timeout and abort: asyncio's names on tokio",
    allow_negative_numbers = true
)]
struct Args {
    /// The time unit of every sleep below, in ms (tasks wait 1 to 5 units).
    #[arg(long, default_value_t = 100, value_name = "1..=2000", value_parser = shared::cli::range(1..=2_000u64))]
    unit_ms: u64,
}

/// `async def square(x): await asyncio.sleep(units); return x * x`
async fn square(x: u64, wait: Duration) -> u64 {
    sleep(wait).await;
    say(format!("square({x}) done"));
    x * x
}

fn list(values: &[u64]) -> String {
    values
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let u = Duration::from_millis(args.unit_ms);

    heading("async fn / await, and spawn (asyncio.create_task)");
    let direct = square(3, u).await;
    let task = tokio::spawn(square(4, u)); // runs while we do something else
    say("spawned square(4); main goes on");
    let spawned = task.await?; // Err if the task panicked or was aborted
    say(format!("await gave {direct}; the task gave {spawned}"));

    heading("tokio::join! (asyncio.gather): results in argument order");
    // The first waits longest, so they finish 3, 2, 1; join! still returns 1, 4, 9.
    let (a, b, c) = tokio::join!(square(1, 3 * u), square(2, 2 * u), square(3, u));
    let gathered = [a, b, c];
    say(format!("gather gave {gathered:?}"));

    heading("JoinSet (asyncio.as_completed): results in finish order");
    let mut set = JoinSet::new();
    for (x, units) in [(1u64, 3u32), (2, 2), (3, 1)] {
        set.spawn(square(x, units * u));
    }
    let mut finished = Vec::new();
    while let Some(result) = set.join_next().await {
        finished.push(result?);
    }
    say(format!("as_completed gave {finished:?}"));

    heading("tokio::select! (asyncio.wait, FIRST_COMPLETED)");
    let first = tokio::select! {
        _ = square(5, u) => "fast",
        // Dropped when `fast` wins: cancelled. (asyncio.wait would leave it
        // running; to keep it, select on `&mut` a pinned future or a handle.)
        _ = square(6, 3 * u) => "slow",
    };
    say(format!("first completed: {first}"));

    heading("tokio::time::timeout (asyncio.wait_for)");
    let timed_out = timeout(u, square(7, 5 * u)).await.is_err();
    say(format!("square(7) within one unit? timed out: {timed_out}"));

    heading("abort (task.cancel) and dropping a future");
    let ran_to_end = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran_to_end);
    let task = tokio::spawn(async move {
        sleep(5 * u).await;
        flag.store(true, Ordering::SeqCst);
    });
    sleep(u).await;
    task.abort();
    let cancelled = matches!(task.await, Err(e) if e.is_cancelled());
    say(format!(
        "aborted task: cancelled {cancelled}, reached its end {}",
        ran_to_end.load(Ordering::SeqCst)
    ));
    let touched = Arc::new(Mutex::new(false));
    let lazy = {
        let touched = Arc::clone(&touched);
        async move { *touched.lock().unwrap() = true }
    };
    drop(lazy); // never awaited, never spawned: its body never runs
    let dropped_ran = *touched.lock().unwrap();
    say(format!(
        "a future dropped before its first poll ran: {dropped_ran}"
    ));

    line("");
    line(format!(
        "gather kept the order of its arguments ({}); as_completed gave them as they finished ({}).",
        list(&gathered),
        list(&finished)
    ));
    results(&[
        ("gather_order", &list(&gathered)),
        ("as_completed_order", &list(&finished)),
        ("first_completed", &first),
        ("timed_out", &timed_out),
        ("cancelled", &cancelled),
        (
            "cancelled_task_finished",
            &ran_to_end.load(Ordering::SeqCst),
        ),
        ("dropped_future_ran", &dropped_ran),
    ]);
    Ok(())
}
