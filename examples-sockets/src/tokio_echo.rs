//! The echo server on tokio: a task per connection, the same bounds as the
//! others, and a graceful shutdown as mini-redis does it.
//!
//! Shutdown: when `shutdown` completes, stop accepting (drop the listener:
//! the kernel refuses new connections), tell every connection through a
//! `watch` channel, let each finish the line it is echoing (one waiting for
//! its next line closes at once), and give them all `grace`; whatever is
//! still running then (a write stuck on a client that does not read) is
//! aborted.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout};

use crate::framing::{FrameError, read_line_async};
use crate::server::{BUSY, Closed, Limits, Stats};

/// Serves until `shutdown` completes, then shuts down gracefully within
/// `grace`. Returns how many connections had to be cut at the deadline.
pub async fn run(
    listener: TcpListener,
    limits: Limits,
    stats: Arc<Stats>,
    shutdown: impl Future,
    grace: Duration,
) -> io::Result<usize> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors: wait a moment rather than spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                if !stats.try_open(limits.max_connections) {
                    let _ = stream.try_write(BUSY);
                    continue;
                }
                let slot = Slot { stats: Arc::clone(&stats), why: Closed::Done };
                let stop = stop_rx.clone();
                tasks.spawn(async move {
                    let mut slot = slot;
                    slot.why = echo_lines(stream, limits, &slot.stats, stop).await;
                });
            }
            // Reap finished tasks as we go, so the set holds only live ones.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let all_done = async { while tasks.join_next().await.is_some() {} };
    if timeout(grace, all_done).await.is_ok() {
        return Ok(0);
    }
    let cut = tasks.len();
    tasks.shutdown().await; // aborts them; each Slot's drop counts the close
    Ok(cut)
}

/// An open connection's place in the counts: released when its task ends,
/// even if aborted or panicking.
struct Slot {
    stats: Arc<Stats>,
    why: Closed,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.stats.close(self.why);
    }
}

async fn echo_lines(
    mut stream: TcpStream,
    limits: Limits,
    stats: &Stats,
    mut stop: watch::Receiver<bool>,
) -> Closed {
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.split();
    let mut reader = BufReader::with_capacity(16 * 1024, reader);
    let mut line = Vec::new();
    // One timer per connection, pushed back after each line: a whole line
    // must arrive (and then its echo leave) within `idle`; a slowloris gets
    // no more. (A new `timeout` per line would register a timer per line.)
    let idle = tokio::time::sleep(limits.idle);
    tokio::pin!(idle);
    loop {
        let read = tokio::select! {
            read = read_line_async(&mut reader, limits.max_line, &mut line) => read,
            _ = &mut idle => return Closed::Idle,
            _ = stop.wait_for(|stop| *stop) => return Closed::Done,
        };
        match read {
            Ok(0) => return Closed::Done,
            Ok(_) => {}
            Err(FrameError::LineTooLong { max }) => {
                let message = format!("ERR line over {max} bytes\n");
                let _ = timeout(limits.idle, writer.write_all(message.as_bytes())).await;
                return Closed::TooLong;
            }
            Err(_) => return Closed::Error,
        }
        idle.as_mut().reset(Instant::now() + limits.idle);
        tokio::select! {
            written = writer.write_all(&line) => if written.is_err() { return Closed::Error },
            _ = &mut idle => return Closed::Idle,
        }
        stats
            .lines
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}
