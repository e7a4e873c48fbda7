//! thread_details: the OS thread count rises by one while a spawned thread lives.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::number_after;

#[test]
fn count_rises_by_one_while_the_thread_lives() {
    let output = Command::new(env!("CARGO_BIN_EXE_thread_details"))
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let out = String::from_utf8(output.stdout).unwrap();
    if !cfg!(target_os = "linux") {
        assert!(out.contains("needs Linux"));
        return;
    }
    let before = number_after(&out, "threads alive in this process:").unwrap();
    let during = number_after(&out, "threads alive while the hilo lives:").unwrap();
    let after = number_after(&out, "threads alive after join:").unwrap();
    assert_eq!(before, 1.0, "{out}");
    assert_eq!(during, before + 1.0, "{out}");
    assert_eq!(after, before, "{out}");
    assert!(out.contains("El hilo actual es main"), "{out}");
    assert!(out.contains("¡Hola desde el hilo segundo-hilo!"), "{out}");
}

#[test]
fn the_pid_printed_is_the_process_id() {
    let output = Command::new(env!("CARGO_BIN_EXE_thread_details"))
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    // The id in the sentence matches the pid in the line tag.
    let line = out
        .lines()
        .find(|l| l.contains("corre con el id:"))
        .unwrap();
    let tagged = number_after(line, "pid").unwrap();
    let said = number_after(line, "corre con el id:").unwrap();
    assert_eq!(tagged, said, "{line}");
}
