//! process_context: each proceso has its own context. Both children change
//! their counter; the parent's value is unchanged. The forked child saw a
//! copy of the parent's run-time value, the spawned child the program's
//! initial one.

use shared::testing::run;

#[test]
fn parents_value_is_unchanged_after_each_child_changed_its_own() {
    let run = run(
        env!("CARGO_BIN_EXE_process_context"),
        &["--value", "7", "--child-value", "1234"],
    )
    .success();
    assert_eq!(run.int("parent_before"), 7, "{run}");
    assert_eq!(run.int("parent_after_fork"), 7, "{run}");
    assert_eq!(run.int("parent_after_spawn"), 7, "{run}");
    assert_eq!(run.int("child_value"), 1234, "{run}");
    assert_eq!(run.get("fork_child_saw_copy"), "true", "{run}");
    assert_eq!(run.get("spawn_child_saw_initial"), "true", "{run}");
}
