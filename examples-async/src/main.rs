//! The index of examples-async: `cargo run -p examples-async` lists every
//! example, the notes section it ports, and what it shows.
#![forbid(unsafe_code)]

use shared::output::text;

fn main() {
    text(shared::index::render(
        "examples-async",
        "el bucle de eventos (asyncio's event loop) built by hand, then tokio",
        examples_async::EXAMPLES,
    ));
}
