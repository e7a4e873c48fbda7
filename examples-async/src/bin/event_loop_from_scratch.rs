//! The bucle de eventos from scratch: the runtime built by hand in this crate
//! (executor + epoll reactor), with every turn of the loop printed.
//!
//! Ports: notes 002, "Como funciona un Event Loop?" ("Cada iteración del
//! bucle de eventos comprueba las tareas que deben ejecutarse...") and
//! "Sockets como ejemplo" (non-blocking sockets, "sistemas de notificación
//! de eventos": epoll on Linux, which asyncio's selector uses too).
//! Python: `asyncio.run(main())` with tasks that sleep and talk over a socket;
//! the loop is hidden inside asyncio.
//! Rust: `examples_async::runtime::s3_reactor` is that loop, small enough to
//! read (`src/runtime/`, three steps). Here it runs two sleepers, an echo
//! server and its client on loopback TCP, and a value computed on another
//! thread; `set_trace(true)` prints each poll of a task (`loop`) and each
//! epoll wake-up with what woke it (`epoll`): a socket, a timer or the
//! eventfd another thread writes. Then 1,000 tasks sleep at once: the loop
//! sleeps in epoll_wait and its CPU time stays near zero.
//!
//! What you see: a task is polled, runs to its next await, and the loop
//! moves on; the client's read is polled twice: once to find nothing
//! (WouldBlock: it leaves its waker with epoll), once when epoll says ready.
//!
//! Run: cargo run -p examples-async --bin event_loop_from_scratch
#![forbid(unsafe_code)]

use clap::Parser;

#[derive(Parser)]
#[command(
    about = "The hand-built runtime turning: every poll, every epoll wake-up",
    allow_negative_numbers = true
)]
struct Args {
    /// Tasks sleeping at once in the second part.
    #[arg(long, default_value_t = 1_000, value_name = "1..=100000", value_parser = shared::cli::range(1..=100_000u64))]
    sleepers: u64,
    /// How long they sleep, in ms.
    #[arg(long, default_value_t = 500, value_name = "1..=10000", value_parser = shared::cli::range(1..=10_000u64))]
    idle_ms: u64,
}

#[cfg(target_os = "linux")]
fn main() -> anyhow::Result<()> {
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    use examples_async::harness::{CountPolls, thread_cpu_time, value_from_thread};
    use examples_async::runtime::s3_reactor::{
        Runtime, TcpListener, TcpStream, sleep, spawn, spawn_named,
    };
    use shared::output::{heading, line, results, say_as};

    shared::output::start();
    let args = Args::parse();
    heading("one loop, five tasks, every turn printed");
    let runtime = Runtime::new()?;
    runtime.set_trace(true);
    let (echoed, reader_polls) = runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let sleeper_a = spawn_named("sleeper-a", async {
            sleep(Duration::from_millis(30)).await;
            sleep(Duration::from_millis(30)).await;
        });
        let sleeper_b = spawn_named("sleeper-b", sleep(Duration::from_millis(50)));
        let from_thread = spawn_named("from-thread", async {
            let v = value_from_thread(Duration::from_millis(40), 42).await;
            say_as("from-thread", format!("another thread computed {v}"));
        });
        let server = spawn_named("server", async move {
            let (mut peer, _) = listener.accept().await?;
            let mut buf = [0u8; 64];
            let n = peer.read(&mut buf).await?;
            peer.write_all(&buf[..n]).await // echo
        });
        let client = spawn_named("client", async move {
            let mut stream = TcpStream::connect(addr).await?;
            stream.write_all(b"hola").await?;
            let mut buf = [0u8; 64];
            let (read, polls) = CountPolls::new(stream.read(&mut buf));
            let n = read.await?;
            say_as(
                "client",
                format!("got {:?} back", String::from_utf8_lossy(&buf[..n])),
            );
            std::io::Result::Ok((buf[..n] == *b"hola", polls.load(Ordering::SeqCst)))
        });
        let echoed = client.await??;
        server.await??;
        for task in [sleeper_a, sleeper_b, from_thread] {
            task.await?;
        }
        anyhow::Ok(echoed)
    })?;
    runtime.set_trace(false);
    let (executor, reactor) = runtime.stats();
    line(format!(
        "{} polls, {} epoll waits ({} socket wake-ups, {} timers, {} eventfd wake-ups from another thread)",
        executor.polls,
        reactor.epoll_waits,
        reactor.io_wakes,
        reactor.timers_fired,
        reactor.eventfd_wakes
    ));

    heading(&format!(
        "{} tasks sleeping {} ms at once",
        args.sleepers, args.idle_ms
    ));
    let (cpu, started) = (thread_cpu_time(), Instant::now());
    runtime.block_on(async {
        let idle = Duration::from_millis(args.idle_ms);
        let tasks: Vec<_> = (0..args.sleepers).map(|_| spawn(sleep(idle))).collect();
        for task in tasks {
            let _ = task.await;
        }
    });
    let (cpu, wall) = (thread_cpu_time() - cpu, started.elapsed());
    let percent = 100.0 * cpu.as_secs_f64() / wall.as_secs_f64();
    line(format!(
        "{} sleeping tasks: {:.1} ms of CPU in {:.0} ms ({percent:.2}%): the loop slept in epoll_wait, it did not spin.",
        args.sleepers,
        cpu.as_secs_f64() * 1e3,
        wall.as_secs_f64() * 1e3
    ));
    results(&[
        ("echo_ok", &echoed),
        ("reader_polls", &reader_polls),
        ("eventfd_wakes", &reactor.eventfd_wakes),
        ("timers_fired", &reactor.timers_fired),
        ("sleepers", &args.sleepers),
        ("wall_ms", &format!("{:.1}", wall.as_secs_f64() * 1e3)),
        ("cpu_ms", &format!("{:.2}", cpu.as_secs_f64() * 1e3)),
        ("cpu_percent", &format!("{percent:.2}")),
    ]);
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn main() -> anyhow::Result<()> {
    let _ = Args::parse();
    anyhow::bail!("event_loop_from_scratch uses epoll: Linux only")
}
