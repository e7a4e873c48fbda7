//! The topics `compare` measures: for each, a Python twin (`python/`), the
//! Rust example it twins, the flags both get (full and small), the keys that
//! must agree before a figure is shown, and the figures, grouped by the notes'
//! claims. The table renders as text or Markdown (the README's figures).

use std::collections::BTreeMap;

/// How a topic is run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Drive {
    /// Run the twin and the Rust binary with the same flags.
    Same,
    /// Both are echo servers (`--serve --port 0`), driven by the same load
    /// client (examples-sockets' `echo_load`) with the flags given.
    EchoServer,
}

/// One figure of a topic: a label, and the key on each side. `RUN_MS` is the
/// whole run's wall time measured by compare (interpreter start included).
pub struct Figure {
    pub label: &'static str,
    pub python: &'static str,
    pub rust: &'static str,
}

/// The whole run's wall time, measured by `compare`, for topics whose
/// examples print no timing of their own.
pub const RUN_MS: &str = "run_ms";

pub struct Topic {
    pub name: &'static str,
    /// The notes' claim this topic measures (the table's group).
    pub claim: &'static str,
    pub krate: &'static str,
    pub bin: &'static str,
    /// Path under `python/`.
    pub twin: &'static str,
    pub drive: Drive,
    pub full: &'static [&'static str],
    pub small: &'static [&'static str],
    /// The twin's keys the Rust side has no twin of.
    pub own: &'static [&'static str],
    /// (python key, rust key) pairs that must be equal.
    pub agree: &'static [(&'static str, &'static str)],
    pub figures: &'static [Figure],
    /// What the group shows, from the two result sets (python, rust).
    pub says: fn(&Results, &Results) -> String,
}

pub type Results = BTreeMap<String, String>;

fn get<'a>(r: &'a Results, key: &str) -> &'a str {
    r.get(key).map_or("?", String::as_str)
}

const fn fig(label: &'static str, python: &'static str, rust: &'static str) -> Figure {
    Figure {
        label,
        python,
        rust,
    }
}

