//! Servidor de procesos: a Manager proceso owns a list; 8 workers append to it via proxies.
//!
//! Ports: notes 001, the `multiprocessing.Manager()` example, and 000,
//! "Servidor de procesos" (ventajas: any data type, shared by processes;
//! desventajas: latencia).
//!
//! Python:
//! ```python
//! def compute(results):
//!     results.append(sum([random.randint(1, 100) for i in range(1000000)]))
//!
//! if __name__ == "__main__":
//!     with multiprocessing.Manager() as manager:
//!         results = manager.list()
//!         workers = [multiprocessing.Process(target=compute, args=(results,))
//!                    for x in range(8)]
//!         for worker in workers: worker.start()
//!         for worker in workers: worker.join()
//!         print("Results: %s" % results)
//! ```
//! Rust: `examples_processes::manager::Manager` starts a server process
//! (this binary again, role "manager-server") that owns the list and a dict.
//! Each worker (this binary again, role "worker") receives its proxies as
//! its argument, as Python pickles `args=(results,)`: a proxy is a pair of
//! ipc channels to the server, so it can travel to another process. Each
//! `append` is a message to the server and a reply back.
//!
//! The notes' "Desventajas: Latencia", in numbers: the example times many
//! proxy calls against pushes on a local `Vec`.
//!
//! What you see: the server's and the 8 workers' pids; the results in the
//! order the workers finished (it changes from run to run); each checked
//! against the sum expected for its seed; then the latency of one proxy
//! call beside one local push. (Each line's time counts from the start of
//! the process that printed it: a worker's clock starts when it starts.)
//!
//! Run: cargo run --release -p examples-processes --bin manager_list
//!      cargo run --release -p examples-processes --bin manager_list -- --workers 4 --calls 2000
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use examples_processes::child::{self, Child};
use examples_processes::manager::{self, DictProxy, ListProxy, Manager, Value};
use serde::{Deserialize, Serialize};
use shared::output::{heading, line, say, say_as};
use shared::timing::{format_duration, timed};
use shared::workload::{expected_sums, seed_for, sum_random};

/// The role a worker process plays.
const WORKER_ROLE: &str = "worker";

/// What each worker receives: Python's `args=(results,)`, plus its number.
#[derive(Serialize, Deserialize)]
struct WorkerArgs {
    index: usize,
    n: u64,
    results: ListProxy,
    by_worker: DictProxy,
}

#[derive(Parser, Debug)]
#[command(
    allow_negative_numbers = true,
    about = "A Manager process owns a list; worker procesos append to it through proxies"
)]
struct Args {
    /// Worker processes (the notes start 8).
    #[arg(long, default_value_t = 8, value_name = "1..=64", value_parser = shared::cli::range(1..=64u64))]
    workers: u64,
    /// Random numbers summed by each worker (the notes use 1,000,000).
    #[arg(long, default_value_t = shared::workload::DEFAULT_N, value_name = "1..=100_000_000", value_parser = shared::cli::range(1..=100_000_000u64))]
    n: u64,
    /// Proxy calls timed for the latency figure.
    #[arg(long, default_value_t = 10_000, value_name = "1..=10_000_000", value_parser = shared::cli::range(1..=10_000_000u64))]
    calls: u64,
}

/// The notes' `compute(results)`, in a worker process.
fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    let sum = sum_random(args.n, seed_for(args.index));
    let who = format!("worker-{}", args.index);
    args.results.append(sum as i64)?;
    args.by_worker.insert(who.clone(), sum as i64)?;
    say_as(&who, format!("appended {sum} through the proxy"));
    Ok(())
}

/// Starts the workers, each with its own proxies, then joins them all.
fn run_workers(results: &ListProxy, by_worker: &DictProxy, args: &Args) -> anyhow::Result<()> {
    let mut workers: Vec<Child> = Vec::new();
    for index in 0..args.workers as usize {
        let worker_args = WorkerArgs {
            index,
            n: args.n,
            results: results.try_clone()?,
            by_worker: by_worker.try_clone()?,
        };
        let name = format!("worker-{index}");
        workers.push(child::spawn_self_with(
            WORKER_ROLE,
            name,
            worker_args,
            child::STARTUP_LIMIT,
        )?);
    }
    let pids: Vec<u32> = workers.iter().map(Child::pid).collect();
    say(format!("started {} workers: pids {pids:?}", workers.len()));
    for worker in &mut workers {
        // join: a deadline, and a stop signal ends the wait too.
        let exit = worker.join(Duration::from_secs(60))?;
        ensure!(exit.success(), "{} did not end well: {exit}", worker.name());
    }
    say("joined every worker");
    Ok(())
}

