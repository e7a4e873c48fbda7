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
//! Rust: `std::sync::Mutex` cannot re-enter: its guard hands out `&mut T`,
//! and two guards on one hilo would be two `&mut` to one value.
//! `parking_lot::ReentrantMutex` can: its guard gives only `&T`, so the data
//! goes in a `RefCell` (a second `borrow_mut` is a run-time panic, where a
//! `Mutex` would not compile). Each lock checks the owner and keeps a count
//! (the bench measures it); often the better fix is a private helper that
//! takes the guard's data.
//!
//! Run: cargo run -p examples-sync --bin rlock
//!      cargo run -p examples-sync --bin rlock -- --depth 5 --hold-ms 50
#![forbid(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Mutex, TryLockError, mpsc};
use std::thread;
use std::time::Duration;

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

/// Locks once per level, recursing `depth` levels; returns the most
/// levels held at once by this hilo (a `Cell`: copied in and out, no borrow).
fn recurse(lock: &ReentrantMutex<Cell<u32>>, level: u32, depth: u32) -> u32 {
    let guard = lock.lock();
    guard.set(guard.get() + 1);
    let deepest = if level < depth {
        recurse(lock, level + 1, depth)
    } else {
        guard.get()
    };
    guard.set(guard.get() - 1);
    deepest
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();

    heading("1. Re-entry by the owner: recursion and methods calling methods");
    let deepest = recurse(&ReentrantMutex::new(Cell::new(0)), 1, args.depth);
    let cuenta = Cuenta {
        saldo: ReentrantMutex::new(RefCell::new(0)),
    };
    cuenta.depositar_varios(&[10, 20, 30]);
    cuenta.depositar(40);
    say(format!(
        "re-entered {deepest} levels deep; depositar_varios([10, 20, 30]) + depositar(40): saldo {}",
        cuenta.saldo()
    ));

    heading("2. Other hilos still wait while the owner holds any level");
    let lock = ReentrantMutex::new(());
    let released_all = AtomicBool::new(false);
    let (tried_tx, tried_rx) = mpsc::channel();
    let (refused, after) = thread::scope(|s| -> anyhow::Result<_> {
        let mut levels: Vec<_> = (0..args.depth.min(5)).map(|_| lock.lock()).collect(); // main owns it
        let other = thread::Builder::new().name("otro-hilo".into()).spawn_scoped(s, || {
            let refused = lock.try_lock().is_none();
            tried_tx.send(()).unwrap();
            let _guard = lock.lock(); // blocks until the owner releases every level
            let after = released_all.load(SeqCst);
            say(format!("got the lock (try_lock refused before: {refused}; owner had released all: {after})"));
            (refused, after)
        })?;
        tried_rx.recv_timeout(Duration::from_secs(10))?;
        while let Some(level) = levels.pop() {
            thread::sleep(Duration::from_millis(args.hold_ms)); // the other hilo waits meanwhile
            released_all.store(levels.is_empty(), SeqCst);
            drop(level);
            say(format!("owner released a level, {} left", levels.len()));
        }
        Ok(other.join().expect("the other hilo panicked"))
    })?;

    heading("3. std Mutex is not re-entrant");
    let std_lock = Mutex::new(0u32);
    let held = std_lock.lock().unwrap();
    // try_lock, not lock: a second lock() by the holder "might panic or deadlock".
    let refused_self = matches!(std_lock.try_lock(), Err(TryLockError::WouldBlock));
    drop(held);
    say(format!(
        "std Mutex, its holder's try_lock refused (WouldBlock): {refused_self}"
    ));

    output::line("");
    output::line(format!(
        "What you saw: the owner took the lock {deepest} levels deep; another hilo was refused ({refused})"
    ));
    output::line(format!(
        "and got it only after every level was released ({after}). A std Mutex refused even its holder."
    ));
    output::results(&[
        ("deepest", &deepest),
        ("saldo", &cuenta.saldo()),
        ("other_refused", &refused),
        ("other_after_release", &after),
        ("std_refuses_owner", &refused_self),
    ]);
    Ok(())
}
