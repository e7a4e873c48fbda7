//! Figures for examples-async: the runtime built by hand (s3_reactor) against
//! tokio's current-thread runtime, in one run, on one thread each.
//!
//! Not a test: it prints a table measured on this machine. Run in release:
//!
//!     cargo bench -p examples-async --bench figures
//!
//! Rows: spawning and running 100,000 trivial tasks; 10,000 concurrent
//! sleeps of 100 ms (wall time beyond the 100 ms, and CPU time); a loopback
//! TCP ping-pong of 64 B (one round trip); 100 connections echoing 64 B at
//! once (round trips per second). Each figure is the median of 5 runs, and
//! every run checks its result (every task ran, every echo came back equal).
#![forbid(unsafe_code)]

#[cfg(target_os = "linux")]
fn main() {
    figures::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the hand-built runtime uses epoll: Linux only");
}

#[cfg(target_os = "linux")]
mod figures {
    use std::time::{Duration, Instant};

    use examples_async::harness::thread_cpu_time;
    use examples_async::runtime::s3_reactor as hand;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const RUNS: usize = 5;
    const TASKS: usize = 100_000;
    const SLEEPERS: usize = 10_000;
    const NAP: Duration = Duration::from_millis(100);
    const PING_PONGS: usize = 20_000;
    const CONNECTIONS: usize = 100;
    const ROUNDS: usize = 200;
    const MSG: usize = 64;

    fn tokio_rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// Median of RUNS values.
    fn median(mut f: impl FnMut() -> f64) -> f64 {
        let mut all: Vec<f64> = (0..RUNS).map(|_| f()).collect();
        all.sort_by(f64::total_cmp);
        all[RUNS / 2]
    }

    /// Runs `f` and returns (wall, this thread's CPU), in ms.
    fn clock(f: impl FnOnce()) -> (f64, f64) {
        let (cpu, wall) = (thread_cpu_time(), Instant::now());
        f();
        (
            wall.elapsed().as_secs_f64() * 1e3,
            (thread_cpu_time() - cpu).as_secs_f64() * 1e3,
        )
    }

    fn tasks_hand() -> f64 {
        let rt = hand::Runtime::new().unwrap();
        clock(|| {
            let sum = rt.block_on(async {
                let handles: Vec<_> = (0..TASKS).map(|i| hand::spawn(async move { i })).collect();
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                sum
            });
            assert_eq!(sum, TASKS * (TASKS - 1) / 2);
        })
        .0
    }

    fn tasks_tokio() -> f64 {
        let rt = tokio_rt();
        clock(|| {
            let sum = rt.block_on(async {
                let handles: Vec<_> = (0..TASKS).map(|i| tokio::spawn(async move { i })).collect();
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                sum
            });
            assert_eq!(sum, TASKS * (TASKS - 1) / 2);
        })
        .0
    }

