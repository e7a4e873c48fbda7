//! thread_pool: map keeps input order; as_completed yields in completion order;
//! every task runs exactly once; a panic is an error and the pool keeps working.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thread_pool"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn list_after(out: &str, label: &str) -> Vec<u64> {
    let line = out
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no {label} in:\n{out}"));
    let inside = &line[line.rfind('[').unwrap() + 1..line.rfind(']').unwrap()];
    inside.split(", ").map(|n| n.parse().unwrap()).collect()
}

#[test]
fn pool_behaves_like_thread_pool_executor() {
    // A worker per task, so each task finishes after its own pretend work.
    let out = run(&["--workers", "6", "--tasks", "6", "--unit-ms", "40"]);
    assert_eq!(
        number_after(&out, "submit(square, 5).result() ="),
        Some(25.0),
        "{out}"
    );

    let squares = vec![1, 4, 9, 16, 25, 36];
    assert_eq!(
        list_after(&out, "map results (input order):"),
        squares,
        "{out}"
    );
    assert_eq!(
        list_after(&out, "rayon par_iter().map() (input order):"),
        squares,
        "{out}"
    );

    // The tasks did not finish in input order (their work is shuffled)...
    let finished = list_after(&out, "inputs in the order they finished:");
    assert_ne!(finished, vec![1, 2, 3, 4, 5, 6], "{out}");

    // ...and as_completed yields each value with strictly increasing
    // completion numbers: exactly the order they finished in.
    let yields: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("| as_completed yield"))
        .collect();
    assert_eq!(yields.len(), 6, "{out}");
    let mut last_completion = -1.0;
    let mut yielded = Vec::new();
    for (k, line) in yields.iter().enumerate() {
        assert_eq!(
            number_after(line, "as_completed yield"),
            Some(k as f64),
            "{line}"
        );
        let x = number_after(line, "square(").unwrap();
        assert_eq!(number_after(line, ") ="), Some(x * x), "{line}");
        let completion = number_after(line, "(completion #").unwrap();
        assert!(completion > last_completion, "{out}");
        last_completion = completion;
        yielded.push(x as u64);
    }
    // Every task was yielded once, and not in input order: as_completed is
    // not map. (The same shuffled work as map's finishes in the same order,
    // 40 ms apart, but a stalled machine may swap two neighbours between the
    // two runs, so the orders are not compared to each other.)
    let mut each_once = yielded.clone();
    each_once.sort();
    assert_eq!(each_once, vec![1, 2, 3, 4, 5, 6], "{out}");
    assert_ne!(yielded, vec![1, 2, 3, 4, 5, 6], "{out}");

    assert!(out.contains("wait: 6 done, 0 not done"), "{out}");
    assert_eq!(
        list_after(&out, "their results, kept in the handles:"),
        squares,
        "{out}"
    );
    assert!(
        out.contains("Err(the task panicked: esta tarea falla a propósito)"),
        "{out}"
    );
    assert!(out.contains("submit(square, 6).result() = 36"), "{out}");
    assert!(
        out.contains("tasks run exactly once: 18 of 18; run another number of times: 0"),
        "{out}"
    );
    let mut rayon_finish = list_after(&out, "rayon scope + channel");
    rayon_finish.sort();
    assert_eq!(rayon_finish, vec![1, 2, 3, 4, 5, 6], "{out}");
}

#[test]
fn one_worker_finishes_in_input_order_and_says_so() {
    // With a single worker the tasks run one after another: the closing
    // sentence must report that, not claim a different order.
    let out = run(&["--workers", "1", "--tasks", "3", "--unit-ms", "0"]);
    assert_eq!(
        list_after(&out, "inputs in the order they finished:"),
        vec![1, 2, 3],
        "{out}"
    );
    assert!(out.contains("happened to finish in input order"), "{out}");
}
