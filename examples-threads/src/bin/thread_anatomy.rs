//! Partes de un hilo: id, name, stack, state and context switches, as the OS sees them.
//!
//! Ports: notes 000 "Multithreading", "Partes de un hilo" (ID, puntero de pila,
//! contador de programa, estado, registros, puntero al proceso padre) and
//! "cambio de contexto".
//!
//! | the notes' part       | what Rust / Linux lets us see                          |
//! |-----------------------|--------------------------------------------------------|
//! | 1. ID                 | `thread::current().id()` (Rust's) and the kernel tid   |
//! | 2. puntero de pila    | its stack: size chosen with `Builder::stack_size`, and  |
//! |                       | the address of a local variable (it lives on that stack)|
//! | 3. contador de programa | not readable from safe code: the kernel saves it at   |
//! |                       | each context switch, with the registers                 |
//! | 4. estado             | the kernel's state letter: R running/ready, S waiting   |
//! | 5. registros          | saved by the kernel at each context switch; not visible |
//! | 6. proceso padre      | the process id: every thread of it shares the pid       |
//!
//! A context switch (cambio de contexto) is the kernel saving one thread's
//! registers and loading another's. Linux counts them per thread: voluntary
//! (the thread blocked: sleep, lock, I/O) and involuntary (its time slice ran
//! out). The states the notes list (running, ready, wait, initialize,
//! closed) map onto R (running *or* ready: Linux does not tell them apart), S
//! (waiting), and the thread being created / gone.
//!
//! What you see: a hilo parked (waiting, state S), then woken to compute
//! (state R), then made to sleep repeatedly: its voluntary switches grow.
//!
//! Linux only: elsewhere it says so and exits cleanly.
//!
//! Run: cargo run -p examples-threads --bin thread_anatomy -- --stack-kib 256
#![forbid(unsafe_code)]

