//! The index of examples-sync: `cargo run -p examples-sync` lists every
//! example, the notes section it ports, and what it shows.
#![forbid(unsafe_code)]

use shared::output;

fn main() {
    output::text(shared::index::render(
        "examples-sync",
        "sincronización: Lock, RLock, Semaphore, Event, Condition, Barrier, Queue, in Rust",
        examples_sync::EXAMPLES,
    ));
}
