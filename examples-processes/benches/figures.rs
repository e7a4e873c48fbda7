//! Figures for examples-processes, measured in one run on this machine.
//!
//! - Round-trip latency of a small message between two processes: a bare
//!   1-byte write/read ping-pong on two pipes (the floor), serialised frames
//!   over two pipes (the `subprocess_pipes` example's round trip: a child's
//!   stdin and stdout, serde + postcard frames) and over a socket pair
//!   (`examples_processes::wire`), an ipc-channel, and a Manager proxy call.
//! - Pool throughput: the process pool against rayon, on tiny tasks (the
//!   per-task cost) and on the notes' job (the sum of 1,000,000 random ints).
//! - The time to start a child and reap it: fork + `_exit` + waitpid, and
//!   re-executing this bench binary (the "spawn" start method).
//!
//! The peer processes are this same binary, re-executed with a role (the
//! pool workers and the Manager server too), so every figure measures the
//! library the examples use. Two targets tell whether the library's costs
//! are sensible: serialising and framing a message should not make a pipe or
//! socket-pair round trip more than twice as slow as the bare 1-byte
//! ping-pong (the time goes into waking the other process, not into
//! encoding), and a Manager proxy call should stay under 100 µs. Each
//! figure says whether it met its target; a miss is printed as a miss.
//!
//! Run: cargo bench -p examples-processes --bench figures
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::os::fd::{AsFd as _, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use examples_processes::child::{self, Child};
use examples_processes::manager::{self, Manager};
use examples_processes::pool::{self, Pool, Task};
use examples_processes::wire::{read_frame, write_frame};
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shared::timing::format_duration;
use shared::workload::{seed_for, sum_random};

const RAW_ECHO: &str = "echo-raw";
const FRAME_ECHO: &str = "echo-frames";
const IPC_ECHO: &str = "echo-ipc";
const EXIT_AT_ONCE: &str = "exit";

/// Round trips timed per transport.
const TRIPS: usize = 20_000;
/// ...in this many interleaved rounds (plus one warm-up round).
const ROUNDS: usize = 10;

const BARE: &str = "round trip: bare 1-byte write/read ping-pong, two pipes";
const BARE_SOCKET: &str = "round trip: bare 1-byte write/read ping-pong, socket pair";
const PIPES: &str = "round trip: serialised frames, two pipes";
const SOCKETS: &str = "round trip: serialised frames, socket pair";
const IPC: &str = "round trip: ipc-channel (postcard over a Unix socket)";
const PROXY: &str = "Manager proxy call (append, round trip to the server)";
/// Children started and reaped per start method.
const STARTS: usize = 300;

/// The small message: what a request of the examples looks like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Message {
    Square(u64),
    Squared(u64),
}

/// The pool's tasks for the throughput figures.
#[derive(Debug, Serialize, Deserialize)]
enum BenchJob {
    Square(u64),
    SumRandom { n: u64, seed: u64 },
}

impl Task for BenchJob {
    type Output = u64;
    fn run(self) -> u64 {
        match self {
            BenchJob::Square(x) => x * x,
            BenchJob::SumRandom { n, seed } => sum_random(n, seed),
        }
    }
}

/// Per-trip times, summarised.
struct Latency {
    median: Duration,
    p90: Duration,
}

fn summarise(mut samples: Vec<Duration>) -> Latency {
    samples.sort_unstable();
    Latency {
        median: samples[samples.len() / 2],
        p90: samples[samples.len() * 9 / 10],
    }
}

// ---- the peer processes -------------------------------------------------

/// Reads one byte from stdin, writes it back on stdout, until EOF.
fn raw_echo() {
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    let mut byte = [0u8; 1];
    while let Ok(1) = input.read(&mut byte) {
        if output
            .write_all(&byte)
            .and_then(|()| output.flush())
            .is_err()
        {
            break;
        }
    }
}

