//! Memoria compartida: a Value, an Array and a lock that work across procesos.
//!
//! Python's `multiprocessing.Value('d', 0.0)` and `Array('i', range(10))`
//! live in shared memory, so a child's writes are seen by the parent (unlike
//! ordinary variables, see `process_context`). Here the same thing is built
//! on `mmap(MAP_SHARED | MAP_ANONYMOUS)`: a mapping made *before* `fork` is
//! the same physical memory in the parent and in every forked child.
//! (A child started by re-exec does not inherit it: it would need a named
//! mapping, a file or `memfd`, passed to it; `mmap_file` shows a file.)
//!
//! What may live in such memory, and how it may be touched, is the lesson:
//! - Only plain data. A pointer (a `Box`, a `Vec`, a `String`) points into
//!   one process's private heap; in another process it means nothing.
//! - Every access that can race is an **atomic** access. Two processes on
//!   two cores writing the same bytes with plain loads and stores is a data
//!   race (undefined behaviour in Rust, as between threads). So [`Value`]
//!   and [`Array`] keep each element in an `AtomicU64`.
//! - "Atomic access" is not "atomic update": `v = load(); store(v + 1)` is
//!   two steps, and two processes doing it at once lose updates
//!   ([`Value::add_unsynchronised`], on purpose). Python's `v.value += 1`
//!   does exactly this, even though `Value` has a lock inside: `+=` takes it
//!   once to read and once to write. The fixes: one atomic read-modify-write
//!   ([`Value::fetch_add`]), or a lock around the two steps ([`Locked`]).
//! - The lock must itself live in the shared memory. A `std::sync::Mutex`
//!   (or parking_lot's) is per-process: one made before `fork` is *copied*
//!   into each child, and each process then locks its own copy, which
//!   excludes nobody. Even one placed inside the mapping would not do: std's
//!   futex waits are process-private (`FUTEX_PRIVATE_FLAG`), so a process
//!   sleeping on it is never woken by another. [`Locked`] is a spin lock on
//!   an `AtomicU32` in the mapping: it works across processes because its
//!   whole state is one word of shared memory. Its cost: a waiter burns CPU
//!   instead of sleeping, and if the holder is descheduled, waiters spin for
//!   a time slice (it spins 64 times, then yields the CPU with
//!   `sched_yield` before every further look at the lock). It is also unfair: the process that just released it
//!   usually re-takes it before a waiter notices, so under contention one
//!   process may run its whole loop while the other waits (the example's
//!   "found taken" count shows it; a ticket lock would take turns). A real
//!   program would use a process-shared pthread mutex or a futex without
//!   the private flag, which sleep instead.
//!
//! All of this is safe to use from a forked child: atomics and plain memory
//! are async-signal-safe, and `sched_yield` is a bare system call.
//!
//! This module needs `unsafe`: `mmap` hands back a raw pointer, and turning
//! it into `&AtomicU64` or a value behind the lock is a promise the compiler
//! cannot check (that the memory is mapped, aligned, initialised, and only
//! reached in the ways allowed above). Each `unsafe` block says why its
//! promise holds; the types around them are safe to use.

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::io;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};

/// An anonymous shared mapping: zero-filled pages, shared with every child
/// forked after it was made, unmapped (in this process) on drop.
struct Mapping {
    ptr: NonNull<c_void>,
    bytes: usize,
}

// SAFETY: a Mapping is only an address and a length. What lives in it is
// reached through the typed wrappers below, which allow only atomics or
// lock-guarded access, so sharing the address between threads is sound.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    fn new(bytes: usize) -> io::Result<Mapping> {
        let length = NonZeroUsize::new(bytes.max(1)).expect("max(1) is never zero");
        // SAFETY: an anonymous mapping at an address the kernel chooses
        // overlaps nothing that exists; we own it until munmap in Drop.
        let ptr = unsafe {
            mmap_anonymous(
                None,
                length,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )
        }
        .map_err(io::Error::from)?;
        Ok(Mapping {
            ptr,
            bytes: length.get(),
        })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr/bytes are exactly what mmap returned, and every
        // reference into the mapping borrows from its owner, so none
        // outlives this drop.
        let _ = unsafe { munmap(self.ptr, self.bytes) };
    }
}

/// A plain value that fits in 64 bits, stored in an `AtomicU64`.
pub trait Scalar: Copy {
    fn to_bits(self) -> u64;
    fn from_bits(bits: u64) -> Self;
}

