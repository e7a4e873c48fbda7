//! A hilo per connection: the echo server of notes 004's "network server",
//! as Python's `socketserver.ThreadingTCPServer` builds it, and what it costs.
//!
//! Ports: notes 004 (the network server), notes 002 "Sockets como ejemplo".
//! Python:
//!     class Echo(socketserver.StreamRequestHandler):
//!         def handle(self):
//!             for line in self.rfile: self.wfile.write(line)
//!     socketserver.ThreadingTCPServer(("127.0.0.1", 7007), Echo).serve_forever()
//! Rust: the same shape with `TcpListener::incoming` and `thread::spawn`
//! (examples_sockets::threaded::run, read it beside this file). Unlike
//! ThreadingTCPServer it bounds the hilos (--max-connections), the line
//! (--max-line) and the idle time (--idle-secs), and each hilo is given a
//! 64 KiB stack instead of 2 MiB. The demo opens 10, then 500, connections
//! and reads from the OS how many threads and how much memory that took.
//!
//! Run: cargo run -p examples-sockets --bin tcp_echo_threaded
//!      cargo run -p examples-sockets --bin tcp_echo_threaded -- --serve --port 7007
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use anyhow::{Context, ensure};
use clap::Parser;
use examples_sockets::cli::{ServerFlags, serve_until_signal};
use examples_sockets::harness::threads_and_rss;
use examples_sockets::{Shutdown, Stats, threaded};
use shared::cli::range;
use shared::output::{heading, results, say};

#[derive(Parser)]
#[command(
    about = "An echo server with a hilo per connection, and its cost",
    allow_negative_numbers = true
)]
struct Args {
    #[command(flatten)]
    server: ServerFlags,
    /// Connections in the small round of the demo.
    #[arg(long, default_value_t = 10, value_name = "1..=1000", value_parser = range(1..=1000usize))]
    few: usize,
    /// Connections in the big round of the demo.
    #[arg(long, default_value_t = 500, value_name = "1..=5000", value_parser = range(1..=5000usize))]
    many: usize,
}

/// Opens `n` clients at once, each sends a line and reads it back, all
/// still connected; returns them (so their hilos stay alive while we count).
fn open_clients(addr: std::net::SocketAddr, n: usize) -> anyhow::Result<Vec<TcpStream>> {
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let mut stream = TcpStream::connect(addr)?;
        stream.write_all(format!("hola {i}\n").as_bytes())?;
        clients.push(stream);
    }
    for (i, stream) in clients.iter().enumerate() {
        let mut echo = String::new();
        BufReader::new(stream).read_line(&mut echo)?;
        ensure!(echo == format!("hola {i}\n"), "client {i} got {echo:?}");
    }
    Ok(clients)
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    if args.server.serve {
        return serve_until_signal(&args.server, threaded::run);
    }
    let limits = args.server.limits();
    ensure!(
        args.many <= limits.max_connections,
        "--many {} is over --max-connections {}",
        args.many,
        limits.max_connections
    );
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (stats, shutdown) = (Stats::new(), Shutdown::new());
    let server = {
        let (stats, shutdown) = (stats.clone(), shutdown.clone());
        thread::spawn(move || threaded::run(listener, limits, stats, shutdown))
    };
    heading(&format!("a hilo per connection, on {addr}"));
    let pid = std::process::id();
    let (base_threads, base_rss) = threads_and_rss(pid).unwrap_or((0, 0));
    say(format!(
        "before any client: {base_threads} threads, {base_rss} KiB resident"
    ));
    let mut seen = Vec::new();
    for n in [args.few, args.many] {
        let opening = std::time::Instant::now();
        let clients = open_clients(addr, n).context("demo clients")?;
        let took = opening.elapsed().as_secs_f64() * 1e3;
        let (threads, rss) = threads_and_rss(pid).unwrap_or((0, 0));
        say(format!(
            "{n} connections open, each echoed, in {took:.0} ms: {threads} threads, {rss} KiB resident"
        ));
        seen.push((threads, rss));
        drop(clients); // each hilo reads end-of-stream and returns
        while stats.active.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    shutdown.trigger();
    server.join().expect("server hilo")?;
    let [(few_threads, few_rss), (many_threads, many_rss)] = seen[..] else {
        unreachable!()
    };
    let per_conn = (many_rss.saturating_sub(few_rss)) as f64
        / (args.many.saturating_sub(args.few)).max(1) as f64;
    say(format!(
        "a hilo per connection: {} more threads for {} more connections, about {per_conn:.0} KiB resident each \
         (its 16 KiB read buffer and the stack pages it touches: a stack is reserved, not all resident)",
        many_threads.saturating_sub(few_threads),
        args.many.saturating_sub(args.few)
    ));
    say(
        "the OS schedules them; 10,000 connections would be 10,000 threads: see epoll_echo and tokio_echo",
    );
    say(
        "(a burst of connects can take a second or more: std listens with a backlog of 128 (`ss -ltn` shows it); \
         connects beyond what the acceptor has taken overflow the kernel's queue and retry their handshake after a second)",
    );
    results(&[
        ("threads_at_few", &few_threads),
        ("threads_at_many", &many_threads),
        ("rss_kib_at_few", &few_rss),
        ("rss_kib_at_many", &many_rss),
        (
            "peak_connections",
            &stats.peak.load(std::sync::atomic::Ordering::SeqCst),
        ),
        ("lines", &Stats::get(&stats.lines)),
    ]);
    Ok(())
}
