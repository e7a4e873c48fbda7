//! The crate's one process harness: starting a child proceso two ways,
//! telling a child its role, tying it to its parent, turning signals into a
//! shutdown [`Event`], and always reaping it. Every example and the
//! supervisor use this module; none carries its own copy.
//!
//! Python's `multiprocessing` has start methods; two of them map onto Rust:
//!
//! - **"spawn"**: start a fresh interpreter that re-imports the main module,
//!   then runs the target function. That re-import is why Python needs
//!   `if __name__ == "__main__":` around the code that starts processes.
//!   Without it the child, while importing, reaches `Process.start()`
//!   itself, and CPython refuses: it raises `RuntimeError` ("An attempt has
//!   been made to start a new process before the current process has
//!   finished its bootstrapping phase") and the child exits with code 1
//!   (`multiprocessing/spawn.py`, `_check_not_importing_main`). Rust's
//!   equivalent is to **re-execute the current binary** with a *role*
//!   ([`self_command`], [`Child::spawn_self`]): the child runs `main` again
//!   from the top, and `main` must look at [`role`] first and, if it has
//!   one, do the child's job instead of the parent's. That check is our
//!   `if __name__ == "__main__"`. The child starts with none of the parent's
//!   memory: what it needs travels as an argument ([`spawn_self_with`] sends
//!   one over an ipc-channel, as Python pickles `args=(...)` to the child).
//!   Python's default is "spawn" on Windows and macOS (since 3.8), "fork" on
//!   Linux up to 3.13 and "forkserver" on Linux from 3.14.
//! - **"fork"**: the child is a copy of the parent's whole address space at
//!   the moment of `fork()` ([`Child::fork`]). `fork(2)` works in a process
//!   with threads too, but the child gets only the calling thread: a lock
//!   held by any other thread (inside malloc, stdout, a logger) stays locked
//!   forever in the child, which may then only call async-signal-safe
//!   functions. [`Child::fork`] chooses to refuse a process that has more
//!   than one thread (the OS would not), and its child never returns into
//!   the parent's code nor unwinds out of its branch: it ends with `_exit`.
//!   The forked body keeps to async-signal-safe work too (plain memory,
//!   atomics, `write(2)`; see [`say_from_fork`]).
//!
//! Whatever the start method, every [`Child`] is reaped: waiting has a
//! deadline ([`Child::wait_timeout`], [`Child::wait_or_kill`],
//! [`Child::join`]), a child that dies early is reported with how it died
//! ([`Exit`], the crate's one wording of an exit status), and dropping a
//! `Child` that was not waited for kills it and reaps it. A re-executed
//! child continues its parent's output clock ([`self_command`] sets
//! `shared::output::clock_env()`), dies with its parent
//! ([`die_with_parent`]), and a parent can turn SIGINT/SIGTERM into an
//! orderly stop ([`stop_on_signals`]; a supervised worker: [`stop_on_sigterm`]).
//!
//! A signal mask survives `fork` and `exec`: std's `Command` resets only
//! SIGPIPE's disposition, not the mask. A parent that blocked SIGINT and
//! SIGTERM for its signal thread would start every child with them blocked
//! (`kill -TERM <child>` would do nothing), so [`die_with_parent`], the
//! first call of every child, unblocks them again.
//!
//! This module needs `unsafe` in two places, each with a `// SAFETY:`
//! comment: `fork` itself (nix marks it unsafe, for the reasons above) and
//! `_exit` (libc), which ends a forked child without running the parent's
//! exit handlers.

use std::fmt;
use std::io::{self, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::process::{ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ipc_channel::ipc::{self, IpcOneShotServer, IpcReceiver, IpcSender};
use nix::errno::Errno;
use nix::sys::signal::{SigSet, Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The environment variable that tells a re-executed binary which role to
/// play. Unset in a program started by a person: that is the parent.
pub const ROLE_ENV: &str = "CONCURRENCIA_ROLE";

/// The environment variable that carries the name of the parent's one-shot
/// ipc server to a child started by [`spawn_self_with`].
pub const BOOTSTRAP_ENV: &str = "CONCURRENCIA_BOOTSTRAP";

/// The environment variable that carries the parent's pid to a child started
/// by [`self_command`], so [`die_with_parent`] can tell whether the parent it
/// was started by is still its parent.
pub const PARENT_ENV: &str = "CONCURRENCIA_PARENT_PID";

/// How long a parent waits, by default, for a re-executed child to start and
/// connect back. Generous: a debug build on a busy 2-core machine is slow.
pub const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// Everything that can go wrong starting, talking to or waiting for a child.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error("{what}: {errno}")]
    Os { what: String, errno: Errno },
    #[error("{what}: {message}")]
    Ipc { what: String, message: String },
    #[error("{name} (pid {pid}) still running after {after:?}")]
    TimedOut {
        name: String,
        pid: u32,
        after: Duration,
    },
    #[error("{name} (pid {pid}) ended before it connected back ({exit})")]
    DiedEarly { name: String, pid: u32, exit: Exit },
    #[error(
        "refusing to fork: this process runs {threads} threads, and fork copies only one \
         (a lock another thread holds would stay locked forever in the child); \
         fork before starting any thread, or use the re-exec (\"spawn\") start method"
    )]
    Threaded { threads: usize },
    #[error("this binary was started as role `{0}`, which it does not know")]
    UnknownRole(String),
    #[error("stopped by {}: every child was stopped and reaped", signal.as_str())]
    Interrupted { signal: Signal },
    #[error("{name} did not end well: {exit}")]
    Failed { name: String, exit: Exit },
}

impl ChildError {
    fn io(what: impl Into<String>, source: io::Error) -> Self {
        ChildError::Io {
            what: what.into(),
            source,
        }
    }

    fn os(what: impl Into<String>, errno: Errno) -> Self {
        ChildError::Os {
            what: what.into(),
            errno,
        }
    }

    /// An ipc-channel error, kept as text (its error types are not `Sync`-friendly
    /// to carry around and the message is what a student needs).
    pub fn ipc(what: impl Into<String>, error: impl fmt::Display) -> Self {
        ChildError::Ipc {
            what: what.into(),
            message: error.to_string(),
        }
    }
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It called `exit(code)` (or returned from `main`).
    Code(i32),
    /// A signal ended it (SIGKILL = 9, SIGABRT = 6 for `abort()`, ...).
    Signal(i32),
}

