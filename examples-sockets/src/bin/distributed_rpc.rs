//! The notes' job (CHUNKS sums of N random ints) on worker processes through
//! an RPC framework, tarpc; a chunk whose call failed is retried elsewhere.
//!
//! Ports: notes 004, "Computo distribuido, a travez de mensajes (clusters de
//! estaciones de trabajo, comunicacion via socket)".
//! Python: `xmlrpc.server`/`xmlrpc.client` (stdlib; SimpleXMLRPCServer is a
//! plain TCPServer, one call at a time; a call waits forever unless you set a
//! socket timeout), or `multiprocessing.managers.BaseManager` over TCP
//! (pickle and an authkey). At scale: gRPC (`timeout=` per call), Ray, Dask,
//! Celery.
//! Rust: the service is a trait (`#[tarpc::service] trait Worker`). tarpc does
//! what distributed_work does by hand: the frames (length-delimited, bincode),
//! the message enum, matching replies to calls (request ids); a deadline per
//! call (`ctx.deadline`) stands in for the heartbeat hilo. It travels with the
//! call: past it the worker's tarpc drops the reply (`served()` counts them).
//! Still ours: a failed call (RpcError: connection gone = worker killed;
//! DeadlineExceeded = worker silent) puts its chunk back at the front of the
//! queue, and that worker gets no more work. A worker dials the coordinator,
//! as in distributed_work (so one behind NAT can join), then serves RPCs on it.
//!
//! Run: cargo run -p examples-sockets --bin distributed_rpc -- --workers 4 --fault kill --fault late
//!      distributed_rpc --workers 0 --bind 0.0.0.0:7100   (then, on other machines:)
//!      distributed_rpc --connect COORDINATOR:7100
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, atomic::AtomicU64, atomic::Ordering::SeqCst};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::Parser;
use examples_sockets::distributed::{self as dw, Chunk, Did, Fault, Report};
use futures::StreamExt;
use nix::sys::signal::Signal::SIGCONT;
use shared::output::{say, say_as};
use shared::timeline::{Kind, Timeline};
use tarpc::{client, client::RpcError, context, serde_transport::Transport};
use tarpc::{server::BaseChannel, server::Channel, tokio_serde::formats::Bincode};

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
    fault: Arc<Mutex<Option<Fault>>>,
    served: Arc<AtomicU64>,
}

impl Worker for Server {
    async fn hello(self, _: context::Context) -> (String, u32) {
        (self.name, std::process::id())
    }

