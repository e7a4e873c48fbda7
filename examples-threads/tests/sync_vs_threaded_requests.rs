//! sync_vs_threaded_requests: the threaded wall time is about half the sequential.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

#[test]
fn threaded_takes_about_half_of_sequential() {
    let output = Command::new(env!("CARGO_BIN_EXE_sync_vs_threaded_requests"))
        .args(["--delay-ms", "600", "--requests", "2"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8(output.stdout).unwrap();
    assert_eq!(out.matches("| status 200").count(), 4, "{out}");
    assert_eq!(
        number_after(&out, "requests served by the local server:"),
        Some(4.0),
        "{out}"
    );
    let sequential = number_after(&out, "sequential took:").unwrap();
    let threaded = number_after(&out, "threaded took:").unwrap();
    // Two 600 ms requests: sequential >= 1200 ms; threaded ideally 600 ms
    // (300 ms of slack for thread starts and a stalled machine).
    assert!(sequential >= 1200.0, "{out}");
    assert!(
        threaded < 0.75 * sequential,
        "threaded {threaded} ms vs sequential {sequential} ms\n{out}"
    );
    // The requests on threads came from threads named request-N.
    assert!(
        out.contains(" request-0 ") && out.contains(" request-1 "),
        "{out}"
    );
}
