//! The index of examples-processes: `cargo run -p examples-processes` lists
//! every example, the notes section it ports, and what it shows.
#![forbid(unsafe_code)]

fn main() {
    print!(
        "{}",
        shared::index::render(
            "examples-processes",
            "procesos (multiprocessing): Process, Pool, Manager, Queue, Pipe, shared memory, in Rust",
            examples_processes::EXAMPLES,
        )
    );
}
