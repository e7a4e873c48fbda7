//! thread_anatomy: a parked hilo is seen waiting, a computing one running;
//! its voluntary context switches grow with its sleeps.

use shared::testing::run;

#[test]
fn parked_hilo_is_waiting_and_switches_grow() {
    let run = run(
        env!("CARGO_BIN_EXE_thread_anatomy"),
        &["--sleeps", "10", "--stack-kib", "128"],
    )
    .success();
    if !cfg!(target_os = "linux") {
        return; // it says "needs Linux" and prints no results
    }
    assert_eq!(run.get("state_waiting"), "S", "{run}");
    // Computing, it is running or ready: R (Linux does not tell them apart).
    assert_eq!(run.get("state_computing"), "R", "{run}");
    // Joined, it is gone from the kernel's list (the notes' "closed").
    assert_eq!(run.get("state_after_join"), "gone", "{run}");
    // Each of the 10 sleeps blocks the hilo once: at least 10 switches.
    assert!(run.int("voluntary_switches") >= 10, "{run}");
    // The kernel knows the name given with Builder::name.
    assert_eq!(run.get("name"), "anatomia", "{run}");
    assert_eq!(run.int("stack_kib"), 128, "{run}");
}
