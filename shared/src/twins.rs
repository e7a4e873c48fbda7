//! Runs a Python twin and its Rust example with the same flags and checks
//! they agree: the twin prints the Rust example's result keys, and the keys
//! that must agree (counts, orders, nothing lost) have equal values.
//!
//! Used by the `compare` command and by each examples crate's
//! `tests/twins.rs` (a test in an examples crate is the one place its
//! binaries are sure to be built).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::testing::{Run, run_command};

/// The repository root (this file sits in `<root>/shared/src/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("a crate of the workspace")
        .to_path_buf()
}

/// The Python interpreter: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// `Err` with a message saying to install Python when it cannot be run.
pub fn python_version() -> Result<String, String> {
    let missing = |why: String| {
        format!(
            "cannot run `{} --version` ({why}): the Python twins need Python 3.9 or newer; \
             install python3 (e.g. `apt-get install python3`) or set PYTHON=/path/to/python3",
            python()
        )
    };
    let out = Command::new(python())
        .arg("--version")
        .output()
        .map_err(|e| missing(e.to_string()))?;
    if !out.status.success() {
        return Err(missing(format!("exit {}", out.status)));
    }
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let minor = text
        .strip_prefix("Python 3.")
        .and_then(|rest| rest.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match minor {
        Some(m) if m >= 9 => Ok(text),
        _ => Err(missing(format!("it says {text:?}, not 3.9 or newer"))),
    }
}

/// One side's run: what it printed, its result lines, how long it took.
pub struct Side {
    pub run: Run,
    pub wall: Duration,
}

impl Side {
    pub fn results(&self) -> &BTreeMap<String, String> {
        &self.run.results
    }
}

/// Runs the twin `python/<twin>` with `args`, within `deadline`.
pub fn run_twin(twin: &str, args: &[&str], deadline: Duration) -> Side {
    let mut command = Command::new(python());
    command.arg(root().join("python").join(twin)).args(args);
    timed_run(&mut command, deadline)
}

/// Runs the Rust example `binary` with `args`, within `deadline`.
pub fn run_rust(binary: &Path, args: &[&str], deadline: Duration) -> Side {
    timed_run(Command::new(binary).args(args), deadline)
}

fn timed_run(command: &mut Command, deadline: Duration) -> Side {
    let started = Instant::now();
    let run = run_command(command.current_dir(root()), deadline);
    Side {
        run,
        wall: started.elapsed(),
    }
}

/// What the two sides must share: `own` lists the twin's keys the Rust side
/// has no twin of (`wall_ms_asyncio`); `agree` lists (python key, rust key)
/// pairs whose values must be equal.
pub struct Agreement<'a> {
    pub own: &'a [&'a str],
    pub agree: &'a [(&'a str, &'a str)],
}

/// Every way the two runs fail to agree (empty when they agree).
pub fn problems(python: &Side, rust: &Side, want: &Agreement) -> Vec<String> {
    let mut out = Vec::new();
    for (name, side) in [("python", python), ("rust", rust)] {
        if !side.run.status.success() {
            out.push(format!("{name} run failed: {}", side.run));
        } else if side.results().is_empty() {
            out.push(format!(
                "{name} printed no `== result ==` block:\n{}",
                side.run
            ));
        }
    }
    if !out.is_empty() {
        return out;
    }
    for key in python.results().keys() {
        if !rust.results().contains_key(key) && !want.own.contains(&key.as_str()) {
            out.push(format!(
                "the twin prints `{key}`, the Rust example does not (renamed?)"
            ));
        }
    }
    for (py_key, rust_key) in want.agree {
        match (python.results().get(*py_key), rust.results().get(*rust_key)) {
            (Some(p), Some(r)) if p == r => {}
            (p, r) => out.push(format!(
                "`{py_key}` (python) = {p:?} but `{rust_key}` (rust) = {r:?}"
            )),
        }
    }
    out
}

/// For a crate's twin test: runs both sides small and fails the test with
/// both outputs unless they agree. Python missing fails with how to install it.
#[track_caller]
pub fn check(twin: &str, binary: &str, args: &[&str], want: Agreement) -> (Side, Side) {
    if let Err(e) = python_version() {
        panic!("{e}");
    }
    let deadline = Duration::from_secs(60);
    let python = run_twin(twin, args, deadline);
    let rust = run_rust(Path::new(binary), args, deadline);
    let found = problems(&python, &rust, &want);
    assert!(
        found.is_empty(),
        "{twin} vs {binary} {args:?}:\n- {}\n--- python ---\n{}\n--- rust ---\n{}",
        found.join("\n- "),
        python.run,
        rust.run
    );
    (python, rust)
}