/// Reads a framed Square(x) from stdin, writes a framed Squared(x*x) to
/// stdout, until EOF. stdin and stdout are raw fds (pipes or one socket).
fn frame_echo() -> std::io::Result<()> {
    let mut input = BufReader::new(File::from(std::io::stdin().as_fd().try_clone_to_owned()?));
    let mut output = File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    while let Some(message) = read_frame::<_, Message>(&mut input)? {
        let reply = match message {
            Message::Square(x) => Message::Squared(x * x),
            other => other,
        };
        write_frame(&mut output, &reply)?;
    }
    Ok(())
}

/// Echoes over ipc-channel until the parent hangs up.
fn ipc_echo() -> Result<(), child::ChildError> {
    let (requests, replies): (IpcReceiver<Message>, IpcSender<Message>) =
        child::receive_arg(child::STARTUP_LIMIT)?;
    while let Ok(Message::Square(x)) = requests.recv() {
        if replies.send(Message::Squared(x * x)).is_err() {
            break;
        }
    }
    Ok(())
}

// ---- the figures --------------------------------------------------------

fn start_and_reap_by_fork() -> Latency {
    let mut samples = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        let start = Instant::now();
        let mut child = Child::fork("bench-fork", || 0).expect("fork");
        let exit = child.wait().expect("reap");
        samples.push(start.elapsed());
        assert!(exit.success());
    }
    summarise(samples)
}

fn start_and_reap_by_reexec() -> Latency {
    let mut samples = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        let start = Instant::now();
        let mut child = Child::spawn_self(EXIT_AT_ONCE, &[]).expect("re-exec");
        let exit = child.wait().expect("reap");
        samples.push(start.elapsed());
        assert!(exit.success());
    }
    summarise(samples)
}

/// A pipe, (read end, write end), as plain file descriptors. std's pipe is
/// close-on-exec on every Unix (nix's `pipe2` does not exist on macOS).
fn pipe_fds() -> (OwnedFd, OwnedFd) {
    let (read, write) = std::io::pipe().expect("pipe");
    (OwnedFd::from(read), OwnedFd::from(write))
}

/// A connected pair of Unix stream sockets, close-on-exec, as plain fds.
fn socket_pair_fds() -> (OwnedFd, OwnedFd) {
    let (one, other) = UnixStream::pair().expect("socketpair");
    (OwnedFd::from(one), OwnedFd::from(other))
}

/// A child with the given stdin and stdout, running `role`.
fn peer(role: &str, stdin: Stdio, stdout: Stdio) -> Child {
    let mut command = child::self_command(role).expect("self command");
    command.stdin(stdin).stdout(stdout);
    Child::spawn(&mut command, role).expect("start the peer")
}

fn finish(mut child: Child) {
    let exit = child
        .wait_or_kill(Duration::from_secs(10))
        .expect("the peer ends on EOF");
    assert!(exit.success(), "peer: {exit}");
}

/// The floor: one byte each way, no serialisation.
struct Bare {
    out: File,
    back: File,
    child: Child,
}

impl Bare {
    /// On two pipes.
    fn pipes() -> Bare {
        let (to_child_r, to_child_w) = pipe_fds();
        let (from_child_r, from_child_w) = pipe_fds();
        let child = peer(RAW_ECHO, Stdio::from(to_child_r), Stdio::from(from_child_w));
        Bare {
            out: File::from(to_child_w),
            back: File::from(from_child_r),
            child,
        }
    }

    /// On a socket pair (the child's stdin and stdout are its end).
    fn socket_pair() -> Bare {
        let (ours, theirs) = socket_pair_fds();
        let theirs_too = theirs.try_clone().unwrap();
        let child = peer(RAW_ECHO, Stdio::from(theirs), Stdio::from(theirs_too));
        Bare {
            out: File::from(ours.try_clone().unwrap()),
            back: File::from(ours),
            child,
        }
    }

