//! double_lock: both deadlocks are detected and reported, the fixed order
//! completes, and the example exits by itself (the timeout is the proof
//! that it never hangs). With `--features deadlock-detection`, parking_lot's
//! detector finds the same cycles in plain `lock()` calls.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_double_lock"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run double_lock");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn timeouts_detect_both_deadlocks_and_the_fix_completes() {
    let out = run(&["--timeout-ms", "50"]);
    assert!(
        out.contains(
            "self-deadlock detected after 50 ms: hilo-solo holds [cuenta] and waits for cuenta"
        ),
        "{out}"
    );
    // Who holds what and waits for what, for both hilos of the cycle.
    assert!(out.contains("hilo-1 holds [a] and waits for b"), "{out}");
    assert!(out.contains("hilo-2 holds [b] and waits for a"), "{out}");
    assert_eq!(number_after(&out, "opposite orders:"), Some(0.0), "{out}");
    assert_eq!(number_after(&out, "one order:"), Some(2.0), "{out}");
    // The closing lines say what this run measured.
    assert!(out.contains("both deadlocked and timed out"), "{out}");
    assert!(out.contains("2 of 2 did: nothing deadlocked"), "{out}");
}

#[cfg(not(feature = "deadlock-detection"))]
#[test]
fn without_the_feature_it_says_how_to_see_the_detector() {
    let out = run(&["--timeout-ms", "20"]);
    assert!(out.contains("--features deadlock-detection"), "{out}");
}

#[cfg(feature = "deadlock-detection")]
#[test]
fn parking_lots_detector_finds_both_cycles_in_plain_lock_calls() {
    let out = run(&["--timeout-ms", "20", "--check-ms", "20"]);
    let reports = out.matches("parking_lot detector: deadlock #1").count();
    assert_eq!(reports, 2, "{out}");
    assert!(
        out.contains("stuck: hilo-solo holds [cuenta] and waits for cuenta"),
        "{out}"
    );
    assert!(
        out.contains("stuck: hilo-1 holds [a] and waits for b"),
        "{out}"
    );
    assert!(
        out.contains("stuck: hilo-2 holds [b] and waits for a"),
        "{out}"
    );
    assert_eq!(
        number_after(&out, "stuck hilos in total:"),
        Some(3.0),
        "{out}"
    );
    assert!(
        out.contains("parking_lot's detector found 3 hilos stuck"),
        "{out}"
    );
}