pub const TOPICS: &[Topic] = &[
    Topic {
        name: "cpu",
        claim: "The notes' CPU job on one thread: the interpreter, not concurrency (notes 001, 002)",
        krate: "examples-threads",
        bin: "gil_cpu_vs_io",
        twin: "threads/gil_cpu_vs_io.py",
        drive: Drive::Same,
        // One hilo: the job (8 x the sum of 1,000,000 random ints) runs three
        // times in a row (sequential, "free", behind the lock), I/O part tiny.
        full: &["--threads", "1", "--io-tasks", "1", "--io-ms", "1"],
        small: &[
            "--threads",
            "1",
            "--jobs",
            "2",
            "--n",
            "20000",
            "--io-tasks",
            "1",
            "--io-ms",
            "1",
        ],
        own: &[],
        agree: &[("correct", "correct"), ("threads", "threads")],
        figures: &[fig(
            "the job 3 times on one thread, whole run (ms)",
            RUN_MS,
            RUN_MS,
        )],
        says: |p, r| {
            format!(
                "the same sums on one thread: {} ms in Python, {} ms in Rust: `random.randint` and the interpreter, before any concurrency",
                get(p, RUN_MS),
                get(r, RUN_MS)
            )
        },
    },
    Topic {
        name: "gil",
        claim: "The GIL: threads do not speed up CPU-bound Python; I/O waits overlap (notes 002, 003, 004)",
        krate: "examples-threads",
        bin: "gil_cpu_vs_io",
        twin: "threads/gil_cpu_vs_io.py",
        drive: Drive::Same,
        full: &["--threads", "2", "--io-tasks", "50", "--io-ms", "100"],
        small: &[
            "--threads",
            "2",
            "--jobs",
            "2",
            "--n",
            "20000",
            "--io-tasks",
            "4",
            "--io-ms",
            "20",
        ],
        own: &[],
        agree: &[("correct", "correct"), ("threads", "threads")],
        figures: &[
            fig(
                "CPU job on 2 threads, speed-up over 1",
                "speedup_cpu_free",
                "speedup_cpu_free",
            ),
            fig(
                "same, behind one more global lock",
                "speedup_cpu_gil",
                "speedup_cpu_gil",
            ),
            fig(
                "I/O waits on threads, speed-up over one by one",
                "speedup_io_free",
                "speedup_io_free",
            ),
        ],
        says: |p, r| {
            format!(
                "threads: Python {}x sequential on CPU work, Rust {}x: the GIL; I/O waits overlap in both ({}x, {}x)",
                get(p, "speedup_cpu_free"),
                get(r, "speedup_cpu_free"),
                get(p, "speedup_io_free"),
                get(r, "speedup_io_free")
            )
        },
    },
    Topic {
        name: "pool",
        claim: "Processes use every core: Pool.map (notes 001, 003)",
        krate: "examples-processes",
        bin: "pool_map",
        twin: "processes/pool_map.py",
        drive: Drive::Same,
        full: &["--workers", "8", "--jobs", "8"],
        small: &["--workers", "2", "--jobs", "2", "--n", "10000"],
        own: &[],
        agree: &[
            ("squares", "squares"),
            ("starmap_sums", "starmap_sums"),
            ("in_order", "in_order"),
        ],
        figures: &[fig(
            "the CPU job on a process pool, speed-up over 1 process",
            "speedup_pool",
            "speedup_pool",
        )],
        says: |p, r| {
            format!(
                "processes: Python's pool {}x sequential (each process has its own GIL), Rust's {}x (Rust's threads would do as well)",
                get(p, "speedup_pool"),
                get(r, "speedup_pool")
            )
        },
    },
    Topic {
        name: "manager",
        claim: "The Manager's proxies cost latency (notes 000, 001)",
        krate: "examples-processes",
        bin: "manager_list",
        twin: "processes/manager_list.py",
        drive: Drive::Same,
        full: &["--workers", "8", "--n", "100000", "--calls", "10000"],
        small: &["--workers", "2", "--n", "10000", "--calls", "200"],
        own: &[],
        agree: &[
            ("items", "items"),
            ("expected", "expected"),
            ("sums_right", "sums_right"),
        ],
        figures: &[
            fig(
                "one append through a proxy (µs)",
                "proxy_call_us",
                "proxy_call_us",
            ),
            fig("one local append (ns)", "local_push_ns", "local_push_ns"),
            fig("proxy / local (x)", "proxy_vs_push", "proxy_vs_push"),
        ],
        says: |p, r| {
            format!(
                "a proxy call is a round trip to another process: {}x a local append in Python, {}x in Rust",
                get(p, "proxy_vs_push"),
                get(r, "proxy_vs_push")
            )
        },
    },
    Topic {
        name: "queue",
        claim: "Queue and Pipe between processes (notes 000, 003)",
        krate: "examples-processes",
        bin: "process_queue",
        twin: "processes/process_queue.py",
        drive: Drive::Same,
        full: &["--items", "10000", "--quiet"],
        small: &["--items", "50", "--quiet"],
        own: &[],
        agree: &[
            ("items", "items"),
            ("expected", "expected"),
            ("in_order", "in_order"),
            ("sentinel_seen", "sentinel_seen"),
        ],
        figures: &[fig(
            "items through a queue and a sentinel, whole run (ms)",
            RUN_MS,
            RUN_MS,
        )],
        says: |p, r| {
            format!(
                "every item arrived once, in order, on both sides ({} and {})",
                get(p, "items"),
                get(r, "items")
            )
        },
    },
    Topic {
        name: "pipe",
        claim: "Queue and Pipe between processes (notes 000, 003)",
        krate: "examples-processes",
        bin: "pipe",
        twin: "processes/pipe.py",
        drive: Drive::Same,
        full: &["--round-trips", "10000"],
        small: &["--notes", "3", "--round-trips", "200"],
        own: &[],
        agree: &[
            ("notes_sent", "notes_sent"),
            ("reader_exit", "reader_exit"),
            ("replies_checked", "replies_checked"),
        ],
        figures: &[fig(
            "duplex pipe round trip, median (µs)",
            "round_trip_median_us",
            "round_trip_median_us",
        )],
        says: |p, r| {
            format!(
                "a pipe round trip: Python {} µs (pickle), Rust {} µs (serde frames): both mostly the kernel's two context switches",
                get(p, "round_trip_median_us"),
                get(r, "round_trip_median_us")
            )
        },
    },
    Topic {
        name: "lock",
        claim: "Lock and Condition (notes 004)",
        krate: "examples-sync",
        bin: "lock",
        twin: "sync/lock.py",
        drive: Drive::Same,
        full: &[
            "--threads",
            "4",
            "--iterations",
            "100000",
            "--rounds",
            "1",
            "--hold-ms",
            "1",
        ],
        small: &[
            "--threads",
            "2",
            "--iterations",
            "1000",
            "--rounds",
            "1",
            "--hold-ms",
            "1",
        ],
        own: &[],
        agree: &[
            ("expected", "expected"),
            ("std_count", "std_count"),
            ("max_holding", "max_holding"),
            ("free_after_scope", "free_after_scope"),
            ("free_after_return", "free_after_return"),
        ],
        figures: &[fig(
            "locked increments on several threads, whole run (ms)",
            RUN_MS,
            RUN_MS,
        )],
        says: |p, r| {
            format!(
                "no update lost under the lock on either side ({} and {} of {})",
                get(p, "std_count"),
                get(r, "std_count"),
                get(r, "expected")
            )
        },
    },
    Topic {
        name: "condition",
        claim: "Lock and Condition (notes 004)",
        krate: "examples-sync",
        bin: "condition",
        twin: "sync/condition.py",
        drive: Drive::Same,
        full: &["--producers", "2", "--consumers", "2", "--items", "6"],
        small: &["--items", "4", "--produce-ms", "0", "--consume-ms", "0"],
        own: &[],
        agree: &[
            ("items", "items"),
            ("consumed", "consumed"),
            ("lost", "lost"),
            ("duplicated", "duplicated"),
            ("in_order", "in_order"),
        ],
        // No figure: the Rust run includes a 1 s demonstration of notify()'s deadlock.
        figures: &[],
        says: |p, r| {
            format!(
                "producer / consumer on one Condition: {} of {} consumed in Python, {} of {} in Rust, none lost or duplicated",
                get(p, "consumed"),
                get(p, "items"),
                get(r, "consumed"),
                get(r, "items")
            )
        },
    },
    Topic {
        name: "requests",
        claim: "Threads and asyncio overlap I/O (notes 002, 003)",
        krate: "examples-threads",
        bin: "sync_vs_threaded_requests",
        twin: "threads/sync_vs_threaded_requests.py",
        drive: Drive::Same,
        full: &["--requests", "2", "--delay-ms", "200"],
        small: &["--requests", "2", "--delay-ms", "20"],
        own: &[],
        agree: &[
            ("requests", "requests"),
            ("served", "served"),
            ("all_200", "all_200"),
        ],
        figures: &[
            fig(
                "2 GETs one after another (ms)",
                "sequential_ms",
                "sequential_ms",
            ),
            fig("2 GETs on 2 threads (ms)", "threaded_ms", "threaded_ms"),
        ],
        says: |p, r| {
            format!(
                "two blocking GETs on two threads: {}x faster in Python, {}x in Rust (the wait is the server's)",
                get(p, "speedup_threads"),
                get(r, "speedup_threads")
            )
        },
    },
    Topic {
        name: "async_requests",
        claim: "Threads and asyncio overlap I/O (notes 002, 003)",
        krate: "examples-async",
        bin: "async_requests",
        twin: "async/async_requests.py",
        drive: Drive::Same,
        full: &["--requests", "50", "--limit", "50", "--delay-ms", "100"],
        small: &["--requests", "4", "--limit", "2", "--delay-ms", "20"],
        own: &[],
        agree: &[
            ("requests", "requests"),
            ("ok", "ok"),
            ("limit", "limit"),
            ("max_in_flight", "max_in_flight"),
            ("served", "served"),
        ],
        figures: &[
            fig(
                "GETs one after another (ms)",
                "sequential_ms",
                "sequential_ms",
            ),
            fig(
                "the same GETs at once on one event loop (ms)",
                "concurrent_ms",
                "concurrent_ms",
            ),
        ],
        says: |p, r| {
            format!(
                "concurrent GETs on one event loop: {} ms in Python (asyncio), {} ms in Rust (tokio), against {} ms one after another",
                get(p, "concurrent_ms"),
                get(r, "concurrent_ms"),
                get(r, "sequential_ms")
            )
        },
    },
    Topic {
        name: "three_tasks",
        claim: "Threads and asyncio overlap I/O (notes 002, 003)",
        krate: "examples-async",
        bin: "three_tasks",
        twin: "async/three_tasks.py",
        drive: Drive::Same,
        full: &["--cpu-ms", "50", "--io-ms", "300"],
        small: &["--cpu-ms", "5", "--io-ms", "30"],
        own: &[
            "wall_ms_asyncio",
            "io_overlap_asyncio",
            "cpu_overlap_asyncio",
        ],
        agree: &[
            ("io_overlap_asyncio", "io_overlap_tokio"),
            ("cpu_overlap_asyncio", "cpu_overlap_tokio"),
        ],
        figures: &[
            fig(
                "3 tasks one after another (ms)",
                "sequential_ms",
                "sequential_ms",
            ),
            fig(
                "3 tasks on one loop: asyncio / tokio (ms)",
                "wall_ms_asyncio",
                "wall_ms_tokio",
            ),
        ],
        says: |p, r| {
            format!(
                "the notes' make_request x3: the waits overlap, the CPU parts take turns ({} ms asyncio, {} ms tokio)",
                get(p, "wall_ms_asyncio"),
                get(r, "wall_ms_tokio")
            )
        },
    },
    Topic {
        name: "echo",
        claim: "A server with a thread per connection (notes 002, 004)",
        krate: "examples-sockets",
        bin: "tcp_echo_threaded",
        twin: "sockets/tcp_echo_threaded.py",
        drive: Drive::EchoServer,
        full: &["--connections", "50", "--rounds", "1000", "--bytes", "64"],
        small: &["--connections", "4", "--rounds", "50", "--bytes", "64"],
        own: &[],
        agree: &[
            ("echoes", "echoes"),
            ("expected", "expected"),
            ("lines", "lines"),
        ],
        figures: &[
            fig(
                "round trips per second (same load client)",
                "req_per_s",
                "req_per_s",
            ),
            fig("latency p50 (µs)", "p50_us", "p50_us"),
            fig("latency p99 (µs)", "p99_us", "p99_us"),
        ],
        says: |p, r| {
            format!(
                "one load client, two servers with a thread per connection: {} round trips/s from Python's ThreadingTCPServer, {} from Rust's",
                get(p, "req_per_s"),
                get(r, "req_per_s")
            )
        },
    },
    Topic {
        name: "fork",
        claim: "Starting a process: fork and spawn (notes 002, 003)",
        krate: "examples-processes",
        bin: "process_hello",
        twin: "processes/process_hello.py",
        drive: Drive::Same,
        full: &["--method", "fork"],
        small: &["--method", "fork"],
        own: &[],
        agree: &[("fork_exit", "fork_exit")],
        figures: &[fig(
            "start, hello and join one child by fork, whole run (ms)",
            RUN_MS,
            RUN_MS,
        )],
        says: |p, r| fork_spawn(p, r, "fork"),
    },
    Topic {
        name: "spawn",
        claim: "Starting a process: fork and spawn (notes 002, 003)",
        krate: "examples-processes",
        bin: "process_hello",
        twin: "processes/process_hello.py",
        drive: Drive::Same,
        full: &["--method", "spawn"],
        small: &["--method", "spawn"],
        own: &[],
        agree: &[("spawn_exit", "spawn_exit")],
        figures: &[fig(
            "start, hello and join one child by spawn, whole run (ms)",
            RUN_MS,
            RUN_MS,
        )],
        says: |p, r| fork_spawn(p, r, "spawn"),
    },
    Topic {
        name: "distributed",
        claim: "Distributed work by messages (notes 004): what a lost worker costs",
        krate: "examples-sockets",
        bin: "distributed_work",
        twin: "sockets/distributed_work.py",
        drive: Drive::Same,
        // The notes' job (8 x 1,000,000) in chunks to 3 worker processes over TCP, no fault.
        full: &["--chunks", "8", "--n", "1000000"],
        small: &["--chunks", "4", "--n", "20000"],
        own: &["missing"],
        agree: &[
            ("chunks", "chunks"),
            ("workers", "workers"),
            ("correct", "correct"),
            ("redone", "redone"),
        ],
        figures: &[
            fig(
                "chunks to 3 worker processes, first sent to last answer (ms)",
                "wall_ms",
                "wall_ms",
            ),
            fig("chunks per second", "chunks_per_s", "chunks_per_s"),
        ],
        says: |p, r| {
            format!(
                "{} chunks to {} worker processes over TCP: {} ms in Python (BaseManager queues, pickle; mostly `random.randint` itself), {} ms in Rust (framed messages, heartbeats); no worker lost here (redone {} and {}), but one killed mid-chunk leaves Python's chunk missing, its queue noticing nothing, while Rust redoes it (tests/twins.rs)",
                get(r, "chunks"),
                get(r, "workers"),
                get(p, "wall_ms"),
                get(r, "wall_ms"),
                get(p, "redone"),
                get(r, "redone")
            )
        },
    },
];

