//! Distributed work by messages, by hand: a coordinator hands the notes' job
//! out in chunks to worker processes over TCP, and survives losing them.
//!
//! Ports: notes 004, "Computo distribuido, a travez de mensajes (clusters de
//! estaciones de trabajo, comunicacion via socket)", on the job of notes 001
//! (8 x the sum of 1,000,000 random ints).
//! Python: no program in the notes; the stdlib way is
//! `multiprocessing.managers.BaseManager` serving a task queue and a result
//! queue over TCP (pickle + authkey), workers calling `get()` and `put()`,
//! or `socketserver` with pickled messages. A dead worker's queue task is
//! simply gone (the twin shows it); socketserver sees the connection close,
//! but nothing records which task it held. At scale: Celery, Ray or Dask.
//! Rust: nothing is pickled (a function cannot be sent; the worker is this
//! same binary, and a message names the work: a chunk's seed and size).
//! Messages are serde enums in length-prefixed frames. A worker is lost when
//! its connection closes (killed) or its heartbeats stop (stopped, or its
//! network gone); its chunk goes back to the queue and is redone elsewhere,
//! and an answer that comes back after that is recognised as a duplicate.
//! Heartbeats prove the process lives, not that it progresses: a worker
//! whose computing hilo hangs keeps its chunk; real systems add a time
//! limit per task.
//!
//! The bookkeeping (a lost chunk goes back to the front of the queue; the
//! first answer counts, a late one is a duplicate) is `examples_sockets::
//! books`: read it beside this file.
//!
//! Run: cargo run -p examples-sockets --bin distributed_work -- --workers 4 --fault kill --fault stop --fault late
//!      sudo target/debug/distributed_work --hosts netns      (a network host per worker)
//!      distributed_work --workers 0 --bind 0.0.0.0:7100       (then, on other machines:)
//!      distributed_work --connect COORDINATOR:7100
#![forbid(unsafe_code)]

use std::io::BufReader;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use examples_sockets::books::{Books, State};
use examples_sockets::distributed::{self as dw, Fault};
use examples_sockets::distributed::{ToCoordinator, ToWorker, recv, send};
use examples_sockets::{Shutdown, harness};
use shared::output::{say, say_as};

#[derive(Parser)]
#[command(about = "A coordinator hands chunks of a job to worker processes over TCP")]
#[command(allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    flags: dw::Flags, // --chunks --n --workers --fault --hosts --bind --deadline-ms --connect
}

/// The worker: join, then sum each chunk it is sent; a second hilo sends
/// a heartbeat every deadline / 4 meanwhile.
fn worker(
    addr: SocketAddr,
    name: &str,
    deadline: Duration,
    fail: Option<Fault>,
) -> anyhow::Result<()> {
    let stream = dw::connect_within(addr, Duration::from_secs(10))
        .with_context(|| format!("cannot join the coordinator at {addr} (retried for 10 s)"))?;
    let writer = Arc::new(Mutex::new(stream.try_clone()?));
    let pid = std::process::id();
    send(
        &mut *writer.lock().unwrap(),
        &ToCoordinator::Register {
            name: name.into(),
            pid,
        },
    )?;
    let beat = Arc::clone(&writer);
    thread::spawn(move || {
        while send(&mut *beat.lock().unwrap(), &ToCoordinator::Heartbeat).is_ok() {
            thread::sleep(deadline / 4); // sleep-ok: the heartbeat's period
        }
    });
    let mut fail = fail;
    let mut reader = BufReader::new(stream);
    while let Some(ToWorker::Task(chunk)) = recv(&mut reader)? {
        let sum = dw::compute(&chunk, || {
            if let Some(fault) = fail.take() {
                say_as(
                    name,
                    format!("chunk {} half done: {} now", chunk.id, fault.name()),
                );
                fault.strike();
            }
        });
        say_as(name, format!("chunk {} = {sum}", chunk.id));
        let answer = ToCoordinator::Result {
            chunk: chunk.id,
            sum,
        };
        send(&mut *writer.lock().unwrap(), &answer)?;
    }
    Ok(()) // Done, or the coordinator went away
}

