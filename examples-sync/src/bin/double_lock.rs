//! Doble cerrojo (double lock): the two classic deadlocks, detected by a timeout instead of hanging.
//!
//! Ports: notes 004, "No hacer double lock" and "Ojo con llamar cosas que
//! hacen lock".
//! Python:
//! ```python
//! with lock:
//!     helper()        # helper() does `with lock:` again: hangs forever
//! # t1: with a: with b: ...      t2: with b: with a: ...   -> both hang
//! ```
//! Rust has the same two deadlocks; the borrow checker does not see them.
//! Locking a lock its own hilo holds is unspecified in std and in
//! parking_lot alike ("will not return; it may panic or deadlock", lock_api
//! 0.5), so this example never calls a second `lock()`: it asks with
//! `try_lock_for(timeout)`, which gives up and returns `None` (Python:
//! `lock.acquire(timeout=0.2)` returning `False`), and reports instead of
//! hanging. The fix for the second deadlock: every hilo takes the locks in
//! one global order, so no cycle can form. To see the hilos of a real
//! cycle named, run `deadlock_detector`.
//!
//! Run: cargo run -p examples-sync --bin double_lock
//!      cargo run -p examples-sync --bin double_lock -- --timeout-ms 500
#![forbid(unsafe_code)]

use std::sync::Barrier;
use std::time::Duration;

use clap::Parser;
use examples_sync::harness;
use parking_lot::Mutex;
use shared::output::{self, heading, say};

#[derive(Parser)]
#[command(
    about = "Deadlocks on one lock taken twice and on two locks in opposite orders, detected by timeouts",
    allow_negative_numbers = true
)]
struct Args {
    /// How long try_lock_for waits before calling it a deadlock, in ms.
    #[arg(long, default_value_t = 200, value_name = "1..=10000", value_parser = shared::cli::range(1..=10_000u64))]
    timeout_ms: u64,
}

/// The helper that locks again ("Ojo con llamar cosas que hacen lock"):
/// fine on its own, a deadlock when its caller already holds `cuenta`.
fn balance(cuenta: &Mutex<i64>, timeout: Duration) -> Option<i64> {
    cuenta.try_lock_for(timeout).map(|guard| *guard) // lock() here: hangs
}

/// Returns whether the helper's second lock was detected (timed out).
fn deposit(cuenta: &Mutex<i64>, amount: i64, timeout: Duration) -> bool {
    let mut guard = cuenta.lock();
    *guard += amount;
    let inside = balance(cuenta, timeout); // called with `cuenta` held
    match inside {
        Some(b) => say(format!(
            "balance {b}: the helper got the lock twice (WRONG)"
        )),
        None => say(format!(
            "the helper gave up after {} ms: this hilo holds `cuenta` itself",
            timeout.as_millis()
        )),
    }
    drop(guard);
    say(format!(
        "after the guard is dropped the helper works: balance {:?}",
        balance(cuenta, timeout)
    ));
    inside.is_none()
}

/// Takes `first` then `second`; the second with a timeout. Both hilos meet
/// at `meet` holding their first lock, so the cycle is certain, not luck.
fn transfer(
    names: (&str, &str),
    first: &Mutex<i64>,
    second: &Mutex<i64>,
    meet: Option<&Barrier>,
    timeout: Duration,
) -> bool {
    let held = first.lock();
    meet.map(Barrier::wait);
    let ok = match second.try_lock_for(timeout) {
        Some(_other) => true,
        None => {
            say(format!(
                "deadlock: holds `{}`, waited {} ms for `{}`",
                names.0,
                timeout.as_millis(),
                names.1
            ));
            false
        }
    };
    meet.map(Barrier::wait); // both report before either lets go
    drop(held);
    ok
}

/// Two hilos, locks `a` and `b`: in opposite orders or one order. Returns
/// how many of the two got both locks.
fn two_locks(opposite: bool, timeout: Duration) -> std::io::Result<usize> {
    let (a, b) = (Mutex::new(0), Mutex::new(0));
    let meet = Barrier::new(2);
    let meet = opposite.then_some(&meet);
    let done = harness::hilos(2, "hilo", |i| {
        if i == 1 && opposite {
            transfer(("b", "a"), &b, &a, meet, timeout)
        } else {
            transfer(("a", "b"), &a, &b, meet, timeout)
        }
    })?;
    Ok(done.into_iter().filter(|&ok| ok).count())
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let timeout = Duration::from_millis(args.timeout_ms);

    heading("1. A helper that locks again, called with the lock held");
    let cuenta = Mutex::new(100);
    let detected = deposit(&cuenta, 10, timeout);

    heading("2. Two locks in opposite orders: hilo-0 takes a then b, hilo-1 b then a");
    let opposite = two_locks(true, timeout)?;
    say(format!(
        "opposite orders: {opposite} of 2 hilos got both locks"
    ));

    heading("3. The fix: every hilo takes a before b");
    let ordered = two_locks(false, timeout)?;
    say(format!("one order: {ordered} of 2 hilos got both locks"));

    output::line("");
    output::line(format!(
        "What you saw: the helper's second lock {} detected by try_lock_for; in opposite orders",
        if detected { "was" } else { "was NOT (WRONG)" }
    ));
    output::line(format!(
        "{opposite} of 2 hilos got both locks (each held one and waited for the other), in one order {ordered} of 2."
    ));
    output::line(
        "Nothing hung: a timeout turns a deadlock into a report. The fix is a global lock order.",
    );
    output::results(&[
        ("self_deadlock_detected", &detected),
        ("opposite_order_done", &opposite),
        ("one_order_done", &ordered),
    ]);
    Ok(())
}
