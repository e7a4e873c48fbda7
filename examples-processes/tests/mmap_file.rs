//! mmap_file: the reader proceso sees, in its own MAP_SHARED mapping, the
//! bytes the writer proceso stored in its mapping of the same file; the temp
//! file is removed afterwards, also when the writer fails; no child is left.
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
fn the_reader_sees_the_writers_bytes_and_the_file_is_removed() {
    become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
    // Whatever fails below, no child of this test outlives it.
    let _cleanup = ReapOnExit;
    let dir = empty_dir("mmap_file");
    // Unique per run, so an old file's bytes could not pass for these.
    let message = format!("hola mmap {}", std::process::id());

    let out = Command::new(env!("CARGO_BIN_EXE_mmap_file"))
        .args(["--message", &message, "--size", "4096"])
        .arg("--dir")
        .arg(&dir)
        .timeout(Duration::from_secs(30))
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "reader saw {} bytes in its own mapping: {message:?}",
            message.len()
        )))
        .stdout(predicate::str::contains(
            "read(2) of the file gives the same bytes: yes",
        ))
        .stdout(predicate::str::contains(
            "reader saw the writer's bytes: yes",
        ))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    let writer = number_after(&out, "the writer proceso (pid").expect("writer pid");
    let reader_line = out
        .lines()
        .find(|l| l.starts_with("(pid"))
        .unwrap_or_default();
    let reader = number_after(reader_line, "(pid").expect("reader pid");
    assert_ne!(writer, reader, "two different procesos:\n{out}");
    assert!(
        entries(&dir).is_empty(),
        "temp file left: {:?}",
        entries(&dir)
    );

    // A message that starts with '-' reaches the writer as text, not as a
    // flag of the re-executed child.
    Command::new(env!("CARGO_BIN_EXE_mmap_file"))
        .arg("--message=--hola")
        .arg("--dir")
        .arg(&dir)
        .timeout(Duration::from_secs(30))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "reader saw 6 bytes in its own mapping: \"--hola\"",
        ));

    // A message that cannot fit is refused by the parent, before any file
    // or child exists.
    Command::new(env!("CARGO_BIN_EXE_mmap_file"))
        .args(["--message", &"x".repeat(100), "--size", "64"])
        .arg("--dir")
        .arg(&dir)
        .timeout(Duration::from_secs(30))
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "the message (100 bytes) does not fit in the mapping (56 bytes",
        ))
        .stderr(predicate::str::contains("panicked").not())
        .stdout(predicate::str::contains("created").not());

    // Error path: the writer fails, the reader reports it, and the temp
    // file is still removed.
    Command::new(env!("CARGO_BIN_EXE_mmap_file"))
        .arg("--writer-fails")
        .arg("--dir")
        .arg(&dir)
        .timeout(Duration::from_secs(30))
        .assert()
        .failure()
        .stderr(predicate::str::contains("the writer ended (exit code 1)"))
        .stderr(predicate::str::contains("panicked").not())
        .stdout(predicate::str::contains("temp file removed"));
    assert!(
        entries(&dir).is_empty(),
        "temp file left: {:?}",
        entries(&dir)
    );

    // Look, then clean up, then assert: a failure leaves nothing running.
    let left = leftover_children();
    let cleanup = reap_all_children(Duration::from_secs(5));
    assert!(left.is_clean(), "{left} (cleaned up: {cleanup})");
    let _ = std::fs::remove_dir(&dir);
}