impl Exit {
    /// True for `exit(0)`.
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }

    fn from_status(status: ExitStatus) -> Exit {
        match (status.code(), status.signal()) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            // Neither: stopped/continued, which `wait` does not report.
            (None, None) => Exit::Code(-1),
        }
    }

    /// From what `waitpid` reported; `None` for stopped/continued.
    pub fn from_wait(status: WaitStatus) -> Option<Exit> {
        match status {
            WaitStatus::Exited(_, code) => Some(Exit::Code(code)),
            WaitStatus::Signaled(_, signal, _) => Some(Exit::Signal(signal as i32)),
            _ => None,
        }
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Exit::Code(code) => write!(f, "exit code {code}"),
            Exit::Signal(number) => match Signal::try_from(number) {
                Ok(signal) => write!(f, "killed by signal {number} ({})", signal.as_str()),
                Err(_) => write!(f, "killed by signal {number}"),
            },
        }
    }
}

/// The role this process was started with, if it is a re-executed child.
///
/// Every binary that starts children of itself begins `main` with this
/// check: it is Rust's `if __name__ == "__main__":`.
pub fn role() -> Option<String> {
    std::env::var(ROLE_ENV).ok().filter(|role| !role.is_empty())
}

/// A `Command` that re-executes this very binary as `role` ("spawn").
///
/// Add arguments, environment, or stdin/stdout with the usual `Command`
/// methods, then start it with [`Child::spawn`]. (If the binary was rebuilt
/// while running, `current_exe` names a deleted file and the spawn fails
/// with a clear error rather than running the new code.)
pub fn self_command(role: &str) -> Result<Command, ChildError> {
    let exe = std::env::current_exe()
        .map_err(|e| ChildError::io("cannot find this program's own executable", e))?;
    let mut command = Command::new(exe);
    // The child's lines are stamped on this process's clock, so parent and
    // child read in one time order.
    let (clock, start) = shared::output::clock_env();
    command
        .env(clock, start)
        .env(ROLE_ENV, role)
        .env(PARENT_ENV, std::process::id().to_string())
        .env_remove(BOOTSTRAP_ENV);
    Ok(command)
}

/// The first call of every child role: gives the child the default signal
/// mask back and makes it die when its parent dies.
///
/// The mask first: a mask survives `exec`, and std's `Command` does not
/// reset it (only SIGPIPE's disposition). A parent that called
/// [`stop_on_signals`] runs with SIGINT and SIGTERM blocked, so without this
/// its child could not be stopped by `kill -TERM` or Ctrl-C, and
/// [`Child::terminate`] would always wait out its grace.
///
/// Then the parent: without it, a parent killed by a signal (SIGTERM from
/// `kill`, SIGKILL, a crash) leaves its children running: the kernel
/// re-parents them to init (or to the nearest subreaper) and nobody stops
/// them. Python's `multiprocessing` has the same problem: `daemon=True`
/// children are terminated by an `atexit` handler, which does not run when
/// the parent dies of a signal, so daemon children are orphaned too. See
/// [`parent_death_signal`] for the two steps; here the signal is SIGKILL and
/// a child whose parent is already gone exits at once.
pub fn die_with_parent() -> Result<(), ChildError> {
    let mut stops = SigSet::empty();
    stops.add(Signal::SIGINT);
    stops.add(Signal::SIGTERM);
    stops
        .thread_unblock()
        .map_err(|errno| ChildError::os("unblocking SIGINT and SIGTERM", errno))?;
    if !parent_death_signal(Signal::SIGKILL)? {
        // Our parent is gone already: whatever we were to do is unwanted.
        eprintln!(
            "pid {}: the parent is already gone; exiting",
            std::process::id()
        );
        std::process::exit(1);
    }
    Ok(())
}

/// Asks the kernel for `signal` when our parent dies; returns whether the
/// parent that started us is still our parent. Two steps:
///
/// 1. `prctl(PR_SET_PDEATHSIG, signal)`: the kernel sends `signal` when our
///    parent dies. (Strictly: when the parent *thread* that started us ends.
///    The examples start every child from `main`'s thread, which lives as
///    long as the process.)
/// 2. That request only covers a death that happens *after* it. If the
///    parent died between starting us and step 1, no signal will come, but
///    our parent is then no longer the process that started us: compare
///    `getppid()` with the pid the parent put in [`PARENT_ENV`].
///
/// Started by hand (no [`PARENT_ENV`]), only step 1 is done. Linux only: on
/// other systems there is no PR_SET_PDEATHSIG and only step 2 is done.
pub fn parent_death_signal(signal: Signal) -> Result<bool, ChildError> {
    #[cfg(target_os = "linux")]
    nix::sys::prctl::set_pdeathsig(signal)
        .map_err(|errno| ChildError::os("PR_SET_PDEATHSIG", errno))?;
    #[cfg(not(target_os = "linux"))]
    let _ = signal;
    Ok(parent_pid().is_none_or(|expected| nix::unistd::getppid().as_raw() == expected))
}

/// The pid of the parent that started us with [`self_command`], if it did.
pub fn parent_pid() -> Option<i32> {
    std::env::var(PARENT_ENV).ok()?.parse().ok()
}

/// Which way a child was started.
enum Started {
    /// By `Command::spawn` (re-exec or any program): std keeps the handle.
    Spawned(std::process::Child),
    /// By `fork()`: we keep the pid and reap it with `waitpid` ourselves.
    Forked,
}

/// A child proceso that is always reaped.
///
/// Dropping a `Child` that has not been waited for sends it SIGKILL and
/// reaps it, so an early return never leaves a zombie or an orphan.
pub struct Child {
    name: String,
    pid: Pid,
    started: Started,
    exit: Option<Exit>,
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("name", &self.name)
            .field("pid", &self.pid.as_raw())
            .field("exit", &self.exit)
            .finish()
    }
}

impl Child {
    /// Starts `command` (any program, or this one via [`self_command`]).
    pub fn spawn(command: &mut Command, name: impl Into<String>) -> Result<Child, ChildError> {
        let name = name.into();
        let child = command
            .spawn()
            .map_err(|e| ChildError::io(format!("cannot start {name}"), e))?;
        Ok(Child {
            pid: Pid::from_raw(child.id() as i32),
            name,
            started: Started::Spawned(child),
            exit: None,
        })
    }

    /// Re-executes this binary as `role` with `args` ("spawn").
    pub fn spawn_self(role: &str, args: &[&str]) -> Result<Child, ChildError> {
        let mut command = self_command(role)?;
        command.args(args);
        Child::spawn(&mut command, role)
    }

