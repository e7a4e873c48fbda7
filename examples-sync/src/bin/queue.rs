//! Colas (Queues): thread-safe queues between many producers and consumers, and how to stop them.
//!
//! Ports: notes 004, "Queues" and 000, "Queue: Cola de objetos".
//! Python:
//! ```python
//! q = queue.Queue(maxsize=16)      # put blocks while full, get while empty
//! def consumer():
//!     while (x := q.get()) is not None:   # None is the sentinel: stop
//!         use(x)
//! # join the producers, then one q.put(None) per consumer
//! ```
//! Rust has several, each shown stopping without losing an item:
//! 1. `std::sync::mpsc::sync_channel(cap)`: ONE consumer (its `Receiver`
//!    cannot be cloned); closed when every `Sender` is dropped, `recv()` then
//!    returns `Err` once drained. (Python's Queue has no close before 3.13's
//!    `shutdown()`: hence the sentinel custom.)
//! 2. `crossbeam_channel::bounded(cap)`: its `Receiver` clones; closed alike.
//! 3. The same stopped with sentinels, as in Python: one `None` per consumer
//!    (one too few and a consumer waits forever).
//! 4. The library's `BoundedQueue` (`src/queue/`, see `condition`), `close()`.
//!
//! Run: cargo run -p examples-sync --release --bin queue
//!      cargo run -p examples-sync --release --bin queue -- --producers 4 --consumers 3 --items 10000 --capacity 8
#![forbid(unsafe_code)]

use std::sync::Mutex;
use std::sync::mpsc;

use anyhow::ensure;
use clap::Parser;
use examples_sync::audit::{Audit, Item, audit, print_results};
use examples_sync::{BoundedQueue, harness};
use shared::output::{self, heading, say};
use shared::timing::timed;

#[derive(Parser)]
#[command(
    about = "std mpsc, crossbeam and a hand-built queue with many producers and consumers, closed or stopped by sentinel",
    allow_negative_numbers = true
)]
struct Args {
    /// Producer hilos.
    #[arg(long, default_value_t = 3, value_name = "1..=64", value_parser = shared::cli::range(1..=64usize))]
    producers: usize,
    /// Consumer hilos (std mpsc always has one: its Receiver cannot be cloned).
    #[arg(long, default_value_t = 2, value_name = "1..=64", value_parser = shared::cli::range(1..=64usize))]
    consumers: usize,
    /// Items each producer sends.
    #[arg(long, default_value_t = 10_000, value_name = "1..=10000000", value_parser = shared::cli::range(1..=10_000_000usize))]
    items: usize,
    /// Capacity of every queue.
    #[arg(long, default_value_t = 16, value_name = "1..=1000000", value_parser = shared::cli::range(1..=1_000_000usize))]
    capacity: usize,
}

/// Every item is kept for the audit: bound the total, so a huge product
/// is a clear refusal, not a crash when memory runs out.
const MAX_TOTAL_ITEMS: usize = 10_000_000;

fn items_of(producer: usize, items: usize) -> impl Iterator<Item = Item> {
    (0..items).map(move |seq| Item { producer, seq })
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let (p, c, n, cap) = (args.producers, args.consumers, args.items, args.capacity);
    ensure!(
        p * n <= MAX_TOTAL_ITEMS,
        "--producers x --items is {}, more than the {MAX_TOTAL_ITEMS} items this example can audit",
        p * n
    );
    let mut audits: Vec<(&str, Audit, u128)> = Vec::new();
    say(format!(
        "{p} producers x {n} items, {c} consumers, every queue holds {cap}"
    ));

    heading("1. std mpsc::sync_channel: one consumer, closed");
    let (tx, rx) = mpsc::sync_channel::<Item>(cap);
    let rx = Mutex::new(Some(rx)); // the one consumer takes it
    let (got, t) = timed(|| {
        harness::producers_consumers(
            p,
            1,
            move |id| {
                let tx = tx.clone(); // each producer its own Sender
                move || items_of(id, n).for_each(|item| tx.send(item).unwrap())
            },
            || {
                let rx = rx.lock().unwrap().take();
                move || rx.map(|rx| rx.iter().collect()).unwrap_or_default() // ends when every Sender is gone
            },
            || say("producers done, every Sender dropped: the channel is closed"),
        )
    });
    audits.push(("std_mpsc", audit(p, n, &got?), t.as_millis()));

    heading("2. crossbeam bounded: many consumers, closed");
    let (tx, rx) = crossbeam_channel::bounded::<Item>(cap);
    let (got, t) = timed(|| {
        harness::producers_consumers(
            p,
            c,
            move |id| {
                let tx = tx.clone();
                move || items_of(id, n).for_each(|item| tx.send(item).unwrap())
            },
            || {
                let rx = rx.clone(); // crossbeam's Receiver clones
                move || rx.iter().collect()
            },
            || say("producers done, every Sender dropped: the channel is closed"),
        )
    });
    audits.push(("crossbeam", audit(p, n, &got?), t.as_millis()));

    heading("3. crossbeam bounded: many consumers, sentinels");
    let (tx, rx) = crossbeam_channel::bounded::<Option<Item>>(cap);
    let main_tx = tx.clone(); // main keeps a Sender: the channel never closes
    let (got, t) = timed(|| {
        harness::producers_consumers(
            p,
            c,
            move |id| {
                let tx = tx.clone();
                move || items_of(id, n).for_each(|item| tx.send(Some(item)).unwrap())
            },
            || {
                let rx = rx.clone();
                // Python's `while (x := q.get()) is not None`:
                move || std::iter::from_fn(|| rx.recv().ok().flatten()).collect()
            },
            || {
                say(format!("producers done: {c} sentinels (None)"));
                (0..c).for_each(|_| main_tx.send(None).unwrap());
            },
        )
    });
    audits.push(("sentinel", audit(p, n, &got?), t.as_millis()));

    heading("4. the library's BoundedQueue: close()");
    let q = &BoundedQueue::new(cap);
    let (got, t) = timed(|| {
        harness::producers_consumers(
            p,
            c,
            |id| move || items_of(id, n).for_each(|item| q.put(item).unwrap()),
            || move || std::iter::from_fn(|| q.get().ok()).collect(),
            || q.close(), // wakes every waiting consumer
        )
    });
    audits.push(("bounded_queue", audit(p, n, &got?), t.as_millis()));

    let perfect = audits.iter().filter(|(_, a, _)| a.is_perfect()).count();
    for (name, a, ms) in &audits {
        say(format!("{name:<14} {a} ({ms} ms)"));
    }
    output::line("");
    output::line(format!(
        "What you saw: {perfect} of 4 queues delivered all {} items exactly once, in each producer's order;",
        p * n
    ));
    output::line(format!(
        "closing and sentinels both ended every consumer after the last item. The library's queue held at most {} of {cap}.",
        q.peak()
    ));
    print_results(&[("items", &(p * n)), ("peak", &q.peak())], &audits);
    Ok(())
}
