//! Semáforo acotado (BoundedSemaphore): releasing more than was acquired is an error.
//!
//! Ports: notes 004, "Hay formas de sincronizar threads: Lock, RLock,
//! Semaphores, Bounded semaphore" and "siempre que adquiris, tenes que liberar".
//! Python:
//! ```python
//! sem = threading.BoundedSemaphore(2)
//! sem.acquire(); sem.release()
//! sem.release()      # ValueError: Semaphore released too many times
//! threading.Semaphore(2).release()   # no error: the count quietly becomes 3
//! ```
//! Rust: `BoundedSemaphore::release` returns `Result<(), TooManyReleases>`,
//! an error you must look at (`#[must_use]`), not an exception. One
//! difference on purpose: permits out on guards count as coming back, so
//! with a guard alive a hand-made `release()` is refused now; Python
//! accepts it and raises later, at the `with` block's exit, far from the
//! faulty call. The semaphore is `src/semaphore/s2_permits.rs`.
//!
//! Run: cargo run -p examples-sync --bin bounded_semaphore
//!      cargo run -p examples-sync --bin bounded_semaphore -- --permits 3
#![forbid(unsafe_code)]

use clap::Parser;
use examples_sync::{BoundedSemaphore, Semaphore};
use shared::output::{self, heading, say};

#[derive(Parser)]
#[command(
    about = "A bounded semaphore refuses a release beyond its initial value",
    allow_negative_numbers = true
)]
struct Args {
    /// The semaphore's initial value, which is also its bound.
    #[arg(long, default_value_t = 2, value_name = "1..=1000", value_parser = shared::cli::range(1..=1_000usize))]
    permits: usize,
}

fn main() -> anyhow::Result<()> {
    output::start();
    let args = Args::parse();
    let permits = args.permits;
    let sem = BoundedSemaphore::new(permits);

    heading("1. Acquire and release as many times as you like, in pairs");
    {
        let guards: Vec<_> = (0..permits).map(|_| sem.acquire()).collect();
        say(format!(
            "took all {} permits; available: {}",
            guards.len(),
            sem.available()
        ));
    } // every guard released here
    say(format!(
        "guards dropped; available: {} of {}",
        sem.available(),
        sem.bound()
    ));

    heading("2. A permit taken by hand and given back by hand");
    sem.acquire().forget(); // Python: sem.acquire() with no `with`
    say(format!(
        "acquired without a guard; available: {}",
        sem.available()
    ));
    let first = sem.release();
    say(format!(
        "release() -> {first:?}; available: {}",
        sem.available()
    ));

    heading("3. The extra release");
    let extra = sem.release();
    match &extra {
        Ok(()) => say("extra release accepted (WRONG)"),
        Err(e) => say(format!("extra release -> Err: {e}")),
    }
    let after_extra = sem.available();
    say(format!(
        "available after the refused release: {after_extra} (bound {})",
        sem.bound()
    ));

    heading("4. While a guard holds a permit, a hand-made release is the extra one");
    let guard = sem.acquire();
    let early = sem.release();
    say(format!(
        "release() with one permit out on a guard -> {}",
        if early.is_err() {
            "Err (the guard will bring it back)"
        } else {
            "Ok (WRONG)"
        }
    ));
    drop(guard);
    say(format!(
        "guard dropped; available: {} of {}",
        sem.available(),
        sem.bound()
    ));

    heading("5. The same mistake on a plain Semaphore goes unnoticed");
    let plain = Semaphore::new(permits);
    plain.release();
    say(format!(
        "plain Semaphore({permits}) after an extra release: available {} (now lets {} in)",
        plain.available(),
        plain.available()
    ));

    let refused = extra.is_err() && early.is_err();
    let at_bound = sem.available() == sem.bound();
    let grew = plain.available() > permits;
    output::line("");
    if refused {
        output::line(format!(
            "What you saw: the bounded semaphore refused both releases beyond its {} permits",
            sem.bound()
        ));
        output::line(format!(
            "(an Err, where Python raises ValueError), and its count {}.",
            if at_bound {
                "never passed the bound"
            } else {
                "still moved (WRONG)"
            }
        ));
    } else {
        output::line(
            "What you saw: the bounded semaphore ACCEPTED a release beyond its bound (WRONG).",
        );
    }
    if grew {
        output::line(format!(
            "The plain semaphore accepted the same release: it now lets {} hilos in, not {permits}.",
            plain.available()
        ));
    }
    output::results(&[
        ("extra_release_refused", &extra.is_err()),
        ("early_release_refused", &early.is_err()),
        ("available_after_extra", &after_extra),
        ("available", &sem.available()),
        ("bound", &sem.bound()),
        ("plain_available", &plain.available()),
    ]);
    Ok(())
}
