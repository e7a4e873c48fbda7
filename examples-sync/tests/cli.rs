//! Every binary answers --help, and rejects a bad flag with a clear message and
//! a non-zero exit, never a panic.

use shared::testing::{cli_problems, sibling_binary};

#[test]
fn every_binary_has_help_and_rejects_a_bad_flag() {
    let problems: Vec<String> = examples_sync::EXAMPLES
        .iter()
        .filter(|example| built(example.name))
        .flat_map(|example| cli_problems(&sibling_binary(example.name)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// deadlock_detector exists only with `--features deadlock-detection`
/// (`required-features`); CI builds and tests it that way too.
fn built(name: &str) -> bool {
    name != "deadlock_detector" || cfg!(feature = "deadlock-detection")
}
