//! Every letter reaches its own box; a burst into a full box loses letters
//! over UDP (silently) and none over TCP, which also keeps them in order.
use shared::testing::run;

#[test]
fn letters_reach_their_boxes_udp_drops_when_full_tcp_does_not() {
    let run = run(
        env!("CARGO_BIN_EXE_mailbox"),
        &["--letters", "30", "--burst", "1000"],
    )
    .success();
    assert_eq!(run.int("delivered"), 30, "{run}");
    assert_eq!(run.int("misdelivered"), 0, "{run}");
    assert!(
        run.int("udp_lost") > 0,
        "a 4 KiB box cannot hold 1,000 letters:\n{run}"
    );
    assert_eq!(run.int("tcp_delivered"), 1000, "{run}");
    assert_eq!(run.get("in_order"), "true", "{run}");
}
