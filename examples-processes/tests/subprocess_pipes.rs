//! subprocess_pipes: over the child's stdin/stdout, every reply matches its
//! request (same id, the value the parent computed itself); a malformed
//! message sent on purpose gets a clear error reply, not a panic, and the
//! child keeps serving, then exits cleanly when its stdin closes. No child
//! is left behind.

mod common;

use assert_cmd::Command;
use common::ReapOnExit;
use examples_processes::hygiene::{become_subreaper, leftover_children, reap_all_children};
use predicates::prelude::*;
use shared::testing::number_after;
use std::time::Duration;

#[test]
fn replies_match_requests_and_a_malformed_message_gets_an_error() {
    become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
    // Whatever fails below, no child of this test outlives it.
    let _cleanup = ReapOnExit;
    let assert = Command::new(env!("CARGO_BIN_EXE_subprocess_pipes"))
        .args(["--n", "1000", "--pings", "20"])
        .timeout(Duration::from_secs(30))
        .assert()
        .success()
        .stderr(predicate::str::contains("panicked").not());
    let output = assert.get_output();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);

    // The four requests before the malformed one, and the one after it.
    for id in 1..=5 {
        let line = out
            .lines()
            .find(|l| l.contains(&format!("| request {id} ")))
            .unwrap_or_else(|| panic!("no reply line for request {id}:\n{out}"));
        assert!(line.ends_with(": matches"), "{line}");
        assert!(
            line.contains(&format!("{{ id: {id},")),
            "the reply carries the request's id: {line}"
        );
    }
    assert!(out.contains("Done { id: 1, answer: Number(55) }"), "{out}");
    assert!(
        out.contains("Failed { id: 4, error: \"the sum overflows i64\" }"),
        "{out}"
    );
    assert!(
        out.contains("Text(\"¿SIGUES AHÍ?\")"),
        "served after the malformed one:\n{out}"
    );
    assert_eq!(
        number_after(&out, "What you saw:"),
        Some(5.0),
        "5 of 5 matched:\n{out}"
    );
    assert!(
        out.contains("5 of 5 replies matched their requests"),
        "{out}"
    );

    // The malformed frame: a clear error back, and the child said so on stderr.
    assert!(
        out.contains("malformed message got a clear error back: malformed request (29 bytes"),
        "{out}"
    );
    assert!(out.contains("the child kept serving: yes"), "{out}");
    // The payload was a pickle that would run a command in Python: here it
    // was only data that failed to decode, and nothing ran.
    assert!(
        out.contains("a pickle that would run `echo pwned` in pickle.loads"),
        "{out}"
    );
    assert!(
        !out.contains("\npwned") && !err.contains("\npwned"),
        "{out}{err}"
    );
    assert!(
        err.contains("replying with an error and serving on"),
        "{err}"
    );
    assert!(
        err.contains("stdin closed after 26 frames: exiting"),
        "{err}"
    );
    assert!(out.contains("ended: exit code 0"), "{out}");
    // 20 more requests were answered correctly to time them (the figure
    // itself is printed, never asserted).
    assert!(out.contains("over 20 requests"), "{out}");

    // Look, then clean up, then assert: a failure leaves nothing running.
    let left = leftover_children();
    let cleanup = reap_all_children(Duration::from_secs(5));
    assert!(left.is_clean(), "{left} (cleaned up: {cleanup})");
}
