//! The index of a crate's examples: printed by `cargo run -p examples-<topic>`
//! and checked by a test against the files in `src/bin` and the README, so
//! the three lists can never drift apart.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// One example binary: its name, the notes section it ports, what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// The binary's name: `cargo run -p <crate> --bin <name>`.
    pub name: &'static str,
    /// Notes file and section, with its Spanish title ("002 Hilos").
    pub notes: &'static str,
    /// One line on what it shows.
    pub shows: &'static str,
    /// It prints timings or speed-ups: run it with `--release` (a debug
    /// build is 10-50x slower and its figures mean little).
    pub figures: bool,
}

/// The index as text: a title, then one block per example.
pub fn render(crate_name: &str, title: &str, examples: &[Example]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{crate_name}: {title}\n");
    let width = examples.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for e in examples {
        let _ = writeln!(out, "  {:<width$}  [{}]", e.name, e.notes);
        let _ = writeln!(out, "  {:<width$}  {}", "", e.shows);
        if e.figures {
            let _ = writeln!(
                out,
                "  {:<width$}  (prints figures: cargo run --release -p {crate_name} --bin {})",
                "", e.name
            );
        }
    }
    let first = examples.first().map(|e| e.name).unwrap_or("<name>");
    let _ = writeln!(
        out,
        "\nRun one:   cargo run -p {crate_name} --bin {first}\nIts flags: cargo run -p {crate_name} --bin {first} -- --help"
    );
    out
}

/// Checks that `examples`, the binaries in `<crate_dir>/src/bin` and the
/// workspace README's index name the same examples. Returns every mismatch.
pub fn mismatches(crate_dir: &Path, examples: &[Example]) -> Vec<String> {
    let mut problems = Vec::new();
    let listed: BTreeSet<&str> = examples.iter().map(|e| e.name).collect();
    if listed.len() != examples.len() {
        problems.push("the index lists an example twice".to_string());
    }

    let bin_dir = crate_dir.join("src/bin");
    let mut on_disk = BTreeSet::new();
    match std::fs::read_dir(&bin_dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "rs")
                    && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                {
                    on_disk.insert(stem.to_string());
                }
            }
        }
        Err(e) => problems.push(format!("cannot read {}: {e}", bin_dir.display())),
    }
    for name in &listed {
        if !on_disk.contains(*name) {
            problems.push(format!(
                "index lists `{name}` but src/bin/{name}.rs does not exist"
            ));
        }
    }
    for name in &on_disk {
        if !listed.contains(name.as_str()) {
            problems.push(format!("src/bin/{name}.rs is not in the crate's index"));
        }
    }

    let readme_path = crate_dir.join("../README.md");
    let crate_name = crate_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match std::fs::read_to_string(&readme_path) {
        Ok(readme) => match readme_section(&readme, crate_name) {
            Some(section) => {
                for e in examples {
                    let row = format!("| `{}` |", e.name);
                    if !section.contains(&row) {
                        problems.push(format!(
                            "README.md's {crate_name} section has no index row starting `{row}`"
                        ));
                    }
                }
            }
            None => problems.push(format!(
                "README.md has no section marked <!-- section: {crate_name} --> ... <!-- end: {crate_name} -->"
            )),
        },
        Err(e) => problems.push(format!("cannot read {}: {e}", readme_path.display())),
    }
    problems
}

/// The part of the README between `<!-- section: NAME -->` and `<!-- end: NAME -->`.
fn readme_section<'a>(readme: &'a str, crate_name: &str) -> Option<&'a str> {
    let start_marker = format!("<!-- section: {crate_name} -->");
    let end_marker = format!("<!-- end: {crate_name} -->");
    let start = readme.find(&start_marker)? + start_marker.len();
    let end = start + readme[start..].find(&end_marker)?;
    Some(&readme[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &[Example] = &[
        Example {
            name: "uno",
            notes: "002 Hilos",
            shows: "the first",
            figures: false,
        },
        Example {
            name: "dos",
            notes: "001",
            shows: "the second",
            figures: true,
        },
    ];

    #[test]
    fn renders_every_example_and_how_to_run_one() {
        let text = render("examples-demo", "a demo", TWO);
        assert!(text.contains("uno  [002 Hilos]"), "{text}");
        assert!(text.contains("the second"), "{text}");
        assert!(
            text.contains("cargo run --release -p examples-demo --bin dos"),
            "{text}"
        );
        assert!(
            !text.contains("--release -p examples-demo --bin uno"),
            "{text}"
        );
        assert!(
            text.contains("cargo run -p examples-demo --bin uno"),
            "{text}"
        );
    }

    #[test]
    fn reports_missing_binaries_and_readme_rows() {
        let dir = std::env::temp_dir().join(format!("index-test-{}", std::process::id()));
        let crate_dir = dir.join("crate");
        std::fs::create_dir_all(crate_dir.join("src/bin")).unwrap();
        std::fs::write(crate_dir.join("src/bin/uno.rs"), "").unwrap();
        std::fs::write(crate_dir.join("src/bin/tres.rs"), "").unwrap();
        // `dos` has a row, but in another crate's section: it does not count.
        let readme = "<!-- section: crate -->\n| `uno` | 002 |\n<!-- end: crate -->\n\
                      <!-- section: other -->\n| `dos` | 001 |\n<!-- end: other -->\n";
        std::fs::write(dir.join("README.md"), readme).unwrap();
        let problems = mismatches(&crate_dir, TWO);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("src/bin/dos.rs does not exist"))
        );
        assert!(problems.iter().any(|p| p.contains("tres.rs is not in")));
        assert!(problems.iter().any(|p| p.contains("`| `dos` |`")));
    }
}
