//! event_loop_from_scratch: the echo crosses; the client's read is polled
//! exactly twice (WouldBlock, then ready); another thread's wake reached the
//! loop; 1,000 sleeping tasks cost well under 5% of a core.

use shared::testing::run;

#[test]
fn the_loop_parks_readers_and_sleeps_while_idle() {
    let args = ["--sleepers", "1000", "--idle-ms", "500"];
    let run = run(env!("CARGO_BIN_EXE_event_loop_from_scratch"), &args).success();
    assert_eq!(run.get("echo_ok"), "true", "{run}");
    assert_eq!(run.int("reader_polls"), 2, "{run}");
    assert!(run.int("eventfd_wakes") >= 1, "{run}");
    assert!(run.int("timers_fired") >= 3, "{run}");
    // The loop thread's own CPU time: other programs' load is not in it.
    assert!(run.num("cpu_percent") < 5.0, "{run}");
    assert!(run.stdout.contains("woken by the eventfd"), "{run}");
}