    fn trip(&mut self, i: u64) {
        let mut byte = [i as u8];
        self.out.write_all(&byte).unwrap();
        self.back.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], i as u8);
    }

    fn finish(self) {
        // A socket stays open while any of its fds does: hang up both.
        drop(self.out);
        drop(self.back);
        finish(self.child);
    }
}

/// Serialised frames (examples_processes::wire) over any byte stream.
struct Framed<W: Write, R: Read> {
    out: W,
    back: BufReader<R>,
    child: Child,
}

impl<W: Write, R: Read> Framed<W, R> {
    fn trip(&mut self, x: u64) {
        write_frame(&mut self.out, &Message::Square(x)).unwrap();
        let reply: Option<Message> = read_frame(&mut self.back).unwrap();
        assert_eq!(reply, Some(Message::Squared(x * x)));
    }

    fn finish(self) {
        // Dropping our ends gives the peer end-of-file.
        drop(self.out);
        drop(self.back);
        finish(self.child);
    }
}

fn framed_pipes() -> Framed<File, File> {
    let (to_child_r, to_child_w) = pipe_fds();
    let (from_child_r, from_child_w) = pipe_fds();
    let child = peer(
        FRAME_ECHO,
        Stdio::from(to_child_r),
        Stdio::from(from_child_w),
    );
    Framed {
        out: File::from(to_child_w),
        back: BufReader::new(File::from(from_child_r)),
        child,
    }
}

fn framed_socket_pair() -> Framed<UnixStream, UnixStream> {
    let (ours, theirs) = socket_pair_fds();
    let theirs_too = theirs.try_clone().unwrap();
    let child = peer(FRAME_ECHO, Stdio::from(theirs), Stdio::from(theirs_too));
    let out = UnixStream::from(ours);
    let back = BufReader::new(out.try_clone().unwrap());
    Framed { out, back, child }
}

/// An ipc-channel pair to an echoing child.
struct IpcPeer {
    requests: IpcSender<Message>,
    replies: IpcReceiver<Message>,
    child: Child,
}

impl IpcPeer {
    fn start() -> IpcPeer {
        let (requests, child_requests) = ipc::channel::<Message>().unwrap();
        let (child_replies, replies) = ipc::channel::<Message>().unwrap();
        let child = child::spawn_self_with(
            IPC_ECHO,
            IPC_ECHO,
            (child_requests, child_replies),
            child::STARTUP_LIMIT,
        )
        .expect("start the ipc peer");
        IpcPeer {
            requests,
            replies,
            child,
        }
    }

    fn trip(&mut self, x: u64) {
        self.requests.send(Message::Square(x)).unwrap();
        assert_eq!(self.replies.recv().unwrap(), Message::Squared(x * x));
    }

    fn finish(self) {
        drop(self.requests);
        finish(self.child);
    }
}

/// Round-trip latency of every transport, measured in interleaved rounds
/// (a few thousand trips of each, in turn, again and again), so that the
/// load swings of a shared machine hit every transport alike.
fn round_trips() -> Vec<(&'static str, Latency)> {
    let mut bare = Bare::pipes();
    let mut bare_socket = Bare::socket_pair();
    let mut pipes = framed_pipes();
    let mut sockets = framed_socket_pair();
    let mut ipc = IpcPeer::start();
    let manager = Manager::start().expect("start the manager");
    let list = manager.list().expect("a list");

    let names = [BARE, BARE_SOCKET, PIPES, SOCKETS, IPC, PROXY];
    let mut samples: Vec<Vec<Duration>> = names.iter().map(|_| Vec::with_capacity(TRIPS)).collect();
    {
        let mut trips: Vec<Box<dyn FnMut(u64) + '_>> = vec![
            Box::new(|i| bare.trip(i)),
            Box::new(|i| bare_socket.trip(i)),
            Box::new(|x| pipes.trip(x)),
            Box::new(|x| sockets.trip(x)),
            Box::new(|x| ipc.trip(x)),
            Box::new(|x| list.append(x as i64).unwrap()),
        ];
        let per_round = TRIPS / ROUNDS;
        for round in 0..=ROUNDS {
            for (trip, samples) in trips.iter_mut().zip(&mut samples) {
                for i in 0..per_round as u64 {
                    let start = Instant::now();
                    trip(i);
                    // Round 0 is the warm-up: not kept.
                    if round > 0 {
                        samples.push(start.elapsed());
                    }
                }
            }
        }
    }
    assert_eq!(
        list.len().unwrap(),
        TRIPS + TRIPS / ROUNDS,
        "every append arrived"
    );
    bare.finish();
    bare_socket.finish();
    pipes.finish();
    sockets.finish();
    ipc.finish();
    drop(list);
    manager.shutdown().expect("stop the manager");
    names
        .into_iter()
        .zip(samples.into_iter().map(summarise))
        .collect()
}

