//! Timing: a stopwatch, `timed`, CPU time, and the "which is faster" table.
//!
//! Every example that compares two ways of doing the same work measures wall
//! time (what a clock on the wall sees) and CPU time (how long the process's
//! threads were actually running on a core, summed over every core). Their
//! ratio tells the story: CPU time above wall time means several cores were
//! busy at once (parallelism); wall time far above CPU time means the process
//! was mostly waiting (I/O, sleeps, a lock).
//!
//! Results are checked before a time is shown: a [`Comparison`] row whose
//! result was wrong prints "WRONG RESULT" instead of a figure, because a fast
//! wrong answer is not a speed-up.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// A stopwatch started at creation.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    start: Instant,
}

impl Stopwatch {
    /// Starts a new stopwatch now.
    pub fn start() -> Self {
        Stopwatch {
            start: Instant::now(),
        }
    }

    /// Time since the stopwatch started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The instant it started, for code that records its own spans.
    pub fn started_at(&self) -> Instant {
        self.start
    }
}

/// Runs `f` and returns its result with the wall time it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let watch = Stopwatch::start();
    let value = f();
    (value, watch.elapsed())
}

/// CPU time used so far by this whole process (all its threads, user +
/// system), or `None` where the OS does not tell us.
pub fn process_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        // The kernel's exact per-process CPU clock (getrusage is sampled at
        // timer ticks on many kernels: too coarse for millisecond jobs).
        use nix::time::{ClockId, clock_gettime};
        let spec = clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID).ok()?;
        Some(Duration::new(spec.tv_sec() as u64, spec.tv_nsec() as u32))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Wall and CPU time of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub label: String,
    pub wall: Duration,
    /// `None` where the OS does not report CPU time.
    pub cpu: Option<Duration>,
}

/// Runs `f`, measuring its wall time and the CPU time the process used
/// meanwhile. CPU time is process-wide: measure one thing at a time.
pub fn measure<T>(label: &str, f: impl FnOnce() -> T) -> (T, Measurement) {
    let cpu_before = process_cpu_time();
    let (value, wall) = timed(f);
    let cpu = match (cpu_before, process_cpu_time()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    let measurement = Measurement {
        label: label.to_string(),
        wall,
        cpu,
    };
    (value, measurement)
}

/// One row of a [`Comparison`]: a measurement and whether its result was right.
#[derive(Debug, Clone)]
struct Row {
    measurement: Measurement,
    correct: bool,
}

/// A table comparing ways of doing the same job: wall time, CPU time, and the
/// speed-up against the first row (the baseline).
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    rows: Vec<Row>,
}

impl Comparison {
    pub fn new() -> Self {
        Comparison::default()
    }

    /// Adds a row, checking the result first: `actual` must equal `expected`
    /// or the row shows "WRONG RESULT" instead of its times.
    pub fn add_checked<T: PartialEq>(
        &mut self,
        measurement: Measurement,
        actual: &T,
        expected: &T,
    ) {
        self.rows.push(Row {
            measurement,
            correct: actual == expected,
        });
    }

    /// True when every row's result was right.
    pub fn all_correct(&self) -> bool {
        self.rows.iter().all(|row| row.correct)
    }

    /// Speed-up of the row named `label` against the first row
    /// (baseline wall time / this wall time). `None` if absent or wrong.
    pub fn speedup(&self, label: &str) -> Option<f64> {
        let base = self.rows.first()?;
        let row = self.rows.iter().find(|r| r.measurement.label == label)?;
        if !row.correct || !base.correct {
            return None;
        }
        Some(ratio(base.measurement.wall, row.measurement.wall))
    }

