//! Figures for examples-sockets: every echo server under the same load.
//!
//! Not a test: it prints a table measured on this machine. Run in release:
//!
//!     cargo bench -p examples-sockets --bench figures
//!
//! The load is `examples_sockets::load` (what echo_load runs): N connections
//! x M round trips of a 64-byte line, every echo checked, on a one-thread
//! tokio client, so client and server have a core each. Each server runs as
//! its own process (`--serve --port 0`), so its resident memory and thread
//! count are its own, sampled every 20 ms during the load (the highest
//! kept); each 100-connection row is the median of three runs. The
//! blocking server runs in this process, with one connection.
//! The hand-built runtime of examples-async (its step 3: executor + epoll
//! reactor) runs a byte echo in this process. For scale, Python's asyncio echo server and a socketserver
//! ThreadingTCPServer (standard library, `python3`) are loaded by the same
//! client. The issue's reference, measured with a Python load client:
//! asyncio about 60,000 round trips/s (p99 about 2.7 ms), ThreadingTCPServer
//! about 36,000. Latencies on a shared machine swing 3-5x from minute to
//! minute: compare rows of one run.
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use examples_sockets::harness::threads_and_rss;
use examples_sockets::load::{self, LoadReport};
use examples_sockets::{Limits, Shutdown, Stats, threaded};

const BYTES: usize = 64;

const ASYNCIO: &str = r#"
import asyncio
async def echo(reader, writer):
    try:
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
    finally:
        writer.close()
async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", 0, backlog=4096)
    print("serving on 127.0.0.1:%d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"#;

const THREADING: &str = r#"
import socketserver
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    request_queue_size = 4096
with Server(("127.0.0.1", 0), Echo) as server:
    print("serving on 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
"#;

/// An echo server on examples-async's hand-built runtime (executor + epoll
/// reactor), in a hilo of this process. A bench stand-in: it echoes bytes as
/// they come, with no line framing and no bounds.
fn hand_built_runtime() -> Option<SocketAddr> {
    use examples_async::runtime::s3_reactor::{Runtime, TcpListener, spawn};
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let runtime = Runtime::new().expect("runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let _ = tx.send(listener.local_addr().expect("addr"));
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n @ 1..) = stream.read(&mut buf).await {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).ok()
}

/// A server process; killed and reaped when dropped.
struct Served(Child, SocketAddr);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(command: &mut Command) -> Option<Served> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut()?)
        .read_line(&mut first)
        .ok()?;
    let addr = first
        .split("serving on ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(Served(child, addr))
}

fn rust_server(bin: &str, extra: &[&str]) -> Option<Served> {
    spawn(
        Command::new(bin)
            .args(["--serve", "--port", "0", "--max-connections", "5000"])
            .args(extra),
    )
}

/// The run with the median rate of three (the machine is shared).
fn median3(
    addr: SocketAddr,
    pid: Option<u32>,
    connections: usize,
    rounds: usize,
) -> Result<(LoadReport, u64, u64), String> {
    let mut runs = (0..3)
        .map(|_| measure(addr, pid, connections, rounds))
        .collect::<Result<Vec<_>, _>>()?;
    runs.sort_by(|a, b| a.0.per_second().total_cmp(&b.0.per_second()));
    Ok(runs.swap_remove(1))
}

/// Loads `addr`, sampling `pid`'s threads and memory meanwhile.
fn measure(
    addr: SocketAddr,
    pid: Option<u32>,
    connections: usize,
    rounds: usize,
) -> Result<(LoadReport, u64, u64), String> {
    let done = Arc::new(AtomicBool::new(false));
    let sampler = pid.map(|pid| {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let (mut threads, mut rss) = (0, 0);
            while !done.load(Ordering::SeqCst) {
                if let Some((t, r)) = threads_and_rss(pid) {
                    threads = threads.max(t);
                    rss = rss.max(r);
                }
                thread::sleep(Duration::from_millis(20));
            }
            (threads, rss)
        })
    });
    let report = load::run(addr, connections, rounds, BYTES, 1, Duration::from_secs(60))
        .map_err(|e| e.to_string());
    done.store(true, Ordering::SeqCst);
    let (threads, rss) = sampler
        .map(|s| s.join().unwrap_or((0, 0)))
        .unwrap_or((0, 0));
    Ok((report?, threads, rss))
}

