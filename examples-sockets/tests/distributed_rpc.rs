//! distributed_rpc: over tarpc the distributed sum equals the sequential one
//! whether a worker is killed, stopped for good, or comes back late (its reply
//! dropped by tarpc, counted by served()); losing every worker is a clear
//! error, unless workers join by hand (--workers 0: it waits for one); a
//! connection that never says hello is refused without holding up a real
//! worker; with --hosts netns nothing is left behind (a finished run, a failed
//! one, a Ctrl-C or a SIGHUP while waiting or mid-run).

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use examples_sockets::distributed::{job, sequential};
use examples_sockets::netns::leftovers;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use shared::testing::{Run, result_lines, run};

const BIN: &str = env!("CARGO_BIN_EXE_distributed_rpc");
const SMALL: [&str; 4] = ["--chunks", "6", "--n", "20000"];

fn rpc(extra: &[&str]) -> Run {
    let mut args: Vec<&str> = SMALL.iter().chain(extra).copied().collect();
    // A generous deadline unless the test is about the deadline: a healthy
    // worker on a loaded machine must not be taken for a lost one.
    if !extra.contains(&"--deadline-ms") {
        args.extend(["--deadline-ms", "5000"]);
    }
    run(BIN, &args)
}

/// Correct, and equal to the sum this test computes itself.
fn assert_exact(run: &Run) {
    assert_eq!(run.get("correct"), "true", "{run}");
    let expected = sequential(&job(6, 20_000));
    assert_eq!(run.int("sum") as u64, expected, "{run}");
    assert_eq!(run.int("sum_sequential") as u64, expected, "{run}");
}

#[test]
fn without_failures_the_sum_is_exact_and_nothing_is_redone() {
    let run = rpc(&[]).success();
    assert_exact(&run);
    assert_eq!(run.int("redone"), 0, "{run}");
    assert_eq!(run.int("workers"), 3, "{run}");
}

#[test]
fn a_worker_killed_mid_chunk_has_its_chunk_redone_elsewhere() {
    let run = rpc(&["--fault", "kill"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    assert!(run.int("workers_lost") >= 1, "{run}");
    assert!(run.stdout.contains("connection closed"), "{run}");
}

#[test]
fn a_stopped_worker_misses_its_deadline_and_its_chunk_is_redone() {
    let run = rpc(&["--fault", "stop", "--deadline-ms", "1500"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    // --deadline-ms plus the chunk's estimated work (2 ms for 20,000 numbers).
    assert!(run.stdout.contains("lost (no reply in 1.5"), "{run}");
}

#[test]
fn a_late_reply_is_dropped_by_tarpc_and_counted_once() {
    let run = rpc(&["--fault", "late", "--deadline-ms", "1500"]).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 1, "{run}");
    // Exactly one: the late worker finished its one chunk after SIGCONT, and
    // served() is answered only after that (the worker has one thread).
    assert_eq!(run.int("late_duplicates"), 1, "{run}");
}

#[test]
fn killed_stopped_and_late_in_one_run() {
    let faults = ["--fault", "kill", "--fault", "stop", "--fault", "late"];
    let args: Vec<&str> = ["--workers", "4", "--deadline-ms", "1500"]
        .into_iter()
        .chain(faults)
        .collect();
    let run = rpc(&args).success();
    assert_exact(&run);
    assert!(run.int("redone") >= 3, "{run}");
    assert!(run.int("workers_lost") >= 3, "{run}");
}

#[test]
fn losing_every_worker_is_a_clear_error() {
    let run = rpc(&["--workers", "1", "--fault", "kill"]);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("all workers lost"), "{run}");
    assert!(!run.stderr.contains("panicked"), "{run}");
}

/// A child process killed and reaped on drop, whatever the test did.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A coordinator whose stdout is read line by line on a hilo.
struct Coordinator {
    child: Reaped,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Coordinator {
    fn start(args: &[&str]) -> Coordinator {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let child = Reaped(child);
        Coordinator {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first line containing `needle`, seen already or within 60 s.
    fn wait_for(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        let until = Instant::now() + Duration::from_secs(60);
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            self.seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
        panic!("no line with {needle:?} in 60 s:\n{}", self.seen.join("\n"));
    }

    /// The address workers join, and the netns tag, from its first line.
    fn address_and_tag(&mut self) -> (String, String) {
        let line = self.wait_for("--connect ");
        let addr = line.rsplit("--connect ").next().unwrap().trim();
        (addr.to_string(), tag_in(&line).to_string())
    }

    /// Sends `signal` to the coordinator.
    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.0.id() as i32), signal).unwrap();
    }

    /// Waits (120 s at most) for the exit; the exit code and all of stdout.
    fn finish(&mut self) -> (Option<i32>, String) {
        let until = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(status) = self.child.0.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < until, "still running after 120 s");
            std::thread::sleep(Duration::from_millis(20)); // sleep-ok: polling an exit with a deadline
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.seen.push(line);
        }
        (status.code(), self.seen.join("\n"))
    }
}

