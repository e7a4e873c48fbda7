//! hello_thread: join waits: after it, every step of the worker is done and
//! its return value came back.

use shared::testing::run;

#[test]
fn join_waits_for_every_step() {
    let run = run(
        env!("CARGO_BIN_EXE_hello_thread"),
        &["--steps", "4", "--pause-ms", "50"],
    )
    .success();
    // Main reads the worker's step counter right after join: were join not
    // waiting, it would see fewer (the worker needs 4 x 50 ms).
    assert_eq!(run.int("steps_done_after_join"), 4, "{run}");
    assert_eq!(run.int("returned"), 4, "{run}");
}
