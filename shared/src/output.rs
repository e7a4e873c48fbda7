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

/// The environment variable through which a child process continues its
/// parent's clock: the parent's start on the OS's monotonic clock, in ns.
/// Set it on a child's `Command` with [`clock_env`].
pub const CLOCK_ENV: &str = "CONCURRENCIA_CLOCK_START_NS";

/// The instant the program's clock started: the first call to [`start`],
/// [`elapsed`] or [`say`]. Call it first thing in `main`, so the first line
/// printed is stamped with the time it really took to get there. A child
/// process started with [`clock_env`] continues its parent's clock, so the
/// lines of parent and child can be read in one time order.
pub fn start() -> Instant {
    *START.get_or_init(|| inherited_start().unwrap_or_else(Instant::now))
}

/// `(name, value)` for a child's environment (`command.env(name, value)`),
/// so the child's lines are stamped on this process's clock.
pub fn clock_env() -> (&'static str, String) {
    let now = Instant::now();
    let since_start = now.saturating_duration_since(start());
    let start_ns = monotonic_ns().map_or(0, |ns| ns.saturating_sub(since_start.as_nanos()));
    (CLOCK_ENV, start_ns.to_string())
}

/// The parent's start, if it passed one: `Instant` is the OS's monotonic
/// clock on Linux, which every process on the machine shares.
fn inherited_start() -> Option<Instant> {
    let parent_ns: u128 = std::env::var(CLOCK_ENV).ok()?.parse().ok()?;
    let now = Instant::now();
    let ago = monotonic_ns()?.checked_sub(parent_ns)?;
    // A start more than a day ago is not a parent of ours: ignore it.
    if ago > 86_400 * 1_000_000_000 {
        return None;
    }
    now.checked_sub(Duration::from_nanos(u64::try_from(ago).ok()?))
}

/// Now on CLOCK_MONOTONIC, the clock `Instant` reads on Linux.
fn monotonic_ns() -> Option<u128> {
    #[cfg(target_os = "linux")]
    {
        use nix::time::{ClockId, clock_gettime};
        let spec = clock_gettime(ClockId::CLOCK_MONOTONIC).ok()?;
        Some(spec.tv_sec() as u128 * 1_000_000_000 + spec.tv_nsec() as u128)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
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
    // Take stdout's lock before reading the clock: lines from many hilos then
    // come out in the order of their stamps, and times never go backwards.
    let mut out = std::io::stdout().lock();
    let line = format_line(elapsed(), std::process::id(), who, message.as_ref());
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

/// The closing block every example prints last: `== result ==`, then one
/// `key: value` line each. Tests and the `compare` command read these keys,
/// never the prose above them, so sentences can be reworded freely.
///
/// ```
/// let lost = 0;
/// shared::output::results(&[("lost_updates", &lost), ("max_inside", &3)]);
/// ```
pub fn results(pairs: &[(&str, &dyn std::fmt::Display)]) {
    let mut block = String::from("\n== result ==\n");
    for (key, value) in pairs {
        block.push_str(&format!("{key}: {value}\n"));
    }
    text(block);
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
    fn a_child_continues_the_parents_clock() {
        let _ = start();
        let (name, value) = clock_env();
        assert_eq!(name, CLOCK_ENV);
        let parent_ns: u128 = value.parse().unwrap();
        let now_ns = monotonic_ns().unwrap();
        // Our start, seen from the monotonic clock, is now minus elapsed().
        let expected = now_ns - elapsed().as_nanos();
        assert!(
            parent_ns.abs_diff(expected) < 50_000_000,
            "{parent_ns} vs {expected}"
        );
    }

    #[test]
    fn elapsed_grows() {
        let a = elapsed();
        let b = elapsed();
        assert!(b >= a);
    }
}
