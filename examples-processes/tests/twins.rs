//! The Python twins of this crate's examples (python/processes/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

use shared::twins::{Agreement, check};

#[test]
fn pool_map() {
    let (python, _) = check(
        "processes/pool_map.py",
        env!("CARGO_BIN_EXE_pool_map"),
        &["--workers", "2", "--jobs", "3", "--n", "5000"],
        Agreement {
            own: &[],
            agree: &[
                ("squares", "squares"),
                ("starmap_sums", "starmap_sums"),
                ("in_order", "in_order"),
            ],
        },
    );
    assert_eq!(python.run.get("in_order"), "true", "{}", python.run);
}

#[test]
fn manager_list() {
    check(
        "processes/manager_list.py",
        env!("CARGO_BIN_EXE_manager_list"),
        &["--workers", "3", "--n", "5000", "--calls", "100"],
        Agreement {
            own: &[],
            agree: &[
                ("items", "items"),
                ("expected", "expected"),
                ("sums_right", "sums_right"),
            ],
        },
    );
}

#[test]
fn process_queue() {
    check(
        "processes/process_queue.py",
        env!("CARGO_BIN_EXE_process_queue"),
        &["--items", "200", "--quiet"],
        Agreement {
            own: &[],
            agree: &[
                ("items", "items"),
                ("expected", "expected"),
                ("in_order", "in_order"),
                ("sentinel_seen", "sentinel_seen"),
            ],
        },
    );
}

#[test]
fn pipe() {
    check(
        "processes/pipe.py",
        env!("CARGO_BIN_EXE_pipe"),
        &["--notes", "4", "--round-trips", "100"],
        Agreement {
            own: &[],
            agree: &[
                ("notes_sent", "notes_sent"),
                ("reader_exit", "reader_exit"),
                ("replies_checked", "replies_checked"),
            ],
        },
    );
}

#[test]
fn process_hello() {
    let (python, _) = check(
        "processes/process_hello.py",
        env!("CARGO_BIN_EXE_process_hello"),
        &[],
        Agreement {
            own: &[],
            agree: &[("fork_exit", "fork_exit"), ("spawn_exit", "spawn_exit")],
        },
    );
    // Each child's parent is the process that started it, by either method.
    for method in ["fork", "spawn"] {
        assert_eq!(
            python.run.get(&format!("{method}_child_ppid")),
            python.run.get("parent_pid"),
            "{}",
            python.run
        );
    }
}

#[test]
fn process_context() {
    check(
        "processes/process_context.py",
        env!("CARGO_BIN_EXE_process_context"),
        &["--value", "7", "--child-value", "42"],
        Agreement {
            own: &[],
            agree: &[
                ("parent_before", "parent_before"),
                ("parent_after_fork", "parent_after_fork"),
                ("parent_after_spawn", "parent_after_spawn"),
                ("child_value", "child_value"),
                ("fork_child_saw_copy", "fork_child_saw_copy"),
                ("spawn_child_saw_initial", "spawn_child_saw_initial"),
            ],
        },
    );
}

#[test]
fn shared_memory() {
    let (python, _) = check(
        "processes/shared_memory.py",
        env!("CARGO_BIN_EXE_shared_memory"),
        &[
            "--processes",
            "2",
            "--iterations",
            "2000",
            "--attempts",
            "1",
        ],
        Agreement {
            own: &[],
            agree: &[
                ("num", "num"),
                ("arr", "arr"),
                ("expected", "expected"),
                ("lost_shared_lock", "lost_shared_lock"),
                ("got_shared_lock", "got_shared_lock"),
            ],
        },
    );
    assert_eq!(python.run.int("lost_shared_lock"), 0, "{}", python.run);
}

#[test]
fn supervisor() {
    check(
        "processes/supervisor.py",
        env!("CARGO_BIN_EXE_supervisor"),
        &[
            "--workers",
            "2",
            "--interval-ms",
            "50",
            "--stop-after-ms",
            "600",
        ],
        Agreement {
            own: &[],
            agree: &[
                ("stop", "stop"),
                ("left_by_themselves", "left_by_themselves"),
                ("ended_badly", "ended_badly"),
                ("killed", "killed"),
                ("restarts", "restarts"),
                ("reloads", "reloads"),
                ("leftovers", "leftovers"),
            ],
        },
    );
}

#[test]
fn fifo() {
    check(
        "processes/fifo.py",
        env!("CARGO_BIN_EXE_fifo"),
        &["--lines", "4"],
        Agreement {
            own: &[],
            agree: &[
                ("items", "items"),
                ("expected", "expected"),
                ("in_order", "in_order"),
                ("fifo_removed", "fifo_removed"),
                ("writer_exit", "writer_exit"),
            ],
        },
    );
}

#[test]
fn mmap_file() {
    check(
        "processes/mmap_file.py",
        env!("CARGO_BIN_EXE_mmap_file"),
        &["--delay-ms", "20"],
        Agreement {
            own: &[],
            agree: &[
                ("bytes", "bytes"),
                ("reader_saw_message", "reader_saw_message"),
                ("file_same", "file_same"),
                ("file_removed", "file_removed"),
            ],
        },
    );
}

#[test]
fn subprocess_pipes() {
    check(
        "processes/subprocess_pipes.py",
        env!("CARGO_BIN_EXE_subprocess_pipes"),
        &["--n", "1000"],
        Agreement {
            own: &[],
            agree: &[
                ("matched", "matched"),
                ("expected", "expected"),
                ("malformed_rejected", "malformed_rejected"),
                ("child_exit", "child_exit"),
            ],
        },
    );
}
