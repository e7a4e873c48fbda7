//! supervisor: a worker killed with SIGKILL comes back with a new pid under
//! the same worker id, the workers carry readable process names, and after
//! SIGTERM to the master every worker leaves through its shutdown flag and no
//! child is left running or unreaped.
#![cfg(target_os = "linux")]

mod supervisor_common;

use examples_processes::hygiene::{leftover_children, stat_of};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use supervisor_common::{Master, is_running};

/// argv[0] of a process, from /proc/<pid>/cmdline.
fn argv0(pid: i32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let first = raw.split(|&b| b == 0).next().unwrap_or_default();
    String::from_utf8_lossy(first).into_owned()
}

#[test]
fn a_killed_worker_comes_back_and_sigterm_leaves_no_child() {
    let mut master = Master::start(&[
        "--workers",
        "2",
        "--interval-ms",
        "50",
        "--grace-ms",
        "10000",
    ]);
    master.wait_for_nth_start(2);
    let first = master.current_pids();
    assert_eq!(
        first.keys().copied().collect::<Vec<_>>(),
        vec![0, 1],
        "stable ids 0..2"
    );
    for &pid in first.values() {
        master.wait_until_working(pid);
    }

    // Readable names: `ps` shows comm, `ps -f` shows argv[0].
    for (&id, &pid) in &first {
        let stat = stat_of(pid).expect("worker in /proc");
        assert_eq!(stat.comm, format!("printer:{id}"), "PR_SET_NAME");
        assert_eq!(argv0(pid), format!("printer:{id}"), "argv[0]");
        assert_eq!(stat.ppid, master.pid(), "a child of the master");
    }

    // SIGKILL worker 0: it cannot clean up or refuse. The master must reap
    // it and start a new process under the same id.
    let old = first[&0];
    kill(Pid::from_raw(old), Signal::SIGKILL).expect("kill worker 0");
    master.wait_for("the death of worker 0", |l| {
        l.contains(&format!(
            "worker 0 pid {old} died (killed by signal 9 (SIGKILL))"
        ))
    });
    let starts = master.wait_for_nth_start(3);
    let (id, new) = starts[2];
    assert_eq!(id, 0, "the restart keeps worker id 0: {starts:?}");
    assert_ne!(new, old, "a new process, so a new pid");
    assert_eq!(master.current_pids()[&1], first[&1], "worker 1 untouched");
    // The killed one was reaped by the master: not even a zombie of it remains
    // (if the pid was reused since, it is not the master's child).
    assert!(
        stat_of(old).is_none_or(|s| s.ppid != master.pid()),
        "old worker reaped"
    );
    master.wait_until_working(new);
    assert_eq!(stat_of(new).expect("new worker").comm, "printer:0");

    // SIGTERM: graceful stop through the shutdown flag, within the deadline.
    master.signal(Signal::SIGTERM);
    let status = master.wait_exit();
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
    // EOF on the shared stdout pipe: no process that held it is alive.
    let out = master.read_to_end();
    let leftovers = leftover_children();
    assert!(
        leftovers.is_clean(),
        "nothing re-parented to us: {leftovers}\n{out}"
    );

    let now = master.current_pids();
    for &pid in now.values() {
        assert!(!is_running(pid), "worker {pid} still running");
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("pid {pid} ")) && l.contains("shutdown flag seen")),
            "worker {pid} left through its shutdown flag:\n{out}"
        );
    }
    assert_eq!(master.results()["stop"], "sigterm", "{out}");
    assert_eq!(master.int("left_by_themselves"), 2, "{out}");
    assert_eq!(master.int("killed") + master.int("ended_badly"), 0, "{out}");
    assert_eq!(master.int("restarts"), 1, "{out}");
    assert_eq!(master.int("leftovers"), 0, "{out}");
}
