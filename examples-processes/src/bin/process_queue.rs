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
//! instead of waiting forever. The queue carries `Option<u64>`: the sentinel is
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
    queue: IpcSender<Option<u64>>,
    items: u64,
    quiet: bool,
}

/// The consumer's argument.
#[derive(Serialize, Deserialize)]
struct ConsumerArgs {
    queue: IpcReceiver<Option<u64>>,
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

fn producer() -> anyhow::Result<()> {
    child::block_ctrl_c()?; // Ctrl-C reaches the whole group: the parent decides
    let args: ProducerArgs = child::receive_arg(child::STARTUP_LIMIT)?;
    let say = |message: String| say_as("productor", message);
    let put = |message| args.queue.send(message).context("the consumer is gone");
    for item in 0..args.items {
        if !args.quiet {
            say(format!("put {item}"));
        }
        put(Some(item))?;
    }
    put(None)?; // the sentinel, as in the Python
    say(format!("put the sentinel after {} items; done", args.items));
    Ok(())
}

fn consumer() -> anyhow::Result<()> {
    child::block_ctrl_c()?;
    let args: ConsumerArgs = child::receive_arg(child::STARTUP_LIMIT)?;
    let say = |message: String| say_as("consumidor", message);
    let (mut received, mut in_order, mut saw_sentinel) = (0, true, false);
    loop {
        // No deadline here on purpose: a consumer waits as long as a
        // producer exists. If every sender is gone, recv says so.
        match args.queue.recv() {
            Ok(Some(item)) => {
                if !args.quiet {
                    say(format!("got {item}"));
                }
                in_order &= item == received;
                received += 1;
            }
            Ok(None) => {
                saw_sentinel = true;
                say(format!("got the sentinel after {received} items; stopping"));
                break;
            }
            Err(error) => {
                say(format!("the producer vanished without a sentinel: {error}"));
                break;
            }
        }
    }
    let report = Report {
        received,
        in_order,
        saw_sentinel,
    };
    args.report.send(report).context("the parent is gone")?;
    Ok(())
}

fn parent(args: &Args) -> anyhow::Result<()> {
    child::stop_on_signals()?; // Ctrl-C / SIGTERM: both children stopped in order
    heading(&format!(
        "A queue between two procesos: {} items",
        args.items
    ));
    let (queue_tx, queue_rx) = ipc::channel::<Option<u64>>()?;
    let (report_tx, report_rx) = ipc::channel::<Report>()?;
    // Each end MOVES into its child: after this, the parent holds neither.
    let (quiet, items, limit) = (args.quiet, args.items, child::STARTUP_LIMIT);
    let consumer_args = ConsumerArgs {
        queue: queue_rx,
        report: report_tx,
        quiet,
    };
    let mut consumer = child::spawn_self_with(CONSUMER_ROLE, "consumer", consumer_args, limit)?;
    let producer_args = ProducerArgs {
        queue: queue_tx,
        items,
        quiet,
    };
    let mut producer = child::spawn_self_with(PRODUCER_ROLE, "producer", producer_args, limit)?;
    say(format!(
        "started producer pid {} and consumer pid {}; the queue's ends are theirs now",
        producer.pid(),
        consumer.pid()
    ));
    // p.join(); c.join(): with a deadline; Ctrl-C ends them too.
    producer.join_ok(Duration::from_secs(120))?;
    consumer.join_ok(Duration::from_secs(120))?;
    let report = match report_rx.try_recv_timeout(Duration::from_secs(10)) {
        Ok(report) => report,
        Err(error) => bail!("no report from the consumer: {error}"),
    };
    line(format!(
        "\n{} of {} items crossed from the producer's process to the consumer's, in order: {};\n\
         the sentinel told the consumer to stop: {}.",
        report.received, args.items, report.in_order, report.saw_sentinel
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

fn main() -> ExitCode {
    shared::output::start();
    // Python's `if __name__ == "__main__":` the children run this main too.
    child::main_with_roles(
        || parent(&Args::parse()),
        |role| match role {
            PRODUCER_ROLE => Some(producer()),
            CONSUMER_ROLE => Some(consumer()),
            _ => None,
        },
    )
}
