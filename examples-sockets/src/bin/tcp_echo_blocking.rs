//! A blocking echo, step by step: bind, listen, connect, accept, send, recv,
//! close, and at each step the TCP state the OS reports for both sockets,
//! beside the notes' handshake diagram. Then: one client at a time.
//!
//! Ports: notes 002 "Sockets como ejemplo" (the diagram: SYN, SYN-ACK, ACK;
//! send/recv; FIN, ACK, FIN, ACK).
//! Python:
//!     srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()
//!     cli = socket.create_connection(srv.getsockname())
//!     conn, _ = srv.accept(); cli.sendall(b"hola\n"); conn.sendall(conn.recv(1024))
//! Rust: `TcpListener::bind` is socket + bind + listen in one call;
//! `TcpStream::connect` returns once the kernels have done the handshake
//! (before `accept`!); dropping a stream is `close`. The states come from
//! /proc/net/tcp (Linux only; elsewhere the steps run without them).
//!
//! Run: cargo run -p examples-sockets --bin tcp_echo_blocking
//!      cargo run -p examples-sockets --bin tcp_echo_blocking -- --serve --port 7007
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown as Half, TcpListener, TcpStream};
use std::time::Duration;

use clap::Parser;
use examples_sockets::cli::{ServerFlags, serve_until_signal};
use examples_sockets::harness::states_when;
use examples_sockets::{Limits, Shutdown, Stats, threaded};
use shared::output::{heading, line, results, say};

#[derive(Parser)]
#[command(
    about = "A blocking TCP echo, step by step, with the states the OS reports",
    allow_negative_numbers = true
)]
struct Args {
    #[command(flatten)]
    server: ServerFlags,
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    if args.server.serve {
        return serve_until_signal(&args.server, threaded::run_blocking);
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut show = |port: u16, diagram: &str, want: &[(&str, &str)]| {
        let states = states_when(port, want);
        line(format!(
            "  {diagram:<46} OS says: {}",
            if states.is_empty() {
                "(Linux only)".to_string()
            } else {
                states
                    .iter()
                    .map(|(side, state)| format!("{side} {state}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
        seen.extend(states.iter().map(|(_, state)| *state));
    };

    heading("connect, send, recv, close");
    let listener = TcpListener::bind("127.0.0.1:0")?; // socket() + bind() + listen()
    let port = listener.local_addr()?.port();
    show(port, "servidor: bind + listen", &[("server", "LISTEN")]);
    let mut client = TcpStream::connect(("127.0.0.1", port))?;
    show(
        port,
        "cliente->servidor SYN, SYN-ACK, ACK (connect)",
        &[("client", "ESTABLISHED"), ("server", "ESTABLISHED")],
    );
    let (mut conn, _) = listener.accept()?; // takes the finished connection off the queue
    show(port, "servidor: accept", &[]);
    client.write_all(b"hola\n")?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut got = String::new();
    reader.read_line(&mut got)?; // blocks until the line is here
    conn.write_all(got.as_bytes())?;
    let mut echo = [0u8; 5];
    client.read_exact(&mut echo)?; // blocks until the echo is here
    let echo_ok = &echo == b"hola\n";
    show(port, "send() / recv() / send() / recv()", &[]);
    client.shutdown(Half::Write)?; // the client's FIN; drop(client) would do the same
    show(
        port,
        "cliente->servidor FIN, ACK",
        &[("client", "FIN_WAIT2"), ("server", "CLOSE_WAIT")],
    );
    let at_end = reader.read_line(&mut String::new())?; // 0: the server sees the FIN as end of stream
    drop((reader, conn)); // the server's FIN
    show(
        port,
        "servidor->cliente FIN, ACK",
        &[("client", "TIME_WAIT")],
    );
    drop((client, listener));
    say(format!(
        "echo {:?}, then the server read {at_end} bytes: end of stream",
        String::from_utf8_lossy(&echo)
    ));
    say(
        "TIME_WAIT: the side that closed first keeps the pair for 60 s on Linux, so a late packet of this connection cannot land in a new one",
    );

    heading("one client at a time");
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (stats, shutdown) = (Stats::new(), Shutdown::new());
    let server = {
        let (stats, shutdown) = (stats.clone(), shutdown.clone());
        std::thread::spawn(move || {
            threaded::run_blocking(listener, Limits::default(), stats, shutdown)
        })
    };
    let mut first = TcpStream::connect(addr)?;
    first.write_all(b"uno\n")?;
    first.read_exact(&mut [0u8; 4])?;
    let mut second = TcpStream::connect(addr)?; // connected (by the kernel), not accepted
    second.write_all(b"dos\n")?;
    second.set_read_timeout(Some(Duration::from_millis(300)))?;
    let waited = matches!(second.read(&mut [0u8; 4]), Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut));
    say(format!(
        "second client answered while the first is connected: {}",
        !waited
    ));
    drop(first);
    second.set_read_timeout(Some(Duration::from_secs(10)))?;
    second.read_exact(&mut [0u8; 4])?;
    say(
        "the first leaves, the server accepts the second and answers it: a blocking server serves one client at a time",
    );
    drop(second);
    shutdown.trigger();
    server.join().expect("server hilo")?;
    let has = |state: &str| seen.contains(&state);
    results(&[
        ("echo_ok", &echo_ok),
        ("seen_listen", &has("LISTEN")),
        ("seen_established", &has("ESTABLISHED")),
        ("seen_fin_wait", &has("FIN_WAIT2")),
        ("seen_close_wait", &has("CLOSE_WAIT")),
        ("seen_time_wait", &has("TIME_WAIT")),
        ("second_waited", &waited),
        (
            "served_at_once",
            &stats.peak.load(std::sync::atomic::Ordering::SeqCst),
        ),
    ]);
    Ok(())
}
