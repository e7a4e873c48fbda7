//! Many HTTP GETs at once on one thread, with reqwest (Python's `requests`,
//! async), a semaphore bounding how many are in flight.
//!
//! Ports: notes 002, "El GIL para CPU-Bound y I/O-Bound" ("Sincrono vs
//! Asincrono": `requests.get` twice, then in two threads).
//! Python (asyncio + aiohttp, the async version of the notes' example):
//! ```python
//! limit = asyncio.Semaphore(5)
//! async def fetch(session, url):
//!     async with limit:                       # at most 5 in flight
//!         async with session.get(url) as r: return r.status
//! statuses = await asyncio.gather(*(fetch(s, url) for _ in range(n)))
//! ```
//! Rust: `reqwest::Client` (pooled connections), `tokio::spawn` per request,
//! `tokio::sync::Semaphore` for the bound, first one after another for
//! contrast. By default the requests go to a local server that answers after
//! `--delay-ms` (`shared::http::SlowServer`, 127.0.0.1: no internet needed);
//! `--url http://...` tries a real site; `https://` needs `--features tls`
//! (reqwest's TLS is a C build of a few minutes, off by default).
//!
//! What you see: one after another the time is the sum of the requests;
//! concurrently about (requests / limit) x one request, and never more than
//! `--limit` in flight at once (measured).
//!
//! Run: cargo run --release -p examples-async --bin async_requests -- --requests 20 --limit 5
//!      cargo run --release -p examples-async --features tls --bin async_requests -- --url https://example.com/
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use shared::http::SlowServer;
use shared::output::{heading, line, results, say_as};
use tokio::sync::Semaphore;

#[derive(Parser)]
#[command(
    about = "Concurrent GETs with reqwest and a semaphore, vs one after another",
    allow_negative_numbers = true
)]
struct Args {
    /// How many GETs.
    #[arg(long, default_value_t = 10, value_name = "1..=500", value_parser = shared::cli::range(1..=500u64))]
    requests: u64,
    /// Most requests in flight at once (the semaphore's permits).
    #[arg(long, default_value_t = 5, value_name = "1..=200", value_parser = shared::cli::range(1..=200u64))]
    limit: u64,
    /// How long the local server takes to answer, in ms.
    #[arg(long, default_value_t = 200, value_name = "0..=10000", value_parser = shared::cli::range(0..=10_000u64))]
    delay_ms: u64,
    /// A real http:// URL instead of the local server (needs a network; https:// with --features tls).
    #[arg(long)]
    url: Option<String>,
}

/// `requests.get(url).status_code`, async.
async fn get(client: &reqwest::Client, url: &str, who: &str) -> anyhow::Result<u16> {
    let response = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = response.status().as_u16();
    let body = response.bytes().await?;
    say_as(who, format!("status {status}, {} bytes", body.len()));
    Ok(status)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();
    let server = match &args.url {
        Some(url) if url.starts_with("https://") && !cfg!(feature = "tls") => {
            anyhow::bail!(
                "{url}: only http:// URLs in this build; for https:// add `--features tls`"
            )
        }
        Some(url) if !url.starts_with("http://") && !url.starts_with("https://") => {
            anyhow::bail!("{url}: not an http:// or https:// URL")
        }
        Some(_) => None,
        None => Some(
            SlowServer::start(Duration::from_millis(args.delay_ms))
                .context("starting the local server")?,
        ),
    };
    let url = args
        .url
        .clone()
        .or(server.as_ref().map(SlowServer::url))
        .unwrap_or_default();
    line(format!(
        "{} GETs to {url}, at most {} in flight",
        args.requests, args.limit
    ));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;

    heading("one after another");
    let started = Instant::now();
    let mut sequential_ok = 0;
    for i in 0..args.requests {
        sequential_ok += u64::from(get(&client, &url, &format!("get-{i}")).await? < 400);
    }
    let sequential = started.elapsed();

    heading("all at once, bounded by a semaphore (lines in finish order: it varies)");
    let limit = Arc::new(Semaphore::new(args.limit as usize));
    let (in_flight, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.requests)
        .map(|i| {
            let (client, url, limit) = (client.clone(), url.clone(), Arc::clone(&limit));
            let (in_flight, most) = (Arc::clone(&in_flight), Arc::clone(&most));
            tokio::spawn(async move {
                let _permit = limit.acquire_owned().await?; // released when dropped
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let status = get(&client, &url, &format!("task-{i}")).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                status
            })
        })
        .collect();
    let mut concurrent_ok = 0;
    for task in tasks {
        concurrent_ok += u64::from(task.await?? < 400); // gather: in order
    }
    let concurrent = started.elapsed();
    let most = most.load(Ordering::SeqCst);

    let ms = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1e3);
    line("");
    line(format!(
        "One after another: {} ms. Concurrently: {} ms, never more than {most} in flight (limit {}).",
        ms(sequential),
        ms(concurrent),
        args.limit
    ));
    line("Waiting for a reply is waiting, not work: one thread can wait for many at once.");
    results(&[
        ("requests", &args.requests),
        ("ok", &(sequential_ok + concurrent_ok)),
        ("limit", &args.limit),
        ("max_in_flight", &most),
        ("sequential_ms", &ms(sequential)),
        ("concurrent_ms", &ms(concurrent)),
        ("served", &server.as_ref().map_or(0, SlowServer::served)),
    ]);
    Ok(())
}
