//! thread_details: the OS thread count rises by one while a spawned hilo lives,
//! and the id the notes print is the process id (main's kernel tid, not the
//! second hilo's).

use shared::testing::run;

#[test]
fn count_rises_by_one_while_the_hilo_lives() {
    let run = run(env!("CARGO_BIN_EXE_thread_details"), &[]).success();
    if !cfg!(target_os = "linux") {
        return; // it says "needs Linux" and prints no results
    }
    assert_eq!(run.int("threads_before"), 1, "{run}");
    assert_eq!(run.int("threads_during"), 2, "{run}");
    assert_eq!(run.int("threads_after"), 1, "{run}");
    assert_eq!(run.get("current_name"), "main", "{run}");
}

#[test]
fn the_printed_id_is_the_process_id_not_a_hilo_id() {
    let run = run(env!("CARGO_BIN_EXE_thread_details"), &["--name", "otro"]).success();
    if !cfg!(target_os = "linux") {
        return;
    }
    // std::process::id() and the kernel tid read from /proc/thread-self:
    // equal for the first hilo only.
    assert_eq!(run.int("pid"), run.int("main_tid"), "{run}");
    assert_ne!(run.int("pid"), run.int("hilo_tid"), "{run}");
}
