//! Cola entre procesos: a producer proceso and a consumer proceso, shut down by a sentinel.
//!
//! Ports: notes 000, "Queue" ("Cola de objetos"), and 003, "`Queue`" (a
//! queue handed to a `Process`, `put` in one process, `get` in the other).
//!
//! Python:
//! ```python
//! def producer(queue):
//!     for item in range(10):
//!         queue.put(item)
//!     queue.put(None)                  # the sentinel: "no more items"
//!
//! def consumer(queue):
//!     while (item := queue.get()) is not None:
//!         print(item)
//!
//! if __name__ == "__main__":
//!     queue = multiprocessing.Queue()
//!     p = Process(target=producer, args=(queue,))
//!     c = Process(target=consumer, args=(queue,))
//!     p.start(); c.start(); p.join(); c.join()
//! ```
//! Rust: the queue is an ipc-channel, `(IpcSender, IpcReceiver)`: messages
//! serialised with serde (postcard) over a Unix socket. The parent creates
//! it and *moves* each end into a child, which is this binary re-executed
//! with a role: the sender to the producer, the receiver to the consumer.
//! Moving matters: the parent keeps no copy, so when the producer's sender
//! is gone the consumer's `recv` reports "disconnected" instead of waiting
//! forever. The sentinel is a variant of the message enum,
//! `Message::Done`, where Python sends `None`.
//!
//! One producer, one consumer: the channel is FIFO, so every item arrives
//! once, in the order it was sent. (With several producers, each one's
//! items stay in order, but they interleave.)
//!
//! What you see: the producer's and the consumer's lines, from two pids,
//! interleaved as the scheduler runs them (each line's time counts from the
//! start of the process that printed it); the consumer's report at the end.
//!
//! Run: cargo run -p examples-processes --bin process_queue
//!      cargo run -p examples-processes --bin process_queue -- --items 1000 --quiet
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::Parser;
use examples_processes::child::{self, Child};
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};
use serde::{Deserialize, Serialize};
use shared::output::{heading, line, say, say_as};

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
    allow_negative_numbers = true,
    about = "A queue between procesos: a producer, a consumer, shutdown by sentinel"
)]
struct Args {
    /// Items the producer puts on the queue.
    #[arg(long, default_value_t = 10, value_name = "0..=10_000_000", value_parser = shared::cli::range(0..=10_000_000u64))]
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

fn join(child: &mut Child, limit: Duration) -> anyhow::Result<()> {
    // A deadline, and a stop signal ends the wait too (the child is then
    // killed and reaped, and the error says which signal).
    let exit = child.join(limit)?;
    say(format!(
        "joined {} (pid {}): {exit}",
        child.name(),
        child.pid()
    ));
    ensure!(exit.success(), "{} did not end well: {exit}", child.name());
    Ok(())
}

fn main() -> ExitCode {
    // Python's `if __name__ == "__main__":`.
    if let Some(role) = child::role() {
        return child::exit_code(child_main(role));
    }
    let args = Args::parse();
    shared::output::start();
    // Before any thread starts: Ctrl-C or SIGTERM then stops both children
    // in order (and removes ipc-channel's rendezvous files) instead of
    // killing this process mid-way.
    let result = child::stop_on_signals()
        .map_err(anyhow::Error::from)
        .and_then(|_| parent(&args));
    child::exit_code(result)
}

/// A child's `main`: the producer or the consumer.
fn child_main(role: String) -> anyhow::Result<()> {
    // First of all: if the parent dies, so do we (no orphans).
    child::die_with_parent()?;
    // Ctrl-C reaches the whole process group: the parent decides.
    child::block_ctrl_c()?;
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
    join(&mut producer, limit)?;
    join(&mut consumer, limit)?;
    let report = match report_rx.try_recv_timeout(Duration::from_secs(10)) {
        Ok(report) => report,
        Err(error) => bail!("no report from the consumer: {error}"),
    };
    say(format!(
        "consumer report: received {} of {} items, in order: {}, sentinel seen: {}",
        report.received,
        args.items,
        if report.in_order { "yes" } else { "NO" },
        if report.saw_sentinel { "yes" } else { "NO" }
    ));
    ensure!(
        report.received == args.items && report.in_order && report.saw_sentinel,
        "items were lost, duplicated or reordered"
    );

    line("");
    line(format!(
        "What you saw: {} items crossed from the producer's process to the consumer's, each",
        report.received
    ));
    line("once and in order (one sender, a FIFO channel); the sentinel told the consumer to");
    line("stop. The two processes' lines interleave as the scheduler ran them.");
    Ok(())
}
