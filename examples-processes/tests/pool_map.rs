//! pool_map: the pool's results equal the sequential ones, in input order;
//! a crashed worker costs one task's result, never the pool.

use shared::testing::run;
use shared::workload::expected_sums;

const BIN: &str = env!("CARGO_BIN_EXE_pool_map");

fn list(text: &str) -> Vec<u64> {
    text.split(',').map(|x| x.trim().parse().unwrap()).collect()
}

#[test]
fn results_equal_the_sequential_ones_in_input_order() {
    let run = run(BIN, &["--workers", "3", "--jobs", "7", "--n", "20000"]).success();
    // Computed here, independently of the example: the notes' sums for jobs 0..7.
    assert_eq!(list(run.get("results")), expected_sums(7, 20_000), "{run}");
    assert_eq!(run.get("in_order"), "true", "{run}");
    assert_eq!(list(run.get("squares")), vec![1, 4, 9, 16, 25]);
    assert_eq!(list(run.get("starmap_sums")), vec![3, 7, 11]);
    assert_eq!(run.int("workers_reaped"), 3, "{run}");
    assert_eq!(run.int("workers_clean_exit"), 3, "{run}");
}

#[test]
fn a_crashed_worker_fails_its_task_only_and_is_replaced() {
    let run = run(BIN, &["--workers", "2", "--jobs", "2", "--n", "1000"]).success();
    assert_eq!(run.get("crash_results"), "Some(36),true,Some(49)", "{run}");
    let error = run.get("crash_error");
    assert!(
        error.contains("died while running task 1") && error.contains("SIGABRT"),
        "{run}"
    );
    assert_eq!(run.int("replaced_workers"), 1, "{run}");
    // The replacement worker is stopped and reaped like the others.
    assert_eq!(run.int("workers_reaped"), 2, "{run}");
    assert_eq!(run.int("workers_clean_exit"), 2, "{run}");
}

#[test]
fn bad_flags_are_refused_with_a_message() {
    for args in [["--workers", "0"], ["--jobs", "many"]] {
        let run = run(BIN, &args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert!(
            run.stderr.contains(args[0]) && !run.stderr.contains("panicked"),
            "{run}"
        );
    }
}
