//! Supervisor (Cotyledon): a master proceso keeps N worker procesos alive.
//!
//! Ports: notes 001, the Cotyledon part ("Cotyledon ejecuta un proceso maestro
//! que es responsable de manejar todos sus hijos ... si uno de los procesos
//! falla, se reinicia automáticamente").
//!
//! Python:
//! ```python
//! class PrinterService(cotyledon.Service):
//!     name = "printer"
//!     def __init__(self, worker_id):
//!         super().__init__(worker_id)
//!         self._shutdown = threading.Event()
//!     def run(self):
//!         while not self._shutdown.is_set():
//!             print("Doing stuff")
//!             time.sleep(1)
//!     def terminate(self):
//!         self._shutdown.set()
//!
//! manager = cotyledon.ServiceManager()
//! manager.add(PrinterService, 2)
//! manager.run()
//! ```
//! Rust: `examples_processes::supervisor` does cotyledon's job. Each worker is
//! this same binary started again with a role in its environment (Python's
//! "spawn": `main` runs again and asks "am I a worker?" first, the reason for
//! Python's `if __name__ == "__main__"`). The `threading.Event` becomes a
//! `ShutdownFlag` (an AtomicBool plus a Condvar for `wait(timeout)`); SIGTERM
//! sets it from a thread that waits for signals with `sigwait`, because a
//! real signal handler could do almost nothing safely. Python's `terminate()`
//! callback is that thread.
//!
//! What you will see: the master starts `printer:0`, `printer:1` (the names
//! `ps -e` shows), each prints "Doing stuff"; their lines interleave in an
//! order that changes from run to run. In another terminal:
//!   - `kill -KILL <worker pid>`: the master restarts that id with a new pid;
//!   - `kill -HUP <master pid>`: every worker restarts, same ids, new pids;
//!   - `kill -TERM <master pid>`: the workers are asked to stop and leave;
//!   - Ctrl-C (SIGINT): the master kills them at once;
//!   - `kill -KILL <master pid>`: the workers notice and exit by themselves.
//!
//! Stopping takes about a millisecond even with 1 s between lines, because
//! a worker pauses on its flag (`Event.wait(1)`), which wakes at once; with
//! `--plain-sleep` it pauses like the notes' `time.sleep(1)` and a stop waits
//! for the sleep to end. The final lines say how long the stop took. (Each
//! proceso's clock in the output starts when that proceso starts.)
//!
//! With `--crash-after 2` worker 0 aborts after two lines, over and over: the
//! restart delay doubles (0, 100, 200, 400 ms ...) so a crash loop cannot eat
//! the machine. With `--stubborn-worker 1` worker 1 ignores its flag and the
//! deadline ends it with SIGKILL. With `--fail-on-stop 1` worker 1 exits with
//! code 3 when stopped: the master tells a clean exit (code 0) from a failed
//! one by the exit status it reaps, and counts them apart.
//!
//! Run: cargo run -p examples-processes --bin supervisor
//!      cargo run -p examples-processes --bin supervisor -- --workers 3 --interval-ms 300 --stop-after-ms 3000
//!      cargo run -p examples-processes --bin supervisor -- --crash-after 2 --interval-ms 100 --stop-after-ms 3000
#![forbid(unsafe_code)]

use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, Parser};
use examples_processes::supervisor::{
    Backoff, Config, ServiceManager, StopReason, WorkerContext, WorkerEnd, WorkerIdentity,
    run_worker,
};
use shared::output::{heading, line, say_as};

/// The notes' service name: workers are `printer:0`, `printer:1`, ...
const SERVICE: &str = "printer";

#[derive(Parser, Debug)]
#[command(
    about = "A master proceso running N printer workers, restarting crashed ones (cotyledon)"
)]
struct Args {
    /// How many printer workers (the notes add 2).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    workers: u32,
    /// Pause between a worker's "Doing stuff" lines, in ms (the notes sleep 1 s).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    interval_ms: u64,
    /// Make worker `--crash-worker` abort after this many lines, every time it
    /// is started: shows restarts and the growing restart delay.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    crash_after: Option<u32>,
    /// Which worker id `--crash-after` applies to.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..16))]
    crash_worker: u32,
    /// A worker id that ignores its shutdown flag: the deadline ends it with SIGKILL.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..16))]
    stubborn_worker: Option<u32>,
    /// A worker id that fails its clean-up when asked to stop (exit code 3):
    /// the master counts it as failed, not as left by itself.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..16))]
    fail_on_stop: Option<u32>,
    /// How long a worker must run to count as healthy, in ms: a worker that
    /// dies sooner is a quick death, and quick deaths in a row double the
    /// restart delay.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    healthy_after_ms: u64,
    /// After SIGTERM, how long workers have to leave before SIGKILL, in ms.
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    grace_ms: u64,
    /// Pause with a plain sleep, as the notes' `time.sleep(1)`, instead of
    /// waiting on the flag (`Event.wait`): a stop then waits out the pause.
    #[arg(long)]
    plain_sleep: bool,
    /// Stop by itself after this many ms, as on SIGTERM (default: run until a signal).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400_000))]
    stop_after_ms: Option<u64>,
}

