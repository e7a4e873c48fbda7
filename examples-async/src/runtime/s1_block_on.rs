//! Step 1: `block_on`, the smallest executor: poll one future, and while it
//! is pending, park the thread until its waker unparks it.
//!
//! A future is polled; `Poll::Pending` means "not yet, and I have given your
//! waker to whoever will finish me". The waker here is the thread itself:
//! `wake()` is `Thread::unpark`. So while the future waits the thread sleeps
//! in the kernel (no spinning, no CPU), exactly as asyncio's loop sleeps in
//! its selector when no task is ready.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// A waker that unparks the thread that is blocked on the future.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread, sleeping while it is pending.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(value) => return value,
            // Sleeps until unpark (it may also return spuriously: then we
            // simply poll again, which every future must tolerate).
            Poll::Pending => thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{CountPolls, thread_cpu_time, value_from_thread};
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    #[test]
    fn returns_a_ready_value_at_once() {
        assert_eq!(block_on(async { 7 }), 7);
    }

    #[test]
    fn sleeps_while_pending_instead_of_spinning() {
        let (future, polls) = CountPolls::new(value_from_thread(Duration::from_millis(200), 42));
        let cpu = thread_cpu_time();
        let started = Instant::now();
        assert_eq!(block_on(future), 42);
        let (wall, cpu) = (started.elapsed(), thread_cpu_time() - cpu);
        assert!(wall >= Duration::from_millis(200));
        // Spinning would poll millions of times; parking polls twice (a
        // spurious unpark could add one or two).
        assert!(polls.load(Ordering::SeqCst) <= 4, "{polls:?}");
        assert!(cpu < wall / 20, "cpu {cpu:?} of wall {wall:?}");
    }
}
