//! semaphore: never more than N inside at once, with the plain Mutex +
//! Condvar semaphore and with the library's; a timed acquire with every
//! permit out gives up.

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_semaphore");

#[test]
fn never_more_than_n_inside() {
    let run = run(
        BIN,
        &["--permits", "2", "--threads", "6", "--query-ms", "20"],
    )
    .success();
    for key in ["max_inside", "timeline_overlap", "library_max_inside"] {
        assert!((1..=2).contains(&run.int(key)), "{key}:\n{run}");
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
