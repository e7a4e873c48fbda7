//! Every binary (the index too) ends quietly when its reader goes away early
//! (`cargo run -p examples-processes --bin pool_map | head`): exit status 0,
//! no "failed printing to stdout" panic. `println!` would panic there, in
//! the parent or in a re-executed child that shares its stdout.

use shared::testing::{closed_stdout_problems, sibling_binary};

/// Small flags so the whole test stays quick.
fn small_flags(name: &str) -> &'static [&'static str] {
    match name {
        "pool_map" => &["--workers", "2", "--jobs", "4", "--n", "10000"],
        "manager_list" => &["--workers", "2", "--n", "10000", "--calls", "50"],
        "process_queue" => &["--items", "20"],
        "pipe" => &["--notes", "3", "--round-trips", "20"],
        "shared_memory" => &["--iterations", "2000", "--attempts", "1"],
        "supervisor" => &[
            "--workers",
            "1",
            "--interval-ms",
            "50",
            "--stop-after-ms",
            "300",
        ],
        _ => &[],
    }
}

#[test]
fn every_binary_ends_quietly_when_stdout_is_closed() {
    let names = std::iter::once("examples-processes")
        .chain(examples_processes::EXAMPLES.iter().map(|e| e.name));
    let problems: Vec<String> = names
        .flat_map(|name| closed_stdout_problems(&sibling_binary(name), small_flags(name)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
