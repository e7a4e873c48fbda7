//! The simplest bucle de eventos: a queue of messages handled one by one.
//!
//! Ports: notes 002, "Como funciona un Event Loop?" (the `deque` loop).
//! Python (the notes):
//! ```python
//! messages = deque()
//! while True:
//!     if messages:
//!         message = messages.pop()   # pop() takes from the RIGHT: newest first
//!         process_message(message)
//! ```
//! Two things the notes do not say. `pop()` takes the newest message, so a
//! burst is handled backwards; a queue wants `popleft()`. And the loop never
//! sleeps: with nothing queued it asks "anything?" millions of times a
//! second, one core at 100%. Rust, part 1: that loop as written, on a
//! `Mutex<VecDeque>` (`pop_back` is `pop`). Part 2: the loop a student
//! should copy: `for message in receiver` on a std channel, which sleeps in
//! the kernel until a message arrives, in arrival order (`popleft`'s).
//!
//! Also: the notes say asyncio "aprovecha que las operaciones de I/O liberan
//! el GIL". It does not need that: the loop is one thread; its concurrency
//! comes from not waiting (it asks the OS which sockets are ready, sleeping
//! in one call, and runs whichever task can go on). See event_loop_from_scratch.
//!
//! Run: cargo run -p examples-async --bin message_loop -- --bursts 5 --burst 3
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use examples_async::harness::thread_cpu_time;
use shared::output::{heading, line, results, say};

#[derive(Parser)]
#[command(
    about = "The notes' deque loop (spins, newest first) vs a loop sleeping on a channel",
    allow_negative_numbers = true
)]
struct Args {
    /// Bursts of messages the producer sends.
    #[arg(long, default_value_t = 4, value_name = "1..=100", value_parser = shared::cli::range(1..=100u64))]
    bursts: u64,
    /// Messages in each burst (they arrive together).
    #[arg(long, default_value_t = 3, value_name = "1..=100", value_parser = shared::cli::range(1..=100u64))]
    burst: u64,
    /// Pause between bursts, in ms (the queue is empty meanwhile).
    #[arg(long, default_value_t = 50, value_name = "1..=2000", value_parser = shared::cli::range(1..=2_000u64))]
    gap_ms: u64,
}

/// What one loop did while it ran.
struct Report {
    order: Vec<u64>,
    empty_checks: u64,
    cpu: Duration,
    wall: Duration,
}

/// The notes' loop: look, and if there is a message, `pop()` it.
fn notes_loop(args: &Args) -> Report {
    let messages: Arc<Mutex<VecDeque<u64>>> = Arc::default();
    let (bursts, burst, gap) = (args.bursts, args.burst, args.gap_ms);
    let queue = Arc::clone(&messages);
    let producer = thread::spawn(move || {
        for b in 0..bursts {
            thread::sleep(Duration::from_millis(gap));
            let mut queue = queue.lock().unwrap(); // a whole burst at once
            queue.extend((0..burst).map(|i| b * burst + i));
        }
    });
    let (cpu, started) = (thread_cpu_time(), Instant::now());
    let (mut order, mut empty_checks) = (Vec::new(), 0);
    while order.len() < (bursts * burst) as usize {
        let message = messages.lock().unwrap().pop_back(); // deque.pop()
        match message {
            Some(m) => order.push(m),
            None => empty_checks += 1, // nothing: ask again, at once
        }
    }
    producer.join().expect("producer panicked");
    Report {
        order,
        empty_checks,
        cpu: thread_cpu_time() - cpu,
        wall: started.elapsed(),
    }
}

/// The loop to copy: `recv` sleeps until a message arrives.
fn channel_loop(args: &Args) -> Report {
    let (sender, receiver) = mpsc::channel::<u64>();
    let (bursts, burst, gap) = (args.bursts, args.burst, args.gap_ms);
    let producer = thread::spawn(move || {
        for b in 0..bursts {
            thread::sleep(Duration::from_millis(gap));
            for i in 0..burst {
                let _ = sender.send(b * burst + i);
            }
        } // the sender is dropped here: the loop below ends
    });
    let (cpu, started) = (thread_cpu_time(), Instant::now());
    let order: Vec<u64> = receiver.iter().collect(); // for message in receiver
    producer.join().expect("producer panicked");
    Report {
        order,
        empty_checks: 0,
        cpu: thread_cpu_time() - cpu,
        wall: started.elapsed(),
    }
}

fn describe(report: &Report) {
    say(format!("handled, in this order: {:?}", report.order));
    say(format!(
        "looked at an empty queue {} times; CPU {:.2} ms in {:.0} ms of wall time ({:.0}%)",
        report.empty_checks,
        report.cpu.as_secs_f64() * 1e3,
        report.wall.as_secs_f64() * 1e3,
        100.0 * report.cpu.as_secs_f64() / report.wall.as_secs_f64().max(1e-9)
    ));
}

fn in_order(order: &[u64]) -> bool {
    order.windows(2).all(|w| w[0] < w[1])
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    heading("the notes' loop: while True: if messages: messages.pop()");
    let spin = notes_loop(&args);
    describe(&spin);
    heading("the loop to copy: for message in receiver (sleeps while empty)");
    let sleep = channel_loop(&args);
    describe(&sleep);
    line("");
    let popped = match (in_order(&spin.order), args.burst) {
        (false, n) => format!("pop() took messages of a burst of {n} newest first"),
        (true, 1) => "pop() kept arrival order: a burst of 1 leaves it nothing to reverse".into(),
        (true, n) => format!(
            "pop() kept arrival order this time: the loop took each of a burst of {n} before the next arrived"
        ),
    };
    let kept = if in_order(&sleep.order) {
        "the channel kept arrival order"
    } else {
        "the channel lost arrival order (?)"
    };
    line(format!("{popped}; {kept}."));
    line(format!(
        "While empty, the notes' loop asked {} times and burned {:.0} ms of CPU; the channel loop slept ({:.2} ms).",
        spin.empty_checks,
        spin.cpu.as_secs_f64() * 1e3,
        sleep.cpu.as_secs_f64() * 1e3
    ));
    results(&[
        ("items", &sleep.order.len()),
        ("spin_in_order", &in_order(&spin.order)),
        ("spin_empty_checks", &spin.empty_checks),
        (
            "spin_cpu_ms",
            &format!("{:.2}", spin.cpu.as_secs_f64() * 1e3),
        ),
        (
            "spin_wall_ms",
            &format!("{:.2}", spin.wall.as_secs_f64() * 1e3),
        ),
        ("sleep_in_order", &in_order(&sleep.order)),
        (
            "sleep_cpu_ms",
            &format!("{:.2}", sleep.cpu.as_secs_f64() * 1e3),
        ),
        (
            "sleep_wall_ms",
            &format!("{:.2}", sleep.wall.as_secs_f64() * 1e3),
        ),
    ]);
    Ok(())
}
