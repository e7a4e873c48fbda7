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

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use examples_sync::{Semaphore, harness};
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
    #[arg(long, default_value_t = 4, value_name = "2..=64", value_parser = shared::cli::range(2..=64usize))]
    stages: usize,
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();

    heading("1. One hilo signals another");
    let signal = Semaphore::new(0); // nothing to take: acquire() waits
    let proceeded = AtomicBool::new(false);
    let (asleep, early, after, lag) = thread::scope(|s| -> anyhow::Result<_> {
        let waiter = thread::Builder::new()
            .name("waiter".into())
            .spawn_scoped(s, || {
                say("waiting for the signal (semaphore at 0)");
                signal.acquire().forget(); // keeps what it took: a signal is consumed
                proceeded.store(true, SeqCst);
                say("got the signal, proceeding");
                Instant::now()
            })?;
        // Be sure it is asleep in acquire(), so what follows is a wake-up,
        // not a waiter that simply came late.
        harness::wait_until(Duration::from_secs(10), || {
            signal.waiters() > 0 || proceeded.load(SeqCst)
        });
        let asleep = signal.waiters() > 0;
        say(format!(
            "main: the waiter is asleep in acquire(): {asleep}; preparing for {} ms",
            args.delay_ms
        ));
        thread::sleep(Duration::from_millis(args.delay_ms));
        let early = proceeded.load(SeqCst);
        let sent = Instant::now();
        signal.release(); // the signal
        say("main: signal sent (release)");
        let woke = waiter.join().expect("the waiter panicked");
        Ok((
            asleep,
            early,
            woke >= sent,
            woke.saturating_duration_since(sent).as_micros(),
        ))
    })?;

    heading("2. A relay: each stage waits on its own semaphore and signals the next");
    let signals: Vec<Semaphore> = (0..args.stages).map(|_| Semaphore::new(0)).collect();
    let order = Mutex::new(Vec::new());
    thread::scope(|s| {
        for stage in (0..args.stages).rev() {
            // Started last-first on purpose: the start order does not decide who runs.
            let (signals, order) = (&signals, &order);
            s.spawn(move || {
                signals[stage].acquire().forget();
                say(format!("stage {} running", stage + 1));
                order.lock().unwrap().push(stage + 1);
                if let Some(next) = signals.get(stage + 1) {
                    next.release();
                }
            });
        }
        say("main: every stage started (last first); signalling stage 1");
        signals[0].release();
    });
    let order = order.into_inner().unwrap();
    let in_order = order.iter().copied().eq(1..=args.stages);

    output::line("");
    output::line(format!(
        "What you saw: the waiter {} for the {} ms main prepared, and went on {lag} µs after the release.",
        if early {
            "did NOT stay blocked (WRONG)"
        } else {
            "stayed blocked"
        },
        args.delay_ms
    ));
    output::line(format!(
        "The relay ran in the order {order:?}{}, although its hilos started last-first: the signals decide.",
        if in_order { "" } else { " (WRONG)" }
    ));
    output::results(&[
        ("waiter_asleep", &asleep),
        ("proceeded_early", &early),
        ("proceeded_after_signal", &after),
        ("lag_us", &lag),
        ("relay_in_order", &in_order),
    ]);
    Ok(())
}
