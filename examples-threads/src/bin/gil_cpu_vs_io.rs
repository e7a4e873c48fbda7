//! El GIL: CPU-bound work on hilos, with and without one global lock; I/O-bound work.
//!
//! Ports: notes 002, "El GIL para CPU-Bound y I/O-Bound"; 003, "GIL" and
//! "¿cuál obtiene mejor rendimiento?"; 004, "GIL ... ticks".
//! Python: CPython's hilos share one GIL, so CPU-bound Python code on several
//! threads runs no faster than on one; the GIL is released around blocking
//! I/O, so I/O-bound threads do overlap. Hence "multiprocessing for CPU work,
//! threads for I/O". Since CPython 3.13 a free-threaded build (`python3.13t`,
//! PEP 703) can run without the GIL; PEP 779 made it officially supported in
//! 3.14, though the default build still has the GIL.
//! Rust has no GIL: the notes' CPU job (8 x the sum of 1,000,000 random ints)
//! on N hilos runs up to N times faster, one per core. To show what a GIL
//! does, the same job also runs behind `examples_threads::gil::Gil` (src/gil.rs):
//! one global lock taken in turns, handed over every `--switch-every`
//! numbers, as CPython forces a switch every 5 ms. It no longer scales; the
//! I/O waits overlap either way. The timelines show who ran when: behind the
//! GIL never two `#` in one column.
//!
//! Run (release gives the real speed): cargo run --release -p examples-threads --bin gil_cpu_vs_io
#![forbid(unsafe_code)]

use std::thread;
use std::time::Duration;

use clap::Parser;
use examples_threads::gil::{DEFAULT_SWITCH_EVERY, Gil};
use shared::output::{heading, line, results, text};
use shared::timeline::{Kind, Timeline, terminal_width};
use shared::timing::{Comparison, measure};
use shared::workload::{DEFAULT_JOBS, DEFAULT_N, expected_sums, seed_for, sum_random};

#[derive(Parser)]
#[command(
    about = "CPU-bound work on hilos: free vs behind a simulated GIL; I/O-bound overlaps either way",
    allow_negative_numbers = true
)]
struct Args {
    /// Hilos to use (default: the number of cores).
    #[arg(long, value_name = "1..=256", value_parser = shared::cli::range(1..=256usize))]
    threads: Option<usize>,
    /// CPU jobs (the notes start 8).
    #[arg(long, default_value_t = DEFAULT_JOBS, value_name = "1..=1024",
          value_parser = shared::cli::range(1..=1024usize))]
    jobs: usize,
    /// Random numbers summed per job (the notes use 1,000,000).
    #[arg(long, default_value_t = DEFAULT_N, value_name = "1..=1000000000",
          value_parser = shared::cli::range(1..=1_000_000_000u64))]
    n: u64,
    /// Numbers a hilo sums per turn holding the GIL before handing it over.
    #[arg(long, default_value_t = DEFAULT_SWITCH_EVERY, value_name = "1..=1000000000",
          value_parser = shared::cli::range(1..=1_000_000_000u64))]
    switch_every: u64,
    /// I/O-bound tasks, one hilo each.
    #[arg(long, default_value_t = 8, value_name = "1..=256",
          value_parser = shared::cli::range(1..=256usize))]
    io_tasks: usize,
    /// Each I/O task's wait, in ms (a stand-in for a web request).
    #[arg(long, default_value_t = 100, value_name = "1..=10000",
          value_parser = shared::cli::range(1..=10_000u64))]
    io_ms: u64,
}

