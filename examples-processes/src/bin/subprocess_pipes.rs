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
//! Python's "spawn"). A message is a frame: a 4-byte length, then the value
//! encoded by serde + postcard; the length says where it ends. pickle vs
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

use anyhow::Context as _;
use clap::Parser;
use examples_processes::child::{self, Child};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
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

/// One frame: the length (4 bytes, little-endian), then the bytes.
fn send_bytes(to: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    to.write_all(&(bytes.len() as u32).to_le_bytes())?;
    to.write_all(bytes)?;
    to.flush()
}

/// The next frame's bytes; `None` at end of stream. A length above 1 MiB
/// is refused before anything is allocated (4 stray bytes could say 4 GiB).
fn recv_bytes(from: &mut impl Read) -> anyhow::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match from.read_exact(&mut len) {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    let len = u32::from_le_bytes(len) as usize;
    anyhow::ensure!(len <= 1 << 20, "a frame of {len} bytes: too long");
    let mut bytes = vec![0; len];
    from.read_exact(&mut bytes)?;
    Ok(Some(bytes))
}

/// A value as a frame: serde (postcard) encodes it, `send_bytes` frames it.
fn send<T: Serialize>(to: &mut impl Write, value: &T) -> anyhow::Result<()> {
    Ok(send_bytes(to, &postcard::to_stdvec(value)?)?)
}

fn recv<T: DeserializeOwned>(from: &mut impl Read) -> anyhow::Result<T> {
    let bytes = recv_bytes(from)?.context("the child closed its stdout")?;
    Ok(postcard::from_bytes(&bytes)?)
}

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
    while let Some(frame) = recv_bytes(&mut input)? {
        let reply = match postcard::from_bytes::<Request>(&frame) {
            Ok(Request { id, op }) => Reply(Some(id), handle(op)),
            Err(e) => Reply(None, Err(format!("not a Request: {e}"))),
        };
        send(&mut output, &reply)?;
        served += 1;
    }
    eprintln!("child: stdin closed after {served} frames; exiting");
    Ok(())
}

/// Sends one request and reads its reply: 1 if it is the value computed here.
fn ask(to: &mut impl Write, from: &mut impl Read, id: u32, op: Op) -> anyhow::Result<u32> {
    let want = Reply(Some(id), handle(op.clone())); // computed here, not there
    send(to, &Request { id, op })?;
    let got: Reply = recv(from)?;
    say_as("padre", format!("request {id} -> {got:?}"));
    Ok(u32::from(got == want))
}

fn parent(args: &Args) -> anyhow::Result<()> {
    let mut command = child::self_command(SERVER)?; // Command::new(current_exe) + role
    command.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut server = Child::spawn(&mut command, "hijo")?;
    let mut to_child = server.take_stdin().context("piped stdin")?;
    let mut from_child = BufReader::new(server.take_stdout().context("piped stdout")?);
    say_as(
        "padre",
        format!("started the child proceso, pid {}", server.pid()),
    );

    let ops = [
        Op::Sum((1..=10).collect()),
        Op::Upper("hola, proceso hijo".into()),
        Op::SumRandom {
            n: args.n,
            seed: seed_for(0),
        },
        Op::Sum(vec![i64::MAX, 1]),
    ];
    let mut matched = 0;
    for (id, op) in (1..).zip(ops) {
        matched += ask(&mut to_child, &mut from_child, id, op)?;
    }
    // On purpose: a well-framed message whose bytes are a pickle, not a Request.
    send_bytes(&mut to_child, EVIL_PICKLE)?;
    let reply: Reply = recv(&mut from_child)?;
    let rejected = reply.0.is_none() && reply.1.is_err();
    say_as(
        "padre",
        format!("sent the pickle that runs `echo pwned`: rejected as data: {rejected}"),
    );
    matched += ask(
        &mut to_child,
        &mut from_child,
        5,
        Op::Upper("¿sigues ahí?".into()),
    )?;

    drop(to_child); // EOF on its stdin: how the child learns we are done
    let exit = server.wait_or_kill(std::time::Duration::from_secs(60))?;
    line("");
    line(format!(
        "{matched} of 5 replies matched the value computed in the parent; the pickle got"
    ));
    line(format!(
        "an error reply (rejected: {rejected}) and the child kept serving. It ended: {exit}."
    ));
    results(&[
        ("matched", &matched),
        ("expected", &5),
        ("malformed_rejected", &rejected),
        ("child_exit", &exit),
    ]);
    anyhow::ensure!(
        matched == 5 && rejected && exit.success(),
        "a reply did not match"
    );
    Ok(())
}

fn main() -> ExitCode {
    shared::output::start();
    let args = Args::parse();
    // Python's `if __name__ == "__main__"`: a re-executed child has a role.
    let result = match child::role().as_deref() {
        Some(SERVER) => child::die_with_parent()
            .map_err(Into::into)
            .and_then(|()| serve()),
        Some(other) => Err(child::ChildError::UnknownRole(other.into()).into()),
        None => {
            heading("subprocess: a child over pipes, serde in place of pickle (notes 004)");
            parent(&args)
        }
    };
    child::exit_code(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_the_pickle_does_not_decode() {
        let request = Request {
            id: 7,
            op: Op::Sum(vec![1, -2, 3]),
        };
        let mut wire = Vec::new();
        send(&mut wire, &request).unwrap();
        assert_eq!(recv::<Request>(&mut wire.as_slice()).unwrap(), request);
        assert!(postcard::from_bytes::<Request>(EVIL_PICKLE).is_err());
        let huge = u32::MAX.to_le_bytes();
        assert!(
            recv_bytes(&mut huge.as_slice()).is_err(),
            "a 4 GiB length is refused"
        );
    }
}
