//! One thread on epoll: each bad client meets its bounds while a good one is answered.
#[macro_use]
mod common;

use std::net::TcpListener;
use std::thread;

use common::Server;
use examples_sockets::{Limits, Shutdown, Stats};

/// Starts the server on 127.0.0.1:0 in a hilo; dropping the Server stops it.
fn start(limits: Limits) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Stats::new();
    let shutdown = Shutdown::new();
    let serving = {
        let (stats, shutdown) = (stats.clone(), shutdown.clone());
        thread::spawn(move || {
            examples_sockets::epoll::run(listener, limits, stats, shutdown).unwrap()
        })
    };
    Server {
        addr,
        stats,
        stop: Some(Box::new(move || {
            shutdown.trigger();
            serving.join().unwrap();
        })),
    }
}

bad_client_tests!(start);

/// The demo: many clients on the one epoll thread, and a flood answered in
/// full through short writes kept for EPOLLOUT.
#[test]
fn the_example_serves_many_clients_on_one_thread_and_keeps_partial_writes() {
    let run = shared::testing::run(
        env!("CARGO_BIN_EXE_epoll_echo"),
        &["--clients", "100", "--flood-mb", "8"],
    )
    .success();
    assert_eq!(run.int("peak_connections"), 100, "{run}");
    assert!(
        run.int("process_threads") <= 3,
        "main, epoll and at most the flood's sender:\n{run}"
    );
    assert_eq!(run.int("flood_bytes_back"), 8_000_000, "{run}");
    assert!(run.int("short_writes") > 0, "{run}");
}

#[test]
fn serve_mode_answers_and_stops_on_sigterm() {
    common::serve_mode(env!("CARGO_BIN_EXE_epoll_echo"));
}

/// More demo clients than --max-connections: a clear refusal up front, not
/// a reset halfway through (it was "Connection reset by peer" at 1100).
#[test]
fn more_clients_than_the_limit_is_refused_with_a_message() {
    let run = shared::testing::run(
        env!("CARGO_BIN_EXE_epoll_echo"),
        &[
            "--clients",
            "3",
            "--max-connections",
            "2",
            "--flood-mb",
            "0",
        ],
    );
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("--max-connections 2"), "{run}");
    assert!(!run.stderr.contains("reset"), "{run}");
}
