//! rlock: the owner re-enters (recursion, methods calling methods); another
//! hilo is refused while the owner holds any level and gets the lock only
//! after every level is released; a std Mutex refuses even its holder.

use shared::testing::run;

#[test]
fn re_entry_works_for_the_owner_and_others_wait() {
    let run = run(
        env!("CARGO_BIN_EXE_rlock"),
        &["--depth", "4", "--hold-ms", "5"],
    )
    .success();
    assert_eq!(run.int("deepest"), 4, "{run}");
    assert_eq!(run.int("saldo"), 100, "{run}");
    assert_eq!(run.get("other_refused"), "true", "{run}");
    assert_eq!(run.get("other_after_release"), "true", "{run}");
    assert_eq!(run.get("std_refuses_owner"), "true", "{run}");
}