/// Runs `work(job, lane)` for every job, spread over `threads` hilos (hilo t
/// takes jobs t, t + threads, ...); returns the answers in job order.
fn on_threads(threads: usize, jobs: usize, work: impl Fn(usize, &str) -> u64 + Sync) -> Vec<u64> {
    let mut sums = vec![0; jobs];
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let work = &work;
                let lane = format!("hilo-{t}");
                scope.spawn(move || {
                    (t..jobs)
                        .step_by(threads)
                        .map(|j| (j, work(j, &lane)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for (job, sum) in handles
            .into_iter()
            .flat_map(|h| h.join().expect("a hilo panicked"))
        {
            sums[job] = sum;
        }
    });
    sums
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let (threads, jobs, n) = (args.threads.unwrap_or(cores), args.jobs, args.n);
    let build = if cfg!(debug_assertions) {
        "debug build: add --release for real speed"
    } else {
        "release build"
    };
    line(format!(
        "{jobs} jobs x sum of {n} random ints; {threads} hilos; {cores} cores; {build}"
    ));

    heading("CPU-bound: the notes' job");
    let expected = expected_sums(jobs, n);
    let mut cpu = Comparison::new();
    let (sums, m) = measure("1 hilo", || {
        (0..jobs)
            .map(|j| sum_random(n, seed_for(j)))
            .collect::<Vec<_>>()
    });
    cpu.add_checked(m, &sums, &expected);
    let free = Timeline::new();
    let (sums, m) = measure("free", || {
        on_threads(threads, jobs, |j, lane| {
            free.span(lane, Kind::Cpu, || sum_random(n, seed_for(j)))
        })
    });
    cpu.add_checked(m, &sums, &expected);
    let gil = Gil::new(args.switch_every);
    let behind = Timeline::new();
    let (sums, m) = measure("behind the GIL", || {
        on_threads(threads, jobs, |j, lane| {
            gil.sum_random(n, seed_for(j), Some((&behind, lane)))
        })
    });
    cpu.add_checked(m, &sums, &expected);
    text(cpu.render());
    anyhow::ensure!(cpu.all_correct(), "a threaded run computed a wrong sum");
    let width = terminal_width();
    line("\nFree hilos (# computing; two # in one column ran in parallel):");
    text(free.render(width));
    line("\nBehind the GIL (. waiting for the GIL; never two # in one column):");
    text(behind.render(width));

    heading("I/O-bound: waits (a stand-in for requests), a little CPU first");
    let wait = Duration::from_millis(args.io_ms);
    let mut io = Comparison::new();
    let (_, m) = measure("one after another", || {
        (0..args.io_tasks).for_each(|_| {
            sum_random(10_000, 1);
            thread::sleep(wait)
        })
    });
    io.add_checked(m, &(), &());
    let io_free = Timeline::new();
    let (_, m) = measure("free", || {
        on_threads(args.io_tasks, args.io_tasks, |_, lane| {
            io_free.span(lane, Kind::Cpu, || sum_random(10_000, 1));
            io_free.span(lane, Kind::Io, || thread::sleep(wait));
            0
        })
    });
    io.add_checked(m, &(), &());
    let io_behind = Timeline::new();
    let (_, m) = measure("behind the GIL", || {
        on_threads(args.io_tasks, args.io_tasks, |_, lane| {
            gil.sum_random(10_000, 1, Some((&io_behind, lane)));
            io_behind.span(lane, Kind::Io, || gil.io_wait(wait)); // the GIL is not held
            0
        })
    });
    io.add_checked(m, &(), &());
    text(io.render());
    line("\nI/O behind the GIL (~ waiting for I/O, with the GIL released):");
    text(io_behind.render(width));

    let speedup = |c: &Comparison, label: &str| c.speedup(label).unwrap_or(f64::NAN);
    let (cpu_free, cpu_gil) = (speedup(&cpu, "free"), speedup(&cpu, "behind the GIL"));
    let (io_free_x, io_gil_x) = (speedup(&io, "free"), speedup(&io, "behind the GIL"));
    let (io_free_max, io_gil_max) = (
        io_free.max_overlap(Kind::Io),
        io_behind.max_overlap(Kind::Io),
    );
    line("");
    if threads == 1 {
        line(format!(
            "What you saw: on 1 hilo there is nothing to run in parallel: free it ran \
             {cpu_free:.2}x as fast as the plain loop, behind the GIL {cpu_gil:.2}x; try \
             --threads {} to see what the GIL takes away.",
            cores.max(2)
        ));
    } else {
        line(format!(
            "What you saw: with no GIL the CPU job on {threads} hilos ran {cpu_free:.2}x as fast as \
             on one ({cores} core(s): a hilo per core is the most that helps); behind one global \
             lock they took turns, at most {} computing at once: {cpu_gil:.2}x, CPython's case.",
            behind.max_overlap(Kind::Cpu)
        ));
        if cpu_gil < 0.9 {
            line(
                "(Slower than one hilo: every hand-over of the lock wakes the other hilo. David Beazley, whose talk notes 004 follow, measured the same for CPython's GIL on multicore machines.)",
            );
        }
        if cores > 1 && jobs > 1 && cpu_free < 1.2 {
            line(
                "(The free hilos did not clearly beat one: other programs may have kept the other cores busy, or each job was too short to outweigh starting the hilos.)",
            );
        }
    }
    // Built from the measured overlap, not assumed.
    let waits = |most: usize| match (args.io_tasks, most) {
        (1, _) => "had nothing to overlap with (one task)".to_string(),
        (_, 0 | 1) => "did not overlap (one waiting at a time)".to_string(),
        (tasks, most) => format!("overlapped (up to {most} of {tasks} waiting at once)"),
    };
    line(format!(
        "The I/O waits: free, they {}; behind the GIL, they {} ({io_free_x:.2}x and \
         {io_gil_x:.2}x as fast as one after another){}",
        waits(io_free_max),
        waits(io_gil_max),
        if io_gil_max > 1 {
            ": nobody holds the GIL while waiting."
        } else {
            "."
        }
    ));
    line("Every sum was checked before its time was shown.");
    let f2 = |x: f64| format!("{x:.2}");
    results(&[
        ("threads", &threads),
        ("cores", &cores),
        ("correct", &cpu.all_correct()),
        ("max_computing_free", &free.max_overlap(Kind::Cpu)),
        ("max_computing_gil", &behind.max_overlap(Kind::Cpu)),
        ("max_waiting_io_free", &io_free_max),
        ("max_waiting_io_gil", &io_gil_max),
        ("speedup_cpu_free", &f2(cpu_free)),
        ("speedup_cpu_gil", &f2(cpu_gil)),
        ("speedup_io_free", &f2(io_free_x)),
        ("speedup_io_gil", &f2(io_gil_x)),
    ]);
    Ok(())
}
