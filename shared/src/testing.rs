//! Small helpers for the example crates' integration tests, which run the
//! real binaries and read what they print.
//!
//! A test file holds only its claims:
//!
//! ```ignore
//! let run = run(env!("CARGO_BIN_EXE_semaphore"), &["--permits", "2"]).success();
//! assert_eq!(run.int("max_inside"), 2, "{run}");
//! ```
//!
//! [`run`] starts the binary with a deadline (a stuck example is killed,
//! reaped and reported, never a hung test) and reads its `== result ==`
//! lines (see `shared::output::results`), so tests assert keys, not prose.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Runs `command` to the end and collects what it printed, killing it if it
/// is still running after `timeout`: a test never hangs on a stuck example.
/// On timeout the error kind is `TimedOut` and the child has been reaped.
pub fn output_within(command: &mut Command, timeout: Duration) -> io::Result<Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes on threads, so a chatty child never blocks on a full pipe.
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let out_reader = read_all_on_a_thread(stdout);
    let err_reader = read_all_on_a_thread(stderr);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("still running after {timeout:?}: killed"),
            ));
        }
        // std has no "wait with timeout" for a child: look again shortly.
        thread::sleep(Duration::from_millis(5));
    };
    // The pipes reach end-of-file when every process holding them has gone:
    // a grandchild left running keeps them open. Wait for that with a
    // deadline too, and say so, rather than hang the test.
    let grace = timeout.saturating_sub(started.elapsed()).max(PIPE_GRACE);
    let until = Instant::now() + grace;
    let held = || {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "exited ({status}), but its stdout or stderr was still held open {grace:?} later: \
                 a process it started is still running"
            ),
        )
    };
    let stdout = out_reader
        .recv_timeout(until.saturating_duration_since(Instant::now()))
        .map_err(|_| held())?;
    let stderr = err_reader
        .recv_timeout(until.saturating_duration_since(Instant::now()))
        .map_err(|_| held())?;
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// How long [`output_within`] waits, at least, for the pipes to close after
/// the child has exited.
const PIPE_GRACE: Duration = Duration::from_secs(10);

/// Reads `pipe` to its end on a thread; the bytes arrive on the channel.
fn read_all_on_a_thread(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(bytes);
    });
    rx
}

/// The deadline [`run`] gives a binary: long enough for a debug build on a
/// loaded 2-core machine, short enough that a hang is reported, not waited out.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// What one run of an example printed, and its `== result ==` lines.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// The `key: value` lines after the last `== result ==` heading.
    pub results: BTreeMap<String, String>,
}

/// Runs `binary` with `args` to its end (at most [`DEADLINE`]; then it is
/// killed and the test fails saying so) and reads its result lines.
pub fn run(binary: impl AsRef<Path>, args: &[&str]) -> Run {
    run_command(Command::new(binary.as_ref()).args(args), DEADLINE)
}

