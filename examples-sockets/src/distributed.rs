//! What `distributed_work` (by hand) and `distributed_rpc` (tarpc) share:
//! the job cut into chunks, the messages of the hand-written protocol, the
//! failures a demo injects, and the worker processes a coordinator starts
//! (on this host, or each in its own network namespace: [`crate::netns`]).
//!
//! The lesson code (the coordinator's loop, the worker's loop) stays in the
//! binaries, and what to do when a worker is lost in them or, for
//! `distributed_work`, in `books.rs` beside it; this is the harness.

use std::io::{self, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use shared::cli::range;
use shared::workload::{WyRand, seed_for, sum_random};

use crate::framing::{FrameError, read_frame, write_frame};
use crate::netns::Network;

/// One piece of the notes' job: the sum of `n` random ints in 1..=100 from
/// the seed `seed` (the same numbers whoever computes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub id: u32,
    pub n: u64,
    pub seed: u64,
}

/// The job: `count` chunks of `n` numbers each (the notes: 8 x 1,000,000).
pub fn job(count: u32, n: u64) -> Vec<Chunk> {
    (0..count)
        .map(|id| Chunk {
            id,
            n,
            seed: seed_for(id as usize),
        })
        .collect()
}

/// The answer computed here, one chunk after another: what every
/// distributed run must equal.
pub fn sequential(chunks: &[Chunk]) -> u64 {
    chunks.iter().map(|c| sum_random(c.n, c.seed)).sum()
}

/// Computes `chunk` as a worker does, calling `halfway` once when half the
/// numbers are summed (where a demo makes a worker fail mid-chunk).
pub fn compute(chunk: &Chunk, halfway: impl FnOnce()) -> u64 {
    let mut rng = WyRand::new(chunk.seed);
    let mut halfway = Some(halfway);
    let mut total = 0u64;
    for i in 0..chunk.n {
        if i == chunk.n / 2
            && let Some(f) = halfway.take()
        {
            f();
        }
        total += rng.randint(1, 100);
    }
    total
}

/// Worker -> coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToCoordinator {
    /// The first message on a connection: who I am.
    Register { name: String, pid: u32 },
    /// "Still alive", every `deadline / 4`, from a hilo of its own.
    Heartbeat,
    /// The answer for one chunk.
    Result { chunk: u32, sum: u64 },
}

/// Coordinator -> worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToWorker {
    Task(Chunk),
    /// No more work: close and exit.
    Done,
}

/// The largest message either side accepts (ours are under 64 bytes). A
/// peer announcing more is cut off before a byte of it is buffered.
pub const MAX_MESSAGE: usize = 1024;

/// Why a message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("not a message: {0}")]
    Decode(#[from] postcard::Error),
}

/// Sends one message: serde (postcard) inside a length-prefixed frame.
pub fn send<T: Serialize>(writer: &mut impl Write, message: &T) -> io::Result<()> {
    let bytes = postcard::to_stdvec(message).map_err(io::Error::other)?;
    write_frame(writer, &bytes)?;
    writer.flush()
}

/// Receives one message; `Ok(None)` when the peer closed cleanly.
pub fn recv<T: DeserializeOwned>(reader: &mut impl Read) -> Result<Option<T>, MessageError> {
    match read_frame(reader, MAX_MESSAGE)? {
        None => Ok(None),
        Some(bytes) => Ok(Some(postcard::from_bytes(&bytes)?)),
    }
}

/// A failure a demo injects into one worker, halfway through its first
/// chunk. The worker sends the signal to itself, so the loss is mid-chunk
/// on every run, however busy the machine (a `kill` from outside could land
/// before the chunk starts or after it ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    /// SIGKILL: the process is gone, its connection closes.
    Kill,
    /// SIGSTOP, never continued: the connection stays open, nothing comes.
    Stop,
    /// SIGSTOP, then the coordinator sends SIGCONT once the chunk was redone
    /// elsewhere: its answer comes back late, a duplicate.
    Late,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::Kill => "kill",
            Fault::Stop => "stop",
            Fault::Late => "late",
        }
    }

    /// Sends this failure's signal to the calling process.
    pub fn strike(self) {
        use nix::sys::signal::{Signal, raise};
        let signal = match self {
            Fault::Kill => Signal::SIGKILL,
            Fault::Stop | Fault::Late => Signal::SIGSTOP,
        };
        // raise() cannot fail for a valid signal; if it ever did, the
        // worker would just go on, and the run would still be correct.
        let _ = raise(signal);
    }
}

