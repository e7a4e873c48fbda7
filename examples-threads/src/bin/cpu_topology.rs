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
//! A free hilo goes where the scheduler puts it: when another hilo keeps its
//! CPU busy it moves. A pinned one stays, and waits for its CPU instead.
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

    /// The CPU the calling hilo was on at each sample during `span` (and at
    /// least 25 samples: on a busy machine a hilo may get few turns; 10 s at
    /// most). It works 0.3 ms, then sleeps 0.2 ms: each wake-up is a moment
    /// the scheduler may place it on another CPU.
    pub fn cpus_seen(span: Duration) -> nix::Result<Vec<usize>> {
        let mut seen = Vec::new();
        let (start, cap) = (Instant::now(), span + Duration::from_secs(10));
        while (start.elapsed() < span || seen.len() < 25) && start.elapsed() < cap {
            seen.push(sched_getcpu()?);
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
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    use anyhow::Context;
    use examples_threads::topology::{join_cpus, read_topology, tally};
    use lesson::{allowed_cpus, cpus_seen, pin_to};
    use shared::output::{line, results, say};

    shared::output::start();
    let args = Args::parse();
    let span = Duration::from_millis(args.sample_ms);
    let topo = read_topology().context("reading /sys/devices/system/cpu")?;
    let (sockets, cores, threads) = (topo.sockets, topo.cores, topo.hardware_threads);
    let model = topo.model.as_deref().unwrap_or("model not given");
    say(format!(
        "sockets {sockets}, cores {cores}, hardware threads {threads} ({model})"
    ));
    let parallelism = thread::available_parallelism().map_or(1, |n| n.get());
    let allowed = allowed_cpus().context("sched_getaffinity")?;
    say(format!("available_parallelism(): {parallelism}"));
    say(format!(
        "affinity mask (taskset -p {}): CPUs {}",
        std::process::id(),
        join_cpus(allowed.clone())
    ));

    // One hilo pinned to the last CPU we may use, one left free. Halfway, the
    // free one says where it is, and an "ocupante" pinned there keeps that
    // CPU busy: the scheduler moves the free hilo away.
    let target = *allowed.last().context("the affinity mask is empty")?;
    let stop = AtomicBool::new(false);
    let (pinned_seen, free_seen) = thread::scope(|s| {
        let pinned = s.spawn(|| pin_to(target).and_then(|()| cpus_seen(span)));
        let (where_tx, where_rx) = mpsc::channel();
        let free = s.spawn(move || {
            let mut seen = cpus_seen(span / 2)?;
            let _ = where_tx.send(seen.last().copied());
            seen.extend(cpus_seen(span / 2)?);
            Ok::<_, nix::Error>(seen)
        });
        if let Ok(Some(cpu)) = where_rx.recv_timeout(Duration::from_secs(30))
            && allowed.len() > 1
        {
            let stop = &stop;
            s.spawn(move || {
                let _ = pin_to(cpu);
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            });
        }
        let seen = (pinned.join(), free.join());
        stop.store(true, Ordering::Relaxed);
        seen
    });
    let pinned_seen = pinned_seen
        .expect("the pinned hilo panicked")
        .context("pinning")?;
    let free_seen = free_seen
        .expect("the free hilo panicked")
        .context("sched_getcpu")?;
    let moves = free_seen.windows(2).filter(|w| w[0] != w[1]).count();
    let elsewhere = pinned_seen.iter().filter(|&&cpu| cpu != target).count();
    say(format!(
        "hilo pinned to CPU {target}, seen on (CPU: times): {:?}",
        tally(&pinned_seen)
    ));
    say(format!(
        "hilo left free, seen on (CPU: times): {:?}",
        tally(&free_seen)
    ));

    line("");
    let multi = if sockets > 1 {
        "a multiprocesador"
    } else {
        "not a multiprocesador"
    };
    let cored = if cores > sockets {
        "multinúcleo"
    } else {
        "one core per socket"
    };
    line(format!(
        "What you saw: {sockets} socket(s) ({multi}), {cores} core(s) ({cored}), {threads} hardware \
         thread(s); this process may use {} of them, so available_parallelism() says {parallelism}.",
        allowed.len()
    ));
    line(format!(
        "The pinned hilo was seen {} times, {elsewhere} of them off CPU {target}; the free one \
         changed CPU {moves} time(s), as the scheduler chose (with one CPU allowed it cannot).",
        pinned_seen.len()
    ));
    results(&[
        ("sockets", &sockets),
        ("cores", &cores),
        ("hardware_threads", &threads),
        ("available_parallelism", &parallelism),
        ("affinity_cpus", &allowed.len()),
        ("affinity_list", &join_cpus(allowed)),
        ("pinned_cpu", &target),
        ("pinned_samples", &pinned_seen.len()),
        ("pinned_elsewhere", &elsewhere),
        (
            "pinned_seen_on",
            &join_cpus(tally(&pinned_seen).into_keys()),
        ),
        ("free_seen_on", &join_cpus(tally(&free_seen).into_keys())),
        ("free_moves", &moves),
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
