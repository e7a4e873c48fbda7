//! Pieces shared by the tests that run a proceso example and then check
//! that nothing (no child, no file) is left behind.
#![allow(dead_code)] // each test file uses only some of these

use std::path::{Path, PathBuf};
use std::time::Duration;

use examples_processes::hygiene::reap_all_children;

/// A fresh, empty directory for one test's temp files.
pub fn empty_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}

/// The names of what is in `dir`.
pub fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read test dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Kills and reaps every child of the test when dropped: whatever fails in
/// a test, no child outlives it.
pub struct ReapOnExit;

impl Drop for ReapOnExit {
    fn drop(&mut self) {
        let _ = reap_all_children(Duration::from_secs(5));
    }
}
