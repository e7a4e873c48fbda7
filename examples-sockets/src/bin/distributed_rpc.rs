//! The notes' job (CHUNKS sums of N random ints) on worker processes through
//! an RPC framework, tarpc; a chunk whose call failed is retried elsewhere.
//!
//! Ports: notes 004, "Computo distribuido, a travez de mensajes (clusters de
//! estaciones de trabajo, comunicacion via socket)".
//! Python: `xmlrpc` (stdlib; one call at a time, no deadline but a socket
//! timeout), or `BaseManager` over TCP; at scale gRPC (`timeout=`), Ray, Dask.
//! Rust: the service is a trait (`#[tarpc::service] trait Worker`); tarpc does
//! what distributed_work does by hand: frames (length-delimited; bincode is our
//! pick of its formats), the message enum, replies matched to calls, and a
//! deadline per call (`ctx.deadline`) that travels with it: past it the
//! worker's tarpc drops the reply (`served()` counts them). A deadline is not a
//! heartbeat: it bounds the work too, so a slow chunk looks like a lost worker
//! (only distributed_work's heartbeat tells slow from dead); it grows with the
//! chunk here. Still ours: a failed call (connection gone: killed; past the
//! deadline: silent) puts its chunk back at the front, and its worker gets no
//! more work. Workers dial the coordinator, then serve its calls.
//!
//! Run: cargo run -p examples-sockets --bin distributed_rpc -- --workers 4 --fault kill --fault late
//!      distributed_rpc --workers 0 --bind 0.0.0.0:7100   (then, on other machines:)
//!      distributed_rpc --connect COORDINATOR:7100
#![forbid(unsafe_code)]

use std::sync::{Arc, Mutex, atomic::AtomicU64, atomic::Ordering::SeqCst};
use std::time::{Duration, Instant};
use std::{collections::VecDeque, net::SocketAddr, process::ExitCode};

use anyhow::{Context as _, bail, ensure};
use clap::Parser;
use examples_sockets::distributed::{self as dw, Chunk, Did, Fault, Report};
use futures::StreamExt;
use shared::{output::say, output::say_as, timeline::Kind, timeline::Timeline};
use tarpc::{client, client::RpcError, context, serde_transport::Transport};
use tarpc::{server::BaseChannel, server::Channel, tokio_serde::formats::Bincode};
use tokio::task::JoinSet;

/// The service is a trait; tarpc generates `WorkerClient` and the messages.
#[tarpc::service]
trait Worker {
    /// Who the worker is: its name and pid.
    async fn hello() -> (String, u32);
    /// The sum of one chunk.
    async fn sum(chunk: Chunk) -> u64;
    /// How many chunks it has finished, whether its reply went out or not.
    async fn served() -> u64;
}

#[derive(Parser)]
#[command(about = "The notes' job on worker processes, over tarpc RPC")]
#[command(allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    flags: dw::Flags, // --chunks --n --workers --fault --hosts --bind --deadline-ms --connect
}

/// The worker's side of the trait: one call at a time, on one thread.
#[derive(Clone)]
struct Server {
    name: String,
    fail: Arc<Mutex<Option<Fault>>>,
    served: Arc<AtomicU64>,
}

impl Worker for Server {
    async fn hello(self, _: context::Context) -> (String, u32) {
        (self.name, std::process::id())
    }
    async fn sum(self, _: context::Context, chunk: Chunk) -> u64 {
        let fail = self.fail.lock().unwrap().take(); // the first chunk only
        let sum = dw::compute(&chunk, || {
            let Some(fault) = fail else { return };
            let half = format!("chunk {} half done: {}", chunk.id, fault.name());
            say_as(&self.name, half);
            fault.strike();
        });
        self.served.fetch_add(1, SeqCst); // counted before the reply leaves
        sum
    }
    async fn served(self, _: context::Context) -> u64 {
        self.served.load(SeqCst)
    }
}

