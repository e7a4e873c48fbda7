//! compare: every figure the notes assert, measured in Python and in Rust in
//! one run. For each topic it runs the Python twin (python/) and the Rust
//! example with the same flags, checks they agree where they must (counts,
//! orders, nothing lost), and only then shows their figures side by side.
//!
//! Run: cargo run --release -p shared --bin compare                  # every topic, full size (minutes)
//!      cargo run --release -p shared --bin compare -- gil pool manager --small
//!      cargo run --release -p shared --bin compare -- --markdown      # the README's table
//!
//! It is a binary of `shared` (the workspace's members are fixed: shared,
//! the examples crates and python/). It needs the examples' binaries, which
//! no crate can depend on, so it builds them itself with `cargo build --release -p <crate> --bins`
//! (cargo's progress on stderr; a debug build's timings mislead) and reads
//! their paths from cargo's JSON messages. It honours CARGO_TARGET_DIR.
#![forbid(unsafe_code)]

mod topics;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use shared::output::{line, results};
use shared::twins::{self as twin, Agreement, Side};
use topics::{Drive, Measured, RUN_MS, Topic, render, select};

#[derive(Parser)]
#[command(
    about = "Python twin vs Rust example, topic by topic: agreement checked, then one table of figures"
)]
struct Args {
    /// Topics to run (default: all): cpu gil pool manager queue pipe lock condition requests async_requests three_tasks echo fork spawn distributed.
    topics: Vec<String>,
    /// Small sizes (seconds, not minutes): checks agreement; figures only indicative.
    #[arg(long)]
    small: bool,
    /// Print the table as Markdown (for the README).
    #[arg(long)]
    markdown: bool,
    /// Runs of each side per topic, alternating Python and Rust; figures are the median run's (default: 3, or 1 with --small).
    #[arg(long, value_name = "1..=20", value_parser = shared::cli::range(1..=20usize))]
    repeat: Option<usize>,
    /// (test-only) build and run the examples' debug binaries.
    #[arg(long, hide = true)]
    debug: bool,
}

/// Progress goes to stderr, so stdout holds the report alone.
fn progress(text: impl AsRef<str>) {
    let _ = writeln!(std::io::stderr(), "compare: {}", text.as_ref());
}