fn tag_in(text: &str) -> &str {
    let after = text.split("(netns: ").nth(1).expect("a (netns: TAG) line");
    after.split(')').next().unwrap()
}

#[test]
fn workers_started_by_hand_join_and_finish_the_job() {
    let mut coordinator = Coordinator::start(&[
        "--workers",
        "0",
        "--chunks",
        "6",
        "--n",
        "20000",
        "--deadline-ms",
        "5000",
    ]);
    let (addr, _) = coordinator.address_and_tag();
    let _hands: Vec<Reaped> = ["hand-a", "hand-b"]
        .iter()
        .map(|name| {
            let mut worker = Command::new(BIN);
            worker.args(["--connect", &addr, "--name", name]);
            Reaped(worker.stdout(Stdio::null()).spawn().unwrap())
        })
        .collect();
    let (code, out) = coordinator.finish();
    assert_eq!(code, Some(0), "{out}");
    let results = result_lines(&out);
    assert_eq!(results["correct"], "true", "{out}");
    let expected = sequential(&job(6, 20_000)).to_string();
    assert_eq!(results["sum"], expected, "{out}");
    assert!(out.contains("hand-"), "{out}");
}

/// A worker started by hand, with its output discarded.
fn hand_worker(addr: &str, name: &str, extra: &[&str]) -> Reaped {
    let mut worker = Command::new(BIN);
    worker.args(["--connect", addr, "--name", name]).args(extra);
    Reaped(worker.stdout(Stdio::null()).spawn().unwrap())
}

