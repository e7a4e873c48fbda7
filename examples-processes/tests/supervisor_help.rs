//! supervisor: --help says how to stop it, and shows none of the test-only
//! failure knobs (they live in the library, hidden).

use shared::testing::run;

#[test]
fn help_says_how_to_stop_and_hides_the_failure_knobs() {
    let run = run(env!("CARGO_BIN_EXE_supervisor"), &["--help"]).success();
    assert!(
        run.stdout.contains("Ctrl-C") && run.stdout.contains("--stop-after-ms"),
        "{run}"
    );
    for knob in [
        "--stubborn-worker",
        "--fail-on-stop",
        "--crash-after",
        "--crash-worker",
        "--healthy-after-ms",
    ] {
        assert!(!run.stdout.contains(knob), "{knob} shows in --help:\n{run}");
    }
}
