//! What the OS knows about this process's threads, read from Linux's `/proc`.
//!
//! Python has `threading.active_count()`; Rust's std has no such call, because
//! std does not keep a registry of threads. The kernel does: every thread of
//! process `pid` is a directory `/proc/<pid>/task/<tid>/` with its name,
//! its scheduler state and its context-switch counters. These readers return
//! `Err(OsInfoError::Unsupported)` on systems without `/proc`, so the examples
//! can say "Linux only" and exit cleanly.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// Why the OS could not tell us.
#[derive(Debug, thiserror::Error)]
pub enum OsInfoError {
    #[error("this needs Linux's /proc filesystem, which this system does not have")]
    Unsupported,
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("unexpected format in {0}")]
    Format(String),
}

/// One thread as the kernel sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsThread {
    /// The kernel's thread id (a `tid`; the main thread's equals the pid).
    pub tid: u32,
    /// The name set by `thread::Builder::name` (the kernel keeps 15 bytes).
    pub name: String,
    /// Scheduler state letter: R running/ready, S sleeping (waiting), D disk
    /// wait, T stopped, Z zombie...
    pub state: char,
    /// Times the thread gave up the CPU itself (it blocked: sleep, lock, I/O).
    pub voluntary_switches: u64,
    /// Times the scheduler took the CPU away (its time slice ran out).
    pub involuntary_switches: u64,
}

impl OsThread {
    /// The state letter in words, with the notes' names (running, ready, wait).
    pub fn state_in_words(&self) -> &'static str {
        state_in_words(self.state)
    }
}

/// `R` -> "running or ready", `S` -> "waiting (sleeping)", ...
pub fn state_in_words(state: char) -> &'static str {
    match state {
        'R' => "running or ready (R)",
        'S' => "waiting: sleeping until woken (S)",
        'D' => "waiting: uninterruptible, usually disk I/O (D)",
        'T' | 't' => "stopped (T)",
        'Z' => "finished, not yet reaped (Z)",
        'X' => "dead (X)",
        _ => "other",
    }
}

fn proc_self() -> Result<&'static Path, OsInfoError> {
    let path = Path::new("/proc/self/task");
    if path.is_dir() {
        Ok(Path::new("/proc/self"))
    } else {
        Err(OsInfoError::Unsupported)
    }
}

