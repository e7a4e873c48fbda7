//! A cotyledon-style supervisor: one master proceso keeps N long-lived
//! worker procesos running.
//!
//! Ports notes 001, the Cotyledon part: `ServiceManager().add(PrinterService, 2)`
//! starts a master that runs two workers, names them so `ps` shows which is
//! which, restarts one that crashes, and stops them through a
//! `threading.Event` shutdown flag. What this module promises:
//!
//! - [`ServiceManager::add`]`(service, workers)` starts `workers` workers with
//!   stable ids `0..workers`. Each is the current binary re-executed by the
//!   crate's harness ([`crate::child::self_command`], role
//!   `"<service>:<id>:<master pid>"`; Python's "spawn" start method: a fresh
//!   process that runs `main` again and learns its role from its
//!   environment, which is why Python needs `if __name__ == "__main__"`). The master never calls a bare
//!   `fork()`, so it does not matter whether threads are running.
//! - Process names: argv\[0\] and the kernel's `comm` (PR_SET_NAME) are
//!   `"<service>:<id>"`, so `ps -e` shows `printer:0`, `printer:1`.
//! - The shutdown flag (the harness's [`crate::child::Event`], the notes'
//!   `threading.Event`) is set when the worker receives SIGTERM, by the
//!   harness's one signal thread ([`crate::child::stop_on_sigterm`]: no
//!   handler, a thread that takes the blocked signal with `sigwait`).
//! - A worker that dies is restarted under the same id; one that dies again
//!   soon after starting is restarted after a growing delay ([`Backoff`]), so
//!   a crash loop does not spin the CPU.
//! - SIGTERM to the master: every worker gets SIGTERM and has `grace` to
//!   leave; whatever is left then gets SIGKILL. SIGINT: SIGKILL at once.
//!   SIGHUP: all workers are stopped (as for SIGTERM) and started again, same
//!   ids, new pids. In every path every child is reaped before `run` returns.
//! - A worker whose master dies exits by itself: PR_SET_PDEATHSIG sends it
//!   SIGTERM when the master goes, and a `getppid()` check at start-up closes
//!   the race of a master that died before the worker could ask for that.
//!
//! The master waits for signals with `signalfd` + `poll`, in one thread: the
//! signals are blocked, then read as data, so there is no handler at all, and
//! SIGCHLD, SIGTERM and a restart timer are all handled in one loop. On
//! SIGCHLD it reaps its workers by pid, one by one: other children of the
//! same process are left for whoever started them.
//!
//! Linux only (signalfd, prctl): elsewhere [`ServiceManager::run`] and
//! [`run_worker`] return [`SupervisorError::LinuxOnly`].
#![forbid(unsafe_code)]

use std::time::Duration;

use crate::child::{self, Event, ROLE_ENV};

/// Longest service name: `comm` holds 15 bytes, and `":<id>"` must fit too.
pub const MAX_SERVICE_NAME: usize = 10;

/// What can go wrong starting or running the supervisor.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    /// The role ([`ROLE_ENV`]) is not `service:id:pid`.
    #[error("{ROLE_ENV}={0:?} is not \"<service>:<worker id>:<master pid>\"")]
    BadIdentity(String),
    /// A service name that would not fit `comm` or would break the format.
    #[error(
        "service name {0:?}: use 1 to {MAX_SERVICE_NAME} letters, digits, '-' or '_' (it becomes the process name)"
    )]
    BadServiceName(String),
    /// A system call failed.
    #[error("{what}: {source}")]
    Os {
        /// What the supervisor was doing.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not on Linux.
    #[error("Linux only: the supervisor needs signalfd and prctl (PR_SET_PDEATHSIG, PR_SET_NAME)")]
    LinuxOnly,
}

#[cfg(target_os = "linux")]
fn os(what: &'static str) -> impl FnOnce(nix::errno::Errno) -> SupervisorError {
    move |errno| SupervisorError::Os {
        what,
        source: std::io::Error::from(errno),
    }
}

/// Who a worker is: its service, its stable id and the master that started it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerIdentity {
    /// The service name given to [`ServiceManager::add`].
    pub service: String,
    /// Stable id, `0..workers`; a restarted worker keeps it.
    pub worker_id: u32,
    /// The pid of the master, to notice a master that is already gone.
    pub master_pid: i32,
}

impl WorkerIdentity {
    /// The process name `ps` shows: `"printer:0"`.
    pub fn process_name(&self) -> String {
        format!("{}:{}", self.service, self.worker_id)
    }

    /// The role ([`ROLE_ENV`]) of this worker.
    pub fn to_env_value(&self) -> String {
        format!("{}:{}:{}", self.service, self.worker_id, self.master_pid)
    }

