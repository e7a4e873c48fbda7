//! thread_pool: map keeps input order; as_completed yields in completion order;
//! every task runs once; a panic is an error and the pool keeps working.

use shared::testing::run;

fn list(value: &str) -> Vec<u64> {
    value.split(',').map(|n| n.parse().unwrap()).collect()
}

#[test]
fn pool_behaves_like_thread_pool_executor() {
    // A worker per task, so each task finishes after its own pretend work.
    let run = run(
        env!("CARGO_BIN_EXE_thread_pool"),
        &["--workers", "6", "--tasks", "6", "--unit-ms", "40"],
    )
    .success();
    let inputs = vec![1, 2, 3, 4, 5, 6];
    let squares = vec![1, 4, 9, 16, 25, 36];
    assert_eq!(list(run.get("plain_pool")), squares, "{run}");
    assert_eq!(run.int("submit_result"), 25, "{run}");
    // The tasks did not finish in input order (their work is shuffled), yet
    // map answered in input order.
    assert_ne!(list(run.get("map_finish_order")), inputs, "{run}");
    assert_eq!(list(run.get("map_results")), squares, "{run}");
    assert_eq!(list(run.get("rayon_map")), squares, "{run}");
    // as_completed: each task once, not in input order, and in the order the
    // pool numbered their completions.
    let mut yielded = list(run.get("as_completed_order"));
    assert_ne!(yielded, inputs, "{run}");
    yielded.sort();
    assert_eq!(yielded, inputs, "{run}");
    assert_eq!(run.get("as_completed_by_completion"), "true", "{run}");
    assert_eq!(run.int("wait_done"), 6, "{run}");
    assert_eq!(run.int("wait_not_done"), 0, "{run}");
    assert_eq!(run.get("panic_is_error"), "true", "{run}");
    assert_eq!(run.int("after_panic"), 36, "{run}");
    assert_eq!(run.get("ran_once"), "true", "{run}");
}

#[test]
fn one_worker_runs_the_tasks_in_input_order() {
    let run = run(
        env!("CARGO_BIN_EXE_thread_pool"),
        &["--workers", "1", "--tasks", "3", "--unit-ms", "0"],
    )
    .success();
    assert_eq!(list(run.get("map_finish_order")), vec![1, 2, 3], "{run}");
    assert_eq!(list(run.get("map_results")), vec![1, 4, 9], "{run}");
}
