//! Semáforo: limit access to a shared resource (a pretend database) to N hilos at a time.
//!
//! Ports: notes 004, "Uso de semaforos son cierta cantidad y si el semaforo
//! es 0 no lo accede, util cuando se quiere limitar el acceso a base de
//! datos / red por thread".
//!
//! Python:
//! ```python
//! db_slots = threading.Semaphore(3)
//! def worker():
//!     with db_slots:          # acquire: waits while 3 are inside
//!         query_database()    # at most 3 threads here at once
//! ```
//! Rust: std has no semaphore. `examples_sync::Semaphore` builds one on a
//! `Mutex` (guarding the free permits, the permits out on guards and the
//! number of sleeping waiters) and a `Condvar` (read `src/semaphore.rs`
//! next to this file): `acquire()` returns a `Permit` guard, released when dropped, so
//! the `with` block is the guard's scope. Timeouts return a value:
//! `acquire_timeout` gives `None` where Python's `acquire(timeout=...)`
//! returns `False`. In async code, use `tokio::sync::Semaphore` instead:
//! its `acquire().await` yields the task rather than blocking the thread.
//!
//! What you see: a timeline of every hilo, `.` while it waits for a permit,
//! `=` while it holds one; in no column are there more than N `=`. Which
//! hilos get in first changes from run to run (the scheduler decides).
//!
//! Run: cargo run -p examples-sync --bin semaphore
//!      cargo run -p examples-sync --bin semaphore -- --permits 3 --threads 10 --query-ms 100
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use examples_sync::Semaphore;
use shared::output::{self, heading, say};
use shared::timeline::{Kind, Timeline, terminal_width};

#[derive(Parser, Debug)]
#[command(about = "A counting semaphore lets at most N hilos use the pretend database at once")]
struct Args {
    /// Permits: how many hilos may use the database at once.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=64))]
    permits: u64,
    /// Hilos wanting the database.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=256))]
    threads: u64,
    /// How long one pretend query takes, in ms.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    query_ms: u64,
}

/// Counts hilos inside the guarded section and remembers the most at once.
#[derive(Default)]
struct Occupancy {
    inside: AtomicUsize,
    most: AtomicUsize,
    done: AtomicUsize,
}

impl Occupancy {
    fn enter(&self) {
        let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
    }
    fn leave(&self) {
        self.inside.fetch_sub(1, Ordering::SeqCst);
        self.done.fetch_add(1, Ordering::SeqCst);
    }
}

/// One hilo: wait for a permit, run the query, give the permit back.
fn worker(
    id: u64,
    db_slots: &Semaphore,
    occupancy: &Occupancy,
    timeline: &Timeline,
    query: Duration,
) {
    let lane = format!("hilo-{id}");
    let asked = Instant::now();
    let permit = db_slots.acquire();
    let got = Instant::now();
    timeline.record(&lane, Kind::Waiting, asked, got);
    occupancy.enter();
    say(format!(
        "in the database (waited {} ms)",
        (got - asked).as_millis()
    ));
    thread::sleep(query); // the pretend query
    occupancy.leave();
    // The span ends before the permit is released, so spans of holders can
    // only overlap as much as the permits themselves did.
    timeline.record(&lane, Kind::Holding, got, Instant::now());
    drop(permit); // Python: the end of the `with` block
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let permits = usize::try_from(args.permits)?;
    let db_slots = Semaphore::new(permits);
    let occupancy = Occupancy::default();
    let timeline = Timeline::new();
    let query = Duration::from_millis(args.query_ms);

    heading(&format!(
        "1. {} hilos, {} permits (order of entry varies run to run)",
        args.threads, args.permits
    ));
    thread::scope(|s| -> anyhow::Result<()> {
        for id in 0..args.threads {
            let (db_slots, occupancy, timeline) = (&db_slots, &occupancy, &timeline);
            thread::Builder::new()
                .name(format!("hilo-{id}"))
                .spawn_scoped(s, move || worker(id, db_slots, occupancy, timeline, query))?;
        }
        Ok(())
    })?;

    heading("2. Who was inside when");
    output::text(timeline.render(terminal_width()));
    let most = occupancy.most.load(Ordering::SeqCst);
    let overlap = timeline.max_overlap(Kind::Holding);
    let done = occupancy.done.load(Ordering::SeqCst);
    say(format!("queries done: {done} of {}", args.threads));
    say(format!(
        "timeline max overlap: {overlap} (counted from the drawn spans)"
    ));

    heading("3. A timeout returns a value: every permit taken, one more asked for");
    let all: Vec<_> = (0..permits).map(|_| db_slots.acquire()).collect();
    let started = Instant::now();
    let extra = db_slots.acquire_timeout(Duration::from_millis(50));
    say(format!(
        "acquire_timeout(50 ms) with {} of {} permits out: {} after {} ms (Python: acquire(timeout=0.05) -> False)",
        all.len(),
        permits,
        if extra.is_some() {
            "Some(permit) (WRONG)"
        } else {
            "None"
        },
        started.elapsed().as_millis()
    ));
    drop(all);
    say(format!(
        "all permits back: {} available",
        db_slots.available()
    ));

    let within = most <= permits && overlap <= permits;
    output::line("");
    output::line(format!(
        "What you saw: max inside at once: {most} of {} hilos (limit {}): {}",
        args.threads,
        args.permits,
        if within {
            "never more than the permits;"
        } else {
            "MORE than the permits (WRONG);"
        }
    ));
    output::line(format!(
        "the others waited their turn ('.'), and {done} of {} queries ran.",
        args.threads
    ));
    Ok(())
}
