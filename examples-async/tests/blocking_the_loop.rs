//! blocking_the_loop: the ticker is late by about the whole job only when
//! the job (or a blocking sleep) runs inside the loop.

use shared::testing::run;

#[test]
fn only_work_inside_the_loop_delays_the_ticker() {
    let run = run(
        env!("CARGO_BIN_EXE_blocking_the_loop"),
        &["--job-ms", "400"],
    )
    .success();
    // Inside the loop the ticker cannot run until the job ends: on any
    // machine it is late by at least the job minus one tick.
    assert!(run.num("late_ms_inline") >= 390.0, "{run}");
    assert!(run.num("late_ms_thread_sleep") >= 390.0, "{run}");
    // Off the loop, the loop thread only needs a moment of a core now and
    // then: well under half the job even on a busy machine.
    assert!(run.num("late_ms_spawn_blocking") < 200.0, "{run}");
    assert!(run.num("late_ms_rayon") < 200.0, "{run}");
}
