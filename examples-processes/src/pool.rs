//! A pool of worker procesos: Python's `multiprocessing.Pool`, the Rust way.
//!
//! ```python
//! with Pool(processes=2) as pool:
//!     pool.map(square, [1, 2, 3, 4, 5])      # [1, 4, 9, 16, 25]
//!     pool.starmap(add, [(1, 2), (3, 4)])    # [3, 7]
//! ```
//!
//! Python pickles a *reference to the function* (`module.square`) and each
//! worker looks it up in its own copy of the module. Rust cannot send a
//! closure to another process at all: a closure is code plus captured
//! pointers into this process's memory, meaningless in another address
//! space. So a task is **data**: a serde enum whose variants name the work
//! ([`Task`]). The worker is this same binary re-executed with the role
//! [`WORKER_ROLE`]; it receives tasks, matches on them and runs the code it
//! already has. `pool.map(Job::Square, data)` reads like Python's
//! `pool.map(square, data)` because an enum variant *is* a function from its
//! fields to the enum: it runs here, in the parent, and builds the messages.
//!
//! How it works:
//! - [`Pool::start`] starts N workers (re-exec + an ipc-channel handshake,
//!   bounded by a deadline) and gives each a task channel and a result
//!   channel.
//! - `map` hands out one task per idle worker, waits on all result channels
//!   at once (`IpcReceiverSet`), and puts each result in the slot of the task
//!   that produced it: **results come back in input order**, whatever order
//!   the workers finish in.
//! - A worker that crashes closes its result channel. The task it was
//!   running gets an error ([`TaskError::WorkerDied`], with how it died) and
//!   a fresh worker replaces it; the pool never hangs. (Python's
//!   `Pool.map` waits forever in that case; `concurrent.futures`'
//!   `ProcessPoolExecutor` raises `BrokenProcessPool`.)
//! - A task that never ends keeps its worker busy forever: `map` has no
//!   per-task deadline. Use the cancel flag to give up.
//! - A cancel flag (e.g. from [`crate::child::stop_on_signals`]) makes `map`
//!   return [`PoolError::Cancelled`] within [`TICK`]. The tasks already sent
//!   keep running in their workers; each run is numbered, so their results,
//!   if they arrive during a later `map`, are recognised and dropped.
//! - Dropping the pool (or [`Pool::shutdown`]) tells every worker to stop,
//!   waits a little, kills the stubborn ones, and reaps them all.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ipc_channel::TrySelectError;
use ipc_channel::ipc::{self, IpcReceiver, IpcReceiverSet, IpcSelectionResult, IpcSender};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::child::{self, Child, ChildError, Event, Exit};

/// The role a re-executed binary plays as a pool worker. A binary that uses
/// a [`Pool`] must start `main` with
/// `if child::role().as_deref() == Some(pool::WORKER_ROLE) { return pool::worker_main::<MyTask>() }`.
pub const WORKER_ROLE: &str = "pool-worker";

/// How often a waiting `map` looks at its cancel flag.
pub const TICK: Duration = Duration::from_millis(50);

/// How long a worker gets to stop by itself before it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// A unit of work that can cross a process boundary: plain data in, plain
/// data out. The worker process runs [`Task::run`].
pub trait Task: Serialize + DeserializeOwned + Send + 'static {
    type Output: Serialize + DeserializeOwned + Send + 'static;
    fn run(self) -> Self::Output;
}

/// Why one task has no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    #[error("worker pid {pid} died while running task {index} ({exit})")]
    WorkerDied { index: usize, pid: u32, exit: Exit },
}

/// Why a whole `map` failed.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("cancelled (the pool's stop flag was set): {done} of {total} results were in")]
    Cancelled { done: usize, total: usize },
    #[error(transparent)]
    Child(#[from] ChildError),
    #[error("{what}: {message}")]
    Ipc { what: String, message: String },
    #[error("a pool needs at least one worker")]
    NoWorkers,
}

fn ipc_error(what: &str, error: impl fmt::Display) -> PoolError {
    PoolError::Ipc {
        what: what.to_string(),
        message: error.to_string(),
    }
}