/// Worker mode: dial the coordinator, then serve its calls until it hangs up.
fn work(addr: SocketAddr, name: String, fail: Option<Fault>) -> anyhow::Result<()> {
    examples_sockets::harness::unblock_stop_signals(); // our coordinator blocked them
    let stream = dw::connect_within(addr, Duration::from_secs(10))
        .with_context(|| format!("cannot join the coordinator at {addr} (retried for 10 s)"))?;
    stream.set_nonblocking(true)?;
    let (fail, served) = (Arc::new(Mutex::new(fail)), Arc::default());
    let server = Server { name, fail, served };
    let mut rt = tokio::runtime::Builder::new_current_thread();
    rt.enable_all().build()?.block_on(async {
        let stream = tokio::net::TcpStream::from_std(stream)?;
        let calls = BaseChannel::with_defaults(Transport::from((stream, Bincode::default())));
        // Each call its own task; the CPU-bound sum holds this one thread, so
        // calls still run one at a time (the exact served() count relies on it).
        let each = |call| async { drop(tokio::spawn(call)) };
        calls.execute(server.serve()).for_each(each).await;
        Ok(()) // end of file: the coordinator is done with us
    })
}

fn main() -> anyhow::Result<ExitCode> {
    shared::output::start();
    let args = Args::parse().flags;
    match args.connect {
        Some(addr) => work(addr, args.worker_name(), args.fail).map(|()| ExitCode::SUCCESS),
        None => dw::coordinate_async(&args, "distributed_rpc", |l, s| distribute(&args, l, s)),
    }
}

/// A worker as the coordinator sees it.
struct Peer {
    did: Did,
    client: WorkerClient,
    fault: Option<Fault>,
    idle: bool,        // no call in flight, and none failed
    lost: Option<u32>, // the chunk whose call failed: after that, no more work
    replies: u64,
}

