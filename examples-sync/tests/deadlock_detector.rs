//! deadlock_detector (only with `--features deadlock-detection`): parking_lot's
//! detector finds the two hilos of the lock cycle, and the example exits.
#![cfg(feature = "deadlock-detection")]

use shared::testing::run;

#[test]
fn the_detector_finds_the_cycle_and_the_example_exits() {
    let run = run(
        env!("CARGO_BIN_EXE_deadlock_detector"),
        &["--check-ms", "20"],
    )
    .success();
    assert_eq!(run.int("cycles"), 1, "{run}");
    assert_eq!(run.int("stuck"), 2, "{run}");
    // Both are our hilos, each named with what it holds and waits for.
    assert_eq!(run.int("named"), 2, "{run}");
}