/// Parent -> worker: run task `index` of run number `run`.
#[derive(Debug, Serialize, Deserialize)]
enum Order<T> {
    Run { run: u64, index: usize, task: T },
    Stop,
}

/// Worker -> parent: the result of task `index` of run number `run`.
#[derive(Debug, Serialize, Deserialize)]
struct Done<O> {
    run: u64,
    index: usize,
    output: O,
}

/// What a worker receives when it starts: its two channels.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct WorkerSetup<T: Task> {
    orders: IpcReceiver<Order<T>>,
    results: IpcSender<Done<T::Output>>,
}

/// One worker as the parent sees it.
struct Worker<T: Task> {
    child: Child,
    orders: IpcSender<Order<T>>,
    /// Its result channel's id in the receiver set.
    set_id: u64,
    /// The run number and index of the task it is running, if any.
    busy: Option<(u64, usize)>,
    /// Sending to it failed: it is gone, its closed channel will tell us how.
    broken: bool,
}

/// A pool of worker procesos running tasks of type `T`.
pub struct Pool<T: Task> {
    workers: Vec<Worker<T>>,
    results: IpcReceiverSet,
    cancel: Arc<Event>,
    started: usize,
    /// Numbers each `run_all`. A cancelled run leaves tasks running in
    /// the workers; their results still arrive, during a later run, with
    /// the old number, and are dropped instead of filling the new run's
    /// slots with answers to other questions.
    run: u64,
}

impl<T: Task> Pool<T> {
    /// Starts `size` workers: this binary re-executed as [`WORKER_ROLE`].
    pub fn start(size: usize) -> Result<Pool<T>, PoolError> {
        if size == 0 {
            return Err(PoolError::NoWorkers);
        }
        let mut pool = Pool {
            workers: Vec::with_capacity(size),
            results: IpcReceiverSet::new()
                .map_err(|e| ipc_error("creating the receiver set", e))?,
            cancel: Arc::new(Event::new()),
            started: 0,
            run: 0,
        };
        for _ in 0..size {
            let worker = pool.start_worker()?;
            pool.workers.push(worker);
        }
        Ok(pool)
    }

    /// Uses `flag` as the cancel flag: when it is set, a running `map`
    /// returns [`PoolError::Cancelled`] within [`TICK`].
    pub fn with_cancel_flag(mut self, flag: Arc<Event>) -> Self {
        self.cancel = flag;
        self
    }

    fn start_worker(&mut self) -> Result<Worker<T>, PoolError> {
        let (orders_tx, orders_rx) =
            ipc::channel().map_err(|e| ipc_error("creating a task channel", e))?;
        let (results_tx, results_rx) =
            ipc::channel().map_err(|e| ipc_error("creating a result channel", e))?;
        self.started += 1;
        let setup = WorkerSetup::<T> {
            orders: orders_rx,
            results: results_tx,
        };
        let name = format!("pool-worker-{}", self.started);
        let child = child::spawn_self_with(WORKER_ROLE, name, setup, child::STARTUP_LIMIT)?;
        let set_id = self
            .results
            .add(results_rx)
            .map_err(|e| ipc_error("watching a result channel", e))?;
        Ok(Worker {
            child,
            orders: orders_tx,
            set_id,
            busy: None,
            broken: false,
        })
    }

    /// How many workers the pool runs.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// The workers' pids, in start order.
    pub fn pids(&self) -> Vec<u32> {
        self.workers.iter().map(|w| w.child.pid()).collect()
    }

    /// How many worker processes were started in total (restarts included).
    pub fn workers_started(&self) -> usize {
        self.started
    }

    /// Python's `pool.map(f, inputs)`: `f` turns each input into a task
    /// (here, in the parent), the workers run them, and the results come
    /// back **in input order**. A task whose worker crashed gets an error.
    pub fn map<A>(
        &mut self,
        f: impl FnMut(A) -> T,
        inputs: impl IntoIterator<Item = A>,
    ) -> Result<Vec<Result<T::Output, TaskError>>, PoolError> {
        self.run_all(inputs.into_iter().map(f).collect())
    }

