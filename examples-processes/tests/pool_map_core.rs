//! pool_map's crash demo leaves no core file, even where core dumps are on:
//! the worker that aborts on purpose sets its core size limit to 0 first.
//!
//! Alone in its file: it raises this test process's core size limit (which
//! the example and its workers inherit), process-wide state that must not
//! reach the other tests' crashing children.
#![cfg(target_os = "linux")]

use std::path::PathBuf;
use std::time::Duration;

use std::process::Command;

use nix::sys::resource::{Resource, getrlimit, setrlimit};
use shared::testing::run_command;

#[test]
fn the_crash_demo_leaves_no_core_file() {
    // Core files named by a plain pattern land in the crashing process's
    // working directory; a pipe ("|...") or a path elsewhere cannot be seen
    // from here, and then this test proves nothing: say so and stop.
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    let pattern = pattern.trim();
    if pattern.starts_with('|') || pattern.contains('/') {
        eprintln!(
            "core_pattern is {pattern:?}: core files do not land in the working directory; not checked"
        );
        return;
    }
    let (_, hard) = getrlimit(Resource::RLIMIT_CORE).expect("getrlimit");
    if hard == 0 {
        eprintln!("the hard core size limit is 0: no core file can be written; not checked");
        return;
    }
    setrlimit(Resource::RLIMIT_CORE, hard, hard).expect("raise the core size limit");

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("pool_map_core-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test dir");
    let run = run_command(
        Command::new(env!("CARGO_BIN_EXE_pool_map"))
            .args(["--workers", "2", "--jobs", "2", "--n", "1000"])
            .current_dir(&dir),
        Duration::from_secs(60),
    )
    .success();
    assert!(run.get("crash_error").contains("SIGABRT"), "{run}");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("read the test dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(left.is_empty(), "files left by the crash: {left:?}");
}
