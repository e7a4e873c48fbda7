//! supervisor: when the master dies (SIGKILL: it cannot warn anyone), its
//! workers exit by themselves. PR_SET_PDEATHSIG makes the kernel send each a
//! SIGTERM, which sets its shutdown flag. This test process is a subreaper,
//! so the orphaned workers are re-parented HERE: the test sees them, waits
//! (with a deadline, without killing them) for them to exit, and reaps them.
#![cfg(target_os = "linux")]

mod supervisor_common;

use examples_processes::hygiene::{leftover_children, stat_of, wait_children_exit};
use nix::sys::signal::Signal;
use std::os::unix::process::ExitStatusExt;
use supervisor_common::{DEADLINE, Master, is_running};

#[test]
fn workers_exit_by_themselves_when_the_master_dies() {
    let mut master = Master::start(&["--workers", "2", "--interval-ms", "50"]);
    master.wait_for_nth_start(2);
    let workers = master.current_pids();
    for &pid in workers.values() {
        master.wait_until_working(pid);
    }

    master.signal(Signal::SIGKILL);
    let status = master.wait_exit();
    assert_eq!(
        status.signal(),
        Some(9),
        "the master was killed: {status:?}"
    );

    // No signal is sent to the workers by this test: they must go alone.
    let left = wait_children_exit(DEADLINE);
    assert!(left.alive.is_empty(), "workers still running: {left}");
    let out = master.read_to_end();
    for (&id, &pid) in &workers {
        assert!(!is_running(pid), "worker {id} pid {pid} still running");
        assert!(stat_of(pid).is_none_or(|s| s.ppid != std::process::id() as i32));
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("pid {pid} ")) && l.contains("got SIGTERM")),
            "worker {id} got SIGTERM (PR_SET_PDEATHSIG) when its master died:\n{out}"
        );
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("pid {pid} ")) && l.contains("shutdown flag seen")),
            "worker {id} left through its shutdown flag:\n{out}"
        );
    }
    assert!(leftover_children().is_clean(), "{}", leftover_children());
}
