//! Every binary answers --help, and rejects a bad flag with a clear message and
//! a non-zero exit, never a panic.

use shared::testing::{cli_problems, sibling_binary};

#[test]
fn every_binary_has_help_and_rejects_a_bad_flag() {
    let problems: Vec<String> = examples_sockets::EXAMPLES
        .iter()
        .flat_map(|example| cli_problems(&sibling_binary(example.name)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
