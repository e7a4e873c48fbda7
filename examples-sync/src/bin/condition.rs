//! Condition (proveedor y cliente): producers and consumers on a bounded buffer with a Condvar.
//!
//! Ports: notes 004, "Condition: mezcla entre eventos y lock. acquire,
//! release, wait, notify(), notifyall(). ejemplo proveedor y cliente".
//!
//! Python:
//! ```python
//! cond = threading.Condition()
//! items = collections.deque()
//! def proveedor():                        def cliente():
//!     for x in range(N):                      while True:
//!         with cond:                              with cond:
//!             while len(items) == CAP:                while not items:
//!                 cond.wait()                             cond.wait()
//!             items.append(x)                         x = items.popleft()
//!             cond.notify()                           cond.notify()
//! ```
//! Rust: a `Condvar` is the "wait / notify" half of Python's `Condition`;
//! the lock half is a `Mutex` that owns the buffer. The buffer with both
//! halves is `examples_sync::BoundedQueue` (read `src/queue.rs` next to
//! this file: `put` waits on "not full", `get` on "not empty", each wakes
//! the other side with `notify_one`, and `close` wakes everyone with
//! `notify_all`). Differences from Python worth knowing:
//! - Python's `notify()` raises `RuntimeError` unless you hold the lock;
//!   Rust's `notify_one` needs no lock (the queue calls it after unlocking,
//!   so the woken hilo does not wake straight into a held lock).
//! - `Condvar::wait` takes the guard and gives it back: you cannot wait
//!   without holding the lock, and cannot forget to re-take it.
//! - Rust's `Condvar::wait` may wake up spuriously (CPython's does not),
//!   and in both another hilo may take the item between the notify and
//!   the woken hilo re-taking the lock: the wait is always in a `while`
//!   loop, in both languages.
//! - std's Mutex is poisoned if a hilo panics while holding it (Python's
//!   lock is just released); the queue recovers since it holds no
//!   half-done state at any point where it could panic.
//!
//! What you see: proveedores and clientes taking turns on a buffer of
//! CAP slots (who runs when varies from run to run), the waits when it is
//! full or empty, and the audit: every item consumed once, in its
//! producer's order, nothing lost or duplicated, the buffer never above CAP.
//!
//! Run: cargo run -p examples-sync --bin condition
//!      cargo run -p examples-sync --bin condition -- --producers 3 --consumers 2 --items 20 --capacity 4
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use examples_sync::audit::{Item, audit};
use examples_sync::{BoundedQueue, GetTimeoutError, PutTimeoutError};
use shared::output::{self, heading, say};

#[derive(Parser, Debug)]
#[command(
    about = "Producer / consumer (proveedor y cliente) on a bounded buffer with Condvar wait / notify"
)]
struct Args {
    /// Proveedores (producers).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    producers: u64,
    /// Clientes (consumers).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    consumers: u64,
    /// Items each proveedor makes.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    items: u64,
    /// Slots in the buffer.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    capacity: u64,
    /// Time to make one item, in ms.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    produce_ms: u64,
    /// Time to use one item, in ms (slower than producing, so the buffer fills).
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    consume_ms: u64,
    /// Print only the summary, not every put and get.
    #[arg(long)]
    quiet: bool,
}

/// The most items (over all proveedores) one run may make: each is kept
/// for the audit.
const MAX_TOTAL_ITEMS: u64 = 10_000_000;

/// How often each side found the buffer unusable and had to wait: counted,
/// so the closing lines say what happened in this run, not what usually does.
#[derive(Default)]
struct Waits {
    /// A put found the buffer full.
    full: AtomicUsize,
    /// A get found the buffer empty.
    empty: AtomicUsize,
}

/// A proveedor: makes `items` items and puts each, waiting while full.
fn proveedor(
    id: usize,
    items: usize,
    buffer: &BoundedQueue<Item>,
    waits: &Waits,
    pause: Duration,
    quiet: bool,
) {
    for seq in 0..items {
        thread::sleep(pause); // making the item
        let item = Item { producer: id, seq };
        // Try without waiting first, only to be able to say "full".
        let item = match buffer.put_timeout(item, Duration::ZERO) {
            Ok(()) => {
                if !quiet {
                    say(format!("put item {id}.{seq}"));
                }
                continue;
            }
            Err(PutTimeoutError::Timeout(item)) => item,
            Err(PutTimeoutError::Closed(_)) => return,
        };
        waits.full.fetch_add(1, Ordering::Relaxed);
        if !quiet {
            // It was full when put_timeout looked (it may have changed since).
            let cap = buffer.capacity();
            say(format!("buffer full ({cap} of {cap}): waiting for room"));
        }
        if buffer.put(item).is_err() {
            return; // closed: nobody will take it
        }
        if !quiet {
            say(format!("put item {id}.{seq} (after waiting)"));
        }
    }
}

