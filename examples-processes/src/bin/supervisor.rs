//! Supervisor (Cotyledon): a master proceso keeps N worker procesos alive.
//!
//! Ports: notes 001, "Cotyledon" (a master process that handles its
//! children and restarts one that fails). The notes' Python:
//! ```python
//! class PrinterService(cotyledon.Service):
//!     def run(self):
//!         while not self._shutdown.is_set():
//!             print("Doing stuff")
//!             time.sleep(1)
//!     def terminate(self):
//!         self._shutdown.set()
//! manager = cotyledon.ServiceManager(); manager.add(PrinterService, 2); manager.run()
//! ```
//! Rust: `examples_processes::supervisor::ServiceManager` does cotyledon's
//! job; each worker is this binary re-executed with a role (Python's
//! "spawn"), so `main` asks "am I a worker?" first. The `threading.Event`
//! is the harness's `child::Event`, set on SIGTERM by a thread that waits
//! for the signal (a signal handler could do almost nothing safely): that
//! thread is Python's `terminate()`. `printer` below is `run()`.
//!
//! Stop it with Ctrl-C (SIGINT: workers killed at once), `kill -TERM <master
//! pid>` (graceful, with a deadline) or `--stop-after-ms`. Try `kill -KILL
//! <worker pid>` (restarted with a new pid) and `kill -HUP <master pid>`.
//!
//! Run: cargo run -p examples-processes --bin supervisor -- --stop-after-ms 3500
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use examples_processes::child;
use examples_processes::supervisor::{
    Knobs, ServiceManager, StopReason, WorkerContext, WorkerEnd, WorkerIdentity, faulty_printer,
    run_worker,
};
use shared::output::{heading, line, results, say_as};

#[derive(Parser, Debug)]
#[command(
    about = "A master proceso running N printer workers, restarting crashed ones (cotyledon). \
             Stop: Ctrl-C, kill -TERM <pid>, or --stop-after-ms",
    allow_negative_numbers = true
)]
struct Args {
    /// How many printer workers (the notes add 2).
    #[arg(long, default_value_t = 2, value_name = "1..=16", value_parser = shared::cli::range(1..=16u32))]
    workers: u32,
    /// Pause between a worker's "Doing stuff" lines, in ms (the notes sleep 1 s).
    #[arg(long, default_value_t = 1000, value_name = "1..=60000", value_parser = shared::cli::range(1..=60_000u64))]
    interval_ms: u64,
    /// Pause with a plain sleep (the notes' `time.sleep(1)`) instead of
    /// `Event.wait(1)`: a stop then waits out the pause.
    #[arg(long)]
    plain_sleep: bool,
    /// Stop by itself after this many ms, as on SIGTERM (default: run until a signal).
    #[arg(long, value_name = "1..=86400000", value_parser = shared::cli::range(1..=86_400_000u64))]
    stop_after_ms: Option<u64>,
    #[command(flatten)]
    knobs: Knobs,
}

/// The notes' `PrinterService.run`.
fn printer(context: &WorkerContext, interval: Duration, plain_sleep: bool) {
    let me = context.identity.process_name();
    while !context.shutdown.is_set() {
        say_as(&me, "Doing stuff");
        if plain_sleep {
            std::thread::sleep(interval); // time.sleep(1): deaf to the flag
        } else {
            context.shutdown.wait_timeout(interval); // Event.wait(1): wakes on set()
        }
    }
    say_as(&me, "shutdown flag seen: leaving run()");
}

fn worker(me: WorkerIdentity, args: &Args) -> anyhow::Result<()> {
    let name = me.process_name();
    let interval = Duration::from_millis(args.interval_ms);
    // The tests' and failure demos' misbehaving workers (hidden flags) live in the library.
    let fault = args.knobs.fault_of(me.worker_id);
    let end = run_worker(me, |context| match fault {
        Some(fault) => faulty_printer(context, interval, fault),
        None => printer(context, interval, args.plain_sleep),
    })?;
    if end == WorkerEnd::Finished {
        say_as(&name, "exiting");
    }
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    let args = Args::parse();
    // "spawn": the master runs this binary again with a role; ask first.
    let result = match WorkerIdentity::from_env() {
        // A worker that left through its shutdown flag after SIGTERM did
        // what was asked: exit code 0 (not 143), which the master counts.
        Ok(Some(me)) => match worker(me, &args) {
            Ok(()) => return ExitCode::SUCCESS,
            failed => failed,
        },
        Ok(None) => master(&args),
        Err(error) => Err(error.into()),
    };
    child::exit_code(result)
}

fn master(args: &Args) -> anyhow::Result<()> {
    if let Err(message) = args.knobs.check(args.workers) {
        anyhow::bail!(message);
    }
    heading("Cotyledon: a master and its printer workers (notes 001)");
    let stop_after = args.stop_after_ms.map(Duration::from_millis);
    let mut manager = ServiceManager::new(args.knobs.config(stop_after));
    manager.add("printer", args.workers)?;
    let outcome = manager.run()?;

    let grace = args.knobs.grace_ms;
    let how = match outcome.reason {
        StopReason::Interrupt => {
            "SIGINT (Ctrl-C): the master sent SIGKILL at once, no grace".to_string()
        }
        StopReason::Terminate => {
            format!("SIGTERM: workers were asked to stop, with {grace} ms to leave")
        }
        StopReason::Timer => {
            format!("--stop-after-ms: workers were asked to stop, with {grace} ms to leave")
        }
    };
    line("");
    line(format!("Stopped on {how}."));
    line(format!(
        "Of {} workers: {} left by themselves (exit code 0), {} ended otherwise, {} were killed.",
        args.workers, outcome.stopped_gracefully, outcome.ended_badly, outcome.killed
    ));
    line(format!(
        "Before that: {} restarts of dead workers, {} SIGHUP reloads. The stop took {} ms; \
         children left running or unreaped: {}.",
        outcome.restarts,
        outcome.reloads,
        outcome.stop_took.as_millis(),
        outcome.leftovers
    ));
    let delays: Vec<String> = outcome
        .restart_delays
        .iter()
        .map(|d| d.as_millis().to_string())
        .collect();
    results(&[
        ("stop", &outcome.reason.as_str()),
        ("left_by_themselves", &outcome.stopped_gracefully),
        ("ended_badly", &outcome.ended_badly),
        ("killed", &outcome.killed),
        ("restarts", &outcome.restarts),
        ("reloads", &outcome.reloads),
        ("restart_delays_ms", &delays.join(",")),
        ("stop_ms", &outcome.stop_took.as_millis()),
        ("leftovers", &outcome.leftovers),
    ]);
    // 130 after SIGINT: the shell's convention for "stopped by Ctrl-C".
    if outcome.exit_code() != 0 {
        std::process::exit(outcome.exit_code());
    }
    Ok(())
}
