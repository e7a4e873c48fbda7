//! What the examples share that is not the lesson: CPU time of the calling
//! thread, a CPU job measured in CPU time, and a future that counts its polls.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// CPU time used so far by the calling thread only (not the whole process),
/// so a test running beside others measures just its own loop.
pub fn thread_cpu_time() -> Duration {
    #[cfg(unix)]
    {
        use nix::time::{ClockId, clock_gettime};
        clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
            .map(|t| Duration::new(t.tv_sec() as u64, t.tv_nsec() as u32))
            .unwrap_or_default()
    }
    #[cfg(not(unix))]
    {
        Duration::ZERO
    }
}

/// Keeps this thread's CPU busy until it has used `cpu` of CPU time: the
/// notes' `cpu_bound_setup()`. Measured in CPU time, not wall time, so a
/// loaded machine stretches it on the wall clock but never shortens it.
/// (Where the OS gives no thread CPU time, it burns `cpu` of wall time.)
pub fn burn_cpu(cpu: Duration) -> u64 {
    let (start, wall) = (thread_cpu_time(), std::time::Instant::now());
    let used = || match thread_cpu_time().saturating_sub(start) {
        d if cfg!(unix) => d,
        _ => wall.elapsed(),
    };
    let mut x = 0u64;
    while used() < cpu {
        for _ in 0..1_000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    x
}

/// A future that counts how often it is polled (the count is shared, read
/// it from outside): a task that waits without spinning is polled once to
/// start waiting and once more when what it waits for is ready.
pub struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
}

impl<F: Future> CountPolls<F> {
    pub fn new(inner: F) -> (Self, Arc<AtomicUsize>) {
        let polls = Arc::new(AtomicUsize::new(0));
        let counter = CountPolls {
            inner: Box::pin(inner),
            polls: Arc::clone(&polls),
        };
        (counter, polls)
    }
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

/// A future that another thread completes with `value` after `after`:
/// the simplest "I/O finished elsewhere" (the thread starts at first poll).
pub fn value_from_thread<T: Send + 'static>(after: Duration, value: T) -> impl Future<Output = T> {
    type Slot<T> = Arc<Mutex<(Option<T>, Option<Waker>)>>;
    let slot: Slot<T> = Arc::new(Mutex::new((None, None)));
    let mut value = Some(value);
    std::future::poll_fn(move |cx| {
        let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = guard.0.take() {
            return Poll::Ready(v);
        }
        guard.1 = Some(cx.waker().clone());
        if let Some(v) = value.take() {
            let remote = Arc::clone(&slot);
            std::thread::spawn(move || {
                std::thread::sleep(after);
                let mut guard = remote.lock().unwrap_or_else(PoisonError::into_inner);
                guard.0 = Some(v);
                if let Some(waker) = guard.1.take() {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burning_uses_at_least_the_cpu_asked() {
        let before = thread_cpu_time();
        burn_cpu(Duration::from_millis(20));
        assert!(thread_cpu_time() - before >= Duration::from_millis(20));
    }
}
