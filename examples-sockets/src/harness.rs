//! Harness the examples call in one line: stop on Ctrl-C / SIGTERM, and
//! what Linux reports about a process (threads, memory) and about TCP
//! sockets (their states, from /proc/net/tcp).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use crate::server::Shutdown;

/// Triggers `shutdown` on the first SIGINT (Ctrl-C), SIGTERM or SIGHUP. Call it
/// before starting any thread: it blocks both signals in this thread (and
/// so in every thread started after), and one hilo waits for them with
/// `sigwait`, so no signal handler (and its async-signal-safety rules) is
/// needed.
#[cfg(unix)]
pub fn stop_on_signals(shutdown: Shutdown) -> std::io::Result<()> {
    use nix::sys::signal::{SigSet, Signal};
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGTERM);
    signals.add(Signal::SIGHUP); // the terminal closed, the ssh session dropped
    signals.thread_block().map_err(std::io::Error::from)?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if signals.wait().is_ok() {
                shutdown.trigger();
            }
        })?;
    Ok(())
}

/// Undoes [`stop_on_signals`]' blocking in a child that inherited it (a
/// signal mask survives fork and exec): a worker started by a coordinator
/// must still die on Ctrl-C and SIGTERM.
#[cfg(unix)]
pub fn unblock_stop_signals() {
    use nix::sys::signal::{SigSet, Signal};
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGTERM);
    signals.add(Signal::SIGHUP);
    // Unblocking what is not blocked is harmless; it cannot fail for these.
    let _ = signals.thread_unblock();
}

/// Completes on the first Ctrl-C (SIGINT) or SIGTERM: the `shutdown`
/// future of a tokio server in `--serve` mode.
#[cfg(unix)]
pub async fn ctrl_c_or_sigterm() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Threads and resident memory (KiB) of process `pid`, from
/// `/proc/<pid>/status` (None off Linux or if it is gone).
pub fn threads_and_rss(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    };
    Some((field("Threads:")?, field("VmRSS:")?))
}

/// One line of /proc/net/tcp: a socket's two ends and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpEntry {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: &'static str,
}

/// The IPv4 TCP sockets with `port` at either end, as the kernel lists them.
pub fn tcp_sockets(port: u16) -> std::io::Result<Vec<TcpEntry>> {
    let table = std::fs::read_to_string("/proc/net/tcp")?;
    Ok(table
        .lines()
        .skip(1)
        .filter_map(parse_tcp_line)
        .filter(|e| e.local.port() == port || e.remote.port() == port)
        .collect())
}

/// The sockets of a connection to server `port`, each named "server" or
/// "client" with its state, once every `(side, state)` in `want` shows
/// (the kernels finish a close a moment after our call returns), or after
/// two seconds with whatever shows then. Empty off Linux.
pub fn states_when(port: u16, want: &[(&str, &str)]) -> Vec<(&'static str, &'static str)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let now: Vec<(&'static str, &'static str)> = tcp_sockets(port)
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                (
                    if e.local.port() == port {
                        "server"
                    } else {
                        "client"
                    },
                    e.state,
                )
            })
            .collect();
        let all_there = want
            .iter()
            .all(|(side, state)| now.iter().any(|(s, st)| s == side && st == state));
        if all_there || std::time::Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn parse_tcp_line(line: &str) -> Option<TcpEntry> {
    let mut fields = line.split_whitespace().skip(1);
    let local = parse_addr(fields.next()?)?;
    let remote = parse_addr(fields.next()?)?;
    let state = match u8::from_str_radix(fields.next()?, 16).ok()? {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECV",
        4 => "FIN_WAIT1",
        5 => "FIN_WAIT2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        _ => "UNKNOWN",
    };
    Some(TcpEntry {
        local,
        remote,
        state,
    })
}

/// `0100007F:1F90` is 127.0.0.1:8080: the kernel prints the address as the
/// u32 it holds (network-order bytes read as a native number), the port as
/// a plain number.
fn parse_addr(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddr::V4(SocketAddrV4::new(
        Ipv4Addr::from(ip.to_ne_bytes()),
        port,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_proc_net_tcp_line() {
        let line = "   0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0";
        let entry = parse_tcp_line(line).unwrap();
        assert_eq!(entry.local, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(entry.remote, "127.0.0.1:50000".parse().unwrap());
        assert_eq!(entry.state, "ESTABLISHED");
    }

    #[test]
    fn reads_our_own_threads_and_memory() {
        if cfg!(target_os = "linux") {
            let (threads, rss) = threads_and_rss(std::process::id()).unwrap();
            assert!(threads >= 1 && rss > 0);
        }
    }
}

/// `listener.accept()` that gives up after `limit`: poll(2) waits for a
/// connection to be ready first, so a peer that never connects is an error
/// (TimedOut), not a hang.
#[cfg(unix)]
pub fn accept_within(
    listener: &std::net::TcpListener,
    limit: std::time::Duration,
) -> std::io::Result<std::net::TcpStream> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let timeout = PollTimeout::try_from(limit).unwrap_or(PollTimeout::MAX);
    let mut fds = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
    if poll(&mut fds, timeout).map_err(std::io::Error::from)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no connection within {limit:?}"),
        ));
    }
    Ok(listener.accept()?.0)
}

#[cfg(all(test, unix))]
mod accept_tests {
    use std::time::Duration;

    #[test]
    fn accept_within_gives_up_when_nobody_connects() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let err = super::accept_within(&listener, Duration::from_millis(50)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    }

    #[test]
    fn accept_within_returns_a_waiting_connection() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        assert!(super::accept_within(&listener, Duration::from_secs(30)).is_ok());
    }
}
