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
//! flag under a `Mutex` and a `Condvar` woken with `notify_all` (with
//! `notify_one`, one set would wake one waiter), plus a count of sets so a
//! set-then-clear still wakes those already waiting, as in Python.
//! `wait_timeout(d) -> bool` returns the timeout as a value. For a one-shot
//! "go" to many hilos a `Barrier` or a closed channel also work; an Event
//! can be cleared and reused. Wake order varies run to run.
//!
//! Run: cargo run -p examples-sync --bin event
//!      cargo run -p examples-sync --bin event -- --waiters 8 --delay-ms 200 --timeout-ms 100
#![forbid(unsafe_code)]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use examples_sync::Event;
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

/// Waits (with a deadline) until `n` hilos are asleep on `event`, so the
/// demonstration does not depend on guessing with a sleep.
fn until_waiting(event: &Event, n: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while event.waiters() < n {
        ensure!(Instant::now() < deadline, "the waiters never went to sleep");
        thread::yield_now();
    }
    Ok(())
}

/// Part 1: `waiters` hilos wait; one set wakes them all. Returns how many
/// woke, whether all woke after the set, and the spread of their wake-ups.
fn wake_everyone(waiters: usize, delay: Duration) -> anyhow::Result<(usize, bool, Duration)> {
    let event = Event::new();
    let (tx, rx) = mpsc::channel();
    thread::scope(|s| {
        for id in 0..waiters {
            let (event, tx) = (&event, tx.clone());
            thread::Builder::new()
                .name(format!("hilo-{id}"))
                .spawn_scoped(s, move || {
                    event.wait();
                    let woke = Instant::now();
                    say("woke up: the event is set");
                    let _ = tx.send(woke);
                })
                .context("the OS refused to start a thread")?;
        }
        drop(tx);
        until_waiting(&event, waiters)?;
        say(format!(
            "main: {waiters} hilos asleep on the event; setting it in {} ms",
            delay.as_millis()
        ));
        thread::sleep(delay);
        let set_at = Instant::now();
        event.set();
        let wakes: Vec<Instant> = rx.iter().collect();
        let all_after = wakes.iter().all(|&w| w >= set_at);
        let first = wakes.iter().min().copied().unwrap_or(set_at);
        let last = wakes.iter().max().copied().unwrap_or(set_at);
        Ok((wakes.len(), all_after, last - first))
    })
}

/// Part 3: hilos waiting with a timeout, then set() and an immediate
/// clear(). Returns how many saw the pulse.
fn pulse(waiters: usize) -> anyhow::Result<usize> {
    let event = Event::new();
    thread::scope(|s| {
        let handles: Vec<_> = (0..waiters)
            .map(|_| s.spawn(|| event.wait_timeout(Duration::from_secs(10))))
            .collect();
        until_waiting(&event, waiters)?;
        event.set();
        event.clear();
        say(format!(
            "set() then clear() at once; is_set now: {}",
            event.is_set()
        ));
        let woke = handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .filter(|&w| w)
            .count();
        Ok(woke)
    })
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let waiters = args.waiters;
    let timeout = Duration::from_millis(args.timeout_ms);

    heading("1. Many hilos wait; one set() wakes them all (wake order varies)");
    let (woken, all_after, spread) = wake_everyone(waiters, Duration::from_millis(args.delay_ms))?;
    say(format!("woken: {woken} of {waiters}"));
    say(format!(
        "all woke after set: {}",
        if all_after { "yes" } else { "no (WRONG)" }
    ));
    say(format!("first to last wake-up: {} µs", spread.as_micros()));

    heading("2. wait with a timeout");
    let event = Event::new();
    let started = Instant::now();
    let unset = event.wait_timeout(timeout);
    let unset_ms = started.elapsed().as_millis();
    say(format!(
        "wait_timeout({} ms) on an unset event returned {unset} after {} ms",
        timeout.as_millis(),
        unset_ms
    ));
    event.set();
    let started = Instant::now();
    let set = event.wait_timeout(timeout);
    say(format!(
        "wait_timeout({} ms) on a set event returned {set} after {} µs",
        timeout.as_millis(),
        started.elapsed().as_micros()
    ));
    event.clear();
    let cleared = event.wait_timeout(timeout);
    say(format!(
        "after clear(): is_set {}, wait_timeout returned {cleared}",
        event.is_set()
    ));

    heading("3. A pulse: set() then clear() still wakes those already waiting");
    let pulsed = pulse(waiters.min(4))?;
    say(format!("pulse woke: {pulsed} of {}", waiters.min(4)));

    let pulse_waiters = waiters.min(4);
    output::line("");
    if woken == waiters && all_after {
        output::line(format!(
            "What you saw: one set() woke all {waiters} waiting hilos, first to last within {} µs;",
            spread.as_micros()
        ));
    } else {
        output::line(format!(
            "What you saw: one set() woke only {woken} of {waiters} waiting hilos (WRONG);"
        ));
    }
    output::line(format!(
        "a timed wait on an unset event returned {unset} after its timeout, on a set one {set}"
    ));
    output::line(format!(
        "at once; after clear() a wait returned {cleared} again."
    ));
    if pulsed == pulse_waiters {
        output::line(format!(
            "A set() then clear() still woke all {pulse_waiters} hilos already waiting: the clear did not take it back from them."
        ));
    } else {
        output::line(format!(
            "A set() then clear() woke only {pulsed} of {pulse_waiters} hilos waiting (WRONG)."
        ));
    }
    output::results(&[
        ("waiters", &waiters),
        ("woken", &woken),
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