/// Builds the topics' crates' binaries; returns binary name -> path.
fn build(topics: &[&Topic], release: bool) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let mut crates: Vec<&str> = topics.iter().map(|t| t.krate).collect();
    if topics.iter().any(|t| t.drive == Drive::EchoServer) {
        crates.push("examples-sockets");
    }
    crates.sort_unstable();
    crates.dedup();
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.arg("build").current_dir(twin::root());
    if release {
        command.arg("--release");
    }
    for c in &crates {
        command.args(["-p", c]);
    }
    command.args(["--bins", "--message-format=json-render-diagnostics"]);
    progress(format!(
        "building {} ({}), cargo's progress below",
        crates.join(", "),
        if release { "release" } else { "debug" }
    ));
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("running cargo build")?;
    let mut found = BTreeMap::new();
    for json in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let json = json?;
        // One compiler-artifact message per binary: `"executable":"/path/to/bin"`.
        if let Some(at) = json.find("\"executable\":\"") {
            let rest = &json[at + 14..];
            if let Some(end) = rest.find('"') {
                let path = PathBuf::from(&rest[..end]);
                if let Some(name) = path.file_name() {
                    found.insert(name.to_string_lossy().into_owned(), path);
                }
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    Ok(found)
}

const DEADLINE: Duration = Duration::from_secs(300);

/// Starts a server (`--serve --port 0`) and reads the port it says it got.
fn start_server(
    mut command: Command,
) -> anyhow::Result<(Child, u16, BufReader<std::process::ChildStdout>)> {
    let mut child = command
        .args(["--serve", "--port", "0"])
        .current_dir(twin::root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut text = String::new();
    // The server's first line says "serving on 127.0.0.1:PORT"; a server that dies says nothing more.
    while out.read_line(&mut text)? > 0 {
        if let Some(port) = text
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse().ok())
        {
            return Ok((child, port, out));
        }
        text.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    bail!("the server ended before saying its port")
}

/// Echo topic: each server in turn under the same load client; the load
/// client's results, plus the server's `lines`.
fn echo_side(server: Command, load: &Path, args: &[&str]) -> anyhow::Result<Side> {
    let (mut child, port, mut out) = start_server(server)?;
    let port = port.to_string();
    let mut load_args = vec!["--port", port.as_str()];
    load_args.extend_from_slice(args);
    let mut side = twin::run_rust(load, &load_args, DEADLINE);
    // SIGTERM: both servers stop and print what they served.
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut out, &mut rest);
    let _ = child.wait();
    let served = shared::testing::result_lines(&rest);
    if let Some(lines) = served.get("lines") {
        side.run.results.insert("lines".into(), lines.clone());
    }
    Ok(side)
}

/// Runs both sides `repeat` times, alternating, so a burst of load hits both;
/// every run must agree; the figures are the median run's.
fn measure(
    topic: &'static Topic,
    bins: &BTreeMap<String, PathBuf>,
    small: bool,
    repeat: usize,
) -> anyhow::Result<Measured> {
    let (mut pythons, mut rusts, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=repeat {
        if repeat > 1 {
            progress(format!("{}: run {round} of {repeat}", topic.name));
        }
        let one = measure_once(topic, bins, small)?;
        for p in one.problems {
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
        pythons.push(one.python);
        rusts.push(one.rust);
    }
    Ok(Measured {
        topic,
        python: topics::median(&pythons),
        rust: topics::median(&rusts),
        problems,
    })
}

fn measure_once(
    topic: &'static Topic,
    bins: &BTreeMap<String, PathBuf>,
    small: bool,
) -> anyhow::Result<Measured> {
    let args = if small { topic.small } else { topic.full };
    let binary = bins
        .get(topic.bin)
        .with_context(|| format!("cargo built no `{}`", topic.bin))?;
    let (python, rust) = match topic.drive {
        Drive::Same => {
            progress(format!(
                "{}: python3 python/{} {}",
                topic.name,
                topic.twin,
                args.join(" ")
            ));
            let python = twin::run_twin(topic.twin, args, DEADLINE);
            progress(format!(
                "{}: {} {} ({:.1} s for Python)",
                topic.name,
                topic.bin,
                args.join(" "),
                python.wall.as_secs_f64()
            ));
            let rust = twin::run_rust(binary, args, DEADLINE);
            (python, rust)
        }
        Drive::EchoServer => {
            let load = bins
                .get("echo_load")
                .context("cargo built no `echo_load`")?;
            progress(format!(
                "{}: echo_load {} against python/{}",
                topic.name,
                args.join(" "),
                topic.twin
            ));
            let mut py = Command::new(twin::python());
            py.arg(twin::root().join("python").join(topic.twin));
            let python = echo_side(py, load, args)?;
            progress(format!(
                "{}: echo_load {} against {}",
                topic.name,
                args.join(" "),
                topic.bin
            ));
            let rust = echo_side(Command::new(binary), load, args)?;
            (python, rust)
        }
    };
    progress(format!(
        "{}: done (Python {:.1} s, Rust {:.1} s)",
        topic.name,
        python.wall.as_secs_f64(),
        rust.wall.as_secs_f64()
    ));
    let problems = twin::problems(
        &python,
        &rust,
        &Agreement {
            own: topic.own,
            agree: topic.agree,
        },
    );
    let with_run_ms = |side: &Side| {
        let mut r = side.results().clone();
        r.insert(
            RUN_MS.into(),
            format!("{:.0}", side.wall.as_secs_f64() * 1e3),
        );
        r
    };
    Ok(Measured {
        topic,
        python: with_run_ms(&python),
        rust: with_run_ms(&rust),
        problems,
    })
}

fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("?".into(), |m| {
            m.trim_start_matches([' ', '\t', ':']).to_string()
        });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let loadavg = read("/proc/loadavg");
    let load = loadavg
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    format!("{model}; {cores} CPUs available; load average {load} (1, 5, 15 min)")
}

fn run(args: &Args) -> anyhow::Result<bool> {
    let topics = select(&args.topics).map_err(anyhow::Error::msg)?;
    let python = twin::python_version().map_err(anyhow::Error::msg)?;
    let before = machine();
    progress(format!("machine: {before}"));
    let bins = build(&topics, !args.debug)?;
    let repeat = args.repeat.unwrap_or(if args.small { 1 } else { 3 });
    let started = Instant::now();
    let mut measured = Vec::new();
    for (i, topic) in topics.iter().enumerate() {
        progress(format!("[{}/{}] {}", i + 1, topics.len(), topic.name));
        measured.push(measure(topic, &bins, args.small, repeat)?);
    }
    let agreed = measured.iter().filter(|m| m.problems.is_empty()).count();
    let after = machine();
    let size = if args.small {
        "small sizes (--small): figures indicative only"
    } else {
        "full sizes"
    };
    let profile = if args.debug {
        "debug build: Rust figures misleading"
    } else {
        "Rust release build"
    };
    let head = format!(
        "{python} vs Rust ({profile}); {size}; median of {repeat} run(s) per side, alternating; {} topic(s) in {:.0} s\nmachine before: {before}\nmachine after:  {after}",
        measured.len(),
        started.elapsed().as_secs_f64()
    );
    if args.markdown {
        line(
            head.lines()
                .map(|l| format!("{l}  "))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    } else {
        line(head);
    }
    line(render(&measured, args.markdown));
    line(
        "Python / Rust: how many times the Python figure is the Rust one (a time: how much slower; a speed-up: how much less it gained).",
    );
    results(&[
        ("topics", &measured.len()),
        ("agreed", &agreed),
        ("disagreed", &(measured.len() - agreed)),
    ]);
    Ok(agreed == measured.len())
}

fn main() -> ExitCode {
    shared::output::start();
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            progress("some topics disagree: their figures are withheld (see above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            progress(format!("error: {e:#}"));
            ExitCode::from(2)
        }
    }
}
