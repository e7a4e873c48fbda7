//! Process hygiene: proving that an example leaves no child running or unreaped.
//!
//! A test that runs a process example wants to assert "nothing was left
//! behind". Two kinds of leftovers exist:
//!
//! - an **orphan**: a descendant still running after its parent exited. The
//!   kernel re-parents it to the nearest *child subreaper*, or to init, where a
//!   test would never see it. [`become_subreaper`] makes the test process that
//!   subreaper, so every orphan of the example lands here and is counted.
//! - a **zombie**: a child that exited but was never `waitpid`ed. It holds a
//!   pid and a process-table slot until its parent reaps it (state `Z`).
//!
//! A test that wants to see them calls [`become_subreaper`] first, runs the
//! example, and then looks at its own children in `/proc` with
//! [`leftover_children`]: anything there is a leftover, running or zombie
//! ([`Leftovers::is_clean`] says whether there is none). To leave nothing
//! behind even when its assertion fails, it cleans up with
//! [`reap_all_children`], which kills and reaps whatever is left and says
//! what it found. For children that must end by themselves (workers whose
//! master died, say), [`wait_children_exit`] waits for them without
//! killing anything, reaping them as they exit.
//!
//! Two cautions for tests:
//! - The tests of one test binary run on threads of ONE process, so every
//!   test's children are children of the same pid. Keep a test that asserts
//!   [`leftover_children`]`().is_clean()` or calls [`reap_all_children`] alone
//!   in its own `tests/*.rs` file (one process), or it will see, and kill, the
//!   children of the tests running beside it.
//! - [`reap_all_children`] and [`wait_children_exit`] reap with `waitpid`:
//!   wait for your own `std::process::Child` handles first, or their `wait`
//!   will later fail with ECHILD.
//!
//! Linux only (`/proc` and `prctl`): elsewhere [`become_subreaper`] returns an
//! error saying so and the scans find nothing.
#![forbid(unsafe_code)]

use std::fmt;
use std::time::Duration;

/// The children of this process found in `/proc`, by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leftovers {
    /// Children still running (any state but zombie).
    pub alive: Vec<i32>,
    /// Children that exited and were not reaped yet (state `Z`).
    pub zombies: Vec<i32>,
}

impl Leftovers {
    /// True when no child was found, running or zombie.
    pub fn is_clean(&self) -> bool {
        self.alive.is_empty() && self.zombies.is_empty()
    }
}

impl fmt::Display for Leftovers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return write!(f, "no children left");
        }
        write!(f, "alive: {:?}, zombies: {:?}", self.alive, self.zombies)
    }
}

/// One line of `/proc/<pid>/stat`, the fields we need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    /// Process id.
    pub pid: i32,
    /// The command name (`comm`, at most 15 bytes, set by exec or PR_SET_NAME).
    pub comm: String,
    /// One-letter state: R, S, D, T, Z, ...
    pub state: char,
    /// Parent process id.
    pub ppid: i32,
}

/// Parses the text of `/proc/<pid>/stat`: `"4242 (my (odd) name) S 1 ..."`.
///
/// The command name may hold spaces and parentheses, so it runs from the
/// first `(` to the LAST `)`; the state and the ppid follow it.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let pid = text[..open].trim().parse().ok()?;
    let comm = text[open + 1..close].to_string();
    let mut rest = text[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        comm,
        state,
        ppid,
    })
}

#[cfg(target_os = "linux")]
mod imp {
    use super::{Leftovers, ProcStat, parse_stat};
    use nix::errno::Errno;
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    use nix::unistd::Pid;
    use std::time::{Duration, Instant};

    /// How often the polling loops look at `/proc` again.
    const POLL: Duration = Duration::from_millis(5);

    pub fn become_subreaper() -> std::io::Result<()> {
        nix::sys::prctl::set_child_subreaper(true).map_err(std::io::Error::from)
    }

