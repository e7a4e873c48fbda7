//! semaphore_signal: the waiter is asleep in acquire() and proceeds only
//! after the signal; a relay started last-first runs in signal order.

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_semaphore_signal");

#[test]
fn the_waiter_proceeds_only_after_the_signal() {
    let run = run(BIN, &["--delay-ms", "50"]).success();
    assert_eq!(run.get("waiter_asleep"), "true", "{run}");
    assert_eq!(run.get("proceeded_early"), "false", "{run}");
    assert_eq!(run.get("proceeded_after_signal"), "true", "{run}");
}

#[test]
fn the_relay_runs_in_signal_order() {
    let run = run(BIN, &["--delay-ms", "0", "--stages", "6"]).success();
    assert_eq!(run.get("relay_in_order"), "true", "{run}");
}
