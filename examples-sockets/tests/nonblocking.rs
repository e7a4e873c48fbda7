//! WouldBlock comes at once; retrying asks many times; poll wakes once,
//! when the bytes are there, and the read then completes.
use shared::testing::run;

#[test]
fn would_block_then_poll_wakes_once_when_ready() {
    let run = run(env!("CARGO_BIN_EXE_nonblocking"), &["--delay-ms", "100"]).success();
    assert_eq!(run.get("would_block"), "true", "{run}");
    assert!(run.int("spin_tries") > 10, "{run}");
    // One wake-up per arrival; a spurious one is allowed, a spin is not.
    assert!((1..=3).contains(&run.int("poll_wakeups")), "{run}");
    assert_eq!(run.int("bytes"), 10, "{run}");
    // Spinning costs CPU whenever it is scheduled; the poll wait costs next to none.
    assert!(
        run.num("poll_cpu_ms") * 4.0 < run.num("spin_cpu_ms").max(4.0),
        "{run}"
    );
}
