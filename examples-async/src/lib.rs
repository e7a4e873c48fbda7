//! examples-async: asyncio's bucle de eventos in Rust, beside the notes' Python.
//!
//! The binaries in `src/bin` are the examples; this library holds the async
//! runtime they build by hand, in versions ([`runtime`]: `s1_block_on`,
//! `s2_executor`, `s3_reactor`), and the small harness the examples share
//! ([`harness`]: CPU time of a thread, a busy CPU job, a poll counter).
#![forbid(unsafe_code)] // even epoll: nix wraps it safely

pub mod harness;
pub mod runtime;

use shared::index::Example;

/// Every example of this crate, in reading order.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "message_loop",
        notes: "002 Como funciona un Event Loop? (deque)",
        shows: "the notes' deque loop spins when empty (and pop() takes the newest); a loop sleeping on a channel uses no CPU",
        figures: false,
    },
    Example {
        name: "event_loop_from_scratch",
        notes: "002 Como funciona un Event Loop?, Sockets como ejemplo",
        shows: "the hand-built runtime (executor + epoll reactor) turning: every poll, every epoll wake-up and what woke it",
        figures: false,
    },
    Example {
        name: "three_tasks",
        notes: "002 Como funciona un Event Loop? (make_request x3)",
        shows: "CPU setup, I/O wait, CPU post-processing in three tasks: the waits overlap, the CPU parts never do",
        figures: true,
    },
    Example {
        name: "coroutines",
        notes: "002 asyncio, 003 concurrent.futures",
        shows: "tokio with asyncio's names: create_task, gather, as_completed, wait, wait_for, cancel",
        figures: false,
    },
    Example {
        name: "blocking_the_loop",
        notes: "002 El GIL para CPU-Bound y I/O-Bound, 003",
        shows: "CPU work inside the loop makes a 10 ms ticker late; spawn_blocking and rayon keep it on time",
        figures: true,
    },
    Example {
        name: "async_requests",
        notes: "002 El GIL (requests, \"Sincrono vs Asincrono\")",
        shows: "many concurrent GETs with reqwest, a semaphore bounding those in flight, vs one after another",
        figures: true,
    },
];
