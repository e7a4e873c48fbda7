//! lock: no lost updates; one holder at a time; the guard releases on scope
//! exit, early return and panic; std poisons, parking_lot does not.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_lock"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run lock");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn counts_are_exact_and_one_hilo_holds_at_a_time() {
    let out = run(&[
        "--threads",
        "3",
        "--iterations",
        "10000",
        "--rounds",
        "2",
        "--hold-ms",
        "5",
    ]);
    assert_eq!(
        number_after(&out, "std::sync::Mutex final count:"),
        Some(30_000.0),
        "{out}"
    );
    assert_eq!(
        number_after(&out, "parking_lot::Mutex final count:"),
        Some(30_000.0),
        "{out}"
    );
    assert_eq!(
        number_after(&out, "max holding at once:"),
        Some(1.0),
        "{out}"
    );
}

#[test]
fn the_guard_releases_on_scope_exit_early_return_and_panic() {
    let out = run(&[
        "--threads",
        "2",
        "--iterations",
        "10",
        "--rounds",
        "1",
        "--hold-ms",
        "1",
    ]);
    assert!(
        out.contains("inside the scope: try_lock from another hilo: refused"),
        "{out}"
    );
    assert!(
        out.contains("after the scope: try_lock from another hilo: got it"),
        "{out}"
    );
    assert!(
        out.contains("after the early return: try_lock from another hilo: got it"),
        "{out}"
    );
    assert!(!out.contains("WRONG"), "{out}");
    // std: the panic poisoned the mutex, the lock was released by unwinding,
    // and the half-updated value (10 + 1) is still reachable.
    assert!(out.contains("std Mutex poisoned: true"), "{out}");
    assert!(
        out.contains("Err(PoisonError); into_inner() recovers value 11"),
        "{out}"
    );
    // parking_lot: no poisoning, the lock is free.
    assert!(
        out.contains("parking_lot try_lock() after the panic: got it at once, value 11"),
        "{out}"
    );
    // The closing lines follow what was measured.
    assert!(
        out.contains("released the lock at the end of its scope, on `?` and on panic"),
        "{out}"
    );
    assert!(out.contains("std marked its Mutex poisoned"), "{out}");
}
