//! The Python twins of this crate's examples (python/threads/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

use shared::twins::{Agreement, check};

#[test]
fn gil_cpu_vs_io() {
    let (python, rust) = check(
        "threads/gil_cpu_vs_io.py",
        env!("CARGO_BIN_EXE_gil_cpu_vs_io"),
        &[
            "--threads",
            "2",
            "--jobs",
            "2",
            "--n",
            "20000",
            "--io-tasks",
            "4",
            "--io-ms",
            "20",
        ],
        Agreement {
            own: &[],
            agree: &[("correct", "correct"), ("threads", "threads")],
        },
    );
    assert_eq!(python.run.get("correct"), "true", "{}", python.run);
    // The GIL: CPython's threads never compute more than one at a time on average.
    assert_eq!(python.run.int("max_computing_free"), 1, "{}", python.run);
    // Both runs' I/O waits overlap (4 waits of 20 ms; the deadline is generous).
    for side in [&python, &rust] {
        assert!(side.run.int("max_waiting_io_free") >= 2, "{}", side.run);
    }
}

#[test]
fn sync_vs_threaded_requests() {
    let (python, _) = check(
        "threads/sync_vs_threaded_requests.py",
        env!("CARGO_BIN_EXE_sync_vs_threaded_requests"),
        &["--requests", "3", "--delay-ms", "50"],
        Agreement {
            own: &[],
            agree: &[
                ("requests", "requests"),
                ("served", "served"),
                ("all_200", "all_200"),
            ],
        },
    );
    // Three 50 ms waits on three threads overlap: well under the sequential 150 ms.
    assert!(
        python.run.num("threaded_ms") < 0.75 * python.run.num("sequential_ms"),
        "{}",
        python.run
    );
}

#[test]
fn hello_thread() {
    check(
        "threads/hello_thread.py",
        env!("CARGO_BIN_EXE_hello_thread"),
        &["--steps", "3", "--pause-ms", "10"],
        Agreement {
            own: &[],
            agree: &[
                ("steps", "steps"),
                ("steps_done_after_join", "steps_done_after_join"),
                ("returned", "returned"),
            ],
        },
    );
}

#[test]
fn thread_args() {
    check(
        "threads/thread_args.py",
        env!("CARGO_BIN_EXE_thread_args"),
        &["--threads", "3", "--n", "1000"],
        Agreement {
            own: &[],
            agree: &[
                ("sum_join", "sum_join"),
                ("sum_scoped", "sum_scoped"),
                ("expected", "expected"),
            ],
        },
    );
}

#[test]
fn thread_details() {
    let (python, _) = check(
        "threads/thread_details.py",
        env!("CARGO_BIN_EXE_thread_details"),
        &[],
        Agreement {
            own: &[],
            agree: &[
                ("threads_before", "threads_before"),
                ("threads_during", "threads_during"),
                ("threads_after", "threads_after"),
            ],
        },
    );
    // On Linux the main thread's kernel id is the pid; another thread's is not.
    assert_eq!(
        python.run.get("main_tid"),
        python.run.get("pid"),
        "{}",
        python.run
    );
    assert_ne!(
        python.run.get("hilo_tid"),
        python.run.get("pid"),
        "{}",
        python.run
    );
}

#[test]
fn daemon_thread() {
    let (python, _) = check(
        "threads/daemon_thread.py",
        env!("CARGO_BIN_EXE_daemon_thread"),
        &["--steps", "3", "--pause-ms", "10"],
        Agreement {
            own: &[],
            agree: &[
                ("joined_steps", "joined_steps"),
                ("joined_finished", "joined_finished"),
                ("detached_wanted", "detached_wanted"),
                ("detached_finished", "detached_finished"),
            ],
        },
    );
    // The daemon ran while main joined the other thread (not stopped when main's work ended).
    assert!(
        python.run.int("detached_steps_at_exit") >= 1,
        "{}",
        python.run
    );
}

#[test]
fn thread_pool() {
    check(
        "threads/thread_pool.py",
        env!("CARGO_BIN_EXE_thread_pool"),
        &["--workers", "3", "--tasks", "4", "--unit-ms", "20"],
        Agreement {
            own: &[],
            agree: &[
                ("plain_pool", "plain_pool"),
                ("submit_result", "submit_result"),
                ("map_results", "map_results"),
                ("as_completed_by_completion", "as_completed_by_completion"),
                ("wait_done", "wait_done"),
                ("wait_not_done", "wait_not_done"),
                ("panic_is_error", "panic_is_error"),
                ("after_panic", "after_panic"),
                ("ran_once", "ran_once"),
            ],
        },
    );
}
