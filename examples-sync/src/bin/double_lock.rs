//! Doble cerrojo (double lock): the two classic deadlocks, detected instead of hanging.
//!
//! Ports: notes 004, "No hacer double lock" and "Ojo con llamar cosas que
//! hacen lock" ("Basicamente, los locks son complicados, pueden resultar en
//! desastre si se manipulan mal").
//!
//! Python:
//! ```python
//! lock = threading.Lock()
//! with lock:
//!     with lock:      # the same thread again: hangs forever (use an RLock)
//!         ...
//! # and two threads taking two locks in opposite orders:
//! # t1: with a: with b: ...      t2: with b: with a: ...   -> both hang
//! ```
//! Rust has the same two deadlocks; the borrow checker does not see them.
//! `std::sync::Mutex` locked twice by one thread "might panic or deadlock"
//! (its docs leave it unspecified), so this example uses
//! `parking_lot::Mutex`, which deadlocks predictably and offers two ways
//! to *detect* it, so the example never hangs:
//!
//! 1. `try_lock_for(timeout)`: give up after a while (Python's
//!    `lock.acquire(timeout=0.2)` returning `False`), report who holds
//!    what, release what we hold and back off. Then the fix: every hilo
//!    takes the locks in one global order, so no cycle can form.
//! 2. parking_lot's deadlock detector (`parking_lot::deadlock::
//!    check_deadlock`): a watchdog finds the cycle "hilo waits for a lock
//!    held by a hilo that waits for ...", in real `lock()` calls with no
//!    timeout. It is a cargo feature of this crate, off by default:
//!    cargo unifies features across the workspace, so having it on by
//!    default would add its bookkeeping to every parking_lot lock and
//!    unlock in every crate's build (and skew the lock benchmarks). Run
//!    with `--features deadlock-detection` to see it; CI runs this
//!    example's test both ways. Python's `threading` has no detector; the
//!    nearest is `faulthandler.dump_traceback_later()`, which prints every
//!    thread's stack when a program seems stuck.
//!
//! The detector's verdict is final: the hilos it reports stay blocked for
//! good. The example then returns from `main`, which ends the process and
//! every thread in it (Rust has no daemon threads: none outlives `main`).
//!
//! What you see: each deadlock reported with which hilo holds which lock
//! and which lock it waits for, the fixed order completing, and the example
//! exiting on its own.
//!
//! Run: cargo run -p examples-sync --bin double_lock
//!      cargo run -p examples-sync --features deadlock-detection --bin double_lock
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::{Arc, Barrier, Mutex as StdMutex, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use shared::output::{self, heading, say};

#[derive(Parser, Debug)]
#[command(
    about = "Deadlock on one lock taken twice and on two locks in opposite orders, detected, never hanging"
)]
struct Args {
    /// How long try_lock_for waits before calling it a deadlock, in ms.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    timeout_ms: u64,
    /// How often the deadlock-detector watchdog looks, in ms.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=5_000))]
    check_ms: u64,
    /// Give the detector at most this long to find a cycle, in s.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    detector_deadline_s: u64,
}

/// A parking_lot lock with a name, so reports can say which lock.
struct Named {
    name: &'static str,
    lock: parking_lot::Mutex<u64>,
}

impl Named {
    fn new(name: &'static str) -> Arc<Named> {
        Arc::new(Named {
            name,
            lock: parking_lot::Mutex::new(0),
        })
    }
}

/// What each hilo holds and waits for, written by the hilos themselves just
/// before they block: the "on what" in "which hilos are stuck on what". A
/// std Mutex, so it never shows up in parking_lot's detector itself.
#[derive(Default)]
struct Registry {
    by_thread: StdMutex<HashMap<ThreadId, Status>>,
}

#[derive(Clone, Default)]
struct Status {
    name: String,
    holds: Vec<&'static str>,
    wants: Option<&'static str>,
}

impl Registry {
    fn update(&self, change: impl FnOnce(&mut Status)) {
        let mut map = self
            .by_thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let status = map.entry(thread::current().id()).or_insert_with(|| Status {
            name: shared::output::thread_name(),
            ..Status::default()
        });
        change(status);
    }
    fn wants(&self, lock: &'static str) {
        self.update(|s| s.wants = Some(lock));
    }
    fn got(&self, lock: &'static str) {
        self.update(|s| {
            s.wants = None;
            s.holds.push(lock);
        });
    }
    fn released(&self, lock: &'static str) {
        self.update(|s| s.holds.retain(|held| *held != lock));
    }
    fn status(&self, id: ThreadId) -> Option<Status> {
        let map = self
            .by_thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&id).cloned()
    }
    fn describe(&self, id: ThreadId) -> String {
        match self.status(id) {
            Some(s) => format!(
                "{} holds [{}] and waits for {}",
                s.name,
                s.holds.join(", "),
                s.wants.unwrap_or("nothing")
            ),
            None => format!("{id:?} (not one of ours)"),
        }
    }
}

