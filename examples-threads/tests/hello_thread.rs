//! hello_thread: join waits for the thread; the ordering that is guaranteed holds.

use std::time::Duration;

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_hello_thread"))
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run hello_thread");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in output:\n{text}"))
}

#[test]
fn join_waits_for_every_step() {
    let out = run(&["--steps", "4", "--pause-ms", "20"]);
    // Every step ran, on the thread named "worker".
    let steps: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("Hilo en ejecución"))
        .collect();
    assert_eq!(steps.len(), 4, "{out}");
    assert!(steps.iter().all(|l| l.contains(" worker ")), "{out}");
    // What join guarantees: main's "after join" line comes after the last step,
    // and the hello thread printed before main's "after join" for it.
    assert!(
        position(&out, "paso 4 de 4") < position(&out, "after join, the worker finished all 4")
    );
    assert!(
        position(&out, "¡Hola desde el hilo!")
            < position(&out, "after join, the hilo has finished")
    );
}
