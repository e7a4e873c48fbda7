//! A file mapped `MAP_SHARED` into several procesos, and a message
//! published through it: the `mmap_file` example's mechanics.
//!
//! Both procesos map the same file, so both see the SAME physical pages
//! (the kernel's page cache for that file): a byte one stores is there for
//! the other at once, with no read(), write() or copy. Nothing orders the
//! two processes' memory accesses unless we do: bytes 0..4 are an
//! `AtomicU32` "length published"; the writer stores the message, then the
//! length with Release; the reader loads a non-zero length with Acquire and
//! only then reads the bytes. Every shared byte is an `AtomicU8`: a writer
//! that broke the order could make the reader see wrong bytes, but never a
//! data race, which Rust would call undefined behaviour. Atomics work
//! across processes because they are instructions on memory, whoever maps
//! it; a std `Mutex` would not (see `shared_memory`).
//!
//! `unsafe`: mmap hands back a raw pointer, and the compiler cannot know
//! that another process writes behind it. Each block says why it is sound.

use std::fs::File;
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};

use anyhow::{Context as _, ensure};
use nix::sys::mman::{MapFlags, MsFlags, ProtFlags, mmap, msync, munmap};

/// Where the message starts in the mapping; bytes 0..4 hold its length.
pub const BODY_OFFSET: usize = 8;

/// A `MAP_SHARED` read-write mapping of a whole file, unmapped on drop.
pub struct SharedMap {
    ptr: NonNull<u8>,
    len: usize,
}

impl SharedMap {
    /// Maps the first `len` bytes of `file` (open read-write, at least `len` long).
    pub fn new(file: &File, len: usize) -> anyhow::Result<SharedMap> {
        ensure!(
            len > BODY_OFFSET,
            "the mapping must be longer than its header"
        );
        let length = NonZeroUsize::new(len).context("empty mapping")?;
        // SAFETY: `addr` is None, so the kernel picks a fresh address range
        // and no existing memory of ours is replaced. The file is open
        // read-write and already `len` bytes long, so every mapped byte is
        // backed by the file; only this example uses it, and nobody
        // truncates it while it is mapped (that would make access SIGBUS).
        let ptr = unsafe {
            mmap(
                None,
                length,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                file,
                0,
            )
        }
        .context("mmap failed")?;
        Ok(SharedMap {
            ptr: ptr.cast(),
            len,
        })
    }

    /// The "length published" field, shared with the other process.
    fn published_len(&self) -> &AtomicU32 {
        // SAFETY: the mapping starts on a page boundary, so the pointer is
        // aligned for a u32; it is at least BODY_OFFSET (8) bytes long and
        // stays mapped for as long as `&self` lives. Both processes only ever
        // touch these 4 bytes through an AtomicU32, which has the layout of
        // a u32, so there is no non-atomic access to race with.
        unsafe { AtomicU32::from_ptr(self.ptr.as_ptr().cast::<u32>()) }
    }

    /// Byte `index` of the mapping, as an atomic.
    ///
    /// Every shared byte is read and written only through atomics, in both
    /// processes. The reader trusts the writer to store the length after the
    /// bytes and not to touch them afterwards; a writer that broke that
    /// promise (a bug, or any other process that opens the file) could make
    /// the reader see a mix of old and new bytes: wrong data, but never a
    /// data race, which in Rust would be undefined behaviour.
    fn byte(&self, index: usize) -> Option<&AtomicU8> {
        if index < BODY_OFFSET || index >= self.len {
            return None; // the header is the AtomicU32's; past the end is not ours
        }
        // SAFETY: BODY_OFFSET <= index < len, so the byte lies inside our
        // mapping and outside the header; it stays mapped for as long as
        // `&self` lives. AtomicU8 has the size and alignment of u8, and both
        // processes only ever touch these bytes through atomics.
        Some(unsafe { AtomicU8::from_ptr(self.ptr.as_ptr().add(index)) })
    }

    /// Writer: stores `message` after the header, then publishes its length.
    pub fn publish(&self, message: &[u8]) -> anyhow::Result<()> {
        ensure!(
            message.len() <= self.len - BODY_OFFSET,
            "the message ({} bytes) does not fit in the mapping ({} bytes after the header)",
            message.len(),
            self.len - BODY_OFFSET
        );
        let len = u32::try_from(message.len()).context("message too long")?;
        for (index, &value) in (BODY_OFFSET..).zip(message) {
            let byte = self.byte(index).context("outside the mapping")?;
            // Relaxed: the Release store of the length below orders them.
            byte.store(value, Ordering::Relaxed);
        }
        // Release: the bytes stored above are visible to whoever loads this
        // length with Acquire, in this process or any other.
        self.published_len().store(len, Ordering::Release);
        Ok(())
    }

    /// Reader: the published bytes, once the length is non-zero.
    pub fn read_published(&self) -> Option<Vec<u8>> {
        // Acquire pairs with the writer's Release: its byte stores happened
        // before this load saw the length.
        let len = self.published_len().load(Ordering::Acquire) as usize;
        if len == 0 {
            return None;
        }
        // The length comes from another process: clamp it to the mapping.
        let len = len.min(self.len - BODY_OFFSET);
        (BODY_OFFSET..BODY_OFFSET + len)
            .map(|index| self.byte(index).map(|byte| byte.load(Ordering::Relaxed)))
            .collect()
    }

    /// Reader's harness: polls [`SharedMap::read_published`] until the
    /// writer publishes, the writer dies, a stop signal comes
    /// ([`crate::child::stop_on_signals`]) or `limit` passes. Polling (with
    /// a 1 ms sleep) is the simple way to wait on memory; a futex or a pipe
    /// would wake us without polling.
    pub fn wait_published(
        &self,
        writer: &mut crate::child::Child,
        limit: std::time::Duration,
    ) -> anyhow::Result<Vec<u8>> {
        let until = std::time::Instant::now() + limit;
        loop {
            if let Some(bytes) = self.read_published() {
                return Ok(bytes);
            }
            crate::child::check_stop()?;
            if let Some(exit) = writer.try_wait()? {
                // It may have published just before exiting: look once more.
                if let Some(bytes) = self.read_published() {
                    return Ok(bytes);
                }
                anyhow::bail!("the writer ended ({exit}) without publishing anything");
            }
            if std::time::Instant::now() >= until {
                anyhow::bail!("the writer published nothing within {limit:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Asks the kernel to write the dirty pages to the file now. The other
    /// mapping does not need this (it shares the pages); the file on disk does.
    pub fn sync(&self) -> anyhow::Result<()> {
        // SAFETY: the range is exactly our mapping, which is still mapped.
        unsafe { msync(self.ptr.cast(), self.len, MsFlags::MS_SYNC) }.context("msync failed")
    }
}

impl Drop for SharedMap {
    fn drop(&mut self) {
        // SAFETY: ptr/len are exactly what mmap returned, and this is the
        // last use: no reference into the mapping outlives `self` (all
        // borrows of the AtomicU32 are tied to `&self`).
        let _ = unsafe { munmap(self.ptr.cast(), self.len) };
    }
}
