//! One thread, many clients: the echo server on epoll, written by hand, the
//! OS's event notification that asyncio's loop sits on.
//!
//! Ports: notes 002 "Sockets como ejemplo" (non-blocking sockets; the OS
//! tells us when they are ready: "sistemas de notificación de eventos").
//! Python:
//!     sel = selectors.DefaultSelector()          # epoll on Linux
//!     sel.register(listener, selectors.EVENT_READ)
//!     for key, mask in sel.select(): ...         # accept, or recv + send
//! Rust: `nix::sys::epoll` (a safe wrapper: no unsafe here) in
//! examples_sockets::epoll::run, read it beside this file. What selectors
//! examples skip and this does: `send` on a non-blocking socket may take only
//! part of the data; the rest waits in the connection's output buffer with
//! EPOLLOUT interest, and reading from that client pauses while the buffer
//! is full, so a client that floods and reads slowly gets every byte, in
//! order, and nobody else waits for it. (The notes say a non-blocking write
//! is done "y olvidarnos de ella": not quite; forget the unsent rest and it
//! is lost.)
//!
//! Run: cargo run -p examples-sockets --bin epoll_echo
//!      cargo run -p examples-sockets --bin epoll_echo -- --serve --port 7007
#![forbid(unsafe_code)]

#[cfg(not(target_os = "linux"))]
fn main() -> anyhow::Result<()> {
    anyhow::bail!(
        "epoll_echo is Linux only: epoll is a Linux system call (macOS and BSD have kqueue)"
    )
}

#[cfg(target_os = "linux")]
fn main() -> anyhow::Result<()> {
    linux::main()
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::Ordering;
    use std::thread;
    use std::time::{Duration, Instant};

    use anyhow::{Context, ensure};
    use clap::Parser;
    use examples_sockets::cli::{ServerFlags, serve_until_signal};
    use examples_sockets::harness::threads_and_rss;
    use examples_sockets::{Shutdown, Stats, epoll};
    use shared::cli::range;
    use shared::output::{heading, results, say};

    #[derive(Parser)]
    #[command(
        about = "An echo server on one thread with epoll, by hand",
        allow_negative_numbers = true
    )]
    struct Args {
        #[command(flatten)]
        server: ServerFlags,
        /// Clients connected at once in the demo.
        #[arg(long, default_value_t = 200, value_name = "1..=5000", value_parser = range(1..=5000usize))]
        clients: usize,
        /// Megabytes the flooding client sends before it reads anything.
        #[arg(long, default_value_t = 8, value_name = "0..=256", value_parser = range(0..=256usize))]
        flood_mb: usize,
    }

    /// Longest a demo client waits for its echo before giving up.
    const READ_LIMIT: Duration = Duration::from_secs(30);

    /// All clients on this one thread too: connect all, send all, read all.
    fn many_clients(addr: SocketAddr, n: usize) -> anyhow::Result<Vec<TcpStream>> {
        let mut clients = Vec::with_capacity(n);
        for i in 0..n {
            let mut stream = TcpStream::connect(addr)?;
            stream.set_read_timeout(Some(READ_LIMIT))?; // a stuck server: an error, not a hang
            stream.write_all(format!("hola {i}\n").as_bytes())?;
            clients.push(stream);
        }
        for (i, stream) in clients.iter_mut().enumerate() {
            let want = format!("hola {i}\n");
            let mut echo = vec![0; want.len()];
            stream
                .read_exact(&mut echo)
                .with_context(|| format!("client {i}: no echo within {READ_LIMIT:?}"))?;
            ensure!(
                echo == want.as_bytes(),
                "client {i} got {:?}",
                String::from_utf8_lossy(&echo)
            );
        }
        Ok(clients)
    }

    /// Sends `mb` megabytes of 1,000-byte lines from a hilo, and reads the
    /// echoes only after a pause: the server's writes to it come up short.
    fn flood(addr: SocketAddr, mb: usize) -> anyhow::Result<usize> {
        let stream = TcpStream::connect(addr)?;
        // A small receive buffer (no autotuning): our echoes pile up on the
        // server's side, as with a slow reader far away.
        nix::sys::socket::setsockopt(&stream, nix::sys::socket::sockopt::RcvBuf, &(64 * 1024))?;
        let mut writer = stream.try_clone()?;
        let line: Vec<u8> = (0..999)
            .map(|i| b'a' + (i % 26) as u8)
            .chain([b'\n'])
            .collect();
        let sending =
            thread::spawn(move || (0..mb * 1000).try_for_each(|_| writer.write_all(&line)));
        thread::sleep(Duration::from_millis(300)); // a slow reader: not reading yet
        stream.set_read_timeout(Some(READ_LIMIT))?; // a stuck server: an error, not a hang
        let (mut reader, mut back, mut buf) = (stream, 0, vec![0u8; 64 * 1024]);
        while back < mb * 1_000_000 {
            let n = reader.read(&mut buf).with_context(|| {
                format!("flood: nothing back within {READ_LIMIT:?} after {back} bytes")
            })?;
            ensure!(n > 0, "closed after {back} bytes");
            ensure!(
                buf[..n].iter().enumerate().all(|(i, &b)| {
                    let at = (back + i) % 1000;
                    b == if at == 999 {
                        b'\n'
                    } else {
                        b'a' + (at % 26) as u8
                    }
                }),
                "bytes out of order near {back}"
            );
            back += n;
        }
        sending.join().expect("sender")?;
        Ok(back)
    }

    pub fn main() -> anyhow::Result<()> {
        shared::output::start();
        let args = Args::parse();
        if args.server.serve {
            return serve_until_signal(&args.server, epoll::run);
        }
        // Past the limit the server answers "ERR busy" and closes: the demo's
        // clients would read a reset, not their echo.
        ensure!(
            args.clients <= args.server.max_connections,
            "--clients {} is over --max-connections {}: raise --max-connections",
            args.clients,
            args.server.max_connections
        );
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (stats, shutdown) = (Stats::new(), Shutdown::new());
        let server = {
            let (stats, shutdown) = (stats.clone(), shutdown.clone());
            thread::Builder::new()
                .name("epoll".into())
                .spawn(move || epoll::run(listener, args.server.limits(), stats, shutdown))?
        };
        heading(&format!(
            "one epoll thread serving {} clients on {addr}",
            args.clients
        ));
        let clients = many_clients(addr, args.clients)?;
        let (threads, rss) = threads_and_rss(std::process::id()).unwrap_or((0, 0));
        say(format!(
            "{} clients connected and echoed; this process has {threads} threads (main, which ran the clients, and the epoll one), {rss} KiB resident",
            clients.len()
        ));
        drop(clients);
        heading(&format!(
            "a client sends {} MB before reading a byte",
            args.flood_mb
        ));
        let started = Instant::now();
        let back = flood(addr, args.flood_mb)?;
        let short = Stats::get(&stats.short_writes);
        say(format!(
            "{back} bytes came back in order in {:.0} ms; {short} writes to it were short (the kernel took part, the rest waited for EPOLLOUT)",
            started.elapsed().as_secs_f64() * 1e3
        ));
        shutdown.trigger();
        server.join().expect("epoll hilo")?;
        say(
            "one thread did it all: it slept in epoll_wait until a socket was ready, never blocked on one client",
        );
        results(&[
            ("clients", &args.clients),
            ("process_threads", &threads),
            ("peak_connections", &stats.peak.load(Ordering::SeqCst)),
            ("flood_bytes_back", &back),
            ("short_writes", &short),
            ("lines", &Stats::get(&stats.lines)),
        ]);
        Ok(())
    }
}
