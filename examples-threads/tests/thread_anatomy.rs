//! thread_anatomy: a parked thread is seen waiting; context-switch counters grow.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

#[test]
fn parked_thread_is_waiting_and_switches_grow() {
    let output = Command::new(env!("CARGO_BIN_EXE_thread_anatomy"))
        .args(["--sleeps", "10", "--stack-kib", "128"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8(output.stdout).unwrap();
    if !cfg!(target_os = "linux") {
        assert!(out.contains("needs Linux"));
        return;
    }
    let waiting = out
        .lines()
        .find(|l| l.contains("4. state while waiting on a channel"))
        .unwrap();
    assert!(waiting.contains("(S)"), "{out}");
    // Computing, it is running or ready: R (Linux does not tell the two apart).
    let computing = out
        .lines()
        .find(|l| l.contains("4. state while computing"))
        .unwrap();
    assert!(computing.contains("(R)"), "{out}");
    // Each of the 10 sleeps blocks the thread once: at least 10 switches.
    let grew = number_after(&out, "voluntary context switches during the sleeps:").unwrap();
    assert!(grew >= 10.0, "{out}");
    assert!(out.contains("stack size asked for: 128 KiB"), "{out}");
    // The thread's own lines carry its name.
    assert!(
        out.lines()
            .any(|l| l.contains(" anatomia ") && l.contains("1. ID:")),
        "{out}"
    );
}
