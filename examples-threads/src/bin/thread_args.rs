//! Argumentos y resultados: passing data into a hilo and getting values back.
//!
//! Ports: notes 001, `threading.Thread(target=print_something, args=("hello",))`.
//!
//! Python passes arguments as a tuple (`args=("hello",)`) and a thread's
//! return value is lost (you need a queue or a shared list to get it back).
//! Rust passes arguments by capturing them in a `move` closure (the thread
//! *owns* them: no other thread can touch them meanwhile), and `join()`
//! returns whatever the closure returned.
//!
//! Borrowing instead of moving: a plain `thread::spawn` may outlive the
//! function that started it, so it cannot borrow local data (the compiler
//! refuses with E0373: "closure may outlive the current function, but it
//! borrows `numbers`, which is owned by the current function"). `thread::scope`
//! guarantees every thread in it is joined before the scope ends, so those
//! threads *may* borrow the caller's data, here a slice of numbers split into
//! chunks, one per hilo.
//!
//! What you see: three ways, each result checked against a plain loop.
//!
//! Run: cargo run -p examples-threads --bin thread_args -- --threads 4 --n 1000000
#![forbid(unsafe_code)]

use std::thread;

use anyhow::Context;
use clap::Parser;
use shared::output::{heading, line, say};

#[derive(Parser, Debug)]
#[command(about = "Arguments into hilos (move), results out (join), borrowing with scoped threads")]
struct Args {
    /// How many hilos share the work.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    threads: u32,
    /// How many numbers to add up (1..=n). Section 3 keeps them all in a Vec.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    n: u64,
}

fn print_something(something: &str) {
    say(something);
}

/// Sum of `from..=to`, the work each hilo does.
fn sum_range(from: u64, to: u64) -> u64 {
    (from..=to).sum()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let threads = u64::from(args.threads);

    heading("1. An argument in (Thread(target=print_something, args=(\"hello\",)))");
    let message = String::from("hello");
    // `move` hands `message` to the hilo; main can no longer use it.
    let handle = thread::spawn(move || print_something(&message));
    handle.join().expect("the hilo panicked");

    heading("2. Values out through join");
    let chunk = args.n.div_ceil(threads);
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let from = i * chunk + 1;
            let to = ((i + 1) * chunk).min(args.n);
            // from and to are u64: Copy types, copied into the closure.
            thread::Builder::new()
                .name(format!("sumador-{i}"))
                .spawn(move || {
                    if from > to {
                        say("no numbers left for this hilo: partial sum 0");
                        return 0;
                    }
                    let part = sum_range(from, to);
                    say(format!("summed {from}..={to}: {part}"));
                    part
                })
        })
        .collect::<Result<_, _>>()
        .context("the OS refused to start a thread")?;
    let parts: Vec<u64> = handles
        .into_iter()
        .map(|h| h.join().expect("a hilo panicked"))
        .collect();
    let by_threads: u64 = parts.iter().sum();
    let expected = sum_range(1, args.n);
    say(format!("sum by threads via join: {by_threads}"));

    heading("3. Borrowing local data with thread::scope");
    let numbers: Vec<u64> = (1..=args.n).collect();
    let chunk_len = numbers.len().div_ceil(args.threads as usize);
    let scoped: u64 = thread::scope(|scope| {
        let handles: Vec<_> = numbers
            .chunks(chunk_len)
            // Each hilo borrows its &[u64] chunk: no copy, no Arc.
            .map(|part| scope.spawn(move || part.iter().sum::<u64>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a hilo panicked"))
            .sum()
    });
    // Every scoped hilo has been joined here, so `numbers` is ours again.
    say(format!("sum by scoped threads borrowing: {scoped}"));
    say(format!("sum by a plain loop: {expected}"));

    line("");
    let all_right = by_threads == expected && scoped == expected;
    line(format!(
        "What you saw: {} hilos each got their range by move and returned a partial sum through join;",
        args.threads
    ));
    line(format!(
        "scoped hilos borrowed slices of one Vec. Both totals {} the plain loop's ({expected}).",
        if all_right { "equal" } else { "DO NOT equal" }
    ));
    anyhow::ensure!(all_right, "a threaded sum differs from the sequential one");
    Ok(())
}
