//! Figures for distributed_work (by hand) and distributed_rpc (tarpc):
//! chunks per second and the cost of one chunk's round trip, for 1 and 2
//! workers, against rayon in one process on the same job; and what losing
//! a worker mid-run adds.
//!
//! Not a test: it prints a table measured on this machine. Run in release:
//!
//!     cargo bench -p examples-sockets --bench distributed
//!
//! Each row runs the example binary (built by cargo for this bench) on
//! 127.0.0.1 and reads its `wall_ms` result line: the time from the first
//! chunk sent to the last answer, after every worker joined (process start
//! and connection are not in it). Each figure is the median of 5 runs. The
//! job: the notes' 8 x 1,000,000, and a long one (64 x 1,000,000) for the
//! throughput; the per-chunk overhead is measured with chunks of one
//! number (2,000 of them), where the work is nothing and the messages are
//! all. On two cores, two workers share them with the coordinator.
#![forbid(unsafe_code)]

use std::process::Command;
use std::time::Instant;

use examples_sockets::distributed::{job, sequential};
use rayon::prelude::*;

const WORK: &str = env!("CARGO_BIN_EXE_distributed_work");
const RPC: &str = env!("CARGO_BIN_EXE_distributed_rpc");
const RUNS: usize = 5;

/// The median `wall_ms` of RUNS runs of `bin` with `args`; each run must be correct.
fn wall_ms(bin: &str, args: &[&str]) -> f64 {
    let mut walls: Vec<f64> = (0..RUNS)
        .map(|_| {
            let out = Command::new(bin)
                .args(args)
                .output()
                .expect("run the example");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let results = shared::testing::result_lines(&stdout);
            assert!(
                out.status.success() && results.get("correct").map(String::as_str) == Some("true"),
                "{bin} {args:?} failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            results["wall_ms"].parse().unwrap()
        })
        .collect();
    walls.sort_by(f64::total_cmp);
    walls[RUNS / 2]
}

fn rayon_ms(chunks: u32, n: u64) -> f64 {
    let job = job(chunks, n);
    let expected = sequential(&job);
    let mut walls: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let sum: u64 = job
                .par_iter()
                .map(|c| examples_sockets::distributed::compute(c, || ()))
                .sum();
            let ms = start.elapsed().as_secs_f64() * 1e3;
            assert_eq!(sum, expected);
            ms
        })
        .collect();
    walls.sort_by(f64::total_cmp);
    walls[RUNS / 2]
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("distributed work on this machine ({cores} cores), median of {RUNS} runs\n");
    println!(
        "| how | workers | 8 x 1M: ms | 64 x 1M: chunks/s | per-chunk overhead (2,000 x 1 number) |"
    );
    println!("|---|---|---|---|---|");
    let rayon_small = rayon_ms(8, 1_000_000);
    let rayon_big = rayon_ms(64, 1_000_000);
    let rayon_tiny = rayon_ms(2_000, 1);
    println!(
        "| rayon, one process | {} threads | {rayon_small:.1} | {:.0} | {:.2} µs |",
        rayon::current_num_threads(),
        64.0 / rayon_big * 1e3,
        rayon_tiny * 1e3 / 2_000.0
    );
    for (name, bin) in [("by hand (TCP + serde)", WORK), ("tarpc", RPC)] {
        for workers in ["1", "2"] {
            let base = ["--workers", workers, "--deadline-ms", "5000"];
            let with = |extra: &[&'static str]| -> Vec<&str> {
                base.iter().chain(extra).copied().collect()
            };
            let small = wall_ms(bin, &with(&[]));
            let big = wall_ms(bin, &with(&["--chunks", "64"]));
            let tiny = wall_ms(bin, &with(&["--chunks", "2000", "--n", "1"]));
            println!(
                "| {name} | {workers} | {small:.1} | {:.0} | {:.1} µs |",
                64.0 / big * 1e3,
                tiny * 1e3 / 2_000.0
            );
        }
    }

    println!("\nlosing a worker mid-run (3 workers, 64 x 1M; deadline 1,000 ms):\n");
    println!("| how | no loss: ms | killed (SIGKILL): ms | stopped (SIGSTOP): ms |");
    println!("|---|---|---|---|");
    for (name, bin) in [("by hand", WORK), ("tarpc", RPC)] {
        let run = |fault: &[&'static str]| {
            let mut args = vec!["--workers", "3", "--chunks", "64", "--deadline-ms", "1000"];
            args.extend(fault);
            wall_ms(bin, &args)
        };
        let (none, killed, stopped) = (
            run(&[]),
            run(&["--fault", "kill"]),
            run(&["--fault", "stop"]),
        );
        println!(
            "| {name} | {none:.1} | {killed:.1} ({:+.1}) | {stopped:.1} ({:+.1}) |",
            killed - none,
            stopped - none
        );
    }
    println!(
        "\nA killed worker's connection closes at once: its chunk is redone straight away, at \
         the cost of half a chunk (a millisecond), within the noise; on {cores} cores, losing \
         one of 3 workers can even help. A stopped one is only noticed when its deadline \
         passes, so that loss costs about the deadline."
    );
}