    /// Draws the table. CPU/wall above 1.0 means more than one core was busy.
    pub fn render(&self) -> String {
        let width = self
            .rows
            .iter()
            .map(|r| r.measurement.label.chars().count())
            .max()
            .unwrap_or(0)
            .max("how".len());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<width$}  {:>10}  {:>10}  {:>8}  {:>8}",
            "how", "wall", "cpu", "cpu/wall", "speed-up"
        );
        // Speed-ups against a wrong baseline would mean nothing: n/a then.
        let base_wall = self
            .rows
            .first()
            .filter(|r| r.correct)
            .map(|r| r.measurement.wall);
        for row in &self.rows {
            let m = &row.measurement;
            if !row.correct {
                let _ = writeln!(out, "{:<width$}  WRONG RESULT: time not shown", m.label);
                continue;
            }
            let cpu = m.cpu.map(format_duration).unwrap_or_else(|| "n/a".into());
            let busy = m
                .cpu
                .map(|c| format!("{:.2}", ratio(c, m.wall)))
                .unwrap_or_else(|| "n/a".into());
            let speedup = base_wall
                .map(|b| format!("{:.2}x", ratio(b, m.wall)))
                .unwrap_or_else(|| "n/a".into());
            let _ = writeln!(
                out,
                "{:<width$}  {:>10}  {:>10}  {:>8}  {:>8}",
                m.label,
                format_duration(m.wall),
                cpu,
                busy,
                speedup
            );
        }
        out
    }
}

/// `numerator / denominator` as f64 seconds, guarding against zero.
pub fn ratio(numerator: Duration, denominator: Duration) -> f64 {
    let d = denominator.as_secs_f64();
    if d == 0.0 {
        return f64::INFINITY;
    }
    numerator.as_secs_f64() / d
}

/// A duration in the unit that reads best: "850 µs", "12.3 ms", "1.42 s".
pub fn format_duration(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1_000.0 {
        format!("{micros:.0} µs")
    } else if micros < 1_000_000.0 {
        format!("{:.1} ms", micros / 1_000.0)
    } else {
        format!("{:.2} s", micros / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(label: &str, wall_ms: u64, cpu_ms: u64) -> Measurement {
        Measurement {
            label: label.into(),
            wall: Duration::from_millis(wall_ms),
            cpu: Some(Duration::from_millis(cpu_ms)),
        }
    }

    #[test]
    fn timed_returns_value_and_a_duration() {
        let (v, d) = timed(|| 6 * 7);
        assert_eq!(v, 42);
        assert!(d < Duration::from_secs(5));
    }

    #[test]
    fn formats_in_readable_units() {
        assert_eq!(format_duration(Duration::from_micros(850)), "850 µs");
        assert_eq!(format_duration(Duration::from_micros(12_340)), "12.3 ms");
        assert_eq!(format_duration(Duration::from_millis(1_420)), "1.42 s");
    }

    #[test]
    fn comparison_shows_speedup_against_first_row() {
        let mut c = Comparison::new();
        c.add_checked(m("1 thread", 100, 100), &5, &5);
        c.add_checked(m("2 threads", 50, 100), &5, &5);
        assert_eq!(c.speedup("2 threads"), Some(2.0));
        let text = c.render();
        assert!(text.contains("2.00x"), "{text}");
        // 100 ms of CPU in 50 ms of wall time: two cores busy, cpu/wall 2.00.
        let row = text.lines().find(|l| l.starts_with("2 threads")).unwrap();
        assert!(row.contains(" 2.00 "), "{row}");
        assert!(text.contains("100.0 ms"), "{text}");
        assert!(c.all_correct());
    }

    #[test]
    fn wrong_result_hides_the_time() {
        let mut c = Comparison::new();
        c.add_checked(m("right", 100, 100), &5, &5);
        c.add_checked(m("fast but wrong", 1, 1), &4, &5);
        let text = c.render();
        assert!(text.contains("fast but wrong  WRONG RESULT"), "{text}");
        assert!(!text.contains("1.0 ms"), "{text}");
        assert_eq!(c.speedup("fast but wrong"), None);
        assert!(!c.all_correct());
    }

    #[test]
    fn no_speedups_against_a_wrong_baseline() {
        let mut c = Comparison::new();
        c.add_checked(m("wrong baseline", 100, 100), &4, &5);
        c.add_checked(m("right", 50, 50), &5, &5);
        let text = c.render();
        let row = text.lines().find(|l| l.starts_with("right")).unwrap();
        assert!(row.ends_with("n/a"), "{text}");
        assert_eq!(c.speedup("right"), None);
    }

    #[test]
    fn cpu_time_grows_when_we_compute() {
        let Some(before) = process_cpu_time() else {
            return; // not reported on this OS
        };
        let mut x = 0u64;
        let watch = Stopwatch::start();
        while watch.elapsed() < Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let after = process_cpu_time().unwrap();
        assert!(
            after > before,
            "cpu time did not grow: {before:?} -> {after:?}"
        );
    }
}
