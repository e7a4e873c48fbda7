//! Barreras: hilos meet at a Barrier; nobody starts the next phase until all arrive.
//!
//! Ports: notes 004, "Eventos: ... notificaciones, barreras".
//!
//! Python:
//! ```python
//! barrier = threading.Barrier(4)
//! def worker():
//!     phase_1()
//!     barrier.wait()      # blocks until all 4 have called wait()
//!     phase_2()
//! ```
//! Rust: `std::sync::Barrier::new(n)` and `wait()`, the same idea. A
//! Barrier resets itself after each round, so one barrier serves every
//! phase (Python's too). Differences: Python's `wait()` returns an index
//! 0..n-1 and the Barrier takes an `action` run by one thread; Rust's
//! returns a `BarrierWaitResult` whose `is_leader()` is true for exactly one
//! hilo, which can run the "action" itself. Python also has
//! `wait(timeout)`, `abort()` and `BrokenBarrierError`; std's Barrier has
//! none of these: a hilo that never arrives leaves the others waiting
//! forever (so every hilo here always reaches every wait).
//!
//! What you see: hilos of different speeds finishing each phase at
//! different times, waiting (`.`) for the slowest at the barrier, then all
//! starting the next phase together; the times are checked: the earliest
//! start of a phase is never before the latest finish of the one before.
//!
//! Run: cargo run -p examples-sync --bin barrier
//!      cargo run -p examples-sync --bin barrier -- --threads 6 --phases 3 --work-ms 20
#![forbid(unsafe_code)]

use std::sync::{Barrier, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use shared::output::{self, heading, say};
use shared::timeline::{Kind, Timeline, terminal_width};

#[derive(Parser, Debug)]
#[command(
    about = "Hilos meet at a Barrier between phases: nobody starts phase 2 before all finish phase 1"
)]
struct Args {
    /// Hilos meeting at the barrier.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=64))]
    threads: u64,
    /// Phases, with a barrier between each two.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(2..=20))]
    phases: u64,
    /// Work of the fastest hilo per phase, in ms; hilo i works (i + 1) times as long.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u64).range(0..=2_000))]
    work_ms: u64,
}

/// When each hilo started and finished each phase, in µs since the origin.
#[derive(Default)]
struct Record {
    /// (phase, hilo, start µs, end µs)
    spans: Mutex<Vec<(u64, u64, u128, u128)>>,
}

/// One hilo: work a phase, meet the others, next phase. Its speed depends
/// on its id, and changes order between phases (so the slowest changes).
fn worker(id: u64, args: &Args, barrier: &Barrier, timeline: &Timeline, record: &Record) {
    let lane = format!("hilo-{id}");
    let origin = timeline.origin();
    for phase in 1..=args.phases {
        let speed = if phase % 2 == 1 {
            id + 1
        } else {
            args.threads - id
        };
        let start = Instant::now();
        timeline.span(&lane, Kind::Cpu, || {
            thread::sleep(Duration::from_millis(args.work_ms * speed))
        });
        let end = Instant::now();
        record
            .spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((
                phase,
                id,
                (start - origin).as_micros(),
                (end - origin).as_micros(),
            ));
        let at = (end - origin).as_micros();
        if phase == args.phases {
            say(format!("phase {phase} done at {at} µs: finished"));
        } else {
            say(format!(
                "phase {phase} done at {at} µs; waiting at the barrier"
            ));
            let result = timeline.span(&lane, Kind::Waiting, || barrier.wait());
            if result.is_leader() {
                say(format!(
                    "I am the leader this round (is_leader): everyone finished phase {phase}"
                ));
            }
        }
    }
}

/// For each phase after the first: (latest finish of the previous phase,
/// earliest start of this one), in µs.
fn boundaries(spans: &[(u64, u64, u128, u128)], phases: u64) -> Vec<(u64, u128, u128)> {
    (2..=phases)
        .map(|phase| {
            let latest_end = spans
                .iter()
                .filter(|s| s.0 == phase - 1)
                .map(|s| s.3)
                .max()
                .unwrap_or(0);
            let earliest_start = spans
                .iter()
                .filter(|s| s.0 == phase)
                .map(|s| s.2)
                .min()
                .unwrap_or(0);
            (phase, latest_end, earliest_start)
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let threads = usize::try_from(args.threads)?;
    let barrier = Barrier::new(threads);
    // Start the output clock and the timeline together, so the times in the
    // lines (ms) and in the records (µs) share one origin.
    shared::output::start();
    let timeline = Timeline::new();
    let record = Record::default();

    heading(&format!(
        "1. {} hilos, {} phases, one Barrier (arrival order varies)",
        args.threads, args.phases
    ));
    thread::scope(|s| -> anyhow::Result<()> {
        for id in 0..args.threads {
            let (args, barrier, timeline, record) = (&args, &barrier, &timeline, &record);
            thread::Builder::new()
                .name(format!("hilo-{id}"))
                .spawn_scoped(s, move || worker(id, args, barrier, timeline, record))
                .context("the OS refused to start a thread")?;
        }
        Ok(())
    })?;

    heading("2. Who worked (#) and who waited at the barrier (.)");
    output::text(timeline.render(terminal_width()));

    heading("3. The check");
    let spans = record
        .spans
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let mut all_ok = true;
    for (phase, latest_end, earliest_start) in boundaries(&spans, args.phases) {
        let ok = earliest_start >= latest_end;
        all_ok &= ok;
        say(format!(
            "phase {phase}: latest finish of phase {}: {latest_end} µs; earliest start of phase {phase}: {earliest_start} µs; {}",
            phase - 1,
            if ok { "in order" } else { "OVERLAP (WRONG)" }
        ));
    }
    for (phase, id, start, end) in &spans {
        say(format!(
            "record: hilo {id} phase {phase} from {start} to {end} µs"
        ));
    }

    // Phase 1: the first to finish waited at the barrier until the last did.
    let ends: Vec<u128> = spans.iter().filter(|s| s.0 == 1).map(|s| s.3).collect();
    let first_end = ends.iter().min().copied().unwrap_or(0);
    let last_end = ends.iter().max().copied().unwrap_or(0);
    output::line("");
    output::line(format!(
        "What you saw: no hilo started a phase before all finished the one before: {}.",
        if all_ok { "yes" } else { "NO (WRONG)" }
    ));
    output::line(format!(
        "In phase 1 the fastest hilo waited {} ms at the barrier ('.') for the slowest,",
        (last_end - first_end) / 1_000
    ));
    output::line("then all went on together.");
    Ok(())
}