impl Scalar for u64 {
    fn to_bits(self) -> u64 {
        self
    }
    fn from_bits(bits: u64) -> Self {
        bits
    }
}

impl Scalar for i64 {
    fn to_bits(self) -> u64 {
        self as u64
    }
    fn from_bits(bits: u64) -> Self {
        bits as i64
    }
}

impl Scalar for i32 {
    fn to_bits(self) -> u64 {
        self as i64 as u64
    }
    fn from_bits(bits: u64) -> Self {
        bits as i64 as i32
    }
}

impl Scalar for f64 {
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
    fn from_bits(bits: u64) -> Self {
        f64::from_bits(bits)
    }
}

/// The first `len` bytes-times-8 of a mapping, as `AtomicU64`s.
///
/// # Safety
///
/// The caller must make sure that `len * 8 <= mapping.bytes`, and that the
/// mapping's memory is only ever accessed atomically (through this slice or
/// others like it). The rest holds for every `Mapping`: it is page-aligned
/// (so 8-aligned), zero-filled or written with `AtomicU64`s (all-zero bytes
/// are a valid `AtomicU64`), and mapped for as long as the borrow lasts.
unsafe fn cells(mapping: &Mapping, len: usize) -> &[AtomicU64] {
    debug_assert!(len * 8 <= mapping.bytes);
    // SAFETY: see the function's contract above.
    unsafe { std::slice::from_raw_parts(mapping.ptr.as_ptr().cast::<AtomicU64>(), len) }
}

/// Python's `multiprocessing.Value`: one scalar in shared memory.
pub struct Value<T: Scalar> {
    mapping: Mapping,
    _type: PhantomData<T>,
}

impl<T: Scalar> Value<T> {
    pub fn new(initial: T) -> io::Result<Value<T>> {
        let value = Value {
            mapping: Mapping::new(8)?,
            _type: PhantomData,
        };
        value.set(initial);
        Ok(value)
    }

    fn cell(&self) -> &AtomicU64 {
        // SAFETY: the mapping holds at least 8 bytes (one page).
        unsafe { &cells(&self.mapping, 1)[0] }
    }

    /// `v.value`
    pub fn get(&self) -> T {
        T::from_bits(self.cell().load(Ordering::SeqCst))
    }

    /// `v.value = x`
    pub fn set(&self, value: T) {
        self.cell().store(value.to_bits(), Ordering::SeqCst);
    }
}

impl Value<u64> {
    /// A start line for forked children: each adds 1 on arrival, then waits
    /// (at most `limit`) until `processes` have arrived, so they really run
    /// at the same time; false if they did not in time (the parent died or
    /// failed while forking them). Atomics, `sched_yield` and
    /// `clock_gettime` only: fine in a forked child.
    pub fn wait_at_start_line(&self, processes: u64, limit: std::time::Duration) -> bool {
        self.fetch_add(1);
        let started = std::time::Instant::now();
        while self.get() < processes {
            if started.elapsed() >= limit {
                return false;
            }
            std::hint::spin_loop();
            std::thread::yield_now();
        }
        true
    }

    /// One atomic read-modify-write: no update is ever lost. Returns the
    /// value before.
    pub fn fetch_add(&self, delta: u64) -> u64 {
        self.cell().fetch_add(delta, Ordering::SeqCst)
    }

    /// Python's `v.value += delta` without a lock around it: read, then
    /// write, in two steps. Another process's write in between is lost.
    /// (Each step is atomic, so this is a *race condition*, not a data race:
    /// wrong answers, no undefined behaviour.)
    pub fn add_unsynchronised(&self, delta: u64) {
        let seen = self.cell().load(Ordering::Relaxed);
        self.cell()
            .store(seen.wrapping_add(delta), Ordering::Relaxed);
    }
}

/// Python's `multiprocessing.Array`: a fixed-length array in shared memory.
pub struct Array<T: Scalar> {
    mapping: Mapping,
    len: usize,
    _type: PhantomData<T>,
}