fn read(path: &Path) -> Result<String, OsInfoError> {
    fs::read_to_string(path).map_err(|source| OsInfoError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// How many threads this process has right now (the `Threads:` line of
/// `/proc/self/status`): Rust's answer to `threading.active_count()`.
pub fn thread_count() -> Result<usize, OsInfoError> {
    let status = read(&proc_self()?.join("status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| OsInfoError::Format("/proc/self/status".into()))
}

/// The kernel id of the calling thread (read from `/proc/thread-self`).
pub fn current_tid() -> Result<u32, OsInfoError> {
    proc_self()?;
    let link = fs::read_link("/proc/thread-self").map_err(|source| OsInfoError::Io {
        path: "/proc/thread-self".into(),
        source,
    })?;
    // The link reads "<pid>/task/<tid>".
    link.file_name()
        .and_then(|s| s.to_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| OsInfoError::Format("/proc/thread-self".into()))
}

/// One thread of this process, by kernel id.
pub fn thread_info(tid: u32) -> Result<OsThread, OsInfoError> {
    let dir = proc_self()?.join("task").join(tid.to_string());
    let status = read(&dir.join("status"))?;
    let field = |name: &str| -> Option<&str> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    let format_error = || OsInfoError::Format(dir.join("status").display().to_string());
    let name = field("Name:").ok_or_else(format_error)?.to_string();
    let state = field("State:")
        .and_then(|s| s.chars().next())
        .ok_or_else(format_error)?;
    let number = |name: &str| -> Result<u64, OsInfoError> {
        field(name)
            .and_then(|v| v.parse().ok())
            .ok_or_else(format_error)
    };
    Ok(OsThread {
        tid,
        name,
        state,
        voluntary_switches: number("voluntary_ctxt_switches:")?,
        involuntary_switches: number("nonvoluntary_ctxt_switches:")?,
    })
}

/// Reads thread `tid` until its state letter is `wanted` (the kernel changes
/// it when the thread blocks or runs, and cannot tell us: so look every
/// millisecond), for at most `deadline`; returns the last reading either way.
pub fn wait_for_state(tid: u32, wanted: char, deadline: Duration) -> Result<OsThread, OsInfoError> {
    let start = Instant::now();
    loop {
        let info = thread_info(tid)?;
        if info.state == wanted || start.elapsed() > deadline {
            return Ok(info);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The calling thread's own voluntary context switches (0 if unknown).
pub fn my_voluntary_switches() -> u64 {
    current_tid()
        .and_then(thread_info)
        .map_or(0, |t| t.voluntary_switches)
}

/// The thread count, read again for up to 5 s until it is at most
/// `expected`. `join` returns as soon as the hilo's code has finished (the
/// kernel clears the word join waits on early in the thread's exit); the
/// kernel drops it from the `Threads:` count a moment later.
pub fn thread_count_settled(expected: usize) -> Result<usize, OsInfoError> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let count = thread_count()?;
        if count <= expected || Instant::now() >= deadline {
            return Ok(count);
        }
        std::thread::yield_now();
    }
}

/// Waits (up to `deadline`) until thread `tid` is gone from `/proc`; true if
/// it went. A joined thread leaves a moment after `join` returns.
pub fn wait_until_gone(tid: u32, deadline: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        match thread_info(tid) {
            Err(OsInfoError::Io { source, .. }) if thread_is_gone(&source) => return true,
            _ => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    false
}

/// Did this read fail only because the thread exited meanwhile? Opening a
/// gone thread's directory gives ENOENT; reading the `status` of one that
/// exits after the open gives ESRCH ("No such process").
fn thread_is_gone(error: &std::io::Error) -> bool {
    const ESRCH: i32 = 3;
    error.kind() == std::io::ErrorKind::NotFound || error.raw_os_error() == Some(ESRCH)
}

/// Every thread of this process, sorted by kernel id.
pub fn all_threads() -> Result<Vec<OsThread>, OsInfoError> {
    let dir = proc_self()?.join("task");
    let entries = fs::read_dir(&dir).map_err(|source| OsInfoError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut threads = Vec::new();
    for entry in entries.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        // A thread may exit between listing and reading: skip only that.
        match thread_info(tid) {
            Ok(info) => threads.push(info),
            Err(OsInfoError::Io { source, .. }) if thread_is_gone(&source) => {}
            Err(e) => return Err(e),
        }
    }
    threads.sort_by_key(|t| t.tid);
    Ok(threads)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_live_thread_is_counted_and_named() {
        let (tid_tx, tid_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let handle = std::thread::Builder::new()
            .name("contado".into())
            .spawn(move || {
                tid_tx.send(current_tid().unwrap()).unwrap();
                let _ = stop_rx.recv_timeout(Duration::from_secs(10));
            })
            .unwrap();
        let tid = tid_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let threads = all_threads().unwrap();
        assert!(
            threads.iter().any(|t| t.tid == tid && t.name == "contado"),
            "{threads:?}"
        );
        assert!(thread_count().unwrap() >= 2);
        stop_tx.send(()).unwrap();
        handle.join().unwrap();
    }

    #[test]
    fn a_thread_that_exited_while_we_read_is_skipped_not_an_error() {
        // Both ways the kernel says "that thread is gone" (seen in CI: another
        // test's thread exited between read_dir and reading its status).
        assert!(thread_is_gone(&std::io::Error::from_raw_os_error(3)));
        assert!(thread_is_gone(&std::io::ErrorKind::NotFound.into()));
        assert!(!thread_is_gone(
            &std::io::ErrorKind::PermissionDenied.into()
        ));
    }

    #[test]
    fn the_process_first_thread_has_the_pid_as_its_id() {
        // The kernel lists the first thread under the process id itself.
        let pid = std::process::id();
        let first = thread_info(pid).unwrap();
        assert_eq!(first.tid, pid);
        // A thread reading its own state is, by definition, running.
        assert_eq!(thread_info(current_tid().unwrap()).unwrap().state, 'R');
    }
}
