//! async_requests: concurrent GETs take far less than the sum, and never
//! more than the semaphore's limit are in flight.

use shared::testing::run;

#[test]
fn concurrent_gets_overlap_within_the_limit() {
    let args = ["--requests", "8", "--limit", "4", "--delay-ms", "300"];
    let run = run(env!("CARGO_BIN_EXE_async_requests"), &args).success();
    assert_eq!(run.int("ok"), 16, "{run}");
    // (Not `served`: the local server counts a request just after sending
    // its answer, so the last one may not be counted yet when we read it.)
    let most = run.int("max_in_flight");
    assert!((2..=4).contains(&most), "{run}");
    // 8 x 300 ms one after another; 2 rounds of 4 concurrently (~600 ms).
    assert!(run.num("sequential_ms") >= 2_400.0, "{run}");
    assert!(
        run.num("concurrent_ms") < 0.5 * run.num("sequential_ms"),
        "{run}"
    );
}

#[cfg(not(feature = "tls"))]
#[test]
fn an_https_url_is_a_clear_error_without_tls() {
    let run = run(
        env!("CARGO_BIN_EXE_async_requests"),
        &["--url", "https://example.com/"],
    );
    assert!(!run.status.success(), "{run}");
    assert!(run.stderr.contains("--features tls"), "{run}");
}

#[test]
fn a_url_that_is_not_http_is_a_clear_error() {
    let run = run(
        env!("CARGO_BIN_EXE_async_requests"),
        &["--url", "ftp://example.com/"],
    );
    assert_eq!(run.status.code(), Some(1), "{run}");
    assert!(run.stderr.contains("not an http://"), "{run}");
}
