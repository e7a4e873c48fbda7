//! Small helpers for the example crates' integration tests, which run the
//! real binaries and read what they print.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
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
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let out_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
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
    Ok(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
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
    problems
}

/// The number that follows `label` on the first line containing it:
/// `number_after("final count: 1999 of 2000", "final count:") == Some(1999.0)`.
/// Thousands separators (`,` and `_`) are ignored.
pub fn number_after(text: &str, label: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.contains(label))?;
    let rest = &line[line.find(label)? + label.len()..];
    let token: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ',' | '_'))
        .filter(|c| !matches!(c, ',' | '_'))
        .collect();
    token.trim_end_matches('.').parse().ok()
}

/// Every line of `text` that contains `needle`.
pub fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_numbers_after_labels() {
        let text = "hello\nfinal count: 1,999 of 2000\nspeed-up: 1.85x\n";
        assert_eq!(number_after(text, "final count:"), Some(1999.0));
        assert_eq!(number_after(text, "speed-up:"), Some(1.85));
        assert_eq!(number_after(text, "missing:"), None);
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

    #[test]
    fn collects_matching_lines() {
        assert_eq!(lines_with("a1\nb\na2", "a"), vec!["a1", "a2"]);
    }
}
