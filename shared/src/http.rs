//! A local slow HTTP server and a minimal blocking GET client.
//!
//! The notes time `requests.get('https://www.google.com.mx')` twice, in
//! sequence and in two threads. Tests must not need the internet, and a real
//! site's latency swings, so the "requests" examples start this server on
//! 127.0.0.1 (port 0: the OS picks a free port) and it answers every GET after
//! a fixed delay, the stand-in for a far-away server.
//!
//! - Serves clients concurrently (a thread per connection, at most
//!   [`MAX_CONNECTIONS`] at once; more are answered 503 at once).
//! - Bounds what it reads: a request head over [`MAX_HEAD`] bytes gets 431,
//!   one that stalls longer than [`READ_TIMEOUT`] is dropped.
//! - `GET /delay/<ms>` overrides the delay for that request.
//! - Stops cleanly: [`SlowServer::shutdown`] (or dropping it) stops accepting,
//!   wakes the accept loop, and joins every thread it started.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Most connections served at once.
pub const MAX_CONNECTIONS: usize = 256;
/// Most bytes of a request line plus headers.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long the server waits for a client to send its request.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest delay the server will wait before answering.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// A running local HTTP server that answers after a delay.
#[derive(Debug)]
pub struct SlowServer {
    addr: SocketAddr,
    state: Arc<State>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct State {
    delay: Duration,
    stopping: AtomicBool,
    /// Wakes handlers waiting out their delay when the server stops.
    stop_signal: (Mutex<bool>, Condvar),
    served: AtomicUsize,
    active: AtomicUsize,
    handlers: Mutex<Vec<JoinHandle<()>>>,
}

impl SlowServer {
    /// Starts a server on 127.0.0.1 with an OS-chosen port.
    pub fn start(delay: Duration) -> io::Result<SlowServer> {
        Self::bind("127.0.0.1:0", delay)
    }

    /// Starts a server on `addr` (use port 0 for any free port).
    pub fn bind(addr: impl ToSocketAddrs, delay: Duration) -> io::Result<SlowServer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            delay: delay.min(MAX_DELAY),
            stopping: AtomicBool::new(false),
            stop_signal: (Mutex::new(false), Condvar::new()),
            served: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            handlers: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let state = Arc::clone(&state);
            thread::Builder::new()
                .name("http-accept".into())
                .spawn(move || accept_loop(listener, state))?
        };
        Ok(SlowServer {
            addr,
            state,
            acceptor: Some(acceptor),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// How many requests were answered 200 so far (a client that has read
    /// its answer is always counted).
    pub fn served(&self) -> usize {
        self.state.served.load(Ordering::SeqCst)
    }

    /// Stops accepting, waits for the requests in flight, joins every thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.state.stopping.store(true, Ordering::SeqCst);
        // Handlers waiting out their delay answer at once.
        let (stopped, wake) = &self.state.stop_signal;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        // `accept` blocks; a connection of our own wakes it to see the flag.
        // (To an address bound as 0.0.0.0 we connect through loopback.)
        let mut wake_addr = self.addr;
        if wake_addr.ip().is_unspecified() {
            wake_addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let _ = TcpStream::connect_timeout(&wake_addr, Duration::from_secs(1));
        let _ = acceptor.join();
        let handlers = std::mem::take(
            &mut *self
                .state
                .handlers
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for handler in handlers {
            let _ = handler.join();
        }
    }
}

impl Drop for SlowServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, state: Arc<State>) {
    for stream in listener.incoming() {
        if state.stopping.load(Ordering::SeqCst) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            // E.g. out of file descriptors: pause instead of spinning.
            Err(_) => {
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if state.active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let _ = respond(&stream, 503, "too many connections\n");
            continue;
        }
        state.active.fetch_add(1, Ordering::SeqCst);
        let handler_state = Arc::clone(&state);
        let spawned = thread::Builder::new()
            .name("http-conn".into())
            .spawn(move || {
                let _ = handle(stream, &handler_state);
                handler_state.active.fetch_sub(1, Ordering::SeqCst);
            });
        match spawned {
            Ok(handle) => {
                let mut handlers = state
                    .handlers
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                handlers.retain(|h| !h.is_finished());
                handlers.push(handle);
            }
            Err(_) => {
                state.active.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

fn handle(stream: TcpStream, state: &State) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let head = match read_head(&stream) {
        Ok(Head::Complete(head)) => head,
        Ok(Head::TooLarge) => return respond(&stream, 431, "request head too large\n"),
        Ok(Head::NotText) => return respond(&stream, 400, "request head is not text\n"),
        Err(e) => return Err(e),
    };
    let request_line = head.lines().next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" {
        return respond(&stream, 405, "only GET\n");
    }
    let delay = match path.strip_prefix("/delay/") {
        Some(ms) => match ms.parse::<u64>() {
            Ok(ms) => Duration::from_millis(ms).min(MAX_DELAY),
            Err(_) => return respond(&stream, 400, "bad delay\n"),
        },
        None => state.delay,
    };
    // The "far-away server": we just wait before answering (cut short if
    // the server is stopping, so shutdown never waits out a long delay).
    let (stopped, wake) = &state.stop_signal;
    let guard = stopped.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = wake
        .wait_timeout_while(guard, delay, |stopped| !*stopped)
        .unwrap_or_else(PoisonError::into_inner);
    // Count before sending, so a client that has read its answer is always
    // counted; a send that fails is taken back.
    state.served.fetch_add(1, Ordering::SeqCst);
    let sent = respond(&stream, 200, "hola desde el servidor lento\n");
    if sent.is_err() {
        state.served.fetch_sub(1, Ordering::SeqCst);
    }
    sent
}

/// What reading a request head gave.
enum Head {
    Complete(String),
    TooLarge,
    NotText,
}

/// Reads up to the blank line that ends the request head, at most MAX_HEAD bytes.
fn read_head(stream: &TcpStream) -> io::Result<Head> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD as u64 + 1));
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = reader.read_until(b'\n', &mut head)?;
        if head.len() > MAX_HEAD {
            return Ok(Head::TooLarge);
        }
        let line = &head[before..];
        if n == 0 || line == b"\r\n" || line == b"\n" {
            return Ok(match String::from_utf8(head) {
                Ok(text) => Head::Complete(text),
                Err(_) => Head::NotText,
            });
        }
    }
}

