//! event: all waiters wake on set, none before; wait with timeout returns
//! false when unset and true when set; a set-then-clear is not lost.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_event"))
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run event");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn all_waiters_wake_on_set_and_timeouts_report_unset() {
    let out = run(&["--waiters", "6", "--delay-ms", "30", "--timeout-ms", "40"]);
    assert!(!out.contains("WRONG"), "{out}");
    assert_eq!(number_after(&out, "woken:"), Some(6.0), "{out}");
    assert_eq!(out.matches("woke up: the event is set").count(), 6, "{out}");
    assert!(out.contains("all woke after set: yes"), "{out}");
    // Nobody woke before main decided to set it.
    let set_line = out.find("setting it in").expect("main's set line");
    let first_wake = out.find("woke up:").expect("a wake line");
    assert!(set_line < first_wake, "{out}");

    assert!(out.contains("on an unset event returned false"), "{out}");
    let waited = number_after(&out, "on an unset event returned false after").unwrap();
    assert!(waited >= 40.0, "returned before its timeout: {out}");
    assert!(out.contains("on a set event returned true"), "{out}");
    assert!(
        out.contains("after clear(): is_set false, wait_timeout returned false"),
        "{out}"
    );
    assert_eq!(number_after(&out, "pulse woke:"), Some(4.0), "{out}");
    assert!(out.contains("one set() woke all 6 waiting hilos"), "{out}");
    assert!(
        out.contains("still woke all 4 hilos already waiting"),
        "{out}"
    );
}
