//! queue: std mpsc, crossbeam (closed and by sentinels) and the library's
//! queue deliver every item exactly once, in each producer's order, with
//! several producers and consumers; the library's queue never holds more
//! than its capacity; a total too big to audit is refused clearly.

use shared::testing::{Run, run};

const BIN: &str = env!("CARGO_BIN_EXE_queue");
const QUEUES: [&str; 4] = ["std_mpsc", "crossbeam", "sentinel", "bounded_queue"];

#[track_caller]
fn assert_exact(run: &Run, items: i64) {
    assert_eq!(run.int("items"), items, "{run}");
    for q in QUEUES {
        assert_eq!(run.int(&format!("{q}_consumed")), items, "{q}:\n{run}");
        assert_eq!(run.int(&format!("{q}_lost")), 0, "{q}:\n{run}");
        assert_eq!(run.int(&format!("{q}_duplicated")), 0, "{q}:\n{run}");
        assert_eq!(run.get(&format!("{q}_in_order")), "true", "{q}:\n{run}");
    }
}

#[test]
fn several_producers_and_consumers_lose_and_duplicate_nothing() {
    let args = [
        "--producers",
        "3",
        "--consumers",
        "3",
        "--items",
        "2000",
        "--capacity",
        "4",
    ];
    let run = run(BIN, &args).success();
    assert_exact(&run, 6000);
    assert!((1..=4).contains(&run.int("peak")), "{run}");
}

#[test]
fn a_one_slot_queue_and_one_consumer_still_deliver_everything() {
    let args = [
        "--producers",
        "4",
        "--consumers",
        "1",
        "--items",
        "300",
        "--capacity",
        "1",
    ];
    let run = run(BIN, &args).success();
    assert_exact(&run, 1200);
    assert_eq!(run.int("peak"), 1, "{run}");
}

#[test]
fn a_total_too_big_to_audit_is_refused_clearly() {
    let run = run(BIN, &["--producers", "64", "--items", "10000000"]);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(
        run.stderr.contains("--producers x --items is 640000000"),
        "{run}"
    );
    assert!(!run.stderr.contains("panicked"), "{run}");
}
