//! condition: every item produced is consumed once, in its producer's order,
//! nothing lost or duplicated, and the buffer never exceeds its bound.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_condition"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run condition");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn assert_perfect(out: &str, produced: f64, capacity: f64) {
    assert_eq!(number_after(out, "produced:"), Some(produced), "{out}");
    assert_eq!(number_after(out, "consumed:"), Some(produced), "{out}");
    assert_eq!(number_after(out, "lost:"), Some(0.0), "{out}");
    assert_eq!(number_after(out, "duplicated:"), Some(0.0), "{out}");
    assert_eq!(number_after(out, "out of order:"), Some(0.0), "{out}");
    let peak = number_after(out, "most the buffer ever held:").expect("peak");
    assert!((1.0..=capacity).contains(&peak), "{out}");
}

#[test]
fn slow_consumers_fill_the_buffer_and_nothing_is_lost() {
    let out = run(&[
        "--producers",
        "2",
        "--consumers",
        "2",
        "--items",
        "6",
        "--capacity",
        "2",
        "--produce-ms",
        "1",
        "--consume-ms",
        "30",
    ]);
    assert_perfect(&out, 12.0, 2.0);
    // Consumers thirty times slower than producers: the producers had to wait.
    assert!(
        out.contains("buffer full (2 of 2): waiting for room"),
        "{out}"
    );
    assert!(out.contains("put item"), "{out}");
    let full = number_after(&out, "puts that found the buffer full:").expect("full count");
    assert!(full >= 1.0, "{out}");
    assert!(out.contains("and waited on the Condvar for room"), "{out}");
    assert!(out.contains("buffer closed and empty: done"), "{out}");
}

#[test]
fn many_hilos_many_items_stay_exact() {
    let out = run(&[
        "--producers",
        "4",
        "--consumers",
        "3",
        "--items",
        "2000",
        "--capacity",
        "5",
        "--produce-ms",
        "0",
        "--consume-ms",
        "0",
        "--quiet",
    ]);
    assert_perfect(&out, 8000.0, 5.0);
}

#[test]
fn a_buffer_big_enough_for_everything_never_makes_a_proveedor_wait() {
    // 1 x 5 items into 10 slots: no put can find the buffer full, and the
    // closing lines must say so rather than describe a wait that never was.
    let out = run(&[
        "--producers",
        "1",
        "--consumers",
        "1",
        "--items",
        "5",
        "--capacity",
        "10",
        "--produce-ms",
        "0",
        "--consume-ms",
        "0",
    ]);
    assert_perfect(&out, 5.0, 10.0);
    assert_eq!(
        number_after(&out, "puts that found the buffer full:"),
        Some(0.0),
        "{out}"
    );
    assert!(!out.contains("waiting for room"), "{out}");
    assert!(
        out.contains("It was never full, so no proveedor had to wait."),
        "{out}"
    );
}

#[test]
fn a_total_too_big_to_audit_is_refused_clearly() {
    let output = Command::new(env!("CARGO_BIN_EXE_condition"))
        .args(["--producers", "64", "--items", "1000000"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run condition");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--producers x --items is 64000000"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
