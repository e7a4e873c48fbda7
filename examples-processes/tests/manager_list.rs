//! manager_list: every worker's sum arrives in the manager's list, equal to
//! the sum expected for its seed; the proxy latency is measured (printed,
//! never asserted beyond "a proxy call costs more than a local push").

use shared::testing::run;
use shared::workload::expected_sums;

#[test]
fn eight_results_arrive_each_equal_to_its_expected_sum() {
    let n = 50_000;
    let run = run(
        env!("CARGO_BIN_EXE_manager_list"),
        &["--workers", "8", "--n", &n.to_string(), "--calls", "200"],
    )
    .success();
    // Computed here, independently of the example; in any order.
    let mut got: Vec<u64> = run
        .get("results")
        .trim_matches(['[', ']'])
        .split(',')
        .map(|x| x.trim().parse().unwrap())
        .collect();
    got.sort_unstable();
    let mut want = expected_sums(8, n);
    want.sort_unstable();
    assert_eq!(got, want, "{run}");
    assert_eq!(run.int("items"), 8, "{run}");
    assert_eq!(run.get("sums_right"), "true", "{run}");
    assert_eq!(run.get("server_exit"), "exit code 0", "{run}");
    assert!(run.num("proxy_call_us") > 0.0, "{run}");
    // A round trip to another process against a push into local memory:
    // orders of magnitude apart on any machine, so "more than 1x" is safe.
    assert!(run.num("proxy_vs_push") > 1.0, "{run}");
}
