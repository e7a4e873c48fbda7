//! Barreras: hilos meet at a Barrier; nobody starts the next phase until all arrive.
//!
//! Ports: notes 004, "Eventos: ... notificaciones, barreras".
//! Python:
//! ```python
//! barrier = threading.Barrier(4)
//! def worker():
//!     phase_1()
//!     barrier.wait()      # blocks until all 4 have called wait()
//!     phase_2()
//! ```
//! Rust: `std::sync::Barrier::new(n)` and `wait()`; it resets itself after
//! each round, so one barrier serves every phase (Python's too). Python's
//! `wait()` returns an index and takes an `action`; Rust's returns a
//! `BarrierWaitResult` whose `is_leader()` is true for exactly one hilo,
//! which can run the "action" itself. Python also has `wait(timeout)`,
//! `abort()` and `BrokenBarrierError`; std's Barrier has none: a hilo that
//! never arrives leaves the others waiting forever.
//! Each phase here is a sleep standing for work (hilo i sleeps i + 1 times
//! the base, so they finish at different times): the timeline draws it as
//! `~` (waiting, no CPU used), the wait at the barrier as `.`.
//!
//! Run: cargo run -p examples-sync --bin barrier
//!      cargo run -p examples-sync --bin barrier -- --threads 6 --phases 3 --work-ms 20
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use examples_sync::harness;
use shared::output::{self, heading, say};
use shared::timeline::{Kind, Timeline, terminal_width};

#[derive(Parser)]
#[command(
    about = "Hilos meet at a Barrier between phases: nobody starts phase 2 before all finish phase 1",
    allow_negative_numbers = true
)]
struct Args {
    /// Hilos meeting at the barrier.
    #[arg(long, default_value_t = 4, value_name = "2..=64", value_parser = shared::cli::range(2..=64usize))]
    threads: usize,
    /// Phases, with a barrier between each two.
    #[arg(long, default_value_t = 2, value_name = "2..=20", value_parser = shared::cli::range(2..=20usize))]
    phases: usize,
    /// The fastest hilo's phase, in ms (a sleep); hilo i takes (i + 1) times as long.
    #[arg(long, default_value_t = 25, value_name = "0..=2000", value_parser = shared::cli::range(0..=2_000u64))]
    work_ms: u64,
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let barrier = Barrier::new(args.threads);
    let (timeline, leaders) = (Timeline::new(), AtomicUsize::new(0));
    let spans = Mutex::new(Vec::new()); // (phase, start, end)

    heading(&format!(
        "1. {} hilos, {} phases, one Barrier (arrival order varies)",
        args.threads, args.phases
    ));
    harness::hilos(args.threads, "hilo", |i| {
        let lane = format!("hilo-{i}");
        for phase in 1..=args.phases {
            // The slowest changes between phases: odd phases hilo n-1, even ones hilo 0.
            let speed = if phase % 2 == 1 {
                i + 1
            } else {
                args.threads - i
            } as u32;
            let start = Instant::now();
            timeline.span(&lane, Kind::Io, || {
                thread::sleep(Duration::from_millis(args.work_ms) * speed)
            });
            spans.lock().unwrap().push((phase, start, Instant::now()));
            if phase == args.phases {
                break;
            }
            say(format!("phase {phase} done; waiting at the barrier"));
            if timeline
                .span(&lane, Kind::Waiting, || barrier.wait())
                .is_leader()
            {
                leaders.fetch_add(1, Ordering::Relaxed);
                say(format!("is_leader: everyone finished phase {phase}"));
            }
        }
    })?;

    heading("2. Who was in a phase (~) and who waited at the barrier (.)");
    output::text(timeline.render(terminal_width()));
    output::line(
        "(each phase is a sleep standing for work, so the legend calls `~` a wait: no CPU was used)",
    );

    // The check: the earliest start of each phase is not before the latest
    // end of the phase before it.
    let spans = spans.into_inner().unwrap();
    let of = |phase| spans.iter().filter(move |s| s.0 == phase);
    let in_order =
        (2..=args.phases).all(|p| of(p).map(|s| s.1).min() >= of(p - 1).map(|s| s.2).max());
    let ends: Vec<Instant> = of(1).map(|s| s.2).collect();
    let first_wait = ends
        .iter()
        .max()
        .zip(ends.iter().min())
        .map_or(Duration::ZERO, |(l, f)| *l - *f);
    let leaders = leaders.into_inner();

    output::line("");
    output::line(format!(
        "What you saw: no hilo started a phase before all finished the one before: {}.",
        if in_order { "yes" } else { "NO (WRONG)" }
    ));
    output::line(format!(
        "In phase 1 the fastest hilo waited {} ms at the barrier for the slowest; each round had {} leader.",
        first_wait.as_millis(),
        if leaders == args.phases - 1 {
            "exactly one"
        } else {
            "NOT exactly one (WRONG)"
        }
    ));
    output::results(&[
        ("spans", &spans.len()),
        ("in_order", &in_order),
        ("leaders", &leaders),
        ("first_wait_ms", &first_wait.as_millis()),
    ]);
    Ok(())
}
