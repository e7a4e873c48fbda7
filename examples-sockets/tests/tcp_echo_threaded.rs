//! A hilo per connection: each bad client meets its bounds while a good one is answered.
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
            examples_sockets::threaded::run(listener, limits, stats, shutdown).unwrap()
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

/// The demo: every connection is served at once by its own hilo.
#[test]
fn the_example_serves_many_at_once_with_a_hilo_each() {
    let run = shared::testing::run(
        env!("CARGO_BIN_EXE_tcp_echo_threaded"),
        &["--few", "5", "--many", "60"],
    )
    .success();
    assert_eq!(run.int("peak_connections"), 60, "{run}");
    assert_eq!(run.int("lines"), 65, "{run}");
    if cfg!(target_os = "linux") {
        assert!(
            run.int("threads_at_many") >= run.int("threads_at_few") + 55,
            "{run}"
        );
    }
}

/// `--serve --port 0` prints the port it got and serves until SIGTERM.
#[cfg(unix)]
#[test]
fn serve_mode_answers_and_stops_on_sigterm() {
    common::serve_mode(env!("CARGO_BIN_EXE_tcp_echo_threaded"));
}