fn spawn_named<T: Send + 'static>(
    name: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<thread::JoinHandle<T>> {
    thread::Builder::new()
        .name(name.to_string())
        .spawn(body)
        .context("the OS refused to start a thread")
}

/// Part 1: one hilo takes the same lock twice; the second try times out.
/// Returns whether the self-deadlock was detected (the second try failed).
fn self_deadlock_with_timeout(timeout: Duration) -> anyhow::Result<bool> {
    let account = Named::new("cuenta");
    let registry = Arc::new(Registry::default());
    let handle = {
        let registry = Arc::clone(&registry);
        spawn_named("hilo-solo", move || {
            let _first = account.lock.lock();
            registry.got(account.name);
            say(format!(
                "took `{}`; now a helper that also locks it is called",
                account.name
            ));
            registry.wants(account.name);
            match account.lock.try_lock_for(timeout) {
                Some(_) => {
                    say("got it twice: impossible with a non-re-entrant lock (WRONG)");
                    false
                }
                None => {
                    let held = registry.describe(thread::current().id());
                    say(format!(
                        "self-deadlock detected after {} ms: {held}, which only it could release",
                        timeout.as_millis()
                    ));
                    say("backing off instead of hanging (the fix: don't re-lock, or use an RLock)");
                    true
                }
            }
        })?
    };
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("hilo-solo panicked"))
}

/// Takes `first` then `second`, the second with a timeout. Both hilos meet
/// at `both_hold_one` after their first lock, which makes the deadlock
/// certain rather than a matter of timing. Returns whether it got both.
fn take_both(
    first: &Named,
    second: &Named,
    both_hold_one: Option<&Barrier>,
    timeout: Duration,
    registry: &Registry,
) -> bool {
    let mut held = first.lock.lock();
    registry.got(first.name);
    if let Some(barrier) = both_hold_one {
        barrier.wait();
    }
    registry.wants(second.name);
    let result = match second.lock.try_lock_for(timeout) {
        Some(mut other) => {
            registry.got(second.name);
            *held += 1;
            *other += 1;
            say(format!(
                "got `{}` then `{}`: work done",
                first.name, second.name
            ));
            registry.released(second.name);
            true
        }
        None => {
            say(format!(
                "deadlock detected after {} ms: {}",
                timeout.as_millis(),
                registry.describe(thread::current().id())
            ));
            false
        }
    };
    if let Some(barrier) = both_hold_one {
        // Both hilos report before either lets go. Otherwise the first to
        // give up frees its lock and the other, still trying, gets it: the
        // deadlock resolved by backing off, which is how timeouts cure
        // deadlocks in practice (back off, retry), but here it would hide
        // the second report.
        barrier.wait();
    }
    if !result {
        say(format!("releasing `{}` and backing off", first.name));
    }
    drop(held);
    registry.released(first.name);
    registry.update(|s| s.wants = None);
    result
}

/// Part 2: two hilos, two locks. Opposite orders deadlock; one order does not.
fn lock_order(opposite: bool, timeout: Duration) -> anyhow::Result<usize> {
    let (a, b) = (Named::new("a"), Named::new("b"));
    let registry = Arc::new(Registry::default());
    let barrier = Arc::new(Barrier::new(2));
    let mut handles = Vec::new();
    for (name, reversed) in [("hilo-1", false), ("hilo-2", opposite)] {
        let (a, b, registry, barrier) = (a.clone(), b.clone(), registry.clone(), barrier.clone());
        handles.push(spawn_named(name, move || {
            let (first, second) = if reversed { (&b, &a) } else { (&a, &b) };
            // Only the opposite-order run needs the meeting point: it is
            // what forces the deadlock. In one order it would just serialise.
            let meet = opposite.then_some(&*barrier);
            let ok = take_both(first, second, meet, timeout, &registry);
            registry.update(|s| {
                s.name = format!("{} ({})", s.name, if ok { "done" } else { "gave up" })
            });
        })?);
    }
    for h in handles {
        h.join().map_err(|_| anyhow::anyhow!("a hilo panicked"))?;
    }
    let done = *a.lock.lock() as usize;
    Ok(done)
}

#[cfg(feature = "deadlock-detection")]
mod detector {
    //! Part 3, compiled only with `--features deadlock-detection`.
    use super::*;
    use std::time::Instant;

    /// Polls parking_lot's detector until it reports a cycle or the
    /// deadline passes. Returns the number of hilos found stuck.
    fn watch(registry: &Registry, every: Duration, deadline: Duration) -> anyhow::Result<usize> {
        let started = Instant::now();
        loop {
            let cycles = parking_lot::deadlock::check_deadlock();
            if !cycles.is_empty() {
                let mut stuck = 0;
                for (i, cycle) in cycles.iter().enumerate() {
                    say(format!(
                        "parking_lot detector: deadlock #{} after {} ms, {} hilo(s) in the cycle:",
                        i + 1,
                        started.elapsed().as_millis(),
                        cycle.len()
                    ));
                    for thread in cycle {
                        stuck += 1;
                        say(format!(
                            "  stuck: {}",
                            registry.describe(thread.thread_id())
                        ));
                        let frames = format!("{:?}", thread.backtrace());
                        let ours: Vec<&str> = frames
                            .lines()
                            .map(str::trim)
                            .filter(|l| l.contains("double_lock::") && !l.contains("main"))
                            .collect();
                        if let Some(innermost) = ours.first() {
                            // Backtrace lines read "7: double_lock::...": drop the number.
                            let function = innermost.trim_start_matches(|c: char| {
                                c.is_ascii_digit() || c == ':' || c == ' '
                            });
                            say(format!("    innermost frame of ours: {function}"));
                        }
                    }
                }
                return Ok(stuck);
            }
            anyhow::ensure!(
                started.elapsed() < deadline,
                "the detector found no deadlock within {} s",
                deadline.as_secs()
            );
            thread::sleep(every);
        }
    }

