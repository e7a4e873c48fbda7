//! Hola desde un proceso hijo: start a child proceso two ways, "spawn" and "fork".
//!
//! Ports: notes 002, "Procesos" ("Multi-procesos"), and 003, "Process".
//! ```python
//! def hello_from_process():
//!     print(f'Hola desde el proceso hijo {os.getpid()}')
//! if __name__ == '__main__':
//!     p = multiprocessing.Process(target=hello_from_process); p.start()
//!     print(f'Hola desde el proceso padre {os.getpid()}'); p.join()
//! ```
//! Rust: "spawn" runs this binary again with a role (`Child::spawn_self`):
//! the child starts `main` from the top, sees its role and says hello. That
//! role check is Python's `if __name__ == '__main__'`. The notes say the
//! guard is "for Windows"; it is needed wherever the start method is not
//! fork: Windows (spawn), macOS (spawn, the default since 3.8) and Linux
//! from 3.14 (forkserver; fork up to 3.13). "fork": the child is a copy of
//! the parent (`Child::fork`). fork(2) works in a threaded process too, but
//! the child gets only the calling thread (a lock another thread held stays
//! locked), so `Child::fork` refuses to fork one; the child prints with one
//! `write(2)` and ends with `_exit`. `join` is `wait` (it reaps the child),
//! here with a deadline. Both children continue the parent's output clock.
//!
//! Run: cargo run -p examples-processes --bin process_hello -- --method fork
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use examples_processes::child::{self, Child, say_from_fork};
use examples_processes::hygiene::stat_of;
use shared::output::{heading, line, results, say_as};

const HELLO: &str = "hello";

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
    about = "A child proceso says hello: by re-exec (\"spawn\") and by fork",
    allow_negative_numbers = true
)]
struct Args {
    /// Which start method to show.
    #[arg(long, value_enum, default_value_t = Method::Both)]
    method: Method,
    /// How long each child waits before saying hello, in ms: time to
    /// `kill -TERM <parent pid>` and see the child die with it.
    #[arg(long, default_value_t = 0, value_name = "0..=600000", value_parser = shared::cli::range(0..=600_000u64))]
    child_pause_ms: u64,
    /// How long the parent waits for each child (join) before killing it, in ms.
    #[arg(long, default_value_t = 10_000, value_name = "1..=600000", value_parser = shared::cli::range(1..=600_000u64))]
    join_timeout_ms: u64,
}

/// The notes' `hello_from_process`, for the spawned child.
fn hello_from_process(pause: Duration) {
    say_as(
        "hijo",
        format!("waiting {} ms before saying hello", pause.as_millis()),
    );
    std::thread::sleep(pause);
    let (me, parent) = (std::process::id(), nix::unistd::getppid());
    say_as(
        "hijo",
        format!("Hola desde el proceso hijo: pid {me}, my parent is {parent}"),
    );
}

/// The forked child's body: only async-signal-safe calls (getpid, nanosleep,
/// one write(2) of a line formatted on the stack).
fn hello_from_fork(pause: Duration) -> i32 {
    say_from_fork(
        "hijo",
        format_args!("waiting {} ms before saying hello", pause.as_millis()),
    );
    std::thread::sleep(pause);
    let (me, parent) = (nix::unistd::getpid(), nix::unistd::getppid());
    say_from_fork(
        "hijo",
        format_args!("Hola desde el proceso hijo: pid {me}, my parent is {parent}"),
    );
    0
}

/// The parent's half: say hello, ask the kernel who the child's parent is
/// (before joining: once reaped, the child is gone from /proc), then join.
fn parent_side(mut child: Child, join: Duration) -> anyhow::Result<(u32, i32, String)> {
    let ppid = stat_of(child.pid() as i32).map_or(-1, |stat| stat.ppid);
    say_as(
        "padre",
        format!(
            "Hola desde el proceso padre: pid {}, child {}",
            std::process::id(),
            child.pid()
        ),
    );
    let exit = child.wait_or_kill(join)?; // p.join(), with a deadline
    say_as("padre", format!("joined child {}: {exit}", child.pid()));
    anyhow::ensure!(exit.success(), "the child did not end well: {exit}");
    Ok((child.pid(), ppid, exit.to_string()))
}

fn parent(args: &Args) -> anyhow::Result<()> {
    let (pause, join) = (
        Duration::from_millis(args.child_pause_ms),
        Duration::from_millis(args.join_timeout_ms),
    );
    let mut found = Vec::new();
    // Fork first: `Child::fork` wants this process single-threaded.
    if args.method != Method::Spawn {
        heading("fork: the child is a copy of this process");
        let child = Child::fork("hello-fork", || hello_from_fork(pause))?;
        found.push(("fork", parent_side(child, join)?));
    }
    if args.method != Method::Fork {
        heading("spawn: this binary runs again, as role \"hello\"");
        let child = Child::spawn_self(
            HELLO,
            &[&format!("--child-pause-ms={}", args.child_pause_ms)],
        )?;
        found.push(("spawn", parent_side(child, join)?));
    }
    line("");
    line("Each child has a pid of its own, and the kernel names this process as its parent;");
    line("the parent joined (reaped) each one. Which \"Hola\" came first is up to the scheduler.");
    let me = std::process::id();
    let mut keys: Vec<(String, String)> = vec![("parent_pid".into(), me.to_string())];
    for (method, (pid, ppid, exit)) in found {
        keys.push((format!("{method}_child_pid"), pid.to_string()));
        keys.push((format!("{method}_child_ppid"), ppid.to_string()));
        keys.push((format!("{method}_exit"), exit));
    }
    let pairs: Vec<(&str, &dyn std::fmt::Display)> = keys
        .iter()
        .map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display))
        .collect();
    results(&pairs);
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    let args = Args::parse();
    // Python's `if __name__ == '__main__':` a re-executed child has a role.
    let result = match child::role().as_deref() {
        Some(HELLO) => child::die_with_parent()
            .map(|()| hello_from_process(Duration::from_millis(args.child_pause_ms)))
            .map_err(Into::into),
        Some(other) => Err(child::ChildError::UnknownRole(other.into()).into()),
        None => parent(&args),
    };
    child::exit_code(result)
}
