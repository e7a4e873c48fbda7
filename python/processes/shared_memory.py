"""Memoria compartida: a Value and an Array shared by processes; lost updates, and the lock.

Twin of examples-processes/src/bin/shared_memory.rs (same flags; the keys it shares).
Ports: notes 000, "Memoria compartida"; 003, "Comunicación entre procesos"
(Value, Array). `v.value += 1` from several processes is a read then a write:
updates are lost (lost_no_lock) unless the Value's own lock is held
(`with v.get_lock():`, lost_shared_lock, got_shared_lock). Python has no
atomic fetch_add on a Value and no per-process lock to misuse, so the Rust
side's lost_std_mutex, lost_atomic and got_atomic are its own. A way that
lost nothing runs again, up to --attempts times (losses need two cores at once).

Run: python3 python/processes/shared_memory.py --processes 4
"""
import argparse
from multiprocessing import Array, Process, Value


def f(num, arr):
    num.value = 3.141592653589793
    for i in range(len(arr)):
        arr[i] = -arr[i]


def count(v, n, locked):
    for _ in range(n):
        if locked:
            with v.get_lock():  # the lock lives in shared memory, beside the value
                v.value += 1
        else:
            v.value += 1  # read, then write: another process's update in between is lost


def run(processes, n, locked):
    v = Value("i", 0, lock=True)
    ps = [Process(target=count, args=(v, n, locked)) for _ in range(processes)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    return v.value


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--iterations", type=int, default=2_000_000)
    p.add_argument("--attempts", type=int, default=5)
    a = p.parse_args()
    num, arr = Value("d", 0.0), Array("i", range(10))
    child = Process(target=f, args=(num, arr))
    child.start()
    child.join()
    print(num.value, arr[:])  # the child's writes ARE seen here
    expected = a.processes * a.iterations
    for _ in range(a.attempts):
        got = run(a.processes, a.iterations, False)
        if got < expected:
            break
    got_locked = run(a.processes, a.iterations, True)
    print(f"no lock: {got} of {expected}; with the Value's lock: {got_locked}")
    print("== result ==")
    for k, v in [("num", num.value), ("arr", ",".join(map(str, arr[:]))), ("expected", expected),
                 ("lost_no_lock", expected - got), ("lost_shared_lock", expected - got_locked),
                 ("got_shared_lock", got_locked)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
