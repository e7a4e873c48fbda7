//! compare on two small topics: it builds their examples (debug, so the test
//! reuses what `cargo test --workspace` built), runs each twin beside its
//! Rust example (twice: --repeat 2), and every topic agrees before its
//! figures are shown.

use std::process::Command;
use std::time::Duration;

use shared::testing::run_command;

#[test]
fn two_small_topics_agree_and_print_one_table() {
    if let Err(e) = shared::twins::python_version() {
        panic!("{e}");
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_compare"));
    command.args([
        "--small",
        "--repeat",
        "2",
        "--debug",
        "--markdown",
        "gil",
        "lock",
    ]);
    // Building two crates' binaries on a loaded machine, then two small runs each.
    let run = run_command(&mut command, Duration::from_secs(900)).success();
    assert_eq!(run.int("topics"), 2, "{run}");
    assert_eq!(run.int("agreed"), 2, "{run}");
    for want in [
        "**The GIL",
        "**Lock and Condition",
        "| figure | Python | Rust | Python / Rust |",
        "(gil) |",
        "load average",
    ] {
        assert!(run.stdout.contains(want), "no {want:?} in:\n{run}");
    }
    // Progress is visible while it runs: one line per topic on stderr.
    assert!(
        run.stderr.contains("[1/2] gil") && run.stderr.contains("[2/2] lock"),
        "{run}"
    );
}

#[test]
fn an_unknown_topic_is_a_clear_error() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_compare"));
    command.arg("nosuchtopic");
    let run = run_command(&mut command, Duration::from_secs(60));
    assert_eq!(run.status.code(), Some(2), "{run}");
    assert!(run.stderr.contains("unknown topic `nosuchtopic`"), "{run}");
    assert!(run.stderr.contains("gil pool manager"), "{run}");
}