    /// Python's `pool.starmap(f, [(a, b), ...])`: each pair is unpacked into
    /// the two arguments of `f`.
    pub fn starmap<A, B>(
        &mut self,
        mut f: impl FnMut(A, B) -> T,
        inputs: impl IntoIterator<Item = (A, B)>,
    ) -> Result<Vec<Result<T::Output, TaskError>>, PoolError> {
        self.run_all(inputs.into_iter().map(|(a, b)| f(a, b)).collect())
    }

    /// Runs every task; result `i` belongs to task `i`.
    pub fn run_all(
        &mut self,
        tasks: Vec<T>,
    ) -> Result<Vec<Result<T::Output, TaskError>>, PoolError> {
        self.run += 1;
        let run = self.run;
        let total = tasks.len();
        let mut waiting: VecDeque<(usize, T)> = tasks.into_iter().enumerate().collect();
        let mut slots: Vec<Option<Result<T::Output, TaskError>>> =
            (0..total).map(|_| None).collect();
        let mut done = 0;
        while done < total {
            // Checked before handing out more: after a cancel, no new task
            // is sent.
            if self.cancel.is_set() {
                return Err(PoolError::Cancelled { done, total });
            }
            self.hand_out(run, &mut waiting);
            let events = match self.results.try_select_timeout(TICK) {
                Ok(events) => events,
                Err(TrySelectError::Empty) => continue,
                Err(TrySelectError::IoError(e)) => return Err(ipc_error("waiting for results", e)),
            };
            for event in events {
                match event {
                    IpcSelectionResult::MessageReceived(id, message) => {
                        let result: Done<T::Output> = message
                            .to()
                            .map_err(|e| ipc_error("reading a worker's result", e))?;
                        if let Some(worker) = self.workers.iter_mut().find(|w| w.set_id == id) {
                            worker.busy = None;
                        }
                        // A result of an earlier, cancelled run: the worker
                        // is free again, the value belongs to nobody.
                        if result.run != run {
                            continue;
                        }
                        if let Some(slot @ None) = slots.get_mut(result.index) {
                            *slot = Some(Ok(result.output));
                            done += 1;
                        }
                    }
                    IpcSelectionResult::ChannelClosed(id) => {
                        if let Some((failed_run, index, failure)) = self.replace_dead_worker(id)?
                            && failed_run == run
                            && let Some(slot @ None) = slots.get_mut(index)
                        {
                            *slot = Some(Err(failure));
                            done += 1;
                        }
                    }
                }
            }
        }
        Ok(slots
            .into_iter()
            .map(|slot| slot.expect("every slot is filled"))
            .collect())
    }

    /// Gives a waiting task of run `run` to every idle worker.
    fn hand_out(&mut self, run: u64, waiting: &mut VecDeque<(usize, T)>) {
        for worker in self
            .workers
            .iter_mut()
            .filter(|w| w.busy.is_none() && !w.broken)
        {
            let Some((index, task)) = waiting.pop_front() else {
                return;
            };
            match worker.orders.send(Order::Run { run, index, task }) {
                Ok(()) => worker.busy = Some((run, index)),
                // The worker is gone (its task channel is closed). The task
                // was moved into the failed message; it is charged to this
                // worker, whose closed result channel will soon report how
                // it died, and the task gets that error.
                Err(_) => {
                    worker.broken = true;
                    worker.busy = Some((run, index));
                }
            }
        }
    }

    /// A worker's result channel closed: it died. Reaps it, starts a
    /// replacement, and returns the run number, index and error of the task
    /// it was running.
    fn replace_dead_worker(
        &mut self,
        set_id: u64,
    ) -> Result<Option<(u64, usize, TaskError)>, PoolError> {
        let Some(position) = self.workers.iter().position(|w| w.set_id == set_id) else {
            return Ok(None);
        };
        let mut dead = self.workers.swap_remove(position);
        // Its result channel is closed, so it has exited or is exiting.
        let exit = match dead.child.wait_or_kill(STOP_GRACE) {
            Ok(exit) => exit,
            Err(_) => dead.child.exit().unwrap_or(Exit::Signal(9)),
        };
        let failure = dead.busy.map(|(run, index)| {
            (
                run,
                index,
                TaskError::WorkerDied {
                    index,
                    pid: dead.child.pid(),
                    exit,
                },
            )
        });
        if !self.cancel.is_set() {
            let fresh = self.start_worker()?;
            self.workers.insert(position.min(self.workers.len()), fresh);
        }
        Ok(failure)
    }

