//! Step 2: a single-threaded executor: `spawn`, a run queue, tasks woken by
//! their wakers, and a `JoinHandle` that is itself a future.
//!
//! This is asyncio's loop without I/O: a queue of ready tasks, run one by one
//! until each reaches an `await` that is not ready. A task's waker pushes the
//! task's id back on the run queue; when the queue is empty the loop sleeps
//! (step 1's park) until some waker fires. How the loop sleeps is the
//! [`Driver`]: here the thread parks; step 3 swaps in epoll, changing nothing
//! else. A task that panics is caught and reported through its JoinHandle:
//! the loop and the other tasks go on.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// How the loop sleeps when no task is ready, and how a waker rouses it.
pub trait Driver: Send + Sync {
    /// With `sleep`, sleep until [`Driver::wake`] (or, in step 3, a timer or
    /// an fd) fires. Without, only collect what is ready now: the loop does
    /// that on every busy turn, so busy tasks never starve I/O and timers.
    fn turn(&self, sleep: bool);
    /// Rouse the loop; callable from any thread.
    fn wake(&self);
}

/// Step 1's way to sleep: park the loop's thread.
pub struct Park(Thread);

impl Driver for Park {
    fn turn(&self, sleep: bool) {
        if sleep {
            thread::park();
        }
    }
    fn wake(&self) {
        self.0.unpark();
    }
}

/// What wakers share with the loop (it crosses threads: Send + Sync).
struct Shared {
    ready: Mutex<VecDeque<u64>>,
    driver: Arc<dyn Driver>,
}

impl Shared {
    fn ready(&self) -> MutexGuard<'_, VecDeque<u64>> {
        // A panic never happens while the queue is locked; ignore poisoning.
        self.ready.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A task's waker: "put task `id` back on the run queue".
struct TaskWaker {
    id: u64,
    /// Already on the queue: a second wake before the poll adds nothing.
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.shared.ready().push_back(self.id);
            self.shared.driver.wake();
        }
    }
}

struct Task {
    name: &'static str,
    future: Pin<Box<dyn Future<Output = ()>>>,
    waker: Arc<TaskWaker>,
}

/// Counts of what the loop did, to show it turning (and prove it idles).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub spawned: u64,
    pub polls: u64,
    /// Times the loop found nothing to run and slept in its driver.
    pub sleeps: u64,
}

struct Inner {
    shared: Arc<Shared>,
    tasks: RefCell<HashMap<u64, Task>>,
    next_id: Cell<u64>,
    stats: Cell<Stats>,
    trace: Cell<bool>,
}

/// A single-threaded executor. Futures need not be `Send`: they never leave
/// this thread; only their wakers do.
pub struct Executor {
    inner: Rc<Inner>,
}

/// The id of the future given to `block_on`, which is not in the task map.
const MAIN: u64 = u64::MAX;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

impl Executor {
    /// An executor whose loop parks its thread when idle.
    pub fn new() -> Self {
        Self::with_driver(Arc::new(Park(thread::current())))
    }

    /// An executor that sleeps in `driver` when idle (step 3: epoll).
    pub fn with_driver(driver: Arc<dyn Driver>) -> Self {
        let shared = Arc::new(Shared {
            ready: Mutex::new(VecDeque::new()),
            driver,
        });
        Executor {
            inner: Rc::new(Inner {
                shared,
                tasks: RefCell::new(HashMap::new()),
                next_id: Cell::new(0),
                stats: Cell::new(Stats::default()),
                trace: Cell::new(false),
            }),
        }
    }

    /// Print every poll and every sleep of the loop.
    pub fn set_trace(&self, on: bool) {
        self.inner.trace.set(on);
    }

    pub fn stats(&self) -> Stats {
        self.inner.stats.get()
    }

    /// Queues `future` as a task; it runs once `block_on` turns the loop.
    pub fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        self.inner.spawn("task", future)
    }

    /// Runs the loop until `main` completes. Tasks still pending then stay
    /// queued for the next `block_on`; dropping the executor drops them
    /// (cancels them, as asyncio.run cancels what is left).
    pub fn block_on<F: Future>(&self, main: F) -> F::Output {
        let previous = CURRENT.with(|c| c.replace(Some(Rc::clone(&self.inner))));
        let _restore = Restore(previous);
        let mut main = std::pin::pin!(main);
        let main_waker = Arc::new(TaskWaker {
            id: MAIN,
            queued: AtomicBool::new(true),
            shared: Arc::clone(&self.inner.shared),
        });
        let waker = Waker::from(Arc::clone(&main_waker));
        loop {
            if main_waker.queued.swap(false, Ordering::AcqRel) {
                self.inner.count(|s| s.polls += 1);
                if let Poll::Ready(value) = main.as_mut().poll(&mut Context::from_waker(&waker)) {
                    return value;
                }
            }
            // Run what is ready now; what they wake waits for the next turn.
            let batch: Vec<u64> = self.inner.shared.ready().drain(..).collect();
            for id in &batch {
                self.inner.poll_task(*id);
            }
            let idle = self.inner.shared.ready().is_empty();
            if idle && !main_waker.queued.load(Ordering::Acquire) {
                self.inner.count(|s| s.sleeps += 1);
                if self.inner.trace.get() {
                    shared::output::say_as("loop", "nothing ready: sleep");
                }
                self.inner.shared.driver.turn(true);
            } else {
                self.inner.shared.driver.turn(false);
            }
        }
    }
}

