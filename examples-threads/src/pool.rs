//! A thread pool built by hand, with the surface of Python's
//! `concurrent.futures.ThreadPoolExecutor` (notes 003, 000 "Thread pool").
//!
//! | Python                               | here                                   |
//! |--------------------------------------|----------------------------------------|
//! | `ThreadPoolExecutor(max_workers=4)`  | `ThreadPool::new(4)?`                  |
//! | `future = executor.submit(f, x)`     | `let task = pool.submit(move \|\| f(x))` |
//! | `future.result()`                    | `task.result()`                        |
//! | `future.result(timeout=1)`           | `task.result_timeout(Duration)`        |
//! | `future.done()`                      | `task.is_done()`                       |
//! | `executor.map(f, xs)`                | `pool.map(f, xs)` (input order)        |
//! | `as_completed(futures)`              | `as_completed(tasks)` (finish order)   |
//! | `wait(futures, ALL_COMPLETED)`       | `wait_all(&mut tasks, timeout)`        |
//! | `with ...:` / `shutdown(wait=True)`  | drop the pool, or `pool.shutdown()`    |
//!
//! How it works: the pool owns N worker threads that all receive jobs from one
//! crossbeam channel (a multi-consumer queue). `submit` wraps the closure in a
//! job that runs it, catches a panic, and sends the outcome down a one-slot
//! channel that belongs to that task only: the task's handle (Python's
//! `Future`) is the receiving end. Dropping the pool closes the job channel;
//! each worker finishes the jobs already queued, sees the channel closed, and
//! returns; the drop joins them all.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
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
    /// `result_timeout` ran out before the task finished (it may still finish).
    #[error("the task did not finish within the timeout")]
    Timeout,
    /// The result was already taken by an earlier `result_timeout`.
    #[error("the result was already taken")]
    AlreadyTaken,
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
        let job: Job = Box::new(move || {
            let outcome = catch_unwind(AssertUnwindSafe(f)).map_err(panic_message);
            // If the handle was dropped nobody wants the result: ignore.
            let _ = result_tx.send(outcome);
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
            taken: false,
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
    receiver: Receiver<Result<T, TaskError>>,
    /// An outcome received early (by `is_done` or `wait_all`), kept for `result`.
    ready: Option<Result<T, TaskError>>,
    taken: bool,
}

impl<T> TaskHandle<T> {
    /// The task's number, in submission order from 0.
    pub fn id(&self) -> usize {
        self.id
    }

    /// True once the task has finished (Python's `future.done()`). Never blocks.
    pub fn is_done(&mut self) -> bool {
        if self.ready.is_some() || self.taken {
            return true;
        }
        match self.receiver.try_recv() {
            Ok(outcome) => {
                self.ready = Some(outcome);
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => {
                self.ready = Some(Err(TaskError::Lost));
                true
            }
        }
    }

    /// Blocks until the task finishes and returns its value (or why there is none).
    pub fn result(mut self) -> Result<T, TaskError> {
        if let Some(outcome) = self.ready.take() {
            return outcome;
        }
        if self.taken {
            return Err(TaskError::AlreadyTaken);
        }
        self.receiver.recv().unwrap_or(Err(TaskError::Lost))
    }

    /// Waits at most `timeout`. On `Err(Timeout)` the handle stays usable (the
    /// task is still running), as Python's `result(timeout=...)` raising
    /// TimeoutError. On success the value moves out: a later call returns
    /// `Err(AlreadyTaken)`.
    pub fn result_timeout(&mut self, timeout: Duration) -> Result<T, TaskError> {
        if self.taken {
            return Err(TaskError::AlreadyTaken);
        }
        let outcome = match self.ready.take() {
            Some(outcome) => outcome,
            None => match self.receiver.recv_timeout(timeout) {
                Ok(outcome) => outcome,
                Err(RecvTimeoutError::Timeout) => return Err(TaskError::Timeout),
                Err(RecvTimeoutError::Disconnected) => Err(TaskError::Lost),
            },
        };
        self.taken = true;
        outcome
    }

    /// Waits until `deadline` for the outcome, storing it; true if it arrived.
    fn wait_until(&mut self, deadline: Option<Instant>) -> bool {
        if self.ready.is_some() || self.taken {
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
            Ok(outcome) => self.ready = Some(outcome),
            Err(RecvTimeoutError::Timeout) => return false,
            Err(RecvTimeoutError::Disconnected) => self.ready = Some(Err(TaskError::Lost)),
        }
        true
    }
}

/// Yields `(task id, outcome)` as tasks finish, in completion order, not
/// submission order (Python's `as_completed`).
///
/// It waits on all remaining tasks at once with crossbeam's `Select`, which
/// blocks until *any* of several channels has a message.
pub fn as_completed<T>(tasks: Vec<TaskHandle<T>>) -> AsCompleted<T> {
    AsCompleted { pending: tasks }
}

/// The iterator returned by [`as_completed`].
pub struct AsCompleted<T> {
    pending: Vec<TaskHandle<T>>,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = (usize, Result<T, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pending.is_empty() {
            return None;
        }
        // An outcome already received (e.g. by is_done) is the earliest.
        if let Some(i) = self.pending.iter().position(|t| t.ready.is_some()) {
            let task = self.pending.swap_remove(i);
            let id = task.id;
            return Some((id, task.result()));
        }
        let mut select = Select::new();
        for task in &self.pending {
            select.recv(&task.receiver);
        }
        let operation = select.select();
        let index = operation.index();
        let outcome = operation
            .recv(&self.pending[index].receiver)
            .unwrap_or(Err(TaskError::Lost));
        let task = self.pending.swap_remove(index);
        Some((task.id, outcome))
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
    let deadline = timeout.map(|t| Instant::now() + t);
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
        assert_eq!(task.result_timeout(DEADLINE), Ok(7));
        assert_eq!(task.result_timeout(DEADLINE), Err(TaskError::AlreadyTaken));
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
            let (id, value) = completed.next().unwrap();
            assert_eq!(value, Ok(id));
            order.push(id);
        }
        assert_eq!(order, vec![2, 0, 1]);
        assert!(completed.next().is_none());
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