/// The lesson: each idle, trusted worker gets the next chunk (one call in flight
/// each); a failed call puts its chunk back at the front and its worker is lost.
async fn distribute(
    args: &dw::Flags,
    listener: tokio::net::TcpListener,
    ours: Vec<(String, u32)>,
) -> anyhow::Result<Report> {
    // A call's deadline bounds its work too: 100 ns a number, ~10x a debug
    // build's pace (release: ~100x), so a loaded machine is slow, not lost.
    let deadline = |chunk: &Chunk| args.deadline() + Duration::from_nanos(chunk.n * 100);
    let chunks = dw::job(args.chunks, args.n);
    let mut pending: VecDeque<Chunk> = chunks.iter().copied().collect();
    let mut sums = vec![None; chunks.len()];
    let (mut peers, mut calls, mut hellos) = (Vec::<Peer>::new(), JoinSet::new(), JoinSet::new());
    let (mut timeline, mut started, mut redone, mut refused) = (Timeline::new(), None, 0, 0);
    let join_by = tokio::time::Instant::now() + Duration::from_secs(60);
    while sums.contains(&None) {
        if started.is_some() {
            let idle = peers.iter_mut().enumerate().filter(|(_, p)| p.idle);
            for ((w, peer), chunk) in idle.zip(std::iter::from_fn(|| pending.pop_front())) {
                let mut ctx = context::current();
                ctx.deadline = Instant::now() + deadline(&chunk); // sent with the call
                let (client, start) = (peer.client.clone(), Instant::now());
                calls.spawn(async move { (w, chunk, start, client.sum(ctx, chunk).await) });
                peer.idle = false;
            }
        }
        tokio::select! {
            Some(call) = calls.join_next() => {
                let (w, chunk, start, result) = call?;
                let (id, name) = (chunk.id as usize, peers[w].did.name.clone());
                let why = match result {
                    Ok(sum) => {
                        peers[w].idle = true;
                        peers[w].replies += 1;
                        if sums[id].is_some() { continue } // the first answer counts
                        sums[id] = Some(sum);
                        let again = peers.iter().any(|p| p.lost == Some(chunk.id));
                        let kind = if again { Kind::Redone } else { Kind::Cpu };
                        timeline.record(&name, kind, start, Instant::now());
                        let redo = if again { " (redone)" } else { "" };
                        peers[w].did.chunks.push(format!("{id}{redo}"));
                        say_as(&name, format!("chunk {id} = {sum}{redo}"));
                        // A late worker that lost it may go on (once: a chunk is answered once);
                        // its reply will come too late. wake() waits for it to have stopped.
                        let late = |p: &&Peer| p.lost == Some(chunk.id) && p.fault == Some(Fault::Late);
                        for p in peers.iter().filter(late) {
                            say(format!("chunk {id} redone: SIGCONT to {} once stopped", p.did.name));
                            let pid = p.did.pid;
                            tokio::task::spawn_blocking(move || dw::wake(pid)).await??;
                        }
                        continue;
                    }
                    Err(RpcError::DeadlineExceeded) => format!("no reply in {:?}", deadline(&chunk)),
                    Err(RpcError::Shutdown | RpcError::Channel(_)) => "connection closed".into(),
                    Err(e) => e.to_string(),
                };
                timeline.record(&name, Kind::Lost, start, Instant::now());
                say_as(&name, format!("lost ({why}) with chunk {id}: back to the front of the queue"));
                (peers[w].lost, redone) = (Some(chunk.id), redone + 1); // it stays not idle
                pending.push_front(chunk);
                if peers.iter().all(|p| p.lost.is_some()) {
                    ensure!(args.workers == 0, "all workers lost, {} chunks not done", pending.len());
                    say("all workers lost: waiting for a worker to join (Ctrl-C to give up)");
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, from)) => {
                    // Its hello in a task of its own, 10 s at most (tarpc's default): no one waits.
                    let transport = Transport::from((stream, Bincode::default()));
                    let client = WorkerClient::new(client::Config::default(), transport).spawn();
                    hellos.spawn(async move { (client.hello(context::current()).await, client, from) });
                }
                Err(e) => { // out of file descriptors, say: others may still join; no busy loop
                    say(format!("accept failed ({e}); still listening"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(hello) = hellos.join_next() => {
                let (hello, client, from) = hello?;
                let Ok((name, pid)) = hello else {
                    refused += 1;
                    say(format!("{from} refused: no hello within 10 s"));
                    continue;
                };
                say_as(&name, format!("joined from {from} (pid {pid})"));
                if peers.len() + 1 == args.workers.max(1) { // all here: the job starts
                    (timeline, started) = (Timeline::new(), Some(Instant::now()));
                }
                // Only a worker we started has a fault we know of, and a pid we may signal.
                let ours = ours.contains(&(name.clone(), pid));
                let i = name.strip_prefix('w').and_then(|i| i.parse().ok()).filter(|_| ours);
                let (fault, did) = (i.and_then(|i| args.fault_of(i)), Did { name, pid, from, chunks: vec![] });
                peers.push(Peer { did, client, fault, idle: true, lost: None, replies: 0 });
            }
            () = tokio::time::sleep_until(join_by), if started.is_none() && args.workers > 0 => {
                bail!("only {} of {} workers joined within 60 s", peers.len(), args.workers);
            }
        }
    }
    let wall = started.map_or(Duration::ZERO, |s| s.elapsed());
    // What each worker finished, replies sent or not. A woken late worker finishes
    // its chunk before it can read this call (one thread), so the count is exact.
    let mut late_duplicates = 0;
    let asked = |p: &&Peer| p.lost.is_none() || p.fault == Some(Fault::Late);
    for p in peers.iter().filter(asked) {
        let served = p.client.served(context::current()).await;
        late_duplicates += served.map_or(0, |served| served.saturating_sub(p.replies));
    }
    if late_duplicates > 0 {
        let why = "late reply(ies) never sent: past its call's deadline, tarpc drops it";
        say(format!("{late_duplicates} {why}"));
    }
    Ok(Report {
        chunks: chunks.len(),
        sum: sums.iter().flatten().sum(),
        sequential: dw::sequential(&chunks),
        redone,
        workers_lost: peers.iter().filter(|p| p.lost.is_some()).count(),
        workers: peers.into_iter().map(|p| p.did).collect(),
        late_duplicates,
        refused,
        killed: 0,
        wall,
        netns_tag: String::new(),
        timeline,
    })
}
