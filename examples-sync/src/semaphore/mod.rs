//! Semáforo, built in versions:
//!
//! - [`s1_minimal`]: a `Mutex<usize>` and a `Condvar`, Python's
//!   `threading.Semaphore` in a dozen lines: `acquire` waits while the
//!   count is 0, `release` adds one and wakes one waiter.
//! - [`s2_permits`]: what the library adds: a [`Permit`] guard that
//!   releases on drop (the `with` block), `try_acquire` and
//!   `acquire_timeout` returning values, a skipped wake-up when nobody
//!   sleeps, and [`BoundedSemaphore`], which refuses an extra release.

pub mod s1_minimal;
pub mod s2_permits;

pub use s2_permits::{BoundedSemaphore, Permit, Semaphore, TooManyReleases};
