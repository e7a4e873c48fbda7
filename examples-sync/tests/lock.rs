//! lock: no lost updates with either Mutex; one hilo holds the lock at a
//! time; the guard releases on scope exit, on `?` and on panic; std
//! poisons (the half-updated value still reachable), parking_lot does not.

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_lock");

#[test]
fn counts_are_exact_and_one_hilo_holds_at_a_time() {
    let args = [
        "--threads",
        "3",
        "--iterations",
        "10000",
        "--rounds",
        "2",
        "--hold-ms",
        "5",
    ];
    let run = run(BIN, &args).success();
    assert_eq!(run.int("std_count"), 30_000, "{run}");
    assert_eq!(run.int("parking_lot_count"), 30_000, "{run}");
    assert_eq!(run.int("max_holding"), 1, "{run}");
}

#[test]
fn the_guard_releases_on_scope_exit_early_return_and_panic() {
    let args = [
        "--threads",
        "2",
        "--iterations",
        "10",
        "--rounds",
        "1",
        "--hold-ms",
        "1",
    ];
    let run = run(BIN, &args).success();
    assert_eq!(run.get("held_inside"), "true", "{run}");
    assert_eq!(run.get("free_after_scope"), "true", "{run}");
    assert_eq!(run.get("free_after_return"), "true", "{run}");
    // std: poisoned, released by unwinding, the half-updated 10 + 1 reachable.
    assert_eq!(run.get("std_poisoned"), "true", "{run}");
    assert_eq!(run.int("poisoned_value"), 11, "{run}");
    // parking_lot: no poisoning, the lock free at once.
    assert_eq!(run.int("parking_lot_value"), 11, "{run}");
}