    /// Forks this process ("fork"): the child runs `body` on a copy of the
    /// parent's memory and ends with `_exit(code)`, where `code` is what
    /// `body` returned (101 if it panicked). The parent gets the `Child`.
    ///
    /// The child dies with the parent, as with [`die_with_parent`]: before
    /// `body` runs it asks for SIGKILL when the parent dies, then checks
    /// that the parent did not die first (`_exit(1)` if it did).
    ///
    /// Refused with [`ChildError::Threaded`] if this process has more than
    /// one thread (see the module docs). `body` should keep to
    /// async-signal-safe work: memory, atomics, [`say_from_fork`].
    pub fn fork(name: impl Into<String>, body: impl FnOnce() -> i32) -> Result<Child, ChildError> {
        let name = name.into();
        let threads = thread_count()?;
        if threads != 1 {
            return Err(ChildError::Threaded { threads });
        }
        // A line still in stdout's buffer would be copied into the child and
        // printed twice; flushing also makes sure stdout is set up before the
        // fork, so the child's `say_from_fork` never has to allocate it.
        let _ = io::stdout().flush();
        let parent = nix::unistd::getpid();
        // SAFETY: this process has exactly one thread (checked just above,
        // and nothing can start another between the check and the call), so
        // no lock can be held by a thread that the child would not have. The
        // child branch below never returns: it runs `body` inside
        // `child_code`, which lets no unwinding out, and ends with `_exit`.
        match unsafe { nix::unistd::fork() } {
            Err(errno) => Err(ChildError::os(format!("fork for {name} failed"), errno)),
            Ok(ForkResult::Parent { child }) => Ok(Child {
                name,
                pid: child,
                started: Started::Forked,
                exit: None,
            }),
            Ok(ForkResult::Child) => {
                // prctl and getppid are plain system calls: async-signal-safe.
                #[cfg(target_os = "linux")]
                let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
                let code = if nix::unistd::getppid() == parent {
                    child_code(body)
                } else {
                    1 // the parent died before we could ask to die with it
                };
                exit_now(code)
            }
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.pid.as_raw() as u32
    }

    /// The name it was started with (for messages).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How it ended, if it has been reaped already.
    pub fn exit(&self) -> Option<Exit> {
        self.exit
    }

    /// The write end of its stdin, if it was started with `Stdio::piped()`.
    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        match &mut self.started {
            Started::Spawned(child) => child.stdin.take(),
            Started::Forked => None,
        }
    }

    /// The read end of its stdout, if it was started with `Stdio::piped()`.
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        match &mut self.started {
            Started::Spawned(child) => child.stdout.take(),
            Started::Forked => None,
        }
    }

    /// The read end of its stderr, if it was started with `Stdio::piped()`.
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        match &mut self.started {
            Started::Spawned(child) => child.stderr.take(),
            Started::Forked => None,
        }
    }

    /// Reaps the child if it has ended; `None` while it runs. Never blocks.
    pub fn try_wait(&mut self) -> Result<Option<Exit>, ChildError> {
        if let Some(exit) = self.exit {
            return Ok(Some(exit));
        }
        let exit = match &mut self.started {
            Started::Spawned(child) => child
                .try_wait()
                .map_err(|e| ChildError::io(format!("waiting for {}", self.name), e))?
                .map(Exit::from_status),
            Started::Forked => match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(status) => Exit::from_wait(status),
                Err(errno) => {
                    return Err(ChildError::os(format!("waiting for {}", self.name), errno));
                }
            },
        };
        self.exit = exit;
        Ok(exit)
    }

    /// Waits until the child ends, blocking. Use only for a child that is
    /// sure to end (it was killed, or told to stop and is known to obey);
    /// otherwise use [`Child::wait_timeout`].
    pub fn wait(&mut self) -> Result<Exit, ChildError> {
        if let Some(exit) = self.exit {
            return Ok(exit);
        }
        let exit = match &mut self.started {
            Started::Spawned(child) => child
                .wait()
                .map(Exit::from_status)
                .map_err(|e| ChildError::io(format!("waiting for {}", self.name), e))?,
            Started::Forked => loop {
                match waitpid(self.pid, None) {
                    Ok(status) => {
                        if let Some(exit) = Exit::from_wait(status) {
                            break exit;
                        }
                    }
                    Err(Errno::EINTR) => {}
                    Err(errno) => {
                        return Err(ChildError::os(format!("waiting for {}", self.name), errno));
                    }
                }
            },
        };
        self.exit = Some(exit);
        Ok(exit)
    }

    /// Waits at most `limit` for the child to end and reaps it. On timeout
    /// the child is left running (and [`ChildError::TimedOut`] returned):
    /// the caller decides; dropping the `Child` kills it.
    ///
    /// std has no wait-with-timeout, so this polls `waitpid(WNOHANG)` with a
    /// backoff from 50 µs up to 10 ms: an ending child is noticed within
    /// about 10 ms, and a long wait costs ~100 wake-ups a second. (The exact
    /// alternative on Linux is a pidfd: `pidfd_open(pid)` gives a file
    /// descriptor that becomes readable when the child ends, so `poll` on it
    /// with a timeout wakes exactly once. std has it only as an unstable API.)
    pub fn wait_timeout(&mut self, limit: Duration) -> Result<Exit, ChildError> {
        self.poll_wait(limit, false)
    }

    /// The polling loop of [`Child::wait_timeout`] and [`Child::join`];
    /// with `watch_stop`, a stop signal also ends it (with `Interrupted`).
    fn poll_wait(&mut self, limit: Duration, watch_stop: bool) -> Result<Exit, ChildError> {
        let started = Instant::now();
        let mut pause = Duration::from_micros(50);
        loop {
            if let Some(exit) = self.try_wait()? {
                return Ok(exit);
            }
            if watch_stop && let Some(signal) = stop_signal() {
                return Err(ChildError::Interrupted { signal });
            }
            let waited = started.elapsed();
            if waited >= limit {
                return Err(ChildError::TimedOut {
                    name: self.name.clone(),
                    pid: self.pid(),
                    after: waited,
                });
            }
            thread::sleep(pause.min(limit - waited));
            pause = (pause * 2).min(Duration::from_millis(10));
        }
    }

    /// Waits at most `limit`; if the child is still running then, kills it,
    /// reaps it and returns [`ChildError::TimedOut`]. Either way it is reaped.
    pub fn wait_or_kill(&mut self, limit: Duration) -> Result<Exit, ChildError> {
        match self.wait_timeout(limit) {
            Err(timed_out @ ChildError::TimedOut { .. }) => {
                self.kill_and_reap()?;
                Err(timed_out)
            }
            other => other,
        }
    }

    /// A join with a deadline that never leaves a child behind: waits at
    /// most `limit` for the child to end and reaps it; on timeout kills and
    /// reaps it and returns [`ChildError::TimedOut`]. If a stop signal comes
    /// meanwhile ([`stop_on_signals`]), kills and reaps it at once and
    /// returns [`ChildError::Interrupted`].
    ///
    /// Not Python's `p.join(timeout)`: that one only stops waiting, and the
    /// child goes on running (`p.exitcode` is still `None`; the caller then
    /// decides, e.g. `p.terminate()`). [`Child::wait_timeout`] is that join;
    /// this one is `p.join(timeout)` followed by `p.kill()` and `p.join()`.
    pub fn join(&mut self, limit: Duration) -> Result<Exit, ChildError> {
        match self.poll_wait(limit, true) {
            Err(stopped @ (ChildError::TimedOut { .. } | ChildError::Interrupted { .. })) => {
                self.kill_and_reap()?;
                Err(stopped)
            }
            other => other,
        }
    }

    /// [`Child::join`], then says how the child ended ("joined <name> (pid
    /// N): <exit>"), and fails with [`ChildError::Failed`] unless it exited
    /// with code 0: the end of most examples' children, in one line.
    pub fn join_ok(&mut self, limit: Duration) -> Result<Exit, ChildError> {
        let exit = self.join(limit)?;
        shared::output::say(format!("joined {} (pid {}): {exit}", self.name, self.pid()));
        if !exit.success() {
            return Err(ChildError::Failed {
                name: self.name.clone(),
                exit,
            });
        }
        Ok(exit)
    }

    /// Sends `signal` to the child if it has not been reaped yet. (A pid is
    /// only reused after its zombie is reaped, and only we reap it, so the
    /// signal cannot hit a stranger.)
    pub fn signal(&self, signal: Signal) -> Result<(), ChildError> {
        if self.exit.is_some() {
            return Ok(());
        }
        match kill(self.pid, signal) {
            // ESRCH: it is a zombie already; fine.
            Ok(()) | Err(Errno::ESRCH) => Ok(()),
            Err(errno) => Err(ChildError::os(format!("signalling {}", self.name), errno)),
        }
    }

    /// SIGKILL (which cannot be caught or ignored), then reap.
    pub fn kill_and_reap(&mut self) -> Result<Exit, ChildError> {
        if let Some(exit) = self.exit {
            return Ok(exit);
        }
        self.signal(Signal::SIGKILL)?;
        self.wait()
    }

    /// Asks politely (SIGTERM), waits up to `grace`, then SIGKILL. Reaped
    /// either way.
    pub fn terminate(&mut self, grace: Duration) -> Result<Exit, ChildError> {
        self.signal(Signal::SIGTERM)?;
        match self.wait_timeout(grace) {
            Err(ChildError::TimedOut { .. }) => self.kill_and_reap(),
            other => other,
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.exit.is_none() {
            // Errors are ignored on purpose: a destructor cannot report them,
            // and SIGKILL + wait is the most that can be done.
            let _ = self.kill_and_reap();
        }
    }
}

