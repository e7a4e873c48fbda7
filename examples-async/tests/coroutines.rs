//! coroutines: gather keeps argument order, as_completed yields by finish
//! order, select! takes the first, timeout fires, abort cancels, a dropped
//! future never runs.

use shared::testing::run;

#[test]
fn asyncio_names_behave_as_in_python() {
    // Units of 150 ms: tasks finish 150 ms apart, far more than a loaded
    // machine delays one timer.
    let run = run(env!("CARGO_BIN_EXE_coroutines"), &["--unit-ms", "150"]).success();
    assert_eq!(run.get("gather_order"), "1,4,9", "{run}");
    assert_eq!(run.get("as_completed_order"), "9,4,1", "{run}");
    assert_eq!(run.get("first_completed"), "fast", "{run}");
    assert_eq!(run.get("timed_out"), "true", "{run}");
    assert_eq!(run.get("cancelled"), "true", "{run}");
    assert_eq!(run.get("cancelled_task_finished"), "false", "{run}");
    assert_eq!(run.get("dropped_future_ran"), "false", "{run}");
}
