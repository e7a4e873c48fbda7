//! Colas (Queues): thread-safe queues between many producers and consumers, and how to stop them.
//!
//! Ports: notes 004, "Queues....." and 000, "Queue: Cola de objetos" (and
//! 003's `Queue` example, there between processes).
//!
//! Python:
//! ```python
//! q = queue.Queue(maxsize=16)      # put blocks while full, get while empty
//! def producer():
//!     for x in items: q.put(x)
//! def consumer():
//!     while (x := q.get()) is not None:   # None is the sentinel: stop
//!         use(x)
//! ... join the producers, then one q.put(None) per consumer
//! ```
//! Rust has several, each shown here with several producers, and each
//! stopped without losing an item:
//! 1. `std::sync::mpsc::sync_channel(cap)`: multi-producer, *single*
//!    consumer (its `Receiver` cannot be cloned). Stopped by closing: when
//!    every `Sender` is dropped, `recv()` returns `Err` once the channel
//!    is drained. Python's `queue.Queue` has no close before 3.13's
//!    `shutdown()`, hence the sentinel custom.
//! 2. `crossbeam_channel::bounded(cap)`: multi-producer, multi-consumer
//!    (the `Receiver` clones), closed the same way.
//! 3. The same crossbeam channel stopped with a sentinel, as in Python:
//!    the messages are `Option<Item>`, and after every producer is done
//!    main sends one `None` per consumer (FIFO puts them after every real
//!    item). Useful when senders must stay alive; easy to get wrong (one
//!    sentinel too few and a consumer waits forever).
//! 4. `examples_sync::BoundedQueue`, built by hand on a Mutex and two
//!    Condvars (see `condition`), stopped with `close()`.
//!
//! What you see: for each queue, the audit: items produced, consumed, lost
//! and duplicated (zero), out of order (zero: each consumer sees each
//! producer's items in order), and how full the queue got.
//!
//! Run: cargo run -p examples-sync --bin queue
//!      cargo run -p examples-sync --bin queue -- --producers 4 --consumers 3 --items 10000 --capacity 8
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use anyhow::{Context, ensure};
use clap::Parser;
use examples_sync::BoundedQueue;
use examples_sync::audit::{Audit, Item, audit};
use shared::output::{self, heading, say};

#[derive(Parser, Debug)]
#[command(
    about = "std mpsc, crossbeam and a hand-built queue with many producers and consumers, closed or stopped by sentinel"
)]
struct Args {
    /// Producer hilos.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=64))]
    producers: u64,
    /// Consumer hilos (std mpsc always has one: its Receiver cannot be cloned).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    consumers: u64,
    /// Items each producer sends.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    items: u64,
    /// Capacity of every queue.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    capacity: u64,
}

/// The most items (over all producers) one run may make: each is kept for
/// the audit.
const MAX_TOTAL_ITEMS: u64 = 10_000_000;

#[derive(Clone, Copy)]
struct Shape {
    producers: usize,
    consumers: usize,
    items: usize,
    capacity: usize,
}

/// Starts `consumers` consumer hilos (each made by `make_consumer`) and
/// `shape.producers` producer hilos (made by `make_producer(id)`), waits for
/// the producers, drops `make_producer` (and with it any Sender it owns:
/// that is what closes a channel), runs `after_producers` (close, send
/// sentinels...), and returns what each consumer received.
fn run_hilos<'env, P, C>(
    shape: Shape,
    consumers: usize,
    mut make_producer: impl FnMut(usize) -> P,
    mut make_consumer: impl FnMut() -> C,
    after_producers: impl FnOnce(),
) -> anyhow::Result<Vec<Vec<Item>>>
where
    P: FnOnce() + Send + 'env,
    C: FnOnce() -> Vec<Item> + Send + 'env,
{
    thread::scope(|s| {
        let mut consumer_handles = Vec::new();
        for id in 0..consumers {
            consumer_handles.push(
                thread::Builder::new()
                    .name(format!("consumer-{id}"))
                    .spawn_scoped(s, make_consumer())
                    .context("the OS refused to start a thread")?,
            );
        }
        let mut producer_handles = Vec::new();
        for id in 0..shape.producers {
            producer_handles.push(
                thread::Builder::new()
                    .name(format!("producer-{id}"))
                    .spawn_scoped(s, make_producer(id))
                    .context("the OS refused to start a thread")?,
            );
        }
        // The original Sender (if any) lives in `make_producer`: gone now,
        // so only the producers' clones keep a channel open.
        drop(make_producer);
        for p in producer_handles {
            p.join()
                .map_err(|_| anyhow::anyhow!("a producer panicked"))?;
        }
        after_producers();
        consumer_handles
            .into_iter()
            .map(|c| c.join().map_err(|_| anyhow::anyhow!("a consumer panicked")))
            .collect()
    })
}

