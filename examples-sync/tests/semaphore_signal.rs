//! semaphore_signal: the waiter proceeds only after the signal; a relay runs
//! in signal order, not start order.

use std::time::Duration;

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_semaphore_signal"))
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run semaphore_signal");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in output:\n{text}"))
}

#[test]
fn the_waiter_proceeds_only_after_the_signal() {
    let out = run(&["--delay-ms", "100", "--stages", "5"]);
    assert!(!out.contains("WRONG"), "{out}");
    // Blocked for real before main prepared and signalled (not merely late).
    assert!(
        out.contains("the waiter is asleep in acquire(): yes"),
        "{out}"
    );
    assert!(
        out.contains("before the signal, the waiter had proceeded: no"),
        "{out}"
    );
    assert!(
        out.contains("the waiter proceeded after the signal: yes"),
        "{out}"
    );
    // The waiter's line saying it went on comes after main decided to signal.
    assert!(
        position(&out, "had proceeded: no") < position(&out, "got the signal, proceeding"),
        "{out}"
    );
}

#[test]
fn the_relay_runs_in_signal_order() {
    let out = run(&["--delay-ms", "0", "--stages", "6"]);
    assert!(out.contains("order of stages: 1 2 3 4 5 6"), "{out}");
}
