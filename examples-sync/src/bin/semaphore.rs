//! Semáforo: at most N hilos at a time in a shared resource (a pretend database).
//!
//! Ports: notes 004, "Uso de semaforos ... util cuando se quiere limitar el
//! acceso a base de datos / red por thread".
//! Python:
//! ```python
//! db_slots = threading.Semaphore(3)
//! def worker():
//!     with db_slots:          # acquire: waits while 3 are inside
//!         query_database()
//! ```
//! Rust: std has no semaphore; it is a count under a `Mutex` and a
//! `Condvar` to sleep on while the count is 0 (`Sem` below, ten lines).
//! Part 2 uses the library's (`src/semaphore/`), which adds a `Permit`
//! guard released on drop (the `with` block: no forgotten release) and an
//! `acquire_timeout` returning `None` where Python's
//! `acquire(timeout=...)` returns `False`. In async code use
//! `tokio::sync::Semaphore`: its `acquire().await` yields the task.
//! Which hilos get in first varies run to run (the scheduler decides).
//!
//! Run: cargo run -p examples-sync --bin semaphore
//!      cargo run -p examples-sync --bin semaphore -- --permits 3 --threads 10 --query-ms 100
#![forbid(unsafe_code)]

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use examples_sync::{Semaphore, harness};
use shared::output::{self, heading, say};
use shared::timeline::{Kind, Timeline, terminal_width};

#[derive(Parser)]
#[command(
    about = "A counting semaphore lets at most N hilos use the pretend database at once",
    allow_negative_numbers = true
)]
struct Args {
    /// Permits: how many hilos may use the database at once.
    #[arg(long, default_value_t = 3, value_name = "1..=64", value_parser = shared::cli::range(1..=64usize))]
    permits: usize,
    /// Hilos wanting the database.
    #[arg(long, default_value_t = 10, value_name = "1..=256", value_parser = shared::cli::range(1..=256usize))]
    threads: usize,
    /// How long one pretend query takes, in ms.
    #[arg(long, default_value_t = 100, value_name = "1..=10000", value_parser = shared::cli::range(1..=10_000u64))]
    query_ms: u64,
}

/// Python's `threading.Semaphore`, the plain way.
struct Sem {
    permits: Mutex<usize>,
    freed: Condvar,
}

impl Sem {
    fn acquire(&self) {
        let mut permits = self.permits.lock().unwrap();
        while *permits == 0 {
            permits = self.freed.wait(permits).unwrap(); // unlock, sleep, relock
        }
        *permits -= 1;
    }

    fn release(&self) {
        *self.permits.lock().unwrap() += 1;
        self.freed.notify_one(); // one permit back: one waiter is enough
    }
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let query = Duration::from_millis(args.query_ms);

    heading(&format!(
        "1. Mutex<usize> + Condvar: {} hilos, {} permits",
        args.threads, args.permits
    ));
    let db_slots = Sem {
        permits: Mutex::new(args.permits),
        freed: Condvar::new(),
    };
    let (inside, timeline) = (harness::Inside::default(), Timeline::new());
    harness::hilos(args.threads, "hilo", |i| {
        let asked = Instant::now();
        db_slots.acquire();
        inside.visit(&format!("hilo-{i}"), &timeline, asked, query); // the pretend query: counted, drawn
        db_slots.release();
    })?;
    output::text(timeline.render(terminal_width()));
    let (most, overlap) = (inside.most(), timeline.max_overlap(Kind::Holding));

    heading("2. The library's Semaphore: a Permit guard released on drop");
    let db_slots = Semaphore::new(args.permits);
    let (lib_inside, timeline) = (harness::Inside::default(), Timeline::new());
    harness::hilos(args.threads, "hilo", |i| {
        let asked = Instant::now();
        let _permit = db_slots.acquire(); // released at the end of the closure
        lib_inside.visit(&format!("hilo-{i}"), &timeline, asked, query);
    })?;
    let lib_most = lib_inside.most();
    let all: Vec<_> = (0..args.permits).map(|_| db_slots.acquire()).collect();
    let timed_out = db_slots
        .acquire_timeout(Duration::from_millis(50))
        .is_none();
    say(format!(
        "every permit taken; acquire_timeout(50 ms) gave None: {timed_out} (Python: False)"
    ));
    drop(all);

    output::line("");
    output::line(format!(
        "What you saw: max inside at once: {most} of {} hilos (limit {}), {lib_most} with the library's; the others waited ('.').",
        args.threads, args.permits
    ));
    output::results(&[
        ("permits", &args.permits),
        ("max_inside", &most),
        ("timeline_overlap", &overlap),
        ("library_max_inside", &lib_most),
        ("timed_out", &timed_out),
    ]);
    Ok(())
}
