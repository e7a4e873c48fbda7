//! Three tasks, one thread: the CPU parts take turns, the I/O waits overlap.
//!
//! Ports: notes 002, "Como funciona un Event Loop?" (make_request x3, steps 1-4).
//! Python (the notes' pseudocode, made real with asyncio):
//! ```python
//! async def make_request():
//!     cpu_bound_setup()
//!     await io_bound_web_request()      # the loop runs other tasks meanwhile
//!     cpu_bound_postprocess()
//! await asyncio.gather(*(make_request() for _ in range(3)))
//! ```
//! Rust: the same `async fn`, run twice: on the runtime built by hand in this
//! crate (`examples_async::runtime::s3_reactor`, epoll underneath) and on
//! tokio's current-thread runtime (one thread, like asyncio). The I/O wait is
//! each runtime's `sleep`, standing for the web request. Each run is drawn
//! with the shared timeline: `#` CPU, `~` waiting for I/O.
//!
//! What you see: step 1, task_one computes while the others wait to start;
//! step 2, task_one waits for I/O and task_two computes; ... the three `~`
//! overlap, two `#` never share a column: one thread computes one thing at
//! a time, and `await` is the only place it switches.
//!
//! Run: cargo run --release -p examples-async --bin three_tasks
//!      cargo run --release -p examples-async --bin three_tasks -- --cpu-ms 100 --io-ms 200
#![forbid(unsafe_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use clap::Parser;
use examples_async::harness::burn_cpu;
use shared::output::{heading, line, results, say_as, text};
use shared::timeline::{Kind, Timeline, terminal_width};

#[derive(Parser)]
#[command(
    about = "Three tasks with CPU setup, an I/O wait and CPU post-processing, on one thread",
    allow_negative_numbers = true
)]
struct Args {
    /// CPU time of each task's setup, and again of its post-processing, in ms.
    #[arg(long, default_value_t = 50, value_name = "0..=2000",
          value_parser = shared::cli::range(0..=2_000u64))]
    cpu_ms: u64,
    /// How long each task's web request (the I/O wait) takes, in ms.
    #[arg(long, default_value_t = 300, value_name = "1..=10000",
          value_parser = shared::cli::range(1..=10_000u64))]
    io_ms: u64,
}

const TASKS: [&str; 3] = ["task_one", "task_two", "task_three"];

/// The notes' make_request; `web_request` starts the runtime's sleep of
/// `io` (when called: a sleep's deadline is set when it is created).
async fn make_request<F: Future>(
    name: &str,
    (cpu, io): (Duration, Duration),
    web_request: impl FnOnce() -> F,
    timeline: Timeline,
) {
    say_as(name, "cpu_bound_setup()");
    timeline.span(name, Kind::Cpu, || burn_cpu(cpu));
    say_as(name, "io_bound_web_request(): waiting, the loop is free");
    let asked = Instant::now();
    web_request().await;
    // The wait ends at the deadline; the task may resume later, when the
    // loop is free: that delay is waiting for the loop, not for I/O.
    timeline.record(name, Kind::Io, asked, Instant::now().min(asked + io));
    say_as(name, "I/O done: cpu_bound_postprocess()");
    timeline.span(name, Kind::Cpu, || burn_cpu(cpu));
}

/// What one run showed.
struct Run {
    wall: Duration,
    io_overlap: usize,
    cpu_overlap: usize,
}

fn show(timeline: &Timeline, wall: Duration) -> Run {
    text(timeline.render(terminal_width()));
    Run {
        wall,
        io_overlap: timeline.max_overlap(Kind::Io),
        cpu_overlap: timeline.max_overlap(Kind::Cpu),
    }
}

#[cfg(target_os = "linux")]
fn on_hand_built(args: &Args) -> anyhow::Result<Run> {
    use examples_async::runtime::s3_reactor::{Runtime, sleep, spawn};
    let (cpu, io) = (
        Duration::from_millis(args.cpu_ms),
        Duration::from_millis(args.io_ms),
    );
    let timeline = Timeline::new();
    let started = Instant::now();
    Runtime::new()?.block_on(async {
        let tasks: Vec<_> = TASKS
            .iter()
            .map(|name| {
                spawn(make_request(
                    name,
                    (cpu, io),
                    move || sleep(io),
                    timeline.clone(),
                ))
            })
            .collect();
        for task in tasks {
            task.await?;
        }
        anyhow::Ok(())
    })?;
    Ok(show(&timeline, started.elapsed()))
}

#[cfg(not(target_os = "linux"))]
fn on_hand_built(_: &Args) -> anyhow::Result<Run> {
    anyhow::bail!("the hand-built runtime uses epoll: Linux only")
}

fn on_tokio(args: &Args) -> anyhow::Result<Run> {
    let (cpu, io) = (
        Duration::from_millis(args.cpu_ms),
        Duration::from_millis(args.io_ms),
    );
    let timeline = Timeline::new();
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let tasks: Vec<_> = TASKS
            .iter()
            .map(|name| {
                tokio::spawn(make_request(
                    name,
                    (cpu, io),
                    move || tokio::time::sleep(io),
                    timeline.clone(),
                ))
            })
            .collect();
        for task in tasks {
            task.await?;
        }
        anyhow::Ok(())
    })?;
    Ok(show(&timeline, started.elapsed()))
}

/// The closing sentence, from what the two runs measured.
fn conclusion(hand: &Run, tokio: &Run, one_after_another: u64) -> String {
    let (io, cpu) = (
        hand.io_overlap.min(tokio.io_overlap),
        hand.cpu_overlap.max(tokio.cpu_overlap),
    );
    let slowest = hand.wall.max(tokio.wall).as_millis() as u64;
    let waits = if io > 1 {
        format!("up to {io} waits overlapped")
    } else {
        "the waits did not overlap (each setup outlasted the waits before it)".into()
    };
    let turns = if cpu == 1 {
        "the CPU parts took turns (one thread, switching only at await)".to_string()
    } else {
        format!("{cpu} CPU parts ran at once (?)")
    };
    let saved = if slowest < one_after_another {
        format!("{} ms saved", one_after_another - slowest)
    } else {
        "no time saved".into()
    };
    format!("On both runtimes {waits}; {turns}; {saved} against one after another.")
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let one_after_another = 3 * (2 * args.cpu_ms + args.io_ms);
    heading("the runtime built by hand (epoll)");
    let hand = on_hand_built(&args)?;
    heading("tokio, current-thread runtime");
    let tokio = on_tokio(&args)?;

    line("");
    for (who, run) in [("hand-built", &hand), ("tokio", &tokio)] {
        line(format!(
            "{who}: {:.0} ms in all (one after another: {one_after_another} ms); \
             I/O waits at once: {} of 3; CPU parts at once: {}",
            run.wall.as_secs_f64() * 1e3,
            run.io_overlap,
            run.cpu_overlap
        ));
    }
    line(conclusion(&hand, &tokio, one_after_another));
    results(&[
        ("wall_ms_hand", &hand.wall.as_millis()),
        ("io_overlap_hand", &hand.io_overlap),
        ("cpu_overlap_hand", &hand.cpu_overlap),
        ("wall_ms_tokio", &tokio.wall.as_millis()),
        ("io_overlap_tokio", &tokio.io_overlap),
        ("cpu_overlap_tokio", &tokio.cpu_overlap),
        ("sequential_ms", &one_after_another),
    ]);
    Ok(())
}
