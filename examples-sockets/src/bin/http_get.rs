//! An HTTP GET is bytes on a TCP socket: the request we write, the status
//! line, headers and body we read back, by hand, blocking and async, with a
//! Content-Length body and a chunked one.
//!
//! Ports: notes 002 (`requests.get('https://www.google.com.mx')`, and
//! "Sockets como ejemplo": "escribimos una solicitud ... y esperamos a que el
//! servidor responda con el resultado").
//! Python:
//!     conn = http.client.HTTPConnection("127.0.0.1", port)
//!     conn.request("GET", "/"); r = conn.getresponse(); r.status, r.read()
//! Rust: `TcpStream::connect`, `write_all(request)`, `read_to_end` (bounded),
//! then examples_sockets::http::parse; the async GET is the same three calls
//! on tokio's TcpStream with `.await`. By default it asks the local slow
//! server (no internet needed) and a local chunked responder; `--url` for
//! any http:// URL (no TLS: https is refused with a message).
//!
//! Run: cargo run -p examples-sockets --bin http_get
//!      cargo run -p examples-sockets --bin http_get -- --url http://127.0.0.1:8000/
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::Parser;
use examples_sockets::http::{self, Framing, MAX_RESPONSE};
use shared::cli::range;
use shared::output::{heading, line, results, say, text};

#[derive(Parser)]
#[command(
    about = "An HTTP/1.1 GET by hand, blocking and async, with the bytes on the wire",
    allow_negative_numbers = true
)]
struct Args {
    /// Any http:// URL; without it, local servers answer (no internet needed).
    #[arg(long)]
    url: Option<String>,
    /// How long the local slow server waits before answering, in ms.
    #[arg(long, default_value_t = 100, value_name = "0..=10000", value_parser = range(0..=10_000u64))]
    delay_ms: u64,
    /// Seconds to wait for connecting and for each read or write.
    #[arg(long, default_value_t = 10, value_name = "1..=120", value_parser = range(1..=120u64))]
    timeout_secs: u64,
}

/// The GET with blocking std calls: returns (request, response) bytes.
fn get_blocking(url: &str, timeout: Duration) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let (host, path) = http::split_url(url)?;
    let addr = host
        .to_socket_addrs()?
        .next()
        .context("the host did not resolve")?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let request = http::request(&host, &path);
    stream.write_all(&request)?;
    let mut raw = Vec::new(); // "Connection: close": the server closes after the body
    stream.take(MAX_RESPONSE as u64).read_to_end(&mut raw)?;
    Ok((request, raw))
}

/// The same GET on tokio: the same calls, each awaited.
async fn get_async(url: &str, timeout: Duration) -> anyhow::Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (host, path) = http::split_url(url)?;
    let mut stream = tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&host)).await??;
    stream.write_all(&http::request(&host, &path)).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(
        timeout,
        (&mut stream)
            .take(MAX_RESPONSE as u64)
            .read_to_end(&mut raw),
    )
    .await??;
    Ok(raw)
}

/// A local server that answers one GET with a chunked body.
fn chunked_responder() -> anyhow::Result<(String, std::thread::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/chunked", listener.local_addr()?);
    let serving = std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut reader = BufReader::new(&stream);
        let mut head_line = String::new();
        while reader.read_line(&mut head_line).is_ok_and(|n| n > 2) {
            head_line.clear(); // read up to the empty line ending the request
        }
        let _ = (&stream).write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
              5\r\nhola \r\n6\r\ndesde \r\n11\r\nun cuerpo chunked\r\n0\r\n\r\n",
        );
    });
    Ok((url, serving))
}

fn show(title: &str, request: &[u8], raw: &[u8]) -> anyhow::Result<http::Response> {
    heading(title);
    line("request bytes, as written:");
    text(http::show_bytes(request, 400));
    line("response bytes, as read:");
    text(http::show_bytes(raw, 600));
    let response = http::parse(raw)?;
    say(format!(
        "status {} {:?}; body {} bytes, framed by {}",
        response.status,
        response.reason,
        response.body.len(),
        match response.framing {
            Framing::ContentLength(n) => format!("Content-Length: {n}"),
            Framing::Chunked => format!(
                "chunks of {:?} bytes (sizes in hex on the wire; 0 ends it)",
                response.chunk_sizes
            ),
            Framing::UntilClose => "the server closing the connection".into(),
        }
    ));
    Ok(response)
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let timeout = Duration::from_secs(args.timeout_secs);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if let Some(url) = &args.url {
        let (request, raw) = get_blocking(url, timeout).with_context(|| format!("GET {url}"))?;
        let response = show(&format!("GET {url}"), &request, &raw)?;
        let again = http::parse(&runtime.block_on(get_async(url, timeout))?)?;
        say(format!(
            "the async GET: status {}, {} bytes of body",
            again.status,
            again.body.len()
        ));
        results(&[
            ("status", &response.status),
            ("body_bytes", &response.body.len()),
        ]);
        return Ok(());
    }
    let slow = shared::http::SlowServer::start(Duration::from_millis(args.delay_ms))?;
    let url = slow.url();
    let (request, raw) = get_blocking(&url, timeout)?;
    let plain = show(
        &format!("blocking GET {url} (the local slow server)"),
        &request,
        &raw,
    )?;
    let async_raw = runtime.block_on(get_async(&url, timeout))?;
    let async_same = http::parse(&async_raw)?.body == plain.body;
    say(format!(
        "the same GET on tokio: body {}",
        if async_same {
            "identical"
        } else {
            "different (!)"
        }
    ));
    slow.shutdown();

    let (chunked_url, serving) = chunked_responder()?;
    let (request, raw) = get_blocking(&chunked_url, timeout)?;
    let chunked = show(
        &format!("blocking GET {chunked_url} (a chunked body)"),
        &request,
        &raw,
    )?;
    serving.join().expect("responder");
    ensure!(
        chunked.status == 200,
        "the chunked responder said {}",
        chunked.status
    );
    say(
        "Content-Length says the size up front; chunked sends sizes as it goes (a body whose length the server does not know yet)",
    );
    results(&[
        ("status", &plain.status),
        ("body_bytes", &plain.body.len()),
        (
            "content_length_ok",
            &(plain.framing == Framing::ContentLength(plain.body.len())),
        ),
        ("async_same", &async_same),
        ("chunked_body", &String::from_utf8_lossy(&chunked.body)),
        ("chunks", &chunked.chunk_sizes.len()),
    ]);
    Ok(())
}