use std::sync::mpsc::{self, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use examples_threads::os_threads::{
    OsInfoError, OsThread, current_tid, state_in_words, thread_info,
};
use shared::output::{line, say};

#[derive(Parser, Debug)]
#[command(about = "Show a hilo's id, name, stack, state and context switches, read from the OS")]
struct Args {
    /// Stack size for the new hilo, in KiB (Rust's default is 2048).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(64..=65_536))]
    stack_kib: u64,
    /// How many short sleeps the hilo does to show voluntary context switches.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    sleeps: u32,
}

/// What main tells the hilo to do next.
enum Order {
    /// Compute until main says it has looked (or hangs up).
    Compute(mpsc::Receiver<()>),
    SleepSome(u32),
    Finish,
}

fn show(label: &str, info: &OsThread) {
    say(format!(
        "{label}: state {}, voluntary switches {}, involuntary switches {}",
        info.state_in_words(),
        info.voluntary_switches,
        info.involuntary_switches
    ));
}

/// Polls the kernel until the thread's state letter is `wanted`, or the
/// deadline passes. The kernel updates the state when the thread blocks,
/// which we cannot be told about, so we look again every millisecond.
fn wait_for_state(tid: u32, wanted: char, deadline: Duration) -> Result<OsThread, OsInfoError> {
    let start = Instant::now();
    loop {
        let info = thread_info(tid)?;
        if info.state == wanted {
            return Ok(info);
        }
        if start.elapsed() > deadline {
            say(format!(
                "(the hilo did not reach {} within {deadline:?}: the machine may be busy)",
                state_in_words(wanted)
            ));
            return Ok(info);
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// The hilo's own voluntary context-switch count (read by the hilo itself).
fn my_voluntary_switches() -> u64 {
    current_tid()
        .and_then(thread_info)
        .map_or(0, |t| t.voluntary_switches)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Err(OsInfoError::Unsupported) = current_tid() {
        line(
            "Reading a thread's state needs Linux's /proc; this system has none. Nothing to show.",
        );
        return Ok(());
    }

    let (orders_tx, orders_rx) = mpsc::channel::<Order>();
    let (tid_tx, tid_rx) = mpsc::channel::<u32>();
    // The hilo answers each order with its voluntary-switch count before and
    // after carrying it out, read by itself, so main's reading adds nothing.
    let (done_tx, done_rx) = mpsc::channel::<(u64, u64)>();
    let stack_bytes = args.stack_kib as usize * 1024;

    let handle = thread::Builder::new()
        .name("anatomia".into())
        .stack_size(stack_bytes)
        .spawn(move || {
            let on_my_stack = 0u8;
            say(format!(
                "1. ID: Rust {:?}, kernel tid {}",
                thread::current().id(),
                current_tid().unwrap_or(0)
            ));
            say(format!(
                "2. stack: a local variable lives at {:p}",
                &on_my_stack
            ));
            let _ = tid_tx.send(current_tid().unwrap_or(0));
            // Waiting on a channel is a real block: the kernel marks us S.
            for order in orders_rx.iter() {
                match order {
                    Order::Compute(looked) => {
                        // Busy until main has seen us running: a fixed
                        // stretch could end before a busy machine lets
                        // main look. 10 s bounds it if main never says.
                        let watch = Instant::now();
                        let mut x = 0u64;
                        while matches!(looked.try_recv(), Err(TryRecvError::Empty))
                            && watch.elapsed() < Duration::from_secs(10)
                        {
                            x = std::hint::black_box(x.wrapping_add(1));
                        }
                        let _ = done_tx.send((0, 0));
                    }
                    Order::SleepSome(times) => {
                        let before = my_voluntary_switches();
                        for _ in 0..times {
                            // Each sleep blocks: one voluntary context switch.
                            thread::sleep(Duration::from_millis(1));
                        }
                        let _ = done_tx.send((before, my_voluntary_switches()));
                    }
                    Order::Finish => break,
                }
            }
        })
        .context("the OS refused to start a thread")?;

    let tid = tid_rx
        .recv_timeout(Duration::from_secs(10))
        .context("the hilo never reported its id")?;
    say(format!(
        "   name: \"anatomia\" (the kernel shows it in /proc/{}/task/{tid}/comm)",
        std::process::id()
    ));
    say(format!("   stack size asked for: {} KiB", args.stack_kib));
    say("3. program counter: not readable from safe Rust; the kernel saves it at each switch");
    say("5. registers: saved and restored by the kernel at each context switch; not visible");
    say(format!(
        "6. parent process: pid {} (shared by every hilo of this proceso)",
        std::process::id()
    ));

    let parked = wait_for_state(tid, 'S', Duration::from_secs(5))?;
    show("4. state while waiting on a channel", &parked);

    let (looked_tx, looked_rx) = mpsc::channel();
    orders_tx.send(Order::Compute(looked_rx)).ok();
    let running = wait_for_state(tid, 'R', Duration::from_secs(5))?;
    let _ = looked_tx.send(());
    show("4. state while computing", &running);
    done_rx
        .recv_timeout(Duration::from_secs(10))
        .context("compute never finished")?;

    orders_tx.send(Order::SleepSome(args.sleeps)).ok();
    let (before, after) = done_rx
        .recv_timeout(Duration::from_secs(60))
        .context("sleeps never finished")?;
    show(
        &format!("cambio de contexto: after {} short sleeps", args.sleeps),
        &thread_info(tid)?,
    );
    let grew = after.saturating_sub(before);
    say(format!(
        "voluntary context switches during the sleeps: {grew}"
    ));

    orders_tx.send(Order::Finish).ok();
    handle.join().expect("the hilo panicked");

    line("");
    line(format!(
        "What you saw: the hilo was '{}' while waiting and '{}' while computing;",
        parked.state, running.state
    ));
    line(format!(
        "each of its {} sleeps gave the CPU away, and the kernel counted {grew} voluntary context switches.",
        args.sleeps
    ));
    Ok(())
}
