//! Cada proceso tiene su propio contexto: a child's change is not seen by its parent.
//!
//! Ports: notes 000, "Datos entre los procesos" ("Cada proceso tiene su
//! propio CONTEXTO"). Python:
//! ```python
//! contador = 0                     # module level: re-run by a "spawn" child
//! def worker():
//!     global contador; contador = 99   # changes the CHILD's copy only
//! if __name__ == "__main__":
//!     contador = 10
//!     p = multiprocessing.Process(target=worker); p.start(); p.join()
//!     print(contador)              # 10: the parent never sees the 99
//! ```
//! Rust, with the two start methods of `process_hello`:
//! - fork: the child gets a *copy* of the parent's memory (copy-on-write).
//!   The closure below even borrows the parent's variables mutably; the
//!   child writes at the very same address, and the parent's value does not
//!   move: same virtual address, two address spaces.
//! - spawn (re-exec): the child runs the program from the top, so it sees
//!   the *initial* value (0), not the 10 set at run time: what a spawned
//!   child needs must be passed to it (`args=(...)`; see `process_queue`).
//!
//! To share on purpose: `shared_memory`, `manager_list`, `process_queue`, `pipe`.
//!
//! Run: cargo run -p examples-processes --bin process_context -- --value 7
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use examples_processes::child::{self, Child, say_from_fork};
use shared::output::{heading, line, results, say_as};

/// The counter's value when the program starts: what a spawned child sees.
const INITIAL: u64 = 0;
const CHANGE: &str = "change";

#[derive(Parser, Debug)]
#[command(
    about = "Each proceso has its own variables",
    allow_negative_numbers = true
)]
struct Args {
    /// The value the parent gives its counter before starting children.
    #[arg(long, default_value_t = 10, value_name = "1..=1000000", value_parser = shared::cli::range(1..=1_000_000u64))]
    value: u64,
    /// The value each child writes into its counter.
    #[arg(long, default_value_t = 99, value_name = "1..=1000000", value_parser = shared::cli::range(1..=1_000_000u64))]
    child_value: u64,
    /// How long each child waits before changing its counter, in ms (time to
    /// `kill -TERM <parent pid>` and see the child die with it).
    #[arg(long, default_value_t = 0, value_name = "0..=9000", value_parser = shared::cli::range(0..=9_000u64))]
    child_pause_ms: u64,
}

/// The spawned child: its counter is the program's initial one. Exit code
/// 0 if it saw the initial value, 3 if not (as the parent will check).
fn spawned_child(args: &Args) -> i32 {
    let mut counter = INITIAL;
    say_as(
        "hijo",
        format!("spawned child: I see counter = {counter} (the program's start value)"),
    );
    let seen = counter;
    std::thread::sleep(Duration::from_millis(args.child_pause_ms));
    counter = args.child_value;
    say_as("hijo", format!("spawned child: now counter = {counter}"));
    if seen == INITIAL { 0 } else { 3 }
}

fn parent(args: &Args) -> anyhow::Result<()> {
    let join = Duration::from_secs(10);
    let mut counter = INITIAL;
    say_as("padre", format!("at start: counter = {counter}"));
    counter = args.value; // set at run time: a spawned child will not see this
    let before = counter;
    say_as(
        "padre",
        format!("before: counter = {counter} at address {:p}", &counter),
    );

    heading("fork: the child changes its copy");
    let (new, pause) = (args.child_value, Duration::from_millis(args.child_pause_ms));
    let mut forked = Child::fork("context-fork", || {
        say_from_fork(
            "hijo",
            format_args!("forked child: I see counter = {counter} at {:p}", &counter),
        );
        let seen = counter;
        std::thread::sleep(pause);
        counter = new; // the parent's variable, borrowed mutably... in a copy
        say_from_fork(
            "hijo",
            format_args!("forked child: now counter = {counter} at {:p}", &counter),
        );
        if seen == before { 0 } else { 3 }
    })?;
    let fork_exit = forked.wait_or_kill(join)?;
    let after_fork = counter;
    say_as(
        "padre",
        format!("after join: counter = {counter} at address {:p}", &counter),
    );

    heading("spawn: the child starts from the program's initial values");
    let flags = [
        format!("--child-value={new}"),
        format!("--child-pause-ms={}", args.child_pause_ms),
    ];
    let mut spawned = Child::spawn_self(CHANGE, &[&flags[0], &flags[1]])?;
    let spawn_exit = spawned.wait_or_kill(join)?;
    say_as("padre", format!("after join: counter = {counter}"));

    let unchanged = after_fork == before && counter == before;
    line("");
    line(format!(
        "Both children set counter = {new}; the parent's is still {counter}: unchanged = {unchanged}."
    ));
    line(format!(
        "The forked child saw a copy of {before} (exit 0 = it did: {fork_exit}); the spawned one"
    ));
    line(format!(
        "saw the program's initial {INITIAL}, not the {before} set at run time ({spawn_exit})."
    ));
    results(&[
        ("parent_before", &before),
        ("parent_after_fork", &after_fork),
        ("parent_after_spawn", &counter),
        ("child_value", &new),
        ("fork_child_saw_copy", &fork_exit.success()),
        ("spawn_child_saw_initial", &spawn_exit.success()),
    ]);
    anyhow::ensure!(
        unchanged,
        "the parent's value changed: that would mean shared memory"
    );
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    let args = Args::parse();
    // Python's `if __name__ == "__main__":` (see process_hello).
    let result = match child::role().as_deref() {
        Some(CHANGE) => child::die_with_parent()
            .map(|()| std::process::exit(spawned_child(&args)))
            .map_err(Into::into),
        Some(other) => Err(child::ChildError::UnknownRole(other.into()).into()),
        None => parent(&args),
    };
    child::exit_code(result)
}
