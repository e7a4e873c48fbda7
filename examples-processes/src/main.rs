//! The index of examples-processes: `cargo run -p examples-processes` lists
//! every example, the notes section it ports, and what it shows.
#![forbid(unsafe_code)]

use shared::output::text;

fn main() {
    text(shared::index::render(
        "examples-processes",
        "procesos (multiprocessing): Process, Pool, Manager, Queue, Pipe, shared memory, in Rust",
        examples_processes::EXAMPLES,
    ));
}