/// Where the workers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Hosts {
    /// Every worker on this host, on 127.0.0.1.
    Local,
    /// Each worker in its own network namespace, with its own address (root only).
    Netns,
}

/// The flags both distributed examples take (each flattens them into its
/// own `Args`), so the two are run the same way.
#[derive(Debug, clap::Args)]
pub struct Flags {
    /// Chunks the job is cut into.
    #[arg(long, default_value_t = 8, value_name = "1..=10000", value_parser = range(1..=10_000u32))]
    pub chunks: u32,
    /// Random numbers summed in each chunk.
    #[arg(long, default_value_t = 1_000_000, value_name = "1..=1000000000", value_parser = range(1..=1_000_000_000u64))]
    pub n: u64,
    /// Workers the coordinator starts (0: only workers started by hand with --connect).
    #[arg(long, default_value_t = 3, value_name = "0..=64", value_parser = range(0..=64usize))]
    pub workers: usize,
    /// Make a worker fail halfway through its first chunk (repeat: one per worker, the last ones).
    #[arg(long, value_enum)]
    pub fault: Vec<Fault>,
    /// Where the workers run.
    #[arg(long, value_enum, default_value = "local")]
    pub hosts: Hosts,
    /// The coordinator's address (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub bind: SocketAddr,
    /// A worker that does not answer for this long is lost (ms): no heartbeat (by hand); no reply to a call beyond the chunk's expected work (tarpc).
    #[arg(long, default_value_t = 1000, value_name = "100..=60000", value_parser = range(100..=60_000u64))]
    pub deadline_ms: u64,
    /// Be a worker: join the coordinator at this address.
    #[arg(long, value_name = "HOST:PORT", value_parser = host_port)]
    pub connect: Option<SocketAddr>,
    /// This worker's name (with --connect; default worker-PID).
    #[arg(long)]
    pub name: Option<String>,
    /// The fault of a worker the coordinator started (it passes --fail).
    #[arg(long, hide = true)]
    pub fail: Option<Fault>,
}

impl Flags {
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }

    /// A worker's name: --name, or worker-PID.
    pub fn worker_name(&self) -> String {
        (self.name.clone()).unwrap_or_else(|| format!("worker-{}", std::process::id()))
    }

    /// Worker i's fault: the last `--fault`-many workers get one each.
    pub fn fault_of(&self, i: usize) -> Option<Fault> {
        let first = self.workers.checked_sub(self.fault.len())?;
        self.fault.get(i.checked_sub(first)?).copied()
    }

    /// Starts the cluster: worker i is this binary again, with --connect.
    pub fn start(&self) -> anyhow::Result<(Cluster, TcpListener)> {
        anyhow::ensure!(
            self.fault.len() <= self.workers,
            "more --fault than --workers: one fault per worker"
        );
        Cluster::start(self.hosts, self.bind, self.workers, |i, addr| {
            let mut argv = vec![format!("--connect={addr}"), format!("--name=w{i}")];
            argv.push(format!("--deadline-ms={}", self.deadline_ms));
            argv.extend(self.fault_of(i).map(|f| format!("--fail={}", f.name())));
            argv
        })
    }
}

/// What the coordinator's hilos tell its loop.
#[derive(Debug)]
pub enum Event {
    /// A worker registered; `writer` is where its tasks go.
    Joined {
        id: usize,
        name: String,
        pid: u32,
        peer: SocketAddr,
        writer: TcpStream,
    },
    /// A message from worker `id`.
    Message(usize, ToCoordinator),
    /// Worker `id`'s connection ended (or it never registered): why.
    Gone(usize, String),
}

