//! What the tests of distributed_work and distributed_rpc share: a small run
//! checked against the sum computed here, a coordinator whose output is read
//! line by line with deadlines, and the checks that a netns run left nothing
//! behind. Every child is killed and reaped on drop; every wait has a deadline.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use examples_sockets::distributed::{job, sequential};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use shared::testing::{Run, run};

/// The job every small run does: 6 chunks of 20,000 numbers.
pub const SMALL: [&str; 4] = ["--chunks", "6", "--n", "20000"];

/// Runs `bin` on the small job with `extra` flags, and a generous deadline
/// unless the test is about the deadline: a healthy worker on a loaded
/// machine must not be taken for a lost one.
pub fn small(bin: &str, extra: &[&str]) -> Run {
    let mut args: Vec<&str> = SMALL.iter().chain(extra).copied().collect();
    if !extra.contains(&"--deadline-ms") {
        args.extend(["--deadline-ms", "5000"]);
    }
    run(bin, &args)
}

/// Correct, and equal to the sum this test computes itself.
pub fn assert_exact(run: &Run) {
    assert_eq!(run.get("correct"), "true", "{run}");
    let expected = sequential(&job(6, 20_000));
    assert_eq!(run.int("sum") as u64, expected, "{run}");
    assert_eq!(run.int("sum_sequential") as u64, expected, "{run}");
}

/// A child process killed and reaped on drop, whatever the test did.
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A coordinator whose stdout is read line by line on a hilo.
pub struct Coordinator {
    pub child: Reaped,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Coordinator {
    pub fn start(bin: &str, args: &[&str]) -> Coordinator {
        let mut child = Command::new(bin)
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
    pub fn wait_for(&mut self, needle: &str) -> String {
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
    pub fn address_and_tag(&mut self) -> (String, String) {
        let line = self.wait_for("--connect ");
        let addr = line.rsplit("--connect ").next().unwrap().trim();
        (addr.to_string(), tag_in(&line).to_string())
    }

    /// Sends `signal` to the coordinator.
    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.0.id() as i32), signal).unwrap();
    }

    /// Waits (120 s at most) for the exit; the exit code and all of stdout.
    pub fn finish(&mut self) -> (Option<i32>, String) {
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

/// The netns tag in a "(netns: TAG)" line.
pub fn tag_in(text: &str) -> &str {
    let after = text.split("(netns: ").nth(1).expect("a (netns: TAG) line");
    after.split(')').next().unwrap()
}

// --- separate network hosts: CI runs as root; elsewhere, the clear refusal ---

/// One netns test at a time in a test binary.
pub static NETNS: Mutex<()> = Mutex::new(());

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The pids of "joined from ... (pid N)" lines: the run's workers.
pub fn worker_pids(out: &str) -> Vec<u32> {
    out.lines()
        .filter(|l| l.contains("joined from"))
        .filter_map(|l| l.split("(pid ").nth(1)?.split(')').next()?.parse().ok())
        .collect()
}

/// No namespace or link named `tag...` left, and none of `pids` alive.
pub fn assert_nothing_left(tag: &str, pids: &[u32]) {
    assert!(tag.starts_with("cdw"), "tag {tag:?}");
    let left = examples_sockets::netns::leftovers(tag);
    assert!(left.is_empty(), "left behind: {left:?}");
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(") ").next().unwrap_or("").chars().next();
        let gone = matches!(state, None | Some('Z'));
        assert!(gone, "worker {pid} still alive: {stat}");
    }
}

/// `signal` while the workers compute (one chunk takes ms, the job
/// minutes): exit 130 soon after, no namespace or link left, no worker alive.
pub fn stopped_mid_run_leaves_nothing_behind(bin: &str, signal: Signal) {
    if !is_root() {
        return eprintln!("skipped: --hosts netns needs root");
    }
    let _one_at_a_time = NETNS.lock().unwrap_or_else(|e| e.into_inner());
    let mut coordinator = Coordinator::start(
        bin,
        &[
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
        ],
    );
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
}
