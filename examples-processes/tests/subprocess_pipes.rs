//! subprocess_pipes: over the child's stdin/stdout, every reply matches its
//! request (the value the parent computed itself); a malformed message (a
//! pickle that would run a command in Python) gets an error reply, not a
//! panic, the child keeps serving, then exits cleanly when its stdin
//! closes. No child is left behind.

mod common;

use common::ReapOnExit;
use examples_processes::hygiene::{become_subreaper, leftover_children, reap_all_children};
use shared::testing::run;
use std::time::Duration;

#[test]
fn replies_match_requests_and_a_malformed_message_gets_an_error() {
    become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
    let _cleanup = ReapOnExit; // whatever fails below, no child outlives the test
    let run = run(env!("CARGO_BIN_EXE_subprocess_pipes"), &["--n", "1000"]).success();
    assert_eq!(run.int("matched"), 5, "{run}");
    assert_eq!(run.get("malformed_rejected"), "true", "{run}");
    assert_eq!(run.get("child_exit"), "exit code 0", "{run}");
    assert!(!run.stderr.contains("panicked"), "{run}");
    // Nothing ran the pickle's command.
    assert!(
        !run.stdout.contains("\npwned") && !run.stderr.contains("\npwned"),
        "{run}"
    );

    let left = leftover_children();
    let cleanup = reap_all_children(Duration::from_secs(5));
    assert!(left.is_clean(), "{left} (cleaned up: {cleanup})");
}