    /// Parses a worker's role.
    pub fn parse(value: &str) -> Result<Self, SupervisorError> {
        let bad = || SupervisorError::BadIdentity(value.to_string());
        let mut parts = value.split(':');
        let (Some(service), Some(id), Some(pid), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        check_service_name(service).map_err(|_| bad())?;
        let worker_id = id.parse().map_err(|_| bad())?;
        let master_pid: i32 = pid.parse().map_err(|_| bad())?;
        if master_pid <= 0 {
            return Err(bad());
        }
        Ok(WorkerIdentity {
            service: service.to_string(),
            worker_id,
            master_pid,
        })
    }

    /// `Some(identity)` when this process was started as a worker, `None`
    /// for the master (the variable is not set).
    pub fn from_env() -> Result<Option<Self>, SupervisorError> {
        match std::env::var(ROLE_ENV) {
            Ok(value) => Self::parse(&value).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(raw)) => Err(SupervisorError::BadIdentity(
                raw.to_string_lossy().into_owned(),
            )),
        }
    }
}

fn check_service_name(name: &str) -> Result<(), SupervisorError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SERVICE_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(SupervisorError::BadServiceName(name.to_string()))
    }
}

/// Restart throttling: how long to wait before restarting a worker that keeps
/// dying soon after it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the second quick restart in a row (the first is at once).
    pub first: Duration,
    /// The delay doubles with every quick death in a row, up to this.
    pub max: Duration,
    /// A worker that ran at least this long was healthy: its next death
    /// starts a new count.
    pub healthy_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_secs(5),
            healthy_after: Duration::from_secs(1),
        }
    }
}

impl Backoff {
    /// The delay before restarting after the `crashes_in_a_row`-th quick
    /// death (1 = the first): 0, first, 2 first, 4 first, ... up to `max`.
    pub fn delay(&self, crashes_in_a_row: u32) -> Duration {
        if crashes_in_a_row <= 1 {
            return Duration::ZERO;
        }
        let doublings = (crashes_in_a_row - 2).min(30);
        self.first.saturating_mul(1 << doublings).min(self.max)
    }

    /// The crash count after a worker died having run for `uptime`.
    pub fn next_count(&self, crashes_in_a_row: u32, uptime: Duration) -> u32 {
        if uptime >= self.healthy_after {
            1
        } else {
            crashes_in_a_row.saturating_add(1)
        }
    }
}

/// How the master behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// How long workers have to leave after SIGTERM before they get SIGKILL.
    pub grace: Duration,
    /// Restart throttling.
    pub backoff: Backoff,
    /// Stop by itself (as on SIGTERM) after this long; `None` = run until a
    /// signal says stop.
    pub stop_after: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            grace: Duration::from_secs(3),
            backoff: Backoff::default(),
            stop_after: None,
        }
    }
}

/// Why the master stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// SIGTERM: graceful stop with a deadline.
    Terminate,
    /// SIGINT: everything killed at once.
    Interrupt,
    /// `Config::stop_after` passed: graceful stop, as for SIGTERM.
    Timer,
}

/// What [`ServiceManager::run`] did, for the final lines of an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Why it stopped.
    pub reason: StopReason,
    /// Workers that left by themselves when asked, in the final stop: they
    /// exited with code 0.
    pub stopped_gracefully: u32,
    /// Workers that ended some other way in the final stop, before the
    /// deadline: a non-zero exit code, or a signal (a crash, or SIGTERM's
    /// default action if it came before the worker could block it).
    pub ended_badly: u32,
    /// Workers that needed SIGKILL in the final stop.
    pub killed: u32,
    /// Restarts of workers that died.
    pub restarts: u32,
    /// SIGHUP reloads done.
    pub reloads: u32,
    /// The delay before each restart, in order (the first 32).
    pub restart_delays: Vec<Duration>,
    /// Children of the master still in /proc when it returned (must be 0).
    pub leftovers: usize,
    /// From the stop request (signal or timer) until every worker was reaped.
    pub stop_took: Duration,
}

impl StopReason {
    /// `sigterm`, `sigint` or `timer`: the value of the `stop` result line.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Terminate => "sigterm",
            StopReason::Interrupt => "sigint",
            StopReason::Timer => "timer",
        }
    }
}

impl Outcome {
    /// The conventional exit code: 0 for a requested stop, 128 + 2 after SIGINT.
    pub fn exit_code(&self) -> i32 {
        match self.reason {
            StopReason::Interrupt => 130,
            StopReason::Terminate | StopReason::Timer => 0,
        }
    }
}

/// Cotyledon's `ServiceManager`: collects services, then `run` supervises them.
#[derive(Debug, Clone)]
pub struct ServiceManager {
    config: Config,
    services: Vec<(String, u32)>,
}

impl ServiceManager {
    /// A manager with no services yet.
    pub fn new(config: Config) -> Self {
        ServiceManager {
            config,
            services: Vec::new(),
        }
    }

    /// `manager.add(PrinterService, 2)`: `workers` workers of `service`, ids
    /// `0..workers`. The name becomes the workers' process name.
    pub fn add(&mut self, service: &str, workers: u32) -> Result<&mut Self, SupervisorError> {
        check_service_name(service)?;
        self.services.push((service.to_string(), workers));
        Ok(self)
    }

    /// Runs the master until SIGTERM, SIGINT or `stop_after`; every worker is
    /// stopped and reaped before it returns.
    ///
    /// Call it from `main`'s thread, before starting other threads: the
    /// signals are blocked in the calling thread only, and a thread that did
    /// not block them could be picked to receive them.
    pub fn run(self) -> Result<Outcome, SupervisorError> {
        #[cfg(target_os = "linux")]
        {
            linux::Master::new(self.config, &self.services)?.run()
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err(SupervisorError::LinuxOnly)
        }
    }
}

