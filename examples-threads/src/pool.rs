//! A thread pool built by hand, with the surface of Python's
//! `concurrent.futures.ThreadPoolExecutor` (notes 003, 000 "Thread pool").
//!
//! | Python                               | here                                   |
//! |--------------------------------------|----------------------------------------|
//! | `ThreadPoolExecutor(max_workers=4)`  | `ThreadPool::new(4)?`                  |
//! | `future = executor.submit(f, x)`     | `let task = pool.submit(move \|\| f(x))` |
//! | `future.result()`                    | `task.result()` (takes the value)      |
//! | `future.result(timeout=1)`           | `task.result_timeout(d)` (lends it)    |
//! | `future.done()`                      | `task.is_done()`                       |
//! | `executor.map(f, xs)`                | `pool.map(f, xs)` (input order)        |
//! | `as_completed(futures)`              | `as_completed(tasks)` (finish order)   |
//! | `as_completed(futures, timeout=5)`   | `as_completed_within(tasks, timeout)`  |
//! | `wait(futures, ALL_COMPLETED)`       | `wait_all(&mut tasks, timeout)`        |
//! | `with ...:` / `shutdown(wait=True)`  | drop the pool, or `pool.shutdown()`    |
//!
//! How it works: the pool owns N worker threads that all receive jobs from one
//! crossbeam channel (a multi-consumer queue). `submit` wraps the closure in a
//! job that runs it, catches a panic, and sends the outcome down a one-slot
//! channel that belongs to that task only: the task's handle (Python's
//! `Future`) is the receiving end. Each outcome carries a completion number
//! from a pool-wide counter, taken and sent under one lock, so "finished
//! before" is exact and `as_completed` can yield in that order. Dropping the
//! pool closes the job channel; each worker finishes the jobs already queued,
//! sees the channel closed, and returns; the drop joins them all.
//!
//! Hazards worth knowing (Python's executor shares them): dropping the pool
//! waits for every queued task, so a task that blocks forever makes the drop
//! hang; a task that submits to its own pool and waits for the result can
//! deadlock once every worker is busy waiting. Task ids count per pool.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Select, Sender, TryRecvError};

/// A unit of work as the workers see it: run once, return nothing (the result
/// travels through the task's own channel).
type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a task gave no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The task's closure panicked; the message is the panic's.
    #[error("the task panicked: {0}")]
    Panicked(String),
    /// The wait ran out before the task finished (it may still finish).
    #[error("the task did not finish within the timeout")]
    Timeout,
    /// The task was dropped without running (cannot happen while the pool
    /// lives; kept so a bug shows as an error, not a hang).
    #[error("the task was lost before it ran")]
    Lost,
}

/// The pool could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("a pool needs at least one worker")]
    NoWorkers,
    #[error("the OS refused to start a worker thread: {0}")]
    Spawn(#[from] std::io::Error),
}

/// A fixed set of worker threads running submitted tasks.
pub struct ThreadPool {
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    next_id: std::sync::atomic::AtomicUsize,
    /// How many tasks have finished: the next completion number.
    finished: Arc<Mutex<usize>>,
}

/// A task's outcome with its completion number (0 = first task to finish).
struct Finished<T> {
    number: usize,
    outcome: Result<T, TaskError>,
}

impl<T> Finished<T> {
    /// For a task whose channel closed without an outcome.
    fn lost() -> Self {
        Finished {
            number: usize::MAX,
            outcome: Err(TaskError::Lost),
        }
    }
}

impl ThreadPool {
    /// Starts `workers` threads named `pool-0`, `pool-1`, ...
    pub fn new(workers: usize) -> Result<ThreadPool, PoolError> {
        if workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        let (sender, receiver) = crossbeam_channel::unbounded::<Job>();
        let mut handles = Vec::with_capacity(workers);
        for i in 0..workers {
            let receiver = receiver.clone();
            let handle = thread::Builder::new()
                .name(format!("pool-{i}"))
                .spawn(move || worker_loop(receiver))?;
            handles.push(handle);
        }
        Ok(ThreadPool {
            jobs: Some(sender),
            workers: handles,
            next_id: std::sync::atomic::AtomicUsize::new(0),
            finished: Arc::new(Mutex::new(0)),
        })
    }

