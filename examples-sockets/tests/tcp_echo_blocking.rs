//! The blocking server serves one client at a time, so its bad-client tests
//! differ: a client that stalls (silent, slowloris) holds up everyone behind
//! it until the idle bound drops it; the good client is answered *after*,
//! not meanwhile. Everything else it survives as the others do.
#[macro_use]
mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::Duration;

use common::{Server, connect, limits};
use examples_sockets::{Limits, Shutdown, Stats, threaded};
use shared::testing::run;

fn start(limits: Limits) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Stats::new();
    let shutdown = Shutdown::new();
    let serving = {
        let (stats, shutdown) = (stats.clone(), shutdown.clone());
        thread::spawn(move || threaded::run_blocking(listener, limits, stats, shutdown).unwrap())
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

#[test]
fn the_next_client_waits_until_the_first_leaves() {
    let server = start(Limits {
        idle: Duration::from_secs(30),
        ..limits()
    });
    let mut first = connect(server.addr);
    first.write_all(b"uno\n").unwrap();
    let mut echo = [0; 4];
    first.read_exact(&mut echo).unwrap();
    let mut second = connect(server.addr); // the kernel completes the handshake; accept waits
    second.write_all(b"dos\n").unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let early = second.read(&mut echo).unwrap_err();
    assert!(
        matches!(early.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{early}"
    );
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    second.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"dos\n");
    assert_eq!(server.stats.peak.load(Ordering::SeqCst), 1);
}

#[test]
fn bad_client_garbage_bytes() {
    common::garbage_bytes(&start(limits()));
}

#[test]
fn bad_client_over_long_line() {
    common::over_long_line(&start(limits()));
}

#[test]
fn bad_client_silent_connection_holds_up_the_next_until_idle() {
    common::silent_connection(&start(common::short_idle()), false);
}

#[test]
fn bad_client_slowloris_holds_up_the_next_until_idle() {
    common::slowloris(&start(common::short_idle()), false);
}

#[test]
fn bad_client_half_close() {
    common::half_close(&start(limits()));
}

#[test]
fn bad_client_disconnects_mid_message_and_with_reset() {
    common::disconnect_mid_message(&start(limits()));
}

/// A hundred at once: all wait in the accept queue and are served in turn,
/// each as soon as the one before leaves.
#[test]
fn bad_client_hundreds_at_once_are_served_in_turn() {
    let server = start(Limits {
        idle: Duration::from_secs(30),
        ..limits()
    });
    let mut clients: Vec<_> = (0..100)
        .map(|i| {
            let mut client = connect(server.addr);
            client
                .write_all(format!("client {i}\n").as_bytes())
                .unwrap();
            client
        })
        .collect();
    for (i, client) in clients.drain(..).enumerate() {
        let mut client = client;
        let line = format!("client {i}\n");
        let mut echo = vec![0; line.len()];
        client.read_exact(&mut echo).unwrap();
        assert_eq!(echo, line.as_bytes());
    }
    assert_eq!(server.stats.peak.load(Ordering::SeqCst), 1);
    common::all_closed(&server);
}

#[test]
fn bad_client_megabytes_while_reading_slowly() {
    common::megabytes_reading_slowly(&start(limits()), 4, false);
}

#[test]
fn the_example_shows_the_handshake_and_the_close() {
    let run = run(env!("CARGO_BIN_EXE_tcp_echo_blocking"), &[]).success();
    assert_eq!(run.get("echo_ok"), "true", "{run}");
    if cfg!(target_os = "linux") {
        assert_eq!(run.get("seen_listen"), "true", "{run}");
        assert_eq!(run.get("seen_established"), "true", "{run}");
        assert_eq!(run.get("seen_fin_wait"), "true", "{run}");
        assert_eq!(run.get("seen_close_wait"), "true", "{run}");
        assert_eq!(run.get("seen_time_wait"), "true", "{run}");
    }
    assert_eq!(run.get("second_waited"), "true", "{run}");
    assert_eq!(run.int("served_at_once"), 1, "{run}");
}

/// `--serve --port 0` prints the port it got and serves until SIGTERM.
#[cfg(unix)]
#[test]
fn serve_mode_answers_and_stops_on_sigterm() {
    common::serve_mode_with(env!("CARGO_BIN_EXE_tcp_echo_blocking"), false);
}
