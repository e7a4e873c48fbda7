//! The flags every echo server example shares, and `--serve` mode: bind
//! 127.0.0.1, print the port, serve until Ctrl-C or SIGTERM.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use shared::cli::range;
use shared::output::{results, say};

use crate::server::{Limits, Shutdown, Stats};

#[derive(clap::Args, Debug, Clone)]
pub struct ServerFlags {
    /// Only serve (no demo), on --port, until Ctrl-C or SIGTERM; try it with `nc 127.0.0.1 PORT`.
    #[arg(long)]
    pub serve: bool,
    /// Port for --serve (0: any free port; the one it got is printed).
    #[arg(long, default_value_t = 7007, value_name = "0..=65535", value_parser = range(0..=65535u16))]
    pub port: u16,
    /// Longest line in bytes, the newline included.
    #[arg(long, default_value_t = 8192, value_name = "2..=1048576", value_parser = range(2..=1_048_576usize))]
    pub max_line: usize,
    /// Most connections at once; one more is told "ERR busy" (the blocking server serves one, the rest queue).
    #[arg(long, default_value_t = 1024, value_name = "1..=100000", value_parser = range(1..=100_000usize))]
    pub max_connections: usize,
    /// Seconds a connection may go without completing a line.
    #[arg(long, default_value_t = 30, value_name = "1..=3600", value_parser = range(1..=3600u64))]
    pub idle_secs: u64,
}

impl ServerFlags {
    pub fn limits(&self) -> Limits {
        Limits {
            max_line: self.max_line,
            max_connections: self.max_connections,
            idle: Duration::from_secs(self.idle_secs),
        }
    }

    /// Binds 127.0.0.1:port (loopback only: these servers are lessons, not
    /// services) and says which port it got.
    pub fn bind(&self) -> anyhow::Result<TcpListener> {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", self.port))?;
        say(format!(
            "serving on {} (Ctrl-C to stop)",
            listener.local_addr()?
        ));
        Ok(listener)
    }

    /// With `serve`, [`bind`](Self::bind); else 127.0.0.1:0 for the demo.
    pub fn bind_or_any(&self, serve: bool) -> anyhow::Result<TcpListener> {
        if serve {
            self.bind()
        } else {
            Ok(TcpListener::bind("127.0.0.1:0")?)
        }
    }
}

/// `--serve` for a blocking server: stop on Ctrl-C / SIGTERM, then print
/// what it served.
pub fn serve_until_signal(
    flags: &ServerFlags,
    run: fn(TcpListener, Limits, Arc<Stats>, Shutdown) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let shutdown = Shutdown::new();
    crate::harness::stop_on_signals(shutdown.clone())?;
    let listener = flags.bind()?;
    let stats = Stats::new();
    run(listener, flags.limits(), Arc::clone(&stats), shutdown)?;
    say("stopped");
    print_served(&stats);
    Ok(())
}

pub fn print_served(stats: &Stats) {
    results(&[
        ("accepted", &Stats::get(&stats.accepted)),
        ("refused", &Stats::get(&stats.refused)),
        ("lines", &Stats::get(&stats.lines)),
        ("closed_idle", &Stats::get(&stats.closed_idle)),
        ("closed_too_long", &Stats::get(&stats.closed_too_long)),
    ]);
}