/// The coordinator's network side, a hilo per connection (as
/// `tcp_echo_threaded`): accepts workers on `listener` and forwards what each
/// says to `events`, its first message must be `Register` (within 5 s), and a
/// bad or oversized frame closes that worker's connection only. Returns when
/// `events`' receiver is gone.
pub fn accept_workers(listener: TcpListener, events: Sender<Event>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const MAX_CONNECTIONS: usize = 256; // a hilo each: bounded
    let open = Arc::new(AtomicUsize::new(0));
    for (id, stream) in listener.incoming().enumerate() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                // Out of file descriptors, say: wait instead of spinning.
                std::thread::sleep(Duration::from_millis(100)); // sleep-ok: back off
                continue;
            }
        };
        if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
            let why = format!("over {MAX_CONNECTIONS} connections");
            if events.send(Event::Gone(id, why)).is_err() {
                return;
            }
            continue; // dropping `stream` closes it
        }
        open.fetch_add(1, Ordering::Relaxed);
        let (events, open) = (events.clone(), Arc::clone(&open));
        std::thread::spawn(move || {
            let _closing = Closing(open);
            let _ = stream.set_nodelay(true);
            // A worker that stops reading must not block the coordinator.
            let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
            let (Ok(writer), Ok(peer)) = (stream.try_clone(), stream.peer_addr()) else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let _ = reader
                .get_ref()
                .set_read_timeout(Some(Duration::from_secs(5)));
            let (name, pid) = match recv(&mut reader) {
                Ok(Some(ToCoordinator::Register { name, pid })) => (name, pid),
                Ok(_) => {
                    return drop(events.send(Event::Gone(id, format!("{peer} sent no Register"))));
                }
                Err(MessageError::Frame(FrameError::Io(e)))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    let why = format!("{peer} sent no Register within 5 s");
                    return drop(events.send(Event::Gone(id, why)));
                }
                Err(e) => return drop(events.send(Event::Gone(id, format!("{peer}: {e}")))),
            };
            // From here, silence is judged by the heartbeats, not by a timeout.
            let _ = reader.get_ref().set_read_timeout(None);
            let joined = Event::Joined {
                id,
                name,
                pid,
                peer,
                writer,
            };
            if events.send(joined).is_err() {
                return;
            }
            let why = loop {
                match recv::<ToCoordinator>(&mut reader) {
                    Ok(Some(message)) => {
                        if events.send(Event::Message(id, message)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => break "connection closed".to_string(),
                    Err(e) => break format!("{e}: connection closed"),
                }
            };
            let _ = reader.get_ref().shutdown(std::net::Shutdown::Both);
            let _ = events.send(Event::Gone(id, why));
        });
    }
}

/// Counts a connection's hilo out when it ends, however it ends.
struct Closing(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Closing {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Wakes a `late` worker: waits (10 s at most) until the process `pid` is
/// really stopped, then sends it SIGCONT. On a loaded machine a worker can be
/// judged silent before it stops itself; a SIGCONT sent then would be lost,
/// and the SIGSTOP after it would stop the worker for good. Returns whether
/// it was woken (false: it was gone, or never stopped).
pub fn wake(pid: u32) -> io::Result<bool> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // "pid (name) S ...": the state follows the last ')'.
        match stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
        {
            Some('T') => {
                signal(pid, nix::sys::signal::Signal::SIGCONT)?;
                return Ok(true);
            }
            None | Some('Z' | 'X') => return Ok(false),
            Some(_) if Instant::now() >= until => return Ok(false),
            Some(_) => std::thread::sleep(Duration::from_millis(2)), // sleep-ok: polling a state with a deadline
        }
    }
}

/// Sends `signal` to the process `pid` (SIGCONT to a stopped worker).
pub fn signal(pid: u32, signal: nix::sys::signal::Signal) -> io::Result<()> {
    use nix::unistd::Pid;
    let pid = i32::try_from(pid).map_err(io::Error::other)?;
    nix::sys::signal::kill(Pid::from_raw(pid), signal).map_err(io::Error::from)
}

