//! rlock: the owner re-enters; other hilos are refused, and get the lock
//! only after every level is released; a std Mutex refuses its own holder.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_rlock"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run rlock");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn re_entry_works_for_the_owner_and_others_wait() {
    let out = run(&["--depth", "4", "--hold-ms", "5", "--iterations", "1000"]);
    assert!(!out.contains("WRONG"), "{out}");
    assert_eq!(number_after(&out, "re-entered"), Some(4.0), "{out}");
    assert!(out.contains("saldo 100"), "{out}");
    assert!(
        out.contains("other hilo try_lock while owned: refused"),
        "{out}"
    );
    // Each of the 4 releases happened with the other hilo still waiting,
    // and it got the lock after the last one (a flag the owner sets before
    // its last release, read by the other hilo once it has the lock; the
    // printed lines themselves may come in either order).
    assert_eq!(
        out.matches("(other hilo had it before this: no)").count(),
        4,
        "{out}"
    );
    assert!(out.contains("owner had released all levels: yes"), "{out}");
    assert!(
        out.contains("same hilo try_lock while holding it: refused (WouldBlock)"),
        "{out}"
    );
}
