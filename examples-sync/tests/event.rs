//! event: one set wakes every waiter (and none before it); a timed wait on
//! an unset event returns false after its timeout, on a set one true; a
//! set-then-clear still wakes those already waiting.

use shared::testing::run;

#[test]
fn all_waiters_wake_on_set_and_timeouts_report_unset() {
    let args = ["--waiters", "6", "--delay-ms", "20", "--timeout-ms", "50"];
    let run = run(env!("CARGO_BIN_EXE_event"), &args).success();
    assert_eq!(run.int("woken"), 6, "{run}");
    assert_eq!(run.get("all_after_set"), "true", "{run}");
    assert_eq!(run.get("unset_wait"), "false", "{run}");
    assert!(
        run.int("unset_wait_ms") >= 50,
        "returned before its timeout:\n{run}"
    );
    assert_eq!(run.get("set_wait"), "true", "{run}");
    assert_eq!(run.get("cleared_wait"), "false", "{run}");
    assert_eq!(run.int("pulse_woken"), 4, "{run}");
    assert_eq!(run.int("pulse_waiters"), 4, "{run}");
}
