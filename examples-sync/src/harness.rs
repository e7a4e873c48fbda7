//! Harness the examples call in one line: starting named hilos, joining
//! them, ending a run. Not the lesson; the lesson is in each `src/bin` file.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// Runs `producers` hilos (`proveedor-<i>`, each running what
/// `producer(i)` returns) and `consumers` hilos (`cliente-<i>`, each
/// returning what it got); once every producer is done, drops `producer`
/// (and any `Sender` it owns: that is what closes a channel), calls
/// `finish()` (close the queue, or send the sentinels) and returns what
/// each consumer got. A panic in a hilo is passed on to the caller.
pub fn producers_consumers<'env, T, P, C>(
    producers: usize,
    consumers: usize,
    mut producer: impl FnMut(usize) -> P,
    mut consumer: impl FnMut() -> C,
    finish: impl FnOnce(),
) -> io::Result<Vec<Vec<T>>>
where
    T: Send + 'env,
    P: FnOnce() + Send + 'env,
    C: FnOnce() -> Vec<T> + Send + 'env,
{
    thread::scope(|s| {
        let clientes = (0..consumers)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("cliente-{i}"))
                    .spawn_scoped(s, consumer())
            })
            .collect::<io::Result<Vec<_>>>()?;
        let proveedores = (0..producers)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("proveedor-{i}"))
                    .spawn_scoped(s, producer(i))
            })
            .collect::<io::Result<Vec<_>>>()?;
        drop(producer);
        // Finish even if a producer panicked, so no consumer waits forever.
        let produced: Vec<_> = proveedores.into_iter().map(|p| p.join()).collect();
        finish();
        let consumed: Vec<_> = clientes.into_iter().map(|c| c.join()).collect();
        for result in produced {
            result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        Ok(consumed
            .into_iter()
            .map(|c| c.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect())
    })
}

/// Starts `n` hilos named `<prefix>-<i>`, each running `body(i)`, and
/// returns what each returned, in order.
pub fn hilos<T: Send>(
    n: usize,
    prefix: &str,
    body: impl Fn(usize) -> T + Sync,
) -> io::Result<Vec<T>> {
    let body = &body;
    thread::scope(|s| {
        let handles = (0..n)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("{prefix}-{i}"))
                    .spawn_scoped(s, move || body(i))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect())
    })
}

/// How a run of [`finish_within`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every hilo finished before the deadline.
    Finished,
    /// Not finished at the deadline, and no step for the last 200 ms:
    /// every hilo is blocked (a deadlock).
    Stuck,
    /// Not finished at the deadline, but still making steps (just slow).
    StillMoving,
}

/// Starts `n` hilos (`<prefix>-<i>`, each running `job(i, steps)`, which
/// adds 1 to `steps` after each unit of work) and waits at most `deadline`
/// for all of them to finish. Hilos still blocked at the deadline are left
/// as they are (a deadlock cannot be undone from outside); they end with
/// the process.
pub fn finish_within(
    prefix: &str,
    n: usize,
    deadline: std::time::Duration,
    job: impl Fn(usize, &AtomicUsize) + Send + Sync + 'static,
) -> io::Result<Ended> {
    let shared = Arc::new((job, AtomicUsize::new(0)));
    let handles = (0..n)
        .map(|i| {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("{prefix}-{i}"))
                .spawn(move || (shared.0)(i, &shared.1))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let all_done = || handles.iter().all(|h| h.is_finished());
    if wait_until(deadline, all_done) {
        return Ok(Ended::Finished);
    }
    let before = shared.1.load(Ordering::SeqCst);
    thread::sleep(std::time::Duration::from_millis(200));
    let moved = shared.1.load(Ordering::SeqCst) != before;
    Ok(if all_done() {
        Ended::Finished
    } else if moved {
        Ended::StillMoving
    } else {
        Ended::Stuck
    })
}

/// Yields until `ready()` or until `timeout` has passed; returns `ready()`.
/// For "is that hilo asleep yet?" checks, so an example never guesses with
/// a sleep and never waits forever.
pub fn wait_until(timeout: std::time::Duration, ready: impl Fn() -> bool) -> bool {
    let until = std::time::Instant::now() + timeout;
    while !ready() {
        if std::time::Instant::now() >= until {
            return ready();
        }
        thread::sleep(std::time::Duration::from_micros(200));
    }
    true
}
