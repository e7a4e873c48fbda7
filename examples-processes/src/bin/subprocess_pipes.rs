//! Subproceso por tuberías: a child program served over its stdin/stdout with
//! serde messages (in place of pickle).
//!
//! Ports: notes 004, "subprocess, varios interpretes ... a traves de pipes
//! (hablar cpickle)". Python:
//! ```python
//! child = subprocess.Popen([sys.executable, "server.py"],
//!                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
//! pickle.dump(("sum", [1, 2, 3]), child.stdin); child.stdin.flush()
//! print(pickle.load(child.stdout))          # 6
//! ```
//! Rust: `Command::new(..).stdin(Stdio::piped()).stdout(Stdio::piped())`;
//! the program is this binary again with a role (`child::self_command`,
//! Python's "spawn"). A message is a frame (`examples_processes::wire`): a
//! 4-byte length, then the value encoded by serde + postcard. pickle vs
//! serde: unpickling calls whatever the data names, so `pickle.loads` of the
//! 29 bytes `cos\nsystem\n(S'echo pwned'\ntR.` RUNS `echo pwned`; serde only
//! fills in the types declared here (`Request`, `Op`), so those bytes are a
//! decoding error the child answers, never code. The child logs to stderr:
//! its stdout IS the channel. Round-trip timings: `cargo bench -p
//! examples-processes` ("serialised frames, two pipes").
//!
//! Run: cargo run -p examples-processes --bin subprocess_pipes
#![forbid(unsafe_code)]

use std::io::{BufReader, Read, Write};
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use examples_processes::child::{self, Child};
use examples_processes::wire::{read_bytes_frame, read_frame, write_bytes_frame, write_frame};
use serde::{Deserialize, Serialize};
use shared::output::{heading, line, results, say_as};
use shared::workload::{seed_for, sum_random};

const SERVER: &str = "pipe-server";
/// A pickle that calls `os.system('echo pwned')` when Python loads it.
const EVIL_PICKLE: &[u8] = b"cos\nsystem\n(S'echo pwned'\ntR.";

#[derive(Parser, Debug)]
#[command(
    about = "A child proceso served over stdin/stdout with serde frames",
    allow_negative_numbers = true
)]
struct Args {
    /// How many random numbers the "sum_random" request adds (the notes use 1,000,000).
    #[arg(long, default_value_t = shared::workload::DEFAULT_N, value_name = "1..=100000000",
          value_parser = shared::cli::range(1..=100_000_000u64))]
    n: u64,
}

/// What the parent can ask: the complete list of what the child will ever do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Op {
    Sum(Vec<i64>),
    Upper(String),
    SumRandom { n: u64, seed: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Request {
    id: u32,
    op: Op,
}

/// The answer to request `id` (`None`: the frame was not a `Request`);
/// an error is data too, never a panic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Reply(Option<u32>, Result<String, String>);

/// What one request asks.
fn handle(op: Op) -> Result<String, String> {
    match op {
        Op::Sum(xs) => xs
            .iter()
            .try_fold(0i64, |acc, &x| acc.checked_add(x))
            .map(|s| s.to_string())
            .ok_or("the sum overflows i64".into()),
        Op::Upper(text) => Ok(text.to_uppercase()),
        Op::SumRandom { n, seed } => Ok(sum_random(n, seed).to_string()),
    }
}

/// The child: one reply per frame on stdout, until the parent closes stdin.
fn serve() -> anyhow::Result<()> {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = std::io::stdout().lock();
    let mut served = 0;
    // Decoded here, not by read_frame: a bad frame gets an error reply.
    while let Some(frame) = read_bytes_frame(&mut input)? {
        let reply = match postcard::from_bytes::<Request>(&frame) {
            Ok(Request { id, op }) => Reply(Some(id), handle(op)),
            Err(e) => Reply(None, Err(format!("not a Request: {e}"))),
        };
        write_frame(&mut output, &reply)?;
        served += 1;
    }
    eprintln!("child: stdin closed after {served} frames; exiting"); // stdout is the channel
    Ok(())
}

fn recv(from: &mut impl Read) -> anyhow::Result<Reply> {
    read_frame(from)?.context("the child closed its stdout")
}

/// Sends one request and reads its reply: 1 if it is the value computed here.
fn ask(to: &mut impl Write, from: &mut impl Read, id: u32, op: Op) -> anyhow::Result<u32> {
    let want = Reply(Some(id), handle(op.clone())); // computed here, not there
    write_frame(to, &Request { id, op })?;
    let got = recv(from)?;
    say_as("padre", format!("request {id} -> {got:?}"));
    Ok(u32::from(got == want))
}

fn parent(args: &Args) -> anyhow::Result<()> {
    heading("subprocess: a child over pipes, serde in place of pickle (notes 004)");
    let mut command = child::self_command(SERVER)?; // Command::new(current_exe) + role
    command.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut server = Child::spawn(&mut command, "hijo")?;
    let mut to_child = server.take_stdin().context("piped stdin")?;
    let mut from_child = BufReader::new(server.take_stdout().context("piped stdout")?);
    let say = |message: String| say_as("padre", message);
    say(format!("started the child proceso, pid {}", server.pid()));

    let seed = seed_for(0);
    let ops = [
        Op::Sum((1..=10).collect()),
        Op::Upper("hola, proceso hijo".into()),
        Op::SumRandom { n: args.n, seed },
        Op::Sum(vec![i64::MAX, 1]),
    ];
    let mut matched = 0;
    for (id, op) in (1..).zip(ops) {
        matched += ask(&mut to_child, &mut from_child, id, op)?;
    }
    // On purpose: a well-framed message whose bytes are a pickle, not a Request.
    write_bytes_frame(&mut to_child, EVIL_PICKLE)?;
    let reply = recv(&mut from_child)?;
    let rejected = reply.0.is_none() && reply.1.is_err();
    say(format!(
        "sent the pickle that runs `echo pwned`: rejected as data: {rejected}"
    ));
    let again = Op::Upper("¿sigues ahí?".into());
    matched += ask(&mut to_child, &mut from_child, 5, again)?;

    drop(to_child); // EOF on its stdin: how the child learns we are done
    let exit = server.join_ok(Duration::from_secs(60))?;
    line(format!(
        "\n{matched} of 5 replies matched the value computed in the parent; the pickle got\n\
         an error reply (rejected: {rejected}) and the child kept serving. It ended: {exit}."
    ));
    results(&[
        ("matched", &matched),
        ("expected", &5),
        ("malformed_rejected", &rejected),
        ("child_exit", &exit),
    ]);
    anyhow::ensure!(matched == 5 && rejected, "a reply did not match");
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    let args = Args::parse();
    // Python's `if __name__ == "__main__":` a re-executed child has a role.
    child::main_with_roles(|| parent(&args), |role| (role == SERVER).then(serve))
}
