//! gil_cpu_vs_io: behind the simulated GIL never two hilos compute at once;
//! I/O waits overlap with or without it; every sum is right.
//!
//! Only what holds on any machine is asserted. The CPU speed-ups (free hilos
//! near the core count, behind the GIL near 1 or below) depend on other
//! programs leaving a core free, so they live in the output and in
//! `cargo bench -p examples-threads --bench figures`, not here.

use shared::testing::run;

#[test]
fn gil_serialises_cpu_work_but_not_io_waits() {
    let run = run(
        env!("CARGO_BIN_EXE_gil_cpu_vs_io"),
        &[
            "--threads",
            "2",
            "--jobs",
            "4",
            "--n",
            "200000",
            "--switch-every",
            "20000",
            "--io-tasks",
            "4",
            "--io-ms",
            "200",
        ],
    )
    .success();
    assert_eq!(run.get("correct"), "true", "{run}");
    // Exact, whatever the load: behind the GIL one hilo computes at a time
    // (10 turns each, so they did take turns).
    assert_eq!(run.int("max_computing_gil"), 1, "{run}");
    // The waits overlap, GIL or not: sleeping needs no core and no GIL. Four
    // 200 ms waits begun within a few ms of each other; were the GIL held
    // while waiting, they would run one after another and this would be 1.
    assert!(run.int("max_waiting_io_gil") >= 2, "{run}");
    assert!(run.int("max_waiting_io_free") >= 2, "{run}");
}
