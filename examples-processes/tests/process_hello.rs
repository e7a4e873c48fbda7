//! process_hello: the child is another process, and its parent is us.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_process_hello"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run process_hello");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The pids on the child's and the parent's hello lines, for one method.
struct Pids {
    parent: f64,
    parent_says_child: f64,
    child: f64,
    childs_parent: f64,
    /// The pid in the line's `pid N` column, from the process that wrote it.
    child_column: f64,
}

fn pids(section: &str) -> Pids {
    let child_line = section
        .lines()
        .find(|l| l.contains("Hola desde el proceso hijo"))
        .unwrap_or_else(|| panic!("no child hello in:\n{section}"));
    let parent_line = section
        .lines()
        .find(|l| l.contains("Hola desde el proceso padre"))
        .unwrap_or_else(|| panic!("no parent hello in:\n{section}"));
    Pids {
        parent: number_after(parent_line, "my pid is").unwrap(),
        parent_says_child: number_after(parent_line, "I started child pid").unwrap(),
        child: number_after(child_line, "my pid is").unwrap(),
        childs_parent: number_after(child_line, "my parent's pid is").unwrap(),
        child_column: number_after(child_line, "] pid").unwrap(),
    }
}

fn check(pids: &Pids) {
    assert_ne!(pids.child, pids.parent, "the child is another process");
    assert_eq!(
        pids.childs_parent, pids.parent,
        "the child's parent is the parent"
    );
    assert_eq!(
        pids.child, pids.parent_says_child,
        "the parent started that child"
    );
    assert_eq!(
        pids.child, pids.child_column,
        "the child's line was written by the child"
    );
}

#[test]
fn spawned_child_is_another_process_whose_parent_is_us() {
    let out = run(&["--method", "spawn"]);
    assert!(out.contains("== spawn"), "{out}");
    assert!(!out.contains("== fork"), "{out}");
    check(&pids(&out));
    assert!(out.contains("exit code 0"), "{out}");
}

#[test]
fn forked_child_is_another_process_whose_parent_is_us() {
    let out = run(&["--method", "fork"]);
    assert!(out.contains("== fork"), "{out}");
    check(&pids(&out));
}

#[test]
fn both_methods_run_by_default_each_with_its_own_child() {
    let out = run(&[]);
    let fork_at = out.find("== fork").expect("fork section");
    let spawn_at = out.find("== spawn").expect("spawn section");
    let (fork, spawn) = if fork_at < spawn_at {
        (&out[fork_at..spawn_at], &out[spawn_at..])
    } else {
        (&out[fork_at..], &out[spawn_at..fork_at])
    };
    let (f, s) = (pids(fork), pids(spawn));
    check(&f);
    check(&s);
    assert_ne!(f.child, s.child, "two different children");
    assert_eq!(f.parent, s.parent, "one parent");
}

#[test]
fn a_zero_join_timeout_is_refused_by_clap() {
    let output = Command::new(env!("CARGO_BIN_EXE_process_hello"))
        .args(["--join-timeout-ms", "0"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--join-timeout-ms"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
