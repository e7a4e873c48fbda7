//! examples-sockets: from a blocking echo to epoll and tokio, servers that
//! survive bad clients, measured under load.
//!
//! The binaries in `src/bin` are the examples; this library holds what they
//! share: the framing ([`framing`]: bounded lines, length-prefixed frames),
//! the echo servers, each a `run(listener, ..., shutdown)` a test can start
//! on port 0 and stop ([`threaded`], [`epoll`], [`tokio_echo`]), their
//! bounds and counters ([`server`]), the load client ([`load`]) and the
//! harness ([`harness`]: signals, /proc readers). No unsafe: nix wraps
//! epoll, eventfd and poll safely.
#![forbid(unsafe_code)]

pub mod books;
pub mod cli;
pub mod distributed;
pub mod framing;
pub mod harness;
pub mod http;
pub mod load;
pub mod netns;
pub mod server;
pub mod threaded;
pub mod tokio_echo;

#[cfg(target_os = "linux")]
pub mod epoll;

pub use server::{Closed, Limits, Shutdown, Stats};
use shared::index::Example;

/// Every example of this crate, in reading order.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "tcp_echo_blocking",
        notes: "002 Sockets como ejemplo (handshake)",
        shows: "connect, send, recv, close, one client at a time; the TCP states the OS reports at each step",
        figures: false,
    },
    Example {
        name: "tcp_echo_threaded",
        notes: "004 (network server)",
        shows: "a hilo per connection, bounded; threads and memory at 10 and 500 connections",
        figures: false,
    },
    Example {
        name: "nonblocking",
        notes: "002 Sockets como ejemplo (blocking vs non-blocking)",
        shows: "a non-blocking read says WouldBlock; retrying burns a core, poll sleeps until it is ready",
        figures: false,
    },
    Example {
        name: "epoll_echo",
        notes: "002 Sockets (the OS's event notification)",
        shows: "one thread, epoll by hand, many clients; partial writes kept per connection",
        figures: false,
    },
    Example {
        name: "tokio_echo",
        notes: "002 Sockets, asyncio",
        shows: "the same server on tokio, with a graceful shutdown and a deadline",
        figures: false,
    },
    Example {
        name: "mailbox",
        notes: "002 Ejemplo del Buzón de Correo",
        shows: "letters as UDP datagrams to named boxes; a full box drops them silently; TCP frames arrive all, in order",
        figures: false,
    },
    Example {
        name: "http_get",
        notes: "002 (requests.get), Sockets como ejemplo",
        shows: "an HTTP/1.1 GET by hand, blocking and async: the bytes on the wire, Content-Length and chunked",
        figures: false,
    },
    Example {
        name: "distributed_work",
        notes: "004 Computo distribuido, a travez de mensajes",
        shows: "a coordinator hands chunks to worker processes over TCP (serde frames, heartbeats); killed, stopped and late workers, the result still exact",
        figures: false,
    },
    Example {
        name: "distributed_rpc",
        notes: "004 Computo distribuido",
        shows: "the same job on tarpc: the service is a trait, deadlines and request ids come free; retrying a lost chunk elsewhere stays yours",
        figures: false,
    },
    Example {
        name: "echo_load",
        notes: "(a tool)",
        shows: "N connections x M round trips of B bytes, every echo checked; req/s, p50, p99",
        figures: true,
    },
];
