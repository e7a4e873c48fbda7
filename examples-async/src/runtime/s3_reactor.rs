//! Step 3: a reactor on epoll, the notes' "sistema de notificación de
//! eventos". The loop no longer parks: it sleeps in `epoll_wait`, which
//! returns when a socket is ready, when the nearest timer is due (its
//! timeout) or when another thread writes to an eventfd. On it: the
//! runtime's own `sleep`, `TcpListener` and `TcpStream`.
//!
//! A socket is non-blocking and registered once, edge-triggered, for both
//! reading and writing; the reactor keeps one waker per direction. A read
//! tries the socket first; only on `WouldBlock` does the task leave its
//! waker and return `Pending`, and it is not polled again until epoll says
//! the socket changed. (Waking itself right after WouldBlock would spin.)

use std::collections::{BTreeMap, HashMap};
use std::future::{Future, poll_fn};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::eventfd::{EfdFlags, EventFd};

use super::s2_executor::{Driver, Executor};
pub use super::s2_executor::{JoinError, JoinHandle, spawn, spawn_named};

/// The token of the eventfd in epoll's events; sockets get 1, 2, ...
const WAKE_TOKEN: u64 = 0;

/// What the reactor did: how often epoll returned, and why.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReactorStats {
    pub epoll_waits: u64,
    /// epoll returned because another thread wrote the eventfd.
    pub eventfd_wakes: u64,
    /// Socket readiness events that woke a task.
    pub io_wakes: u64,
    pub timers_fired: u64,
}

