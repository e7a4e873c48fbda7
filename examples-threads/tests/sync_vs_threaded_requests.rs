//! sync_vs_threaded_requests: the threaded wall time is about half the
//! sequential; the first answer is stamped with the time it really arrived.

use shared::testing::run;

#[test]
fn threaded_takes_about_half_of_sequential() {
    let run = run(
        env!("CARGO_BIN_EXE_sync_vs_threaded_requests"),
        &["--delay-ms", "600", "--requests", "2"],
    )
    .success();
    assert_eq!(run.get("all_200"), "true", "{run}");
    assert_eq!(run.int("served"), 4, "{run}");
    let sequential = run.num("sequential_ms");
    let threaded = run.num("threaded_ms");
    // Two 600 ms answers in a row take at least 1200 ms; side by side ideally
    // 600 ms (300 ms of slack for thread starts on a stalled machine).
    assert!(sequential >= 1200.0, "{run}");
    assert!(threaded < 0.75 * sequential, "{run}");
    // The server waits 600 ms before answering, so the first "status 200"
    // cannot be stamped earlier than that (it once was: 0.000 ms).
    assert!(run.num("first_status_ms") >= 600.0, "{run}");
}