    /// How many worker threads the pool runs.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Queues `f` to run on a worker; returns its handle at once.
    pub fn submit<T, F>(&self, f: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // One slot: the task sends exactly one outcome and never blocks.
        let (result_tx, result_rx) = crossbeam_channel::bounded(1);
        let finished = Arc::clone(&self.finished);
        let job: Job = Box::new(move || {
            let outcome = catch_unwind(AssertUnwindSafe(f)).map_err(panic_message);
            // Number and send under one lock: a task numbered n is in its
            // channel before any task gets n + 1.
            let mut count = finished.lock().unwrap_or_else(PoisonError::into_inner);
            let number = *count;
            *count += 1;
            // If the handle was dropped nobody wants the result: ignore.
            let _ = result_tx.send(Finished { number, outcome });
        });
        // `jobs` is only None during drop, when no one can call submit.
        if let Some(jobs) = &self.jobs {
            // Fails only if every worker is gone; the handle then reports Lost.
            let _ = jobs.send(job);
        }
        TaskHandle {
            id,
            receiver: result_rx,
            ready: None,
        }
    }

    /// Runs `f` on every input, spread over the workers, and returns the
    /// results in input order (like `executor.map`), whatever order they
    /// finished in. A panic in one call makes only that entry an error.
    pub fn map<A, T, F>(
        &self,
        f: F,
        inputs: impl IntoIterator<Item = A>,
    ) -> Vec<Result<T, TaskError>>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: Fn(A) -> T + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let tasks: Vec<TaskHandle<T>> = inputs
            .into_iter()
            .map(|input| {
                let f = Arc::clone(&f);
                self.submit(move || f(input))
            })
            .collect();
        // Collecting in submission order is what keeps the input order.
        tasks.into_iter().map(TaskHandle::result).collect()
    }

    /// Waits for every queued task and joins the workers (also done on drop).
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Closing the channel is the workers' signal to finish and return.
        drop(self.jobs.take());
        for worker in self.workers.drain(..) {
            // Tasks catch their own panics, so a worker never panics.
            let _ = worker.join();
        }
    }
}

fn worker_loop(jobs: Receiver<Job>) {
    // `iter` ends when the channel is closed *and* empty: queued jobs still run.
    for job in jobs.iter() {
        job();
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> TaskError {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    };
    TaskError::Panicked(message)
}

/// The handle of a submitted task: Python's `Future`.
pub struct TaskHandle<T> {
    id: usize,
    receiver: Receiver<Finished<T>>,
    /// The outcome once received (by `is_done`, `result_timeout`, `wait_all`).
    ready: Option<Finished<T>>,
}

impl<T> TaskHandle<T> {
    /// The task's number in its pool, in submission order from 0.
    pub fn id(&self) -> usize {
        self.id
    }

    /// True once the task has finished (Python's `future.done()`). Never
    /// blocks; `&mut` because a finished outcome is moved into the handle.
    pub fn is_done(&mut self) -> bool {
        self.poll();
        self.ready.is_some()
    }

    /// Blocks until the task finishes and returns its value (or why there is none).
    pub fn result(self) -> Result<T, TaskError> {
        match self.ready {
            Some(finished) => finished.outcome,
            None => {
                self.receiver
                    .recv()
                    .unwrap_or_else(|_| Finished::lost())
                    .outcome
            }
        }
    }

    /// Waits at most `timeout` and lends the value, as Python's
    /// `result(timeout=...)`: `Err(Timeout)` if the task is still running
    /// (call again later); once finished, every call gives the same answer.
    pub fn result_timeout(&mut self, timeout: Duration) -> Result<&T, TaskError> {
        // A timeout too large to add to now (Duration::MAX) means no deadline.
        self.wait_until(Instant::now().checked_add(timeout));
        match &self.ready {
            Some(finished) => finished.outcome.as_ref().map_err(Clone::clone),
            None => Err(TaskError::Timeout),
        }
    }

    /// Takes the outcome if it has arrived, without blocking.
    fn poll(&mut self) {
        if self.ready.is_some() {
            return;
        }
        match self.receiver.try_recv() {
            Ok(finished) => self.ready = Some(finished),
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => self.ready = Some(Finished::lost()),
        }
    }

    /// Waits until `deadline` (for ever if `None`) for the outcome, storing
    /// it; true if it arrived.
    fn wait_until(&mut self, deadline: Option<Instant>) -> bool {
        if self.ready.is_some() {
            return true;
        }
        let received = match deadline {
            None => self
                .receiver
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
            Some(deadline) => self.receiver.recv_deadline(deadline),
        };
        match received {
            Ok(finished) => self.ready = Some(finished),
            Err(RecvTimeoutError::Timeout) => return false,
            Err(RecvTimeoutError::Disconnected) => self.ready = Some(Finished::lost()),
        }
        true
    }
}

/// One task handed over by [`as_completed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed<T> {
    /// The task's id (its submission number in the pool).
    pub id: usize,
    /// Its completion number in the pool: 0 for the first task to finish.
    /// `usize::MAX` if it gave no outcome (lost, or the wait timed out).
    pub finished: usize,
    pub outcome: Result<T, TaskError>,
}

