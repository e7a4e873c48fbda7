//! Timeline: who ran when, drawn as a text Gantt chart.
//!
//! Threads or tasks record spans (a lane, a kind such as CPU work or waiting,
//! a start and an end). At the end the example draws them, one row per lane:
//!
//! ```text
//!        |0                                       100.0 ms|
//! hilo-1 |##########~~~~~~~~~~~~~~~~~~~~##########          |
//! hilo-2 |          ##########~~~~~~~~~~~~~~~~~~~~##########|
//! ```
//!
//! That picture is how a student *sees* concurrency: overlap (two `#` in the
//! same column on different lanes), serialisation behind a lock (`#` taking
//! turns, `.` while waiting for it), and I/O waits (`~`); in distributed
//! work, `x` work lost with its worker and `R` lost work redone.
//!
//! Drawing rule (exact, unit-tested): the chart spans 0..end of the latest
//! span, cut into `columns` equal cells. For each lane and cell, the time each
//! kind covers inside the cell is added up. The kind covering the most shows
//! its symbol if it covers *more than half* the cell; if it covers less (a
//! turn shorter than a column, say), the cell shows `+`: "busy for part of
//! this column". Lost (`x`) and redone (`R`) work are the exception: they
//! show in every cell they cover any of. So nothing vanishes, and two lanes
//! can never both show `#` in one column unless their CPU spans really
//! overlapped in time.
//! Lanes are listed by their first span's start (ties: by name).

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
    /// Work lost: a chunk out at a worker that died or went silent.
    Lost,
    /// Redoing work that was lost elsewhere.
    Redone,
}

impl Kind {
    pub fn symbol(self) -> char {
        match self {
            Kind::Cpu => '#',
            Kind::Io => '~',
            Kind::Waiting => '.',
            Kind::Holding => '=',
            Kind::Lost => 'x',
            Kind::Redone => 'R',
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Kind::Cpu => "CPU work",
            Kind::Io => "waiting for I/O",
            Kind::Waiting => "blocked (waiting for a lock / permit / message)",
            Kind::Holding => "holding a lock / permit",
            Kind::Lost => "work lost with its worker",
            Kind::Redone => "redoing lost work",
        }
    }

    const ALL: [Kind; 6] = [
        Kind::Cpu,
        Kind::Io,
        Kind::Waiting,
        Kind::Holding,
        Kind::Lost,
        Kind::Redone,
    ];
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

/// The symbol for a cell that a lane occupies for half of it or less.
pub const PARTIAL: char = '+';

/// Draws `spans` as a chart `width` characters wide (see the module docs for
/// the exact rule).
pub fn render(spans: &[Span], width: usize) -> String {
    let lanes = lanes_in_order(spans);
    // Long lane names are cut so the chart keeps to `width`.
    let label_width = lanes
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, (width / 3).max(4));
    // "label |cells|": label, space, two bars.
    let columns = width.saturating_sub(label_width + 3).max(10);
    let end = spans.iter().map(|s| s.end).max().unwrap_or_default();

    let mut out = String::new();
    let axis = axis_line(end, columns);
    let _ = writeln!(out, "{:<label_width$} |{axis}|", "");
    let mut used_partial = false;
    for lane in &lanes {
        let lane_spans: Vec<&Span> = spans.iter().filter(|s| s.lane == *lane).collect();
        let row: String = (0..columns)
            .map(|cell| cell_symbol(&lane_spans, cell, columns, end))
            .collect();
        used_partial |= row.contains(PARTIAL);
        let label: String = lane.chars().take(label_width).collect();
        let _ = writeln!(out, "{label:<label_width$} |{row}|");
    }
    let mut legend: Vec<String> = Kind::ALL
        .into_iter()
        .filter(|k| spans.iter().any(|s| s.kind == *k))
        .map(|k| format!("{} {}", k.symbol(), k.describe()))
        .collect();
    if used_partial {
        legend.push(format!("{PARTIAL} busy for half the column or less"));
    }
    let _ = writeln!(
        out,
        "{:<label_width$}  one column = {}; {}",
        "",
        crate::timing::format_duration(cell_duration(end, columns)),
        legend.join(", ")
    );
    out
}

/// Lane names ordered by the start of their first span, then by name.
fn lanes_in_order(spans: &[Span]) -> Vec<&str> {
    let mut first: Vec<(Duration, &str)> = Vec::new();
    for span in spans {
        match first.iter_mut().find(|(_, lane)| *lane == span.lane) {
            Some(entry) => entry.0 = entry.0.min(span.start),
            None => first.push((span.start, &span.lane)),
        }
    }
    first.sort();
    first.into_iter().map(|(_, lane)| lane).collect()
}

fn cell_duration(end: Duration, columns: usize) -> Duration {
    end / columns.max(1) as u32
}

