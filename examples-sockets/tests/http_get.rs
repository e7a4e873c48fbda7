//! The GET by hand parses Content-Length and chunked bodies, blocking and
//! async agree, and a malformed response is a clear error, not a panic.
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use shared::testing::run;

#[test]
fn parses_content_length_and_chunked_bodies() {
    let run = run(env!("CARGO_BIN_EXE_http_get"), &["--delay-ms", "1"]).success();
    assert_eq!(run.int("status"), 200, "{run}");
    assert_eq!(
        run.int("body_bytes"),
        "hola desde el servidor lento\n".len() as i64,
        "{run}"
    );
    assert_eq!(run.get("content_length_ok"), "true", "{run}");
    assert_eq!(run.get("async_same"), "true", "{run}");
    assert_eq!(
        run.get("chunked_body"),
        "hola desde un cuerpo chunked",
        "{run}"
    );
    assert_eq!(run.int("chunks"), 4, "{run}");
}

/// A server that answers with something that is not HTTP. Its accept has a
/// deadline (a binary that exits before connecting must not hang the
/// test's join): the hilo returns whether a client came.
fn liar(answer: &'static [u8]) -> (String, std::thread::JoinHandle<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let serving = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break stream,
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10)) // sleep-ok: a poll under a deadline
                }
                Err(_) => return false,
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let _ = stream.read(&mut [0u8; 1024]);
        let _ = stream.write_all(answer);
        true
    });
    (url, serving)
}

#[test]
fn a_malformed_response_is_a_clear_error() {
    for (answer, says) in [
        (&b"hello there\r\n\r\n"[..], "is not `HTTP/1.x NNN reason`"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
            "Content-Length said 50",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            "ends before its 0-size chunk",
        ),
    ] {
        let (url, serving) = liar(answer);
        let run = run(env!("CARGO_BIN_EXE_http_get"), &["--url", &url]);
        assert!(serving.join().unwrap(), "http_get never connected:\n{run}");
        assert_eq!(run.status.code(), Some(1), "{run}");
        assert!(
            run.stderr.contains("malformed response") && run.stderr.contains(says),
            "{run}"
        );
        assert!(!run.stderr.contains("panicked"), "{run}");
    }
}

#[test]
fn https_is_refused_with_a_message() {
    let run = run(
        env!("CARGO_BIN_EXE_http_get"),
        &["--url", "https://example.com/"],
    );
    assert!(
        !run.status.success() && run.stderr.contains("only http://"),
        "{run}"
    );
}