fn main() -> anyhow::Result<ExitCode> {
    shared::output::start();
    let args = Args::parse().flags;
    let deadline = args.deadline();
    if let Some(addr) = args.connect {
        harness::unblock_stop_signals();
        worker(addr, &args.worker_name(), deadline, args.fail)?;
        return Ok(ExitCode::SUCCESS);
    }
    let shutdown = Shutdown::new();
    harness::stop_on_signals(shutdown.clone())?;
    let chunks = dw::job(args.chunks, args.n);
    // Worker i is this binary again, with --connect; the last ones get the faults.
    let (mut cluster, listener) = args.start()?;
    let (addr, tag) = (cluster.addr, cluster.netns_tag());
    say(format!(
        "coordinator on {addr} (netns: {tag}); by hand: distributed_work --connect {addr}"
    ));
    let (tx, events) = mpsc::channel();
    thread::spawn(move || dw::accept_workers(listener, tx));
    let late = cluster.workers.started().into_iter().enumerate();
    let late = late.filter(|(i, _)| args.fault_of(*i) == Some(Fault::Late));
    let mut books = Books::new(&chunks, late.map(|(_, worker)| worker).collect());

    // Wait for the workers started here, so each gets a first chunk (and its fault).
    let until = Instant::now() + Duration::from_secs(30);
    while books.peers.len() < args.workers && !shutdown.is_triggered() {
        let (joined, running) = (books.peers.len(), cluster.workers.running());
        ensure!(running == args.workers, "a worker exited before it joined");
        ensure!(
            Instant::now() < until,
            "{joined} of {running} workers joined in 30 s"
        );
        books.next_event(&events);
    }

    // The coordinator's loop: hand out chunks, take answers, notice silence.
    let started = Instant::now();
    while books.done.len() < chunks.len() {
        if shutdown.is_triggered() {
            drop(cluster); // kills the workers, then removes the namespaces
            say("stopped by a signal: workers killed, nothing left behind");
            return Ok(ExitCode::from(130));
        }
        for p in books
            .peers
            .values_mut()
            .filter(|p| p.state == State::Alive && p.task.is_none())
        {
            let Some(chunk) = books.pending.pop_front() else {
                break;
            };
            match send(&mut p.writer, &ToWorker::Task(chunk)) {
                Ok(()) => p.task = Some((chunk, Instant::now())),
                Err(_) => books.pending.push_front(chunk), // its reader hilo will say it is gone
            }
        }
        books.next_event(&events);
        books.lose_the_silent(deadline, Instant::now());
        if books.all_lost(args.workers, cluster.workers.running(), deadline) {
            let left = chunks.len() - books.done.len();
            bail!(
                "all workers lost, {left} of {} chunks not done",
                chunks.len()
            );
        }
    }
    let wall = started.elapsed();

    // The end: Done to every worker still connected, wait for their goodbyes
    // (a late answer still arrives here), kill the ones that never answer.
    books.finished = true;
    for p in books.peers.values_mut().filter(|p| p.state != State::Gone) {
        let _ = send(&mut p.writer, &ToWorker::Done);
    }
    let until = Instant::now() + deadline + Duration::from_secs(10);
    let waiting = |books: &Books| books.peers.values().any(|p| p.state == State::Alive);
    while waiting(&books) && Instant::now() < until && !shutdown.is_triggered() {
        books.next_event(&events);
    }
    let report = dw::Report {
        chunks: chunks.len(),
        workers: books.peers.values().map(|p| p.did.clone()).collect(),
        sum: books.done.values().sum(),
        sequential: dw::sequential(&chunks),
        redone: books.redone as usize,
        workers_lost: books.workers_lost.len(),
        late_duplicates: books.late_duplicates,
        refused: books.refused,
        killed: cluster.workers.finish(Duration::from_millis(500)),
        wall,
        netns_tag: tag,
        timeline: books.timeline,
    };
    report.print();
    ensure!(
        report.correct(),
        "the distributed sum is not the sequential one"
    );
    Ok(ExitCode::SUCCESS)
}