#[derive(Default)]
struct IoWakers {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

#[derive(Default)]
struct State {
    io: HashMap<u64, IoWakers>,
    next_token: u64,
    /// Sorted by deadline (then by id): the first entry is the next to fire.
    timers: BTreeMap<(Instant, u64), Waker>,
    next_timer: u64,
    stats: ReactorStats,
}

/// epoll, an eventfd, the sockets' wakers and the timers.
pub struct Reactor {
    epoll: Epoll,
    eventfd: EventFd,
    loop_thread: ThreadId,
    state: Mutex<State>,
    trace: std::sync::atomic::AtomicBool,
}

impl Reactor {
    fn new() -> io::Result<Self> {
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
        let eventfd = EventFd::from_flags(EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_CLOEXEC)?;
        epoll.add(
            eventfd.as_fd(),
            EpollEvent::new(EpollFlags::EPOLLIN, WAKE_TOKEN),
        )?;
        let state = State {
            next_token: WAKE_TOKEN + 1,
            ..State::default()
        };
        Ok(Reactor {
            epoll,
            eventfd,
            loop_thread: thread::current().id(),
            state: Mutex::new(state),
            trace: false.into(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn say(&self, message: impl FnOnce() -> String) {
        if self.trace.load(std::sync::atomic::Ordering::Relaxed) {
            shared::output::say_as("epoll", message());
        }
    }

    pub fn stats(&self) -> ReactorStats {
        self.state().stats
    }

    /// Registers `fd` for reading and writing, edge-triggered: epoll reports
    /// each change of readiness once.
    fn register(&self, fd: impl AsFd) -> io::Result<u64> {
        let mut state = self.state();
        let token = state.next_token;
        state.next_token += 1;
        state.io.insert(token, IoWakers::default());
        let interest = EpollFlags::EPOLLIN
            | EpollFlags::EPOLLOUT
            | EpollFlags::EPOLLRDHUP
            | EpollFlags::EPOLLET;
        self.epoll.add(fd, EpollEvent::new(interest, token))?;
        Ok(token)
    }

    fn deregister(&self, fd: impl AsFd, token: u64) {
        let _ = self.epoll.delete(fd);
        self.state().io.remove(&token);
    }

    /// "Wake `waker` when `token` is readable (or writable)."
    fn wait_for(&self, token: u64, write: bool, waker: &Waker) {
        if let Some(slot) = self.state().io.get_mut(&token) {
            let place = if write {
                &mut slot.writer
            } else {
                &mut slot.reader
            };
            place.replace(waker.clone());
        }
    }

    fn add_timer(&self, deadline: Instant, waker: &Waker) -> u64 {
        let mut state = self.state();
        let id = state.next_timer;
        state.next_timer += 1;
        state.timers.insert((deadline, id), waker.clone());
        id
    }

    fn update_timer(&self, deadline: Instant, id: u64, waker: &Waker) {
        if let Some(slot) = self.state().timers.get_mut(&(deadline, id)) {
            slot.clone_from(waker);
        }
    }

    fn remove_timer(&self, deadline: Instant, id: u64) {
        self.state().timers.remove(&(deadline, id));
    }
}

impl Driver for Reactor {
    /// One turn of the notes' loop: ask epoll what is ready (sleeping in it,
    /// when `sleep`, until a socket, the nearest timer or the eventfd); then
    /// wake the tasks waiting on them.
    fn turn(&self, sleep: bool) {
        let timeout = match self.state().timers.keys().next() {
            _ if !sleep => EpollTimeout::ZERO, // busy: just look
            // Rounded up to whole ms (epoll's unit): rounding down would wake
            // just before the deadline and turn the loop for nothing.
            Some((deadline, _)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                let ms = left.as_micros().div_ceil(1_000);
                EpollTimeout::try_from(ms).unwrap_or(EpollTimeout::MAX)
            }
            None => EpollTimeout::NONE, // nothing to time: sleep until an event
        };
        let mut events = [EpollEvent::empty(); 64];
        let n = match self.epoll.wait(&mut events, timeout) {
            Ok(n) => n,
            Err(nix::errno::Errno::EINTR) => 0,
            Err(e) => panic!("epoll_wait failed: {e}"),
        };
        let mut to_wake: Vec<Waker> = Vec::new();
        let mut state = self.state();
        state.stats.epoll_waits += 1;
        for event in &events[..n] {
            if event.data() == WAKE_TOKEN {
                let _ = self.eventfd.read(); // reset the counter
                state.stats.eventfd_wakes += 1;
                self.say(|| "woken by the eventfd (another thread)".into());
                continue;
            }
            let flags = event.events();
            let Some(slot) = state.io.get_mut(&event.data()) else {
                continue;
            };
            let broken = EpollFlags::EPOLLHUP | EpollFlags::EPOLLERR | EpollFlags::EPOLLRDHUP;
            let readable = flags.intersects(EpollFlags::EPOLLIN | broken);
            let writable = flags.intersects(EpollFlags::EPOLLOUT | broken);
            let woken = [
                readable.then(|| slot.reader.take()),
                writable.then(|| slot.writer.take()),
            ];
            let before = to_wake.len();
            to_wake.extend(woken.into_iter().flatten().flatten());
            let count = (to_wake.len() - before) as u64;
            state.stats.io_wakes += count;
            self.say(|| {
                format!(
                    "socket {} ready ({flags:?}): wakes {count} task(s)",
                    event.data()
                )
            });
        }
        // Due timers, in deadline order (the map is sorted by deadline).
        let now = Instant::now();
        let mut due = 0;
        while let Some(entry) = state.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            to_wake.push(entry.remove());
            due += 1;
        }
        state.stats.timers_fired += due;
        drop(state);
        if due > 0 {
            self.say(|| format!("{due} timer(s) due: wakes their task(s)"));
        }
        for waker in to_wake {
            waker.wake();
        }
    }

    /// From another thread, write the eventfd so epoll_wait returns. On the
    /// loop's own thread the loop is running, not sleeping: nothing to do.
    fn wake(&self) {
        if thread::current().id() != self.loop_thread {
            let _ = self.eventfd.write(1);
        }
    }
}

thread_local! {
    static REACTOR: std::cell::RefCell<Option<Arc<Reactor>>> = const { std::cell::RefCell::new(None) };
}

/// The reactor of the runtime running on this thread.
fn reactor() -> Arc<Reactor> {
    REACTOR
        .with(|r| r.borrow().clone())
        .expect("used outside Runtime::block_on (no running loop)")
}

/// Step 2's executor sleeping in step 3's reactor: the whole runtime.
pub struct Runtime {
    executor: Executor,
    reactor: Arc<Reactor>,
}

impl Runtime {
    /// A runtime whose loop runs on the calling thread.
    pub fn new() -> io::Result<Self> {
        let reactor = Arc::new(Reactor::new()?);
        let executor = Executor::with_driver(Arc::clone(&reactor) as Arc<dyn Driver>);
        Ok(Runtime { executor, reactor })
    }

    /// Print every poll and every epoll wake-up.
    pub fn set_trace(&self, on: bool) {
        self.executor.set_trace(on);
        self.reactor
            .trace
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn stats(&self) -> (super::s2_executor::Stats, ReactorStats) {
        (self.executor.stats(), self.reactor.stats())
    }

    /// asyncio.run: turns the loop until `main` completes.
    pub fn block_on<F: Future>(&self, main: F) -> F::Output {
        assert_eq!(
            thread::current().id(),
            self.reactor.loop_thread,
            "block_on on another thread"
        );
        let previous = REACTOR.with(|r| r.replace(Some(Arc::clone(&self.reactor))));
        let value = self.executor.block_on(main);
        REACTOR.with(|r| *r.borrow_mut() = previous);
        value
    }
}

/// asyncio.sleep: a timer in the reactor; no thread, no CPU while waiting.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

/// Sleeps until `deadline` (asyncio's `loop.call_at`, as a future).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        timer: None,
        reactor: reactor(),
    }
}

pub struct Sleep {
    deadline: Instant,
    timer: Option<u64>,
    reactor: Arc<Reactor>,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            if let Some(id) = self.timer.take() {
                self.reactor.remove_timer(self.deadline, id);
            }
            return Poll::Ready(());
        }
        match self.timer {
            Some(id) => self.reactor.update_timer(self.deadline, id, cx.waker()),
            None => self.timer = Some(self.reactor.add_timer(self.deadline, cx.waker())),
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(id) = self.timer {
            self.reactor.remove_timer(self.deadline, id);
        }
    }
}

/// Runs `op` on a non-blocking socket; on WouldBlock leaves the task's
/// waker with the reactor and returns Pending (the one place a task waits).
fn poll_io<T>(
    reactor: &Reactor,
    token: u64,
    write: bool,
    cx: &mut Context<'_>,
    mut op: impl FnMut() -> io::Result<T>,
) -> Poll<io::Result<T>> {
    match op() {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            reactor.wait_for(token, write, cx.waker());
            Poll::Pending
        }
        result => Poll::Ready(result),
    }
}

/// A listening socket on the runtime.
pub struct TcpListener {
    inner: std::net::TcpListener,
    token: u64,
    reactor: Arc<Reactor>,
}

impl TcpListener {
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let inner = std::net::TcpListener::bind(addr)?;
        inner.set_nonblocking(true)?;
        let reactor = reactor();
        let token = reactor.register(&inner)?;
        Ok(TcpListener {
            inner,
            token,
            reactor,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) =
            poll_fn(|cx| poll_io(&self.reactor, self.token, false, cx, || self.inner.accept()))
                .await?;
        Ok((TcpStream::from_std(stream)?, peer))
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        self.reactor.deregister(&self.inner, self.token);
    }
}

/// A connected socket on the runtime.
pub struct TcpStream {
    inner: std::net::TcpStream,
    token: u64,
    reactor: Arc<Reactor>,
}

impl TcpStream {
    fn from_std(inner: std::net::TcpStream) -> io::Result<Self> {
        inner.set_nonblocking(true)?;
        let reactor = reactor();
        let token = reactor.register(&inner)?;
        Ok(TcpStream {
            inner,
            token,
            reactor,
        })
    }