    fn sleeps_hand() -> (f64, f64) {
        let rt = hand::Runtime::new().unwrap();
        clock(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..SLEEPERS)
                    .map(|_| hand::spawn(hand::sleep(NAP)))
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        })
    }

    fn sleeps_tokio() -> (f64, f64) {
        let rt = tokio_rt();
        clock(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..SLEEPERS)
                    .map(|_| tokio::spawn(tokio::time::sleep(NAP)))
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        })
    }

    /// `connections` clients each doing `rounds` echoes of MSG bytes; returns wall ms.
    fn echo_hand(connections: usize, rounds: usize) -> f64 {
        let rt = hand::Runtime::new().unwrap();
        clock(|| {
            rt.block_on(async {
                let listener = hand::TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                let server = hand::spawn(async move {
                    for _ in 0..connections {
                        let (mut peer, _) = listener.accept().await.unwrap();
                        peer.set_nodelay(true).unwrap();
                        hand::spawn(async move {
                            let mut buf = [0u8; MSG];
                            while peer.read_exact(&mut buf).await.is_ok() {
                                peer.write_all(&buf).await.unwrap();
                            }
                        });
                    }
                });
                let clients: Vec<_> = (0..connections)
                    .map(|c| {
                        hand::spawn(async move {
                            let mut s = hand::TcpStream::connect(addr).await.unwrap();
                            s.set_nodelay(true).unwrap();
                            let msg = [c as u8; MSG];
                            let mut back = [0u8; MSG];
                            for _ in 0..rounds {
                                s.write_all(&msg).await.unwrap();
                                s.read_exact(&mut back).await.unwrap();
                                assert_eq!(back, msg);
                            }
                        })
                    })
                    .collect();
                for c in clients {
                    c.await.unwrap();
                }
                server.await.unwrap();
            })
        })
        .0
    }

    fn echo_tokio(connections: usize, rounds: usize) -> f64 {
        let rt = tokio_rt();
        clock(|| {
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let server = tokio::spawn(async move {
                    for _ in 0..connections {
                        let (mut peer, _) = listener.accept().await.unwrap();
                        peer.set_nodelay(true).unwrap();
                        tokio::spawn(async move {
                            let mut buf = [0u8; MSG];
                            while peer.read_exact(&mut buf).await.is_ok() {
                                peer.write_all(&buf).await.unwrap();
                            }
                        });
                    }
                });
                let clients: Vec<_> = (0..connections)
                    .map(|c| {
                        tokio::spawn(async move {
                            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                            s.set_nodelay(true).unwrap();
                            let msg = [c as u8; MSG];
                            let mut back = [0u8; MSG];
                            for _ in 0..rounds {
                                s.write_all(&msg).await.unwrap();
                                s.read_exact(&mut back).await.unwrap();
                                assert_eq!(back, msg);
                            }
                        })
                    })
                    .collect();
                for c in clients {
                    c.await.unwrap();
                }
                server.await.unwrap();
            })
        })
        .0
    }

    fn row(what: &str, unit: &str, hand: f64, tokio: f64) {
        println!(
            "{what:<44} {hand:>12.2} {tokio:>12.2}  {unit:<6} {:>6.2}",
            hand / tokio
        );
    }

    pub fn main() {
        println!(
            "examples-async figures: hand-built runtime vs tokio current-thread, median of {RUNS} runs\n"
        );
        println!(
            "{:<44} {:>12} {:>12}  {:<6} {:>6}",
            "what", "hand-built", "tokio", "unit", "ratio"
        );
        row(
            &format!("spawn + run {TASKS} trivial tasks"),
            "ms",
            median(tasks_hand),
            median(tasks_tokio),
        );
        let hand: Vec<(f64, f64)> = (0..RUNS).map(|_| sleeps_hand()).collect();
        let tokio: Vec<(f64, f64)> = (0..RUNS).map(|_| sleeps_tokio()).collect();
        let mid = |v: &[(f64, f64)], f: fn(&(f64, f64)) -> f64| {
            let mut x: Vec<f64> = v.iter().map(f).collect();
            x.sort_by(f64::total_cmp);
            x[RUNS / 2]
        };
        let nap = NAP.as_secs_f64() * 1e3;
        row(
            &format!("{SLEEPERS} sleeps of 100 ms: wall beyond 100 ms"),
            "ms",
            mid(&hand, |m| m.0) - nap,
            mid(&tokio, |m| m.0) - nap,
        );
        row(
            &format!("{SLEEPERS} sleeps of 100 ms: CPU"),
            "ms",
            mid(&hand, |m| m.1),
            mid(&tokio, |m| m.1),
        );
        let per_trip = |ms: f64| ms * 1e3 / PING_PONGS as f64;
        row(
            "TCP ping-pong of 64 B: one round trip",
            "µs",
            per_trip(median(|| echo_hand(1, PING_PONGS))),
            per_trip(median(|| echo_tokio(1, PING_PONGS))),
        );
        let rate = |ms: f64| (CONNECTIONS * ROUNDS) as f64 / (ms / 1e3);
        row(
            &format!("{CONNECTIONS} connections echoing 64 B"),
            "trip/s",
            rate(median(|| echo_hand(CONNECTIONS, ROUNDS))),
            rate(median(|| echo_tokio(CONNECTIONS, ROUNDS))),
        );
        println!(
            "\nratio = hand-built / tokio (for trips/s, above 1 means the hand-built one is faster)."
        );
    }
}
