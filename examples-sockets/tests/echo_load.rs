//! echo_load checks every echo, against each of the crate's servers and
//! against a server it did not start; and it refuses what it cannot do.
use shared::testing::run;

#[test]
fn every_echo_arrives_from_every_server() {
    for server in ["threaded", "epoll", "tokio"] {
        let load = run(
            env!("CARGO_BIN_EXE_echo_load"),
            &[
                "--server",
                server,
                "--connections",
                "20",
                "--rounds",
                "50",
                "--bytes",
                "100",
            ],
        )
        .success();
        assert_eq!(load.int("echoes"), 1000, "{server}: {load}");
        assert_eq!(load.int("expected"), 1000, "{server}: {load}");
        assert!(load.int("p99_us") >= load.int("p50_us"), "{load}");
    }
    let one = run(
        env!("CARGO_BIN_EXE_echo_load"),
        &[
            "--server",
            "blocking",
            "--connections",
            "1",
            "--rounds",
            "100",
        ],
    )
    .success();
    assert_eq!(one.int("echoes"), 100, "{one}");
}

/// A server that echoes wrongly (every line upper-cased) is caught.
#[test]
fn a_wrong_echo_is_an_error() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let liar = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(&stream);
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() > 0 {
            let _ = (&stream).write_all(line.to_uppercase().as_bytes());
        }
    });
    let caught = run(
        env!("CARGO_BIN_EXE_echo_load"),
        &["--port", &port, "--connections", "1", "--rounds", "3"],
    );
    assert!(!caught.status.success(), "{caught}");
    assert!(caught.stderr.contains("differs"), "{caught}");
    liar.join().unwrap();
}

#[test]
fn refuses_a_non_loopback_host_and_a_blocking_crowd() {
    let far = run(
        env!("CARGO_BIN_EXE_echo_load"),
        &["--host", "10.1.2.3", "--port", "7"],
    );
    assert!(
        !far.status.success() && far.stderr.contains("loopback"),
        "{far}"
    );
    let run = run(
        env!("CARGO_BIN_EXE_echo_load"),
        &["--server", "blocking", "--connections", "5"],
    );
    assert!(
        !run.status.success() && run.stderr.contains("one connection at a time"),
        "{run}"
    );
}