/// Puts back the executor that was current before `block_on` (none, usually).
struct Restore(Option<Rc<Inner>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

impl Inner {
    fn count(&self, f: impl FnOnce(&mut Stats)) {
        let mut stats = self.stats.get();
        f(&mut stats);
        self.stats.set(stats);
    }

    fn spawn<F: Future + 'static>(&self, name: &'static str, future: F) -> JoinHandle<F::Output> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let state = Rc::new(RefCell::new(JoinState {
            result: None,
            waiter: None,
        }));
        let finished = Rc::clone(&state);
        // The task: poll the user's future (pinned inside the task itself,
        // no second allocation), catching a panic so that only this task
        // dies; store the result and wake whoever awaits it.
        let task = async move {
            let mut future = std::pin::pin!(future);
            let result = std::future::poll_fn(|cx| {
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(Poll::Pending) => Poll::Pending,
                    Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
                    Err(_) => Poll::Ready(Err(JoinError::Panicked)),
                }
            })
            .await;
            let mut state = finished.borrow_mut();
            state.result = Some(result);
            if let Some(waiter) = state.waiter.take() {
                waiter.wake();
            }
        };
        let waker = Arc::new(TaskWaker {
            id,
            queued: AtomicBool::new(false),
            shared: Arc::clone(&self.shared),
        });
        let task = Task {
            name,
            future: Box::pin(task),
            waker,
        };
        task.waker.wake_by_ref(); // ready to run its first step
        self.tasks.borrow_mut().insert(id, task);
        self.count(|s| s.spawned += 1);
        JoinHandle { state }
    }

    fn poll_task(&self, id: u64) {
        // Take the task out while it runs: it may spawn, touching the map.
        let Some(mut task) = self.tasks.borrow_mut().remove(&id) else {
            return; // finished already; a late wake
        };
        task.waker.queued.store(false, Ordering::Release);
        self.count(|s| s.polls += 1);
        if self.trace.get() {
            shared::output::say_as("loop", format!("poll {} (task {id})", task.name));
        }
        let waker = Waker::from(Arc::clone(&task.waker));
        if task
            .future
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {
            self.tasks.borrow_mut().insert(id, task);
        } else if self.trace.get() {
            shared::output::say_as("loop", format!("{} finished", task.name));
        }
    }
}

/// Spawns `future` on the executor running this thread's loop (asyncio's
/// `create_task`). Panics outside `block_on`, as asyncio raises "no running
/// event loop".
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    spawn_named("task", future)
}

/// [`spawn`], with a name shown when the loop traces its polls.
pub fn spawn_named<F: Future + 'static>(name: &'static str, future: F) -> JoinHandle<F::Output> {
    CURRENT.with(|current| match &*current.borrow() {
        Some(inner) => inner.spawn(name, future),
        None => panic!("spawn called outside Executor::block_on (no running loop)"),
    })
}

/// Why a task gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("the task panicked")]
    Panicked,
}

struct JoinState<T> {
    result: Option<Result<T, JoinError>>,
    waiter: Option<Waker>,
}

/// Awaiting it gives the task's value (or `JoinError::Panicked`).
pub struct JoinHandle<T> {
    state: Rc<RefCell<JoinState<T>>>,
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.state.borrow_mut();
        match state.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                state.waiter = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{CountPolls, value_from_thread};
    use std::time::Duration;

    /// Gives the loop back once, like asyncio.sleep(0).
    async fn yield_now() {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                return Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await;
    }

    #[test]
    fn tasks_interleave_at_await_points() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let executor = Executor::new();
        executor.block_on(async {
            let handles: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|name| {
                    let log = Rc::clone(&log);
                    spawn(async move {
                        for step in 0..3 {
                            log.borrow_mut().push(format!("{name}{step}"));
                            yield_now().await;
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        });
        assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
    }

    #[test]
    fn join_handle_gives_the_value_and_main_sleeps_while_waiting() {
        let executor = Executor::new();
        let (value, polls) = executor.block_on(async {
            let (slow, polls) = CountPolls::new(value_from_thread(Duration::from_millis(100), 5));
            let handle = spawn(slow);
            (handle.await, polls)
        });
        assert_eq!(value, Ok(5));
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        assert!(executor.stats().sleeps >= 1, "{:?}", executor.stats());
    }

    #[test]
    fn a_panicking_task_does_not_take_the_loop_down() {
        let executor = Executor::new();
        let (bad, good) = executor.block_on(async {
            let bad = spawn(async {
                yield_now().await;
                panic!("on purpose: a failing task");
            });
            let good = spawn(async {
                yield_now().await;
                yield_now().await;
                "still running"
            });
            (bad.await, good.await)
        });
        assert_eq!(bad, Err(JoinError::Panicked));
        assert_eq!(good, Ok("still running"));
    }

    #[test]
    fn a_task_spawned_from_a_task_runs() {
        let executor = Executor::new();
        let value = executor
            .block_on(async { spawn(async { spawn(async { 3 }).await.unwrap() * 2 }).await });
        assert_eq!(value, Ok(6));
        assert_eq!(executor.stats().spawned, 2);
    }
}
