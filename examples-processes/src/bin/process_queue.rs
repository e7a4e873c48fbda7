//! Cola entre procesos: a producer proceso and a consumer proceso, shut down by a sentinel.
//!
//! Ports: notes 000, "Queue" ("Cola de objetos"), and 003, "Queue". Python:
//! ```python
//! def producer(queue):
//!     for item in range(10): queue.put(item)
//!     queue.put(None)                  # the sentinel: "no more items"
//! def consumer(queue):
//!     while (item := queue.get()) is not None: print(item)
//! if __name__ == "__main__":
//!     queue = multiprocessing.Queue()
//!     p = Process(target=producer, args=(queue,)); c = Process(target=consumer, args=(queue,))
//!     p.start(); c.start(); p.join(); c.join()
//! ```
//! Rust: the queue is an ipc-channel, `(IpcSender, IpcReceiver)`: serde
//! messages over a Unix socket. The parent *moves* each end into a child
//! (this binary again, with a role): it keeps no copy, so when the
//! producer's sender is gone the consumer's `recv` says "disconnected"
//! instead of waiting forever. The sentinel is `Message::Done`, Python's
//! `None`. One producer, one consumer: the channel is FIFO, so every item
//! arrives once, in order.
//!
//! Run: cargo run -p examples-processes --bin process_queue -- --items 1000 --quiet
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::Parser;
use examples_processes::child;
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};
use serde::{Deserialize, Serialize};
use shared::output::{heading, line, results, say, say_as};

const PRODUCER_ROLE: &str = "producer";
const CONSUMER_ROLE: &str = "consumer";

/// What travels on the queue.
#[derive(Debug, Serialize, Deserialize)]
enum Message {
    Item(u64),
    /// The sentinel (Python's `None`): no more items will come.
    Done,
}

/// The consumer's summary, sent back to the parent on its own channel.
#[derive(Debug, Serialize, Deserialize)]
struct Report {
    received: u64,
    in_order: bool,
    saw_sentinel: bool,
}

/// The producer's argument: Python's `args=(queue,)`.
#[derive(Serialize, Deserialize)]
struct ProducerArgs {
    queue: IpcSender<Message>,
    items: u64,
    quiet: bool,
}

/// The consumer's argument.
#[derive(Serialize, Deserialize)]
struct ConsumerArgs {
    queue: IpcReceiver<Message>,
    report: IpcSender<Report>,
    quiet: bool,
}

#[derive(Parser, Debug)]
#[command(
    about = "A queue between procesos: a producer, a consumer, shutdown by sentinel",
    allow_negative_numbers = true
)]
struct Args {
    /// Items the producer puts on the queue.
    #[arg(long, default_value_t = 10, value_name = "0..=10000000", value_parser = shared::cli::range(0..=10_000_000u64))]
    items: u64,
    /// Do not print a line per item (for large --items).
    #[arg(long)]
    quiet: bool,
}

fn producer(args: ProducerArgs) -> anyhow::Result<()> {
    for item in 0..args.items {
        if !args.quiet {
            say_as("productor", format!("put {item}"));
        }
        args.queue
            .send(Message::Item(item))
            .context("the consumer is gone")?;
    }
    args.queue
        .send(Message::Done)
        .context("the consumer is gone")?;
    say_as(
        "productor",
        format!("put the sentinel after {} items; done", args.items),
    );
    Ok(())
}

fn consumer(args: ConsumerArgs) -> anyhow::Result<()> {
    let mut report = Report {
        received: 0,
        in_order: true,
        saw_sentinel: false,
    };
    loop {
        // No deadline here on purpose: a consumer waits as long as a
        // producer exists. If every sender is gone, recv says so.
        match args.queue.recv() {
            Ok(Message::Item(item)) => {
                if !args.quiet {
                    say_as("consumidor", format!("got {item}"));
                }
                report.in_order &= item == report.received;
                report.received += 1;
            }
            Ok(Message::Done) => {
                report.saw_sentinel = true;
                say_as(
                    "consumidor",
                    format!("got the sentinel after {} items; stopping", report.received),
                );
                break;
            }
            Err(error) => {
                say_as(
                    "consumidor",
                    format!("the producer vanished without a sentinel: {error}"),
                );
                break;
            }
        }
    }
    args.report.send(report).context("the parent is gone")?;
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    // Python's `if __name__ == "__main__":` the children run this main too.
    let result = match child::role() {
        Some(role) => child_main(role),
        // Ctrl-C / SIGTERM stop both children in order (and remove
        // ipc-channel's rendezvous files).
        None => child::stop_on_signals()
            .map_err(Into::into)
            .and_then(|_| parent(&Args::parse())),
    };
    child::exit_code(result)
}

/// A child's `main`: the producer or the consumer.
fn child_main(role: String) -> anyhow::Result<()> {
    child::die_with_parent()?;
    child::block_ctrl_c()?; // Ctrl-C reaches the whole group: the parent decides
    match role.as_str() {
        PRODUCER_ROLE => producer(child::receive_arg(child::STARTUP_LIMIT)?),
        CONSUMER_ROLE => consumer(child::receive_arg(child::STARTUP_LIMIT)?),
        _ => Err(child::ChildError::UnknownRole(role).into()),
    }
}

fn parent(args: &Args) -> anyhow::Result<()> {
    heading(&format!(
        "A queue between two procesos: {} items",
        args.items
    ));

    let (queue_tx, queue_rx) = ipc::channel::<Message>()?;
    let (report_tx, report_rx) = ipc::channel::<Report>()?;
    // Each end MOVES into its child: after this, the parent holds neither.
    let mut consumer = child::spawn_self_with(
        CONSUMER_ROLE,
        "consumer",
        ConsumerArgs {
            queue: queue_rx,
            report: report_tx,
            quiet: args.quiet,
        },
        child::STARTUP_LIMIT,
    )?;
    let mut producer = child::spawn_self_with(
        PRODUCER_ROLE,
        "producer",
        ProducerArgs {
            queue: queue_tx,
            items: args.items,
            quiet: args.quiet,
        },
        child::STARTUP_LIMIT,
    )?;
    say(format!(
        "started producer pid {} and consumer pid {}; the queue's ends are theirs now",
        producer.pid(),
        consumer.pid()
    ));

    let limit = Duration::from_secs(120);
    for child in [&mut producer, &mut consumer] {
        let exit = child.join(limit)?; // p.join(): a deadline; Ctrl-C ends it too
        say(format!(
            "joined {} (pid {}): {exit}",
            child.name(),
            child.pid()
        ));
        ensure!(exit.success(), "{} did not end well: {exit}", child.name());
    }
    let report = match report_rx.try_recv_timeout(Duration::from_secs(10)) {
        Ok(report) => report,
        Err(error) => bail!("no report from the consumer: {error}"),
    };
    line("");
    line(format!(
        "{} of {} items crossed from the producer's process to the consumer's, in order: {};",
        report.received, args.items, report.in_order
    ));
    line(format!(
        "the sentinel told the consumer to stop: {}.",
        report.saw_sentinel
    ));
    results(&[
        ("items", &report.received),
        ("expected", &args.items),
        ("in_order", &report.in_order),
        ("sentinel_seen", &report.saw_sentinel),
        ("producer_pid", &producer.pid()),
        ("consumer_pid", &consumer.pid()),
    ]);
    ensure!(
        report.received == args.items && report.in_order && report.saw_sentinel,
        "items were lost, duplicated or reordered"
    );
    Ok(())
}
