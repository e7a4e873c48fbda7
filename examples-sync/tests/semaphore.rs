//! semaphore: exactly N inside at once (never more, and not fewer: a
//! semaphore that let one in at a time is not the lesson), with the plain
//! Mutex + Condvar semaphore and with the library's; a timed acquire with
//! every permit out gives up.

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_semaphore");

/// Queries of 300 ms: the second hilo would have to start more than 300 ms
/// after the first got in for only one to be inside, far beyond the
/// scheduling delays of a loaded machine (the hilos start together).
#[test]
fn exactly_n_inside() {
    let run = run(
        BIN,
        &["--permits", "2", "--threads", "4", "--query-ms", "300"],
    )
    .success();
    for key in ["max_inside", "timeline_overlap", "library_max_inside"] {
        assert_eq!(run.int(key), 2, "{key}:\n{run}");
    }
    assert_eq!(run.get("timed_out"), "true", "{run}");
}

#[test]
fn one_permit_is_a_lock() {
    let run = run(
        BIN,
        &["--permits", "1", "--threads", "4", "--query-ms", "5"],
    )
    .success();
    assert_eq!(run.int("max_inside"), 1, "{run}");
    assert_eq!(run.int("timeline_overlap"), 1, "{run}");
    assert_eq!(run.int("library_max_inside"), 1, "{run}");
}
