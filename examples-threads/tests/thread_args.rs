//! thread_args: the values returned through join (and by scoped threads) are the computed ones.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(threads: &str, n: u64) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thread_args"))
        .args(["--threads", threads, "--n", &n.to_string()])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn returned_values_are_the_computed_ones() {
    for (threads, n) in [("3", 1_000u64), ("7", 10u64), ("1", 5u64)] {
        let out = run(threads, n);
        // Gauss: 1 + 2 + ... + n = n(n+1)/2, computed here independently.
        let expected = (n * (n + 1) / 2) as f64;
        assert_eq!(
            number_after(&out, "sum by threads via join:"),
            Some(expected),
            "{out}"
        );
        assert_eq!(
            number_after(&out, "sum by scoped threads borrowing:"),
            Some(expected),
            "{out}"
        );
        // One line per hilo (those with no numbers left say so), and the
        // message passed in arrived.
        let parts = out.lines().filter(|l| l.contains(" sumador-")).count();
        assert_eq!(parts, threads.parse::<usize>().unwrap(), "{out}");
        assert!(out.lines().any(|l| l.ends_with("| hello")), "{out}");
    }
}