impl<T: Scalar> Array<T> {
    pub fn from_slice(values: &[T]) -> io::Result<Array<T>> {
        let bytes = values
            .len()
            .checked_mul(8)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "array too large"))?;
        let array = Array {
            mapping: Mapping::new(bytes)?,
            len: values.len(),
            _type: PhantomData,
        };
        for (index, value) in values.iter().enumerate() {
            array.set(index, *value);
        }
        Ok(array)
    }

    fn cells(&self) -> &[AtomicU64] {
        // SAFETY: the mapping was made with len * 8 bytes (or one page).
        unsafe { cells(&self.mapping, self.len) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `a[index]`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<T> {
        self.cells()
            .get(index)
            .map(|cell| T::from_bits(cell.load(Ordering::SeqCst)))
    }

    /// `a[index] = value`; false (and nothing written) past the end.
    pub fn set(&self, index: usize, value: T) -> bool {
        match self.cells().get(index) {
            Some(cell) => {
                cell.store(value.to_bits(), Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// `a[:]`: a copy of every element, into this process's memory.
    pub fn to_vec(&self) -> Vec<T> {
        self.cells()
            .iter()
            .map(|cell| T::from_bits(cell.load(Ordering::SeqCst)))
            .collect()
    }
}

/// The shared part of a [`Locked`]: the lock word, a statistic, the value.
#[repr(C)]
struct LockedInner<T> {
    /// 0 = free, 1 = taken.
    state: AtomicU32,
    /// How many times a process found the lock taken and had to wait.
    contended: AtomicU64,
    value: UnsafeCell<T>,
}

/// A value in shared memory behind a spin lock that works across processes
/// (Python's `with v.get_lock(): v.value += 1`).
///
/// `T` must be plain data: `Copy` (nothing to drop, no heap to own) and
/// `'static`. A reference inside would still point into one process's
/// memory: harmless to read after fork (the child has a copy), useless to
/// share.
pub struct Locked<T: Copy + Send + 'static> {
    mapping: Mapping,
    _type: PhantomData<T>,
}

// SAFETY: the value is only reached through a guard, and a guard exists in
// at most one thread of one process at a time (the lock word says so).
unsafe impl<T: Copy + Send + 'static> Sync for Locked<T> {}

impl<T: Copy + Send + 'static> Locked<T> {
    pub fn new(initial: T) -> io::Result<Locked<T>> {
        if std::mem::align_of::<LockedInner<T>>() > 4096 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a mapping is page-aligned (4096): a type that needs a larger alignment cannot live in one",
            ));
        }
        let mapping = Mapping::new(std::mem::size_of::<LockedInner<T>>())?;
        // SAFETY: the mapping is large enough and page-aligned for
        // LockedInner<T> (checked above), nobody else can see it yet, and
        // `write` does not read or drop the zero bytes it replaces.
        unsafe {
            mapping
                .ptr
                .as_ptr()
                .cast::<LockedInner<T>>()
                .write(LockedInner {
                    state: AtomicU32::new(0),
                    contended: AtomicU64::new(0),
                    value: UnsafeCell::new(initial),
                });
        }
        Ok(Locked {
            mapping,
            _type: PhantomData,
        })
    }

    fn inner(&self) -> &LockedInner<T> {
        // SAFETY: initialised in `new`, lives as long as `self`.
        unsafe { &*self.mapping.ptr.as_ptr().cast::<LockedInner<T>>() }
    }

    /// Takes the lock, spinning (then yielding) while another holder has it.
    pub fn lock(&self) -> LockedGuard<'_, T> {
        let inner = self.inner();
        if inner
            .state
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            inner.contended.fetch_add(1, Ordering::Relaxed);
            // Spin checks for this whole call, not per retry: after the
            // first 64 (a few hundred nanoseconds), every further check
            // yields first. A holder that is not running cannot release
            // the lock, so burning more CPU on it would only delay it.
            let mut spins = 0u32;
            loop {
                // Wait until it looks free before trying again: reading a
                // shared cache line is cheap, writing it (a failed CAS is a
                // write attempt) makes it bounce between the cores.
                while inner.state.load(Ordering::Relaxed) != 0 {
                    if spins < 64 {
                        std::hint::spin_loop();
                        spins += 1;
                    } else {
                        // The holder may not be running: give it our CPU.
                        std::thread::yield_now();
                    }
                }
                if inner
                    .state
                    .compare_exchange_weak(0, 1, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    break;
                }
            }
        }
        LockedGuard { inner }
    }

    /// A copy of the value (takes the lock).
    pub fn get(&self) -> T {
        *self.lock()
    }

    /// How many times any process found the lock taken.
    pub fn contended(&self) -> u64 {
        self.inner().contended.load(Ordering::Relaxed)
    }
}

/// Access to a [`Locked`] value; unlocks on drop.
pub struct LockedGuard<'a, T> {
    inner: &'a LockedInner<T>,
}

impl<T> Deref for LockedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: we hold the lock, so no other guard exists anywhere.
        unsafe { &*self.inner.value.get() }
    }
}

