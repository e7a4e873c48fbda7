//! The index of examples-threads: `cargo run -p examples-threads` lists every
//! example, the notes section it ports, and what it shows.
#![forbid(unsafe_code)]

use shared::output::text;

fn main() -> anyhow::Result<()> {
    shared::output::start();
    text(shared::index::render(
        "examples-threads",
        "hilos (threads), concurrent.futures and the GIL, in Rust",
        examples_threads::EXAMPLES,
    ));
    Ok(())
}