/// Yields tasks as they finish, in completion order, not submission order
/// (Python's `as_completed`). Tasks already finished when asked come out in
/// the order they finished.
///
/// It waits on all remaining tasks at once with crossbeam's `Select`, which
/// blocks until *any* of several channels has a message.
pub fn as_completed<T>(tasks: Vec<TaskHandle<T>>) -> AsCompleted<T> {
    AsCompleted {
        pending: tasks,
        deadline: None,
    }
}

/// As [`as_completed`], but gives up at `timeout` from now: every task not
/// finished by then is yielded with `Err(TaskError::Timeout)` (Python raises
/// TimeoutError instead).
pub fn as_completed_within<T>(tasks: Vec<TaskHandle<T>>, timeout: Duration) -> AsCompleted<T> {
    AsCompleted {
        pending: tasks,
        deadline: Instant::now().checked_add(timeout),
    }
}

/// The iterator returned by [`as_completed`].
pub struct AsCompleted<T> {
    pending: Vec<TaskHandle<T>>,
    deadline: Option<Instant>,
}

impl<T> AsCompleted<T> {
    /// Blocks until one more pending task has an outcome; false on timeout.
    fn wait_for_one(&mut self) -> bool {
        let mut select = Select::new();
        for task in &self.pending {
            select.recv(&task.receiver);
        }
        let operation = match self.deadline {
            None => select.select(),
            Some(deadline) => match select.select_deadline(deadline) {
                Ok(operation) => operation,
                Err(_) => return false,
            },
        };
        let index = operation.index();
        let finished = operation
            .recv(&self.pending[index].receiver)
            .unwrap_or_else(|_| Finished::lost());
        self.pending[index].ready = Some(finished);
        true
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Completed<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pending.is_empty() {
            return None;
        }
        for task in &mut self.pending {
            task.poll();
        }
        let any_ready = self.pending.iter().any(|t| t.ready.is_some());
        if !any_ready && !self.wait_for_one() {
            // Deadline passed: hand back a pending task as timed out.
            let task = self.pending.remove(0);
            return Some(Completed {
                id: task.id,
                finished: usize::MAX,
                outcome: Err(TaskError::Timeout),
            });
        }
        // Something arrived; others may have too: take them all, then yield
        // the earliest finisher. This is exact although the pass is not
        // atomic: a task polled empty here and finishing during the pass is
        // numbered after every task that was already ready before the pass
        // (there is always one: found above or by `wait_for_one`), so it can
        // never be the earliest; the next call's first pass picks it up.
        for task in &mut self.pending {
            task.poll();
        }
        let index = self
            .pending
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.ready.as_ref().map(|f| (f.number, i)))
            .min()
            .map(|(_, i)| i)?;
        let task = self.pending.remove(index);
        let finished = task.ready?;
        Some(Completed {
            id: task.id,
            finished: finished.number,
            outcome: finished.outcome,
        })
    }
}

/// How many tasks finished and how many had not by the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOutcome {
    pub done: usize,
    pub not_done: usize,
}

