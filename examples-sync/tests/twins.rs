//! The Python twins of this crate's examples (python/sync/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

#[path = "../../compare/src/twin.rs"]
mod twin;

use twin::{Agreement, check};

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
