//! The hygiene API against a real orphan: a shell starts `sleep` in the
//! background and exits, so `sleep` is orphaned. As a child subreaper this
//! test process adopts it, sees it in `leftover_children`, and
//! `reap_all_children` kills and reaps it; a second orphan that ends by
//! itself is reaped by `wait_children_exit`.
//!
//! One test in this file on purpose: the checks look at EVERY child of the
//! test process, so no other test may run children beside it.

#[cfg(target_os = "linux")]
#[test]
fn an_orphan_is_adopted_seen_and_reaped() {
    use examples_processes::hygiene::{
        become_subreaper, leftover_children, reap_all_children, stat_of, wait_children_exit,
    };
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    become_subreaper().expect("PR_SET_CHILD_SUBREAPER");
    assert!(
        leftover_children().is_clean(),
        "no child before we start one"
    );

    // The shell prints its background child's pid and exits at once.
    let out = Command::new("sh")
        .args(["-c", "sleep 60 >/dev/null 2>&1 & echo $!"])
        .stdout(Stdio::piped())
        .output()
        .expect("run sh");
    assert!(out.status.success());
    let orphan: i32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("sh printed a pid");

    // The shell is reaped (output() waited for it); its child was re-parented
    // to us. Poll /proc with a deadline rather than assume it already happened.
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let now = leftover_children();
        if now.alive == vec![orphan] {
            break;
        }
        assert!(
            Instant::now() < until,
            "orphan {orphan} never showed up as our child: {now}"
        );
        std::thread::sleep(Duration::from_millis(5)); // sleep-ok: polling /proc with a deadline
    }
    let stat = stat_of(orphan).expect("orphan in /proc");
    assert_eq!(stat.ppid, std::process::id() as i32, "adopted by us");
    assert_eq!(stat.comm, "sleep");

    let found = reap_all_children(Duration::from_secs(10));
    assert_eq!(found.alive, vec![orphan], "the orphan was found running");
    assert!(found.zombies.is_empty());

    let after = leftover_children();
    assert!(after.is_clean(), "killed AND reaped: {after}");
    assert!(stat_of(orphan).is_none(), "the pid is gone from /proc");

    // Second half: an orphan that ends by itself is waited for, not killed.
    let out = Command::new("sh")
        .args(["-c", "sleep 0.2 >/dev/null 2>&1 & echo $!"])
        .stdout(Stdio::piped())
        .output()
        .expect("run sh");
    let short: i32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("sh printed a pid");
    let started = Instant::now();
    let left = wait_children_exit(Duration::from_secs(10));
    assert!(left.is_clean(), "it exited and was reaped: {left}");
    assert!(stat_of(short).is_none(), "the pid is gone from /proc");
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "returned when the child ended, not at the deadline"
    );
}
