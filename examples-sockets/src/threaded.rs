//! The echo server with blocking sockets: one connection at a time
//! ([`run_blocking`], the notes' first server) or a hilo per connection
//! ([`run`], as Python's `socketserver.ThreadingTCPServer`).
//!
//! Each connection is served by [`echo_lines`]: read a bounded line, write it
//! back. Bounds: a line over `max_line` closes the connection; a line must be
//! completed within `idle` of the previous one, so neither a silent client
//! nor one sending a byte at a time (slowloris) holds a hilo forever; a
//! write that makes no progress for `idle` (a client that never reads)
//! ends it too. A client that sends a lot and reads slowly is held back by
//! TCP itself: our `write_all` blocks, we stop reading, its sends block.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown as Both, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::framing::{FrameError, read_line};
use crate::server::{BUSY, Closed, Limits, Shutdown, Stats};

/// Serves `listener` with a hilo per connection (at most
/// `limits.max_connections`) until `shutdown` is triggered; then stops
/// accepting, shuts every connection down, and joins every hilo.
pub fn run(
    listener: TcpListener,
    limits: Limits,
    stats: Arc<Stats>,
    shutdown: Shutdown,
) -> io::Result<()> {
    let open = Open::new(&listener, &shutdown)?;
    let mut hilos: Vec<thread::JoinHandle<()>> = Vec::new();
    for (id, incoming) in listener.incoming().enumerate() {
        if shutdown.is_triggered() {
            break;
        }
        let Some(stream) = accepted(incoming) else {
            continue;
        };
        if !stats.try_open(limits.max_connections) {
            let _ = (&stream).write(BUSY); // a fresh socket's buffer is empty: never blocks
            continue;
        }
        open.add(id, &stream);
        let (stats2, open2) = (Arc::clone(&stats), open.clone());
        let spawned = thread::Builder::new()
            .name(format!("conn-{id}"))
            .stack_size(64 * 1024) // enough for this loop; the default 2 MiB is reserved, not used
            .spawn(move || {
                let why = echo_lines(&stream, &limits, &stats2);
                open2.remove(id);
                stats2.close(why);
            });
        match spawned {
            Ok(hilo) => hilos.push(hilo),
            Err(_) => {
                open.remove(id);
                stats.close(Closed::Error);
            }
        }
        // Join the hilos that ended, so the list stays as long as the open ones.
        let (done, running) = hilos.into_iter().partition(|h| h.is_finished());
        hilos = running;
        done.into_iter()
            .for_each(|h: thread::JoinHandle<()>| drop(h.join()));
    }
    open.close_all();
    for hilo in hilos {
        let _ = hilo.join();
    }
    Ok(())
}

/// Serves `listener` one connection at a time: the next client waits in the
/// kernel's accept queue until the current one is done (or dropped for
/// idling). `max_connections` plays no part: one is served, the rest queue.
pub fn run_blocking(
    listener: TcpListener,
    limits: Limits,
    stats: Arc<Stats>,
    shutdown: Shutdown,
) -> io::Result<()> {
    let open = Open::new(&listener, &shutdown)?;
    for incoming in listener.incoming() {
        if shutdown.is_triggered() {
            break;
        }
        let Some(stream) = accepted(incoming) else {
            continue;
        };
        stats.try_open(usize::MAX);
        open.add(0, &stream);
        let why = echo_lines(&stream, &limits, &stats);
        open.remove(0);
        stats.close(why);
    }
    Ok(())
}

fn accepted(incoming: io::Result<TcpStream>) -> Option<TcpStream> {
    match incoming {
        Ok(stream) => Some(stream),
        Err(_) => {
            // Out of file descriptors, or a connection reset before accept:
            // wait a moment rather than spin on the same error.
            thread::sleep(Duration::from_millis(10));
            None
        }
    }
}

/// Echoes lines on `stream` until the client closes or breaks a bound.
pub fn echo_lines(stream: &TcpStream, limits: &Limits, stats: &Stats) -> Closed {
    let _ = stream.set_nodelay(true); // an echo is small: send it now (no Nagle delay)
    if stream.set_write_timeout(Some(limits.idle)).is_err() {
        return Closed::Error;
    }
    let mut reader = BufReader::with_capacity(16 * 1024, DeadlineReader::new(stream, limits.idle));
    let mut writer = stream;
    let mut line = Vec::new();
    loop {
        match read_line(&mut reader, limits.max_line, &mut line) {
            Ok(0) => return Closed::Done,
            Ok(_) => {}
            Err(FrameError::LineTooLong { max }) => {
                let _ = writer.write_all(format!("ERR line over {max} bytes\n").as_bytes());
                return Closed::TooLong;
            }
            Err(FrameError::Io(e)) if timed_out(&e) => return Closed::Idle,
            Err(_) => return Closed::Error,
        }
        if let Err(e) = writer.write_all(&line) {
            return if timed_out(&e) {
                Closed::Idle
            } else {
                Closed::Error
            };
        }
        stats
            .lines
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        reader.get_mut().deadline = Instant::now() + limits.idle;
    }
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Reads with a deadline for the whole line, not for each read: a read
/// waits at most about until `deadline`, so a byte every second does not
/// keep the connection. The socket's timeout is changed only when it is
/// well over the time left (a setsockopt per read would cost a system call
/// per line), so a read may overshoot the deadline by up to a third of it.
struct DeadlineReader<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
    /// The read timeout set on the socket now.
    set: Option<Duration>,
}

impl<'a> DeadlineReader<'a> {
    fn new(stream: &'a TcpStream, idle: Duration) -> Self {
        DeadlineReader {
            stream,
            deadline: Instant::now() + idle,
            set: None,
        }
    }
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            if self.set.is_none_or(|set| left < set * 3 / 4) {
                self.stream.set_read_timeout(Some(left))?;
                self.set = Some(left);
            }
            match self.stream.read(buf) {
                // The timeout set earlier ran out, the deadline has not: again.
                Err(e) if timed_out(&e) => self.set = None,
                other => return other,
            }
        }
    }
}

/// The connections open now, so a stop can end their reads, and the waker
/// that ends a blocked `accept` (a connection to ourselves).
#[derive(Clone)]
struct Open(Arc<Mutex<HashMap<usize, TcpStream>>>);

impl Open {
    fn new(listener: &TcpListener, shutdown: &Shutdown) -> io::Result<Open> {
        let addr = listener.local_addr()?;
        let open = Open(Arc::default());
        let on_stop = open.clone();
        shutdown.on_trigger(move || {
            on_stop.close_all();
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        });
        Ok(open)
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<usize, TcpStream>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn add(&self, id: usize, stream: &TcpStream) {
        if let Ok(clone) = stream.try_clone() {
            self.map().insert(id, clone);
        }
    }

    fn remove(&self, id: usize) {
        self.map().remove(&id);
    }

    /// Shuts down every open connection, both ways: a hilo waiting to read
    /// gets end of stream, one stuck writing to a client that does not read
    /// gets an error at once instead of waiting out its write timeout.
    fn close_all(&self) {
        for stream in self.map().values() {
            let _ = stream.shutdown(Both::Both);
        }
    }
}
