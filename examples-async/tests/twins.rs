//! The Python twins of this crate's examples (python/async/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

#[path = "../../compare/src/twin.rs"]
mod twin;

use twin::{Agreement, check};

#[test]
fn three_tasks() {
    let (python, _) = check(
        "async/three_tasks.py",
        env!("CARGO_BIN_EXE_three_tasks"),
        &["--cpu-ms", "5", "--io-ms", "40"],
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
