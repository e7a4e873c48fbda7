//! cpu_topology: the counts agree with what the OS says (read here
//! independently, from /proc rather than sysfs); a hilo pinned to one CPU is
//! only ever seen on that CPU.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use shared::testing::{run, run_command};

/// This test process's allowed CPUs, from /proc/self/status (a child started
/// by it inherits the same mask).
fn allowed_list() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap()
        .trim();
    // "0-1" -> "0,1", as the example writes it.
    examples_threads::topology::parse_cpu_list(list)
        .unwrap()
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn counts_agree_with_the_os_and_a_pinned_hilo_stays() {
    let run = run(env!("CARGO_BIN_EXE_cpu_topology"), &["--sample-ms", "200"]).success();
    if !cfg!(target_os = "linux") {
        return; // it says "Linux only" and prints no results
    }
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let field = |name: &str| -> Vec<String> {
        cpuinfo
            .lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.split(':').nth(1))
            .map(|v| v.trim().to_string())
            .collect()
    };
    // /proc/cpuinfo has one "processor" entry per online CPU.
    assert_eq!(
        run.int("hardware_threads"),
        field("processor").len() as i64,
        "{run}"
    );
    // x86 also gives each CPU's socket ("physical id") and core ("core id").
    let sockets: BTreeSet<String> = field("physical id").into_iter().collect();
    let cores: BTreeSet<(String, String)> = field("physical id")
        .into_iter()
        .zip(field("core id"))
        .collect();
    if !sockets.is_empty() {
        assert_eq!(run.int("sockets"), sockets.len() as i64, "{run}");
        assert_eq!(run.int("cores"), cores.len() as i64, "{run}");
    }
    let parallelism = std::thread::available_parallelism().unwrap().get();
    assert_eq!(
        run.int("available_parallelism"),
        parallelism as i64,
        "{run}"
    );
    assert_eq!(run.get("affinity_list"), allowed_list(), "{run}");
    // Pinned: seen many times, never anywhere but its CPU.
    assert!(run.int("pinned_samples") > 10, "{run}");
    assert_eq!(run.int("pinned_elsewhere"), 0, "{run}");
    assert_eq!(run.get("pinned_seen_on"), run.get("pinned_cpu"), "{run}");
}

#[test]
fn taskset_narrows_the_mask_and_available_parallelism() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let allowed = allowed_list();
    let first = allowed.split(',').next().unwrap();
    if Command::new("taskset").arg("--version").output().is_err() {
        eprintln!("no taskset here: skipped");
        return;
    }
    let mut command = Command::new("taskset");
    command.args([
        "-c",
        first,
        env!("CARGO_BIN_EXE_cpu_topology"),
        "--sample-ms",
        "50",
    ]);
    let run = run_command(&mut command, Duration::from_secs(120)).success();
    assert_eq!(run.int("affinity_cpus"), 1, "{run}");
    assert_eq!(run.get("affinity_list"), first, "{run}");
    assert_eq!(run.int("available_parallelism"), 1, "{run}");
    assert_eq!(run.get("pinned_cpu"), first, "{run}");
    assert_eq!(run.get("free_seen_on"), first, "{run}");
}
