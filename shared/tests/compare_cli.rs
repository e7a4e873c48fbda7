//! compare answers --help, shows --repeat's range, and rejects a bad flag
//! (and a negative number) with clap's message, never a panic.

use std::path::Path;

#[test]
fn help_and_bad_flags() {
    let problems = shared::testing::cli_problems(Path::new(env!("CARGO_BIN_EXE_compare")));
    assert!(problems.is_empty(), "{problems:#?}");
}
