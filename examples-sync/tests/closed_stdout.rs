//! Every binary (the index too) ends quietly when its reader goes away
//! early (`cargo run --bin queue | head`): no "failed printing to stdout"
//! panic, exit status 0. `println!` would panic there, since Rust ignores
//! SIGPIPE and turns the failed write into a panic.

use shared::testing::{closed_stdout_problems, sibling_binary};

/// Small flags so the whole test stays quick; every binary still reaches
/// its closing lines.
fn small_flags(name: &str) -> &'static [&'static str] {
    match name {
        "race_condition" => &["--iterations", "1000"],
        "lock" => &["--iterations", "1000", "--rounds", "1", "--hold-ms", "1"],
        "double_lock" => &["--timeout-ms", "20"],
        "deadlock_detector" => &["--check-ms", "10"],
        "rlock" => &["--hold-ms", "1"],
        "semaphore" => &["--query-ms", "2"],
        "semaphore_signal" => &["--delay-ms", "1"],
        "event" => &["--delay-ms", "1", "--timeout-ms", "5"],
        "condition" => &["--produce-ms", "0", "--consume-ms", "0"],
        "barrier" => &["--work-ms", "1"],
        "queue" => &["--items", "100"],
        _ => &[],
    }
}

#[test]
fn every_binary_ends_quietly_when_stdout_is_closed() {
    let names = std::iter::once("examples-sync").chain(
        examples_sync::EXAMPLES
            .iter()
            .map(|e| e.name)
            .filter(|name| built(name)),
    );
    let problems: Vec<String> = names
        .flat_map(|name| closed_stdout_problems(&sibling_binary(name), small_flags(name)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// deadlock_detector exists only with `--features deadlock-detection`
/// (`required-features`); CI builds and tests it that way too.
fn built(name: &str) -> bool {
    name != "deadlock_detector" || cfg!(feature = "deadlock-detection")
}
