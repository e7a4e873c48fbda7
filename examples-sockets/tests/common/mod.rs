//! The bad clients of issue 9, written once and run against every echo
//! server (each server's test file starts it with `start(limits)` and calls
//! `bad_client_tests!`). Loopback only; every wait has a deadline; each test
//! checks that a well-behaved client is answered while the bad one is at it
//! (the blocking server answers it after, and its file says so).
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown as Half, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use examples_sockets::{Limits, Stats};

/// A server running for one test; dropping it stops it and joins its threads.
pub struct Server {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    pub stop: Option<Box<dyn FnOnce()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

/// Small bounds, so each bad client meets them quickly.
pub fn limits() -> Limits {
    Limits {
        max_line: 1024,
        max_connections: 512,
        idle: Duration::from_secs(5),
    }
}

/// The bounds for the tests that wait for the idle bound to act.
pub fn short_idle() -> Limits {
    Limits {
        idle: Duration::from_millis(1000),
        ..limits()
    }
}

const PATIENCE: Duration = Duration::from_secs(10);

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, PATIENCE).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// A client that does things right: a line out, the same line back.
pub fn good_client(addr: SocketAddr, tag: &str) {
    let mut stream = connect(addr);
    let line = format!("hola {tag}\n");
    stream.write_all(line.as_bytes()).unwrap();
    let mut echo = vec![0; line.len()];
    stream
        .read_exact(&mut echo)
        .expect("the good client gets its echo");
    assert_eq!(echo, line.as_bytes());
}

/// Reads until the server closes the connection (end of stream or reset);
/// returns what arrived. Fails if it stays open past `within`.
pub fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "still open after {within:?}");
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return got,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("still open after {within:?}: {e}"),
        }
    }
}

/// Waits (at most PATIENCE) until `counter` reaches `at_least`: a server
/// may count a close just after the client sees it.
pub fn counted(server: &Server, counter: impl Fn(&Stats) -> u64, at_least: u64) {
    let deadline = Instant::now() + PATIENCE;
    while counter(&server.stats) < at_least {
        assert!(
            Instant::now() < deadline,
            "never counted: {:?}",
            server.stats
        );
        thread::sleep(Duration::from_millis(5)); // sleep-ok: poll interval under a deadline
    }
}

/// Waits until no connection is open on the server: nothing leaked.
pub fn all_closed(server: &Server) {
    let deadline = Instant::now() + PATIENCE;
    while server.stats.active.load(Ordering::SeqCst) != 0 {
        assert!(
            Instant::now() < deadline,
            "connections left open: {:?}",
            server.stats
        );
        thread::sleep(Duration::from_millis(5)); // sleep-ok: poll interval under a deadline
    }
}

pub fn garbage_bytes(server: &Server) {
    let mut stream = connect(server.addr);
    let garbage = b"\0\0\xff\xfe\x80 not utf-8 \xc3\x28\0\n";
    stream.write_all(garbage).unwrap();
    let mut echo = vec![0; garbage.len()];
    stream.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, garbage, "bytes come back exactly as sent");
    good_client(server.addr, "after garbage");
    drop(stream);
    all_closed(server);
}

pub fn over_long_line(server: &Server) {
    let mut stream = connect(server.addr);
    stream.write_all(b"short\n").unwrap();
    // Far over the limit, no newline; the server may close while we write.
    let _ = stream.write_all(&vec![b'x'; 64 * 1024]);
    good_client(server.addr, "during an over-long line");
    let got = read_until_closed(&mut stream, PATIENCE);
    assert!(
        got.starts_with(b"short\n") || got.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    counted(server, |s| Stats::get(&s.closed_too_long), 1);
    all_closed(server);
}

pub fn silent_connection(server: &Server, answered_meanwhile: bool) {
    let mut silent = connect(server.addr);
    if answered_meanwhile {
        good_client(server.addr, "beside a silent one");
    }
    read_until_closed(&mut silent, short_idle().idle + PATIENCE);
    counted(server, |s| Stats::get(&s.closed_idle), 1);
    if !answered_meanwhile {
        good_client(server.addr, "after a silent one");
    }
    all_closed(server);
}

/// One byte every 20 ms, never a newline: the line deadline (idle) ends it,
/// however often bytes arrive.
pub fn slowloris(server: &Server, answered_meanwhile: bool) {
    let stream = connect(server.addr);
    let mut writer = stream.try_clone().unwrap();
    let started = Instant::now();
    let dripping = thread::spawn(move || {
        while started.elapsed() < PATIENCE {
            if writer.write_all(b"z").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(20)); // sleep-ok: the slowloris's pace
        }
    });
    if answered_meanwhile {
        good_client(server.addr, "beside a slowloris");
    }
    let mut reader = stream;
    // The drip goes on for PATIENCE (10 s): a server that only timed each
    // read would keep it that long. The line deadline (1 s) ends it well before.
    read_until_closed(&mut reader, PATIENCE / 2);
    counted(server, |s| Stats::get(&s.closed_idle), 1);
    let _ = reader.shutdown(Half::Both);
    dripping.join().unwrap();
    if !answered_meanwhile {
        good_client(server.addr, "after a slowloris");
    }
    all_closed(server);
}

