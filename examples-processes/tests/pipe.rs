//! pipe: values cross a one-way pipe in order and end with EOF; a request /
//! reply round trip works on the socket pair; the latency is printed.

use std::time::Duration;

use assert_cmd::Command;
use shared::testing::{lines_with, number_after};

fn run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_pipe"))
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run pipe");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn notes_cross_the_pipe_in_order_then_end_of_file() {
    let out = run(&["--notes", "50", "--round-trips", "10"]);
    let read: Vec<f64> = lines_with(&out, "read note")
        .iter()
        .map(|l| number_after(l, "read note").unwrap())
        .collect();
    assert_eq!(read, (0..50).map(f64::from).collect::<Vec<_>>(), "{out}");
    // Decoded whole: the text survived serialisation, accents included.
    assert!(
        out.contains("read note 49: \"nota 49 por la tubería\""),
        "{out}"
    );
    // Read by another process than the writer.
    let reader = number_after(lines_with(&out, "read note 0")[0], "] pid");
    let writer = number_after(lines_with(&out, "wrote 50 notes")[0], "] pid");
    assert_ne!(reader, writer, "{out}");
    assert!(out.contains("end of file after 50 notes"), "{out}");
}

#[test]
fn request_reply_round_trip_works_and_its_latency_is_printed() {
    let out = run(&["--notes", "0", "--round-trips", "500"]);
    assert!(out.contains("end of file after 0 notes"), "{out}");
    assert!(
        out.contains("sent Echo(\"hola\"), got back Echoed(\"hola\")"),
        "{out}"
    );
    assert!(
        out.contains("sent Square(12), got back Squared(144)"),
        "{out}"
    );
    // A square too big for a u64 is an error reply, and the server goes on.
    assert!(
        out.contains("sent Square(4294967296), got back TooBig(4294967296)"),
        "{out}"
    );
    assert!(out.contains("request/reply round trip works"), "{out}");
    let line = lines_with(&out, "round trip over the socket pair:")[0];
    assert!(number_after(line, "mean").is_some_and(|t| t > 0.0), "{out}");
    assert!(
        number_after(line, "median").is_some_and(|t| t > 0.0),
        "{out}"
    );
    assert!(line.contains("(500 trips, every reply checked)"), "{out}");
    assert!(
        out.contains("joined pipe-server") && out.contains("exit code 0"),
        "{out}"
    );
}
