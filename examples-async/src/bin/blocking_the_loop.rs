//! Blocking the loop: CPU work (or a blocking sleep) inside async code stops
//! every other task on that thread; spawn_blocking and rayon do not.
//!
//! Ports: notes 002 "El GIL para CPU-Bound y I/O-Bound" and 003 (CPU-bound
//! vs I/O-bound): asyncio helps I/O-bound work only.
//! Python:
//! ```python
//! async def handler():
//!     cpu_heavy()                                   # every task waits for it
//!     await loop.run_in_executor(None, cpu_heavy)   # the loop keeps turning
//!     time.sleep(1)                                 # just as bad: use asyncio.sleep
//! ```
//! Rust: a ticker task wants to run every 10 ms and records how late each
//! tick is. Beside it, one CPU job (or `std::thread::sleep`) run four ways on
//! tokio's current-thread runtime: inside the loop, on `spawn_blocking`
//! (asyncio's `run_in_executor`), on rayon's pool (for CPU-heavy work), and
//! as `std::thread::sleep` in async code. `await` is the only place a task
//! lets the loop run another: code between two awaits runs to its end.
//!
//! What you see: the ticker's lateness (`.` in the timeline) spans the whole
//! job when the job runs inside the loop, and stays near zero otherwise.
//!
//! Run: cargo run --release -p examples-async --bin blocking_the_loop -- --job-ms 300
#![forbid(unsafe_code)]

use std::time::Duration;

use clap::Parser;
use examples_async::harness::burn_cpu;
use shared::output::{heading, line, results, say, text};
use shared::timeline::{Kind, Timeline, terminal_width};
use tokio::time::{Instant, sleep, sleep_until};

#[derive(Parser)]
#[command(
    about = "A 10 ms ticker beside a CPU job: inside the loop, spawn_blocking, rayon, thread::sleep",
    allow_negative_numbers = true
)]
struct Args {
    /// CPU time of the job (and length of the blocking sleep), in ms.
    #[arg(long, default_value_t = 300, value_name = "10..=5000", value_parser = shared::cli::range(10..=5_000u64))]
    job_ms: u64,
}

const TICK: Duration = Duration::from_millis(10);

/// Wants to run every TICK; returns the worst lateness, drawn as `.`.
async fn ticker(ticks: u64, timeline: Timeline) -> Duration {
    let mut due = Instant::now() + TICK;
    let mut worst = Duration::ZERO;
    for _ in 0..ticks {
        sleep_until(due).await;
        let now = Instant::now();
        timeline.record("ticker", Kind::Waiting, due.into_std(), now.into_std());
        worst = worst.max(now - due);
        due = now + TICK;
    }
    worst
}

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Inline,
    SpawnBlocking,
    Rayon,
    ThreadSleep,
}

/// The job, run one way; the ticker runs beside it on the same loop.
async fn job(way: Way, job: Duration, timeline: Timeline) -> anyhow::Result<()> {
    let cpu = move || timeline.span("job", Kind::Cpu, || burn_cpu(job));
    match way {
        Way::Inline => drop(cpu()), // between two awaits: the loop waits for it
        Way::SpawnBlocking => drop(tokio::task::spawn_blocking(cpu).await?),
        Way::Rayon => {
            let (done, result) = tokio::sync::oneshot::channel();
            rayon::spawn(move || {
                let _ = done.send(cpu());
            });
            result.await?;
        }
        Way::ThreadSleep => std::thread::sleep(job), // not tokio::time::sleep!
    }
    Ok(())
}

fn run(way: Way, name: &str, args: &Args) -> anyhow::Result<Duration> {
    heading(name);
    let timeline = Timeline::new();
    let job_time = Duration::from_millis(args.job_ms);
    let ticks = args.job_ms / 10 + 10; // the job starts after 3 ticks
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let worst = runtime.block_on(async {
        let ticking = tokio::spawn(ticker(ticks, timeline.clone()));
        sleep(3 * TICK).await;
        job(way, job_time, timeline.clone()).await?;
        anyhow::Ok(ticking.await?)
    })?;
    text(timeline.render(terminal_width()));
    say(format!(
        "{name}: the ticker was at worst {:.1} ms late",
        worst.as_secs_f64() * 1e3
    ));
    Ok(worst)
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let inline = run(Way::Inline, "the CPU job inside the loop", &args)?;
    let blocking = run(Way::SpawnBlocking, "the CPU job on spawn_blocking", &args)?;
    let rayon = run(Way::Rayon, "the CPU job on rayon", &args)?;
    let slept = run(Way::ThreadSleep, "std::thread::sleep in async code", &args)?;
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e3);
    line("");
    line(format!(
        "Inside the loop the {} ms job made the 10 ms ticker {} ms late, and so did thread::sleep ({} ms);",
        args.job_ms,
        ms(inline),
        ms(slept)
    ));
    line(format!(
        "on spawn_blocking it was {} ms late, on rayon {} ms.",
        ms(blocking),
        ms(rayon)
    ));
    results(&[
        ("job_ms", &args.job_ms),
        ("late_ms_inline", &ms(inline)),
        ("late_ms_spawn_blocking", &ms(blocking)),
        ("late_ms_rayon", &ms(rayon)),
        ("late_ms_thread_sleep", &ms(slept)),
    ]);
    Ok(())
}
