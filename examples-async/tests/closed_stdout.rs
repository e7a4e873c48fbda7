//! Every binary (the index too) ends quietly when its reader goes away early
//! (`cargo run -p examples-async --bin three_tasks | head`): exit status 0,
//! no "failed printing to stdout" panic. `println!` would panic there.

use shared::testing::{closed_stdout_problems, sibling_binary};

/// Small flags so the whole test stays quick; each run still reaches its
/// closing lines.
fn small_flags(name: &str) -> &'static [&'static str] {
    match name {
        "message_loop" => &["--bursts", "1", "--burst", "2", "--gap-ms", "1"],
        "three_tasks" => &["--cpu-ms", "1", "--io-ms", "5"],
        "event_loop_from_scratch" => &["--sleepers", "10", "--idle-ms", "10"],
        "coroutines" => &["--unit-ms", "5"],
        "blocking_the_loop" => &["--job-ms", "10"],
        "async_requests" => &["--requests", "2", "--delay-ms", "1"],
        _ => &[],
    }
}

#[test]
fn every_binary_ends_quietly_when_stdout_is_closed() {
    let names =
        std::iter::once("examples-async").chain(examples_async::EXAMPLES.iter().map(|e| e.name));
    let problems: Vec<String> = names
        .flat_map(|name| closed_stdout_problems(&sibling_binary(name), small_flags(name)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
