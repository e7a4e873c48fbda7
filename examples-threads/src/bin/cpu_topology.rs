//! Multiprocesador / multinúcleo: how many CPUs this machine has, and where a hilo runs.
//!
//! Ports: notes 000, "Multiprocessing" ("Multiprocesador: una board con más
//! de un CPU; Multinúcleo: varios núcleos dentro de la misma CPU").
//! Python: `os.cpu_count()` (every CPU) and, on Linux, `os.sched_getaffinity(0)`
//! / `os.sched_setaffinity(0, {1})` (the CPUs this process may use).
//! Rust: std has `thread::available_parallelism()`, which already honours the
//! affinity mask (and a cgroup CPU quota); the mask itself and pinning are
//! Linux calls, here through nix's `sched_getaffinity` / `sched_setaffinity`.
//! `taskset -c 0 <program>` sets the same mask from outside. Where a hilo
//! runs right now is `sched_getcpu()`: a vDSO call (no system call), so it can
//! be sampled thousands of times without disturbing the scheduler it watches;
//! `/proc/<pid>/task/<tid>/stat` field 39 (what `ps -o psr` shows) says the
//! same from outside, at the cost of a file read each time.
//!
//! Run: cargo run -p examples-threads --bin cpu_topology
//!      taskset -c 0 cargo run -p examples-threads --bin cpu_topology
#![forbid(unsafe_code)]

use clap::Parser;

#[derive(Parser)]
#[command(
    about = "Sockets, cores, hardware threads, the affinity mask; a pinned hilo stays on its CPU",
    allow_negative_numbers = true
)]
struct Args {
    /// How long each hilo records which CPU it runs on, in ms.
    #[arg(long, default_value_t = 300, value_name = "10..=10000",
          value_parser = shared::cli::range(10..=10_000u64))]
    sample_ms: u64,
}

#[cfg(target_os = "linux")]
mod lesson {
    use std::collections::BTreeMap;
    use std::thread;
    use std::time::{Duration, Instant};

    use nix::sched::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
    use nix::unistd::Pid;

    /// The CPUs this hilo may run on: its affinity mask (pid 0 = the caller).
    pub fn allowed_cpus() -> nix::Result<Vec<usize>> {
        let mask = sched_getaffinity(Pid::from_raw(0))?;
        Ok((0..CpuSet::count())
            .filter(|&cpu| mask.is_set(cpu).unwrap_or(false))
            .collect())
    }

    /// `taskset -c <cpu>` for the calling hilo only.
    pub fn pin_to(cpu: usize) -> nix::Result<()> {
        let mut only = CpuSet::new();
        only.set(cpu)?;
        sched_setaffinity(Pid::from_raw(0), &only)
    }

    /// How many times the calling hilo was seen on each CPU during `span`.
    /// It works a little, then sleeps a little: each wake-up is a moment the
    /// scheduler may place it on another CPU.
    pub fn cpus_seen(span: Duration) -> nix::Result<BTreeMap<usize, u64>> {
        let mut seen = BTreeMap::new();
        let until = Instant::now() + span;
        while Instant::now() < until {
            *seen.entry(sched_getcpu()?).or_insert(0) += 1;
            let busy = Instant::now();
            while busy.elapsed() < Duration::from_micros(300) {
                std::hint::spin_loop();
            }
            thread::sleep(Duration::from_micros(200));
        }
        Ok(seen)
    }
}

#[cfg(target_os = "linux")]
fn main() -> anyhow::Result<()> {
    use std::thread;
    use std::time::Duration;

    use anyhow::Context;
    use examples_threads::topology::{join_cpus, read_topology};
    use shared::output::{line, results, say};

    shared::output::start();
    let args = Args::parse();
    let span = Duration::from_millis(args.sample_ms);

    let topo = read_topology().context("reading /sys/devices/system/cpu")?;
    say(format!(
        "CPU model: {}",
        topo.model.as_deref().unwrap_or("(not given)")
    ));
    say(format!(
        "sockets {}, cores {}, hardware threads {} (online CPUs {})",
        topo.sockets,
        topo.cores,
        topo.hardware_threads,
        join_cpus(topo.online.iter().copied())
    ));
    let parallelism = thread::available_parallelism().map_or(1, |n| n.get());
    let allowed = lesson::allowed_cpus().context("sched_getaffinity")?;
    say(format!("available_parallelism(): {parallelism}"));
    say(format!(
        "affinity mask (taskset -p {}): CPUs {}",
        std::process::id(),
        join_cpus(allowed.iter().copied())
    ));

    // The last CPU we may use: usually not the one main is on right now.
    let target = *allowed.last().context("the affinity mask is empty")?;
    let pinned = thread::Builder::new().name("fijo".into()).spawn(move || {
        lesson::pin_to(target)?;
        lesson::cpus_seen(span)
    })?;
    let free = thread::Builder::new()
        .name("libre".into())
        .spawn(move || lesson::cpus_seen(span))?;
    let pinned_seen = pinned
        .join()
        .expect("the pinned hilo panicked")
        .context("pinning")?;
    let free_seen = free
        .join()
        .expect("the free hilo panicked")
        .context("sched_getcpu")?;
    say(format!(
        "hilo pinned to CPU {target}, seen on (CPU: times): {pinned_seen:?}"
    ));
    say(format!(
        "hilo left free, seen on (CPU: times): {free_seen:?}"
    ));

    let samples: u64 = pinned_seen.values().sum();
    let elsewhere: u64 = pinned_seen
        .iter()
        .filter(|(cpu, _)| **cpu != target)
        .map(|(_, n)| n)
        .sum();
    line("");
    line(format!(
        "What you saw: {} socket(s) ({}), {} core(s) ({}), {} hardware thread(s).",
        topo.sockets,
        if topo.sockets > 1 {
            "a multiprocesador"
        } else {
            "not a multiprocesador"
        },
        topo.cores,
        if topo.cores > topo.sockets {
            "multinúcleo"
        } else {
            "one core per socket"
        },
        topo.hardware_threads
    ));
    line(format!(
        "This process may use {} of them, so available_parallelism() says {parallelism}.",
        allowed.len()
    ));
    line(format!(
        "The pinned hilo was seen {samples} times, {elsewhere} of them off CPU {target}; the free one ran on CPUs {}",
        join_cpus(free_seen.keys().copied())
    ));
    line(
        "(where a free hilo runs is the scheduler's choice: it may move, or stay, from run to run).",
    );
    results(&[
        ("sockets", &topo.sockets),
        ("cores", &topo.cores),
        ("hardware_threads", &topo.hardware_threads),
        ("available_parallelism", &parallelism),
        ("affinity_cpus", &allowed.len()),
        ("affinity_list", &join_cpus(allowed.iter().copied())),
        ("pinned_cpu", &target),
        ("pinned_samples", &samples),
        ("pinned_elsewhere", &elsewhere),
        ("pinned_seen_on", &join_cpus(pinned_seen.keys().copied())),
        ("free_seen_on", &join_cpus(free_seen.keys().copied())),
    ]);
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn main() -> anyhow::Result<()> {
    shared::output::start();
    let _ = Args::parse();
    shared::output::line(
        "cpu_topology is Linux only (sysfs, sched_setaffinity); nothing to show here.",
    );
    Ok(())
}
