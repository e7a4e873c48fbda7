//! Every binary (the index too) ends quietly when its reader goes away early
//! (`cargo run -p examples-threads --bin thread_pool | head`): exit status 0,
//! no "failed printing to stdout" panic. `println!` would panic there.

use shared::testing::{closed_stdout_problems, sibling_binary};

/// Small flags so the whole test stays quick; each run still reaches its
/// closing lines.
fn small_flags(name: &str) -> &'static [&'static str] {
    match name {
        "hello_thread" => &["--steps", "2", "--pause-ms", "1"],
        "thread_args" => &["--n", "1000"],
        "daemon_thread" => &["--steps", "2", "--pause-ms", "50"],
        "thread_anatomy" => &["--sleeps", "2"],
        "thread_pool" => &["--tasks", "3", "--unit-ms", "1"],
        "gil_cpu_vs_io" => &[
            "--jobs",
            "2",
            "--n",
            "10000",
            "--io-tasks",
            "2",
            "--io-ms",
            "1",
        ],
        "cpu_topology" => &["--sample-ms", "10"],
        "sync_vs_threaded_requests" => &["--delay-ms", "1"],
        _ => &[],
    }
}

#[test]
fn every_binary_ends_quietly_when_stdout_is_closed() {
    let names = std::iter::once("examples-threads")
        .chain(examples_threads::EXAMPLES.iter().map(|e| e.name));
    let problems: Vec<String> = names
        .flat_map(|name| closed_stdout_problems(&sibling_binary(name), small_flags(name)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