pub fn half_close(server: &Server) {
    let mut stream = connect(server.addr);
    stream.write_all(b"one\ntwo").unwrap();
    stream.shutdown(Half::Write).unwrap();
    good_client(server.addr, "beside a half-close");
    let got = read_until_closed(&mut stream, PATIENCE);
    assert_eq!(
        got, b"one\ntwo",
        "every byte comes back, then the server closes too"
    );
    all_closed(server);
}

pub fn disconnect_mid_message(server: &Server) {
    let mut stream = connect(server.addr);
    stream.write_all(b"half a li").unwrap();
    drop(stream);
    // The same with a reset: SO_LINGER 0 makes close() send RST, not FIN.
    let mut reset = connect(server.addr);
    reset.write_all(b"ok\nhalf a li").unwrap();
    let linger = nix::libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    nix::sys::socket::setsockopt(&reset.as_fd(), nix::sys::socket::sockopt::Linger, &linger)
        .unwrap();
    drop(reset);
    good_client(server.addr, "after two disconnects");
    all_closed(server);
}

/// `n` connections open at once, each with a line out and its echo back.
pub fn hundreds_at_once(server: &Server, n: usize) {
    // Each sends its line as soon as it is connected (the idle bound runs
    // from the accept, and a burst of connects can take a second or more).
    let mut clients: Vec<TcpStream> = (0..n)
        .map(|i| {
            let mut client = connect(server.addr);
            client
                .write_all(format!("client {i}\n").as_bytes())
                .unwrap();
            client
        })
        .collect();
    good_client(server.addr, "beside hundreds");
    for (i, client) in clients.iter_mut().enumerate() {
        let line = format!("client {i}\n");
        let mut echo = vec![0; line.len()];
        let read = client.read_exact(&mut echo);
        assert!(read.is_ok(), "client {i}: {read:?} {:?}", server.stats);
        assert_eq!(echo, line.as_bytes());
    }
    assert!(
        server.stats.peak.load(Ordering::SeqCst) >= n,
        "{:?}",
        server.stats
    );
    drop(clients);
    all_closed(server);
}

/// Over `max_connections`: the extra ones are told `ERR busy` and closed;
/// once the others leave, a new client is served.
pub fn over_the_connection_limit(server: &Server, max: usize, extra: usize) {
    let mut kept: Vec<TcpStream> = (0..max).map(|_| connect(server.addr)).collect();
    for client in kept.iter_mut() {
        client.write_all(b"in\n").unwrap();
        let mut echo = [0; 3];
        client.read_exact(&mut echo).unwrap();
    }
    for _ in 0..extra {
        let mut turned_away = connect(server.addr);
        let got = read_until_closed(&mut turned_away, PATIENCE);
        assert_eq!(got, b"ERR busy\n");
    }
    assert_eq!(
        Stats::get(&server.stats.refused),
        extra as u64,
        "{:?}",
        server.stats
    );
    drop(kept);
    all_closed(server);
    good_client(server.addr, "once there is room");
    all_closed(server);
}

/// Sends `megabytes` of lines as fast as it can while reading the echoes
/// slowly; gets every byte back, in order.
pub fn megabytes_reading_slowly(server: &Server, megabytes: usize, answered_meanwhile: bool) {
    let stream = connect(server.addr);
    let mut writer = stream.try_clone().unwrap();
    let line: Vec<u8> = (0..999)
        .map(|i| b'a' + (i % 26) as u8)
        .chain([b'\n'])
        .collect();
    let lines = megabytes * 1000;
    let sending = thread::spawn(move || {
        for _ in 0..lines {
            writer.write_all(&line).unwrap();
        }
    });
    thread::sleep(Duration::from_millis(200)); // sleep-ok: let the buffers fill, as a slow reader would
    if answered_meanwhile {
        good_client(server.addr, "beside a flood");
    }
    let mut reader = stream;
    let mut buf = vec![0u8; 16 * 1024];
    let (mut got, mut at) = (0usize, 0usize);
    while got < lines * 1000 {
        let n = reader.read(&mut buf).expect("the echo keeps coming");
        assert!(n > 0, "closed after {got} bytes");
        for &b in &buf[..n] {
            let want = if at == 999 {
                b'\n'
            } else {
                b'a' + (at % 26) as u8
            };
            assert_eq!(b, want, "byte {got} differs");
            at = (at + 1) % 1000;
            got += 1;
        }
        thread::sleep(Duration::from_micros(200)); // sleep-ok: a slow reader
    }
    sending.join().unwrap();
    drop(reader);
    all_closed(server);
}