/// A cliente: takes items until the buffer is closed and drained.
fn cliente(buffer: &BoundedQueue<Item>, waits: &Waits, pause: Duration, quiet: bool) -> Vec<Item> {
    let mut got = Vec::new();
    loop {
        let item = match buffer.get_timeout(Duration::ZERO) {
            Ok(item) => item,
            Err(GetTimeoutError::Closed) => break,
            Err(GetTimeoutError::Timeout) => {
                waits.empty.fetch_add(1, Ordering::Relaxed);
                if !quiet {
                    say("buffer empty: waiting for an item");
                }
                match buffer.get() {
                    Ok(item) => item,
                    Err(_) => break, // closed and empty: the end
                }
            }
        };
        if !quiet {
            say(format!("got item {}.{}", item.producer, item.seq));
        }
        got.push(item);
        thread::sleep(pause); // using the item
    }
    if !quiet {
        say(format!(
            "buffer closed and empty: done after {} items",
            got.len()
        ));
    }
    got
}

/// "once", "3 times".
fn times(n: usize) -> String {
    if n == 1 {
        "once".to_string()
    } else {
        format!("{n} times")
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    shared::output::start(); // the clock of the printed lines starts now
    // Every item is kept by its cliente for the audit: bound the total, not
    // only each flag, so a huge product is a clear refusal, not a crash
    // when memory runs out.
    ensure!(
        args.producers * args.items <= MAX_TOTAL_ITEMS,
        "--producers x --items is {}, more than the {MAX_TOTAL_ITEMS} items this example can audit",
        args.producers * args.items
    );
    let producers = usize::try_from(args.producers)?;
    let items = usize::try_from(args.items)?;
    let buffer = BoundedQueue::new(usize::try_from(args.capacity)?);
    let waits = Waits::default();
    let (make, use_) = (
        Duration::from_millis(args.produce_ms),
        Duration::from_millis(args.consume_ms),
    );

    heading(&format!(
        "1. {} proveedores, {} clientes, a buffer of {} (the interleaving varies run to run)",
        args.producers, args.consumers, args.capacity
    ));
    let received: Vec<Vec<Item>> = thread::scope(|s| -> anyhow::Result<Vec<Vec<Item>>> {
        let (buffer, waits) = (&buffer, &waits);
        let mut clientes = Vec::new();
        for id in 0..args.consumers {
            clientes.push(
                thread::Builder::new()
                    .name(format!("cliente-{id}"))
                    .spawn_scoped(s, move || cliente(buffer, waits, use_, args.quiet))
                    .context("the OS refused to start a thread")?,
            );
        }
        let mut proveedores = Vec::new();
        for id in 0..producers {
            proveedores.push(
                thread::Builder::new()
                    .name(format!("proveedor-{id}"))
                    .spawn_scoped(s, move || {
                        proveedor(id, items, buffer, waits, make, args.quiet)
                    })
                    .context("the OS refused to start a thread")?,
            );
        }
        for p in proveedores {
            p.join()
                .map_err(|_| anyhow::anyhow!("a proveedor panicked"))?;
        }
        say("main: every proveedor is done; close() wakes every waiting cliente (notify_all)");
        buffer.close();
        clientes
            .into_iter()
            .map(|c| c.join().map_err(|_| anyhow::anyhow!("a cliente panicked")))
            .collect()
    })?;

    heading("2. The audit");
    let tally = audit(producers, items, &received);
    say(tally.to_string());
    for (id, got) in received.iter().enumerate() {
        say(format!("cliente-{id} consumed {} items", got.len()));
    }
    let peak = buffer.peak();
    say(format!(
        "most the buffer ever held: {peak} of {}",
        buffer.capacity()
    ));
    let (full, empty) = (
        waits.full.load(Ordering::Relaxed),
        waits.empty.load(Ordering::Relaxed),
    );
    say(format!("puts that found the buffer full: {full}"));
    say(format!("gets that found the buffer empty: {empty}"));

    output::line("");
    output::line(format!(
        "What you saw: {} items produced, {} consumed, {} lost, {} duplicated, {} out of order{}",
        tally.produced,
        tally.consumed,
        tally.lost,
        tally.duplicated,
        tally.out_of_order,
        if tally.is_perfect() {
            ": every item"
        } else {
            " (WRONG)."
        }
    ));
    if tally.is_perfect() {
        output::line("reached exactly one cliente, in its proveedor's order.");
    }
    output::line(format!(
        "The buffer held at most {peak} of {} slots.",
        buffer.capacity()
    ));
    match full {
        0 => output::line("It was never full, so no proveedor had to wait."),
        n => output::line(format!(
            "A proveedor found it full {} and waited on the Condvar for room.",
            times(n)
        )),
    }
    match empty {
        0 => output::line("No cliente ever found it empty."),
        n => output::line(format!(
            "A cliente found it empty {} and waited on the Condvar for an item.",
            times(n)
        )),
    }
    Ok(())
}
