//! examples-processes: procesos in Rust, beside the notes' Python multiprocessing.
//!
//! The binaries in `src/bin` are the examples; this library holds what they
//! share: the one process harness ([`child`]: roles of a re-executed child,
//! die-with-parent, signals, the shutdown `Event`, deadlines, temp paths),
//! a process pool ([`pool`]), a Manager-style process server ([`manager`]),
//! shared memory with a cross-process lock ([`shmem`]), a file mapped into
//! two processes ([`mapped`]), the FIFO's open/read traps ([`fifo`]),
//! serialised values framed on a pipe or socket ([`wire`]), a
//! cotyledon-style supervisor ([`supervisor`]) and the process-hygiene
//! checks the tests use ([`hygiene`]).
//!
//! Every module forbids `unsafe` (`#![forbid(unsafe_code)]` at its top)
//! except three, which say why at theirs: [`child`] (`fork` and `_exit`),
//! [`shmem`] and [`mapped`] (raw pointers into a shared mapping).

pub mod child;
pub mod fifo;
pub mod hygiene;
pub mod manager;
pub mod mapped;
pub mod pool;
pub mod shmem;
pub mod supervisor;
pub mod wire;

use shared::index::Example;

/// Every example of this crate, in reading order.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "process_hello",
        notes: "002 Procesos, 003 Process",
        shows: "a child proceso says hello with its pid; start by re-exec (\"spawn\") and by fork",
        figures: true,
    },
    Example {
        name: "process_context",
        notes: "000 Datos entre los procesos",
        shows: "each proceso has its own context: the child's change is not seen by the parent",
        figures: false,
    },
    Example {
        name: "pool_map",
        notes: "003 Pool map/starmap, 001 Pool",
        shows: "a pool of worker procesos: map and starmap in input order, beside rayon threads",
        figures: true,
    },
    Example {
        name: "manager_list",
        notes: "000 Servidor de procesos, 001 Manager",
        shows: "a process server owning a list, 8 workers appending sums via proxies; proxy latency",
        figures: true,
    },
    Example {
        name: "process_queue",
        notes: "000 Queue, 003 Queue",
        shows: "a queue between procesos (ipc-channel): producer, consumer, shutdown by sentinel",
        figures: false,
    },
    Example {
        name: "pipe",
        notes: "000 Pipe, 003, 004 (pipes)",
        shows: "one-way OS pipe and duplex socket pair between procesos; round-trip latency",
        figures: true,
    },
    Example {
        name: "shared_memory",
        notes: "000 Memoria compartida, 003 Value / Array",
        shows: "Value and Array in mmap(MAP_SHARED): lost updates, atomics, a cross-process lock",
        figures: false,
    },
    Example {
        name: "mmap_file",
        notes: "004 (memory mapped regions)",
        shows: "a file mapped into two procesos: one writes, the other reads",
        figures: false,
    },
    Example {
        name: "fifo",
        notes: "004 (FIFO)",
        shows: "a named pipe between two procesos",
        figures: false,
    },
    Example {
        name: "subprocess_pipes",
        notes: "004 (subprocess + pickle)",
        shows: "a child program over stdin/stdout with serde messages; a malformed one gets a clear error",
        figures: false,
    },
    Example {
        name: "supervisor",
        notes: "001 Cotyledon",
        shows: "a master proceso running N workers, restarting crashed ones, stopping on SIGTERM/SIGINT",
        figures: false,
    },
];