fn fork_spawn(p: &Results, r: &Results, method: &str) -> String {
    format!(
        "{method}: the whole run took {} ms in Python, {} ms in Rust (interpreter start included; spawn starts a new interpreter, re-exec a new Rust binary)",
        get(p, RUN_MS),
        get(r, RUN_MS)
    )
}

/// The topics named (all when none), or the unknown name.
pub fn select(names: &[String]) -> Result<Vec<&'static Topic>, String> {
    if names.is_empty() {
        return Ok(TOPICS.iter().collect());
    }
    names
        .iter()
        .map(|n| {
            TOPICS.iter().find(|t| t.name == n).ok_or_else(|| {
                let known: Vec<_> = TOPICS.iter().map(|t| t.name).collect();
                format!("unknown topic `{n}`; topics: {}", known.join(" "))
            })
        })
        .collect()
}

/// A measured topic, ready for the table.
pub struct Measured {
    pub topic: &'static Topic,
    pub python: Results,
    pub rust: Results,
    /// Empty when both sides agree; else what differs (no figures are shown).
    pub problems: Vec<String>,
}

/// The median run, key by key: for a key whose values are all numbers, the
/// value of the middle run in numeric order (its own string, so its
/// precision is kept); otherwise the last run's value.
pub fn median(runs: &[Results]) -> Results {
    let mut out = Results::new();
    let Some(last) = runs.last() else {
        return out;
    };
    for (key, value) in last {
        let mut numbers: Vec<(f64, &String)> = runs
            .iter()
            .filter_map(|r| r.get(key))
            .filter_map(|v| v.parse::<f64>().ok().map(|n| (n, v)))
            .collect();
        let chosen = if numbers.len() == runs.len() {
            numbers.sort_by(|a, b| a.0.total_cmp(&b.0));
            numbers[numbers.len() / 2].1
        } else {
            value
        };
        out.insert(key.clone(), chosen.clone());
    }
    out
}

