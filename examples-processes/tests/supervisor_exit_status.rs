//! supervisor: in the final stop, the master counts a worker as "left by
//! itself" only when it exited with code 0. A worker that fails its
//! clean-up (exit code 3 here) is reaped too, and counted as failed.
#![cfg(target_os = "linux")]

mod supervisor_common;

use examples_processes::hygiene::leftover_children;
use nix::sys::signal::Signal;
use supervisor_common::{Master, is_running};

#[test]
fn a_worker_that_fails_when_stopped_is_not_counted_as_graceful() {
    let mut master = Master::start(&[
        "--workers",
        "2",
        "--interval-ms",
        "50",
        "--fail-on-stop",
        "1",
        "--grace-ms",
        "10000",
    ]);
    master.wait_for_nth_start(2);
    let workers = master.current_pids();
    for &pid in workers.values() {
        master.wait_until_working(pid);
    }

    master.signal(Signal::SIGTERM);
    assert!(master.wait_exit().success());
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
    assert!(
        out.contains(&format!("worker 1 pid {one} stopped (exit code 3)")),
        "{out}"
    );
    assert_eq!(master.int("left_by_themselves"), 1, "{out}");
    assert_eq!(master.int("ended_badly"), 1, "{out}");
    assert_eq!(master.int("killed"), 0, "{out}");
    assert_eq!(master.int("leftovers"), 0, "{out}");
}