fn row(
    name: &str,
    connections: usize,
    rounds: usize,
    result: Result<(LoadReport, u64, u64), String>,
) -> Option<f64> {
    match result {
        Ok((r, threads, rss)) => {
            assert_eq!(
                r.echoes,
                (connections * rounds) as u64,
                "{name}: every echo checked"
            );
            let (mem, thr) = if threads == 0 {
                ("-".into(), "-".into())
            } else {
                (format!("{:.1}", rss as f64 / 1024.0), threads.to_string())
            };
            println!(
                "{name:<30} {connections:>6} {:>10.0} {:>8} {:>8} {mem:>9} {thr:>8}",
                r.per_second(),
                r.p50.as_micros(),
                r.p99.as_micros(),
            );
            Some(r.per_second())
        }
        Err(e) => {
            println!("{name:<30} {connections:>6}  failed: {e}");
            None
        }
    }
}

fn main() {
    let (connections, rounds) = (100, 1000);
    println!(
        "echo servers, {connections} connections x {rounds} round trips of {BYTES} B (1,000 connections: x 100), release build"
    );
    println!(
        "{:<30} {:>6} {:>10} {:>8} {:>8} {:>9} {:>8}",
        "server", "conns", "req/s", "p50 us", "p99 us", "RSS MiB", "threads"
    );

    // The blocking server, in this process: one connection.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let shutdown = Shutdown::new();
    let stop = shutdown.clone();
    let blocking = thread::spawn(move || {
        threaded::run_blocking(listener, Limits::default(), Stats::new(), stop)
    });
    row(
        "blocking (1 connection)",
        1,
        10 * rounds,
        measure(addr, None, 1, 10 * rounds),
    );
    shutdown.trigger();
    let _ = blocking.join();

    let threaded_bin = env!("CARGO_BIN_EXE_tcp_echo_threaded");
    let epoll_bin = env!("CARGO_BIN_EXE_epoll_echo");
    let tokio_bin = env!("CARGO_BIN_EXE_tokio_echo");
    let servers: Vec<(&str, &str, Vec<&str>)> = vec![
        ("threaded (hilo per conn)", threaded_bin, vec![]),
        ("epoll_echo (1 thread)", epoll_bin, vec![]),
        (
            "tokio current-thread",
            tokio_bin,
            vec!["--runtime", "current"],
        ),
        ("tokio multi-thread", tokio_bin, vec!["--runtime", "multi"]),
    ];
    let mut rates = std::collections::BTreeMap::new();
    for (name, bin, extra) in &servers {
        if let Some(server) = rust_server(bin, extra) {
            rates.insert(
                *name,
                row(
                    name,
                    connections,
                    rounds,
                    median3(server.1, Some(server.0.id()), connections, rounds),
                ),
            );
        }
    }
    if let Some(addr) = hand_built_runtime() {
        let name = "examples-async hand-built";
        rates.insert(
            name,
            row(
                name,
                connections,
                rounds,
                median3(addr, None, connections, rounds),
            ),
        );
    }
    for (name, script) in [
        ("python asyncio", ASYNCIO),
        ("python ThreadingTCPServer", THREADING),
    ] {
        match spawn(Command::new("python3").args(["-c", script])) {
            Some(server) => {
                rates.insert(
                    name,
                    row(
                        name,
                        connections,
                        rounds,
                        median3(server.1, Some(server.0.id()), connections, rounds),
                    ),
                );
            }
            None => println!("{name:<30} (python3 not found)"),
        }
    }
    for (name, bin, extra) in &servers {
        if let Some(server) = rust_server(bin, extra) {
            row(
                name,
                1000,
                100,
                measure(server.1, Some(server.0.id()), 1000, 100),
            );
        }
    }
    let rate = |name: &str| rates.get(name).copied().flatten().unwrap_or(f64::NAN);
    println!();
    println!(
        "tokio current-thread / python asyncio here: {:.1}x (aim: 5x the reference 60,000/s = {:.1}x it)",
        rate("tokio current-thread") / rate("python asyncio"),
        rate("tokio current-thread") / 60_000.0
    );
    println!(
        "epoll_echo / tokio current-thread: {:.2} (aim: at least 0.8)",
        rate("epoll_echo (1 thread)") / rate("tokio current-thread")
    );
}
