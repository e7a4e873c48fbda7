//! SIGTERM to the parent alone (`kill -TERM <pid>`, not Ctrl-C at a
//! terminal, which reaches the whole process group): no example leaves a
//! child running, and none leaves a file behind.
//!
//! Each example is started with flags that keep its children busy, and
//! signalled once its output shows they are running. Then:
//! - an example that turns SIGTERM into a stop (`child::stop_on_signals`:
//!   those that own files, or ipc-channel rendezvous sockets) stops its
//!   children, reaps them, removes its files and exits with 143 = 128 + 15;
//! - an example that does not is killed by the signal, and its children
//!   die with it (`child::die_with_parent`, PR_SET_PDEATHSIG) instead of
//!   living on as orphans. This test is their subreaper, so an orphan would
//!   be re-parented HERE, and `wait_children_exit` would see it running.
//!
//! Every example runs with TMPDIR set to an empty directory of its own, so
//! anything it (or ipc-channel) leaves in the temp directory is seen.
//!
//! One test in this file on purpose: the checks look at every child of the
//! test process. (The supervisor's master handles SIGTERM itself, see
//! tests/supervisor.rs; its workers die with it, see
//! tests/supervisor_master_death.rs.)
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use examples_processes::hygiene::{
    become_subreaper, children_of, leftover_children, reap_all_children, wait_children_exit,
};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Generous: a loaded 2-core machine can be slow to start processes.
const DEADLINE: Duration = Duration::from_secs(30);

/// How the parent is expected to end after SIGTERM.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ends {
    /// It stops in order and exits with 128 + 15.
    Stops143,
    /// The signal's default action kills it.
    KilledBySignal,
}

struct Case {
    name: &'static str,
    binary: &'static str,
    args: &'static [&'static str],
    /// A line on stdout saying the children are running.
    ready: &'static str,
    ends: Ends,
}

const CASES: &[Case] = &[
    Case {
        name: "process_hello (spawn)",
        binary: env!("CARGO_BIN_EXE_process_hello"),
        args: &[
            "--method",
            "spawn",
            "--child-pause-ms",
            "600000",
            "--join-timeout-ms",
            "600000",
        ],
        ready: "waiting 600000 ms before saying hello",
        ends: Ends::KilledBySignal,
    },
    Case {
        name: "process_hello (fork)",
        binary: env!("CARGO_BIN_EXE_process_hello"),
        args: &[
            "--method",
            "fork",
            "--child-pause-ms",
            "600000",
            "--join-timeout-ms",
            "600000",
        ],
        ready: "waiting 600000 ms before saying hello",
        ends: Ends::KilledBySignal,
    },
    Case {
        name: "process_context",
        binary: env!("CARGO_BIN_EXE_process_context"),
        args: &["--child-pause-ms", "9000"],
        ready: "forked child: I see counter",
        ends: Ends::KilledBySignal,
    },
    Case {
        name: "pool_map",
        binary: env!("CARGO_BIN_EXE_pool_map"),
        args: &["--workers", "2", "--jobs", "100000", "--n", "200000"],
        ready: "process pool: running",
        ends: Ends::Stops143,
    },
    Case {
        name: "manager_list",
        binary: env!("CARGO_BIN_EXE_manager_list"),
        args: &["--workers", "2", "--n", "100000000", "--calls", "10"],
        ready: "started 2 workers",
        ends: Ends::Stops143,
    },
    Case {
        name: "process_queue",
        binary: env!("CARGO_BIN_EXE_process_queue"),
        args: &["--items", "10000000", "--quiet"],
        ready: "started producer pid",
        ends: Ends::Stops143,
    },
    Case {
        name: "pipe",
        binary: env!("CARGO_BIN_EXE_pipe"),
        args: &["--notes", "0", "--round-trips", "10000000"],
        ready: "request/reply round trip works",
        ends: Ends::KilledBySignal,
    },
    Case {
        name: "shared_memory",
        binary: env!("CARGO_BIN_EXE_shared_memory"),
        args: &["--iterations", "100000000", "--attempts", "1"],
        ready: "processes counting",
        ends: Ends::KilledBySignal,
    },
    Case {
        name: "mmap_file",
        binary: env!("CARGO_BIN_EXE_mmap_file"),
        args: &["--delay-ms", "600000"],
        ready: "started the writer, pid",
        ends: Ends::Stops143,
    },
    Case {
        name: "fifo",
        binary: env!("CARGO_BIN_EXE_fifo"),
        args: &["--lines", "10000", "--interval-ms", "1000"],
        ready: "received: line 1:",
        ends: Ends::Stops143,
    },
    Case {
        name: "subprocess_pipes",
        binary: env!("CARGO_BIN_EXE_subprocess_pipes"),
        // The notes' job on 100,000,000 ints: the child computes for seconds.
        args: &["--n", "100000000"],
        ready: "started the child proceso",
        ends: Ends::KilledBySignal,
    },
];

