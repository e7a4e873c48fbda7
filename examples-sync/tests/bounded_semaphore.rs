//! bounded_semaphore: a release beyond the bound is an error (also while a
//! guard holds a permit), the count never passes the bound, and the same
//! release on a plain semaphore quietly grows it.

use shared::testing::run;

#[test]
fn the_extra_release_is_an_error() {
    let run = run(env!("CARGO_BIN_EXE_bounded_semaphore"), &["--permits", "3"]).success();
    assert_eq!(run.get("extra_release_refused"), "true", "{run}");
    assert_eq!(run.get("early_release_refused"), "true", "{run}");
    assert_eq!(run.int("available_after_extra"), 3, "{run}");
    assert_eq!(run.int("available"), 3, "{run}");
    assert_eq!(run.int("bound"), 3, "{run}");
    assert_eq!(run.int("plain_available"), 4, "{run}");
}