/// What a worker body gets: who it is and its shutdown flag.
#[derive(Debug)]
pub struct WorkerContext {
    /// Service, id and master pid.
    pub identity: WorkerIdentity,
    /// Set on SIGTERM (from the master, or from the kernel when the master dies).
    pub shutdown: std::sync::Arc<Event>,
}

/// How a worker process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerEnd {
    /// The body returned (normally after its shutdown flag was set).
    Finished,
    /// The master was already gone when the worker started: it did not run.
    MasterGone,
}

/// The worker side: names the process, arranges to get SIGTERM if the master
/// dies, turns SIGTERM into the shutdown flag, then runs `body`.
///
/// Call it from `main`'s thread before starting any other thread (the signal
/// mask set here is inherited only by threads started afterwards).
pub fn run_worker<F>(identity: WorkerIdentity, body: F) -> Result<WorkerEnd, SupervisorError>
where
    F: FnOnce(&WorkerContext),
{
    #[cfg(target_os = "linux")]
    {
        linux::run_worker(identity, body)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (identity, body);
        Err(SupervisorError::LinuxOnly)
    }
}

/// The supervisor example's hidden flags: failure injection for its tests
/// and failure demos, kept here so the example's worker stays the notes'
/// four-line loop. None of them shows in `--help`.
#[derive(Debug, Clone, clap::Args)]
pub struct Knobs {
    /// (test-only) Make worker `--crash-worker` abort after this many lines,
    /// every time it is started: restarts and the growing restart delay.
    #[arg(long, hide = true)]
    pub crash_after: Option<u32>,
    /// (test-only) Which worker id `--crash-after` applies to.
    #[arg(long, hide = true, default_value_t = 0)]
    pub crash_worker: u32,
    /// (test-only) A worker id that ignores its shutdown flag: the deadline
    /// ends it with SIGKILL.
    #[arg(long, hide = true)]
    pub stubborn_worker: Option<u32>,
    /// (test-only) A worker id that fails its clean-up when asked to stop
    /// (exit code 3): the master counts it as failed.
    #[arg(long, hide = true)]
    pub fail_on_stop: Option<u32>,
    /// (test-only) How long a worker must run to count as healthy, in ms.
    #[arg(long, hide = true, default_value_t = 1000)]
    pub healthy_after_ms: u64,
    /// (test-only) After SIGTERM, how long workers have to leave before
    /// SIGKILL, in ms.
    #[arg(long, hide = true, default_value_t = 3000)]
    pub grace_ms: u64,
}

/// What a worker picked by [`Knobs`] does instead of the example's loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Abort after this many lines.
    CrashAfter(u32),
    /// Ignore the shutdown flag.
    Stubborn,
    /// Leave with exit code 3 when asked to stop.
    FailOnStop,
}

impl Knobs {
    /// The master's configuration, with `stop_after` from the visible flag.
    pub fn config(&self, stop_after: Option<Duration>) -> Config {
        Config {
            grace: Duration::from_millis(self.grace_ms),
            backoff: Backoff {
                healthy_after: Duration::from_millis(self.healthy_after_ms),
                ..Backoff::default()
            },
            stop_after,
        }
    }

    /// A knob naming a worker id that does not exist, as a message.
    pub fn check(&self, workers: u32) -> Result<(), String> {
        let crash = self.crash_after.map(|_| self.crash_worker);
        for (flag, id) in [
            ("--crash-worker", crash),
            ("--stubborn-worker", self.stubborn_worker),
            ("--fail-on-stop", self.fail_on_stop),
        ] {
            if let Some(id) = id.filter(|&id| id >= workers) {
                return Err(format!(
                    "{flag} {id} does not exist: worker ids are 0..{workers}"
                ));
            }
        }
        Ok(())
    }

    /// The fault the knobs give worker `id`, if any.
    pub fn fault_of(&self, id: u32) -> Option<Fault> {
        if let Some(n) = self.crash_after.filter(|_| self.crash_worker == id) {
            Some(Fault::CrashAfter(n))
        } else if self.stubborn_worker == Some(id) {
            Some(Fault::Stubborn)
        } else if self.fail_on_stop == Some(id) {
            Some(Fault::FailOnStop)
        } else {
            None
        }
    }
}

