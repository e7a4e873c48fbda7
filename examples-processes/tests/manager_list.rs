//! manager_list: every worker's sum arrives in the manager's list and dict,
//! equal to the sum expected for its seed; the proxy latency is printed.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::{lines_with, number_after};
use shared::workload::expected_sums;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_manager_list"))
        .args(args)
        .timeout(Duration::from_secs(90))
        .output()
        .expect("run manager_list");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn eight_results_arrive_each_equal_to_its_expected_sum() {
    let n = 50_000;
    let out = run(&["--workers", "8", "--n", &n.to_string(), "--calls", "200"]);
    // Computed here, independently of the example.
    let expected = expected_sums(8, n);

    // The list: all 8 sums, in whatever order the workers finished.
    let line = lines_with(&out, "Results: [")[0];
    let list = &line[line.find("Results: [").unwrap() + "Results: [".len()..];
    let inside = &list[..list.find(']').unwrap()];
    let mut got: Vec<u64> = inside
        .split(',')
        .map(|x| x.trim().parse().unwrap())
        .collect();
    got.sort_unstable();
    let mut want = expected.clone();
    want.sort_unstable();
    assert_eq!(got, want, "{out}");

    // The dict: each worker's own sum under its own key.
    for (index, sum) in expected.iter().enumerate() {
        let key = format!("by_worker[\"worker-{index}\"] =");
        assert_eq!(number_after(&out, &key), Some(*sum as f64), "{out}");
    }

    // Each worker appended from its own process (8 distinct worker pids).
    let mut pids: Vec<f64> = lines_with(&out, "through the proxy")
        .iter()
        .map(|l| number_after(l, "] pid").unwrap())
        .collect();
    pids.sort_by(f64::total_cmp);
    pids.dedup();
    assert_eq!(pids.len(), 8, "{out}");

    assert!(out.contains("8 results arrived, 8 equal"), "{out}");
    assert!(
        out.contains("manager server stopped and reaped: exit code 0"),
        "{out}"
    );
}

#[test]
fn proxy_latency_is_measured_and_printed() {
    let out = run(&["--workers", "1", "--n", "1000", "--calls", "300"]);
    let line = lines_with(&out, "proxy call:")[0];
    assert!(line.contains("per append (300 calls"), "{out}");
    assert!(
        number_after(line, "proxy call:").is_some_and(|t| t > 0.0),
        "{out}"
    );
    assert!(number_after(&out, "local push:").is_some(), "{out}");
    // Only a ratio, never an absolute time: a proxy call is a round trip
    // between processes, a push is a store in this one.
    assert!(
        number_after(&out, "costs about").is_some_and(|r| r > 1.0),
        "{out}"
    );
}
