//! Detector de deadlocks: parking_lot's deadlock detector names the hilos stuck in a cycle.
//!
//! Ports: notes 004, "No hacer double lock" ("los locks son complicados,
//! pueden resultar en desastre si se manipulan mal").
//! Python has no detector; the nearest is
//! `faulthandler.dump_traceback_later(5)`, which prints every thread's
//! stack when a program seems stuck, and leaves the diagnosis to you.
//! Rust: with the cargo feature `deadlock_detection`, parking_lot records
//! who waits for which lock, and `parking_lot::deadlock::check_deadlock()`
//! returns every cycle "hilo waits for a lock held by a hilo that waits
//! for ...", found in plain `lock()` calls with no timeout. The feature is
//! off by default (cargo unifies features, so it would add bookkeeping to
//! every parking_lot lock in the workspace build). Here two hilos take `a`
//! and `b` in opposite orders; a watchdog hilo finds the cycle. One lock
//! taken twice by its own hilo is left out: that is unspecified (it "may
//! panic or deadlock", lock_api 0.5), so it cannot be shown reliably.
//! The stuck hilos never finish; returning from `main` ends them.
//!
//! Run: cargo run -p examples-sync --features deadlock-detection --bin deadlock_detector
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use parking_lot::Mutex;
use shared::output::{self, heading, say};

#[derive(Parser)]
#[command(
    about = "parking_lot's deadlock detector finds two hilos stuck in a lock cycle",
    allow_negative_numbers = true
)]
struct Args {
    /// How often the watchdog calls check_deadlock(), in ms.
    #[arg(long, default_value_t = 50, value_name = "1..=5000", value_parser = shared::cli::range(1..=5_000u64))]
    check_ms: u64,
    /// Give up if no cycle is found within this long, in s.
    #[arg(long, default_value_t = 10, value_name = "1..=120", value_parser = shared::cli::range(1..=120u64))]
    deadline_s: u64,
}

/// What each hilo holds and waits for, written just before it blocks (a
/// std Mutex, so the detector does not watch it too).
type Notes = std::sync::Mutex<HashMap<ThreadId, String>>;

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let notes = Arc::new(Notes::default());
    let meet = Arc::new(Barrier::new(2));

    heading("1. hilo-0 takes a then b, hilo-1 takes b then a, with plain lock()");
    for (i, (first, second, names)) in [(&a, &b, ("a", "b")), (&b, &a, ("b", "a"))]
        .into_iter()
        .enumerate()
    {
        let (first, second, notes, meet) =
            (first.clone(), second.clone(), notes.clone(), meet.clone());
        // Not joined: these hilos will never finish.
        thread::Builder::new()
            .name(format!("hilo-{i}"))
            .spawn(move || {
                let _held = first.lock();
                meet.wait(); // both hold their first lock: the cycle is certain
                let me = format!("hilo-{i} holds `{}` and waits for `{}`", names.0, names.1);
                notes.lock().unwrap().insert(thread::current().id(), me);
                say(format!("taking `{}`...", names.1));
                let _other = second.lock(); // never returns
            })
            .context("the OS refused to start a thread")?;
    }

    heading("2. The watchdog: check_deadlock() every few ms");
    let started = Instant::now();
    let cycles = loop {
        let cycles = parking_lot::deadlock::check_deadlock();
        if !cycles.is_empty() {
            break cycles;
        }
        if started.elapsed() > Duration::from_secs(args.deadline_s) {
            bail!("no deadlock found within {} s", args.deadline_s);
        }
        thread::sleep(Duration::from_millis(args.check_ms));
    };
    let (mut stuck, mut named) = (0, 0);
    for (n, cycle) in cycles.iter().enumerate() {
        say(format!(
            "deadlock #{} after {} ms: {} hilos in the cycle",
            n + 1,
            started.elapsed().as_millis(),
            cycle.len()
        ));
        for hilo in cycle {
            stuck += 1;
            let notes = notes.lock().unwrap();
            let what = notes
                .get(&hilo.thread_id())
                .map_or("a hilo not of ours", String::as_str);
            named += usize::from(notes.contains_key(&hilo.thread_id()));
            say(format!("  stuck: {what}"));
        }
    }

    output::line("");
    output::line(format!(
        "What you saw: the detector found {} cycle(s) and {stuck} hilos stuck in plain lock() calls,",
        cycles.len()
    ));
    output::line(
        "each holding the lock the other waits for. They stay blocked; returning from main ends them.",
    );
    output::results(&[
        ("cycles", &cycles.len()),
        ("stuck", &stuck),
        ("named", &named),
    ]);
    Ok(())
}
