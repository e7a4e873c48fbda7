//! The Python twins of this crate's examples (python/async/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

use shared::twins::{Agreement, check};

#[test]
fn three_tasks() {
    let (python, _) = check(
        "async/three_tasks.py",
        env!("CARGO_BIN_EXE_three_tasks"),
        &["--cpu-ms", "5", "--io-ms", "300"],
        Agreement {
            own: &[
                "wall_ms_asyncio",
                "io_overlap_asyncio",
                "cpu_overlap_asyncio",
            ],
            agree: &[
                ("io_overlap_asyncio", "io_overlap_tokio"),
                ("cpu_overlap_asyncio", "cpu_overlap_tokio"),
            ],
        },
    );
    // One thread: the CPU parts never overlap, the three waits do.
    assert_eq!(python.run.int("cpu_overlap_asyncio"), 1, "{}", python.run);
    assert_eq!(python.run.int("io_overlap_asyncio"), 3, "{}", python.run);
}

#[test]
fn async_requests() {
    let (python, _) = check(
        "async/async_requests.py",
        env!("CARGO_BIN_EXE_async_requests"),
        &["--requests", "6", "--limit", "3", "--delay-ms", "30"],
        Agreement {
            own: &[],
            agree: &[
                ("requests", "requests"),
                ("ok", "ok"),
                ("limit", "limit"),
                ("max_in_flight", "max_in_flight"),
                ("served", "served"),
            ],
        },
    );
    assert!(python.run.int("max_in_flight") <= 3, "{}", python.run);
}

#[test]
fn coroutines() {
    check(
        "async/coroutines.py",
        env!("CARGO_BIN_EXE_coroutines"),
        &["--unit-ms", "100"],
        Agreement {
            own: &[],
            agree: &[
                ("gather_order", "gather_order"),
                ("as_completed_order", "as_completed_order"),
                ("first_completed", "first_completed"),
                ("timed_out", "timed_out"),
                ("cancelled", "cancelled"),
                ("cancelled_task_finished", "cancelled_task_finished"),
                ("dropped_future_ran", "dropped_future_ran"),
            ],
        },
    );
}

#[test]
fn blocking_the_loop() {
    let (python, _) = check(
        "async/blocking_the_loop.py",
        env!("CARGO_BIN_EXE_blocking_the_loop"),
        &["--job-ms", "100"],
        Agreement {
            own: &[],
            agree: &[("job_ms", "job_ms")],
        },
    );
    // CPU work inside the loop delays the ticker by (nearly) the whole job.
    assert!(python.run.num("late_ms_inline") >= 80.0, "{}", python.run);
    assert!(
        python.run.num("late_ms_thread_sleep") >= 80.0,
        "{}",
        python.run
    );
}

#[test]
fn message_loop() {
    let (python, _) = check(
        "async/message_loop.py",
        env!("CARGO_BIN_EXE_message_loop"),
        &["--bursts", "3", "--burst", "3", "--gap-ms", "20"],
        Agreement {
            own: &[],
            agree: &[
                ("items", "items"),
                ("spin_in_order", "spin_in_order"),
                ("sleep_in_order", "sleep_in_order"),
            ],
        },
    );
    assert!(python.run.int("spin_empty_checks") > 0, "{}", python.run);
}

#[test]
fn event_loop_from_scratch() {
    let (python, _) = check(
        "async/event_loop_from_scratch.py",
        env!("CARGO_BIN_EXE_event_loop_from_scratch"),
        &["--sleepers", "200", "--idle-ms", "300"],
        Agreement {
            own: &[],
            agree: &[("echo_ok", "echo_ok"), ("sleepers", "sleepers")],
        },
    );
    // Sleeping tasks leave the loop asleep in the selector: far from a busy core.
    assert!(python.run.num("cpu_percent") < 50.0, "{}", python.run);
}
