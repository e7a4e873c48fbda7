//! bounded_semaphore: the extra release returns an error and the count
//! never passes the bound; a plain semaphore lets it through.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_bounded_semaphore"))
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run bounded_semaphore");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_extra_release_is_an_error() {
    let out = run(&["--permits", "3"]);
    assert!(!out.contains("WRONG"), "{out}");
    assert!(out.contains("release() -> Ok(())"), "{out}");
    assert!(
        out.contains("extra release -> Err: semaphore released too many times"),
        "{out}"
    );
    assert_eq!(
        number_after(&out, "available after the refused release:"),
        Some(3.0),
        "{out}"
    );
    assert!(
        out.contains("with one permit out on a guard -> Err"),
        "{out}"
    );
    assert_eq!(
        number_after(&out, "guard dropped; available:"),
        Some(3.0),
        "{out}"
    );
    assert!(
        out.contains("refused both releases beyond its 3 permits"),
        "{out}"
    );
    assert!(out.contains("its count never passed the bound"), "{out}");
    // The plain semaphore grew past its start.
    assert!(
        out.contains("plain Semaphore(3) after an extra release: available 4"),
        "{out}"
    );
}
