//! The crate's index, its src/bin files and the README list the same examples.

#[test]
fn index_bins_and_readme_agree() {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let problems = shared::index::mismatches(crate_dir, examples_sockets::EXAMPLES);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_default_binary_prints_the_index() {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_examples-sockets"))
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for example in examples_sockets::EXAMPLES {
        assert!(
            text.contains(example.name),
            "{} missing from:\n{text}",
            example.name
        );
    }
}