    async fn sum(self, _: context::Context, chunk: Chunk) -> u64 {
        let fault = self.fault.lock().unwrap().take(); // the first chunk only
        let sum = dw::compute(&chunk, || {
            if let Some(fault) = fault {
                let id = chunk.id;
                say_as(
                    &self.name,
                    format!("chunk {id} half done: {}", fault.name()),
                );
                fault.strike();
            }
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
    let stream = dw::connect_within(addr, Duration::from_secs(10)).context(addr)?;
    stream.set_nonblocking(true)?;
    let (fault, served) = (Arc::new(Mutex::new(fail)), Arc::default());
    let server = Server {
        name,
        fault,
        served,
    };
    let mut rt = tokio::runtime::Builder::new_current_thread();
    rt.enable_all().build()?.block_on(async {
        let stream = tokio::net::TcpStream::from_std(stream)?;
        let calls = BaseChannel::with_defaults(Transport::from((stream, Bincode::default())));
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
        None => dw::coordinate_async(&args, "distributed_rpc", |listener, started| {
            distribute(&args, listener, started)
        }),
    }
}

/// A worker as the coordinator sees it.
struct Peer {
    did: Did,
    client: WorkerClient,
    fault: Option<Fault>,
    busy: bool,
    /// The chunk whose call failed: after that, no more work.
    lost: Option<u32>,
    replies: u64,
}

/// The lesson: each idle, trusted worker gets the next chunk (one call in flight
/// each); a failed call puts its chunk back at the front and its worker is lost.
async fn distribute(
    args: &dw::Flags,
    listener: tokio::net::TcpListener,
    ours: Vec<(String, u32)>,
) -> anyhow::Result<Report> {
    let ms = args.deadline_ms;
    let ctx = |deadline: Duration| {
        let mut ctx = context::current();
        ctx.deadline = Instant::now() + deadline; // sent with the call
        ctx
    };
    let chunks = dw::job(args.chunks, args.n);
    let mut pending: VecDeque<Chunk> = chunks.iter().copied().collect();
    let mut sums = vec![None; chunks.len()];
    let (mut peers, mut calls) = (Vec::<Peer>::new(), tokio::task::JoinSet::new());
    let (mut timeline, mut started, mut redone) = (Timeline::new(), None, 0);
    let join_by = tokio::time::Instant::now() + Duration::from_secs(60);
    while sums.contains(&None) {
        if peers.len() >= args.workers.max(1) {
            if started.is_none() {
                (timeline, started) = (Timeline::new(), Some(Instant::now()));
            }
            for (w, peer) in peers
                .iter_mut()
                .enumerate()
                .filter(|(_, p)| p.lost.is_none() && !p.busy)
            {
                let Some(chunk) = pending.pop_front() else {
                    break;
                };
                let (client, ctx) = (peer.client.clone(), ctx(args.deadline()));
                calls
                    .spawn(async move { (w, chunk, Instant::now(), client.sum(ctx, chunk).await) });
                peer.busy = true;
            }
            let left = pending.len();
            ensure!(
                !calls.is_empty(),
                "all workers lost, {left} chunks not done"
            );
        }
        tokio::select! {
            Some(call) = calls.join_next() => {
                let (w, chunk, start, result) = call?;
                let (id, name) = (chunk.id as usize, peers[w].did.name.clone());
                peers[w].busy = false;
                let why = match result {
                    Ok(sum) => {
                        peers[w].replies += 1;
                        if sums[id].replace(sum).is_some() { continue } // a duplicate: ignored
                        let again = peers.iter().any(|p| p.lost == Some(chunk.id));
                        let kind = if again { Kind::Redone } else { Kind::Cpu };
                        timeline.record(&name, kind, start, Instant::now());
                        let redo = if again { " (redone)" } else { "" };
                        peers[w].did.chunks.push(format!("{id}{redo}"));
                        say_as(&name, format!("chunk {id} = {sum}{redo}"));
                        // A late worker that lost it may go on now: its reply will come too late.
                        let late = |p: &&Peer| p.lost == Some(chunk.id) && p.fault == Some(Fault::Late);
                        for p in peers.iter().filter(late) {
                            dw::signal(p.did.pid, SIGCONT)?;
                            say(format!("chunk {id} redone: SIGCONT to {}", p.did.name));
                        }
                        continue;
                    }
                    Err(RpcError::DeadlineExceeded) => format!("no answer within {ms} ms"),
                    Err(RpcError::Shutdown | RpcError::Channel(_)) => "connection closed".into(),
                    Err(e) => e.to_string(),
                };
                timeline.record(&name, Kind::Lost, start, Instant::now());
                say_as(&name, format!("lost ({why}) with chunk {id}: back to the front of the queue"));
                (peers[w].lost, redone) = (Some(chunk.id), redone + 1);
                pending.push_front(chunk);
            }
            accepted = listener.accept() => {
                let (stream, from) = accepted?;
                let transport = Transport::from((stream, Bincode::default()));
                let client = WorkerClient::new(client::Config::default(), transport).spawn();
                let Ok((name, pid)) = client.hello(ctx(args.deadline())).await else { continue };
                say_as(&name, format!("joined from {from} (pid {pid})"));
                // Only a worker we started has a fault we know of, and a pid we may signal.
                let ours = ours.contains(&(name.clone(), pid));
                let i = name.strip_prefix('w').and_then(|i| i.parse().ok()).filter(|_| ours);
                let (did, fault) = (Did { name, pid, from, chunks: vec![] }, i.and_then(|i| args.fault_of(i)));
                peers.push(Peer { did, client, fault, busy: false, lost: None, replies: 0 });
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
    for p in peers
        .iter()
        .filter(|p| p.lost.is_none() || p.fault == Some(Fault::Late))
    {
        let served = p.client.served(ctx(Duration::from_secs(10))).await;
        late_duplicates += served.map_or(0, |served| served.saturating_sub(p.replies));
    }
    if late_duplicates > 0 {
        let why = "past its call's deadline, the worker's tarpc does not send it";
        say(format!(
            "{late_duplicates} late reply(ies) never counted: {why}"
        ));
    }
    Ok(Report {
        chunks: chunks.len(),
        sum: sums.iter().flatten().sum(),
        sequential: dw::sequential(&chunks),
        redone,
        workers_lost: peers.iter().filter(|p| p.lost.is_some()).count(),
        workers: peers.into_iter().map(|p| p.did).collect(),
        late_duplicates,
        refused: 0,
        killed: 0,
        wall,
        netns_tag: String::new(),
        timeline,
    })
}
