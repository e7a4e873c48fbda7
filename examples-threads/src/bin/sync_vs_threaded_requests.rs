//! Síncrono vs hilos: two blocking HTTP GETs one after another, then in two hilos.
//!
//! Ports: notes 002 "El GIL para CPU-Bound y I/O-Bound", the "Sincrono vs
//! Asincrono" example with `requests.get('https://www.google.com.mx')`.
//!
//! Python:
//! ```python
//! def read_example(): print(requests.get(url).status_code)
//! read_example(); read_example()                      # Sincrono tomo 0.4061 s
//! t1 = Thread(target=read_example); t2 = Thread(...)  # Asincrono tomo 0.2086 s
//! ```
//! Rust: the same two blocking GETs, by hand over a `TcpStream`
//! (`shared::http::get`), against a local server started by the example
//! (`shared::http::SlowServer`) that answers after `--delay-ms`: no internet
//! needed, and the delay is the same every time. A blocking call only waits;
//! while one hilo waits the other can wait too, so two threads take about
//! one request's time. (The notes call the threaded version "asíncrono";
//! strictly it is concurrent with threads. Async without threads is the
//! async crate's topic.)
//!
//! What you see: the sequential time is the sum of the requests; the
//! threaded time is about one request.
//!
//! Run: cargo run -p examples-threads --bin sync_vs_threaded_requests -- --delay-ms 200
#![forbid(unsafe_code)]

use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use shared::http::{SlowServer, get};
use shared::output::{heading, line, say, text};
use shared::timing::{Comparison, format_duration, measure};

#[derive(Parser, Debug)]
#[command(about = "Blocking HTTP GETs to a local slow server: one after another vs in hilos")]
struct Args {
    /// How long the local server takes to answer each request, in ms.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    delay_ms: u64,
    /// How many requests (the notes make 2).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..=100))]
    requests: u32,
}

/// The notes' `read_example`: one GET, print its status, return it.
fn read_example(url: &str) -> anyhow::Result<u16> {
    let response = get(url, Duration::from_secs(30)).with_context(|| format!("GET {url}"))?;
    say(format!("status {}", response.status));
    Ok(response.status)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let server = SlowServer::start(Duration::from_millis(args.delay_ms))
        .context("could not start the local server on 127.0.0.1")?;
    let url = server.url();
    let n = args.requests as usize;
    line(format!(
        "local server at {url}, answering each GET after {} ms",
        args.delay_ms
    ));
    let all_ok = vec![200u16; n];
    let mut table = Comparison::new();

    heading("Síncrono: one after another");
    let (statuses, m) = measure("sequential", || {
        (0..n)
            .map(|_| read_example(&url))
            .collect::<anyhow::Result<Vec<_>>>()
    });
    let sequential = m.wall;
    table.add_checked(m, &statuses?, &all_ok);

    heading("Con hilos: one hilo per request");
    let (statuses, m) = measure(&format!("{n} threads"), || {
        thread::scope(|scope| {
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    let url = &url;
                    thread::Builder::new()
                        .name(format!("request-{i}"))
                        .spawn_scoped(scope, move || read_example(url))
                })
                .collect::<Result<_, _>>()?;
            handles
                .into_iter()
                .map(|h| h.join().expect("a request thread panicked"))
                .collect::<anyhow::Result<Vec<_>>>()
        })
    });
    let threaded = m.wall;
    table.add_checked(m, &statuses?, &all_ok);

    line("");
    text(table.render());
    anyhow::ensure!(table.all_correct(), "a request did not answer 200");
    let served = server.served();
    server.shutdown();
    line(format!("requests served by the local server: {served}"));
    line(format!(
        "sequential took: {:.1} ms",
        sequential.as_secs_f64() * 1e3
    ));
    line(format!(
        "threaded took: {:.1} ms",
        threaded.as_secs_f64() * 1e3
    ));
    line("");
    line(format!(
        "What you saw: one after another, {n} requests took about {n} x {} ms = {};",
        args.delay_ms,
        format_duration(sequential)
    ));
    line(format!(
        "in {n} hilos they waited at the same time and took about one request: {}.",
        format_duration(threaded)
    ));
    Ok(())
}
