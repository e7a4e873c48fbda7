//! barrier: no hilo starts a phase before every hilo finished the previous
//! one. The test re-checks the recorded times itself rather than trusting
//! the example's own verdict.

use std::time::Duration;

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_barrier"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run barrier");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Every "record: hilo H phase P from S to E µs" line, as (P, H, S, E).
fn records(out: &str) -> Vec<(u64, u64, u128, u128)> {
    out.lines()
        .filter_map(|l| l.split("record: hilo ").nth(1))
        .map(|rest| {
            let words: Vec<&str> = rest.split_whitespace().collect();
            // H phase P from S to E µs
            (
                words[2].parse().unwrap(),
                words[0].parse().unwrap(),
                words[4].parse().unwrap(),
                words[6].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn no_hilo_starts_a_phase_before_all_finished_the_previous_one() {
    let (threads, phases) = (4u64, 3u64);
    let out = run(&["--threads", "4", "--phases", "3", "--work-ms", "5"]);
    let spans = records(&out);
    assert_eq!(spans.len() as u64, threads * phases, "{out}");
    for phase in 2..=phases {
        let latest_end = spans
            .iter()
            .filter(|s| s.0 == phase - 1)
            .map(|s| s.3)
            .max()
            .unwrap();
        let earliest_start = spans
            .iter()
            .filter(|s| s.0 == phase)
            .map(|s| s.2)
            .min()
            .unwrap();
        assert!(
            earliest_start >= latest_end,
            "phase {phase} began early:\n{out}"
        );
    }
    assert!(out.contains("finished the one before: yes"), "{out}");
    // hilo 3 works 4 x 5 ms in phase 1, hilo 0 5 ms: hilo 0 waited.
    assert!(out.contains("the fastest hilo waited"), "{out}");
    assert!(!out.contains("WRONG"), "{out}");
    // Exactly one leader per barrier round.
    assert_eq!(
        out.matches("(is_leader)").count() as u64,
        phases - 1,
        "{out}"
    );
}
