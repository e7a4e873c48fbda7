//! supervisor: a worker that crashes in a loop is restarted under the same
//! id, each time after a longer delay (0, 100, 200, 400 ms: backoff), while
//! the healthy worker beside it is never restarted; SIGTERM then leaves no
//! child behind.
#![cfg(target_os = "linux")]

mod supervisor_common;

use examples_processes::hygiene::leftover_children;
use nix::sys::signal::Signal;
use supervisor_common::Master;

#[test]
fn a_crash_loop_is_throttled_with_growing_delays() {
    let mut master = Master::start(&[
        "--workers",
        "2",
        "--interval-ms",
        "20",
        "--crash-after",
        "1",
        "--crash-worker",
        "0",
        // Every crash counts as quick, however slowly a loaded machine runs
        // the worker up to it: the default 1 s would reset the count (and
        // the delay) whenever a crashing worker took a second to start.
        "--healthy-after-ms",
        "600000",
    ]);
    // 1 start of worker 1 + 5 starts of worker 0 = 4 restarts after crashes.
    let starts = master.wait_for_nth_start(6);
    master.signal(Signal::SIGTERM);
    assert!(master.wait_exit().success());
    let out = master.read_to_end();
    assert!(
        leftover_children().is_clean(),
        "{}\n{out}",
        leftover_children()
    );

    let zero: Vec<i32> = starts
        .iter()
        .filter(|(id, _)| *id == 0)
        .map(|(_, pid)| *pid)
        .collect();
    let one: Vec<i32> = starts
        .iter()
        .filter(|(id, _)| *id == 1)
        .map(|(_, pid)| *pid)
        .collect();
    assert_eq!(
        one.len(),
        1,
        "the healthy worker is never restarted: {starts:?}"
    );
    assert!(zero.len() >= 5, "{starts:?}");
    let mut unique = zero.clone();
    unique.dedup();
    assert_eq!(unique.len(), zero.len(), "each restart is a new process");

    assert!(
        out.contains("died (killed by signal 6 (SIGABRT))"),
        "worker 0 crashed by abort:\n{out}"
    );
    let delays: Vec<f64> = master.results()["restart_delays_ms"]
        .split(',')
        .map(|d| d.trim().parse().expect("a number"))
        .collect();
    assert!(delays.len() >= 4, "{out}");
    assert_eq!(
        &delays[..4],
        &[0.0, 100.0, 200.0, 400.0],
        "the delay doubles:\n{out}"
    );
}
