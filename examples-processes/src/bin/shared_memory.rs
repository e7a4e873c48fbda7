//! Memoria compartida: a Value and an Array shared by procesos; lost updates, atomics, a lock.
//!
//! Ports: notes 000, "Memoria compartida", and 003, "Comunicación entre
//! procesos" (`Value`, `Array`). Python:
//! ```python
//! num = Value('d', 0.0); arr = Array('i', range(10))
//! p = Process(target=f, args=(num, arr)); p.start(); p.join()
//! print(num.value, arr[:])          # the child's writes ARE seen here
//! def count(v):                     # from several processes at once:
//!     for _ in range(N): v.value += 1   # read, then write: updates lost
//! ```
//! Rust: `examples_processes::shmem` puts `Value`, `Array` and `Locked` in an
//! anonymous `mmap(MAP_SHARED)` made before `fork`, so the children write
//! into the memory the parent reads. Then forked children add 1 to one
//! counter four ways: no lock (lost updates); a `std::sync::Mutex` (each
//! process locks *its own copy*: still lost); an atomic `fetch_add` (none
//! lost); a spin lock whose lock word lives in the shared mapping (none
//! lost). Lost updates need two cores at once: a lossy way that lost
//! nothing is run again, up to `--attempts` times.
//!
//! Run: cargo run --release -p examples-processes --bin shared_memory -- --processes 4
#![forbid(unsafe_code)]

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::ensure;
use clap::Parser;
use examples_processes::child::{self, Child, say_from_fork};
use examples_processes::shmem::{self, Array, Locked, Value};
use shared::output::{heading, line, results, say};

#[derive(Parser, Debug)]
#[command(
    allow_negative_numbers = true,
    about = "Value and Array in shared memory across procesos: lost updates, atomics, a cross-process lock"
)]
struct Args {
    /// Processes incrementing the shared counter at once.
    #[arg(long, default_value_t = 2, value_name = "2..=16", value_parser = shared::cli::range(2..=16u64))]
    processes: u64,
    /// Increments per process, for each way of counting.
    #[arg(long, default_value_t = 2_000_000, value_name = "1..=1_000_000_000", value_parser = shared::cli::range(1..=1_000_000_000u64))]
    iterations: u64,
    /// Runs allowed for each unsynchronised way to show a loss.
    #[arg(long, default_value_t = 5, value_name = "1..=100", value_parser = shared::cli::range(1..=100u64))]
    attempts: u64,
}

/// The four ways of adding 1 to the shared counter; the first two lose updates.
const WAYS: [&str; 4] = ["no lock", "std Mutex", "fetch_add", "shared lock"];

/// Forks `--processes` children that each add 1 `--iterations` times in
/// `way`; returns what the shared counter reached.
fn count(way: &str, args: &Args) -> anyhow::Result<u64> {
    let counter = Value::new(0u64)?; // shared: made before fork
    let locked = Locked::new(0u64)?; // value and lock word both shared
    let private_mutex = Mutex::new(()); // NOT shared: fork copies it
    let mut children = shmem::fork_together("counter", args.processes, || {
        for _ in 0..args.iterations {
            match way {
                "no lock" => counter.add_unsynchronised(1), // load, then store
                "std Mutex" => {
                    let _guard = private_mutex.lock().unwrap_or_else(PoisonError::into_inner);
                    counter.add_unsynchronised(1);
                }
                "fetch_add" => _ = counter.fetch_add(1),
                _ => *locked.lock() += 1,
            }
        }
    })?;
    say(format!("{way}: {} processes counting", children.len()));
    child::join_all(&mut children, Duration::from_secs(300))?;
    Ok(counter.get() + locked.get()) // one of the two stayed 0
}

fn main() -> std::process::ExitCode {
    shared::output::start();
    child::exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> anyhow::Result<()> {
    heading("1. Value('d') and Array('i') written by a child, read by the parent");
    let num = Value::new(0.0f64)?;
    let arr = Array::<i32>::from_slice(&(0..10).collect::<Vec<i32>>())?;
    say(format!(
        "before: num = {}, arr = {:?}",
        num.get(),
        arr.to_vec()
    ));
    let mut child = Child::fork("value-array", || {
        num.set(std::f64::consts::PI);
        for i in 0..arr.len() {
            arr.set(i, -arr.get(i).unwrap_or(0));
        }
        say_from_fork("hijo", format_args!("set num = pi and negated arr"));
        0
    })?;
    let exit = child.wait_or_kill(Duration::from_secs(30))?;
    ensure!(exit.success(), "the child did not end well: {exit}");
    let (num, arr) = (num.get(), arr.to_vec());
    say(format!("after join: num = {num}, arr = {arr:?}"));

    let expected = args.processes * args.iterations;
    heading(&format!(
        "2. {} processes each add 1 to one shared counter {} times",
        args.processes, args.iterations
    ));
    let (mut got, mut lost) = ([0u64; 4], [0u64; 4]);
    for (i, way) in WAYS.into_iter().enumerate() {
        got[i] = count(way, args)?;
        // A lossy way that lost nothing did not overlap (a busy machine?).
        for _ in 1..args.attempts {
            if i >= 2 || got[i] != expected {
                break;
            }
            got[i] = count(way, args)?;
        }
        lost[i] = expected.saturating_sub(got[i]);
        say(format!(
            "{way:<11} got {:>10} of {expected}, lost {:>10}",
            got[i], lost[i]
        ));
    }
    line("");
    line("The child's writes to the Value and the Array reached the parent: shared memory.");
    line(format!(
        "Without a lock {} of {expected} updates were lost, with a std Mutex {} (each process \
         locked its own copy); fetch_add lost {} and the lock in shared memory {}.",
        lost[0], lost[1], lost[2], lost[3]
    ));
    let arr: Vec<String> = arr.iter().map(i32::to_string).collect();
    results(&[
        ("num", &num),
        ("arr", &arr.join(",")),
        ("expected", &expected),
        ("lost_no_lock", &lost[0]),
        ("lost_std_mutex", &lost[1]),
        ("lost_atomic", &lost[2]),
        ("lost_shared_lock", &lost[3]),
        ("got_atomic", &got[2]),
        ("got_shared_lock", &got[3]),
    ]);
    ensure!(
        lost[2] == 0 && lost[3] == 0,
        "an update was lost under an atomic or a lock"
    );
    Ok(())
}
