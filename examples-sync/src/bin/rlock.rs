//! Cerrojo reentrante (RLock): the hilo that holds the lock may take it again.
//!
//! Ports: notes 004, "Rlock es para correr 1 thread 1 clase /funcion a la
//! vez" and "Ojo con llamar cosas que hacen lock".
//! Python:
//! ```python
//! class Cuenta:
//!     def depositar(self, x):
//!         with self.lock: self.saldo += x          # self.lock = RLock()
//!     def depositar_varios(self, xs):
//!         with self.lock:                          # held ...
//!             for x in xs: self.depositar(x)       # ... and taken again
//! ```
//! With a plain `Lock`, `depositar_varios` would hang (see `double_lock`).
//! Rust: `std::sync::Mutex` is not re-entrant, and cannot be: its guard
//! hands out `&mut T`, and two guards on one thread would be two `&mut` to
//! one value. `parking_lot::ReentrantMutex` is, because its guard hands out
//! only `&T`; to change the data put it in a `RefCell`, which checks
//! borrows at run time (a second `borrow_mut` is a panic, where a `Mutex`
//! would not have compiled). Each lock also compares the owner with the
//! current hilo and keeps a count (the figures bench measures it). Often
//! the better fix is a private helper that takes the guard's data.
//!
//! Run: cargo run -p examples-sync --bin rlock
//!      cargo run -p examples-sync --bin rlock -- --depth 5 --hold-ms 50
#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, TryLockError, mpsc};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use parking_lot::ReentrantMutex;
use shared::output::{self, heading, say};

#[derive(Parser)]
#[command(
    about = "A re-entrant lock: its owner may lock it again, everybody else waits",
    allow_negative_numbers = true
)]
struct Args {
    /// How many levels deep the recursion re-enters the lock.
    #[arg(long, default_value_t = 5, value_name = "1..=1000", value_parser = shared::cli::range(1..=1_000u32))]
    depth: u32,
    /// How long the owner keeps each level while another hilo waits, in ms.
    #[arg(long, default_value_t = 30, value_name = "0..=5000", value_parser = shared::cli::range(0..=5_000u64))]
    hold_ms: u64,
}

/// The notes' "one thread, one class at a time": an account whose methods
/// all take the same re-entrant lock, and call each other.
struct Cuenta {
    saldo: ReentrantMutex<RefCell<u64>>,
}

impl Cuenta {
    fn depositar(&self, x: u64) {
        let guard = self.saldo.lock();
        *guard.borrow_mut() += x;
    }

    /// Holds the lock across all deposits, so nobody sees a half-done batch,
    /// and calls `depositar`, which locks again.
    fn depositar_varios(&self, xs: &[u64]) {
        let _whole_batch = self.saldo.lock();
        for &x in xs {
            self.depositar(x);
        }
    }

    fn saldo(&self) -> u64 {
        *self.saldo.lock().borrow()
    }
}

/// Locks once per level, recursing `depth` levels; returns the deepest
/// number of guards held at once on this thread.
fn recurse(lock: &ReentrantMutex<RefCell<u32>>, level: u32, depth: u32) -> u32 {
    let guard = lock.lock();
    {
        let mut levels = guard.borrow_mut();
        *levels += 1;
        // The RefCell borrow ends here, before recursing: keeping it across
        // the call would make the inner level's borrow_mut panic.
    }
    let deepest = if level < depth {
        recurse(lock, level + 1, depth)
    } else {
        *guard.borrow()
    };
    *guard.borrow_mut() -= 1;
    deepest
}

