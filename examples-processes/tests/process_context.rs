//! process_context: a child's change never reaches the parent's variables.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::{lines_with, number_after};

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_process_context"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run process_context");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn parents_value_is_unchanged_after_each_child_changed_its_own() {
    let out = run(&["--value", "7", "--child-value", "1234"]);
    assert_eq!(number_after(&out, "before: counter ="), Some(7.0), "{out}");

    // Both children really changed their counter...
    let changed = lines_with(&out, "child now has: counter = 1234");
    assert_eq!(changed.len(), 2, "{out}");
    let parent = pid_of_parent(&out);
    assert!(
        changed
            .iter()
            .all(|l| number_after(l, "] pid") != Some(parent)),
        "{out}"
    );

    // ...and after each join the parent still has its own 7 and its list.
    let after = lines_with(&out, "after join:");
    assert_eq!(after.len(), 2, "{out}");
    for line in after {
        assert_eq!(number_after(line, "counter ="), Some(7.0), "{line}");
        assert!(line.contains("list = [1, 2, 3, 0]"), "{line}");
    }
    assert!(out.contains("(unchanged)"), "{out}");
}

#[test]
fn forked_child_sees_a_copy_spawned_child_sees_the_initial_values() {
    let out = run(&["--value", "7"]);
    assert_eq!(
        number_after(&out, "forked child: I see counter ="),
        Some(7.0),
        "{out}"
    );
    assert_eq!(
        number_after(&out, "spawned child: I see counter ="),
        Some(0.0),
        "{out}"
    );
}

#[test]
fn forked_child_writes_at_the_same_address_and_the_parent_keeps_its_value() {
    let out = run(&["--value", "7", "--child-value", "1234"]);
    let fork_section = &out[..out.find("== spawn").expect("spawn section")];
    let address = |line: &str| -> String {
        let at = line.find("(at address ").expect("an address") + "(at address ".len();
        line[at..].split(')').next().unwrap().to_string()
    };
    let parent_before = lines_with(fork_section, "before: counter =")[0];
    let child_after = lines_with(fork_section, "child now has: counter =")[0];
    let parent_after = lines_with(fork_section, "after join: counter =")[0];
    let addr = address(parent_before);
    assert!(addr.starts_with("0x"), "{parent_before}");
    // The same virtual address in both processes...
    assert_eq!(address(child_after), addr, "{out}");
    assert_eq!(address(parent_after), addr, "{out}");
    // ...holding two different values.
    assert_eq!(
        number_after(child_after, "counter ="),
        Some(1234.0),
        "{out}"
    );
    assert_eq!(number_after(parent_after, "counter ="), Some(7.0), "{out}");
    assert_ne!(
        number_after(child_after, "] pid"),
        number_after(parent_after, "] pid"),
        "written by two processes"
    );
}

/// The pid on the parent's "before:" line.
fn pid_of_parent(out: &str) -> f64 {
    let line = lines_with(out, "before: counter")[0];
    number_after(line, "] pid").unwrap()
}
