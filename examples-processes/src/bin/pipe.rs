//! Pipe: a one-way OS pipe and a duplex socket pair between two procesos.
//!
//! Ports: notes 000, "Pipe", 003 (`Pipe`) and 004 (pipes, values pickled).
//! ```python
//! parent_end, child_end = multiprocessing.Pipe()      # duplex by default
//! p = Process(target=server, args=(child_end,)); p.start()
//! parent_end.send(("square", 12)); print(parent_end.recv())   # 144
//! # Pipe(duplex=False) is a one-way os.pipe(): (read end, write end)
//! ```
//! Rust: 1. one-way, `std::io::pipe()`: the child (this binary again) gets
//! the read end as its stdin, as a shell's `|` does; the parent writes and
//! closes, the child reads until end-of-file. 2. duplex,
//! `UnixStream::pair()` (`socketpair(2)`): each end reads and writes; the
//! child answers requests, the parent times round trips. Values are
//! length-prefixed serde frames (`examples_processes::wire`): a pipe carries
//! bytes, not messages. std makes both close-on-exec: a child holding a
//! copy of the write end would never see end-of-file.
//!
//! Run: cargo run --release -p examples-processes --bin pipe -- --round-trips 100000
#![forbid(unsafe_code)]

use std::io::BufReader;
use std::net::Shutdown;
use std::os::fd::{AsFd as _, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use examples_processes::child::{self, Child};
use examples_processes::wire::{read_frame, write_frame};
use serde::{Deserialize, Serialize};
use shared::output::{heading, line, results, say, say_as};
use shared::timing::format_duration;

const READER_ROLE: &str = "pipe-reader";
const SERVER_ROLE: &str = "pipe-server";

/// The reply to a request: a square, or "too big" (an answer, not a crash).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Reply {
    Squared(u64),
    TooBig(u64),
}

#[derive(Parser, Debug)]
#[command(
    about = "A one-way OS pipe and a duplex socket pair between procesos, carrying serialised values",
    allow_negative_numbers = true
)]
struct Args {
    /// Notes sent down the one-way pipe.
    #[arg(long, default_value_t = 5, value_name = "0..=1000000", value_parser = shared::cli::range(0..=1_000_000u32))]
    notes: u32,
    /// Request/reply round trips timed on the duplex pair.
    #[arg(long, default_value_t = 10_000, value_name = "1..=10000000", value_parser = shared::cli::range(1..=10_000_000u32))]
    round_trips: u32,
}

/// Child, part 1: read notes from stdin (the pipe's read end) until EOF;
/// fails unless `expected` notes came, in order.
fn pipe_reader(expected: u32) -> anyhow::Result<()> {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut count = 0u32;
    // Each note is a (seq, text) pair, as Python's send((seq, text)).
    while let Some((seq, text)) =
        read_frame::<_, (u32, String)>(&mut input).context("reading the pipe")?
    {
        say_as("lector", format!("read note {seq}: {text:?}"));
        ensure!(seq == count, "note {seq} came before {count}");
        count += 1;
    }
    ensure!(count == expected, "{count} notes came, not {expected}");
    say_as("lector", format!("end of file after {count} notes"));
    Ok(())
}

/// Child, part 2: answer requests on stdin (one end of a socket pair)
/// until the parent shuts its writing side (end-of-file).
fn pipe_server() -> anyhow::Result<()> {
    // stdin IS a socket here: take our own handle on it, to read and write.
    let stream = UnixStream::from(std::io::stdin().as_fd().try_clone_to_owned()?);
    let mut requests = BufReader::new(stream.try_clone()?);
    let mut replies = stream;
    while let Some(x) = read_frame::<_, u64>(&mut requests)? {
        // Any u64 can arrive: a plain x * x would overflow (a panic in a
        // debug build, a wrong answer in release).
        write_frame(
            &mut replies,
            &x.checked_mul(x).map_or(Reply::TooBig(x), Reply::Squared),
        )?;
    }
    Ok(())
}