    /// `/proc/<pid>/stat` of one process, if it still exists.
    pub fn stat_of(pid: i32) -> Option<ProcStat> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        parse_stat(&text)
    }

    /// Every process whose parent is `parent`.
    pub fn children_of(parent: i32) -> Vec<ProcStat> {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        let mut found: Vec<ProcStat> = dir
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
            // A process can exit between read_dir and the read: skip it.
            .filter_map(stat_of)
            .filter(|stat| stat.ppid == parent)
            .collect();
        found.sort_by_key(|stat| stat.pid);
        found
    }

    pub fn leftover_children() -> Leftovers {
        let me = std::process::id() as i32;
        let mut leftovers = Leftovers::default();
        for child in children_of(me) {
            if child.state == 'Z' {
                leftovers.zombies.push(child.pid);
            } else {
                leftovers.alive.push(child.pid);
            }
        }
        leftovers
    }

    /// Reaps `pid` if it has exited; true when it is gone (reaped now, or
    /// already reaped by someone else).
    fn try_reap(pid: i32) -> bool {
        match waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => false,
            Ok(_) => true,
            // ECHILD: not (or no longer) our child: nothing to reap.
            Err(Errno::ECHILD) => true,
            Err(_) => false,
        }
    }

    /// Adds `pid` to `list` once.
    fn note(list: &mut Vec<i32>, pid: i32) {
        if !list.contains(&pid) {
            list.push(pid);
        }
    }

    pub fn reap_all_children(deadline: Duration) -> Leftovers {
        let until = Instant::now() + deadline;
        let mut found = Leftovers::default();
        loop {
            let now = leftover_children();
            for &pid in &now.alive {
                if !found.zombies.contains(&pid) {
                    note(&mut found.alive, pid);
                }
                // Killing a child re-parents ITS children to us (we are the
                // subreaper): the next round of the loop finds and kills them.
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            for &pid in &now.zombies {
                if !found.alive.contains(&pid) {
                    note(&mut found.zombies, pid);
                }
            }
            for pid in now.alive.iter().chain(&now.zombies) {
                try_reap(*pid);
            }
            if (now.alive.is_empty() && now.zombies.is_empty()) || Instant::now() >= until {
                break;
            }
            std::thread::sleep(POLL);
        }
        found.alive.sort_unstable();
        found.zombies.sort_unstable();
        found
    }

    pub fn wait_children_exit(deadline: Duration) -> Leftovers {
        let until = Instant::now() + deadline;
        loop {
            let now = leftover_children();
            // A process whose main thread is already a zombie while its other
            // threads are still exiting shows 'Z' but cannot be reaped yet
            // (waitpid says "still alive"): keep waiting for it.
            let mut unreaped = false;
            for &pid in &now.zombies {
                unreaped |= !try_reap(pid);
            }
            if (now.alive.is_empty() && !unreaped) || Instant::now() >= until {
                // What is still running; zombies were reaped just above,
                // so report only those that appeared since.
                let after = leftover_children();
                return Leftovers {
                    alive: now.alive,
                    zombies: after.zombies,
                };
            }
            std::thread::sleep(POLL);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::{Leftovers, ProcStat};
    use std::time::Duration;

    const LINUX_ONLY: &str =
        "Linux only: child subreapers (prctl) and the /proc scan exist only on Linux";

    pub fn become_subreaper() -> std::io::Result<()> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            LINUX_ONLY,
        ))
    }

    pub fn stat_of(_pid: i32) -> Option<ProcStat> {
        None
    }

    pub fn children_of(_parent: i32) -> Vec<ProcStat> {
        Vec::new()
    }

    pub fn leftover_children() -> Leftovers {
        Leftovers::default()
    }

    pub fn reap_all_children(_deadline: Duration) -> Leftovers {
        Leftovers::default()
    }

    pub fn wait_children_exit(_deadline: Duration) -> Leftovers {
        Leftovers::default()
    }
}

/// Makes this process a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`):
/// orphaned descendants are re-parented here, not to init, so a test sees
/// them in [`leftover_children`]. Elsewhere: an `Unsupported` "Linux only" error.
pub fn become_subreaper() -> std::io::Result<()> {
    imp::become_subreaper()
}

/// This process's children, read from `/proc` (ppid == our pid), split into
/// running and zombie. Empty on systems without `/proc`.
pub fn leftover_children() -> Leftovers {
    imp::leftover_children()
}

