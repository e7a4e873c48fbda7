//! supervisor: the worker side of "spawn". A worker whose master is already
//! gone when it starts (the race PR_SET_PDEATHSIG alone cannot close: the
//! master died before the worker asked for the signal) does not run at all;
//! a malformed role in the environment is a clear error, not a panic.
#![cfg(target_os = "linux")]

use assert_cmd::Command;
use examples_processes::child::ROLE_ENV as WORKER_ENV;
use predicates::prelude::*;
use std::time::Duration;

#[test]
fn a_worker_whose_master_is_not_its_parent_exits_at_once() {
    // pid 1 is never this worker's parent: for the worker, "the master
    // already died and I was re-parented".
    Command::new(env!("CARGO_BIN_EXE_supervisor"))
        .env(WORKER_ENV, "printer:0:1")
        .args(["--interval-ms", "10"])
        .timeout(Duration::from_secs(20))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "master 1 is already gone: not starting",
        ))
        .stdout(predicate::str::contains("Doing stuff").not());
}

#[test]
fn a_malformed_worker_role_is_a_clear_error() {
    Command::new(env!("CARGO_BIN_EXE_supervisor"))
        .env(WORKER_ENV, "printer:zero:1")
        .timeout(Duration::from_secs(20))
        .assert()
        .failure()
        .stderr(predicate::str::contains(WORKER_ENV))
        .stderr(predicate::str::contains("panicked").not());
}