/// Waits until every task has finished, or until `timeout` if given (Python's
/// `wait(futures, timeout, return_when=ALL_COMPLETED)`). The outcomes stay in
/// the handles for `result()`.
pub fn wait_all<T>(tasks: &mut [TaskHandle<T>], timeout: Option<Duration>) -> WaitOutcome {
    // One deadline for the whole wait, as Python's `wait(timeout=)`: a
    // deadline per task would let N slow tasks block for N x timeout. A
    // timeout too large to add to now (Duration::MAX) means no deadline.
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let mut done = 0;
    for task in tasks.iter_mut() {
        if task.wait_until(deadline) {
            done += 1;
        }
    }
    WaitOutcome {
        done,
        not_done: tasks.len() - done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const DEADLINE: Duration = Duration::from_secs(10);

    #[test]
    fn submit_and_result() {
        let pool = ThreadPool::new(2).unwrap();
        let task = pool.submit(|| 5 * 5);
        assert_eq!(task.result(), Ok(25));
    }

    #[test]
    fn zero_workers_is_an_error() {
        assert!(matches!(ThreadPool::new(0), Err(PoolError::NoWorkers)));
    }

    #[test]
    fn result_timeout_times_out_then_succeeds() {
        let pool = ThreadPool::new(1).unwrap();
        let (release, gate) = crossbeam_channel::bounded::<()>(0);
        let mut task = pool.submit(move || {
            gate.recv_timeout(DEADLINE).unwrap();
            7
        });
        assert_eq!(
            task.result_timeout(Duration::from_millis(20)),
            Err(TaskError::Timeout)
        );
        assert!(!task.is_done());
        release.send(()).unwrap();
        assert_eq!(task.result_timeout(DEADLINE), Ok(&7));
        // As in Python, asking again gives the same answer...
        assert_eq!(task.result_timeout(DEADLINE), Ok(&7));
        // ...and the value can still be taken.
        assert_eq!(task.result(), Ok(7));
    }

    #[test]
    fn map_keeps_input_order_even_when_finishing_out_of_order() {
        let pool = ThreadPool::new(4).unwrap();
        // Earlier inputs sleep longer, so they finish last.
        let out = pool.map(
            |x: u64| {
                thread::sleep(Duration::from_millis((5 - x) * 10));
                x * x
            },
            1..=5,
        );
        let values: Vec<u64> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, vec![1, 4, 9, 16, 25]);
    }

    #[test]
    fn as_completed_yields_in_completion_order() {
        // Gates decide the finishing order exactly: task 2, then 0, then 1.
        let pool = ThreadPool::new(3).unwrap();
        let mut gates = Vec::new();
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (tx, rx) = crossbeam_channel::bounded::<()>(0);
            gates.push(tx);
            tasks.push(pool.submit(move || {
                rx.recv_timeout(DEADLINE).unwrap();
                i
            }));
        }
        let mut completed = as_completed(tasks);
        let mut order = Vec::new();
        for gate in [2, 0, 1] {
            gates[gate].send(()).unwrap();
            let done = completed.next().unwrap();
            assert_eq!(done.outcome, Ok(done.id));
            order.push(done.id);
        }
        assert_eq!(order, vec![2, 0, 1]);
        assert!(completed.next().is_none());
    }

    #[test]
    fn outcomes_already_received_still_come_in_completion_order() {
        // Tasks finish in the order 3, 1, 0, 2 (gates); wait_all stores every
        // outcome first; as_completed must still yield 3, 1, 0, 2.
        let pool = ThreadPool::new(4).unwrap();
        let mut gates = Vec::new();
        let mut tasks = Vec::new();
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        for i in 0..4 {
            let (tx, rx) = crossbeam_channel::bounded::<()>(0);
            gates.push(tx);
            let done_tx = done_tx.clone();
            tasks.push(pool.submit(move || {
                rx.recv_timeout(DEADLINE).unwrap();
                let _ = done_tx.send(i);
                i
            }));
        }
        for gate in [3, 1, 0, 2] {
            gates[gate].send(()).unwrap();
            // Let it finish before opening the next gate.
            done_rx.recv_timeout(DEADLINE).unwrap();
        }
        assert_eq!(wait_all(&mut tasks, Some(DEADLINE)).done, 4);
        let yielded: Vec<usize> = as_completed(tasks).map(|c| c.id).collect();
        assert_eq!(yielded, vec![3, 1, 0, 2]);
    }

    #[test]
    fn as_completed_within_gives_up_at_the_deadline() {
        let pool = ThreadPool::new(2).unwrap();
        let (release, gate) = crossbeam_channel::bounded::<()>(0);
        let mut tasks = vec![
            pool.submit(|| 1),
            pool.submit(move || {
                gate.recv_timeout(DEADLINE).unwrap();
                2
            }),
        ];
        // Task 0 is surely done before the short deadline starts (a worker
        // stalled for 50 ms on a busy machine would otherwise time it out).
        tasks[0].result_timeout(DEADLINE).unwrap();
        let outcomes: Vec<_> = as_completed_within(tasks, Duration::from_millis(50))
            .map(|c| c.outcome)
            .collect();
        assert_eq!(outcomes, vec![Ok(1), Err(TaskError::Timeout)]);
        release.send(()).unwrap();
    }

    #[test]
    fn wait_all_timeout_is_one_total_timeout() {
        // Three tasks that each take far longer than the timeout: one shared
        // deadline returns after about one timeout, not one per task (3x).
        let pool = ThreadPool::new(3).unwrap();
        let gates: Vec<_> = (0..3)
            .map(|_| crossbeam_channel::bounded::<()>(0))
            .collect();
        let mut tasks: Vec<_> = gates
            .iter()
            .map(|(_, gate)| {
                let gate = gate.clone();
                pool.submit(move || gate.recv_timeout(Duration::from_secs(2)).is_ok())
            })
            .collect();
        let timeout = Duration::from_millis(300);
        let started = Instant::now();
        let outcome = wait_all(&mut tasks, Some(timeout));
        let took = started.elapsed();
        assert_eq!(
            outcome,
            WaitOutcome {
                done: 0,
                not_done: 3
            }
        );
        // Per-task deadlines would take >= 900 ms; allow 2.5x for a busy machine.
        assert!(took < timeout * 5 / 2, "wait_all took {took:?}");
        // Release the tasks so the pool's drop does not wait 2 s.
        drop(gates);
    }

    #[test]
    fn as_completed_order_is_exact_when_tasks_finish_together() {
        // Many tasks finishing within microseconds of each other, while
        // `as_completed` polls: the completion numbers it yields must still
        // strictly increase (yielding the first ready task found, or dropping
        // the wait for an already-ready one, breaks this).
        for _ in 0..20 {
            let pool = ThreadPool::new(8).unwrap();
            // Varying tiny amounts of work, so the finishing order is not the
            // submission order (no sleeps: finishes stay microseconds apart).
            let tasks: Vec<_> = (0..200)
                .map(|i| {
                    pool.submit(move || {
                        (0..(i * 7919) % 13).for_each(|_| thread::yield_now());
                        i
                    })
                })
                .collect();
            let numbers: Vec<usize> = as_completed(tasks).map(|c| c.finished).collect();
            assert_eq!(numbers.len(), 200);
            assert!(
                numbers.windows(2).all(|w| w[0] < w[1]),
                "out of completion order: {numbers:?}"
            );
        }
    }

    #[test]
    fn a_huge_timeout_means_no_deadline() {
        let pool = ThreadPool::new(1).unwrap();
        let mut tasks = vec![pool.submit(|| 1)];
        assert_eq!(wait_all(&mut tasks, Some(Duration::MAX)).done, 1);
        assert_eq!(tasks[0].result_timeout(Duration::MAX), Ok(&1));
    }

    #[test]
    fn every_task_runs_exactly_once() {
        let runs = Arc::new(AtomicUsize::new(0));
        let pool = ThreadPool::new(3).unwrap();
        let mut tasks: Vec<_> = (0..100)
            .map(|_| {
                let runs = Arc::clone(&runs);
                pool.submit(move || runs.fetch_add(1, Ordering::SeqCst))
            })
            .collect();
        let outcome = wait_all(&mut tasks, Some(DEADLINE));
        assert_eq!(
            outcome,
            WaitOutcome {
                done: 100,
                not_done: 0
            }
        );
        assert_eq!(runs.load(Ordering::SeqCst), 100);
        // Each task saw a distinct count: none ran twice.
        let mut seen: Vec<usize> = tasks.into_iter().map(|t| t.result().unwrap()).collect();
        seen.sort();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn wait_all_reports_unfinished_tasks_at_the_deadline() {
        let pool = ThreadPool::new(1).unwrap();
        let (release, gate) = crossbeam_channel::bounded::<()>(0);
        let mut tasks = vec![
            pool.submit(|| 1),
            pool.submit(move || {
                gate.recv_timeout(DEADLINE).unwrap();
                2
            }),
        ];
        // Task 0 is surely done before the short deadline starts.
        tasks[0].result_timeout(DEADLINE).unwrap();
        let outcome = wait_all(&mut tasks, Some(Duration::from_millis(50)));
        assert_eq!(
            outcome,
            WaitOutcome {
                done: 1,
                not_done: 1
            }
        );
        release.send(()).unwrap();
        assert_eq!(wait_all(&mut tasks, Some(DEADLINE)).done, 2);
    }

    #[test]
    fn a_panicking_task_is_an_error_and_the_pool_keeps_working() {
        let pool = ThreadPool::new(1).unwrap();
        let bad = pool.submit(|| -> u32 { panic!("boom") });
        assert_eq!(bad.result(), Err(TaskError::Panicked("boom".into())));
        // The single worker survived the panic and runs the next task.
        assert_eq!(pool.submit(|| 3).result(), Ok(3));
    }

    #[test]
    fn drop_runs_queued_tasks_and_joins_workers() {
        let runs = Arc::new(AtomicUsize::new(0));
        let pool = ThreadPool::new(2).unwrap();
        for _ in 0..20 {
            let runs = Arc::clone(&runs);
            pool.submit(move || {
                runs.fetch_add(1, Ordering::SeqCst);
            });
        }
        // Handles dropped at once; shutdown still runs every queued job.
        pool.shutdown();
        assert_eq!(runs.load(Ordering::SeqCst), 20);
    }
}
