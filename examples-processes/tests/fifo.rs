//! fifo: the message crosses a named pipe from the writer proceso to the
//! reader proceso, and the FIFO (and its directory) is removed afterwards,
//! also when the writer fails before opening it (the reader does not hang);
//! no child is left behind.
//!
//! One test (two phases) on purpose: the hygiene check looks at every child
//! of this test process.

mod common;

use assert_cmd::Command;
use common::{ReapOnExit, empty_dir, entries};
use examples_processes::hygiene::{become_subreaper, leftover_children, reap_all_children};
use predicates::prelude::*;
use shared::testing::number_after;
use std::time::Duration;

#[test]
fn the_message_crosses_and_the_fifo_is_removed_even_on_error() {
    become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
    // Whatever fails below, no child of this test outlives it.
    let _cleanup = ReapOnExit;
    let dir = empty_dir("fifo");
    let message = format!("hola fifo {}", std::process::id());

    let output = Command::new(env!("CARGO_BIN_EXE_fifo"))
        .args(["--message", &message, "--lines", "5"])
        .arg("--dir")
        .arg(&dir)
        .timeout(Duration::from_secs(30))
        .assert()
        .success()
        .stdout(predicate::str::contains("5 of 5 lines crossed the FIFO"))
        .stdout(predicate::str::contains("The message crossed: yes"))
        .stdout(predicate::str::contains("FIFO removed"))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&output);
    let writer = number_after(&out, "from the writer (pid").expect("writer pid");
    let reader = number_after(&out, "to the reader (pid").expect("reader pid");
    assert_ne!(writer, reader, "two procesos:\n{out}");
    // Every line arrived whole, in order, and came from the writer's pid.
    for n in 1..=5 {
        let expected = format!("received: line {n} of 5: {message} (from pid {writer})");
        assert!(out.contains(&expected), "missing {expected:?}:\n{out}");
    }
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));

    // A long transfer: 10,000 lines of ~1 KB (10 MB) arrive whole and in
    // time. (A reader that re-scanned everything received on each read
    // was quadratic: a few thousand lines a minute.)
    let long = "x".repeat(1000);
    let output = Command::new(env!("CARGO_BIN_EXE_fifo"))
        .args(["--message", &long, "--lines", "10000"])
        .arg("--dir")
        .arg(&dir)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run fifo");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        out.contains("10000 of 10000 lines crossed the FIFO") && out.contains("crossed: yes"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    assert!(
        out.contains(&format!("received: line 10000 of 10000: {long} (from pid")),
        "the last line arrived whole"
    );
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));

    // A message that starts with '-' reaches the writer as text, not as a
    // flag of the re-executed child.
    Command::new(env!("CARGO_BIN_EXE_fifo"))
        .args(["--message=--hola", "--lines", "2"])
        .arg("--dir")
        .arg(&dir)
        .timeout(Duration::from_secs(30))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "received: line 2 of 2: --hola (from pid",
        ));
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));

    // Error path: the writer fails before opening; no hang, FIFO removed.
    Command::new(env!("CARGO_BIN_EXE_fifo"))
        .arg("--writer-crashes")
        .arg("--dir")
        .arg(&dir)
        .timeout(Duration::from_secs(30))
        .assert()
        .failure()
        .stderr(predicate::str::contains("without opening the FIFO"))
        .stderr(predicate::str::contains("panicked").not())
        .stdout(predicate::str::contains("FIFO removed"));
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));

    // The writer alone, on a FIFO that nobody reads (its reader is gone):
    // it must fail at once, not block in open() forever.
    let orphan_fifo = dir.join("nobody-reads");
    nix::unistd::mkfifo(&orphan_fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    Command::new(env!("CARGO_BIN_EXE_fifo"))
        .env(examples_processes::child::ROLE_ENV, "fifo-writer")
        .arg("--fifo")
        .arg(&orphan_fifo)
        .timeout(Duration::from_secs(20))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no reader has"))
        .stderr(predicate::str::contains("panicked").not());
    std::fs::remove_file(&orphan_fifo).expect("remove the test FIFO");

    // Look, then clean up, then assert: a failure leaves nothing running.
    let left = leftover_children();
    let cleanup = reap_all_children(Duration::from_secs(5));
    assert!(left.is_clean(), "{left} (cleaned up: {cleanup})");
    let _ = std::fs::remove_dir(&dir);
}
