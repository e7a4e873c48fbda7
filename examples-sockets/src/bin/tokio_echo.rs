//! The same echo server on tokio, with a graceful shutdown: stop accepting,
//! let connections finish, cut what is left at a deadline (as mini-redis).
//!
//! Ports: notes 002 "Sockets como ejemplo" (asyncio on the OS's event
//! notification), the notes' asyncio server.
//! Python:
//!     async def echo(reader, writer):
//!         while line := await reader.readline(): writer.write(line); await writer.drain()
//!     server = await asyncio.start_server(echo, "127.0.0.1", 7007)
//!     async with server: await server.serve_forever()
//! Rust: `TcpListener::accept().await` and a task per connection
//! (examples_sockets::tokio_echo::run, beside this file). tokio's reactor
//! is epoll on Linux, as in epoll_echo, hidden behind `.await`. asyncio's
//! `readline` has a 64 KiB limit by default; ours is --max-line, and the
//! idle bound is a `timeout_at` around each line. Shutdown: a `watch`
//! channel tells every task; a `JoinSet` waits for them up to --grace-ms.
//!
//! Run: cargo run -p examples-sockets --bin tokio_echo
//!      cargo run -p examples-sockets --bin tokio_echo -- --serve --port 7007 --runtime current
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::ensure;
use clap::{Parser, ValueEnum};
use examples_sockets::cli::{ServerFlags, print_served};
use examples_sockets::harness::ctrl_c_or_sigterm;
use examples_sockets::{Stats, tokio_echo};
use shared::cli::range;
use shared::output::{heading, results, say};

#[derive(Clone, Copy, ValueEnum)]
enum Runtime {
    /// Everything on one thread, as asyncio.
    Current,
    /// A worker thread per core, tasks moved between them.
    Multi,
}

#[derive(Parser)]
#[command(
    about = "An echo server on tokio with a graceful shutdown",
    allow_negative_numbers = true
)]
struct Args {
    #[command(flatten)]
    server: ServerFlags,
    /// tokio's scheduler.
    #[arg(long, value_enum, default_value = "current")]
    runtime: Runtime,
    /// Clients connected at once in the demo.
    #[arg(long, default_value_t = 200, value_name = "1..=5000", value_parser = range(1..=5000usize))]
    clients: usize,
    /// How long connections get to finish after the stop, in ms.
    #[arg(long, default_value_t = 1000, value_name = "0..=60000", value_parser = range(0..=60_000u64))]
    grace_ms: u64,
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let runtime = match args.runtime {
        Runtime::Current => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        Runtime::Multi => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?,
    };
    // The demo holds --clients open plus one that floods: past the limit the
    // server answers "ERR busy" and the demo would read that, not its echo.
    ensure!(
        args.server.serve || args.clients < args.server.max_connections,
        "--clients {} needs --max-connections of at least {} (one more for the flooding client)",
        args.clients,
        args.clients + 1
    );
    let listener = args.server.bind_or_any(args.server.serve)?;
    listener.set_nonblocking(true)?; // tokio needs it so
    let addr = listener.local_addr()?;
    let stats = Stats::new();
    let grace = Duration::from_millis(args.grace_ms);
    let limits = args.server.limits();
    if args.server.serve {
        let cut = runtime.block_on(async {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            tokio_echo::run(listener, limits, stats.clone(), ctrl_c_or_sigterm(), grace).await
        })?;
        say(format!("stopped; {cut} connections cut at the deadline"));
        print_served(&stats);
        return Ok(());
    }
    // The demo: the server on the runtime in a hilo, the clients plain std
    // sockets on main; a oneshot stands in for Ctrl-C.
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = {
        let stats = stats.clone();
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                tokio_echo::run(listener, limits, stats, stop_rx, grace).await
            })
        })
    };
    heading(&format!("{} clients on tokio, at {addr}", args.clients));
    let mut clients = Vec::new();
    for i in 0..args.clients {
        let mut stream = TcpStream::connect(addr)?;
        stream.write_all(format!("hola {i}\n").as_bytes())?;
        clients.push(BufReader::new(stream));
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let mut echo = String::new();
        client.read_line(&mut echo)?;
        ensure!(echo == format!("hola {i}\n"), "client {i} got {echo:?}");
    }
    let peak = stats.peak.load(Ordering::SeqCst);
    say(format!(
        "{} clients echoed, {peak} connections open at the peak",
        args.clients
    ));

    heading("graceful shutdown");
    // One client that floods and never reads: its echo write cannot finish.
    let mut stuck = TcpStream::connect(addr)?;
    stuck.set_write_timeout(Some(Duration::from_millis(300)))?;
    let line: Vec<u8> = [b'x'; 99].iter().copied().chain([b'\n']).collect();
    while stuck.write_all(&line).is_ok() {}
    let _ = stop_tx.send(());
    say(format!(
        "stop sent: no new connections; open ones finish their line; {} ms of grace",
        args.grace_ms
    ));
    let cut = server.join().expect("server hilo")?;
    let refused_after = refused(addr);
    let closed_politely = clients
        .iter_mut()
        .all(|c| matches!(c.read_line(&mut String::new()), Ok(0)));
    say(format!(
        "{} idle clients closed at once, {cut} cut at the deadline (the one that never read); a new connect is {}",
        clients.len(),
        if refused_after {
            "refused"
        } else {
            "accepted (?)"
        }
    ));
    results(&[
        ("clients", &args.clients),
        ("peak_connections", &peak),
        ("closed_politely", &closed_politely),
        ("cut_at_deadline", &cut),
        ("refused_after_stop", &refused_after),
        ("open_after_stop", &stats.active.load(Ordering::SeqCst)),
    ]);
    Ok(())
}

fn refused(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err()
}
