//! pool_map: the pool's results equal the sequential ones, in input order;
//! a crashed worker costs one task's result, never the pool.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::{lines_with, number_after};
use shared::workload::expected_sums;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_pool_map"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run pool_map");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The list printed after `label`, e.g. "Results: [1, 2]".
fn list_after(text: &str, label: &str) -> Vec<u64> {
    let line = lines_with(text, label)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no `{label}` in:\n{text}"));
    let inside = line.rsplit_once('[').unwrap().1.trim_end_matches(']');
    inside
        .split(',')
        .map(|x| x.trim().parse().unwrap())
        .collect()
}

#[test]
fn results_equal_the_sequential_ones_in_input_order() {
    let out = run(&[
        "--workers",
        "3",
        "--jobs",
        "7",
        "--n",
        "20000",
        "--no-crash-demo",
    ]);
    // Computed here, independently of the example: the notes' sums for jobs 0..7.
    assert_eq!(
        list_after(&out, "Results:"),
        expected_sums(7, 20_000),
        "{out}"
    );
    assert!(out.contains("in order: yes"), "{out}");
    assert_eq!(
        list_after(&out, "pool.map(square, ["),
        vec![1, 4, 9, 16, 25]
    );
    assert_eq!(list_after(&out, "pool.starmap(add, ["), vec![3, 7, 11]);
    assert!(!out.contains("WRONG RESULT"), "{out}");
    // The table shows both ways beside sequential.
    assert!(
        out.contains("process pool (3 workers)") && out.contains("rayon ("),
        "{out}"
    );
    // The speed-up is said as a speed-up (below 1 it is "slower"), never
    // as "N x faster" whatever N is.
    assert!(out.contains("process pool's speed-up was "), "{out}");
    assert!(!out.contains("faster than one thread"), "{out}");
    assert_eq!(number_after(&out, "stopped and reaped"), Some(3.0), "{out}");
    assert!(out.contains("(3 exited with code 0)"), "{out}");
}

#[test]
fn a_crashed_worker_fails_its_task_only_and_is_replaced() {
    let out = run(&["--workers", "2", "--jobs", "2", "--n", "1000"]);
    assert_eq!(number_after(&out, "task 0:"), Some(36.0), "{out}");
    assert_eq!(number_after(&out, "task 2:"), Some(49.0), "{out}");
    let failed = lines_with(&out, "task 1: error:");
    assert_eq!(failed.len(), 1, "{out}");
    assert!(
        failed[0].contains("died while running task 1") && failed[0].contains("SIGABRT"),
        "{out}"
    );
    assert_eq!(number_after(&out, "the pool started"), Some(1.0), "{out}");
    // The replacement worker is stopped and reaped like the others.
    assert!(
        out.contains("stopped and reaped 2 workers (2 exited with code 0)"),
        "{out}"
    );
}

#[test]
fn bad_flags_are_refused_with_a_message() {
    for args in [["--workers", "0"], ["--jobs", "many"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_pool_map"))
            .args(args)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(args[0]) && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}
