//! Partes de un hilo: id, name, stack, state and context switches, as the OS sees them.
//!
//! Ports: notes 000, "Multithreading" ("Partes de un hilo": ID, puntero de
//! pila, contador de programa, estado, registros, puntero al proceso padre;
//! and "cambio de contexto").
//! Rust / Linux let us see: 1. the id (`thread::current().id()`, Rust's, and
//! the kernel tid); 2. the stack (its size chosen with `Builder::stack_size`;
//! a local variable's address lies in it); 3. the program counter and
//! 5. the registers are not readable from safe code: the kernel saves them at
//! each context switch; 4. the state, the kernel's letter in
//! `/proc/self/task/<tid>/status`: R (running *or* ready: Linux does not tell
//! them apart), S (waiting), the notes' "initialize" and "closed" being the
//! moments before and after the thread exists; 6. the parent: the pid every
//! hilo of the process shares. A context switch is the kernel saving one
//! thread's registers and loading another's; Linux counts them per thread,
//! voluntary (it blocked: sleep, lock, I/O) and involuntary (its slice ran out).
//! Linux only: elsewhere it says so and exits.
//!
//! Run: cargo run -p examples-threads --bin thread_anatomy -- --stack-kib 256
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use examples_threads::os_threads::{
    current_tid, my_voluntary_switches, thread_info, wait_for_state, wait_until_gone,
};
use shared::output::{line, results, say};

#[derive(Parser)]
#[command(
    about = "Show a hilo's id, name, stack, state and context switches, read from the OS",
    allow_negative_numbers = true
)]
struct Args {
    /// Stack size for the new hilo, in KiB (Rust's default is 2048).
    #[arg(long, default_value_t = 256, value_name = "64..=65536",
          value_parser = shared::cli::range(64..=65_536u64))]
    stack_kib: u64,
    /// How many short sleeps the hilo does to show voluntary context switches.
    #[arg(long, default_value_t = 20, value_name = "1..=10000",
          value_parser = shared::cli::range(1..=10_000u64))]
    sleeps: u64,
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    if current_tid().is_err() {
        line(
            "Reading a thread's state needs Linux's /proc; this system has none. Nothing to show.",
        );
        return Ok(());
    }
    let (hello_tx, hello_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let seen_running = Arc::new(AtomicBool::new(false));
    let looked = Arc::clone(&seen_running);
    let handle = thread::Builder::new()
        .name("anatomia".into())
        .stack_size(args.stack_kib as usize * 1024)
        .spawn(move || {
            let on_my_stack = 0u8;
            let _ = hello_tx.send((
                current_tid().unwrap_or(0),
                &on_my_stack as *const u8 as usize,
            ));
            let _ = go_rx.recv(); // a real block: the kernel marks us S
            // Compute until main has seen us running (at most 10 s).
            let spin = Instant::now();
            while !looked.load(Ordering::SeqCst) && spin.elapsed() < Duration::from_secs(10) {
                std::hint::spin_loop();
            }
            let before = my_voluntary_switches();
            for _ in 0..args.sleeps {
                thread::sleep(Duration::from_millis(1)); // each sleep gives the CPU away
            }
            my_voluntary_switches() - before
        })
        .context("the OS refused to start a thread")?;
    let (tid, stack_address) = hello_rx
        .recv_timeout(Duration::from_secs(10))
        .context("the hilo never reported its id")?;
    let pid = std::process::id();

    say(format!(
        "1. ID: Rust {:?}, kernel tid {tid}",
        handle.thread().id()
    ));
    say(format!(
        "   name: {:?} (the kernel keeps it in /proc/{pid}/task/{tid}/comm)",
        thread_info(tid)?.name
    ));
    say(format!(
        "2. stack: {} KiB asked for; a local variable of the hilo lives at {stack_address:#x}",
        args.stack_kib
    ));
    say("3. program counter: not readable from safe Rust; the kernel saves it at each switch");
    let waiting = wait_for_state(tid, 'S', Duration::from_secs(5))?;
    say(format!(
        "4. state while waiting on a channel: {}",
        waiting.state_in_words()
    ));
    let _ = go_tx.send(());
    let running = wait_for_state(tid, 'R', Duration::from_secs(5))?;
    seen_running.store(true, Ordering::SeqCst);
    say(format!(
        "4. state while computing: {}",
        running.state_in_words()
    ));
    say("5. registers: saved and restored by the kernel at each context switch; not visible");
    say(format!(
        "6. parent process: pid {pid} (shared by every hilo of this proceso)"
    ));
    let grew = handle.join().expect("the hilo panicked");
    say(format!(
        "cambio de contexto: {grew} voluntary switches during {} short sleeps",
        args.sleeps
    ));
    let gone = wait_until_gone(tid, Duration::from_secs(5));
    let after = if gone { "gone" } else { "still listed" };
    say(format!(
        "finally, after join: {after} from /proc/{pid}/task (the notes' state \"closed\")"
    ));

    line("");
    line(format!(
        "What you saw: the hilo was '{}' while waiting and '{}' while computing; each of its {} \
         sleeps gave the CPU away, and the kernel counted {grew} voluntary context switches.",
        waiting.state, running.state, args.sleeps
    ));
    results(&[
        ("name", &waiting.name),
        ("stack_kib", &args.stack_kib),
        ("state_waiting", &waiting.state),
        ("state_computing", &running.state),
        ("sleeps", &args.sleeps),
        ("voluntary_switches", &grew),
        ("state_after_join", &after),
    ]);
    Ok(())
}
