//! Semáforo como señal: a semaphore at 0 lets one hilo wake another.
//!
//! Ports: notes 004, "Semaforos pueden utilizarse para señalizar threads, un
//! thread q levanta otro thread es un ejemplo".
//! Python:
//! ```python
//! done = threading.Semaphore(0)    # nothing to take yet
//! def waiter():
//!     done.acquire()               # blocks until someone releases
//! threading.Thread(target=waiter).start()
//! prepare(); done.release()        # the signal: wakes the waiter
//! ```
//! Rust: the same with `Semaphore::new(0)` (`src/semaphore/`). The waiter
//! keeps what it took (`acquire().forget()`): a signal is consumed, not
//! borrowed. Unlike an `Event`, a semaphore counts: two releases are two
//! signals, and a release before the waiter waits is not lost. Part 2 is a
//! relay of hilos started last-first that still run in stage order.
//!
//! Run: cargo run -p examples-sync --bin semaphore_signal
//!      cargo run -p examples-sync --bin semaphore_signal -- --delay-ms 500 --stages 5
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use examples_sync::Semaphore;
use shared::output::{self, heading, say};

#[derive(Parser)]
#[command(
    about = "A semaphore at 0 used by one hilo to signal another",
    allow_negative_numbers = true
)]
struct Args {
    /// How long main prepares before sending the signal, in ms.
    #[arg(long, default_value_t = 300, value_name = "0..=10000", value_parser = shared::cli::range(0..=10_000u64))]
    delay_ms: u64,
    /// Hilos in the relay, each woken by the previous one.
    #[arg(long, default_value_t = 4, value_name = "2..=64", value_parser = shared::cli::range(2..=64u64))]
    stages: u64,
}

/// Waits (with a deadline) until a hilo is asleep in `signal.acquire()`,
/// or has gone through it (`proceeded`, which only a broken semaphore at 0
/// allows). Returns whether it was found asleep.
fn until_asleep_or_through(signal: &Semaphore, proceeded: &AtomicBool) -> anyhow::Result<bool> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if signal.waiters() > 0 {
            return Ok(true);
        }
        if proceeded.load(Ordering::SeqCst) {
            return Ok(false);
        }
        ensure!(
            Instant::now() < deadline,
            "the waiter neither went to sleep nor went on"
        );
        thread::yield_now();
    }
}

/// Part 1: one waiter, one signal. Returns (was it asleep in acquire?, did
/// it proceed before the signal?, after it?, µs from signal to waking).
fn one_signal(delay: Duration) -> anyhow::Result<(bool, bool, bool, u128)> {
    let signal = Semaphore::new(0);
    let proceeded = AtomicBool::new(false);
    thread::scope(|s| {
        let waiter = thread::Builder::new()
            .name("waiter".into())
            .spawn_scoped(s, || {
                say("waiting for the signal (semaphore at 0)");
                signal.acquire().forget();
                let at = Instant::now();
                proceeded.store(true, Ordering::SeqCst);
                say("got the signal, proceeding");
                at
            })
            .context("the OS refused to start a thread")?;
        // Make sure the waiter really is blocked before going on, so what
        // follows shows a wake-up, not a waiter that simply came late.
        let asleep = until_asleep_or_through(&signal, &proceeded)?;
        say(format!(
            "main: the waiter is asleep in acquire(): {}",
            if asleep {
                "yes"
            } else {
                "no, it went through (WRONG)"
            }
        ));
        say(format!("main: preparing for {} ms", delay.as_millis()));
        thread::sleep(delay);
        let early = proceeded.load(Ordering::SeqCst);
        say(format!(
            "before the signal, the waiter had proceeded: {}",
            if early { "yes (WRONG)" } else { "no" }
        ));
        let sent = Instant::now();
        signal.release();
        say("main: signal sent (release)");
        let woke = waiter
            .join()
            .map_err(|_| anyhow::anyhow!("the waiter panicked"))?;
        let lag = woke.saturating_duration_since(sent).as_micros();
        // `woke` before `sent` would mean it went on without the signal.
        let after = woke >= sent;
        say(format!(
            "the waiter proceeded after the signal: {} ({lag} µs later)",
            if after { "yes" } else { "no (WRONG)" }
        ));
        Ok((asleep, early, after, lag))
    })
}

/// Part 2: a relay. Stage k waits on its own semaphore; when done, it
/// signals stage k+1. Returns the order in which stages ran.
fn relay(stages: usize) -> anyhow::Result<Vec<usize>> {
    let signals: Vec<Semaphore> = (0..stages).map(|_| Semaphore::new(0)).collect();
    let order = Mutex::new(Vec::new());
    thread::scope(|s| -> anyhow::Result<()> {
        // Started last-first on purpose: start order does not decide who runs.
        for stage in (0..stages).rev() {
            let (signals, order) = (&signals, &order);
            thread::Builder::new()
                .name(format!("stage-{}", stage + 1))
                .spawn_scoped(s, move || {
                    signals[stage].acquire().forget();
                    say(format!("stage {} running", stage + 1));
                    order
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(stage + 1);
                    if let Some(next) = signals.get(stage + 1) {
                        next.release();
                    }
                })
                .context("the OS refused to start a thread")?;
        }
        say("main: every stage started (last first); signalling stage 1");
        signals[0].release();
        Ok(())
    })?;
    Ok(order.into_inner().unwrap_or_else(PoisonError::into_inner))
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();

    heading("1. One hilo signals another");
    let (asleep, early, after, lag) = one_signal(Duration::from_millis(args.delay_ms))?;

    heading("2. A relay: each stage wakes the next");
    let order = relay(usize::try_from(args.stages)?)?;
    let shown: Vec<String> = order.iter().map(ToString::to_string).collect();
    say(format!("order of stages: {}", shown.join(" ")));

    let in_order = order.iter().copied().eq(1..=usize::try_from(args.stages)?);
    output::line("");
    output::line(format!(
        "What you saw: the waiter {} for the {} ms main prepared,",
        if early {
            "did NOT stay blocked"
        } else {
            "stayed blocked"
        },
        args.delay_ms
    ));
    output::line(format!("and went on {lag} µs after the release."));
    output::line(format!(
        "The relay ran in the order {}: {}, although its hilos were",
        shown.join(" "),
        if in_order {
            "stage order"
        } else {
            "NOT stage order (WRONG)"
        }
    ));
    output::line("started last-first: the signals, not the start order, decide.");
    output::results(&[
        ("waiter_asleep", &asleep),
        ("proceeded_early", &early),
        ("proceeded_after_signal", &after),
        ("lag_us", &lag),
        ("relay_in_order", &in_order),
    ]);
    Ok(())
}