impl<T> DerefMut for LockedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes this the only reference.
        unsafe { &mut *self.inner.value.get() }
    }
}

impl<T> Drop for LockedGuard<'_, T> {
    fn drop(&mut self) {
        // Release: our writes to the value are visible to the next holder,
        // whichever process it is in.
        self.inner.state.store(0, Ordering::Release);
    }
}

/// Harness for `shared_memory`: forks `processes` children named
/// `<name>-<i>` that each run `body` once, released together from a start
/// line in shared memory (so they really run at the same time, on different
/// cores, which is when updates race). Returns the children for
/// [`crate::child::join_all`]; a child that waited 30 s in vain for the
/// others exits 3. `body` runs in a forked child: atomics and memory only.
pub fn fork_together(
    name: &str,
    processes: u64,
    body: impl Fn(),
) -> Result<Vec<crate::child::Child>, crate::child::ChildError> {
    let start_line = Value::new(0u64).map_err(|source| crate::child::ChildError::Io {
        what: "mapping the start line".into(),
        source,
    })?;
    (0..processes)
        .map(|index| {
            crate::child::Child::fork(format!("{name}-{index}"), || {
                if !start_line.wait_at_start_line(processes, std::time::Duration::from_secs(30)) {
                    return 3; // the others never came: give up
                }
                body();
                0
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_line_opens_when_everyone_arrived() {
        let line = Value::new(1u64).unwrap(); // one sibling already there
        assert!(line.wait_at_start_line(2, std::time::Duration::from_secs(30)));
        assert_eq!(line.get(), 2);
    }

    #[test]
    fn the_start_line_gives_up_when_a_sibling_never_comes() {
        let line = Value::new(0u64).unwrap();
        let started = std::time::Instant::now();
        assert!(!line.wait_at_start_line(2, std::time::Duration::from_millis(50)));
        assert!(started.elapsed() >= std::time::Duration::from_millis(50));
    }
    use std::thread;

    #[test]
    fn value_holds_scalars_of_each_kind() {
        let v = Value::new(0.0f64).unwrap();
        v.set(2.5);
        assert_eq!(v.get(), 2.5);
        let i = Value::new(-5i64).unwrap();
        assert_eq!(i.get(), -5);
        let c = Value::new(7u64).unwrap();
        assert_eq!(c.fetch_add(3), 7);
        c.add_unsynchronised(1);
        assert_eq!(c.get(), 11);
    }

    #[test]
    fn array_reads_writes_and_refuses_out_of_range() {
        let a = Array::from_slice(&[0i32, 1, 2, -3]).unwrap();
        assert_eq!(a.len(), 4);
        assert!(a.set(1, -1));
        assert!(!a.set(4, 9));
        assert_eq!(a.get(3), Some(-3));
        assert_eq!(a.get(4), None);
        assert_eq!(a.to_vec(), vec![0, -1, 2, -3]);
        let empty = Array::<u64>::from_slice(&[]).unwrap();
        assert!(empty.is_empty() && empty.to_vec().is_empty());
    }

    // Between threads here (forking inside the test harness is refused);
    // the processes case is the shared_memory example and its test.
    #[test]
    fn fetch_add_and_the_lock_lose_no_update_between_threads() {
        let counter = Value::new(0u64).unwrap();
        let locked = Locked::new(0u64).unwrap();
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..20_000 {
                        counter.fetch_add(1);
                        *locked.lock() += 1;
                    }
                });
            }
        });
        assert_eq!(counter.get(), 80_000);
        assert_eq!(locked.get(), 80_000);
    }

    #[test]
    fn a_type_aligned_beyond_a_page_is_an_error_not_a_panic() {
        #[derive(Clone, Copy)]
        #[repr(align(8192))]
        struct Huge;
        let refused = Locked::new(Huge);
        assert_eq!(
            refused.err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidInput)
        );
    }

    #[test]
    fn locked_holds_plain_structs() {
        #[derive(Clone, Copy, Debug, PartialEq)]
        struct Account {
            balance: i64,
            operations: u32,
        }
        let account = Locked::new(Account {
            balance: 100,
            operations: 0,
        })
        .unwrap();
        {
            let mut guard = account.lock();
            guard.balance -= 30;
            guard.operations += 1;
        }
        assert_eq!(
            account.get(),
            Account {
                balance: 70,
                operations: 1
            }
        );
        assert_eq!(account.contended(), 0);
    }
}
