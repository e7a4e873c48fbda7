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

#[test]
fn one_hilo_runs_and_reports_consistent_results() {
    // --threads 1: nothing runs in parallel, so both CPU runs compute on one
    // hilo at a time; the I/O tasks still get a hilo each and overlap.
    let run = run(
        env!("CARGO_BIN_EXE_gil_cpu_vs_io"),
        &[
            "--threads",
            "1",
            "--jobs",
            "2",
            "--n",
            "50000",
            "--io-tasks",
            "3",
            "--io-ms",
            "200",
        ],
    )
    .success();
    assert_eq!(run.get("correct"), "true", "{run}");
    assert_eq!(run.int("threads"), 1, "{run}");
    assert_eq!(run.int("max_computing_free"), 1, "{run}");
    assert_eq!(run.int("max_computing_gil"), 1, "{run}");
    assert!(run.int("max_waiting_io_free") >= 2, "{run}");
    assert!(run.int("max_waiting_io_gil") >= 2, "{run}");
    for key in [
        "speedup_cpu_free",
        "speedup_cpu_gil",
        "speedup_io_free",
        "speedup_io_gil",
    ] {
        let x = run.num(key);
        assert!(x.is_finite() && x > 0.0, "{key}: {run}");
    }
}
