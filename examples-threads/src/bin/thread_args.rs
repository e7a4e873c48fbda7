//! Argumentos y resultados: passing data into a hilo and getting values back.
//!
//! Ports: notes 001, `threading.Thread(target=print_something, args=("hello",))`.
//! Python passes arguments as a tuple (`args=("hello",)`) and a thread's
//! return value is lost (you need a queue or a shared list to get it back).
//! Rust passes arguments by capturing them in a `move` closure (the thread
//! *owns* them: no other thread can touch them meanwhile), and `join()`
//! returns whatever the closure returned.
//! Borrowing instead of moving: a plain `thread::spawn` may outlive the
//! function that started it, so it cannot borrow local data (error E0373,
//! "closure may outlive the current function"). `thread::scope` joins every
//! thread in it before the scope ends, so those threads *may* borrow the
//! caller's data: here a Vec of numbers split into one chunk per hilo.
//!
//! Run: cargo run -p examples-threads --bin thread_args -- --threads 4 --n 1000000
#![forbid(unsafe_code)]

use std::thread;

use anyhow::Context;
use clap::Parser;
use shared::output::{heading, line, results, say};

#[derive(Parser)]
#[command(
    about = "Arguments into hilos (move), results out (join), borrowing with scoped threads",
    allow_negative_numbers = true
)]
struct Args {
    /// How many hilos share the work.
    #[arg(long, default_value_t = 4, value_name = "1..=64",
          value_parser = shared::cli::range(1..=64u64))]
    threads: u64,
    /// How many numbers to add up (1..=n). Section 3 keeps them all in a Vec.
    #[arg(long, default_value_t = 1_000_000, value_name = "1..=10000000",
          value_parser = shared::cli::range(1..=10_000_000u64))]
    n: u64,
}

fn print_something(something: &str) {
    say(something);
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();

    heading("1. An argument in: Thread(target=print_something, args=(\"hello\",))");
    let message = String::from("hello");
    // `move` hands `message` to the hilo; main can no longer use it.
    let handle = thread::spawn(move || print_something(&message));
    handle.join().expect("the hilo panicked");

    heading("2. Values out through join");
    let chunk = args.n.div_ceil(args.threads);
    let mut handles = Vec::new();
    for i in 0..args.threads {
        let (from, to) = (i * chunk + 1, ((i + 1) * chunk).min(args.n));
        // from and to are u64, Copy: the closure gets its own copies.
        let handle = thread::Builder::new()
            .name(format!("sumador-{i}"))
            .spawn(move || {
                let part: u64 = (from..=to).sum(); // empty (0) if from > to
                say(format!("summed {from}..={to}: {part}"));
                part
            })
            .context("the OS refused to start a thread")?;
        handles.push(handle);
    }
    let by_join: u64 = handles
        .into_iter()
        .map(|h| h.join().expect("a hilo panicked"))
        .sum();
    say(format!("sum by threads via join: {by_join}"));

    heading("3. Borrowing local data with thread::scope");
    let numbers: Vec<u64> = (1..=args.n).collect();
    let chunk_len = numbers.len().div_ceil(args.threads as usize);
    let by_scope: u64 = thread::scope(|scope| {
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
    say(format!("sum by scoped threads borrowing: {by_scope}"));
    let expected: u64 = numbers.iter().sum();
    say(format!("sum by a plain loop: {expected}"));

    line("");
    let right = by_join == expected && by_scope == expected;
    line(format!(
        "What you saw: {} hilos got their range by move and returned partial sums through join; \
         scoped hilos borrowed slices of one Vec. Both totals {} the plain loop's ({expected}).",
        args.threads,
        if right { "equal" } else { "DO NOT equal" }
    ));
    results(&[
        ("threads", &args.threads),
        ("sum_join", &by_join),
        ("sum_scoped", &by_scope),
        ("expected", &expected),
    ]);
    anyhow::ensure!(right, "a threaded sum differs from the sequential one");
    Ok(())
}
