//! The echo server on one thread with epoll, by hand (Linux only).
//!
//! Every socket is non-blocking and registered with an epoll instance with
//! the events we want to hear about: EPOLLIN (bytes to read, or a client's
//! close) and, only while a client has echoes we could not send yet,
//! EPOLLOUT (room in its send buffer). `epoll_wait` sleeps until one of them
//! is ready; then we do what cannot block and go back to waiting. Level
//! triggered: a socket with bytes left is reported again, so each gets one
//! read per turn and nobody starves the others.
//!
//! Partial writes: `write` on a non-blocking socket sends what fits in the
//! kernel buffer and returns. The rest waits in the connection's output
//! buffer; once that holds more than [`OUT_HIGH`] bytes we stop reading that
//! client (drop EPOLLIN) until it reads its echoes: a client that sends
//! megabytes and reads slowly costs us at most OUT_HIGH + one read.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
use nix::sys::eventfd::{EfdFlags, EventFd};

use crate::framing::{FrameError, LineSplitter};
use crate::server::{BUSY, Closed, Limits, Shutdown, Stats};

/// Stop reading a client whose unsent echoes pass this many bytes.
pub const OUT_HIGH: usize = 64 * 1024;
const READ_CHUNK: usize = 16 * 1024;
const LISTENER: u64 = u64::MAX;
const WAKE: u64 = u64::MAX - 1;

struct Conn {
    stream: TcpStream,
    lines: LineSplitter,
    out: Vec<u8>,
    sent: usize,
    /// Closed for idling if no line completes and no echo moves until then.
    deadline: Instant,
    interest: EpollFlags,
    /// The client closed its side (or broke a bound): no more reading;
    /// the connection ends once `out` is sent.
    ending: Option<Closed>,
}

/// Serves `listener` on this thread until `shutdown` is triggered, then
/// closes every connection and returns.
pub fn run(
    listener: TcpListener,
    limits: Limits,
    stats: Arc<Stats>,
    shutdown: Shutdown,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
    epoll.add(&listener, EpollEvent::new(EpollFlags::EPOLLIN, LISTENER))?;
    // An eventfd: the other threads' way to wake this one out of epoll_wait.
    let wake = Arc::new(EventFd::from_value_and_flags(
        0,
        EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_CLOEXEC,
    )?);
    epoll.add(wake.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, WAKE))?;
    let waker = Arc::clone(&wake);
    shutdown.on_trigger(move || {
        let _ = waker.write(1);
    });

    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut events = vec![EpollEvent::empty(); 256];
    let mut scratch = vec![0u8; READ_CHUNK];
    let sweep_every = (limits.idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let mut next_sweep = Instant::now() + sweep_every;
    let mut accept_paused = false;
    while !shutdown.is_triggered() {
        // Sleep until a socket is ready or the next idle sweep is due
        // (rounded up: a 0 ms timeout would spin through the last millisecond).
        let wait = next_sweep.saturating_duration_since(Instant::now());
        let wait_ms = u16::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(u16::MAX);
        let ready = match epoll.wait(&mut events, wait_ms) {
            Ok(n) => n,
            Err(Errno::EINTR) => 0,
            Err(e) => return Err(e.into()),
        };
        for event in &events[..ready] {
            match event.data() {
                LISTENER => {
                    if !accept_all(&listener, &epoll, &mut conns, &limits, &stats) {
                        // Out of file descriptors: the listener would be ready at
                        // every wait (a busy loop). Stop listening until the sweep.
                        epoll.delete(&listener)?;
                        accept_paused = true;
                    }
                }
                WAKE => {}
                token => {
                    let slot = &mut conns[token as usize];
                    if let Some(conn) = slot
                        && let Some(why) = serve(conn, token, &epoll, &mut scratch, &limits, &stats)
                    {
                        let _ = epoll.delete(&conn.stream);
                        stats.close(why);
                        *slot = None;
                    }
                }
            }
        }
        let now = Instant::now();
        if now >= next_sweep {
            for slot in conns.iter_mut() {
                if slot.as_ref().is_some_and(|c| c.deadline <= now) {
                    let conn = slot.take().expect("checked");
                    let _ = epoll.delete(&conn.stream);
                    stats.close(Closed::Idle);
                }
            }
            if accept_paused {
                epoll.add(&listener, EpollEvent::new(EpollFlags::EPOLLIN, LISTENER))?;
                accept_paused = false;
            }
            next_sweep = now + sweep_every;
        }
    }
    for conn in conns.into_iter().flatten() {
        let _ = epoll.delete(&conn.stream);
        stats.close(Closed::Done);
    }
    Ok(())
}

