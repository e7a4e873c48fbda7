//! process_queue: every item the producer proceso puts arrives once, in
//! order, at the consumer proceso; the sentinel stops the consumer, also
//! with no items at all.

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_process_queue");

#[test]
fn every_item_arrives_once_in_order_then_the_sentinel() {
    for items in ["200", "20000", "0"] {
        let run = run(BIN, &["--items", items, "--quiet"]).success();
        assert_eq!(run.get("items"), items, "{run}");
        assert_eq!(run.get("in_order"), "true", "{run}");
        assert_eq!(run.get("sentinel_seen"), "true", "{run}");
        assert_ne!(
            run.int("producer_pid"),
            run.int("consumer_pid"),
            "two procesos"
        );
    }
}