fn one_way(notes: u32) -> anyhow::Result<String> {
    heading("1. One-way: an OS pipe, parent writes, child reads");
    let (read_end, mut pipe) = std::io::pipe().context("pipe")?;
    let mut command = child::self_command(READER_ROLE)?;
    command
        .stdin(Stdio::from(read_end))
        .arg(format!("--notes={notes}"));
    let mut reader = Child::spawn(&mut command, READER_ROLE)?;
    drop(command); // and with it our copy of the read end
    // Unbuffered: write_frame writes each frame with one write(2).
    for seq in 0..notes {
        let text = format!("nota {seq} por la tubería");
        write_frame(&mut pipe, &(seq, text)).context("writing to the pipe")?;
    }
    say(format!("wrote {notes} notes; closing the write end"));
    // Closing our (only) write end is what makes the reader see end-of-file.
    drop(pipe);
    Ok(reader.join_ok(Duration::from_secs(60))?.to_string())
}

fn duplex(round_trips: u32) -> anyhow::Result<Duration> {
    heading("2. Duplex: a socket pair, request and reply");
    let (mut requests, theirs) = UnixStream::pair().context("socketpair")?;
    let mut command = child::self_command(SERVER_ROLE)?;
    command.stdin(Stdio::from(OwnedFd::from(theirs)));
    let mut server = Child::spawn(&mut command, SERVER_ROLE)?;
    drop(command); // our copy of the server's end
    // Replies must not wait forever if the server dies mid-way.
    requests.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut replies = BufReader::new(requests.try_clone()?);
    // One request (a number to square), then its reply.
    let mut ask = |x: u64| -> anyhow::Result<Reply> {
        write_frame(&mut requests, &x)?;
        read_frame(&mut replies)?.context("the server hung up before replying")
    };

    // 2^32 squared needs 65 bits: an answer (TooBig), not an overflow.
    let max = u64::MAX;
    for (x, want) in [
        (12, Reply::Squared(144)),
        (1 << 32, Reply::TooBig(1 << 32)),
        (max, Reply::TooBig(max)),
    ] {
        let got = ask(x)?;
        say(format!("sent {x}, got back {got:?}"));
        ensure!(got == want, "wrong reply: {got:?}");
    }
    say("request/reply round trip works");
    let mut trips = Vec::with_capacity(round_trips as usize);
    for x in 0..u64::from(round_trips) {
        let start = Instant::now();
        let reply = ask(x)?;
        trips.push(start.elapsed());
        ensure!(
            reply == Reply::Squared(x * x),
            "wrong reply to {x}: {reply:?}"
        );
    }
    requests.shutdown(Shutdown::Write)?; // the server reads end-of-file, and ends
    server.join_ok(Duration::from_secs(60))?;
    trips.sort_unstable();
    let median = trips[trips.len() / 2];
    say(format!(
        "round trip: median {} ({round_trips} trips, each checked)",
        format_duration(median)
    ));
    Ok(median)
}

fn parent(args: &Args) -> anyhow::Result<()> {
    let reader_exit = one_way(args.notes)?;
    let median = duplex(args.round_trips)?;
    line(format!(
        "\nValues crossed a one-way pipe in order, and end-of-file came when the only write end\n\
         closed; on the socket pair each request got its reply, a round trip costing {} (median):\n\
         a write and a read on each side, and each side waking the other process up.",
        format_duration(median)
    ));
    results(&[
        ("notes_sent", &args.notes),
        ("reader_exit", &reader_exit),
        ("replies_checked", &(args.round_trips + 3)), // + the three above
        (
            "round_trip_median_us",
            &format!("{:.2}", median.as_secs_f64() * 1e6),
        ),
    ]);
    Ok(())
}

fn main() -> std::process::ExitCode {
    shared::output::start();
    let args = Args::parse();
    // Python's `if __name__ == "__main__":` a re-executed child has a role.
    child::main_with_roles(
        || parent(&args),
        |role| match role {
            READER_ROLE => Some(pipe_reader(args.notes)),
            SERVER_ROLE => Some(pipe_server()),
            _ => None,
        },
    )
}
