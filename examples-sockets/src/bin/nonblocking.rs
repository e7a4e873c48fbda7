//! Blocking vs non-blocking: a non-blocking read that has nothing to read
//! returns WouldBlock at once; retrying it burns a core, asking the OS
//! (poll) sleeps until the socket is ready.
//!
//! Ports: notes 002 "Sockets como ejemplo" ("Los sockets son blockeantes por
//! defecto ... pueden operar en modo NO bloqueante ... que el sistema
//! operativo nos informe").
//! Python:
//!     sock.setblocking(False)
//!     try: sock.recv(1024)
//!     except BlockingIOError: ...                 # nothing yet
//!     select.select([sock], [], [], timeout)      # sleep until readable
//! Rust: `set_nonblocking(true)`; the error is `io::ErrorKind::WouldBlock`
//! (Python's BlockingIOError, EAGAIN underneath); `nix::poll::poll` is
//! poll(2), the sibling of the select(2) behind `select.select` (selectors
//! picks epoll on Linux: epoll_echo). The CPU each wait costs is this
//! thread's CPU clock, read before and after.
//!
//! Run: cargo run -p examples-sockets --bin nonblocking -- --delay-ms 200
#![forbid(unsafe_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use nix::poll::{PollFd, PollFlags, poll};
use shared::cli::range;
use shared::output::{heading, results, say};

#[derive(Parser)]
#[command(
    about = "WouldBlock, retrying, and poll: waiting for a socket",
    allow_negative_numbers = true
)]
struct Args {
    /// How long the peer waits before it writes, in ms.
    #[arg(long, default_value_t = 100, value_name = "1..=10000", value_parser = range(1..=10_000u64))]
    delay_ms: u64,
}

/// This thread's CPU time so far (not the process's: the peer thread sleeps).
fn thread_cpu() -> Duration {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// A connected pair: we read `ours`; a hilo writes "hola\n" to the other end
/// after `delay`.
fn pair_with_late_peer(delay: Duration) -> anyhow::Result<(TcpStream, thread::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let ours = TcpStream::connect(listener.local_addr()?)?;
    let (mut theirs, _) = listener.accept()?;
    let peer = thread::spawn(move || {
        thread::sleep(delay); // the far end is slow: that is the point
        let _ = theirs.write_all(b"hola\n");
    });
    Ok((ours, peer))
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let delay = Duration::from_millis(args.delay_ms);
    let mut buf = [0u8; 64];

    heading("non-blocking, retrying");
    let (mut sock, peer) = pair_with_late_peer(delay)?;
    sock.set_nonblocking(true)?;
    let first = sock.read(&mut buf);
    let would_block = matches!(&first, Err(e) if e.kind() == ErrorKind::WouldBlock);
    say(format!(
        "first read: {first:?} (nothing yet, and it returned at once)"
    ));
    let (cpu0, wall0) = (thread_cpu(), Instant::now());
    let mut tries = 0u64;
    let spin_got = loop {
        tries += 1;
        match sock.read(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue, // ask again, at once
            Err(e) => return Err(e.into()),
        }
    };
    let (spin_cpu, spin_wall) = (thread_cpu() - cpu0, wall0.elapsed());
    peer.join().expect("peer");
    say(format!(
        "{tries} reads until the {spin_got} bytes came: {:.0} ms of CPU in {:.0} ms (a core kept busy asking)",
        spin_cpu.as_secs_f64() * 1e3,
        spin_wall.as_secs_f64() * 1e3
    ));

    heading("non-blocking, with poll");
    let (mut sock, peer) = pair_with_late_peer(delay)?;
    sock.set_nonblocking(true)?;
    let (cpu0, wall0) = (thread_cpu(), Instant::now());
    let mut wakeups = 0u64;
    let poll_got = loop {
        match sock.read(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                // Tell the OS what we wait for; sleep until it is so (or 10 s).
                let mut fds = [PollFd::new(sock.as_fd(), PollFlags::POLLIN)];
                poll(&mut fds, 10_000u16)?;
                wakeups += 1;
            }
            Err(e) => return Err(e.into()),
        }
    };
    let (poll_cpu, poll_wall) = (thread_cpu() - cpu0, wall0.elapsed());
    peer.join().expect("peer");
    say(format!(
        "poll returned {wakeups} time(s), then the read got {poll_got} bytes: {:.2} ms of CPU in {:.0} ms",
        poll_cpu.as_secs_f64() * 1e3,
        poll_wall.as_secs_f64() * 1e3
    ));
    say(
        "the same wait: retrying spent the CPU, poll slept in the kernel until the bytes arrived (that is what asyncio's loop does for every socket at once)",
    );
    results(&[
        ("would_block", &would_block),
        ("spin_tries", &tries),
        (
            "spin_cpu_ms",
            &format!("{:.1}", spin_cpu.as_secs_f64() * 1e3),
        ),
        ("poll_wakeups", &wakeups),
        (
            "poll_cpu_ms",
            &format!("{:.2}", poll_cpu.as_secs_f64() * 1e3),
        ),
        ("bytes", &(spin_got + poll_got)),
    ]);
    Ok(())
}
