//! shared_memory: a child's writes to shared memory reach the parent;
//! unsynchronised increments from several processes lose updates, while the
//! atomic and the cross-process lock lose none.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::{lines_with, number_after};

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_shared_memory"))
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run shared_memory");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The "lost N" figure said for a way.
fn lost(out: &str, label: &str) -> f64 {
    number_after(out, &format!("{label}: lost"))
        .unwrap_or_else(|| panic!("no loss for {label}:\n{out}"))
}

#[test]
fn the_childs_writes_reach_the_parent() {
    let out = run(&["--iterations", "1000"]);
    let after = lines_with(&out, "after join:")[0];
    assert!(after.contains("num = 3.14159"), "{out}");
    assert!(
        after.contains("arr = [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]"),
        "{out}"
    );
}

#[test]
fn unsynchronised_loses_updates_atomic_and_lock_lose_none() {
    // 2 processes x 500,000: long enough to overlap on two cores even on a
    // busy machine; the example re-runs a lossy way (up to 5 times) that
    // happened not to overlap, and says so.
    let out = run(&["--processes", "2", "--iterations", "500000"]);
    assert!(lost(&out, "no lock (read, then write)") > 0.0, "{out}");
    assert_eq!(lost(&out, "atomic fetch_add"), 0.0, "{out}");
    assert_eq!(lost(&out, "spin lock in the shared memory"), 0.0, "{out}");
    // Read the table too: got == expected == 1,000,000 for the exact ways.
    for label in ["atomic fetch_add", "spin lock in the shared memory"] {
        let row = lines_with(&out, label)
            .into_iter()
            .find(|l| !l.contains('|'))
            .unwrap_or_else(|| panic!("no table row for {label}:\n{out}"));
        let numbers: Vec<&str> = row[label.len()..].split_whitespace().collect();
        assert_eq!(&numbers[..3], &["1000000", "1000000", "0"], "{row}");
    }
}

#[test]
fn one_process_is_refused_it_could_not_race() {
    let output = Command::new(env!("CARGO_BIN_EXE_shared_memory"))
        .args(["--processes", "1"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--processes") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
