//! fifo: the message crosses a named pipe from the writer proceso to the
//! reader proceso, whole and in order; the FIFO is removed afterwards, also
//! when the writer fails before opening it (the reader does not hang); the
//! writer continues the reader's output clock; and the writer, a child of a
//! parent that blocked SIGINT/SIGTERM for its signal thread, still dies of
//! SIGTERM at once. No child is left behind.
//!
//! One test on purpose: the hygiene check looks at every child of this
//! test process.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use common::{ReapOnExit, empty_dir, entries};
use examples_processes::hygiene::{become_subreaper, leftover_children, reap_all_children};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use shared::testing::{result_lines, run, run_command};

const FIFO: &str = env!("CARGO_BIN_EXE_fifo");

#[test]
fn the_message_crosses_and_the_fifo_is_removed_even_on_error() {
    become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
    let _cleanup = ReapOnExit; // whatever fails below, no child outlives the test
    let dir = empty_dir("fifo");
    let dir_arg = format!("--dir={}", dir.display());

    let ok = run(FIFO, &["--message", "hola fifo", "--lines", "5", &dir_arg]).success();
    assert_eq!(ok.int("items"), 5, "{ok}");
    assert_eq!(ok.get("in_order"), "true", "{ok}");
    assert_eq!(ok.get("fifo_removed"), "true", "{ok}");
    assert_ne!(
        ok.int("writer_pid"),
        ok.int("reader_pid"),
        "two procesos:\n{ok}"
    );
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));

    // One clock: the writer (a child) stamps on the reader's clock, so its
    // first "sent" comes after the reader started it and before the reader
    // received it. The reader waits 300 ms before starting the writer: a
    // writer on a clock of its own would stamp a few ms, before that.
    let clock = run(
        FIFO,
        &["--lines", "2", "--writer-after-ms", "300", &dir_arg],
    )
    .success();
    let (started, sent, received) = (
        clock.num("writer_started_ms"),
        clock.num("first_sent_ms"),
        clock.num("first_received_ms"),
    );
    assert!(started >= 300.0, "{clock}");
    assert!(started <= sent && sent <= received, "{clock}");

    // A long transfer: 10,000 lines of ~1 KB (10 MB) arrive whole, in order.
    let long = format!("--message={}", "x".repeat(1000));
    let big = run(FIFO, &[&long, "--lines", "10000", &dir_arg]).success();
    assert_eq!(big.int("items"), 10_000, "{}", big.stderr);
    assert_eq!(big.get("in_order"), "true");

    // A message that starts with '-' reaches the writer as text, not a flag.
    let dash = run(FIFO, &["--message=--hola", "--lines", "2", &dir_arg]).success();
    assert_eq!(dash.get("in_order"), "true", "{dash}");

    // Error path: the writer fails before opening; no hang, FIFO removed.
    let crash = run(FIFO, &["--writer-crashes", &dir_arg]);
    assert!(!crash.status.success(), "{crash}");
    assert!(crash.stderr.contains("without opening the FIFO"), "{crash}");
    assert!(!crash.stderr.contains("panicked"), "{crash}");
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));

    // The writer alone, on a FIFO nobody reads: it fails at once, no hang.
    let orphan_fifo = dir.join("nobody-reads");
    nix::unistd::mkfifo(&orphan_fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let alone = run_command(
        Command::new(FIFO)
            .env(examples_processes::child::ROLE_ENV, "fifo-writer")
            .arg("--fifo")
            .arg(&orphan_fifo),
        Duration::from_secs(20),
    );
    assert!(
        !alone.status.success() && alone.stderr.contains("no reader has"),
        "{alone}"
    );
    std::fs::remove_file(&orphan_fifo).expect("remove the test FIFO");

    the_writer_dies_of_sigterm_at_once(&dir_arg);

    let left = leftover_children();
    let cleanup = reap_all_children(Duration::from_secs(5));
    assert!(left.is_clean(), "{left} (cleaned up: {cleanup})");
    let _ = std::fs::remove_dir(&dir);
}