    /// Connects without blocking the loop: a non-blocking `connect` answers
    /// EINPROGRESS; the socket turns writable when the handshake is done.
    pub async fn connect(addr: SocketAddr) -> io::Result<Self> {
        use nix::sys::socket::{self, AddressFamily, SockFlag, SockType, SockaddrStorage, sockopt};
        let family = if addr.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        let flags = SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC;
        let fd: OwnedFd = socket::socket(family, SockType::Stream, flags, None)?;
        match socket::connect(fd.as_raw_fd(), &SockaddrStorage::from(addr)) {
            Ok(()) | Err(nix::errno::Errno::EINPROGRESS) => {}
            Err(e) => return Err(e.into()),
        }
        let stream = TcpStream::from_std(std::net::TcpStream::from(fd))?;
        poll_fn(|cx| {
            // Still connecting: not writable yet, peer_addr says ENOTCONN.
            match socket::getsockopt(&stream.inner, sockopt::SocketError) {
                Ok(0) => {}
                Ok(errno) => return Poll::Ready(Err(io::Error::from_raw_os_error(errno))),
                Err(e) => return Poll::Ready(Err(e.into())),
            }
            poll_io(&stream.reactor, stream.token, true, cx, || {
                match stream.inner.peer_addr() {
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    other => other,
                }
            })
        })
        .await?;
        Ok(stream)
    }