/// Part 2: the owner holds `depth` levels; another hilo tries, then waits.
fn others_wait(depth: u32, hold: Duration) -> anyhow::Result<(bool, bool)> {
    let lock = ReentrantMutex::new(RefCell::new(0u32));
    let other_has_it = AtomicBool::new(false);
    let owner_released_all = AtomicBool::new(false);
    let (asking_tx, asking_rx) = mpsc::channel();
    thread::scope(|s| -> anyhow::Result<(bool, bool)> {
        // The owner (main) takes every level first.
        let mut levels: Vec<_> = (0..depth).map(|_| lock.lock()).collect();
        say(format!(
            "owner holds {depth} levels; is_owned_by_current_thread: {}",
            lock.is_owned_by_current_thread()
        ));
        let other = thread::Builder::new()
            .name("otro-hilo".into())
            .spawn_scoped(s, || {
                let refused = lock.try_lock().is_none();
                say(format!(
                    "other hilo try_lock while owned: {}",
                    if refused { "refused" } else { "got it (WRONG)" }
                ));
                let _ = asking_tx.send(());
                let guard = lock.lock(); // blocks until every level is released
                let after = owner_released_all.load(Ordering::SeqCst);
                other_has_it.store(true, Ordering::SeqCst);
                say(format!(
                    "other hilo got the lock; owner had released all levels: {}",
                    if after { "yes" } else { "no (WRONG)" }
                ));
                drop(guard);
                (refused, after)
            })
            .context("the OS refused to start a thread")?;
        asking_rx
            .recv_timeout(Duration::from_secs(10))
            .context("the other hilo never asked")?;
        while let Some(level) = levels.pop() {
            // Let the other hilo try in vain for a moment at each level.
            thread::sleep(hold);
            let has_it = other_has_it.load(Ordering::SeqCst);
            if levels.is_empty() {
                owner_released_all.store(true, Ordering::SeqCst);
            }
            drop(level);
            say(format!(
                "owner released a level, {} left (other hilo had it before this: {})",
                levels.len(),
                if has_it { "yes (WRONG)" } else { "no" }
            ));
        }
        other
            .join()
            .map_err(|_| anyhow::anyhow!("the other hilo panicked"))
    })
}

/// Part 3: a std Mutex refuses even the hilo that holds it.
fn std_is_not_reentrant() -> bool {
    let lock = Mutex::new(0u32);
    let _held = lock.lock().unwrap_or_else(|p| p.into_inner());
    // try_lock, not lock: a second lock() here would deadlock (or panic).
    matches!(lock.try_lock(), Err(TryLockError::WouldBlock))
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();

    heading("1. Re-entry by the owner: recursion and methods calling methods");
    let lock = ReentrantMutex::new(RefCell::new(0u32));
    let deepest = recurse(&lock, 1, args.depth);
    say(format!(
        "re-entered {deepest} levels deep (asked for {})",
        args.depth
    ));
    let cuenta = Cuenta {
        saldo: ReentrantMutex::new(RefCell::new(0)),
    };
    cuenta.depositar_varios(&[10, 20, 30]);
    cuenta.depositar(40);
    say(format!(
        "Cuenta: depositar_varios([10, 20, 30]) + depositar(40): saldo {}",
        cuenta.saldo()
    ));

    heading("2. Other hilos still wait while the owner holds any level");
    let (refused, after) = others_wait(args.depth.min(5), Duration::from_millis(args.hold_ms))?;

    heading("3. std Mutex is not re-entrant");
    let refused_self = std_is_not_reentrant();
    say(format!(
        "std Mutex, same hilo try_lock while holding it: {}",
        if refused_self {
            "refused (WouldBlock)"
        } else {
            "got it (WRONG)"
        }
    ));

    output::line("");
    output::line(format!(
        "What you saw: the owner took the lock {deepest} times over (recursion) and methods"
    ));
    output::line(format!(
        "that lock called each other; another hilo was {} and got the lock only after",
        if refused { "refused" } else { "NOT refused" }
    ));
    output::line(format!(
        "every level was released ({}).",
        if after { "yes" } else { "NO" }
    ));
    if refused_self {
        output::line("A std Mutex refused even its own holder: its guard gives &mut, and two &mut");
        output::line("to one value are not allowed.");
    } else {
        output::line("A std Mutex let its own holder in again (WRONG).");
    }
    output::results(&[
        ("deepest", &deepest),
        ("saldo", &cuenta.saldo()),
        ("other_refused", &refused),
        ("other_after_release", &after),
        ("std_refuses_owner", &refused_self),
    ]);
    Ok(())
}