/// Waits for every child at once, at most `limit`; `Ok` when all exited
/// with code 0. The first one to end badly ends the wait with
/// [`ChildError::Failed`]: the caller then drops the others, which kills
/// and reaps them. (Waiting for them one by one, a sibling spinning on a
/// lock that a killed child held would be waited for until the deadline.)
pub fn join_all(children: &mut [Child], limit: Duration) -> Result<(), ChildError> {
    let started = Instant::now();
    let mut pause = Duration::from_micros(50);
    loop {
        let mut running = None;
        for child in children.iter_mut() {
            match child.try_wait()? {
                None => running = Some((child.name.clone(), child.pid())),
                Some(exit) if exit.success() => {}
                Some(exit) => {
                    return Err(ChildError::Failed {
                        name: child.name.clone(),
                        exit,
                    });
                }
            }
        }
        let Some((name, pid)) = running else {
            return Ok(());
        };
        if started.elapsed() >= limit {
            return Err(ChildError::TimedOut {
                name,
                pid,
                after: started.elapsed(),
            });
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

/// Runs a forked child's `body` and returns its exit code: what `body`
/// returned, or 101 if it panicked. Nothing unwinds out of here, whatever
/// `body` does: an unwinding panic would run the *parent's* stack frames
/// (copied by fork) in the child, with their destructors and their return
/// paths.
///
/// Two holes are closed besides catching the panic. The panic's payload is
/// an arbitrary value whose `Drop` could itself panic: it is forgotten, never
/// dropped. And a guard whose `Drop` calls `_exit(101)` is armed around the
/// call, so if anything at all unwinds past `catch_unwind`, the process ends
/// there instead of unwinding further.
fn child_code(body: impl FnOnce() -> i32) -> i32 {
    struct ExitIfUnwinding;
    impl Drop for ExitIfUnwinding {
        fn drop(&mut self) {
            exit_now(101)
        }
    }
    let guard = ExitIfUnwinding;
    let code = code_or_101(body);
    std::mem::forget(guard);
    code
}

/// `body()`, or 101 if it panicked; the panic's payload is never dropped.
fn code_or_101(body: impl FnOnce() -> i32) -> i32 {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(code) => code,
        Err(payload) => {
            std::mem::forget(payload);
            101
        }
    }
}

/// `_exit(code)`: ends this process at once.
fn exit_now(code: i32) -> ! {
    // SAFETY: `_exit` ends the process at once. Unlike `exit`, it runs no
    // atexit handlers and flushes no stdio buffers copied from the parent
    // (which would print the parent's text twice); it is async-signal-safe,
    // and it never returns.
    unsafe { libc::_exit(code) }
}

/// How many threads this process runs (Linux: entries of /proc/self/task).
pub fn thread_count() -> Result<usize, ChildError> {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_dir("/proc/self/task")
            .map(|entries| entries.count())
            .map_err(|e| ChildError::io("counting this process's threads in /proc/self/task", e))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(ChildError::io(
            "counting this process's threads",
            io::Error::new(io::ErrorKind::Unsupported, "Linux only (/proc/self/task)"),
        ))
    }
}

/// A line formatted on the stack: `core::fmt` into a fixed buffer, no heap.
///
/// malloc is not async-signal-safe (another thread may hold its lock at the
/// moment of fork), so a forked child that wants to print formats here and
/// writes with one `write(2)`, which is. Text beyond the buffer is cut, at
/// a character boundary.
pub struct StackLine {
    buf: [u8; 512],
    len: usize,
}

impl StackLine {
    pub fn new() -> Self {
        StackLine {
            buf: [0; 512],
            len: 0,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Writes the whole line to stdout with `write(2)`, retrying on EINTR
    /// and partial writes.
    pub fn write_to_stdout(&self) {
        let stdout = io::stdout();
        let mut rest = self.as_bytes();
        while !rest.is_empty() {
            match nix::unistd::write(&stdout, rest) {
                Ok(0) => return,
                Ok(n) => rest = &rest[n..],
                Err(Errno::EINTR) => {}
                Err(_) => return,
            }
        }
    }
}

impl Default for StackLine {
    fn default() -> Self {
        StackLine::new()
    }
}

impl fmt::Write for StackLine {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - self.len;
        // Cut at a character boundary: half a UTF-8 character would make
        // the line invalid text.
        let mut n = s.len().min(room);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Crashes this process on purpose, for a demo: `abort()` (SIGABRT) with
/// core files switched off first. Not a panic, and not a raised SIGSEGV
/// (std's handler returns from a single one).
pub fn crash() -> ! {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
    std::process::abort()
}

/// `shared::output::say_as`, for a forked child: the same line format
/// (elapsed, pid, who, message), built on the stack and written with one
/// `write(2)`, touching no lock and no heap.
pub fn say_from_fork(who: &str, message: fmt::Arguments<'_>) {
    use fmt::Write as _;
    let mut line = StackLine::new();
    let ms = shared::output::elapsed().as_secs_f64() * 1_000.0;
    let pid = nix::unistd::getpid().as_raw();
    let _ = write!(line, "[{ms:>10.3} ms] pid {pid:<6} {who:<12} | ");
    let _ = line.write_fmt(message);
    let _ = line.write_str("\n");
    line.write_to_stdout();
}

/// Waits for `child` to connect to `server`, but not forever.
///
/// `IpcOneShotServer::accept` has no timeout, and it is two blocking steps:
/// `accept(2)` a connection, then read the first message on it. A child that
/// dies before it connects leaves step one waiting forever; a child that
/// connects and then says nothing leaves step two waiting. So accept runs on
/// a helper thread while this thread watches the child. If the child ends
/// first or `limit` passes, the order of the clean-up matters:
///
/// 1. kill and reap the child: that closes its end of any connection it
///    made, so a helper stuck in step two reads a hang-up and returns;
/// 2. connect to the server ourselves and hang up at once: a helper still in
///    step one accepts us, reads our hang-up and returns;
/// 3. wait for the helper, but only [`HELPER_LIMIT`]: the server's name is a
///    path in the file system, so the peer that connected may not be the
///    child at all (any process of this user can connect). If some stranger
///    holds the connection open and silent, the helper is left behind rather
///    than blocking us; it ends when that stranger hangs up.
///
/// A stop signal ([`stop_on_signals`]) also ends the wait, with
/// [`ChildError::Interrupted`], after the same clean-up.
pub fn accept_from<T>(
    server: IpcOneShotServer<T>,
    server_name: &str,
    child: &mut Child,
    limit: Duration,
) -> Result<(IpcReceiver<T>, T), ChildError>
where
    T: Serialize + DeserializeOwned + Send + 'static,
{
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let acceptor = thread::Builder::new()
        .name("ipc-accept".into())
        .spawn(move || {
            let _ = done_tx.send(server.accept());
        })
        .map_err(|e| ChildError::io("cannot start the accept thread", e))?;

    let started = Instant::now();
    let mut pause = Duration::from_micros(100);
    let failure = loop {
        match done_rx.recv_timeout(pause) {
            Ok(accepted) => {
                let _ = acceptor.join();
                return accepted.map_err(|e| {
                    ChildError::ipc(format!("{} did not say hello", child.name()), e)
                });
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                break ChildError::ipc(
                    "accepting a child",
                    "the accept thread ended without an answer",
                );
            }
        }
        match child.try_wait() {
            Ok(Some(exit)) => {
                break ChildError::DiedEarly {
                    name: child.name().to_string(),
                    pid: child.pid(),
                    exit,
                };
            }
            Ok(None) => {}
            Err(error) => break error,
        }
        if let Some(signal) = stop_signal() {
            break ChildError::Interrupted { signal };
        }
        if started.elapsed() >= limit {
            break ChildError::TimedOut {
                name: child.name().to_string(),
                pid: child.pid(),
                after: started.elapsed(),
            };
        }
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    // 1. The child first: its death hangs up any connection it made.
    let _ = child.kill_and_reap();
    // 2. Wake an accept(2) that nobody reached: connect and hang up at once.
    drop(IpcSender::<T>::connect(server_name.to_string()));
    // 3. The helper should end at once now; if a stranger keeps it reading,
    //    let it go (dropping the handle detaches the thread).
    if done_rx.recv_timeout(HELPER_LIMIT).is_ok() {
        let _ = acceptor.join();
    }
    Err(failure)
}

/// How long [`accept_from`] waits for its helper thread after giving up on a
/// child (see step 3 there).
pub const HELPER_LIMIT: Duration = Duration::from_secs(1);

/// Python's `Process(target=..., args=(arg,))` with the "spawn" start
/// method: re-executes this binary as `role`, waits (at most `limit`) for
/// it to connect back, and hands it `arg` over an ipc-channel. `arg` may
/// hold ipc senders and receivers: they move into the child (as file
/// descriptors), which is how a child gets a queue, a pipe or a proxy.
///
/// The child gets the value with [`receive_arg`].
pub fn spawn_self_with<A>(
    role: &str,
    name: impl Into<String>,
    arg: A,
    limit: Duration,
) -> Result<Child, ChildError>
where
    A: Serialize + DeserializeOwned + Send + 'static,
{
    let name = name.into();
    let (server, server_name) = IpcOneShotServer::<IpcSender<A>>::new()
        .map_err(|e| ChildError::io("cannot create the one-shot ipc server", e))?;
    let mut command = self_command(role)?;
    command.env(BOOTSTRAP_ENV, &server_name);
    let mut child = Child::spawn(&mut command, name)?;
    let (_hello, arg_sender) = accept_from(server, &server_name, &mut child, limit)?;
    arg_sender
        .send(arg)
        .map_err(|e| ChildError::ipc(format!("sending {} its argument", child.name()), e))?;
    Ok(child)
}

/// In a child started by [`spawn_self_with`]: connects back to the parent
/// and receives the argument it sent (waiting at most `limit`).
pub fn receive_arg<A>(limit: Duration) -> Result<A, ChildError>
where
    A: Serialize + DeserializeOwned,
{
    let server_name = std::env::var(BOOTSTRAP_ENV).map_err(|_| {
        ChildError::ipc(
            "receiving the parent's argument",
            format!("{BOOTSTRAP_ENV} is not set: this process was not started by spawn_self_with"),
        )
    })?;
    let hello = IpcSender::<IpcSender<A>>::connect(server_name)
        .map_err(|e| ChildError::io("connecting back to the parent", e))?;
    let (arg_sender, arg_receiver) =
        ipc::channel::<A>().map_err(|e| ChildError::io("creating the argument channel", e))?;
    hello
        .send(arg_sender)
        .map_err(|e| ChildError::ipc("saying hello to the parent", e))?;
    arg_receiver
        .try_recv_timeout(limit)
        .map_err(|e| ChildError::ipc("receiving the parent's argument", e))
}

/// The notes' `threading.Event`: a flag one thread sets and others check or
/// wait for. The crate's one shutdown flag: [`stop_on_signals`] and
/// [`stop_on_sigterm`] set it, a pool's cancel flag and a supervised
/// worker's loop read it.
///
/// `is_set` is one atomic load, cheap enough for every loop turn.
/// `wait_timeout` is `Event.wait(timeout)`: a sleep that ends early when the
/// flag is set, so a worker that pauses between jobs still stops at once
/// (the notes' `time.sleep(1)` would make shutdown wait up to a second).
#[derive(Debug, Default)]
pub struct Event {
    set: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Event {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Event.is_set()`.
    pub fn is_set(&self) -> bool {
        // Acquire pairs with the Release in `set`: whatever the setter did
        // before setting the flag is visible to whoever sees it set.
        self.set.load(Ordering::Acquire)
    }

    /// `Event.set()`: sets the flag and wakes every waiter.
    pub fn set(&self) {
        // Store under the lock: a waiter checks the flag and goes to sleep
        // while holding it, so the notify cannot fall between its check and
        // its sleep (the classic lost wake-up).
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.set.store(true, Ordering::Release);
        self.wake.notify_all();
    }

    /// `Event.wait(timeout)`: sleeps until the flag is set or `timeout`
    /// passes; returns whether the flag is set.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let _guard = self
            .wake
            .wait_timeout_while(guard, timeout, |_| !self.is_set())
            .unwrap_or_else(|e| e.into_inner());
        self.is_set()
    }
}

/// A private directory for one run's temp files (a FIFO, a mapped file):
/// made with mode 0700 under `parent` (default: the system temp directory),
/// and removed with everything in it when dropped, on every path (success,
/// `?` error, unwinding panic, or a stop signal turned into an error).
#[derive(Debug)]
pub struct TempDir {
    path: std::path::PathBuf,
}

impl TempDir {
    /// Makes `<parent>/<prefix>-<pid>-<nanos>`; it must not exist yet, so no
    /// other user can have planted a file in it.
    pub fn new(parent: Option<&std::path::Path>, prefix: &str) -> Result<TempDir, ChildError> {
        use std::os::unix::fs::DirBuilderExt as _;
        let parent = parent.map_or_else(std::env::temp_dir, std::path::Path::to_path_buf);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = parent.join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| ChildError::io(format!("cannot create {}", path.display()), e))?;
        Ok(TempDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// A path inside it.
    pub fn join(&self, name: &str) -> std::path::PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.path) {
            eprintln!("could not remove {}: {error}", self.path.display());
        }
    }
}

/// The signal that asked this process to stop, as a number (0: none yet).
/// Written once by the signal thread; read anywhere.
static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The signal that asked this process to stop, if [`stop_on_signals`] (or
/// [`stop_on_sigterm`]) is in use and one came. The long waits of this
/// module ([`Child::join`], [`accept_from`]) watch it and end with
/// [`ChildError::Interrupted`].
pub fn stop_signal() -> Option<Signal> {
    match STOP_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        number => Signal::try_from(number).ok(),
    }
}

/// `Err(ChildError::Interrupted)` once a stop signal came: for the loops of
/// a parent that want to stop between two steps.
pub fn check_stop() -> Result<(), ChildError> {
    match stop_signal() {
        Some(signal) => Err(ChildError::Interrupted { signal }),
        None => Ok(()),
    }
}

/// For a parent: turns Ctrl-C (SIGINT) and SIGTERM into an [`Event`], so it
/// can stop its children, reap them, remove its files and exit cleanly
/// instead of dying mid-way.
///
/// Call it first thing in `main`, before any other thread starts: it blocks
/// both signals in the calling thread, threads started later inherit that
/// mask, and one thread of its own waits for them with `sigwait` (no signal
/// handler, so no async-signal-safety rules and no `unsafe`). Children
/// inherit the mask too (exec keeps it): [`die_with_parent`] unblocks it in
/// each child. The thread lives until the process exits; it holds nothing.
///
/// The first signal sets the event and [`stop_signal`]; the program then
/// stops in order and should exit with 128 + the signal's number (130 after
/// Ctrl-C, 143 after SIGTERM: the shell's convention; see [`exit_code`]). A
/// second signal means "now": the process exits at once with that code. Its
/// children still die with it ([`die_with_parent`]), but files it meant to
/// remove may stay.
pub fn stop_on_signals() -> Result<Arc<Event>, ChildError> {
    watch_signals(&[Signal::SIGINT, Signal::SIGTERM], &[], "signals", true)
}

/// For a worker whose parent decides when it stops (a supervised worker):
/// SIGTERM sets the returned [`Event`] (from the master, or from the kernel
/// when the master dies, see [`parent_death_signal`]); SIGINT and SIGHUP,
/// which a terminal or `kill -<sig> -<group>` sends to the whole process
/// group, are taken and reported but change nothing: the master decides.
/// `who` names this process in the lines it prints. Same rules as
/// [`stop_on_signals`]: call it before starting other threads.
pub fn stop_on_sigterm(who: &str) -> Result<Arc<Event>, ChildError> {
    // A second SIGTERM is no "now" here: `kill -TERM -<group>` reaches the
    // worker and then its master asks again; the master's deadline (then
    // SIGKILL) is what ends a worker that does not leave.
    watch_signals(
        &[Signal::SIGTERM],
        &[Signal::SIGINT, Signal::SIGHUP],
        who,
        false,
    )
}

/// The crate's one signal thread: blocks `stop` and `ignore` in the calling
/// thread, then takes them with `sigwait` on a thread of its own. A `stop`
/// signal sets the event (a second one exits at once if `second_exits`);
/// an `ignore` signal is reported and dropped.
fn watch_signals(
    stop: &[Signal],
    ignore: &[Signal],
    who: &str,
    second_exits: bool,
) -> Result<Arc<Event>, ChildError> {
    let mut signals = SigSet::empty();
    for &signal in stop.iter().chain(ignore) {
        signals.add(signal);
    }
    signals
        .thread_block()
        .map_err(|errno| ChildError::os("blocking the stop signals", errno))?;
    let event = Arc::new(Event::new());
    let flag = Arc::clone(&event);
    let stops: Vec<Signal> = stop.to_vec();
    let who = who.to_string();
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let say = |message: String| shared::output::say_as(&who, message);
            while let Ok(signal) = signals.wait() {
                if !stops.contains(&signal) {
                    say(format!("{} ignored: my parent decides", signal.as_str()));
                    continue;
                }
                let first = STOP_SIGNAL
                    .compare_exchange(0, signal as i32, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
                if !first && second_exits {
                    say(format!("got {} again: exiting now", signal.as_str()));
                    std::process::exit(128 + signal as i32);
                }
                let again = if second_exits {
                    " (again to exit at once)"
                } else {
                    ""
                };
                say(format!(
                    "got {}: setting the shutdown event{again}",
                    signal.as_str()
                ));
                flag.set();
            }
        })
        .map_err(|e| ChildError::io("cannot start the signal thread", e))?;
    Ok(event)
}

/// The whole `main` of a binary that re-executes itself as children, in one
/// call: Rust's `if __name__ == "__main__":`. Without a role (the parent) it
/// runs `parent`; in a child it first calls [`die_with_parent`], then
/// `child(role)`, whose `None` means a role this binary does not know. The
/// result becomes the exit code ([`exit_code`]).
pub fn main_with_roles(
    parent: impl FnOnce() -> anyhow::Result<()>,
    child: impl FnOnce(&str) -> Option<anyhow::Result<()>>,
) -> std::process::ExitCode {
    let result = match role() {
        None => parent(),
        Some(role) => die_with_parent()
            .map_err(anyhow::Error::from)
            .and_then(|()| {
                child(&role).unwrap_or_else(|| Err(ChildError::UnknownRole(role.clone()).into()))
            }),
    };
    exit_code(result)
}

/// What `main` returns when its work is done: success; 128 + the signal's
/// number if a stop signal ended it (see [`stop_on_signals`]); otherwise 1,
/// with the error printed on stderr as std prints an `Err` from `main`.
pub fn exit_code(result: anyhow::Result<()>) -> std::process::ExitCode {
    match (result, stop_signal()) {
        (Ok(()), None) => std::process::ExitCode::SUCCESS,
        (result, Some(signal)) => {
            if let Err(error) = result {
                eprintln!("{error:#}");
            }
            std::process::ExitCode::from(128 + signal as u8)
        }
        (Err(error), None) => {
            eprintln!("Error: {error:?}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Blocks SIGINT in the calling thread (and the threads it starts later):
/// for worker children, so a Ctrl-C at the terminal (which reaches the whole
/// foreground process group) leaves the decision to their parent, which
/// stops them in order.
///
/// Blocked, not ignored: a blocked SIGINT waits, pending, instead of being
/// thrown away; an ignored one (`SIG_IGN`) would be discarded. Both survive
/// exec, so a program this worker started would inherit either (std's
/// `Command` resets neither): such a program should unblock it, as
/// [`die_with_parent`] does. Call it before starting threads: the mask is
/// per thread.
pub fn block_ctrl_c() -> Result<(), ChildError> {
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGINT);
    signals
        .thread_block()
        .map_err(|errno| ChildError::os("blocking SIGINT", errno))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn join_ok_fails_a_child_that_did_not_exit_0() {
        let limit = Duration::from_secs(20);
        let mut ok = Child::spawn(&mut Command::new("true"), "true").unwrap();
        assert_eq!(ok.join_ok(limit).unwrap(), Exit::Code(0));
        let mut bad = Child::spawn(&mut Command::new("false"), "false").unwrap();
        let error = bad.join_ok(limit).unwrap_err();
        assert!(
            matches!(
                error,
                ChildError::Failed {
                    exit: Exit::Code(1),
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn exits_read_in_words() {
        assert_eq!(Exit::Code(0).to_string(), "exit code 0");
        assert!(Exit::Code(0).success());
        assert!(!Exit::Code(3).success());
        assert_eq!(Exit::Signal(9).to_string(), "killed by signal 9 (SIGKILL)");
        assert_eq!(Exit::Signal(6).to_string(), "killed by signal 6 (SIGABRT)");
    }

    #[test]
    fn stack_line_formats_without_the_heap_and_cuts_long_text() {
        let mut line = StackLine::new();
        write!(line, "pid {} ppid {}", 42, 7).unwrap();
        assert_eq!(line.as_bytes(), b"pid 42 ppid 7");
        let mut long = StackLine::new();
        for _ in 0..100 {
            write!(long, "0123456789").unwrap();
        }
        assert_eq!(long.as_bytes().len(), 512);
        // Never half a character: 'ñ' is 2 bytes, 511 + 2 does not fit.
        let mut accents = StackLine::new();
        write!(accents, "{}", "x".repeat(511)).unwrap();
        write!(accents, "ñandú").unwrap();
        assert_eq!(accents.as_bytes().len(), 511);
        assert!(std::str::from_utf8(accents.as_bytes()).is_ok());
    }

    #[test]
    fn a_forked_body_that_panics_gives_101_and_nothing_unwinds_out() {
        // A panic payload whose Drop panics too: dropping it after catching
        // the first panic would start a second unwinding, out of the
        // child's branch and into the parent's frames.
        struct PanicsWhenDropped;
        impl Drop for PanicsWhenDropped {
            fn drop(&mut self) {
                panic!("the payload's Drop panicked");
            }
        }
        let outer =
            std::panic::catch_unwind(|| code_or_101(|| std::panic::panic_any(PanicsWhenDropped)));
        assert_eq!(outer.ok(), Some(101), "an unwinding escaped");
        assert_eq!(code_or_101(|| 7), 7);
    }

    #[test]
    fn fork_is_refused_in_a_threaded_process() {
        // The test harness runs this test on a thread of its own, so this
        // process has at least two threads: exactly the case to refuse.
        let started = thread::spawn(|| Child::fork("never", || 0).map(|c| c.pid()));
        match started.join().unwrap() {
            Err(ChildError::Threaded { threads }) => assert!(threads >= 2),
            other => panic!("fork was not refused: {other:?}"),
        }
    }

    #[test]
    fn a_program_that_exits_is_reaped_with_its_code() {
        let mut child = Child::spawn(Command::new("sh").args(["-c", "exit 3"]), "sh").unwrap();
        assert_eq!(
            child.wait_timeout(Duration::from_secs(20)).unwrap(),
            Exit::Code(3)
        );
        assert_eq!(child.exit(), Some(Exit::Code(3)));
    }

    #[test]
    fn a_slow_child_times_out_then_is_killed_and_reaped() {
        let mut child = Child::spawn(Command::new("sleep").arg("30"), "sleep").unwrap();
        let pid = child.pid() as i32;
        match child.wait_or_kill(Duration::from_millis(50)) {
            Err(ChildError::TimedOut { name, .. }) => assert_eq!(name, "sleep"),
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert_eq!(child.exit(), Some(Exit::Signal(9)));
        // Reaped: the pid is no longer our child (ECHILD), not even a zombie.
        assert_eq!(
            waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)),
            Err(Errno::ECHILD)
        );
    }

    #[test]
    fn dropping_a_running_child_kills_and_reaps_it() {
        let child = Child::spawn(Command::new("sleep").arg("30"), "sleep").unwrap();
        let pid = Pid::from_raw(child.pid() as i32);
        drop(child);
        assert_eq!(waitpid(pid, Some(WaitPidFlag::WNOHANG)), Err(Errno::ECHILD));
    }

    #[test]
    fn terminate_asks_first() {
        let mut child = Child::spawn(Command::new("sleep").arg("30"), "sleep").unwrap();
        assert_eq!(
            child.terminate(Duration::from_secs(10)).unwrap(),
            Exit::Signal(15)
        );
    }

    #[test]
    fn accept_from_a_child_that_never_connects_does_not_hang() {
        // `sleep` never connects: accept must give up, kill it and reap it.
        let (server, name) = IpcOneShotServer::<u32>::new().unwrap();
        let mut child = Child::spawn(Command::new("sleep").arg("30"), "sleep").unwrap();
        let started = Instant::now();
        let result = accept_from(server, &name, &mut child, Duration::from_millis(200));
        assert!(
            matches!(result, Err(ChildError::TimedOut { .. })),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(child.exit(), Some(Exit::Signal(9)));
    }

    #[test]
    fn accept_from_a_peer_that_connects_and_stays_silent_does_not_hang() {
        // A peer connects (accept(2) returns) and then sends nothing: the
        // helper thread is stuck reading its first message. Here the peer
        // is a thread of this test, not the child, so killing the child
        // cannot hang it up: accept_from must give up on the helper anyway.
        let (server, name) = IpcOneShotServer::<u32>::new().unwrap();
        let mut child = Child::spawn(Command::new("sleep").arg("30"), "sleep").unwrap();
        let (connected_tx, connected_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let peer = {
            let name = name.clone();
            thread::spawn(move || {
                let silent = IpcSender::<u32>::connect(name).unwrap();
                connected_tx.send(()).unwrap();
                // Silent until the test is done with accept_from, or 15 s
                // (so a broken accept_from fails the test instead of hanging it).
                let _ = release_rx.recv_timeout(Duration::from_secs(15));
                drop(silent);
            })
        };
        connected_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the peer connected");
        let started = Instant::now();
        let result = accept_from(server, &name, &mut child, Duration::from_millis(200));
        let took = started.elapsed();
        let _ = release_tx.send(());
        peer.join().unwrap();
        assert!(
            matches!(result, Err(ChildError::TimedOut { .. })),
            "{result:?}"
        );
        assert!(took < Duration::from_secs(10), "accept_from took {took:?}");
        assert_eq!(child.exit(), Some(Exit::Signal(9)), "killed and reaped");
    }

    #[test]
    fn accept_from_a_child_that_dies_reports_how() {
        let (server, name) = IpcOneShotServer::<u32>::new().unwrap();
        let mut child = Child::spawn(Command::new("sh").args(["-c", "exit 7"]), "sh").unwrap();
        let result = accept_from(server, &name, &mut child, Duration::from_secs(20));
        match result {
            Err(ChildError::DiedEarly { exit, .. }) => assert_eq!(exit, Exit::Code(7)),
            other => panic!("expected DiedEarly, got {other:?}"),
        }
    }

    #[test]
    fn accept_from_gets_the_first_message() {
        // Stand in for a child with a thread that connects like one would.
        let (server, name) = IpcOneShotServer::<u32>::new().unwrap();
        let mut child = Child::spawn(Command::new("sleep").arg("30"), "sleep").unwrap();
        let connector = {
            let name = name.clone();
            thread::spawn(move || IpcSender::<u32>::connect(name).unwrap().send(42).unwrap())
        };
        let (_receiver, first) =
            accept_from(server, &name, &mut child, Duration::from_secs(20)).unwrap();
        connector.join().unwrap();
        assert_eq!(first, 42);
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child was left alone"
        );
    }

    #[test]
    fn a_re_executed_child_gets_the_role_the_parent_pid_and_the_clock() {
        let command = self_command("demo").unwrap();
        let env: std::collections::HashMap<_, _> = command
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?.to_string(), v?.to_str()?.to_string())))
            .collect();
        assert_eq!(env[ROLE_ENV], "demo");
        assert_eq!(env[PARENT_ENV], std::process::id().to_string());
        let parent_start: u128 = env[shared::output::CLOCK_ENV].parse().unwrap();
        assert!(
            parent_start > 0,
            "the parent's start on the monotonic clock"
        );
    }

    #[test]
    fn a_temp_dir_is_private_and_removed_with_its_files() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = TempDir::new(None, "harness-test").unwrap();
        let path = dir.path().to_path_buf();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::write(dir.join("f"), b"x").unwrap();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn join_all_ends_at_the_first_failure_not_the_slowest_child() {
        let mut children = vec![
            Child::spawn(Command::new("sleep").arg("30"), "sleep").unwrap(),
            Child::spawn(Command::new("sh").args(["-c", "exit 4"]), "sh").unwrap(),
        ];
        let started = Instant::now();
        match join_all(&mut children, Duration::from_secs(60)) {
            Err(ChildError::Failed { name, exit }) => {
                assert_eq!((name.as_str(), exit), ("sh", Exit::Code(4)));
            }
            other => panic!("expected the failure of sh, got {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "did not wait for sleep"
        );
        drop(children); // kills and reaps the sleeper
        let mut fine = vec![Child::spawn(&mut Command::new("true"), "true").unwrap()];
        assert!(join_all(&mut fine, Duration::from_secs(20)).is_ok());
    }

    #[test]
    fn role_is_unset_in_a_normal_run() {
        // The test binary was started by cargo, not by self_command.
        assert_eq!(std::env::var(ROLE_ENV).ok(), None);
    }
}
