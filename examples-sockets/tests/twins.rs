//! The Python twins of this crate's examples (python/sockets/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

#[path = "../../compare/src/twin.rs"]
mod twin;

use twin::{Agreement, check};

#[test]
fn tcp_echo_threaded() {
    let (python, _) = check(
        "sockets/tcp_echo_threaded.py",
        env!("CARGO_BIN_EXE_tcp_echo_threaded"),
        &["--few", "3", "--many", "20"],
        Agreement {
            own: &[],
            agree: &[("peak_connections", "peak_connections"), ("lines", "lines")],
        },
    );
    // A thread per connection: 17 more connections, at least 17 more threads.
    assert!(
        python.run.int("threads_at_many") >= python.run.int("threads_at_few") + 17,
        "{}",
        python.run
    );
}
