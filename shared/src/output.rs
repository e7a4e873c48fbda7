//! Output: one line format for every example.
//!
//! ```text
//! [   12.345 ms] pid 4242  main         | hello from the hilo principal
//! ```
//!
//! Elapsed time since the program's first line, the process id, the name of
//! the thread (or a task name given by the caller), and the message. A line is
//! built whole and written with one call under stdout's lock, so lines from
//! many threads never interleave mid-line (their order still depends on the
//! scheduler, which is the point of most examples).

use std::io::Write as _;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static START: OnceLock<Instant> = OnceLock::new();

/// The instant the program's clock started: the first call to [`start`],
/// [`elapsed`] or [`say`].
pub fn start() -> Instant {
    *START.get_or_init(Instant::now)
}

/// Time since [`start`].
pub fn elapsed() -> Duration {
    start().elapsed()
}

/// The current thread's name, or `thread-<id>` for an unnamed thread.
pub fn thread_name() -> String {
    let current = std::thread::current();
    match current.name() {
        Some(name) => name.to_string(),
        None => format!("{:?}", current.id())
            .replace("ThreadId(", "thread-")
            .replace(')', ""),
    }
}

/// Formats a line without printing it (used by [`say`]; handy in tests).
pub fn format_line(elapsed: Duration, pid: u32, who: &str, message: &str) -> String {
    let ms = elapsed.as_secs_f64() * 1_000.0;
    format!("[{ms:>10.3} ms] pid {pid:<6} {who:<12} | {message}")
}

/// Prints `message` tagged with elapsed time, pid and the current thread's name.
pub fn say(message: impl AsRef<str>) {
    say_as(&thread_name(), message);
}

/// Prints `message` tagged as coming from `who` (a task, a worker id...).
pub fn say_as(who: &str, message: impl AsRef<str>) {
    let line = format_line(elapsed(), std::process::id(), who, message.as_ref());
    let mut out = std::io::stdout().lock();
    // A closed stdout (the reader went away, e.g. `| head`) is not an error
    // worth a panic in an example: the line is simply lost.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Prints a plain line, untagged (tables, closing sentences). Unlike
/// `println!`, a closed stdout (`cargo run ... | head`) is not a panic: Rust
/// ignores SIGPIPE, so the write fails, and `println!` would turn that
/// failure into "failed printing to stdout: Broken pipe". Here the line is
/// simply lost, as nobody is reading.
pub fn line(text: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", text.as_ref());
}

/// Prints `text` as it is (a rendered table or chart that ends in its own
/// newline); a closed stdout is not an error, as for [`line`].
pub fn text(text: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_ref().as_bytes());
    let _ = out.flush();
}

/// A section title, so long outputs read as chapters.
pub fn heading(title: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\n== {title} ==");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_has_every_field() {
        let line = format_line(Duration::from_micros(12_345), 4242, "main", "hola");
        assert_eq!(line, "[    12.345 ms] pid 4242   main         | hola");
    }

    #[test]
    fn named_threads_are_named() {
        let name = std::thread::Builder::new()
            .name("trabajador-1".into())
            .spawn(thread_name)
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(name, "trabajador-1");
    }

    #[test]
    fn unnamed_threads_get_their_id() {
        let name = std::thread::spawn(thread_name).join().unwrap();
        assert!(name.starts_with("thread-"), "{name}");
    }

    #[test]
    fn elapsed_grows() {
        let a = elapsed();
        let b = elapsed();
        assert!(b >= a);
    }
}
