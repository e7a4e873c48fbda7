//! Memoria compartida: a Value and an Array shared by procesos; lost updates, atomics, a lock.
//!
//! Ports: notes 000, "Memoria compartida", and 003, "Comunicación entre
//! procesos" (`Value`, `Array`). Python:
//! ```python
//! def f(n, a):
//!     n.value = 3.1415927
//!     for i in range(len(a)): a[i] = -a[i]
//! num = Value('d', 0.0); arr = Array('i', range(10))
//! p = Process(target=f, args=(num, arr)); p.start(); p.join()
//! print(num.value, arr[:])          # the child's writes ARE seen here
//! def count(v):                     # from several processes at once:
//!     for _ in range(N): v.value += 1   # read, then write: updates lost
//!         # with v.get_lock(): v.value += 1   would lose none
//! ```
//! Rust: `examples_processes::shmem` puts `Value`, `Array` and `Locked` in an
//! anonymous `mmap(MAP_SHARED)` made before `fork`, so the children write
//! into the memory the parent reads (in `process_context` each wrote to its
//! own copy). Then forked children add 1 to one counter, four ways: no lock
//! (lost updates); a `std::sync::Mutex` (each process locks *its own copy*:
//! still lost); an atomic `fetch_add` (none lost); a spin lock whose lock
//! word lives in the shared mapping (none lost). Lost updates need two cores
//! running at once; a way that happened not to overlap is run again.
//!
//! Run: cargo run --release -p examples-processes --bin shared_memory -- --processes 4
#![forbid(unsafe_code)]

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::ensure;
use clap::Parser;
use examples_processes::child::{self, Child, say_from_fork};
use examples_processes::shmem::{Array, Locked, Value};
use shared::output::{heading, line, results, say};
use shared::timing::format_duration;

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
    /// Runs allowed for each unsynchronised way to show a loss: on a busy
    /// machine the processes may happen not to run at the same time.
    #[arg(long, default_value_t = 5, value_name = "1..=100", value_parser = shared::cli::range(1..=100u64))]
    attempts: u64,
}

/// One way of adding 1 to the shared counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    NoLock,
    StdMutex,
    Atomic,
    SharedLock,
}

impl Way {
    const ALL: [Way; 4] = [Way::NoLock, Way::StdMutex, Way::Atomic, Way::SharedLock];

    /// Whether this way is expected to lose updates.
    fn lossy(self) -> bool {
        matches!(self, Way::NoLock | Way::StdMutex)
    }

    fn label(self) -> &'static str {
        match self {
            Way::NoLock => "no lock (read, then write)",
            Way::StdMutex => "std Mutex (one copy per process)",
            Way::Atomic => "atomic fetch_add",
            Way::SharedLock => "spin lock in the shared memory",
        }
    }
}

/// In shared memory: a start line, a counter, and a counter behind a lock.
struct Shared {
    start_line: Value<u64>,
    counter: Value<u64>,
    locked: Locked<u64>,
}

/// The children's loop. Runs in a forked child: atomics and memory only.
fn count(way: Way, shared: &Shared, private_mutex: &Mutex<()>, args: &Args) -> i32 {
    // All at the same time, on different cores: that is when updates race.
    let all_came = shared
        .start_line
        .wait_at_start_line(args.processes, Duration::from_secs(30));
    if !all_came {
        return 3; // the others never came: give up
    }
    for _ in 0..args.iterations {
        match way {
            Way::NoLock => shared.counter.add_unsynchronised(1),
            Way::StdMutex => {
                // This process's own copy of the mutex: fork copied it.
                let _guard = private_mutex.lock().unwrap_or_else(PoisonError::into_inner);
                shared.counter.add_unsynchronised(1);
            }
            Way::Atomic => {
                shared.counter.fetch_add(1);
            }
            Way::SharedLock => *shared.locked.lock() += 1,
        }
    }
    0
}

/// One way's run: how many increments arrived, in how long, on which try.
struct Row {
    way: Way,
    got: u64,
    took: Duration,
    run: u64,
}

/// Forks `--processes` children that count `way`, waits for all of them.
fn run_way(way: Way, args: &Args, run: u64) -> anyhow::Result<Row> {
    let shared = Shared {
        start_line: Value::new(0)?,
        counter: Value::new(0)?,
        locked: Locked::new(0)?,
    };
    let private_mutex = Mutex::new(());
    let started = Instant::now();
    let mut children = Vec::new();
    for index in 0..args.processes {
        // Each forked child dies with this process (Child::fork arranges it).
        children.push(Child::fork(format!("counter-{index}"), || {
            count(way, &shared, &private_mutex, args)
        })?);
    }
    say(format!(
        "{}: {} processes counting (run {run})",
        way.label(),
        children.len()
    ));
    child::join_all(&mut children, Duration::from_secs(300))?;
    let got = if way == Way::SharedLock {
        shared.locked.get()
    } else {
        shared.counter.get()
    };
    Ok(Row {
        way,
        got,
        took: started.elapsed(),
        run,
    })
}

fn value_and_array() -> anyhow::Result<(f64, Vec<i32>)> {
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
    say(format!(
        "after join: num = {}, arr = {:?}",
        num.get(),
        arr.to_vec()
    ));
    Ok((num.get(), arr.to_vec()))
}

fn main() -> std::process::ExitCode {
    shared::output::start();
    child::exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> anyhow::Result<()> {
    let (num, arr) = value_and_array()?;
    let expected = args.processes * args.iterations;
    heading(&format!(
        "2. {} processes each add 1 to one shared counter {} times",
        args.processes, args.iterations
    ));
    let mut rows = Vec::new();
    for way in Way::ALL {
        // A lossy way that lost nothing did not overlap (a busy machine?):
        // run it again, up to --attempts times.
        let mut run = 1;
        let mut row = run_way(way, args, run)?;
        while way.lossy() && row.got == expected && run < args.attempts {
            run += 1;
            row = run_way(way, args, run)?;
        }
        rows.push(row);
    }
    line("");
    for row in &rows {
        say(format!(
            "{:<34} got {:>10} of {expected}, lost {:>10}, in {} (run {})",
            row.way.label(),
            row.got,
            expected - row.got.min(expected),
            format_duration(row.took),
            row.run
        ));
    }
    let got = |way: Way| rows.iter().find(|r| r.way == way).map_or(0, |r| r.got);
    let lost = |way: Way| expected.saturating_sub(got(way));
    line("");
    line("The child's writes to the Value and the Array reached the parent: shared memory.");
    line(format!(
        "Without a lock {} of {expected} updates were lost, with a std Mutex {} (each process locked",
        lost(Way::NoLock),
        lost(Way::StdMutex)
    ));
    line(format!(
        "its own copy); fetch_add lost {} and the lock in shared memory {}.",
        lost(Way::Atomic),
        lost(Way::SharedLock)
    ));
    let arr: Vec<String> = arr.iter().map(i32::to_string).collect();
    results(&[
        ("num", &num),
        ("arr", &arr.join(",")),
        ("expected", &expected),
        ("lost_no_lock", &lost(Way::NoLock)),
        ("lost_std_mutex", &lost(Way::StdMutex)),
        ("lost_atomic", &lost(Way::Atomic)),
        ("lost_shared_lock", &lost(Way::SharedLock)),
        ("got_atomic", &got(Way::Atomic)),
        ("got_shared_lock", &got(Way::SharedLock)),
    ]);
    ensure!(
        lost(Way::Atomic) == 0 && lost(Way::SharedLock) == 0,
        "an update was lost under an atomic or a lock"
    );
    Ok(())
}