fn items_of(producer: usize, items: usize) -> impl Iterator<Item = Item> {
    (0..items).map(move |seq| Item { producer, seq })
}

/// 1. std mpsc: many producers, one consumer, stopped by dropping every Sender.
fn std_mpsc(shape: Shape) -> anyhow::Result<Audit> {
    let (tx, rx) = mpsc::sync_channel::<Item>(shape.capacity);
    // The Receiver cannot be cloned: the one consumer takes it.
    let mut rx = Some(rx);
    let received = run_hilos(
        shape,
        1,
        move |id| {
            let tx = tx.clone(); // each producer its own Sender
            move || {
                for item in items_of(id, shape.items) {
                    if tx.send(item).is_err() {
                        return; // the consumer is gone
                    }
                }
            } // this producer's Sender is dropped here
        },
        || {
            let rx = rx.take();
            // `iter()` ends once every Sender is dropped and the channel is drained.
            move || rx.map(|rx| rx.iter().collect()).unwrap_or_default()
        },
        || say("main: producers done, every Sender dropped: the channel is closed"),
    )?;
    Ok(audit(shape.producers, shape.items, &received))
}

/// 2. crossbeam bounded: many producers, many consumers, closed by dropping Senders.
fn crossbeam_close(shape: Shape) -> anyhow::Result<(Audit, usize)> {
    let (tx, rx) = crossbeam_channel::bounded::<Item>(shape.capacity);
    let seen_len = AtomicUsize::new(0);
    let seen = &seen_len;
    let received = run_hilos(
        shape,
        shape.consumers,
        move |id| {
            let tx = tx.clone();
            move || {
                for item in items_of(id, shape.items) {
                    if tx.send(item).is_err() {
                        return;
                    }
                    // How full the channel is right after our send: a sample.
                    seen.fetch_max(tx.len(), Ordering::Relaxed);
                }
            }
        },
        || {
            let rx = rx.clone(); // crossbeam's Receiver clones: many consumers
            move || rx.iter().collect()
        },
        || say("main: producers done, every Sender dropped: the channel is closed"),
    )?;
    Ok((
        audit(shape.producers, shape.items, &received),
        seen_len.into_inner(),
    ))
}

/// 3. crossbeam bounded, stopped by sentinels: one `None` per consumer.
fn crossbeam_sentinel(shape: Shape) -> anyhow::Result<Audit> {
    let (tx, rx) = crossbeam_channel::bounded::<Option<Item>>(shape.capacity);
    let main_tx = tx.clone(); // main keeps a Sender: the channel never closes
    let received = run_hilos(
        shape,
        shape.consumers,
        move |id| {
            let tx = tx.clone();
            move || {
                for item in items_of(id, shape.items) {
                    if tx.send(Some(item)).is_err() {
                        return;
                    }
                }
            }
        },
        || {
            let rx = rx.clone();
            move || {
                let mut got = Vec::new();
                // Stop at the sentinel, as Python's `while (x := q.get()) is not None`.
                while let Ok(Some(item)) = rx.recv() {
                    got.push(item);
                }
                got
            }
        },
        || {
            say(format!(
                "main: producers done; sending {} sentinels (None), one per consumer",
                shape.consumers
            ));
            for _ in 0..shape.consumers {
                let _ = main_tx.send(None);
            }
        },
    )?;
    Ok(audit(shape.producers, shape.items, &received))
}