/// The symbol of one lane in one cell (see the module docs).
fn cell_symbol(lane_spans: &[&Span], cell: usize, columns: usize, end: Duration) -> char {
    if end.is_zero() {
        // Every span is an instant at 0: show them in the first cell.
        return match (cell, lane_spans.last()) {
            (0, Some(span)) => span.kind.symbol(),
            _ => ' ',
        };
    }
    let total = end.as_secs_f64();
    let cell_start = cell as f64 * total / columns as f64;
    let cell_end = (cell + 1) as f64 * total / columns as f64;
    let mut best: Option<(f64, Kind)> = None;
    for kind in Kind::ALL {
        let covered: f64 = lane_spans
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| {
                let from = s.start.as_secs_f64().max(cell_start);
                let to = s.end.as_secs_f64().min(cell_end);
                (to - from).max(0.0)
            })
            .sum();
        let touches = lane_spans.iter().any(|s| {
            s.kind == kind && s.start.as_secs_f64() < cell_end && s.end.as_secs_f64() >= cell_start
        });
        if touches && best.is_none_or(|(b, _)| covered > b) {
            best = Some((covered, kind));
        }
        // Lost and redone work are what a reader looks for: they show in
        // every cell they touch, however short (Lost before Redone).
        if covered > 0.0 && matches!(kind, Kind::Lost | Kind::Redone) {
            return kind.symbol();
        }
    }
    match best {
        Some((covered, kind)) if covered > 0.5 * (cell_end - cell_start) => kind.symbol(),
        Some(_) => PARTIAL,
        None => ' ',
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
        assert_eq!(row_b, "b    |        +           |");
        assert!(
            text.contains("+ busy for half the column or less"),
            "{text}"
        );
    }

    #[test]
    fn lanes_are_ordered_by_first_start_then_name() {
        let spans = vec![
            span("late", Kind::Cpu, 5, 10),
            span("zeta", Kind::Cpu, 0, 10),
            span("alfa", Kind::Cpu, 0, 10),
        ];
        let text = render(&spans, 40);
        let lanes: Vec<&str> = text.lines().skip(1).take(3).collect();
        assert!(lanes[0].starts_with("alfa"), "{text}");
        assert!(lanes[1].starts_with("zeta"), "{text}");
        assert!(lanes[2].starts_with("late"), "{text}");
    }

    #[test]
    fn turns_shorter_than_a_column_never_look_parallel() {
        // Two lanes taking strict 1 ms turns for 100 ms, drawn with 5 ms
        // columns: each lane has the CPU for half of every column, so no
        // column may show '#' on both lanes.
        let mut spans = Vec::new();
        for turn in 0..100 {
            let lane = if turn % 2 == 0 { "a" } else { "b" };
            spans.push(span(lane, Kind::Cpu, turn, turn + 1));
        }
        let text = render(&spans, 27);
        let rows: Vec<&str> = text.lines().skip(1).take(2).collect();
        for (x, y) in rows[0].chars().zip(rows[1].chars()).skip(5) {
            assert!(!(x == '#' && y == '#'), "{text}");
        }
        assert!(rows[0].contains(PARTIAL), "{text}");
    }

    #[test]
    fn a_short_span_under_a_long_one_is_not_hidden_by_recording_order() {
        // 1 ms waiting recorded before 99 ms of CPU: in the first 10 ms cell
        // CPU covers most of it and wins, whatever the recording order.
        let spans = vec![span("a", Kind::Waiting, 0, 1), span("a", Kind::Cpu, 1, 100)];
        let text = render(&spans, 17); // label 4 + 10 columns of 10 ms
        assert_eq!(text.lines().nth(1).unwrap(), "a    |##########|");
    }

    #[test]
    fn long_lane_names_are_cut_to_fit() {
        let spans = vec![span(&"x".repeat(100), Kind::Cpu, 0, 10)];
        let text = render(&spans, 40);
        assert!(
            text.lines().take(2).all(|l| l.chars().count() <= 40),
            "{text}"
        );
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

    #[test]
    fn lost_and_redone_work_show_however_short() {
        let ms = Duration::from_millis;
        let span = |kind, start, end| Span {
            lane: "w0".into(),
            kind,
            start: ms(start),
            end: ms(end),
        };
        // 10 columns of 10 ms: a 1 ms redo inside 99 ms of CPU work.
        let spans = [
            span(Kind::Cpu, 0, 50),
            span(Kind::Redone, 50, 51),
            span(Kind::Cpu, 51, 100),
        ];
        let chart = render(&spans, 20);
        let row = chart.lines().nth(1).unwrap();
        assert!(row.contains("#####R####"), "{chart}");
        let spans = [span(Kind::Cpu, 0, 95), span(Kind::Lost, 95, 100)];
        let chart = render(&spans, 20);
        assert!(
            chart.lines().nth(1).unwrap().contains("#########x"),
            "{chart}"
        );
    }
}