/// The notes' `PrinterService.run`: print until the shutdown flag is set.
fn printer(context: &WorkerContext, args: &Args) {
    let me = context.identity.process_name();
    let id = context.identity.worker_id;
    let interval = Duration::from_millis(args.interval_ms);
    let stubborn = args.stubborn_worker == Some(id);
    let crash_after = args.crash_after.filter(|_| args.crash_worker == id);
    let mut lines = 0u32;
    let mut told = false;
    // The notes' `while not self._shutdown.is_set():`
    loop {
        if context.shutdown.is_set() {
            if !stubborn {
                break;
            }
            if !told {
                say_as(&me, "shutdown flag is set, but this worker ignores it");
                told = true;
            }
        }
        say_as(&me, "Doing stuff");
        lines += 1;
        if crash_after.is_some_and(|n| lines >= n) {
            crash(&me, lines);
        }
        if told || args.plain_sleep {
            // The notes' `time.sleep(1)`: deaf to the flag until it ends.
            std::thread::sleep(interval);
        } else {
            // `Event.wait(1)` rather than `time.sleep(1)`: the pause ends at
            // once when the flag is set, so stopping does not wait an interval.
            context.shutdown.wait_timeout(interval);
        }
    }
    say_as(
        &me,
        format!("shutdown flag seen: leaving run() after {lines} lines"),
    );
}

/// A crash on purpose. `abort()` (SIGABRT), not a panic: a panic could be
/// caught, and a raised SIGSEGV does not even kill a Rust program. The core
/// size limit is set to 0 first so the demo leaves no core files behind.
fn crash(me: &str, lines: u32) -> ! {
    say_as(
        me,
        format!("crashing on purpose after {lines} lines (abort)"),
    );
    #[cfg(target_os = "linux")]
    let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
    std::process::abort()
}

fn worker(me: WorkerIdentity, args: &Args) -> anyhow::Result<()> {
    let name = me.process_name();
    let fails = args.fail_on_stop == Some(me.worker_id);
    match run_worker(me, |context| printer(context, args))? {
        WorkerEnd::Finished if fails => {
            say_as(&name, "failing my clean-up on purpose: exit code 3");
            std::process::exit(3);
        }
        WorkerEnd::Finished => say_as(&name, "exiting"),
        WorkerEnd::MasterGone => say_as(&name, "exiting without running: no master"),
    }
    Ok(())
}

fn master(args: &Args) -> anyhow::Result<i32> {
    if args.crash_after.is_some() && args.crash_worker >= args.workers {
        Args::command()
            .error(
                clap::error::ErrorKind::ValueValidation,
                format!(
                    "--crash-worker {} does not exist: worker ids are 0..{}",
                    args.crash_worker, args.workers
                ),
            )
            .exit();
    }
    for (flag, id) in [
        ("--stubborn-worker", args.stubborn_worker),
        ("--fail-on-stop", args.fail_on_stop),
    ] {
        if let Some(id) = id.filter(|&id| id >= args.workers) {
            Args::command()
                .error(
                    clap::error::ErrorKind::ValueValidation,
                    format!(
                        "{flag} {id} does not exist: worker ids are 0..{}",
                        args.workers
                    ),
                )
                .exit();
        }
    }

    heading("Cotyledon: a master and its printer workers (notes 001)");
    let config = Config {
        grace: Duration::from_millis(args.grace_ms),
        backoff: Backoff {
            healthy_after: Duration::from_millis(args.healthy_after_ms),
            ..Backoff::default()
        },
        stop_after: args.stop_after_ms.map(Duration::from_millis),
    };
    let mut manager = ServiceManager::new(config);
    manager.add(SERVICE, args.workers)?;
    let outcome = manager.run().context("the supervisor failed")?;

    line("");
    let how = match outcome.reason {
        StopReason::Terminate => "SIGTERM: workers were asked to stop (shutdown flag)",
        StopReason::Timer => "the --stop-after-ms timer: workers were asked to stop",
        StopReason::Interrupt => "SIGINT: workers were killed at once",
    };
    line(format!(
        "What you saw: a master kept {} printer workers running;",
        args.workers
    ));
    line(format!(
        "it restarted {} dead workers and did {} SIGHUP reloads. It stopped on {how}:",
        outcome.restarts, outcome.reloads
    ));
    line(format!(
        "{} left by themselves (exit code 0), {} ended otherwise (another code, or a signal),",
        outcome.stopped_gracefully, outcome.ended_badly
    ));
    line(format!(
        "{} needed SIGKILL after the {} ms deadline.",
        outcome.killed, args.grace_ms
    ));
    line(format!(
        "The stop took {} ms. Children of the master left running or unreaped: {} (checked in /proc).",
        outcome.stop_took.as_millis(),
        outcome.leftovers
    ));
    Ok(outcome.exit_code())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // "spawn": the master runs this binary again with a role in the
    // environment. Ask first who we are, before anything else runs.
    if let Some(me) = WorkerIdentity::from_env()? {
        return worker(me, &args);
    }
    let code = master(&args)?;
    if code != 0 {
        std::process::exit(code);
    }
    Ok(())
}
