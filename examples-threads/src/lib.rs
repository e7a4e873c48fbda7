//! examples-threads: hilos (threads) in Rust, beside the notes' Python.
//!
//! The binaries in `src/bin` are the examples; this library holds what they
//! share: the index of examples, the hand-built thread pool ([`pool`]), the
//! simulated GIL ([`gil`]), the Linux `/proc` readers ([`os_threads`]) and the
//! sysfs CPU topology reader ([`topology`]).
#![forbid(unsafe_code)]

pub mod gil;
pub mod os_threads;
pub mod pool;
pub mod topology;

pub use pool::{TaskError, TaskHandle, ThreadPool};
use shared::index::Example;

/// Every example of this crate, in reading order.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "thread_details",
        notes: "002 Hilos (\"Detalles del Hilo\")",
        shows: "process id, live thread count read from the OS, current thread name",
        figures: false,
    },
    Example {
        name: "hello_thread",
        notes: "002 Hilos (\"Multi-Hilos\"), 001, 003 HILOS",
        shows: "spawn starts a hilo, main keeps running, join waits for it",
        figures: false,
    },
    Example {
        name: "thread_args",
        notes: "001 (threading.Thread with args)",
        shows: "arguments by move closures, results back through join, scoped threads borrowing",
        figures: false,
    },
    Example {
        name: "daemon_thread",
        notes: "001 (t.daemon = True)",
        shows: "no daemon flag in Rust: a detached hilo runs until main returns, then is cut",
        figures: false,
    },
    Example {
        name: "thread_anatomy",
        notes: "000 Multithreading (\"Partes de un hilo\")",
        shows: "id, name, stack size, state and context switches of a thread, read from /proc",
        figures: false,
    },
    Example {
        name: "thread_pool",
        notes: "000 Thread pool, 003 concurrent.futures",
        shows: "a pool in plain calls, then submit/result, map, as_completed, wait, and rayon",
        figures: false,
    },
    Example {
        name: "gil_cpu_vs_io",
        notes: "002 El GIL, 003 GIL, 004 GIL",
        shows: "CPU-bound work scales with cores, not behind a simulated GIL; I/O overlaps either way",
        figures: true,
    },
    Example {
        name: "cpu_topology",
        notes: "000 Multiprocessing (\"Multiprocesador / Multinúcleo\")",
        shows: "sockets, cores, hardware threads, the affinity mask; a hilo pinned to one CPU stays there",
        figures: false,
    },
    Example {
        name: "sync_vs_threaded_requests",
        notes: "002 El GIL (requests, \"Sincrono vs Asincrono\")",
        shows: "two blocking HTTP GETs in sequence vs in two hilos, against a local slow server",
        figures: true,
    },
];