/// Checks the list and the dict against the sums computed here, one by one.
fn check_results(results: &ListProxy, by_worker: &DictProxy, args: &Args) -> anyhow::Result<usize> {
    let expected: Vec<i64> = expected_sums(args.workers as usize, args.n)
        .into_iter()
        .map(|sum| sum as i64)
        .collect();
    let got: Vec<i64> = results
        .snapshot()?
        .iter()
        .filter_map(Value::as_int)
        .collect();
    say(format!(
        "Results: {got:?}  (in the order the workers finished)"
    ));
    let mut sorted_got = got.clone();
    sorted_got.sort_unstable();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort_unstable();
    ensure!(
        sorted_got == sorted_expected,
        "the list holds {got:?}, expected (in some order) {expected:?}"
    );

    let mut right = 0;
    for (index, want) in expected.iter().enumerate() {
        let key = format!("worker-{index}");
        let value = by_worker.get(&key)?.and_then(|v| v.as_int());
        let ok = value == Some(*want);
        right += usize::from(ok);
        say(format!(
            "by_worker[{key:?}] = {} (expected {want}: {})",
            value.map_or("missing".to_string(), |v| v.to_string()),
            if ok { "ok" } else { "WRONG" }
        ));
    }
    say(format!(
        "{} results arrived, {right} equal to the expected sum for their seed",
        got.len()
    ));
    ensure!(
        right == expected.len(),
        "some worker's sum is wrong or missing"
    );
    Ok(right)
}

/// The notes' "Latencia": proxy calls against local pushes.
fn measure_latency(manager: &Manager, calls: u64) -> anyhow::Result<(Duration, Duration)> {
    let remote = manager.list()?;
    let (appended, proxy_time) = timed(|| -> anyhow::Result<()> {
        for i in 0..calls {
            child::check_stop()?;
            remote.append(i as i64)?;
        }
        Ok(())
    });
    appended?;
    ensure!(
        remote.len()? as u64 == calls,
        "the remote list lost appends"
    );

    let (local, local_time) = timed(|| {
        let mut local = Vec::new();
        for i in 0..calls {
            local.push(std::hint::black_box(Value::Int(i as i64)));
        }
        local
    });
    ensure!(local.len() as u64 == calls);
    Ok((proxy_time / calls as u32, local_time / calls as u32))
}

fn main() -> ExitCode {
    // Python's `if __name__ == "__main__":`: the server and the workers run
    // this same main, with a role.
    if let Some(role) = child::role() {
        return child::exit_code(child_main(role));
    }
    let args = Args::parse();
    shared::output::start();
    // Before any thread starts. Ctrl-C or SIGTERM then stops the workers and
    // the server in order (and removes ipc-channel's rendezvous files),
    // instead of killing this process mid-way.
    let result = child::stop_on_signals()
        .map_err(anyhow::Error::from)
        .and_then(|_| parent(&args));
    child::exit_code(result)
}

/// A child's `main`: the server, or a worker.
fn child_main(role: String) -> anyhow::Result<()> {
    // First of all: if the parent dies, so do we (no orphans).
    child::die_with_parent()?;
    match role.as_str() {
        manager::SERVER_ROLE => Ok(manager::serve()?),
        WORKER_ROLE => {
            // Ctrl-C reaches the whole process group: the parent decides.
            child::block_ctrl_c()?;
            worker(child::receive_arg(child::STARTUP_LIMIT)?)
        }
        _ => Err(child::ChildError::UnknownRole(role).into()),
    }
}

fn parent(args: &Args) -> anyhow::Result<()> {
    heading(&format!(
        "{} workers append sums of {} random ints to a manager's list (notes 001)",
        args.workers, args.n
    ));
    let manager = Manager::start().context("starting the manager's server")?;
    say(format!("manager server started: pid {}", manager.pid()));
    let results = manager.list()?;
    let by_worker = manager.dict()?;
    run_workers(&results, &by_worker, args)?;
    let right = check_results(&results, &by_worker, args)?;

    heading("Desventajas: latencia (notes 000)");
    let (per_call, per_push) = measure_latency(&manager, args.calls)?;
    let ratio = per_call.as_secs_f64() / per_push.as_secs_f64().max(1e-12);
    say(format!(
        "proxy call: {} per append ({} calls, each a round trip to pid {})",
        format_duration(per_call),
        args.calls,
        manager.pid()
    ));
    say(format!(
        "local push: {:.1} ns per push on a Vec in this process",
        per_push.as_secs_f64() * 1e9
    ));
    say(format!("a proxy call costs about {ratio:.0}x a local push"));

    let exit = manager.shutdown()?;
    say(format!("manager server stopped and reaped: {exit}"));

    line("");
    line(format!(
        "What you saw: {right} of {} workers' sums arrived in the manager's list, each equal to",
        args.workers
    ));
    line("the sum expected for its seed; their order is the order the workers finished.");
    line(format!(
        "Each proxy call is a message to another process and a reply back: {} per call here,",
        format_duration(per_call)
    ));
    line(format!(
        "about {ratio:.0} times a local push. That is the notes' latency: share through a"
    ));
    line("server when processes must, and send few, large messages rather than many small.");
    Ok(())
}
