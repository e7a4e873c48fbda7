//! The load client every echo server is measured with: `connections`
//! clients, each doing `rounds` round trips of a `bytes`-byte line, every
//! echo compared byte for byte with what was sent.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;

/// What one load run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub connections: usize,
    pub rounds: usize,
    /// Echoes received and checked equal to what was sent.
    pub echoes: u64,
    /// From the first send to the last echo (connecting not counted).
    pub wall: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl LoadReport {
    pub fn per_second(&self) -> f64 {
        self.echoes as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("connection {conn}: cannot connect to {addr}: {source}")]
    Connect {
        conn: usize,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("connection {conn}, round {round}: {source}")]
    Io {
        conn: usize,
        round: usize,
        source: std::io::Error,
    },
    #[error("connection {conn}, round {round}: the echo differs from what was sent")]
    Mismatch { conn: usize, round: usize },
    #[error("a line needs at least 2 bytes (one and the newline), got {0}")]
    TooShort(usize),
    #[error("no echo within {0:?}")]
    Timeout(Duration),
}

/// The line connection `conn` sends in round `round`: `bytes` bytes, the
/// last one `\n`, different for every connection and round.
pub fn message(conn: usize, round: usize, bytes: usize) -> Vec<u8> {
    let tag = format!("{conn}.{round}.");
    let mut line: Vec<u8> = tag
        .bytes()
        .chain((0..).map(|i| b'a' + ((conn + round + i) % 26) as u8))
        .take(bytes - 1)
        .collect();
    line.push(b'\n');
    line
}

/// Runs the load against `addr` on a tokio runtime with `workers` threads
/// (1: the client takes one core, the server the other). Each read waits at
/// most `patience`.
pub fn run(
    addr: SocketAddr,
    connections: usize,
    rounds: usize,
    bytes: usize,
    workers: usize,
    patience: Duration,
) -> Result<LoadReport, LoadError> {
    if bytes < 2 {
        return Err(LoadError::TooShort(bytes));
    }
    let runtime = if workers <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    }
    .map_err(|source| LoadError::Connect {
        conn: 0,
        addr,
        source,
    })?;
    runtime.block_on(load(addr, connections, rounds, bytes, patience))
}

async fn load(
    addr: SocketAddr,
    connections: usize,
    rounds: usize,
    bytes: usize,
    patience: Duration,
) -> Result<LoadReport, LoadError> {
    // Everyone connects first, then all start sending together.
    let start = Arc::new(Barrier::new(connections + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for conn in 0..connections {
        let start = Arc::clone(&start);
        tasks.spawn(async move {
            let stream = TcpStream::connect(addr).await;
            start.wait().await;
            let mut stream = stream.map_err(|source| LoadError::Connect { conn, addr, source })?;
            let _ = stream.set_nodelay(true);
            let mut latencies = Vec::with_capacity(rounds);
            let mut echo = vec![0u8; bytes];
            for round in 0..rounds {
                let line = message(conn, round, bytes);
                let sent = Instant::now();
                let io = |source| LoadError::Io {
                    conn,
                    round,
                    source,
                };
                stream.write_all(&line).await.map_err(io)?;
                match tokio::time::timeout(patience, stream.read_exact(&mut echo)).await {
                    Err(_) => return Err(LoadError::Timeout(patience)),
                    Ok(Err(source)) => {
                        return Err(LoadError::Io {
                            conn,
                            round,
                            source,
                        });
                    }
                    Ok(Ok(_)) => {}
                }
                latencies.push(sent.elapsed());
                if echo != line {
                    return Err(LoadError::Mismatch { conn, round });
                }
            }
            Ok::<_, LoadError>(latencies)
        });
    }
    start.wait().await;
    let began = Instant::now();
    let mut all = Vec::with_capacity(connections * rounds);
    let mut first_error = None;
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(latencies)) => all.extend(latencies),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
                tasks.abort_all();
            }
            Err(_cancelled) => {}
        }
    }
    let wall = began.elapsed();
    if let Some(e) = first_error {
        return Err(e);
    }
    all.sort_unstable();
    let at = |q: f64| {
        all.get(((all.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok(LoadReport {
        connections,
        rounds,
        echoes: all.len() as u64,
        wall,
        p50: at(0.50),
        p99: at(0.99),
        max: at(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_the_size_and_differ() {
        let a = message(3, 7, 64);
        assert_eq!(a.len(), 64);
        assert_eq!(a.last(), Some(&b'\n'));
        assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 1);
        assert_ne!(a, message(3, 8, 64));
        assert_eq!(message(0, 0, 2), b"0\n");
    }
}