/// Runs `f` RUNS times; the median wall time, and the (checked) result.
fn median_of<T: PartialEq + std::fmt::Debug>(expected: &T, mut f: impl FnMut() -> T) -> Duration {
    const RUNS: usize = 5;
    let mut walls: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let got = f();
            let wall = start.elapsed();
            assert_eq!(&got, expected, "results are checked before a time is shown");
            wall
        })
        .collect();
    walls.sort_unstable();
    walls[RUNS / 2]
}

/// Wall time (median of 5) for the pool and rayon on the same tasks.
fn pool_vs_rayon(workers: usize) -> Vec<(String, Duration, usize)> {
    let mut rows = Vec::new();
    let mut pool = Pool::<BenchJob>::start(workers).expect("start the pool");
    let mut pool_map = |tasks: Vec<BenchJob>| -> Vec<u64> {
        pool.run_all(tasks)
            .expect("the pool ran")
            .into_iter()
            .map(|r| r.expect("no worker crashed"))
            .collect()
    };
    // Start rayon's threads before timing it.
    let _ = (0..1000u64).into_par_iter().sum::<u64>();

    let tiny = 20_000u64;
    let squares: Vec<u64> = (0..tiny).map(|x| x * x).collect();
    let wall = median_of(&squares, || {
        pool_map((0..tiny).map(BenchJob::Square).collect())
    });
    rows.push((
        format!("pool map, {tiny} tiny tasks ({workers} processes)"),
        wall,
        tiny as usize,
    ));
    let wall = median_of(&squares, || {
        (0..tiny)
            .into_par_iter()
            .map(|x| x * x)
            .collect::<Vec<u64>>()
    });
    rows.push((format!("rayon map, {tiny} tiny tasks"), wall, tiny as usize));

    let jobs = 64usize;
    let n = shared::workload::DEFAULT_N;
    let expected = shared::workload::expected_sums(jobs, n);
    let wall = median_of(&expected, || {
        (0..jobs)
            .map(|i| sum_random(n, seed_for(i)))
            .collect::<Vec<u64>>()
    });
    rows.push((
        format!("sequential, {jobs} notes' jobs (1 thread)"),
        wall,
        jobs,
    ));
    let wall = median_of(&expected, || {
        pool_map(
            (0..jobs)
                .map(|i| BenchJob::SumRandom {
                    n,
                    seed: seed_for(i),
                })
                .collect(),
        )
    });
    rows.push((
        format!("pool map, {jobs} notes' jobs ({workers} processes)"),
        wall,
        jobs,
    ));
    let wall = median_of(&expected, || {
        (0..jobs)
            .into_par_iter()
            .map(|i| sum_random(n, seed_for(i)))
            .collect::<Vec<u64>>()
    });
    rows.push((format!("rayon map, {jobs} notes' jobs"), wall, jobs));
    pool.shutdown();
    rows
}

fn verdict(value: Duration, limit: Duration) -> &'static str {
    if value <= limit { "met" } else { "MISSED" }
}

