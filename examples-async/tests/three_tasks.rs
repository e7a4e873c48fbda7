//! three_tasks: on both runtimes the three I/O waits overlap and the CPU
//! parts never do (one thread).

use shared::testing::run;

#[test]
fn waits_overlap_and_cpu_parts_take_turns() {
    // Waits of 600 ms against 3 x 20 ms of setup: all three are waiting at
    // once unless the machine stalls the loop for half a second.
    let run = run(
        env!("CARGO_BIN_EXE_three_tasks"),
        &["--cpu-ms", "20", "--io-ms", "600"],
    )
    .success();
    for who in ["hand", "tokio"] {
        assert_eq!(run.int(&format!("io_overlap_{who}")), 3, "{run}");
        assert_eq!(run.int(&format!("cpu_overlap_{who}")), 1, "{run}");
        // One after another: 3 x 640 ms, the waits alone 1,800 ms;
        // overlapped about 700 ms. The margin absorbs CPU parts stretched
        // tenfold by a busy machine (the overlap counts above are exact).
        assert!(
            run.num(&format!("wall_ms_{who}")) < run.num("sequential_ms"),
            "{run}"
        );
    }
}

/// A wait shorter than the setups: each task's wait is over before the
/// next one starts waiting, so no overlap is claimed. (Before, the Io span
/// ran until the task resumed, behind the others' setups, and read 3.)
#[test]
fn a_wait_shorter_than_the_setups_does_not_overlap() {
    let run = run(
        env!("CARGO_BIN_EXE_three_tasks"),
        &["--cpu-ms", "100", "--io-ms", "1"],
    )
    .success();
    for who in ["hand", "tokio"] {
        assert_eq!(run.int(&format!("io_overlap_{who}")), 1, "{run}");
        assert_eq!(run.int(&format!("cpu_overlap_{who}")), 1, "{run}");
    }
}
