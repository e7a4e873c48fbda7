//! Timeline: who ran when, drawn as a text Gantt chart.
//!
//! Threads or tasks record spans (a lane, a kind such as CPU work or waiting,
//! a start and an end). At the end the example draws them, one row per lane:
//!
//! ```text
//! lane      |0 ms                              100 ms|
//! hilo-1    |##########~~~~~~~~~~~~~~~~~~~~##########|
//! hilo-2    |          ##########~~~~~~~~~~~~~~~~~~~~|
//! ```
//!
//! That picture is how a student *sees* concurrency: overlap (two `#` in the
//! same column on different lanes), serialisation behind a lock (`#` taking
//! turns, `.` while waiting for it), and I/O waits (`~`).
//!
//! Drawing rule (exact, unit-tested): the chart spans 0..end of the latest
//! span, cut into `columns` equal cells. A cell shows a span's symbol when
//! the cell's midpoint lies inside the span; a span too short to contain any
//! midpoint still marks the cell where it starts, so nothing vanishes.
//! Where two spans of one lane claim a cell, the later-recorded one wins.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What a thread or task was doing during a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Running on a CPU, computing.
    Cpu,
    /// Waiting for I/O (a socket, a sleep standing for a request).
    Io,
    /// Blocked, waiting to get a lock, a permit, a message.
    Waiting,
    /// Holding a lock or a permit (inside the critical section).
    Holding,
}

impl Kind {
    pub fn symbol(self) -> char {
        match self {
            Kind::Cpu => '#',
            Kind::Io => '~',
            Kind::Waiting => '.',
            Kind::Holding => '=',
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Kind::Cpu => "CPU work",
            Kind::Io => "waiting for I/O",
            Kind::Waiting => "blocked (waiting for a lock / permit / message)",
            Kind::Holding => "holding a lock / permit",
        }
    }

    const ALL: [Kind; 4] = [Kind::Cpu, Kind::Io, Kind::Waiting, Kind::Holding];
}

/// One recorded span, times relative to the timeline's origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub lane: String,
    pub kind: Kind,
    pub start: Duration,
    pub end: Duration,
}

/// A shared recorder of spans. Cheap to clone (an `Arc` inside); every clone
/// records into the same timeline.
#[derive(Debug, Clone)]
pub struct Timeline {
    origin: Instant,
    spans: Arc<Mutex<Vec<Span>>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Timeline {
    /// A new timeline whose time 0 is now.
    pub fn new() -> Self {
        Timeline {
            origin: Instant::now(),
            spans: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Records a span between two instants (clamped to the origin).
    pub fn record(&self, lane: &str, kind: Kind, start: Instant, end: Instant) {
        let span = Span {
            lane: lane.to_string(),
            kind,
            start: start.saturating_duration_since(self.origin),
            end: end.saturating_duration_since(self.origin),
        };
        self.push(span);
    }

    /// Records a span given as offsets from the origin (used by tests and by
    /// code that already works in offsets).
    pub fn push(&self, span: Span) {
        // A panic elsewhere must not hide the timeline: ignore poisoning.
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(span);
    }

    /// Runs `f`, recording it as one span of `kind` on `lane`.
    pub fn span<T>(&self, lane: &str, kind: Kind, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let value = f();
        self.record(lane, kind, start, Instant::now());
        value
    }

    /// Starts a span that is recorded when the returned guard is dropped.
    pub fn begin(&self, lane: &str, kind: Kind) -> SpanGuard {
        SpanGuard {
            timeline: self.clone(),
            lane: lane.to_string(),
            kind,
            start: Instant::now(),
        }
    }

    /// Every span recorded so far, in recording order.
    pub fn spans(&self) -> Vec<Span> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The most spans of `kind` that were open at the same instant, over all
    /// lanes: "how many threads held the permit at once".
    pub fn max_overlap(&self, kind: Kind) -> usize {
        max_overlap(&self.spans(), kind)
    }

    /// Draws the chart to fit `width` terminal columns.
    pub fn render(&self, width: usize) -> String {
        render(&self.spans(), width)
    }
}

/// Records its span when dropped (see [`Timeline::begin`]).
#[derive(Debug)]
pub struct SpanGuard {
    timeline: Timeline,
    lane: String,
    kind: Kind,
    start: Instant,
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        self.timeline
            .record(&self.lane, self.kind, self.start, Instant::now());
    }
}

/// The width to draw at: `$COLUMNS` if set and sensible, else 80.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&w| w >= 40)
        .unwrap_or(80)
}

/// The most spans of `kind` open at once. A span ending exactly when another
/// starts does not overlap it.
pub fn max_overlap(spans: &[Span], kind: Kind) -> usize {
    let mut events: Vec<(Duration, i32)> = Vec::new();
    for span in spans.iter().filter(|s| s.kind == kind) {
        events.push((span.start, 1));
        events.push((span.end, -1));
    }
    // Ends sort before starts at the same instant (-1 < 1).
    events.sort();
    let mut open = 0i32;
    let mut most = 0i32;
    for (_, delta) in events {
        open += delta;
        most = most.max(open);
    }
    most as usize
}

/// Draws `spans` as a chart `width` characters wide (see the module docs for
/// the exact rule). Lanes appear in the order their first span was recorded.
pub fn render(spans: &[Span], width: usize) -> String {
    let mut lanes: Vec<&str> = Vec::new();
    for span in spans {
        if !lanes.contains(&span.lane.as_str()) {
            lanes.push(&span.lane);
        }
    }
    let label_width = lanes
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    // "label |cells|": label, space, two bars.
    let columns = width.saturating_sub(label_width + 3).max(10);
    let end = spans.iter().map(|s| s.end).max().unwrap_or_default();

    let mut out = String::new();
    let axis = axis_line(end, columns);
    let _ = writeln!(out, "{:<label_width$} |{axis}|", "");
    for lane in &lanes {
        let mut cells = vec![' '; columns];
        for span in spans.iter().filter(|s| s.lane == *lane) {
            paint(&mut cells, span, end, columns);
        }
        let row: String = cells.into_iter().collect();
        let _ = writeln!(out, "{lane:<label_width$} |{row}|");
    }
    let used: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| spans.iter().any(|s| s.kind == *k))
        .collect();
    let legend: Vec<String> = used
        .iter()
        .map(|k| format!("{} {}", k.symbol(), k.describe()))
        .collect();
    let _ = writeln!(
        out,
        "{:<label_width$}  one column = {}; {}",
        "",
        crate::timing::format_duration(cell_duration(end, columns)),
        legend.join(", ")
    );
    out
}

