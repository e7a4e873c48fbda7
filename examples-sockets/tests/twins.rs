//! The Python twins of this crate's examples (python/sockets/) run small beside
//! their Rust example, with the same flags: the twin must print the Rust
//! example's result keys, and the keys that must agree (counts, orders,
//! nothing lost) must be equal, so a twin never rots. Needs python3 (3.9+):
//! without it these tests fail saying how to install it.

use shared::twins::{Agreement, check};

#[test]
fn tcp_echo_threaded() {
    let (python, _) = check(
        "sockets/tcp_echo_threaded.py",
        env!("CARGO_BIN_EXE_tcp_echo_threaded"),
        &["--few", "3", "--many", "20"],
        Agreement {
            own: &[],
            agree: &[("peak_connections", "peak_connections"), ("lines", "lines")],
        },
    );
    // A thread per connection: 17 more connections, at least 17 more threads.
    assert!(
        python.run.int("threads_at_many") >= python.run.int("threads_at_few") + 17,
        "{}",
        python.run
    );
}

#[test]
fn nonblocking() {
    let (python, _) = check(
        "sockets/nonblocking.py",
        env!("CARGO_BIN_EXE_nonblocking"),
        &["--delay-ms", "50"],
        Agreement {
            own: &[],
            agree: &[("would_block", "would_block"), ("bytes", "bytes")],
        },
    );
    // Retrying asks many times; select() sleeps and is woken about once.
    assert!(python.run.int("spin_tries") > 1, "{}", python.run);
    assert!(python.run.int("poll_wakeups") <= 2, "{}", python.run);
}

#[test]
fn mailbox() {
    let (python, _) = check(
        "sockets/mailbox.py",
        env!("CARGO_BIN_EXE_mailbox"),
        &["--letters", "9", "--burst", "200"],
        Agreement {
            own: &[],
            agree: &[
                ("letters", "letters"),
                ("delivered", "delivered"),
                ("misdelivered", "misdelivered"),
                ("udp_burst", "udp_burst"),
                ("tcp_delivered", "tcp_delivered"),
                ("in_order", "in_order"),
            ],
        },
    );
    assert_eq!(python.run.int("delivered"), 9, "{}", python.run);
}

/// `compare echo`'s set-up, small: the twin serves (`--serve --port 0`), the
/// Rust load client (echo_load) checks every echo, SIGTERM stops the twin,
/// which then says how many lines it served.
#[test]
fn echo_load_against_the_python_server() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    if let Err(e) = shared::twins::python_version() {
        panic!("{e}");
    }
    let mut server = Command::new(shared::twins::python())
        .arg(shared::twins::root().join("python/sockets/tcp_echo_threaded.py"))
        .args(["--serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start python3");
    // Read its output on a thread, so the wait for the port has a deadline.
    let mut out = BufReader::new(server.stdout.take().expect("piped"));
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut first = String::new();
        let _ = out.read_line(&mut first);
        let _ = tx.send(first);
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
        rest
    });
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_default();
    let port = first
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map(str::to_string);
    let Some(port) = port else {
        let _ = server.kill();
        let _ = server.wait();
        panic!("no port in {first:?}");
    };
    let load = shared::testing::run(
        env!("CARGO_BIN_EXE_echo_load"),
        &["--port", &port, "--connections", "4", "--rounds", "50"],
    );
    let pid = nix::unistd::Pid::from_raw(server.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let status = server.wait().expect("reap the server");
    let rest = reader.join().expect("the reader thread");
    let load = load.success();
    assert_eq!(load.int("echoes"), 200, "{load}");
    assert_eq!(load.int("expected"), 200, "{load}");
    let served = shared::testing::result_lines(&rest);
    assert!(status.success(), "server: {status}\n{rest}");
    assert_eq!(
        served.get("lines").map(String::as_str),
        Some("200"),
        "{rest}"
    );
}

#[test]
fn http_get() {
    check(
        "sockets/http_get.py",
        env!("CARGO_BIN_EXE_http_get"),
        &["--delay-ms", "10"],
        Agreement {
            own: &[],
            agree: &[
                ("status", "status"),
                ("body_bytes", "body_bytes"),
                ("content_length_ok", "content_length_ok"),
                ("async_same", "async_same"),
                ("chunked_body", "chunked_body"),
                ("chunks", "chunks"),
            ],
        },
    );
}

