//! Servidor de procesos: a Manager proceso owns a list; 8 workers append to it via proxies.
//!
//! Ports: notes 001, the `multiprocessing.Manager()` example, and 000,
//! "Servidor de procesos" (ventajas: any data type; desventajas: latencia).
//! ```python
//! def compute(results):
//!     results.append(sum([random.randint(1, 100) for i in range(1000000)]))
//! with multiprocessing.Manager() as manager:      # under `if __name__ == "__main__":`
//!     results = manager.list()
//!     workers = [Process(target=compute, args=(results,)) for x in range(8)]
//!     for w in workers: w.start()
//!     for w in workers: w.join()
//! ```
//! Rust: `examples_processes::manager::Manager` starts a server process (this
//! binary again) that owns the list; each worker gets a proxy as its
//! argument, as Python pickles `args=(results,)`: a proxy is a pair of ipc
//! channels to the server, so every `append` is a message and a reply. The
//! notes call the server "started with Python, launches the other
//! processes": a Manager only starts a server on demand and holds objects;
//! the thing that launches processes is the forkserver start method (the
//! default on Linux from 3.14). Notes 003, "Comunicación y sincronización",
//! prefer multiprocessing when communication performance matters: the
//! latency below (tens of µs a call) says the opposite.
//!
//! Run: cargo run --release -p examples-processes --bin manager_list -- --workers 4
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use examples_processes::child::{self, Child};
use examples_processes::manager::{self, ListProxy, Manager, Value};
use serde::{Deserialize, Serialize};
use shared::output::{heading, line, say, say_as};
use shared::timing::{format_duration, timed};
use shared::workload::{expected_sums, seed_for, sum_random};

const WORKER: &str = "worker";

/// What each worker receives: Python's `args=(results,)`, plus its number.
#[derive(Serialize, Deserialize)]
struct WorkerArgs {
    index: usize,
    n: u64,
    results: ListProxy,
}

#[derive(Parser, Debug)]
#[command(
    about = "A Manager process owns a list; worker procesos append to it through proxies",
    allow_negative_numbers = true
)]
struct Args {
    /// Worker processes (the notes start 8).
    #[arg(long, default_value_t = 8, value_name = "1..=64", value_parser = shared::cli::range(1..=64usize))]
    workers: usize,
    /// Random numbers summed by each worker (the notes use 1,000,000).
    #[arg(long, default_value_t = shared::workload::DEFAULT_N, value_name = "1..=100000000",
          value_parser = shared::cli::range(1..=100_000_000u64))]
    n: u64,
    /// Proxy calls timed for the latency figure.
    #[arg(long, default_value_t = 10_000, value_name = "1..=10000000", value_parser = shared::cli::range(1..=10_000_000u32))]
    calls: u32,
}

/// The notes' `compute(results)`, in a worker process.
fn compute() -> anyhow::Result<()> {
    child::block_ctrl_c()?; // Ctrl-C reaches the group: the parent decides
    let args: WorkerArgs = child::receive_arg(child::STARTUP_LIMIT)?; // args=(results,)
    let sum = sum_random(args.n, seed_for(args.index));
    args.results.append(sum as i64)?; // a message to the server, a reply back
    let me = format!("worker-{}", args.index);
    say_as(&me, format!("appended {sum} through the proxy"));
    Ok(())
}

fn parent(args: &Args) -> anyhow::Result<()> {
    child::stop_on_signals()?; // Ctrl-C / SIGTERM: workers and server stopped in order
    let (workers, n) = (args.workers, args.n);
    heading(&format!(
        "{workers} workers append sums of {n} random ints to a manager's list"
    ));
    let manager = Manager::start()?; // `with multiprocessing.Manager() as manager:`
    let results = manager.list()?; // `results = manager.list()`
    say(format!("manager server started: pid {}", manager.pid()));
    let mut workers = Vec::new();
    for index in 0..args.workers {
        let (results, name) = (results.try_clone()?, format!("worker-{index}"));
        let arg = WorkerArgs { index, n, results }; // a proxy crosses as a pair of channels
        workers.push(child::spawn_self_with(
            WORKER,
            name,
            arg,
            child::STARTUP_LIMIT,
        )?);
    }
    let pids: Vec<u32> = workers.iter().map(Child::pid).collect();
    say(format!("started {} workers: pids {pids:?}", workers.len()));
    for worker in &mut workers {
        worker.join_ok(Duration::from_secs(60))?; // a deadline; Ctrl-C ends it too
    }
    let got: Vec<u64> = results
        .snapshot()?
        .iter()
        .filter_map(Value::as_int)
        .map(|v| v as u64)
        .collect();
    say(format!(
        "Results: {got:?} (in the order the workers finished)"
    ));
    let (mut sorted, mut want) = (got.clone(), expected_sums(args.workers, n));
    sorted.sort_unstable();
    want.sort_unstable();

    heading("Desventajas: latencia (notes 000)");
    let remote = manager.list()?;
    let (appended, proxy_time) = timed(|| {
        (0..args.calls).try_for_each(|i| {
            child::check_stop()?;
            anyhow::Ok(remote.append(i64::from(i))?)
        })
    });
    appended?;
    let (local, local_time) = timed(|| {
        (0..args.calls)
            .map(|i| std::hint::black_box(Value::Int(i64::from(i))))
            .collect::<Vec<_>>()
    });
    anyhow::ensure!(remote.len()? == local.len(), "the remote list lost appends");
    let (per_call, per_push) = (proxy_time / args.calls, local_time / args.calls);
    let ratio = per_call.as_secs_f64() / per_push.as_secs_f64().max(1e-12);
    let (call, push) = (format_duration(per_call), format_duration(per_push));
    say(format!("proxy call: {call} per append; local push: {push}"));
    let exit = manager.shutdown()?;
    say(format!("manager server stopped and reaped: {exit}"));

    line(format!(
        "\n{} of {} sums arrived, equal to the sums expected for their seeds: {}.\n\
         Each proxy call is a round trip to another process: {call} here, about {ratio:.0}x a\n\
         local push. Share through a server for convenience, not for speed.",
        got.len(),
        args.workers,
        sorted == want
    ));
    shared::output::results(&[
        ("results", &format!("{got:?}")),
        ("items", &got.len()),
        ("expected", &args.workers),
        ("sums_right", &(sorted == want)),
        (
            "proxy_call_us",
            &format!("{:.2}", per_call.as_secs_f64() * 1e6),
        ),
        (
            "local_push_ns",
            &format!("{:.1}", per_push.as_secs_f64() * 1e9),
        ),
        ("proxy_vs_push", &format!("{ratio:.0}")),
        ("server_exit", &exit),
    ]);
    anyhow::ensure!(sorted == want, "the list holds {got:?}");
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    // Python's `if __name__ == "__main__":` the server and the workers run this main too.
    child::main_with_roles(
        || parent(&Args::parse()),
        |role| match role {
            manager::SERVER_ROLE => Some(manager::serve().map_err(Into::into)),
            WORKER => Some(compute()),
            _ => None,
        },
    )
}
