//! process_queue: every item crosses from the producer's process to the
//! consumer's exactly once, in order, and the sentinel ends the consumer.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::{lines_with, number_after};

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_process_queue"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run process_queue");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn every_item_arrives_once_in_order_then_the_sentinel() {
    let out = run(&["--items", "200"]);
    // Read the consumer's own lines, not its summary.
    let got: Vec<f64> = lines_with(&out, "consumidor")
        .iter()
        .filter_map(|l| number_after(l, "| got"))
        .collect();
    let want: Vec<f64> = (0..200).map(f64::from).collect();
    assert_eq!(got, want, "{out}");

    // Producer and consumer are two processes, neither of them the parent.
    let pid_of = |who: &str| number_after(lines_with(&out, who)[0], "] pid").unwrap();
    let (producer, consumer, parent) =
        (pid_of("productor"), pid_of("consumidor"), pid_of(" main "));
    assert!(
        producer != consumer && producer != parent && consumer != parent,
        "{out}"
    );

    // The sentinel came after the last item and stopped the consumer.
    let sentinel = out
        .find("got the sentinel after 200 items")
        .expect("sentinel line");
    assert!(out.find("| got 199").unwrap() < sentinel, "{out}");
    assert!(
        out.contains("received 200 of 200 items, in order: yes, sentinel seen: yes"),
        "{out}"
    );
}

#[test]
fn many_items_quietly_and_zero_items_both_work() {
    let out = run(&["--items", "20000", "--quiet"]);
    assert!(
        out.contains("received 20000 of 20000 items, in order: yes"),
        "{out}"
    );
    assert!(
        lines_with(&out, "| got 0").is_empty() && lines_with(&out, "| put 0").is_empty(),
        "--quiet printed items:\n{out}"
    );
    let out = run(&["--items", "0"]);
    assert!(out.contains("got the sentinel after 0 items"), "{out}");
}
