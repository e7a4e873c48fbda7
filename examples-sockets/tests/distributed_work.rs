//! distributed_work: the distributed sum equals the sequential one whether a
//! worker is killed, stopped for good, or comes back late; bad frames close
//! only their connection; a worker started by hand joins; with --hosts netns
//! nothing is left behind (a finished run, a failed one, a Ctrl-C).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use shared::testing::Run;

mod cluster;
use cluster::*;

const BIN: &str = env!("CARGO_BIN_EXE_distributed_work");

/// The small job, with `extra` flags (see `cluster::small`).
fn work(extra: &[&str]) -> Run {
    small(BIN, extra)
}

#[test]
fn without_failures_the_sum_is_exact_and_nothing_is_redone() {
    let run = work(&["--deadline-ms", "5000"]).success();
    assert_exact(&run);
    assert_eq!(run.int("redone"), 0, "{run}");
    assert_eq!(run.int("late_duplicates"), 0, "{run}");
    assert_eq!(run.int("workers"), 3, "{run}");
}

#[test]
fn a_worker_killed_mid_chunk_has_its_chunk_redone() {
    let run = work(&["--fault", "kill"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    assert!(run.int("workers_lost") >= 1, "{run}");
    assert!(run.stdout.contains("connection closed"), "{run}");
}

#[test]
fn a_stopped_worker_misses_its_heartbeats_and_is_killed_at_the_end() {
    let run = work(&["--fault", "stop", "--deadline-ms", "500"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    assert!(run.int("killed") >= 1, "{run}");
    assert!(run.stdout.contains("no heartbeat"), "{run}");
}

#[test]
fn a_late_answer_is_recognised_and_not_counted_twice() {
    let run = work(&["--fault", "late", "--deadline-ms", "500"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    assert!(run.int("late_duplicates") >= 1, "{run}");
}

#[test]
fn killed_stopped_and_late_in_one_run() {
    let faults = ["--fault", "kill", "--fault", "stop", "--fault", "late"];
    let args: Vec<&str> = ["--workers", "4", "--deadline-ms", "500"]
        .into_iter()
        .chain(faults)
        .collect();
    let run = work(&args).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 3, "{run}");
    assert!(run.int("workers_lost") >= 3, "{run}");
    assert!(run.int("late_duplicates") >= 1, "{run}");
}

#[test]
fn losing_every_worker_is_a_clear_error() {
    let run = work(&["--workers", "1", "--fault", "kill"]);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("all workers lost"), "{run}");
    assert!(!run.stderr.contains("panicked"), "{run}");
    // More faults than workers is refused before anything starts.
    let run = work(&["--workers", "1", "--fault", "kill", "--fault", "stop"]);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("one fault per worker"), "{run}");
}

fn read_until_closed(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 64];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {} // a task sent before the garbage was read
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false, // timed out: still open
        }
    }
}

#[test]
fn bad_frames_close_only_their_connection_and_a_hand_started_worker_finishes() {
    let mut coordinator = Coordinator::start(
        BIN,
        &[
            "--workers",
            "0",
            "--chunks",
            "4",
            "--n",
            "1000",
            "--deadline-ms",
            "5000",
        ],
    );
    let (addr, _) = coordinator.address_and_tag();
    // 0. A connection that says nothing (refused after 5 s): it holds no one up.
    let _silent = TcpStream::connect(&addr).unwrap();
    // 1. A frame announcing 1 GiB, before registering.
    let mut huge = TcpStream::connect(&addr).unwrap();
    huge.write_all(&(1u32 << 30).to_be_bytes()).unwrap();
    assert!(
        read_until_closed(&mut huge),
        "an oversized frame must close the connection"
    );
    // 2. Registers properly, then sends a frame that is not a message.
    let mut garbage = TcpStream::connect(&addr).unwrap();
    let register = examples_sockets::distributed::ToCoordinator::Register {
        name: "garbage".into(),
        pid: 1,
    };
    examples_sockets::distributed::send(&mut garbage, &register).unwrap();
    examples_sockets::framing::write_frame(&mut garbage, &[0xff; 9]).unwrap();
    assert!(
        read_until_closed(&mut garbage),
        "a bad frame must close the connection"
    );
    // 3. A real worker, started by hand, does all the work.
    let mut worker = Command::new(BIN)
        .args(["--connect", &addr, "--name", "by-hand"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (code, out) = coordinator.finish();
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(code, Some(0), "{out}");
    let results = shared::testing::result_lines(&out);
    assert_eq!(results["correct"], "true", "{out}");
    // The oversized frame; the silent one too if the run outlasted its 5 s.
    assert!(results["refused"].parse::<u32>().unwrap() >= 1, "{out}");
    assert!(out.contains("by-hand"), "{out}");
}

// --- separate network hosts: CI runs as root; elsewhere, the clear refusal ---

// --- separate network hosts: CI runs as root; elsewhere, the clear refusal ---

#[test]
fn each_worker_on_its_own_network_host_and_nothing_left_behind() {
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    let run = work(&["--hosts", "netns", "--fault", "kill"]);
    if !is_root() {
        assert_eq!(run.status.code(), Some(1), "{run}");
        return assert!(run.stderr.contains("needs root"), "{run}");
    }
    let run = run.success();
    assert_exact(&run);
    assert_eq!(run.get("hosts"), "netns", "{run}");
    assert!(run.int("redone") >= 1, "{run}");
    // Workers joined from their own addresses on the run's private network.
    assert!(run.stdout.contains("joined from 10.213."), "{run}");
    assert_nothing_left(run.get("netns_tag"), &worker_pids(&run.stdout));
}

/// A worker's namespace reaches only the run's own subnet: one route, its
/// /24 on the bridge, no default route; and the whole network goes on drop.
#[test]
fn a_worker_namespace_has_no_way_out_but_the_bridge() {
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    if !is_root() {
        return;
    }
    let net = examples_sockets::netns::Network::create(1).unwrap();
    let tag = net.tag();
    let routes = Command::new("ip")
        .args(["-n", &net.namespace(0), "-4", "route", "show"])
        .output()
        .unwrap();
    let routes = String::from_utf8_lossy(&routes.stdout).to_string();
    let coordinator = net.coordinator_ip().octets();
    let subnet = format!("10.213.{}.0/24", coordinator[2]);
    assert_eq!(routes.lines().count(), 1, "{routes}");
    assert!(routes.starts_with(&subnet), "{routes}");
    assert!(!routes.contains("default"), "{routes}");
    drop(net);
    assert_nothing_left(&tag, &[]);
}

#[test]
fn a_failed_netns_run_leaves_nothing_behind() {
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    if !is_root() {
        return;
    }
    let run = work(&["--hosts", "netns", "--workers", "1", "--fault", "kill"]);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert_nothing_left(tag_in(&run.stdout), &worker_pids(&run.stdout));
}

#[cfg(unix)]
#[test]
fn ctrl_c_in_the_middle_of_a_netns_run_leaves_nothing_behind() {
    stopped_mid_run_leaves_nothing_behind(BIN, nix::sys::signal::Signal::SIGINT);
}

/// The terminal closed (or the ssh session dropped) mid-run.
#[cfg(unix)]
#[test]
fn a_hangup_in_the_middle_of_a_netns_run_leaves_nothing_behind() {
    stopped_mid_run_leaves_nothing_behind(BIN, nix::sys::signal::Signal::SIGHUP);
}
