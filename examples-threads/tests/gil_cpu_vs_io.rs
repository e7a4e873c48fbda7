//! gil_cpu_vs_io: behind the simulated GIL the CPU speed-up stays near 1;
//! without it, above 1 on a multi-core machine; I/O-bound overlaps in both.
//!
//! The GIL's effect is asserted exactly (never two hilos computing at once,
//! from the timeline). The waits' overlap is a ratio but holds however busy
//! the machine is (sleeping threads need no core). CPU speed-ups are
//! ratios of wall times, which another program on the machine decides as much
//! as the example: with both cores busy elsewhere, two free threads cannot
//! beat one, and sleeping GIL threads even beat a busy single thread, because
//! the scheduler favours threads that have just woken. So each attempt before
//! and afterwards checks that a second core is free, and the CPU ratios are
//! asserted only on attempts where it was (best of three): the claim is that
//! the machine *can* show it, not that every run on a busy machine does.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use shared::testing::number_after;
use shared::timing::process_cpu_time;

struct Run {
    out: String,
    free: f64,
    gil: f64,
    io_free: f64,
    io_gil: f64,
}

fn run() -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_gil_cpu_vs_io"))
        .args(["--threads", "2", "--jobs", "4", "--n", "2000000"])
        .args([
            "--switch-every",
            "50000",
            "--io-tasks",
            "4",
            "--io-ms",
            "100",
        ])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(!out.contains("WRONG RESULT"), "{out}");
    // Exact, whatever the load: the GIL lets one hilo compute at a time.
    assert_eq!(
        number_after(
            &out,
            "most hilos computing at the same instant, behind the GIL:"
        ),
        Some(1.0),
        "{out}"
    );
    assert!(
        out.contains("hilo-0 |") && out.contains("io-3"),
        "timelines drawn\n{out}"
    );
    let get = |label: &str| number_after(&out, label).unwrap_or_else(|| panic!("{label}\n{out}"));
    Run {
        free: get("speed-up, CPU, threads free:"),
        gil: get("speed-up, CPU, threads behind the GIL:"),
        io_free: get("speed-up, I/O, threads free:"),
        io_gil: get("speed-up, I/O, threads behind the GIL:"),
        out,
    }
}

/// Is a second core free right now? Two threads spin for 100 ms; on two free
/// cores the process gets close to 200 ms of CPU time, on a machine whose
/// cores are busy with other work close to 100 ms or less. This measures the
/// machine, not the example, so a broken example still fails on a quiet one.
fn second_core_is_free() -> bool {
    let spin = Duration::from_millis(100);
    let start = Barrier::new(2);
    let (Some(cpu_before), wall_before) = (process_cpu_time(), Instant::now()) else {
        return false;
    };
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                start.wait();
                let began = Instant::now();
                while began.elapsed() < spin {
                    std::hint::spin_loop();
                }
            });
        }
    });
    let cpu = process_cpu_time().map_or(Duration::ZERO, |after| after - cpu_before);
    cpu.as_secs_f64() / wall_before.elapsed().as_secs_f64() > 1.6
}

#[test]
fn gil_serialises_cpu_work_but_not_io() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut judged = 0;
    let mut waits_overlapped = false;
    let mut last = String::new();
    for _attempt in 0..3 {
        let quiet_before = cores >= 2 && second_core_is_free();
        let r = run();
        let quiet = quiet_before && second_core_is_free();
        // Four 100 ms waits (ideal 4x) overlap, GIL or not, however busy
        // the machine is: sleeping threads need no core.
        let io_overlaps = r.io_free > 2.0 && r.io_gil > 2.0;
        // Behind one lock two threads cannot beat one thread by much; free
        // threads use the second core.
        let cpu_as_claimed = r.gil < 1.3 && r.free > 1.1 && r.free > r.gil;
        if io_overlaps && quiet && cpu_as_claimed {
            return;
        }
        waits_overlapped |= io_overlaps;
        judged += usize::from(quiet);
        last = r.out;
    }
    if judged == 0 && waits_overlapped {
        // Not a pass of the speed-up claim, and the output says so; the exact
        // claim (one hilo at a time behind the GIL) held on every run.
        eprintln!("no second core was free in any attempt: CPU speed-ups not asserted");
        return;
    }
    panic!(
        "no run showed the expected ratios ({judged} of 3 had a free second core, {cores} cores); last:\n{last}"
    );
}
