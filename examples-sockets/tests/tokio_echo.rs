//! tokio: each bad client meets its bounds while a good one is answered,
//! and the shutdown is graceful within its deadline.
#[macro_use]
mod common;

use std::thread;
use std::time::Duration;

use common::Server;
use examples_sockets::{Limits, Stats, tokio_echo};

/// Starts the server on 127.0.0.1:0 on a tokio runtime in a hilo; dropping
/// the Server stops it (graceful, 2 s deadline) and joins the hilo.
fn start(limits: Limits) -> Server {
    start_with(limits, Duration::from_secs(2)).0
}

fn start_with(limits: Limits, grace: Duration) -> (Server, std::sync::mpsc::Receiver<usize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Stats::new();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (cut_tx, cut_rx) = std::sync::mpsc::channel();
    let serving = {
        let stats = stats.clone();
        thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let cut = runtime
                .block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    tokio_echo::run(listener, limits, stats, stop_rx, grace).await
                })
                .unwrap();
            let _ = cut_tx.send(cut);
        })
    };
    let server = Server {
        addr,
        stats,
        stop: Some(Box::new(move || {
            let _ = stop_tx.send(());
            serving.join().unwrap();
        })),
    };
    (server, cut_rx)
}

bad_client_tests!(start);

/// Graceful: after the signal a new connection is refused, a client in the
/// middle of its session gets its echoes, and one that never reads is cut
/// at the deadline (counted), not waited for forever.
#[test]
fn graceful_shutdown_stops_accepting_and_cuts_at_the_deadline() {
    use std::io::{Read, Write};
    let limits = Limits {
        idle: Duration::from_secs(30),
        ..common::limits()
    };
    let (mut server, cut) = start_with(limits, Duration::from_millis(500));
    let addr = server.addr;
    let mut polite = common::connect(addr);
    polite.write_all(b"antes\n").unwrap();
    let mut echo = [0; 6];
    polite.read_exact(&mut echo).unwrap();
    // A client that floods and never reads: its echo write blocks.
    let mut stuck = common::connect(addr);
    let flood = vec![b'x'; 999]
        .into_iter()
        .chain([b'\n'])
        .collect::<Vec<u8>>();
    let _ = stuck.set_write_timeout(Some(Duration::from_millis(500)));
    while stuck.write_all(&flood).is_ok() {}
    (server.stop.take().unwrap())(); // returns once the server has stopped
    assert_eq!(
        cut.recv_timeout(Duration::from_secs(20)).unwrap(),
        1,
        "the stuck client is cut"
    );
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "no longer accepting"
    );
    assert_eq!(
        common::read_until_closed(&mut polite, Duration::from_secs(10)),
        b""
    );
    assert_eq!(
        server
            .stats
            .active
            .load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

/// The demo: many clients, then a graceful stop: idle ones closed, the one
/// that never reads cut at the deadline, new connections refused.
#[test]
fn the_example_serves_many_and_stops_gracefully() {
    for runtime in ["current", "multi"] {
        let run = shared::testing::run(
            env!("CARGO_BIN_EXE_tokio_echo"),
            &[
                "--clients",
                "100",
                "--runtime",
                runtime,
                "--grace-ms",
                "300",
            ],
        )
        .success();
        assert_eq!(run.int("peak_connections"), 100, "{run}");
        assert_eq!(run.get("closed_politely"), "true", "{run}");
        assert_eq!(run.int("cut_at_deadline"), 1, "{run}");
        assert_eq!(run.get("refused_after_stop"), "true", "{run}");
        assert_eq!(run.int("open_after_stop"), 0, "{run}");
    }
}

#[test]
fn serve_mode_answers_and_stops_on_sigterm() {
    common::serve_mode(env!("CARGO_BIN_EXE_tokio_echo"));
}

/// The demo's clients plus its flooding one must fit under
/// --max-connections: a clear refusal up front, not an "ERR busy" read as an echo.
#[test]
fn more_clients_than_the_limit_is_refused_with_a_message() {
    let run = shared::testing::run(
        env!("CARGO_BIN_EXE_tokio_echo"),
        &["--clients", "2", "--max-connections", "2"],
    );
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("--max-connections"), "{run}");
}
