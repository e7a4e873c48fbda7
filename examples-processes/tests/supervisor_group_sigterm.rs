//! supervisor: SIGTERM to the whole process group (`kill -TERM -<pgid>`)
//! reaches the master and every worker at once. The workers leave through
//! their shutdown flags, the master is not fooled into restarting them, and
//! the summary is printed once, by the master alone.
#![cfg(target_os = "linux")]

mod supervisor_common;

use examples_processes::hygiene::leftover_children;
use nix::sys::signal::Signal;
use supervisor_common::{Master, is_running};

#[test]
fn sigterm_to_the_process_group_stops_everything_and_prints_one_summary() {
    let mut master = Master::start(&["--workers", "2", "--interval-ms", "50"]);
    master.wait_for_nth_start(2);
    let workers = master.current_pids();
    for &pid in workers.values() {
        master.wait_until_working(pid);
    }
    master.signal_group(Signal::SIGTERM);
    let status = master.wait_exit();
    let out = master.read_to_end();
    assert!(status.success(), "{status:?}\n{out}");
    assert_eq!(
        out.matches("== result ==").count(),
        1,
        "one summary:\n{out}"
    );
    assert_eq!(master.int("leftovers"), 0, "{out}");
    assert!(leftover_children().is_clean(), "{}", leftover_children());
    for &pid in workers.values() {
        assert!(!is_running(pid), "worker {pid} still running");
    }
    // Each worker got SIGTERM twice (the group's, then its master's) and
    // still left through its flag: exit code 0, nobody killed.
    assert_eq!(master.int("left_by_themselves"), 2, "{out}");
    assert_eq!(master.int("killed") + master.int("ended_badly"), 0, "{out}");
}
