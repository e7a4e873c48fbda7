//! pipe: values cross a one-way OS pipe in order, end-of-file comes when
//! the only write end closes (the reader proceso checks both and says so by
//! its exit code); a request / reply round trip on the duplex socket pair
//! works, every reply checked; the round-trip latency is printed.

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_pipe");

#[test]
fn notes_cross_in_order_and_requests_get_their_replies() {
    let run = run(BIN, &["--notes", "50", "--round-trips", "500"]).success();
    assert_eq!(run.int("notes_sent"), 50, "{run}");
    assert_eq!(
        run.get("reader_exit"),
        "exit code 0",
        "all 50, in order:\n{run}"
    );
    assert_eq!(run.int("replies_checked"), 503, "{run}");
    assert!(run.num("round_trip_median_us") > 0.0, "{run}");
}

#[test]
fn no_notes_is_just_end_of_file() {
    let run = run(BIN, &["--notes", "0", "--round-trips", "1"]).success();
    assert_eq!(run.get("reader_exit"), "exit code 0", "{run}");
}
