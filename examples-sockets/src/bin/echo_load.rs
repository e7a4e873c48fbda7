//! The load client every echo server here is measured with: N connections
//! x M round trips of a B-byte line, every echo checked byte for byte, then
//! round trips per second and the latency percentiles.
//!
//! Ports: (a tool) for notes 002 "Sockets como ejemplo" and 004's server.
//! Python (what a student would write, one thread per client):
//!     s = socket.create_connection(("127.0.0.1", 7007))
//!     t = time.perf_counter(); s.sendall(line); echo = s.recv(len(line)) ...
//! Rust: the clients are tokio tasks (examples_sockets::load), so 1,000
//! connections cost 1,000 tasks, not 1,000 threads, and the client itself
//! stays on one core (--client-threads) while the server has the other.
//! With --port 0 it starts one of this crate's servers itself (--server);
//! with --port N it measures whatever echoes lines there, a Python one too.
//! Latencies swing a lot on a shared machine: compare within one run.
//!
//! Run: cargo run --release -p examples-sockets --bin echo_load -- --server epoll
//!      cargo run --release -p examples-sockets --bin echo_load -- --port 7007 --connections 100
#![forbid(unsafe_code)]

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use examples_sockets::{Limits, Shutdown, Stats, load};
use shared::cli::range;
use shared::output::{heading, results, say};

#[derive(Clone, Copy, ValueEnum, Debug)]
enum Server {
    Blocking,
    Threaded,
    Epoll,
    Tokio,
}

#[derive(Parser)]
#[command(
    about = "Load any line echo server on loopback and check every echo",
    allow_negative_numbers = true
)]
struct Args {
    /// Server address (loopback only).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Server port; 0 starts this crate's --server in this process.
    #[arg(long, default_value_t = 0, value_name = "0..=65535", value_parser = range(0..=65535u16))]
    port: u16,
    /// Which server to start when --port is 0.
    #[arg(long, value_enum, default_value = "tokio")]
    server: Server,
    /// Connections at once.
    #[arg(long, default_value_t = 100, value_name = "1..=10000", value_parser = range(1..=10_000usize))]
    connections: usize,
    /// Round trips per connection.
    #[arg(long, default_value_t = 1000, value_name = "1..=1000000", value_parser = range(1..=1_000_000usize))]
    rounds: usize,
    /// Bytes per line, the newline included.
    #[arg(long, default_value_t = 64, value_name = "2..=8192", value_parser = range(2..=8192usize))]
    bytes: usize,
    /// Threads the client runs its tasks on.
    #[arg(long, default_value_t = 1, value_name = "1..=16", value_parser = range(1..=16usize))]
    client_threads: usize,
}

/// Starts one of this crate's servers on 127.0.0.1:0 in a hilo.
fn start(
    server: Server,
    connections: usize,
) -> anyhow::Result<(
    SocketAddr,
    Shutdown,
    thread::JoinHandle<std::io::Result<()>>,
)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let limits = Limits {
        max_connections: connections + 16,
        ..Limits::default()
    };
    let shutdown = Shutdown::new();
    let stop = shutdown.clone();
    let stats = Stats::new();
    let hilo = thread::spawn(move || match server {
        Server::Blocking => examples_sockets::threaded::run_blocking(listener, limits, stats, stop),
        Server::Threaded => examples_sockets::threaded::run(listener, limits, stats, stop),
        #[cfg(target_os = "linux")]
        Server::Epoll => examples_sockets::epoll::run(listener, limits, stats, stop),
        #[cfg(not(target_os = "linux"))]
        Server::Epoll => Err(std::io::Error::other("epoll is Linux only")),
        Server::Tokio => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let tx = std::sync::Mutex::new(Some(tx));
            stop.on_trigger(move || {
                if let Some(tx) = tx.lock().ok().and_then(|mut tx| tx.take()) {
                    let _ = tx.send(());
                }
            });
            runtime.block_on(async move {
                listener.set_nonblocking(true)?;
                let listener = tokio::net::TcpListener::from_std(listener)?;
                examples_sockets::tokio_echo::run(
                    listener,
                    limits,
                    stats,
                    rx,
                    Duration::from_secs(1),
                )
                .await
            })?;
            Ok(())
        }
    });
    Ok((addr, shutdown, hilo))
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    if !args.host.is_loopback() {
        bail!(
            "{} is not a loopback address: echo_load only loads servers on this machine",
            args.host
        );
    }
    if matches!(args.server, Server::Blocking) && args.port == 0 && args.connections > 1 {
        bail!("the blocking server serves one connection at a time: use --connections 1 with it");
    }
    let started = if args.port == 0 {
        Some(start(args.server, args.connections)?)
    } else {
        None
    };
    let addr = match &started {
        Some((addr, ..)) => *addr,
        None => SocketAddr::new(args.host, args.port),
    };
    let whose = if started.is_some() {
        format!("this crate's {:?} server", args.server)
    } else {
        "the server there".into()
    };
    heading(&format!(
        "{} connections x {} round trips of {} B to {addr} ({whose})",
        args.connections, args.rounds, args.bytes
    ));
    let report = load::run(
        addr,
        args.connections,
        args.rounds,
        args.bytes,
        args.client_threads,
        Duration::from_secs(30),
    )
    .with_context(|| format!("loading {addr}"))?;
    if let Some((_, shutdown, hilo)) = started {
        shutdown.trigger();
        hilo.join().expect("server hilo")?;
    }
    let expected = (args.connections * args.rounds) as u64;
    let us = |d: Duration| d.as_micros();
    say(format!(
        "{} echoes, every one equal to what was sent, {:.0} round trips/s; latency p50 {} us, p99 {} us, max {} us",
        report.echoes,
        report.per_second(),
        us(report.p50),
        us(report.p99),
        us(report.max)
    ));
    say(
        "latencies on a shared machine swing from run to run: compare servers within one run (cargo bench)",
    );
    results(&[
        ("connections", &args.connections),
        ("rounds", &args.rounds),
        ("bytes", &args.bytes),
        ("echoes", &report.echoes),
        ("expected", &expected),
        ("wall_ms", &report.wall.as_millis()),
        ("req_per_s", &format!("{:.0}", report.per_second())),
        ("p50_us", &us(report.p50)),
        ("p99_us", &us(report.p99)),
    ]);
    Ok(())
}