fn main() {
    if let Some(role) = child::role() {
        let outcome: Result<(), String> = match role.as_str() {
            RAW_ECHO => {
                raw_echo();
                Ok(())
            }
            FRAME_ECHO => frame_echo().map_err(|e| e.to_string()),
            IPC_ECHO => ipc_echo().map_err(|e| e.to_string()),
            EXIT_AT_ONCE => Ok(()),
            manager::SERVER_ROLE => manager::serve().map_err(|e| e.to_string()),
            pool::WORKER_ROLE => pool::worker_main::<BenchJob>().map_err(|e| e.to_string()),
            other => Err(format!("unknown role {other}")),
        };
        if let Err(error) = outcome {
            eprintln!("{role}: {error}");
            std::process::exit(1);
        }
        return;
    }

    // Fork first, while this process has one thread (rayon's pool and the
    // accept helper come later).
    let fork = start_and_reap_by_fork();
    let reexec = start_and_reap_by_reexec();
    let latencies = round_trips();
    let latency =
        |name: &str| -> &Latency { &latencies.iter().find(|(n, _)| *n == name).unwrap().1 };
    let (bare, bare_socket, pipes, sockets, ipc, proxy) = (
        latency(BARE),
        latency(BARE_SOCKET),
        latency(PIPES),
        latency(SOCKETS),
        latency(IPC),
        latency(PROXY),
    );
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let throughput = pool_vs_rayon(cores);

    let exe_size = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| m.len() / 1024)
        .unwrap_or(0);
    let ratio = |l: &Latency| l.median.as_secs_f64() / bare.median.as_secs_f64();
    println!("examples-processes figures: {cores} cores, release build, one run");
    println!(
        "Round trips: {TRIPS} of each, in {ROUNDS} interleaved rounds after a warm-up round; \
         median and p90 per trip."
    );
    println!();
    println!("| figure | median | p90 | target | |");
    println!("|---|---|---|---|---|");
    let row = |name: &str, l: &Latency, target: &str, result: &str| {
        println!(
            "| {name} | {} | {} | {target} | {result} |",
            format_duration(l.median),
            format_duration(l.p90)
        );
    };
    row(BARE, bare, "(the floor)", "1.00x");
    row(
        BARE_SOCKET,
        bare_socket,
        "",
        &format!("{:.2}x", ratio(bare_socket)),
    );
    // Each framed transport against the bare ping-pong on the same kind of
    // channel: what serialisation and framing add. Also against bare pipes.
    for (name, framed, floor) in [(PIPES, pipes, bare), (SOCKETS, sockets, bare_socket)] {
        let own = framed.median.as_secs_f64() / floor.median.as_secs_f64();
        row(
            name,
            framed,
            "within 2x of bare (same channel)",
            &format!(
                "{own:.2}x: {}; {:.2}x bare pipes",
                if own <= 2.0 { "met" } else { "MISSED" },
                ratio(framed)
            ),
        );
    }
    row(IPC, ipc, "", &format!("{:.2}x", ratio(ipc)));
    row(
        PROXY,
        proxy,
        "under 100 µs",
        &format!(
            "{:.2}x bare: {}",
            ratio(proxy),
            verdict(proxy.median, Duration::from_micros(100))
        ),
    );
    row("start + reap a child: fork, _exit, waitpid", &fork, "", "");
    row(
        &format!("start + reap a child: re-exec this binary ({exe_size} KiB)"),
        &reexec,
        "",
        &format!(
            "{:.1}x fork",
            reexec.median.as_secs_f64() / fork.median.as_secs_f64()
        ),
    );
    println!();
    println!("| pool throughput (median of 5 runs, results checked) | wall | tasks/s |");
    println!("|---|---|---|");
    for (name, wall, tasks) in &throughput {
        println!(
            "| {name} | {} | {:.0} |",
            format_duration(*wall),
            *tasks as f64 / wall.as_secs_f64()
        );
    }
}
