//! Process hygiene for tests (owned by the supervisor helper; API fixed, body being written).
//!
//! API the tests of this crate use (implement exactly these):
//! - `pub fn become_subreaper() -> std::io::Result<()>`: PR_SET_CHILD_SUBREAPER on this process, so an example's
//!   orphaned descendants are re-parented here instead of to init, where a test can see them.
//! - `pub struct Leftovers { pub alive: Vec<i32>, pub zombies: Vec<i32> }` with `is_clean(&self) -> bool`.
//! - `pub fn leftover_children() -> Leftovers`: this process's children, read from /proc (ppid == our pid).
//! - `pub fn reap_all_children(deadline: std::time::Duration) -> Leftovers`: SIGKILL and reap whatever is left,
//!   returning what was found (so a failing test still cleans up).