/// The tests every concurrent server must pass, against `$start(limits)`.
#[macro_export]
macro_rules! bad_client_tests {
    ($start:path) => {
        #[test]
        fn bad_client_garbage_bytes() {
            common::garbage_bytes(&$start(common::limits()));
        }
        #[test]
        fn bad_client_over_long_line() {
            common::over_long_line(&$start(common::limits()));
        }
        #[test]
        fn bad_client_silent_connection() {
            common::silent_connection(&$start(common::short_idle()), true);
        }
        #[test]
        fn bad_client_slowloris() {
            common::slowloris(&$start(common::short_idle()), true);
        }
        #[test]
        fn bad_client_half_close() {
            common::half_close(&$start(common::limits()));
        }
        #[test]
        fn bad_client_disconnects_mid_message_and_with_reset() {
            common::disconnect_mid_message(&$start(common::limits()));
        }
        #[test]
        fn bad_client_hundreds_at_once() {
            let limits = examples_sockets::Limits {
                idle: std::time::Duration::from_secs(20),
                ..common::limits()
            };
            common::hundreds_at_once(&$start(limits), 300);
        }
        #[test]
        fn bad_client_over_the_connection_limit() {
            let limits = examples_sockets::Limits {
                max_connections: 8,
                idle: std::time::Duration::from_secs(30),
                ..common::limits()
            };
            common::over_the_connection_limit(&$start(limits), 8, 5);
        }
        #[test]
        fn bad_client_megabytes_while_reading_slowly() {
            common::megabytes_reading_slowly(&$start(common::limits()), 4, true);
        }
    };
}

/// Kills and reaps a child when the test ends, whatever happened.
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `binary --serve --port 0`: prints the port it got, echoes, and on
/// SIGTERM stops and exits 0 with its result lines.
#[cfg(unix)]
pub fn serve_mode(binary: &str) {
    serve_mode_with(binary, true);
}

/// As [`serve_mode`]; `stalled_too` adds the no-busy-loop check with stalled
/// connections (not for the blocking server: it would serve them in turn).
#[cfg(unix)]
pub fn serve_mode_with(binary: &str, stalled_too: bool) {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let child = Command::new(binary)
        .args(["--serve", "--port", "0", "--idle-secs", "5"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Reaped(child);
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    let addr: SocketAddr = first
        .split("serving on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    assert_ne!(addr.port(), 0);
    good_client(addr, "served");
    if stalled_too {
        no_busy_loop(addr, child.0.id());
    }
    let pid = nix::unistd::Pid::from_raw(child.0.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still serving 30 s after SIGTERM"
        );
        thread::sleep(Duration::from_millis(10)); // sleep-ok: poll interval under a deadline
    };
    assert!(status.success(), "{status}");
    reader.join().unwrap();
    let rest: Vec<String> = rx.try_iter().collect();
    let results = shared::testing::result_lines(&rest.join("\n"));
    // The two good clients' lines, and maybe the last pieces of the
    // half-closed and the reset connections (whether a reset's bytes are
    // read before the reset is a race).
    let lines: u64 = results
        .get("lines")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!((1 + stalled_too as u64..=4).contains(&lines), "{rest:?}");
}

/// CPU ticks (1/100 s on Linux) process `pid` has used, from /proc/<pid>/stat.
#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the ")" that closes the name: utime is the 12th, stime the 13th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// With dead and stalled connections open (silent, half-closed mid-line,
/// stopped mid-line, reset), the server sleeps: a second costs it almost no
/// CPU. A busy loop on any of them would burn a core's share (even on a
/// loaded machine, hundreds of ms per second).
#[cfg(target_os = "linux")]
pub fn no_busy_loop(addr: SocketAddr, pid: u32) {
    let silent: Vec<TcpStream> = (0..20).map(|_| connect(addr)).collect();
    let mut half = connect(addr);
    half.write_all(b"half a line").unwrap();
    half.shutdown(Half::Write).unwrap();
    let mut stalled = connect(addr);
    stalled.write_all(b"stalled mid-li").unwrap();
    let mut reset = connect(addr);
    reset.write_all(b"cut").unwrap();
    let linger = nix::libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    nix::sys::socket::setsockopt(&reset.as_fd(), nix::sys::socket::sockopt::Linger, &linger)
        .unwrap();
    drop(reset);
    good_client(addr, "beside the stalled ones");
    let before = cpu_ticks(pid);
    thread::sleep(Duration::from_secs(1)); // sleep-ok: the window in which the server's CPU is measured
    let used = cpu_ticks(pid) - before;
    assert!(
        used <= 15,
        "the server used {used} ticks (of 100) in a second of stalled clients: a busy loop?"
    );
    drop((silent, half, stalled));
}

#[cfg(not(target_os = "linux"))]
pub fn no_busy_loop(_addr: SocketAddr, _pid: u32) {}