/// The worker processes a coordinator started: this same binary again, in
/// worker mode (`--connect <addr>`), the command a student types on another
/// machine. Dropping it kills and reaps every one that is left, so no run
/// leaves a worker behind, whatever way it ends.
#[derive(Debug, Default)]
pub struct Workers {
    children: Vec<(String, Child)>,
}

impl Workers {
    /// Starts `count` workers named w0, w1, ...: `args(i)` are worker i's
    /// arguments. With a `network`, worker i runs in its namespace.
    pub fn start(
        count: usize,
        network: Option<&Network>,
        args: impl Fn(usize) -> Vec<String>,
    ) -> io::Result<Workers> {
        let exe = std::env::current_exe()?;
        let mut workers = Workers::default();
        for i in 0..count {
            let mut command = match network {
                Some(net) => net.command_in(i, &exe),
                None => Command::new(&exe),
            };
            let (key, value) = shared::output::clock_env();
            command
                .args(args(i))
                .env(key, value)
                .stdin(Stdio::null())
                .stdout(Stdio::inherit());
            workers.children.push((format!("w{i}"), command.spawn()?));
        }
        Ok(workers)
    }

    /// The pid of the worker named `name`, if this coordinator started it.
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.children
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.id())
    }

    /// The name and pid of every worker started.
    pub fn started(&self) -> Vec<(String, u32)> {
        (self.children.iter())
            .map(|(name, child)| (name.clone(), child.id()))
            .collect()
    }

    /// How many of the started workers have not exited yet.
    pub fn running(&mut self) -> usize {
        let running = |c: &mut Child| matches!(c.try_wait(), Ok(None));
        self.children
            .iter_mut()
            .filter_map(|(_, c)| running(c).then_some(()))
            .count()
    }

    /// Waits up to `deadline` for every worker to exit by itself, then kills
    /// and reaps the rest; returns how many had to be killed.
    pub fn finish(&mut self, deadline: Duration) -> usize {
        let until = Instant::now() + deadline;
        let mut killed = 0;
        for (_, child) in &mut self.children {
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < until => {
                        std::thread::sleep(Duration::from_millis(10)) // sleep-ok: polling a child with a deadline
                    }
                    _ => {
                        killed += 1;
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
        self.children.clear();
        killed
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The hosts of one run: the coordinator's listener, and the workers it
/// started, on this host or each in a network namespace of its own.
/// Dropping it kills the workers first, then removes the namespaces (fields
/// drop in order), on every way out of `main`, a `?` or a panic included.
#[derive(Debug)]
pub struct Cluster {
    pub workers: Workers,
    network: Option<Network>,
    /// Where workers connect.
    pub addr: SocketAddr,
}

impl Cluster {
    /// Listens on `bind` (with netns: on the namespaces' switch, same port),
    /// then starts `count` workers; `args(i, addr)` are worker i's arguments.
    pub fn start(
        hosts: Hosts,
        bind: SocketAddr,
        count: usize,
        args: impl Fn(usize, SocketAddr) -> Vec<String>,
    ) -> anyhow::Result<(Cluster, TcpListener)> {
        use anyhow::Context;
        let network = match hosts {
            Hosts::Netns => Some(Network::create(count)?),
            Hosts::Local => None,
        };
        let ip = network
            .as_ref()
            .map_or(bind.ip(), |net| net.coordinator_ip().into());
        let listener = TcpListener::bind((ip, bind.port()))
            .with_context(|| format!("cannot listen on {ip}:{}", bind.port()))?;
        let addr = listener.local_addr()?;
        let workers = Workers::start(count, network.as_ref(), |i| args(i, addr))?;
        let cluster = Cluster {
            workers,
            network,
            addr,
        };
        Ok((cluster, listener))
    }

    /// The names' prefix of this run's namespaces and links, or "none".
    pub fn netns_tag(&self) -> String {
        self.network.as_ref().map_or("none".into(), Network::tag)
    }
}

/// The frame around an async (tokio) coordinator, harness only: starts the
/// cluster, says where to join, runs `distribute(listener, started)` (where
/// `started` are the names and pids of the workers started here) until it
/// returns or Ctrl-C / SIGTERM; then closes every connection (the runtime
/// goes, and with it every client), reaps the workers, prints the report.
/// Exit 130 on a signal, 1 on an error or a wrong sum, 0 otherwise.
pub fn coordinate_async<F, Fut>(
    args: &Flags,
    example: &str,
    distribute: F,
) -> anyhow::Result<std::process::ExitCode>
where
    F: FnOnce(tokio::net::TcpListener, Vec<(String, u32)>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Report>>,
{
    use shared::output::say;
    // Signals first: a Ctrl-C while the namespaces are being made must still
    // end in their removal (blocked here, taken by a hilo, seen below).
    let shutdown = crate::Shutdown::new();
    crate::harness::stop_on_signals(shutdown.clone())?;
    let stopped = std::sync::Arc::new(tokio::sync::Notify::new());
    let notify = std::sync::Arc::clone(&stopped);
    shutdown.on_trigger(move || notify.notify_one());
    let (mut cluster, listener) = args.start()?;
    let (addr, tag) = (cluster.addr, cluster.netns_tag());
    listener.set_nonblocking(true)?;
    let started = cluster.workers.started();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = rt.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        if shutdown.is_triggered() {
            return Ok(None);
        }
        say(format!(
            "coordinator on {addr} (netns: {tag}); by hand: {example} --connect {addr}"
        ));
        tokio::select! {
            report = distribute(listener, started) => report.map(Some),
            () = stopped.notified() => Ok(None),
        }
    });
    drop(rt); // closes every connection: each worker sees end-of-file and exits
    let Some(mut report) = report? else {
        drop(cluster); // kills and reaps the workers, then removes the namespaces
        say("stopped by a signal: workers killed, nothing left behind");
        return Ok(std::process::ExitCode::from(130));
    };
    report.killed = cluster.workers.finish(Duration::from_secs(1)); // a stopped one
    report.netns_tag = tag;
    report.print();
    anyhow::ensure!(report.correct(), "the sum is not the sequential sum");
    Ok(std::process::ExitCode::SUCCESS)
}

/// What one worker did, for the report.
#[derive(Debug, Clone)]
pub struct Did {
    pub name: String,
    pub pid: u32,
    pub from: SocketAddr,
    /// Chunk ids it answered first, "3 (redone)" for a redone one.
    pub chunks: Vec<String>,
}

/// The end of a run, printed the same way by both examples: who did what,
/// the timeline, the conclusion in words, the result lines.
#[derive(Debug)]
pub struct Report {
    pub chunks: usize,
    pub workers: Vec<Did>,
    pub sum: u64,
    pub sequential: u64,
    pub redone: usize,
    pub workers_lost: usize,
    pub late_duplicates: u64,
    pub refused: u64,
    pub killed: usize,
    pub wall: Duration,
    pub netns_tag: String,
    pub timeline: shared::timeline::Timeline,
}

impl Report {
    pub fn correct(&self) -> bool {
        self.sum == self.sequential
    }

    pub fn print(&self) {
        use shared::output::{heading, line, results, text};
        heading("who did what");
        for w in &self.workers {
            let (name, pid, from) = (&w.name, w.pid, w.from.to_string());
            let chunks = match w.chunks.is_empty() {
                true => "none".to_string(),
                false => w.chunks.join(", "),
            };
            line(format!(
                "{name:<5} pid {pid:<7} at {from:<18} chunks {chunks}"
            ));
        }
        text(self.timeline.render(shared::timeline::terminal_width()));
        let ms = self.wall.as_secs_f64() * 1e3;
        line(format!(
            "\n{} chunks summed by {} workers in {ms:.1} ms: {}, {} the sum computed here one \
             chunk after another. {} worker(s) lost, {} chunk(s) redone elsewhere, {} late \
             answer(s) not counted twice; {} worker(s) that never came back killed.",
            self.chunks,
            self.workers.len(),
            self.sum,
            if self.correct() {
                "equal to"
            } else {
                "NOT equal to"
            },
            self.workers_lost,
            self.redone,
            self.late_duplicates,
            self.killed,
        ));
        let hosts = if self.netns_tag == "none" {
            "local"
        } else {
            "netns"
        };
        results(&[
            ("chunks", &self.chunks),
            ("workers", &self.workers.len()),
            ("sum", &self.sum),
            ("sum_sequential", &self.sequential),
            ("correct", &self.correct()),
            ("redone", &self.redone),
            ("workers_lost", &self.workers_lost),
            ("late_duplicates", &self.late_duplicates),
            ("refused", &self.refused),
            ("killed", &self.killed),
            ("wall_ms", &format!("{ms:.1}")),
            (
                "chunks_per_s",
                &format!("{:.1}", self.chunks as f64 / self.wall.as_secs_f64()),
            ),
            ("hosts", &hosts),
            ("netns_tag", &self.netns_tag),
        ]);
    }
}

/// Parses `--connect`: "HOST:PORT" with a name or an address
/// ("pc-aula-3.local:7100", "192.168.1.10:7100"), resolved now, so a typo
/// is a clear error before anything starts.
pub fn host_port(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let mut found = text
        .to_socket_addrs()
        .map_err(|e| format!("{text:?} is not HOST:PORT ({e})"))?;
    found
        .next()
        .ok_or_else(|| format!("{text:?} resolves to no address"))
}

/// Connects to `addr`, retrying for up to `deadline` (a worker started
/// before its coordinator listens, or on a link still coming up).
pub fn connect_within(addr: SocketAddr, deadline: Duration) -> io::Result<std::net::TcpStream> {
    let until = Instant::now() + deadline;
    loop {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(stream) => {
                // Small messages, answered at once: no Nagle delay.
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) if Instant::now() >= until => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)), // sleep-ok: retry pause
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_computed_with_a_pause_halfway_is_the_notes_sum() {
        for chunk in job(3, 1001) {
            let mut called = 0;
            assert_eq!(
                compute(&chunk, || called += 1),
                sum_random(chunk.n, chunk.seed)
            );
            assert_eq!(called, 1);
        }
        let chunks = job(4, 100);
        assert_eq!(
            sequential(&chunks),
            chunks.iter().map(|c| compute(c, || ())).sum::<u64>()
        );
    }

    #[test]
    fn connect_takes_names_and_addresses() {
        assert_eq!(host_port("127.0.0.1:7100").unwrap().port(), 7100);
        assert!(host_port("localhost:7100").unwrap().ip().is_loopback());
        assert!(host_port("nowhere").is_err());
        assert!(host_port("127.0.0.1:99999").is_err());
    }

    #[test]
    fn messages_round_trip_and_garbage_is_an_error() {
        let mut wire = Vec::new();
        send(&mut wire, &ToCoordinator::Result { chunk: 3, sum: 50 }).unwrap();
        send(&mut wire, &ToWorker::Task(job(1, 10)[0])).unwrap();
        let mut r = &wire[..];
        assert_eq!(
            recv::<ToCoordinator>(&mut r).unwrap(),
            Some(ToCoordinator::Result { chunk: 3, sum: 50 })
        );
        assert_eq!(
            recv::<ToWorker>(&mut r).unwrap(),
            Some(ToWorker::Task(job(1, 10)[0]))
        );
        assert!(recv::<ToWorker>(&mut r).unwrap().is_none());
        // A well-framed frame that is not a message.
        let mut bad = Vec::new();
        write_frame(&mut bad, &[0xff, 0xff, 0xff]).unwrap();
        assert!(matches!(
            recv::<ToCoordinator>(&mut &bad[..]),
            Err(MessageError::Decode(_))
        ));
        // A frame announcing 1 GiB is refused before it is read.
        let huge = (1u32 << 30).to_be_bytes();
        assert!(matches!(
            recv::<ToCoordinator>(&mut &huge[..]),
            Err(MessageError::Frame(FrameError::FrameTooLong { .. }))
        ));
    }
}
