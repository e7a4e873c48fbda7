//! Every binary (the index too) ends quietly when its reader goes away
//! early (`cargo run --bin queue | head`): no "failed printing to stdout"
//! panic, exit status 0. `println!` would panic there, since Rust ignores
//! SIGPIPE and turns the failed write into a panic.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// target/<profile>/<name>: integration tests run from target/<profile>/deps.
fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join(name)
}

/// Small flags so the whole test stays quick; every binary still reaches
/// its closing lines.
fn small_flags(name: &str) -> &'static [&'static str] {
    match name {
        "race_condition" => &["--iterations", "1000"],
        "lock" => &["--iterations", "1000", "--rounds", "1", "--hold-ms", "1"],
        "double_lock" => &["--timeout-ms", "20"],
        "rlock" => &["--hold-ms", "1", "--iterations", "1000"],
        "semaphore" => &["--query-ms", "2"],
        "semaphore_signal" => &["--delay-ms", "1"],
        "event" => &["--delay-ms", "1", "--timeout-ms", "5"],
        "condition" => &["--produce-ms", "0", "--consume-ms", "0"],
        "barrier" => &["--work-ms", "1"],
        "queue" => &["--items", "100"],
        _ => &[],
    }
}

/// Runs `name` with its stdout a pipe nobody reads (the read end closed at
/// once); returns its exit success and what it wrote to stderr.
fn run_with_stdout_closed(name: &str, args: &[&str]) -> (bool, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut child = Command::new(bin(name))
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} did not finish within 60 s");
        }
        thread::sleep(Duration::from_millis(10)); // sleep-ok: polling a child process with a deadline
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    (status.success(), stderr)
}

#[test]
fn every_binary_ends_quietly_when_stdout_is_closed() {
    let index = std::iter::once("examples-sync");
    for name in index.chain(examples_sync::EXAMPLES.iter().map(|e| e.name)) {
        let (ok, stderr) = run_with_stdout_closed(name, small_flags(name));
        assert!(!stderr.contains("panicked"), "{name} panicked:\n{stderr}");
        assert!(ok, "{name} failed:\n{stderr}");
    }
}
