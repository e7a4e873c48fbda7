//! race_condition: the racy count falls short; the Mutex and fetch_add
//! counts are exact.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_race_condition"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run race_condition");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn count(out: &str, label: &str) -> f64 {
    number_after(out, label).unwrap_or_else(|| panic!("no `{label}` in:\n{out}"))
}

#[test]
fn racy_loses_updates_and_the_fixes_do_not() {
    // Long enough that the two hilos surely overlap (they start together
    // behind a barrier, and a few ms of yielding outlasts a wake-up), and
    // short enough for a loaded machine: there each yield hands the core to
    // another program for up to a time slice (about 1 ms), and 2 x 50,000
    // took over 60 s with four busy loops on two cores.
    let out = run(&["--threads", "2", "--iterations", "2000"]);
    let expected = 4_000.0;
    assert!(count(&out, "racy final count:") < expected, "{out}");
    assert_eq!(count(&out, "mutex final count:"), expected, "{out}");
    assert_eq!(count(&out, "fetch_add final count:"), expected, "{out}");
    assert!(out.contains("updates were lost"), "{out}");
}

#[test]
fn more_threads_still_count_exactly_when_synchronised() {
    let out = run(&["--threads", "4", "--iterations", "5000", "--no-yield"]);
    assert_eq!(count(&out, "mutex final count:"), 20_000.0, "{out}");
    assert_eq!(count(&out, "fetch_add final count:"), 20_000.0, "{out}");
    // Without the yield the racy count may or may not fall short: never above.
    assert!(count(&out, "racy final count:") <= 20_000.0, "{out}");
}

#[test]
fn one_thread_is_refused_by_the_flag_check() {
    let output = Command::new(env!("CARGO_BIN_EXE_race_condition"))
        .args(["--threads", "1"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--threads"));
}
