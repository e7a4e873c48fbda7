//! Síncrono vs hilos: two blocking HTTP GETs one after another, then in two hilos.
//!
//! Ports: notes 002, "El GIL para CPU-Bound y I/O-Bound" (the "Sincrono vs
//! Asincrono" example with `requests.get('https://www.google.com.mx')`).
//! Python:
//! ```python
//! def read_example(): print(requests.get(url).status_code)
//! read_example(); read_example()                      # Sincrono tomo 0.4061 s
//! t1 = Thread(target=read_example); t2 = Thread(...)  # Asincrono tomo 0.2086 s
//! ```
//! Rust: the same two blocking GETs (`shared::http::get`, a GET by hand over a
//! `TcpStream`) against a local server the example starts
//! (`shared::http::SlowServer`) that answers after `--delay-ms`: no internet
//! needed, the same delay every time. A blocking call only waits; while one
//! hilo waits the other can wait too, so two hilos take about one request's
//! time. (The notes call the threaded version "asíncrono"; it is concurrent
//! with threads. Async without threads is the async crate's topic.)
//! Each "status 200" line is stamped with the time since the program started.
//!
//! Run: cargo run -p examples-threads --bin sync_vs_threaded_requests -- --delay-ms 200
#![forbid(unsafe_code)]

use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use shared::http::{SlowServer, get};
use shared::output::{elapsed, heading, line, results, say};
use shared::timing::{format_duration, timed};

#[derive(Parser)]
#[command(
    about = "Blocking HTTP GETs to a local slow server: one after another vs in hilos",
    allow_negative_numbers = true
)]
struct Args {
    /// How long the local server takes to answer each request, in ms.
    #[arg(long, default_value_t = 200, value_name = "0..=10000",
          value_parser = shared::cli::range(0..=10_000u64))]
    delay_ms: u64,
    /// How many requests (the notes make 2).
    #[arg(long, default_value_t = 2, value_name = "2..=100",
          value_parser = shared::cli::range(2..=100usize))]
    requests: usize,
}

/// When the first answer arrived, on the output clock (for the result lines).
static FIRST_ANSWER: OnceLock<Duration> = OnceLock::new();

/// The notes' `read_example`: one GET, print its status, return it.
fn read_example(url: &str) -> anyhow::Result<u16> {
    let response = get(url, Duration::from_secs(30)).with_context(|| format!("GET {url}"))?;
    FIRST_ANSWER.get_or_init(elapsed);
    say(format!("status {}", response.status));
    Ok(response.status)
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let n = args.requests;
    let server = SlowServer::start(Duration::from_millis(args.delay_ms))
        .context("could not start the local server on 127.0.0.1")?;
    let url = server.url();
    say(format!(
        "local server at {url}, answering each GET after {} ms",
        args.delay_ms
    ));

    heading("Síncrono: one after another");
    let (sequential, sequential_time) =
        timed(|| (0..n).map(|_| read_example(&url)).collect::<Vec<_>>());

    heading("Con hilos: one hilo per request");
    let (threaded, threaded_time) = timed(|| {
        thread::scope(|scope| {
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    let url = &url;
                    thread::Builder::new()
                        .name(format!("request-{i}"))
                        .spawn_scoped(scope, move || read_example(url))
                })
                .collect::<Result<_, _>>()?;
            Ok::<_, anyhow::Error>(
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a request hilo panicked"))
                    .collect::<Vec<_>>(),
            )
        })
    });
    let threaded = threaded?;
    let all_200 = sequential
        .iter()
        .chain(&threaded)
        .all(|s| matches!(s, Ok(200)));
    let served = server.served();
    server.shutdown();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;

    line("");
    line(format!(
        "What you saw: one after another, {n} requests took about {n} x {} ms = {}; in {n} hilos \
         they waited at the same time and took about one request: {} ({:.1}x faster).",
        args.delay_ms,
        format_duration(sequential_time),
        format_duration(threaded_time),
        ms(sequential_time) / ms(threaded_time).max(1e-3)
    ));
    results(&[
        ("requests", &n),
        ("served", &served),
        ("all_200", &all_200),
        (
            "first_status_ms",
            &format!("{:.1}", FIRST_ANSWER.get().map_or(0.0, |d| ms(*d))),
        ),
        ("sequential_ms", &format!("{:.1}", ms(sequential_time))),
        ("threaded_ms", &format!("{:.1}", ms(threaded_time))),
        (
            "speedup_threads",
            &format!("{:.2}", ms(sequential_time) / ms(threaded_time).max(1e-3)),
        ),
    ]);
    anyhow::ensure!(
        all_200,
        "a request did not answer 200: {sequential:?} {threaded:?}"
    );
    Ok(())
}
