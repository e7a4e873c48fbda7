//! queue: with std mpsc, crossbeam (closed and by sentinel) and the
//! hand-built BoundedQueue, and several producers and consumers, nothing is
//! lost or duplicated, and each consumer sees each producer's items in order.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_queue"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run queue");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The audit line of one queue, e.g. "crossbeam (sentinel): produced: ...".
fn audit_line<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find(|l| l.contains(&format!("{label}: produced:")))
        .unwrap_or_else(|| panic!("no audit for `{label}` in:\n{out}"))
}

fn assert_exact(out: &str, label: &str, produced: f64) {
    let line = audit_line(out, label);
    assert_eq!(number_after(line, "produced:"), Some(produced), "{line}");
    assert_eq!(number_after(line, "consumed:"), Some(produced), "{line}");
    assert_eq!(number_after(line, "lost:"), Some(0.0), "{line}");
    assert_eq!(number_after(line, "duplicated:"), Some(0.0), "{line}");
    assert_eq!(number_after(line, "out of order:"), Some(0.0), "{line}");
}

const QUEUES: [&str; 4] = [
    "std mpsc (close)",
    "crossbeam (close)",
    "crossbeam (sentinel)",
    "BoundedQueue (close)",
];

#[test]
fn several_producers_and_consumers_lose_and_duplicate_nothing() {
    let out = run(&[
        "--producers",
        "3",
        "--consumers",
        "3",
        "--items",
        "2000",
        "--capacity",
        "4",
    ]);
    for label in QUEUES {
        assert_exact(&out, label, 6000.0);
    }
    assert!(out.contains("sending 3 sentinels"), "{out}");
    let peak = number_after(&out, "BoundedQueue (close) most it ever held:").unwrap();
    assert!((1.0..=4.0).contains(&peak), "{out}");
    let seen = number_after(&out, "crossbeam (close) fullest seen by a producer:").unwrap();
    assert!(seen <= 4.0, "{out}");
    assert!(out.contains("4 of 4 queues delivered"), "{out}");
}

#[test]
fn a_one_slot_queue_and_one_consumer_still_deliver_everything() {
    let out = run(&[
        "--producers",
        "4",
        "--consumers",
        "1",
        "--items",
        "300",
        "--capacity",
        "1",
    ]);
    for label in QUEUES {
        assert_exact(&out, label, 1200.0);
    }
}

#[test]
fn a_total_too_big_to_audit_is_refused_clearly() {
    let output = Command::new(env!("CARGO_BIN_EXE_queue"))
        .args(["--producers", "64", "--items", "10000000"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run queue");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--producers x --items is 640000000"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