#[test]
fn a_silent_connection_is_refused_and_holds_up_no_one() {
    let started = Instant::now();
    let mut coordinator = Coordinator::start(&[
        "--workers",
        "0",
        "--chunks",
        "6",
        "--n",
        "20000",
        "--deadline-ms",
        "2000",
    ]);
    let (addr, _) = coordinator.address_and_tag();
    // Connects first, then says nothing: its hello call can only time out.
    let _silent = TcpStream::connect(&addr).unwrap();
    // A real worker joins at once (not 10 s later), then stops itself halfway
    // through its first chunk: lost, and with --workers 0 the job waits.
    let _stopped = hand_worker(&addr, "hand-a", &["--fail", "stop"]);
    coordinator.wait_for("joined from");
    let early = coordinator.seen.join("\n");
    assert!(
        !early.contains("refused"),
        "a join waited for the silent one:\n{early}"
    );
    coordinator.wait_for("waiting for a worker to join");
    // The silent connection's hello ends at tarpc's 10 s deadline: refused.
    coordinator.wait_for("refused: no hello within 10 s");
    let _late = hand_worker(&addr, "hand-b", &[]);
    let (code, out) = coordinator.finish();
    assert_eq!(code, Some(0), "{out}");
    let results = result_lines(&out);
    assert_eq!(results["correct"], "true", "{out}");
    assert_eq!(
        results["sum"],
        sequential(&job(6, 20_000)).to_string(),
        "{out}"
    );
    assert_eq!(results["refused"], "1", "{out}");
    assert_eq!(results["workers_lost"], "1", "{out}");
    assert!(out.contains("hand-b"), "{out}");
    eprintln!(
        "silent connection test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// --- separate network hosts: CI runs as root; elsewhere, the clear refusal ---

static NETNS: Mutex<()> = Mutex::new(());

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The pids of "joined from ... (pid N)" lines: the run's workers.
fn worker_pids(out: &str) -> Vec<u32> {
    out.lines()
        .filter(|l| l.contains("joined from"))
        .filter_map(|l| l.split("(pid ").nth(1)?.split(')').next()?.parse().ok())
        .collect()
}

fn assert_nothing_left(tag: &str, pids: &[u32]) {
    assert!(tag.starts_with("cdw"), "tag {tag:?}");
    let left = leftovers(tag);
    assert!(left.is_empty(), "left behind: {left:?}");
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(") ").next().unwrap_or("").chars().next();
        let gone = matches!(state, None | Some('Z'));
        assert!(gone, "worker {pid} still alive: {stat}");
    }
}

#[test]
fn each_worker_on_its_own_network_host_and_nothing_left_behind() {
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    let run = rpc(&["--hosts", "netns", "--workers", "2", "--fault", "kill"]);
    if !is_root() {
        assert_eq!(run.status.code(), Some(1), "{run}");
        return assert!(run.stderr.contains("needs root"), "{run}");
    }
    let run = run.success();
    assert_exact(&run);
    assert_eq!(run.get("hosts"), "netns", "{run}");
    assert!(run.int("redone") >= 1, "{run}");
    assert!(run.stdout.contains("joined from 10.213."), "{run}");
    let pids = worker_pids(&run.stdout);
    assert_eq!(pids.len(), 2, "{run}");
    assert_nothing_left(run.get("netns_tag"), &pids);
    // A run that fails (its only worker killed) leaves nothing either.
    let run = rpc(&["--hosts", "netns", "--workers", "1", "--fault", "kill"]);
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("all workers lost"), "{run}");
    assert_nothing_left(tag_in(&run.stdout), &worker_pids(&run.stdout));
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_waiting_for_workers_leaves_nothing_behind() {
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    let mut coordinator = Coordinator::start(&["--hosts", "netns", "--workers", "0"]);
    if !is_root() {
        let (code, _) = coordinator.finish();
        return assert_eq!(code, Some(1));
    }
    let (_, tag) = coordinator.address_and_tag();
    assert!(
        !leftovers(&tag).is_empty(),
        "the bridge should exist mid-run"
    );
    coordinator.signal(Signal::SIGINT);
    let (code, out) = coordinator.finish();
    assert!(code.is_some_and(|c| c != 0), "{code:?}\n{out}");
    assert_nothing_left(&tag, &[]);
}

/// A signal while the workers compute (one chunk takes ms, the job minutes):
/// exit 130 soon after, no namespace or link left, no worker alive.
#[cfg(unix)]
fn stopped_mid_run_leaves_nothing_behind(signal: Signal) {
    if !is_root() {
        return eprintln!("skipped: --hosts netns needs root");
    }
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    let mut coordinator = Coordinator::start(&[
        "--hosts",
        "netns",
        "--workers",
        "2",
        "--chunks",
        "10000",
        "--n",
        "10000000",
        "--deadline-ms",
        "5000",
    ]);
    let (_, tag) = coordinator.address_and_tag();
    coordinator.wait_for(" = "); // a chunk answered: the workers are at work
    let pids = worker_pids(&coordinator.seen.join("\n"));
    assert_eq!(pids.len(), 2, "{}", coordinator.seen.join("\n"));
    let sent = Instant::now();
    coordinator.signal(signal);
    let (code, out) = coordinator.finish();
    let took = sent.elapsed();
    assert_eq!(code, Some(130), "{out}");
    assert!(took < Duration::from_secs(30), "{took:?} to stop\n{out}");
    assert_nothing_left(&tag, &pids);
    eprintln!("{signal:?} mid-run: stopped and cleaned up in {took:?}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_run_leaves_nothing_behind() {
    stopped_mid_run_leaves_nothing_behind(Signal::SIGINT);
}

#[cfg(unix)]
#[test]
fn sighup_mid_run_leaves_nothing_behind() {
    stopped_mid_run_leaves_nothing_behind(Signal::SIGHUP);
}
