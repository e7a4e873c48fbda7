//! Subproceso por tuberías: a child program served over stdin/stdout with serde messages (in place of pickle).
//!
//! Ports: notes 004, "subprocess, varios interpretes corriendo a la vez a
//! traves de pipes, socket, etc. (hablar cpickle)".
//!
//! Python:
//! ```python
//! child = subprocess.Popen([sys.executable, "server.py"],
//!                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
//! pickle.dump(("sum", [1, 2, 3]), child.stdin); child.stdin.flush()
//! print(pickle.load(child.stdout))          # 6
//! ```
//! Rust: the child is this same binary re-executed with a role (Python's
//! "spawn"), its stdin and stdout are pipes, and every message is a frame
//! (`examples_processes::wire`, as in `pipe`): a 4-byte little-endian
//! length, then the message encoded with serde + postcard (a compact binary
//! format). The length tells the reader where a message ends, so a message
//! may contain any bytes, newlines included. A frame is at most
//! `wire::MAX_FRAME` (1 MiB): a longer one is refused by the writer, and a
//! length above it, read from a corrupt stream, is refused by the reader
//! before it allocates anything (a stray 4 bytes could announce 4 GiB). The
//! frames are read and written as bytes here, and decoded apart, so that a
//! frame that is not a `Request` gets an error reply instead of ending the
//! stream.
//!
//! pickle vs serde: a pickle can carry CODE. Unpickling calls whatever
//! callable the data names (`__reduce__`), so unpickling bytes from someone
//! you do not trust runs their program: the example sends the classic
//! 29-byte pickle `cos\nsystem\n(S'echo pwned'\ntR.`, which `pickle.loads`
//! turns into a call of `os.system('echo pwned')`. serde only fills in the types this
//! program declares (`Request`, `Op`): bytes that do not fit are a decoding
//! error, a value the server answers with, never something it executes.
//! Neither can send a closure: what the parent asks for is an enum variant,
//! and the enum is the complete list of what the child will ever do.
//!
//! What you will see: the parent sends requests (a sum, an upper-case, the
//! notes' sum of 1,000,000 random numbers), then a malformed frame on
//! purpose, then one more request; each reply carries its request's id and
//! is checked against a value computed in the parent. The malformed frame
//! gets an error reply and the child keeps serving. The child logs to
//! stderr, because its stdout IS the channel: a stray print there would
//! corrupt the stream.
//!
//! Run: cargo run -p examples-processes --bin subprocess_pipes
//!      cargo run -p examples-processes --bin subprocess_pipes -- --n 1000
#![forbid(unsafe_code)]

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::process::Stdio;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use examples_processes::child::{self, Child, self_command};
use examples_processes::wire::{read_bytes_frame, write_bytes_frame};
use serde::{Deserialize, Serialize};
use shared::output::{elapsed, format_line, heading, line, say_as};
use shared::timing::format_duration;
use shared::workload::{DEFAULT_N, seed_for, sum_random};

/// The role of the re-executed child.
const SERVER_ROLE: &str = "pipe-server";

#[derive(Parser, Debug)]
#[command(
    allow_negative_numbers = true,
    about = "A child proceso served over stdin/stdout with length-prefixed serde (postcard) messages"
)]
struct Args {
    /// How many random numbers the "sum_random" request adds (the notes use 1,000,000).
    #[arg(long, default_value_t = DEFAULT_N, value_name = "1..=100_000_000", value_parser = shared::cli::range(1..=100_000_000u64))]
    n: u64,
    /// How many small requests to time for the round-trip figure (0 = skip).
    #[arg(long, default_value_t = 1000, value_name = "0..=1_000_000", value_parser = shared::cli::range(0..=1_000_000u32))]
    pings: u32,
    /// How long the parent waits for each reply, in ms.
    #[arg(long, default_value_t = 20_000, value_name = "1..=600_000", value_parser = shared::cli::range(1..=600_000u64))]
    timeout_ms: u64,
}

/// A protocol-0 pickle that calls `os.system('echo pwned')` when Python
/// loads it: `c` GLOBAL os.system, `(` MARK, `S` the string argument, `t`
/// TUPLE, `R` REDUCE (call the global with the tuple), `.` STOP.
const EVIL_PICKLE: &[u8] = b"cos\nsystem\n(S'echo pwned'\ntR.";

