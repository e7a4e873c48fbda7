//! The crate's index, its src/bin files and the README list the same examples.

#[test]
fn index_bins_and_readme_agree() {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let problems = shared::index::mismatches(crate_dir, examples_sync::EXAMPLES);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_default_binary_prints_the_index() {
    let run = shared::testing::run(env!("CARGO_BIN_EXE_examples-sync"), &[]).success();
    for example in examples_sync::EXAMPLES {
        assert!(
            run.stdout.contains(example.name),
            "{} missing:\n{run}",
            example.name
        );
    }
}