    /// A hilo locks `cuenta`, then locks it again with no timeout.
    fn relock_forever(account: &Named, registry: &Registry) {
        let _first = account.lock.lock();
        registry.got(account.name);
        registry.wants(account.name);
        let _second = account.lock.lock(); // never returns
    }

    /// Takes `first` then `second` with no timeout, after meeting the other hilo.
    fn both_forever(first: &Named, second: &Named, barrier: &Barrier, registry: &Registry) {
        let _held = first.lock.lock();
        registry.got(first.name);
        barrier.wait();
        registry.wants(second.name);
        let _other = second.lock.lock(); // never returns
    }

    /// Returns how many hilos the detector found stuck, in both deadlocks.
    pub fn run(every: Duration, deadline: Duration) -> anyhow::Result<usize> {
        let registry = Arc::new(Registry::default());

        say("self-deadlock, for real: hilo-solo locks `cuenta` twice with plain lock()");
        {
            let (account, registry) = (Named::new("cuenta"), Arc::clone(&registry));
            // Not joined on purpose: it will never finish.
            spawn_named("hilo-solo", move || relock_forever(&account, &registry))?;
        }
        let first = watch(&registry, every, deadline)?;

        say("lock-order deadlock, for real: hilo-1 takes a then b, hilo-2 takes b then a");
        let (a, b) = (Named::new("a"), Named::new("b"));
        let barrier = Arc::new(Barrier::new(2));
        for (name, reversed) in [("hilo-1", false), ("hilo-2", true)] {
            let (a, b, registry, barrier) =
                (a.clone(), b.clone(), registry.clone(), barrier.clone());
            spawn_named(name, move || {
                let (first, second) = if reversed { (&b, &a) } else { (&a, &b) };
                both_forever(first, second, &barrier, &registry);
            })?;
        }
        let second = watch(&registry, every, deadline)?;
        say(format!(
            "stuck hilos in total: {}; they stay blocked, and end when main returns",
            first + second
        ));
        Ok(first + second)
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let timeout = Duration::from_millis(args.timeout_ms);

    heading("1. Double lock: one hilo takes the same lock twice (try_lock_for)");
    let self_detected = self_deadlock_with_timeout(timeout)?;

    heading("2. Two locks in opposite orders (try_lock_for)");
    let done = lock_order(true, timeout)?;
    say(format!("opposite orders: {done} of 2 hilos did their work"));

    heading("2b. The fix: every hilo takes a before b");
    let fixed = lock_order(false, timeout)?;
    say(format!("one order: {fixed} of 2 hilos did their work"));

    heading("3. parking_lot's deadlock detector, on real lock() calls");
    #[cfg(feature = "deadlock-detection")]
    let stuck = Some(detector::run(
        Duration::from_millis(args.check_ms),
        Duration::from_secs(args.detector_deadline_s),
    )?);
    #[cfg(not(feature = "deadlock-detection"))]
    let stuck: Option<usize> = {
        let _ = (args.check_ms, args.detector_deadline_s);
        say("the detector is not compiled in (it is an opt-in cargo feature); to see it run:");
        say("  cargo run -p examples-sync --features deadlock-detection --bin double_lock");
        None
    };

    let ms = timeout.as_millis();
    output::line("");
    if self_detected {
        output::line(
            "What you saw: a lock taken twice by its own hilo deadlocked; try_lock_for gave",
        );
        output::line(format!("up after {ms} ms and reported who held what."));
    } else {
        output::line("What you saw: a lock taken twice by its own hilo did NOT deadlock (WRONG).");
    }
    output::line(format!(
        "Two locks in opposite orders: {done} of 2 hilos did their work{}",
        if done == 0 {
            ", both deadlocked and timed out,"
        } else {
            " (the deadlock was expected: WRONG),"
        }
    ));
    output::line(format!(
        "each reporting what it held and waited for. In one global order {fixed} of 2 did{}.",
        if fixed == 2 {
            ": nothing deadlocked"
        } else {
            " (WRONG)"
        }
    ));
    if let Some(stuck) = stuck {
        output::line(format!(
            "parking_lot's detector found {stuck} hilos stuck in the same two cycles, in plain lock() calls."
        ));
    }
    output::line("The example exits on its own: a deadlock found is reported, never waited out.");
    Ok(())
}
