//! process_hello: each child is another process, and its parent is us,
//! whether started by re-exec ("spawn") or by fork.

use shared::testing::{Run, run};

const BIN: &str = env!("CARGO_BIN_EXE_process_hello");

fn check(run: &Run, method: &str) {
    let parent = run.int("parent_pid");
    let child = run.int(&format!("{method}_child_pid"));
    assert_ne!(child, parent, "the child is another process:\n{run}");
    assert_eq!(run.int(&format!("{method}_child_ppid")), parent, "{run}");
    assert_eq!(run.get(&format!("{method}_exit")), "exit code 0", "{run}");
}

#[test]
fn spawned_child_is_another_process_whose_parent_is_us() {
    let run = run(BIN, &["--method", "spawn", "--child-pause-ms", "50"]).success();
    check(&run, "spawn");
    assert!(!run.results.contains_key("fork_child_pid"), "{run}");
}

#[test]
fn forked_child_is_another_process_whose_parent_is_us() {
    let run = run(BIN, &["--method", "fork", "--child-pause-ms", "50"]).success();
    check(&run, "fork");
}

#[test]
fn both_methods_run_by_default_each_with_its_own_child() {
    let run = run(BIN, &[]).success();
    check(&run, "fork");
    check(&run, "spawn");
    assert_ne!(run.int("fork_child_pid"), run.int("spawn_child_pid"));
}

#[test]
fn a_zero_join_timeout_is_refused_by_clap() {
    let run = run(BIN, &["--join-timeout-ms", "0"]);
    assert_eq!(run.status.code(), Some(2), "{run}");
    assert!(run.stderr.contains("--join-timeout-ms") && !run.stderr.contains("panicked"));
}
