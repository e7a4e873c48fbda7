//! The index of examples-sockets: `cargo run -p examples-sockets` lists every
//! example, the notes section it ports, and what it shows.
#![forbid(unsafe_code)]

use shared::output::text;

fn main() {
    text(shared::index::render(
        "examples-sockets",
        "sockets, the buzón, epoll and tokio servers, in Rust",
        examples_sockets::EXAMPLES,
    ));
}
