//! Every binary (the index too) ends quietly when its reader goes away early
//! (`cargo run -p examples-sockets --bin epoll_echo | head`): exit status 0,
//! no "failed printing to stdout" panic. `println!` would panic there.

use shared::testing::{closed_stdout_problems, sibling_binary};

/// Small flags so the whole test stays quick; each run still reaches its
/// closing lines.
fn small_flags(name: &str) -> &'static [&'static str] {
    match name {
        "tcp_echo_threaded" => &["--few", "2", "--many", "4"],
        "epoll_echo" => &["--clients", "3", "--flood-mb", "1"],
        "tokio_echo" => &["--clients", "3", "--grace-ms", "100"],
        "echo_load" => &["--connections", "2", "--rounds", "5"],
        "http_get" => &["--delay-ms", "1"],
        "mailbox" => &["--letters", "5"],
        "distributed_work" | "distributed_rpc" => &["--chunks", "4", "--n", "1000"],
        _ => &[],
    }
}

#[test]
fn every_binary_ends_quietly_when_stdout_is_closed() {
    let names = std::iter::once("examples-sockets")
        .chain(examples_sockets::EXAMPLES.iter().map(|e| e.name));
    let problems: Vec<String> = names
        .flat_map(|name| closed_stdout_problems(&sibling_binary(name), small_flags(name)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