    /// Stops every worker (a Stop message, then SIGKILL after
    /// [`STOP_GRACE`]), reaps them, and tells how each ended.
    pub fn shutdown(mut self) -> Vec<(u32, Exit)> {
        self.stop_all()
    }

    /// Harness for an example's end: stops and reaps the workers (saying
    /// so), then prints the result lines: `outcome`'s keys (or only
    /// `interrupted: <signal>` after Ctrl-C / SIGTERM), then `worker_pids`,
    /// `workers_reaped` and `workers_clean_exit`. Returns `outcome`'s error.
    pub fn finish(
        self,
        outcome: anyhow::Result<Vec<(&'static str, String)>>,
    ) -> anyhow::Result<()> {
        let pids = self.pids();
        let ended = self.shutdown();
        let clean = ended.iter().filter(|(_, exit)| exit.success()).count();
        shared::output::say(format!(
            "stopped and reaped {} workers ({clean} exited with code 0)",
            ended.len()
        ));
        let mut keys = match (&outcome, child::stop_signal()) {
            (_, Some(signal)) => vec![("interrupted", signal.as_str().to_string())],
            (Ok(keys), None) => keys.clone(),
            (Err(_), None) => Vec::new(),
        };
        keys.push(("worker_pids", format!("{pids:?}")));
        keys.push(("workers_reaped", ended.len().to_string()));
        keys.push(("workers_clean_exit", clean.to_string()));
        let pairs: Vec<(&str, &dyn fmt::Display)> =
            keys.iter().map(|(k, v)| (*k, v as _)).collect();
        shared::output::results(&pairs);
        outcome.map(|_| ())
    }

    fn stop_all(&mut self) -> Vec<(u32, Exit)> {
        for worker in &self.workers {
            let _ = worker.orders.send(Order::Stop);
        }
        let mut ended = Vec::new();
        for mut worker in self.workers.drain(..) {
            let exit = match worker.child.wait_or_kill(STOP_GRACE) {
                Ok(exit) => exit,
                Err(_) => worker.child.exit().unwrap_or(Exit::Signal(9)),
            };
            ended.push((worker.child.pid(), exit));
        }
        ended
    }
}

impl<T: Task> Drop for Pool<T> {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// The worker's side: call it from `main` when [`child::role`] is
/// [`WORKER_ROLE`]. Runs tasks until told to stop, or until the parent is
/// gone (its channel closes), then returns.
pub fn worker_main<T: Task>() -> Result<(), PoolError> {
    // If the parent dies (killed, crashed), so do we: no orphan workers.
    child::die_with_parent()?;
    // A Ctrl-C at the terminal reaches every process in the group; the
    // parent decides what happens and stops us in order.
    child::block_ctrl_c()?;
    let setup: WorkerSetup<T> = child::receive_arg(child::STARTUP_LIMIT)?;
    // Waiting for work has no deadline on purpose: an idle worker waits as
    // long as the pool lives. If the parent dies, recv() fails and we end.
    while let Ok(Order::Run { run, index, task }) = setup.orders.recv() {
        let output = task.run();
        if setup.results.send(Done { run, index, output }).is_err() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    struct Double(u64);

    impl Task for Double {
        type Output = u64;
        fn run(self) -> u64 {
            self.0 * 2
        }
    }

    // Starting real workers needs a binary whose main runs `worker_main`
    // (the test harness's main does not); the examples' tests do that.
    #[test]
    fn a_pool_of_zero_workers_is_refused() {
        assert!(matches!(
            Pool::<Double>::start(0),
            Err(PoolError::NoWorkers)
        ));
    }

    #[test]
    fn a_task_runs_where_it_is_received() {
        assert_eq!(Double(21).run(), 42);
    }

    /// A pool whose one "worker" is a thread of this test, speaking the
    /// pool's protocol over real ipc channels. (The pool also reaps its
    /// workers' processes: `true` stands in for one, and exits at once.)
    fn pool_with_a_thread_worker() -> (
        Pool<Double>,
        IpcReceiver<Order<Double>>,
        IpcSender<Done<u64>>,
    ) {
        let (orders_tx, orders_rx) = ipc::channel().unwrap();
        let (results_tx, results_rx) = ipc::channel().unwrap();
        let mut results = IpcReceiverSet::new().unwrap();
        let set_id = results.add(results_rx).unwrap();
        let child = Child::spawn(&mut std::process::Command::new("true"), "stand-in").unwrap();
        let pool = Pool {
            workers: vec![Worker {
                child,
                orders: orders_tx,
                set_id,
                busy: None,
                broken: false,
            }],
            results,
            cancel: Arc::new(Event::new()),
            started: 1,
            run: 0,
        };
        (pool, orders_rx, results_tx)
    }

    #[test]
    fn a_late_result_of_a_cancelled_map_does_not_answer_the_next_one() {
        let (mut pool, orders, results) = pool_with_a_thread_worker();
        let cancel = Arc::clone(&pool.cancel);
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            // The first map's first task: cancel the map while "working"...
            let Ok(Order::Run { run, index, .. }) = orders.recv() else {
                panic!("expected a task")
            };
            cancel.set();
            // ...and answer only once the test has started the next map.
            go_rx
                .recv_timeout(Duration::from_secs(20))
                .expect("the test goes on");
            results
                .send(Done {
                    run,
                    index,
                    output: 999,
                })
                .unwrap();
            let mut tasks = 1;
            while let Ok(Order::Run { run, index, task }) = orders.recv() {
                tasks += 1;
                let output = task.run();
                results.send(Done { run, index, output }).unwrap();
            }
            tasks
        });

        let first = pool.run_all(vec![Double(1), Double(2), Double(3)]);
        assert!(
            matches!(first, Err(PoolError::Cancelled { done: 0, total: 3 })),
            "{first:?}"
        );
        pool.cancel = Arc::new(Event::new());
        go_tx.send(()).unwrap();
        // Index 0 again: the late 999 (task 0 of the cancelled map) must not
        // be taken for the answer to Double(5).
        let second = pool.run_all(vec![Double(5)]).unwrap();
        assert_eq!(second, vec![Ok(10)]);
        drop(pool); // sends Stop: the worker thread's loop ends
        assert_eq!(
            worker.join().unwrap(),
            2,
            "one task of the cancelled map was sent, none after the cancel, then Double(5)"
        );
    }

