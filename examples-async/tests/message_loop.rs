//! message_loop: every message handled; pop() reverses a burst, the channel
//! keeps order; the spinning loop looks at an empty queue again and again,
//! the sleeping one uses (almost) no CPU while empty.

use shared::testing::run;

#[test]
fn pop_reverses_bursts_and_the_channel_loop_sleeps() {
    let args = ["--bursts", "4", "--burst", "3", "--gap-ms", "50"];
    let run = run(env!("CARGO_BIN_EXE_message_loop"), &args).success();
    assert_eq!(run.int("items"), 12, "{run}");
    assert_eq!(run.get("spin_in_order"), "false", "{run}");
    assert_eq!(run.get("sleep_in_order"), "true", "{run}");
    // 200 ms of gaps: a spinning loop asks thousands of times even when it
    // gets a fraction of a core; the channel loop never asks, it sleeps.
    assert!(run.int("spin_empty_checks") > 1_000, "{run}");
    // Its own thread's CPU time: others' load does not count in it.
    assert!(
        run.num("sleep_cpu_ms") < 0.05 * run.num("sleep_wall_ms"),
        "{run}"
    );
}

/// With bursts of one there is nothing for pop() to reverse: every message
/// is handled in arrival order, and the run says so. The gaps are long
/// (300 ms): with 20 ms, a loaded machine once kept the spinning loop off
/// the CPU through a whole gap, two messages piled up and pop() reversed
/// them (a soak run found it).
#[test]
fn bursts_of_one_stay_in_order() {
    let args = ["--bursts", "3", "--burst", "1", "--gap-ms", "300"];
    let run = run(env!("CARGO_BIN_EXE_message_loop"), &args).success();
    assert_eq!(run.int("items"), 3, "{run}");
    assert_eq!(run.get("spin_in_order"), "true", "{run}");
    assert_eq!(run.get("sleep_in_order"), "true", "{run}");
}
