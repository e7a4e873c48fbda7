//! semaphore: never more than N inside at once, and everybody gets a turn.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_semaphore"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run semaphore");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn never_more_than_n_inside() {
    let out = run(&["--permits", "2", "--threads", "6", "--query-ms", "20"]);
    let most = number_after(&out, "max inside at once:").expect("max inside");
    let overlap = number_after(&out, "timeline max overlap:").expect("overlap");
    assert!((1.0..=2.0).contains(&most), "{out}");
    assert!((1.0..=2.0).contains(&overlap), "{out}");
    assert_eq!(number_after(&out, "queries done:"), Some(6.0), "{out}");
    assert!(
        out.contains("acquire_timeout(50 ms) with 2 of 2 permits out: None"),
        "{out}"
    );
    assert_eq!(number_after(&out, "all permits back:"), Some(2.0), "{out}");
    assert!(out.contains("never more than the permits"), "{out}");
}

#[test]
fn one_permit_is_a_lock() {
    let out = run(&["--permits", "1", "--threads", "4", "--query-ms", "5"]);
    assert_eq!(
        number_after(&out, "max inside at once:"),
        Some(1.0),
        "{out}"
    );
    assert_eq!(
        number_after(&out, "timeline max overlap:"),
        Some(1.0),
        "{out}"
    );
}
