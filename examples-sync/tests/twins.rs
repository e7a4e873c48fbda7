//! The Python twins of this crate's examples (python/sync/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

use shared::twins::{Agreement, check};

#[test]
fn lock() {
    check(
        "sync/lock.py",
        env!("CARGO_BIN_EXE_lock"),
        &[
            "--threads",
            "3",
            "--iterations",
            "2000",
            "--rounds",
            "2",
            "--hold-ms",
            "2",
        ],
        Agreement {
            own: &[],
            agree: &[
                ("expected", "expected"),
                ("std_count", "std_count"),
                ("max_holding", "max_holding"),
                ("held_inside", "held_inside"),
                ("free_after_scope", "free_after_scope"),
                ("free_after_return", "free_after_return"),
            ],
        },
    );
}

#[test]
fn condition() {
    let (python, _) = check(
        "sync/condition.py",
        env!("CARGO_BIN_EXE_condition"),
        &[
            "--producers",
            "3",
            "--consumers",
            "2",
            "--items",
            "5",
            "--capacity",
            "2",
            "--produce-ms",
            "0",
            "--consume-ms",
            "1",
        ],
        Agreement {
            own: &[],
            agree: &[
                ("items", "items"),
                ("consumed", "consumed"),
                ("lost", "lost"),
                ("duplicated", "duplicated"),
                ("in_order", "in_order"),
            ],
        },
    );
    assert_eq!(python.run.int("lost"), 0, "{}", python.run);
    assert!(
        python.run.int("peak") <= 2,
        "the buffer's bound: {}",
        python.run
    );
}

#[test]
fn race_condition() {
    let (python, _) = check(
        "sync/race_condition.py",
        env!("CARGO_BIN_EXE_race_condition"),
        &["--threads", "2", "--iterations", "3000"],
        Agreement {
            own: &[],
            agree: &[("expected", "expected"), ("mutex", "mutex")],
        },
    );
    // The Lock never loses an update; the racy count never exceeds the expected one.
    assert_eq!(
        python.run.int("mutex"),
        python.run.int("expected"),
        "{}",
        python.run
    );
    assert!(
        python.run.int("racy") <= python.run.int("expected"),
        "{}",
        python.run
    );
}

#[test]
fn semaphore() {
    let (python, _) = check(
        "sync/semaphore.py",
        env!("CARGO_BIN_EXE_semaphore"),
        &["--permits", "2", "--threads", "6", "--query-ms", "10"],
        Agreement {
            own: &[],
            agree: &[("permits", "permits"), ("timed_out", "timed_out")],
        },
    );
    assert!(python.run.int("max_inside") <= 2, "{}", python.run);
}

#[test]
fn bounded_semaphore() {
    check(
        "sync/bounded_semaphore.py",
        env!("CARGO_BIN_EXE_bounded_semaphore"),
        &["--permits", "2"],
        Agreement {
            own: &[],
            agree: &[
                ("extra_release_refused", "extra_release_refused"),
                ("early_release_refused", "early_release_refused"),
                ("available_after_extra", "available_after_extra"),
                ("available", "available"),
                ("bound", "bound"),
                ("plain_available", "plain_available"),
            ],
        },
    );
}

#[test]
fn event() {
    check(
        "sync/event.py",
        env!("CARGO_BIN_EXE_event"),
        &["--waiters", "3", "--delay-ms", "20", "--timeout-ms", "20"],
        Agreement {
            own: &[],
            agree: &[
                ("waiters", "waiters"),
                ("woken", "woken"),
                ("all_after_set", "all_after_set"),
                ("unset_wait", "unset_wait"),
                ("set_wait", "set_wait"),
                ("cleared_wait", "cleared_wait"),
            ],
        },
    );
}

#[test]
fn barrier() {
    check(
        "sync/barrier.py",
        env!("CARGO_BIN_EXE_barrier"),
        &["--threads", "3", "--phases", "3", "--work-ms", "5"],
        Agreement {
            own: &[],
            agree: &[
                ("spans", "spans"),
                ("in_order", "in_order"),
                ("leaders", "leaders"),
            ],
        },
    );
}

#[test]
fn queue() {
    check(
        "sync/queues.py",
        env!("CARGO_BIN_EXE_queue"),
        &[
            "--producers",
            "3",
            "--consumers",
            "2",
            "--items",
            "300",
            "--capacity",
            "4",
        ],
        Agreement {
            own: &[],
            agree: &[
                ("items", "items"),
                ("sentinel_consumed", "sentinel_consumed"),
                ("sentinel_lost", "sentinel_lost"),
                ("sentinel_duplicated", "sentinel_duplicated"),
                ("sentinel_in_order", "sentinel_in_order"),
            ],
        },
    );
}

#[test]
fn semaphore_signal() {
    check(
        "sync/semaphore_signal.py",
        env!("CARGO_BIN_EXE_semaphore_signal"),
        &["--delay-ms", "20", "--stages", "3"],
        Agreement {
            own: &[],
            agree: &[
                ("waiter_asleep", "waiter_asleep"),
                ("proceeded_early", "proceeded_early"),
                ("proceeded_after_signal", "proceeded_after_signal"),
                ("relay_in_order", "relay_in_order"),
            ],
        },
    );
}

#[test]
fn rlock() {
    check(
        "sync/rlock.py",
        env!("CARGO_BIN_EXE_rlock"),
        &["--depth", "3", "--hold-ms", "30"],
        Agreement {
            own: &[],
            agree: &[
                ("deepest", "deepest"),
                ("saldo", "saldo"),
                ("other_refused", "other_refused"),
                ("other_after_release", "other_after_release"),
                ("std_refuses_owner", "std_refuses_owner"),
            ],
        },
    );
}

#[test]
fn double_lock() {
    check(
        "sync/double_lock.py",
        env!("CARGO_BIN_EXE_double_lock"),
        &["--timeout-ms", "100"],
        Agreement {
            own: &[],
            agree: &[
                ("self_deadlock_detected", "self_deadlock_detected"),
                ("opposite_order_done", "opposite_order_done"),
                ("one_order_done", "one_order_done"),
            ],
        },
    );
}
