//! Every binary answers --help, and rejects a bad flag with a clear message and
//! a non-zero exit, never a panic.

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;

/// target/<profile>/<name>: integration tests run from target/<profile>/deps.
fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join(name)
}

#[test]
fn every_binary_has_help_and_rejects_a_bad_flag() {
    for example in examples_sync::EXAMPLES {
        let help = Command::new(bin(example.name))
            .arg("--help")
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert!(help.status.success(), "{}: --help failed", example.name);
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("Usage:"),
            "{}",
            example.name
        );

        let bad = Command::new(bin(example.name))
            .arg("--no-such-flag")
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert_eq!(bad.status.code(), Some(2), "{}: {stderr}", example.name);
        assert!(
            stderr.contains("unexpected argument '--no-such-flag'"),
            "{}: {stderr}",
            example.name
        );
        assert!(!stderr.contains("panicked"), "{}: {stderr}", example.name);
    }
}