/// Accepts every waiting connection. False when out of file descriptors.
fn accept_all(
    listener: &TcpListener,
    epoll: &Epoll,
    conns: &mut Vec<Option<Conn>>,
    limits: &Limits,
    stats: &Stats,
) -> bool {
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(nix::libc::EMFILE | nix::libc::ENFILE)
                ) =>
            {
                return false;
            }
            Err(_) => continue, // reset before we accepted it: next
        };
        if !stats.try_open(limits.max_connections) {
            let _ = (&stream).write(BUSY);
            continue;
        }
        if stream.set_nonblocking(true).is_err() {
            stats.close(Closed::Error);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let token = match conns.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                conns.push(None);
                conns.len() - 1
            }
        };
        let interest = EpollFlags::EPOLLIN;
        if epoll
            .add(&stream, EpollEvent::new(interest, token as u64))
            .is_err()
        {
            stats.close(Closed::Error);
            continue;
        }
        conns[token] = Some(Conn {
            stream,
            lines: LineSplitter::new(limits.max_line),
            out: Vec::new(),
            sent: 0,
            deadline: Instant::now() + limits.idle,
            interest,
            ending: None,
        });
    }
}

/// One readiness event for `conn`: read once, write what fits, update the
/// interest. Returns why the connection ends, if it does.
fn serve(
    conn: &mut Conn,
    token: u64,
    epoll: &Epoll,
    scratch: &mut [u8],
    limits: &Limits,
    stats: &Stats,
) -> Option<Closed> {
    if conn.interest.contains(EpollFlags::EPOLLIN) {
        match conn.stream.read(scratch) {
            Ok(0) => {
                // The client closed its side: echo an unfinished last line too.
                let tail = conn.lines.take_tail();
                if !tail.is_empty() {
                    stats
                        .lines
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                conn.out.extend_from_slice(&tail);
                conn.ending = Some(Closed::Done);
            }
            Ok(n) => match conn.lines.push(&scratch[..n], &mut conn.out) {
                Ok(0) => {}
                Ok(lines) => {
                    stats
                        .lines
                        .fetch_add(lines as u64, std::sync::atomic::Ordering::Relaxed);
                    conn.deadline = Instant::now() + limits.idle;
                }
                Err(FrameError::LineTooLong { max }) => {
                    conn.out
                        .extend_from_slice(format!("ERR line over {max} bytes\n").as_bytes());
                    conn.ending = Some(Closed::TooLong);
                }
                Err(_) => return Some(Closed::Error),
            },
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
            Err(_) => return Some(Closed::Error),
        }
    }
    // Send what the kernel takes now; keep the rest for the next EPOLLOUT.
    while conn.sent < conn.out.len() {
        match conn.stream.write(&conn.out[conn.sent..]) {
            Ok(n) => {
                if conn.sent + n < conn.out.len() {
                    stats
                        .short_writes
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                conn.sent += n;
                conn.deadline = Instant::now() + limits.idle;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Some(Closed::Error),
        }
    }
    // Drop what was sent, so the buffer holds only unsent bytes (bounded below).
    conn.out.drain(..conn.sent);
    conn.sent = 0;
    if conn.out.is_empty()
        && let Some(why) = conn.ending
    {
        return Some(why);
    }
    let unsent = conn.out.len();
    let mut want = EpollFlags::empty();
    if conn.ending.is_none() && unsent < OUT_HIGH {
        want |= EpollFlags::EPOLLIN;
    }
    if unsent > 0 {
        want |= EpollFlags::EPOLLOUT;
    }
    if want != conn.interest {
        // modify replaces the whole event: the token goes in again.
        let mut event = EpollEvent::new(want, token);
        if epoll.modify(&conn.stream, &mut event).is_err() {
            return Some(Closed::Error);
        }
        conn.interest = want;
    }
    None
}