    /// Reads what is there (0 at end of stream); waits only if nothing is.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            poll_io(&self.reactor, self.token, false, cx, || {
                (&self.inner).read(buf)
            })
        })
        .await
    }

    /// Writes all of `buf`, waiting whenever the send buffer is full.
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = poll_fn(|cx| {
                poll_io(&self.reactor, self.token, true, cx, || {
                    (&self.inner).write(buf)
                })
            })
            .await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Reads exactly `buf.len()` bytes.
    pub async fn read_exact(&mut self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.read(buf).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf = &mut buf[n..];
        }
        Ok(())
    }

    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.inner.set_nodelay(on)
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        self.reactor.deregister(&self.inner, self.token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{CountPolls, thread_cpu_time, value_from_thread};
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::sync::atomic::Ordering;
    use std::sync::mpsc;

    #[test]
    fn a_thousand_sleeping_tasks_cost_about_no_cpu() {
        let runtime = Runtime::new().unwrap();
        let cpu = thread_cpu_time();
        let started = Instant::now();
        let done = runtime.block_on(async {
            let handles: Vec<_> = (0..1_000)
                .map(|_| spawn(sleep(Duration::from_millis(500))))
                .collect();
            let mut done = 0;
            for handle in handles {
                handle.await.unwrap();
                done += 1;
            }
            done
        });
        let (wall, cpu) = (started.elapsed(), thread_cpu_time() - cpu);
        assert_eq!(done, 1_000);
        assert!(wall >= Duration::from_millis(500));
        assert!(
            cpu < wall / 20,
            "cpu {cpu:?} of wall {wall:?}: the loop spun"
        );
        let (executor, reactor) = runtime.stats();
        // Each task polled about twice (start, wake); the loop slept, not spun.
        assert!(executor.polls < 2_000 * 2, "{executor:?}");
        assert!(reactor.epoll_waits < 200, "{reactor:?}");
    }

    #[test]
    fn timers_fire_in_deadline_order() {
        let runtime = Runtime::new().unwrap();
        let order = Rc::new(RefCell::new(Vec::new()));
        runtime.block_on(async {
            // Deadlines fixed before any task runs, spawned out of order.
            let start = Instant::now();
            let handles: Vec<_> = [50u64, 10, 40, 20, 30, 0]
                .into_iter()
                .map(|ms| {
                    let order = Rc::clone(&order);
                    let deadline = start + Duration::from_millis(ms);
                    spawn(async move {
                        sleep_until(deadline).await;
                        order.borrow_mut().push(ms);
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        });
        assert_eq!(*order.borrow(), [0, 10, 20, 30, 40, 50]);
    }

    #[test]
    fn a_task_that_never_waits_does_not_starve_timers() {
        let runtime = Runtime::new().unwrap();
        let fired = Rc::new(std::cell::Cell::new(false));
        let spins = runtime.block_on(async {
            let flag = Rc::clone(&fired);
            spawn(async move {
                sleep(Duration::from_millis(20)).await;
                flag.set(true);
            });
            // Always ready again (asyncio.sleep(0) in a loop): the loop is
            // never idle, yet it must still look at epoll's timers.
            let started = Instant::now();
            let mut spins = 0u64;
            while !fired.get() && started.elapsed() < Duration::from_secs(10) {
                spins += 1;
                let mut yielded = false;
                poll_fn(|cx| {
                    if std::mem::replace(&mut yielded, true) {
                        return Poll::Ready(());
                    }
                    cx.waker().wake_by_ref();
                    Poll::Pending
                })
                .await;
            }
            spins
        });
        assert!(fired.get(), "the timer never fired in {spins} turns");
    }

    #[test]
    fn a_reader_is_not_polled_again_until_its_socket_is_ready() {
        let runtime = Runtime::new().unwrap();
        let (polls, got) = runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let writer = spawn(async move {
                let (mut peer, _) = listener.accept().await.unwrap();
                sleep(Duration::from_millis(200)).await;
                peer.write_all(b"hola").await.unwrap();
            });
            // Meanwhile a ticker keeps the loop turning, so a reader that
            // was re-polled on every turn would show it.
            let ticker = spawn(async {
                for _ in 0..10 {
                    sleep(Duration::from_millis(10)).await;
                }
            });
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let (read, polls) = CountPolls::new(async move {
                let mut buf = [0u8; 16];
                let n = stream.read(&mut buf).await.unwrap();
                buf[..n].to_vec()
            });
            let got = read.await;
            writer.await.unwrap();
            ticker.await.unwrap();
            (polls.load(Ordering::SeqCst), got)
        });
        let other_polls = runtime.stats().0.polls;
        assert_eq!(got, b"hola");
        // Once to find WouldBlock and leave its waker, once when epoll said ready.
        assert_eq!(polls, 2);
        assert!(other_polls > 10, "the loop turned {other_polls} times");
    }

    #[test]
    fn a_wake_from_another_thread_reaches_a_loop_blocked_in_epoll_wait() {
        let (done_tx, done_rx) = mpsc::channel();
        let looper = thread::spawn(move || {
            let runtime = Runtime::new().unwrap();
            let value = runtime.block_on(async {
                // No timers, no sockets: the loop can only sleep in
                // epoll_wait with no timeout; only the eventfd can end it.
                value_from_thread(Duration::from_millis(100), 5).await
            });
            let _ = done_tx.send((value, runtime.stats().1));
        });
        let (value, stats) = done_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the loop never woke: the eventfd did not reach epoll_wait");
        looper.join().unwrap();
        assert_eq!(value, 5);
        assert!(stats.eventfd_wakes >= 1, "{stats:?}");
    }

    #[test]
    fn a_panicking_task_does_not_stop_the_reactor() {
        let runtime = Runtime::new().unwrap();
        let (bad, good) = runtime.block_on(async {
            let bad = spawn(async {
                sleep(Duration::from_millis(5)).await;
                panic!("on purpose: a failing task");
            });
            let good = spawn(async {
                sleep(Duration::from_millis(20)).await;
                7
            });
            (bad.await, good.await)
        });
        assert_eq!(bad, Err(JoinError::Panicked));
        assert_eq!(good, Ok(7));
    }

    #[test]
    fn echo_over_loopback() {
        let runtime = Runtime::new().unwrap();
        let echoed = runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            spawn(async move {
                let (mut peer, _) = listener.accept().await.unwrap();
                let mut buf = vec![0u8; 1 << 20];
                peer.read_exact(&mut buf).await.unwrap();
                peer.write_all(&buf).await.unwrap();
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            // 1 MiB: more than the socket buffers, so writes hit WouldBlock.
            let data: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
            client.write_all(&data).await.unwrap();
            let mut back = vec![0u8; data.len()];
            client.read_exact(&mut back).await.unwrap();
            back == data
        });
        assert!(echoed);
    }

    #[test]
    fn connecting_to_a_closed_port_is_an_error_not_a_hang() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = closed.local_addr().unwrap();
        drop(closed);
        let runtime = Runtime::new().unwrap();
        let result = runtime.block_on(TcpStream::connect(addr));
        assert!(result.is_err());
    }
}
