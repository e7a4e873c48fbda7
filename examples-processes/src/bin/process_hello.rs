//! Hola desde un proceso hijo: start a child proceso two ways, "spawn" and "fork".
//!
//! Ports: notes 002, "Procesos" (the "Multi-procesos" example), and 003,
//! "`Process`" (start, join).
//!
//! Python:
//! ```python
//! def hello_from_process():
//!     print(f'Hola desde el proceso hijo {os.getpid()}')
//!
//! if __name__ == '__main__':
//!     hello_process = multiprocessing.Process(target=hello_from_process)
//!     hello_process.start()
//!     print(f'Hola desde el proceso padre {os.getpid()}')
//!     hello_process.join()
//! ```
//! Rust has no `multiprocessing`; the two start methods it hides are shown
//! one after the other:
//! - "spawn": this binary runs itself again with a role
//!   (`examples_processes::child::Child::spawn_self`). The child starts
//!   `main` from the top, sees its role and says hello instead of being the
//!   parent: that check at the top of `main` is Python's
//!   `if __name__ == '__main__'`, which exists because a spawned Python
//!   child re-imports the main module.
//! - "fork": the child is a copy of the parent (`Child::fork`). Allowed only
//!   while the parent has a single thread; the child prints with one
//!   `write(2)` (no heap, no locks) and ends with `_exit`.
//!
//! `join` is `wait`: it reaps the child (reads how it ended, so it does not
//! stay a zombie), and here it has a deadline.
//!
//! Each child first arranges to die with its parent
//! (`child::die_with_parent`, PR_SET_PDEATHSIG): try `--child-pause-ms 30000`
//! and `kill -TERM <parent pid>` from another terminal; the child goes too,
//! instead of living on as an orphan.
//!
//! What you see: the parent's and the child's lines, with different pids;
//! the child reports its parent's pid (`getppid`), which is the parent's
//! own pid. Which of the two "Hola" lines comes first is up to the
//! scheduler.
//!
//! Run: cargo run -p examples-processes --bin process_hello
//!      cargo run -p examples-processes --bin process_hello -- --method fork
#![forbid(unsafe_code)]

use std::time::Duration;

use clap::{Parser, ValueEnum};
use examples_processes::child::{self, Child, say_from_fork};
use shared::output::{heading, line, say, say_as};

/// The role this binary plays when the "spawn" method re-executes it.
const HELLO_ROLE: &str = "hello";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Method {
    /// Re-execute this binary with a role (Python's "spawn").
    Spawn,
    /// fork() a copy of this process (Python's "fork").
    Fork,
    /// Both, one after the other.
    Both,
}

#[derive(Parser, Debug)]
#[command(
    allow_negative_numbers = true,
    about = "A child proceso says hello: started by re-exec (\"spawn\") and by fork"
)]
struct Args {
    /// Which start method to show.
    #[arg(long, value_enum, default_value_t = Method::Both)]
    method: Method,
    /// How long the parent waits for the child (join) before killing it, in ms.
    #[arg(long, default_value_t = 10_000, value_name = "1..=600_000", value_parser = shared::cli::range(1..=600_000u64))]
    join_timeout_ms: u64,
    /// How long each child waits before saying hello, in ms: time to kill
    /// the parent and see the child die with it (keep it under the join timeout).
    #[arg(long, default_value_t = 0, value_name = "0..=600_000", value_parser = shared::cli::range(0..=600_000u64))]
    child_pause_ms: u64,
}

/// The child's body: the notes' `hello_from_process`.
fn hello_from_spawned_child(pause: Duration) {
    if !pause.is_zero() {
        say_as(
            "hijo",
            format!("waiting {} ms before saying hello", pause.as_millis()),
        );
        std::thread::sleep(pause);
    }
    let me = std::process::id();
    let parent = nix::unistd::getppid();
    say_as(
        "hijo",
        format!("Hola desde el proceso hijo: my pid is {me}, my parent's pid is {parent}"),
    );
}

/// The parent's half, whatever the start method: say hello, then join.
fn parent_side(mut child: Child, join_timeout: Duration) -> anyhow::Result<()> {
    say_as(
        "padre",
        format!(
            "Hola desde el proceso padre: my pid is {}, I started child pid {}",
            std::process::id(),
            child.pid()
        ),
    );
    // join(): wait for the child and reap it, with a deadline.
    let exit = child.wait_or_kill(join_timeout)?;
    say_as("padre", format!("joined child pid {}: {exit}", child.pid()));
    anyhow::ensure!(exit.success(), "the child did not end well: {exit}");
    Ok(())
}

fn by_spawn(join_timeout: Duration, pause: Duration) -> anyhow::Result<()> {
    heading("spawn: this binary runs again, as role \"hello\"");
    // `=` keeps the value glued to its flag, whatever it holds.
    let pause_flag = format!("--child-pause-ms={}", pause.as_millis());
    let child = Child::spawn_self(HELLO_ROLE, &[&pause_flag])?;
    parent_side(child, join_timeout)
}

fn by_fork(join_timeout: Duration, pause: Duration) -> anyhow::Result<()> {
    heading("fork: the child is a copy of this process");
    let child = Child::fork("hello-fork", || {
        // Only async-signal-safe work here: getpid/getppid and nanosleep are
        // system calls, and say_from_fork formats on the stack and writes once.
        if !pause.is_zero() {
            say_from_fork(
                "hijo",
                format_args!("waiting {} ms before saying hello", pause.as_millis()),
            );
            std::thread::sleep(pause);
        }
        let me = nix::unistd::getpid();
        let parent = nix::unistd::getppid();
        say_from_fork(
            "hijo",
            format_args!("Hola desde el proceso hijo: my pid is {me}, my parent's pid is {parent}"),
        );
        0
    })?;
    parent_side(child, join_timeout)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pause = Duration::from_millis(args.child_pause_ms);
    // Python's `if __name__ == '__main__':`. A re-executed child runs this
    // same main; its role says it is the child, so it says hello and stops.
    if let Some(role) = child::role() {
        // First of all: if the parent dies, so do we (no orphans).
        child::die_with_parent()?;
        return match role.as_str() {
            HELLO_ROLE => {
                hello_from_spawned_child(pause);
                Ok(())
            }
            other => Err(child::ChildError::UnknownRole(other.to_string()).into()),
        };
    }

    let join_timeout = Duration::from_millis(args.join_timeout_ms);
    say(format!("parent starts: pid {}", std::process::id()));
    // Fork first: it needs this process to be single-threaded, which it is
    // until something starts a thread.
    if matches!(args.method, Method::Fork | Method::Both) {
        by_fork(join_timeout, pause)?;
    }
    if matches!(args.method, Method::Spawn | Method::Both) {
        by_spawn(join_timeout, pause)?;
    }

    line("");
    line("What you saw: each child printed a pid different from the parent's, and the");
    line("parent's pid as its parent (getppid); the parent joined (reaped) each one.");
    if matches!(args.method, Method::Fork | Method::Both) {
        line("fork copied the running parent, even its clock: the child's elapsed time");
        line("goes on from the parent's.");
    }
    if matches!(args.method, Method::Spawn | Method::Both) {
        line("spawn ran this program again from the top (its clock starts at 0 ms); the");
        line("role check at the top of main is Python's `if __name__ == '__main__'`.");
    }
    Ok(())
}
