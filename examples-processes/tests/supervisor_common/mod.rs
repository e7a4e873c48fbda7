//! Shared by the tests/supervisor*.rs files: start the real `supervisor`
//! binary, read its output line by line with deadlines, signal it, and check
//! with the hygiene API that it left nothing behind.
//!
//! Each scenario lives in its own file (its own test process) on purpose: the
//! hygiene checks look at EVERY child of the test process, which must then be
//! this scenario's alone.
#![allow(dead_code)] // each test file uses a different part of this helper

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use examples_processes::hygiene;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Generous: a loaded 2-core CI machine can be slow to start processes.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A running `supervisor` master and everything it printed so far.
pub struct Master {
    child: Child,
    lines: Receiver<String>,
    /// Every stdout line seen so far (master's and workers': they share it).
    pub seen: Vec<String>,
    exited: Option<ExitStatus>,
}

impl Master {
    /// Makes the test process a subreaper, then starts the supervisor.
    pub fn start(args: &[&str]) -> Master {
        hygiene::become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
        assert!(
            hygiene::leftover_children().is_clean(),
            "the test process has no children before the master starts"
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_supervisor"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // Its own process group, so a signal to the group (as a terminal
            // sends Ctrl-C) reaches the master and its workers, not the test.
            .process_group(0)
            .spawn()
            .expect("start the supervisor binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = channel();
        // The pipe is shared by the master and its workers; the reader ends
        // when the LAST of them closes it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Master {
            child,
            lines: rx,
            seen: Vec::new(),
            exited: None,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.pid()), signal).expect("signal the master");
    }

    /// The `== result ==` lines the master printed last.
    pub fn results(&self) -> BTreeMap<String, String> {
        shared::testing::result_lines(&self.transcript())
    }

    /// Result `key` of the master's result lines, as a whole number.
    pub fn int(&self, key: &str) -> i64 {
        let results = self.results();
        let Some(value) = results.get(key) else {
            panic!("no result `{key}`:\n{}", self.transcript())
        };
        value.parse().expect("a whole number")
    }

    /// Sends `signal` to the master's whole process group (master and workers).
    pub fn signal_group(&self, signal: Signal) {
        nix::sys::signal::killpg(Pid::from_raw(self.pid()), signal).expect("signal the group");
    }

    fn transcript(&self) -> String {
        self.seen.join("\n")
    }

    /// Reads lines until one satisfies `wanted` (among those already seen
    /// or new ones), or fails the test at the deadline.
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        if let Some(line) = self.seen.iter().find(|l| wanted(l)) {
            return line.clone();
        }
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "timed out waiting for {what}; output so far:\n{}",
                        self.transcript()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("output ended before {what}; output:\n{}", self.transcript())
                }
            }
        }
    }

    /// Worker id -> pid, from every "worker N started pid P" line so far, in order.
    pub fn starts(&self) -> Vec<(u32, i32)> {
        self.seen.iter().filter_map(|l| parse_start(l)).collect()
    }

    /// The latest pid of each worker id.
    pub fn current_pids(&self) -> BTreeMap<u32, i32> {
        self.starts().into_iter().collect()
    }

    /// Waits until at least `n` "worker ... started" lines were printed in
    /// all; returns every start so far.
    pub fn wait_for_nth_start(&mut self, n: usize) -> Vec<(u32, i32)> {
        let until = Instant::now() + DEADLINE;
        while self.starts().len() < n {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "no worker start #{n} in time; output:\n{}",
                    self.transcript()
                ),
            }
        }
        self.starts()
    }

    /// Waits until worker `pid` printed "Doing stuff" (it is running its body).
    pub fn wait_until_working(&mut self, pid: i32) {
        let tag = format!("pid {pid} ");
        self.wait_for(&format!("worker pid {pid} to print Doing stuff"), |l| {
            l.contains(&tag) && l.contains("Doing stuff")
        });
    }

    /// Waits, with the deadline, for the master to exit; kills it on timeout.
    pub fn wait_exit(&mut self) -> ExitStatus {
        if let Some(status) = self.exited {
            return status;
        }
        let until = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.exited = Some(status);
                return status;
            }
            if Instant::now() >= until {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the master did not exit in time; output:\n{}",
                    self.transcript()
                );
            }
            std::thread::sleep(Duration::from_millis(5)); // sleep-ok: polling try_wait with a deadline
        }
    }

    /// Reads the rest of the output until every writer closed the pipe.
    pub fn read_to_end(&mut self) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => return self.transcript(),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "someone still holds the output pipe open; output:\n{}",
                    self.transcript()
                ),
            }
        }
    }
}

impl Drop for Master {
    /// A failing test still leaves nothing behind: kill the master if it
    /// runs, then kill and reap every remaining child of the test process.
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = hygiene::reap_all_children(Duration::from_secs(5));
    }
}

/// "worker 0 started pid 1234 as printer:0 (start #1)" -> (0, 1234).
pub fn parse_start(line: &str) -> Option<(u32, i32)> {
    let rest = &line[line.find("| worker ")? + "| worker ".len()..];
    let (id, rest) = rest.split_once(" started pid ")?;
    let pid = rest.split_whitespace().next()?;
    Some((id.parse().ok()?, pid.parse().ok()?))
}

/// True while `pid` exists in /proc and is not a zombie.
pub fn is_running(pid: i32) -> bool {
    hygiene::stat_of(pid).is_some_and(|s| s.state != 'Z')
}

/// Waits (deadline) until `pid` is not running any more.
pub fn wait_not_running(pid: i32) {
    let until = Instant::now() + DEADLINE;
    while is_running(pid) {
        assert!(Instant::now() < until, "pid {pid} still running");
        std::thread::sleep(Duration::from_millis(5)); // sleep-ok: polling /proc with a deadline
    }
}