/// 4. The hand-built BoundedQueue, stopped with close().
fn hand_built(shape: Shape) -> anyhow::Result<(Audit, usize)> {
    let q = BoundedQueue::new(shape.capacity);
    let q = &q;
    let received = run_hilos(
        shape,
        shape.consumers,
        |id| {
            move || {
                for item in items_of(id, shape.items) {
                    if q.put(item).is_err() {
                        return;
                    }
                }
            }
        },
        || {
            move || {
                let mut got = Vec::new();
                while let Ok(item) = q.get() {
                    got.push(item);
                }
                got
            }
        },
        || {
            say("main: producers done; close() wakes every waiting consumer");
            q.close();
        },
    )?;
    Ok((audit(shape.producers, shape.items, &received), q.peak()))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Every item is kept by its consumer for the audit (16 bytes each, and
    // more in the audit's table): bound the total, not only each flag, so
    // 64 producers x 10,000,000 items is a clear refusal, not a crash
    // when memory runs out.
    ensure!(
        args.producers * args.items <= MAX_TOTAL_ITEMS,
        "--producers x --items is {}, more than the {MAX_TOTAL_ITEMS} items this example can audit",
        args.producers * args.items
    );
    shared::output::start(); // the clock of the printed lines starts now
    let shape = Shape {
        producers: usize::try_from(args.producers)?,
        consumers: usize::try_from(args.consumers)?,
        items: usize::try_from(args.items)?,
        capacity: usize::try_from(args.capacity)?,
    };
    let mut all = Vec::new();

    heading(&format!(
        "1. std mpsc::sync_channel({}): {} producers, 1 consumer, close",
        args.capacity, args.producers
    ));
    let a = std_mpsc(shape)?;
    say(format!("std mpsc (close): {a}"));
    say("how full it got: std's channel has no len(); sync_channel enforces the bound");
    all.push(a);

    heading(&format!(
        "2. crossbeam bounded({}): {} producers, {} consumers, close",
        args.capacity, args.producers, args.consumers
    ));
    let (a, seen) = crossbeam_close(shape)?;
    say(format!("crossbeam (close): {a}"));
    say(format!(
        "crossbeam (close) fullest seen by a producer: {seen} of {}",
        args.capacity
    ));
    all.push(a);

    heading(&format!(
        "3. crossbeam bounded({}): {} producers, {} consumers, sentinel",
        args.capacity, args.producers, args.consumers
    ));
    let a = crossbeam_sentinel(shape)?;
    say(format!("crossbeam (sentinel): {a}"));
    all.push(a);

    heading(&format!(
        "4. examples_sync::BoundedQueue({}): {} producers, {} consumers, close",
        args.capacity, args.producers, args.consumers
    ));
    let (a, peak) = hand_built(shape)?;
    say(format!("BoundedQueue (close): {a}"));
    say(format!(
        "BoundedQueue (close) most it ever held: {peak} of {}",
        args.capacity
    ));
    all.push(a);

    let perfect = all.iter().filter(|a| a.is_perfect()).count();
    let out_of_order: usize = all.iter().map(|a| a.out_of_order).sum();
    output::line("");
    output::line(format!(
        "What you saw: {perfect} of 4 queues delivered all {} items exactly once{}",
        shape.producers * shape.items,
        if perfect == 4 {
            " (lost 0, duplicated 0),"
        } else {
            "; the others LOST or DUPLICATED items (WRONG),"
        }
    ));
    if out_of_order == 0 {
        output::line("each consumer saw each producer's items in order, and both ways of stopping");
    } else {
        output::line(format!(
            "{out_of_order} items came out of their producer's order (WRONG), and both ways of stopping"
        ));
    }
    if perfect == 4 {
        output::line(
            "(closing, sentinels) ended every consumer after the last item, never before.",
        );
    } else {
        output::line(
            "(closing, sentinels) did NOT all end every consumer after the last item (WRONG).",
        );
    }
    Ok(())
}
