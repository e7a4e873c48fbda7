//! Condition (proveedor y cliente): a bounded buffer with one Mutex and one Condvar.
//!
//! Ports: notes 004, "Condition: mezcla entre eventos y lock. acquire,
//! release, wait, notify(), notifyall(). ejemplo proveedor y cliente".
//! Python (the notes' shape):
//! ```python
//! with cond:                                with cond:
//!     while len(items) == CAP: cond.wait()      while not items: cond.wait()
//!     items.append(x); cond.notify()            x = items.popleft(); cond.notify()
//! ```
//! Rust: a `Condvar` is the wait / notify half of `Condition`; the lock half
//! is the `Mutex` that owns the buffer, and `wait` takes its guard (unlocks,
//! sleeps, relocks). Wait in a `while`: a wake-up may be spurious or stale.
//! Notes wrong twice: `notifyall()` is `notify_all()` in Python 3
//! (`notifyAll` a deprecated alias); and with ONE condition `notify()`
//! (`notify_one`) can deadlock with 2 producers and 2 consumers (a producer
//! wakes a producer, all end up asleep: part 3; CPython 3.11 hung in 10 of
//! 10 runs too). So this buffer uses `notify_all`; `queue.Queue` has two
//! conditions (`not_empty`, `not_full`), as the library's queue (part 2).
//!
//! Run: cargo run -p examples-sync --bin condition
//!      cargo run -p examples-sync --bin condition -- --producers 3 --consumers 2 --capacity 4
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use clap::Parser;
use examples_sync::BoundedQueue;
use examples_sync::audit::Item;
use examples_sync::harness::{self, Ended, Exchange};
use examples_sync::queue::s1_minimal::{Queue, Wake};
use shared::output::{self, heading, say};

#[derive(Parser)]
#[command(
    about = "Producer / consumer on a bounded buffer: Mutex + Condvar",
    allow_negative_numbers = true
)]
struct Args {
    /// Proveedores (producers).
    #[arg(long, default_value_t = 2, value_name = "1..=64", value_parser = shared::cli::range(1..=64usize))]
    producers: usize,
    /// Clientes (consumers).
    #[arg(long, default_value_t = 2, value_name = "1..=64", value_parser = shared::cli::range(1..=64usize))]
    consumers: usize,
    /// Items each proveedor makes.
    #[arg(long, default_value_t = 6, value_name = "1..=100000", value_parser = shared::cli::range(1..=100_000usize))]
    items: usize,
    /// Slots in the buffer.
    #[arg(long, default_value_t = 3, value_name = "1..=10000", value_parser = shared::cli::range(1..=10_000usize))]
    capacity: usize,
    /// Time to make one item, in ms.
    #[arg(long, default_value_t = 10, value_name = "0..=10000", value_parser = shared::cli::range(0..=10_000u64))]
    produce_ms: u64,
    /// Time to use one item, in ms (slower than producing: the buffer fills).
    #[arg(long, default_value_t = 25, value_name = "0..=10000", value_parser = shared::cli::range(0..=10_000u64))]
    consume_ms: u64,
}

/// The buffer: the Mutex owns the data, the Condvar is where hilos sleep.
struct Buffer {
    state: Mutex<State>,
    changed: Condvar,
    capacity: usize,
}

#[derive(Default)]
struct State {
    items: VecDeque<Item>,
    done: bool, // no more items will come
    full_waits: usize,
    empty_waits: usize,
    peak: usize,
}

// Lines are printed while the lock is held, so they come out in the order
// the buffer changed and their times never go backwards.
impl Buffer {
    fn put(&self, item: Item) {
        let mut state = self.state.lock().unwrap();
        while state.items.len() == self.capacity {
            state.full_waits += 1;
            say(format!("full ({0} of {0}): wait", self.capacity));
            state = self.changed.wait(state).unwrap(); // unlock, sleep, relock
        }
        state.items.push_back(item);
        state.peak = state.peak.max(state.items.len());
        say(format!("put {item} ({} in buffer)", state.items.len()));
        drop(state);
        self.changed.notify_all(); // producers AND consumers sleep here: wake all
    }

    /// `None` once the buffer is done and empty.
    fn get(&self) -> Option<Item> {
        let mut state = self.state.lock().unwrap();
        while state.items.is_empty() && !state.done {
            state.empty_waits += 1;
            say("empty: wait");
            state = self.changed.wait(state).unwrap();
        }
        let item = state.items.pop_front();
        match item {
            Some(i) => say(format!("got {i} ({} left)", state.items.len())),
            None => say("done and empty: stop"),
        }
        drop(state);
        self.changed.notify_all();
        item
    }

    fn finish(&self) {
        self.state.lock().unwrap().done = true;
        self.changed.notify_all();
    }
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let cap = args.capacity;
    let exchange = Exchange::new(
        args.producers,
        args.consumers,
        args.items,
        args.produce_ms,
        args.consume_ms,
    );

    heading("1. Mutex + one Condvar (who runs when varies run to run)");
    let buffer = Buffer {
        state: Mutex::default(),
        changed: Condvar::new(),
        capacity: cap,
    };
    let plain = exchange.run(|item| buffer.put(item), || buffer.get(), || buffer.finish())?;
    let state = buffer.state.into_inner().unwrap();
    let (peak, full_waits, empty_waits) = (state.peak, state.full_waits, state.empty_waits);
    say(format!("{plain}; most held: {peak} of {cap}"));

    heading("2. The same with the library's BoundedQueue (two Condvars, close, spin)");
    let queue = BoundedQueue::new(cap);
    let library = exchange.run(
        |item| queue.put(item).unwrap(),
        || queue.get().ok(),
        || queue.close(),
    )?;
    say(format!("{library}; most held: {} of {cap}", queue.peak()));

    heading("3. The notes' notify(): one Condvar and notify_one, 2 + 2 hilos, one slot");
    let q = Queue::with_wake(1, Wake::One);
    let ended = harness::finish_within("hilo", 4, Duration::from_secs(1), move |i, steps| {
        for x in 0..2000 {
            if i < 2 {
                q.put(x)
            } else {
                q.get();
            }
            steps.fetch_add(1, Ordering::Relaxed);
        }
    })?;
    let hung = ended == Ended::Stuck;
    say(format!(
        "4000 puts and gets (ms of work), after 1 s: {ended:?}"
    ));

    output::line("");
    output::line(format!(
        "What you saw: {} items, each consumed once in order: {}; at most {peak} of {cap} held;",
        plain.produced,
        plain.is_perfect()
    ));
    output::line(format!(
        "full {full_waits} times, empty {empty_waits} times: each time a hilo slept on the Condvar."
    ));
    output::line(format!(
        "The library's queue lost {}; notify_one on one Condvar deadlocked: {hung}.",
        library.lost
    ));
    output::results(&[
        ("items", &plain.produced),
        ("consumed", &plain.consumed),
        ("lost", &plain.lost),
        ("duplicated", &plain.duplicated),
        ("in_order", &(plain.out_of_order == 0)),
        ("peak", &peak),
        ("full_waits", &full_waits),
        ("empty_waits", &empty_waits),
        ("library_consumed", &library.consumed),
        ("library_lost", &library.lost),
        ("library_in_order", &(library.out_of_order == 0)),
        ("library_peak", &queue.peak()),
        ("notify_one_deadlocked", &hung),
    ]);
    Ok(())
}
