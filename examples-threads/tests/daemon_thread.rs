//! daemon_thread: a detached thread's unfinished work is cut at exit; a joined one completes.

use std::time::Duration;

use assert_cmd::Command;

#[test]
fn joined_completes_detached_is_cut() {
    let output = Command::new(env!("CARGO_BIN_EXE_daemon_thread"))
        .args(["--steps", "6", "--pause-ms", "300"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8(output.stdout).unwrap();
    let joined_steps = out
        .lines()
        .filter(|l| l.contains("joined worker: step"))
        .count();
    let detached_steps = out
        .lines()
        .filter(|l| l.contains("detached worker: step"))
        .count();
    assert_eq!(joined_steps, 6, "{out}");
    assert!(out.contains("joined worker: finished all 6 steps"), "{out}");
    // The detached one started (main waited for its first step)...
    assert!(detached_steps >= 1, "{out}");
    // ...and was cut: main returned ~immediately, 1.5 s before it could end.
    assert!(detached_steps < 6, "{out}");
    assert!(!out.contains("detached worker: finished"), "{out}");
}
