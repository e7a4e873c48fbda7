//! No example of the core multiprocessing part leaves a child behind: after
//! each one ends (normally, or with a crashed pool worker in pool_map), no
//! descendant is still running and none is left unreaped.
//!
//! One test in this file on purpose: the test process makes itself a child
//! subreaper (process-wide), so an orphaned grandchild of an example is
//! re-parented HERE, where `leftover_children` sees it; any other test
//! running beside it would have children of its own. (Signals are covered
//! in files of their own for the same reason: Ctrl-C to pool_map in
//! pool_map_sigint.rs, SIGTERM to the parent of every example in
//! parent_killed.rs, the supervisor's signals in supervisor_*.rs.)

use std::time::Duration;

use assert_cmd::Command;
use examples_processes::hygiene::{become_subreaper, leftover_children, reap_all_children};

/// Each of our examples, with small flags.
const RUNS: &[(&str, &[&str])] = &[
    (env!("CARGO_BIN_EXE_process_hello"), &[]),
    (env!("CARGO_BIN_EXE_process_context"), &[]),
    (
        env!("CARGO_BIN_EXE_pool_map"),
        &["--workers", "3", "--jobs", "6", "--n", "10000"],
    ),
    (
        env!("CARGO_BIN_EXE_manager_list"),
        &["--workers", "4", "--n", "10000", "--calls", "100"],
    ),
    (env!("CARGO_BIN_EXE_process_queue"), &["--items", "50"]),
    (
        env!("CARGO_BIN_EXE_pipe"),
        &["--notes", "5", "--round-trips", "50"],
    ),
    (
        env!("CARGO_BIN_EXE_shared_memory"),
        &["--iterations", "20000", "--attempts", "1"],
    ),
];

#[test]
fn every_example_reaps_every_child_it_started() {
    become_subreaper().expect("become a child subreaper");
    for (binary, args) in RUNS {
        let name = binary.rsplit('/').next().unwrap();
        let output = Command::new(binary)
            .args(*args)
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // assert_cmd waited for (reaped) the example itself; anything still
        // our child now is one of ITS descendants, orphaned or unreaped.
        let leftovers = leftover_children();
        let cleanup = reap_all_children(Duration::from_secs(5));
        assert!(
            output.status.success(),
            "{name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            leftovers.is_clean(),
            "{name} left children behind: {leftovers} (cleaned up: {cleanup})"
        );
    }
}