/// The reader blocks SIGINT and SIGTERM (its signal thread takes them) and
/// a signal mask survives exec: the writer must unblock them, or `kill -TERM
/// <writer>` would do nothing until its 60 s pause ends.
fn the_writer_dies_of_sigterm_at_once(dir_arg: &str) {
    let mut reader = Command::new(FIFO)
        .args(["--lines", "2", "--interval-ms", "60000", dir_arg])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fifo");
    let until = Instant::now() + Duration::from_secs(30);
    let children = format!("/proc/{0}/task/{0}/children", reader.id());
    let writer = loop {
        let text = std::fs::read_to_string(&children).unwrap_or_default();
        if let Some(pid) = text.split_whitespace().next() {
            break pid.parse::<i32>().expect("a pid");
        }
        assert!(Instant::now() < until, "the reader started no writer");
        std::thread::sleep(Duration::from_millis(5)); // sleep-ok: polling /proc with a deadline
    };
    // The reader's stdout, read on a thread: every read below has a deadline.
    let (lines, seen) = std::sync::mpsc::channel::<String>();
    let out = reader.stdout.take().expect("piped");
    let collector = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdout = String::new();
    let mut next_line = |until: Instant| -> Result<String, RecvTimeoutError> {
        let left = until.saturating_duration_since(Instant::now());
        let line = seen.recv_timeout(left)?;
        stdout.push_str(&line);
        stdout.push('\n');
        Ok(line)
    };
    // Wait until line 1 has crossed: the writer is then in its 60 s pause
    // (line 2 comes only after it), so `items` is 1 when SIGTERM ends it.
    loop {
        match next_line(until) {
            Ok(line) if line.contains("line 1: ") => break,
            Ok(_) => {}
            Err(_) => {
                let _ = reader.kill();
                let _ = reader.wait();
                panic!("line 1 never reached the reader");
            }
        }
    }
    // A first /proc sample may come before the writer unblocked its
    // signals (the first thing it does): poll until SIGTERM is unblocked,
    // and fail only if it stays blocked until the deadline.
    let status = format!("/proc/{writer}/status");
    loop {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        let blocked = text
            .lines()
            .find(|l| l.starts_with("SigBlk:"))
            .unwrap_or_default()
            .to_string();
        let mask = u64::from_str_radix(blocked.trim_start_matches("SigBlk:").trim(), 16);
        if mask.is_ok_and(|mask| mask & (1 << (Signal::SIGTERM as i32 - 1)) == 0) {
            break;
        }
        if Instant::now() >= until {
            let _ = reader.kill();
            let _ = reader.wait();
            panic!("SIGTERM still blocked in the writer: {blocked:?}");
        }
        std::thread::sleep(Duration::from_millis(5)); // sleep-ok: polling /proc with a deadline
    }
    let sent = Instant::now();
    kill(Pid::from_raw(writer), Signal::SIGTERM).expect("kill -TERM the writer");
    let status = loop {
        if let Some(status) = reader.try_wait().expect("try_wait") {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(30) {
            let _ = reader.kill();
            let _ = reader.wait();
            panic!("SIGTERM did not end the writer (blocked?)");
        }
        std::thread::sleep(Duration::from_millis(5)); // sleep-ok: polling try_wait with a deadline
    };
    // The reader has exited: the rest of its stdout comes at once (the
    // thread ends at end-of-file); still, wait for it with a deadline.
    let rest = Instant::now() + Duration::from_secs(20);
    loop {
        match next_line(rest) {
            Ok(_) => {}
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => panic!("the reader's stdout did not close"),
        }
    }
    collector.join().expect("the stdout thread");
    let results = result_lines(&stdout);
    assert!(!status.success(), "the reader reports the writer's death");
    assert_eq!(
        results["writer_exit"], "killed by signal 15 (SIGTERM)",
        "{stdout}"
    );
    assert_eq!(results["items"], "1", "{stdout}");
}
