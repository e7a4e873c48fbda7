//! Eventos: one `set` wakes every hilo waiting for something to happen.
//!
//! Ports: notes 004, "Eventos: Sirve para despertar muchos threads q estan
//! esperando a que algo pase".
//! Python:
//! ```python
//! ready = threading.Event()
//! def worker():
//!     ready.wait()               # blocks until set
//! ready.set()                    # every waiting thread wakes
//! ready.wait(timeout=0.2)        # True if set, False if the time ran out
//! ready.clear()                  # later waits block again
//! ```
//! Rust: std has no Event. `examples_sync::Event` (`src/event.rs`) is a
//! flag under a `Mutex` and a `Condvar` woken with `notify_all` (`notify_one`
//! would wake one waiter), plus a count of sets so a set-then-clear still
//! wakes those already waiting, as in Python; `wait_timeout(d) -> bool`.
//! A one-shot "go" could also be a `Barrier` or a closed channel; an Event
//! can be cleared and reused. Wake order varies run to run.
//!
//! Run: cargo run -p examples-sync --bin event
//!      cargo run -p examples-sync --bin event -- --waiters 8 --delay-ms 200 --timeout-ms 100
#![forbid(unsafe_code)]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use examples_sync::{Event, harness};
use shared::output::{self, heading, say};

#[derive(Parser)]
#[command(
    about = "An Event: set wakes every waiter; wait with timeout returns false while unset",
    allow_negative_numbers = true
)]
struct Args {
    /// Hilos waiting for the event.
    #[arg(long, default_value_t = 5, value_name = "1..=256", value_parser = shared::cli::range(1..=256usize))]
    waiters: usize,
    /// How long main lets them wait before setting it, in ms.
    #[arg(long, default_value_t = 200, value_name = "0..=10000", value_parser = shared::cli::range(0..=10_000u64))]
    delay_ms: u64,
    /// The timeout of the timed waits, in ms.
    #[arg(long, default_value_t = 100, value_name = "1..=10000", value_parser = shared::cli::range(1..=10_000u64))]
    timeout_ms: u64,
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let (n, timeout) = (args.waiters, Duration::from_millis(args.timeout_ms));

    heading("1. Many hilos wait; one set() wakes them all (wake order varies)");
    let ready = Event::new();
    let (tx, rx) = mpsc::channel();
    let set_at = thread::scope(|s| -> anyhow::Result<Instant> {
        for i in 0..n {
            let (ready, tx) = (&ready, tx.clone());
            thread::Builder::new()
                .name(format!("hilo-{i}"))
                .spawn_scoped(s, move || {
                    ready.wait(); // Python: ready.wait()
                    say("woke up: the event is set");
                    tx.send(Instant::now()).unwrap();
                })?;
        }
        harness::until_waiting(&ready, n)?;
        say(format!(
            "main: {n} hilos asleep on the event; setting it in {} ms",
            args.delay_ms
        ));
        thread::sleep(Duration::from_millis(args.delay_ms));
        let set_at = Instant::now();
        ready.set(); // every waiter wakes
        Ok(set_at)
    })?;
    drop(tx);
    let wakes: Vec<Instant> = rx.iter().collect();
    let all_after = wakes.iter().all(|&w| w >= set_at);
    let spread = wakes
        .iter()
        .max()
        .zip(wakes.iter().min())
        .map_or(Duration::ZERO, |(l, f)| *l - *f);

    heading("2. wait with a timeout returns a value");
    let event = Event::new();
    let started = Instant::now();
    let unset = event.wait_timeout(timeout); // Python: event.wait(timeout=...) -> False
    let unset_ms = started.elapsed().as_millis();
    event.set();
    let set = event.wait_timeout(timeout);
    event.clear();
    let cleared = event.wait_timeout(timeout);
    say(format!(
        "unset: {unset} after {unset_ms} ms; set: {set} at once; after clear(): {cleared}"
    ));

    heading("3. A pulse: set() then clear() still wakes those already waiting");
    let pulse_waiters = n.min(4);
    let pulse = Event::new();
    let pulsed = thread::scope(|s| -> anyhow::Result<usize> {
        let handles: Vec<_> = (0..pulse_waiters)
            .map(|_| s.spawn(|| pulse.wait_timeout(Duration::from_secs(10))))
            .collect();
        harness::until_waiting(&pulse, pulse_waiters)?;
        pulse.set();
        pulse.clear();
        Ok(handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|&w| w)
            .count())
    })?;
    say(format!(
        "set() then clear() at once: {pulsed} of {pulse_waiters} waiters woke"
    ));

    output::line("");
    output::line(format!(
        "What you saw: one set() woke {} of {n} waiting hilos (all after it: {all_after}), first to last within {} µs;",
        wakes.len(),
        spread.as_micros()
    ));
    output::line(format!(
        "a timed wait returned {unset} unset (after its timeout), {set} set, {cleared} after clear(); \
         set() then clear() still woke {pulsed} of {pulse_waiters} waiting hilos."
    ));
    output::results(&[
        ("waiters", &n),
        ("woken", &wakes.len()),
        ("all_after_set", &all_after),
        ("unset_wait", &unset),
        ("unset_wait_ms", &unset_ms),
        ("set_wait", &set),
        ("cleared_wait", &cleared),
        ("pulse_waiters", &pulse_waiters),
        ("pulse_woken", &pulsed),
    ]);
    Ok(())
}