#[test]
fn epoll_echo() {
    check(
        "sockets/epoll_echo.py",
        env!("CARGO_BIN_EXE_epoll_echo"),
        &["--clients", "20", "--flood-mb", "1"],
        Agreement {
            own: &[],
            agree: &[
                ("clients", "clients"),
                ("process_threads", "process_threads"),
                ("peak_connections", "peak_connections"),
                ("flood_bytes_back", "flood_bytes_back"),
                ("lines", "lines"),
            ],
        },
    );
}

#[test]
fn tokio_echo() {
    check(
        "sockets/tokio_echo.py",
        env!("CARGO_BIN_EXE_tokio_echo"),
        &["--clients", "10", "--grace-ms", "200"],
        Agreement {
            own: &[],
            agree: &[
                ("clients", "clients"),
                ("peak_connections", "peak_connections"),
                ("closed_politely", "closed_politely"),
                ("cut_at_deadline", "cut_at_deadline"),
                ("refused_after_stop", "refused_after_stop"),
                ("open_after_stop", "open_after_stop"),
            ],
        },
    );
}

#[test]
fn tcp_echo_blocking() {
    check(
        "sockets/tcp_echo_blocking.py",
        env!("CARGO_BIN_EXE_tcp_echo_blocking"),
        &[],
        Agreement {
            own: &[],
            agree: &[
                ("echo_ok", "echo_ok"),
                ("seen_listen", "seen_listen"),
                ("seen_established", "seen_established"),
                ("seen_close_wait", "seen_close_wait"),
                ("seen_time_wait", "seen_time_wait"),
                ("second_waited", "second_waited"),
                ("served_at_once", "served_at_once"),
            ],
        },
    );
}

#[test]
fn distributed_work() {
    check(
        "sockets/distributed_work.py",
        env!("CARGO_BIN_EXE_distributed_work"),
        &["--chunks", "6", "--n", "20000"],
        Agreement {
            own: &["missing"],
            agree: &[
                ("chunks", "chunks"),
                ("workers", "workers"),
                ("correct", "correct"),
                ("redone", "redone"),
            ],
        },
    );
}

/// The twin's lesson: the standard library's queue does not notice a lost
/// worker. With a worker killed mid-chunk the twin gives up after its
/// deadline and says which chunk never came back (it does not hang, and
/// leaves no process behind); the Rust example, same flags, redoes it.
#[test]
fn distributed_work_a_killed_worker_s_chunk_is_gone_in_python_and_redone_in_rust() {
    use shared::twins::{python_version, run_rust, run_twin};
    use std::time::Duration;
    if let Err(e) = python_version() {
        panic!("{e}");
    }
    let args = [
        "--fault",
        "kill",
        "--workers",
        "3",
        "--chunks",
        "6",
        "--n",
        "20000",
        "--deadline-ms",
        "300",
    ];
    let deadline = Duration::from_secs(60);
    let python = run_twin("sockets/distributed_work.py", &args, deadline);
    let run = &python.run;
    // An incorrect sum is a failed job, as in Rust: exit 1, after the result lines.
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert_eq!(run.get("correct"), "false", "{run}");
    assert_eq!(run.int("missing"), 1, "{run}");
    assert_eq!(run.int("redone"), 0, "{run}");
    assert_eq!(run.int("workers_lost"), 1, "{run}");
    assert!(run.stderr.contains("never came back"), "{run}");
    // The manager's server and every worker are gone (or zombies of an exited parent).
    let pids: Vec<u32> = (run.stdout.lines())
        .filter_map(|l| l.split("(pid ").nth(1)?.split(')').next()?.parse().ok())
        .collect();
    assert_eq!(pids.len(), 4, "the manager and 3 workers:\n{run}");
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(") ").next().unwrap_or("").chars().next();
        assert!(
            matches!(state, None | Some('Z')),
            "process {pid} still alive: {stat}\n{run}"
        );
    }
    let rust = run_rust(
        std::path::Path::new(env!("CARGO_BIN_EXE_distributed_work")),
        &args,
        deadline,
    );
    let rust = rust.run.success();
    assert_eq!(rust.get("correct"), "true", "{rust}");
    assert!(rust.int("redone") >= 1, "{rust}");
}