/// A printer that misbehaves as `fault` says (the tests' and demos' worker
/// body; the example's own is the notes' loop). Does not return for
/// [`Fault::CrashAfter`] (abort) nor [`Fault::FailOnStop`] (exit code 3).
pub fn faulty_printer(context: &WorkerContext, interval: Duration, fault: Fault) {
    let me = context.identity.process_name();
    let say = |message: &str| shared::output::say_as(&me, message);
    let mut lines = 0u32;
    let mut told = false;
    loop {
        if context.shutdown.is_set() {
            match fault {
                Fault::Stubborn if !told => {
                    say("shutdown flag is set, but this worker ignores it");
                    told = true;
                }
                Fault::Stubborn => {}
                Fault::FailOnStop => {
                    say("failing my clean-up on purpose: exit code 3");
                    std::process::exit(3);
                }
                Fault::CrashAfter(_) => break,
            }
        }
        say("Doing stuff");
        lines += 1;
        if let Fault::CrashAfter(n) = fault
            && lines >= n
        {
            say(&format!("crashing on purpose after {lines} lines (abort)"));
            // No core file from a demo crash. abort() (SIGABRT), not a
            // panic: a raised SIGSEGV does not even kill a Rust program.
            #[cfg(target_os = "linux")]
            let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0);
            std::process::abort();
        }
        if told {
            std::thread::sleep(interval); // deaf to the flag, on purpose
        } else {
            context.shutdown.wait_timeout(interval);
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::{
        Config, Outcome, StopReason, SupervisorError, WorkerContext, WorkerEnd, WorkerIdentity,
        child, os,
    };
    use nix::errno::Errno;
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::sys::prctl;
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill};
    use nix::sys::signalfd::{SfdFlags, SignalFd};
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    use nix::unistd::{Pid, getpid, getppid};
    use shared::output::say_as;
    use std::ffi::CString;
    use std::os::fd::AsFd;
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    use std::time::Instant;

    const MASTER: &str = "master";

    /// One worker id's place: the process that fills it now, if any.
    #[derive(Debug)]
    struct Slot {
        service: String,
        id: u32,
        pid: Option<Pid>,
        started: Instant,
        /// Quick deaths in a row (see `Backoff`).
        crashes_in_a_row: u32,
        /// When a restart is due, if one is waiting.
        restart_at: Option<Instant>,
        /// How many processes have filled this slot.
        starts: u32,
    }

    /// What a stop round did.
    #[derive(Debug, Default)]
    struct Stopped {
        graceful: u32,
        badly: u32,
        killed: u32,
        /// SIGINT came during the stop: it was cut short with SIGKILL.
        interrupted: bool,
        /// SIGTERM came during a SIGHUP restart: do not start again.
        terminate_requested: bool,
    }

    /// The master's state. Dropping it (also on an early return with an
    /// error) kills and reaps every worker still running and gives the
    /// calling thread its signal mask back.
    pub struct Master {
        config: Config,
        slots: Vec<Slot>,
        signals: SignalFd,
        /// The calling thread's signal mask before `new` blocked ours.
        old_mask: SigSet,
        me: Pid,
        restarts: u32,
        reloads: u32,
        restart_delays: Vec<std::time::Duration>,
        /// When the current stop began (for `Outcome::stop_took`).
        stop_began: Option<Instant>,
    }

    /// Whether a worker reaped during a stop left by itself, as asked: only
    /// `exit(0)` counts. Any other code, or any signal, is a failure, even
    /// SIGTERM: dying of SIGTERM's default action means the worker never got
    /// to its shutdown flag.
    pub fn left_by_itself(status: Option<&WaitStatus>) -> bool {
        matches!(status, Some(WaitStatus::Exited(_, 0)))
    }

    /// How a worker ended, in the harness's one wording ([`child::Exit`]).
    pub fn describe(status: Option<&WaitStatus>) -> String {
        match status.copied().and_then(child::Exit::from_wait) {
            Some(exit) => exit.to_string(),
            None => "reaped by someone else: how it ended is unknown".to_string(),
        }
    }

    impl Master {
        pub fn new(config: Config, services: &[(String, u32)]) -> Result<Self, SupervisorError> {
            // Block the signals first, then read them from a file descriptor:
            // from here on none of them can kill the master or interrupt it
            // at a bad moment; each is just a record to read in the loop.
            let mut mask = SigSet::empty();
            for signal in [
                Signal::SIGTERM,
                Signal::SIGINT,
                Signal::SIGHUP,
                Signal::SIGCHLD,
            ] {
                mask.add(signal);
            }
            let old_mask = mask
                .thread_swap_mask(SigmaskHow::SIG_BLOCK)
                .map_err(os("block signals"))?;
            // CLOEXEC: the workers must not inherit the master's signalfd.
            let signals =
                SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
                    .map_err(os("signalfd"))?;
            let now = Instant::now();
            let slots = services
                .iter()
                .flat_map(|(service, workers)| {
                    (0..*workers).map(move |id| Slot {
                        service: service.clone(),
                        id,
                        pid: None,
                        started: now,
                        crashes_in_a_row: 0,
                        restart_at: None,
                        starts: 0,
                    })
                })
                .collect();
            Ok(Master {
                config,
                slots,
                signals,
                old_mask,
                me: getpid(),
                restarts: 0,
                reloads: 0,
                restart_delays: Vec::new(),
                stop_began: None,
            })
        }

        pub fn run(mut self) -> Result<Outcome, SupervisorError> {
            let began = Instant::now();
            let me = self.me;
            say_as(
                MASTER,
                format!(
                    "master pid {me} starting {} workers. To stop: Ctrl-C (SIGINT, at once) or `kill -TERM {me}` (graceful); `kill -HUP {me}` restarts them",
                    self.slots.len()
                ),
            );
            for index in 0..self.slots.len() {
                self.start(index);
            }
            let stop_at = self.config.stop_after.map(|d| began + d);
            loop {
                let now = Instant::now();
                if stop_at.is_some_and(|at| now >= at) {
                    say_as(MASTER, "stop timer: stopping as on SIGTERM");
                    return self.shutdown(StopReason::Timer);
                }
                for index in 0..self.slots.len() {
                    if self.slots[index].restart_at.is_some_and(|at| now >= at) {
                        self.slots[index].restart_at = None;
                        self.restarts += 1;
                        self.start(index);
                    }
                }
                let next = self
                    .slots
                    .iter()
                    .filter_map(|slot| slot.restart_at)
                    .chain(stop_at)
                    .min();
                for signal in self.wait_signals(next)? {
                    match signal {
                        Signal::SIGCHLD => self.on_deaths(),
                        Signal::SIGTERM => {
                            say_as(MASTER, "SIGTERM: asking every worker to stop");
                            return self.shutdown(StopReason::Terminate);
                        }
                        Signal::SIGINT => {
                            say_as(MASTER, "SIGINT: stopping at once (SIGKILL to every worker)");
                            self.stop_began = Some(Instant::now());
                            let killed = self.kill_remaining();
                            let stopped = Stopped {
                                killed,
                                ..Stopped::default()
                            };
                            return Ok(self.outcome(StopReason::Interrupt, &stopped));
                        }
                        Signal::SIGHUP => {
                            if let Some(outcome) = self.reload()? {
                                return Ok(outcome);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }

        /// Starts the process for slot `index` (first start or restart).
        fn start(&mut self, index: usize) {
            let me = self.me.as_raw();
            let slot = &mut self.slots[index];
            let identity = WorkerIdentity {
                service: slot.service.clone(),
                worker_id: slot.id,
                master_pid: me,
            };
            // The harness's re-exec: role, parent pid and output clock set.
            let spawned = child::self_command(&identity.to_env_value())
                .map_err(std::io::Error::other)
                .and_then(|mut command| {
                    command
                        // argv[0] = "printer:0": what `ps -f` shows.
                        .arg0(identity.process_name())
                        // The same flags as the master: the worker parses them too.
                        .args(std::env::args_os().skip(1))
                        .stdin(Stdio::null())
                        .spawn()
                });
            slot.started = Instant::now();
            match spawned {
                Ok(child) => {
                    let pid = Pid::from_raw(child.id() as i32);
                    // The master reaps by pid with waitpid; std's handle is not
                    // needed (dropping it neither waits nor kills).
                    drop(child);
                    slot.pid = Some(pid);
                    slot.starts += 1;
                    say_as(
                        MASTER,
                        format!(
                            "worker {} started pid {} as {} (start #{})",
                            slot.id,
                            pid,
                            identity.process_name(),
                            slot.starts
                        ),
                    );
                }
                Err(error) => {
                    // Treated like a crash: retried with the same backoff.
                    slot.crashes_in_a_row = slot.crashes_in_a_row.saturating_add(1);
                    let delay = self
                        .config
                        .backoff
                        .delay(slot.crashes_in_a_row)
                        .max(self.config.backoff.first);
                    say_as(
                        MASTER,
                        format!(
                            "worker {} could not start ({error}); retrying in {} ms",
                            slot.id,
                            delay.as_millis()
                        ),
                    );
                    slot.restart_at = Some(Instant::now() + delay);
                }
            }
        }

        /// Waits for signals until `until` (forever if `None`). Returns the
        /// signals read; several SIGCHLD may arrive as one (standard signals
        /// do not queue), so a SIGCHLD means "reap everything that exited".
        fn wait_signals(&self, until: Option<Instant>) -> Result<Vec<Signal>, SupervisorError> {
            let timeout = match until {
                None => PollTimeout::NONE,
                Some(at) => {
                    // Round up, so the loop does not wake a hair early and spin.
                    let ms = at
                        .saturating_duration_since(Instant::now())
                        .as_micros()
                        .div_ceil(1000);
                    PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
                }
            };
            let mut fds = [PollFd::new(self.signals.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, timeout) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(errno) => return Err(os("poll signalfd")(errno)),
            }
            let mut got = Vec::new();
            while let Some(info) = self.signals.read_signal().map_err(os("read signalfd"))? {
                if let Ok(signal) = Signal::try_from(info.ssi_signo as i32) {
                    got.push(signal);
                }
            }
            Ok(got)
        }

        /// Reaps every worker that has exited; returns (slot index, pid,
        /// status). `None` for the status of a worker that someone else
        /// reaped (ECHILD): it is gone, how is unknown.
        ///
        /// One `waitpid(pid, WNOHANG)` per worker, never `waitpid(-1)`: that
        /// would also reap children that other code in this process started
        /// and waits for itself (a `std::process::Child`, say), whose own wait
        /// would then fail. A SIGCHLD for such a child just costs a scan.
        fn reap(&mut self) -> Vec<(usize, Pid, Option<WaitStatus>)> {
            let mut dead = Vec::new();
            for (index, slot) in self.slots.iter_mut().enumerate() {
                let Some(pid) = slot.pid else { continue };
                let status = loop {
                    match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                        Err(Errno::EINTR) => continue,
                        other => break other,
                    }
                };
                let ended = match status {
                    Ok(status @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => {
                        Some(status)
                    }
                    Err(Errno::ECHILD) => None,
                    // Still running (or stopped: not asked for, not reported).
                    _ => continue,
                };
                slot.pid = None;
                dead.push((index, pid, ended));
            }
            dead
        }

        /// SIGCHLD while running: schedule the restart of each dead worker.
        fn on_deaths(&mut self) {
            let backoff = self.config.backoff;
            for (index, pid, status) in self.reap() {
                let slot = &mut self.slots[index];
                let uptime = slot.started.elapsed();
                slot.crashes_in_a_row = backoff.next_count(slot.crashes_in_a_row, uptime);
                let delay = backoff.delay(slot.crashes_in_a_row);
                say_as(
                    MASTER,
                    format!(
                        "worker {} pid {pid} died ({}) after {} ms; restarting in {} ms (quick deaths in a row: {})",
                        slot.id,
                        describe(status.as_ref()),
                        uptime.as_millis(),
                        delay.as_millis(),
                        slot.crashes_in_a_row
                    ),
                );
                slot.restart_at = Some(Instant::now() + delay);
                if self.restart_delays.len() < 32 {
                    self.restart_delays.push(delay);
                }
            }
        }

        fn running(&self) -> usize {
            self.slots.iter().filter(|slot| slot.pid.is_some()).count()
        }

        /// SIGTERM to every worker, wait up to `grace` for them to leave,
        /// SIGKILL the rest. Every worker is reaped when this returns.
        fn stop_workers(&mut self) -> Result<Stopped, SupervisorError> {
            let grace = self.config.grace;
            let mut stopped = Stopped::default();
            self.stop_began = Some(Instant::now());
            for slot in &mut self.slots {
                slot.restart_at = None;
                if let Some(pid) = slot.pid {
                    // ESRCH (already gone) is fine: the reap below sees it.
                    let _ = kill(pid, Signal::SIGTERM);
                }
            }
            say_as(
                MASTER,
                format!(
                    "sent SIGTERM to {} workers; they have {} ms to leave",
                    self.running(),
                    grace.as_millis()
                ),
            );
            let deadline = Instant::now() + grace;
            loop {
                for (index, pid, status) in self.reap() {
                    if left_by_itself(status.as_ref()) {
                        stopped.graceful += 1;
                    } else {
                        stopped.badly += 1;
                    }
                    say_as(
                        MASTER,
                        format!(
                            "worker {} pid {pid} stopped ({})",
                            self.slots[index].id,
                            describe(status.as_ref())
                        ),
                    );
                }
                if self.running() == 0 {
                    return Ok(stopped);
                }
                if Instant::now() >= deadline {
                    say_as(
                        MASTER,
                        format!(
                            "deadline of {} ms passed: SIGKILL to the {} workers still running",
                            grace.as_millis(),
                            self.running()
                        ),
                    );
                    stopped.killed += self.kill_remaining();
                    return Ok(stopped);
                }
                for signal in self.wait_signals(Some(deadline))? {
                    match signal {
                        Signal::SIGINT => {
                            say_as(MASTER, "SIGINT during the stop: SIGKILL now");
                            stopped.interrupted = true;
                            stopped.killed += self.kill_remaining();
                            return Ok(stopped);
                        }
                        Signal::SIGTERM => stopped.terminate_requested = true,
                        _ => {}
                    }
                }
            }
        }

        /// SIGKILL every running worker and reap it; returns how many.
        fn kill_remaining(&mut self) -> u32 {
            let mut killed = 0;
            for slot in &mut self.slots {
                slot.restart_at = None;
                let Some(pid) = slot.pid.take() else { continue };
                let _ = kill(pid, Signal::SIGKILL);
                // SIGKILL cannot be caught or ignored, so this wait ends.
                let status = loop {
                    match waitpid(pid, None) {
                        Err(Errno::EINTR) => continue,
                        other => break other,
                    }
                };
                killed += 1;
                let how = match &status {
                    Ok(status) => describe(Some(status)),
                    Err(errno) => format!("already reaped ({errno})"),
                };
                say_as(MASTER, format!("worker {} pid {pid} {how}", slot.id));
            }
            killed
        }

        fn shutdown(mut self, reason: StopReason) -> Result<Outcome, SupervisorError> {
            let stopped = self.stop_workers()?;
            let reason = if stopped.interrupted {
                StopReason::Interrupt
            } else {
                reason
            };
            Ok(self.outcome(reason, &stopped))
        }

        /// SIGHUP: stop everything, start everything again. `Some(outcome)`
        /// if a SIGINT or SIGTERM during the stop means the master must end.
        fn reload(&mut self) -> Result<Option<Outcome>, SupervisorError> {
            say_as(MASTER, "SIGHUP: restarting every worker");
            let stopped = self.stop_workers()?;
            if stopped.interrupted {
                return Ok(Some(self.outcome(StopReason::Interrupt, &stopped)));
            }
            if stopped.terminate_requested {
                say_as(MASTER, "SIGTERM during the restart: not starting again");
                return Ok(Some(self.outcome(StopReason::Terminate, &stopped)));
            }
            self.reloads += 1;
            self.stop_began = None;
            for index in 0..self.slots.len() {
                self.slots[index].crashes_in_a_row = 0;
                self.start(index);
            }
            Ok(None)
        }

        fn outcome(&self, reason: StopReason, stopped: &Stopped) -> Outcome {
            let Stopped {
                graceful,
                badly,
                killed,
                ..
            } = *stopped;
            // Self-check: the master's own children, from /proc. Every worker
            // was reaped above, so this must be empty.
            let left = crate::hygiene::leftover_children();
            let leftovers = left.alive.len() + left.zombies.len();
            let stop_took = self.stop_began.map(|at| at.elapsed()).unwrap_or_default();
            say_as(
                MASTER,
                format!(
                    "all workers stopped: {graceful} left by themselves, {badly} failed, {killed} killed; children left: {leftovers}"
                ),
            );
            Outcome {
                reason,
                stopped_gracefully: graceful,
                ended_badly: badly,
                killed,
                restarts: self.restarts,
                reloads: self.reloads,
                restart_delays: self.restart_delays.clone(),
                leftovers,
                stop_took,
            }
        }
    }

    impl Drop for Master {
        fn drop(&mut self) {
            // After a normal stop nothing is running here. After an error
            // (poll, reading the signalfd) `run` returned early: its workers
            // must not be left running and unreaped.
            if self.running() > 0 {
                say_as(
                    MASTER,
                    "stopping early: SIGKILL to every worker still running",
                );
                self.kill_remaining();
            }
            // A signal that came and was not read yet would be delivered the
            // moment it is unblocked, with its default action (SIGTERM would
            // kill us after a clean stop): read them all first.
            while let Ok(Some(_)) = self.signals.read_signal() {}
            let _ = self.old_mask.thread_set_mask();
        }
    }

    pub fn run_worker<F>(identity: WorkerIdentity, body: F) -> Result<WorkerEnd, SupervisorError>
    where
        F: FnOnce(&WorkerContext),
    {
        let name = identity.process_name();
        // `comm` (what `ps` shows) holds 15 bytes; names are checked shorter.
        if let Ok(comm) = CString::new(name.as_str()) {
            prctl::set_name(&comm).map_err(os("PR_SET_NAME"))?;
        }
        // The master's mask (SIGTERM, SIGINT, SIGHUP, SIGCHLD blocked for
        // its signalfd) survived exec. Keep the three the signal thread will
        // take (so a SIGTERM that comes early waits for it, pending) and
        // give SIGCHLD back.
        let mut taken = SigSet::empty();
        for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
            taken.add(signal);
        }
        taken.thread_set_mask().map_err(os("set the signal mask"))?;
        // SIGTERM, not SIGKILL, when the master dies: the worker leaves
        // through its shutdown flag, as when the master asks.
        let master = identity.master_pid;
        if !child::parent_death_signal(Signal::SIGTERM).map_err(harness("PR_SET_PDEATHSIG"))?
            || getppid().as_raw() != master
        {
            say_as(
                &name,
                format!("master {master} is already gone: not starting"),
            );
            return Ok(WorkerEnd::MasterGone);
        }
        let shutdown = child::stop_on_sigterm(&name).map_err(harness("the signal thread"))?;
        let context = WorkerContext { identity, shutdown };
        body(&context);
        Ok(WorkerEnd::Finished)
    }

    fn harness(what: &'static str) -> impl FnOnce(child::ChildError) -> SupervisorError {
        move |error| SupervisorError::Os {
            what,
            source: std::io::Error::other(error.to_string()),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::process::Command;

        // The stand-in workers are reaped by the master with waitpid (what
        // is tested), not through std's handle.
        #[allow(clippy::zombie_processes)]
        #[test]
        fn the_master_reaps_its_workers_only() {
            let mut master = Master::new(Config::default(), &[("svc".to_string(), 1)]).unwrap();
            // A child of this process that is not a worker, already ended...
            let mut stranger = Command::new("true").spawn().unwrap();
            let stranger_pid = stranger.id() as i32;
            // ...and a worker (a stand-in) that ended too.
            let worker = Command::new("true").spawn().unwrap();
            let worker_pid = Pid::from_raw(worker.id() as i32);
            master.slots[0].pid = Some(worker_pid);
            let until = Instant::now() + std::time::Duration::from_secs(20);
            let mut reaped = Vec::new();
            while reaped.is_empty() {
                assert!(Instant::now() < until, "the worker was never reaped");
                reaped = master.reap();
                std::thread::sleep(std::time::Duration::from_millis(2)); // sleep-ok: polling with a deadline
            }
            assert_eq!(reaped.len(), 1);
            assert_eq!(reaped[0].1, worker_pid);
            assert!(matches!(reaped[0].2, Some(WaitStatus::Exited(_, 0))));
            // The stranger is still ours to wait for: not stolen.
            assert!(stranger.wait().unwrap().success(), "pid {stranger_pid}");
        }

        #[allow(clippy::zombie_processes)] // reaped by the master: see above
        #[test]
        fn dropping_the_master_kills_and_reaps_its_workers_and_unblocks_the_signals() {
            // This test's thread: the mask changes are its own.
            let before = SigSet::thread_get_mask().unwrap();
            assert!(!before.contains(Signal::SIGTERM));
            let mut master = Master::new(Config::default(), &[("svc".to_string(), 1)]).unwrap();
            assert!(SigSet::thread_get_mask().unwrap().contains(Signal::SIGTERM));
            // Stand in for a worker the master started, as an early return
            // from `run` would leave it.
            let worker = Command::new("sleep").arg("30").spawn().unwrap();
            let pid = Pid::from_raw(worker.id() as i32);
            master.slots[0].pid = Some(pid);
            drop(master);
            assert_eq!(
                waitpid(pid, Some(WaitPidFlag::WNOHANG)),
                Err(Errno::ECHILD),
                "killed and reaped"
            );
            let after = SigSet::thread_get_mask().unwrap();
            for signal in [
                Signal::SIGTERM,
                Signal::SIGINT,
                Signal::SIGHUP,
                Signal::SIGCHLD,
            ] {
                assert_eq!(
                    after.contains(signal),
                    before.contains(signal),
                    "{signal:?}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Instant;

    #[test]
    fn identity_round_trips_through_the_environment_value() {
        let me = WorkerIdentity {
            service: "printer".into(),
            worker_id: 1,
            master_pid: 4242,
        };
        assert_eq!(me.to_env_value(), "printer:1:4242");
        assert_eq!(me.process_name(), "printer:1");
        assert_eq!(WorkerIdentity::parse("printer:1:4242").unwrap(), me);
    }

    #[test]
    fn bad_identities_are_errors_not_panics() {
        for bad in [
            "",
            "printer",
            "printer:1",
            "printer:x:1",
            "printer:1:0",
            "printer:1:2:3",
            "a b:1:2",
            "muchtoolongname:1:2",
        ] {
            assert!(
                matches!(
                    WorkerIdentity::parse(bad),
                    Err(SupervisorError::BadIdentity(_))
                ),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn service_names_must_fit_the_process_name() {
        let mut manager = ServiceManager::new(Config::default());
        assert!(manager.add("printer", 2).is_ok());
        assert!(manager.add("", 1).is_err());
        assert!(manager.add("a:b", 1).is_err());
        assert!(manager.add("elevenchars", 1).is_err());
    }

    #[test]
    fn backoff_restarts_at_once_then_doubles_up_to_the_cap() {
        let backoff = Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_millis(500),
            healthy_after: Duration::from_secs(1),
        };
        let delays: Vec<u128> = (1..=6).map(|n| backoff.delay(n).as_millis()).collect();
        assert_eq!(delays, vec![0, 100, 200, 400, 500, 500]);
        assert_eq!(backoff.delay(u32::MAX), Duration::from_millis(500));
    }

    #[test]
    fn a_worker_that_ran_long_enough_starts_a_new_count() {
        let backoff = Backoff::default();
        assert_eq!(backoff.next_count(5, Duration::from_millis(10)), 6);
        assert_eq!(backoff.next_count(5, Duration::from_secs(2)), 1);
    }

    #[test]
    fn interrupt_exits_with_130() {
        let outcome = Outcome {
            reason: StopReason::Interrupt,
            stopped_gracefully: 0,
            ended_badly: 0,
            killed: 2,
            restarts: 0,
            reloads: 0,
            restart_delays: Vec::new(),
            leftovers: 0,
            stop_took: Duration::ZERO,
        };
        assert_eq!(outcome.exit_code(), 130);
        let outcome = Outcome {
            reason: StopReason::Terminate,
            ..outcome
        };
        assert_eq!(outcome.exit_code(), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn only_exit_code_0_counts_as_leaving_by_itself() {
        use nix::sys::signal::Signal;
        use nix::sys::wait::WaitStatus;
        use nix::unistd::Pid;
        let pid = Pid::from_raw(4242);
        assert!(linux::left_by_itself(Some(&WaitStatus::Exited(pid, 0))));
        assert!(!linux::left_by_itself(Some(&WaitStatus::Exited(pid, 1))));
        assert!(!linux::left_by_itself(Some(&WaitStatus::Signaled(
            pid,
            Signal::SIGTERM,
            false
        ))));
        assert!(!linux::left_by_itself(Some(&WaitStatus::Signaled(
            pid,
            Signal::SIGABRT,
            true
        ))));
        assert!(!linux::left_by_itself(None), "unknown is not graceful");
    }

    #[test]
    fn the_shutdown_flag_wakes_a_waiter_early() {
        let flag = Arc::new(crate::child::Event::new());
        assert!(!flag.is_set());
        assert!(!flag.wait_timeout(Duration::from_millis(1)));
        let setter = Arc::clone(&flag);
        let started = Instant::now();
        let waiter = std::thread::spawn(move || flag.wait_timeout(Duration::from_secs(30)));
        setter.set();
        assert!(waiter.join().unwrap(), "the waiter saw the flag set");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "woken by set(), not by the 30 s timeout"
        );
        assert!(setter.is_set());
    }
}