    #[test]
    fn no_task_is_sent_after_the_cancel() {
        let (mut pool, orders, results) = pool_with_a_thread_worker();
        let cancel = Arc::clone(&pool.cancel);
        let worker = std::thread::spawn(move || {
            // Cancel, then answer at once: the worker is free again while
            // the map is being cancelled.
            let Ok(Order::Run { run, index, task }) = orders.recv() else {
                panic!("expected a task")
            };
            cancel.set();
            let output = task.run();
            // The pool may already have seen the cancel and gone (its end
            // of the channel closed): then this answer has nobody to read it.
            let _ = results.send(Done { run, index, output });
            let mut tasks = 1;
            while let Ok(Order::Run { .. }) = orders.recv() {
                tasks += 1;
            }
            tasks
        });
        let result = pool.run_all(vec![Double(1), Double(2), Double(3)]);
        assert!(
            matches!(result, Err(PoolError::Cancelled { total: 3, .. })),
            "{result:?}"
        );
        drop(pool);
        assert_eq!(
            worker.join().unwrap(),
            1,
            "a task was sent after the cancel"
        );
    }

    #[test]
    fn a_dead_workers_task_error_says_how_it_died() {
        let error = TaskError::WorkerDied {
            index: 3,
            pid: 77,
            exit: Exit::Signal(6),
        };
        assert_eq!(
            error.to_string(),
            "worker pid 77 died while running task 3 (killed by signal 6 (SIGABRT))"
        );
    }
}
