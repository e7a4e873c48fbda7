//! daemon_thread: a joined hilo completes; a detached one works while main
//! waits (as a Python daemon thread runs until the last non-daemon one ends)
//! and is cut when main returns.

use std::time::{Duration, Instant};

use shared::testing::run;

#[test]
fn joined_completes_detached_runs_meanwhile_and_is_cut() {
    let (steps, pause_ms) = (5u64, 100u64);
    let started = Instant::now();
    let run = run(
        env!("CARGO_BIN_EXE_daemon_thread"),
        &[
            "--steps",
            &steps.to_string(),
            "--pause-ms",
            &pause_ms.to_string(),
        ],
    )
    .success();
    let took = started.elapsed();
    assert_eq!(run.int("joined_steps"), steps as i64, "{run}");
    assert_eq!(run.get("joined_finished"), "true", "{run}");
    // It kept working during main's 500 ms join (its first step is at once).
    assert!(run.int("detached_steps_at_exit") >= 2, "{run}");
    assert_eq!(run.get("detached_finished"), "false", "{run}");
    // And the process did not wait for it: its 50 sleeps of 100 ms alone
    // would take 5 s; the joined worker needs 0.5 s.
    let detached_needs = Duration::from_millis(run.int("detached_wanted") as u64 * pause_ms);
    assert!(took < detached_needs, "took {took:?}\n{run}");
}
