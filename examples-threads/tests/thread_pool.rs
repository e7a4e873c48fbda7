//! thread_pool: map keeps input order; as_completed yields in completion order;
//! every task runs once; a panic is an error and the pool keeps working.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_thread_pool"))
        // A worker per task: the tasks finish one by one, 30 ms apart.
        .args(["--workers", "6", "--tasks", "6", "--unit-ms", "30"])
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
        .unwrap_or_else(|| panic!("no {label}"));
    let inside = &line[line.rfind('[').unwrap() + 1..line.rfind(']').unwrap()];
    inside.split(", ").map(|n| n.parse().unwrap()).collect()
}

#[test]
fn pool_behaves_like_thread_pool_executor() {
    let out = run();
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

    // as_completed: the k-th value yielded is the k-th task to finish (the
    // tasks finish 30 ms apart, last input first); map's order is the input's.
    let yields: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("| as_completed yield"))
        .collect();
    assert_eq!(yields.len(), 6, "{out}");
    for (k, line) in yields.iter().enumerate() {
        assert_eq!(
            number_after(line, "as_completed yield"),
            Some(k as f64),
            "{line}"
        );
        assert_eq!(
            number_after(line, "finished as number"),
            Some(k as f64),
            "{line}"
        );
        let x = number_after(line, "square(").unwrap();
        assert_eq!(number_after(line, ") ="), Some(x * x), "{line}");
    }

    // And that order is not the submission order: the shortest (last) input first.
    let yielded: Vec<f64> = yields
        .iter()
        .map(|l| number_after(l, "square(").unwrap())
        .collect();
    assert_eq!(yielded, vec![6.0, 5.0, 4.0, 3.0, 2.0, 1.0], "{out}");

    assert!(out.contains("wait: 6 done, 0 not done"), "{out}");
    assert!(
        out.contains("Err(the task panicked: esta tarea falla a propósito)"),
        "{out}"
    );
    assert!(out.contains("submit(square, 6).result() = 36"), "{out}");
    assert!(out.contains("tasks run: 18 of 18"), "{out}");
    let mut rayon_finish = list_after(&out, "rayon scope + channel");
    rayon_finish.sort();
    assert_eq!(rayon_finish, vec![1, 2, 3, 4, 5, 6], "{out}");
}
