//! distributed_rpc: over tarpc the distributed sum equals the sequential one
//! whether a worker is killed, stopped for good, or comes back late (its reply
//! dropped by tarpc, counted by served()); losing every worker is a clear
//! error, unless workers join by hand (--workers 0: it waits for one); a
//! connection that never says hello is refused without holding up a real
//! worker; with --hosts netns nothing is left behind (a finished run, a failed
//! one, a Ctrl-C or a SIGHUP while waiting or mid-run).

use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Instant;

use examples_sockets::distributed::{job, sequential};
use examples_sockets::netns::leftovers;
use nix::sys::signal::Signal;
use shared::testing::{Run, result_lines};

mod cluster;
use cluster::*;

const BIN: &str = env!("CARGO_BIN_EXE_distributed_rpc");

/// The small job, with `extra` flags (see `cluster::small`).
fn rpc(extra: &[&str]) -> Run {
    small(BIN, extra)
}

#[test]
fn without_failures_the_sum_is_exact_and_nothing_is_redone() {
    let run = rpc(&[]).success();
    assert_exact(&run);
    assert_eq!(run.int("redone"), 0, "{run}");
    assert_eq!(run.int("workers"), 3, "{run}");
}

#[test]
fn a_worker_killed_mid_chunk_has_its_chunk_redone_elsewhere() {
    let run = rpc(&["--fault", "kill"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    assert!(run.int("workers_lost") >= 1, "{run}");
    assert!(run.stdout.contains("connection closed"), "{run}");
}

#[test]
fn a_stopped_worker_misses_its_deadline_and_its_chunk_is_redone() {
    let run = rpc(&["--fault", "stop", "--deadline-ms", "1500"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    // --deadline-ms plus the chunk's estimated work (2 ms for 20,000 numbers).
    assert!(run.stdout.contains("lost (no reply in 1.5"), "{run}");
}

#[test]
fn a_late_reply_is_dropped_by_tarpc_and_counted_once() {
    let run = rpc(&["--fault", "late", "--deadline-ms", "1500"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    // Exactly one: the late worker finished its one chunk after SIGCONT, and
    // served() is answered only after that (the worker has one thread).
    assert_eq!(run.int("late_duplicates"), 1, "{run}");
}

#[test]
fn killed_stopped_and_late_in_one_run() {
    let faults = ["--fault", "kill", "--fault", "stop", "--fault", "late"];
    let args: Vec<&str> = ["--workers", "4", "--deadline-ms", "1500"]
        .into_iter()
        .chain(faults)
        .collect();
    let run = rpc(&args).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 3, "{run}");
    assert!(run.int("workers_lost") >= 3, "{run}");
}

#[test]
fn losing_every_worker_is_a_clear_error() {
    let run = rpc(&["--workers", "1", "--fault", "kill"]);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("all workers lost"), "{run}");
    assert!(!run.stderr.contains("panicked"), "{run}");
}

#[test]
fn workers_started_by_hand_join_and_finish_the_job() {
    let mut coordinator = Coordinator::start(
        BIN,
        &[
            "--workers",
            "0",
            "--chunks",
            "6",
            "--n",
            "20000",
            "--deadline-ms",
            "5000",
        ],
    );
    let (addr, _) = coordinator.address_and_tag();
    let _hands: Vec<Reaped> = ["hand-a", "hand-b"]
        .iter()
        .map(|name| {
            let mut worker = Command::new(BIN);
            worker.args(["--connect", &addr, "--name", name]);
            Reaped(worker.stdout(Stdio::null()).spawn().unwrap())
        })
        .collect();
    let (code, out) = coordinator.finish();
    assert_eq!(code, Some(0), "{out}");
    let results = result_lines(&out);
    assert_eq!(results["correct"], "true", "{out}");
    let expected = sequential(&job(6, 20_000)).to_string();
    assert_eq!(results["sum"], expected, "{out}");
    assert!(out.contains("hand-"), "{out}");
}

/// A worker started by hand, with its output discarded.
fn hand_worker(addr: &str, name: &str, extra: &[&str]) -> Reaped {
    let mut worker = Command::new(BIN);
    worker.args(["--connect", addr, "--name", name]).args(extra);
    Reaped(worker.stdout(Stdio::null()).spawn().unwrap())
}

#[test]
fn a_silent_connection_is_refused_and_holds_up_no_one() {
    let started = Instant::now();
    let mut coordinator = Coordinator::start(
        BIN,
        &[
            "--workers",
            "0",
            "--chunks",
            "6",
            "--n",
            "20000",
            "--deadline-ms",
            "2000",
        ],
    );
    let (addr, _) = coordinator.address_and_tag();
    // Connects first, then says nothing: its hello call can only time out.
    let _silent = TcpStream::connect(&addr).unwrap();
    // A real worker joins at once (not 10 s later), then stops itself halfway
    // through its first chunk: lost, and with --workers 0 the job waits.
    let _stopped = hand_worker(&addr, "hand-a", &["--fail", "stop"]);
    coordinator.wait_for("joined from");
    let early = coordinator.seen.join("\n");
    assert!(
        !early.contains("refused"),
        "a join waited for the silent one:\n{early}"
    );
    coordinator.wait_for("waiting for a worker to join");
    // The silent connection's hello ends at tarpc's 10 s deadline: refused.
    coordinator.wait_for("refused: no hello within 10 s");
    let _late = hand_worker(&addr, "hand-b", &[]);
    let (code, out) = coordinator.finish();
    assert_eq!(code, Some(0), "{out}");
    let results = result_lines(&out);
    assert_eq!(results["correct"], "true", "{out}");
    assert_eq!(
        results["sum"],
        sequential(&job(6, 20_000)).to_string(),
        "{out}"
    );
    assert_eq!(results["refused"], "1", "{out}");
    assert_eq!(results["workers_lost"], "1", "{out}");
    assert!(out.contains("hand-b"), "{out}");
    eprintln!(
        "silent connection test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// --- separate network hosts: CI runs as root; elsewhere, the clear refusal ---

#[test]
fn each_worker_on_its_own_network_host_and_nothing_left_behind() {
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    let run = rpc(&["--hosts", "netns", "--workers", "2", "--fault", "kill"]);
    if !is_root() {
        assert_eq!(run.status.code(), Some(1), "{run}");
        return assert!(run.stderr.contains("needs root"), "{run}");
    }
    let run = run.success();
    assert_exact(&run);
    assert_eq!(run.get("hosts"), "netns", "{run}");
    assert!(run.int("redone") >= 1, "{run}");
    assert!(run.stdout.contains("joined from 10.213."), "{run}");
    let pids = worker_pids(&run.stdout);
    assert_eq!(pids.len(), 2, "{run}");
    assert_nothing_left(run.get("netns_tag"), &pids);
    // A run that fails (its only worker killed) leaves nothing either.
    let run = rpc(&["--hosts", "netns", "--workers", "1", "--fault", "kill"]);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("all workers lost"), "{run}");
    assert_nothing_left(tag_in(&run.stdout), &worker_pids(&run.stdout));
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_waiting_for_workers_leaves_nothing_behind() {
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    let mut coordinator = Coordinator::start(BIN, &["--hosts", "netns", "--workers", "0"]);
    if !is_root() {
        let (code, _) = coordinator.finish();
        return assert_eq!(code, Some(1));
    }
    let (_, tag) = coordinator.address_and_tag();
    assert!(
        !leftovers(&tag).is_empty(),
        "the bridge should exist mid-run"
    );
    coordinator.signal(Signal::SIGINT);
    let (code, out) = coordinator.finish();
    assert!(code.is_some_and(|c| c != 0), "{code:?}\n{out}");
    assert_nothing_left(&tag, &[]);
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_run_leaves_nothing_behind() {
    stopped_mid_run_leaves_nothing_behind(BIN, Signal::SIGINT);
}

#[cfg(unix)]
#[test]
fn sighup_mid_run_leaves_nothing_behind() {
    stopped_mid_run_leaves_nothing_behind(BIN, Signal::SIGHUP);
}