/// A started example; dropping it kills it and every child of this test.
struct Running {
    parent: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(case: &Case, tmp: &Path) -> Running {
        let mut parent = Command::new(case.binary)
            .args(case.args)
            .env("TMPDIR", tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let (tx, lines) = channel();
        let stdout = parent.stdout.take().unwrap();
        let stderr = parent.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Drained so a chatty child never blocks on a full stderr pipe.
        std::thread::spawn(move || {
            let _ = BufReader::new(stderr).read_to_end(&mut Vec::new());
        });
        Running {
            parent,
            lines,
            seen: Vec::new(),
        }
    }

    fn wait_for_line(&mut self, case: &Case) {
        let until = Instant::now() + DEADLINE;
        while !self.seen.iter().any(|l| l.contains(case.ready)) {
            match self
                .lines
                .recv_timeout(until.saturating_duration_since(Instant::now()))
            {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "{}: no {:?} in time; output:\n{}",
                    case.name,
                    case.ready,
                    self.seen.join("\n")
                ),
            }
        }
    }

    fn wait_exit(&mut self, case: &Case) -> ExitStatus {
        let until = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.parent.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < until,
                "{}: the parent did not exit after SIGTERM; output:\n{}",
                case.name,
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(5)); // sleep-ok: polling try_wait with a deadline
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.parent.kill();
        let _ = self.parent.wait();
        let _ = reap_all_children(Duration::from_secs(5));
    }
}

/// Every entry under `dir`, at any depth.
fn everything_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the temp dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(everything_in(&path));
        }
        found.push(path);
    }
    found
}

#[test]
fn sigterm_to_the_parent_leaves_no_child_and_no_file() {
    become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
    // A short base, not target/tmp: ipc-channel puts a Unix socket in TMPDIR,
    // and a socket path over 107 bytes cannot be bound, so a deep checkout
    // would make the examples fail for a reason that is not theirs.
    let base = std::env::temp_dir().join(format!("pk-{}", std::process::id()));
    assert!(
        base.as_os_str().len() < 60,
        "TMPDIR {base:?} is too long for ipc-channel's socket paths"
    );
    for (index, case) in CASES.iter().enumerate() {
        let tmp = base.join(index.to_string());
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).expect("create the temp dir");

        let mut run = Running::start(case, &tmp);
        run.wait_for_line(case);
        let pid = run.parent.id() as i32;
        let children = children_of(pid);
        assert!(
            !children.is_empty(),
            "{}: no child running when signalled",
            case.name
        );

        kill(Pid::from_raw(pid), Signal::SIGTERM).expect("SIGTERM to the parent");
        let status = run.wait_exit(case);
        match case.ends {
            Ends::Stops143 => assert_eq!(
                status.code(),
                Some(143),
                "{}: {status:?}; output:\n{}",
                case.name,
                run.seen.join("\n")
            ),
            Ends::KilledBySignal => {
                assert_eq!(status.signal(), Some(15), "{}: {status:?}", case.name)
            }
        }

        // The children must end BY THEMSELVES: nothing here kills them.
        let left = wait_children_exit(DEADLINE);
        assert!(
            left.alive.is_empty(),
            "{}: children still running after the parent ended: {left} (its children were {:?})",
            case.name,
            children.iter().map(|c| c.pid).collect::<Vec<_>>()
        );
        let files = everything_in(&tmp);
        assert!(files.is_empty(), "{}: files left: {files:?}", case.name);
        eprintln!("{}: ended {status:?}, its children with it", case.name);
        drop(run);
        assert!(leftover_children().is_clean(), "{}", case.name);
    }
    let _ = std::fs::remove_dir_all(&base);
}
