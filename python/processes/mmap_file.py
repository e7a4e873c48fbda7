"""A file mapped into two processes: one writes, the other reads.

Twin of examples-processes/src/bin/mmap_file.rs (its flags --message, --size,
--delay-ms; the keys it shares). Ports: notes 004, "memory mapped regions".
Both processes mmap the same file (MAP_SHARED, mmap.mmap's default); the
writer puts the message after an 8-byte length and sets the length last: the
reader polls the length, then reads the bytes. The file also holds them.

Run: python3 python/processes/mmap_file.py --delay-ms 500
"""
import argparse
import mmap
import os
import struct
import tempfile
import time
from multiprocessing import Process


def writer(path, size, message, delay):
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), size) as m:
        time.sleep(delay)
        data = message.encode()
        m[8:8 + len(data)] = data
        m[0:8] = struct.pack("<Q", len(data))  # published last: the reader waits for it


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--message", default="hola desde el proceso escritor")
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--delay-ms", type=int, default=0)
    a = p.parse_args()
    fd, path = tempfile.mkstemp()
    os.ftruncate(fd, a.size)
    os.close(fd)
    w = Process(target=writer, args=(path, a.size, a.message, a.delay_ms / 1000))
    w.start()
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), a.size) as m:
        deadline = time.monotonic() + 60
        while (n := struct.unpack("<Q", m[0:8])[0]) == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        seen = m[8:8 + n].decode()
    w.join(60)
    with open(path, "rb") as f:
        same = f.read()[8:8 + n].decode() == a.message
    os.unlink(path)
    print(f"reader {os.getpid()} saw {seen!r}")
    print("== result ==")
    for k, v in [("bytes", n), ("reader_saw_message", str(seen == a.message).lower()),
                 ("file_same", str(same).lower()), ("file_removed", str(not os.path.exists(path)).lower()),
                 ("writer_pid", w.pid), ("reader_pid", os.getpid())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
