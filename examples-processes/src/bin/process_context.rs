//! Cada proceso tiene su propio contexto: a child's change is not seen by its parent.
//!
//! Ports: notes 000, "Datos entre los procesos" ("Cada proceso tiene su
//! propio CONTEXTO. Un contexto es el conjunto de variables").
//!
//! Python:
//! ```python
//! contador = 0                     # module level: re-run by a "spawn" child
//!
//! def worker():
//!     global contador
//!     contador = 99                # changes the CHILD's copy only
//!
//! if __name__ == "__main__":
//!     contador = 10
//!     p = multiprocessing.Process(target=worker); p.start(); p.join()
//!     print(contador)              # 10: the parent never sees the 99
//! ```
//! Rust: the same two start methods as `process_hello`, and the same result.
//! - fork: the child gets a *copy* of the parent's whole memory (pages are
//!   shared copy-on-write until one side writes). The closure below even
//!   borrows the parent's variables mutably, and yet the parent's values do
//!   not move: the child wrote to its own copy.
//! - spawn (re-exec): the child starts this program from the top, so it sees
//!   the program's *initial* value (0), not the 10 the parent set at run
//!   time: anything a spawned child needs must be passed to it (as
//!   `args=(...)` in Python; see `process_queue` for a value sent over a
//!   channel).
//!
//! To share data on purpose you need shared memory (`shared_memory`), a
//! server process (`manager_list`) or messages (`process_queue`, `pipe`).
//!
//! Each child first arranges to die with its parent (`child::die_with_parent`):
//! with `--child-pause-ms 5000`, `kill -TERM <parent pid>` ends the child too.
//!
//! What you see: the parent's counter and list before and after each child,
//! and, for fork, the counter's address in both processes: the same address,
//! two different values (each process maps its own copy of the memory);
//! the children's own views; "unchanged" at the end.
//!
//! Run: cargo run -p examples-processes --bin process_context
//!      cargo run -p examples-processes --bin process_context -- --value 7 --child-value 1234
#![forbid(unsafe_code)]

use std::time::Duration;

use anyhow::ensure;
use clap::Parser;
use examples_processes::child::{self, Child, say_from_fork};
use shared::output::{heading, line, say_as};

/// The counter's value when the program starts: what a spawned child sees.
const INITIAL_COUNTER: u64 = 0;
/// The list's value when the program starts.
const INITIAL_LIST: [u64; 4] = [1, 2, 3, 0];

/// The role a re-executed child plays; its argument is the value to set.
const CHANGE_ROLE: &str = "change";

#[derive(Parser, Debug)]
#[command(
    allow_negative_numbers = true,
    about = "Each proceso has its own variables: a child's change is not seen by the parent"
)]
struct Args {
    /// The value the parent gives its counter before starting children.
    #[arg(long, default_value_t = 10, value_name = "1..=1_000_000", value_parser = shared::cli::range(1..=1_000_000u64))]
    value: u64,
    /// The value each child writes into its counter.
    #[arg(long, default_value_t = 99, value_name = "1..=1_000_000", value_parser = shared::cli::range(1..=1_000_000u64))]
    child_value: u64,
    /// How long each child waits before changing its counter, in ms: time
    /// to kill the parent and see the child die with it (under 10 s, the join timeout).
    #[arg(long, default_value_t = 0, value_name = "0..=9_000", value_parser = shared::cli::range(0..=9_000u64))]
    child_pause_ms: u64,
}

/// A re-executed child: its counter is the program's initial one.
fn spawned_child(new_value: u64, pause: Duration) {
    let mut counter = INITIAL_COUNTER;
    let mut list = INITIAL_LIST;
    say_as(
        "hijo",
        format!(
            "spawned child: I see counter = {counter}, list = {list:?} (the program's initial values)"
        ),
    );
    pause_before_changing(pause);
    counter = new_value;
    list[3] = 4;
    say_as(
        "hijo",
        format!("child now has: counter = {counter}, list = {list:?}"),
    );
}

/// Waits before the change, if asked (`--child-pause-ms`). Only a system
/// call and a write(2): fine in a forked child too.
fn pause_before_changing(pause: Duration) {
    if !pause.is_zero() {
        say_from_fork(
            "hijo",
            format_args!("waiting {} ms before changing it", pause.as_millis()),
        );
        std::thread::sleep(pause);
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pause = Duration::from_millis(args.child_pause_ms);
    // Python's `if __name__ == "__main__":` (see process_hello).
    if let Some(role) = child::role() {
        // First of all: if the parent dies, so do we (no orphans).
        child::die_with_parent()?;
        ensure!(role == CHANGE_ROLE, child::ChildError::UnknownRole(role));
        spawned_child(args.child_value, pause);
        return Ok(());
    }

    let join_timeout = Duration::from_secs(10);

    // The parent's context: set at start, then changed at run time.
    let mut counter = INITIAL_COUNTER;
    let mut list = INITIAL_LIST;
    say_as(
        "padre",
        format!("at start: counter = {counter}, list = {list:?}"),
    );
    counter = args.value;
    let (counter_before, list_before) = (counter, list);
    say_as(
        "padre",
        format!(
            "before: counter = {counter} (at address {:p}), list = {list:?}",
            &counter
        ),
    );

    heading("fork: the child changes its copy");
    let new_value = args.child_value;
    let mut forked = Child::fork("context-fork", || {
        // The closure borrows the parent's `counter` and `list` mutably...
        say_from_fork(
            "hijo",
            format_args!(
                "forked child: I see counter = {counter} (at address {:p}), list = {list:?} (a copy of the parent's)",
                &counter
            ),
        );
        pause_before_changing(pause);
        counter = new_value;
        list[3] = 4;
        say_from_fork(
            "hijo",
            format_args!(
                "child now has: counter = {counter} (at address {:p}), list = {list:?}",
                &counter
            ),
        );
        0
    })?;
    let exit = forked.wait_or_kill(join_timeout)?;
    ensure!(exit.success(), "the forked child did not end well: {exit}");
    // ...and yet the parent's values did not move. Same address, another
    // value: each process has its own memory behind the same addresses.
    say_as(
        "padre",
        format!(
            "after join: counter = {counter} (at address {:p}), list = {list:?}",
            &counter
        ),
    );

    heading("spawn: the child starts from the program's initial values");
    // `--flag=value` keeps each value glued to its flag.
    let mut spawned = Child::spawn_self(
        CHANGE_ROLE,
        &[
            &format!("--child-value={new_value}"),
            &format!("--child-pause-ms={}", args.child_pause_ms),
        ],
    )?;
    let exit = spawned.wait_or_kill(join_timeout)?;
    ensure!(exit.success(), "the spawned child did not end well: {exit}");
    say_as(
        "padre",
        format!("after join: counter = {counter}, list = {list:?}"),
    );

    let unchanged = counter == counter_before && list == list_before;
    line("");
    line(format!(
        "What you saw: both children set counter = {new_value}; the parent's counter is still {counter} \
         ({}).",
        if unchanged { "unchanged" } else { "CHANGED?!" }
    ));
    line(format!(
        "Each proceso has its own context: the forked child wrote {new_value} at the very address"
    ));
    line(format!(
        "where the parent still reads {counter} ({:p}): the same virtual address in two address",
        &counter
    ));
    line(
        "spaces, two copies of the memory. A spawned child starts from the program's initial values",
    );
    line(format!(
        "({INITIAL_COUNTER}), not from what the parent set at run time ({counter_before})."
    ));
    ensure!(
        unchanged,
        "the parent's values changed: that would mean shared memory"
    );
    Ok(())
}
