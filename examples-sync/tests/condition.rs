//! condition: every item produced is consumed once, in its producer's order,
//! the buffer bound is never exceeded, for the plain Mutex + Condvar buffer
//! and for the library's queue; the printed times never go backwards. The
//! notes' notify() on one Condvar CAN deadlock: the example shows it, but
//! whether it does in a given run is a race, so no test requires it.

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_condition");

#[test]
fn slow_consumers_fill_the_buffer_and_nothing_is_lost() {
    let args = [
        "--producers",
        "2",
        "--consumers",
        "2",
        "--items",
        "6",
        "--capacity",
        "2",
    ];
    let run = run(
        BIN,
        &[&args[..], &["--produce-ms", "1", "--consume-ms", "30"]].concat(),
    )
    .success();
    for prefix in ["", "library_"] {
        assert_eq!(run.int(&format!("{prefix}consumed")), 12, "{run}");
        assert_eq!(run.int(&format!("{prefix}lost")), 0, "{run}");

        assert_eq!(run.get(&format!("{prefix}in_order")), "true", "{run}");
        assert!(
            (1..=2).contains(&run.int(&format!("{prefix}peak"))),
            "{run}"
        );
    }
    // Consumers thirty times slower than producers: a producer had to wait.
    assert!(run.int("full_waits") >= 1, "{run}");
}

#[test]
fn many_hilos_many_items_stay_exact() {
    let args = [
        "--producers",
        "4",
        "--consumers",
        "3",
        "--items",
        "2000",
        "--capacity",
        "1",
    ];
    let run = run(
        BIN,
        &[&args[..], &["--produce-ms", "0", "--consume-ms", "0"]].concat(),
    )
    .success();
    assert_eq!(run.int("items"), 8000, "{run}");
    assert_eq!(run.int("duplicated"), 0, "{run}");
    for prefix in ["", "library_"] {
        assert_eq!(run.int(&format!("{prefix}consumed")), 8000, "{run}");
        assert_eq!(run.int(&format!("{prefix}lost")), 0, "{run}");

        assert_eq!(run.int(&format!("{prefix}peak")), 1, "{run}");
    }
}

/// Lines are stamped and printed under the buffer's lock, so their times
/// (the `[  12.345 ms]` prefix) never go backwards.
#[test]
fn printed_times_never_go_backwards() {
    let run = run(
        BIN,
        &[
            "--producers",
            "3",
            "--consumers",
            "3",
            "--items",
            "50",
            "--produce-ms",
            "0",
            "--consume-ms",
            "0",
        ],
    )
    .success();
    let times: Vec<f64> = run
        .stdout
        .lines()
        .filter_map(|l| {
            l.strip_prefix('[')?
                .split_once(" ms]")?
                .0
                .trim()
                .parse()
                .ok()
        })
        .collect();
    assert!(times.len() > 100, "{run}");
    for pair in times.windows(2) {
        assert!(pair[0] <= pair[1], "{pair:?} goes backwards:\n{run}");
    }
}

/// The notes' notify() (notify_one on one Condvar) with 2 producers and 2
/// consumers deadlocked in 10 of 10 runs here, as in CPython 3.11, but that
/// is a race outcome, not a guarantee: the example shows it, the test does
/// not require it. What always holds, whichever way part 3 ends: the run
/// succeeds, says how part 3 ended, and parts 1 and 2 (notify_all, and the
/// library's two Condvars) deliver every item once, in order, within the
/// bound.
#[test]
fn the_notify_one_part_never_spoils_the_others() {
    let run = run(
        BIN,
        &[
            "--items",
            "1",
            "--produce-ms",
            "0",
            "--consume-ms",
            "0",
            "--capacity",
            "1",
        ],
    )
    .success();
    assert!(
        ["true", "false"].contains(&run.get("notify_one_deadlocked")),
        "{run}"
    );
    let items = run.int("items");
    assert!(items >= 1, "{run}");
    assert_eq!(run.int("duplicated"), 0, "{run}");
    for prefix in ["", "library_"] {
        assert_eq!(run.int(&format!("{prefix}consumed")), items, "{run}");
        assert_eq!(run.int(&format!("{prefix}lost")), 0, "{run}");
        assert_eq!(run.get(&format!("{prefix}in_order")), "true", "{run}");
        assert_eq!(run.int(&format!("{prefix}peak")), 1, "{run}");
    }
}
