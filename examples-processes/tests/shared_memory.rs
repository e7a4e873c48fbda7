//! shared_memory: a child's writes to shared memory reach the parent;
//! unsynchronised increments from several processes lose updates, while the
//! atomic and the cross-process lock lose none.

use std::time::Duration;

use shared::testing::run;

const BIN: &str = env!("CARGO_BIN_EXE_shared_memory");

#[test]
fn the_childs_writes_reach_the_parent() {
    let run = run(BIN, &["--iterations", "1000"]).success();
    assert!(
        (run.num("num") - std::f64::consts::PI).abs() < 1e-12,
        "{run}"
    );
    assert_eq!(run.get("arr"), "0,-1,-2,-3,-4,-5,-6,-7,-8,-9", "{run}");
}

#[test]
fn unsynchronised_loses_updates_atomic_and_lock_lose_none() {
    // 2 processes x 500,000: long enough to overlap on two cores even on a
    // busy machine; the example re-runs a lossy way (here up to 20 times)
    // that happened not to overlap, and says so.
    let run = run(
        BIN,
        &[
            "--processes",
            "2",
            "--iterations",
            "500000",
            "--attempts",
            "20",
        ],
    )
    .success();
    // Updates are lost only when two processes run AT THE SAME TIME, which
    // needs two cores: with one, a loss is possible but not to be expected.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores > 1 {
        assert!(run.int("lost_no_lock") > 0, "{run}");
    } else {
        eprintln!("one core: not asserting that the unsynchronised way loses updates");
    }
    assert_eq!(run.int("expected"), 1_000_000, "{run}");
    assert_eq!(run.int("lost_atomic"), 0, "{run}");
    assert_eq!(run.int("lost_shared_lock"), 0, "{run}");
    assert_eq!(run.int("got_atomic"), 1_000_000, "{run}");
    assert_eq!(run.int("got_shared_lock"), 1_000_000, "{run}");
}

#[test]
fn one_process_is_refused_it_could_not_race() {
    let run = run(BIN, &["--processes", "1"]);
    assert_eq!(run.status.code(), Some(2), "{run}");
    assert!(
        run.stderr.contains("--processes") && !run.stderr.contains("panicked"),
        "{run}"
    );
}

/// A counting child killed from outside: the parent notices at once (it
/// waits for all its children together), kills and reaps the other one, and
/// fails with a clear message, instead of waiting for a sibling that may be
/// spinning on a lock the dead one held.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_counter_ends_the_run_at_once() {
    use examples_processes::hygiene::children_of;
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    use std::time::Instant;

    let mut parent = Command::new(env!("CARGO_BIN_EXE_shared_memory"))
        .args(["--iterations", "1000000000", "--attempts", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start shared_memory");
    let pid = parent.id() as i32;
    let mut stdout = BufReader::new(parent.stdout.take().unwrap());
    let mut stderr = parent.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    // The parent prints this once both counters are forked.
    let mut line = String::new();
    while !line.contains("processes counting") {
        line.clear();
        let read = stdout.read_line(&mut line).expect("read stdout");
        assert!(read > 0, "shared_memory ended before counting");
    }
    let counters = children_of(pid);
    assert_eq!(counters.len(), 2, "two counting children: {counters:?}");
    // The LAST one: a parent waiting for its children in order would first
    // wait for the other, which has 1,000,000,000 increments to go (about a
    // minute in a debug build).
    let victim = counters[1].pid;
    let killed = Instant::now();
    kill(Pid::from_raw(victim), Signal::SIGKILL).expect("kill a counter");

    let until = killed + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = parent.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= until {
            let _ = parent.kill();
            let _ = parent.wait();
            panic!("the parent still waits 20 s after a counter was killed");
        }
        std::thread::sleep(Duration::from_millis(5)); // sleep-ok: polling try_wait with a deadline
    };
    let err = errors.join().unwrap();
    assert!(!status.success());
    assert!(
        err.contains("did not end well: killed by signal 9 (SIGKILL)"),
        "{err}"
    );
    for counter in counters {
        assert!(
            examples_processes::hygiene::stat_of(counter.pid).is_none(),
            "counter {} was not killed and reaped",
            counter.pid
        );
    }
}
