"""Condición de carrera: an unsynchronised read-modify-write loses updates; a Lock fixes it.

Twin of examples-sync/src/bin/race_condition.rs (same flags; the keys it shares).
Ports: notes 004, "Memoria compartida" (read/write --> error). The racy
increment reads, yields (time.sleep(0), as the Rust example yields between
its load and store, unless --no-yield), then writes: another thread's update
in between is lost. A bare `counter += 1` happened to lose nothing on
CPython 3.11 here (the GIL switches only at certain bytecodes); it is still
not correct. Python has no fetch_add, so that key is Rust's only.

Run: python3 python/sync/race_condition.py --threads 2 --iterations 100000
"""
import argparse
import threading
import time


def together(threads, body):
    ts = [threading.Thread(target=body) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", type=int, default=100_000)
    p.add_argument("--no-yield", action="store_true")
    a = p.parse_args()
    counter = [0]

    def racy():
        for _ in range(a.iterations):
            value = counter[0]  # read
            if not a.no_yield:
                time.sleep(0)  # let another thread run between the read and the write
            counter[0] = value + 1  # write: whatever others wrote meanwhile is lost

    together(a.threads, racy)
    racy_count = counter[0]
    counter[0], lock = 0, threading.Lock()

    def locked():
        for _ in range(a.iterations):
            with lock:
                counter[0] += 1

    together(a.threads, locked)
    expected = a.threads * a.iterations
    print(f"racy: {racy_count} of {expected}; with a Lock: {counter[0]}")
    print("== result ==")
    for k, v in [("expected", expected), ("racy", racy_count), ("lost", expected - racy_count),
                 ("mutex", counter[0])]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
