//! `shared`: what several example crates need, and nothing else.
//!
//! - [`timing`]: a stopwatch, `timed`, CPU time, and the "which is faster"
//!   table (wall, CPU, speed-up) that refuses to time a wrong result.
//! - [`output`]: one line format for every example (elapsed, pid, thread).
//! - [`timeline`]: spans recorded by many threads or tasks, drawn as a text
//!   Gantt chart, so a student sees overlap, turns and waits.
//! - [`workload`]: the notes' CPU-bound job (sum of 1,000,000 random ints in
//!   1..=100, seeded) and an I/O stand-in.
//! - [`http`]: a local HTTP server that answers after a delay, and a small
//!   blocking GET client, for the "requests" examples (no internet needed).
//! - [`index`]: each crate's list of examples, printed by its index binary
//!   and checked against `src/bin` and the README.
//! - [`cli`]: range-checked number flags whose errors a student understands.
//! - [`testing`]: run a binary with a deadline and read its result lines.
//! - [`twins`]: run a Python twin (`python/`) beside its Rust example and
//!   check they print the same result keys and agree where they must.
//!
//! Its one binary, `compare`, measures the notes' claims on both sides:
//! `cargo run --release -p shared --bin compare -- --help`.
#![forbid(unsafe_code)]

pub mod cli;
pub mod http;
pub mod index;
pub mod output;
pub mod testing;
pub mod timeline;
pub mod timing;
pub mod twins;
pub mod workload;
