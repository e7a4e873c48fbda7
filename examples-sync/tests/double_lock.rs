//! double_lock: the helper's second lock and the opposite-order cycle are
//! detected by try_lock_for and reported, one global order completes, and
//! the example exits by itself (the run's deadline is the proof it never
//! hangs).

use shared::testing::run;

#[test]
fn timeouts_detect_both_deadlocks_and_the_fix_completes() {
    let run = run(env!("CARGO_BIN_EXE_double_lock"), &["--timeout-ms", "50"]).success();
    assert_eq!(run.get("self_deadlock_detected"), "true", "{run}");
    assert_eq!(run.int("opposite_order_done"), 0, "{run}");
    assert_eq!(run.int("one_order_done"), 2, "{run}");
}
