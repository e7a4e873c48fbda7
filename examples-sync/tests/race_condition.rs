//! race_condition: the unsynchronised count falls short, the Mutex and
//! fetch_add counts are exact.

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_race_condition");

#[test]
fn racy_loses_updates_and_the_fixes_do_not() {
    // Short enough for a loaded machine (there each yield may hand the core
    // to another program for a time slice). A loaded machine may also run
    // the two hilos one after the other, so try a few times: a correct
    // counter never loses an update, the racy one will.
    let mut lost_any = false;
    for _ in 0..5 {
        let run = run(BIN, &["--threads", "2", "--iterations", "2000"]).success();
        assert_eq!(run.int("expected"), 4_000, "{run}");
        assert_eq!(run.int("mutex"), 4_000, "{run}");
        assert_eq!(run.int("fetch_add"), 4_000, "{run}");
        assert_eq!(run.int("racy") + run.int("lost"), 4_000, "{run}");
        if run.int("lost") > 0 {
            lost_any = true;
            break;
        }
    }
    assert!(lost_any, "no update was lost in 5 runs");
}

#[test]
fn more_threads_still_count_exactly_when_synchronised() {
    let run = run(
        BIN,
        &["--threads", "4", "--iterations", "5000", "--no-yield"],
    )
    .success();
    assert_eq!(run.int("mutex"), 20_000, "{run}");
    assert_eq!(run.int("fetch_add"), 20_000, "{run}");
    assert!(run.int("racy") <= 20_000, "{run}");
}

#[test]
fn one_thread_is_refused_by_the_flag_check() {
    let run = run(BIN, &["--threads", "1"]);
    assert_eq!(run.status.code(), Some(2), "{run}");
    assert!(run.stderr.contains("--threads"), "{run}");
}