fn respond(mut stream: &TcpStream, status: u16, body: &str) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes())?;
    stream.flush()
}

/// What [`get`] got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// A minimal blocking `GET http://host[:port]/path` (no TLS, no redirects):
/// what `requests.get` does, by hand. Connecting, and each read and write,
/// give up after `timeout` (the name lookup uses the system's own timeout;
/// use an IP address, as the examples do, to skip it). Port 80 by default.
pub fn get(url: &str, timeout: Duration) -> io::Result<Response> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid("only http:// URLs are supported"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let with_port = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    let addr = with_port
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| invalid("host did not resolve"))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    // Bounded: a response over 1 MiB is not what these examples expect.
    stream.take(1 << 20).read_to_end(&mut raw)?;
    parse_response(&raw)
}

/// Parses "HTTP/1.1 200 OK\r\n...\r\n\r\nbody".
pub fn parse_response(raw: &[u8]) -> io::Result<Response> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| invalid("response has no blank line after its head"))?;
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| invalid("bad status line"))?;
    Ok(Response {
        status,
        body: body.to_string(),
    })
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const T: Duration = Duration::from_secs(10);

    #[test]
    fn answers_a_get_after_the_delay() {
        let server = SlowServer::start(Duration::from_millis(50)).unwrap();
        let started = Instant::now();
        let response = get(&server.url(), T).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(response.status, 200);
        assert!(response.body.contains("hola"));
        assert_eq!(server.served(), 1);
        server.shutdown();
    }

    #[test]
    fn serves_clients_concurrently() {
        // Four clients, 300 ms each: served one at a time it would take 1.2 s.
        let server = SlowServer::start(Duration::from_millis(300)).unwrap();
        let url = server.url();
        let started = Instant::now();
        let clients: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                thread::spawn(move || get(&url, T).unwrap().status)
            })
            .collect();
        for client in clients {
            assert_eq!(client.join().unwrap(), 200);
        }
        assert!(
            started.elapsed() < Duration::from_millis(1_100),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(server.served(), 4);
    }

    #[test]
    fn delay_can_be_set_per_request_and_bad_input_is_refused() {
        let server = SlowServer::start(Duration::from_secs(30)).unwrap();
        let fast = get(&format!("{}delay/0", server.url()), T).unwrap();
        assert_eq!(fast.status, 200);
        let bad = get(&format!("{}delay/abc", server.url()), T).unwrap();
        assert_eq!(bad.status, 400);
    }

    #[test]
    fn oversized_head_gets_431_and_server_keeps_serving() {
        let server = SlowServer::start(Duration::ZERO).unwrap();
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(T)).unwrap();
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD * 2));
        let _ = stream.write_all(huge.as_bytes());
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        assert_eq!(parse_response(&raw).unwrap().status, 431);
        assert_eq!(get(&server.url(), T).unwrap().status, 200);
    }

    #[test]
    fn bytes_that_are_not_text_get_400() {
        let server = SlowServer::start(Duration::ZERO).unwrap();
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(T)).unwrap();
        stream.write_all(b"GET /\xff\xfe HTTP/1.1\r\n\r\n").unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        assert_eq!(parse_response(&raw).unwrap().status, 400);
    }

    #[test]
    fn shutdown_does_not_wait_out_a_long_delay() {
        let server = SlowServer::start(Duration::from_secs(60)).unwrap();
        let url = server.url();
        let client = thread::spawn(move || get(&url, T));
        // Wait (with a deadline) until the request is being delayed.
        let started = Instant::now();
        while server.state.active.load(Ordering::SeqCst) == 0 {
            assert!(started.elapsed() < T, "the request never arrived");
            thread::yield_now();
        }
        let stopping = Instant::now();
        server.shutdown();
        assert!(
            stopping.elapsed() < Duration::from_secs(10),
            "{:?}",
            stopping.elapsed()
        );
        let _ = client.join();
    }

    #[test]
    fn shutdown_joins_and_frees_the_port() {
        let server = SlowServer::start(Duration::ZERO).unwrap();
        let addr = server.addr();
        server.shutdown();
        // Nobody listens any more.
        assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    }

    #[test]
    fn client_rejects_non_http_urls() {
        let err = get("https://example.com/", T).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
