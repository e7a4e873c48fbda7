//! pool_map under Ctrl-C: it stops its workers, reaps them, exits promptly
//! with a message and code 130, and leaves no process behind.
//!
//! Alone in its file (one test, one process): the test makes itself a child
//! subreaper, so any worker orphaned by pool_map would be re-parented HERE
//! and show up in `leftover_children`, and that is process-wide state.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use examples_processes::hygiene::{become_subreaper, leftover_children, reap_all_children};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// How the interrupted run ended.
struct Ending {
    code: Option<i32>,
    after_signal: Duration,
    output: String,
    worker_pids: Vec<i32>,
}

/// Starts pool_map on a long job list, waits until the pool is computing,
/// sends SIGINT (to the process, or to its whole process group as a
/// terminal's Ctrl-C does), and waits for it to end.
fn interrupt_mid_run(whole_group: bool) -> Ending {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pool_map"));
    // ~100,000 jobs: minutes of work, so the signal surely lands mid-run.
    command
        .args(["--workers", "2", "--jobs", "100000", "--n", "200000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if whole_group {
        // Its own process group, so a group signal does not hit this test.
        command.process_group(0);
    }
    let mut child = command.spawn().expect("start pool_map");
    let pid = Pid::from_raw(child.id() as i32);

    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });

    let mut output = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = lines_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                let _ = child.wait();
                panic!("pool_map never started computing:\n{output}")
            });
        output.push_str(&line);
        output.push('\n');
        if line.contains("process pool: running") {
            break;
        }
    }

    if whole_group {
        killpg(pid, Signal::SIGINT).expect("SIGINT to the group");
    } else {
        kill(pid, Signal::SIGINT).expect("SIGINT to pool_map");
    }
    let signalled = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if signalled.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pool_map still running 30 s after SIGINT:\n{output}");
        }
        thread::sleep(Duration::from_millis(5)); // sleep-ok: polling try_wait under a deadline
    };
    let after_signal = signalled.elapsed();
    reader.join().unwrap();
    output.extend(lines_rx.try_iter().map(|l| l + "\n"));

    let results = shared::testing::result_lines(&output);
    let worker_pids = results
        .get("worker_pids")
        .unwrap_or_else(|| panic!("no worker_pids:\n{output}"))
        .trim_matches(['[', ']'])
        .split(',')
        .map(|p| p.trim().parse().unwrap())
        .collect();
    Ending {
        code: status.code(),
        after_signal,
        output,
        worker_pids,
    }
}

fn check(ending: &Ending) {
    let out = &ending.output;
    assert_eq!(ending.code, Some(130), "{out}");
    assert!(
        ending.after_signal < Duration::from_secs(10),
        "slow to stop: {:?}\n{out}",
        ending.after_signal
    );
    let results = shared::testing::result_lines(out);
    assert_eq!(results["interrupted"], "SIGINT", "{out}");
    assert_eq!(results["workers_reaped"], "2", "{out}");
    // The workers are gone: not running anywhere (no /proc entry), and not
    // orphaned here (we are their subreaper).
    for pid in &ending.worker_pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "worker {pid} still exists\n{out}"
        );
    }
    let leftovers = leftover_children();
    let cleanup = reap_all_children(Duration::from_secs(5));
    assert!(
        leftovers.is_clean(),
        "left behind: {leftovers} (cleaned up: {cleanup})\n{out}"
    );
}

#[test]
fn sigint_stops_and_reaps_the_workers_and_leaves_nothing_behind() {
    become_subreaper().expect("become a child subreaper");
    // kill(pid, SIGINT): only the parent gets it.
    check(&interrupt_mid_run(false));
    // Ctrl-C at a terminal: the whole process group gets it.
    check(&interrupt_mid_run(true));
}