// ---- The protocol: the only things that can cross the pipe. ----

/// What the parent can ask. The child can do exactly these, nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Op {
    /// Add these numbers (an overflow is an error reply, not a panic).
    Sum(Vec<i64>),
    /// Upper-case this text.
    Upper(String),
    /// The notes' job: the sum of `n` random ints in 1..=100 from `seed`.
    SumRandom { n: u64, seed: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Request {
    /// Chosen by the parent; the reply carries it back.
    id: u32,
    op: Op,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Answer {
    Number(i64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Reply {
    /// The answer to request `id`.
    Done { id: u32, answer: Answer },
    /// Request `id` was understood but failed (e.g. overflow).
    Failed { id: u32, error: String },
    /// The frame could not be decoded as a `Request`: no id to answer to.
    Malformed { error: String },
}

// ---- The child: a server on its own stdin/stdout. ----

/// The child's log line, on stderr: stdout carries the frames.
fn log(message: &str) {
    eprintln!(
        "{}",
        format_line(elapsed(), std::process::id(), "hijo", message)
    );
}

/// Does what one request asks.
fn handle(request: Request) -> Reply {
    let id = request.id;
    match request.op {
        Op::Sum(numbers) => match numbers.iter().try_fold(0i64, |acc, &x| acc.checked_add(x)) {
            Some(total) => Reply::Done {
                id,
                answer: Answer::Number(total),
            },
            None => Reply::Failed {
                id,
                error: "the sum overflows i64".into(),
            },
        },
        Op::Upper(text) => Reply::Done {
            id,
            answer: Answer::Text(text.to_uppercase()),
        },
        Op::SumRandom { n, seed } => match i64::try_from(sum_random(n, seed)) {
            Ok(total) => Reply::Done {
                id,
                answer: Answer::Number(total),
            },
            Err(_) => Reply::Failed {
                id,
                error: "the sum does not fit i64".into(),
            },
        },
    }
}

/// The child's loop: one reply per frame, until the parent closes stdin.
fn serve() -> anyhow::Result<()> {
    let mut input = BufReader::new(io::stdin().lock());
    let mut output = BufWriter::new(io::stdout().lock());
    log("serving requests on stdin/stdout");
    let mut served = 0u32;
    loop {
        let frame = match read_bytes_frame(&mut input) {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(error) => {
                // A broken frame LENGTH means we no longer know where the next
                // frame starts: the stream cannot be trusted, so answer once and stop.
                let reply = Reply::Malformed {
                    error: format!("unreadable frame, closing: {error}"),
                };
                let _ = write_bytes_frame(&mut output, &postcard::to_stdvec(&reply)?);
                bail!("unreadable frame: {error}");
            }
        };
        let reply = match postcard::from_bytes::<Request>(&frame) {
            Ok(request) => {
                // The timed pings (ids from 1000) are not logged one by one.
                if request.id < 1_000 {
                    log(&format!("request {}: {}", request.id, short(&request.op)));
                }
                handle(request)
            }
            // A bad PAYLOAD in a well-framed message: the next frame is still
            // found by its length, so answer with an error and keep serving.
            Err(error) => {
                let error = format!(
                    "malformed request ({} bytes, starting {:02x?}): not a valid Request (postcard: {error})",
                    frame.len(),
                    &frame[..frame.len().min(6)]
                );
                log(&format!("{error}; replying with an error and serving on"));
                Reply::Malformed { error }
            }
        };
        write_bytes_frame(&mut output, &postcard::to_stdvec(&reply)?)?;
        served += 1;
    }
    log(&format!("stdin closed after {served} frames: exiting"));
    Ok(())
}

/// A short description of a request for the log (no 1000-number vectors).
fn short(op: &Op) -> String {
    match op {
        Op::Sum(numbers) if numbers.len() > 4 => format!("Sum({} numbers)", numbers.len()),
        other => format!("{other:?}"),
    }
}

// ---- The parent: a client that checks every reply. ----

/// Reads the child's replies on a thread, so the parent can wait for each
/// with a deadline (a read on a pipe has none).
fn reply_reader(
    mut stdout: impl Read + Send + 'static,
) -> anyhow::Result<Receiver<anyhow::Result<Reply>>> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("replies".into())
        .spawn(move || {
            loop {
                let reply = match read_bytes_frame(&mut stdout) {
                    Ok(Some(frame)) => postcard::from_bytes(&frame).context("undecodable reply"),
                    Ok(None) => break,
                    Err(error) => Err(error).context("reading a reply"),
                };
                let stop = reply.is_err();
                if tx.send(reply).is_err() || stop {
                    break;
                }
            }
        })
        .context("cannot start the reply reader thread")?;
    Ok(rx)
}

/// The parent's expectation for one request, computed here, not in the child.
fn expected(op: &Op) -> Reply {
    handle(Request {
        id: 0,
        op: op.clone(),
    })
}

fn with_id(reply: Reply, id: u32) -> Reply {
    match reply {
        Reply::Done { answer, .. } => Reply::Done { id, answer },
        Reply::Failed { error, .. } => Reply::Failed { id, error },
        malformed => malformed,
    }
}

fn client(args: &Args) -> anyhow::Result<()> {
    let mut command = self_command(SERVER_ROLE)?;
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut server = Child::spawn(&mut command, "hijo")?;
    let mut to_child = server.take_stdin().context("child stdin")?;
    let replies = reply_reader(server.take_stdout().context("child stdout")?)?;
    let limit = Duration::from_millis(args.timeout_ms);
    say_as(
        "padre",
        format!("started the child proceso, pid {}", server.pid()),
    );

    let before: Vec<Op> = vec![
        Op::Sum((1..=10).collect()),
        Op::Upper("hola, proceso hijo".into()),
        Op::SumRandom {
            n: args.n,
            seed: seed_for(0),
        },
        Op::Sum(vec![i64::MAX, 1]),
    ];
    let mut matched = 0;
    let mut total = 0;
    for (index, op) in before.into_iter().enumerate() {
        let id = index as u32 + 1;
        total += 1;
        matched += u32::from(ask(&mut to_child, &replies, limit, id, op)?);
    }

    // On purpose: a well-framed message whose bytes are not a Request but a
    // real pickle (protocol 0): GLOBAL os.system, the argument 'echo pwned',
    // REDUCE (call it). Python's `pickle.loads(evil)` RUNS `echo pwned`.
    // postcard only decodes the declared types: byte 0 ('c' = 99) reads as
    // the request id 99, byte 1 ('o' = 111) as the number of an `Op`
    // variant, and `Op` has three: a decoding error, nothing runs.
    let evil = EVIL_PICKLE;
    write_bytes_frame(&mut to_child, evil).context("send the malformed frame")?;
    say_as(
        "padre",
        format!(
            "sent a malformed frame of {} bytes on purpose: a pickle that would run `echo pwned` in pickle.loads",
            evil.len()
        ),
    );
    let malformed_error = match replies
        .recv_timeout(limit)
        .context("no reply to the malformed frame")??
    {
        Reply::Malformed { error } => error,
        other => bail!("expected an error for the malformed frame, got {other:?}"),
    };
    say_as(
        "padre",
        format!("malformed message got a clear error back: {malformed_error}"),
    );

    // The child is still serving.
    total += 1;
    let kept_serving = ask(
        &mut to_child,
        &replies,
        limit,
        5,
        Op::Upper("¿sigues ahí?".into()),
    )?;
    matched += u32::from(kept_serving);

    // A figure, not a claim: how long one small request takes there and back.
    let round_trip = if args.pings > 0 {
        Some(time_round_trips(
            &mut to_child,
            &replies,
            limit,
            args.pings,
        )?)
    } else {
        None
    };

    // Closing its stdin is how the child learns we are done.
    drop(to_child);
    let exit = server.wait_or_kill(limit)?;
    say_as(
        "padre",
        format!("child proceso {} ended: {exit}", server.pid()),
    );

    line("");
    line(format!(
        "What you saw: {matched} of {total} replies matched their requests (same id, same value"
    ));
    line("as computed in the parent); the malformed message, a pickle that pickle.loads would");
    line("have run as `os.system('echo pwned')`, got an error reply here, not a panic,");
    line(format!(
        "and the child kept serving: {}. serde decoded only the declared types: data, never code.",
        if kept_serving { "yes" } else { "NO" }
    ));
    if let Some((median, p90)) = round_trip {
        line(format!(
            "Round trip (request + reply through two pipes, encode + decode): median {}, p90 {} over {} requests.",
            format_duration(median),
            format_duration(p90),
            args.pings
        ));
    }
    ensure!(
        matched == total && exit.success(),
        "a reply did not match, or the child failed ({exit})"
    );
    Ok(())
}

/// Sends `count` small requests one at a time, each checked, and returns the
/// median and 90th percentile of their round trips. (They swing a lot from
/// run to run on a shared machine: a figure to look at, never to assert.)
fn time_round_trips(
    to_child: &mut impl Write,
    replies: &Receiver<anyhow::Result<Reply>>,
    limit: Duration,
    count: u32,
) -> anyhow::Result<(Duration, Duration)> {
    let mut times = Vec::with_capacity(count as usize);
    for n in 0..count {
        let id = 1_000 + n;
        let request = Request {
            id,
            op: Op::Upper("ping".into()),
        };
        let bytes = postcard::to_stdvec(&request)?;
        let started = Instant::now();
        write_bytes_frame(to_child, &bytes).context("send a ping")?;
        let got = replies
            .recv_timeout(limit)
            .with_context(|| format!("no reply to ping {id} within {limit:?}"))??;
        times.push(started.elapsed());
        let want = Reply::Done {
            id,
            answer: Answer::Text("PING".into()),
        };
        ensure!(got == want, "ping {id} got {got:?}");
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok((at(0.5), at(0.9)))
}

/// Sends one request, waits (deadline) for its reply, and checks it: same
/// id, same value as computed here.
fn ask(
    to_child: &mut impl Write,
    replies: &Receiver<anyhow::Result<Reply>>,
    limit: Duration,
    id: u32,
    op: Op,
) -> anyhow::Result<bool> {
    let want = with_id(expected(&op), id);
    let request = Request { id, op };
    let bytes = postcard::to_stdvec(&request)?;
    write_bytes_frame(to_child, &bytes).context("send a request")?;
    let got = replies
        .recv_timeout(limit)
        .with_context(|| format!("no reply to request {id} within {limit:?}"))??;
    let ok = got == want;
    say_as(
        "padre",
        format!(
            "request {id} {} ({} bytes) -> {got:?}: {}",
            short(&request.op),
            bytes.len(),
            if ok { "matches" } else { "DOES NOT MATCH" }
        ),
    );
    Ok(ok)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Python's `if __name__ == "__main__"`: a re-executed child has a role.
    match child::role().as_deref() {
        Some(SERVER_ROLE) => {
            // First of all: if the parent dies, so do we (no orphans).
            child::die_with_parent()?;
            serve()
        }
        Some(other) => bail!("unknown role {other:?}"),
        None => {
            heading("subprocess: a child over pipes, serde in place of pickle (notes 004)");
            client(&args)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_survive_postcard_and_garbage_does_not_decode() {
        let request = Request {
            id: 7,
            op: Op::Sum(vec![1, -2, 3]),
        };
        let bytes = postcard::to_stdvec(&request).unwrap();
        assert_eq!(postcard::from_bytes::<Request>(&bytes).unwrap(), request);
        // The pickle that would run a command in Python: not a Request.
        assert!(postcard::from_bytes::<Request>(EVIL_PICKLE).is_err());
    }

    #[test]
    fn the_server_answers_errors_as_data() {
        assert_eq!(
            handle(Request {
                id: 3,
                op: Op::Sum(vec![i64::MAX, 1])
            }),
            Reply::Failed {
                id: 3,
                error: "the sum overflows i64".into()
            }
        );
        assert_eq!(
            handle(Request {
                id: 4,
                op: Op::Upper("ñandú".into())
            }),
            Reply::Done {
                id: 4,
                answer: Answer::Text("ÑANDÚ".into())
            }
        );
    }
}
