//! barrier: no hilo starts a phase before every hilo finished the one
//! before (the times are recorded and compared by the example), and each
//! round of the barrier has exactly one leader.

use shared::testing::run;

#[test]
fn no_hilo_starts_a_phase_before_all_finished_the_previous_one() {
    let args = ["--threads", "4", "--phases", "3", "--work-ms", "5"];
    let run = run(env!("CARGO_BIN_EXE_barrier"), &args).success();
    assert_eq!(run.int("spans"), 12, "{run}");
    assert_eq!(run.get("in_order"), "true", "{run}");
    assert_eq!(run.int("leaders"), 2, "{run}");
}
