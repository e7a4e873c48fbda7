//! supervisor: SIGINT (Ctrl-C) to the master stops everything at once:
//! every worker is killed and reaped, the master exits with 130, and no
//! child is left running or unreaped.
#![cfg(target_os = "linux")]

mod supervisor_common;

use examples_processes::hygiene::leftover_children;
use nix::sys::signal::Signal;
use std::os::unix::process::ExitStatusExt;
use supervisor_common::{Master, is_running};

#[test]
fn sigint_kills_every_worker_at_once_and_leaves_no_child() {
    // A long grace: if SIGINT were handled like SIGTERM the stop would take
    // this long; "at once" means it does not wait for it.
    let mut master = Master::start(&[
        "--workers",
        "3",
        "--interval-ms",
        "50",
        "--grace-ms",
        "600000",
    ]);
    master.wait_for_nth_start(3);
    let workers = master.current_pids();
    for &pid in workers.values() {
        master.wait_until_working(pid);
    }

    master.signal(Signal::SIGINT);
    let status = master.wait_exit();
    assert_eq!(
        status.code(),
        Some(130),
        "128 + SIGINT, not killed: {status:?}"
    );
    assert_eq!(status.signal(), None);
    let out = master.read_to_end();
    assert!(
        leftover_children().is_clean(),
        "{}\n{out}",
        leftover_children()
    );

    for (&id, &pid) in &workers {
        assert!(!is_running(pid), "worker {id} pid {pid} still running");
        assert!(
            out.contains(&format!(
                "worker {id} pid {pid} killed by signal 9 (SIGKILL)"
            )),
            "worker {id} was killed and reaped by the master:\n{out}"
        );
    }
    assert_eq!(master.results()["stop"], "sigint", "{out}");
    assert_eq!(master.int("killed"), 3, "{out}");
    assert_eq!(master.int("left_by_themselves"), 0, "{out}");
    assert_eq!(master.int("leftovers"), 0, "{out}");
    // The summary says what happened: no deadline was waited out.
    assert!(
        master.int("stop_ms") < 600_000,
        "SIGINT does not wait for the grace:\n{out}"
    );
}