/// Python ÷ Rust, when both are numbers.
pub fn ratio(python: &str, rust: &str) -> String {
    match (python.parse::<f64>(), rust.parse::<f64>()) {
        (Ok(p), Ok(r)) if r != 0.0 => format!("{:.2}", p / r),
        _ => "-".into(),
    }
}

/// The table, grouped by claim, in text or Markdown.
pub fn render(measured: &[Measured], markdown: bool) -> String {
    let mut out = String::new();
    let mut claims: Vec<&str> = Vec::new();
    for m in measured {
        if !claims.contains(&m.topic.claim) {
            claims.push(m.topic.claim);
        }
    }
    for claim in claims {
        let group: Vec<&Measured> = measured.iter().filter(|m| m.topic.claim == claim).collect();
        let mut rows = Vec::new();
        let mut says = Vec::new();
        for m in &group {
            if !m.problems.is_empty() {
                says.push(format!(
                    "{}: DISAGREE, figures withheld: {}",
                    m.topic.name,
                    m.problems.join("; ")
                ));
                continue;
            }
            for f in m.topic.figures {
                let (p, r) = (get(&m.python, f.python), get(&m.rust, f.rust));
                rows.push([
                    format!("{} ({})", f.label, m.topic.name),
                    p.to_string(),
                    r.to_string(),
                    ratio(p, r),
                ]);
            }
            says.push((m.topic.says)(&m.python, &m.rust));
        }
        let header = ["figure", "Python", "Rust", "Python / Rust"];
        if markdown {
            out.push_str(&format!(
                "\n**{claim}**\n\n| {} |\n|---|---:|---:|---:|\n",
                header.join(" | ")
            ));
            for row in &rows {
                out.push_str(&format!("| {} |\n", row.join(" | ")));
            }
            out.push('\n');
            for s in &says {
                out.push_str(&format!("- {s}\n"));
            }
        } else {
            out.push_str(&format!("\n{claim}\n"));
            let width = rows
                .iter()
                .map(|r| r[0].chars().count())
                .max()
                .unwrap_or(0)
                .max(6);
            out.push_str(&format!(
                "  {:<width$}  {:>10}  {:>10}  {:>13}\n",
                header[0], header[1], header[2], header[3]
            ));
            for [f, p, r, x] in &rows {
                out.push_str(&format!("  {f:<width$}  {p:>10}  {r:>10}  {x:>13}\n"));
            }
            for s in &says {
                out.push_str(&format!("  -> {s}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(pairs: &[(&str, &str)]) -> Results {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn topic_names_are_unique_and_selectable() {
        let names: Vec<String> = TOPICS.iter().map(|t| t.name.to_string()).collect();
        assert_eq!(select(&names).unwrap().len(), TOPICS.len());
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert!(
            select(&["nope".into()])
                .err()
                .unwrap_or_default()
                .contains("gil")
        );
    }

    #[test]
    fn every_twin_file_exists_and_figures_name_agreed_topics() {
        for t in TOPICS {
            assert!(
                shared::twins::root().join("python").join(t.twin).is_file(),
                "{}",
                t.twin
            );
            assert!(
                !t.agree.is_empty(),
                "{}: nothing checked before figures",
                t.name
            );
        }
    }

    #[test]
    fn median_takes_the_middle_run_per_key() {
        let runs = [
            results(&[("ms", "30.0"), ("ok", "true")]),
            results(&[("ms", "10.5"), ("ok", "true")]),
            results(&[("ms", "20.25"), ("ok", "false")]),
        ];
        let m = median(&runs);
        assert_eq!(m["ms"], "20.25");
        assert_eq!(m["ok"], "false"); // not numbers: the last run's
        assert!(median(&[]).is_empty());
    }

    #[test]
    fn ratio_is_python_over_rust() {
        assert_eq!(ratio("10", "4"), "2.50");
        assert_eq!(ratio("x", "4"), "-");
        assert_eq!(ratio("1", "0"), "-");
    }

    #[test]
    fn a_disagreeing_topic_shows_no_figures() {
        let topic = select(&["gil".into()]).unwrap()[0];
        let m = Measured {
            topic,
            python: results(&[("speedup_cpu_free", "0.95")]),
            rust: results(&[("speedup_cpu_free", "1.90")]),
            problems: vec!["`correct` differs".into()],
        };
        let text = render(std::slice::from_ref(&m), false);
        assert!(
            text.contains("DISAGREE") && !text.contains("1.90"),
            "{text}"
        );
        let ok = Measured {
            problems: vec![],
            ..m
        };
        let md = render(&[ok], true);
        assert!(md.contains("| 0.95 | 1.90 | 0.50 |"), "{md}");
        assert!(
            md.contains("Python 0.95x sequential on CPU work, Rust 1.90x"),
            "{md}"
        );
    }
}
