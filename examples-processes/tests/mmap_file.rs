//! mmap_file: the reader proceso sees, in its own MAP_SHARED mapping, the
//! bytes the writer proceso stored in its mapping of the same file; the temp
//! file is removed afterwards, also when the writer fails; no child is left.
//!
//! One test (two phases) on purpose: the hygiene check looks at every child
//! of this test process.

mod common;

use common::{ReapOnExit, empty_dir, entries};
use examples_processes::hygiene::{become_subreaper, leftover_children, reap_all_children};
use shared::testing::run;
use std::time::Duration;

#[test]
fn the_reader_sees_the_writers_bytes_and_the_file_is_removed() {
    become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
    // Whatever fails below, no child of this test outlives it.
    let _cleanup = ReapOnExit;
    let dir = empty_dir("mmap_file");
    // Unique per run, so an old file's bytes could not pass for these.
    let message = format!("hola mmap {}", std::process::id());

    let dir_arg = format!("--dir={}", dir.display());
    const BIN: &str = env!("CARGO_BIN_EXE_mmap_file");

    let ok = run(BIN, &["--message", &message, "--size", "4096", &dir_arg]).success();
    assert_eq!(ok.int("bytes"), message.len() as i64, "{ok}");
    assert_eq!(ok.get("reader_saw_message"), "true", "{ok}");
    assert_eq!(ok.get("file_same"), "true", "{ok}");
    assert_eq!(ok.get("file_removed"), "true", "{ok}");
    assert_ne!(
        ok.int("writer_pid"),
        ok.int("reader_pid"),
        "two procesos:\n{ok}"
    );
    assert!(
        entries(&dir).is_empty(),
        "temp file left: {:?}",
        entries(&dir)
    );

    // A message that starts with '-' reaches the writer as text, not as a
    // flag of the re-executed child.
    let dash = run(BIN, &["--message=--hola", &dir_arg]).success();
    assert_eq!(dash.int("bytes"), 6, "{dash}");
    assert_eq!(dash.get("reader_saw_message"), "true", "{dash}");

    // A message that cannot fit is refused by the parent, before any file
    // or child exists.
    let long = "x".repeat(100);
    let too_big = run(BIN, &["--message", &long, "--size", "64", &dir_arg]);
    assert!(!too_big.status.success(), "{too_big}");
    assert!(
        too_big
            .stderr
            .contains("the message (100 bytes) does not fit"),
        "{too_big}"
    );
    assert!(!too_big.stderr.contains("panicked") && !too_big.stdout.contains("mapped"));

    // Error path: the writer fails, the reader reports it at once, and the
    // temp file is still removed.
    let fails = run(BIN, &["--writer-fails", &dir_arg]);
    assert!(!fails.status.success(), "{fails}");
    assert!(
        fails.stderr.contains("the writer ended (exit code 1)"),
        "{fails}"
    );
    assert!(!fails.stderr.contains("panicked"), "{fails}");
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