/// SIGKILLs every child of this process and reaps it, again and again until
/// none is left (killing one re-parents its own children here if we are a
/// subreaper) or `deadline` passes. Returns every child it FOUND, by the state
/// it first had: a test asserts `is_clean()` on the result, and still leaves
/// nothing behind when the assertion fails.
pub fn reap_all_children(deadline: Duration) -> Leftovers {
    imp::reap_all_children(deadline)
}

/// Waits, without killing anything, until no child of this process is
/// running, reaping zombies as they appear (e.g. workers that must exit by
/// themselves after their master died). Returns the children still running
/// when `deadline` passed (empty `alive` = they all exited in time) and any
/// zombie that appeared after the last reap.
pub fn wait_children_exit(deadline: Duration) -> Leftovers {
    imp::wait_children_exit(deadline)
}

/// `/proc/<pid>/stat` of one process (its name, state and parent), if it
/// exists. `None` on systems without `/proc`.
pub fn stat_of(pid: i32) -> Option<ProcStat> {
    imp::stat_of(pid)
}

/// Every process whose parent is `parent`, sorted by pid. Empty on systems
/// without `/proc`.
pub fn children_of(parent: i32) -> Vec<ProcStat> {
    imp::children_of(parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_plain_stat_line() {
        let stat = parse_stat("4242 (sleep) S 17 4242 17 0 -1 4194560").unwrap();
        assert_eq!(
            stat,
            ProcStat {
                pid: 4242,
                comm: "sleep".into(),
                state: 'S',
                ppid: 17
            }
        );
    }

    #[test]
    fn a_name_with_spaces_and_parentheses_does_not_confuse_the_parser() {
        let stat = parse_stat("7 (a) b (c) Z 1 7 7 0").unwrap();
        assert_eq!(stat.comm, "a) b (c");
        assert_eq!(stat.state, 'Z');
        assert_eq!(stat.ppid, 1);
    }

    #[test]
    fn garbage_is_rejected_not_panicked_on() {
        assert_eq!(parse_stat(""), None);
        assert_eq!(parse_stat("12 no parens S 1"), None);
        assert_eq!(parse_stat("x (a) S 1"), None);
        assert_eq!(parse_stat("1 (a)"), None);
    }

    #[test]
    fn clean_means_neither_alive_nor_zombie() {
        assert!(Leftovers::default().is_clean());
        let dirty = Leftovers {
            alive: vec![],
            zombies: vec![3],
        };
        assert!(!dirty.is_clean());
        assert_eq!(dirty.to_string(), "alive: [], zombies: [3]");
    }

    // Only this test's own child is looked at (other unit tests of the crate
    // run in the same process and may have children of their own), so this
    // checks the scan, not "no children at all": that is tests/hygiene.rs,
    // alone in its process.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_running_child_is_seen_alive_then_as_a_zombie_then_gone() {
        use std::time::{Duration, Instant};
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let pid = child.id() as i32;
        assert!(leftover_children().alive.contains(&pid));
        // spawn returns once the exec has swapped in sleep's memory, which is
        // just before the kernel renames the process: until then its name is
        // still this test thread's. Wait for the rename, with a deadline.
        let until = Instant::now() + Duration::from_secs(10);
        while stat_of(pid).map(|s| s.comm) != Some("sleep".to_string()) {
            assert!(Instant::now() < until, "child never showed as sleep");
            std::thread::sleep(Duration::from_millis(2)); // sleep-ok: polling /proc with a deadline
        }

        child.kill().expect("kill sleep");
        // Killed but not yet waited for: the kernel keeps it as a zombie.
        while !leftover_children().zombies.contains(&pid) {
            assert!(Instant::now() < until, "child never became a zombie");
            std::thread::sleep(Duration::from_millis(2)); // sleep-ok: polling /proc with a deadline
        }
        assert!(!leftover_children().alive.contains(&pid));

        child.wait().expect("reap sleep");
        let now = leftover_children();
        assert!(!now.alive.contains(&pid) && !now.zombies.contains(&pid));
    }
}