/// As [`run`], for a command the test has set up itself (environment,
/// working directory), with its own deadline.
pub fn run_command(command: &mut Command, deadline: Duration) -> Run {
    let shown = format!("{command:?}");
    let output = match output_within(command, deadline) {
        Ok(output) => output,
        Err(e) => panic!("{shown}: {e}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    Run {
        status: output.status,
        results: result_lines(&stdout),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The `key: value` lines after the last `== result ==` line of `stdout`.
/// A key is lower-case letters, digits and `_` (STYLE.md); any other line
/// is not a result, e.g. a detached hilo still printing
/// `[ 30.5 ms] ... | detached worker: step 4` while the process exits.
pub fn result_lines(stdout: &str) -> BTreeMap<String, String> {
    let Some(at) = stdout.rfind("== result ==") else {
        return BTreeMap::new();
    };
    let is_key = |key: &str| {
        !key.is_empty()
            && (key.chars()).all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    stdout[at..]
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(": "))
        .filter(|(key, _)| is_key(key))
        .map(|(key, value)| (key.to_string(), value.trim().to_string()))
        .collect()
}

impl Run {
    /// Fails the test, showing everything printed, unless the run exited 0.
    #[track_caller]
    pub fn success(self) -> Self {
        assert!(self.status.success(), "the run failed:\n{self}");
        self
    }

    /// The value of result `key`; fails the test, showing the output, if absent.
    #[track_caller]
    pub fn get(&self, key: &str) -> &str {
        match self.results.get(key) {
            Some(value) => value,
            None => panic!("no result line `{key}`:\n{self}"),
        }
    }

    /// Result `key` as a number (thousands separators `,` `_` ignored).
    #[track_caller]
    pub fn num(&self, key: &str) -> f64 {
        let value = self.get(key).replace([',', '_'], "");
        match value.parse() {
            Ok(n) => n,
            Err(_) => panic!("result `{key}` is not a number:\n{self}"),
        }
    }

    /// Result `key` as a whole number.
    #[track_caller]
    pub fn int(&self, key: &str) -> i64 {
        let value = self.get(key).replace([',', '_'], "");
        match value.parse() {
            Ok(n) => n,
            Err(_) => panic!("result `{key}` is not a whole number:\n{self}"),
        }
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// The path of binary `name` built beside the running integration test
/// (tests run from `target/<profile>/deps/`, binaries sit in `target/<profile>/`).
pub fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps");
    profile_dir.join(name)
}

/// Runs `binary` with `args` and its stdout a pipe nobody reads (as under
/// `cargo run ... | head` once head has exited). It must end quietly: exit
/// status 0, no "failed printing to stdout" panic. Returns what went wrong.
pub fn closed_stdout_problems(binary: &Path, args: &[&str]) -> Vec<String> {
    let name = binary.display();
    let (reader, writer) = match io::pipe() {
        Ok(pipe) => pipe,
        Err(e) => return vec![format!("{name}: no pipe: {e}")],
    };
    drop(reader);
    let mut command = Command::new(binary);
    command.args(args).stdout(writer);
    let mut child = match command.stdin(Stdio::null()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => return vec![format!("{name}: {e}")],
    };
    // Drop our copy of the write end (held by `command`), so only the child has it.
    drop(command);
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let err_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > Duration::from_secs(60) => {
                let _ = child.kill();
                let _ = child.wait();
                return vec![format!(
                    "{name}: still running after 60 s with stdout closed"
                )];
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return vec![format!("{name}: {e}")],
        }
    };
    let stderr = err_reader.join().unwrap_or_default();
    let mut problems = Vec::new();
    // The signature of println! on a closed stdout. (A panic of main itself
    // shows as a failed exit below; examples may panic on purpose in a hilo.)
    if stderr.contains("failed printing to stdout") {
        problems.push(format!("{name} panicked with stdout closed:\n{stderr}"));
    }
    if !status.success() {
        problems.push(format!(
            "{name} failed with stdout closed ({status}):\n{stderr}"
        ));
    }
    problems
}

/// What is wrong with a binary's command line, if anything: `--help` must
/// succeed and print a usage; a bad flag must exit with code 2 and clap's
/// message, never a panic.
pub fn cli_problems(binary: &Path) -> Vec<String> {
    let name = binary.display();
    let mut problems = Vec::new();
    let limit = Duration::from_secs(30);
    match output_within(Command::new(binary).arg("--help"), limit) {
        Ok(help)
            if help.status.success()
                && String::from_utf8_lossy(&help.stdout).contains("Usage:") => {}
        Ok(help) => problems.push(format!("{name}: --help did not print a usage: {help:?}")),
        Err(e) => problems.push(format!("{name}: --help: {e}")),
    }
    match output_within(Command::new(binary).arg("--no-such-flag"), limit) {
        Ok(bad) => {
            let stderr = String::from_utf8_lossy(&bad.stderr);
            if bad.status.code() != Some(2)
                || !stderr.contains("unexpected argument '--no-such-flag'")
                || stderr.contains("panicked")
            {
                problems.push(format!(
                    "{name}: a bad flag should exit 2 with clap's message: {bad:?}"
                ));
            }
        }
        Err(e) => problems.push(format!("{name}: --no-such-flag: {e}")),
    }
    problems.extend(number_flag_problems(binary));
    problems
}

/// Every flag that `--help` shows with a numeric default must show its
/// allowed range (`<1..=64>`, as `shared::cli::range` is used), and a
/// negative value must end with exit code 2 and a message saying it is
/// negative, in both spellings `--flag -1` and `--flag=-1`.
fn number_flag_problems(binary: &Path) -> Vec<String> {
    let name = binary.display();
    let limit = Duration::from_secs(30);
    let Ok(help) = output_within(Command::new(binary).arg("--help"), limit) else {
        return vec![format!("{name}: --help did not run")];
    };
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let mut problems = Vec::new();
    for flag in numeric_flags(&help) {
        if !flag.shows_range {
            problems.push(format!(
                "{name}: `{}` has a numeric default but --help shows no range (value_name = \"1..=N\"):\n{}",
                flag.name, flag.line
            ));
        }
        if !flag.unsigned {
            continue;
        }
        for args in [
            vec![flag.name.clone(), "-1".to_string()],
            vec![format!("{}=-1", flag.name)],
        ] {
            match output_within(Command::new(binary).args(&args), limit) {
                Ok(out) => {
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    if out.status.code() != Some(2)
                        || !stderr.contains("negative")
                        || stderr.contains("panicked")
                    {
                        problems.push(format!(
                            "{name} {}: a negative number should exit 2 saying it is negative: {out:?}",
                            args.join(" ")
                        ));
                    }
                }
                Err(e) => problems.push(format!("{name} {}: {e}", args.join(" "))),
            }
        }
    }
    problems
}

/// A flag of `--help` whose default is a number.
#[derive(Debug, PartialEq)]
struct NumericFlag {
    name: String,
    line: String,
    shows_range: bool,
    /// Its range starts at 0 or more (so -1 must be refused).
    unsigned: bool,
}

/// The flags of a clap `--help` text whose default is a number. A flag's
/// entry starts with `--name <VALUE>` and runs until the next flag.
fn numeric_flags(help: &str) -> Vec<NumericFlag> {
    let mut entries: Vec<String> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("--") || (trimmed.starts_with('-') && trimmed.contains(", --")) {
            entries.push(line.to_string());
        } else if let Some(last) = entries.last_mut() {
            last.push('\n');
            last.push_str(line);
        }
    }
    entries
        .into_iter()
        .filter_map(|entry| {
            let default = entry.split("[default: ").nth(1)?.split(']').next()?;
            default.trim().parse::<f64>().ok()?;
            let name = entry
                .split("--")
                .nth(1)?
                .split([' ', '=', '<'])
                .next()?
                .to_string();
            let value = entry.split('<').nth(1)?.split('>').next()?.to_string();
            let shows_range = value.contains("..");
            let unsigned = value
                .split("..")
                .next()
                .is_some_and(|low| !low.is_empty() && low.chars().all(|c| c.is_ascii_digit()));
            Some(NumericFlag {
                name: format!("--{name}"),
                line: entry,
                shows_range,
                unsigned,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_are_only_keys() {
        let out = "x: 1\n== result ==\nlost: 0\n[ 3.2 ms] pid 7 demonio | detached worker: step 4\n\
                   detached worker: step 5 of 30\nspeedup_2: 1.9\n";
        let results = result_lines(out);
        assert_eq!(results.len(), 2, "{results:?}");
        assert_eq!(results["lost"], "0");
        assert_eq!(results["speedup_2"], "1.9");
    }

    #[cfg(unix)]
    #[test]
    fn output_within_collects_output_and_kills_a_stuck_child() {
        let ok = output_within(
            Command::new("sh").args(["-c", "echo hola; echo oops >&2"]),
            Duration::from_secs(10),
        )
        .unwrap();
        assert!(ok.status.success());
        assert_eq!(ok.stdout, b"hola\n");
        assert_eq!(ok.stderr, b"oops\n");
        let started = Instant::now();
        let stuck =
            output_within(Command::new("sleep").arg("30"), Duration::from_millis(200)).unwrap_err();
        assert_eq!(stuck.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[cfg(unix)]
    #[test]
    fn a_grandchild_holding_the_pipe_is_reported_not_waited_for() {
        // sh exits at once; the sleep it leaves behind keeps stdout open.
        let pid_file =
            std::env::temp_dir().join(format!("output-within-{}.pid", std::process::id()));
        let script = format!("sleep 30 & echo $! > {}", pid_file.display());
        let started = Instant::now();
        let held = output_within(
            Command::new("sh").args(["-c", &script]),
            Duration::from_millis(200),
        )
        .unwrap_err();
        // End the sleep we left behind, whatever the verdict.
        if let Ok(pid) = std::fs::read_to_string(&pid_file) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        let _ = std::fs::remove_file(&pid_file);
        assert_eq!(held.kind(), io::ErrorKind::TimedOut, "{held}");
        assert!(held.to_string().contains("still held open"), "{held}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn reads_the_last_result_block() {
        let out = "== result ==\nold: 1\nprose\n== result ==\nlost_updates: 0\nspeedup_cpu: 1.92\nnote: a: b\n";
        let results = result_lines(out);
        assert_eq!(results.len(), 3, "{results:?}");
        assert_eq!(results["lost_updates"], "0");
        assert_eq!(results["note"], "a: b");
        assert!(result_lines("no block").is_empty());
    }

    #[test]
    fn finds_numeric_flags_in_help() {
        let help = "Usage: x [OPTIONS]\n\nOptions:\n      --threads <1..=64>\n          Hilos [default: 4]\n      --name <NAME>\n          A name [default: ana]\n      --ms <MS>  Wait [default: 10]\n  -h, --help  Print help\n";
        let flags = numeric_flags(help);
        assert_eq!(flags.len(), 2, "{flags:?}");
        assert_eq!(flags[0].name, "--threads");
        assert!(flags[0].shows_range && flags[0].unsigned);
        assert_eq!(flags[1].name, "--ms");
        assert!(!flags[1].shows_range);
    }
}
