//! supervisor: SIGHUP to the master restarts every worker: same ids, new
//! pids, the old processes stopped through their shutdown flag and reaped;
//! the master keeps running until SIGTERM, and then nothing is left behind.
#![cfg(target_os = "linux")]

mod supervisor_common;

use examples_processes::hygiene::{leftover_children, stat_of};
use nix::sys::signal::Signal;
use supervisor_common::{Master, is_running};

#[test]
fn sighup_restarts_every_worker_under_the_same_ids() {
    let mut master = Master::start(&[
        "--workers",
        "2",
        "--interval-ms",
        "50",
        "--grace-ms",
        "10000",
    ]);
    master.wait_for_nth_start(2);
    let before = master.current_pids();
    for &pid in before.values() {
        master.wait_until_working(pid);
    }

    master.signal(Signal::SIGHUP);
    master.wait_for_nth_start(4);
    let after = master.current_pids();
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "same worker ids"
    );
    for (id, old) in &before {
        let new = after[id];
        assert_ne!(new, *old, "worker {id} is a new process");
        // The old one left by its flag and was reaped by the master before
        // the new one started.
        assert!(
            master
                .seen
                .iter()
                .any(|l| l.contains(&format!("worker {id} pid {old} stopped (exit code 0)"))),
            "old worker {id} stopped gracefully:\n{}",
            master.seen.join("\n")
        );
        assert!(
            stat_of(*old).is_none_or(|s| s.ppid != master.pid()),
            "old worker {id} reaped"
        );
        master.wait_until_working(new);
        assert_eq!(
            stat_of(new).expect("new worker").comm,
            format!("printer:{id}")
        );
    }
    assert!(is_running(master.pid()), "SIGHUP does not stop the master");

    master.signal(Signal::SIGTERM);
    assert!(master.wait_exit().success());
    let out = master.read_to_end();
    assert!(
        leftover_children().is_clean(),
        "{}\n{out}",
        leftover_children()
    );
    assert_eq!(master.int("reloads"), 1, "{out}");
    assert_eq!(master.int("leftovers"), 0, "{out}");
    for &pid in after.values() {
        assert!(!is_running(pid));
    }
}
