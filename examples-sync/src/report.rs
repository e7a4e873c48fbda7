//! The closing lines of an example, printed so that a stdout closed early
//! (`cargo run --bin queue | head`) ends the example quietly.
//!
//! `println!` panics when stdout is gone ("failed printing to stdout:
//! Broken pipe"): Rust ignores SIGPIPE, so the write fails and `println!`
//! turns the failure into a panic. These write through stdout's lock and
//! drop the error instead, as `shared::output::say` does for the tagged
//! lines: a line nobody is reading is simply lost.

use std::io::Write as _;

/// Prints `text` and a newline; a closed stdout is not an error.
pub fn line(text: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", text.as_ref());
}

/// Prints `text` as it is (a rendered timeline, an index); a closed stdout
/// is not an error.
pub fn text(text: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_ref().as_bytes());
    let _ = out.flush();
}
