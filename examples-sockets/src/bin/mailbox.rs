//! The notes' buzón made concrete: letters (UDP datagrams) posted to named
//! boxes, the postman (the kernel's network stack) delivering, each owner
//! opening its box. Then what UDP does not promise, and TCP beside it.
//!
//! Ports: notes 002 "Ejemplo del Buzón de Correo" ("introducir una carta en
//! el buzón equivale a escribir los bytes en un socket").
//! Python:
//!     box = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); box.bind(("127.0.0.1", 0))
//!     sender.sendto(b"carta", box.getsockname()); data, frm = box.recvfrom(2048)
//! Rust: `UdpSocket::bind`, `send_to`, `recv_from`. A datagram is a whole
//! letter or nothing: no partial reads, no connection, no end of stream
//! (so the owner stops after a quiet moment). When a box is full the
//! kernel drops the letter, silently; on a real network letters can also
//! arrive out of order (different routes), not on loopback in practice. TCP carries
//! the same letters as length-prefixed frames (examples_sockets::framing)
//! on one stream: none lost, in order, because a full receiver makes the
//! sender wait instead.
//!
//! Run: cargo run -p examples-sockets --bin mailbox -- --letters 30
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use examples_sockets::framing::{read_frame, write_frame};
use examples_sockets::harness::accept_within;
use shared::cli::range;
use shared::output::{heading, results, say};

#[derive(Parser)]
#[command(
    about = "Letters to named boxes over UDP, what gets lost, and TCP beside it",
    allow_negative_numbers = true
)]
struct Args {
    /// Letters posted, spread over the boxes.
    #[arg(long, default_value_t = 30, value_name = "1..=1000", value_parser = range(1..=1000usize))]
    letters: usize,
    /// Letters posted at once into a small box nobody is reading.
    #[arg(long, default_value_t = 1000, value_name = "1..=100000", value_parser = range(1..=100_000usize))]
    burst: usize,
}

const BOXES: [&str; 3] = ["ana", "beto", "carla"];
/// An owner stops opening its box after this long without a letter (UDP has
/// no "end of stream" to tell it no more are coming).
const QUIET: Duration = Duration::from_millis(300);

/// Takes every letter out of `mailbox` until it stays empty for QUIET.
fn open_box(mailbox: &UdpSocket) -> std::io::Result<Vec<String>> {
    mailbox.set_read_timeout(Some(QUIET))?;
    let mut letters = Vec::new();
    let mut buf = [0u8; 2048];
    loop {
        match mailbox.recv_from(&mut buf) {
            Ok((n, _from)) => letters.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Ok(letters);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sequence numbers of `letters` ("to:ana seq:7 ...") and how many came out of order.
fn seqs(letters: &[String]) -> (Vec<usize>, usize) {
    let seq: Vec<usize> = letters
        .iter()
        .filter_map(|l| {
            l.split("seq:")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect();
    let out_of_order = seq.windows(2).filter(|w| w[1] < w[0]).count();
    (seq, out_of_order)
}

fn main() -> anyhow::Result<()> {
    shared::output::start();
    let args = Args::parse();

    heading(&format!(
        "{} letters to {} named boxes (UDP)",
        args.letters,
        BOXES.len()
    ));
    let boxes: BTreeMap<&str, UdpSocket> = BOXES
        .iter()
        .map(|name| Ok((*name, UdpSocket::bind("127.0.0.1:0")?)))
        .collect::<std::io::Result<_>>()?;
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    for seq in 0..args.letters {
        let to = BOXES[seq % BOXES.len()];
        let letter = format!("to:{to} seq:{seq} querida {to}, te escribo...");
        sender.send_to(letter.as_bytes(), boxes[to].local_addr()?)?; // into the buzón; the postman does the rest
    }
    let (mut delivered, mut misdelivered) = (0, 0);
    for (name, mailbox) in &boxes {
        let letters = open_box(mailbox)?;
        misdelivered += letters
            .iter()
            .filter(|l| !l.starts_with(&format!("to:{name} ")))
            .count();
        say(format!(
            "{name} opens the box at {}: {} letters",
            mailbox.local_addr()?,
            letters.len()
        ));
        delivered += letters.len();
    }
    say(format!(
        "{delivered} of {} letters delivered, {misdelivered} in a wrong box",
        args.letters
    ));

    heading(&format!(
        "{} letters at once into a small box nobody reads yet (UDP)",
        args.burst
    ));
    let small = UdpSocket::bind("127.0.0.1:0")?;
    // A small receive buffer: the kernel keeps few letters for an owner who is away.
    nix::sys::socket::setsockopt(&small, nix::sys::socket::sockopt::RcvBuf, &4096)?;
    for seq in 0..args.burst {
        sender.send_to(
            format!("to:small seq:{seq} hola").as_bytes(),
            small.local_addr()?,
        )?; // never waits
    }
    let letters = open_box(&small)?;
    let (_, udp_out_of_order) = seqs(&letters);
    let udp_lost = args.burst - letters.len();
    say(format!(
        "{} of {} arrived, {udp_lost} dropped by the kernel (the box was full), and nobody told the sender; {udp_out_of_order} out of order (loopback has one route; a real network may reorder)",
        letters.len(),
        args.burst
    ));

    heading(&format!(
        "the same {} letters over TCP, as length-prefixed frames",
        args.burst
    ));
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let burst = args.burst;
    let posting = std::thread::spawn(move || -> std::io::Result<()> {
        let mut stream = TcpStream::connect(addr)?;
        for seq in 0..burst {
            // Blocks when the receiver's window is full: waits, never drops.
            write_frame(&mut stream, format!("to:small seq:{seq} hola").as_bytes())?;
        }
        Ok(())
    });
    // Accept with a deadline and read with a timeout: if the posting hilo
    // fails, the demo ends with its error instead of waiting forever.
    let mut stream = accept_within(&listener, Duration::from_secs(10))
        .context("the posting hilo never connected")?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    std::thread::sleep(Duration::from_millis(100)); // the owner is away a moment, as above
    let mut tcp_letters = Vec::new();
    while let Some(frame) = read_frame(&mut stream, 2048).context("reading a frame")? {
        tcp_letters.push(String::from_utf8_lossy(&frame).into_owned());
    }
    posting.join().expect("sender")?;
    let (seq, tcp_out_of_order) = seqs(&tcp_letters);
    let tcp_in_order = tcp_out_of_order == 0 && seq == (0..args.burst).collect::<Vec<_>>();
    say(format!(
        "{} of {} arrived, in order: {tcp_in_order}; TCP numbers every byte, resends what is lost and makes the sender wait when the receiver is full",
        tcp_letters.len(),
        args.burst
    ));
    say(
        "a letter (datagram) is cheap and may vanish; a stream (TCP) costs a connection and delivers all, in order",
    );
    results(&[
        ("letters", &args.letters),
        ("delivered", &delivered),
        ("misdelivered", &misdelivered),
        ("udp_burst", &args.burst),
        ("udp_lost", &udp_lost),
        ("udp_out_of_order", &udp_out_of_order),
        ("tcp_delivered", &tcp_letters.len()),
        ("in_order", &tcp_in_order),
    ]);
    Ok(())
}
