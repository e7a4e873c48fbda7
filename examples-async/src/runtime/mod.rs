//! An async runtime built by hand, in versions (read them in order):
//!
//! - [`s1_block_on`]: poll one future; park the thread while it is pending.
//! - [`s2_executor`]: many tasks: `spawn`, a run queue, wakers that requeue
//!   their task, a `JoinHandle` to await; a panicking task is caught.
//! - [`s3_reactor`] (Linux): the loop sleeps in epoll instead of parking:
//!   sockets, timers and an eventfd wake it; its own `sleep`, `TcpListener`
//!   and `TcpStream`. The examples and the benchmark use this last version.
//!
//! tokio does the same, and much more (a multi-threaded scheduler with work
//! stealing, a timer wheel, cooperative budgeting, io_uring-free portability
//! through mio). This one stays a few hundred lines, to be read.

pub mod s1_block_on;
pub mod s2_executor;
#[cfg(target_os = "linux")]
pub mod s3_reactor;
