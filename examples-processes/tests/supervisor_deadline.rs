//! supervisor: SIGTERM gives workers a deadline. A worker that ignores its
//! shutdown flag is killed with SIGKILL when the deadline passes, the
//! obedient one leaves by itself, and no child is left behind.
#![cfg(target_os = "linux")]

mod supervisor_common;

use examples_processes::hygiene::leftover_children;
use nix::sys::signal::Signal;
use std::time::Instant;
use supervisor_common::{Master, is_running};

#[test]
fn a_worker_that_ignores_sigterm_is_killed_at_the_deadline() {
    let mut master = Master::start(&[
        "--workers",
        "2",
        "--interval-ms",
        "20",
        "--stubborn-worker",
        "1",
        "--grace-ms",
        // Long enough that the obedient worker always leaves in time, even
        // on a stalled machine; the stubborn one costs the test this long.
        "2000",
    ]);
    master.wait_for_nth_start(2);
    let workers = master.current_pids();
    for &pid in workers.values() {
        master.wait_until_working(pid);
    }

    let sent = Instant::now();
    master.signal(Signal::SIGTERM);
    assert!(master.wait_exit().success());
    let waited = sent.elapsed();
    let out = master.read_to_end();
    assert!(
        leftover_children().is_clean(),
        "{}\n{out}",
        leftover_children()
    );
    for &pid in workers.values() {
        assert!(!is_running(pid));
    }

    let (zero, one) = (workers[&0], workers[&1]);
    assert!(
        out.contains(&format!("worker 0 pid {zero} stopped (exit code 0)")),
        "{out}"
    );
    assert!(out.contains("this worker ignores it"), "{out}");
    assert!(out.contains("deadline of 2000 ms passed"), "{out}");
    assert!(
        out.contains(&format!("worker 1 pid {one} killed by signal 9 (SIGKILL)")),
        "{out}"
    );
    assert_eq!(master.int("left_by_themselves"), 1, "{out}");
    assert_eq!(master.int("ended_badly"), 0, "{out}");
    assert_eq!(master.int("killed"), 1, "{out}");
    assert_eq!(master.int("leftovers"), 0, "{out}");
    // It waited for the deadline (and not forever): a loose lower bound only.
    assert!(
        waited.as_millis() >= 2000,
        "stopped before the deadline: {waited:?}"
    );
}