fn cell_duration(end: Duration, columns: usize) -> Duration {
    end / columns.max(1) as u32
}

/// Marks the cells of `cells` that `span` covers.
fn paint(cells: &mut [char], span: &Span, end: Duration, columns: usize) {
    if end.is_zero() {
        cells[0] = span.kind.symbol();
        return;
    }
    let total = end.as_secs_f64();
    let start = span.start.as_secs_f64();
    let stop = span.end.as_secs_f64();
    let mut painted = false;
    for (i, cell) in cells.iter_mut().enumerate() {
        let midpoint = (i as f64 + 0.5) * total / columns as f64;
        if midpoint >= start && midpoint < stop {
            *cell = span.kind.symbol();
            painted = true;
        }
    }
    if !painted {
        let i = ((start / total) * columns as f64) as usize;
        cells[i.min(columns - 1)] = span.kind.symbol();
    }
}

/// "0 ms" at the left, the end time at the right, padded to `columns`.
fn axis_line(end: Duration, columns: usize) -> String {
    let left = "0";
    let right = crate::timing::format_duration(end);
    let gap = columns.saturating_sub(left.len() + right.chars().count());
    let line = format!("{left}{}{right}", " ".repeat(gap));
    line.chars().take(columns).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn span(lane: &str, kind: Kind, start: u64, end: u64) -> Span {
        Span {
            lane: lane.into(),
            kind,
            start: ms(start),
            end: ms(end),
        }
    }

    #[test]
    fn draws_a_fixed_set_of_spans_exactly() {
        // Two threads taking turns: cpu, then I/O, on a 100 ms axis, 20 columns
        // (each 5 ms wide): width 29 = label 6 + " |" + 20 cells + "|".
        let spans = vec![
            span("hilo-1", Kind::Cpu, 0, 50),
            span("hilo-1", Kind::Io, 50, 100),
            span("hilo-2", Kind::Waiting, 0, 50),
            span("hilo-2", Kind::Cpu, 50, 100),
        ];
        let text = render(&spans, 29);
        let expected = [
            "       |0           100.0 ms|",
            "hilo-1 |##########~~~~~~~~~~|",
            "hilo-2 |..........##########|",
            "        one column = 5.0 ms; # CPU work, ~ waiting for I/O, \
             . blocked (waiting for a lock / permit / message)",
            "",
        ]
        .join("\n");
        assert_eq!(text, expected);
    }

    #[test]
    fn a_tiny_span_still_shows() {
        let spans = vec![
            span("a", Kind::Cpu, 0, 100),
            span("b", Kind::Holding, 41, 42),
        ];
        let text = render(&spans, 27); // label 4 + " |" + 20 columns of 5 ms + "|"
        let row_b = text.lines().nth(2).unwrap();
        assert_eq!(row_b, "b    |        =           |");
    }

    #[test]
    fn lanes_keep_recording_order() {
        let spans = vec![
            span("zeta", Kind::Cpu, 0, 10),
            span("alfa", Kind::Cpu, 0, 10),
        ];
        let text = render(&spans, 40);
        let lanes: Vec<&str> = text.lines().skip(1).take(2).collect();
        assert!(lanes[0].starts_with("zeta"));
        assert!(lanes[1].starts_with("alfa"));
    }

    #[test]
    fn overlap_counts_concurrent_spans_only() {
        let spans = vec![
            span("a", Kind::Holding, 0, 10),
            span("b", Kind::Holding, 5, 15),
            span("c", Kind::Holding, 10, 20), // starts as a ends: not 3
            span("d", Kind::Cpu, 0, 20),      // other kind: ignored
        ];
        assert_eq!(max_overlap(&spans, Kind::Holding), 2);
        assert_eq!(max_overlap(&spans, Kind::Io), 0);
    }

    #[test]
    fn recording_from_threads_and_guards() {
        let timeline = Timeline::new();
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let t = timeline.clone();
                std::thread::spawn(move || {
                    let _guard = t.begin(&format!("t{i}"), Kind::Cpu);
                    t.span(&format!("t{i}"), Kind::Io, || i * 2)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results, vec![0, 2, 4, 6]);
        assert_eq!(timeline.spans().len(), 8);
    }

    #[test]
    fn empty_timeline_renders_without_panicking() {
        let text = render(&[], 80);
        assert!(text.contains("one column"));
    }
}
