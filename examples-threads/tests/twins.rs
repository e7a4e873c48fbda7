//! The Python twins of this crate's examples (python/threads/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

#[path = "../../compare/src/twin.rs"]
mod twin;

use twin::{Agreement, check};

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
